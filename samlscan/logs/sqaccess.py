"""SonarQube's access.log (and the access log of a proxy in front of it): the SAML login requests.

SonarQube writes access.log with logback-access, `sonar.web.accessLogs.pattern`, default
(sonar-webserver TomcatAccessLog.DEFAULT_SQ_ACCESS_LOG_PATTERN)
`%h %l %u [%t] "%r" %s %b "%i{Referer}" "%i{User-Agent}" "%reqAttribute{ID}"` (newer releases add
` %D`, ms). `%reqAttribute{ID}` is the HTTP request ID web.log prints in `web[<ID>]`, so a callback
line joins web.log's lines of the same request. SonarQube's docs put `%i{X-Forwarded-For}` in place
of `%h` behind a proxy ('203.0.113.7, 10.0.0.1'). nginx's and Apache's `combined` layout is the
same without the ID: there time and client are all there is; so is ingress-nginx's default
`upstreaminfo` (combined, then the request's length and time, the upstream's name, address, length,
time, status and the request's $req_id; the controller's klog lines between are not access lines).

A login (logformats.md 1.3): `GET <ctx>/sessions/init/saml?return_to=..` (302 to the IdP), then
`POST <ctx>/oauth2/callback/saml` (302). SonarQube redirects a failed callback to
`/sessions/unauthorized` (AuthenticationError), a good one to return_to, and the browser follows at
once. So a callback is a `failure` when its client's next SAML-path request, within WINDOW, is
/sessions/unauthorized (or when the callback itself was answered 4xx/5xx); a `success` when it was
a 302 and its client's next request is a page (a GET of no SAML path, no web service call: the
redirect's target), or a later line of the log (any client) is past WINDOW with no SAML-path
request from that client in between; `info` (unknown) when the log ends first, when that client's
next request is another login (the redirect's target unseen), or when the callback was answered 200
(SonarQube's "Test Configuration" page renders in the callback). The prefilter keeps the SAML-path
lines and the log's last TAIL_LINES lines (samlscan/prefilter.py): a callback in the middle of a
big log is decided by the SAML-path lines after it, the last ones by the lines the log ends with
(its client's return_to page, the lines past its window), without parsing every line. A big log
read in ranges reads the lines around each range (RANGE_CONTEXT) to decide its callbacks so. A
client is the address and the User-Agent: behind one NAT address, two browsers stay apart.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import Callable, Iterable, Iterator
from urllib.parse import unquote

from samlscan import lazyre
from samlscan.logs._common import first_ip, malformed, src, text_lines, to_utc
from samlscan.logs.base import Malformed, Record
from samlscan.logs.embedded import _line_time, embedded_records, find_embedded
from samlscan.model import IP_FORWARDED, IP_PROXY, LogEvent

NAME = "sonarqube-access"
PRODUCT = "sonarqube"
"""Events are SonarQube's (their request ID joins web.log's `sonarqube:req:<ID>`)."""

INIT, CALLBACK, UNAUTHORIZED = "/sessions/init/saml", "/oauth2/callback/saml", "/sessions/unauthorized"
TEST_INIT = "/saml/validation_init"
"""The admin's 'Test Configuration' start (SamlValidationInitAction: `/api/saml/validation_init` in
older releases, `/saml/validation_init` in newer): its callback renders the validation page."""
PATHS = (INIT, CALLBACK, UNAUTHORIZED, TEST_INIT)
"""The request paths the reader reads (after any sonar.web.context prefix); the prefilter keeps
the lines holding them."""
OTHER = ""
"""The path of a request to none of PATHS (a page, a web service call): read for its time and client."""
TAIL_LINES = 500
"""The log's last lines the prefilter keeps whatever their path: what decides its last callbacks (their
clients' next requests, the lines past their WINDOW) when no SAML-path line follows them; 500 lines are
the last ten seconds of a server answering 50 requests a second."""
WINDOW = timedelta(seconds=10)
"""How soon after the callback the browser asks for the page it was redirected to (at once, in
practice: a second covers a slow browser; ten keeps a loaded one)."""
RANGE_CONTEXT = frozenset({"before", "after"})
"""A range of a big access log is read with the lines around it (batch.CONTEXT_BYTES), so that its
callbacks are decided as the whole reading decides them: near its end by its clients' next requests;
near its start behind the callbacks still waiting from before it (decide() passes a window in their
order, and a log's times need not grow: %t is when a request came, a line is written when it ends)."""
_PENDING_MAX = 4096
"""Callbacks waiting for their client's next request (bounded: the oldest is decided early)."""

# (a quote in the User-Agent: Apache writes it '\"', logback-access as it came: the User-Agent runs
# to the last quote the rest of the line fits after, not its first; a proxy's X-Forwarded-For may
# list any number of hops, each after a comma: one way to match them)
_LINE = lazyre.compile(
    r'^(?P<host>[^\s,]{1,255}(?:, ?[^\s,]{1,255}){0,4096}) \S{1,255} \S{1,255} \[(?P<time>[^\]]{1,64})\] '
    r'"(?P<method>[A-Z]{1,16}) (?P<target>\S{1,65536})(?: [^"]{0,32})?" (?P<status>\d{3}|-) (?:\d+|-)'
    r'(?: "(?P<ref>(?:[^"\\]|\\.){0,8192})" "(?P<ua>.{0,8192}?)"(?: "(?P<id>[^"]{0,128})")?(?: \d+)?'
    # ingress-nginx's 'upstreaminfo' (its default log-format-upstream): $request_length
    # $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] $upstream_addr
    # $upstream_response_length $upstream_response_time $upstream_status $req_id
    r'(?: \d+ [\d.]+ \[[^\]\s]{0,255}\] \[[^\]\s]{0,255}\](?P<upstream>(?: [^\s"]{1,1024}){0,64}))?)?\s*$')
_TIME = lazyre.compile(r"^(\d\d)/([A-Z][a-z]{2})/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$")
_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
_REQUEST_ID = lazyre.compile(r"^[\w-]{8,64}$")
"""SonarQube's request IDs: 20 base64url characters before 2025, a UUID after (never an address,
which another quoted field of a proxy's layout, X-Forwarded-For, would be)."""
_RETURN_TO = lazyre.compile(r"[?&]return_to=([^&#]*)")


@dataclass(frozen=True, slots=True)
class _Request:
    no: int
    time: datetime
    client: tuple[str, str]
    ip: str
    method: str
    path: str
    target: str
    status: str
    request_id: str | None
    proxy: str | None = None
    """Why the proxy that logged the request answered it itself (no route to the SP, its servers down:
    the SP never saw it), when its log says so (Traefik's: samlscan/logs/traefik.py); else None."""
    forwarded: str | None = None
    """How the proxy that logged the request passed it on (its entrypoint, the scheme it received, the
    X-Forwarded-Proto it logged), when its log says so (Traefik's JSON); else None."""
    behind: bool = False
    """A gateway's status (502/503/504) the server behind the proxy sent with a body of its own (ingress-nginx's
    $upstream_status the same, $upstream_response_length over 0): not the proxy's own answer."""
    ip_from: str | None = None
    """Whose view `ip` is (LogEvent.ip_from): an X-Forwarded-For's first, a proxy log's client, else None."""

    @property
    def ip_view(self) -> str | None:
        """`ip_from`, or IP_PROXY when the log says how the proxy passed the request on (Traefik's)."""
        return self.ip_from or (IP_PROXY if self.forwarded else None)


def parse_time(text: str) -> datetime | None:
    """`%t`, '11/Mar/2025:09:41:07 +0100' (logback-access's and Apache's default), in UTC."""
    m = _TIME.match(text)
    month = _MONTHS.get(m.group(2)) if m else None
    if month is None:
        return None
    d, _, y, h, mi, s, sign, oh, om = m.groups()
    if int(oh) > 14 or int(om) > 59:
        return None
    offset = timedelta(hours=int(oh), minutes=int(om)) * (-1 if sign == "-" else 1)
    try:
        return to_utc(datetime(int(y), month, int(d), int(h), int(mi), int(s), tzinfo=timezone(offset)))
    except ValueError:  # a day 31 of April
        return None


_WALL = lazyre.compile(r"^(\d{4})/(\d\d)/(\d\d) (\d{1,2}):(\d\d):(\d\d)(?:\.(\d{1,9}))?$")


def parse_wall(text) -> datetime | None:
    """'2026/03/03 10:10:03.120', in UTC: Caddy's console time (wall_milli, UTC by default) and the
    Azure portal's CSV export of a Log Analytics time ('2020/10/16 0:00:01.403', UTC: MicrosoftDocs
    azure-docs issue 66181)."""
    m = _WALL.match(text) if isinstance(text, str) else None
    if m is None:
        return None
    y, mo, d, h, mi, s, frac = m.groups()
    try:
        return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), int((frac or "0").ljust(6, "0")[:6]),
                        tzinfo=timezone.utc)
    except ValueError:
        return None


def _page(target: str) -> str:
    """A request target's path (without its query and fragment)."""
    return target.split("?", 1)[0].split("#", 1)[0]


def _path_of(target: str) -> str | None:
    """Which of PATHS the request target asks for (under any context path), else None."""
    path = _page(target).rstrip("/")
    return next((p for p in PATHS if path.endswith(p)), None)


def _read(no: int, line: str) -> _Request | None:
    m = _LINE.match(line)
    if m is None:
        return None
    path = _path_of(m["target"]) or OTHER
    time = parse_time(m["time"])
    if time is None:
        return None
    ip = first_ip(m["host"]) or m["host"]
    rid = m["id"] if m["id"] and _REQUEST_ID.match(m["id"]) else None
    proxy, behind = upstream_answer(m["status"], m["upstream"]) if m["upstream"] else (None, False)
    # %i{X-Forwarded-For} in place of %h lists hops after the client; ingress-nginx's upstreaminfo
    # fields say the line is the proxy's own ($remote_addr: whoever connected to it)
    ip_from = IP_FORWARDED if "," in m["host"] else IP_PROXY if m["upstream"] is not None else None
    return _Request(no, time, (ip, m["ua"] or ""), ip, m["method"], path, m["target"], m["status"], rid, proxy,
                    behind=behind, ip_from=ip_from)


def _upstream_fields(tail: str) -> list[str] | None:
    """ingress-nginx's `$upstream_addr $upstream_response_length $upstream_response_time $upstream_status
    [$req_id]`, each the last server's value: nginx lists the servers it tried, ', ' between them and ' : '
    across an internal redirect (ngx_http_upstream.c ngx_http_upstream_status_variable); None if not those."""
    fields: list[str] = []
    for token in tail.split():
        if fields and (fields[-1].endswith((",", ":")) or token == ":"):
            fields[-1] = token if token != ":" else fields[-1] + token
        else:
            fields.append(token)
    if len(fields) == 5 and _REQ_ID.match(fields[-1]):
        fields.pop()
    ok = len(fields) == 4 and all(v == "-" or f.match(v) for v, f in zip(fields[1:], _UPSTREAM_VALUES))
    return fields if ok else None


_UPSTREAM_VALUES = (lazyre.compile(r"^\d{1,20}$"), lazyre.compile(r"^\d{1,10}(?:\.\d{1,3})?$"), lazyre.compile(r"^\d{3}$"))
"""$upstream_response_length (bytes), $upstream_response_time (seconds, ms resolution), $upstream_status."""
_REQ_ID = lazyre.compile(r"^[0-9a-f]{32}$")
"""ingress-nginx's $req_id (nginx's $request_id: 16 random bytes in hex)."""


def upstream_answer(status: str, tail: str) -> tuple[str | None, bool]:
    """Whether ingress-nginx answered a gateway's status itself (why, for the event) or passed the server's
    own (True): nginx logs $upstream_status '-' when it tried no server, and its own 502/504 with no byte of
    the server's answer ($upstream_response_length 0: ngx_http_upstream_next); a 500 is SonarQube's."""
    fields = _upstream_fields(tail) if status in GATEWAY else None
    if fields is None:
        return None, False
    addr, length, took, got = fields
    if got == "-":
        return "ingress-nginx tried no server: $upstream_status '-' (no endpoint of the service, or none alive)", False
    if got == status and length not in ("0", "-"):
        return None, True
    if got == "504":
        return f"the server {addr} did not answer within the proxy's timeout: $upstream_response_time {took} s", False
    return f"ingress-nginx's own {got} from the server {addr} after {took} s (its error.log says why)", False


GATEWAY = ("502", "503", "504")
"""Statuses a proxy's load balancer answers itself when the servers behind it refuse, are missing or
time out (RFC 9110 15.6.3-15.6.5); SonarQube answers none of them to a callback."""

EDGE_ANSWERS = {
    "520": "the SP's answer reached it empty or unreadable (often response headers over its 128 KB limit: too "
           "many or too big cookies)",
    "521": "the SP's server refused its connection (the SP down, or a firewall shutting out Cloudflare's IP ranges)",
    "522": "its connection to the SP's server timed out",
    "523": "it could not reach the SP's server (the DNS record's origin address or its route)",
    "524": "the SP took longer than its 100 s to answer",
    "525": "its TLS handshake with the SP's server failed",
    "526": "the SP's server showed an invalid TLS certificate (SSL/TLS mode Full (strict))",
    "530": "it could not reach the SP's server (its page names a 1xxx error: 1016, the origin's DNS name)",
}
"""Cloudflare's own answers about the server behind it (developers.cloudflare.com, 'Cloudflare 5xx errors'):
no server sends these statuses, so at the ACS they are Cloudflare's answer, not the SP's."""


def without_port(addr: str) -> str:
    """A client's address without its port: '203.0.113.7:51234' and '[2001:db8::1]:443' (RFC 3986
    3.2.2) lose it, a bare IPv6 address ('2001:db8::1', several colons) keeps all it has."""
    if addr.startswith("["):
        return addr[1:].split("]", 1)[0]
    return addr.rsplit(":", 1)[0] if addr.count(":") == 1 else addr


def proxy_request(no: int, time: datetime, ip: str, ua: str | None, method: str | None, target: str,
                  status: str, proxy: str | None, forwarded: str | None) -> _Request | None:
    """A proxy's access record as a request (of OTHER path when of none of PATHS): what the readers of
    HAProxy, AWS ALB, Azure Application Gateway and Caddy hand to logins()."""
    path = _path_of(target) or OTHER
    return _Request(no, time, (ip, ua or ""), ip, method or "GET", path, target, status, None, proxy, forwarded,
                    ip_from=IP_PROXY)


def _event(path: str, r: _Request, outcome: str, text: str) -> LogEvent:
    return LogEvent(source=src(path, r.no), time=r.time, product=PRODUCT, side="sp", outcome=outcome, text=text,
                    ip=r.ip, request_id=r.request_id, ip_from=r.ip_view)


def _start(path: str, r: _Request) -> LogEvent:
    m = _RETURN_TO.search(r.target)
    back = f" (return_to {unquote(m.group(1))})" if m and m.group(1) else ""
    what = "'Test Configuration'" if r.path == TEST_INIT else "login"
    return _event(path, r, "info", f"SAML {what} started from {r.ip}: {r.method} {r.path} answered {r.status}{back}")


PROXY_ANSWERED = "proxy-answered-callback"
"""The code of a callback the proxy answered itself (codes.py): the proxy's side, never the SP's refusal."""
FORWARDED_BY = " forwarded by "
"""How a callback's text says which proxy passed it on and how (_Request.forwarded): the SP behind it
builds URLs from what the proxy sent (correlate/causes.py's note on a refused Destination)."""
CALLBACK_ANSWER = "SAML callback from "
"""How an access line of the IdP's POST to the ACS starts its text (this reader's, and those reading other
layouts through it: IIS, ingress-nginx): how the SP answered, never why (correlate's sp-refused-callback)."""


def _proxied(path: str, r: _Request) -> LogEvent:
    """A callback the proxy answered itself (its code, not sp-refused-callback): the SP never saw the IdP's
    POST, or (a 504) did not answer it in time."""
    if r.status == "504":
        said = "the SP did not answer within the proxy's timeout (it may still have handled the POST later)"
    else:
        said = "the SP never saw it"
    why = r.proxy or "a gateway's status, RFC 9110 15.6.3-15.6.5"
    return replace(_callback(path, r, "failure", f"by the proxy itself ({why}): {said}"), code=PROXY_ANSWERED)


def _callback(path: str, r: _Request, outcome: str, why: str) -> LogEvent:
    via = f"{FORWARDED_BY}{r.forwarded}" if r.forwarded else ""
    return _event(path, r, outcome, f"{CALLBACK_ANSWER}{r.ip}: {r.method} {CALLBACK}{via} answered {r.status}, {why}")


class SonarQubeAccessParser:
    name = NAME
    range_context = RANGE_CONTEXT
    empty_reason = "an access log with no SAML login request (/sessions/init/saml, /oauth2/callback/saml)"

    def sniff(self, head: str) -> bool:
        """SonarQube's own layout (an ID field after the User-Agent) on any line, or an access log
        line of a SAML login path of SonarQube's."""
        for line in head.splitlines()[:200]:
            m = _LINE.match(line)
            if m is not None and parse_time(m["time"]) is not None and (
                    _path_of(m["target"]) is not None or m["id"] is not None and _REQUEST_ID.match(m["id"])):
                return True
        return False

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz) -> Iterator[Record]:
        return logins(lines, path, tz, _read, combined_pieces)


CUT_SHORT = "an entry of a SAML path cut short, the next entry written on after it on the same line (a partial write)"


def cut_short(path: str, no: int, piece: str) -> Malformed | None:
    """A piece cut short by the next entry on its line, read as nothing: malformed when of a SAML path (else
    no login's, as a line of another path)."""
    return malformed(path, no, CUT_SHORT) if any(p in piece for p in PATHS) else None


MAX_PIECES = 16
"""Entries one line is split into at most (the rest stays in the last): a hostile line of starts costs 16 entries."""
MAX_LOOKS = 64
"""Places inside one line looked at for an entry's start at most (a 1 MB line of starts costs 64 looks)."""


def run_together(line: str, starts: re.Pattern, place: Callable[[str, re.Match, int], int | None] | None = None
                 ) -> list[str]:
    """The entries run together on `line` (a write cut short, then the next entry), cut where `starts`
    matches past the line's own start (if it begins with one) and `place(line, m, last)` says an entry
    begins there (its position, or None: no start; `last`: where the entry before it begins); at most
    MAX_PIECES pieces and MAX_LOOKS looks."""
    own = starts.match(line)
    cuts = [0]
    for looks, m in enumerate(starts.finditer(line, own.end() if own else 1)):
        if looks >= MAX_LOOKS or len(cuts) >= MAX_PIECES:
            break
        at = m.start() if place is None else place(line, m, cuts[-1])
        if at is not None and at > cuts[-1]:
            cuts.append(at)
    return [line[a:b].rstrip() for a, b in zip(cuts, cuts[1:] + [len(line)])]


def quotes_close(line: str, at: int) -> bool:
    """The text from `at` to the line's end has its quotes paired (a '\\"' is Apache's escaped quote, no
    quote): where a whole entry starts. A start spelled out in a quoted value (a Referer nginx's error.log
    copies as it came) is followed by that value's closing quote, one too many."""
    return (line.count('"', at) - line.count('\\"', at)) % 2 == 0


_COMBINED_START = lazyre.compile(
    r'(?P<host>[^\s,"]{1,255}(?:, ?[^\s,"]{1,255}){0,16}) [^\s"]{1,255} [^\s"]{1,255} '
    r'\[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "[A-Z]{1,16} ')
"""An access line's start as %h %l %u [%t] "%r" begins (combined, SonarQube's, ingress-nginx's): the
bracketed time and the request's quote after the client, its ident and its user."""
_ADDRESS_TAIL = lazyre.compile(r"[0-9A-Fa-f.:]{1,64}$")


def _combined_place(line: str, m: re.Match, _last: int) -> int | None:
    """Where the entry `m` found begins (address_start of its client's first word); None where the quotes
    after it are not paired (a start quoted inside a field)."""
    at = address_start(line, m.start("host"), m.start("host") + len(re.split(r"[, ]", m["host"], maxsplit=1)[0]))
    return at if at is not None and quotes_close(line, at) else None


def address_start(line: str, start: int, end: int) -> int | None:
    """Where the client address line[start:end] begins: the longest address ending it, for it may be glued
    to the cut entry's last characters, which are not known ('...Safari/5' + '1.2.3.4' reads 51.2.3.4); a
    client logged by host name is no start (None)."""
    tail = _ADDRESS_TAIL.search(line, start, end)
    return next((k for k in range(tail.start(), end) if _address(line[k:end])), None) if tail else None


def _address(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def combined_pieces(line: str) -> list[str]:
    """The access entries run together on `line` (%h %l %u [%t] "%r" ...: nginx's and Apache's combined,
    SonarQube's logback-access); itself when it holds one bracketed time before a request's quote (nginx
    writes a '"' inside a value as \\x22, Apache as \\": a value holds no '] "' of its own). An entry cut
    before its own request's quote leaves one such place on the line: the line reads as the next entry, the
    cut one's first fields glued before its client (not looked for: a pattern a line, on every line)."""
    first = line.find('] "')
    if first < 0 or line.find('] "', first + 3) < 0:
        return [line]
    return run_together(line, _COMBINED_START, _combined_place)


def logins(lines: Iterable[tuple[int, str]], path: str, tz, read: Callable[[int, str], _Request | None],
           split: Callable[[str], list[str]] | None = None) -> Iterator[Record]:
    """The login starts and callback outcomes of an access log whose lines `read` turns into
    requests (None: no SAML-path request; any layout: samlscan/logs/iislog.py's too), and any SAML
    value in a line's URL. `split`: the entries a line holds when a layout can tell entries run
    together on one line (samlscan/logs/awsalb.py's pieces), each read on its own; a piece cut short
    by the next (all but the last) that holds a SAML path and reads as no request is malformed."""
    def requests() -> Iterator:
        for no, whole in text_lines(lines):
            pieces = split(whole) if split is not None else (whole,)
            for i, line in enumerate(pieces):
                if find_embedded(line):  # a redirect-binding message in a URL: read as the embedded reader does
                    yield from embedded_records(path, no, line, _line_time(line, tz))
                r = read(no, line)
                if r is None and i < len(pieces) - 1:
                    r = cut_short(path, no, line)
                if r is not None:
                    yield r

    return decide(requests(), path)


_NO_PAGE = lazyre.compile(r"/api/|\.(?:js|css|map|png|svg|ico|gif|jpe?g|woff2?|ttf)$")
"""A web service call (SonarQube's pages call /api/...) or a page's static file: what another open tab of
the same browser asks for meanwhile, never the page a callback redirected to."""


def _followed(callback: _Request, r: _Request) -> bool:
    """`r`, of OTHER path and the callback's client, is the page the callback redirected to: a GET asked
    after it (a line is written when its request ends: one asked before may be written after) of a
    page, not a web service call or a static file."""
    return r.method == "GET" and r.time >= callback.time and _NO_PAGE.search(_page(r.target)) is None


def decide(requests: Iterable, path: str) -> Iterator[Record]:
    """The login starts and callback outcomes of a log's requests in their order (any other record
    among them passed on as it is): what logins() does with its lines, for a reader of records
    (samlscan/logs/azureagw.py's JSON) too."""
    pending: OrderedDict = OrderedDict()  # client -> its callback waiting for its next request
    for r in requests:
        if not isinstance(r, _Request):
            yield r
            continue
        while pending:  # callbacks whose window this line's time has passed: success
            first = next(iter(pending.values()))
            if r.time - first.time <= WINDOW:
                break
            pending.popitem(last=False)
            yield _callback(path, first, "success", "no /sessions/unauthorized followed from its client")
        if r.path == OTHER:
            waiting = pending.get(r.client)
            if waiting is not None and _followed(waiting, r):
                del pending[r.client]
                yield _callback(path, waiting, "success", f"its client's next request was {r.method} "
                                f"{_page(r.target)}, the page it was sent back to")
            continue
        waiting = pending.pop(r.client, None)
        if waiting is not None:
            if r.path == UNAUTHORIZED:
                yield _callback(path, waiting, "failure", f"its client's next request was {UNAUTHORIZED}")
            else:  # a new login at once: the redirect's target is not in the log
                yield _callback(path, waiting, "info", f"its client's next request was {r.path}")
        if r.path in (INIT, TEST_INIT):
            yield _start(path, r)
        elif r.path == CALLBACK:
            if (r.proxy or r.status in GATEWAY) and not r.behind:  # (SonarQube's own access.log holds none)
                yield _proxied(path, r)
            elif r.status[:1] in ("4", "5"):
                yield _callback(path, r, "failure", "an HTTP error")
            elif r.status == "302":
                pending[r.client] = r
                if len(pending) > _PENDING_MAX:
                    yield _callback(path, pending.popitem(last=False)[1], "info", "its client's next request "
                                    "is unknown (too many logins at once)")
            else:
                yield _callback(path, r, "info", "no redirect (SonarQube's 'Test Configuration' page)")
    for r in pending.values():
        yield _callback(path, r, "info", "the log ends before its client's next request")


class ProxyAccessParser:
    """A proxy's access log read as SonarQube's is (its SAML-path prefilter, its neighbours' lines at a
    range's cut, logins()): a subclass gives `name`, `empty_reason`, `sniff` and `request`."""
    range_context = RANGE_CONTEXT

    @cached_property
    def prefilter(self):
        """One line a record, those of the SAML paths kept (as SonarQube's: samlscan/prefilter.py)."""
        from samlscan.prefilter import prefilters

        return prefilters()[NAME]

    def request(self, no: int, line: str, path: str, tz) -> Record | None:
        """The line's SAML-path request (or a malformed record), else None."""
        raise NotImplementedError

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz) -> Iterator[Record]:
        return logins(lines, path, tz, lambda no, line: self.request(no, line, path, tz))


PARSER = SonarQubeAccessParser()

