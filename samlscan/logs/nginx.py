"""nginx's error.log (nginx or ingress-nginx in front of SonarQube): why the proxy answered a SAML callback.

A line (src/core/ngx_log.c ngx_log_error_core; the request's context from src/http/ngx_http_request.c
ngx_http_log_error_handler): `2026/03/03 10:10:03 [error] 31#31: *56 <message>, client: 203.0.113.7,
server: sonar.example.com, request: "POST /oauth2/callback/saml HTTP/1.1", upstream:
"http://127.0.0.1:9000/oauth2/callback/saml", host: "sonar.example.com"`. The time is the server's
local time without a zone (read in --timezone). An upstream's failure's message ends in the action
nginx was doing (`while connecting to upstream`, `while reading response header from upstream`).

What nginx says of the IdP's POST to the ACS (MESSAGES, each text as nginx's source logs it):
- src/http/ngx_http_upstream.c ngx_http_upstream_next: `upstream timed out (110: Connection timed
  out)` (NGX_HTTP_UPSTREAM_FT_TIMEOUT: a 504); ngx_http_upstream_connect: `no live upstreams` (every
  server of the upstream marked failed by max_fails/fail_timeout: a 502); ngx_event_connect_peer /
  ngx_http_upstream_test_connect: `connect() failed (111: Connection refused)` (a 502);
  ngx_http_upstream_process_header: `upstream sent too big header` (the SP's answer's headers do not
  fit proxy_buffer_size: a 502, NGX_HTTP_UPSTREAM_FT_INVALID_HEADER). The SP answered that one: a
  SonarQube login sets large cookies (JWT-SESSION, XSRF-TOKEN) in its callback's 302.
- src/http/ngx_http_request_body.c: `client intended to send too large body: <n> bytes` (the body
  is over client_max_body_size, 1 MB by default: a 413, the SP never sees the POST).
Any other error of an upstream (its `upstream:` field: `recv() failed (104: Connection reset by
peer)`, `upstream prematurely closed connection`) is the proxy's own answer as well (a 502). Lines of
other requests, and nginx's own notices, are no events.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
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

MESSAGES = (
    Said("upstream timed out", sqaccess.PROXY_ANSWERED, "504",
         "SonarQube did not answer within the proxy's timeout (proxy_read_timeout, 60 s by default; "
         "ingress-nginx: nginx.ingress.kubernetes.io/proxy-read-timeout), and may have handled the POST later"),
    Said("no live upstreams", sqaccess.PROXY_ANSWERED, "502",
         "every server of the upstream was marked failed (max_fails, fail_timeout): the SP never saw it"),
    Said("connect() failed", sqaccess.PROXY_ANSWERED, "502",
         "nothing accepted the connection at the upstream's address (SonarQube down, restarting, or "
         "another port in proxy_pass): the SP never saw it"),
    Said("upstream sent too big header", HEADER_TOO_BIG, "502",
         "SonarQube answered, but its answer's headers (the login's cookies) do not fit proxy_buffer_size "
         "(ingress-nginx: nginx.ingress.kubernetes.io/proxy-buffer-size): the browser got nginx's 502"),
    Said("client intended to send too large body", BODY_TOO_LARGE, "413",
         "the POST's body is over client_max_body_size (1 MB by default; ingress-nginx: "
         "nginx.ingress.kubernetes.io/proxy-body-size): the SP never saw it"),
)
_OTHER = Said("", sqaccess.PROXY_ANSWERED, "502", "the upstream failed: the SP's answer never reached the browser")
"""Any other error of a request with an upstream (its field on the line)."""


_LINE = re.compile(
    r"^(?P<time>\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) \[(?P<level>[a-z]{1,8})\] \d{1,10}#\d{1,10}: "
    r"(?:\*\d{1,20} )?(?P<message>.{1,8192}?)(?:, client: (?P<client>[^\s,]{1,255})(?P<rest>.*))?$")
_REQUEST = re.compile(r'(?:^|, )request: "(?P<method>[A-Z]{1,16}) (?P<target>[^\s"]{1,65536})[^"]{0,64}"')
_UPSTREAM = re.compile(r'(?:^|, )upstream: "(?P<upstream>[^"]{1,2048})"')
_ERRORS = ("error", "crit", "alert", "emerg")
"""The levels of a failed request (an upstream's failure is logged at `error`, a refused body too)."""



def _said(message: str, upstream: str | None) -> Said | None:
    """What the message says, or None for no failure of the request's upstream or body."""
    hit = next((s for s in MESSAGES if message.startswith(s.text)), None)
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
        for no, line in text_lines(lines):
            event = read(no, line, path, tz)
            if event is not None:
                yield event


PARSER = NginxErrorParser()
