"""Every SonarQube Server and SonarQube Cloud failure cause (issue 5, item 4): the evidence that
shows it, the root cause and side samlscan gives, and a fix that names what to change."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from samlscan.config import build
from samlscan.correlate import correlate
from samlscan.engine import analyze

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES))
import gen_captures as G  # noqa: E402  (the capture builders, reused)

REQUEST = (FIXTURES / "requests/authnrequest.xml").read_bytes()


def _response(name: str) -> bytes:
    return (FIXTURES / "responses" / name).read_bytes()


def _log(line: str) -> str:
    return "2025.03.11 09:40:01 INFO  web[][o.s.s.a.SamlAuthenticator] SAML authentication is enabled\n" + line + "\n"


def _auth_event(cause: str, login: str = "") -> str:
    return (f"2025.03.11 09:41:03 DEBUG web[AZWEd1kLm9QzR2xP0wAB][auth.event] login failure [cause|{cause}]"
            f"[method|OAUTH2][provider|EXTERNAL|SAML][IP|10.20.0.5|198.51.100.23][login|{login}]")


def _har(entries, cloud=False) -> str:
    text = json.dumps(G.har(entries))
    return text.replace(G.SP, "https://sonarcloud.io") if cloud else text


def _flow(resp: bytes | None = None, *, result="/sessions/unauthorized", auth_error=None, cloud=False,
          unsolicited=False, acs_status=302, acs_path=None) -> str:
    entries = G.attempt(REQUEST, resp or _response("valid/okta.xml"), "k3v9q2m0t7a1b2c3", 0,
                        result=result, auth_error=auth_error)
    if unsolicited:  # IdP-initiated: no init, no AuthnRequest, no OAUTHSTATE
        entries = [e for e in entries if "SAMLRequest" not in e["request"]["url"]
                   and "/sessions/init" not in e["request"]["url"]]
        for e in entries:
            e["request"]["headers"] = [h for h in e["request"]["headers"] if h["name"] != "Cookie"]
            e["request"]["cookies"] = []
    for e in entries:
        if e["request"]["method"] == "POST":
            e["response"]["status"] = acs_status
            if acs_path:  # the IdP's ACS URL points elsewhere on the SP
                e["request"]["url"] = e["request"]["url"].replace("/oauth2/callback/saml", acs_path)
    return _har(entries, cloud)


def _wrong_login_url() -> str:
    entry = G._entry(G._t(0), "GET", "https://sonarcloud.io/sessions/init/saml?enterprise=wrong-key", 404,
                     content={"size": 20, "mimeType": "text/html", "text": "<html>Not found</html>"})
    return _har([entry])


# (id, files {name: content}, config, expected root cause, expected side, words in the fix)
CASES = [
    # --- SonarQube Server -------------------------------------------------------------------
    ("server-acs-behind-proxy-log",
     {"web.log": _log("2023.06.02 14:05:19 ERROR web[AYh3kLm9QzR2xP0wAAAx][c.o.s.a.SamlResponse] The response was "
                      "received at http://sonar.example.com/oauth2/callback/saml instead of "
                      "https://sonar.example.com/oauth2/callback/saml")},
     None, "destination-mismatch", "sp", ["serverBaseURL"]),
    ("server-acs-behind-proxy-saml", {"response.xml": _response("defects/destination-mismatch.xml").decode()},
     "config/default.toml", "destination-mismatch", "sp", ["serverBaseURL"]),
    ("server-applicationid-vs-audience", {"response.xml": _response("defects/audience-mismatch.xml").decode()},
     "config/default.toml", "audience-mismatch", "idp", ["applicationId"]),
    ("server-idp-initiated-log", {"web.log": _log(_auth_event("Cookie 'OAUTHSTATE' is missing"))},
     None, "relaystate-cookie-missing", "sp", ["SameSite"]),
    ("server-idp-initiated-har",
     {"login.har": _flow(_response("defects/unsolicited-response.xml")
                         if (FIXTURES / "responses/defects/unsolicited-response.xml").exists()
                         else None, unsolicited=True)},
     "config/default.toml", "relaystate-cookie-missing", "sp", ["IdP tile"]),
    ("server-email-already-used",
     {"web.log": _log(_auth_event("Email 'dev.user1@example.com' is already used", "devuser1"))},
     None, "email-already-used", "sp", ["email"]),
    ("server-signup-disabled", {"web.log": _log(_auth_event("User signup disabled for provider 'saml'", "x"))},
     None, "signup-disabled", "sp", ["sign-up"]),
    ("server-2025-encrypted-assertion-in-unsigned-response",
     {"login.har": _flow(_response("defects/response-signature-required.xml")),
      "web.log": _log(_auth_event("No assertions found in response."))},
     "config/with-sp-key.toml", "response-signature-required", "idp", ["sign the Response"]),
    ("server-schema-validation-of-an-out-of-order-response",
     {"login.har": _flow(_response("defects/schema-order-invalid.xml")),
      "web.log": _log(_auth_event("Invalid SAML Response. Not match the saml-schema-protocol-2.0.xsd"))},
     "config/default.toml", "schema-order-invalid", "idp", ["Issuer first"]),
    ("server-callback-without-saml-key", {"login.har": _flow(acs_path="/oauth2/callback")},
     "config/default.toml", "acs-path-wrong", "idp", ["/oauth2/callback/saml"]),
    ("server-callback-of-another-provider", {"login.har": _flow(acs_path="/oauth2/callback/github")},
     "config/default.toml", "acs-path-wrong", "idp", ["/oauth2/callback/saml"]),
    # --- SonarQube Cloud ----------------------------------------------------------------------
    ("cloud-wrong-login-url", {"login.har": _wrong_login_url()}, None, "wrong-login-url", "user",
     ["login URL"]),
    ("cloud-not-organization-member",
     {"login.har": _flow(auth_error="You're not a member of any organization of this enterprise", cloud=True)},
     "config/default.toml", "not-organization-member", "sp", ["organization"]),
    ("cloud-group-sync-failed",
     {"login.har": _flow(auth_error="Hey! Sorry, but we couldn't verify your authorization to access this page",
                         cloud=True)},
     "config/default.toml", "group-sync-failed", "idp", ["group"]),
    ("cloud-email-mapping", {"login.har": _flow(_response("defects/email-under-other-name.xml"), cloud=True)},
     "config/default.toml", "email-under-other-name", "sp", ["sonar.auth.saml.user.email", "mail"]),
    ("cloud-github-ip-allow-list",
     {"login.har": _flow(auth_error="Although you appear to have the correct authorization credentials, the "
                                    "acme organization has an IP allow list enabled", cloud=True)},
     "config/default.toml", "ip-not-allowed", "network", ["allow"]),
    ("cloud-several-sign-on-urls", {"login.har": _flow(cloud=True, acs_status=403, result="/")},
     "config/default.toml", "multiple-sign-on-urls", "idp", ["sign-on URL"]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_sonarqube_cause(case, tmp_path):
    _, files, config, cause, side, words = case
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    expect = build({"at": "2025-03-11T08:41:02Z"} if config is None else {},
                   FIXTURES / config if config else None)
    report = correlate(analyze(sorted(str(p) for p in tmp_path.iterdir()), expect,
                               tz=ZoneInfo("Europe/Paris")))
    failures = [a for a in report.attempts if a.outcome == "failure"]
    assert [a.root_cause for a in failures] == [cause], [(a.root_cause, a.findings) for a in report.attempts]
    assert failures[0].side == side
    fix = failures[0].fix or ""
    assert all(w.lower() in fix.lower() for w in words), fix
    assert failures[0].evidence
    # the cause reaches the formats of one row per finding (JSONL, CSV, SARIF) and --fail-on
    assert cause in {f.code for f in report.reported_findings()}


def test_entra_group_overage_is_named_even_when_login_succeeds(tmp_path):
    (tmp_path / "response.xml").write_bytes(_response("defects/groups-overage-claim.xml"))
    report = correlate(analyze([str(tmp_path / "response.xml")], build({}, FIXTURES / "config/entra.toml")))
    [attempt] = report.attempts
    assert "groups-overage-claim" in attempt.findings
    assert any("groups" in n for n in attempt.notes)


def test_state_cookie_lost_on_the_cross_site_post(tmp_path):
    """The capture shows the cause itself: OAUTHSTATE set at /sessions/init, absent from the POST."""
    entries = G.attempt(REQUEST, _response("valid/okta.xml"), "k3v9q2m0t7a1b2c3", 0,
                        result="/sessions/unauthorized", auth_error="You're not authorized to access this page")
    post = next(e for e in entries if e["request"]["method"] == "POST")
    post["request"]["headers"] = [h for h in post["request"]["headers"] if h["name"] != "Cookie"]
    post["request"]["cookies"] = []
    (tmp_path / "login.har").write_text(_har(entries))
    report = correlate(analyze([str(tmp_path / "login.har")], build({}, FIXTURES / "config/default.toml")))
    [failure] = [a for a in report.attempts if a.outcome == "failure"]
    assert failure.root_cause == "relaystate-cookie-missing"


def test_state_cookie_sent_is_not_blamed(tmp_path):
    (tmp_path / "login.har").write_text(_flow(auth_error="You're not authorized to access this page"))
    report = correlate(analyze([str(tmp_path / "login.har")], build({}, FIXTURES / "config/default.toml")))
    assert all(a.root_cause != "relaystate-cookie-missing" for a in report.attempts)


def test_inresponseto_from_the_capture_is_checked_except_for_sonarqube(tmp_path):
    """The capture's own AuthnRequest enables the InResponseTo check (here it answers another
    request); SonarQube ignores InResponseTo (logformats.md 1.3), so its profile does too."""
    (tmp_path / "login.har").write_text(_flow(result="/"))
    generic = build({"sp_entity_id": "sonarqube", "at": "2025-03-11T08:41:02Z", "profile": "generic"}, None)
    codes = {f.code for f in analyze([str(tmp_path / "login.har")], generic).all_findings()}
    assert "inresponseto-mismatch" in codes
    sonar = build({}, FIXTURES / "config/default.toml")
    codes = {f.code for f in analyze([str(tmp_path / "login.har")], sonar).all_findings()}
    assert "inresponseto-mismatch" not in codes


def test_sonarqube_server_logs_in_without_the_email_attribute(tmp_path):
    """SonarQube reads the email attribute only when present (PrincipalToUserIdentityConverter;
    only login and name are required): under its profile a missing or renamed email is a warning
    and the login a success; for other SPs it stays an error (review finding)."""
    response = str(FIXTURES / "responses/valid/okta.xml")
    sonar = build({"email_attribute": "mailx"}, FIXTURES / "config/default.toml")
    report = correlate(analyze([response], sonar))
    (f,) = [f for f in report.all_findings() if f.code == "email-under-other-name"]
    assert f.severity.value == "warning" and "without an email" in f.message_text
    assert [a.outcome for a in report.attempts] == ["success"]
    generic = build({"email_attribute": "mailx", "idp_cert": [str(FIXTURES / "keys/idp.crt")],
                     "at": "2025-03-11T08:41:02Z", "profile": "generic"}, None)
    (f,) = [f for f in analyze([response], generic).all_findings() if f.code == "email-under-other-name"]
    assert f.severity.value == "error"


def test_google_refusing_the_acs_url_is_the_cause_of_a_sonarqube_status_line(tmp_path):
    """java-saml's status line in web.log quotes Google's StatusMessage: the attempt's cause is
    the ACS URL configured at Google (was status-not-success), fixed in Google's admin console."""
    import json as _json

    from click.testing import CliRunner

    from samlscan.cli import main

    msg = ("The status code of the Response was not Success, was urn:oasis:names:tc:SAML:2.0:status:Requester "
           "-> Invalid request, ACS Url in request https://sonar.example.com/oauth2/callback/saml doesn't match "
           "configured ACS Url https://sonar.example.com/saml.")
    log = tmp_path / "web.log"
    log.write_text("2025.03.11 08:03:13 INFO  web[][o.s.s.p.Platform] SonarQube is operational\n"
                   f"2025.03.11 08:05:13 ERROR web[AZWEd1kLm9Qz000001AC][c.o.s.a.SamlResponse] {msg}\n"
                   f"2025.03.11 08:05:13 DEBUG web[AZWEd1kLm9Qz000001AC][auth.event] login failure [cause|{msg}]"
                   "[method|OAUTH2][provider|EXTERNAL|Corp SSO][IP|10.20.0.5|198.51.100.188][login|]\n")
    out = CliRunner().invoke(main, ["check", str(log), "--format", "json"]).stdout
    (a,) = _json.loads(out)["attempts"]
    assert (a["outcome"], a["root_cause"], a["side"]) == ("failure", "reply-url-mismatch", "idp")
    assert "Google Admin console" in a["fix"]
