"""A Kibana CSV export (Discover's 'Generate CSV': @timestamp, host.name, message) of two SonarQube hosts,
listed newest first: sonar02's web.log of tests/data/clocks25 (its clock steps 6 min back at 09:13, set
right at 09:30; java-saml's copies of the responses beside its lines) and sonar01's own logins, on the
right clock, between them. Its records reach the inner reader in each host's order (wrapped._in_order),
and clocks.py reads a log's records and its SAML copies in that order (Source.order), not by line: the
scan is the oldest-first export's. The exports are written here from the committed log."""
from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from test_hostclocks32 import DATA, _records, _scan, _story

from samlscan.model import Source

SONAR01 = [  # (time, request, client, user): logins of sonar01's users, between sonar02's
    ("09:06:41", "AZWa1bT0Qm4cVx2nL7Ke", "10.30.5.11", "ivan@corp.example.com"),
    ("09:14:02", "AZWa3kR8Yp0dWs6uH1Jc", "10.30.5.12", "judy@corp.example.com"),
    ("09:21:37", "AZWa5mN2Bv7eXq4tG9Fd", "10.30.5.11", "ivan@corp.example.com"),
    ("09:44:19", "AZWa7pL6Cz3fZr8sD5Ge", "10.30.5.13", "kurt@corp.example.com"),
]


def _sonar01() -> list[list[str]]:
    return [[f"2026.11.25 {t} DEBUG web[{rid}][auth.event] login success [method|OAUTH2][provider|EXTERNAL|AD FS]"
             f"[IP|127.0.0.1|{ip}][login|{user}]"] for t, rid, ip, user in SONAR01]


def _kibana_time(line: str) -> str:  # '2026.11.25 09:05:05 ...' -> 'Nov 25, 2026 @ 09:05:05.000'
    at = datetime.strptime(line[:19], "%Y.%m.%d %H:%M:%S")
    return f"{at:%b} {at.day}, {at.year} @ {at:%H:%M:%S}.000"


def _kibana_csv(path: Path, newest_first: bool) -> None:
    """The two hosts' records as written (sonar01's each after sonar02's last record stamped before it),
    one CSV row each; newest first: the same rows the other way round."""
    rows = [(r, "sonar02") for r in _records(DATA / "clocks25" / "web.log", r"\d{4}\.\d\d\.\d\d ")]
    for r in _sonar01():
        at = max(k for k, (s, _) in enumerate(rows) if s[0][:19] < r[0][:19]) + 1
        rows.insert(at, (r, "sonar01"))
    lines = ['"@timestamp","host.name","log.file.path",message']
    for r, host in (rows[::-1] if newest_first else rows):
        text = "\n".join(r).replace('"', '""')
        lines.append(f'"{_kibana_time(r[0])}",{host},"/opt/sonarqube/logs/web.log","{text}"')
    path.write_text("\n".join(lines) + "\n")


def _folder(tmp_path: Path, newest_first: bool) -> Path:
    tmp_path.mkdir()
    for name in ("servicedesk.har", "u_ex261125.log"):
        shutil.copy(DATA / "clocks25" / name, tmp_path / name)
    _kibana_csv(tmp_path / "discover.csv", newest_first)
    return tmp_path


def _notes(doc: dict) -> list[str]:
    return [n.replace(str(Path(n.split(": ")[0].split(" of ")[-1]).parent), "") for n in doc["summary"]["notes"]]


def test_a_newest_first_kibana_csv_of_two_hosts_scans_as_the_oldest_first_one(tmp_path):
    """(Sorting each host's records by time made both orders read alike before, the step undone in both:
    the next test tells that apart.)"""
    newest, _ = _scan(_folder(tmp_path / "new", True))
    oldest, _ = _scan(_folder(tmp_path / "old", False))
    assert _story(newest) == _story(oldest)
    assert _notes(newest) == _notes(oldest)


@pytest.mark.parametrize("newest_first", [True, False], ids=["newest-first", "oldest-first"])
def test_the_stepping_host_reads_as_its_own_log_beside_another_host(tmp_path, newest_first):
    """sonar02's logins as its plain web.log's scan (frank's refusal 6 min behind, every other login with
    its IIS line, no clock offset for the export). Before: its records were sorted by time (the step
    undone: its run after 09:13 read among those before) and its copies, naming no host in a file of
    two, were measured on the file: -180 s for every line, and dana, gina, hugo and bob lost their
    IIS lines."""
    exported, _ = _scan(_folder(tmp_path / "csv", newest_first))
    (tmp_path / "log").mkdir()
    for name in ("servicedesk.har", "u_ex261125.log", "web.log"):
        shutil.copy(DATA / "clocks25" / name, tmp_path / "log" / name)
    plain, _ = _scan(tmp_path / "log")
    others = {user for *_, user in SONAR01}
    mine = [(t, u, c, sorted(n.replace("discover.csv", "web.log") for n in files))
            for t, u, c, files in _story(exported) if u not in others]
    assert mine == _story(plain)
    assert not exported["summary"]["notes"], exported["summary"]["notes"]
    assert sum(u in others for _, u, *_ in _story(exported)) == len(SONAR01)
    (frank,) = [a for a in exported["attempts"] if a["user"] == "frank@corp.example.com"]
    assert frank["root_cause"] == "sp-clock-skew" and "sonar02's clock was 6 min behind" in frank["fix"]


def test_jobs_one_and_two_agree(tmp_path):
    folder = _folder(tmp_path / "csv", True)
    assert _scan(folder, "1")[1] == _scan(folder, "2")[1]


def test_a_records_reader_order_survives_a_workers_pickle():
    """--jobs sends the records to the parent pickled (Source.__reduce__): the order goes with them, and
    stays out of the identity (the same line compares equal whatever order it was read in)."""
    got = pickle.loads(pickle.dumps(Source("hits.csv", "line 9", order=4)))
    assert got.order == 4 and got == Source("hits.csv", "line 9") and pickle.loads(pickle.dumps(got)).order == 4
    assert pickle.loads(pickle.dumps(Source("web.log", "line 9", (9, 1)))).at == (9, 1)


def test_the_scan_does_not_depend_on_the_hash_seed(tmp_path):
    """Hosts, requests and copies are keyed in dicts and sets: the report is the same under any seed."""
    folder = _folder(tmp_path / "csv", True)
    root = str(Path(__file__).resolve().parents[1])
    outs = {subprocess.run([sys.executable, "-m", "samlscan", "scan", str(folder), "--format", "json", "--timezone",
                            "UTC", "--fail-on", "never"], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": root}).stdout
            for seed in ("0", "1", "4242")}
    assert len(outs) == 1
