"""authentik events: API /api/v3/events/events/ (`results[]`), exported arrays or JSON lines, and
the server container's structlog JSON lines, where each saved event is logged as "Created Event".

Model: authentik/events/models.py (pk, user{username,email}, action, app, context, client_ip,
created). Failure actions carry the reason in context.message.
Server log: authentik/lib/logging.py renders structlog with JSONRenderer(sort_keys=True) and
TimeStamper(fmt="iso", utc=False); Event.save logs `{"action", "client_ip", "context", "event":
"Created Event", "level", "logger": "authentik.events.models", "pid", "request_id", "timestamp",
"user", ...}`: no pk, no `created`, and a `timestamp` without a zone (the container's local time,
UTC unless TZ is set), read in --timezone. The server's other lines (HTTP access, tasks, flow
stages) are no events: skipped.
"""
from __future__ import annotations

import re
from datetime import tzinfo
from typing import Iterable, Iterator

from samlscan.logs._common import classify, dig, json_events, parse_iso, src, text_or_none
from samlscan.logs.base import Record
from samlscan.model import LogEvent

PRODUCT = "authentik"
_SUCCESS = {"login", "authorize_application"}
_FAILURE = {"login_failed", "suspicious_request", "policy_exception", "property_mapping_exception",
            "configuration_error", "system_exception"}
_CREATED_EVENT = "Created Event"
"""The structlog message of Event.save: the line carries the event's fields."""
# A structlog line of an authentik logger (its Python loggers are all named authentik.*).
_STRUCTLOG = re.compile(r'"logger":\s*"authentik\.')


class AuthentikParser:
    name = PRODUCT
    empty_reason = "an authentik event log with no login event"

    def sniff(self, head: str) -> bool:
        if '"action"' in head and '"client_ip"' in head and '"created"' in head:
            return True  # event export
        return bool(_STRUCTLOG.search(head)) and '"timestamp"' in head and '"event"' in head

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        yield from json_events(lines, path, lambda obj, no: _event(obj, no, path, tz))


def _event(obj: dict, no: int, path: str, tz: tzinfo) -> Iterator[Record]:
    logged = "created" not in obj and isinstance(obj.get("event"), str)
    if logged and obj["event"] != _CREATED_EVENT:
        return  # a server log line that is not an event (request, task, stage debug)
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
    if logged:
        time, local = parse_iso(obj.get("timestamp"), tz)
    else:
        time, local = parse_iso(obj.get("created"))
    code = classify(PRODUCT, action, message or text) if outcome == "failure" else None
    yield LogEvent(
        source=src(path, no), time=time, product=PRODUCT, side="idp", outcome=outcome, text=text,
        code=code, user=user, ip=text_or_none(obj.get("client_ip")),
        correlation_id=text_or_none(obj.get("pk")), app=app, raw_code=action, local_time=local)


PARSER = AuthentikParser()
