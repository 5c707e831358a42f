"""Two readers' gaps of support case 11 (tests/data/case11): the loop's last round, whose capture
ends at the SP's login start, and Keycloak's admin events export."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from case_util import ROOT
from samlscan.cli import main
from samlscan.flows import LOGIN_LOOP, Exchange
from samlscan.flows.outcome import _sp_outcome

CASE = ROOT / "tests" / "data" / "case11"
T0 = datetime(2025, 11, 18, 9, 0, 18, tzinfo=timezone.utc)


def _check(*args: str) -> dict:
    res = CliRunner().invoke(main, ["check", *args, "--format", "json", "--fail-on", "never"])
    return json.loads(res.stdout)


# --- flows: a loop whose capture ends at the SP's login start ----------------------------------------

def test_the_loops_last_round_ending_at_the_login_start_is_the_loop():
    """Entries 22-24: ACS -> '/' -> /sessions/new -> Location /sessions/init/saml, and no new
    AuthnRequest after it (the next login is marc's, 21 minutes later): it was 'unknown'."""
    (a,) = [a for a in _check(str(CASE / "chrome-sonar.har"))["attempts"]
            if a["evidence"] and any("entry 22" in (e.get("ref") or "") for e in a["evidence"])]
    assert (a["outcome"], a["root_cause"], a["side"]) == ("failure", "login-loop", "sp")
    assert any("/sessions/init/saml, the SP's login start" in n and
               "entry 22 set JWT-SESSION, XSRF-TOKEN with SameSite=None but without Secure" in n
               for n in a["notes"])


def _ex(n: int, method: str, url: str, status: int, location: str | None, leg: str,
        set_cookies: tuple[str, ...] = ()) -> Exchange:
    return Exchange(time=T0 + timedelta(milliseconds=300 * n), entry=n, method=method, url=url,
                    status=status, location=location, leg=leg, set_cookies=set_cookies)


APP = "https://app.example.com"
ACS = _ex(1, "POST", f"{APP}/login/saml2/sso/corp", 302, f"{APP}/", "acs-post")


@pytest.mark.parametrize("start", [f"{APP}/saml2/authenticate/corp",
                                   f"{APP}/sonarqube/sessions/init/saml?return_to=%2Fsonarqube%2F"])
def test_redirects_back_to_an_sps_login_start_are_the_loop(start):
    """Spring Security's /saml2/authenticate/{registrationId} or SonarQube's init under a context
    path: the SP sent the browser straight back to log in, with no cookie set by the ACS."""
    home = _ex(2, "GET", f"{APP}/", 302, start, "sp-result")
    outcome, reason, _ = _sp_outcome([ACS, home], False, then=None, kinds={})
    assert outcome == "failure" and LOGIN_LOOP in reason and "the SP's login start" in reason


def test_a_post_login_redirect_to_the_home_page_followed_by_nothing_stays_a_success():
    home = _ex(2, "GET", f"{APP}/", 200, None, "sp-result")
    assert _sp_outcome([ACS], False, then=None, kinds={})[0] == "success"
    assert _sp_outcome([ACS, home], False, then=None, kinds={})[0] == "success"


def test_a_chain_ending_at_a_login_page_is_not_the_loop():
    """/sessions/new shows SonarQube's login form unless the SP sends it on to its init: alone, the
    capture does not say the browser logs in again; nor does a page shown before the start."""
    home = _ex(2, "GET", f"{APP}/", 302, f"{APP}/sessions/new?return_to=%2F", "sp-result")
    assert _sp_outcome([ACS, home], False, then=None, kinds={})[0] == "unknown"
    page = _ex(2, "GET", f"{APP}/", 200, None, "sp-result")
    init = _ex(3, "GET", f"{APP}/x", 302, f"{APP}/saml2/authenticate/corp", "sp-result")
    assert _sp_outcome([ACS, page, init], False, then=None, kinds={})[0] != "failure"



# --- Keycloak: the admin REST API's admin events -----------------------------------------------------

def _admin(**fields) -> dict:
    event = {"time": 1763458000000, "realmId": "r1", "operationType": "UPDATE", "resourceType": "CLIENT",
             "resourcePath": "clients/6f1d", "authDetails": {"realmId": "m", "clientId": "security-admin-console",
                                                            "userId": "u-42", "ipAddress": "10.20.0.9"}}
    return {**event, **fields}


def _read(events: list) -> list:
    from samlscan.logs.keycloak import PARSER

    text = json.dumps(events, indent=2).split("\n")
    return list(PARSER.parse(iter(enumerate(text, 1)), "admin-events.json", timezone.utc))


def test_an_admin_events_export_is_read_not_refused():
    """GET /admin/realms/{realm}/admin-events has no 'type': it was 'no SAML message or known log
    format' (KeycloakParser.sniff wanted "type", _json dropped the objects)."""
    got = _check(str(CASE / "keycloak-admin-events.json"))
    (inp,) = got["inputs"]
    assert (inp["status"], inp["kind"], inp["events"]) == ("scanned", "log:keycloak", 1)
    assert not any(f["code"] == "input-not-saml" for f in got.get("findings", []))


def test_an_admin_change_to_a_client_is_a_timeline_note():
    from samlscan.logs.base import TIMELINE_NOTE

    rep = json.dumps({"clientId": "sonarqube", "protocol": "saml"})
    (ev,) = _read([_admin(representation=rep)])
    assert (ev.outcome, ev.raw_code, ev.app, ev.user, ev.ip) == ("info", TIMELINE_NOTE, "sonarqube", "u-42", "10.20.0.9")
    assert ev.text == ("Keycloak admin 'u-42' updated client sonarqube (clients/6f1d) at 2025-11-18 09:26 UTC "
                       "(from the admin events)")


@pytest.mark.parametrize("fields,says", [
    ({"resourceType": "COMPONENT", "resourcePath": "components/k1", "operationType": "CREATE",
      "representation": json.dumps({"name": "rsa-2025", "providerType": "org.keycloak.keys.KeyProvider"})},
     "created the realm's key provider rsa-2025"),
    ({"resourceType": "REALM", "resourcePath": "", "operationType": "UPDATE"}, "updated the realm's settings"),
    ({"resourceType": "CLIENT", "operationType": "DELETE"}, "deleted client clients/6f1d at"),
    ({"error": "unknown_error"}, "failed (unknown_error) to update client clients/6f1d"),
])
def test_changes_that_matter_to_a_saml_login_are_notes(fields, says):
    (ev,) = _read([_admin(**fields)])
    assert says in ev.text and ev.raw_code is not None


@pytest.mark.parametrize("fields", [
    {"resourceType": "USER", "resourcePath": "users/u-7", "operationType": "CREATE"},
    {"resourceType": "COMPONENT", "resourcePath": "components/l1",
     "representation": json.dumps({"name": "ldap", "providerType": "org.keycloak.storage.UserStorageProvider"})},
])
def test_other_admin_events_are_plain_info(fields):
    (ev,) = _read([_admin(**fields)])
    assert (ev.outcome, ev.raw_code) == ("info", None) and "operationType=" in ev.text


# --- the notes reach the report ----------------------------------------------------------------------

ADMIN_NOTE = "updated client sonarqube"


def test_an_admin_change_reaches_the_reports_notes_in_every_format():
    # the reader marked it (TIMELINE_NOTE), but the engine kept only successes and failures: no
    # report said that an admin changed the SP's client minutes before the loop began
    doc = _check(str(CASE / "keycloak-admin-events.json"), str(CASE / "chrome-sonar.har"))
    assert [n for n in doc["summary"]["notes"] if ADMIN_NOTE in n and "09:26 UTC" in n]
    alone = CliRunner().invoke(main, ["check", str(CASE / "keycloak-admin-events.json"), "--fail-on", "never"])
    assert ADMIN_NOTE in alone.stdout  # (the table had no place for notes without attempts)
    redacted = _check(str(CASE / "keycloak-admin-events.json"), "--redact")
    (note,) = [n for n in redacted["summary"]["notes"] if ADMIN_NOTE in n]
    assert "9a7c1e52" not in note  # the admin's user ID is personal data


def test_the_same_admin_change_in_two_exports_is_one_note(tmp_path):
    for name in ("a.json", "b.json"):
        (tmp_path / name).write_bytes((CASE / "keycloak-admin-events.json").read_bytes())
    doc = _check(str(tmp_path / "a.json"), str(tmp_path / "b.json"))
    assert len([n for n in doc["summary"]["notes"] if ADMIN_NOTE in n]) == 1
