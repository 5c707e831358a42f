"""Shibboleth IdP: idp-audit.log (pipe-separated, site-configurable field order) and
idp-process.log (`%date{ISO8601} - %mdc{idp.remote_addr} - %level [%logger:%line] - %msg`);
Shibboleth SP: shibd.log (shibd.logger's `%d{%Y-%m-%d %H:%M:%S} %p %c %x: %m`, the NDC `[thread]
[application]`), whose refused assertions are the SP's failures.

Audit field letters: AuditLoggingConfiguration (IDP5 wiki); default orders from the v4/v5 and v3
audit.xml. The v3 default writes %T as yyyyMMdd'T'HHmmss'Z'.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Iterable, Iterator

from samlscan import lazyre
from samlscan.logs._common import (
    classify, malformed, parse_iso, shared_or_none, src, text_lines, text_or_none,
)
from samlscan.logs.base import Record
from samlscan.logs.embedded import XmlDump, cut_xml, embedded_records, may_hold, opens_xml
from samlscan.model import LogEvent

PRODUCT = "shibboleth"
V4_FORMAT = ("%a|%ST|%T|%u|%SP|%i|%ac|%t|%attr|%n|%f|%SSO|%XX|%XA|%b|%bb|%e|%S|%SS|%s|%UA")
V3_FORMAT = "%T|%b|%I|%SP|%P|%IDP|%bb|%III|%u|%ac|%attr|%n|%i|"

# v3's stock pattern has no address: `%date{ISO8601} - %level [%logger:%line] - %msg`
_PROCESS = lazyre.compile(
    r"^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[,.]\d{1,3})?)\s+-\s+(?:(\S*)\s+-\s+)?"
    r"(TRACE|DEBUG|INFO|WARN|ERROR)\s+\[([^\]:]+)(?::(\d+))?\]\s+-\s+(.*)$")
# shibd.log: '2019-08-07 23:27:10 DEBUG OpenSAML.MessageDecoder.SAML2 [2527] [default]: ...'
# (FusionAuth/fusionauth-issues 240); samltest.id's FAQ quotes its lines without the NDC.
_SP_LINE = lazyre.compile(
    r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (DEBUG|INFO|NOTICE|WARN|ERROR|CRIT|FATAL) "
    r"((?:Shibboleth|OpenSAML|XMLTooling)[\w.-]*)(?: ((?:\[[^\]]*\] ?)+))?: (.*)$")
# The SP's AssertionConsumerService logs every refused SSO response as
# 'error processing incoming assertion: <what opensaml threw>' (WARN, Shibboleth.SSO.SAML2/SAML1).
_SP_REFUSAL = lazyre.compile(r"\berror processing incoming assertion\b")
# SAML2Consumer.cpp catches each assertion's exception as WARN 'detected a problem with assertion:
# <text>' and goes on with the next one: not a refusal (another assertion may do), and when none
# does, the refusal above repeats the text (cpp-sp shibsp/handler/impl/SAML2Consumer.cpp).
_SP_PROBLEM = lazyre.compile(r"\bdetected a problem with assertion\b")
# The start of the next message a thread handles (AbstractHandler 'processing message against ...').
_SP_START = lazyre.compile(r"\bprocessing message against\b")
_PROCESS_LIKE = lazyre.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")
_LOGIN_BY = lazyre.compile(r"Login by '([^']+)' (succeeded|failed)")
_COMPACT_T = lazyre.compile(r"^(\d{8})T(\d{6})Z$")
_ISO_FIELD = lazyre.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}|\d{8}T\d{6}Z")
# OpenSAML's LogEvent action (org.opensaml.profile.action.impl.LogEvent), run as a failed flow
# ends, logs log.warn("A non-proceed event occurred while processing the request: {}", event): the
# WebFlow event ID of a failure that the request's earlier lines (a WARN naming the cause, a
# 'Login by ... failed') already logged. Seen as WARN [org.opensaml.profile.action.impl.LogEvent:101]
# in v3/v4 logs; matched at any level and logger.
NON_PROCEED_TEXT = b"non-proceed event occurred"
# (IdP 3.0-3.2's LogEvent said 'An error event occurred while processing the request: <event>':
# GluuFederation/oxTrust issue 477)
_NON_PROCEED = lazyre.compile(r"(?:non-proceed|An error) event occurred while processing the request\b:?\s*(\w*)")
# SAMLMetadataLookupHandler logs an SP the IdP has no metadata for at INFO (v3:
# 'Message Handler:  No metadata returned for <sp> in role {...}SPSSODescriptor with protocol ...';
# idem-tutorials' IdP HOWTO quotes it): the login then fails, and its non-proceed line is the echo.
_INFO_FAILURE = lazyre.compile(r"\bNo metadata returned for \S+ in role \S*SPSSODescriptor\b")
ECHO_WINDOW = timedelta(seconds=5)
"""A non-proceed line this soon after a failure of the same client address is that failure's echo
(the same request ends: milliseconds apart in practice)."""


class ShibbolethParser:
    name = PRODUCT
    range_context = frozenset({"before", "after"})
    """shibd.log: a thread's failed check waits for its refusal a few lines below (_Detail), and a
    message is printed under its record: a range reads the lines before it and after it (batch._context)."""

    def __init__(self, audit_format: str | None = None) -> None:
        self.audit_format = audit_format
        """An explicit audit format (`%a|%T|...` from audit.xml); else v4/v5 or v3 by shape."""

    def sniff(self, head: str) -> bool:
        for line in head.splitlines()[:50]:
            m = _PROCESS.match(line)
            if m and (m.group(4).startswith(("net.shibboleth", "org.opensaml", "Shibboleth-", "PROTOCOL_MESSAGE"))):
                return True
            if _SP_LINE.match(line):
                return True
            if line.count("|") >= 10 and _ISO_FIELD.search(line) and (
                    "urn:oasis:names:tc:SAML" in line or "|http" in line):
                return True
        return False

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        fields: list[str] | None = _fields(self.audit_format) if self.audit_format else None
        failures = _LastFailures()
        details: dict[str | None, _Detail] = {}  # shibd.log: a thread's failed check awaiting its refusal
        head = None  # (line, time text) of the process or shibd.log record the lines continue
        dump: XmlDump | None = None  # a message printed under that record's line (PROTOCOL_MESSAGE)
        for no, line in text_lines(lines):
            if dump is not None and not _PROCESS_LIKE.match(line):  # (up to the next record: a
                dump.add(line)  # certificate's base64 wrapped at 76 characters starts its lines)
                continue
            if not line.strip():
                continue
            if dump is not None:
                yield from dump.records(path)
                dump = None
            m = _PROCESS.match(line)
            if m:
                head = (no, m.group(1))
                if may_hold(m.group(6)) and cut_xml(m.group(6)):  # its declaration here, the message below
                    at, local = parse_iso(m.group(1), tz)
                    dump = XmlDump(no, at, PRODUCT, None, [m.group(6)], printed=True, local_time=local)
                yield from _process(m, no, path, tz, failures)
            elif (sp := _SP_LINE.match(line)) is not None:
                head = (no, sp.group(1))
                yield from _sp_line(sp, no, path, tz, details)
            elif head is not None and opens_xml(line):
                at, local = parse_iso(head[1], tz)
                dump = XmlDump(head[0], at, PRODUCT, None, [line], printed=True, local_time=local)
            elif line.count("|") >= 3:
                head = None
                if fields is None:
                    fields = _fields(_guess_format(line))
                yield from _audit(line, fields, no, path)
            elif _PROCESS_LIKE.match(line):
                head = None
                yield malformed(path, no, "idp-process.log line without level/logger")
            # else: %ex{short} stack trace lines
        if dump is not None:
            yield from dump.records(path)
        for detail in details.values():
            yield from detail.alone(path)


def _fields(fmt: str) -> list[str]:
    return [f.strip().lstrip("%") for f in fmt.split("|")]


def _guess_format(line: str) -> str:
    """v3 starts with the record time; v4/v5 with the client address."""
    first = line.split("|", 1)[0]
    return V3_FORMAT if _ISO_FIELD.match(first) else V4_FORMAT


def _audit_time(text: str | None) -> datetime | None:
    if not text:
        return None
    m = _COMPACT_T.match(text)
    if m:
        try:
            return datetime.strptime(m[1] + m[2], "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
        except ValueError:
            return None
    return parse_iso(text)[0]


def _audit(line: str, names: list[str], no: int, path: str) -> Iterator[Record]:
    values = line.split("|")
    if len(values) > len(names) and names and names[-1] == "UA":
        values = values[:len(names) - 1] + ["|".join(values[len(names) - 1:])]  # '|' in a UA
    if abs(len(values) - len(names)) > 1:
        yield malformed(path, no, f"{len(values)} audit fields, the format has {len(names)}")
        return
    f = {n: text_or_none(v) for n, v in zip(names, values) if n}
    time = _audit_time(f.get("T"))
    if time is None:
        yield malformed(path, no, "audit record without a readable %T time")
        return
    status = f.get("S")
    sub = f.get("SS")
    event = f.get("e")
    failed = (status is not None and not status.endswith(":Success")) or \
        (event is not None and event != "Proceed")
    outcome = "failure" if failed else ("success" if f.get("i") or f.get("III") else "info")
    raw_code = (sub or status or event).rsplit(":", 1)[-1] if failed and (sub or status or event) \
        else None
    ids = tuple(dict.fromkeys(x for x in (f.get("i"), f.get("III"), f.get("I"), f.get("II")) if x))
    code = classify(PRODUCT, raw_code, line) if failed else None
    # (an audit log's 100,000s of records name a few SPs, users and addresses: one copy of each)
    yield LogEvent(
        source=src(path, no), time=time, product=PRODUCT, side="idp", outcome=outcome, text=line,
        code=code, user=shared_or_none(f.get("u") or f.get("n")), ip=shared_or_none(f.get("a")),
        request_id=f.get("s"), saml_ids=ids, app=shared_or_none(f.get("SP")), raw_code=shared_or_none(raw_code))


class _LastFailures:
    """The recent failures logged for each client address (time, user, code), for telling a
    non-proceed line that echoes one from one that is the only word on a failed request. Several
    per address: a log without addresses (v3's stock pattern), or users behind one NAT, interleave
    failures, and each echo must take the failure it repeats (by its cause), not just the last."""

    MAX = 4096
    PER_ADDRESS = 16

    def __init__(self) -> None:
        self.last: dict[str | None, list[tuple]] = {}  # addr -> [(time, user, code, relying party)]

    def note(self, addr: str | None, time: datetime | None, user: str | None, code: str | None,
             party: str | None = None) -> None:
        if time is None:
            return
        if len(self.last) >= self.MAX:  # bounded: keep the recent ones (amortised: it halves)
            recent = sorted(self.last.items(), key=lambda kv: kv[1][-1][0])[self.MAX // 2:]
            self.last = dict(recent)
        kept = self.last.setdefault(addr, [])
        kept.append((time, user, code, party))
        del kept[:-self.PER_ADDRESS]

    def repeats(self, addr: str | None, time: datetime | None, code: str | None, party: str | None) -> bool:
        """`addr` had a failure of this cause within ECHO_WINDOW before `time` (not used up: the
        request's non-proceed line still echoes it), about the same relying party when both lines
        name one (a user trying two SPs, or two users behind one address, fail twice)."""
        return time is not None and code is not None and any(
            f[2] == code and timedelta(0) <= time - f[0] <= ECHO_WINDOW and (party is None or f[3] in (None, party))
            for f in self.last.get(addr, ()))

    def echoed(self, addr: str | None, time: datetime | None, code: str | None) -> tuple[bool, str | None]:
        """(True, its user) when `addr` had a failure within ECHO_WINDOW before `time`: the one of
        the same cause, else the oldest (used up)."""
        kept = self.last.get(addr)
        if not kept or time is None:
            return False, None
        near = [f for f in kept if timedelta(0) <= time - f[0] <= ECHO_WINDOW]
        if not near:
            return False, None
        got = next((f for f in near if code is not None and f[2] == code), near[0])
        kept.remove(got)
        if not kept:  # (an empty list would break the bound's sort by last time)
            del self.last[addr]
        return True, got[1]


def _process(m: re.Match, no: int, path: str, tz: tzinfo, failures: _LastFailures) -> Iterator[Record]:
    when, addr, level, logger, _line, msg = m.groups()
    if may_hold(msg) and not cut_xml(msg):  # (its time read only then: most lines carry nothing;
        # a message it opens goes on over the lines below: parse reads it whole)
        at, local = parse_iso(when, tz)
        yield from embedded_records(path, no, msg, at, PRODUCT, local_time=local)
    login = _LOGIN_BY.search(msg)
    if level not in ("WARN", "ERROR") and not login and not (level == "INFO" and _INFO_FAILURE.search(msg)):
        return  # INFO/DEBUG chatter
    if not logger.startswith(("net.shibboleth", "org.opensaml", "Shibboleth", "edu.internet2")):
        return
    time, local = parse_iso(when, tz)
    ip = text_or_none(addr)
    user, raw_code = None, None
    non_proceed = _NON_PROCEED.search(msg)
    if login:
        user = login.group(1)
        outcome = "success" if login.group(2) == "succeeded" else "failure"
        code = classify(PRODUCT, None, msg) if outcome == "failure" else None
    elif non_proceed:
        raw_code = non_proceed.group(1) or None
        # the echo of a failure already read: counted, not a second attempt; alone, the event
        # ID is the cause (MessageExpired, RelyingPartyNotRegistered, InvalidCredentials, ...)
        code = classify(PRODUCT, raw_code, msg)
        echo, user = failures.echoed(ip, time, code)
        outcome = "info" if echo else "failure"
        if echo:
            code = None
    else:  # a WARN/ERROR is a login's failure only when it names a known one (metadata refreshes,
        # expired sessions and other housekeeping are logged at WARN too)
        code = classify(PRODUCT, None, msg)
        outcome = "failure" if code else "info"
        party = _relying_party(msg)
        if code and failures.repeats(ip, time, code, party):
            # the same request's next action says it again (v3: SAMLMetadataLookupHandler's 'No
            # metadata returned', then SelectProfileConfiguration's 'not available for ...
            # shibboleth.UnverifiedRelyingParty'): counted, not a second attempt
            outcome, code = "info", None
    if outcome == "failure":
        failures.note(ip, time, user, code, _relying_party(msg))
    yield LogEvent(
        source=src(path, no), time=time, product=PRODUCT, side="idp", outcome=outcome, text=msg,
        code=code, user=user, ip=ip, raw_code=raw_code, local_time=local)


@dataclass(frozen=True)
class _Detail:
    """A shibd.log WARN/ERROR naming a known failure, held until its thread's refusal: the
    OpenSAML rule that fails logs why at ERROR and then throws ('bearer confirmation failed with
    recipient mismatch', then 'Unable to locate satisfiable bearer SubjectConfirmation in assertion.':
    cpp-opensaml saml/saml2/profile/impl/BearerConfirmationRule.cpp; likewise MessageFlowRule.cpp,
    AudienceRestrictionRule.cpp), and the ACS logs the refusal with the thrown text only."""

    no: int
    when: str
    tz: tzinfo
    code: str
    msg: str
    settled: bool = False
    """A 'detected a problem with assertion' line followed: that assertion was dropped, which is no
    failure of its own (another may do); only a refusal makes it one."""

    def stale(self, when: str) -> bool:
        """Logged over ECHO_WINDOW before `when`: of an earlier message of the thread (the rule logs
        and throws, the ACS refuses, within milliseconds). At shibd.logger's default INFO level no
        'processing message against' line (DEBUG) ends the message a settled detail was of."""
        now, then = parse_iso(when, self.tz)[0], parse_iso(self.when, self.tz)[0]
        return now is not None and then is not None and now - then > ECHO_WINDOW

    def alone(self, path: str) -> Iterator[Record]:
        """The detail as its own failure, when no refusal followed (a log cut short)."""
        if not self.settled:
            yield _sp_failure(path, self.no, self.when, self.tz, self.msg, self.code)


def _sp_line(m: re.Match, no: int, path: str, tz: tzinfo, details: dict) -> Iterator[Record]:
    """A shibd.log line: a refused assertion is a failed login of the SP, its cause the failed
    check its thread logged before (else the refusal's own text); another WARN/ERROR is such a
    check only when it names a known failure (metadata refreshes and attribute filtering are
    logged at WARN too)."""
    when, level, _category, ndc, msg = m.groups()
    thread = ndc.split("]", 1)[0] if ndc else None  # the NDC '[<thread>] [<application>]'
    if may_hold(msg):
        at, local = parse_iso(when, tz)
        yield from embedded_records(path, no, msg, at, PRODUCT, local_time=local)
    if thread in details and (_SP_START.search(msg) or details[thread].stale(when)):
        yield from details.pop(thread).alone(path)
    if level not in ("WARN", "ERROR", "CRIT", "FATAL"):
        return
    if _SP_PROBLEM.search(msg):
        if thread in details:
            details[thread] = replace(details[thread], settled=True)
        return
    code = classify(PRODUCT, None, msg)
    if _SP_REFUSAL.search(msg):
        detail = details.pop(thread, None)
        # the refusal quotes only what was thrown ('Unable to locate satisfiable bearer
        # SubjectConfirmation'); the check's own line says which and quotes the value it refused
        # (an XML object it quotes, C++ OpenSAML's 'os << *object', shown by its values: the
        # namespace declarations would push the refused Audience out of a quote's first 300 characters)
        text = f"{msg} (line {detail.no}: {_values_of_xml(detail.msg)})" if detail else msg
        yield _sp_failure(path, no, when, tz, text, (detail.code if detail else None) or code or "unknown-failure")
    elif code is not None:
        if thread in details:
            yield from details.pop(thread).alone(path)
        details[thread] = _Detail(no, when, tz, code, msg)


_TAGS = lazyre.compile(r"(?<!\s)(?:\s*<[^<>]*>\s*)+")
"""Tags and the spaces around them (from a run's first space: a start inside a long run read it again)."""


def _values_of_xml(text: str) -> str:
    """`text` with the markup of the XML it quotes taken out, its values kept, a space apart."""
    if "</" not in text and "/>" not in text:
        return text
    return re.sub(r"([(\[]) | ([)\]])", r"\1\2", _TAGS.sub(" ", text)).strip()


def _sp_failure(path: str, no: int, when: str, tz: tzinfo, msg: str, code: str) -> LogEvent:
    time, local = parse_iso(when, tz)
    return LogEvent(source=src(path, no), time=time, product=PRODUCT, side="sp", outcome="failure",
                    text=msg, code=code, local_time=local)


PARSER = ShibbolethParser()


_PARTY = lazyre.compile(r"\b(?:for|party|requester|issuer)\s+'?((?:https?://|urn:)[^\s'\"\]\[,]+)", re.I)
"""The relying party a line names ('No metadata returned for <entityID>', 'relying party '<id>''),
not a profile or protocol URI it mentions."""


def _relying_party(msg: str) -> str | None:
    m = _PARTY.search(msg)
    return m.group(1).rstrip(".:;") if m else None
