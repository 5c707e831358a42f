"""The CSVs the admin consoles' download buttons give: Okta's System Log "Download CSV" and the
Google Admin console's export of SAML log events. Read with the same event mapping as their JSON."""
from __future__ import annotations

import json
from datetime import timezone

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.logs import detect, google, okta, parse_file
from samlscan.model import LogEvent
from test_logs_common import (
    FIXTURES, PARIS, catalog_ready, detected, events, malformed_lines, records, summary, utc,
)

OKTA_CSV = FIXTURES / "okta" / "system-log-download.csv"
GOOGLE_CSV = FIXTURES / "google" / "saml-log-events-export.csv"
ENTRA_CSV = FIXTURES / "entra" / "InteractiveSignIns_2025-03-11_2025-03-12.csv"


def _scan(path) -> dict:
    res = CliRunner().invoke(main, ["scan", str(path), "--format", "json", "--jobs", "1",
                                    "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout)


def _events_of(tmp_path, text: str, name: str, tz=timezone.utc) -> list[LogEvent]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return [r for r in parse_file(str(path), tz) if isinstance(r, LogEvent)]


# --- Okta System Log "Download CSV" ---------------------------------------------------------

def test_okta_csv_is_sniffed_as_okta():
    assert detected(OKTA_CSV) == "okta"


def test_okta_csv_events_read_like_the_json():
    recs = records(OKTA_CSV)
    evs = events(recs)
    assert [summary(e) for e in evs] == [
        (2, utc(2025, 3, 11, 8, 40, 58, 120000), "info", "dev.user1@example.com", "203.0.113.77"),
        (3, utc(2025, 3, 11, 8, 41, 5, 412000), "success", "dev.user1@example.com", "203.0.113.77"),
        (4, utc(2025, 3, 11, 8, 43, 51, 6000), "failure", "contractor7@example.com",
         "198.51.100.40"),
        (5, utc(2025, 3, 11, 8, 44, 30, 775000), "info", "it.admin@example.com", "203.0.113.5"),
        (6, utc(2025, 3, 11, 8, 45, 0, 1000), "info", "SIEM collector", "192.0.2.10"),
    ]
    assert [e.raw_code for e in evs] == [
        "user.session.start", "user.authentication.sso", "app.generic.unauth_app_access_attempt",
        "user.account.update_profile", "system.org.rate_limit.warning"]
    # the target cell's JSON list: the AppInstance names the app, a User target does not
    assert [e.app for e in evs] == [None, "SonarQube", "SonarQube", None, None]
    assert evs[2].text == "User attempted unauthorized access to app: User not assigned to app"
    assert evs[1].request_id == evs[1].correlation_id == "Z9AbCdEfGh12345678"
    assert all(e.product == "okta" and e.side == "idp" and not e.local_time for e in evs)
    assert malformed_lines(recs) == []


@pytest.mark.skipif(not catalog_ready(), reason="samlscan.catalog not available yet")
def test_okta_csv_codes():
    codes = [e.code for e in events(records(OKTA_CSV))]
    assert codes == [None, None, "user-not-assigned", None, None]


def test_okta_csv_same_events_as_the_same_records_in_json(tmp_path):
    """One place per fact: a CSV row and the JSON record it flattens give the same event."""
    rec = {"uuid": "u1", "published": "2025-03-11T08:44:02.250Z",
           "eventType": "user.session.start", "displayMessage": "User login to Okta",
           "actor": {"alternateId": "dev.user2@example.com"}, "client": {"ipAddress": "192.0.2.44"},
           "outcome": {"result": "FAILURE", "reason": "INVALID_CREDENTIALS"},
           "transaction": {"id": "ZbW2eR3tY4uI5oP6aS"}}
    (js,) = _events_of(tmp_path, json.dumps([rec]), "okta.json")
    (cs,) = _events_of(tmp_path,
                       "uuid,published,eventType,displayMessage,actor.alternateId,client.ipAddress,"
                       "outcome.result,outcome.reason,transaction.id\n"
                       "u1,2025-03-11T08:44:02.250Z,user.session.start,User login to Okta,"
                       "dev.user2@example.com,192.0.2.44,FAILURE,INVALID_CREDENTIALS,"
                       "ZbW2eR3tY4uI5oP6aS\n",
                       "okta.csv")
    fields = ("time", "outcome", "text", "code", "user", "ip", "correlation_id", "app", "raw_code")
    assert [getattr(cs, f) for f in fields] == [getattr(js, f) for f in fields]
    assert cs.outcome == "failure" and cs.raw_code == "user.session.start"


def test_okta_csv_headers_matched_loosely_with_per_field_target_columns(tmp_path):
    """Spaced, capitalised names ('Actor Alternate ID'), and targets one column per field."""
    text = ("Published,Event Type,Display Message,Actor Alternate ID,Client IP Address,"
            "Outcome Result,Outcome Reason,target[0].type,target[0].displayName,target[1].type,"
            "target[1].displayName\n"
            "2025-03-11T08:43:51.006Z,app.generic.unauth_app_access_attempt,User attempted "
            "unauthorized access to app,contractor7@example.com,198.51.100.40,FAILURE,User not "
            "assigned to app,User,Contractor Seven,AppInstance,SonarQube\n")
    assert detect(text) is okta.PARSER
    (ev,) = _events_of(tmp_path, text, "syslog.csv")
    assert (ev.time, ev.outcome, ev.user, ev.ip, ev.app) == (
        utc(2025, 3, 11, 8, 43, 51, 6000), "failure", "contractor7@example.com", "198.51.100.40",
        "SonarQube")


def test_okta_csv_rows_that_are_no_events_are_malformed_lines(tmp_path):
    """Under an Okta header, rows without an event type and time (another table pasted below,
    cells shifted by a broken quote, junk) became events with no time or were dropped unseen."""
    text = ("published,eventType,displayMessage,actor.alternateId,client.ipAddress,outcome.result\n"
            "2025-03-11T08:43:51.006Z,user.authentication.sso,User single sign on to app,"
            "dev.user1@example.com,203.0.113.77,FAILURE\n"
            "name,size,owner,modified,type,path\n"
            "hello world\n"
            ",,,,,\n"
            "2025-03-11T08:45:00.000Z,user.session.start,x,y,z,FAILURE\n"
            "2025-03-11T08:46:00.000Z,user.authentication.sso,\"User single sign on,"
            "dev.user1@example.com,203.0.113.77,SUCCESS\n")
    path = tmp_path / "okta.csv"
    path.write_text(text, encoding="utf-8")
    recs = list(parse_file(str(path), timezone.utc))
    assert [summary(e) for e in events(recs)] == [
        (2, utc(2025, 3, 11, 8, 43, 51, 6000), "failure", "dev.user1@example.com", "203.0.113.77"),
        (6, utc(2025, 3, 11, 8, 45), "failure", "y", "z")]
    assert malformed_lines(recs) == ["line 3", "line 4", "line 7"]


# --- Google Admin console: SAML log events export -------------------------------------------

def test_google_csv_is_sniffed_as_google():
    assert detected(GOOGLE_CSV) == "google"


def test_google_csv_events_read_like_the_reports_api():
    recs = records(GOOGLE_CSV)
    evs = events(recs)
    # Date is written in the admin's zone with its offset (+01:00): UTC here, not local time
    assert [summary(e) for e in evs] == [
        (2, utc(2025, 3, 11, 8, 41, 2), "failure", "dev.user1@example.com", "203.0.113.77"),
        (3, utc(2025, 3, 11, 8, 44, 20), "success", "dev.user1@example.com", "203.0.113.77"),
        (4, utc(2025, 3, 11, 8, 47, 31), "success", "pm.lead@example.com", "198.51.100.12"),
    ]
    # the console's words ('Invalid SP ID') become the API's failure_type
    assert [e.raw_code for e in evs] == ["failure_invalid_sp_id", None, None]
    assert [e.app for e in evs] == ["SonarQube", "SonarQube", "Jira Cloud"]
    assert evs[0].text.startswith("login_failure failure_invalid_sp_id")
    assert all(e.product == "google" and not e.local_time for e in evs)
    assert malformed_lines(recs) == []


@pytest.mark.skipif(not catalog_ready(), reason="samlscan.catalog not available yet")
def test_google_csv_codes_as_the_json():
    json_code = events(records(FIXTURES / "google" / "saml-activities.json"))[0].code
    assert [e.code for e in events(records(GOOGLE_CSV))] == [json_code, None, None]
    assert json_code == "app-not-found"


_GOOGLE_HEADER = ("Date,Event,Description,Actor,Application name,Initiated by,Failure type,"
                  "IP address\n")


@pytest.mark.parametrize("date,want,local", [
    ("\"Mar 11, 2025, 9:41:02 AM GMT+1\"", utc(2025, 3, 11, 8, 41, 2), False),
    ("\"Mar 11, 2025, 1:41:02 PM UTC\"", utc(2025, 3, 11, 13, 41, 2), False),
    ("2025-03-11 09:41:02 Europe/Paris", utc(2025, 3, 11, 8, 41, 2), False),
    # no zone, or an abbreviation naming no single offset: read in --timezone
    ("2025-03-11 09:41:02", utc(2025, 3, 11, 8, 41, 2), True),
    ("\"Mar 11, 2025, 9:41:02 AM CET\"", utc(2025, 3, 11, 8, 41, 2), True),
    ("3/11/2025 9:41:02", utc(2025, 3, 11, 8, 41, 2), True),
])
def test_google_csv_dates_with_and_without_a_zone(tmp_path, date, want, local):
    text = _GOOGLE_HEADER + (f"{date},Failed login,,dev.user1@example.com,SonarQube,SP,"
                             "App not enabled for user,203.0.113.77\n")
    (ev,) = _events_of(tmp_path, text, "saml.csv", PARIS)
    assert (ev.time, ev.local_time) == (want, local)
    assert ev.raw_code == "failure_app_not_enabled_for_user"


def test_google_csv_api_names_and_the_description_fallback(tmp_path):
    """Event and failure type as the API names them; a failure whose Failure type cell is empty
    still gets it from the console's description ('... because of the following error: X')."""
    text = _GOOGLE_HEADER + (
        "2025-03-11T08:41:02Z,login_failure,,dev.user1@example.com,SonarQube,sp,"
        "failure_no_passive,203.0.113.77\n"
        "2025-03-11T08:42:02Z,Failed login,dev.user1@example.com failed to login because of the "
        "following error: App not configured for user,dev.user1@example.com,SonarQube,SP,,"
        "203.0.113.77\n"
        "yesterday,Failed login,,dev.user1@example.com,SonarQube,SP,,203.0.113.77\n")
    path = tmp_path / "saml.csv"
    path.write_text(text, encoding="utf-8")
    recs = records(path)
    assert [(e.outcome, e.raw_code) for e in events(recs)] == [
        ("failure", "failure_no_passive"), ("failure", "failure_app_not_configured_for_user")]
    assert malformed_lines(recs) == ["line 4"]


# --- samlscan scan ----------------------------------------------------------------------------

def test_scan_of_the_okta_csv_finds_the_failed_attempt_and_its_cause():
    got = _scan(OKTA_CSV)
    assert [i["kind"] for i in got["inputs"]] == ["log:okta"]
    failed = [a for a in got["attempts"] if a["outcome"] == "failure"]
    assert [(a["time"], a["user"], a["root_cause"], a["idp"], a["sp"]) for a in failed] == [
        ("2025-03-11T08:43:51Z", "contractor7@example.com", "user-not-assigned", "okta",
         "SonarQube")]
    assert [e["ref"] for e in failed[0]["evidence"]] == ["line 4"]
    assert got["summary"]["failures_by_cause"] == {"user-not-assigned": 1}


def test_scan_of_the_google_csv_finds_the_failed_attempt_and_its_cause():
    got = _scan(GOOGLE_CSV)
    assert [i["kind"] for i in got["inputs"]] == ["log:google"]
    failed = [a for a in got["attempts"] if a["outcome"] == "failure"]
    assert [(a["time"], a["user"], a["root_cause"], a["idp"], a["sp"]) for a in failed] == [
        ("2025-03-11T08:41:02Z", "dev.user1@example.com", "app-not-found", "google", "SonarQube")]
    assert got["summary"]["failures_by_cause"] == {"app-not-found": 1}


# --- what is not theirs -----------------------------------------------------------------------

def _head(path) -> str:
    return path.read_text(encoding="utf-8-sig")[:65536]


def test_another_products_csv_is_not_claimed():
    assert detected(ENTRA_CSV) == "entra"
    for path in (ENTRA_CSV, FIXTURES / "adfs" / "adfs-eventviewer.csv"):
        assert not okta.PARSER.sniff(_head(path)) and not google.PARSER.sniff(_head(path))
    assert not google.PARSER.sniff(_head(OKTA_CSV))
    assert not okta.PARSER.sniff(_head(GOOGLE_CSV))


@pytest.mark.parametrize("header", [
    # Google's Login audit export: a sign-in log, not the SAML log events
    "Date,Event name,Description,Actor,IP address,Login type,Login failure type",
    # a spreadsheet that happens to name a date, an event and a user
    "Date,Event,Actor,Notes",
    # published and eventType alone do not make an Okta System Log
    "published,eventType,comment",
])
def test_lookalike_headers_are_not_claimed(header):
    text = header + "\n2025-03-11T08:41:02Z,a,b,c,d,e,f\n"
    assert not okta.PARSER.sniff(text) and not google.PARSER.sniff(text)
