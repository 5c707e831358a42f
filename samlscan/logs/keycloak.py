"""Keycloak events: JBossLoggingEventListenerProvider lines (old `key=value` and new quoted layout
with realmName), Quarkus and WildFly prefixes, JSON console logging, and admin-API event JSON.
"""
from __future__ import annotations

import re
from datetime import date, datetime, tzinfo
from typing import Iterable, Iterator

from samlscan.logs._common import (
    classify, from_epoch_ms, json_events, local_to_utc, malformed, parse_iso, src,
    text_lines, text_or_none,
)
from samlscan.logs.base import Record
from samlscan.logs.embedded import embedded_records
from samlscan.model import LogEvent

PRODUCT = "keycloak"

# Quarkus `yyyy-MM-dd HH:mm:ss,SSS LEVEL [category] (thread) msg`; WildFly console `HH:mm:ss,SSS`.
_PREFIX = re.compile(
    r"^(?:(\d{4}-\d{2}-\d{2})[ T])?(\d{2}):(\d{2}):(\d{2})[,.](\d{3})\s+"
    r"(TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL)\s+\[([^\]]+)\]\s+\((.*?)\)\s?(.*)$")
_LOOKS_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}|^\d{2}:\d{2}:\d{2}[,.]\d{3}\s")
# key=value pairs: "double-quoted" (new, \" escaped), 'single-quoted' (old, values with spaces)
# or bare up to the next ', '.
_PAIR = re.compile(r"(\w+)=(\"(?:[^\"\\]|\\.)*\"|'[^']*'|[^,]*)(?:,\s*|$)")
_DATE_IN_PATH = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# Categories of Keycloak's SAML code: SamlService (Keycloak as IdP: "request validation failed: ..."
# when a client's AuthnRequest signature fails) and the SAML broker's SAMLEndpoint (Keycloak as SP:
# "validation failed: ..."). Their WARN/ERROR lines name the cause the event line only codes
# (keycloak issues 9229, 15011; Infisical issue 1690).
_SAML_CATEGORY = ("org.keycloak.protocol.saml", "org.keycloak.broker.saml", "org.keycloak.saml")
_FAIL_LEVELS = ("WARN", "WARNING", "ERROR", "FATAL")


class KeycloakParser:
    name = PRODUCT

    def sniff(self, head: str) -> bool:
        if "[org.keycloak.events]" in head or '"loggerName":"org.keycloak.events"' in head:
            return True
        if any(f"[{c}." in head or f'"loggerName":"{c}.' in head for c in _SAML_CATEGORY):
            return True
        return '"realmId"' in head and '"type"' in head and '"clientId"' in head

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        lines = iter(text_lines(lines))
        first = next(lines, None)
        if first is None:
            return
        rest = _chain(first, lines)
        if first[1].lstrip().startswith(("{", "[")):
            yield from json_events(rest, path, lambda obj, no: _json(obj, no, path, tz))
        else:
            yield from _text(rest, path, tz, _date_from_path(path))


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
    for no, line in lines:
        m = _PREFIX.match(line)
        if m is None:
            if _LOOKS_LIKE.match(line):
                yield malformed(path, no, "log line without level/category/thread")
            continue  # stack trace or continuation line
        d, h, mi, s, ms, level, category, _thread, body = m.groups()
        yield from embedded_records(path, no, body, None, "keycloak")
        saml_error = _is_saml_error(category, level)
        if category != "org.keycloak.events" and not saml_error:
            continue
        try:
            when = datetime.fromisoformat(d).date() if d else day
            time, local = (local_to_utc(datetime(when.year, when.month, when.day, int(h), int(mi),
                                                 int(s), int(ms) * 1000), tz)
                           if when else (None, False))
        except ValueError:
            yield malformed(path, no, "invalid date")
            continue
        if saml_error:
            yield _saml_error(body, no, path, time, local)
        else:
            yield from _body(body, no, path, time, local)


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


def _json(obj: dict, no: int, path: str, tz: tzinfo) -> Iterator[Record]:
    if "loggerName" in obj or "message" in obj:  # JSON console logging
        logger = str(obj.get("loggerName") or "")
        if _is_saml_error(logger, str(obj.get("level") or "").upper()):
            time, local = parse_iso(obj.get("timestamp"), tz)
            yield _saml_error(str(obj.get("message") or ""), no, path, time, local)
            return
        if logger != "org.keycloak.events":
            yield from embedded_records(path, no, str(obj.get("message") or ""), None, "keycloak")
            return
        time, local = parse_iso(obj.get("timestamp"), tz)
        yield from _body(str(obj.get("message") or ""), no, path, time, local)
        return
    if "type" not in obj:  # admin API event
        return
    fields = {k: str(v) for k, v in obj.items()
              if not isinstance(v, (dict, list)) and v is not None}
    details = obj.get("details")
    if isinstance(details, dict):
        fields.update({k: str(v) for k, v in details.items() if v is not None})
    yield _event(fields, no, path, from_epoch_ms(obj.get("time")), False, None)


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
    user = text_or_none(f.get("username")) or text_or_none(f.get("userId"))
    code = None
    if outcome == "failure":
        broker = etype.startswith("IDENTITY_PROVIDER") and error in _BROKER_TEXTS
        code = classify(PRODUCT, None, _BROKER_TEXTS[error]) if broker else classify(PRODUCT, error, text)
    return LogEvent(
        source=src(path, no), time=time, product=PRODUCT, side="idp", outcome=outcome, text=text,
        code=code, user=user, ip=text_or_none(f.get("ipAddress")),
        request_id=text_or_none(f.get("authSessionParentId")) or text_or_none(f.get("code_id")),
        correlation_id=text_or_none(f.get("sessionId")),
        app=text_or_none(f.get("clientId")), raw_code=error, local_time=local)


PARSER = KeycloakParser()
