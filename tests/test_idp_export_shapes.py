"""IdP log shapes seen in real exports (SIEM test data, vendor docs), with our own synthetic values.

Each case was read wrong before: Azure Monitor envelope time taken over the sign-in's own time,
Entra 'Interrupt' codes counted as failed logins, Google activities whose `events` a SIEM split into
one object, every Auth0 'f' event given one specific SAML cause.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from samlscan.logs import parse_file
from samlscan.model import LogEvent


def _events(tmp_path, text: str, name: str = "log.json") -> list[LogEvent]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return [r for r in parse_file(str(path), timezone.utc) if isinstance(r, LogEvent)]


def _azmon(time: str, props: dict) -> str:
    """One Azure Monitor sign-in record (envelope field names of MS-AZMON)."""
    return json.dumps({
        "time": time, "category": "SignInLogs", "operationName": "Sign-in activity",
        "resultType": str(props.get("status", {}).get("errorCode", 0)), "callerIpAddress": "192.0.2.9",
        "correlationId": "c0ffee00-0000-4000-8000-000000000001", "properties": props})


_PROPS = {"id": "1d0c0000-0000-4000-8000-000000000002", "userPrincipalName": "dev.user1@example.com",
          "appDisplayName": "SonarQube", "ipAddress": "192.0.2.9", "status": {"errorCode": 0}}


# --- Entra: Azure Monitor time --------------------------------------------------------------

def test_azure_monitor_sign_in_time_is_created_datetime_not_envelope_time(tmp_path):
    props = dict(_PROPS, createdDateTime="2025-03-11T08:41:03.1234567+00:00")
    ev, = _events(tmp_path, _azmon("2025-03-11T08:42:45.0000000Z", props))
    assert ev.time == datetime(2025, 3, 11, 8, 41, 3, 123456, tzinfo=timezone.utc)


def test_azure_monitor_envelope_time_used_without_created_datetime(tmp_path):
    ev, = _events(tmp_path, _azmon("2025-03-11T08:42:45Z", dict(_PROPS)))
    assert ev.time == datetime(2025, 3, 11, 8, 42, 45, tzinfo=timezone.utc)


@pytest.mark.parametrize("text,want", [
    ("3/11/2025 8:42:45 AM", datetime(2025, 3, 11, 8, 42, 45, tzinfo=timezone.utc)),
    ("3/11/2025 1:05:00 PM", datetime(2025, 3, 11, 13, 5, tzinfo=timezone.utc)),
])
def test_azure_monitor_locale_envelope_time_is_read(tmp_path, text, want):
    ev, = _events(tmp_path, _azmon(text, dict(_PROPS)))
    assert ev.time == want


def test_azure_monitor_unreadable_time_stays_none(tmp_path):
    ev, = _events(tmp_path, _azmon("yesterday", dict(_PROPS)))
    assert ev.time is None


# --- Entra: interrupts ------------------------------------------------------------------------

@pytest.mark.parametrize("code", [50140, 50074, 50072, 50125])
def test_entra_interrupt_code_is_not_a_failed_login(tmp_path, code):
    props = dict(_PROPS, createdDateTime="2025-03-11T08:41:03Z",
                 status={"errorCode": code, "failureReason": "interrupted"})
    ev, = _events(tmp_path, _azmon("2025-03-11T08:41:05Z", props))
    assert ev.outcome == "info" and ev.raw_code == f"AADSTS{code}"


@pytest.mark.parametrize("code", [50076, 50011, 50105])
def test_entra_other_codes_stay_failures(tmp_path, code):
    rec = dict(_PROPS, createdDateTime="2025-03-11T08:41:03Z", status={"errorCode": code})
    ev, = _events(tmp_path, json.dumps({"value": [rec]}))
    assert ev.outcome == "failure"


def test_entra_csv_status_column_still_decides(tmp_path):
    csv = ("Date (UTC),Request ID,Correlation ID,Username,Application,IP address,Status,"
           "Sign-in error code,Failure reason\n"
           "2025-03-11T08:41:03Z,r1,c1,dev.user1@example.com,SonarQube,192.0.2.9,Failure,50140,x\n")
    ev, = _events(tmp_path, csv, "signins.csv")
    assert ev.outcome == "failure"


# --- Google: split events ------------------------------------------------------------------

def _google(events) -> str:
    return json.dumps({
        "kind": "admin#reports#activity", "actor": {"callerType": "USER", "email": "dev.user1@example.com"},
        "id": {"applicationName": "saml", "time": "2025-03-11T08:41:02Z", "uniqueQualifier": 7},
        "ipAddress": "192.0.2.9", "events": events})


_GOOGLE_EVENT = {"type": "login", "name": "login_failure", "parameters": [
    {"name": "application_name", "value": "SonarQube"},
    {"name": "failure_type", "value": "failure_invalid_sp_id"}]}


def test_google_activity_with_one_event_object_is_read(tmp_path):
    ev, = _events(tmp_path, _google(_GOOGLE_EVENT))
    assert (ev.outcome, ev.raw_code, ev.app, ev.user) == (
        "failure", "failure_invalid_sp_id", "SonarQube", "dev.user1@example.com")


def test_google_activity_event_list_still_read(tmp_path):
    ev, = _events(tmp_path, _google([_GOOGLE_EVENT]))
    assert ev.raw_code == "failure_invalid_sp_id"


def test_google_events_of_another_type_are_no_events(tmp_path):
    assert _events(tmp_path, _google("login_failure")) == []


# --- Auth0: 'f' is decided by its description ------------------------------------------------

def _auth0(description: str) -> str:
    return json.dumps({"log_id": "900200000000000000000001", "data": {
        "date": "2025-03-11T08:41:02.123Z", "type": "f", "description": description,
        "client_name": "SonarQube", "ip": "192.0.2.9", "log_id": "900200000000000000000001"}})


def test_auth0_callback_mismatch_is_a_reply_url_mismatch(tmp_path):
    ev, = _events(tmp_path, _auth0("Callback URL mismatch. https://sonar.example.com/oauth2/"
                                   "callback/saml is not in the list of allowed callback URLs"))
    assert ev.code == "reply-url-mismatch"


def test_auth0_unexplained_f_is_unknown_not_the_nameid_cause(tmp_path):
    ev, = _events(tmp_path, _auth0("the connection is not enabled"))
    assert ev.code == "unknown-failure"


def test_auth0_nameid_text_keeps_its_cause(tmp_path):
    ev, = _events(tmp_path, _auth0("invalid_request: No attribute was found to generate the "
                                   "nameIdentifier."))
    assert ev.code == "idp-configuration-error"


def test_auth0_blocked_user_is_an_idp_refusal(tmp_path):
    """Auth0 logs an administrator's block as 'f' + 'user is blocked' (it was unknown-failure)."""
    ev, = _events(tmp_path, _auth0("user is blocked"))
    assert ev.code == "idp-authentication-failed"
