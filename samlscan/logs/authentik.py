"""authentik events: API /api/v3/events/events/ (`results[]`), exported arrays or JSON lines.

Model: authentik/events/models.py (pk, user{username,email}, action, app, context, client_ip,
created). Failure actions carry the reason in context.message.
"""
from __future__ import annotations

from datetime import tzinfo
from typing import Iterable, Iterator

from samlscan.logs._common import classify, dig, json_events, parse_iso, src, text_or_none
from samlscan.logs.base import Record
from samlscan.model import LogEvent

PRODUCT = "authentik"
_SUCCESS = {"login", "authorize_application"}
_FAILURE = {"login_failed", "suspicious_request", "policy_exception", "property_mapping_exception",
            "configuration_error", "system_exception"}


class AuthentikParser:
    name = PRODUCT

    def sniff(self, head: str) -> bool:
        return '"action"' in head and '"client_ip"' in head and '"created"' in head

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        yield from json_events(lines, path, lambda obj, no: _event(obj, no, path))


def _event(obj: dict, no: int, path: str) -> Iterator[Record]:
    action = text_or_none(obj.get("action"))
    if action is None:
        return
    outcome = "success" if action in _SUCCESS else "failure" if action in _FAILURE else "info"
    message = text_or_none(dig(obj, "context", "message"))
    text = f"{action}: {message}" if message else action
    # `app` is the authentik Django app that logged the event, not the SP: not used here
    app = text_or_none(dig(obj, "context", "authorized_application", "name"))
    user = text_or_none(dig(obj, "user", "email")) or text_or_none(dig(obj, "user", "username"))
    if user is None or user == "AnonymousUser":  # login_failed: the attempted name is in context
        user = text_or_none(dig(obj, "context", "username")) or user
    time, _ = parse_iso(obj.get("created"))
    code = classify(PRODUCT, action, message or text) if outcome == "failure" else None
    yield LogEvent(
        source=src(path, no), time=time, product=PRODUCT, side="idp", outcome=outcome, text=text,
        code=code, user=user, ip=text_or_none(obj.get("client_ip")),
        correlation_id=text_or_none(obj.get("pk")), app=app, raw_code=action)


PARSER = AuthentikParser()
