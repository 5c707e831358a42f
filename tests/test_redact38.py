"""--redact's known values found by ahocorasick_rs's automaton (report/redact.py Redactor._known_found)
mask exactly what the regex alternation (the path without it) masks; a report of tens of thousands of
group DNs no longer builds a 10 MB regex (60 s of compile, 1.2 GB)."""
from __future__ import annotations

import random

import pytest

from samlscan.report import redact
from samlscan.report.redact import AC_CHARS, Redactor, mask

_ALPHABET = "ab.-@ 张x1&<%+'\"\r\n😀é"


def _both(values, texts) -> tuple[list[str], list[str]]:
    """The texts redacted with the automaton (for any number of values, not only past AC_CHARS) and
    with the regex alternation."""
    got = []
    for use in (True, False):
        redact.USE_AC, redact.AC_CHARS = use, 0
        try:
            red = Redactor(values)
            assert (red._finder is not None) == (use and bool(red._known)), use
            got.append([red.text(t) for t in texts])
        finally:
            redact.USE_AC, redact.AC_CHARS = True, AC_CHARS
    return got[0], got[1]


@pytest.mark.parametrize("seed", range(4))
def test_the_automaton_masks_what_the_regex_masks(seed):
    rng = random.Random(seed)
    for _ in range(250):
        values = ["".join(rng.choice(_ALPHABET) for _ in range(rng.randint(1, 6))) for _ in range(rng.randint(1, 8))]
        texts = ["".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 40))) for _ in range(4)]
        texts += [" ".join(rng.choice(values) for _ in range(3)), rng.choice(values) + rng.choice(_ALPHABET)]
        found, matched = _both(values, texts)
        assert found == matched, (values, texts)


@pytest.mark.parametrize("values, text, expected", [
    # the longest value at a start that no word goes on after: 'dev.user' is inside 'dev.user1', 'dev' is not
    (["dev", "dev.user"], "by dev.user1 and dev.user, dev", "by dev.user1 and {dev.user}, {dev}"),
    # not inside a longer word, name or host: 'corp' in 'corp.example' and 'xcorp' stays
    (["corp"], "corp.example xcorp corp", "corp.example xcorp {corp}"),
    # characters past the Basic Multilingual Plane before a value (the automaton's offsets are the string's)
    (["张伟"], "😀😀 用户张伟登录失败 😀", "😀😀 用户{张伟}登录失败 😀"),
    # a form of the value (as decoded XML and a URL show it) masked as the value itself
    (["R&D"], "team R&amp;D and R%26D", "team {R&D} and {R&D}"),
    # a lone surrogate (bytes a decoding escaped) before and inside a value's place: no UnicodeEncodeError
    (["alice", "bob"], "\udcff alice a\udcffice bob\udcff", "\udcff {alice} a\udcffice {bob}\udcff"),
])
def test_each_value_is_masked_where_a_whole_value_stands(values, text, expected):
    found, matched = _both(values, [text])
    want = expected
    for v in sorted(values, key=len, reverse=True):
        want = want.replace("{" + v + "}", mask(v, redact._kind(v)))
    assert found == matched == [want]


def test_only_a_big_set_of_values_builds_the_automaton():
    """A few values: the regex (as fast to build); 12,000 group DNs, 4 M characters of forms: the automaton."""
    assert Redactor(["alice", "bob"])._finder is None
    assert Redactor([f"CN=Group {i:05d},OU=Groups,DC=corp,DC=example,DC=com" for i in range(12_000)])._finder is not None


def test_tens_of_thousands_of_group_dns_are_masked_in_place():
    """A user in thousands of groups (tests/data/loki34's huge logcli record names 36,000): every DN
    masked, the text between kept."""
    dns = [f"CN=SonarQube Project {i:05d} Readers,OU=Groups,DC=corp,DC=example,DC=com" for i in range(12_000)]
    red = Redactor(dns)
    assert red._finder is not None
    text = "groups: " + "; ".join(dns[::331]) + "; CN=Other,OU=Groups"
    out = red.text(text)
    assert "SonarQube Project" not in out, out[:300]
    assert out.startswith("groups: ") and out.endswith("; CN=Other,OU=Groups"), out[-100:]
    assert out.count(mask(dns[0], redact._kind(dns[0]))) == 1
