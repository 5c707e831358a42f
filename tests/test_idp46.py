"""IdP exports our readers missed (fixtures/gen_idp46.py writes them; its docstring cites each shape):
Entra sign-ins saved by PowerShell's ConvertTo-Json (PascalCase, Status.ErrorCode, /Date(ms)/),
Okta's and Auth0's log streams to Amazon EventBridge (the entry in the event's `detail`)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from test_logs_common import FIXTURES, events, records, summary, utc

ROOT = Path(__file__).resolve().parent.parent
FAIL, OK = utc(2025, 3, 11, 8, 41, 3), utc(2025, 3, 11, 8, 44, 5)
USER, IP = "dev.user1@example.com", "198.51.100.23"


def _write(tmp_path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_generator_reproduces_the_fixtures():
    res = subprocess.run([sys.executable, str(ROOT / "fixtures" / "gen_idp46.py"), "--check"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.parametrize("name", ["azuread-signinlogs-ps51.json", "mggraph-signinlogs-ps51.json"])
def test_entra_powershell_export(name):
    evs = events(records(FIXTURES / "entra" / name))
    assert [summary(e)[1:] for e in evs] == [(FAIL, "failure", USER, IP), (OK, "success", USER, IP)]
    assert [e.raw_code for e in evs] == ["AADSTS50011", None]
    assert evs[0].code == "reply-url-mismatch"
    assert evs[0].request_id == "3f6c1d2e-9a8b-4c7d-8e6f-5a4b3c2d1e0f"
    assert evs[0].correlation_id == "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
    assert evs[0].app == "SonarQube"


def _ps_signin(**changes) -> dict:
    rec = {"Id": "r1", "CreatedDateTime": "/Date(1741682463000)/", "UserPrincipalName": USER,
           "AppDisplayName": "SonarQube", "IPAddress": IP, "CorrelationId": "c1",
           "Status": {"ErrorCode": 50105, "FailureReason": "User not assigned to a role for the application."}}
    return rec | changes


@pytest.mark.parametrize("status, outcome, raw", [
    ({"ErrorCode": 50105, "FailureReason": "x"}, "failure", "AADSTS50105"),
    ({"ErrorCode": 0, "FailureReason": None}, "success", None),
    ({"errorCode": 50105}, "failure", "AADSTS50105"),  # (the Graph's own names still read)
])
def test_entra_powershell_status(tmp_path, status, outcome, raw):
    path = _write(tmp_path, "s.json", json.dumps([_ps_signin(Status=status)]))
    [ev] = events(records(path))
    assert (ev.outcome, ev.raw_code) == (outcome, raw)


@pytest.mark.parametrize("stamp, time", [
    ("/Date(1741682463000)/", FAIL),
    ("/Date(1741682463000+0100)/", FAIL),  # (.NET's local-kind form: the ms are UTC still)
    ("2025-03-11T08:41:03Z", FAIL),
    ("/Date(soon)/", None),
    ("Date(1741682463000)", None),
])
def test_entra_ms_date(tmp_path, stamp, time):
    path = _write(tmp_path, "d.json", json.dumps([_ps_signin(CreatedDateTime=stamp)]))
    [ev] = events(records(path))
    assert ev.time == time


def test_okta_eventbridge_stream():
    evs = events(records(FIXTURES / "okta" / "eventbridge-systemlog.jsonl"))
    assert [summary(e)[1:] for e in evs] == [
        (utc(2025, 3, 11, 8, 41, 3, 123000), "failure", USER, IP),
        (utc(2025, 3, 11, 8, 44, 5, 123000), "success", USER, IP)]
    assert evs[0].code == "user-not-assigned"
    assert evs[0].app == "SonarQube"


def test_okta_eventbridge_needs_a_log_event(tmp_path):
    """An EventBridge event whose detail is no LogEvent is no sign-in."""
    text = (FIXTURES / "okta" / "eventbridge-systemlog.jsonl").read_text().splitlines()[0]
    obj = json.loads(text)
    obj["detail"] = {"published": obj["detail"]["published"], "actor": obj["detail"]["actor"]}
    path = _write(tmp_path, "o.jsonl", text + "\n" + json.dumps(obj) + "\n")
    assert len(events(records(path))) == 1


def test_auth0_eventbridge_stream():
    evs = events(records(FIXTURES / "auth0" / "eventbridge-logs.jsonl"))
    assert [summary(e)[1:] for e in evs] == [
        (utc(2025, 3, 11, 8, 41, 3, 765000), "failure", USER, IP),
        (utc(2025, 3, 11, 8, 44, 5, 765000), "success", USER, IP)]
    assert [e.raw_code for e in evs] == ["fp", "s"]
    assert evs[0].code == "idp-authentication-failed"


def test_auth0_eventbridge_needs_an_entry(tmp_path):
    text = (FIXTURES / "auth0" / "eventbridge-logs.jsonl").read_text().splitlines()[0]
    obj = json.loads(text)
    obj["detail"] = {"log_id": "x", "data": {"date": "2025-03-11T08:41:03.765Z"}}  # no type
    path = _write(tmp_path, "a.jsonl", text + "\n" + json.dumps(obj) + "\n")
    assert len(events(records(path))) == 1
