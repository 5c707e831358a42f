"""Okta System Log: JSON array (/api/v1/logs, console export), JSON lines, event-hook envelope.

Schema: okta-sdk LogEvent (published, eventType, actor, client, outcome, target[], transaction,
debugContext.debugData). Event hooks wrap events in `data.events[]` (unwrapped by iter_json).
"""
from __future__ import annotations

from datetime import tzinfo
from typing import Iterable, Iterator

from samlscan.logs._common import classify, dig, json_events, parse_iso, src, text_or_none
from samlscan.logs.base import Record
from samlscan.model import LogEvent

PRODUCT = "okta"
_OUTCOMES = {"SUCCESS": "success", "ALLOW": "success", "FAILURE": "failure", "DENY": "failure"}
# Event types that are failures whatever outcome.result says (OK-TYPES): a lockout is logged
# as the lock's own SUCCESS.
_FAILURE_TYPES = ("app.generic.unauth_app_access_attempt", "user.account.lock")
# The Okta session, not the app's SAML sign-on: their failure (a wrong password, a denied sign-on
# policy) fails the login, their success says nothing of the app (user.authentication.sso does).
_SESSION_TYPES = ("user.session.start", "policy.evaluate_sign_on")
# Event types that are part of a sign-in; the rest (profile updates, rate limits, admin actions)
# stay 'info' whatever their result, so they never pass for login attempts.
_LOGIN_TYPES = ("user.authentication.", "user.session.start", "policy.evaluate_sign_on",
                "app.generic.unauth_app_access_attempt", "user.account.lock")


class OktaParser:
    name = PRODUCT

    def sniff(self, head: str) -> bool:
        return '"eventType"' in head and '"published"' in head and (
            '"actor"' in head or '"legacyEventType"' in head or '"displayMessage"' in head)

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        yield from json_events(lines, path, lambda obj, no: _event(obj, no, path))


def _app(targets) -> str | None:
    """The target AppInstance (the SP) by display name, else its alternateId."""
    for t in targets if isinstance(targets, list) else ():
        if isinstance(t, dict) and t.get("type") == "AppInstance":
            return text_or_none(t.get("displayName")) or text_or_none(t.get("alternateId"))
    return None


def _event(obj: dict, no: int, path: str) -> Iterator[Record]:
    etype = text_or_none(obj.get("eventType"))
    if etype is None or etype.startswith("com.okta.event_hook"):
        return  # not a System Log event (a hook envelope without events, a verification call)
    result = str(dig(obj, "outcome", "result") or "").upper()
    outcome = _OUTCOMES.get(result, "info")
    if etype in _FAILURE_TYPES:
        outcome = "failure"
    elif not etype.startswith(_LOGIN_TYPES) or (etype in _SESSION_TYPES and outcome == "success"):
        outcome = "info"
    reason = text_or_none(dig(obj, "outcome", "reason"))
    display = text_or_none(obj.get("displayMessage")) or etype
    text = f"{display}: {reason}" if reason else display
    time, _ = parse_iso(obj.get("published"))
    ip = text_or_none(dig(obj, "client", "ipAddress"))
    chain = dig(obj, "request", "ipChain")
    if ip is None and isinstance(chain, list) and chain and isinstance(chain[0], dict):
        ip = text_or_none(chain[0].get("ip"))
    code = classify(PRODUCT, etype, reason or display) if outcome == "failure" else None
    yield LogEvent(
        source=src(path, no), time=time, product=PRODUCT, side="idp", outcome=outcome, text=text,
        code=code, user=text_or_none(dig(obj, "actor", "alternateId")), ip=ip,
        request_id=text_or_none(dig(obj, "debugContext", "debugData", "requestId")),
        correlation_id=text_or_none(dig(obj, "transaction", "id")),
        app=_app(obj.get("target")), raw_code=etype)


PARSER = OktaParser()
