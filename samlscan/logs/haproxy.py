"""HAProxy's HTTP log (`option httplog`) in front of a SAML SP: HAProxy as SonarQube's reverse proxy.

The layout is HAProxy's configuration.txt 8.2.3 'HTTP log format' (the same in 1.4 to 3.x; the
`option httpslog` of 2.5+ appends TLS fields after the request, read past), most often behind a
syslog header (`Mar  3 10:00:01 lb haproxy[123]: `, read by samlscan/logs/wrapped.py first):
`client_ip:port [accept_date] frontend_name[~] backend/server TR/Tw/Tc/Tr/Ta status bytes_read
req_cookie resp_cookie termination_state actconn/feconn/beconn/srv_conn/retries srv_queue/backend_queue
[{captured request headers}] [{captured response headers}] "request"`. The `~` after the frontend
says it received the request over TLS; accept_date has no zone (the log host's: read in --timezone).
A TCP-mode line (`option tcplog`, 8.2.2) has no request and is no line of this reader.

The same fields come in two more shapes, told apart by their content, never by a name:
- a `log-format` string (8.2.6) that spells the default out (src/log.c default_http_log_format,
  `%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs
  %{+Q}r`) or copies it with more fields (`%ID`, a `%[capture...]`, `%H`) between the queues and the
  request, or after it; empty `%hr %hs` leave their separators (read as any run of spaces);
- `option httplog clf` (src/log.c clf_http_log_format, `%{+Q}o %{-Q}ci - - [%trg] %r %ST %B "" ""
  %cp %ms %ft %b %s %TR %Tw %Tc %Tr %Ta %tsc %ac %fc %bc %sc %rc %sq %bq %CC %CS %hrl %hsl`): CLF first
  (the date with its zone), then the names quoted and the numbers bare (as HAProxy 2.x writes it:
  `172.21.102.219 - - [07/May/2024:08:39:37 +0000] "POST /some/uri HTTP/1.1" 401 271 "" "" 25792 302
  "ft~" "bk01" "srv01" 0 0 4 3 7 ---- 19 19 0 0 0 0 0 "" ""`, goaccess issue 2678). Its request
  comes before the status: a line cut inside a long request has no status and is not read.

HAProxy answered a request itself (the SP never saw it; 8.5 'Session state at disconnection') when no
server took it (`<NOSRV>`: no server up, a deny, a redirect) or when the termination state says the
session ended before a server had it: its first character a server's or HAProxy's event (S, s, P, R,
I, D, K, U) and its second the phase before the server (R request, Q queue, C connection, T tarpit),
so `SC--` (connection refused) and `sC--` (connect timeout), each a 503. `SH--`/`sH--` (no headers
back in time) are the server's own failure after it had the request: an HTTP error like any other.
The requests are read as samlscan/logs/sqaccess.py reads any proxy's access line (sqaccess.logins).

Two lines may run together (a write cut short, then the next line, its syslog header and all): an entry
starts at `client:port [accept_date] ` when the layout's fields follow it through the request's opening
quote (pieces); a value holds no '"' of its own (HAProxy writes '"', '{', '|', '}' and control
characters of a captured header as '#XX', and a quote in the request line so too: hdr_encode_map and
url_encode_map, set up in src/log.c init_log, later proto_http.c init_proto_http), so a start spelled out inside one never reaches that quote, nor
leaves the capture's braces (one opened before it is a capture's: no start in it). The
CLF layout's start is an access line's (sqaccess.combined_pieces). What is cut off is the first entry and
the second's syslog header: the second reads by its own accept_date.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Iterable, Iterator

from samlscan.logs import sqaccess
from samlscan.logs._common import local_to_utc
from samlscan.logs.base import Record

NAME = "haproxy-http"
_LINE = re.compile(
    r'^(?P<client>[^\s\[]{1,64}):\d{1,5} \[(?P<time>\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d)(?:\.\d{1,6})?\] '
    r'(?P<fe>[^\s~]{1,255})(?P<tls>~?) (?P<be>[^\s/]{1,255})/(?P<srv>\S{1,255}) -?\d{1,10}(?:/-?\d{1,10}){4} '
    r'(?P<status>-?\d{1,3}) \+?\d{1,20} \S{1,1024} \S{1,1024} (?P<ts>[A-Za-z-]{4}) '
    r'\d{1,10}/\d{1,10}/\d{1,10}/\d{1,10}/\+?\d{1,10} \d{1,10}/\d{1,10}'
    r'(?: {1,3}(?:\{[^}]{0,8192}\}|"[^"]{0,1024}"(?= )|[^\s"{]{1,1024})){0,16}? {1,3}'
    r'"(?P<method>[A-Z]{1,16}) (?P<target>\S{1,65536})(?: [^"]{0,32})?(?:"|$)')
"""(A request without its closing quote: the line cut at `log ... len` (4.2 'log', 1024 bytes by default) or
by syslog's own limit; a long redirect URL passes it. Its path is still there.)"""
_CLF = re.compile(
    r'^(?P<client>[^\s"]{1,64}) - - \[(?P<time>\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\] '
    r'"(?P<method>[A-Z]{1,16}) (?P<target>\S{1,65536})(?: [^"]{0,32})?" (?P<status>-?\d{1,3}) \+?\d{1,20} '
    r'"[^"]{0,1024}" "[^"]{0,1024}" "?\d{1,5}"? "?\d{1,4}"? '
    r'"(?P<fe>[^"~]{1,255})(?P<tls>~?)" "(?P<be>[^"]{1,255})" "(?P<srv>[^"]{1,255})" '
    r'(?:"?-?\d{1,10}"? ){5}"?(?P<ts>[A-Za-z-]{4})"?(?: |$)')
"""`option httplog clf`: its client, date (with zone), request, status, frontend, backend, server and
termination state (the rest, counters and captures, read past)."""
_INSIDE = re.compile(_LINE.pattern[1:])
_AT = re.compile(r"(?P<host>[^\s\[]{1,64}):\d{1,5} \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d(?:\.\d{1,6})?\] ")
"""Where an httplog entry may start inside a line (then matched as _LINE's fields through the request's quote)."""
_BEFORE_SERVER = ("SsPRIDKU", "RQCT")
"""Termination state characters (8.5): who ended the session, and in which phase (before a server had it)."""
_NO_SERVER = "<NOSRV>"


def _why(m: re.Match) -> str | None:
    """Why HAProxy answered the request itself, or None when a server had it."""
    ts, be, srv = m["ts"], m["be"], m["srv"]
    if srv == _NO_SERVER:
        return f"backend {be} gave it to no server, termination state {ts}"
    if ts[0] in _BEFORE_SERVER[0] and ts[1] in _BEFORE_SERVER[1]:
        return f"server {be}/{srv} never got it, termination state {ts}"
    return None


def _time(text: str, tz) -> datetime | None:
    try:
        naive = datetime.strptime(text, "%d/%b/%Y:%H:%M:%S")
    except ValueError:
        return None
    return local_to_utc(naive, tz)[0]


def _match(line: str, tz) -> tuple[re.Match, datetime] | None:
    """The line's fields and time, in either layout (httplog or its log-format spelling, or CLF)."""
    if (m := _LINE.match(line)) is not None:
        time = _time(m["time"], tz)
    elif (m := _CLF.match(line)) is not None:
        time = sqaccess.parse_time(m["time"])
    else:
        return None
    return (m, time) if time is not None else None


def read(no: int, line: str, tz=None) -> sqaccess._Request | None:
    """An HTTP log line of a SAML path as a request, or None."""
    m, time = _match(line, tz) or (None, None)
    if time is None:
        return None
    via = f"HAProxy (frontend {m['fe']}{' over TLS' if m['tls'] else ' without TLS'}, backend {m['be']})"
    return sqaccess.proxy_request(no, time, m["client"], None, m["method"], m["target"], m["status"], _why(m), via)


def _place(line: str, m: re.Match, last: int) -> int | None:
    """Where the entry `m` found begins, unless inside a capture the entry before it opened (HAProxy writes
    a captured '{' and '}' as #7B and #7D: a brace open there is the capture's, and its closing one could
    lead a forged start on to the request's quote)."""
    at = sqaccess.address_start(line, m.start("host"), m.end("host"))
    if at is None or line.rfind("{", last, at) > line.rfind("}", last, at):
        return None
    return at if _INSIDE.match(line, at) else None


def pieces(line: str) -> list[str]:
    """The entries run together on `line` (itself when no second accept date or CLF time follows its own:
    an entry cut inside its own is read as the next one, its first fields glued before the next's client)."""
    first = line.find("] ")
    if first < 0 or line.find("] ", first + 2) < 0:
        return [line]
    clf = sqaccess.combined_pieces(line)
    return clf if len(clf) > 1 else sqaccess.run_together(line, _AT, _place)


class HAProxyHttpParser(sqaccess.ProxyAccessParser):
    name = NAME
    empty_reason = "a HAProxy HTTP log with no SAML login request (/sessions/init/saml, /oauth2/callback/saml)"

    def sniff(self, head: str) -> bool:
        """A line of `option httplog`'s layout, spelled out or CLF (a TCP log line has no quoted request)."""
        return any(_match(line, None) for line in head.splitlines()[:50])

    def request(self, no: int, line: str, path: str, tz):
        return read(no, line, tz)

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz) -> Iterator[Record]:
        return sqaccess.logins(lines, path, tz, lambda no, line: read(no, line, tz), pieces)


PARSER = HAProxyHttpParser()
