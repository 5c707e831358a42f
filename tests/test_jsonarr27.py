"""A JSON export (Okta's System Log array, Entra's Graph envelope, CloudTrail's Records, any reader
of logs._common.json_events) is read in ranges cut at element starts (samlscan/jsonsplit.py), its
elements parsed by json's C scanner: the same report as the whole reading (read through iter_json's
scanner, line by line) with --jobs 1 and 2, on generated exports of every shape: pretty-printed, one
element a line, all on one line, CRLF with a BOM, with elements json refuses or over MAX_RECORD,
cut short. The exports are benchmarks/bench_readers.py's and gen_idplogs.py's, and built here."""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest

from samlscan import batch, jsonsplit
from samlscan.engine import Expectations
from samlscan.logs import _common

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_readers  # noqa: E402
import gen_idplogs  # noqa: E402

SPLIT = 128 * 1024


def _whole(path: str, monkeypatch):
    """The reading before jsonsplit: the file whole, its lines through iter_json's scanner."""
    with monkeypatch.context() as m:
        m.setattr(batch, "_log_reader", lambda *a, **k: None)
        assert [u.parser_name for u in batch.plan([path])] == [None]
        return batch.run_scan([path], Expectations(), jobs=1)


def _ranged(path: str, monkeypatch, jobs: int, parts: int | None = None):
    with monkeypatch.context() as m:
        m.setattr(batch, "SPLIT_BYTES", SPLIT)
        units = batch.plan([path])
        if parts is None:
            assert len(units) > 4 and len({u.parser_name for u in units}) == 1
        else:
            assert len(units) == parts
        return batch.run_scan([path], Expectations(), jobs=jobs)


def _same(a, b) -> None:
    assert a.inputs == b.inputs
    assert a.input_findings == b.input_findings
    assert a.events == b.events
    assert a.attempts == b.attempts
    assert a.reported_findings() == b.reported_findings()
    assert a.people == b.people


def _okta_events() -> list[dict]:
    return json.loads((ROOT / "tests/data/case21/okta-system-log.json").read_text(encoding="utf-8"))


def _elements(n: int = 2500) -> list[str]:
    """Okta events of the case21 fixture (renumbered), every other one pretty-printed."""
    rng, events = random.Random(27), _okta_events()
    out = []
    for i in range(n):
        e = dict(rng.choice(events), uuid=f"u{i}")
        out.append(json.dumps(e, indent=2 if i % 2 else None))
    return out


def _broken(els: list[str]) -> list[str]:
    """Elements json refuses (balanced brackets), one with a control character in a string, one over
    MAX_RECORD, one just under it: each malformed or not as the whole reading says."""
    els = list(els)
    els[60] = els[60].replace('":', '" ', 1)
    els[700] = els[700].replace('"eventType"', '"eventType\x01"', 1)
    els[1200] = '{"big": "' + "x" * (_common.MAX_RECORD + 10) + '"}'
    els[1700] = '{"big": "' + "x" * (_common.MAX_RECORD - 100) + '", "eventType": "user.session.start"}'
    return els


def _write(tmp_path, name: str, text: str, newline: str = "\n") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline=newline)
    return str(path)


SHAPES = {
    "pretty": lambda tmp: _bench(tmp, "okta-array"),
    "per-line": lambda tmp: _gen(tmp, "okta-array"),
    "one-line": lambda tmp: _write(tmp, "one.json", "[" + ",".join(e.replace("\n", "") for e in _elements()) + "]"),
    "crlf-bom": lambda tmp: _write(tmp, "crlf.json", "\ufeff[\n" + ",\n".join(_elements()) + "\n]\n", "\r\n"),
    "broken": lambda tmp: _write(tmp, "broken.json", "[\n" + ",\n".join(_broken(_elements())) + "\n]\n"),
    "broken-one-line": lambda tmp: _write(tmp, "broken1.json", "[" + ",".join(
        e.replace("\n", "") for e in _broken(_elements())) + "]  \n  [1, {\"eventType\": 2}]\n"),
}


def _bench(tmp_path, kind: str) -> str:
    path = str(tmp_path / f"{kind}.json")
    bench_readers.write(kind, path, 1.5, every=64 * 1024)
    return path


def _gen(tmp_path, fmt: str) -> str:
    path = str(tmp_path / f"{fmt}.json")
    gen_idplogs.write(fmt, path, 1.5)
    return path


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("jobs", [1, 2])
def test_an_okta_export_read_in_ranges_says_what_the_whole_reading_says(tmp_path, monkeypatch, shape, jobs):
    path = SHAPES[shape](tmp_path)
    whole = _whole(path, monkeypatch)
    assert whole.events
    _same(_ranged(path, monkeypatch, jobs), whole)


def test_a_small_export_read_whole_takes_its_elements_parsed_too(tmp_path, monkeypatch):
    """One range (the file under SPLIT_BYTES): the head, the elements, the tail; a broken one too."""
    path = SHAPES["broken"](tmp_path)
    assert isinstance(batch._log_reader(path, Path(path).read_bytes()[:65536])[1], jsonsplit.JsonArray)
    with monkeypatch.context() as m:
        m.setattr(batch, "SPLIT_BYTES", 1 << 40)
        got = batch.run_scan([path], Expectations(), jobs=1)
    whole = _whole(path, monkeypatch)
    assert whole.inputs[0].malformed_lines == 3  # the refused, the control character, the one over MAX_RECORD
    _same(got, whole)


@pytest.mark.parametrize("fmt", ["entra-json", "cloudtrail"])
def test_an_envelope_is_cut_only_past_the_head_the_whole_reading_buffers(tmp_path, monkeypatch, fmt):
    """Graph's {"@odata.context": .., "value": [..]} and CloudTrail's {"Records": [..]}: the whole
    reading holds MAX_ENVELOPE characters of the object before it streams its elements (made small
    here, and ENVELOPE_SPLIT with it); a range starts past that, the scanner resumed streaming."""
    monkeypatch.setattr(_common, "MAX_ENVELOPE", 16 * 1024)
    monkeypatch.setattr(jsonsplit, "ENVELOPE_SPLIT", 4 * 16 * 1024 + 4)
    if fmt == "cloudtrail":
        recs = [{"eventVersion": "1.08", "eventTime": f"2024-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z",
                 "eventSource": "signin.amazonaws.com", "eventName": "ExternalIdPDirectoryLogin",
                 "userIdentity": {"type": "Unknown", "principalId": "1234"}, "sourceIPAddress": "198.51.100.7",
                 "responseElements": {"ExternalIdPDirectoryLogin": "Failure" if i % 5 == 0 else "Success"},
                 "additionalEventData": {"LoginTo": "https://portal.sso.us-east-1.amazonaws.com"}}
                for i in range(5000)]
        path = _write(tmp_path, "ct.json", json.dumps({"Records": recs, "next": None}, indent=1))
    else:
        path = _gen(tmp_path, fmt)
    whole = _whole(path, monkeypatch)
    assert whole.events
    for jobs in (1, 2):
        _same(_ranged(path, monkeypatch, jobs), whole)
    ranges = jsonsplit.ranges(path, Path(path).stat().st_size,
                              batch._log_reader(path, Path(path).read_bytes()[:65536])[1], SPLIT)
    assert ranges[1][0] > jsonsplit.ENVELOPE_SPLIT


@pytest.mark.parametrize("why, elements", [
    ("brackets of two kinds", lambda els: els[:900] + [els[900][:-1] + ', "x": [1, 2}]}'] + els[901:]),
    ("nested past DEPTH", lambda els: els[:900] + ['{"a": ' + "[" * 12 + "]" * 12 + "}"] + els[901:]),
    ("cut short", lambda els: els[:-1]),
])
def test_an_export_the_planner_cannot_cut_is_read_whole(tmp_path, monkeypatch, why, elements):
    """What the ranges could not read as the whole reading does (its scanner resynchronises after a
    bracket of the wrong kind; the element regex stops at DEPTH; a range past an unterminated end)
    is one range: the same report."""
    els = elements(_elements())
    closing = "" if why == "cut short" else "\n]\n"
    path = _write(tmp_path, "x.json", "[\n" + ",\n".join(els) + closing)
    whole = _whole(path, monkeypatch)
    _same(_ranged(path, monkeypatch, 1, parts=1), whole)


def test_a_lone_cr_is_a_line_end_to_the_whole_reading_so_no_cut(tmp_path, monkeypatch):
    path = _write(tmp_path, "cr.json", "[\n" + ",\n".join(_elements()) + "\n]\n", "\r")
    assert jsonsplit.ranges(path, Path(path).stat().st_size, jsonsplit.JsonArray(1, "[", 0), SPLIT) is None
    whole = _whole(path, monkeypatch)
    _same(_ranged(path, monkeypatch, 1, parts=1), whole)


@pytest.mark.parametrize("head, want", [
    (' \n[\n  {"a": 1}', ("[", 0)),
    ('{"@odata.context": "x{[\\"", "value": [{"a": 1}]}', ("{[", 1)),
    ('\n{"response": {"authlogs": [\n{"a": 1}', ("{{[", 2)),
    ('[[{"a": 1}]]', ("[[", 0)),       # (what is not an element: read raw, the scanner's own way)
    ('[1, {"a": 1}]', ("[", 0)),
    ('{"meta": [{"a": 1}], "value": [{"b": 2}]}', ("{[", 1)),
    ('[]', None),
    ('[1}', None),
    ('x [{"a": 1}]', None),            # not JSON before it
])
def test_opening(head, want):
    """(where the first element starts, the brackets open there, the line of an envelope's '{')."""
    assert jsonsplit.opening(head) == (want and (head.index('{"a"'), *want))
