"""Auth0 tenant log parser."""
from __future__ import annotations

import json

import pytest

from test_logs_common import FIXTURES, events, malformed_lines, records, summary, utc

DIR = FIXTURES / "auth0"


def test_tenant_logs():
    recs = records(DIR / "tenant-logs.json")
    evs = events(recs)
    assert [summary(e) for e in evs] == [
        (2, utc(2025, 3, 11, 8, 41, 2, 123000), "failure", "dev.user1@example.com", "203.0.113.77"),
        (3, utc(2025, 3, 11, 8, 45, 30, 456000), "success", "dev.user1@example.com",
         "203.0.113.77"),
        (4, utc(2025, 3, 11, 8, 46), "failure", "dev.user2@example.com", "192.0.2.15"),
        (5, utc(2025, 3, 11, 8, 47), "info", None, None),
    ]
    assert [e.raw_code for e in evs] == ["f", "s", "fp", "seacft"]
    assert evs[0].app == "SonarQube"
    assert evs[0].request_id is None  # details.session_id is an SSO session, not a login
    assert "nameIdentifier" in evs[0].text
    assert malformed_lines(recs) == []


def test_the_app_falls_back_on_the_client_id_of_the_login_request(tmp_path):
    import json

    from test_logs_common import records

    entry = {"log_id": "90020250311", "data": {
        "date": "2025-03-11T08:41:00.000Z", "type": "f", "description": "Wrong email or password.",
        "ip": "203.0.113.5", "user_name": "dev.user1@example.com",
        "details": {"qs": {"client_id": "AbCdEf0123456789"}}}}
    path = tmp_path / "auth0.json"
    path.write_text(json.dumps([entry]))
    (event,) = [r for r in records(path) if hasattr(r, "outcome")]
    assert event.app == "AbCdEf0123456789" and event.outcome == "failure"


@pytest.mark.parametrize("etype,outcome,code", [
    ("fp", "failure", "idp-authentication-failed"),
    ("limit_wc", "failure", "idp-authentication-failed"),  # blocked account: was info
    ("fn", "info", None), ("fs", "info", None), ("flo", "info", None),  # no logins: were failures
    ("s", "success", None), ("sepft", "info", None),
])
def test_which_auth0_log_types_are_login_outcomes(tmp_path, etype, outcome, code):
    path = tmp_path / "logs.json"
    path.write_text(json.dumps([{"log_id": "9001", "date": "2025-03-11T08:41:02.117Z", "type": etype,
                                 "description": "x", "client_name": "SonarQube", "user_name": "u1@example.com"}]))
    (e,) = events(records(path))
    assert (e.outcome, e.code) == (outcome, code)


def test_logins_of_one_auth0_session_are_separate_attempts(tmp_path):
    """details.session_id is the browser's SSO session: a user's Grafana login at 13:58 and her
    SonarQube failure at 14:09 were one attempt through it (auth0-javasaml case)."""
    from click.testing import CliRunner

    from samlscan.cli import main

    def entry(n, date, ltype, client, description=""):
        return {"log_id": f"9002025031800000000000{n}", "date": date, "type": ltype,
                "description": description, "client_name": client, "ip": "203.0.113.63",
                "user_name": "hana.sato@example.com", "details": {"session_id": "hSx6tNqP3T1R0mvRwhyKuCGfd3QeOvaZ"}}
    (tmp_path / "auth0.json").write_text(json.dumps([
        entry(1, "2025-03-18T13:58:10.000Z", "s", "SonarQube"),
        entry(2, "2025-03-18T14:09:00.000Z", "f", "SonarQube", "user is blocked")]))
    res = CliRunner().invoke(main, ["scan", str(tmp_path), "--format", "json", "--fail-on", "never"])
    got = [(a["time"][:19], a["outcome"]) for a in json.loads(res.stdout)["attempts"]]
    assert got == [("2025-03-18T13:58:10", "success"), ("2025-03-18T14:09:00", "failure")]
