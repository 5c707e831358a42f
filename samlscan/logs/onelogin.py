"""OneLogin events: the Events API's JSON (GET /api/1/events: {"data": [..]}, or its records one a
line as an event broadcaster sends them) and a CSV of the same fields.

Fields (developers.onelogin.com 'Event Resource and Types'): `created_at` (UTC, ISO 8601 'Z'),
`event_type_id`, `user_name`, `app_name`, `ipaddr`, `notes`, `custom_message`, `id`. Event type 5 is
a user's login to OneLogin and 6 a failed authentication (panther-analysis's OneLogin rules:
'event type 6 is a failed authentication', 5 the successful login). An export may name the type
instead (Get Event Types' `name`, e.g. USER_FAILED_AUTHENTICATION), in `event_type` or `event`.
Outcome: a failed authentication is the user's failure to sign in (failure); a login to an app
(a type name with LOGGED_INTO_APP: our reading of the names, not checked against the type list)
is the SP's assertion (success); a type whose name says the user was REJECTED or DENIED an app is
a refusal (failure). Every other event (a login to OneLogin's portal, admin changes) is 'info'.
The CSV layout of the admin console's Activity > Events export was not found in any reference: a
header holding created_at and an event type column, with these field names, is read.
"""
from __future__ import annotations

from datetime import tzinfo
from typing import Iterable, Iterator

from samlscan.logs._common import (classify, csv_dialect, csv_events, csv_head, json_events, json_lines_prefilter,
                                   parse_iso, src, text_or_none)
from samlscan.logs.base import Record
from samlscan.model import LogEvent

PRODUCT = "onelogin"
TYPE_NAMES = {5: "USER_LOGGED_INTO_ONELOGIN", 6: "USER_FAILED_AUTHENTICATION"}
"""The event type IDs whose meaning a public reference states (above)."""
_FAILED_AUTH = "USER_FAILED_AUTHENTICATION"


def _key(cell: str) -> str:
    return cell.strip().lower().replace(" ", "_").replace("-", "_")


def _csv_columns(cells: list[str]) -> dict[str, int] | None:
    cols = {_key(c): i for i, c in enumerate(cells)}
    has_type = any(k in cols for k in ("event_type_id", "event_type", "event"))
    return cols if "created_at" in cols and has_type and ("user_name" in cols or "ipaddr" in cols) else None


class OneLoginParser:
    name = PRODUCT
    exported = True  # (a CSV download Excel may have saved again: textcodec.export_codec)
    empty_reason = "a OneLogin events export with no sign-in event"

    @property
    def prefilter(self):
        """A broadcaster's JSON lines: a big file is read in ranges cut at its lines; every line is kept
        (a record of another type is counted, a broken line is malformed, as whole)."""
        return json_lines_prefilter(b"{")

    def sniff(self, head: str) -> bool:
        if '"event_type_id"' in head and ('"ipaddr"' in head or '"account_id"' in head):
            return True
        return csv_dialect(head, _csv_columns) is not None

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        found, lines = csv_head(lines, _csv_columns)
        if found is not None:
            yield from csv_events(lines, path, _csv_columns, "a OneLogin events CSV",
                                  lambda row, cols, no: _event(
                                      {k: row[i] for k, i in cols.items() if i < len(row)}, no, path))
            return
        yield from json_events(lines, path, lambda obj, no: _event(obj, no, path))


def _type_name(obj: dict) -> str | None:
    raw = obj.get("event_type_id")
    try:
        number = int(raw) if raw is not None and not isinstance(raw, bool) else None
    except (TypeError, ValueError):
        number = None
    named = text_or_none(obj.get("event_type")) or text_or_none(obj.get("event"))
    if named is None and number is None:
        named = text_or_none(raw)  # (an export naming the type in the id's column)
    name = TYPE_NAMES.get(number) if number is not None else None
    return name or (named.upper().replace(" ", "_") if named else None) or (str(number) if number is not None else None)


def _outcome(name: str, app: str | None) -> str:
    if name == _FAILED_AUTH:
        return "failure"
    if app and "LOGGED_INTO_APP" in name:
        return "success"
    if app and ("REJECTED" in name or "DENIED" in name):
        return "failure"
    return "info"


def _event(obj: dict, no: int, path: str) -> Iterator[Record]:
    name = _type_name(obj)
    if name is None:
        return
    app = text_or_none(obj.get("app_name"))
    outcome = _outcome(name, app)
    notes = text_or_none(obj.get("notes")) or text_or_none(obj.get("custom_message"))
    code = None
    if outcome == "failure":
        code = classify(PRODUCT, name, notes) or "unknown-failure"
    time, _ = parse_iso(obj.get("created_at"))
    yield LogEvent(
        source=src(path, no), time=time, product=PRODUCT, side="idp", outcome=outcome,
        text=f"{name}: {notes}" if notes else name, code=code, user=text_or_none(obj.get("user_name")),
        ip=text_or_none(obj.get("ipaddr")), correlation_id=text_or_none(obj.get("id")), app=app,
        raw_code=name)


PARSER = OneLoginParser()
