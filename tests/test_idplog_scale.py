"""Big IdP logs: prefiltered and split reads give what a whole read gives; events stay small."""
from __future__ import annotations

import sys
import tracemalloc
from datetime import timezone
from pathlib import Path

import pytest

from samlscan import batch, engine, logs, prefilter
from samlscan.report.document import event_count
from samlscan.config import Expectations
from samlscan.correlate import correlate
from samlscan.logs.base import Malformed
from samlscan.model import LogEvent

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from gen_idplogs import write  # noqa: E402

PREFILTERED = ["keycloak", "keycloak-docker", "keycloak-json", "shibboleth-audit", "shibboleth-process",
               "simplesamlphp"]


def _log(tmp_path, fmt: str, mb: float = 0.6, seed: int = 3) -> str:
    path = tmp_path / f"{fmt}.log"
    write(fmt, str(path), mb, seed=seed)
    return str(path)


def _unfiltered(path: str):
    """What the reader makes of every line of the file (no prefilter), malformed lines aside."""
    return [r for r in logs.parse_file(path, timezone.utc) if not isinstance(r, Malformed)]


@pytest.mark.parametrize("fmt", PREFILTERED)
def test_prefiltered_ranges_read_what_the_whole_file_holds(tmp_path, monkeypatch, fmt):
    path = _log(tmp_path, fmt)
    with open(path, "rb") as fh:
        head = fh.read(engine.SNIFF_BYTES)
    parser, pf = prefilter._log_with_prefilter(head)
    full = _unfiltered(path)
    assert {type(r).__name__ for r in full} >= {"LogEvent", *(("EmbeddedSaml",) if fmt != "shibboleth-audit" else ())}
    monkeypatch.setattr(batch, "SPLIT_BYTES", 64 * 1024)
    size = Path(path).stat().st_size
    cuts = batch._ranges(path, size, pf)
    assert len(cuts) > 4
    joined = []
    with open(path, "rb") as fh:
        for a, b in cuts:
            lines = prefilter.prefiltered_lines(fh, a, b, pf, [0], batch._count_lines(path, 0, a))
            joined += [r for r in parser.parse(lines, path, timezone.utc) if not isinstance(r, Malformed)]
    assert joined == full


@pytest.mark.parametrize("fmt", PREFILTERED)
def test_split_scan_equals_whole_scan_whatever_the_jobs(tmp_path, monkeypatch, fmt):
    path = _log(tmp_path, fmt)
    whole = batch.run_scan([path], Expectations(), jobs=1)
    monkeypatch.setattr(batch, "SPLIT_BYTES", 64 * 1024)
    units = batch.plan([path])
    assert len(units) > 4 and all(u.parser_name for u in units)  # read in ranges
    for jobs in (1, 2):
        split = batch.run_scan([path], Expectations(), jobs=jobs)
        assert split == whole
        assert correlate(split).attempts == correlate(whole).attempts
    assert whole.events and correlate(whole).attempts
    read = [r for r in _unfiltered(path) if isinstance(r, LogEvent)]
    assert event_count(whole) == len(read)  # every event counted, the successes and failures kept
    assert len(whole.events) == sum(r.outcome != "info" for r in read)


def test_an_empty_range_adds_no_finding_to_a_scanned_log(tmp_path, monkeypatch):
    path = _log(tmp_path, "simplesamlphp")
    whole = batch.run_scan([path], Expectations(), jobs=1)
    monkeypatch.setattr(batch, "SPLIT_BYTES", 64 * 1024)
    assert batch.run_scan([path], Expectations(), jobs=1).input_findings == whole.input_findings


@pytest.mark.parametrize("fmt", ["okta-array", "entra-json"])
def test_json_documents_are_not_cut(tmp_path, fmt):
    """An array (or an object over several lines) has no record at a line start: read whole."""
    path = _log(tmp_path, fmt, 0.2)
    with open(path, "rb") as fh:
        assert prefilter._log_with_prefilter(fh.read(engine.SNIFF_BYTES)) is None
    admin = b'[\n  {"time": 1741682458117, "type": "LOGIN", "realmId": "r", "clientId": "c"}\n]\n'
    assert prefilter._log_with_prefilter(admin) is None


@pytest.mark.parametrize("fmt,per_event", [("keycloak", 400), ("shibboleth-audit", 900)])
def test_memory_per_kept_event_stays_small(tmp_path, fmt, per_event):
    """A big log keeps 100,000s of events: what each costs once read (the event, its source, its
    time, the values correlation uses) is bounded; texts nothing shows are not kept."""
    warm = tmp_path / "warm.log"  # imports and compiled patterns: not the events' cost
    write(fmt, str(warm), 0.05, seed=1)
    engine.analyze_file(str(warm), Expectations(), timezone.utc)
    path = _log(tmp_path, fmt, 3)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        r = engine.analyze_file(path, Expectations(), timezone.utc)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert r.input.events > 5000  # every event read, the 'info' ones counted and not kept
    assert held / r.input.events < per_event, f"{held / r.input.events:.0f} B per event read"


def test_events_keep_what_correlation_and_reports_use(tmp_path):
    path = _log(tmp_path, "keycloak", 0.3)
    r = engine.analyze_file(path, Expectations(), timezone.utc)
    every = [e for e in _unfiltered(path) if isinstance(e, LogEvent)]
    full = [e for e in every if e.outcome != "info"]
    assert r.input.events == len(every) and len(full) < len(every)  # every event is counted
    assert len(r.events) == len(full)  # the successes and failures are kept
    # the users and addresses of the others are known to --redact
    assert r.people == {v for e in every if e.outcome == "info" for v in (e.user, e.ip) if v}
    for kept, read in zip(r.events, full):
        assert (kept.source, kept.time, kept.outcome, kept.user, kept.ip, kept.local_time) == (
            read.source, read.time, read.outcome, read.user, read.ip, read.local_time)
        assert (kept.app, kept.request_id, kept.correlation_id, kept.saml_ids, kept.code) == (
            read.app, read.request_id, read.correlation_id, read.saml_ids, read.code)
        if read.outcome == "failure":  # a failure's line is quoted as its attempt's cause
            assert kept.text == read.text
    users = [e.user for e in r.events if e.user and e.outcome != "info"]
    same = {}
    for u in users:
        assert same.setdefault(u, u) is u  # one string per user name
