"""Readers of Apereo CAS, ForgeRock AM / PingAM, WSO2 Identity Server and OneLogin logs
(tests/data/idplogs30, written by fixtures/gen_idplogs30.py; SOURCES.md there).

Each reader: its success and its failures mapped to codes, every field it takes (time, user, IP,
app); layouts close to theirs not read as theirs; a folder judged the same with --jobs 1 and 2;
an IdP's failure joined with SonarQube's web.log refusal of the same login (address and time)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from test_logs_common import detected, events, malformed_lines, records, utc

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "idplogs30"


def _read(name: str, reader: str) -> list:
    path = DATA / name
    assert detected(path) == reader
    recs = records(path)
    assert malformed_lines(recs) == []
    return [(e.time, e.outcome, e.code, e.user, e.ip, e.app, e.raw_code) for e in events(recs)
            if e.outcome != "info"]


def test_generator_output_is_committed():
    res = subprocess.run([sys.executable, str(ROOT / "fixtures" / "gen_idplogs30.py"), "--check"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout


# --- Apereo CAS ----------------------------------------------------------------------------------

SP = "https://sonar.example.com/saml"
CAS = [
    (utc(2026, 3, 3, 10, 0, 2, 400000), "success", None, "ann", "203.0.113.20", SP, "SAML2_RESPONSE_CREATED"),
    (utc(2026, 3, 3, 10, 5, 2), "failure", "idp-authentication-failed", "ben", "203.0.113.21", None,
     "AUTHENTICATION_FAILED"),
    (utc(2026, 3, 3, 10, 10, 2, 300000), "failure", "user-not-assigned", "cid", "203.0.113.22", SP,
     "SERVICE_ACCESS_ENFORCEMENT_TRIGGERED"),
]


@pytest.mark.parametrize("name", ["cas_audit.log", "cas7_audit.log", "cas_audit.json"])
def test_cas_audit_trail_in_each_layout(name):
    """CAS 6's text (java.util.Date WHEN), CAS 7's order and keys (CLIENT_IP, an END line) and
    the JSON layout: the same three logins."""
    assert _read(name, "cas") == CAS


def test_cas_steps_of_its_own_login_are_info():
    evs = events(records(DATA / "cas_audit.log"))
    assert [(e.raw_code, e.outcome) for e in evs if e.outcome == "info"] == [
        ("AUTHENTICATION_SUCCESS", "info"), ("AUTHENTICATION_SUCCESS", "info")]


def test_cas_log_saml2_refusals():
    assert _read("cas.log", "cas") == [
        (utc(2026, 3, 3, 10, 12, 1), "failure", "app-not-found", None, None, "https://wiki.example.com/saml", None),
        (utc(2026, 3, 3, 10, 12, 9), "failure", "app-not-found", None, None, SP, None),
        (utc(2026, 3, 3, 10, 13, 2), "failure", "user-not-assigned", "cid", None, SP, None),
    ]


def test_cas_record_in_the_local_zone_and_with_its_own_zone(tmp_path):
    """A zone-less log time is local (tz); WHEN naming UTC wins over it."""
    from zoneinfo import ZoneInfo
    text = (DATA / "cas_audit.log").read_text()
    path = tmp_path / "cas_audit.log"
    path.write_text(text)
    evs = events(records(path, ZoneInfo("Europe/Paris")))  # the log line's %d read in Paris
    assert evs[0].time == utc(2026, 3, 3, 9, 0, 2) and evs[0].local_time
    v7 = tmp_path / "cas7.log"
    v7.write_text((DATA / "cas7_audit.log").read_text())
    ev7 = events(records(v7, ZoneInfo("Europe/Paris")))
    assert ev7[0].time == utc(2026, 3, 3, 10, 0, 2) and not ev7[0].local_time  # WHEN ends in Z


def test_cas_record_without_action_is_malformed_and_service_granted_is_no_failure(tmp_path):
    path = tmp_path / "cas_audit.log"
    path.write_text("2026-03-03 10:00:00,000 INFO [org.apereo.inspektr.audit.support.Slf4jLoggingAuditTrailManager]"
                    " - Audit trail record BEGIN\n====\nWHO: ann\nWHAT: x\n====\n"
                    "2026-03-03 10:00:01,000 INFO [org.apereo.inspektr.audit.support.Slf4jLoggingAuditTrailManager]"
                    " - Audit trail record BEGIN\n====\nWHO: ann\nWHAT: {result=Service Access Granted, service=x}\n"
                    "ACTION: SERVICE_ACCESS_ENFORCEMENT_TRIGGERED\n====\n")
    recs = records(path)
    assert malformed_lines(recs) == ["line 1"]
    assert [e.outcome for e in events(recs)] == ["info"]


# --- ForgeRock AM / PingAM -----------------------------------------------------------------------

def test_am_authentication_audit():
    assert _read("authentication.audit.json", "forgerock") == [
        (utc(2026, 3, 3, 10, 5, 2), "failure", "idp-authentication-failed", "ben", None, None, "AM-LOGIN-COMPLETED")]
    (ben,) = [e for e in events(records(DATA / "authentication.audit.json")) if e.outcome == "failure"]
    assert ben.correlation_id == "9c9e8d5c-2941-4e61-9c3c-8a990088e801" and "INVALID_PASSWORD" in ben.text


def test_am_access_audit_saml2_outcomes():
    """A SAML2 outcome for a signed-in user is the assertion (success); one without a user only
    sent the browser to AM's login ('info'); FAILED is AM's refusal; OAuth's failure is no SAML login."""
    assert _read("access.audit.json", "forgerock") == [
        (utc(2026, 3, 3, 10, 0, 2, 500000), "success", None, "ann", "203.0.113.20", None, "AM-ACCESS-OUTCOME"),
        (utc(2026, 3, 3, 10, 10, 2, 500000), "failure", "unknown-failure", "cid", "203.0.113.22", None,
         "AM-ACCESS-OUTCOME"),
    ]
    evs = events(records(DATA / "access.audit.json"))
    assert len(evs) == 5 and all(e.raw_code == "AM-ACCESS-OUTCOME" for e in evs)


def test_am_idp_initiated_names_the_sp(tmp_path):
    rec = json.loads((DATA / "access.audit.json").read_text().splitlines()[1])
    rec["http"]["request"]["queryParameters"] = {"spEntityID": [SP], "metaAlias": ["/alpha/idp"]}
    path = tmp_path / "access.audit.json"
    path.write_text(json.dumps(rec) + "\n")
    (ev,) = events(records(path))
    assert (ev.outcome, ev.app) == ("success", SP)


# --- WSO2 Identity Server ------------------------------------------------------------------------

def test_wso2_saml_sso_errors():
    """Only the SAML SSO loggers' known texts; start-up and a user store's error are not logins."""
    assert _read("wso2carbon.log", "wso2") == [
        (utc(2026, 3, 3, 10, 10, 1), "failure", "app-not-found", None, None, "https://wiki.example.com/saml", None),
        (utc(2026, 3, 3, 10, 11, 1), "failure", "request-signature-invalid", None, None, None, None),
        (utc(2026, 3, 3, 10, 12, 1), "failure", "reply-url-mismatch", None, None, SP, None),
    ]
    assert len(events(records(DATA / "wso2carbon.log"))) == 3


def test_wso2_line_without_correlation_id(tmp_path):
    """IS 5.8 and before: no correlation-ID brackets."""
    path = tmp_path / "wso2carbon.log"
    path.write_text("[2026-03-03 10:00:01,123]  WARN {org.wso2.carbon.identity.sso.saml.processors."
                    "SPInitSSOAuthnRequestProcessor} - Signature validation for Authentication Request failed.\n")
    assert detected(path) == "wso2"
    (ev,) = events(records(path))
    assert (ev.time, ev.code, ev.correlation_id) == (utc(2026, 3, 3, 10, 0, 1, 123000), "request-signature-invalid",
                                                     None)


# --- OneLogin ------------------------------------------------------------------------------------

ONELOGIN = [
    (utc(2026, 3, 3, 10, 0, 2, 400000), "success", None, "ann", "203.0.113.20", "SonarQube", "USER_LOGGED_INTO_APP"),
    (utc(2026, 3, 3, 10, 5, 2), "failure", "idp-authentication-failed", "ben", "203.0.113.21", None,
     "USER_FAILED_AUTHENTICATION"),
    (utc(2026, 3, 3, 10, 10, 2, 400000), "failure", "unknown-failure", "cid", "203.0.113.22", "SonarQube",
     "USER_REJECTED_FROM_APP"),
]


@pytest.mark.parametrize("name", ["onelogin-events.json", "onelogin-events.csv"])
def test_onelogin_events_json_and_csv(name):
    assert _read(name, "onelogin") == ONELOGIN


def test_onelogin_portal_login_is_info_and_type_ids_read(tmp_path):
    evs = events(records(DATA / "onelogin-events.json"))
    assert [e.raw_code for e in evs if e.outcome == "info"] == ["USER_LOGGED_INTO_ONELOGIN"] * 2
    path = tmp_path / "events.json"
    path.write_text(json.dumps({"id": 1, "account_id": 2, "event_type_id": "6", "user_name": "ann",
                                "ipaddr": "203.0.113.9", "created_at": "2026-03-03T10:00:00.000Z"}) + "\n")
    (ev,) = events(records(path))
    assert (ev.outcome, ev.code, ev.raw_code) == ("failure", "idp-authentication-failed", "USER_FAILED_AUTHENTICATION")


# --- near-misses ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("near-miss-*")))
def test_near_miss_layouts_are_not_read_as_these_idps(name):
    assert detected(DATA / name) not in ("cas", "forgerock", "wso2", "onelogin")


@pytest.mark.parametrize("reader", ["cas", "forgerock", "wso2", "onelogin"])
def test_each_reader_claims_no_other_sample(reader):
    from samlscan.logs import read_head
    from samlscan import logs
    parser = getattr(logs, reader).PARSER
    for path in DATA.iterdir():
        if path.suffix != ".md" and detected(path) != reader:
            assert parser.sniff(read_head(str(path))) is False, (reader, path.name)


# --- scans: --jobs, and SonarQube's web.log of the same login -----------------------------------

def _scan(folder: Path, jobs: str) -> dict:
    res = CliRunner().invoke(main, ["scan", str(folder), "--format", "json", "--jobs", jobs, "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout)


def _verdicts(report: dict) -> list:
    return sorted((a.get("user") or "", a["outcome"], a.get("root_cause") or "",
                   tuple(sorted(Path(e["input"]).name for e in a["evidence"]))) for a in report["attempts"])


def test_the_folder_judged_the_same_with_one_and_two_jobs(tmp_path):
    for path in DATA.iterdir():
        if not path.name.startswith("near-miss") and path.suffix != ".md":
            shutil.copy(path, tmp_path / path.name)
    one, two = _scan(tmp_path, "1"), _scan(tmp_path, "2")
    assert _verdicts(one) == _verdicts(two) and one["attempts"]
    kinds = {Path(i["path"]).name: i["kind"] for i in one["inputs"]}
    assert {n: kinds[n] for n in ("cas_audit.log", "access.audit.json", "wso2carbon.log", "onelogin-events.csv")} == {
        "cas_audit.log": "log:cas", "access.audit.json": "log:forgerock", "wso2carbon.log": "log:wso2",
        "onelogin-events.csv": "log:onelogin"}


@pytest.mark.parametrize("idp, user, cause", [
    ("cas_audit.log", "cid", "user-not-assigned"),
    ("authentication.audit.json", "ben", "idp-authentication-failed"),
    ("onelogin-events.json", "ben", "idp-authentication-failed"),
])
def test_the_idps_failure_and_sonarqubes_refusal_are_one_attempt(tmp_path, idp, user, cause):
    """SonarQube's refusal names no user, only the address: the IdP's failure from that address
    seconds before is the same login, and its reason the attempt's cause."""
    shutil.copy(DATA / idp, tmp_path / idp)
    shutil.copy(DATA / "sonarqube-web.log", tmp_path / "web.log")
    attempts = [a for a in _scan(tmp_path, "1")["attempts"] if "web.log" in {Path(e["input"]).name
                                                                            for e in a["evidence"]}]
    joined = [a for a in attempts if a.get("user") == user]
    assert len(joined) == 1, attempts
    (a,) = joined
    assert (a["outcome"], a["root_cause"]) == ("failure", cause)
    assert {Path(e["input"]).name for e in a["evidence"]} == {idp, "web.log"}


def test_am_record_with_odd_entries_is_still_read(tmp_path):
    """entries that is no list (a flattened export): the record's result still counts."""
    rec = json.loads((DATA / "authentication.audit.json").read_text().splitlines()[1])
    rec["entries"] = 5
    path = tmp_path / "authentication.audit.json"
    path.write_text(json.dumps(rec) + "\n")
    recs = records(path)
    assert malformed_lines(recs) == []
    (ev,) = events(recs)
    assert (ev.outcome, ev.code, ev.user) == ("failure", "idp-authentication-failed", "ben")
