"""Capture gaps closed: Auth0's error page at the tenant's SAML URLs, Playwright HAR zips with
their bodies kept as side files, and Safari captures that cannot tell a lost OAUTHSTATE cookie."""
from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

FIX = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIX))
import gen_captures as gc  # noqa: E402

from samlscan.config import build  # noqa: E402
from samlscan.correlate import correlate  # noqa: E402
from samlscan.engine import analyze  # noqa: E402
from samlscan.flows import build_flows, find_idp_error  # noqa: E402
from samlscan.inputs import har  # noqa: E402

PAIR = gc._pick_pair(FIX)  # a signed valid Response and the AuthnRequest it answers
TENANT = "https://corp.eu.auth0.com"
CLIENT = "Xq3v9ZkT2mB7nR4wL8pD1sF6hJ0cA5eG"


def _attempts(*paths):
    expect = build({}, FIX / "config/default.toml")
    return correlate(analyze([str(p) for p in paths], expect, tz=ZoneInfo("UTC"))).attempts


# --- 1. Auth0's error page at /samlp/<client_id> and /login/callback ---------------------------

def auth0_page(detail: str, tracking: str = "4e2f9a81c0b3d7e61a2b") -> str:
    """Auth0's generic error page as a browser receives it (the heading and sentence of the page,
    the error line and the tracking ID; the markup around them is ours)."""
    return ("<!DOCTYPE html><html><head><title>Error</title><style>.error_box { margin: 0 }</style>"
            "<script>var page_config = {\"a_b\": 1};</script></head><body><div class=\"error_box\">"
            "<h2>Oops!, something went wrong</h2><p>There could be a misconfiguration in the system or a "
            "service outage. We track these errors automatically, but if the problem persists feel free to "
            f"contact us.</p><p class=\"details\">{detail}</p><p>TRACKING ID: <b>{tracking}</b></p>"
            "<p>Please try again.</p></div></body></html>")


def auth0_error_har(req: bytes, page: str, status: int = 400, sp_initiated: bool = True) -> dict:
    """SonarQube sends its AuthnRequest to Auth0's SAML addon (/samlp/<client_id>), which answers
    with its error page instead of a SAMLResponse."""
    url = f"{TENANT}/samlp/{CLIENT}?SAMLRequest={quote(gc.deflate_b64(req), safe='')}&RelayState=a0a1a2a3"
    init = gc._entry(gc._t(0), "GET", f"{gc.SP}/sessions/init/saml", 302, resp_headers=[
        ("Location", url), ("Set-Cookie", "OAUTHSTATE=a0a1a2a3; Path=/")], location=url)
    err = gc._entry(gc._t(0.4), "GET", url if sp_initiated else f"{TENANT}/samlp/{CLIENT}", status,
                    content={"size": len(page), "mimeType": "text/html; charset=utf-8", "text": page})
    return gc.har([init, err] if sp_initiated else [err])


def test_auth0_samlp_error_page_is_the_idps_error_page():
    url = f"{TENANT}/samlp/{CLIENT}?SAMLRequest=fZJN"
    page = auth0_page("invalid_request: No attribute was found to generate the nameIdentifier. "
                      "We tried with: [&quot;http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier&quot;]")
    err = find_idp_error(page, url, 400)
    assert (err.product, err.code, err.request_id) == ("auth0", "invalid_request", "4e2f9a81c0b3d7e61a2b")
    assert err.message.startswith("invalid_request: No attribute was found to generate the nameIdentifier")
    assert err.said == err.message  # the code is not said twice
    # a custom domain, and Auth0 the SP of an upstream IdP: the same page at /login/callback
    assert find_idp_error(page, "https://login.corp.example/login/callback?connection=adfs", 400).product == "auth0"
    # the page's text is what tells it: the login form or an auto-post page at the same URL is not
    assert find_idp_error(gc.idp_page("UEhOaGJXeA==", "a0"), url, 200) is None
    assert find_idp_error("<html><form id=login></form></html>", url, 200) is None
    assert find_idp_error(page, f"{TENANT}/u/login?state=x", 400) is None  # not a SAML URL
    # the JSON answers quoted by Auth0's 'Troubleshoot SAML errors' page
    err = find_idp_error('{"error":"invalid_request","error_description":"the connection was disabled"}',
                         f"{TENANT}/login/callback?connection=corp", 400)
    assert (err.code, err.message) == ("invalid_request", "invalid_request: the connection was disabled")
    assert find_idp_error('{"error":"x_y"}', "https://api.example.com/login/callback", 400) is None
    # Universal Login's page: a TECHNICAL DETAILS block, or a 'See details' link with the parameters
    err = find_idp_error("<h1>Oops! Something went wrong</h1><p>TECHNICAL DETAILS: invalid_request. You may "
                         "have pressed the back button</p>", url, 400)
    assert err.code == "invalid_request"
    err = find_idp_error('<h1>Oops! Something went wrong</h1><a href="https://corp.eu.auth0.com/error?client_id=x'
                         '&amp;error=access_denied&amp;error_description=user%20is%20blocked&amp;tracking=9f3e2a1b">'
                         'See details for this error</a>', url, 400)
    assert (err.code, err.message, err.request_id) == ("access_denied", "access_denied: user is blocked", "9f3e2a1b")
    bare = find_idp_error("<h1>Oops!, something went wrong</h1>", url, 500)
    assert (bare.product, bare.code, bare.said) == ("auth0", None, "auth0: IdP error page")


def test_any_sps_oops_page_at_login_callback_is_not_auth0s():
    """/login/callback is also any SP's ACS (passport-saml's example): its own error page with the
    common heading is the SP's answer, not Auth0's (a review found it taken for Auth0's page)."""
    page = ("<html><body><h1>Oops! Something went wrong.</h1>"
            "<p>invalid_signature: the SAML response signature is invalid</p></body></html>")
    assert find_idp_error(page, "https://wiki.example.com/login/callback", 500) is None
    # beside something of Auth0 (its host, its sentence, a tracking ID) it is Auth0's
    assert find_idp_error(page, f"{TENANT}/login/callback", 500).product == "auth0"
    assert find_idp_error(page + "<p>TRACKING ID: 4e2f9a81c0b3d7e61a2b</p>",
                          "https://login.corp.example/login/callback", 500).product == "auth0"
    # 'tracking' before a word is no tracking ID (a cookie banner, an order-tracking link)
    for other in ("<p>We use tracking cookies</p>", '<a href="/orders">Order Tracking</a>'):
        assert find_idp_error(page + other, "https://app.example.com/login/callback", 500) is None


@pytest.mark.parametrize("detail,code", [
    ("invalid_request: No attribute was found to generate the nameIdentifier. We tried with: []",
     "idp-configuration-error"),  # the catalog's entry for Auth0's own text
    ("invalid_request: Callback URL mismatch. https://sonar.example.com/oauth2/callback/saml is not in "
     "the list of allowed callback URLs", "reply-url-mismatch"),
    ("invalid_request: the connection was disabled", "idp-configuration-error"),  # Auth0's troubleshooting page
    ("invalid_request: the tenant is on fire", "unknown-failure"),  # no catalog entry: said as is
    ("Callback URL mismatch. http://sonar.example.com/oauth2/callback/saml is not in the list of allowed "
     "callback URLs", "reply-url-mismatch"),  # the description alone, under the page's heading
])
def test_auth0_error_page_in_a_har_is_the_attempts_cause(tmp_path, detail, code):
    """The login has a cause from the page (it had none: 'no SAML response in the capture'), the
    IdP's side, Auth0's words; an unknown text stays the IdP's error page, said as the page says it."""
    path = tmp_path / "auth0.har"
    path.write_text(json.dumps(auth0_error_har(PAIR[0], auth0_page(detail))))
    (flow,) = build_flows(har.read(str(path)))
    assert (flow.outcome, flow.idp_error.product) == ("failure", "auth0")
    assert flow.reason in (detail, "auth0: " + detail)
    (att,) = _attempts(path)
    assert (att.outcome, att.root_cause, att.idp) == ("failure", code, "auth0")
    assert att.side == (None if code == "unknown-failure" else "idp")
    assert any(n.endswith(f"[entry 1]: {flow.reason}") for n in att.notes)
    idp_initiated = tmp_path / "idp.har"  # the page alone (no AuthnRequest in the capture)
    idp_initiated.write_text(json.dumps(auth0_error_har(PAIR[0], auth0_page(detail), sp_initiated=False)))
    (flow,) = build_flows(har.read(str(idp_initiated)))
    assert (flow.outcome, flow.reason.endswith(detail)) == ("failure", True)


def test_auth0_broker_refusing_the_upstream_response_at_login_callback(tmp_path):
    """Auth0 the SP of an upstream IdP: the response POSTed to /login/callback is refused on Auth0's
    page; the flow's reason is Auth0's (it was 'HTTP 400 from the ACS')."""
    doc = gc.chrome_har(*PAIR)
    post = next(e for e in doc["log"]["entries"] if e["request"]["method"] == "POST")
    post["request"]["url"] = f"{TENANT}/login/callback?connection=upstream"
    page = auth0_page("invalid_request: the connection was disabled")
    post["response"].update(status=400, content={"size": len(page), "mimeType": "text/html", "text": page},
                            headers=[], redirectURL="")
    path = tmp_path / "broker.har"
    path.write_text(json.dumps(doc))
    flows = build_flows(har.read(str(path)))
    (flow,) = [f for f in flows if f.response is not None]
    assert (flow.outcome, flow.reason) == ("failure", "invalid_request: the connection was disabled")
    assert flow.idp_error.product == "auth0"


# --- 2. a Playwright HAR saved as a .zip: bodies kept as side files inside it ------------------

def playwright_zip(path: Path, doc: dict, extra: dict | None = None) -> dict:
    """What recordHar({path: 'x.zip'}) writes (harRecorder.ts: content 'attach' by default; every
    body a '<sha1>.<ext>' member added as it is seen, 'har.har' last; harTracer: `_file` in
    response.content and request.postData, text not embedded, params only for urlencoded bodies).
    The login's POST is sent as multipart/form-data, so its value is in the side file alone."""
    import hashlib
    import zipfile

    doc = copy.deepcopy(doc)
    blobs: dict[str, bytes] = {}

    def attach(obj: dict, data: bytes, ext: str) -> None:
        name = f"{hashlib.sha1(data).hexdigest()}.{ext}"
        blobs[name] = data
        obj["_file"] = name

    for e in doc["log"]["entries"]:
        content, post = e["response"]["content"], e["request"].get("postData")
        if content.get("text"):
            text = content.pop("text")
            attach(content, text.encode(), "html" if "html" in content["mimeType"] else "js")
        if post:
            fields = [p.split("=", 1) for p in post["text"].split("&")]
            boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
            body = "".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{n}\"\r\n\r\n"
                           f"{har.unquote_plus(v)}\r\n" for n, v in fields) + f"--{boundary}--\r\n"
            e["request"]["postData"] = {"mimeType": f"multipart/form-data; boundary={boundary}",
                                        "text": "", "params": []}
            attach(e["request"]["postData"], body.encode(), "dat")
    blobs.update(extra or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in blobs.items():
            zf.writestr(name, data)
        zf.writestr("har.har", json.dumps(doc, indent=2))
    return blobs


def test_playwright_har_zip_reads_its_side_files(tmp_path):
    """The IdP's auto-post page and the POST's body, kept as side files, are read with the HAR
    (the POST's value was lost: 'the request body is not in the capture'), and the side files are
    not inputs of their own (the page was read again as a paste, the scripts were 'not SAML')."""
    from samlscan import batch
    from samlscan.config import Expectations

    z = tmp_path / "login.zip"
    blobs = playwright_zip(z, gc.chrome_har(*PAIR), {"notes.txt": b"not a body of the capture"})
    report = batch.run_scan([str(z)], Expectations(), jobs=1)
    by = {i.path: i for i in report.inputs}
    assert by[f"{z}!har.har"].status == "scanned" and by[f"{z}!har.har"].messages == 2
    for name in blobs:
        if name != "notes.txt":
            assert by[f"{z}!{name}"].status == "skipped"
            assert by[f"{z}!{name}"].reason.startswith(f"a side file of {z}!har.har")
    # a member the HAR does not name is read as before: as a note of words (fuzz46), not as a side file
    assert not (by[f"{z}!notes.txt"].reason or "").startswith("a side file")
    said = [(f.source.input, f.code) for f in report.input_findings if f.source and f.source.input != f"{z}!notes.txt"]
    assert not said
    msgs = [m for m in report.messages if m.message.source.input == f"{z}!har.har"]
    assert sorted(m.message.kind for m in msgs) == ["AuthnRequest", "Response"]
    assert [m.message.source.ref for m in msgs if m.message.kind == "Response"] == ["entry 4"]  # the POST's own


def test_side_file_reads_are_bounded_and_stay_in_the_zip(tmp_path, monkeypatch):
    """A side file over MAX_STRING is not read; a name leaving the HAR's folder is not looked up;
    what side files inflate to counts against the archive's budget."""
    import zipfile

    from samlscan import archives

    z = tmp_path / "x.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("cap/page.html", b"<html>" + b" " * 100 + b"</html>")
        zf.writestr("cap/big.html", b" " * (har.MAX_STRING + 1))
        zf.writestr("outside.html", b"<html></html>")
    with zipfile.ZipFile(z) as zf:
        left = [10_000]
        side = archives.ZipSideFiles(zf, "cap/c.har", left)
        assert side.read("page.html").startswith(b"<html>") and left == [10_000 - 113]
        assert side.read("big.html") is None and side.read("missing.html") is None
        left[0] = har.MAX_STRING + 10
        assert side.read("big.html") is None and left[0] == 9  # over MAX_STRING: not read
        left[0] = 10_000
        har.ARCHIVED["/tmp/c.har"] = side
        try:
            assert har.bodies._side_bytes("../outside.html", "/tmp/c.har") is None
            assert har.bodies._side_bytes("page.html", "/tmp/c.har").endswith(b"</html>")
        finally:
            del har.ARCHIVED["/tmp/c.har"]
        left[0] = 0
        assert side.read("page.html") is None  # the archive's budget is spent


def test_a_json_error_body_kept_as_a_side_file_is_read(tmp_path):
    """Auth0 answering the POST with its JSON error, the body kept as a side file of a Playwright
    zip: read as it is from a plain HAR (only HTML side files were read: 'skipped, read with it'
    but never read), and the catalog's own fix for that error is the attempt's."""
    doc = gc.chrome_har(*PAIR)
    post = next(e for e in doc["log"]["entries"] if e["request"]["method"] == "POST")
    post["request"]["url"] = f"{TENANT}/login/callback?connection=upstream"
    body = '{"error":"invalid_request","error_description":"the connection was disabled"}'
    post["response"].update(status=400, content={"size": len(body), "mimeType": "application/json", "text": body},
                            headers=[], redirectURL="")
    plain = tmp_path / "plain.har"
    plain.write_text(json.dumps(doc))
    z = tmp_path / "pw.zip"
    playwright_zip(z, doc)
    from samlscan import batch

    expect = build({}, FIX / "config/default.toml")
    for path in (plain, z):
        (a,) = correlate(batch.run_scan([str(path)], expect, jobs=1)).attempts
        assert (a.outcome, a.root_cause, a.side) == ("failure", "idp-configuration-error", "idp"), path
        assert "enable the application" in a.fix


def test_side_files_draw_on_what_the_har_left_of_the_budget(tmp_path, monkeypatch):
    """The HAR's own inflated bytes count before its side files are read (they were taken from the
    budget only after the HAR was analyzed: HAR + side files reached twice the budget)."""
    import zipfile

    from samlscan import archives, batch
    from samlscan.config import Expectations

    monkeypatch.setattr(archives, "ARCHIVE_MIN", 1 << 20)
    monkeypatch.setattr(archives, "INFLATE_MIN", 1 << 20)
    got = []
    read = archives.ZipSideFiles.read
    monkeypatch.setattr(archives.ZipSideFiles, "read", lambda self, name: got.append(read(self, name)) or got[-1])
    entries, blobs = [], {}
    for i in range(6):  # six 170 KB pages kept as side files, beside a 0.9 MB HAR: 1.9 MB in all
        data = (f"<html><body>{i}" + "x" * 170_000 + "</body></html>").encode()
        name = f"{i:040x}.html"
        blobs[name] = data
        entries.append({"startedDateTime": "2025-03-11T08:40:00.000Z", "time": 1,
                        "request": {"method": "GET", "url": f"https://idp.example.org/sso{i}", "headers": [],
                                    "queryString": [], "cookies": [], "httpVersion": "HTTP/1.1"},
                        "response": {"status": 200, "headers": [], "cookies": [], "redirectURL": "",
                                     "content": {"size": len(data), "mimeType": "text/html", "_file": name}}})
    doc = {"log": {"version": "1.2", "creator": {"name": "Playwright", "version": "1.44"}, "entries": entries,
                   "comment": "p" * 900_000}}
    z = tmp_path / "budget.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, d in blobs.items():
            zf.writestr(n, d)
        zf.writestr("har.har", json.dumps(doc))
    budget = archives.inflate_budget(z.stat().st_size)
    batch.run_scan([str(z)], Expectations(), jobs=1)
    assert got  # the side files were asked for
    assert len(json.dumps(doc)) + sum(len(d) for d in got if d) <= budget


def test_a_tracking_id_after_a_cookie_banner_is_found():
    page = ("<html><body><footer>We use tracking technologies</footer><h1>Oops! Something went wrong</h1>"
            "<p>invalid_request: the connection was disabled</p><p>TRACKING ID: 3f9a1c2b7d8e4f60a1b2</p></body></html>")
    err = find_idp_error(page, "https://login.corp.example/login/callback", 400)
    assert err is not None and (err.product, err.request_id) == ("auth0", "3f9a1c2b7d8e4f60a1b2")
