"""siem34: SIEM exports as people download them. (1) An export of two overlapping searches, or of a log
shipped by two forwarders, holds each record twice (same host, time and text; another `_id`): each copy
was an event of its own (36 events of 18, extra attempts). (2) An export without any wrapper time (an
Elasticsearch NDJSON without @timestamp) listed newest first was read backwards. (3) An Elastic JSON
array's row over 1 MiB (java-saml's dump of a big response) was 'JSON record larger than 1048576
characters', lost. The exports are written here from tests/data/clocks25's web.log (test_fuzz34_siem's)."""
from __future__ import annotations

import json
import time
import tracemalloc
from datetime import timezone
from pathlib import Path

from test_fuzz34_siem import _bytes, _csv, _folder, _hits, _rows
from test_hostclocks32 import _scan, _story

from samlscan.logs import parse_file, wrapped
from samlscan.logs._common import MAX_RECORD, MAX_TEXT_LINE
from samlscan.logs.base import Malformed
from samlscan.model import LogEvent


def _hits_input(doc: dict, name: str) -> dict:
    (got,) = [i for i in doc["inputs"] if i["path"].endswith(name)]
    return got


def _repeat_notes(doc: dict) -> list[str]:
    return [n for n in doc["summary"]["notes"] if "repeats records" in n]


# --- 1. records listed twice ------------------------------------------------------------------------

def test_an_export_listing_each_record_twice_scans_as_the_one_listing_it_once(tmp_path):
    rows = _rows()
    once, _ = _scan(_folder(tmp_path / "once", _hits, "hits.ndjson", rows))
    twice, _ = _scan(_folder(tmp_path / "twice", _hits, "hits.ndjson", [r for r in rows for _ in (0, 1)]))
    assert _story(twice) == _story(once)
    assert _hits_input(twice, "hits.ndjson")["events"] == _hits_input(once, "hits.ndjson")["events"] == 18
    assert not _repeat_notes(once)
    (note,) = _repeat_notes(twice)
    assert f"({len(rows)} identical to one before them" in note, note


def test_two_overlapping_searches_in_one_csv_read_once(tmp_path):
    """Kibana's CSV of a search and of a later one overlapping it (the overlap's rows in both)."""
    rows = _rows()
    once, _ = _scan(_folder(tmp_path / "once", _csv, "discover.csv", rows))
    both, _ = _scan(_folder(tmp_path / "both", _csv, "discover.csv", rows[:12] + rows[6:]))
    assert _story(both) == _story(once)
    (note,) = _repeat_notes(both)
    assert "(6 identical" in note


def _record(text: str, when, host: str = "sonar02", no: int = 1):
    return no, text, when, (("host", host), False)


def test_only_a_copy_of_a_whole_record_is_dropped():
    """The same host, time and text, of a record that starts with its own time: dropped; another host,
    time or text, a dump's line split into an event of its own (no time of its own), a malformed line:
    kept."""
    line = "2026.11.25 09:05:05 INFO  web[x][auth.event] login success [login|alice]"
    got = list((once := wrapped._Once()).read([
        _record(line, "t1", no=1), _record(line, "t1", no=2),  # a copy
        _record(line, "t1", "sonar01", 3), _record(line, "t2", no=4), _record(line + " ", "t1", no=5),
        _record("    </saml:Attribute>", "t1", no=6), _record("    </saml:Attribute>", "t1", no=7),
        Malformed(None, "x"), Malformed(None, "x")]))
    assert [g[0] if isinstance(g, tuple) else "bad" for g in got] == [1, 3, 4, 5, 6, 7, "bad", "bad"]
    assert (once.dropped, once.first) == (1, 2)


def test_a_logs_own_repeated_line_is_not_an_exports_copy(tmp_path):
    """A log read as it is (no export around it) keeps a line it wrote twice in one second."""
    line = "2026.11.25 09:05:05 INFO  web[][o.s.s.p.Platform] Web Server is operational\n"
    log = tmp_path / "web.log"
    log.write_text(line * 2)
    events = [r for r in parse_file(str(log), timezone.utc) if isinstance(r, LogEvent)]
    assert not any("repeats" in e.text for e in events)


def test_an_export_of_100000_identical_records_is_read_in_bounded_time_and_memory(tmp_path):
    rec = json.dumps({"_index": "logs-sonar", "_source": {"@timestamp": "2026-11-25T09:05:05.000Z", "host": {
        "name": "sonar02"}, "message": "2026.11.25 09:05:05 INFO  web[][o.s.s.p.Platform] Web Server is operational"}})
    path = tmp_path / "hits.ndjson"
    path.write_text((rec + "\n") * 100_000)
    start = time.process_time()  # (CPU time: other work on the machine does not count)
    got = list(parse_file(str(path), timezone.utc))
    took = time.process_time() - start
    assert took < 8.0, took  # (1.9-3.5 s on a slow 2-core machine; a copy check over all kept records: minutes)
    notes = [r.text for r in got if isinstance(r, LogEvent) and "repeats records" in r.text]
    assert notes and "(99999 identical" in notes[0], notes
    assert not [r for r in got if isinstance(r, Malformed)]


def test_copies_cost_no_memory():
    """20,000 copies of a 1 kB record (made as read): the window holds one key, not the records."""
    line = "2026.11.25 09:05:05 INFO  web[][o.s.s.p.Platform] " + "x" * 1000
    once = wrapped._Once()
    tracemalloc.start()
    try:
        for _ in once.read(_record(line[:-1] + str(k % 1), "t", no=k) for k in range(20_000)):
            pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (once.dropped, len(once.seen)) == (19_999, 1) and peak < 256 * 1024, peak


def test_the_window_is_bounded():
    once = wrapped._Once()
    for _ in once.read(_record(f"2026.11.25 09:05:05 INFO line {k}", "t") for k in range(wrapped.SEEN_RECORDS + 50)):
        pass
    assert len(once.seen) == wrapped.SEEN_RECORDS


def test_a_twice_listed_untimed_export_scans_alike_whatever_the_seed_and_jobs(tmp_path):
    rows = [r for r in _rows() for _ in (0, 1)]
    folder = _folder(tmp_path / "x", _hits, "hits.ndjson", rows, frozenset(range(len(rows))))
    one = _bytes(folder, 0, 1)
    assert one == _bytes(folder, 1, 2)
    assert len(_repeat_notes(json.loads(one))) == 1


# --- 2. no wrapper time at all --------------------------------------------------------------------

def test_a_newest_first_export_without_any_wrapper_time_is_read_by_its_lines_own_times(tmp_path):
    rows = _rows()
    timed, _ = _scan(_folder(tmp_path / "timed", _hits, "hits.ndjson", rows))
    untimed, _ = _scan(_folder(tmp_path / "untimed", _hits, "hits.ndjson", rows, frozenset(range(len(rows)))))
    assert _story(untimed) == _story(timed)


def _discover_without_time(path: Path, rows, untimed=frozenset()) -> None:
    """Kibana's Discover CSV whose columns leave @timestamp out, newest first."""
    _csv(path, rows, frozenset(range(len(rows))))  # (its time cells empty: each row starts '"",')
    lines = path.read_text().split("\n")
    path.write_text("\n".join(['"host.name","log.file.path",message'] +
                              [ln[3:] if ln.startswith('"",') else ln for ln in lines[1:]]))


def test_a_discover_csv_without_its_time_column_or_with_its_cells_empty_reads_as_the_timed_one(tmp_path):
    """Before: without the column the CSV was no export (an embedded dump, 0 events); with it empty, the
    newest-first rows were read backwards."""
    rows = _rows()
    timed, _ = _scan(_folder(tmp_path / "timed", _csv, "discover.csv", rows))
    empty, _ = _scan(_folder(tmp_path / "empty", _csv, "discover.csv", rows, frozenset(range(len(rows)))))
    bare, _ = _scan(_folder(tmp_path / "bare", _discover_without_time, "discover.csv", rows))
    assert _hits_input(bare, "discover.csv")["kind"] == "log:sonarqube"
    assert _story(empty) == _story(timed) == _story(bare)


def test_own_times_order_the_records_of_an_untimed_export():
    held = [(k, f"2026.11.25 09:0{9 - k}:00 INFO line", None, None) for k in range(5)]
    assert [g[0] for g in wrapped._in_order(held, timezone.utc)] == [4, 3, 2, 1, 0]
    assert [g[0] for g in wrapped._in_order([g[:2] + ("",) + g[3:] for g in held], timezone.utc)] == [4, 3, 2, 1, 0]
    mixed = held[:2] + [(2, "2026.11.25 09:07:00 INFO line", "2026-11-25T09:07:00Z", None)]
    assert [g[0] for g in wrapped._in_order(mixed, timezone.utc)] == [0, 1, 2]  # (a wrapper time: as before)


# --- 3. a row over 1 MiB ----------------------------------------------------------------------------

def _array(path: Path, big: int) -> None:
    """An Elastic JSON array (hits' _source) of three SonarQube lines, the second `big` characters long."""
    login = ("2026.11.25 09:05:0{} DEBUG web[AZW{}][auth.event] login success [method|OAUTH2][provider|EXTERNAL|AD FS]"
             "[IP|127.0.0.1|10.30.5.11][login|{}@corp.example.com]")
    lines = [login.format(4, 1, "ivan"), login.format(5, 2, "judy" + "j" * big), login.format(6, 3, "kurt")]
    path.write_text("[\n" + ",\n".join(json.dumps({"_source": {"@timestamp": f"2026-11-25T09:05:0{4 + k}.000Z",
                                                               "message": m}}) for k, m in enumerate(lines)) + "\n]\n")


def test_an_exports_row_over_one_mib_is_read(tmp_path):
    path = tmp_path / "hits.json"
    _array(path, 2 * MAX_RECORD)
    got = list(parse_file(str(path), timezone.utc))
    assert not [r for r in got if isinstance(r, Malformed)], [r for r in got if isinstance(r, Malformed)]
    assert [r.source.ref for r in got if isinstance(r, LogEvent)] == ["line 2", "line 3", "line 4"]


def test_an_exports_row_over_the_text_line_bound_is_said(tmp_path):
    path = tmp_path / "hits.json"
    _array(path, MAX_TEXT_LINE + 10)
    got = list(parse_file(str(path), timezone.utc))
    (bad,) = [r for r in got if isinstance(r, Malformed)]
    assert bad.source.ref == "line 3" and f"larger than {MAX_TEXT_LINE}" in bad.reason
    assert [r.source.ref for r in got if isinstance(r, LogEvent)] == ["line 2", "line 4"]


def test_a_json_logs_own_record_keeps_its_bound():
    """The scanner's bound is iter_json's parameter: a product's JSON log (not an export) keeps MAX_RECORD."""
    from samlscan.logs._common import iter_json

    text = "[" + json.dumps({"m": "x" * (MAX_RECORD + 1)}) + "]"
    assert [err for _, _, err in iter_json([(1, text[:100]), (1, text[100:])])] == [
        f"JSON record larger than {MAX_RECORD} characters"]
    assert [err for _, _, err in iter_json([(1, text[:100]), (1, text[100:])], MAX_TEXT_LINE)] == [None]
