"""Captures in the shapes of real browsers and SPs (tests/data/captures2, SOURCES.md): a POST
the browser repeats after a 307/308 (Chrome's HSTS 'Internal Redirect', an SP adding a trailing
slash; also as Burp, saving newest first, Fiddler and the SAML Chrome Panel keep it) or that an
ACS's 307 sends on to another page (Starlette's RedirectResponse default), a
response posted as JSON by a page's script, an SP that sends the browser back to log in right after
accepting the response (a login loop) and logins that only look like one, an IdP page posting from
<textarea>s, and JSON nested past the parser's limit."""
from __future__ import annotations

import base64
import copy
import json
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

FIX = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIX))
import gen_captures as gc  # noqa: E402

from samlscan.flows import LOGIN_LOOP, build_flows  # noqa: E402
from samlscan.inputs import har, tracer  # noqa: E402
from samlscan.inputs.htmlform import find_saml_forms  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "captures2"
PAIR = gc._pick_pair(FIX)


def read(name: str):
    cap = har.read(str(DATA / name))
    return cap, build_flows(cap)


def write(tmp_path, doc, name="c.har") -> str:
    p = tmp_path / name
    p.write_text(json.dumps(doc))
    return str(p)


def responses(cap):
    return [m for m in cap.messages if m.param == "SAMLResponse"]


# --- a POST repeated after a 307/308 -------------------------------------------------------------

@pytest.mark.parametrize("name,sent_at", [
    ("chrome-hsts-307-internal-redirect.har", "entry 5"),
    ("acs-308-trailing-slash.har", "entry 5"),
])
def test_a_post_repeated_after_307_or_308_is_one_message_sent_by_the_repeat(name, sent_at):
    """The browser sends the body again to the Location (RFC 9110 15.4.8/15.4.9): one message,
    at the repeat's time and URL, and the login ends where the repeat's answer says (it was two
    responses, the first 'success, redirected to /oauth2/callback/saml', from the 307 itself)."""
    cap, flows = read(name)
    (resp,) = responses(cap)
    assert (resp.source.ref, resp.binding, resp.url.rstrip("/")) == (sent_at, "post", gc.ACS)
    entry = json.loads((DATA / name).read_text())["log"]["entries"][int(sent_at.split()[1])]
    assert resp.captured_at == har.parse_time(entry["startedDateTime"])
    (flow,) = flows
    assert (flow.outcome, flow.reason) == ("success", "redirected to /projects")
    assert "entry 4" in [ex.ref for ex in flow.exchanges]  # the 307/308 stays the flow's evidence


def test_a_repeat_listed_without_its_body_reads_the_body_the_redirect_sent_on():
    cap, flows = read("acs-308-replay-without-body.har")
    (resp,) = responses(cap)
    assert resp.source.ref == "entry 5"
    assert [f.outcome for f in flows] == ["success"]
    (problem,) = cap.problems
    assert "not in the capture" in problem.detail


def test_a_307_whose_repeat_is_not_captured_is_not_a_success(tmp_path):
    """The capture stops at the 307: where the POST went is not its answer."""
    doc = json.loads((DATA / "chrome-hsts-307-internal-redirect.har").read_text())
    doc["log"]["entries"] = doc["log"]["entries"][:5]
    cap = har.read(write(tmp_path, doc))
    (resp,) = responses(cap)
    assert resp.source.ref == "entry 4"
    (flow,) = build_flows(cap)
    assert flow.outcome == "unknown" and flow.reason.startswith(f"the POST was sent on to {gc.ACS} (HTTP 307)")


def test_saml_tracer_lists_the_repeat_as_its_own_request(tmp_path):
    export = gc.tracer_export(*PAIR)
    post = export["requests"][2]
    first = copy.deepcopy(post)
    first.update(url=gc.ACS.replace("https:", "http:"), responseStatus=307,
                 responseStatusText="HTTP/1.1 307 Internal Redirect",
                 responseHeaders=[{"name": "Location", "value": gc.ACS},
                                  {"name": "Non-Authoritative-Reason", "value": "HSTS"}])
    export["requests"].insert(2, first)
    cap = tracer.read(write(tmp_path, export, "t.json"))
    assert [m.source.ref for m in responses(cap)] == ["request 4"]
    assert [f.outcome for f in build_flows(cap)] == ["success"]


def _raw(message: dict, start: str) -> str:
    """A HAR request or response as the raw HTTP text a proxy keeps of it."""
    head = [start] + [f"{h['name']}: {h['value']}" for h in message.get("headers", [])]
    body = (message.get("postData") or message.get("content") or {}).get("text") or ""
    if message.get("postData"):
        head.append(f"Content-Type: {message['postData']['mimeType']}")
    return "\r\n".join(head) + "\r\n\r\n" + body


def _proxy_sessions(name: str) -> list[tuple[str, str, str]]:
    """(request, response, start time) of each entry of a capture, as Burp or Fiddler saw them."""
    from urllib.parse import urlsplit

    out = []
    for e in json.loads((DATA / name).read_text())["log"]["entries"]:
        u = urlsplit(e["request"]["url"])
        target = u.path + (f"?{u.query}" if u.query else "")
        req = _raw(e["request"], f"{e['request']['method']} {target} HTTP/1.1\r\nHost: {u.netloc}")
        out.append((req, _raw(e["response"], f"HTTP/1.1 {e['response']['status']} X"), e["startedDateTime"]))
    return out


def _burp(tmp_path, sessions) -> str:
    """Burp's 'Save items' XML: <time> in whole seconds, the JVM's zone (Date.toString())."""
    from test_paste_shapes import _BURP_HEAD

    b64 = lambda t: base64.b64encode(t.encode()).decode()  # noqa: E731
    items = "".join(f"""  <item>
    <time>{har.parse_time(at).strftime("%a %b %d %H:%M:%S UTC %Y")}</time>
    <request base64="true"><![CDATA[{b64(req)}]]></request>
    <response base64="true"><![CDATA[{b64(resp)}]]></response>
  </item>
""" for req, resp, at in sessions)
    path = tmp_path / "burp.xml"
    path.write_text(_BURP_HEAD + '<items burpVersion="2025.1.1">\n' + items + "</items>\n")
    return str(path)


@pytest.mark.parametrize("newest_first", [False, True])
def test_a_burp_export_of_a_repeated_post_is_one_message(tmp_path, newest_first):
    """Burp saves items in its table's order, which may be newest first, with whole seconds only:
    the 308 and its repeat (90 ms apart) were read backwards, two sends of one response, a false
    assertion-replayed and a second, unknown attempt."""
    from samlscan.inputs import httpraw

    sessions = _proxy_sessions("acs-308-trailing-slash.har")
    cap = httpraw.read_burp(_burp(tmp_path, sessions[::-1] if newest_first else sessions))
    (resp,) = responses(cap)
    assert resp.source.ref == ("item 2" if newest_first else "item 6")  # the repeat, numbered as in the file
    assert resp.url == gc.ACS + "/"
    assert [(f.outcome, f.reason) for f in build_flows(cap)] == [("success", "redirected to /projects")]


def test_burp_items_are_put_in_capture_order_only_when_their_times_say_it():
    from datetime import datetime, timedelta, timezone

    from samlscan.inputs.httpraw import capture_order

    t = [datetime(2025, 3, 11, 8, 41, tzinfo=timezone.utc) + timedelta(seconds=i) for i in range(3)]
    assert capture_order([t[2], t[1], t[1], t[0]]) == [3, 2, 1, 0]  # newest first: read backwards
    assert capture_order([t[1], t[0], t[2], t[1]]) == [1, 0, 3, 2]  # no order: by time, ties as listed
    assert capture_order([t[0], t[1], t[1]]) == [0, 1, 2]
    assert capture_order([t[0], t[0]]) == [0, 1]  # one second: nothing to tell
    assert capture_order([t[1], None, t[0]]) == [0, 1, 2]  # an item without time: as listed


def test_a_fiddler_archive_and_a_saml_chrome_panel_export_of_a_repeated_post_are_one_message(tmp_path):
    from test_chromepanel import panel_export

    from samlscan.inputs import chromepanel, httpraw

    sessions = {i: {"c": req, "s": resp, "m": f'<Session SID="{i}"><SessionTimers ClientBeginRequest="{at}"/></Session>'}
                for i, (req, resp, at) in enumerate(_proxy_sessions("acs-308-trailing-slash.har"), 1)}
    saz = httpraw.read_saz(sessions, str(tmp_path / "c.saz"))
    export = tmp_path / "SAMLChromeExport.json"
    export.write_text(panel_export(DATA / "acs-308-trailing-slash.har"))
    panel = chromepanel.read(str(export))
    for cap, sent_by in ((saz, "session 6"), (panel, "entry 5")):
        assert [m.source.ref for m in responses(cap)] == [sent_by]
        assert [f.outcome for f in build_flows(cap)] == ["success"]


# --- a response posted as JSON -------------------------------------------------------------------

def test_a_response_posted_as_json_by_a_script_is_read():
    """It was missed: no response, 'the response was not posted to the SP in the capture'."""
    cap, flows = read("fetch-json-callback.har")
    (resp,) = responses(cap)
    assert (resp.source.ref, resp.binding, resp.relay_state) == ("entry 4", "post", "k3v9q2m0t7a1b2c3")
    assert [(f.outcome, f.reason) for f in flows] == [("success", "redirected to /projects")]


def test_json_members_are_found_in_any_spelling_and_depth():
    body = json.dumps({"data": {"samlResponse": "PHNhbWw+", "relay_state": "r1"}, "SAMLRequest": 3})
    assert har.json_fields(body) == [("SAMLResponse", "PHNhbWw+"), ("RelayState", "r1")]
    assert har.json_fields("{not json") == []
    assert har.json_fields(json.dumps({"a": {"b": {"c": {"d": {"SAMLResponse": "x"}}}}})) == []


# --- the SP's answer after the ACS's redirect ------------------------------------------------------

def test_an_sp_that_starts_a_new_login_after_the_acs_loops():
    """The ACS redirected to /projects, which sent the browser to /sessions/init/saml and on to the
    IdP: the login was not kept (it was 'success, redirected to /projects')."""
    _, flows = read("session-loop.har")
    first, second = flows
    assert first.outcome == "failure"
    assert first.reason.startswith("redirected to /projects, then to /sessions/init/saml, which starts a new "
                                   "SAML login: a login loop")
    assert second.outcome == "success"


def _ending(doc, *hops):
    """Replace the SP's answer after the ACS by `hops` [(url, status, location)]."""
    e = doc["log"]["entries"]
    i = next(k for k, x in enumerate(e) if x["request"]["method"] == "POST")
    del e[i + 1:]
    e[i]["response"]["headers"] = [{"name": "Location", "value": hops[0][0]}]
    e[i]["response"]["redirectURL"] = hops[0][0]
    for n, (url, status, location) in enumerate(hops):
        e.append(gc._entry(gc._t(3 + n / 10), "GET", gc.SP + url, status, location=location or "",
                           resp_headers=[("Location", location)] if location else ()))
    return doc


def test_a_page_that_sends_the_browser_to_the_login_page_is_not_a_success(tmp_path):
    doc = _ending(gc.chrome_har(*PAIR), ("/projects", 302, "/sessions/new?return_to=%2Fprojects"),
                  ("/sessions/new?return_to=%2Fprojects", 200, None))
    (flow,) = build_flows(har.read(write(tmp_path, doc)))
    assert flow.outcome == "unknown"
    assert flow.reason == ("redirected to /projects, then redirected to /sessions/new: the SP asks to log in "
                           "again, without a reason in the capture")


def test_an_acs_redirect_to_the_sps_own_login_start_is_a_loop(tmp_path):
    """Any SP: the ACS redirects to its login URL (/saml/login), which sends a new AuthnRequest."""
    again = f"{gc.IDP}?SAMLRequest={quote(gc.deflate_b64(PAIR[0]), safe='')}&RelayState=z"
    doc = _ending(gc.chrome_har(*PAIR), ("/saml/login", 302, again))
    first, retry = build_flows(har.read(write(tmp_path, doc)))
    assert first.outcome == "failure" and first.reason.startswith("redirected to /saml/login, which starts a new SAML login")
    assert (retry.outcome, retry.relay_state) == ("unknown", "z")


def test_a_later_login_started_elsewhere_is_not_a_loop(tmp_path):
    """The browser stayed on /projects; a new login the user starts at the init URL later is not
    the SP refusing the first one."""
    doc = gc.chrome_har(*PAIR)
    doc["log"]["entries"] += gc.attempt(PAIR[0], PAIR[1], "zzzz9999yyyy8888", 60, result="/projects")
    flows = build_flows(har.read(write(tmp_path, doc)))
    assert [f.outcome for f in flows] == ["success", "success"]


def _logout_request() -> bytes:
    return (b'<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
            b'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_lr1" Version="2.0" '
            b'IssueInstant="2025-03-11T09:00:00Z" Destination="https://idp.example.org/slo">'
            b'<saml:Issuer>sonarqube</saml:Issuer><saml:NameID>dev.user1@example.com</saml:NameID>'
            b'</samlp:LogoutRequest>')


def test_a_login_the_user_starts_later_at_the_page_the_acs_named_is_not_a_loop(tmp_path):
    """The ACS sent the browser to '/', which showed the app; half an hour later '/' (the session
    gone) started a new login: two successes (the first was 'a login loop')."""
    first = gc.attempt(PAIR[0], PAIR[1], "aaaa1111bbbb2222", 0, result="/")
    later = gc.attempt(PAIR[0], PAIR[1], "cccc3333dddd4444", 1800, result="/")
    later[0]["request"]["url"] = gc.SP + "/"
    flows = build_flows(har.read(write(tmp_path, gc.har(first + gc.noise(10, 3) + later))))
    assert [(f.outcome, f.reason) for f in flows] == [("success", "redirected to /")] * 2


@pytest.mark.parametrize("gap,query", [(60, "return_to=%2Fprojects"), (3, "return_to=%2Fother")])
def test_a_new_login_not_straight_after_the_redirects_is_not_a_loop(tmp_path, gap, query):
    """The SP's redirects ended at /sessions/init/saml?return_to=%2Fprojects: a new login a minute
    later, or at another URL (its query differs), is not where they led the browser. The first
    login is still the loop, by the SP's redirect back to its login start alone (kcflows: case 11's
    last round, whose capture ends there), not by that later login."""
    first = gc.attempt(PAIR[0], PAIR[1], "loop0000aaaa1111", 0, result="/projects")
    start = "/sessions/init/saml?return_to=%2Fprojects"
    first[-1]["response"].update(status=302, headers=[{"name": "Location", "value": start}], redirectURL=start)
    second = gc.attempt(PAIR[0], PAIR[1], "loop2222bbbb3333", gap, result="/projects")
    second[0]["request"]["url"] = gc.SP + "/sessions/init/saml?" + query
    first_flow, second_flow = build_flows(har.read(write(tmp_path, gc.har(first + second))))
    assert "which starts a new SAML login" not in first_flow.reason
    assert first_flow.reason == ("redirected to /projects, then to /sessions/init/saml, the SP's login start: "
                                 + LOGIN_LOOP)
    assert second_flow.outcome == "success"


def test_a_logout_is_not_a_new_login(tmp_path):
    """A LogoutRequest twenty minutes later is no loop (the login was 'a login loop'); one the SP's
    redirects lead to at once ended the login, which is not a loop either."""
    slo = "https://idp.example.org/slo?SAMLRequest=" + quote(gc.deflate_b64(_logout_request()), safe="")
    later = gc._entry(gc._t(1200), "GET", gc.SP + "/app/home?action=logout", 302,
                      resp_headers=[("Location", slo)], location=slo)
    doc = gc.har(gc.attempt(PAIR[0], PAIR[1], "aaaa1111bbbb2222", 0, result="/app/home") + [later])
    (flow,) = build_flows(har.read(write(tmp_path, doc)))
    assert (flow.outcome, flow.reason) == ("success", "redirected to /app/home")
    doc = _ending(gc.chrome_har(*PAIR), ("/app/home", 302, "/logout"), ("/logout", 302, slo))
    (flow,) = build_flows(har.read(write(tmp_path, doc)))
    assert (flow.outcome, flow.reason) == (
        "unknown", "redirected to /app/home, then to /logout, which sends a LogoutRequest: the SP ended the "
        "login at once, without a reason in the capture")
    doc = gc.chrome_har(*PAIR)
    acs = next(e for e in doc["log"]["entries"] if e["request"]["method"] == "POST")
    acs["response"].update(headers=[{"name": "Location", "value": slo}], redirectURL=slo)
    (flow,) = build_flows(har.read(write(tmp_path, doc)))
    assert (flow.outcome, flow.reason) == (
        "unknown", "the SP answered with a LogoutRequest to idp.example.org: the SP ended the login at once, "
        "without a reason in the capture")


# --- an IdP page posting from <textarea>s ---------------------------------------------------------

@pytest.mark.parametrize("name", ["firefox-textarea-page.har", "firefox-textarea-page-post-without-body.har"])
def test_a_page_posting_the_response_from_a_textarea_is_one_message(name):
    """A textarea's value is its text: it was read as '' (an empty second SAMLResponse and a flow
    'not posted to the SP'; with the POST's body missing, no response at all)."""
    cap, flows = read(name)
    (resp,) = responses(cap)
    assert (resp.source.ref, resp.binding, resp.relay_state) == ("entry 2", "post", "t3xt4r3a00112233")
    assert resp.value.strip() == base64.b64encode(PAIR[1]).decode()
    assert [(f.outcome, f.reason) for f in flows] == [("success", "redirected to /projects")]


def test_textarea_values_follow_html():
    """The newline after <textarea> is not in the value; entities are decoded; an empty field
    of a page carries no message."""
    page = ('<form action="/acs" method="post"><textarea name="SAMLResponse">\r\nPHNhbWw+</textarea>'
            '<textarea name="RelayState">a&amp;b</textarea></form>')
    (form,) = find_saml_forms(page, "https://idp.example.org/sso")
    assert form.fields == (("SAMLResponse", "PHNhbWw+"), ("RelayState", "a&b"))
    assert form.action == "https://idp.example.org/acs"
    found = har.capture._Found([], [], set(), set())
    har.body_messages('<form action="/debug"><textarea name="SAMLResponse"></textarea></form>',
                      "https://sp.example/debug", None, None, found)
    assert found.msgs == [] and found.resp_params == set()


# --- the cause of a login loop -------------------------------------------------------------------

def _attempts(path: str, **settings):
    from dataclasses import replace

    from samlscan import batch
    from samlscan.config import build
    from samlscan.correlate import correlate

    expect = replace(build({}, FIX / "config/default.toml"), **settings)
    return correlate(batch.run_scan([path], expect, jobs=1)).attempts


def test_a_loop_after_a_response_that_passes_is_the_sps_lost_session():
    """The response passes every check and the SP sends the browser straight back to log in: the
    SP did not keep the login (its session cookie), which the fix says (it was unknown-failure,
    with the generic 'read the SP's log' hint)."""
    loop, retry = _attempts(str(DATA / "session-loop.har"))
    assert (loop.outcome, loop.root_cause, loop.side) == ("failure", "login-loop", "sp")
    assert "session cookie" in loop.fix and "SameSite" in loop.fix
    assert retry.outcome == "success"


def test_a_loop_after_a_refused_response_is_put_down_to_the_response():
    """The SP restarts the login because it refused the response: the response's own finding is
    the cause (the loop is only how the refusal showed)."""
    loop, _ = _attempts(str(DATA / "session-loop.har"), sp_entity_id="https://other-sp.example.com")
    assert (loop.outcome, loop.root_cause) == ("failure", "audience-mismatch")


# --- a 307/308 from the ACS to another page --------------------------------------------------------

def _acs_307(answer: int, status: int = 307, bodiless: bool = False, cookie: bool = True, page: str = "/"):
    """The ACS takes the response and answers 307 to `page` (Starlette's RedirectResponse default,
    ASP.NET's RedirectPreserveMethod): the browser posts the body again there, which answers `answer`."""
    entries = gc.attempt(PAIR[0], PAIR[1], "st4rl3tt3aaaa000", 0, result=page)
    acs = entries[2]
    headers = [("Location", page)] + ([("Set-Cookie", "session=abc; Path=/; HttpOnly")] if cookie else [])
    acs["response"].update(status=status, headers=[{"name": n, "value": v} for n, v in headers], redirectURL=page)
    again = copy.deepcopy(acs)
    again["request"]["url"] = gc.SP + page
    again["startedDateTime"] = gc._t(2.9)
    again["response"] = {"status": answer, "statusText": "", "httpVersion": "HTTP/1.1", "headers": [],
                         "cookies": [], "content": {"size": 31, "mimeType": "application/json",
                                                    "text": '{"detail":"Method Not Allowed"}'},
                         "redirectURL": "", "headersSize": -1, "bodySize": -1}
    if bodiless:
        again["request"].pop("postData")
    return gc.har(entries[:3] + [again])


@pytest.mark.parametrize("bodiless", [False, True])
def test_an_acs_307_to_another_page_keeps_the_acs_post_as_the_send(tmp_path, bodiless):
    """The page's 405 was 'HTTP 405 from the ACS', with the response sent by the re-POST to '/':
    the ACS's POST is the send and the flow says what the 307 did."""
    cap = har.read(write(tmp_path, _acs_307(405, bodiless=bodiless)))
    (resp,) = responses(cap)
    assert (resp.source.ref, resp.url) == ("entry 2", gc.ACS)
    (flow,) = build_flows(cap)
    assert flow.outcome == "failure"
    assert flow.reason == ("the ACS took the response (it set session) and answered HTTP 307 to /, so the browser "
                           "posted the SAMLResponse there again, which answered HTTP 405 (the SP should answer "
                           "its ACS with 302 or 303: a 307 repeats the POST)")
    assert [ex.ref for ex in flow.exchanges][-2:] == ["entry 2", "entry 3"]


@pytest.mark.parametrize("answer,cookie,outcome", [(200, True, "success"), (200, False, "unknown"),
                                                   (308, True, "unknown")])
def test_what_the_page_answered_decides(tmp_path, answer, cookie, outcome):
    """A page that takes the POST shows the app when the ACS set a cookie; without one the capture
    does not say the login was kept; with no answer captured nothing is sure."""
    doc = _acs_307(answer, cookie=cookie)
    if answer == 308:
        del doc["log"]["entries"][-1]
        doc["log"]["entries"][-1]["response"]["status"] = 308
    (flow,) = build_flows(har.read(write(tmp_path, doc)))
    assert flow.outcome == outcome
    assert "so the browser posted the SAMLResponse there again" in flow.reason


def test_a_page_that_redirects_after_the_repost_is_read_on(tmp_path):
    doc = _acs_307(302)
    again = doc["log"]["entries"][-1]
    again["response"].update(headers=[{"name": "Location", "value": "/home"}], redirectURL="/home")
    doc["log"]["entries"].append(gc._entry(gc._t(3.0), "GET", gc.SP + "/home", 200))
    (flow,) = build_flows(har.read(write(tmp_path, doc)))
    assert (flow.outcome, flow.reason.rsplit(" (the SP should", 1)[0]) == (
        "success", "the ACS took the response (it set session) and answered HTTP 307 to /, so the browser posted "
        "the SAMLResponse there again, which redirected to /home")


def test_saml_tracer_reposts_to_another_page_too(tmp_path):
    export = gc.tracer_export(*PAIR)
    post = export["requests"][2]
    post.update(responseStatus=307, responseHeaders=[{"name": "Location", "value": gc.SP + "/"}])
    again = copy.deepcopy(post)
    again.update(url=gc.SP + "/", responseStatus=405, responseHeaders=[])
    export["requests"][3] = again
    cap = tracer.read(write(tmp_path, export, "t.json"))
    assert [m.source.ref for m in responses(cap)] == ["request 3"]
    (flow,) = build_flows(cap)
    assert flow.outcome == "failure" and "which answered HTTP 405" in flow.reason


def test_a_307_to_the_same_path_on_another_host_is_the_same_post(tmp_path):
    """A canonical host name (sonar.example.com -> www.sonar.example.com): the repeat is the send."""
    doc = json.loads((DATA / "chrome-hsts-307-internal-redirect.har").read_text())
    first, repeat = doc["log"]["entries"][4:6]
    first["request"]["url"] = gc.ACS
    repeat["request"]["url"] = gc.ACS.replace("://", "://www.")
    first["response"]["headers"] = [{"name": "Location", "value": repeat["request"]["url"]}]
    first["response"]["redirectURL"] = repeat["request"]["url"]
    cap = har.read(write(tmp_path, doc))
    assert [m.source.ref for m in responses(cap)] == ["entry 5"]


def test_the_page_refusing_the_reposted_response_is_the_cause(tmp_path):
    (attempt,) = _attempts(write(tmp_path, _acs_307(405)))
    assert (attempt.outcome, attempt.root_cause, attempt.side) == ("failure", "acs-repost", "sp")
    assert "303" in attempt.fix


# --- JSON bodies the parser cannot take ---------------------------------------------------------------

def test_a_deeply_nested_json_body_does_not_lose_the_capture(tmp_path):
    """An app's XHR with a JSON body nested past the parser's limit raised RecursionError and the
    whole HAR was an internal error; the body has no SAML value and the login is read."""
    doc = gc.chrome_har(*PAIR)
    deep = '{"a":' * 200_000 + "1" + "}" * 200_000
    xhr = gc._entry(gc._t(-0.5), "POST", gc.SP + "/api/telemetry", 204,
                    post={"mimeType": "application/json", "text": deep})
    doc["log"]["entries"].insert(0, xhr)
    cap = har.read(write(tmp_path, doc))
    assert [f.outcome for f in build_flows(cap)] == ["success"]
    assert har.json_fields(deep) == []


def test_a_deeply_nested_entry_is_one_unreadable_entry(tmp_path):
    doc = gc.chrome_har(*PAIR)
    doc["log"]["entries"][0]["_initiator"] = json.loads("[" * 500 + "]" * 500)
    text = json.dumps(doc).replace("[" * 500 + "]" * 500, "[" * 100_000 + "]" * 100_000)
    (tmp_path / "deep.har").write_text(text)
    cap = har.read(str(tmp_path / "deep.har"))
    assert [(p.source.ref, p.code) for p in cap.problems] == [("entry 0", "input-unreadable")]
    assert [f.outcome for f in build_flows(cap)] == ["success"]


def test_json_bodies_over_the_bound_are_not_parsed():
    value = "A" * (har.MAX_JSON_BODY + 1)
    assert har.json_fields(json.dumps({"SAMLResponse": value})) == []


def test_an_auth0_error_answered_with_deeply_nested_json_is_no_crash():
    from samlscan.flows import find_idp_error

    assert find_idp_error('{"a":' * 20_000, "https://tenant.auth0.com/login/callback", 400) is None


def test_a_loop_through_a_location_the_browser_re_encodes_is_still_a_loop(tmp_path):
    """The SP's Location leaves a space raw ('return_to=/projects/my project'); the browser asks
    for '...my%20project': the same URL, a loop (compared as raw text, it was 'unknown')."""
    doc = json.loads((DATA / "session-loop.har").read_text())
    entries = doc["log"]["entries"]
    raw = "/sessions/init/saml?return_to=/projects/my project"
    for h in entries[3]["response"]["headers"]:
        if h["name"].lower() == "location":
            h["value"] = raw
    entries[3]["response"]["redirectURL"] = raw
    entries[4]["request"]["url"] = "https://sonar.example.com/sessions/init/saml?return_to=/projects/my%20project"
    first, _ = build_flows(har.read(write(tmp_path, doc)))
    assert first.outcome == "failure" and "a login loop" in first.reason


def test_an_acs_answering_with_a_logout_response_is_no_login_loop(tmp_path):
    """A SAMLResponse in the ACS's Location is a LogoutResponse (an SP sends no other): it was 'a
    new SAML login request ... a login loop'."""
    logout = ('<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_lr1" '
              'Version="2.0" IssueInstant="2025-03-11T08:41:03Z" InResponseTo="_x"><samlp:Status>'
              '<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
              '</samlp:LogoutResponse>').encode()
    doc = gc.chrome_har(*PAIR)
    e = doc["log"]["entries"]
    i = next(k for k, x in enumerate(e) if x["request"]["method"] == "POST")
    del e[i + 1:]
    where = f"{gc.IDP}?SAMLResponse={quote(gc.deflate_b64(logout), safe='')}"
    e[i]["response"]["headers"] = [{"name": "Location", "value": where}]
    e[i]["response"]["redirectURL"] = where
    flows = build_flows(har.read(write(tmp_path, doc)))
    assert flows[0].outcome == "unknown" and "LogoutResponse" in flows[0].reason
    assert "login loop" not in flows[0].reason
