"""Apereo CAS as a SAML2 IdP: its audit trail (cas_audit.log) in Inspektr's text and JSON layouts,
and cas.log's SAML2 and service-registry error lines.

Audit trail, text (Inspektr's Slf4jLoggingAuditTrailManager; apereo/cas docs 'Audits', sample
output; a CAS 6 user's cas.log quoted in gist zoran995/d377057a): a log line ending in 'Audit trail
record BEGIN', a '====' rule, then one 'KEY: value' line each (WHO, WHAT, ACTION, APPLICATION, WHEN,
CLIENT IP ADDRESS, SERVER IP ADDRESS), a '====' rule (some builds write 'Audit trail record END'
first). CAS 7 writes WHEN first and CLIENT_IP / SERVER_IP (a public fluent-bit filter of CAS audit
lines parses 'WHEN, WHO, WHAT, ACTION, CLIENT_IP, SERVER_IP'): keys are read in any order, either
spelling. WHO 'audit:unknown' is no user. WHEN is a java.util.Date ('Fri May 15 16:21:40 CEST
2020') or ISO; the log line's own time (`%d`, local) is preferred unless WHEN names its zone.
Audit trail, JSON (cas.audit.slf4j.audit-format=JSON): an object per record with who, what,
action, application, when, clientIpAddress, serverIpAddress (Inspektr's map of the same fields;
not checked against CAS's source here: unverified), bare or as the log line's message.
ACTION: Inspektr's action plus CAS's suffix (_SUCCESS/_FAILED, _CREATED/_NOT_CREATED).
SAML2_RESPONSE_CREATED is the assertion CAS sent an SP (success); AUTHENTICATION_FAILED the user's
failed sign-in; SERVICE_TICKET_NOT_CREATED and SAML2_RESPONSE_FAILED a refusal whose WHAT may say
why; SERVICE_ACCESS_ENFORCEMENT_TRIGGERED fails when its WHAT's result is not 'Service Access
Granted' (the same filter). Every other action (AUTHENTICATION_SUCCESS, TICKET_GRANTING_TICKET_*)
is a step of CAS's own login: 'info'.
cas.log: log4j2's `%d %p [%c] - <%m>` (CAS's default log4j2.xml; the '<>' optional): a WARN or
ERROR of an org.apereo / org.jasig logger whose message the catalog knows ('Service [..] is not
found in service registry.', 'Cannot find metadata linked to ..', 'Cannot grant access to service
[..]; it is not authorized for use by [<user>].', apereo/cas sources) is a failure; the last names
the user.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone, tzinfo
from typing import Iterable, Iterator

from samlscan import lazyre
from samlscan.logs._common import (FAILURE_LEVELS, classify, json_or_none, known_failure, local_to_utc, malformed,
                                   parse_iso, src, text_lines, text_or_none)
from samlscan.logs.base import Record
from samlscan.model import LogEvent

PRODUCT = "cas"
_BEGIN = "Audit trail record BEGIN"
_END = "Audit trail record END"
_KEYS = {"WHO": "who", "WHAT": "what", "ACTION": "action", "APPLICATION": "application", "WHEN": "when",
         "CLIENT IP ADDRESS": "client_ip", "CLIENT_IP": "client_ip", "SERVER IP ADDRESS": "server_ip",
         "SERVER_IP": "server_ip", "USER AGENT": "user_agent", "USER_AGENT": "user_agent",
         "GEO LOCATION": "geo", "GEO_LOCATION": "geo", "HEADERS": "headers"}
_JSON_KEYS = {"who": "who", "what": "what", "action": "action", "application": "application", "when": "when",
              "clientIpAddress": "client_ip", "serverIpAddress": "server_ip"}
_FIELD = lazyre.compile(r"^\s*(" + "|".join(sorted(map(re.escape, _KEYS), key=len, reverse=True)) + r")\s*:\s?(.*)$")
_LOG = lazyre.compile(r"^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?)\s+(?:\[[^\]]*\]\s+)?"
                  r"(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\s+(?:\[[^\]]*\]\s+)?\[((?:org\.apereo|org\.jasig)[^\]]*)\]"
                  r"\s+-\s+<?(.*?)>?\s*$")
_JAVA_DATE = lazyre.compile(r"^[A-Z][a-z]{2} ([A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2}) (\S+) (\d{4})$")
_APP = lazyre.compile(r"\b(?:service|entityId|providerId|issuer)=\[?([^\s,}\]]+)")
_SERVICE = lazyre.compile(r"(?:[Ss]ervice \[|linked to \[?)([^\]\s]+)")
_FOR_USER = lazyre.compile(r"for use by \[([^\]]+)\]")
_LOGIN = ("SAML2_RESPONSE", "AUTHENTICATION", "SERVICE_TICKET", "SERVICE_ACCESS_ENFORCEMENT")
"""The actions of a browser's login to an SP through CAS (their failures fail it)."""
_FAILED = ("_FAILED", "_NOT_CREATED", "_DENIED")
_GRANTED = "Service Access Granted"


class CasParser:
    name = PRODUCT
    empty_reason = "an Apereo CAS log with no SAML2 or sign-in event"

    def sniff(self, head: str) -> bool:
        if _BEGIN in head and re.search(r"^\s*(?:WHO|ACTION)\s*:", head, re.MULTILINE):
            return True
        lines = head.splitlines()[:50]
        return any(_LOG.match(line) or _json_record(line) is not None for line in lines)

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        rec: _Open | None = None
        for no, line in text_lines(lines):
            m = _LOG.match(line)
            body = m[4] if m else line
            if _BEGIN in body:
                if rec is not None:
                    yield rec.close(path, tz)
                rec = _Open(no, m[1] if m else None)
                rec.inline(body.split(_BEGIN, 1)[1])
                continue
            if rec is not None and m is None:
                if rec.take(line):
                    continue
                if _END in line or line.strip().startswith("===") and rec.fields:
                    yield rec.close(path, tz)
                    rec = None
                continue
            if rec is not None:  # a new log line: the record had no closing rule
                yield rec.close(path, tz)
                rec = None
            obj = _json_record(body)
            if obj is not None:
                yield _event({_JSON_KEYS[k]: v for k, v in obj.items() if k in _JSON_KEYS}, no,
                             m[1] if m else None, path, tz)
            elif m is not None:
                yield from _logline(m, no, path, tz)
        if rec is not None:
            yield rec.close(path, tz)


class _Open:
    """An audit record being read: its first line, the log line's time, its fields so far."""

    def __init__(self, no: int, logtime: str | None):
        self.no, self.logtime, self.fields, self.last = no, logtime, {}, None

    def inline(self, rest: str) -> None:
        """cas.audit.singleline: the fields follow BEGIN on its own line, split by a separator."""
        for part in re.split(r"(?<!\s)\s*[|;]\s*", rest):  # (not from inside a run of spaces: quadratic)
            self.take(part)

    def take(self, line: str) -> bool:
        f = _FIELD.match(line)
        if f is not None:
            self.last = _KEYS[f[1]]
            self.fields[self.last] = f[2].strip()
            return True
        if self.last == "what" and line.strip() and not line.strip().startswith("==="):
            self.fields["what"] += " " + line.strip()  # (a WHAT printed over lines: a map's toString)
            return True
        return False

    def close(self, path: str, tz: tzinfo) -> Record:
        if "action" not in self.fields:
            return malformed(path, self.no, "a CAS audit trail record without an ACTION")
        return _event(self.fields, self.no, self.logtime, path, tz)


def _json_record(text: str) -> dict | None:
    text = text.strip()
    if not (text.startswith("{") and '"action"' in text and '"who"' in text):
        return None
    obj = json_or_none(text)
    return obj if isinstance(obj, dict) and isinstance(obj.get("action"), str) else None


def _when(value, logtime: str | None, tz: tzinfo) -> tuple[datetime | None, bool]:
    """WHEN when it names its zone, else the log line's local time, else WHEN read in `tz`."""
    text = value if isinstance(value, str) else None
    when, local = parse_iso(text, tz) if text else (None, False)
    if when is not None and not local:
        return when, False
    if logtime:
        return parse_iso(logtime, tz)
    if when is not None:
        return when, local
    m = _JAVA_DATE.match(text.strip()) if text else None
    if m is None:
        return None, False
    try:
        naive = datetime.strptime(f"{m[1]} {m[3]}", "%b %d %H:%M:%S %Y")
    except ValueError:
        return None, False
    if m[2] in ("UTC", "GMT", "Z"):
        return naive.replace(tzinfo=timezone.utc), False
    return local_to_utc(naive, tz)  # (a zone abbreviation: CEST names no offset Python can trust)


def _outcome(action: str, what: str) -> str:
    if not action.startswith(_LOGIN):
        return "info"
    if action == "SAML2_RESPONSE_CREATED":
        return "success"
    if action.endswith(_FAILED):
        return "failure"
    if action.startswith("SERVICE_ACCESS_ENFORCEMENT") and "result=" in what and _GRANTED not in what:
        return "failure"
    return "info"


def _event(f: dict, no: int, logtime: str | None, path: str, tz: tzinfo) -> Record:
    action = text_or_none(f.get("action"))
    if action is None:
        return malformed(path, no, "a CAS audit trail record without an ACTION")
    what = str(f.get("what") or "")
    time, local = _when(f.get("when"), logtime, tz)
    if time is None:
        return malformed(path, no, "a CAS audit trail record without a readable time")
    outcome = _outcome(action, what)
    code = (classify(PRODUCT, action, what) or "unknown-failure") if outcome == "failure" else None
    who = text_or_none(f.get("who"))
    app = _APP.search(what)
    return LogEvent(
        source=src(path, no), time=time, product=PRODUCT, side="idp", outcome=outcome,
        text=f"{action}: {what}" if what else action, code=code,
        user=None if who in (None, "audit:unknown") else who, ip=text_or_none(f.get("client_ip")),
        app=app[1] if app else None, raw_code=action, local_time=local)


def _logline(m: re.Match, no: int, path: str, tz: tzinfo) -> Iterator[Record]:
    """A cas.log WARN/ERROR the catalog knows: CAS refused the request (no user on these lines)."""
    when, level, _logger, msg = m.groups()
    if level not in FAILURE_LEVELS:  # (before the message's searches: most lines are INFO)
        return
    app, user = _SERVICE.search(msg), _FOR_USER.search(msg)
    yield from known_failure(PRODUCT, path, no, "cas.log", when, level, msg, tz, user=user[1] if user else None,
                             app=app[1].rstrip(".") if app else None)


PARSER = CasParser()
