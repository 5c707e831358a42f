"""PingFederate: the security audit log (audit.log, pipe-separated) and server.log.

audit.log: log4j2.xml's default pattern `%d| %X{trackingid}| %X{event}| %X{subject}| %X{ip} |
%X{app}| %X{connectionid}| %X{protocol}| %X{host}| %X{role}| %X{status}| %X{adapterid}|
%X{description}| %X{responsetime}`; PingFederate 11.3 and later add %X{transactionid} after the
tracking ID (docs.pingidentity.com, PingFederate Server "Security audit logging"). `%d` is the
server's local time without a zone. status is success, failure or inprogress.
The same page lists fields an admin may append to the pattern (%X{requestid}, %X{inresponseto},
%X{responseid}, %X{authenticationsourceid}, ...). Without a header their names cannot be read, so
the fields after responsetime (a number of milliseconds: the first all-digit field after the
description) are extras, and those shaped like a SAML ID (an xs:ID of at least 128 bits as SAML
core 1.3.4 requires) are the line's SAML IDs. Pipes inside the description are kept; a description
that holds a bare '| 42 |' is cut there (limit). Fields added before responsetime are not read.
server.log: `%d %X{trackingid} %-5p [%c] %m` (the tracking ID joins it to audit.log; PingFederate
Server "Troubleshooting": 'tid:<id> ERROR [org.sourceid.servlet.ErrorServlet] Top level error ...').
The audit log in CEF (log4j2.xml's CEF layout, sent to a SIEM over syslog): `CEF:0|Ping Identity|
PingFederate|<version>|<event>|<event>|0|rt=<MMM dd yyyy HH:mm:ss.SSS> duid=<subject> src=<ip>
msg=<status> cs1=<app> cs2=<connectionid> cs3=<protocol> dvchost=<host> cs4=<role>
externalId=<trackingid> cs5=<local user> cs6=<attributes>` (elastic/integrations ping_federate
audit test): the same fields, read by the same mapping; `rt` is local time without a zone.
"""
from __future__ import annotations

import re
from datetime import datetime, tzinfo
from typing import Iterable, Iterator

from samlscan import lazyre
from samlscan.logs._common import classify, known_failure, malformed, parse_iso, src, text_lines, text_or_none
from samlscan.logs.base import Record
from samlscan.model import LogEvent

PRODUCT = "pingfederate"
FIELDS = ("event", "subject", "ip", "app", "connectionid", "protocol", "host", "role", "status",
          "adapterid", "description", "responsetime")
"""The default fields after %d and the tracking (and transaction) ID, in their order."""
EVENTS = frozenset({"SSO", "SLO", "OAuth", "AUTHN_ATTEMPT", "AUTHN_REQUEST", "AUTHN_SESSION_CREATED",
                    "AUTHN_SESSION_USED", "AUTHN_SESSION_DELETED", "SRI_REVOKED",
                    "USER_KEY_AND_SRI_ASSOCIATED"})
"""The event field's values the documentation lists."""
LOGIN_EVENTS = frozenset({"SSO", "AUTHN_ATTEMPT", "AUTHN_REQUEST"})
"""A browser login's events: the assertion for an SP (SSO), the user's authentication by an IdP
adapter (AUTHN_ATTEMPT) or through an IdP connection (AUTHN_REQUEST). A success of the latter two
says nothing of the SP's login ('info'); their failure fails it."""
_SAML_ID = lazyre.compile(r"^[A-Za-z_][\w.-]{21,}$", re.ASCII)
"""An xs:ID (NCName) long enough for 128 random bits (22 base64 characters, SAML core 1.3.4)."""
_TIME = lazyre.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}[,.]\d{3}$")
_SERVER = lazyre.compile(
    r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}[,.]\d{3})\s+(?:(tid:\S*)\s+)?(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\s+"
    r"\[((?:org\.sourceid|com\.pingidentity)[^\]]*)\]\s?(.*)$")


class PingFederateParser:
    name = PRODUCT
    empty_reason = "a PingFederate audit log with no SSO event"

    def sniff(self, head: str) -> bool:
        return any(_audit_fields(line) is not None or _SERVER.match(line) or _CEF.match(line)
                   for line in head.splitlines()[:50])

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        for no, line in text_lines(lines):
            if not line.strip():
                continue
            fields = _audit_fields(line) or _cef_fields(line)
            if fields is not None:
                yield _audit(fields, line, no, path, tz)
            elif (m := _SERVER.match(line)) is not None:
                yield from _server(m, no, path, tz)
            elif _TIME.match(line[:23]):
                yield malformed(path, no, "a PingFederate line in neither audit.log's nor server.log's layout")
            # else: a stack trace line of server.log


def _audit_fields(line: str) -> dict | None:
    """The named fields of an audit.log line, or None when it is none: a local time, the tracking
    ID, the transaction ID when the layout has it (then the event comes one field later), the
    default fields, and those the admin appended after responsetime as extra (a tuple)."""
    raw = line.split("|")
    cells = [c.strip() for c in raw]
    if len(cells) < 2 + len(FIELDS) or not _TIME.match(cells[0]):
        return None
    at = 2 if cells[2] in EVENTS else 3 if cells[3] in EVENTS else None
    if at is None or cells[at + FIELDS.index("role")] not in ("IdP", "SP", ""):
        return None
    desc = at + FIELDS.index("description")
    end = _responsetime_at(cells, desc + 1)
    named = dict(zip(FIELDS, cells[at:desc]))
    named.update(time=cells[0], trackingid=cells[1], transactionid=cells[2] if at == 3 else "",
                 description="|".join(raw[desc:end]).strip(), responsetime=cells[end],
                 extra=tuple(cells[end + 1:]))
    return named


_CEF = lazyre.compile(r"^CEF:\d+\|Ping Identity\|PingFederate\|[^|]*\|([^|]*)\|[^|]*\|[^|]*\|(.*)$")
_CEF_KEY = lazyre.compile(r"(?<!\S)(\w++)=")
"""An extension's key: a word and '=' after a space (CEF: a value's own '=' is escaped, '\\='); its value
runs to the next key (spaces allowed). Keys first, values between them: a value matched lazily up to a
lookahead for the next key tried every start in a long word again (quadratic: 40,000 letters, 5.5 s)."""
_CEF_FIELDS = {"duid": "subject", "src": "ip", "msg": "status", "cs1": "app", "cs2": "connectionid",
               "cs3": "protocol", "dvchost": "host", "cs4": "role", "externalId": "trackingid"}


def _cef_fields(line: str) -> dict | None:
    """The named fields of an audit record in CEF, as _audit_fields names them; None when the
    line is none. A record without a readable `rt` gets no time (a malformed line)."""
    m = _CEF.match(line)
    if m is None:
        return None
    ext = _cef_extension(m[2])
    named = {name: ext.get(key, "") for key, name in _CEF_FIELDS.items()}
    try:  # CEF's own date layout (MMM dd yyyy HH:mm:ss.SSS), read as audit.log's local time
        when = datetime.strptime(ext.get("rt", ""), "%b %d %Y %H:%M:%S.%f").isoformat(" ", "milliseconds")
    except ValueError:
        when = ""
    named.update(event=m[1], time=when, transactionid="", description="", extra=())
    return named


def _cef_extension(text: str) -> dict[str, str]:
    """The key=value pairs of a CEF extension, values unescaped; a repeated key keeps its last value."""
    keys = list(_CEF_KEY.finditer(text))
    ends = [k.start() for k in keys[1:]] + [len(text)]
    return {k[1]: re.sub(r"\\(.)", r"\1", text[k.end():end]).strip() for k, end in zip(keys, ends)}


def _responsetime_at(cells: list[str], start: int) -> int:
    """Where responsetime is: the first all-digit field from `start` (a '|' in the description
    moves it right), else right after the description."""
    return next((i for i in range(start, len(cells)) if cells[i].isdigit()), start)


def _flow_id(value: str | None) -> str | None:
    """The tracking ID as both logs print it ('tid:' and the ID), without the prefix."""
    value = text_or_none(value)
    return value.removeprefix("tid:") or None if value else None


def _audit(f: dict, line: str, no: int, path: str, tz: tzinfo) -> Record:
    time, local = parse_iso(f["time"], tz)
    if time is None:
        return malformed(path, no, "audit.log line without a readable time")
    event, status = f["event"], f["status"].lower()
    description = text_or_none(f["description"])
    outcome = "info"
    if event in LOGIN_EVENTS and status == "failure":
        outcome = "failure"
    elif event == "SSO" and status == "success":
        outcome = "success"
    code = None
    if outcome == "failure":
        # the description says why when PingFederate wrote one; else the event (AUTHN_ATTEMPT: the
        # adapter refused the user's credentials)
        code = classify(PRODUCT, None, description) if description else None
        code = code or classify(PRODUCT, event, None) or "unknown-failure"
    text = f"{event} {status}" + (f": {description}" if description else "")
    return LogEvent(
        source=src(path, no), time=time, product=PRODUCT, side="idp" if f["role"] != "SP" else "sp",
        outcome=outcome, text=text, code=code, user=text_or_none(f["subject"]), ip=text_or_none(f["ip"]),
        request_id=_flow_id(f["trackingid"]), correlation_id=text_or_none(f["transactionid"]),
        saml_ids=tuple(dict.fromkeys(x for x in f["extra"] if _SAML_ID.match(x))),
        app=text_or_none(f["connectionid"]) or text_or_none(f["app"]), raw_code=event, local_time=local)


def _server(m: re.Match, no: int, path: str, tz: tzinfo) -> Iterator[Record]:
    """A server.log WARN/ERROR that names a known failure (or the ErrorServlet's 'Top level error',
    the error page a user saw) is a failure of the request its tracking ID names."""
    when, tid, level, logger, msg = m.groups()
    yield from known_failure(PRODUCT, path, no, "server.log", when, level, msg, tz, request_id=_flow_id(tid))


PARSER = PingFederateParser()
