"""Cisco Duo authentication logs (Admin API /admin/v2/logs/authentication, v1 and v2 records):
JSON array, JSON lines, the v2 `response.authlogs[]` page, and Elastic's wrappings.

v2 record: `txid`, `isotimestamp` (offset), `timestamp` (epoch s), `event_type` (authentication,
enrollment), `result` (success, denied, fraud, error), `reason`, `application{name,key}`,
`user{name,key}`, `access_device{ip,...}`, `email`. v1 record: `integration`, `username`, `ip`.
An authentication is the Duo step of a sign-in to the named application (with Duo SSO, the SAML
app's sign-on); an enrollment is no SAML attempt and stays 'info'.
"""
from __future__ import annotations

from datetime import tzinfo
from typing import Iterable, Iterator

from samlscan.logs._common import classify, dig, from_epoch, json_events, parse_iso, src, text_or_none
from samlscan.logs.base import Record
from samlscan.model import LogEvent

PRODUCT = "duo"
_OUTCOMES = {"success": "success", "denied": "failure", "fraud": "failure", "error": "failure"}
_AUTHENTICATION = "authentication"


class DuoParser:
    name = PRODUCT
    empty_reason = "a Duo authentication log with no authentication"

    def sniff(self, head: str) -> bool:
        # v2: txid and access_device; v1: integration, factor and result
        return '"txid"' in head and ('"access_device"' in head or '"auth_device"' in head) or (
            '"integration"' in head and '"factor"' in head and '"result"' in head)

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        yield from json_events(lines, path, lambda obj, no: _records(obj, no, path))


def _records(obj: dict, no: int, path: str) -> Iterator[Record]:
    logs = dig(obj, "response", "authlogs")
    for entry in logs if isinstance(logs, list) else (obj,):
        if isinstance(entry, dict):
            yield from _event(entry, no, path)


def _ip(value) -> str | None:
    """The access device's address; Elastic's samples write it with a port ('89.160.20.112:1234',
    '[2001:db8::1]:1234'): the port is dropped for the join by IP."""
    ip = text_or_none(value)
    if ip is None:
        return None
    if ip.startswith("[") and "]" in ip:
        return ip[1:ip.index("]")]
    host, sep, port = ip.rpartition(":")
    return host if sep and port.isdigit() and host.count(":") == 0 else ip


def _event(obj: dict, no: int, path: str) -> Iterator[Record]:
    result = text_or_none(obj.get("result"))
    if result is None:
        return
    etype = text_or_none(obj.get("event_type")) or _AUTHENTICATION  # v1 records have none
    outcome = _OUTCOMES.get(result.lower(), "info") if etype == _AUTHENTICATION else "info"
    reason = text_or_none(obj.get("reason"))
    text = f"{etype} {result}: {reason}" if reason else f"{etype} {result}"
    time, _ = parse_iso(obj.get("isotimestamp"))
    if time is None and isinstance(obj.get("timestamp"), (int, float)):  # v1: epoch seconds only
        time = from_epoch(obj["timestamp"])
    code = None
    if outcome == "failure":  # the reason is Duo's own code of why (Admin API reason values)
        code = classify(PRODUCT, reason, reason) if reason else None
        code = code or "unknown-failure"
    user = text_or_none(dig(obj, "user", "name")) or text_or_none(obj.get("username")) or text_or_none(obj.get("email"))
    app = text_or_none(dig(obj, "application", "name")) or text_or_none(obj.get("integration"))
    ip = _ip(dig(obj, "access_device", "ip")) or _ip(obj.get("ip"))
    yield LogEvent(
        source=src(path, no), time=time, product=PRODUCT, side="idp", outcome=outcome, text=text,
        code=code, user=user, ip=ip, correlation_id=text_or_none(obj.get("txid")), app=app, raw_code=reason)


PARSER = DuoParser()
