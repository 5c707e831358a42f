"""fuzz34: SIEM exports of two hosts (test_kibanaorder34's: sonar02's web.log of tests/data/clocks25, its
clock stepping 6 min back, and sonar01's logins between) listed newest first, with records lacking a time,
records listed twice and hostile host labels: never a traceback, every record read, the same bytes for
--jobs 1 and 2 and for PYTHONHASHSEED 0 and 1.

An Elasticsearch hit whose `_source` has a `message` but no time field was no record at all (read only
where a time stood beside it): a NDJSON export with one hit in five lacking @timestamp lost those lines
unsaid (14 of 18 events: frank's refusal and dana's login gone), one without any was read as an
embedded dump (0 events)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_hostclocks32 import _scan, _story
from test_kibanaorder34 import DATA, SONAR01, _kibana_time, _records, _sonar01

from samlscan.logs import wrapped

ROOT = Path(__file__).resolve().parents[1]


def _rows() -> list[tuple[list[str], str]]:
    """(record lines, host) of both hosts as written, oldest first (test_kibanaorder34._kibana_csv's)."""
    rows = [(r, "sonar02") for r in _records(DATA / "clocks25" / "web.log", r"\d{4}\.\d\d\.\d\d ")]
    for r in _sonar01():
        at = max(k for k, (s, _) in enumerate(rows) if s[0][:19] < r[0][:19]) + 1
        rows.insert(at, (r, "sonar01"))
    return rows


def _hits(path: Path, rows, untimed=frozenset()) -> None:
    """Elasticsearch hits (elasticdump / _search), newest first; the rows `untimed` without @timestamp."""
    out = []
    for k, (r, host) in enumerate(rows[::-1]):
        src = {"message": "\n".join(r), "host": {"name": host}, "log": {"file": {"path": "/opt/sonarqube/logs/web.log"}}}
        if k not in untimed:
            src["@timestamp"] = f"{r[0][:10].replace('.', '-')}T{r[0][11:19]}.000Z"
        out.append(json.dumps({"_index": "logs-sonar", "_id": f"id{k}", "_source": src}))
    path.write_text("\n".join(out) + "\n")


def _csv(path: Path, rows, untimed=frozenset()) -> None:
    """Kibana's Discover CSV, newest first; hosts quoted as CSV quotes any text."""
    def q(s: str) -> str:
        return '"' + s.replace('"', '""') + '"'
    lines = ['"@timestamp","host.name","log.file.path",message']
    for k, (r, host) in enumerate(rows[::-1]):
        lines.append(",".join(q(x) for x in ("" if k in untimed else _kibana_time(r[0]), host,
                                              "/opt/sonarqube/logs/web.log", "\n".join(r))))
    path.write_text("\n".join(lines) + "\n")


def _folder(path: Path, write, name: str, rows, untimed=frozenset()) -> Path:
    path.mkdir()
    for other in ("servicedesk.har", "u_ex261125.log"):
        shutil.copy(DATA / "clocks25" / other, path / other)
    write(path / name, rows, untimed)
    return path


@pytest.mark.parametrize("every", [5, 1], ids=["one-in-five", "all"])
def test_elasticsearch_hits_without_a_timestamp_are_still_records(tmp_path, every):
    rows = _rows()
    full, _ = _scan(_folder(tmp_path / "full", _hits, "hits.ndjson", rows))
    untimed = frozenset(range(0, len(rows), every))
    got, _ = _scan(_folder(tmp_path / "untimed", _hits, "hits.ndjson", rows, untimed))
    (hits,) = [i for i in got["inputs"] if i["path"].endswith("hits.ndjson")]
    assert (hits["kind"], hits["events"]) == ("log:sonarqube", 18), hits
    if every == 5:  # (the untimed hits' own lines date them; the export's order is still read off the rest)
        assert _story(got) == _story(full)


HOSTILE = ["sonar02\nFAKE 2026.11.25 09:00:00 ERROR line", "\x1b[31msonar02\x1b[0m", "s" * 50_000, "\u202esonar02", " "]


@pytest.fixture(scope="module")
def plain_csv(tmp_path_factory) -> dict:
    return _scan(_folder(tmp_path_factory.mktemp("csv") / "plain", _csv, "discover.csv", _rows()))[0]


@pytest.mark.parametrize("host", HOSTILE, ids=["line-break", "ansi", "50kB", "rtl", "blank"])
def test_a_hostile_host_label_reads_as_any_other_name(tmp_path, host, plain_csv):
    """The stepping host renamed: the same story as under its own name (a label is a key, never text)."""
    rows = _rows()
    plain = plain_csv
    renamed = [(r, host if h == "sonar02" else h) for r, h in rows]
    got, text = _scan(_folder(tmp_path / "hostile", _csv, "discover.csv", renamed))
    assert _story(got) == _story(plain)
    assert "FAKE" not in text and "\x1b" not in text and "s" * 1000 not in text


def _bytes(folder: Path, seed: int, jobs: int) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": str(seed), "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-m", "samlscan", "scan", str(folder), "--format", "json", "--timezone", "UTC",
                          "--jobs", str(jobs), "--fail-on", "never", "-q"], env=env, cwd=ROOT, capture_output=True,
                         timeout=300)
    assert res.returncode == 0 and b"Traceback" not in res.stderr, res.stderr[-2000:]
    return res.stdout


def test_duplicates_untimed_records_and_a_hostile_host_scan_alike_whatever_the_seed_and_jobs(tmp_path):
    rows = [(r, "sonar02\n\x1b[0m" if h == "sonar02" else h) for r, h in _rows() for _ in (0, 1)]  # each twice
    folder = _folder(tmp_path / "x", _hits, "hits.ndjson", rows, frozenset(range(0, len(rows), 7)))
    one = _bytes(folder, 0, 1)
    assert one == _bytes(folder, 1, 2)
    doc = json.loads(one)
    assert [i["status"] for i in doc["inputs"]] == ["scanned"] * 3
    (hits,) = [i for i in doc["inputs"] if i["path"].endswith("hits.ndjson")]
    # (each record read once (siem34: wrapped._Once), but a copy without @timestamp is no copy of its twin
    # with one: 18 events, and the one such pair of an event's record read twice)
    assert hits["events"] == 19 and {a["user"] for a in doc["attempts"]} >= {u for *_, u in SONAR01}


def test_a_log_date_after_a_tools_time_is_no_syslog_host():
    """logcli's --no-labels writes '<RFC 3339 time> <line>': SonarQube's own '2026.11.30 08:59:59' was
    read as a syslog file's host and tag '08:' (loki34's report)."""
    assert wrapped.SYSLOG_FILE.match("2026-11-30T09:00:00Z 2026.11.30 08:59:59 INFO  web[][o.s.s.p.Foo] x") is None
    assert wrapped.SYSLOG_FILE.match("2026-11-30T09:00:00Z 2026-11-30 08:59:59,123 INFO x") is None
    assert wrapped.SYSLOG_FILE.match("2026-11-30T09:00:00Z sonar-01 java[2231]: 2026.11.30 08:59:59 INFO x")
