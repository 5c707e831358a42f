"""Keycloak events: JBossLoggingEventListenerProvider lines (old `key=value` and new quoted layout
with realmName), Quarkus and WildFly prefixes, JSON console logging, and admin-API event JSON.
"""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, tzinfo
from typing import Iterable, Iterator

from samlscan import lazyre
from samlscan.logs._common import (
    classify, from_epoch_ms, iter_json, local_to_utc, malformed, parse_iso, src,
    text_lines, text_or_none,
)
from samlscan.logs.base import TIMELINE_NOTE, Record
from samlscan.logs.embedded import XmlDump, cut_xml, embedded_records, may_hold, opens_xml
from samlscan.model import LogEvent

PRODUCT = "keycloak"

# Quarkus `yyyy-MM-dd HH:mm:ss,SSS LEVEL [category] (thread) msg`; WildFly console `HH:mm:ss,SSS`.
# The time is optional and the line may be indented: lines pasted into issues lose both ('TRACE
# [org.keycloak.events] (default task-539) type=...', keycloak/keycloak issue 11178; 'ERROR
# [org.keycloak.protocol.saml.SamlService] (executor-thread-6) ...', Infisical issue 1690; ' 12:58:49,476
# ERROR [...]' with its trace ' \tat ...', sentry-kubernetes/charts issue 662): such a line has no time.
_PREFIX = lazyre.compile(
    r"^[ \t]*(?:(?:(\d{4}-\d{2}-\d{2})[ T])?(\d{2}):(\d{2}):(\d{2})[,.](\d{3})\s+)?"
    r"(TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL)\s+\[([^\]]+)\]\s+\((.*?)\)\s?(.*)$")
_LOOKS_LIKE = lazyre.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}|^\d{2}:\d{2}:\d{2}[,.]\d{3}\s")
# key=value pairs: "double-quoted" (new, \" escaped), 'single-quoted' (old, values with spaces)
# or bare up to the next ', '. A key starts after a non-word character: tried from inside a word, a
# 60,000-character one without '=' (a base64 value) took 20 s, every start scanning to its end.
_PAIR = lazyre.compile(r"(?<!\w)(\w+)=(\"(?:[^\"\\]+|\\.)*+\"|'[^']*'|[^,]*)(?:,\s*|$)")
_TYPE = lazyre.compile(r"(?:^|[\s,])type=[\"']?([A-Z_]+)")
_DATE_IN_PATH = lazyre.compile(r"(\d{4})-(\d{2})-(\d{2})")
# Categories of Keycloak's SAML code: SamlService (Keycloak as IdP: "request validation failed: ..."
# when a client's AuthnRequest signature fails) and the SAML broker's SAMLEndpoint (Keycloak as SP:
# "validation failed: ..."). Their WARN/ERROR lines name the cause the event line only codes
# (keycloak issues 9229, 15011; Infisical issue 1690).
_SAML_CATEGORY = ("org.keycloak.protocol.saml", "org.keycloak.broker.saml", "org.keycloak.saml")
_BANNER = lazyre.compile(r"\] \(main\) Keycloak \d+\.\d+\.\d+\S* (?:on JVM \(powered by Quarkus|\(WildFly Core)")
"""The line Keycloak writes once started (Quarkus: 'Keycloak 26.1.3 on JVM (powered by Quarkus ..)
started', WildFly: 'Keycloak 18.0.2 (WildFly Core 18..) started'): its log, even when no event
is in the head."""
_FAIL_LEVELS = ("WARN", "WARNING", "ERROR", "FATAL")
_LOGGER_KEYS = ("loggerName", "log.logger")
"""The logger's key in JSON console logging: Quarkus' default layout, and the ECS layout
(`--log-console-json-format=ecs`, Keycloak 26: `@timestamp`, `log.logger`, `log.level`,
`process.thread.name`, `service.name` "Keycloak"; elastic/integrations keycloak test-ecs-log.log)."""


class KeycloakParser:
    name = PRODUCT
    empty_reason = "a Keycloak log with no login event (org.keycloak.events)"
    range_context = frozenset({"before", "after"})
    """A SAML error line waits for its thread's events line (_ThreadJoin), a message is printed under its
    record: a range reads the lines before it and after it (batch._context)."""

    def sniff(self, head: str) -> bool:
        if "[org.keycloak.events]" in head or any(f'"{k}":"org.keycloak.events"' in head for k in _LOGGER_KEYS):
            return True
        if any(f"[{c}." in head or f'"{k}":"{c}.' in head for c in _SAML_CATEGORY for k in _LOGGER_KEYS):
            return True
        if '"service.name":"Keycloak"' in head and '"log.logger"' in head:  # ECS layout, any line
            return True
        if '"operationType"' in head and '"resourceType"' in head:  # AdminEventRepresentation
            return True
        if _BANNER.search(head):  # its start-up line: events may come after hours of other lines
            return True
        return '"realmId"' in head and '"type"' in head and '"clientId"' in head

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        lines = iter(lines)
        first = next(lines, None)
        if first is None:
            return
        rest = _chain(first, lines)
        if first[1].lstrip().startswith(("{", "[")):
            yield from _json_lines(rest, path, tz)  # (whole: the JSON scanner joins a long line's chunks)
        else:
            yield from _text(text_lines(rest), path, tz, _date_from_path(path))


def _chain(first, rest):
    yield first
    yield from rest


def _date_from_path(path: str) -> date | None:
    """WildFly console lines carry no date; rotated files are named server.log.YYYY-MM-DD."""
    m = _DATE_IN_PATH.search(path.rsplit("/", 1)[-1])
    try:
        return date(int(m[1]), int(m[2]), int(m[3])) if m else None
    except ValueError:
        return None


def _text(lines, path: str, tz: tzinfo, day: date | None) -> Iterator[Record]:
    join = _ThreadJoin(path)
    head = None  # (line, its time's fields) of the record the lines continue
    dump: XmlDump | None = None  # a message printed under that record's line
    for no, line in lines:
        m = _PREFIX.match(line)
        if m is None:
            if _LOOKS_LIKE.match(line):
                head = None
                yield from join.add(malformed(path, no, "log line without level/category/thread"))
            elif dump is not None:
                dump.add(line)
            elif head is not None and opens_xml(line):
                at, local = _time_or_none(head[1], day, tz)
                dump = XmlDump(head[0], at, PRODUCT, None, [line], printed=True, local_time=local)
            continue  # stack trace or continuation line
        if dump is not None:
            for rec in dump.records(path):
                yield from join.add(rec)
            dump = None
        d, h, mi, s, ms, level, category, thread, body = m.groups()
        head = (no, (d, h, mi, s, ms))
        clock = ((int(h) * 60 + int(mi)) * 60 + int(s)) * 1000 + int(ms) if h else 0  # (pasted lines: one request's)
        join.line(thread, clock, category == "org.keycloak.events")
        if may_hold(body) and cut_xml(body):  # the message goes on over the lines up to the next
            # record: SAML2Response's TRACE 'SAML Response Document: ' + DocumentUtil.asString(doc)
            # keeps the document's own line breaks (a transformer's copy of every text node)
            at, local = _time_or_none(head[1], day, tz)
            dump = XmlDump(no, at, PRODUCT, None, [body], local_time=local)
        elif may_hold(body):  # (its time read only then: most lines carry nothing)
            at, local = _time_or_none(head[1], day, tz)
            for rec in embedded_records(path, no, body, at, PRODUCT, local_time=local):
                yield from join.add(rec)
        saml_error = _is_saml_error(category, level)
        if category != "org.keycloak.events" and not saml_error:
            continue
        try:
            time, local = _line_time(head[1], day, tz)
        except ValueError:
            yield from join.add(malformed(path, no, "invalid date"))
            continue
        if saml_error:
            yield from join.saml_error(_saml_error(body, no, path, time, local), category, thread, clock)
        else:
            etype = _TYPE.search(body)
            for rec in _body(body, no, path, time, local):
                yield from join.event(rec, etype[1] if etype else "", thread, clock)
    if dump is not None:
        for rec in dump.records(path):
            yield from join.add(rec)
    yield from join.flush()


def _line_time(fields: tuple, day: date | None, tz: tzinfo) -> tuple[datetime | None, bool]:
    """(UTC time, read in local time) of a line's date and clock fields; the file name's date when
    the line has none (WildFly's console). Raises ValueError for an impossible date."""
    d, h, mi, s, ms = fields
    when = datetime.fromisoformat(d).date() if d else day
    if not when or h is None:
        return None, False
    return local_to_utc(datetime(when.year, when.month, when.day, int(h), int(mi), int(s), int(ms) * 1000), tz)


def _time_or_none(fields: tuple, day: date | None, tz: tzinfo) -> tuple[datetime | None, bool]:
    """_line_time's (time, written without a zone); (None, False) for an invalid date."""
    try:
        return _line_time(fields, day, tz)
    except ValueError:
        return None, False


_JOIN_MS = 1000
"""A SAML error line and the event line it causes are written by one request on one worker thread
in well under a millisecond (SamlService and the broker's SAMLEndpoint log the exception, then
call event.error()): at most this far apart, they are one request."""
_JOIN_LINES = 200
"""Other threads' lines between the two (a busy server interleaves them): beyond this many, the
event line is not waited for any longer."""
_JOIN_TYPES = {
    "org.keycloak.protocol.saml": ("LOGIN_ERROR",),  # Keycloak as IdP: a client's request
    "org.keycloak.saml": ("LOGIN_ERROR",),
    "org.keycloak.broker.saml": ("IDENTITY_PROVIDER_LOGIN_ERROR", "IDENTITY_PROVIDER_RESPONSE_ERROR",
                                 "IDENTITY_PROVIDER_FIRST_LOGIN_ERROR", "IDENTITY_PROVIDER_POST_LOGIN_ERROR"),
}
"""Which event types a SAML category's error line causes: SamlService's refusal of a request is
the LOGIN_ERROR of the same request, the broker's refusal of an IdP response an
IDENTITY_PROVIDER_*_ERROR."""


class _ThreadJoin:
    """Gives a SAML error line (SamlService, SAMLEndpoint) and the events line of the same request
    one correlation ID, so that correlation makes them one attempt instead of two.

    Worker threads are reused from request to request ('default task-74', 'executor-thread-1'),
    so the rule is strict: the events line is the very next line of the same thread, of an event
    type that category's failure produces, with the error of a refused message (_REFUSALS), at most _JOIN_MS later and within _JOIN_LINES lines. A wrong password, or any other line
    of that thread, in between ends the wait without a join. Records keep their order: while an
    error waits, what follows is held (at most _JOIN_LINES lines)."""

    def __init__(self, path: str):
        self.path = path
        self.held: list[Record] = []
        self.waiting: dict[str, tuple[int, str, int, int]] = {}  # thread -> (index, category, clock, lines)

    def line(self, thread: str, clock: int, is_event: bool) -> None:
        """Every prefixed line: ages the waiting errors; a line of a waiting thread other than an
        events line ends that thread's wait."""
        if not is_event:
            self.waiting.pop(thread, None)
        for t, (i, cat, at, seen) in list(self.waiting.items()):
            if seen + 1 > _JOIN_LINES or not 0 <= clock - at <= _JOIN_MS:
                del self.waiting[t]
            else:
                self.waiting[t] = (i, cat, at, seen + 1)

    def add(self, rec: Record) -> Iterator[Record]:
        if self.held:
            self.held.append(rec)
            if not self.waiting:
                yield from self.flush()
        else:
            yield rec

    def saml_error(self, ev: LogEvent, category: str, thread: str, clock: int) -> Iterator[Record]:
        self.waiting.pop(thread, None)
        if self.held and not self.waiting:  # the earlier errors waited long enough (line()): out
            yield from self.flush()
        family = next((c for c in _JOIN_TYPES if category.startswith(c)), None)
        if family is None:
            yield from self.add(ev)
            return
        self.held.append(ev)
        self.waiting[thread] = (len(self.held) - 1, family, clock, 0)

    def event(self, rec: Record, etype: str, thread: str, clock: int) -> Iterator[Record]:
        wait = self.waiting.pop(thread, None)
        if wait is not None and isinstance(rec, LogEvent) and _causes(wait[1], etype, rec):
            i = wait[0]
            err = self.held[i]
            corr = rec.correlation_id or f"keycloak:{thread}:{self.path}:{err.source.ref}"
            self.held[i] = replace(err, correlation_id=corr, user=err.user or rec.user,
                                   ip=err.ip or rec.ip, app=err.app or rec.app)
            # the error line names the cause the event's error= only codes (invalid_signature:
            # 'SigAlg was null' is an unsigned request, 'Signature length not correct' a wrong key)
            rec = replace(rec, correlation_id=corr,
                          code=err.code if err.code not in (None, "unknown-failure") else rec.code)
        yield from self.add(rec)
        if not self.waiting:
            yield from self.flush()

    def flush(self) -> Iterator[Record]:
        held, self.held = self.held, []
        self.waiting.clear()
        yield from held


def _causes(family: str, etype: str, ev: LogEvent) -> bool:
    """The event line is what a refused message of that SAML category logs."""
    return ev.outcome == "failure" and etype in _JOIN_TYPES[family] and (
        (ev.raw_code or "").removeprefix(BROKER) in _REFUSALS)


_REFUSALS = frozenset({
    "invalid_signature", "invalid_request", "invalid_authn_request", "invalid_saml_authn_request",
    "invalid_saml_response", "invalid_saml_document", "invalid_destination", "missing_required_destination",
    "invalid_issuer", "invalid_saml_logout_request", "invalid_saml_logout_response"})
"""Keycloak Errors values of a refused SAML message (server-spi-private Errors.java): what
SamlService and SAMLEndpoint pass to event.error() after logging why. Not invalid_user_credentials
and the like: a wrong password on that thread is another request."""


def _is_saml_error(category: str, level: str) -> bool:
    return level in _FAIL_LEVELS and category.startswith(_SAML_CATEGORY)


def _saml_error(body: str, no: int, path: str, time, local: bool) -> LogEvent:
    """A WARN/ERROR of Keycloak's SAML code: a failure whose text is the cause."""
    return LogEvent(source=src(path, no), time=time, product=PRODUCT, side="idp",
                    outcome="failure", text=body, code=classify(PRODUCT, None, body),
                    local_time=local)


def _body(body: str, no: int, path: str, time, local: bool) -> Iterator[Record]:
    fields = {k: _unquote(v) for k, v in _PAIR.findall(body)}
    if "type" not in fields:
        yield malformed(path, no, "org.keycloak.events line without type=")
        return
    yield _event(fields, no, path, time, local, body)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
        return value.replace('\\"', '"').replace("\\\\", "\\")
    return value


def _json_lines(lines, path: str, tz: tzinfo) -> Iterator[Record]:
    """JSON console logging (Quarkus JsonFormatter: `loggerName`, `level`, `message`,
    `threadName`, `exception`) and admin-API events. A SAML error record and the events record
    of the same request are joined by `threadName` as the text layout's lines are by `(thread)`."""
    join = _ThreadJoin(path)
    for no, obj, err in iter_json(lines):
        if err is not None or not isinstance(obj, dict):
            yield from join.add(malformed(path, no, err or "JSON value is not an object"))
            continue
        try:
            yield from _json(obj, no, path, tz, join)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            yield from join.add(malformed(path, no, f"unreadable record: {exc}"))
    yield from join.flush()


def _json(obj: dict, no: int, path: str, tz: tzinfo, join: _ThreadJoin) -> Iterator[Record]:
    if "loggerName" in obj or "message" in obj:  # JSON console logging (default or ECS layout)
        logger = str(obj.get("loggerName") or obj.get("log.logger") or "")
        message = str(obj.get("message") or "")
        time, local = parse_iso(obj.get("timestamp") or obj.get("@timestamp"), tz)
        thread = text_or_none(obj.get("threadName") or obj.get("process.thread.name"))
        clock = int(time.timestamp() * 1000) if time is not None else None
        if thread is not None and clock is not None:
            join.line(thread, clock, logger == "org.keycloak.events")
        if _is_saml_error(logger, str(obj.get("level") or obj.get("log.level") or "").upper()):
            ev = _saml_error(_with_exception(message, obj), no, path, time, local)
            if thread is None or clock is None:
                yield from join.add(ev)
            else:
                yield from join.saml_error(ev, logger, thread, clock)
            return
        if logger != "org.keycloak.events":
            for rec in embedded_records(path, no, message, time, PRODUCT, local_time=local):
                yield from join.add(rec)
            return
        etype = _TYPE.search(message)
        for rec in _body(message, no, path, time, local):
            if thread is None or clock is None:
                yield from join.add(rec)
            else:
                yield from join.event(rec, etype[1] if etype else "", thread, clock)
        return
    if "operationType" in obj:  # GET /admin/realms/{realm}/admin-events
        yield from join.add(_admin_event(obj, no, path))
        return
    if "type" not in obj:
        return
    fields = {k: str(v) for k, v in obj.items()
              if not isinstance(v, (dict, list)) and v is not None}
    details = obj.get("details")
    if isinstance(details, dict):
        fields.update({k: str(v) for k, v in details.items() if v is not None})
    yield from join.add(_event(fields, no, path, from_epoch_ms(obj.get("time")), False, None))


_MAX_CAUSES = 8


def _with_exception(message: str, obj: dict) -> str:
    """The message as the text layout's `%s%e` prints it: `<message>: <exception>`. SamlService
    and SAMLEndpoint log `logger.error("request validation failed", e)`: in the JSON layout the
    message is those words alone, the VerificationException that names the cause is in
    `exception` (jboss-logmanager StructuredFormatter: exceptionType, message, causedBy) or, with
    exception-output-type=formatted, in `stackTrace`."""
    parts = []
    exc = obj.get("exception")
    while isinstance(exc, dict) and len(parts) < _MAX_CAUSES:
        etype, emsg = text_or_none(exc.get("exceptionType")), text_or_none(exc.get("message"))
        if etype or emsg:
            parts.append(f"{etype}: {emsg}" if etype and emsg else etype or emsg)
        caused = exc.get("causedBy")
        exc = caused.get("exception") if isinstance(caused, dict) else None
    if not parts:
        trace = text_or_none(obj.get("stackTrace"))
        if trace:
            parts.append(trace.strip().split("\n", 1)[0].strip())
    return ": ".join([message, *parts]) if parts else message


# Keycloak EventType values of a browser login (SAML or brokered); the other *_ERROR types
# (REFRESH_TOKEN_ERROR, LOGOUT_ERROR, CODE_TO_TOKEN_ERROR of OIDC clients in the realm, ...) are
# no SAML login's outcome. IDENTITY_PROVIDER_RESPONSE_ERROR is the SAML broker (SAMLEndpoint)
# refusing the external IdP's response: signature, destination, status (keycloak issue 43123).
_LOGIN_ERRORS = {"LOGIN_ERROR", "IDENTITY_PROVIDER_LOGIN_ERROR", "IDENTITY_PROVIDER_FIRST_LOGIN_ERROR",
                 "IDENTITY_PROVIDER_POST_LOGIN_ERROR", "IDENTITY_PROVIDER_RESPONSE_ERROR"}
_BROKER_TEXTS = {"invalid_signature": "Invalid signature on document"}
"""A broker event's error means the external IdP's response, not a client's request (the same
code on a LOGIN_ERROR is the SP's AuthnRequest signature): classified by the text SAMLEndpoint
logs for it (SamlProtocolUtils' VerificationException)."""
_LOGINS = {"LOGIN", "IDENTITY_PROVIDER_LOGIN"}


def _broker_code(etype: str, error: str | None, reason: str | None) -> tuple[str | None, str | None]:
    """The cause of a SAML broker event (IDENTITY_PROVIDER_*): the external IdP's response was
    refused, so its error and `reason` detail (SAMLEndpoint: reason=missing_required_destination
    or invalid_destination with error=invalid_saml_response) mean that response, not a client's
    AuthnRequest, which the same codes mean on a LOGIN_ERROR (keycloak issue 11178). Returns
    (code, raw code): the raw code names the broker's catalog entry ('broker:<reason>'), whose
    fix is the external IdP's or the identity provider's settings."""
    if not etype.startswith("IDENTITY_PROVIDER"):
        return None, None
    if error in _BROKER_TEXTS:
        return classify(PRODUCT, None, _BROKER_TEXTS[error]), error
    for raw in (f"{BROKER}{name}" for name in (reason, error) if name):
        code = classify(PRODUCT, raw, None)
        if code is not None:
            return code, raw
    return None, None


BROKER = "broker:"
"""The prefix of the catalog ids of the SAML broker's event reasons."""


def _event(f: dict, no: int, path: str, time, local: bool, body: str | None) -> LogEvent:
    etype = f.get("type", "")
    error = text_or_none(f.get("error"))
    if etype in _LOGIN_ERRORS or (error and not etype):
        outcome = "failure"
    elif etype in _LOGINS and not error:
        outcome = "success"
    else:
        outcome = "info"
    text = body if body is not None else ", ".join(f"{k}={v}" for k, v in f.items())
    # a broker event before the local user is known names the user at the external IdP
    # (Details.IDENTITY_PROVIDER_USERNAME); its userId, if any, is the local user it clashed with
    user = (text_or_none(f.get("username")) or text_or_none(f.get("identity_provider_identity"))
            or text_or_none(f.get("userId")))
    code = None
    if outcome == "failure":
        code, raw = _broker_code(etype, error, text_or_none(f.get("reason")))
        if code is None:
            code, raw = classify(PRODUCT, error, text), error
        error = raw
    return LogEvent(
        source=src(path, no), time=time, product=PRODUCT, side="idp", outcome=outcome, text=text,
        code=code, user=user, ip=text_or_none(f.get("ipAddress")),
        request_id=text_or_none(f.get("authSessionParentId")) or text_or_none(f.get("code_id")),
        correlation_id=text_or_none(f.get("sessionId")),
        app=text_or_none(f.get("clientId")), raw_code=error, local_time=local)


_VERBS = {"CREATE": "created", "UPDATE": "updated", "DELETE": "deleted", "ACTION": "acted on"}
_KEY_PROVIDER = "org.keycloak.keys.KeyProvider"
"""providerType of a realm key provider component (server-spi KeyProvider; the Keys tab of Realm
settings creates, updates and deletes such components)."""


def _admin_event(obj: dict, no: int, path: str) -> LogEvent:
    """An admin event (core AdminEventRepresentation: time, realmId, authDetails{realmId, clientId,
    userId, ipAddress}, operationType, resourceType, resourcePath, representation, error): 'info';
    a change to a client or to the realm and its keys is a timeline note (TIMELINE_NOTE)."""
    auth = obj.get("authDetails") if isinstance(obj.get("authDetails"), dict) else {}
    rep = _representation(obj.get("representation"))
    note = admin_note(obj)
    text = note or ", ".join(f"{k}={obj[k]}" for k in ("operationType", "resourceType", "resourcePath", "error")
                             if obj.get(k) is not None)
    return LogEvent(source=src(path, no), time=from_epoch_ms(obj.get("time")), product=PRODUCT, side="idp",
                    outcome="info", text=text, user=_admin_name(auth), ip=text_or_none(auth.get("ipAddress")),
                    app=text_or_none(rep.get("clientId")), raw_code=TIMELINE_NOTE if note else None)


def admin_note(obj: dict) -> str | None:
    """'Keycloak admin '<user>' updated client sonarqube at 09:26 UTC (from the admin events)' for
    a change to a client (its protocol mappers included), the realm, or a key provider; else None."""
    what = _admin_target(obj)
    time = from_epoch_ms(obj.get("time"))
    if what is None or time is None:
        return None
    auth = obj.get("authDetails") if isinstance(obj.get("authDetails"), dict) else {}
    op = str(obj.get("operationType") or "")
    did = _VERBS.get(op, f"did {op or 'something'} to")
    who = _admin_name(auth)
    error = text_or_none(obj.get("error"))
    done = f"failed ({error}) to {op.lower()}" if error else did
    return (f"Keycloak admin {repr(who) if who else '(unknown)'} {done} {what} at "
            f"{time:%Y-%m-%d %H:%M} UTC (from the admin events)")


def _admin_target(obj: dict) -> str | None:
    """What an admin event changed, when it can matter to a SAML login: a client, a client scope's
    SAML mapper, the realm, a key provider (a component whose providerType is KeyProvider; without the representation, any
    component, named by its path)."""
    rtype, where = str(obj.get("resourceType") or ""), str(obj.get("resourcePath") or "")
    rep = _representation(obj.get("representation"))
    if rtype in ("CLIENT", "PROTOCOL_MAPPER") and where.startswith("clients/"):
        name = text_or_none(rep.get("clientId")) if rtype == "CLIENT" else None
        mapper = f"a protocol mapper of client {where.split('/')[1]}" if rtype == "PROTOCOL_MAPPER" else None
        return mapper or (f"client {name} ({where})" if name else f"client {where}")
    if rtype == "PROTOCOL_MAPPER" and where.startswith("client-scopes/") and rep.get("protocol") in (None, "saml"):
        # a client scope's mapper (AdminEventPaths.clientScopeProtocolMapperPath) acts in every client
        # given that scope: SAML's role_list ('Single Role Attribute') is one; an OIDC one is not SAML's
        return f"a SAML protocol mapper of client scope {where.split('/')[1]}"
    if rtype == "REALM":
        return "the realm's settings"
    if rtype == "COMPONENT":
        if rep.get("providerType") == _KEY_PROVIDER:
            return f"the realm's key provider {rep.get('name') or where}"
        if not rep:
            return f"component {where} (the realm's keys if it is a key provider)"
    return None


def _admin_name(auth: dict) -> str | None:
    """The admin: a username when the export carries one (some event listeners add it), else
    authDetails.userId (the REST API gives only the ID)."""
    return text_or_none(auth.get("username")) or text_or_none(auth.get("userId"))


def _representation(value) -> dict:
    """The changed resource as the event holds it: a JSON string ('include representation' on)."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, str) or not value.lstrip().startswith("{"):
        return {}
    try:
        got = json.loads(value)
    except ValueError:
        return {}
    return got if isinstance(got, dict) else {}


PARSER = KeycloakParser()
