"""An attempt names its client's IP address (Attempt.ip): from the SP's log lines first (SonarQube's
access log is the browser's own address), else the IdP's; every format shows it, --redact masks it."""
from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.correlate.attempts import _attempt
from samlscan.correlate.pieces import _Piece

ROOT = Path(__file__).resolve().parents[1]
OKTA = ROOT / "fixtures/logs/okta/system-log.json"
ENTRA = ROOT / "fixtures/logs/entra/signins-graph.json"
SQACCESS = ROOT / "tests/data/sqaccess"
CAPTURE = ROOT / "fixtures/captures/chrome-success.har"
T0 = datetime(2025, 3, 11, 8, 41, tzinfo=timezone.utc)


def _run(*args) -> str:
    res = CliRunner().invoke(main, ["scan", *map(str, args)])
    assert res.exit_code in (0, 1), res.output
    return res.stdout


def _attempts(*inputs) -> list[dict]:
    return json.loads(_run(*inputs, "--format", "json"))["attempts"]


def test_okta_attempts_name_their_client_ip_in_json_table_and_html():
    by_user = {a["user"]: a for a in _attempts(OKTA)}
    assert by_user["contractor7@example.com"]["ip"] == "198.51.100.40"
    assert by_user["dev.user2@example.com"]["ip"] == "192.0.2.44"
    keys = list(by_user["contractor7@example.com"])
    assert keys[keys.index("user") + 1] == "ip"  # right after the user
    table = _run(OKTA)
    assert re.search(r"contractor7@example\.com .*\n\s+from 198\.51\.100\.40 ", table)
    html = _run(OKTA, "--format", "html")
    assert re.search(r"<strong>contractor7@example\.com</strong> <span class=\"muted\">from 198\.51\.100\.40</span>",
                     html)


def test_entra_attempts_name_their_client_ip():
    ips = {(a["user"], a["outcome"]): a["ip"] for a in _attempts(ENTRA)}
    assert ips[("contractor7@example.com", "failure")] == "198.51.100.40"
    assert ips[("dev.user1@example.com", "success")] == "198.51.100.23"


def test_sonarqube_access_log_gives_each_callback_its_client_ip():
    """tests/data/sqaccess: the proxied client's address is X-Forwarded-For's first, not the proxy's."""
    failures = {a["root_cause"]: a["ip"] for a in _attempts(SQACCESS / "access.log", SQACCESS / "web.log")
                if a["outcome"] == "failure"}
    assert failures == {"audience-mismatch": "203.0.113.77", "signature-invalid": "192.0.2.10"}
    success = [a["ip"] for a in _attempts(SQACCESS / "access.log") if a["outcome"] == "success"]
    assert success == ["198.51.100.23"]


def test_a_capture_only_attempt_has_no_ip():
    attempts = _attempts(CAPTURE)
    assert attempts and all(a["ip"] is None for a in attempts)
    assert "from " not in _run(CAPTURE).split("== login attempts")[1].split("\n\n")[0]


IPS = ("198.51.100.40", "192.0.2.44", "203.0.113.77", "192.0.2.10", "198.51.100.23")


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "html", "sarif", "csv"])
def test_redact_leaves_no_client_ip_in_any_format(fmt):
    out = _run(OKTA, SQACCESS / "access.log", SQACCESS / "web.log", "--format", fmt, "--redact")
    assert out.strip()
    assert [ip for ip in IPS if ip in out] == []
    if fmt in ("table", "json", "html", "sarif"):  # the formats that show attempts
        assert "<ip:" in out or "&lt;ip:" in out


def test_redact_knows_the_attempts_ip_even_without_its_events():
    """personal_values holds the attempt's own IP, whatever the report kept of its events (a value
    known is masked also where a quote cuts it short: Redactor._cut_tail)."""
    from samlscan.config import build
    from samlscan.correlate import correlate
    from samlscan.engine import analyze
    from samlscan.report.redact import personal_values

    report = correlate(analyze([str(OKTA)], build({}, ROOT / "fixtures/config/default.toml")))
    assert any(a.ip == "198.51.100.40" for a in report.attempts)
    assert "198.51.100.40" in personal_values(replace(report, events=()))


def _piece(minutes: int, ip: str | None, side: str, ref: str) -> _Piece:
    return _Piece(T0 + timedelta(minutes=minutes), "log", f"{side}.log", ref, user="anna@example.com", ip=ip,
                  outcome="failure", side=side, product="okta" if side == "idp" else "sonarqube")


def test_the_sp_logs_ip_wins_over_an_earlier_idp_line_and_a_note_names_both():
    a = _attempt([_piece(0, "198.51.100.9", "idp", "line 1"), _piece(1, "203.0.113.7", "sp", "line 2")])
    assert a.ip == "203.0.113.7"
    assert any("2 client IPs: 203.0.113.7 (shown: the SP log's), 198.51.100.9" in n for n in a.notes)


def test_without_an_sp_ip_the_first_in_time_is_shown_and_one_ip_gets_no_note():
    a = _attempt([_piece(2, "198.51.100.9", "idp", "line 5"), _piece(0, "192.0.2.1", "idp", "line 1"),
                  _piece(1, None, "sp", "line 2")])
    assert a.ip == "192.0.2.1"
    assert any("2 client IPs: 192.0.2.1 (shown: the first), 198.51.100.9" in n for n in a.notes)
    same = _attempt([_piece(0, "192.0.2.1", "idp", "line 1"), _piece(1, "192.0.2.1", "sp", "line 2")])
    assert same.ip == "192.0.2.1" and not any("client IPs" in n for n in same.notes)
