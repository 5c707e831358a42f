"""Login flows: request/response pairing, retries, SP outcomes, IdP error pages."""
from __future__ import annotations

import pytest

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import gen_captures as gc  # noqa: E402

from samlscan.flows import build_flows, find_idp_error  # noqa: E402
from samlscan.inputs import har, tracer  # noqa: E402
from test_har import REQ, RESP  # noqa: E402

UNSOLICITED = (b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_u1" '
               b'Version="2.0"/>')


def flows_of(tmp_path, doc, reader=har):
    p = tmp_path / "c.json"
    p.write_text(json.dumps(doc))
    return build_flows(reader.read(str(p)))


def test_success_flow(tmp_path):
    (f,) = flows_of(tmp_path, gc.chrome_har(REQ, RESP))
    assert (f.outcome, f.reason) == ("success", "redirected to /projects")
    assert f.request_id == f.in_response_to == "_req1"
    assert f.request is not None and f.response is not None
    assert [ex.entry for ex in f.exchanges] == [2, 3, 4, 5]
    assert f.time == gc.T0


def test_failure_with_public_reason(tmp_path):
    (f,) = flows_of(tmp_path, gc.firefox_har(REQ, RESP))
    assert f.outcome == "failure"
    assert f.reason.startswith("You're not authorized")
    assert f.exchanges[-1].url.endswith("/sessions/unauthorized")


def test_retry_gives_two_flows(tmp_path):
    flows = flows_of(tmp_path, gc.multi_flow_har(REQ, RESP))
    assert [(f.outcome, f.relay_state) for f in flows] == [
        ("failure", "aaaa1111bbbb2222"), ("success", "cccc3333dddd4444")]
    assert flows[0].reason == "Email 'dev.user1@example.com' is already used"
    assert [ex.entry for ex in flows[1].exchanges] == [7, 8, 9, 10]


def test_double_click_keeps_posts_apart(tmp_path):
    doc = gc.chrome_har(REQ, RESP)
    entries = doc["log"]["entries"]
    again = json.loads(json.dumps(entries[4]))
    again["response"]["headers"] = [{"name": "Location", "value": "/sessions/unauthorized"}]
    again["response"]["redirectURL"] = "/sessions/unauthorized"
    entries.insert(5, again)
    flows = flows_of(tmp_path, doc)
    assert [f.outcome for f in flows] == ["success", "failure"]
    assert all(f.request_id == "_req1" for f in flows)


def test_unsolicited_response_has_no_request(tmp_path):
    doc = gc.chrome_har(REQ, UNSOLICITED)
    doc["log"]["entries"][4]["request"]["postData"]["text"] = (
        "SAMLResponse=" + gc.quote(gc.base64.b64encode(UNSOLICITED).decode(), safe=""))
    del doc["log"]["entries"][4]["request"]["postData"]["params"]
    flows = flows_of(tmp_path, doc)
    resp_flow = [f for f in flows if f.response is not None and f.response.source.ref == "entry 4"]
    assert len(resp_flow) == 1 and resp_flow[0].request is None
    assert any(f.request is not None and f.response is None for f in flows)


def test_entra_error_page_is_the_outcome(tmp_path):
    (f,) = flows_of(tmp_path, gc.entra_error_har(REQ))
    assert f.outcome == "failure" and f.response is None and f.request is not None
    assert f.idp_error.code == "AADSTS50011"
    assert f.idp_error.request_id == "5f3c2a10-8b7e-4d21-9c3a-7e6f5d4c3b2a"
    assert f.idp_error.correlation_id == "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d"
    assert f.reason.startswith("AADSTS50011: The redirect URI")


def test_test_configuration(tmp_path):
    doc = gc.har(gc.attempt(REQ, RESP, "validation-query/abc", 0, result="/saml/validation"))
    doc["log"]["entries"][3]["response"]["content"] = {
        "mimeType": "text/html", "text": "<li>Mapping not found for the property "
        "sonar.auth.saml.user.email, the field mail is not available in the SAML response.</li>"}
    (f,) = flows_of(tmp_path, doc)
    assert f.test_configuration and f.outcome == "failure"
    assert f.reason.startswith("Mapping not found for the property sonar.auth.saml.user.email")


def test_request_without_answer_is_unknown(tmp_path):
    doc = gc.chrome_har(REQ, RESP)
    del doc["log"]["entries"][4:]
    doc["log"]["entries"][3]["response"]["content"] = {"size": 0, "mimeType": "text/html"}
    (f,) = flows_of(tmp_path, doc)
    assert (f.outcome, f.response) == ("unknown", None)


def test_tracer_flow(tmp_path):
    (f,) = flows_of(tmp_path, gc.tracer_export(REQ, RESP), tracer)
    assert (f.outcome, f.request_id, f.in_response_to) == ("success", "_req1", "_req1")


def test_okta_error_page():
    page = "<html><title>Error</title><h2>Sorry, you can't access SonarQube because you are not assigned this app in Okta.</h2></html>"
    err = find_idp_error(page, "https://corp.okta.com/app/sonar/exk1/sso/saml")
    assert err.product == "okta" and err.message.startswith("Sorry, you can't access SonarQube")
    assert find_idp_error(page, "https://sonar.example.com/") is None
    assert find_idp_error("<html>all fine</html>", "https://corp.okta.com/") is None


def test_auth0_error_page_by_its_url():
    """Auth0's generic error page: the error travels in its URL (error, error_description,
    tracking; Auth0 docs 'Error Pages'), whatever the page body (a HAR often has none)."""
    url = ("https://corp.eu.auth0.com/error?client_id=AbC123&error=invalid_request&error_description="
           "Callback%20URL%20mismatch.%20http%3A%2F%2Fsonar.example.com%2Foauth2%2Fcallback%2Fsaml%20is%20"
           "not%20in%20the%20list%20of%20allowed%20callback%20URLs&tracking=9f3e2a1b0c")
    err = find_idp_error(None, url)
    assert (err.product, err.code, err.request_id) == ("auth0", "invalid_request", "9f3e2a1b0c")
    assert err.message.startswith("Callback URL mismatch. http://sonar.example.com/")
    from samlscan import catalog

    assert catalog.lookup(err.message, "auth0").code == "reply-url-mismatch"
    custom = url.replace("corp.eu.auth0.com", "login.corp.example")  # a custom domain: by 'tracking'
    assert find_idp_error("", custom).product == "auth0"
    assert find_idp_error("", custom.replace("&tracking=9f3e2a1b0c", "")) is None
    assert find_idp_error("", "https://sonar.example.com/sessions/unauthorized?error=x") is None


@pytest.mark.parametrize("location,outcome,said", [
    ("/projects", "success", "redirected to /projects"),
    ("https://sonar.example.com/", "success", "redirected to /"),
    ("https://idp.example.org/idp/profile/SAML2/Redirect/SSO?SAMLRequest=fZBBT8Mw", "failure", "login loop"),
    ("/sonar/sessions/new?return_to=%2F", "unknown", "asks to log in again"),
    ("/sessions/new", "unknown", "asks to log in again"),
    ("https://login.example.net/error", "unknown", "another host"),
])
def test_the_acs_redirect_says_what_it_can(location, outcome, said):
    """Every 3xx off /sessions/ was a success: a redirect back to the IdP (a login loop) and one
    to another host's error page too (review finding)."""
    from samlscan.flows.outcome import _redirect_outcome

    got, reason, _ = _redirect_outcome("https://sonar.example.com/oauth2/callback/saml", location)
    assert got == outcome and said in reason


def test_a_tracer_capture_names_the_samesite_of_the_lost_state_cookie(tmp_path):
    # SAML-tracer stores the Set-Cookie headers as the browser gave them: OAUTHSTATE set with
    # SameSite=Lax and not sent on the IdP's cross-site POST is said with its attribute, as a HAR's
    # is (the tracer reader kept no SameSite: the cause said only 'a SameSite policy')
    from samlscan.sonarqube import flow_cause

    doc = gc.tracer_export(REQ, RESP)
    for r in doc["requests"]:
        for h in r["responseHeaders"]:
            if h["value"].startswith("OAUTHSTATE="):
                h["value"] += "; SameSite=Lax"
        r["requestHeaders"] = [h for h in r["requestHeaders"] if h["name"] != "Cookie"]
    post = doc["requests"][2]  # SonarQube refuses the POST without its state cookie
    post["responseHeaders"] = [{"name": "Location", "value": gc.SP + "/sessions/unauthorized"},
                               {"name": "Set-Cookie",
                                "value": "AUTHENTICATION-ERROR=Cookie%20%27OAUTHSTATE%27%20is%20missing; Path=/"}]
    del doc["requests"][3:]
    (f,) = flows_of(tmp_path, doc, tracer)
    code, why = flow_cause(f)
    assert code == "relaystate-cookie-missing" and "SameSite=Lax" in why, why


def test_test_configuration_of_a_page_carrying_its_status_as_data(tmp_path):
    """SonarQube 10.x+ writes the test's errors as base64 JSON in the page's data-response (logs.sonartest):
    no error text is shown in its HTML until its script runs."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
    import gen_sonartest52

    doc = gc.har(gc.attempt(REQ, RESP, "validation-query/abc", 0, result="/saml/validation"))
    doc["log"]["entries"][3]["response"]["content"] = {"mimeType": "text/html", "text": gen_sonartest52.mapping_error()}
    assert "Mapping not found" not in doc["log"]["entries"][3]["response"]["content"]["text"]  # (only in its data)
    (f,) = flows_of(tmp_path, doc)
    assert f.test_configuration and f.outcome == "failure"
    assert f.reason.startswith("Mapping not found for the property sonar.auth.saml.user.login, the field login")


def test_test_configuration_that_passed_is_a_success(tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
    import gen_sonartest52

    doc = gc.har(gc.attempt(REQ, RESP, "validation-query/abc", 0, result="/saml/validation"))
    doc["log"]["entries"][3]["response"]["content"] = {"mimeType": "text/html",
                                                      "text": gen_sonartest52.success_with_warning()}
    (f,) = flows_of(tmp_path, doc)
    assert f.test_configuration and (f.outcome, f.reason) == ("success", "Test Configuration page (/saml/validation): success")


def test_a_null_among_a_captured_test_pages_errors_is_no_error():
    """The page's data is the server's JSON: a null in its errors is no 'None' error (logs.sonartest.page_result)."""
    import base64

    from samlscan.flows import validation_result

    data = base64.b64encode(json.dumps({"status": "success", "errors": [None]}).encode()).decode()
    assert validation_result(f'<title>SAML Authentication Test</title><div data-response="{data}"></div>') == ((), True)
