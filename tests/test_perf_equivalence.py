"""Speed-ups change no result: the Aho-Corasick and regex prefilter paths keep the same lines."""
from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from samlscan import prefilter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))


def _lines(path: Path, pf, use_ac: bool, monkeypatch, block: int) -> list[tuple[int, str]]:
    monkeypatch.setattr(prefilter, "USE_AC", use_ac)
    monkeypatch.setattr(prefilter, "BLOCK", block)
    counter = [0]
    with open(path, "rb") as fh:
        out = list(prefilter.prefiltered_lines(fh, 0, path.stat().st_size, pf, counter))
    assert counter[0] == path.read_bytes().count(b"\n") + (0 if path.read_bytes().endswith(b"\n") else 1)
    return out


def _tricky(path: Path, seed: int) -> None:
    """Keep literals where the two searches could part ways: overlapping literals ('AMLogout',
    'aml' inside 'Assertion'-like words), several per line, at line ends, on continuation lines
    only, right after a BOM, lines without a newline at the end of the file."""
    rng = random.Random(seed)
    words = [b"aml", b"AML", b"uth", b"Response", b"Assertion", b"AMLogout", b"ResponseAML",
             b"c.o.", b"o.s.s.a.", b"WARN ", b"ERROR ", b"PHNhbWw", b"<?xml", b"noise", b"x" * 40]
    out = [b"\xef\xbb\xbf2025.03.11 08:00:00 INFO  web[a][auth.event] first\n"]
    for n in range(4000):
        head = b"2025.03.11 08:00:%02d INFO  web[r%d][o.s.s.p.X] " % (n % 60, n)
        body = b" ".join(rng.choice(words) for _ in range(rng.randint(0, 4)))
        out.append(head + body + rng.choice([b"\n", b"\r\n"]))
        for _ in range(rng.choice([0, 0, 1, 3])):  # continuation lines, some with literals
            out.append(b"\tat " + b" ".join(rng.choice(words) for _ in range(rng.randint(0, 3))) + b"\n")
        if rng.random() < 0.05:
            out.append(b'{"json": "' + rng.choice(words) + b'"}\n')
    out.append(b"2025.03.11 09:00:00 ERROR web[z][c.o.saml2.Auth] no newline at the end")
    path.write_bytes(b"".join(out))


@pytest.mark.parametrize("block", [prefilter.BLOCK, 4096, 333])
def test_aho_corasick_and_regex_keep_the_same_lines(tmp_path, monkeypatch, block):
    pytest.importorskip("ahocorasick_rs")
    from gen_weblog import write_every_kind

    for i, make in enumerate((lambda p: write_every_kind(str(p), 0.6, seed=13, odd=0.3),
                              lambda p: _tricky(p, 5))):
        log = tmp_path / f"web{i}.log"
        make(log)
        prefilter._COMPILED.clear()
        fast = _lines(log, prefilter._SONAR, True, monkeypatch, block)
        assert prefilter._compiled(prefilter._SONAR)[2] is not None  # the automaton was used
        slow = _lines(log, prefilter._SONAR, False, monkeypatch, block)
        assert prefilter._compiled(prefilter._SONAR)[2] is None
        assert fast == slow and len(fast) > 100
        # not everything is kept: the comparison can tell a difference
        assert len(fast) < log.read_bytes().count(b"\n")


def test_a_different_prefilter_keeps_different_lines(tmp_path, monkeypatch):
    """Failing case: the comparison above is not vacuous; dropping one literal changes the
    kept lines on either path."""
    pytest.importorskip("ahocorasick_rs")
    log = tmp_path / "web.log"
    _tricky(log, 9)
    blind = prefilter.Prefilter(prefilter._SONAR.record_start,
                                tuple(k for k in prefilter._SONAR.keep if k != b"uth"))
    for use_ac in (True, False):
        full = _lines(log, prefilter._SONAR, use_ac, monkeypatch, 4096)
        fewer = _lines(log, blind, use_ac, monkeypatch, 4096)
        assert fewer != full and len(fewer) < len(full)


def test_literals_the_automaton_cannot_take_fall_back_to_the_regex():
    pf = prefilter.Prefilter(prefilter._SONAR.record_start, (b"SAML", b""))
    assert prefilter._compiled(pf)[2] is None
    data = b"2025.03.11 08:00:00 INFO  web[a][x] y\n"
    # an empty literal matches every line: the regex path keeps them all, as before
    assert prefilter._kept_spans(data, pf, False) == [(0, len(data))]


def test_a_base64_samlp_dump_survives_the_app_log_prefilter(tmp_path):
    """The prefilter keeps what the embedded reader looks for (one list: logs.base.DUMP_MARKERS):
    a '<samlp:' dump ('PHNhbWxw...') written by an app's own logger was dropped."""
    import base64
    from datetime import timezone

    from samlscan import logs
    from samlscan.logs.base import EmbeddedSaml
    from samlscan.prefilter import _log_with_prefilter, prefiltered_lines

    xml = ('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r1x" Version="2.0" '
           'IssueInstant="2025-03-11T08:41:02Z"><samlp:Status><samlp:StatusCode '
           'Value="urn:oasis:names:tc:SAML:2.0:status:Responder"/></samlp:Status></samlp:Response>')
    log = tmp_path / "acs.log"
    log.write_text("2025-03-11 09:40:58.013 DEBUG [t1] com.onelogin.saml2.Auth - Settings validated\n"
                   f"2025-03-11 09:41:02.611 DEBUG [t3] com.example.sso.AcsServlet - received "
                   f"{base64.b64encode(xml.encode()).decode()}\n")
    parser, pf = _log_with_prefilter(log.read_bytes())
    with log.open("rb") as fh:
        kept = list(parser.parse(prefiltered_lines(fh, 0, log.stat().st_size, pf, [0]), str(log), timezone.utc))
    whole = list(logs.parse_file(str(log), timezone.utc))
    assert [type(r) for r in kept if isinstance(r, EmbeddedSaml)] == [EmbeddedSaml]
    assert [r for r in kept if isinstance(r, EmbeddedSaml)] == [r for r in whole if isinstance(r, EmbeddedSaml)]


def _long_lines(path: Path, seed: int, limit: int) -> None:
    """Lines around the cut limit (kept, skipped, continuing a kept record), a BOM, CRLF and a
    last line without its newline: what a block boundary can fall inside of."""
    rng = random.Random(seed)
    out = [b"\xef\xbb\xbf"]
    for n in range(300):
        size = rng.choice([10, 200, limit - 60, limit - 59, limit, limit + 1, 3 * limit, 9 * limit])
        kept = rng.random() < 0.5
        head = b"2025.03.11 08:00:%02d %s web[r%d][%s] " % (n % 60, b"ERROR" if kept else b"INFO ", n,
                                                            b"c.o.saml2.Auth" if kept else b"o.s.s.p.X")
        out.append(head + bytes(rng.choice(b"abcxyz") for _ in range(max(size - len(head), 0)))
                   + rng.choice([b"\n", b"\r\n"]))
        if rng.random() < 0.2:
            out.append(b"\tat " + b"q" * rng.choice([5, limit]) + b"\n")
    out.append(b"2025.03.11 09:00:00 ERROR web[z][c.o.saml2.Auth] no newline at the end")
    path.write_bytes(b"".join(out))


@pytest.mark.parametrize("block", [4096, 1000, 333])
def test_lines_longer_than_a_block_read_the_same_whatever_the_block(tmp_path, monkeypatch, block):
    """The block read into one reused buffer carries an unfinished line to the next read and cuts
    a line over LONG_LINE: the lines, their numbers and the count do not depend on where blocks end
    (the whole file in one block is the reference)."""
    limit = 2500
    monkeypatch.setattr(prefilter, "LONG_LINE", limit)
    log = tmp_path / "web.log"
    _long_lines(log, 7, limit)
    whole = _lines(log, prefilter._SONAR, True, monkeypatch, 1 << 24)
    assert any(len(text) == limit for _, text in whole) and len(whole) > 100
    assert _lines(log, prefilter._SONAR, True, monkeypatch, block) == whole
    assert _lines(log, prefilter._SONAR, False, monkeypatch, block) == whole
