"""Support case 9: SonarQube Server 10.7 (java-saml) + Google Workspace, a re-created custom SAML
app (tests/data/case9, made by fixtures/gen_case9.py; sources in tests/data/case9/SOURCES.md).

What a support engineer needs from the scan: Google's own error page in the HAR read as the
attempt it is (and joined with the Admin console's audit row), Google's refusal of a misspelt ACS
URL told as that (not as an IdP-initiated login that lost its cookie), each Google failure type
fixed in the Admin console's field, and the user's organizational unit shown.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from case_util import ROOT, generator_check, refs as _refs, scan_case
from click.testing import CliRunner

from samlscan import catalog
from samlscan.cli import main
from samlscan.flows import Exchange, Flow, find_idp_error
from samlscan.logs.google import FAILURE_TYPES
from samlscan.sonarqube import flow_cause

CASE = ROOT / "tests" / "data" / "case9"


@pytest.fixture(scope="module")
def scan() -> dict:
    # the logs alone: the folder's metadata and sonar.properties, found, would be read as settings
    return scan_case(CASE, "Europe/Berlin", "--exclude", "GoogleIDPMetadata.xml", "--exclude", "sonar.properties")


def _at(scan: dict, time: str) -> list[dict]:
    return [a for a in scan["attempts"] if a["time"] == time]


def test_generator_is_current():
    done = generator_check("gen_case9.py")
    assert done.returncode == 0, done.stderr


# --- Google's error page --------------------------------------------------------------------------

GOOGLE_PAGE = ("<!DOCTYPE html><html lang=en><title>Error 403 (Forbidden)!!1</title><p><b>403.</b> "
               "<ins>That&#8217;s an error.</ins><p>Error: app_not_enabled_for_user<p>Service is not "
               "enabled for this user.<ins>That&#8217;s all we know.</ins></html>")


def test_google_error_page_is_read_with_its_error_and_sentence():
    err = find_idp_error(GOOGLE_PAGE, "https://accounts.google.com/o/saml2/idp?idpid=C01x&SAMLRequest=x", 403)
    assert (err.product, err.code) == ("google", "app_not_enabled_for_user")
    assert err.message == "app_not_enabled_for_user: Service is not enabled for this user."
    assert catalog.lookup_code("google", err.code).code == "user-not-assigned"


def test_a_google_like_page_elsewhere_or_without_an_error_status_is_no_google_error():
    assert find_idp_error(GOOGLE_PAGE, "https://sso.example.com/saml?SAMLRequest=x", 403) is None
    assert find_idp_error(GOOGLE_PAGE, "https://accounts.google.com/o/saml2/idp?idpid=C01x", 200) is None


def test_the_har_leg_with_googles_403_page_is_the_attempt_of_the_audit_row(scan):
    """The Firefox HAR's GET to Google answered '403 ... Error: app_not_configured_for_user' was read
    as no attempt at all: the audit row stood alone and the HAR's first login went unaccounted for."""
    (a,) = _at(scan, "2025-09-16T08:02:10Z")
    assert a["root_cause"] == "app-not-found" and a["side"] == "idp"
    assert {("firefox-ana.har", "entry 1"), ("saml-log-events.csv", "line 7")} <= _refs(a)
    assert a["user"] == "ana.weber@example.com"


# --- Google's refusal of the ACS URL, posted to the misspelt one -------------------------------------

def test_a_refusal_posted_to_a_misspelt_acs_is_the_acs_url_not_a_lost_cookie(scan):
    """Google answered the AuthnRequest with Requester/RequestDenied (no InResponseTo) and posted it
    to the app's misspelt ACS URL, which answered 404: samlscan called it an IdP-initiated login whose
    OAUTHSTATE cookie SonarQube lacked ('start the login from the SP'), though the tracer shows the
    login start at SonarQube."""
    (a,) = [x for x in _at(scan, "2025-09-16T08:21:40Z")]
    assert a["root_cause"] == "acs-path-wrong" and a["side"] == "idp"
    assert any("oauth2/calback/saml" in n and "404" in n for n in a["notes"])
    assert "relaystate-cookie-missing" not in a["findings"]


def test_an_idp_refusal_without_inresponseto_is_not_called_idp_initiated():
    res = CliRunner().invoke(main, ["check", str(CASE / "saml-tracer-carl.json"), "--format", "json",
                                    "--fail-on", "never"])
    got = json.loads(res.stdout)
    refusal = next(m for m in got["messages"] if m["type"] == "Response")
    codes = {f["code"]: f for f in refusal["findings"]}
    assert "unsolicited-response" not in codes
    # the StatusMessage is Google's known one: its fix names the Admin console's ACS URL field
    assert "ACS URL" in codes["status-not-success"]["hint"] and "Admin console" in codes["status-not-success"]["hint"]


def _exchange(n: int, method: str, url: str, status: int, leg: str) -> Exchange:
    return Exchange(time=datetime(2025, 9, 16, 8, 0, n, tzinfo=timezone.utc), entry=n, method=method, url=url,
                    status=status, location=None, leg=leg)


def _flow(*exchanges: Exchange) -> Flow:
    return Flow(request=None, response=None, relay_state=None, outcome="failure", reason="",
                idp_error=None, exchanges=exchanges)


def test_a_404_at_the_callback_under_a_context_path_is_not_a_wrong_path():
    ok = _exchange(1, "POST", "https://sq.example.com/sonarqube/oauth2/callback/saml", 404, "acs-post")
    assert flow_cause(_flow(ok)) is None
    typo = _exchange(1, "POST", "https://sq.example.com/sonarqube/oauth2/calback/saml", 404, "acs-post")
    assert flow_cause(_flow(typo))[0] == "acs-path-wrong"
    # SonarQube Cloud's callback is the callback path too (it answered 404 for another reason)
    cloud = _exchange(1, "POST", "https://sonarcloud.io/oauth2/callback/saml", 404, "acs-post")
    assert flow_cause(_flow(cloud)) is None or flow_cause(_flow(cloud))[0] != "acs-path-wrong"


def test_an_unsolicited_response_after_the_sps_own_start_is_no_lost_cookie_but_without_one_is():
    post = _exchange(2, "POST", "https://sq.example.com/oauth2/callback/saml", 302, "acs-post")
    init = _exchange(1, "GET", "https://sq.example.com/sessions/init/saml", 302, "sp-init")
    assert flow_cause(_flow(init, post), response_unsolicited=True) is None
    assert flow_cause(_flow(post), response_unsolicited=True)[0] == "relaystate-cookie-missing"


# --- the Admin console's audit log --------------------------------------------------------------------

def test_request_denied_is_googles_refusal_of_the_request_not_the_users_sign_in(scan):
    """failure_request_denied was idp-authentication-failed, side 'user': 'the user must sign in
    correctly at the IdP'. Google refused the SP's request (its ACS URL). (The audit row is one login
    with the tracer's capture of that refusal since review18: its cause the capture's acs-path-wrong;
    the row alone, request-invalid: tests/test_review18.py.)"""
    (a,) = [x for x in scan["attempts"] if x["user"] == "carl.braun@example.com"]
    assert a["root_cause"] in ("acs-path-wrong", "request-invalid") and a["side"] == "idp"
    assert "ACS URL" in a["fix"] and "Admin console" in a["fix"]


@pytest.mark.parametrize("failure", sorted(FAILURE_TYPES - {"failure_unknown", "failure_no_passive"}))
def test_each_google_failure_type_has_a_side_and_a_fix(failure):
    entry = catalog.lookup_code("google", failure)
    assert entry.side and entry.fix, failure


def test_the_users_organizational_unit_is_in_the_evidence(scan):
    """The app is turned ON per OU: ben (/Contractors) fails where the others (/) get through."""
    (a,) = _at(scan, "2025-09-16T09:40:18Z")
    assert any("(OU /Contractors)" in n for n in a["notes"])


def test_every_input_is_accounted_for(scan):
    kinds = {Path(i["path"]).name: i["status"] for i in scan["inputs"] if not i["path"].endswith("SOURCES.md")}
    assert kinds == {"firefox-ana.har": "scanned", "saml-tracer-carl.json": "scanned", "web.log": "scanned",
                     "saml-log-events.csv": "scanned", "GoogleIDPMetadata.xml": "skipped",
                     "sonar.properties": "skipped"}


# --- SonarQube's JSON log layout ------------------------------------------------------------------

def test_java_saml_dumps_one_response_twice_in_the_json_layout_too():
    """The JSON layout writes the XML dump's line feeds as carriage returns (LogbackJsonLayout): the
    'SAMLResponse invalid --> <xml>' copy and Auth's ' --> <base64>' copy were two messages (each
    finding counted twice), as they are not in the text layout."""
    res = CliRunner().invoke(main, ["check", str(CASE / "web.log"), "--format", "json", "--fail-on", "never"])
    got = json.loads(res.stdout)
    ids = [m["id"] for m in got["messages"]]
    assert len(ids) == 3 and len(set(ids)) == 3
    assert got["inputs"][0]["kind"] == "log:sonarqube"


def test_the_login_attribute_that_is_also_the_email_is_reported_once_as_the_login(scan):
    """sonar.auth.saml.user.login=email and .user.email=email: the absent 'email' is the login's error;
    an email-missing warning beside it ('SonarQube creates the user without an email: the login
    works') said the opposite."""
    doc = scan_case(CASE, "Europe/Berlin", "--sonar-settings", str(CASE / "sonar.properties"),
                    "--idp-metadata", str(CASE / "GoogleIDPMetadata.xml"))
    codes = {f["code"] for m in doc["messages"] for f in m["findings"]}
    assert "login-attribute-missing" in codes and "email-missing" not in codes


def test_googles_entity_id_fixes_name_sonarqubes_setting():
    for entry in (catalog.lookup_code("google", "failure_app_not_configured_for_user"),
                  catalog.lookup_code("google", "app_not_configured")):
        assert "sonar.auth.saml.applicationId" in entry.fix


def test_sonarqubes_missing_login_attribute_is_fixed_in_googles_attribute_mapping_too(scan):
    """SonarQube's 'email is missing' named only AD FS's claim rules and UPN claim as the way to
    send the attribute; the IdP here is Google, whose field is the app's Attribute mapping."""
    (a,) = _at(scan, "2025-09-16T09:12:02Z")
    assert a["root_cause"] == "login-attribute-missing"
    assert "Google Workspace: the SAML app's Attribute mapping" in a["fix"] and "sonar.auth.saml.user.login" in a["fix"]


# --- follow-ups in the correlation (after the case's report) -----------------------------------

@pytest.fixture(scope="module")
def scan_with_settings() -> dict:
    return scan_case(CASE, "Europe/Berlin", "--sonar-settings", str(CASE / "sonar.properties"),
                     "--idp-metadata", str(CASE / "GoogleIDPMetadata.xml"))


def test_the_signature_the_sp_refused_is_the_cause_though_todays_settings_pass_it(scan_with_settings):
    """SonarQube refused ana's and dora's signatures at 08:34 and 08:47; sonar.properties holds the
    new certificate since, so samlscan's checks pass the signature and find the missing login
    attribute. The cause was login-attribute-missing ('the SP log says signature-invalid but the
    captured response shows ...'): what happened was the refusal, the attribute comes next."""
    for time, user in (("2025-09-16T08:34:05Z", "ana."), ("2025-09-16T08:47:31Z", "dora.")):
        (a,) = [a for a in _at(scan_with_settings, time) if a["user"].startswith(user)]
        assert (a["root_cause"], a["side"]) == ("signature-invalid", "sp")
        assert "sonar.auth.saml.certificate.secured" in a["fix"]
        assert any("which the SP meets next" in n and "login-attribute-missing" in n for n in a["notes"])


def test_a_capture_step_naming_the_cause_first_takes_the_logs_catalog_fix(scan):
    """ana's attempt names its cause first in the HAR (SonarQube's AUTHENTICATION-ERROR text), then
    in web.log: the side and fix came from the code alone ('idp', 'If the digest failed ...'), while
    dora's, named by web.log only, said the SP's setting. Both take the log line's catalog entry."""
    (ana,) = [a for a in _at(scan, "2025-09-16T08:34:05Z") if a["user"].startswith("ana.")]
    assert (ana["root_cause"], ana["side"]) == ("signature-invalid", "sp")
    assert "sonar.auth.saml.certificate.secured" in ana["fix"]


def test_the_entity_id_fix_quotes_the_value_the_sp_sent():
    """Google refused ana's first login (app_not_configured_for_user): the fix said to make the
    Entity ID 'exactly the Issuer the SP sends' without the value, which the capture's AuthnRequest
    holds."""
    res = CliRunner().invoke(main, ["check", str(CASE / "firefox-ana.har"), "--format", "json", "--fail-on", "never"])
    first = json.loads(res.stdout)["attempts"][0]
    assert first["root_cause"] == "app-not-found" and first["fix"].endswith("The SP entity ID this login sent: 'sonarqube'.")
