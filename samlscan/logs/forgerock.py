"""ForgeRock AM / PingAM audit logs: access.audit.json and authentication.audit.json (JSON lines,
or a JSON array of such records as an export).

Schema (docs.pingidentity.com PingAM 7.4 'Audit logging reference', access and authentication log
formats): `timestamp` (UTC, ms, 'Z'), `eventName`, `transactionId`, `component`, `userId`
(a universal ID, 'id=demo,ou=user,dc=...'), `client.ip`, `http.request.path` and
`queryParameters`, `response.status` (SUCCESSFUL/FAILED) and `response.detail` (access);
`result`, `principal` (a list), `entries[].info` (authentication). A login's events share the
transactionId.
AM-LOGIN-COMPLETED FAILED: the user did not sign in to AM (failure; its entries' info.failureReason
or moduleId say more); SUCCESSFUL: AM's own login, a step of the SP's ('info').
AM-ACCESS-OUTCOME of component SAML2 (AM's SAML2 endpoints, SSORedirect/SSOPOST/idpssoinit):
FAILED is AM's refusal of the SP's request (failure; response.detail's text, else unknown-failure).
SUCCESSFUL with a userId is AM answering an authenticated user, i.e. the assertion it posts to the
SP (success); without one AM only sent the browser to its login page ('info'): our reading of the
endpoints, not a field AM writes. Other components (OAuth2, Users, Session) are no SAML login.
AM's debug logs are not read (their layout is per deployment and they say no outcome).
"""
from __future__ import annotations

import re
from datetime import tzinfo
from typing import Iterable, Iterator

from samlscan.logs._common import classify, dig, json_events, json_lines_prefilter, parse_iso, src, text_or_none
from samlscan.logs.base import Record
from samlscan.model import LogEvent

PRODUCT = "forgerock"
LOGIN = "AM-LOGIN-COMPLETED"
ACCESS = "AM-ACCESS-OUTCOME"
_UID = re.compile(r"^(?:id|uid)=([^,]+),", re.IGNORECASE)


class ForgeRockParser:
    name = PRODUCT
    empty_reason = "a ForgeRock AM audit log with no SAML2 or login event"

    @property
    def prefilter(self):
        """AM's audit files are JSON lines (access.audit.json): a big one is read in ranges cut at its lines;
        every line is kept (a record without eventName, a broken line: what the whole reading says of it)."""
        return json_lines_prefilter(b"{")

    def sniff(self, head: str) -> bool:
        # every AM audit record names its eventName 'AM-...' and a transactionId
        return re.search(r'"eventName"\s*:\s*"AM-', head) is not None and '"transactionId"' in head

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        yield from json_events(lines, path, lambda obj, no: _event(obj, no, path))


def _user(obj: dict) -> str | None:
    principal = obj.get("principal")
    if isinstance(principal, list) and principal:
        return text_or_none(principal[0])
    uid = text_or_none(obj.get("userId"))
    m = _UID.match(uid) if uid else None
    return m[1] if m else uid


def _reason(obj: dict) -> str | None:
    """The authentication record's why: an entry's failureReason, else its moduleId (the module or
    tree node that refused the user)."""
    entries = obj.get("entries")
    for entry in entries if isinstance(entries, list) else ():
        info = entry.get("info") if isinstance(entry, dict) else None
        if isinstance(info, dict):
            reason = text_or_none(info.get("failureReason")) or text_or_none(
                dig(info, "nodeExtraLogging", "failureReason"))
            if reason:
                return reason
    return None


def _event(obj: dict, no: int, path: str) -> Iterator[Record]:
    name = text_or_none(obj.get("eventName"))
    if name not in (LOGIN, ACCESS):
        return
    component = text_or_none(obj.get("component")) or ""
    if name == ACCESS and component.upper() != "SAML2":
        return
    status = (text_or_none(obj.get("result")) if name == LOGIN
              else text_or_none(dig(obj, "response", "status"))) or ""
    user = _user(obj)
    detail = _reason(obj) if name == LOGIN else text_or_none(dig(obj, "response", "detail"))
    if isinstance(dig(obj, "response", "detail"), dict):
        detail = text_or_none(dig(obj, "response", "detail", "reason")) or text_or_none(
            dig(obj, "response", "detail", "message"))
    failed = status.upper() == "FAILED"
    outcome = "failure" if failed else "success" if name == ACCESS and user else "info"
    code = None
    if failed:  # the record's own why first, then what its event means
        code = (classify(PRODUCT, None, detail) if detail else None) or classify(PRODUCT, name, None)
        code = code or "unknown-failure"
    time, _ = parse_iso(obj.get("timestamp"))
    sp = dig(obj, "http", "request", "queryParameters", "spEntityID")
    sp = sp[0] if isinstance(sp, list) and sp else sp
    text = f"{name} {status}" + (f" {dig(obj, 'http', 'request', 'path')}" if name == ACCESS else "")
    yield LogEvent(
        source=src(path, no), time=time, product=PRODUCT, side="idp", outcome=outcome,
        text=text + (f": {detail}" if detail else ""), code=code, user=user,
        ip=text_or_none(dig(obj, "client", "ip")), correlation_id=text_or_none(obj.get("transactionId")),
        app=text_or_none(sp), raw_code=name)


PARSER = ForgeRockParser()
