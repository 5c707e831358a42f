"""Work saved on a big log's ranges gives the same report: the line counts a range's reader made
number the next range (--jobs 1), and embedded.may_hold skips only lines find_embedded finds
nothing in."""
from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from samlscan import batch
from samlscan.config import Expectations
from samlscan.logs import embedded


def test_jobs_1_numbers_ranges_with_the_counts_their_reader_made(tmp_path, monkeypatch):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from gen_weblog import write_every_kind

    log = tmp_path / "web.log"
    write_every_kind(str(log), 1.5, seed=13, odd=0.2)  # CRLF, blank, over-long and malformed lines
    whole = batch.run_scan([str(log)], Expectations(), jobs=1)
    counted = []
    real = batch._count_lines
    monkeypatch.setattr(batch, "_count_lines", lambda *a: counted.append(a) or real(*a))
    monkeypatch.setattr(batch, "SPLIT_BYTES", 128 * 1024)
    assert len(batch.plan([str(log)])) > 5
    split = batch.run_scan([str(log)], Expectations(), jobs=1)
    assert counted == []  # no range's newlines counted twice
    assert split == whole and len(split.events) > 100
    lines = log.read_bytes().split(b"\n")
    for e in split.events[::25]:  # each event's line is where its time was written
        no = int(e.source.ref.split()[1])
        assert lines[no - 1].startswith(e.time.strftime("%Y.%m.%d %H:%M:%S").encode())


def test_a_range_not_read_is_counted(tmp_path, monkeypatch):
    """A range whose reader failed (0 lines) is counted from the file: the next is numbered right."""
    log = tmp_path / "web.log"
    line = "2025.03.11 08:00:{s:02d} ERROR web[R{n}][c.o.s.a.SamlResponse] Signature validation failed\n"
    log.write_text("".join(line.format(s=n % 60, n=n) for n in range(4000)))
    monkeypatch.setattr(batch, "SPLIT_BYTES", 64 * 1024)
    real = batch._analyze_log
    monkeypatch.setattr(batch, "_analyze_log", lambda *a: (real(*a)[0], 0) if a[4] == 0 else real(*a))
    report = batch.run_scan([str(log)], Expectations(), jobs=1)
    assert [e.source.ref for e in report.events] == [f"line {n}" for n in range(1, 4001)]


_PIECES = ["Response", "SAMLResponse=", "SAMLRequest=", "<", ">", "</Response>", "<samlp:Response ",
           "PHNhbWxw", "PD94bWw", "A" * 44, "Logout", "Assertion", " ", "=", "%2B", "x"]


def _unfiltered(text: str) -> list[str]:
    """find_embedded's patterns run without any gate."""
    spans = [m.span(1) for m in embedded._PARAM.finditer(text)]
    spans += [m.span() for m in embedded._B64.finditer(text)] + list(embedded._xml_spans(text))
    return [text[a:b] for a, b in embedded._without_overlaps(text, spans)]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12).map("".join))
def test_may_hold_is_false_only_where_nothing_is_found(text):
    assert embedded.may_hold(text) or _unfiltered(text) == []
    assert embedded.find_embedded(text) == _unfiltered(text)


def test_may_hold_skips_hints_without_a_value():
    assert not embedded.may_hold("Signature validation failed. SAML Response rejected")
    assert embedded.may_hold("SAMLResponse invalid --> PHNhbWxwOlJlc3BvbnNlIHhtbG5z")
    assert embedded.may_hold("got <Response ID=\"_q\" Version=\"2.0\"><Status/></Response>")
    assert not embedded.may_hold("<init> of a class")  # '<' without a hint
