"""A SIEM export's host measured by SAML ID with a clock step (clocks._rebase, _copy_clocks): the export's
lines are measured under their host's clock (clock_of), its refusal's run under its input's steps, and
its java-saml copies are records with no host of their own. The exports are written here from the
committed logs of tests/data/clocks25 (web.log: sonar02 steps 6 min back at 09:13, set right at 09:30)
and tests/data/clocks24 (ops-ahead.log: the ops host 12 min ahead, refusing dina's response), each
record one Elasticsearch hit naming its host, as tests/test_node30.py writes its exports."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main

DATA = Path(__file__).resolve().parent / "data"


def _records(log: Path, start: str) -> list[list[str]]:
    """A log's records: a line opening with a time (`start`, a regex) and its continuation lines."""
    out: list[list[str]] = []
    for line in log.read_text().splitlines():
        if re.match(start, line) or not out:
            out.append([line])
        else:
            out[-1].append(line)
    return out


def _elastic(path: Path, records: list[list[str]], stamp, host: str) -> None:
    rows = [{"_index": "logs-app", "_id": f"id{k}", "_source": {
        "@timestamp": stamp(r[0]), "message": "\n".join(r), "host": {"name": host},
        "log": {"file": {"path": "/var/log/app.log"}}}} for k, r in enumerate(records)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def _sonar_stamp(line: str) -> str:  # '2026.11.25 09:05:05 ...' (SonarQube's web.log)
    return line[:10].replace(".", "-") + "T" + line[11:19] + ".000Z"


def _scan(folder: Path, jobs: str = "1") -> tuple[dict, str]:
    res = CliRunner().invoke(main, ["scan", str(folder), "--format", "json", "--timezone", "UTC", "--jobs", jobs,
                                    "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout), res.stdout


def _clocks25(tmp_path: Path, exported: bool) -> Path:
    for name in ("servicedesk.har", "u_ex261125.log"):
        shutil.copy(DATA / "clocks25" / name, tmp_path / name)
    if exported:
        _elastic(tmp_path / "hits.ndjson", _records(DATA / "clocks25" / "web.log", r"\d{4}\.\d\d\.\d\d "),
                 _sonar_stamp, "sonar02")
    else:
        shutil.copy(DATA / "clocks25" / "web.log", tmp_path / "web.log")
    return tmp_path


def _story(doc: dict) -> list[tuple]:
    """Each attempt's time, user, cause and inputs, the export named as the log it holds."""
    return [(a["time"], a["user"], a["root_cause"],
             sorted({Path(e["input"]).name.replace("hits.ndjson", "web.log") for e in a["evidence"]}))
            for a in doc["attempts"]]


def test_an_exported_host_stepping_back_reads_as_its_log_does(tmp_path):
    """sonar02's export: measured by SAML ID on java-saml's copies (alice's on the right clock, frank's in
    the run 6 min behind). Before: the copies were measured on the file and the host's run left them out,
    so the export got their median, -180 s, a clock sonar02 never had: every login stood 3 min off its IIS
    line and dana, hugo and bob lost theirs."""
    (tmp_path / "plain").mkdir()
    (tmp_path / "hosted").mkdir()
    plain, _ = _scan(_clocks25(tmp_path / "plain", False))
    hosted, _ = _scan(_clocks25(tmp_path / "hosted", True))
    assert not any("clock offset" in n for n in hosted["summary"]["notes"]), hosted["summary"]["notes"]
    assert _story(hosted) == _story(plain)
    (frank,) = [a for a in hosted["attempts"] if a["user"] == "frank@corp.example.com"]
    assert frank["root_cause"] == "sp-clock-skew" and "sonar02's clock was 6 min behind" in frank["fix"]


def test_a_host_measured_only_inside_its_stepped_run_keeps_no_offset(tmp_path):
    """The ops host's export (clocks24 'ahead'): its refusal names dina's response ID, 12 min ahead of her
    capture, inside the run NTP ends at 08:30. Its lines are measured under 'host ops-1', its steps under
    the export: before, _rebase looked the host up by file, found nothing and the export kept +720 s for
    every line (as ops-ahead.log itself does not)."""
    for name in ("ahead.har", "carl.har", "okta-ahead.json"):
        shutil.copy(DATA / "clocks24" / name, tmp_path / name)
    _elastic(tmp_path / "hits.ndjson", _records(DATA / "clocks24" / "ops-ahead.log", r"\d{4}-\d\d-\d\dT"),
             lambda line: line[:23] + "Z", "ops-1")
    doc, _ = _scan(tmp_path)
    assert not any("clock offset" in n for n in doc["summary"]["notes"]), doc["summary"]["notes"]
    (dina,) = [a for a in doc["attempts"] if a["user"] == "dina@example.com"]
    assert dina["root_cause"] == "sp-clock-skew" and "ops-1's clock was 12 min ahead" in dina["fix"]
    assert "hits.ndjson" in {Path(e["input"]).name for e in dina["evidence"]}


@pytest.mark.parametrize("exported", [True, False])
def test_jobs_one_and_two_agree(tmp_path, exported):
    folder = _clocks25(tmp_path, exported)
    assert _scan(folder, "1")[1] == _scan(folder, "2")[1]
