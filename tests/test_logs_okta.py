"""Okta System Log parser: JSON array, JSON lines, event-hook envelope."""
from __future__ import annotations

import json

import pytest

from test_logs_common import (
    FIXTURES, catalog_ready, events, malformed_lines, records, summary, utc,
)

DIR = FIXTURES / "okta"


def test_system_log_array():
    recs = records(DIR / "system-log.json")
    evs = events(recs)
    assert [summary(e) for e in evs] == [
        (2, utc(2025, 3, 11, 8, 41, 5, 412000), "success", "dev.user1@example.com", "203.0.113.77"),
        (19, utc(2025, 3, 11, 8, 43, 51, 6000), "failure", "contractor7@example.com",
         "198.51.100.40"),
        (30, utc(2025, 3, 11, 8, 44, 2, 250000), "failure", "dev.user2@example.com", "192.0.2.44"),
    ]
    assert [e.correlation_id for e in evs] == [
        "Z9AbCdEfGh12345678", "ZaQ1wS2eD3rF4tG5yH", "ZbW2eR3tY4uI5oP6aS"]
    assert evs[0].request_id == "Z9AbCdEfGh12345678" and evs[0].app == "SonarQube"
    assert evs[1].raw_code == "app.generic.unauth_app_access_attempt"
    assert "User not assigned to app" in evs[1].text
    assert all(e.side == "idp" and not e.local_time for e in evs)
    assert malformed_lines(recs) == ["line 42"]


def test_json_lines_and_noise():
    recs = records(DIR / "system-log.jsonl")
    assert [summary(e) for e in events(recs)] == [
        (1, utc(2025, 3, 11, 8, 45, 10, 1000), "info", "dev.user1@example.com", "203.0.113.77"),
        (3, utc(2025, 3, 11, 8, 45, 14, 730000), "success", "dev.user1@example.com",
         "203.0.113.77"),
    ]
    assert malformed_lines(recs) == ["line 2"]


def test_event_hook_envelope():
    (ev,) = events(records(DIR / "event-hook.json"))
    assert summary(ev) == (9, utc(2025, 3, 11, 8, 46, 30, 500000), "failure",
                           "dev.user3@example.com", "198.51.100.61")


@pytest.mark.skipif(not catalog_ready(), reason="samlscan.catalog not available yet")
def test_codes():
    evs = events(records(DIR / "system-log.json"))
    assert [e.code for e in evs] == [None, "user-not-assigned", "idp-authentication-failed"]


@pytest.mark.parametrize("header", [
    "<134>1 2025-03-11T08:41:06.000Z siem.example.com okta - - - ",          # RFC 5424
    "<134>1 2025-03-11T08:41:06Z siem okta 4242 ID47 [meta sequenceId=\"1\"] ",  # with SD
    "<134>Mar 11 08:41:06 siem okta: ",                                        # RFC 3164
])
def test_syslog_wrapped_json_lines_read_like_the_bare_export(tmp_path, header):
    """A SIEM forwarder's export: each System Log record behind a syslog header. It starts with
    '<' but is no XML document."""
    from datetime import timezone

    from samlscan.config import Expectations
    from samlscan.engine import analyze_file

    bare = [line for line in (DIR / "system-log.jsonl").read_text().splitlines() if line.strip()]
    wrapped = tmp_path / "okta-syslog.log"
    wrapped.write_text("".join(header + line + "\n" for line in bare))
    plain = tmp_path / "okta.jsonl"
    plain.write_text("".join(line + "\n" for line in bare))
    got = analyze_file(str(wrapped), Expectations(), timezone.utc)
    want = analyze_file(str(plain), Expectations(), timezone.utc)
    assert got.input.kind == "log:okta" and got.events
    assert [(e.time, e.user, e.outcome, e.code, e.source.ref) for e in got.events] == \
        [(e.time, e.user, e.outcome, e.code, e.source.ref) for e in want.events]


def test_an_xml_document_is_not_taken_for_syslog():
    from samlscan.logs import looks_like_syslog

    assert not looks_like_syslog('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>')
    assert not looks_like_syslog("<?xml version='1.0'?><x/>")
    assert looks_like_syslog("<13>Mar 11 08:41:06 host app: hello")


@pytest.mark.parametrize("etype,result,outcome", [
    ("user.account.lock", "SUCCESS", "failure"),  # the lock succeeded: the login did not
    ("user.session.start", "SUCCESS", "info"),  # the Okta session, not the app's sign-on
    ("user.session.start", "FAILURE", "failure"),  # a wrong password fails the login
    ("policy.evaluate_sign_on", "SUCCESS", "info"),
    ("user.authentication.sso", "SUCCESS", "success"),
])
def test_which_okta_events_decide_a_login(tmp_path, etype, result, outcome):
    """A lockout was a successful login; the session's start decided the app's login (review)."""
    path = tmp_path / "okta.json"
    path.write_text(json.dumps([{"uuid": "a1", "published": "2025-03-11T08:40:59.000Z", "eventType": etype,
                                 "actor": {"alternateId": "u1@example.com"}, "outcome": {"result": result}}]))
    (e,) = events(records(path))
    assert e.outcome == outcome
