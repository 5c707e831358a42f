"""SonarQube web.log: text layout and JSON layout (sonar.log.jsonOutput=true), both SAML engines.

Text: `%d{yyyy.MM.dd HH:mm:ss} %-5level web[<HTTP_REQUEST_ID>][%logger{20}] %msg` in server local
time (sonar-process LogbackHelper); stack traces follow on plain lines. JSON: LogbackJsonLayout,
one object per line with `date` (offset), `logger`, `message`, `stacktrace[]`.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from typing import Iterable, Iterator

from samlscan import lazyre
from samlscan.logs._common import (
    MAX_TEXT_LINE, SHARED_MAX as _SHARED_MAX, classified, first_ip, from_epoch_ms, json_events, local_to_utc,
    malformed, parse_iso, shared as _shared, src, text_lines, text_or_none,
)
from samlscan.logs.base import Record
from samlscan.logs.embedded import XmlDump, cut_xml, embedded_records, may_hold, opens_xml
from samlscan.model import IP_FORWARDED, LogEvent

PRODUCT = "sonarqube"

_LINE = lazyre.compile(
    r"^(\d{4})\.(\d{2})\.(\d{2}) (\d{2}):(\d{2}):(\d{2}) (TRACE|DEBUG|INFO|WARN|ERROR)\s+"
    r"(\w+)\[([^\]]*)\]\[([^\]]*)\] ?(.*)$")
_LOOKS_LIKE = lazyre.compile(r"^\d{4}\.\d{2}\.\d{2}\b")
# The same line as users paste it into forums and issues: the date left out ('DEBUG web[..][auth.event]
# login failure ...', community.sonarsource.com/t/144726 and /t/14392) or cut at its start
# ('018.12.13 15:46:43 ERROR web[..]', /t/5129). Only SonarQube's process names follow the level, so
# the line stays SonarQube's; it has no usable time.
_BARE = lazyre.compile(
    r"^(?:[\d.]* ?\d{2}:\d{2}:\d{2} )?(TRACE|DEBUG|INFO|WARN|ERROR)\s+"
    r"(web|ce|app|es)\[([^\]]*)\]\[([^\]]*)\] ?(.*)$")
# Loggers whose lines can matter for a SAML login (shortened or full names, both engines). OpenSAML's
# xmlsec/security packages name no SAML: its Decrypter (org.opensaml.xmlsec.encryption.support, logged
# as o.o.x.e.s.Decrypter) ERRORs 'Failed to decrypt EncryptedData using either ...' on a wrong SP key.
_RELEVANT_LOGGER = lazyre.compile(
    r"auth\.event|AuthenticationError|saml|Saml|SAML|c\.o\.|onelogin|UserRegistrar|"
    r"OAuth2CallbackFilter|AuthenticationFilter|OAuthCsrfVerifier|o\.s\.s\.a\.|"
    r"org\.sonar\.server\.authentication|\bo\.o\.[csx]\.")
# auth.event (AuthenticationEventImpl): login success/failure, logout success/failure.
_AUTH = lazyre.compile(
    r"^(?P<what>login|logout) (?P<result>success|failure) "
    r"(?:\[(?:cause|error)\|(?P<cause>.*?)\](?=\[(?:method|IP)\|))?"
    r"(?:\[method\|(?P<method>[^\]]*)\])?"
    r"(?:\[provider\|(?P<ptype>[^|\]]*)\|(?P<pname>.*?)\](?=\[IP\|))?"
    r"\[IP\|(?P<remote>[^|\]]*)\|(?P<xff>[^\]]*)\]"
    r"(?:\[login\|(?P<login>.*)\])?\s*$")  # 'logout failure [error|..][IP|..|..]' has no login
# Spring Security SAML2 texts that name Response/Assertion IDs (Saml2ErrorCodes templates).
# OpenSaml4AuthenticationProvider DEBUG 'Successfully processed SAML Response [<id>]' (capital R) and
# SamlMessageIdChecker TRACE "Validating that response ID '<id>' was not already used" tie a
# request ID to its Response ID on successful logins too.
_SAML_IDS = lazyre.compile(
    r"(?:(?:for SAML|SAML) [Rr]esponse|Invalid assertion|for object|decrypt response|"
    r"Assertion) \[([^\]\s]+)\]|response ID '([^'\s]+)'")
# SonarqubeSaml2ResponseValidator logs its (InResponseTo-filtered) Saml2Error list at DEBUG on
# every callback: '[]' means SonarQube's part of the validation passed (not a failure).
_SAML_ID_LITERALS = ("esponse [", "ssertion [", "object [", "response ID '")
"""Every _SAML_IDS match holds one of these: a cheap test before the regex (most texts name no ID)."""
_NO_VALIDATION_ERRORS = lazyre.compile(r"^Saml validation errors: \[\]\s*$")
_EXC_LINE = lazyre.compile(r"^(?:Caused by: )?[\w$.]+(?:Exception|Error|Throwable)\b(?::\s*(.*))?$")
_GROUPS = lazyre.compile(r"^List of groups returned by the identity provider|^Adding user '|"
                     r"^Removing group '")
_USER_IN_TEXT = lazyre.compile(r"(?:Adding user|from user|Email) '([^']+)'")
_JAVA_SAML_DUMP = lazyre.compile(r"SAMLResponse (?:invalid|validated) -->|SAMLRequest -->|SAMLResponse -->")


@dataclass(slots=True)
class _Pending:
    """A header line waiting for its stack trace lines."""

    no: int
    time: datetime | None
    local: bool
    level: str
    request_id: str | None
    logger: str
    message: str
    first_exc: str | None = None
    caused_by: str | None = None
    trace_lines: int = 0
    extra: list[str] = field(default_factory=list)


_DUMPED_REQUESTS = 64
"""Requests whose dumps are remembered, and digests per request: the lines of concurrent callbacks
interleave (request A's XML dump, B's, then A's base64), so the last request alone was not enough;
a callback dumps one or two messages."""
REQUEST_SPAN = 300
"""Seconds no SAML callback's request lasts (its dumps come within it; proxies time a request out
after 60 s by default: AWS ALB, nginx's proxy_read_timeout), so its dumps lie closer than this."""


@dataclass(slots=True)
class _Dumped:
    """The messages already dumped by recent requests: java-saml dumps one response twice
    (SamlResponse's 'SAMLResponse invalid --> <xml>', then Auth's ' --> <base64>' of the same bytes);
    the second copy is the same message, not a second one (nor a replay)."""

    seen: dict = field(default_factory=dict)  # request ID -> digests of its messages, oldest first
    firsts: dict | None = None
    """Request ID -> how many requests dumped before its first dump, when asked (reaches_back)."""

    def once(self, records: Iterable[Record]) -> Iterator[Record]:
        for rec in records:
            key = _dump_key(rec.value) if rec.request_id is not None else None
            if key is None:
                yield rec
                continue
            if self.firsts is not None:
                self.firsts.setdefault(rec.request_id, len(self.firsts))
            digests = self.seen.pop(rec.request_id, None) or set()
            self.seen[rec.request_id] = digests
            if len(self.seen) > _DUMPED_REQUESTS:
                del self.seen[next(iter(self.seen))]
            if key not in digests:
                if len(digests) < _DUMPED_REQUESTS:  # (a request of thousands of dumps: bounded memory)
                    digests.add(key)
                yield rec


def _dump_key(value: str) -> bytes | None:
    """A digest of the message's bytes, whether dumped as XML or as base64 (None: neither), line
    ends made one: the JSON layout writes a message's line feeds as carriage returns
    (LogbackJsonLayout), which XML reads as line feeds (XML 1.0 2.11), so the XML dump is the same
    document as the base64 one."""
    text = value.strip()
    if text.startswith("<"):  # (a JSON log's '\\udfff' is a lone surrogate: kept as its bytes, no crash)
        raw = text.encode("utf-8", "surrogatepass")
    else:
        try:
            raw = base64.b64decode(text, validate=False).strip()
        except (binascii.Error, ValueError):
            return None
    return hashlib.sha256(raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")).digest()


KIND = f"log:{PRODUCT}"
"""An input read as SonarQube's web.log (InputResult.kind)."""


class SonarQubeParser:
    name = PRODUCT
    range_context = frozenset({"before"})
    """A range of a big log is read after the lines before it (batch.CONTEXT_BYTES): java-saml's
    second dump of a request in the next range is known for the first's (_Dumped)."""

    def sniff(self, head: str) -> bool:
        for line in head.splitlines()[:200]:
            if _LINE.match(line) or _BARE.match(line):
                return True
            if line.startswith("{") and '"process"' in line and '"logger"' in line and \
                    ('"severity"' in line or '"instant"' in line):
                return True
        return False

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo,
              dumped: _Dumped | None = None) -> Iterator[Record]:
        lines = iter(text_lines(lines))
        first = next(lines, None)
        if first is None:
            return
        rest = _chain(first, lines)
        dumped = _Dumped() if dumped is None else dumped  # (java-saml's two dumps of one response)
        if first[1].lstrip().startswith("{"):
            yield from json_events(rest, path, lambda obj, no: self._json_record(obj, no, path, tz, dumped))
        else:
            yield from self._text(rest, path, tz, dumped)

    def reaches_back(self, lines: Iterable[tuple[int, str]], edges: tuple[str, str], path: str,
                     tz: tzinfo) -> bool:
        """Whether the lines read before a range (batch's context) may not hold what the whole
        reading remembers at the cut (_Dumped: a request's dumps, the last _DUMPED_REQUESTS requests'):
        they name fewer requests than it remembers (one dumped before them may be remembered), or one
        it still remembers at their end is among the first it read (it may have dumped before them
        too). Otherwise each request it remembers began its memory in them: the range knows what the
        whole reading knows (one request's dump far past its first was another message in ranges).
        Lines spanning more than REQUEST_SPAN need nothing before them: a request dumping in the range
        began after their start (a dense log's ranges would read 4 MB back each, ~10% of a big scan)."""
        first, last = (_line_time(line) for line in edges)
        if first is not None and last is not None and (last - first).total_seconds() > REQUEST_SPAN:
            return False
        dumped = _Dumped(firsts={})
        for _ in self.parse(lines, path, tz, dumped):
            pass
        return len(dumped.firsts) < _DUMPED_REQUESTS or any(
            dumped.firsts[rid] < _DUMPED_REQUESTS for rid in dumped.seen)

    # --- text layout ------------------------------------------------------------------------

    def _text(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo, dumped: _Dumped) -> Iterator[Record]:
        pending: _Pending | None = None
        dump: XmlDump | None = None  # an XML dump whose record may go on over the next lines
        stamp, when = None, None  # consecutive lines share their second: parse it once
        last_reqid = None
        head = None  # (line, time, request ID) of the record the lines continue
        for no, line in lines:
            m = _LINE.match(line)
            bare = _BARE.match(line) if m is None else None
            if m is None and bare is None:
                if _LOOKS_LIKE.match(line):
                    if pending is not None:
                        yield _finish(pending, path)
                        pending = None
                    if dump is not None:
                        yield from dumped.once(dump.records(path))
                        dump = None
                    head = None
                    yield malformed(path, no, "web.log line without level/process/logger")
                elif dump is not None:
                    dump.add(line)
                elif head is not None and opens_xml(line):  # a message printed under its record's line
                    dump = XmlDump(head[0], head[1], PRODUCT, head[2], [line], printed=True, local_time=head[3])
                elif pending is not None and line.strip():
                    _add_trace(pending, line)
                continue
            if pending is not None:
                yield _finish(pending, path)
                pending = None
            if dump is not None:
                yield from dumped.once(dump.records(path))
                dump = None
            if bare is not None:
                level, _proc, reqid, logger, msg = bare.groups()
                head = (no, None, reqid or None, False)
                if _relevant(logger, level, msg):
                    pending = _Pending(no, None, False, level, reqid or None, logger, msg)
                continue
            y, mo, d, h, mi, s, level, _proc, reqid, logger, msg = m.groups()
            if reqid == last_reqid:  # a request's lines follow each other: one string object
                reqid = last_reqid
            last_reqid = reqid
            if line[:19] != stamp:
                try:
                    when = local_to_utc(datetime(int(y), int(mo), int(d), int(h), int(mi), int(s)), tz)
                except ValueError:
                    head = None
                    yield malformed(path, no, "invalid date in web.log line")
                    continue
                stamp = line[:19]
            time, local = when
            head = (no, time, reqid or None, local)
            if may_hold(msg):  # the dump markers, checked here: most lines have none
                if cut_xml(msg):  # java-saml's SamlResponse dumps the XML as it came ('SAMLResponse
                    # invalid --> <samlp:Response...'): the record goes on over the next lines when
                    # the IdP's XML has line breaks (base64 wrapped at 64 or 76, an indented document)
                    dump = XmlDump(no, time, PRODUCT, reqid or None, [msg], local_time=local)
                else:
                    yield from dumped.once(embedded_records(path, no, msg, time, PRODUCT, reqid or None,
                                                            local_time=local))
            if not _relevant(logger, level, msg):
                continue  # other loggers at INFO: skipped cheaply (their traces too)
            pending = _Pending(no, time, local, level, reqid or None, logger, msg)
        if pending is not None:
            yield _finish(pending, path)
        if dump is not None:
            yield from dumped.once(dump.records(path))

    # --- JSON layout ------------------------------------------------------------------------

    def _json_record(self, obj: dict, no: int, path: str, tz: tzinfo, dumped: _Dumped) -> Iterator[Record]:
        msg = str(obj.get("message") or "")
        # logback's JSON layout writes an offset; a 'date' without one is in the server's zone, as
        # the text layout's: read in --timezone's zone for this log (UTC when none is given)
        time, local = parse_iso(obj.get("date"), tz)
        if local and (instant := from_epoch_ms(obj.get("instant"))) is not None:
            time, local = instant, False  # (the epoch instant is UTC: it wins over a zone-less date)
        if time is None:
            time, local = from_epoch_ms(obj.get("instant")), False
        level = str(obj.get("severity") or obj.get("level") or "INFO").upper()
        logger = str(obj.get("logger") or "")
        reqid = text_or_none(obj.get("HTTP_REQUEST_ID"))
        yield from dumped.once(embedded_records(path, no, msg, time, PRODUCT, reqid, local_time=local))
        if not _relevant(logger, level, msg):
            return
        lines = re.split(r"[\r\n]+", msg)
        pending = _Pending(no, time, local, level, reqid, logger, lines[0])
        for extra in lines[1:]:
            _add_trace(pending, extra)
        stack = obj.get("stacktrace")
        if isinstance(stack, list):
            for entry in stack:
                for part in re.split(r"[\r\n]+", str(entry)):
                    _add_trace(pending, part)
        yield _finish(pending, path)


def _chain(first, rest):
    yield first
    yield from rest


_LOGGERS: dict[str, bool] = {}
"""Logger -> whether _RELEVANT_LOGGER names it: a log has a few hundred loggers, on every line."""


def _relevant(logger: str, level: str, msg: str) -> bool:
    named = _LOGGERS.get(logger)
    if named is None:
        if len(_LOGGERS) >= _SHARED_MAX:
            _LOGGERS.clear()
        _LOGGERS[logger] = named = _RELEVANT_LOGGER.search(logger) is not None
    if not named and level not in ("WARN", "ERROR"):
        return False  # (nothing its text says can make it relevant: most lines, not searched)
    # a dump itself is yielded as EmbeddedSaml, not as an event
    return _JAVA_SAML_DUMP.search(msg) is None and (named or "saml" in msg.lower())


def _add_trace(p: _Pending, line: str) -> None:
    """Keep only what the event needs from a stack trace: the first exception line and the first
    `Caused by` (SonarQube wraps the engine's exception; the cause names the SAML problem)."""
    p.trace_lines += 1
    text = line.strip()
    if text.startswith("at ") or text.startswith("..."):
        return
    m = _EXC_LINE.match(text)
    if m is None:
        if p.trace_lines <= 20 and len(p.extra) < 20:
            p.extra.append(text)  # e.g. '[1] SubjectConfirmationData ...' continuation lines
        return
    if text.startswith("Caused by:"):
        if p.caused_by is None:
            p.caused_by = text[len("Caused by:"):].strip()
    elif p.first_exc is None:
        p.first_exc = text


_MALFORMED_AUTH = "auth.event line not in the AuthenticationEventImpl format"
_DERIVED: dict[tuple, tuple | str] = {}
_DERIVED_MAX, _DERIVED_TEXT = 8192, 2048
"""Records remembered, and the longest text of one remembered (the table stays a few tens of MB)."""
_PROCESS_RESPONSE = lazyre.compile(r"processResponse error\. (\w+)")


def _finish(p: _Pending, path: str) -> Record:
    key = (p.logger, p.level, p.message, p.caused_by, p.first_exc, tuple(p.extra))
    got = _DERIVED.get(key)
    if got is None:  # the same failure repeats for every login until it is fixed: derive it once
        got = _derive(*key)
        if not p.extra and len(p.message) + len(p.caused_by or "") + len(p.first_exc or "") <= _DERIVED_TEXT:
            if len(_DERIVED) >= _DERIVED_MAX:
                _DERIVED.clear()
            _DERIVED[key] = got
    if isinstance(got, str):  # _MALFORMED_AUTH
        return malformed(path, p.no, got)
    outcome, text, code, ids, raw_code, user, ip, app, (ip_from, peer), text_entry = got
    return LogEvent(source=src(path, p.no), time=p.time, product=PRODUCT, side="sp",
                    outcome=outcome, text=text, code=code, user=user, ip=ip,
                    request_id=p.request_id, saml_ids=ids, app=app, raw_code=raw_code,
                    local_time=p.local, ip_from=ip_from, peer=peer, text_entry=text_entry)


def _derive(logger: str, level: str, message: str, caused_by: str | None, first_exc: str | None,
            extra: tuple[str, ...]) -> tuple | str:
    """(outcome, text, code, SAML ids, raw code, user, ip, app, (ip_from, peer), text_entry) of one
    record, from what its lines say (LogEvent.ip_from, .peer, .text_entry); _MALFORMED_AUTH for an
    auth.event line of another shape."""
    cause = caused_by or first_exc
    text = message
    if cause:
        text = f"{message}: {cause}" if message else cause
    elif extra and level in ("WARN", "ERROR"):
        text = " ".join((message,) + extra)
    user = ip = app = raw_code = ip_from = peer = None
    outcome = "info"
    auth = _AUTH.match(message) if "auth.event" in logger else None
    if auth is None and "auth.event" in logger and extra:
        # AuthenticationEventImpl.loginFailure/logoutFailure log e.getMessage() unsanitised (only
        # the success login goes through sanitizeLog): a cause with a line break continues the
        # record on the next line(s).
        auth = _AUTH.match(" ".join((message,) + extra))
    if "auth.event" in logger and auth is None:
        return _MALFORMED_AUTH
    if auth is not None:
        outcome = "success" if auth["result"] == "success" else "failure"
        if auth["what"] == "logout":
            # logoutFailure (LogoutAction: reading the JWT session token failed) is no SAML login
            # attempt; counting it as a failed login made an attempt without a cause.
            outcome = "info"
        user = text_or_none(auth["login"])
        # [IP|<getRemoteAddr()>|<the X-Forwarded-For headers joined by ','>] (AuthenticationEventImpl;
        # empty without the header): the browser is the forwarded list's first, the remote the hop
        remote = text_or_none(auth["remote"])
        ip = first_ip(auth["xff"]) or remote
        if ip is not None and ip != remote:
            ip_from, peer = IP_FORWARDED, remote and _shared(remote)
        # [provider|EXTERNAL|<name>] is sonar.auth.saml.providerName, the login button's label:
        # not the SP's name (it stays in the text)
        code_text = auth["cause"] or ""
        text = auth.string
    else:
        if level in ("WARN", "ERROR"):
            outcome = "failure"
        elif message.startswith("Saml validation errors") or \
                message.startswith("Found ") and "validation errors" in message:
            outcome = "info" if _NO_VALIDATION_ERRORS.match(message) else "failure"
        code_text = text
        m = _PROCESS_RESPONSE.search(text)
        if m:
            raw_code = m.group(1)
        if _GROUPS.search(message):
            outcome = "info"
        u = _USER_IN_TEXT.search(message)
        if u:
            user = u.group(1)
    ids = tuple(dict.fromkeys(a or b for a, b in _SAML_IDS.findall(text))) if any(
        lit in text for lit in _SAML_ID_LITERALS) else ()
    code, looked = classified(PRODUCT, raw_code, code_text) if outcome == "failure" else (None, None)
    return (outcome, _shared(text), code, ids, raw_code, user and _shared(user), ip and _shared(ip),
            app and _shared(app), (ip_from, peer), looked if code_text == text else None)


_MISSING = (re.compile(r"(?:Exception: |\|)([^|\]\n]{1,300}?) is missing(?=\]|\s*$)"),
            re.compile(r"^([^|\]\n]{1,300}?) is missing\s*$"))
"""SonarQube's refusal of a user whose assertion lacks an attribute: '<attribute> is missing', the
attribute named as sonar.auth.saml.user.login or .user.name sets it (sonar-auth-saml
SamlIdentityProvider.getNonNullFirstAttribute(auth, samlSettings.getUserLogin()/getUserName()):
requireNonNull(attribute, String.format("%s is missing", key)); 2025.1+ PrincipalToUserIdentityConverter:
IllegalStateException("%s is missing".formatted(attribute))). The email is optional: never refused."""
ATTRIBUTE_CODES = ("login-attribute-missing", "name-attribute-missing")


def missing_attribute(text: str) -> str | None:
    """The attribute a '<attribute> is missing' refusal names, as the settings spell it."""
    m = _MISSING[0].search(text) or _MISSING[1].match(text)  # (the exception's text, else the line's own)
    return m[1].strip() if m else None


def attribute_code(text: str, login: str | None, name: str | None) -> str | None:
    """The code of an '<attribute> is missing' refusal by the setting that names that attribute
    (login first: SonarQube reads it first); None when neither setting names it."""
    attr = missing_attribute(text)
    return next((code for code, want in zip(ATTRIBUTE_CODES, (login, name)) if attr and attr == want), None)


def by_attribute_settings(events: tuple, expect) -> tuple:
    """`events` with each SonarQube '<attribute> is missing' refusal coded by the setting naming the
    attribute (name-attribute-missing for sonar.auth.saml.user.name's), when the settings are given."""
    login, name = getattr(expect, "login_attribute", None), getattr(expect, "name_attribute", None)
    if not (login or name):
        return events
    out = []
    for e in events:
        if e.product == PRODUCT and e.code in ATTRIBUTE_CODES and (code := attribute_code(e.text, login, name)):
            e = replace(e, code=code)
        out.append(e)
    return tuple(out)


PARSER = SonarQubeParser()


def _line_time(line: str) -> datetime | None:
    """The (zone-less) time a text web.log line starts with; None for any other line."""
    m = _LINE.match(line)
    try:
        return datetime(*map(int, m.groups()[:6])) if m else None
    except ValueError:
        return None
