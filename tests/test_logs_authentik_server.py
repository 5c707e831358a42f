"""authentik server container log: structlog JSON lines, events logged as "Created Event"."""
from __future__ import annotations

import json
from datetime import timezone

from test_logs_common import FIXTURES, PARIS, detected, events, malformed_lines, records, summary, utc

from samlscan.logs import authentik, detect

SERVER_LOG = FIXTURES / "authentik" / "server.log"

# One line of each kind, in the shape authentik/lib/logging.py renders (sorted keys, zone-less
# local timestamp); values are the fixtures' standard scenario.
_FAILED = {
    "action": "login_failed", "auth_via": "unauthenticated", "client_ip": "203.0.113.77",
    "context": {"http_request": {"args": {}, "method": "POST",
                                 "path": "/api/v3/flows/executor/default-authentication-flow/"},
                "password": "********************", "username": "devuser1"},
    "domain_url": "auth.example.org", "event": "Created Event", "level": "info",
    "logger": "authentik.events.models", "pid": 56, "schema_name": "public",
    "timestamp": "2025-03-11T08:41:01.220415", "user": {"pk": 2, "username": "AnonymousUser"}}
_LOGIN = {**_FAILED, "action": "login", "auth_via": "session", "timestamp": "2025-03-11T08:42:14.702931",
          "context": {"auth_method": "password"},
          "user": {"email": "dev.user1@example.com", "pk": 7, "username": "devuser1"}}
_TASK = {"domain_url": None, "event": "Task started", "level": "info", "logger": "authentik.root.celery",
         "pid": 56, "task_id": "5e4d3c2b", "task_name": "authentik.events.tasks.event_notification_handler",
         "timestamp": "2025-03-11T08:41:01.240588"}


def _write(tmp_path, *objs, name="server.log"):
    p = tmp_path / name
    p.write_text("".join(json.dumps(o, sort_keys=True) + "\n" for o in objs))
    return p


def test_failed_login_line_is_a_failure_with_the_attempted_user(tmp_path):
    [ev] = events(records(_write(tmp_path, _FAILED)))
    assert summary(ev) == (1, utc(2025, 3, 11, 8, 41, 1, 220415), "failure", "devuser1", "203.0.113.77")
    assert ev.product == "authentik" and ev.side == "idp" and ev.raw_code == "login_failed"
    assert ev.text == "login_failed" and ev.local_time is True


def test_login_line_is_a_success(tmp_path):
    [ev] = events(records(_write(tmp_path, _LOGIN)))
    assert summary(ev) == (1, utc(2025, 3, 11, 8, 42, 14, 702931), "success", "dev.user1@example.com",
                           "203.0.113.77")
    assert ev.code is None


def test_other_structlog_lines_are_skipped_not_malformed(tmp_path):
    path = _write(tmp_path, _TASK)
    assert detected(path) == "authentik"
    recs = records(path)
    assert recs == [] and malformed_lines(recs) == []


def test_failure_actions_follow_the_export_mapping(tmp_path):
    """One mapping for exports and server lines: suspicious_request fails, logout is info."""
    sus = {**_FAILED, "action": "suspicious_request",
           "context": {"message": "Invalid SAML request signature"}}
    out = {**_LOGIN, "action": "logout"}
    evs = events(records(_write(tmp_path, sus, out)))
    assert [(e.raw_code, e.outcome) for e in evs] == [("suspicious_request", "failure"), ("logout", "info")]
    assert evs[0].text == "suspicious_request: Invalid SAML request signature"


def test_zone_less_timestamp_is_read_in_the_timezone(tmp_path):
    path = _write(tmp_path, _FAILED)
    [utc_ev], [paris_ev] = events(records(path)), events(records(path, PARIS))
    assert paris_ev.time == utc(2025, 3, 11, 7, 41, 1, 220415)  # 08:41 in Paris is 07:41 UTC
    assert utc_ev.local_time and paris_ev.local_time


def test_server_log_mixing_lines_is_sniffed_and_read():
    assert detected(SERVER_LOG) == "authentik"
    recs = records(SERVER_LOG)
    assert malformed_lines(recs) == []
    evs = events(recs)
    assert [summary(e) for e in evs] == [
        (2, utc(2025, 3, 11, 8, 41, 1, 220415), "failure", "dev.user1@example.com", "203.0.113.77"),
        (6, utc(2025, 3, 11, 8, 42, 14, 702931), "success", "dev.user1@example.com", "203.0.113.77"),
        (7, utc(2025, 3, 11, 8, 42, 15, 4120), "success", "dev.user1@example.com", "203.0.113.77"),
    ]
    assert [e.raw_code for e in evs] == ["login_failed", "login", "authorize_application"]
    assert [e.app for e in evs] == [None, None, "SonarQube"]


def test_sniff_needs_no_event_line_in_the_head():
    """A busy server logs many requests before an event: its access lines identify it."""
    access = SERVER_LOG.read_text().splitlines()[0] + "\n"
    assert authentik.PARSER.sniff(access)
    assert detect(access) is authentik.PARSER
    assert not authentik.PARSER.sniff('{"event": "Task started", "logger": "celery.worker", '
                                      '"timestamp": "2025-03-11T08:41:01"}\n')


def test_export_is_still_read_with_its_zone(tmp_path):
    export = FIXTURES / "authentik" / "events.json"
    assert [e.time for e in events(records(export, PARIS))] == [
        e.time for e in events(records(export, timezone.utc))]


def test_acs_url_refusal_is_the_sp_url_configured_at_authentik(tmp_path):
    """authentik's AuthnRequest parser refuses another ACS URL than its provider's (issue 3423:
    an SP behind a proxy sending its internal port): the view saves a configuration_error event
    with that text. The attempt names the cause and where to fix it (it had no fix)."""
    from click.testing import CliRunner

    from samlscan.cli import main

    acs = ("ACS URL of http://sonar.example.com:9000/oauth2/callback/saml doesn't match Provider ACS URL of "
           "https://sonar.example.com/oauth2/callback/saml.")
    line = {**_FAILED, "action": "configuration_error", "context": {"message": acs}}
    out = CliRunner().invoke(main, ["check", str(_write(tmp_path, line)), "--format", "json"]).stdout
    (a,) = json.loads(out)["attempts"]
    assert (a["outcome"], a["root_cause"], a["side"]) == ("failure", "reply-url-mismatch", "idp")
    assert "ACS URL in authentik" in a["fix"]
