"""Sign-in logs of JumpCloud (Directory Insights) and Cisco Duo (authentication log) read from
public samples (tests/data/idplogs24, SOURCES.md there): time and zone, user, application,
client IP, outcome, and the failure reason as a catalog code; a non-SAML sign-in stays info; and
an IdP's refusal joins SonarQube's web.log line of the same login into one attempt whose cause is
the IdP's reason. Variants are derived in memory from the stored records only."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan import catalog
from samlscan.cli import main
from test_logs_common import detected, events, malformed_lines, records, summary, utc

DATA = Path(__file__).parent / "data" / "idplogs24"
JC_EXPORT = DATA / "jumpcloud-test-events.json"
JC_SSO = DATA / "jumpcloud-sso-auth-samples.json"
DUO = DATA / "duo-test-auth-head5.log"


def _jc_events() -> list[dict]:
    """The three sso_auth samples (a stream of pretty-printed objects) as dicts."""
    text, decoder, found, at = JC_SSO.read_text(), json.JSONDecoder(), [], 0
    while text[at:].strip():
        at = len(text) - len(text[at:].lstrip())
        obj, at = decoder.raw_decode(text, at)
        found.append(obj)
    return found


def _duo_records() -> list[dict]:
    return [json.loads(line) for line in DUO.read_text().splitlines()]


def _write(tmp_path: Path, name: str, value) -> Path:
    path = tmp_path / name
    path.write_text(value if isinstance(value, str) else json.dumps(value))
    return path


# --- JumpCloud Directory Insights ------------------------------------------------------------

def test_jumpcloud_sso_auth_samples_read_as_saml_sign_ons():
    assert detected(JC_SSO) == "jumpcloud"
    recs = records(JC_SSO)
    assert malformed_lines(recs) == []
    got = [(summary(ev), ev.app, ev.code, ev.raw_code, ev.side) for ev in events(recs)]
    assert got == [
        # 9 fraction digits (…34334445Z): to the microsecond, UTC
        ((1, utc(2023, 6, 15, 14, 21, 10, 343344), "failure", "jane.doe", "5.6.7.8"),
         "https://sso.jumpcloud.com/saml2/google", "unknown-failure", "sso_auth", "idp"),
        ((61, utc(2023, 6, 15, 14, 48, 36, 495420), "failure", "john.doe", "9.10.11.12"),
         "Salesforce", "user-not-assigned", "sso_auth", "idp"),
        ((121, utc(2023, 6, 15, 13, 45, 59, 812449), "success", "john.doe", "1.2.3.4"),
         "Google Workspace", None, "sso_auth", "idp"),
    ]
    assert [ev.text for ev in events(recs)] == [
        "sso_auth: application unreachable", "sso_auth: not authorized", "sso_auth"]
    assert events(recs)[1].correlation_id == "648b24c48eae32f4adabc27e"


def test_jumpcloud_admin_portal_login_in_elastic_pipeline_test_is_info():
    """An administrator's sign-in to JumpCloud's own Admin Portal is no SAML sign-on."""
    recs = records(JC_EXPORT)
    (ev,) = events(recs)
    assert (ev.product, ev.outcome, ev.code, ev.app, ev.text) == (
        "jumpcloud", "info", None, None, "admin_login_attempt")
    assert summary(ev)[1:] == (utc(2023, 1, 14, 8, 16, 6, 495000), "info", "user.name@sub.domain.tld",
                               "81.2.69.144")


def test_jumpcloud_sso_auth_inside_elastic_message_wrapping(tmp_path):
    """The failure sample as Elastic's pipeline test wraps a record (`events[].message`)."""
    failure = _jc_events()[1]
    path = _write(tmp_path, "wrapped.json", {"events": [{"message": json.dumps(failure)}]})
    (ev,) = events(records(path))
    assert (ev.product, ev.outcome, ev.code, ev.user, ev.app) == (
        "jumpcloud", "failure", "user-not-assigned", "john.doe", "Salesforce")


def test_jumpcloud_oidc_and_portal_sign_ins_are_no_saml_attempts(tmp_path):
    oidc, portal = _jc_events()[1], dict(_jc_events()[2])
    oidc["application"]["sso_type"] = "oidc"
    portal.update(event_type="user_login_attempt", service="sso", success=False)
    del portal["application"]
    evs = events(records(_write(tmp_path, "jc.json", [oidc, portal])))
    assert [(ev.outcome, ev.code, ev.app) for ev in evs] == [("info", None, None), ("info", None, None)]


def test_jumpcloud_unknown_error_message_is_an_unknown_failure_not_a_guess(tmp_path):
    rec = _jc_events()[1]
    rec["error_message"] = "something else entirely"
    (ev,) = events(records(_write(tmp_path, "jc.json", [rec])))
    assert (ev.outcome, ev.code) == ("failure", "unknown-failure")


def test_jumpclouds_words_are_no_other_products_reason():
    """'not authorized' alone is in many products' texts: the entry needs JumpCloud's event type."""
    assert catalog.lookup("User is not authorized", None) is None
    assert catalog.lookup("sso_auth: not authorized", None).code == "user-not-assigned"


# --- Cisco Duo authentication log -------------------------------------------------------------

def test_duo_authentication_records_read():
    assert detected(DUO) == "duo"
    recs = records(DUO)
    assert malformed_lines(recs) == []
    got = [(summary(ev), ev.app, ev.code, ev.raw_code) for ev in events(recs)]
    assert got == [
        ((1, utc(2020, 2, 13, 18, 56, 20, 351346), "success", "narroway@example.com", "89.160.20.156"),
         "Microsoft Azure Active Directory", None, "user_approved"),
        ((2, utc(2021, 7, 23, 7, 21, 51, 271776), "success", "narroway", "89.160.20.156"),
         "Duo Access Gateway Launcher", None, "user_approved"),
        ((3, utc(2021, 8, 12, 9, 14, 23, 60168), "success", "narroway", "89.160.20.156"),
         "Duo Access Gateway Launcher", None, "user_approved"),
        ((4, utc(2021, 7, 23, 7, 20, 54, 700050), "failure", "narroway", "89.160.20.156"),
         "Duo Access Gateway Launcher", "idp-authentication-failed", "user_marked_fraud"),
        ((5, utc(2021, 7, 23, 7, 19, 34, 702203), "failure", "narroway", "89.160.20.156"),
         "Duo Access Gateway Launcher", "idp-authentication-failed", "user_mistake"),
    ]
    assert events(recs)[4].correlation_id == "e22120cd-7388-424f-aa0a-b60cad42d8f3"
    assert catalog.lookup_code("duo", "user_mistake").side == "user"


@pytest.mark.parametrize("reason, result, code", [
    ("user_not_in_permitted_group", "denied", "user-not-assigned"),
    ("denied_by_policy", "denied", "idp-authentication-failed"),
    ("location_restricted", "denied", "idp-authentication-failed"),
    ("error", "error", "unknown-failure"),  # Duo's own error: no cause said
])
def test_duo_reasons(tmp_path, reason, result, code):
    rec = _duo_records()[4]
    rec.update(reason=reason, result=result)
    (ev,) = events(records(_write(tmp_path, "duo.json", [rec])))
    assert (ev.outcome, ev.code) == ("failure", code)


def test_duo_enrollment_is_no_sign_on_and_ports_are_dropped(tmp_path):
    enrol, denied = _duo_records()[0], _duo_records()[4]
    enrol["event_type"] = "enrollment"
    denied["access_device"]["ip"] = "89.160.20.112:1234"  # as Elastic's sample writes it
    evs = events(records(_write(tmp_path, "duo.json", [enrol, denied])))
    assert [(ev.outcome, ev.code, ev.ip) for ev in evs] == [
        ("info", None, "89.160.20.156"), ("failure", "idp-authentication-failed", "89.160.20.112")]


def test_duo_admin_api_page_and_v1_record(tmp_path):
    """The v2 API's page (`response.authlogs`) and a v1 record (integration, username, ip, epoch
    timestamp) of the same denial."""
    rec = _duo_records()[4]
    page = _write(tmp_path, "page.json", {"stat": "OK", "response": {"authlogs": [rec], "metadata": {}}})
    (ev,) = events(records(page))
    assert (ev.product, ev.outcome, ev.user, ev.time) == ("duo", "failure", "narroway", utc(2021, 7, 23, 7, 19, 34, 702203))
    v1 = {"timestamp": rec["timestamp"], "username": "narroway", "factor": "Duo Push", "result": "denied",
          "reason": "user_mistake", "ip": "89.160.20.156", "integration": "SonarQube", "device": "+91 12345 12345"}
    path = _write(tmp_path, "v1.json", [v1])
    assert detected(path) == "duo"
    (ev,) = events(records(path))
    assert (ev.outcome, ev.code, ev.user, ev.ip, ev.app, ev.time) == (
        "failure", "idp-authentication-failed", "narroway", "89.160.20.156", "SonarQube", utc(2021, 7, 23, 7, 19, 34))


# --- one login at the IdP and in SonarQube's web.log -------------------------------------------

def _sonar_refusal(t: str, ip: str) -> str:
    """SonarQube's auth.event of the refused callback: the IdP answered with a Responder status;
    no user ([login|]), the client's address."""
    return (f"{t} DEBUG web[AZWq1kLm9QzR2xP0wAB1][auth.event] login failure [cause|The status code of the "
            "Response was not Success, was urn:oasis:names:tc:SAML:2.0:status:Responder][method|OAUTH2]"
            f"[provider|EXTERNAL|Corp SSO][IP|10.20.0.5|{ip}][login|]\n")


def _attempts(folder: Path) -> list[dict]:
    res = CliRunner().invoke(main, ["scan", str(folder), "--format", "json", "--jobs", "1", "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout)["attempts"]


def _jumpcloud_sonarqube() -> dict:
    rec = _jc_events()[1]
    rec["application"].update(display_label="SonarQube", name="sonarqube")
    return rec


def _duo_sonarqube() -> dict:
    rec = _duo_records()[4]
    rec["application"]["name"] = "SonarQube"
    return rec


@pytest.mark.parametrize("name, record, sonar_time, ip, want", [
    # john.doe's 'not authorized' (the sample, its application renamed SonarQube)
    ("jumpcloud.json", _jumpcloud_sonarqube, "2023.06.15 14:48:37", "9.10.11.12",
     ("john.doe", "failure", "user-not-assigned")),
    # narroway's Duo push answered 'mistake' (the sample, its application renamed SonarQube)
    ("duo.json", _duo_sonarqube, "2021.07.23 07:19:35", "89.160.20.156",
     ("narroway", "failure", "idp-authentication-failed")),
])
def test_the_idps_refusal_and_sonarqubes_line_are_one_attempt_caused_by_the_idp(tmp_path, name, record, sonar_time,
                                                                                 ip, want):
    """The IdP's failure and SonarQube's refusal a second later from the same address: one
    attempt, its cause the IdP's reason."""
    _write(tmp_path, name, [record()])
    _write(tmp_path, "web.log", _sonar_refusal(sonar_time, ip))
    (a,) = _attempts(tmp_path)
    assert (a["user"], a["outcome"], a["root_cause"]) == want
    assert sorted(Path(e["input"]).name for e in a["evidence"]) == sorted([name, "web.log"])


def test_without_the_idp_log_sonarqubes_line_alone_has_no_idp_reason(tmp_path):
    """The cause above is the IdP's: SonarQube's line alone does not say user-not-assigned."""
    _write(tmp_path, "web.log", _sonar_refusal("2023.06.15 14:48:37", "9.10.11.12"))
    (a,) = _attempts(tmp_path)
    assert a["root_cause"] not in ("user-not-assigned", "idp-authentication-failed")


# --- AWS CloudTrail: IAM Identity Center's sign-in through an external IdP ---------------------

CLOUDTRAIL = DATA / "aws-cloudtrail-console-login.log"


def _cloudtrail_records() -> list[dict]:
    return [json.loads(line) for line in CLOUDTRAIL.read_text().splitlines()]


def _external_idp_login(error: str | None) -> dict:
    """JaneDoe's failed ConsoleLogin (the sample) as Identity Center records a sign-in through
    its external IdP, in the shape goauthentik/authentik issue 4554 quotes: userIdentity of type
    Unknown, responseElements.ExternalIdPDirectoryLogin, errorMessage when it failed."""
    rec = _cloudtrail_records()[1]
    rec.pop("additionalEventData")
    rec.update(eventVersion="1.08", eventName="ExternalIdPDirectoryLogin",
               userIdentity={"type": "Unknown", "principalId": "111122223333", "arn": "",
                             "accountId": "111122223333", "accessKeyId": ""},
               responseElements={"ExternalIdPDirectoryLogin": "Failure" if error else "Success"})
    rec.pop("errorMessage")
    if error:
        rec["errorMessage"] = error
    return rec


def test_cloudtrail_console_logins_with_a_password_are_no_saml_attempts():
    assert detected(CLOUDTRAIL) == "cloudtrail"
    evs = events(records(CLOUDTRAIL))
    assert [(summary(ev), ev.code, ev.text) for ev in evs] == [
        ((1, utc(2014, 7, 16, 15, 49, 27), "info", "JohnDoe", "89.160.20.156"), None, "ConsoleLogin: Success"),
        ((2, utc(2014, 7, 8, 17, 35, 27), "info", "JaneDoe", "89.160.20.156"), None,
         "ConsoleLogin: Failed authentication"),
        # an assumed role's session: its name is the user
        ((3, utc(2014, 7, 8, 17, 35, 27), "info", "MySessionName", "89.160.20.156"), None,
         "ConsoleLogin: Failed authentication"),
    ]


def test_identity_center_external_idp_sign_ins_in_a_cloudtrail_log_file(tmp_path):
    """A CloudTrail log file lists its records under `Records`."""
    failed = _external_idp_login("Response contains invalid name id policy format")
    path = _write(tmp_path, "111122223333_CloudTrail_us-east-2.json",
                  {"Records": [_cloudtrail_records()[0], failed, _external_idp_login(None)]})
    evs = events(records(path))
    assert [(ev.product, ev.outcome, ev.code, ev.side, ev.user, ev.ip) for ev in evs] == [
        ("aws-identity-center", "info", None, "sp", "JohnDoe", "89.160.20.156"),
        ("aws-identity-center", "failure", "idp-configuration-error", "sp", None, "89.160.20.156"),
        ("aws-identity-center", "success", None, "sp", None, "89.160.20.156"),
    ]
    assert evs[1].text == "ExternalIdPDirectoryLogin: Response contains invalid name id policy format"
    assert catalog.lookup("Response contains invalid name id policy format", None).side == "idp"


def test_identity_center_failure_without_a_known_message_is_the_generic_entry(tmp_path):
    (ev,) = events(records(_write(tmp_path, "ct.json", [_external_idp_login("Something new")])))
    assert (ev.outcome, ev.code) == ("failure", "unknown-failure")
