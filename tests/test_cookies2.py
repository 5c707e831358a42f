"""Cookies in captures, read precisely: a deletion sets nothing and is refused by no browser, a
loop names the SP's session cookies a browser refused (SameSite=None without Secure, or Secure from
an http:// URL), worded by the browser that wrote the capture (a HAR's log.creator)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from case_util import ROOT
from samlscan.flows import build_flows, deletes, refusal, set_names
from samlscan.inputs import har

SONAR = ROOT / "tests" / "data" / "case11" / "chrome-sonar.har"
AT = datetime(2025, 11, 18, 9, 0, 18, tzinfo=timezone.utc)


@pytest.mark.parametrize("header,gone", [
    ("OAUTHSTATE=; Max-Age=0; Path=/", True),
    ("JSESSIONID=; Path=/; Expires=Thu, 01-Jan-1970 00:00:10 GMT; SameSite=None", True),
    ("a=1; Max-Age=-1", True),
    ("a=1; Max-Age=3600; Expires=Thu, 01 Jan 1970 00:00:00 GMT", False),  # Max-Age wins (RFC 6265 5.3)
    ("a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT", True),  # before the response
    ("a=1; Expires=Wed, 21 Oct 2037 07:28:00 GMT", False),
    ("a=1; Path=/", False),
    ("a=1; Expires=Thu, 01-Jan-69 00:00:00 GMT", False),  # two digits: 2069 (RFC 6265 5.1.1), not 1969
    ("a=1; Expires=Wed, 01-Jan-70 00:00:00 GMT", True),  # 70-99: 19xx
    ("a=1; Expires=Wed, 01 Jan 1969 00:00:00 GMT", True),
])
def test_a_deletion_is_known(header, gone):
    assert deletes(header, AT) is gone


def test_a_deletion_is_no_refused_cookie_and_sets_nothing():
    """An SP clearing a cookie with SameSite=None and no Secure: no browser refusal matters."""
    clear = "JSESSIONID=; Max-Age=0; Path=/; SameSite=None"
    assert refusal(clear, "https://sp.example.com/acs", AT) is None
    assert set_names([clear, "JWT-SESSION=x; Path=/"], AT) == ("JWT-SESSION",)


@pytest.mark.parametrize("header,url,why", [
    ("JWT-SESSION=x; Path=/; Secure; HttpOnly", "http://sonar.example.com/oauth2/callback/saml", "secure-on-http"),
    ("JWT-SESSION=x; Path=/; Secure; SameSite=None", "http://sonar.example.com/acs", "secure-on-http"),
    ("JWT-SESSION=x; Path=/; Secure", "https://sonar.example.com/acs", None),
    ("JWT-SESSION=x; Path=/; Secure", "http://localhost:9000/acs", None),
    ("JWT-SESSION=x; Path=/; SameSite=None", "https://sonar.example.com/acs", "samesite-none"),
])
def test_each_refusal_is_named_once_by_its_reason(header, url, why):
    found = refusal(header, url, AT)
    assert (found[1] if found else None) == why


def _derived(tmp_path, change) -> list:
    """The flows of the real case-11 capture with `change(doc)` applied to a copy of it."""
    doc = json.loads(SONAR.read_text(encoding="utf-8"))
    change(doc)
    path = tmp_path / "derived.har"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return list(build_flows(har.read(str(path))))


def _set_cookie(entry: dict, values: list[str]) -> None:
    headers = [h for h in entry["response"]["headers"] if h["name"].lower() != "set-cookie"]
    entry["response"]["headers"] = headers + [{"name": "Set-Cookie", "value": v} for v in values]


def test_the_loop_names_the_session_cookies_not_every_refused_one(tmp_path):
    """Entry 22 also set an unrelated 'lang' cookie with SameSite=None: the loop named it beside
    JWT-SESSION and XSRF-TOKEN, as if it mattered."""
    def change(doc):
        entry = doc["log"]["entries"][22]
        values = [h["value"] for h in entry["response"]["headers"] if h["name"].lower() == "set-cookie"]
        _set_cookie(entry, values + ["lang=en; Path=/; SameSite=None"])
    (flow,) = [f for f in _derived(tmp_path, change) if any(ex.entry == 22 for ex in f.exchanges)]
    assert "entry 22 set JWT-SESSION, XSRF-TOKEN with SameSite=None but without Secure" in flow.reason
    assert "lang" not in flow.reason


def test_a_secure_cookie_set_over_http_is_named_in_the_loop(tmp_path):
    """The SP behind a proxy on http:// marking its cookies Secure: the browser refuses them and
    every login loops; the loop said nothing of the cookies."""
    def change(doc):
        for entry in doc["log"]["entries"]:
            entry["request"]["url"] = entry["request"]["url"].replace("https://sonar.", "http://sonar.")
            for h in entry["response"]["headers"]:
                if h["name"].lower() == "location":
                    h["value"] = h["value"].replace("https://sonar.", "http://sonar.")
        _set_cookie(doc["log"]["entries"][22], ["JWT-SESSION=eb67; Path=/; HttpOnly; Secure; SameSite=Lax",
                                                "XSRF-TOKEN=eb67; Path=/; Secure; SameSite=Lax"])
    (flow,) = [f for f in _derived(tmp_path, change) if any(ex.entry == 22 for ex in f.exchanges)]
    assert flow.outcome == "failure"
    assert flow.reason.count("entry 22 set JWT-SESSION, XSRF-TOKEN with Secure on an http:// URL") == 1
    assert "SameSite=None" not in flow.reason


def test_a_session_cookie_deleted_at_the_acs_is_no_kept_login(tmp_path):
    """The ACS answered the POST with a page and only cleared JSESSIONID: its deletion counted as
    a session cookie set, and the flow said 'success: the SP kept the login'."""
    def change(doc):
        entry = doc["log"]["entries"][2]
        entry["response"]["status"] = 200
        entry["response"]["headers"] = [h for h in entry["response"]["headers"] if h["name"].lower() != "location"]
        entry["response"]["redirectURL"] = ""
        entry["response"]["content"] = {"mimeType": "text/html", "text": "<html><title>Home</title><p>hi</p></html>"}
        _set_cookie(entry, ["JSESSIONID=; Path=/; Expires=Thu, 01-Jan-1970 00:00:10 GMT"])
    (flow,) = [f for f in _derived(tmp_path, change) if any(ex.entry == 2 for ex in f.exchanges)]
    acs = next(ex for ex in flow.exchanges if ex.entry == 2)
    assert acs.set_cookies == ()
    assert flow.outcome == "unknown" and "without setting a session cookie" in flow.reason


def test_a_har_cookies_array_deletion_sets_nothing(tmp_path):
    """A HAR whose response lists its cookies only in the cookies array (no Set-Cookie header):
    one whose expires is before the response is a deletion."""
    def change(doc):
        entry = doc["log"]["entries"][2]
        _set_cookie(entry, [])
        entry["response"]["cookies"] = [{"name": "JWT-SESSION", "value": "", "expires": "1970-01-01T00:00:00.000Z"},
                                        {"name": "XSRF-TOKEN", "value": "x"}]
    flows = _derived(tmp_path, change)
    acs = next(ex for f in flows for ex in f.exchanges if ex.entry == 2)
    assert acs.set_cookies == ("XSRF-TOKEN",)


@pytest.mark.parametrize("creator,says,not_says", [
    ({"name": "WebInspector", "version": "537.36"}, "Chromium-based browsers refuse since Chrome 80", "Firefox"),
    ({"name": "Firefox", "version": "128.0"}, "Firefox 128 still accepts", "Firefox refuses"),
    ({"name": "Firefox", "version": "131.0"}, "Firefox refuses since version 131", "Chrome"),
    ({"name": "WebKit Web Inspector", "version": "20621.2.5.11.8"}, "Safari is not known to refuse", "which browsers"),
])
def test_the_refusal_is_worded_by_the_browser_that_wrote_the_capture(tmp_path, creator, says, not_says):
    """The loop said 'which browsers refuse' whatever the browser: Firefox refuses such a cookie only
    from version 131 (network.cookie.sameSite.noneRequiresSecure on by default, Mozilla bug 1909673),
    and WebKit has not adopted the rule."""
    def change(doc):
        doc["log"]["creator"] = creator
    (flow,) = [f for f in _derived(tmp_path, change) if any(ex.entry == 22 for ex in f.exchanges)]
    assert says in flow.reason and not_says not in flow.reason
