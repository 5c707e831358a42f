"""A Splunk CSV export listed newest first (a search sorted by -_time, then outputcsv or the UI's
export) of tests/data/clocks25's web.log, whose host sonar02 steps its clock 6 min back at 09:13:
its records reach the reader in the host's own order (wrapped._in_order reverses them), and the
scan should be the oldest-first export's. The exports are written here from the committed log."""
from __future__ import annotations

import csv
import io
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

from test_hostclocks32 import DATA, _records, _scan, _story

from samlscan import engine
from samlscan.logs import _open_text, iter_lines, wrapped


def _splunk_csv(path: Path, newest_first: bool) -> None:
    records = _records(DATA / "clocks25" / "web.log", r"\d{4}\.\d\d\.\d\d ")
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["_raw", "_time", "host", "source", "sourcetype"])
        for r in (records[::-1] if newest_first else records):
            at = datetime.strptime(r[0][:19], "%Y.%m.%d %H:%M:%S").replace(tzinfo=timezone.utc)
            w.writerow(["\n".join(r), f"{at.timestamp():.3f}", "sonar02", "/opt/sonarqube/logs/web.log",
                        "sonarqube:web"])


def _folder(tmp_path: Path, newest_first: bool) -> Path:
    for name in ("servicedesk.har", "u_ex261125.log"):
        shutil.copy(DATA / "clocks25" / name, tmp_path / name)
    _splunk_csv(tmp_path / "hits.csv", newest_first)
    return tmp_path


def test_a_newest_first_splunk_csv_reaches_its_reader_oldest_first(tmp_path):
    path = _folder(tmp_path, True) / "hits.csv"
    found = engine.sniff_file(str(path), engine.read_head(str(path)))
    assert isinstance(found.parser, wrapped.Enveloped) and found.name == "sonarqube"
    with _open_text(str(path)) as fh:
        records = list(found.parser.records.read(iter_lines(fh), str(path)))
    ordered = [r[0] for r in wrapped._in_order(iter(records), timezone.utc)]
    assert ordered == sorted((r[0] for r in records), reverse=True)  # (the CSV's last line: the oldest record)


def test_a_newest_first_splunk_csv_scans_as_the_oldest_first_one(tmp_path):
    """Before: clocks._step_runs/_copies put java-saml's copies among the records by line, which runs
    backwards here: the step's runs got the wrong copies and dana, gina, hugo and bob lost their IIS lines."""
    (tmp_path / "new").mkdir()
    (tmp_path / "old").mkdir()
    newest, _ = _scan(_folder(tmp_path / "new", True))
    oldest, _ = _scan(_folder(tmp_path / "old", False))
    assert _story(newest) == _story(oldest)


def test_an_oldest_first_splunk_csv_scans_as_the_log(tmp_path):
    (tmp_path / "csv").mkdir()
    (tmp_path / "log").mkdir()
    exported, _ = _scan(_folder(tmp_path / "csv", False))
    for name in ("servicedesk.har", "u_ex261125.log", "web.log"):
        shutil.copy(DATA / "clocks25" / name, tmp_path / "log" / name)
    plain, _ = _scan(tmp_path / "log")
    named = [(t, u, c, sorted(n.replace("hits.csv", "web.log") for n in files)) for t, u, c, files in _story(exported)]
    assert named == _story(plain)


def test_a_newest_first_splunk_csv_piped_in_keeps_its_hosts_order(tmp_path):
    """Standard input is spooled and its sources renamed '-' (engine.collect): the rename kept only the
    input and ref, dropping Source.order, so a newest-first export piped in was read by line number."""
    path = _folder(tmp_path, True) / "hits.csv"
    with path.open("rb") as fh:
        stdin, sys.stdin = sys.stdin, io.TextIOWrapper(fh)
        try:
            piped = engine.collect("-", timezone.utc)
        finally:
            sys.stdin = stdin
    read = engine.collect(str(path), timezone.utc)
    assert piped.events and [e.source.order for e in piped.events] == [e.source.order for e in read.events]
    assert {e.source.input for e in piped.events} == {"-"}
