"""The servers' Date samples of a capture and its times put on the servers' clock (serverclock)."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from samlscan.inputs.base import InputProblem
from samlscan.inputs.har.capture import Capture
from samlscan.inputs.har.headers import _items, _headers, _set_cookies, _status
from samlscan.inputs.har.values import parse_time
from samlscan.inputs.serverclock import (NODE_HEADERS, DateSample, describe, http_date, reading, server,
                                         sticky_node)
from samlscan.model import Source, usable_time


def date_sample(entry: dict, index: int = -1, rh: list | None = None, qh: list | None = None,
                at: datetime | None = None) -> DateSample | None:
    """The response's Date header against the browser's start of its request (serverclock), for a
    response its server wrote then: not one a cache may have served with its old Date (Chrome's
    _fromCache; a cache's or service worker's copy, _kept_copy; an Age header; one a cache may
    store, _storable). `rh`, `qh`, `at`: the response's and request's headers and the start time,
    where read_entry has them already."""
    resp, req = entry.get("response"), entry.get("request")
    if not isinstance(resp, dict) or not isinstance(req, dict) or "_fromCache" in entry or _kept_copy(entry, resp):
        return None
    rh = _headers(resp) if rh is None else rh
    headers = {}
    for name, value in rh:
        headers.setdefault(name.lower(), value)
    if headers.get("age", "").strip() not in ("", "0") or _storable(str(req.get("method") or ""), resp, headers):
        return None
    server = http_date(headers.get("date"))
    sent = at if at is not None else parse_time(entry.get("startedDateTime"))
    if server is None or sent is None:
        return None
    try:
        host = urlsplit(str(req.get("url") or "")).hostname
    except ValueError:
        return None
    before, took = _server_window(entry)
    node = next((headers[h].strip()[:80] for h in NODE_HEADERS if headers.get(h, "").strip()), "") or \
        sticky_node(_sticky_cookies(req, rh, _headers(req) if qh is None else qh))
    return DateSample(host, sent + timedelta(seconds=before), took, server, node, index) if host else None


_BEFORE = ("blocked", "dns", "connect")
"""HAR 1.2 timings spent before the request is sent ('ssl' is counted in 'connect'): queued in the
browser, or held at a proxy's breakpoint (Fiddler: httpraw.saz_timings)."""


def _server_window(entry: dict) -> tuple[float, float]:
    """(seconds from startedDateTime until the request was sent, seconds in which the server wrote
    its answer's Date from then): from the entry's timings (HAR 1.2: -1 for none) where they add up,
    else (0, its whole time)."""
    took = entry.get("time")
    took = took / 1000 if isinstance(took, (int, float)) and 0 <= took < 1e9 else 0.0
    timings = entry.get("timings")
    if not isinstance(timings, dict):
        return 0.0, took
    parts = [timings.get(k, -1) for k in _BEFORE + ("send", "wait")]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and -1 <= v < 1e9 for v in parts):
        return 0.0, took
    before, during = (sum(max(v, 0) for v in parts[:3]) / 1000, sum(max(v, 0) for v in parts[3:]) / 1000)
    return (before, during) if before + during <= took + 0.001 else (0.0, took)


_KEPT_FETCHES = ("Memory Cache", "Disk Cache", "Service Worker")
"""Safari's `_fetchType` of an answer no server wrote then (WebKit HARBuilder.fetchType)."""


def _kept_copy(entry: dict, resp: dict) -> bool:
    """A response the browser did not have from its server at that moment: Safari's cached or service
    worker answers (_fetchType), Chrome's answers from a service worker (response._fetchedViaServiceWorker)
    unless it fetched them from the network (_serviceWorkerResponseSource 'network': devtools-frontend
    HARWriter). A worker's Cache Storage keeps whatever it put there, with its Date, whatever the
    response's Cache-Control says."""
    if entry.get("_fetchType") in _KEPT_FETCHES:
        return True
    return resp.get("_fetchedViaServiceWorker") is True and resp.get("_serviceWorkerResponseSource") != "network"


def _sticky_cookies(req: dict, rh: list, qh: list) -> list[tuple[str, str]]:
    """The cookies a load balancer may keep its node in: those the response set (the node that
    answered; `rh` its headers), then those the request sent (the node it was routed to; `qh`)."""
    pieces = [c.split(";", 1)[0] for c in _set_cookies(rh)]
    pieces += [p for n, v in qh if n.lower() == "cookie" for p in v.split(";")]
    out = [(p.split("=", 1)[0].strip(), p.split("=", 1)[1]) for p in pieces if "=" in p]
    return out + [(str(c.get("name")), str(c.get("value") or "")) for c in _items(req, "cookies") if isinstance(c, dict)]


_UNCACHED = re.compile(r"no-store|no-cache|max-age\s*=\s*0\b", re.IGNORECASE)


def _storable(method: str, resp: dict, headers: dict[str, str]) -> bool:
    """Whether a browser or proxy cache may have served this response (and its Date) from an earlier
    request (RFC 9111 3, 4.2): one with explicit freshness (Cache-Control max-age, Expires), a
    permanent redirect (_KEPT_FOREVER) or a Last-Modified for heuristic freshness, unless
    Cache-Control forbids reuse without revalidation;
    never a POST's answer or a 302/303/307 without freshness of its own."""
    control = headers.get("cache-control", "")
    if _UNCACHED.search(control) or method.upper() == "POST":
        return False
    fresh = "max-age" in control.lower() or "s-maxage" in control.lower() or "expires" in headers
    status = _status(resp.get("status"))
    return fresh or status in _KEPT_FOREVER or ("last-modified" in headers and status not in (302, 303, 307))


_KEPT_FOREVER = (300, 301, 308, 410)
"""Statuses browsers cache without any freshness of their own, for good (Chromium's
HttpResponseHeaders::GetFreshnessLifetimes, Firefox's nsHttpResponseHead::ComputeFreshnessLifetime):
an http -> https 301 replayed from the cache days later carries the Date of the day it was fetched."""


def on_server_time(cap: Capture, dates: list[DateSample], path: str) -> Capture:
    """`cap` with its times on the servers' clock when the browser's was off (serverclock.reading),
    and a finding that says so, or that one of the login's servers disagrees with the others."""
    r = reading(dates)
    if r is None:
        return cap
    # the server of each exchange: its host, or the node behind it that a header named
    where = {s.entry: server(s) for s in dates if s.entry >= 0} | dict(r.where)
    at = {ex.entry: where.get(ex.entry, urlsplit(ex.url).hostname) for ex in cap.exchanges}
    named = set(at.values())
    r = replace(r, off_hosts=tuple((h, off) for h, off in r.off_hosts if h in named))
    problems = []
    if r.browser is not None:
        problems.append(InputProblem(Source(path), "browser-clock-off", describe(replace(r, off_hosts=()))))
        cap = replace(cap, messages=tuple(replace(m, captured_at=_on_clock(m.captured_at, r.browser))
                                          if m.captured_at else m for m in cap.messages),
                      exchanges=tuple(replace(ex, time=_on_clock(ex.time, r.browser)) if ex.time else ex
                                      for ex in cap.exchanges))
    if r.off_hosts:
        problems.append(InputProblem(Source(path), "server-clock-off", describe(replace(r, browser=None))))
        off = dict(r.off_hosts)
        own = dict(r.offsets)  # (several servers behind one host share its name: each its own offset)
        cap = replace(cap, exchanges=tuple(replace(ex, clock_off=own.get(ex.entry, off[at[ex.entry]]),
                                                   server=at[ex.entry])
                                           if at[ex.entry] in off else ex for ex in cap.exchanges))
    return replace(cap, problems=cap.problems + tuple(problems)) if problems else cap


def _on_clock(t: datetime, browser: timedelta) -> datetime | None:
    """A browser's time `t` on the servers' clock; None where that leaves model.USABLE_TIMES (an
    entry whose own time is centuries from those whose Dates set the offset: no real capture)."""
    try:
        return usable_time(t - browser)
    except OverflowError:
        return None
