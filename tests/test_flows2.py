"""`flows` on captures that keep no page: a request the IdP answered with a page and nothing after it
says where the flow stopped, that the capture keeps no page, and what to ask the user for; `flows`
compares the messages with the SP's settings (--sp-entity-id)."""
import json
from pathlib import Path

from click.testing import CliRunner

from samlscan.cli import main
from samlscan.flows import build_flows
from samlscan.flows_report import _read_capture

CASE15 = Path(__file__).parent / "data" / "case15" / "saml-tracer-carla.json"
_TRACER = json.loads(CASE15.read_text())["requests"]
_QUERY = _TRACER[1]["url"].split("?", 1)[1]  # SonarQube's AuthnRequest as it went to Entra (redirect binding)


def _unanswered(path):
    _, cap = _read_capture(str(path))
    return next(f for f in build_flows(cap) if f.response is None)


def _har(tmp_path, idp_url, content, creator="Firefox"):
    """SonarQube's redirect to the IdP, then the IdP's answer (its content as given), nothing after."""
    def entry(url, status, resp_headers, content, t):
        return {"startedDateTime": f"2026-02-03T09:34:0{t}.000Z", "request": {
                    "method": "GET", "url": url, "headers": [], "cookies": [], "queryString": []},
                "response": {"status": status, "headers": resp_headers, "cookies": [], "content": content}}
    har = {"log": {"version": "1.2", "creator": {"name": creator, "version": "131.0"}, "entries": [
        entry("https://sonar.example/sessions/init/saml", 302, [{"name": "Location", "value": idp_url}],
              {"size": 0, "mimeType": "text/html"}, 1),
        entry(idp_url, 200, [{"name": "Content-Type", "value": "text/html"}], content, 2)]}}
    path = tmp_path / "capture.har"
    path.write_text(json.dumps(har))
    return path


def test_saml_tracer_stop_at_entra_says_where_and_what_to_ask():
    flow = _unanswered(CASE15)
    assert flow.outcome == "unknown"
    assert "login.microsoftonline.com, request 2) answered HTTP 200" in flow.reason
    assert "SAML-tracer exports keep no page" in flow.reason
    assert "new login (request 3)" in flow.reason
    assert "Troubleshooting details (Request Id, Correlation Id, Timestamp)" in flow.ask


def test_har_without_content_at_adfs_asks_for_the_activity_id(tmp_path):
    flow = _unanswered(_har(tmp_path, "https://sts.example.org/adfs/ls/?" + _QUERY, {"size": 0, "mimeType": "text/html"}))
    assert "(sts.example.org, entry 1) answered HTTP 200" in flow.reason
    assert "entry 1 holds no response body" in flow.reason
    assert "nothing of the login followed" in flow.reason
    assert "Activity ID" in flow.ask


def test_har_with_the_login_form_kept_says_the_user_did_not_sign_in(tmp_path):
    page = '<html><title>Sign In</title><form method="post"><input type="password" name="pw"></form></html>'
    flow = _unanswered(_har(tmp_path, "https://acme.okta.com/app/acme_sonar/exk1/sso/saml?" + _QUERY,
                            {"size": len(page), "mimeType": "text/html", "text": page}))
    assert "with its sign-in form" in flow.reason and "does not keep" not in flow.reason
    assert "E0000" in flow.ask  # Okta's error code


def test_safari_bodiless_entry_is_named_and_an_unknown_idp_gets_the_generic_ask(tmp_path):
    flow = _unanswered(_har(tmp_path, "https://idp.example.net/sso?" + _QUERY, {"size": 0, "mimeType": "text/html"},
                            creator="WebKit Web Inspector"))
    assert "Safari's Web Inspector kept no body for entry 1" in flow.reason
    assert flow.ask.startswith("the text of the page the IdP showed")


def test_saml_chrome_panel_export_without_bodies(tmp_path):
    har = json.loads(_har(tmp_path, "https://login.microsoftonline.com/t/saml2?" + _QUERY,
                          {"size": 0, "mimeType": "text/html"}).read_text())
    panel = {str(100 + i): {**e, "request_url": e["request"]["url"], "request_method": "GET",
                            "response_status": e["response"]["status"]}
             for i, e in enumerate(har["log"]["entries"])}
    path = tmp_path / "panel.json"
    path.write_text(json.dumps(panel))
    kind, _ = _read_capture(str(path))
    assert kind == "saml-chrome-panel"
    flow = _unanswered(path)
    assert "answered HTTP 200 with a page (likely an error page)" in flow.reason and "Request Id" in flow.ask


def test_flows_compares_the_request_issuer_with_sp_entity_id():
    out = CliRunner().invoke(main, ["flows", "--format", "json", "--sp-entity-id", "sonarqube", str(CASE15)])
    assert out.exit_code == 0, out.output
    flows = json.loads(out.output)["inputs"][0]["flows"]
    assert [x["code"] for x in flows[0]["findings"]] == ["app-not-found"]
    assert flows[0]["ask"] and flows[1]["ask"] is None
    table = CliRunner().invoke(main, ["flows", "--sp-entity-id", "sonarqube", str(CASE15)]).output
    assert "! app-not-found (error)" in table and "Ask the user for the error page's text" in table
