"""catalog.placeholder_values finds the entry's match as lookup does, its pieces first (gapsearch),
not by a re.search of the whole pattern from the line's start (fuzz22: a line of the entry's prefix
repeated before the real text cost 2.5 s): the same values on normal lines, linear in the line."""
from __future__ import annotations

import random
import re

import pytest

from growth_util import FLOOR, assert_linear, best_seconds
from samlscan import catalog
from samlscan.catalog import _PLACEHOLDER, _VAR, _literal_regex, lookup, placeholder_values

JAVA = ("The response was received at ", "https://a.example/acs instead of https://b.example/acs", "java-saml")
SSP = ("Destination in response doesn't match the current URL. Destination is \"",
       'https://a/x", current URL is "https://a/y".', "simplesamlphp")


def _whole_pattern_values(entry, text: str) -> dict[str, str]:
    """The values as the whole pattern, searched from the line's start, gives them (the old reading)."""
    parts = _PLACEHOLDER.split(entry.pattern)
    names = [n[1:-1] for n in _PLACEHOLDER.findall(entry.pattern)]
    body = "".join(_literal_regex(lit) + ("" if i == len(names) else f"({_VAR})" if parts[i + 1].strip()
                                          else r"""([^\s\[\]|"'<>]{1,400})""") for i, lit in enumerate(parts))
    m = re.search(body, text, re.IGNORECASE) if names else None
    return {name: m.group(i + 1).strip().rstrip(".,;)") for i, name in enumerate(names)} if m else {}


SAMPLES = ("https://sp.example.com/acs", "2025-10-10T13:55:36Z", "user@example.com", "_abc123", "mail", "1712345678")
HEADS = ("", "2025-10-10 13:55:36 ERROR [web] ", "x ", "[req] ")
TAILS = ("", " ][method|GET]", ". Then", " (see log)")


def _entries():
    return [c.entry for c in catalog._index().compiled if _PLACEHOLDER.search(c.entry.pattern)]


def test_every_entry_gives_the_values_the_whole_pattern_gave():
    """Each catalog entry with placeholders, its text filled in and framed as a log writes it: the
    same values as before (over 200 entries, 800 lines)."""
    rnd = random.Random(27)
    entries = _entries()
    assert len(entries) > 150
    for entry in entries:
        for head, tail in zip(HEADS, TAILS):
            text = head + _PLACEHOLDER.sub(lambda _: rnd.choice(SAMPLES), entry.pattern) + tail
            assert placeholder_values(entry, text) == _whole_pattern_values(entry, text), (entry.pattern, text)


def test_named_values_of_known_lines():
    text = SSP[0] + SSP[1]
    assert placeholder_values(lookup(text, SSP[2]), text) == {"destination": "https://a/x", "current": "https://a/y"}
    blank = "User with email jane@example.com already exists. Please login to account management to link the account."  # two placeholders around a blank piece
    entry = next(e for e in _entries() if e.pattern.startswith("User with <attribute> <value> already exists"))
    assert placeholder_values(entry, blank) == _whole_pattern_values(entry, blank) == {
        "attribute": "email", "value": "jane@example.com"}
    audience = "https://sp.example.com is not a valid audience for this Response"  # a leading placeholder
    entry = next(e for e in _entries() if e.pattern.startswith("<spEntityId> is not a valid audience"))
    assert placeholder_values(entry, audience) == {"spEntityId": "https://sp.example.com"}
    assert placeholder_values(entry, "nothing of it") == {}


@pytest.mark.parametrize("prefix, rest, product", [JAVA, SSP], ids=["java-saml", "simplesamlphp"])
def test_a_repeated_prefix_costs_what_the_line_with_it_once_costs(prefix, rest, product):
    """Fails on the old code: re.search tried the whole pattern at each of 20,000 repeats of the
    entry's prefix, each gap scanned to its 2,048-character bound (1.2 s on a 580 KB java-saml line,
    2.5 s on a loaded machine). Compared with a line of the same size holding the prefix once."""
    repeated = prefix * 20_000 + rest
    once = "x" * (len(repeated) - len(prefix) - len(rest) - 1) + " " + prefix + rest
    entry = lookup(repeated, product)
    assert entry is not None and lookup(once, product) == entry
    values = lambda text: placeholder_values(entry, text)  # noqa: E731
    assert values(repeated) == _whole_pattern_values(entry, repeated)  # (the same match, found sooner)
    assert values(once) == _whole_pattern_values(entry, once)
    t_once, t_repeated = best_seconds(values, once), best_seconds(values, repeated)
    assert t_repeated <= 4 * t_once + FLOOR, (t_once, t_repeated)


@pytest.mark.parametrize("prefix, rest, product", [JAVA, SSP], ids=["java-saml", "simplesamlphp"])
def test_values_grow_linearly_with_the_repeats(prefix, rest, product):
    entry = lookup(prefix + rest, product)
    assert_linear(lambda text: placeholder_values(entry, text), lambda n: prefix * n + rest, 5_000)

