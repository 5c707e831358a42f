"""One generated SAML login, re-expressed in the shapes real HAR producers write.

Shapes observed in real captures (structure only, no third-party content): Chrome DevTools
(text + still-encoded params, HTTP/2 pseudo headers, `_resourceType`, sanitized export without
cookies), Firefox (local time + offset, base64 bodies), Playwright harTracer (params decoded by
URLSearchParams, `text: ""` and `_file` with content 'attach'/'omit', `redirectURL` set from the
next request, status -1 for failed requests), mitmproxy (isoformat '+00:00' with microseconds,
decoded params), Fiddler (UTF-8 BOM, HAR 1.1, 7-digit fractions, `creator` after `entries`),
Charles (offset times, `_charlesStatus`), chrome-har/Puppeteer (`status` pseudo response header),
BrowserMob (status 0, negative timings). Each shape must give the same messages, times and flow
outcome as our own Chrome-shaped HAR, and `sanitize` must keep that diagnosis.
"""
from __future__ import annotations

import base64
import copy
import json
import os
import sys
from datetime import timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qsl, urljoin

import pytest

FIX = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIX))
import gen_captures as gc  # noqa: E402

from samlscan.flows import build_flows  # noqa: E402
from samlscan.inputs import har  # noqa: E402
from samlscan.sanitize import sanitize_har  # noqa: E402

PAIR = gc._pick_pair(FIX)  # a signed valid Response and the AuthnRequest it answers


def base_doc() -> dict:
    return gc.chrome_har(*PAIR)


def write(tmp_path, doc, name="c.har", raw: bytes | None = None) -> str:
    p = tmp_path / name
    p.write_bytes(raw if raw is not None else json.dumps(doc).encode())
    return str(p)


def summary(path: str) -> tuple:
    """What a diagnosis rests on: messages (kind, value, binding, time, RelayState) and flows."""
    cap = har.read(path)
    msgs = [(m.param, har.digest(m.value), m.binding, m.captured_at, m.relay_state)
            for m in cap.messages]
    flows = [(f.outcome, f.reason, f.request_id, f.in_response_to, f.time)
             for f in build_flows(cap)]
    return msgs, flows


def entries(doc):
    return doc["log"]["entries"]


def _acs(doc) -> dict:
    return next(e for e in entries(doc) if e["request"]["method"] == "POST")


def _decoded_params(post: dict) -> list[dict]:
    """URLSearchParams / mitmproxy urlencoded_form: names and values already decoded."""
    return [{"name": n, "value": v} for n, v in parse_qsl(post["text"], keep_blank_values=True)]


# --- producer shapes ---------------------------------------------------------------------------

def playwright_embed(doc):
    """harTracer 'embed': raw text plus decoded params; h2 lowercase headers; pseudo headers."""
    for e in entries(doc):
        req, resp = e["request"], e["response"]
        e["_frameref"], e["_monotonicTime"] = "frame@1", 1.5
        req["headers"] = [{"name": ":method", "value": req["method"]},
                          {"name": ":path", "value": "/" + req["url"].split("/", 3)[-1]}] + \
            [{"name": h["name"].lower(), "value": h["value"]} for h in req["headers"]]
        resp["headers"] = [{"name": h["name"].lower(), "value": h["value"]} for h in resp["headers"]]
        if "postData" in req:
            req["postData"]["params"] = _decoded_params(req["postData"])
    return doc


def playwright_attach(doc):
    """harTracer 'attach'/'omit': text '' and `_file`, params decoded; bodies not embedded."""
    doc = playwright_embed(doc)
    for e in entries(doc):
        req, resp = e["request"], e["response"]
        if "postData" in req:
            params = req["postData"]["params"]
            req["postData"] = {"mimeType": "application/x-www-form-urlencoded", "text": "",
                               "params": params, "_file": "0a1b2c.dat"}
        content = resp["content"]
        content.pop("text", None)
        content["_file"] = "3d4e5f.html"
    return doc


def mitmproxy_export(doc):
    """mitmproxy HAR export: datetime.isoformat() ('+00:00', microseconds), decoded params."""
    for e in entries(doc):
        t = har.parse_time(e["startedDateTime"])
        e["startedDateTime"] = t.isoformat(timespec="microseconds")
        if "postData" in e["request"]:
            e["request"]["postData"]["params"] = _decoded_params(e["request"]["postData"])
    doc["log"]["creator"] = {"name": "mitmproxy", "version": "11.0.2", "comment": ""}
    return doc


def fiddler_export(doc):
    """Fiddler: local time with 7 fraction digits, HAR 1.1, creator after entries."""
    tz = timezone(timedelta(hours=3))
    for e in entries(doc):
        t = har.parse_time(e["startedDateTime"]).astimezone(tz)
        e["startedDateTime"] = t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0" + t.strftime("%z")[:3] + ":00"
        e["request"].pop("postData", None) if e["request"]["method"] == "GET" else None
    log = doc["log"]
    doc["log"] = {"pages": [], "entries": log["entries"], "creator": {"name": "Fiddler",
                  "version": "5.0.20243.10853"}, "version": "1.1"}
    return doc


def charles_export(doc):
    """Charles: '-07:00' local times, base64 bodies, `_charlesStatus`."""
    tz = timezone(timedelta(hours=-7))
    for e in entries(doc):
        e["startedDateTime"] = har.parse_time(e["startedDateTime"]).astimezone(tz) \
            .isoformat(timespec="milliseconds")
        e["response"]["_charlesStatus"] = "COMPLETE"
        c = e["response"]["content"]
        if "text" in c:
            c["text"] = base64.b64encode(c["text"].encode()).decode()
            c["encoding"] = "base64"
    return doc


def chrome_extras(doc):
    """Chrome DevTools private members and HTTP/2: `_resourceType`, `_fromCache`, `_initiator`,
    `connection`, 'h2' versions, pseudo headers, a `status` response header (chrome-har)."""
    for e in entries(doc):
        e.update({"_resourceType": "document", "_fromCache": None, "connection": "105",
                  "_initiator": {"type": "other"}, "_priority": "VeryHigh"})
        e["request"]["httpVersion"] = e["response"]["httpVersion"] = "h2"
        e["request"]["headers"].insert(0, {"name": ":authority", "value": "sonar.example.com"})
        e["response"]["headers"].insert(0, {"name": "status", "value": str(e["response"]["status"])})
    return doc


def chrome_sanitized(doc):
    """Chrome 'Export HAR (sanitized)': Cookie / Set-Cookie / Authorization headers dropped."""
    for e in entries(doc):
        for side in ("request", "response"):
            e[side]["headers"] = [h for h in e[side]["headers"]
                                  if h["name"].lower() not in ("cookie", "set-cookie")]
            e[side]["cookies"] = []
    return doc


def location_only(doc):
    """Redirects told by the Location header only (`redirectURL` empty: Safari, Charles)."""
    for e in entries(doc):
        e["response"]["redirectURL"] = ""
    return doc


def redirect_url_only(doc):
    """Redirects told by `redirectURL` only (HAR producers that drop response headers)."""
    for e in entries(doc):
        e["response"]["headers"] = [h for h in e["response"]["headers"]
                                    if h["name"].lower() != "location"]
    return doc


def minimal_fields(doc):
    """Optional members missing: no pages, cache, timings, time, sizes, httpVersion, cookies."""
    doc["log"].pop("pages", None)
    for e in entries(doc):
        for k in ("cache", "timings", "time"):
            e.pop(k, None)
        for side in ("request", "response"):
            for k in ("headersSize", "bodySize", "httpVersion", "cookies", "queryString"):
                e[side].pop(k, None)
    return doc


def no_fraction_times(doc):
    """Seconds only ('2025-03-11T08:41:02Z'); the generated times fall on whole seconds or are
    compared after the same rounding."""
    for e in entries(doc):
        t = har.parse_time(e["startedDateTime"])
        e["startedDateTime"] = t.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    return doc


SHAPES = {"playwright-embed": playwright_embed, "playwright-attach": playwright_attach,
          "mitmproxy": mitmproxy_export, "fiddler": fiddler_export, "charles": charles_export,
          "chrome-extras": chrome_extras, "location-only": location_only,
          "redirecturl-only": redirect_url_only, "minimal": minimal_fields}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    return summary(write(tmp_path_factory.mktemp("base"), base_doc()))


def test_baseline_is_a_signed_successful_login(baseline):
    msgs, flows = baseline
    assert [m[0] for m in msgs] == ["SAMLRequest", "SAMLResponse"]
    assert [f[0] for f in flows] == ["success"]
    assert b"Signature" in PAIR[1]


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_shape_reads_like_our_capture(tmp_path, baseline, shape):
    doc = SHAPES[shape](copy.deepcopy(base_doc()))
    assert summary(write(tmp_path, doc)) == baseline


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_sanitize_keeps_the_diagnosis_of_each_shape(tmp_path, baseline, shape):
    src = write(tmp_path, SHAPES[shape](copy.deepcopy(base_doc())))
    out = str(tmp_path / "out.har")
    sanitize_har(src, out, False)
    assert summary(out) == baseline


def test_fiddler_bom_and_seven_digit_fractions(tmp_path, baseline):
    doc = fiddler_export(copy.deepcopy(base_doc()))
    assert doc["log"]["entries"][0]["startedDateTime"][26:27].isdigit()  # 7 fraction digits
    path = write(tmp_path, None, raw=b"\xef\xbb\xbf" + json.dumps(doc).encode())
    assert summary(path) == baseline


def test_seconds_only_times(tmp_path, baseline):
    msgs, flows = summary(write(tmp_path, no_fraction_times(copy.deepcopy(base_doc()))))
    assert [m[:3] for m in msgs] == [m[:3] for m in baseline[0]]
    assert all(m[3] is not None and m[3].microsecond == 0 for m in msgs)
    assert [f[0] for f in flows] == ["success"]


def test_sanitized_chrome_export_is_said_to_lack_cookies(tmp_path, baseline):
    cap = har.read(write(tmp_path, chrome_sanitized(copy.deepcopy(base_doc()))))
    assert summary(write(tmp_path, chrome_sanitized(copy.deepcopy(base_doc())), "s.har")) == baseline
    assert any(p.code == "input-redacted" and "no cookies" in p.detail for p in cap.problems)
    full = har.read(write(tmp_path, base_doc(), "full.har"))
    assert not any("no cookies" in p.detail for p in full.problems)


def test_playwright_failed_request_status_minus_one(tmp_path):
    """harTracer leaves status -1 when no response came (request failed or aborted): the POST
    was sent, the SP's answer is not known."""
    doc = playwright_embed(copy.deepcopy(base_doc()))
    acs = _acs(doc)
    acs["response"].update(status=-1, redirectURL="", headers=[], _failureText="net::ERR_ABORTED")
    doc["log"]["entries"] = [e for e in entries(doc) if e is acs or
                             not e["request"]["url"].endswith("/projects")]
    (flow,) = build_flows(har.read(write(tmp_path, doc)))
    assert flow.outcome == "unknown" and flow.response is not None


def test_browsermob_connect_entries_and_status_zero(tmp_path, baseline):
    doc = base_doc()
    tunnel = {"pageref": "Page 0", "startedDateTime": "2025-03-11T09:40:58.000+01:00",
              "request": {"method": "CONNECT", "url": "https://idp.example.org", "headers": [],
                          "queryString": [], "cookies": []},
              "response": {"status": 0, "httpVersion": "unknown", "headers": [], "cookies": [],
                           "content": {"size": 0, "mimeType": ""}, "redirectURL": "",
                           "_error": "Unable to connect to host"},
              "timings": {"wait": -9860836, "send": 1, "receive": 0}}
    doc["log"]["entries"].insert(0, tunnel)
    msgs, flows = summary(write(tmp_path, doc))
    assert [m[:4] for m in msgs] == [m[:4] for m in baseline[0]]
    assert [f[0] for f in flows] == ["success"]


def test_post_before_the_idp_page_in_file_order_is_one_message(tmp_path, baseline):
    """Entries not in time order (merged captures): the auto-submit page listed after the
    browser's POST of the same value is that message, not a second one."""
    doc = base_doc()
    e = entries(doc)
    i = e.index(_acs(doc))
    e[i - 1], e[i] = e[i], e[i - 1]
    msgs, _ = summary(write(tmp_path, doc))
    assert sorted(msgs, key=str) == sorted(baseline[0], key=str)


def test_url_without_query_reads_the_querystring_list(tmp_path, baseline):
    """A producer that keeps redirect parameters only in `queryString` (URL without query)."""
    doc = base_doc()
    for x in entries(doc):
        if "SAMLRequest=" in x["request"]["url"]:
            x["request"]["url"] = x["request"]["url"].split("?")[0]
    assert summary(write(tmp_path, doc)) == baseline
    for x in entries(doc):  # decoded values (Firefox, Playwright) are re-encoded
        for p in x["request"].get("queryString", []):
            p["value"] = har.unquote_plus(p["value"])
    assert summary(write(tmp_path, doc, "d.har"))[0] == baseline[0]


@pytest.mark.parametrize("shuffle", ["reversed", "post-first"])
def test_entries_out_of_time_order_are_read_in_time_order(tmp_path, baseline, shuffle):
    """A merged capture, or a proxy that writes entries as they finish: read sorted by
    startedDateTime, the login pairs and ends as in the ordered file (entry numbers stay the file's)."""
    doc = base_doc()
    e = entries(doc)
    if shuffle == "reversed":
        e.reverse()
    else:
        e.insert(0, e.pop(e.index(_acs(doc))))
    msgs, flows = summary(write(tmp_path, doc))
    assert [m[:4] for m in msgs] == [m[:4] for m in baseline[0]]
    assert [f[:4] for f in flows] == [f[:4] for f in baseline[1]]


def test_set_cookie_values_joined_by_newlines_are_each_read():
    """Firefox writes several Set-Cookie headers as one value joined by newlines."""
    headers = [("Set-Cookie", "JWT-SESSION=abc; Path=/\nAUTHENTICATION-ERROR=Email%20already%20used; Path=/")]
    assert har.headers._set_cookie_names({}, headers, None) == ("JWT-SESSION", "AUTHENTICATION-ERROR")
    assert har.headers._cookie_value({}, headers, "AUTHENTICATION-ERROR") == "Email already used"
    assert har.headers._cookie_names({}, [("Cookie", "a=1; OAUTHSTATE=x")]) == ("a", "OAUTHSTATE")


@pytest.mark.parametrize("where", ["query", "post"])
def test_an_artifact_instead_of_a_response_is_said_to_be_out_of_the_capture(tmp_path, where):
    doc = base_doc()
    post = _acs(doc)
    art = "AAQAAMh48%2FAqd2v1a2eXgmw2L%2B0xE1zj3SmRSPm8EZ2xJWJWlgvqWRxVTvA%3D"
    if where == "query":
        post["request"]["method"] = "GET"
        post["request"]["url"] = post["request"]["url"].split("?")[0] + f"?SAMLart={art}&RelayState=x"
        post["request"].pop("postData", None)
    else:
        post["request"]["postData"] = {"mimeType": "application/x-www-form-urlencoded",
                                       "text": f"SAMLart={art}&RelayState=x", "params": []}
    cap = har.read(write(tmp_path, doc))
    # (SonarQube's ACS, which reads only a posted SAMLResponse: tests/test_artifact46.py)
    assert [p.code for p in cap.problems if p.code.startswith("artifact-")] == ["artifact-unsupported"]
    assert not any(m.param == "SAMLResponse" and m.source.ref == f"entry {entries(doc).index(post)}"
                   for m in cap.messages)


def test_no_artifact_no_artifact_finding(tmp_path):
    assert not [p for p in har.read(write(tmp_path, base_doc())).problems if p.code == "artifact-binding"]


# --- Safari Web Inspector ----------------------------------------------------------------------

def safari_export(doc):
    """WebKit Web Inspector (HARBuilder.js before 2026): one entry per redirect chain with the
    first request's method, body and start time and the last request's URL, headers and response
    (Resource.updateForRedirectResponse); `_fetchType`, `pageref` 'page_0', unknown timings -1,
    `params` beside the text, empty `redirectURL` at the end of a chain."""
    out = []
    for e in entries(doc):
        if out and 300 <= out[-1]["response"]["status"] < 400 and \
                out[-1]["response"]["redirectURL"].split("#")[0] == e["request"]["url"]:
            first = out[-1]
            first["request"].update(url=e["request"]["url"], headers=e["request"]["headers"],
                                    cookies=e["request"]["cookies"])
            first["response"] = e["response"]
            continue
        e.update(pageref="page_0", _fetchType="Network Load",
                 timings={"blocked": -1, "dns": -1, "connect": -1, "ssl": -1, "send": 0, "wait": 0,
                          "receive": 0})
        e["response"]["redirectURL"] = e["response"]["redirectURL"] and \
            urljoin(e["request"]["url"], e["response"]["redirectURL"])
        out.append(e)
    doc["log"].update(entries=out, creator={"name": "WebKit Web Inspector", "version": "19621.1.15.11.14"})
    return doc


def test_safari_folds_the_sp_redirect_after_the_post(tmp_path, baseline):
    """Safari's entry for the POST to the ACS has the URL and answer of the page the SP redirected
    to: the login succeeded (it was 'unknown': no redirect seen)."""
    doc = safari_export(base_doc())
    post = _acs(doc)
    assert post["request"]["url"] == gc.SP + "/projects" and post["response"]["status"] == 200
    msgs, flows = summary(write(tmp_path, doc))
    assert [m[:3] for m in msgs] == [m[:3] for m in baseline[0]]
    ((outcome, reason, *_),) = flows
    assert outcome == "success" and reason.startswith("redirected to /projects (Safari")


def test_safari_folded_post_ends_where_the_sp_sent_the_browser(tmp_path):
    """An error status at the end of the chain is the page the SP redirected to, not the ACS's
    answer; a chain ending at /sessions/unauthorized fails, and a 200 at the ACS itself (no
    redirect at all) is the SP's page: without a session cookie it says nothing sure (test_foldflows.py)."""
    def flow(url: str, status: int):
        doc = safari_export(base_doc())
        post = _acs(doc)
        post["request"]["url"], post["response"]["status"] = gc.SP + url, status
        (f,) = build_flows(har.read(write(tmp_path, doc)))
        return f.outcome, f.reason

    outcome, reason = flow("/oops", 500)
    assert outcome == "failure" and reason.startswith(f"HTTP 500 at {gc.SP}/oops, where the redirects ended")
    assert flow("/sessions/unauthorized", 200)[0] == "failure"
    outcome, reason = flow("/oauth2/callback/saml", 200)  # the page at the ACS, no session cookie set
    assert outcome == "unknown" and reason.startswith("the SP answered the POST with a page (HTTP 200) without "
                                                      "setting a session cookie")
    # a Destination with the scheme's default port names the same ACS (the browser drops ':443')
    from samlscan.flows.hops import _elsewhere

    assert not _elsewhere("https://sonar.example.com:443/oauth2/callback/saml/", "https://sonar.example.com/oauth2/callback/saml")
    assert _elsewhere("https://sonar.example.com:8443/oauth2/callback/saml", "https://sonar.example.com/oauth2/callback/saml")


# --- a POST whose body was not recorded ----------------------------------------------------------

def _without_body(doc, how: str):
    post = _acs(doc)
    if how == "missing":  # HAR 1.2: postData is optional; Firefox writes none without text
        post["request"].pop("postData")
    elif how == "firefox-discarded":  # har-builder.js with postDataDiscarded
        post["request"]["postData"] = {"mimeType": "application/x-www-form-urlencoded", "params": [],
                                       "text": "", "comment": "Request bodies are not included."}
    else:  # Playwright 'attach'/'omit' of a multipart body: text '' and no params
        post["request"]["postData"] = {"mimeType": "multipart/form-data; boundary=----x", "text": "",
                                       "params": []}
    return doc


@pytest.mark.parametrize("how", ["missing", "firefox-discarded", "playwright-multipart"])
@pytest.mark.parametrize("acs", [gc.ACS, gc.SP + "/login/callback/x", gc.SP + "/j_security_check"])
def test_a_post_without_its_body_sends_what_the_page_s_form_posts_there(tmp_path, baseline, how, acs):
    """The response was posted: its time is the POST's and the SP's answer decides the outcome
    (it was 'the response was not posted to the SP in the capture', or nothing said at all when
    the ACS path did not look like SAML); the problem says the body was missing."""
    doc = _without_body(base_doc(), how)
    for e in entries(doc):
        e["request"]["url"] = e["request"]["url"].replace(gc.ACS, acs)
        c = e["response"]["content"]
        c["text"] = c["text"].replace(gc.ACS, acs) if "text" in c else None
    path = write(tmp_path, doc)
    msgs, flows = summary(path)
    assert msgs == baseline[0]
    assert [f[0] for f in flows] == ["success"]
    (problem,) = har.read(path).problems
    # (an info since the page posts the value: it was input-redacted, with Chrome's export advice)
    assert problem.code == "input-body-from-page" and problem.source.ref == f"entry {entries(doc).index(_acs(doc))}"
    assert "the request body is not in the capture" in problem.detail and "auto-submit form" in problem.detail
    assert ("Request bodies are not included." in problem.detail) == (how == "firefox-discarded")


def test_a_bodiless_post_without_a_page_is_said_to_be_unreadable(tmp_path):
    """No page's form posted there: nothing is invented, the problem says what is lost; one form's
    value is read for one POST only (a second bodiless POST is not a replay of it)."""
    doc = _without_body(base_doc(), "missing")
    doc["log"]["entries"].append(copy.deepcopy(_acs(doc)))
    cap = har.read(write(tmp_path, doc))
    assert [m.param for m in cap.messages] == ["SAMLRequest", "SAMLResponse"]
    assert [p.detail.endswith("cannot be read from it") for p in cap.problems] == [False, True]


def test_playwright_attach_reads_the_page_beside_the_har(tmp_path):
    """recordHar content 'attach' writes bodies beside the HAR (`content._file`): the IdP's error
    page there is read (the flow was 'unknown': no SAML response), a name leaving the folder is not."""
    doc = gc.entra_error_har(PAIR[0])
    page = entries(doc)[1]["response"]["content"]
    (tmp_path / "5b2c.html").write_text(page.pop("text"))
    page["_file"] = "5b2c.html"
    (flow,) = build_flows(har.read(write(tmp_path, doc)))
    assert (flow.outcome, flow.idp_error.code) == ("failure", "AADSTS50011")
    page["_file"] = "../" + tmp_path.name + "/5b2c.html"
    (flow,) = build_flows(har.read(write(tmp_path, doc)))
    assert flow.outcome == "unknown"
    os.mkfifo(tmp_path / "fifo.html")  # named like a page, but reading it would block forever
    import threading

    got = []
    reader = threading.Thread(target=lambda: got.append(har.bodies._side_file({"_file": "fifo.html", "mimeType": "text/html"},
                                                                       str(tmp_path / "c.har"))), daemon=True)
    reader.start()
    reader.join(5)
    assert got == [None] and not reader.is_alive()
