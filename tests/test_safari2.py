"""Safari captures and the lost state cookie (tests/data/case12, a Safari HAR made by
fixtures/gen_case12.py; tests/data/case11, a Chrome HAR made by fixtures/gen_case11.py).

- Safari's Web Inspector writes a redirected POST as one entry under the URL its redirects ended at
  (WebKit Resource.updateForRedirectResponse moves the resource's URL; HARBuilder.js writes no entry
  for the redirects) and leaves the body out: the SAMLResponse of the latest auto-submit form is
  what that POST sent, though no form posts to the entry's URL.
- SonarQube's refusal page loaded right after a POST answered in place belongs to that login.
- The state cookie's SameSite, as the response set it, says why it was kept off the IdP's POST.
"""
from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta

from case_util import ROOT

from samlscan.flows import build_flows
from samlscan.inputs import har
from samlscan.sonarqube import flow_cause

SAFARI = ROOT / "tests" / "data" / "case12" / "safari-sonar.har"
CHROME = ROOT / "tests" / "data" / "case11" / "chrome-sonar.har"
REFUSAL = "https://sonar.example.com/sessions/unauthorized"


def _doc(path) -> dict:
    return json.loads(path.read_text())


def _write(tmp_path, doc: dict, name: str = "login.har"):
    out = tmp_path / name
    out.write_text(json.dumps(doc))
    return har.read(str(out))


def _flow_of(capture, entry: int):
    return next(f for f in build_flows(capture) if any(ex.entry == entry for ex in f.exchanges))


def _shift(entry: dict, delta: timedelta) -> None:
    at = datetime.fromisoformat(entry["startedDateTime"]) + delta
    entry["startedDateTime"] = at.isoformat().replace("+00:00", "Z")


# --- 1. a folded POST under the URL its redirects ended at --------------------------------------

def test_a_safari_post_moved_to_its_redirect_target_reads_the_latest_form(tmp_path):
    """entry 6: Safari wrote the POST to /oauth2/callback/saml under /sessions/unauthorized, where
    SonarQube's redirect ended: the response was 'not posted to the SP in the capture'."""
    doc = _doc(SAFARI)
    doc["log"]["entries"][6]["request"]["url"] = REFUSAL
    capture = _write(tmp_path, doc)
    flow = _flow_of(capture, 6)
    assert flow.response is not None and flow.response.source.ref == "entry 6"
    assert flow.response.url == "https://sonar.example.com/oauth2/callback/saml"  # the form's action
    assert flow.outcome == "failure" and "/sessions/unauthorized" in flow.reason
    [said] = [p for p in capture.problems if p.source.ref == "entry 6"]
    assert said.code == "input-body-from-page"
    assert "updateForRedirectResponse" in said.detail and "latest page's auto-submit form" in said.detail
    # one form, one send: the other three logins keep their own responses
    assert sorted(m.source.ref for m in capture.messages if m.param == "SAMLResponse") == [
        "entry 10", "entry 14", "entry 2", "entry 6"]


def test_the_latest_form_is_not_taken_by_another_browser_or_long_after(tmp_path):
    doc = _doc(SAFARI)
    post = doc["log"]["entries"][6]
    post["request"]["url"] = REFUSAL
    chrome = copy.deepcopy(doc)
    del chrome["log"]["entries"][6]["_fetchType"]  # no folded redirects outside Safari
    assert "not posted to the SP" in _flow_of(_write(tmp_path, chrome, "chrome.har"), 4).reason
    _shift(post, timedelta(minutes=5))  # a bodiless POST minutes after the IdP's page is no auto-submit
    assert "not posted to the SP" in _flow_of(_write(tmp_path, doc, "late.har"), 4).reason


def test_a_form_already_posted_with_its_body_is_not_sent_again(tmp_path):
    """A POST that carried the form's values (its body recorded) sent that form: a later bodiless
    Safari POST elsewhere does not send it a second time."""
    doc = _doc(SAFARI)
    entries = doc["log"]["entries"]
    capture = har.read(str(SAFARI))
    sent = next(m for m in capture.messages if m.source.ref == "entry 6")
    entries[6]["request"]["postData"] = {"mimeType": "application/x-www-form-urlencoded",
                                         "params": [{"name": "SAMLResponse", "value": sent.value}]}
    extra = copy.deepcopy(entries[6])
    extra["request"] = {"method": "POST", "url": REFUSAL, "headers": [], "queryString": [], "cookies": [],
                        "httpVersion": "HTTP/1.1", "headersSize": -1, "bodySize": -1}
    _shift(extra, timedelta(seconds=1))
    entries.insert(7, extra)
    capture = _write(tmp_path, doc)
    assert [m.source.ref for m in capture.messages if m.value == sent.value] == ["entry 6"]


# --- 2. the refusal page after a POST answered in place ----------------------------------------

def _answered_without_page(doc: dict) -> dict:
    """Entry 6 answered 200 with no page text: only the refusal page loaded next tells the outcome."""
    doc["log"]["entries"][6]["response"]["content"].pop("text", None)
    return doc


def test_the_refusal_page_loaded_right_after_a_post_answered_in_place_joins_its_flow(tmp_path):
    flow = _flow_of(_write(tmp_path, _answered_without_page(_doc(SAFARI))), 6)
    assert [ex.entry for ex in flow.exchanges][-2:] == [6, 7]
    assert flow.outcome == "failure" and "/sessions/unauthorized, the SP's refusal page" in flow.reason


def test_a_later_visit_of_the_refusal_page_is_not_the_logins(tmp_path):
    doc = _answered_without_page(_doc(SAFARI))
    _shift(doc["log"]["entries"][7], timedelta(minutes=3))
    flow = _flow_of(_write(tmp_path, doc), 6)
    assert 7 not in [ex.entry for ex in flow.exchanges]
    assert flow.outcome == "unknown"


def test_the_refusal_page_under_a_context_path(tmp_path):
    doc = _answered_without_page(_doc(SAFARI))
    for i in (6, 7):
        req = doc["log"]["entries"][i]["request"]
        req["url"] = req["url"].replace("sonar.example.com/", "sonar.example.com/sonarqube/")
    doc["log"]["entries"][5]["response"]["content"]["text"] = doc["log"]["entries"][5]["response"]["content"][
        "text"].replace("sonar.example.com/oauth2", "sonar.example.com/sonarqube/oauth2")
    flow = _flow_of(_write(tmp_path, doc), 6)
    assert 7 in [ex.entry for ex in flow.exchanges] and flow.outcome == "failure"


# --- 3. the state cookie's SameSite -------------------------------------------------------------

def _without_state_cookie(doc: dict, post: int) -> dict:
    req = doc["log"]["entries"][post]["request"]
    req["cookies"] = [c for c in req.get("cookies", []) if c["name"] != "OAUTHSTATE"]
    req["headers"] = [h for h in req["headers"] if h["name"].lower() != "cookie"]
    return doc


def _lost(tmp_path, doc: dict, post: int) -> str:
    flow = _flow_of(_write(tmp_path, doc), post)
    code, why = flow_cause(flow) or (None, "")
    assert code == "relaystate-cookie-missing", (flow.outcome, flow.reason)
    return why


def _refused_at(doc: dict, post: int) -> None:
    """The POST at `post` answered with SonarQube's refusal (AUTHENTICATION-ERROR)."""
    resp = doc["log"]["entries"][post]["response"]
    resp["headers"] = [h for h in resp["headers"] if h["name"].lower() != "set-cookie"] + [
        {"name": "Set-Cookie", "value": "AUTHENTICATION-ERROR=Cookie%20%27OAUTHSTATE%27%20is%20missing; Path=/"}]


def _cross_site(doc: dict) -> dict:
    """Case 11 with its Keycloak on another site than SonarQube (sso.example.com and
    sonar.example.com are one site: a Lax cookie goes with a same-site POST)."""
    return json.loads(json.dumps(doc).replace("sso.example.com", "sso.example.net"))


def _lax_state_cookie(doc: dict) -> dict:
    """Case 11 with entry 0's OAUTHSTATE given SameSite=Lax, as a proxy rewriting cookies would
    (SonarQube sets it without SameSite, as the fixture does)."""
    for h in doc["log"]["entries"][0]["response"]["headers"]:
        if h["name"].lower() == "set-cookie" and h["value"].startswith("OAUTHSTATE="):
            h["value"] += "; SameSite=Lax"
    return doc


def test_a_lax_state_cookie_is_named_with_its_samesite(tmp_path):
    """Chrome HAR, entry 0 sets OAUTHSTATE with SameSite=Lax: the cause said 'a SameSite policy'
    without the attribute, and not that SonarQube itself sets none."""
    doc = _lax_state_cookie(_without_state_cookie(_cross_site(_doc(CHROME)), 2))
    _refused_at(doc, 2)
    why = _lost(tmp_path, doc, 2)
    assert "set with SameSite=Lax (entry 0)" in why and "without SameSite" in why and "proxy" in why


def test_a_lax_state_cookie_is_not_blamed_on_a_same_site_post(tmp_path):
    doc = _lax_state_cookie(_without_state_cookie(_doc(CHROME), 2))  # Keycloak at sso.example.com: SonarQube's own site
    _refused_at(doc, 2)
    why = _lost(tmp_path, doc, 2)
    assert "own site" in why and "browsers do not send" not in why


def test_the_samesite_of_a_cookies_array_without_headers(tmp_path):
    """A HAR that lists the response's cookies (with `sameSite`, as Chrome and Safari write it)
    and no Set-Cookie header."""
    doc = _without_state_cookie(_cross_site(_doc(CHROME)), 2)
    _refused_at(doc, 2)
    init = doc["log"]["entries"][0]["response"]
    init["headers"] = [h for h in init["headers"] if h["name"].lower() != "set-cookie"]
    init["cookies"][0]["sameSite"] = "Strict"
    assert "set with SameSite=Strict (entry 0)" in _lost(tmp_path, doc, 2)


def test_a_state_cookie_without_samesite_names_the_two_minutes(tmp_path):
    """Entry 0's OAUTHSTATE as SonarQube sets it: no SameSite."""
    doc = _without_state_cookie(_cross_site(_doc(CHROME)), 2)
    _refused_at(doc, 2)
    why = _lost(tmp_path, doc, 2)
    assert "set at entry 0 without SameSite" in why and "2 minutes" in why
