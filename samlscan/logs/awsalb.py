"""AWS Application Load Balancer access logs (S3 objects, `.log.gz`) in front of a SAML SP.

The layout is AWS's 'Access log entries' (Elastic Load Balancing, Application Load Balancers): space
separated, quoted where a field may hold spaces: `type time elb client:port target:port
request_processing_time target_processing_time response_processing_time elb_status_code
target_status_code received_bytes sent_bytes "request" "user_agent" ssl_cipher ssl_protocol
target_group_arn "trace_id" "domain_name" "chosen_cert_arn" matched_rule_priority
request_creation_time "actions_executed" "redirect_url" "error_reason" ...` (later fields appended
over the years, read past). `type` is http, https, h2, grpcs, ws or wss; `elb` is `app/<name>/<id>`;
`request` is `METHOD scheme://host:port/path?query PROTOCOL`; `time` is when the response left (UTC),
`request_creation_time` when the request came: a request's time is the latter when the entry has it
(a callback the idle timeout ends is logged a whole timeout, 60 s by default, after the browser sent it).
A Network Load Balancer's log (`tls 2.0 ... net/...`) and a Classic ELB's (no type) are no lines of this reader.

The load balancer answered a request itself (the SP never saw it) when no target answered:
`target_status_code` `-` with an elb_status_code of 502/503/504 (no healthy target, a connection
refused or timed out: error_reason says which), or no target at all (`target` `-`: a fixed
response, a redirect, a WAF's 403). The requests are read as samlscan/logs/sqaccess.py reads any
proxy's access line (sqaccess.logins).

Two entries may run together on one line (a partial write cut short, then the next entry: S3's object
is the load balancer's writes as they came): an entry's first fields (type, time, elb, client, target,
the three processing times, the two status codes, the two byte counts and the request's opening quote,
AWS's field list above) inside a line start another entry there (entries()); the piece before it is
read as an entry of its own (malformed when a SAML path's entry is cut).
"""
from __future__ import annotations

import re
from typing import Iterable, Iterator

from samlscan import lazyre
from samlscan.logs import sqaccess
from samlscan.logs._common import malformed, parse_iso
from samlscan.logs.base import Malformed, Record

NAME = "aws-alb-access"
_START = r'(?P<type>https?|h2|grpcs|wss?) (?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z) (?=app/)'
_ENTRY = lazyre.compile(_START)
"""An entry's first fields (type, time, the load balancer's `app/`): a line that begins as one."""
_INSIDE = lazyre.compile(
    r'(?:https?|h2|grpcs|wss?) \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z app/[^\s/]{1,64}/[0-9a-f]{1,32} '
    r'\S{1,64} \S{1,64} -?[\d.]{1,20} -?[\d.]{1,20} -?[\d.]{1,20} (?:\d{3}|-) (?:\d{3}|-) (?:\d+|-) (?:\d+|-) "')
"""An entry's fields up to its request's opening quote: where one starts inside a line (a User-Agent
holds no unescaped quote, so one spelled out in a User-Agent ends there and is no start)."""
_LINE = lazyre.compile(
    rf'^{_START}'
    r'(?P<elb>app/[^\s/]{1,64}/[0-9a-f]{1,32}) (?P<client>\S{1,64}) (?P<target>\S{1,64}) '
    r'-?[\d.]{1,20} -?[\d.]{1,20} -?[\d.]{1,20} (?P<status>\d{3}|-) (?P<target_status>\d{3}|-) (?:\d+|-) (?:\d+|-) '
    r'"(?P<method>[A-Z]{1,16}|-) (?P<url>\S{1,65536}) [^"\s]{0,32}" "(?P<ua>(?:[^"\\]|\\.){0,8192})"(?P<rest>.*)$')
_REASON = lazyre.compile(r' "((?:Target|Lambda|Outpost)[A-Za-z]{1,64})"')
_CREATED = lazyre.compile(r'^ \S{1,64} \S{1,64} \S{1,256} "[^"]{0,256}" "[^"]{0,512}" "[^"]{0,512}" \S{1,16} '
                      r'(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z) ')
"""ssl_cipher ssl_protocol target_group_arn "trace_id" "domain_name" "chosen_cert_arn" matched_rule_priority
request_creation_time: the fields after user_agent up to the request's arrival."""
"""error_reason's values name the target's failure (TargetConnectionError, TargetResponseError, ...)."""


def _why(m: re.Match) -> str | None:
    """Why the load balancer answered the request itself, or None when a target answered it."""
    if m["target_status"] != "-" or m["status"] == "-":
        return None
    if m["target"] == "-":
        return f"no target got it (elb_status_code {m['status']})"
    if m["status"] in sqaccess.GATEWAY:
        reason = _REASON.search(m["rest"])
        said = f", error_reason {reason.group(1)}" if reason else ""
        return f"target {m['target']} gave no answer (elb_status_code {m['status']}{said})"
    return None


def read(no: int, line: str, path: str = "") -> sqaccess._Request | Malformed | None:
    """An access log entry of a SAML path as a request (malformed when cut short or mangled), or None."""
    m = _LINE.match(line)
    if m is None and _ENTRY.match(line) and any(p in line for p in sqaccess.PATHS):  # (else 'no login request')
        return malformed(path, no, "an AWS ALB access entry of a SAML path cut short or mangled (a gzip member "
                                   "or a copy truncated mid-record)")
    time = parse_iso(m["time"])[0] if m else None
    if time is None or m["status"] == "-":
        return None
    created = _CREATED.match(m["rest"])
    time = (parse_iso(created[1])[0] if created else None) or time
    ua = "" if m["ua"] == "-" else m["ua"]
    return sqaccess.proxy_request(no, time, sqaccess.without_port(m["client"]), ua, m["method"], m["url"],
                                  m["status"], _why(m), f"AWS ALB {m['elb']} ({m['type']} listener)")


def pieces(line: str) -> list[str]:
    """The entries run together on `line` (itself alone when it holds one: the common case is one
    `Z app/` at the line's start, checked before any search; sqaccess.run_together bounds a hostile
    line of repeated starts)."""
    first = line.find("Z app/")
    if first < 0 or (line.find("Z app/", first + 1) < 0 and _ENTRY.match(line)):
        return [line]
    return sqaccess.run_together(line, _TYPE_AT, lambda text, m, _last: m.start() if _INSIDE.match(text, m.start())
                                 else None)


_TYPE_AT = lazyre.compile(r'(?:https?|h2|grpcs|wss?) \d{4}-\d\d-\d\dT[\d:.]{1,24}Z app/')
"""Where an entry may start inside a line (then checked against _INSIDE)."""


class AwsAlbAccessParser(sqaccess.ProxyAccessParser):
    name = NAME
    empty_reason = "an AWS ALB access log with no SAML login request (/sessions/init/saml, /oauth2/callback/saml)"

    def sniff(self, head: str) -> bool:
        """An entry of an Application Load Balancer's layout (its type and `app/` resource first)."""
        return any((m := _LINE.match(line)) and parse_iso(m["time"])[0] for line in head.splitlines()[:50])

    def request(self, no: int, line: str, path: str, tz):
        return read(no, line, path)

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz) -> Iterator[Record]:
        return sqaccess.logins(lines, path, tz, lambda no, line: read(no, line, path), pieces)


PARSER = AwsAlbAccessParser()
