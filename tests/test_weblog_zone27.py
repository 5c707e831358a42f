"""A web.log read without --timezone says its times carry no zone and were read as UTC."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main

WEB_LOG = Path(__file__).resolve().parent / "data" / "case10" / "web.log"  # (text: no zone)
JSON_LOG = WEB_LOG.parents[1] / "case11" / "web.log"  # (JSON: each date with its offset)


def _notes(*args: str) -> list[str]:
    r = CliRunner().invoke(main, ["check", *args, "--format", "json", "-q", "--fail-on", "never"])
    return json.loads(r.stdout)["summary"]["notes"]


def test_a_web_log_without_a_zone_says_it_was_read_as_utc():
    (note,) = [n for n in _notes(str(WEB_LOG)) if "writes its log times without a zone" in n]
    assert note.startswith(str(WEB_LOG)) and "--timezone 'web.log=<its zone>'" in note


@pytest.mark.parametrize("zone", ["web.log=Europe/Paris", "UTC", "+02:00"])
def test_a_zone_given_for_it_is_not_questioned(zone):
    assert not [n for n in _notes(str(WEB_LOG), "--timezone", zone) if "without a zone" in n]


def test_a_json_web_log_says_nothing_of_its_zone():
    """SonarQube's JSON log writes each date with its offset (+01:00): nothing was read as UTC."""
    assert not [n for n in _notes(str(JSON_LOG)) if "without a zone" in n]


def test_logs_whose_times_carry_a_zone_say_nothing_of_it():
    access = Path(__file__).resolve().parent / "data" / "sqaccess"
    logs = [str(p) for p in sorted(access.glob("*.log"))][:1]
    assert logs and not [n for n in _notes(*logs) if "without a zone" in n]


def test_a_web_log_without_a_login_says_nothing_of_its_zone(tmp_path):
    """Only a log whose lines judge a login needs its zone (a server start alone: nothing to report)."""
    log = tmp_path / "web.log"
    log.write_text("2025.03.11 08:41:02 INFO  web[][o.s.s.p.ProcessEntryPoint] Starting Web Server\n")
    assert not [n for n in _notes(str(log)) if "without a zone" in n]
