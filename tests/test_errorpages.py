"""An IdP's or SP's error page, its text copied from the browser or saved as HTML, read as the
evidence of one failed login (samlscan.errorpages, samlscan/logs/errorpage.py); real page texts in
tests/data/errorpages (SOURCES.md)."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from samlscan.cli import main
from samlscan.errorpages import read_page

DATA = Path(__file__).parent / "data" / "errorpages"

REQUEST_ID = "7f3e9a2b-1c4d-4e5f-8a6b-9c0d1e2f3a4b"
CORRELATION_ID = "0a1b2c3d-4e5f-6789-abcd-ef0123456789"
ENTRA_PAGE = f"""Sign in
Sorry, but we're having trouble signing you in.

AADSTS50105: Your administrator has configured the application SonarQube ('1b2c3d4e-aaaa-bbbb-cccc-123456789abc') to block users unless they are specifically granted ('assigned') access to the application. The signed in user 'jdoe@example.com' is blocked because they are not a direct member of a group with access, nor had access directly assigned by an administrator. Please contact your administrator to assign access to this application.

Troubleshooting details
If you contact your administrator, send this info to them.
Copy info to clipboard
Request Id: {REQUEST_ID}
Correlation Id: {CORRELATION_ID}
Timestamp: 2026-11-20T10:15:32Z
Message: AADSTS50105: Your administrator has configured the application SonarQube ('1b2c3d4e-aaaa-bbbb-cccc-123456789abc') to block users unless they are specifically granted ('assigned') access to the application.
Advanced diagnostics: Disable
"""
ENTRA_HTML = ("<!DOCTYPE html><html><head><title>Sign in to your account</title><script>var $Config={};</script>"
              "</head><body><div id=\"login_workload_logo_text\">Sorry, but we&#39;re having trouble signing you in."
              "</div><div>AADSTS50105: Your administrator has configured the application SonarQube to block users"
              " unless they are specifically granted (&#39;assigned&#39;) access to the application.</div>"
              "<div><span>Request Id:</span><span>" + REQUEST_ID + "</span></div>"
              "<div><span>Correlation Id:</span><span>" + CORRELATION_ID + "</span></div>"
              "<div><span>Timestamp:</span><span>2026-11-20T10:15:32Z</span></div></body></html>")
ADFS_PAGE = """An error occurred
An error occurred. Contact your administrator for more information.
Error details
Activity ID: 00000000-1111-2222-3333-44444444ABCD
Relying party: SonarQube
Error time: Fri, 20 Nov 2026 10:15:32 GMT
Cookie: enabled
User agent string: Mozilla/5.0 (Windows NT 10.0; Win64; x64)
"""
GOOGLE_PAGE = """Google
403. That\u2019s an error.

Error: app_not_configured_for_user

Service is not configured for this user.

That\u2019s all we know.
"""
OKTA_PAGE = """Sorry, you can't access SonarQube because you are not assigned this app in Okta.
If you're wondering why this is happening, please contact your administrator.
If it's any consolation, we can take you to your Okta home page.
"""
SSP_PAGE = """SimpleSAMLphp
State information lost
State information lost, and no way to restart the request
If you report this error, please also report this tracking number which makes it possible to locate your session in the logs available to the system administrator:
3a5f0c9e1b
"""
SONAR_PAGE = """You're not authorized to access this page. Please contact the administrator.

Reason: Cookie 'OAUTHSTATE' is missing
"""


def _check(path: Path, *extra: str):
    return CliRunner().invoke(main, ["check", str(path), "--format", "json", *extra])


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_entra_page_text_is_an_attempt_at_its_timestamp(tmp_path):
    res = _check(_write(tmp_path, "page.txt", ENTRA_PAGE))
    assert res.exit_code == 1, res.output  # before: input-not-saml, a warning, exit 0
    doc = json.loads(res.stdout)
    (attempt,) = doc["attempts"]
    assert attempt["outcome"] == "failure" and attempt["root_cause"] == "user-not-assigned"
    assert attempt["time"].startswith("2026-11-20T10:15:32")
    assert attempt["user"] == "jdoe@example.com"
    assert "Assign the user" in attempt["fix"]


def test_entra_page_saved_as_html(tmp_path):
    page = read_page(ENTRA_HTML)
    assert page is not None and (page.product, page.raw_code) == ("entra", "AADSTS50105")
    assert (page.request_id, page.correlation_id) == (REQUEST_ID, CORRELATION_ID)
    res = _check(_write(tmp_path, "page.html", ENTRA_HTML))
    assert res.exit_code == 1, res.output
    (attempt,) = json.loads(res.stdout)["attempts"]
    assert attempt["root_cause"] == "user-not-assigned" and attempt["time"].startswith("2026-11-20T10:15:32")


def test_entra_page_saved_whole_with_its_scripts_first(tmp_path):
    """A page saved whole holds Entra's inline scripts ($Config: 100s of KB) before its words: past
    the first 64 KB samlscan sniffs, it was read as one XML message and failed (fuzz round 8)."""
    script = "<script>var $Config=" + json.dumps({"k%d" % i: "v" * 60 for i in range(2500)}) + ";</script>"
    page = ENTRA_HTML.replace("</head>", script + "</head>")
    assert page.index("AADSTS50105") > 64 * 1024
    res = _check(_write(tmp_path, "page.html", page))
    assert res.exit_code == 1, res.output
    (attempt,) = json.loads(res.stdout)["attempts"]
    assert attempt["root_cause"] == "user-not-assigned" and attempt["time"].startswith("2026-11-20T10:15:32")


def test_adfs_page_keeps_activity_id_and_error_time():
    page = read_page(ADFS_PAGE)
    assert page.product == "adfs" and page.side == "idp"
    # as AD FS's event reader keys it (lower case): the page joins event 364 by it
    assert page.correlation_id == "00000000-1111-2222-3333-44444444abcd"
    assert page.time.isoformat() == "2026-11-20T10:15:32+00:00"
    assert "SonarQube" in page.text


def test_pages_of_each_product():
    said = {name: read_page(text) for name, text in
            (("google", GOOGLE_PAGE), ("okta", OKTA_PAGE), ("simplesamlphp", SSP_PAGE), ("sonarqube", SONAR_PAGE),
             ("shibboleth", (DATA / "shibboleth-unsupported.txt").read_text()),
             ("keycloak", (DATA / "keycloak-unknown-requester.txt").read_text()))}
    assert {name: page.product for name, page in said.items()} == {name: name for name in said}
    assert said["google"].raw_code == "app_not_configured_for_user"
    assert said["simplesamlphp"].request_id == "3a5f0c9e1b"  # the [trackid] of its log lines
    assert said["sonarqube"].side == "sp" and said["sonarqube"].text == "Cookie 'OAUTHSTATE' is missing"
    assert all(page.time is None for page in said.values())


def test_page_without_time_is_judged_at_no_time(tmp_path):
    res = _check(DATA / "shibboleth-unsupported.txt")
    assert res.exit_code == 1, res.output
    doc = json.loads(res.stdout)
    (attempt,) = doc["attempts"]
    assert attempt["time"] is None and attempt["root_cause"] == "app-not-found" and attempt["side"] == "idp"
    assert any("shows no time" in n for n in doc["summary"]["notes"])


def test_keycloak_page_of_unknown_cause_still_counts():
    page = read_page((DATA / "keycloak-redirect-uri.txt").read_text())
    assert page.product == "keycloak" and page.text == "Invalid parameter: redirect_uri"
    res = _check(DATA / "keycloak-redirect-uri.txt")
    (attempt,) = json.loads(res.stdout)["attempts"]
    assert attempt["outcome"] == "failure"


def test_prose_that_mentions_a_page_is_no_attempt(tmp_path):
    ticket = _write(tmp_path, "ticket.txt", "Hi, since yesterday users get AADSTS50105 on SonarQube (Request Id "
                    f"in the screenshot: {REQUEST_ID}). Also 'Sorry, you can't access SonarQube because you are "
                    "not assigned this app in Okta.' for another one.\n")
    for path in (ticket, DATA / "ticket-shibboleth.txt"):
        assert read_page(path.read_text()) is None
        res = _check(path)
        assert res.exit_code == 0 and json.loads(res.stdout)["attempts"] == [], res.output


def test_page_joins_the_idp_log_by_its_request_id(tmp_path):
    _write(tmp_path, "page.txt", ENTRA_PAGE)
    sign_in = {"id": REQUEST_ID, "createdDateTime": "2026-11-20T10:15:31Z", "userPrincipalName": "jdoe@example.com",
               "appDisplayName": "SonarQube", "correlationId": CORRELATION_ID, "ipAddress": "203.0.113.7",
               "status": {"errorCode": 50105, "failureReason": "The signed in user is not assigned to a role "
                          "for the application."}}
    _write(tmp_path, "signins.json", json.dumps({"value": [sign_in]}))
    res = CliRunner().invoke(main, ["scan", str(tmp_path), "--format", "json", "--jobs", "1"])
    assert res.exit_code == 1, res.output
    (attempt,) = json.loads(res.stdout)["attempts"]
    assert {Path(e["input"]).name for e in attempt["evidence"]} == {"page.txt", "signins.json"}
    assert attempt["root_cause"] == "user-not-assigned"


def test_an_app_log_quoting_entras_error_description_stays_a_log(tmp_path):
    """An app's log of Entra's error_description puts 'Correlation ID:' and 'Timestamp:' on lines of
    their own, like the page: its timed lines make it a log (every line read, the java-saml refusal
    among them), not one page that drops the rest."""
    log = _write(tmp_path, "app.log", (
        "2026-11-20 10:15:30,120 INFO  [main] app.Login - starting login\n"
        "2026-11-20 10:15:32,431 ERROR [main] app.Login - token request failed: invalid_grant\n"
        "AADSTS50105: Your administrator has configured the application SonarQube to block users unless they "
        "are specifically granted ('assigned') access to the application.\n"
        f"Trace ID: {REQUEST_ID}\nCorrelation ID: {CORRELATION_ID}\nTimestamp: 2026-11-20 10:15:32Z\n"
        "2026-11-20 10:16:02,431 ERROR [main] c.o.saml2.Auth - processResponse error. invalid_response\n"
        "2026-11-20 10:16:02,432 ERROR [main] c.o.s.a.SamlResponse - Signature validation failed. "
        "SAML Response rejected\n"))
    result = CliRunner().invoke(main, ["scan", str(log), "--format", "jsonl"])
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert "signature-invalid" in {r["code"] for r in rows}
    assert not any(r["ref"].endswith("error page") for r in rows)
