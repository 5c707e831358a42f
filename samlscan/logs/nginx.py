"""nginx's error.log (nginx or ingress-nginx in front of SonarQube): why the proxy answered a SAML callback.

A line (src/core/ngx_log.c ngx_log_error_core; the request's context from src/http/ngx_http_request.c
ngx_http_log_error_handler): `2026/03/03 10:10:03 [error] 31#31: *56 <message>, client: 203.0.113.7,
server: sonar.example.com, request: "POST /oauth2/callback/saml HTTP/1.1", upstream:
"http://127.0.0.1:9000/oauth2/callback/saml", host: "sonar.example.com"`. The time is the server's
local time without a zone (read in --timezone). An upstream's failure's message ends in the action
nginx was doing (`while connecting to upstream`, `while reading response header from upstream`).

What nginx says of the IdP's POST to the ACS: the catalog's 'nginx' entries (samlscan/data/catalog.json,
each with the nginx source file and function that logs it, its code, the status nginx answered and the fix
naming the directive): `upstream timed out` (504), `no live upstreams`, `connect() failed` (502), `upstream
sent too big header` (the SP answered, its headers over proxy_buffer_size: 502), `client intended to send
too large body` (src/http/ngx_http_core_module.c: over client_max_body_size, a 413, the SP never sees it).
Any other error of an upstream (its `upstream:` field: `recv() failed (104: Connection reset by
peer)`, `upstream prematurely closed connection`) is the proxy's own answer as well (a 502). Lines of
other requests, and nginx's own notices, are no events.

Two lines may run together (a write cut short, then the next line): each starts `YYYY/MM/DD HH:MM:SS
[level] pid#tid: ` (ngx_log_error_core), read apart there (pieces) where the quotes after it pair up and
no Referer of the line before it comes first (nginx copies a Referer as it came, quotes and all, as the
line's last field: a start spelled out in one is not told from a real one, so a line cut inside its
Referer keeps the next); the cut line of a SAML path that reads as no event is malformed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache, cached_property
from typing import Iterable, Iterator

from samlscan.logs import sqaccess
from samlscan.logs._common import first_ip, local_to_utc, src, text_lines
from samlscan.logs.base import Record
from samlscan.model import LogEvent


@dataclass(frozen=True, slots=True)
class Said:
    """What one of nginx's messages says of the IdP's POST: its code, the status nginx answered, and why."""

    text: str
    code: str
    status: str
    means: str


NAME = "nginx-error"
HEADER_TOO_BIG = "proxy-header-too-big"
BODY_TOO_LARGE = "proxy-body-too-large"
"""The codes (codes.py) of an answer nginx made of the SP's too large headers, or refused for a too large body."""


@cache
def messages() -> tuple[Said, ...]:
    """nginx's messages of a request's failure, from the catalog (one place for each text): each entry's
    alias is the message's fixed words, as the line starts (nginx has no codes of its own)."""
    from samlscan import catalog

    return tuple(Said(e.aliases[0], e.code, e.status or "502", e.explanation)
                 for e in catalog.entries() if e.product == catalog.NGINX and e.aliases)


_OTHER = Said("", sqaccess.PROXY_ANSWERED, "502", "the upstream failed: the SP's answer never reached the browser")
"""Any other error of a request with an upstream (its field on the line)."""


_LINE = re.compile(
    r"^(?P<time>\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) \[(?P<level>[a-z]{1,8})\] \d{1,10}#\d{1,10}: "
    r"(?:\*\d{1,20} )?(?P<message>.{1,8192}?)(?:, client: (?P<client>[^\s,]{1,255})(?P<rest>.*))?$")
_REQUEST = re.compile(r'(?:^|, )request: "(?P<method>[A-Z]{1,16}) (?P<target>[^\s"]{1,65536})[^"]{0,64}"')
_UPSTREAM = re.compile(r'(?:^|, )upstream: "(?P<upstream>[^"]{1,2048})"')
_START = re.compile(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[(?:debug|info|notice|warn|error|crit|alert|emerg)\] "
                    r"\d{1,10}#\d{1,10}: ")
"""A line's start (ngx_log_error_core: the time, the level's name from err_levels[], pid#tid)."""
_ERRORS = ("error", "crit", "alert", "emerg")
"""The levels of a failed request (an upstream's failure is logged at `error`, a refused body too)."""



def _said(message: str, upstream: str | None) -> Said | None:
    """What the message says, or None for no failure of the request's upstream or body."""
    hit = next((s for s in messages() if message.startswith(s.text)), None)
    return hit or (_OTHER if upstream else None)


def _time(text: str, tz) -> tuple[datetime, bool] | None:
    try:
        return local_to_utc(datetime.strptime(text, "%Y/%m/%d %H:%M:%S"), tz)
    except ValueError:
        return None


def read(no: int, line: str, path: str, tz) -> LogEvent | None:
    """The line's event, when it is a failure of a SAML callback (any other line: None)."""
    m = _LINE.match(line)
    if m is None or m["level"] not in _ERRORS or m["rest"] is None:
        return None
    request = _REQUEST.search(m["rest"])
    if request is None or sqaccess._path_of(request["target"]) != sqaccess.CALLBACK:
        return None
    upstream = _UPSTREAM.search(m["rest"])
    said = _said(m["message"], upstream)
    when = _time(m["time"], tz)
    if said is None or when is None:
        return None
    ip = first_ip(m["client"]) or m["client"]
    to = f" (upstream {upstream['upstream']})" if upstream else ""
    text = (f"{sqaccess.CALLBACK_ANSWER}{ip}: {request['method']} {sqaccess.CALLBACK} answered {said.status} by nginx "
            f"itself{to}: {m['message']}: {said.means}")
    return LogEvent(source=src(path, no), time=when[0], product=sqaccess.PRODUCT, side="sp", outcome="failure",
                    text=text, code=said.code, ip=ip, raw_code=said.text or None, local_time=when[1])


_LEVEL_END = len("2026/03/03 10:10:03 [notice]")
"""Where a line's level's `] ` is at the latest (its time is fixed-width, 'notice' the longest level name):
a line with no `] ` past it holds one line at most (a cut one's level and the next's run past it)."""


def pieces(line: str) -> list[str]:
    """The lines run together on `line` (itself when no `] ` follows its own level's: one search)."""
    if line.find("] ", _LEVEL_END) < 0:
        return [line]
    return sqaccess.run_together(line, _START, _place)


_REFERRER = ', referrer: "'
"""The request's last context field (ngx_http_log_error_handler: `", referrer: \"%V\""` of the header as
the browser sent it; forks append a User-Agent after it, as raw)."""


def _place(line: str, m: re.Match, last: int) -> int | None:
    """A line's start, unless after the Referer of the line before it (any text may follow there, quotes
    paired or not: a start is not told from one spelled out in it) or where the quotes after it do not pair
    up (one spelled out in another quoted value: a header line a message quotes)."""
    at = m.start()
    return at if line.find(_REFERRER, last, at) < 0 and sqaccess.quotes_close(line, at) else None


class NginxErrorParser:
    name = NAME
    empty_reason = "an nginx error log with no failed SAML callback (POST /oauth2/callback/saml)"

    @cached_property
    def prefilter(self):
        """The lines of the SAML paths, as SonarQube's access log's (samlscan/prefilter.py)."""
        from samlscan.prefilter import prefilters

        return prefilters()[sqaccess.NAME]

    def sniff(self, head: str) -> bool:
        """A line of nginx's error log layout (its time, level, pid#tid) with a request's context."""
        return any(m is not None and m["rest"] is not None and _time(m["time"], None) is not None
                   for m in map(_LINE.match, head.splitlines()[:200]))

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz) -> Iterator[Record]:
        for no, whole in text_lines(lines):
            got = pieces(whole)
            for i, line in enumerate(got):
                event = read(no, line, path, tz)
                if event is None and i < len(got) - 1:
                    event = sqaccess.cut_short(path, no, line)
                if event is not None:
                    yield event


PARSER = NginxErrorParser()
