"""fuzz26: a scan's bytes do not depend on PYTHONHASHSEED or --jobs, and hostile SIEM host fields
(huge, nested, non-strings, empty, thousands of distinct hosts) are read without a traceback, every
record accounted for, the same bytes for --jobs 1 and 2.

The determinism sweep (every folder of tests/data and fixtures, json/table/csv/sarif, PYTHONHASHSEED
1/2/3, --jobs 1/2) lives outside the suite and found every byte equal; this keeps the folders of this
session's new code in one compact check (case27: per-host clocks of SIEM exports; case28: the ALB and
CAS readers, CSV attempt columns, SARIF regions). corpus18's hash-seed tie is tests/test_rank_ties31.py's."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _scan_with_seed(folder: Path, fmt: str, seed: int, jobs: int) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": str(seed), "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-m", "samlscan", "scan", str(folder), "--format", fmt, "--jobs", str(jobs),
                          "--fail-on", "never", "-q"], env=env, cwd=ROOT, capture_output=True, timeout=300)
    assert res.returncode == 0 and b"Traceback" not in res.stderr, res.stderr[-2000:]
    return res.stdout


@pytest.mark.parametrize("folder", ["tests/data/case27", "tests/data/case28"])
@pytest.mark.parametrize("fmt", ["csv", "sarif"])
def test_a_scan_prints_the_same_bytes_whatever_the_hash_seed_and_the_jobs(folder, fmt):
    assert _scan_with_seed(ROOT / folder, fmt, 1, 1) == _scan_with_seed(ROOT / folder, fmt, 2, 2)


def _sonar(k: int) -> str:
    return (f"2026.12.03 09:{k // 60 % 60:02d}:{k % 60:02d} DEBUG web[0000000{k % 10}-b2f9-436d-28e2-f8c785947f27]"
            f"[auth.event] login success [method|OAUTH2][provider|EXTERNAL|Microsoft Entra ID]"
            f"[IP|10.40.0.10|203.0.113.{k % 250}][login|u{k % 7}]")


HOSTILE_HOSTS = [1, 2.5, True, None, [], ["a"], {"name": 7}, {"name": None}, {"name": ""}, "", " ", "\n",
                 {"name": {"name": "x"}}, {"hostname": {"x": 1}}, {"name": ["a"]}, "a\nb", "h" * 200_000]


def _elastic(path: Path, hosts: list) -> None:
    rows = []
    for k, host in enumerate(hosts):
        src = {"@timestamp": f"2026-12-03T09:{k // 60 % 60:02d}:{k % 60:02d}.000Z", "message": _sonar(k),
               "log": {"file": {"path": "/opt/sonarqube/logs/web.log"}}, "host": host}
        rows.append(json.dumps({"_index": "logs", "_id": f"id{k}", "_source": src}))
    path.write_text("\n".join(rows) + "\n")


def _scan(folder: Path, fmt: str, jobs: int) -> tuple[bytes, str]:
    res = CliRunner().invoke(main, ["scan", str(folder), "--format", fmt, "--jobs", str(jobs), "--fail-on", "never"])
    assert res.exit_code == 0 and res.exception is None, res.output[-2000:]
    return res.stdout_bytes, res.stderr


@pytest.mark.parametrize("hosts", [HOSTILE_HOSTS, [{"name": f"node-{k}"} for k in range(2000)]],
                         ids=["hostile-values", "2000-hosts"])
def test_hostile_host_fields_of_a_siem_export(tmp_path, hosts):
    _elastic(tmp_path / "export.ndjson", hosts)
    got = {j: _scan(tmp_path, "json", j) for j in (1, 2)}
    assert got[1][0] == got[2][0]
    doc = json.loads(got[1][0])
    assert [i["status"] for i in doc["inputs"]] == ["scanned"]
    assert f"{len(hosts)} log event(s)" in got[1][1]  # every record read, whatever its host field
    assert _scan(tmp_path, "csv", 1) == _scan(tmp_path, "csv", 2)


@pytest.mark.parametrize("host", ["sq-b\nFAKE LINE", "h" * 100_000], ids=["line-break", "100kB"])
def test_a_hostile_host_name_stays_one_short_line_of_the_report(tmp_path, host):
    """A SIEM export whose host field holds a line break or 100 kB, on a clock of its own (test_node30's
    logins: every other login on that host, 7 min ahead of Entra's): no host at all (logs._common.host_name),
    so neither a forged report line nor a page of it; every login still read."""
    from datetime import timedelta

    from test_node30 import _elastic as node30_elastic
    from test_node30 import _entra, _logins

    logins = [(u, host if h == "sq-b" else h, t, at) for u, h, t, at in _logins(timedelta(minutes=7))]
    node30_elastic(tmp_path / "export.ndjson", logins)
    (tmp_path / "entra.csv").write_text(_entra(logins))
    res = CliRunner().invoke(main, ["scan", str(tmp_path), "--timezone", "UTC", "--fail-on", "never"])
    assert res.exit_code == 0 and "FAKE LINE" not in res.stdout and "h" * 256 not in res.stdout
    assert res.stdout.count("203.0.113.") >= len(logins) // 2  # (every login an attempt, with its client)
    assert len(res.stdout) < 20_000


def test_an_alb_entry_of_a_saml_path_cut_short_is_a_malformed_line(tmp_path):
    """case28's ALB objects as one log whose 4th entry (bob's /sessions/init/saml) breaks off in its user
    agent (a gzip member or a copy truncated mid-record): it was dropped as if the log held one login
    request fewer; now it is one malformed line, the other entries read as before."""
    import gzip

    objects = sorted((ROOT / "tests/data/case28").glob("*.log.gz"))
    lines = b"".join(gzip.decompress(p.read_bytes()) for p in objects).decode().splitlines()
    assert "/sessions/init/saml" in lines[3]
    lines[3] = lines[3][:260]  # (inside its "user_agent")
    (tmp_path / objects[0].name[:-3]).write_text("\n".join(lines) + "\n")
    got = {j: _scan(tmp_path, "json", j) for j in (1, 2)}
    assert got[1][0] == got[2][0]
    read = json.loads(got[1][0])["inputs"]
    assert [(i["status"], i["events"], i.get("malformed_lines")) for i in read] == [("scanned", 10, 1)]
