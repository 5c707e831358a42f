"""Where a request goes next: 307/308 repeats of a POST, re-POSTs to another page, URL comparison."""
from __future__ import annotations

from urllib.parse import unquote, urlsplit

from samlscan.checks.protocol import host_port
from samlscan.flows.exchange import Exchange


REPLAY_STATUSES = (307, 308)
"""Redirects after which the browser repeats the request with its method and body (RFC 9110
15.4.8/15.4.9): an SP sending http to https, a trailing slash added, and Chrome's own '307 Internal
Redirect' for an HSTS host, which DevTools lists as an entry with the POST's body
(Non-Authoritative-Reason: HSTS)."""


def same_endpoint(url: str, location: str) -> bool:
    """A 307/308's Location is the endpoint the POST went to: its path, a trailing slash aside (the
    scheme or host may change: Chrome's HSTS upgrade, a canonical host name). The browser's repeat
    is then the same POST sent again; to another path it is the SP sending the POST on to a page."""
    return endpoint(url) == endpoint(location)


def endpoint(url: str) -> str:
    """What same_endpoint compares: the path, a trailing slash aside (a key for sets of endpoints)."""
    return urlsplit(url).path.rstrip("/")


def sends_on(method: str, status: int, location: str | None) -> bool:
    """A POST answered by a 307/308 with a Location: the browser sends its body again there."""
    return method == "POST" and status in REPLAY_STATUSES and bool(location)


def reposted_to(method: str, url: str, status: int, location: str | None) -> str | None:
    """The page a 307/308 from another endpoint sends the POST on to (an SP's ACS answering 307:
    Starlette's RedirectResponse default, ASP.NET's RedirectPreserveMethod): the browser posts the
    body there by itself, which is no new send of its SAML value; None otherwise."""
    return location if sends_on(method, status, location) and not same_endpoint(url, location) else None


def _reposts(before: Exchange, ex: Exchange) -> bool:
    """`ex` is the browser's own POST of `before`'s body to the page its 307/308 named."""
    page = reposted_to(before.method, before.url, before.status, before.location)
    return page is not None and ex.method == "POST" and same_url(ex.url, page)


def same_url(a: str, b: str) -> bool:
    """The same URL as a browser asks for it: scheme and host in any case, a scheme's default port
    and a fragment aside, an empty path '/', path and query percent-decoded (a browser encodes
    what a Location left raw: a space in return_to)."""
    def key(url: str) -> tuple:
        u = urlsplit(url)
        return u.scheme.lower(), host_port(u), unquote(u.path) or "/", unquote(u.query)
    return key(a) == key(b)


def _elsewhere(a: str, b: str) -> bool:
    """Another host or path (a query, a trailing slash and a scheme's default port aside: the
    browser drops ':443' that a Destination may spell out)."""
    def place(url: str) -> tuple:
        u = urlsplit(url)
        return host_port(u), u.path.rstrip("/")
    return place(a) != place(b)

