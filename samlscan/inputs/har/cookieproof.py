"""Whether a HAR without a single cookie was sanitized, or its pages set none: its writer and its flows."""
from __future__ import annotations

import re
from typing import Callable
from urllib.parse import urlsplit

from samlscan.flows import Exchange
from samlscan.inputs.base import InputProblem
from samlscan.model import Source


_CHROMIUM = re.compile(r"^WebInspector\b")
"""Chromium's DevTools (Chrome, Edge, Brave, Opera): devtools-frontend models/har/Log.ts names the
creator 'WebInspector' and, with BuildOptions.sanitize (Chrome 130+'s 'Export HAR (sanitized)', the
default button), empties request and response `cookies` and drops Cookie, Authorization and
Set-Cookie headers: nothing else in the file says it was sanitized."""

_KEEPS_COOKIES = re.compile(
    r"^(Firefox|WebKit Web Inspector|Charles|mitmproxy|Fiddler|Burp|HttpWatch|Playwright|chrome-har|Proxyman|HTTP Toolkit|Chrome net-export \(cookies kept\))",
    re.IGNORECASE)
"""Writers whose HAR export has no sanitized mode: whatever Set-Cookie the servers answered is in it.
Firefox's netmonitor HarBuilder writes every header and cookie; Safari's WebKit HARBuilder.js writes
response cookies (request Cookie headers are added below WebKit, so Safari never shows those);
Charles, mitmproxy's HAR export, Fiddler, Burp, HttpWatch, Playwright's recordHar (its 'minimal'
mode empties the cookies arrays but keeps the headers) and sitespeed.io's chrome-har record the
traffic as it went; so do HTTP Toolkit (httptoolkit-ui's export worker: creator 'HTTP Toolkit', 'requests +
responses with headers, bodies, timings, cookies'), a Chrome net-export logged with cookies
(inputs.netlog.COOKIE_MODES) and a Charles JSON or XML session (inputs.charles.CLIENT)."""


def cookies_missing(exchanges: tuple[Exchange, ...], client: str | None, path: str,
                    succeeded: Callable[[], bool]) -> InputProblem | None:
    """The finding for a HAR with SAML exchanges and no cookie at all (none sent, none set), or None:
    Chromium's export (or an unknown writer) left them out when sanitizing; a writer that keeps
    cookies did not, so its pages set none, unless a login of the capture succeeded (`succeeded`:
    the SP's session after the ACS POST is a cookie the SP set), which a tool then removed. (`succeeded`
    is asked only then: it builds the flows.)"""
    if not exchanges:
        return None
    lost = "OAUTHSTATE and AUTHENTICATION-ERROR cannot be checked"
    if client and _KEEPS_COOKIES.match(client):
        if not succeeded():
            return None  # (a 404 page, an IdP's error page: pages that set no cookie; nothing lost)
        return InputProblem(Source(path), "input-redacted", (
            f"no cookies in the capture, though a login in it succeeded and the SP's session after the "
            f"ACS POST is a cookie: {client}'s HAR export keeps cookies, so a tool removed them after it "
            f"was saved (a sanitizer): {lost}"))
    if client and _CHROMIUM.match(client):
        return InputProblem(Source(path), "input-redacted", (
            "no cookies in the capture (sanitized HAR: Chrome's 'Export HAR (sanitized)', the default since "
            f"Chrome 130, leaves them out): {lost}"))
    return InputProblem(Source(path), "input-redacted", f"no cookies in the capture (sanitized HAR): {lost}")


def sends_unrecorded(exchanges: tuple[Exchange, ...]) -> bool:
    """No request of the capture lists a cookie, though a response set one on a host that the browser
    then loaded a page of by a GET no redirect led to (the user's own navigation there, which sends
    even SameSite=Strict cookies, RFC 6265bis 5.2; a redirect after a cross-site step may withhold
    them): the writer did not record what requests sent, and a cookie not listed may have been sent.
    Safari's HARBuilder.js writes each request's `cookies` from the headers Web Inspector saw, and
    the Cookie header is added below it (CFNetwork): an empty array there says nothing; a tool that
    strips only Cookie headers likewise."""
    if any(ex.request_cookies for ex in exchanges):
        return False
    setters: set[str | None] = set()
    led: set[str] = set()  # where an earlier exchange redirected the browser
    for ex in exchanges:
        host = urlsplit(ex.url).hostname
        if ex.method == "GET" and host in setters and ex.url not in led:
            return True
        if ex.set_cookies:
            setters.add(host)
        if ex.location:
            led.add(ex.location)
    return False
