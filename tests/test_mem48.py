"""Bounded memory of big IdP exports: the prefilter's Aho-Corasick pass goes a window at a time and
keeps the same lines; readers share one string per repeated value; correlation builds no table per
line where one export cannot need it, and still joins two exports' copies."""
from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

from samlscan import prefilter
from samlscan.logs import _common

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from test_logs_common import FIXTURES, events, records  # noqa: E402
from test_perf_equivalence import _lines, _tricky  # noqa: E402


class _Sized:
    """The automaton, noting the size of each buffer it is given (the real search runs)."""

    def __init__(self, ac) -> None:
        self.ac, self.sizes = ac, []

    def find_matches_as_indexes(self, view):
        self.sizes.append(len(view))
        return self.ac.find_matches_as_indexes(view)


@pytest.mark.parametrize("window", [64, 1000, prefilter.AC_WINDOW])
def test_the_automaton_a_window_at_a_time_keeps_the_regex_lines(tmp_path, monkeypatch, window):
    pytest.importorskip("ahocorasick_rs")
    log = tmp_path / "web.log"
    _tricky(log, 7)
    monkeypatch.setattr(prefilter, "AC_WINDOW", window)
    prefilter._COMPILED.clear()
    fast = _lines(log, prefilter._SONAR, True, monkeypatch, prefilter.BLOCK)
    slow = _lines(log, prefilter._SONAR, False, monkeypatch, prefilter.BLOCK)
    prefilter._COMPILED.clear()
    assert fast == slow and 100 < len(fast) < log.read_bytes().count(b"\n")


def test_each_window_is_bounded_and_cut_at_a_line_end(tmp_path, monkeypatch):
    pytest.importorskip("ahocorasick_rs")
    log = tmp_path / "web.log"
    _tricky(log, 11)
    data = log.read_bytes()
    nxt, keep, ac = prefilter._compiled(prefilter._SONAR)
    sized = _Sized(ac)
    monkeypatch.setattr(prefilter, "AC_WINDOW", 4096)
    longest = max(map(len, data.split(b"\n")))
    monkeypatch.setattr(prefilter, "_compiled", lambda pf: (nxt, keep, sized))
    spans = prefilter._kept_spans(data, prefilter._SONAR, False)
    assert len(sized.sizes) > 10 and max(sized.sizes) <= 4096 + longest + 1
    # the whole block in one buffer (the former pass) finds the same records
    monkeypatch.setattr(prefilter, "AC_WINDOW", len(data))
    assert prefilter._kept_spans(data, prefilter._SONAR, False) == spans
    assert sized.sizes[-1] == len(data)


def test_shared_gives_one_object_per_value_and_stays_bounded(monkeypatch):
    a, b = "".join(["user42", "@example.com"]), "".join(["user42@", "example.com"])
    assert a is not b
    assert _common.shared(a) is _common.shared(b) == "user42@example.com"
    assert _common.shared("other") is not _common.shared(a)
    assert _common.shared_or_none(None) is None
    monkeypatch.setattr(_common, "_SHARED", {})
    monkeypatch.setattr(_common, "SHARED_MAX", 3)
    for n in range(10):
        _common.shared(f"value {n}")
    assert len(_common._SHARED) <= 3


@pytest.mark.parametrize("path", ["entra/InteractiveSignIns_2025-03-11_2025-03-12.csv", "entra/signins-graph.json",
                                  "okta/system-log.jsonl", "shibboleth/idp-audit.log"])
def test_an_export_s_repeated_values_are_one_object(path):
    evs = events(records(FIXTURES / path))
    repeated = 0
    for field in ("user", "ip", "app", "raw_code"):
        values = [getattr(e, field) for e in evs if getattr(e, field)]
        assert len({id(v) for v in values}) == len(set(values)), field  # equal values: one object
        repeated += len(values) - len(set(values))
    assert repeated > 0  # (the fixture repeats some: the check can tell)


def _idp_event(input_: str, no: int, corr: str, second: int, user: str = "ann@example.com"):
    from datetime import datetime, timezone

    from samlscan.model import LogEvent, Source

    return LogEvent(Source(input_, f"line {no}"), datetime(2025, 3, 11, 8, 41, second, tzinfo=timezone.utc),
                    "okta", "idp", "failure", "user.session.start: INVALID_CREDENTIALS",
                    code="idp-authentication-failed", user=user, ip="198.51.100.7", correlation_id=corr,
                    raw_code="user.session.start", app="SonarQube")


def test_two_exports_of_one_sign_in_are_still_one_attempt():
    """_link_copies: an export's copy joins the other's (one attempt, both as evidence); with one
    export each sign-in stays its own attempt."""
    from samlscan.correlate import correlate
    from samlscan.engine import Report

    one = (_idp_event("a.json", 1, "t1", 3), _idp_event("a.json", 2, "t2", 40, "bob@example.com"))
    both = one + (_idp_event("b.csv", 7, "t1", 3),)
    alone = correlate(Report(inputs=(), messages=(), input_findings=(), events=one))
    joined = correlate(Report(inputs=(), messages=(), input_findings=(), events=both))
    assert len(alone.attempts) == len(joined.attempts) == 2
    ann = next(a for a in joined.attempts if a.user == "ann@example.com")
    assert sorted((e.input, e.ref) for e in ann.evidence) == [("a.json", "line 1"), ("b.csv", "line 7")]


def test_two_logs_an_hour_apart_are_still_said_and_one_log_is_not():
    """_zone_apart_notes: the IDs two logs share, apart by a whole zone, say one is read as UTC."""
    from samlscan.correlate.notes import _zone_apart_notes

    a = [_idp_event("a.json", n, f"t{n}", n) for n in range(1, 6)]
    b = [_idp_event("b.csv", n, f"t{n}", n) for n in range(1, 6)]
    b = [replace(e, time=e.time.replace(hour=9)) for e in b]
    assert _zone_apart_notes(a) == []
    notes = _zone_apart_notes(a + b)
    assert len(notes) == 1 and "1 h apart" in notes[0] and "5 activities" in notes[0]


def test_a_big_json_report_is_written_an_element_at_a_time_with_the_same_bytes():
    """Beyond PRETTY_LIMIT the document comes in pieces (one per attempt), the bytes json.dumps writes
    for the whole; a value's LINE SEPARATOR escaped in its piece as in the whole."""
    import json

    from samlscan.correlate import correlate
    from samlscan.engine import Report
    from samlscan.report.document import document
    from samlscan.report.jsonout import PRETTY_LIMIT, json_chunks, one_line

    evs = tuple(_idp_event("a.json", n, f"t{n}", n % 60, f"user{n}\u2028@example.com")
                for n in range(PRETTY_LIMIT + 10))
    report = correlate(Report(inputs=(), messages=(), input_findings=(), events=evs))
    chunks = list(json_chunks(report))
    whole = one_line(json.dumps(document(report), ensure_ascii=False)) + "\n"
    assert "".join(chunks) == whole and "\\u2028" in whole and "\u2028" not in whole
    assert len(chunks) > len(report.attempts) > PRETTY_LIMIT
    small = correlate(Report(inputs=(), messages=(), input_findings=(), events=evs[:3]))
    assert list(json_chunks(small)) == [one_line(json.dumps(document(small), indent=2, ensure_ascii=False)) + "\n"]
