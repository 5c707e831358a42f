"""Okta System Log: JSON array (/api/v1/logs, console export), JSON lines, event-hook envelope,
and the Admin Console's System Log "Download CSV".

Schema: okta-sdk LogEvent (published, eventType, actor, client, outcome, target[], transaction,
debugContext.debugData). Event hooks wrap events in `data.events[]` (unwrapped by iter_json);
Log Streaming to AWS EventBridge wraps each in an event's `detail`.
The CSV is read back into that shape (one column per field, named by its dotted path) and goes
through the same mapping as a JSON event.
"""
from __future__ import annotations

import re
from datetime import tzinfo
from typing import Iterable, Iterator

from samlscan.logs._common import (
    classify,
    malformed,
    csv_dialect,
    csv_events,
    csv_head,
    dig,
    json_events,
    json_or_none,
    parse_iso,
    shared,
    shared_or_none,
    src,
    text_or_none,
)
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
    exported = True  # (a CSV download Excel may have saved again: textcodec.export_codec)
    empty_reason = "an Okta System Log with no sign-in event"

    def sniff(self, head: str) -> bool:
        if '"eventType"' in head and '"published"' in head and (
                '"actor"' in head or '"legacyEventType"' in head or '"displayMessage"' in head):
            return True
        return _is_csv(head)

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        found, lines = csv_head(lines, _csv_columns)
        if found is not None:
            yield from csv_events(lines, path, _csv_columns, "an Okta System Log CSV",
                                  lambda row, cols, no: _csv_event(row, cols, no, path))
        else:
            yield from json_events(lines, path, lambda obj, no: _event(obj, no, path))


def _app(targets) -> str | None:
    """The target AppInstance (the SP) by display name, else its alternateId."""
    for t in targets if isinstance(targets, list) else ():
        if isinstance(t, dict) and t.get("type") == "AppInstance":
            return text_or_none(t.get("displayName")) or text_or_none(t.get("alternateId"))
    return None


def _event(obj: dict, no: int, path: str) -> Iterator[Record]:
    if isinstance(obj.get("detail"), dict) and "detail-type" in obj:
        # Log Streaming to AWS EventBridge: the LogEvent is the envelope's `detail` (version, id,
        # detail-type 'SystemLog' or 'Okta Log Event', source 'aws.partner/okta.com/<org>/<name>',
        # time...; an EventBridge ingest handler's test, TestHandleOktaEventBridgePostQueuesEvent,
        # and a detection-rule set's 'EventBridge Integration' note), one per line in an archive.
        obj = obj["detail"]
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
    # (a System Log's 100,000s of events name a few apps, event types, texts, users and addresses:
    # one copy of each, where json.loads makes one per event)
    yield LogEvent(
        source=src(path, no), time=time, product=PRODUCT, side="idp", outcome=outcome, text=shared(text),
        code=code, user=shared_or_none(text_or_none(dig(obj, "actor", "alternateId"))), ip=shared_or_none(ip),
        request_id=text_or_none(dig(obj, "debugContext", "debugData", "requestId")),
        correlation_id=text_or_none(dig(obj, "transaction", "id")),
        app=shared_or_none(_app(obj.get("target"))), raw_code=shared(etype))


# --- the Admin Console's System Log "Download CSV" ------------------------------------------
# One column per LogEvent field, named by its dotted path (published, eventType, displayMessage,
# actor.alternateId, client.ipAddress, outcome.result, outcome.reason, transaction.id, ...): the
# layout SIEM and detection tooling read Okta CSVs with. Not checked against a real download (no
# public copy of its header was found), so headers are matched loosely: case, spaces, dots, brackets
# ('Actor Alternate ID', 'actor_alternateId'), and targets come either as a `target` column holding
# the JSON list or as per-field columns (target.displayName, target0.type, target[1].id, ...).

_CSV_PATHS = (
    "uuid", "published", "eventType", "legacyEventType", "displayMessage", "severity",
    "actor.id", "actor.type", "actor.alternateId", "actor.displayName", "client.ipAddress",
    "outcome.result", "outcome.reason", "transaction.id", "transaction.type",
    "debugContext.debugData.requestId", "debugContext.debugData.requestUri",
)


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


_CSV_FIELDS = {_norm(p): tuple(p.split(".")) for p in _CSV_PATHS}
_CSV_TARGET = re.compile(r"^targets?(\d*)(id|type|alternateid|displayname)$")
_TARGET_KEYS = {"id": "id", "type": "type", "alternateid": "alternateId",
                "displayname": "displayName"}
# Besides published and eventType, a System Log CSV names at least two of these.
_CSV_SIGNS = ("actoralternateid", "outcomeresult", "displaymessage", "clientipaddress",
              "legacyeventtype", "transactionid")


def _csv_columns(cells: list[str]) -> dict | None:
    """Column positions of a System Log CSV header: {"fields": [(i, path)], "targets": [(i, n,
    key)], "target_json": i}, or None when `cells` is no such header."""
    fields, targets, target_json, seen = [], [], None, set()
    for i, cell in enumerate(cells):
        name = _norm(cell)
        if name in _CSV_FIELDS and name not in seen:
            seen.add(name)
            fields.append((i, _CSV_FIELDS[name]))
        elif name in ("target", "targets") and target_json is None:
            target_json = i
        elif m := _CSV_TARGET.match(name):
            targets.append((i, int(m.group(1) or 0), _TARGET_KEYS[m.group(2)]))
    if {"published", "eventtype"} <= seen and sum(s in seen for s in _CSV_SIGNS) >= 2:
        return {"fields": fields, "targets": targets, "target_json": target_json, "width": len(cells)}
    return None


_EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+$")
"""An Okta event type: dotted lower-case words (user.authentication.sso, app.generic.unauth_app_access_attempt;
OK-TYPES)."""


def _csv_event(row: list[str], cols: dict, no: int, path: str) -> Iterator[Record]:
    """The event of one data row; a row that is none (cells shifted by a broken quote, another
    CSV under an Okta header, garbage) is a malformed line, not an event or nothing."""
    if len(row) != cols["width"]:
        yield malformed(path, no, f"{len(row)} cells, the Okta System Log CSV header has {cols['width']}")
        return
    obj = _csv_record(row, cols)
    if not _EVENT_TYPE.match(obj.get("eventType", "")) or parse_iso(obj.get("published"))[0] is None:
        yield malformed(path, no, "not an Okta System Log event: no event type and time in its columns")
        return
    yield from _event(obj, no, path)


def _is_csv(head: str) -> bool:
    return csv_dialect(head, _csv_columns) is not None


def _csv_record(row: list[str], cols: dict) -> dict:
    """The nested LogEvent shape of one CSV row (empty cells left out)."""
    def cell(i):
        return row[i].strip() if i < len(row) else ""

    obj: dict = {}
    for i, keys in cols["fields"]:
        if value := cell(i):
            node = obj
            for key in keys[:-1]:
                node = node.setdefault(key, {})
            node[keys[-1]] = value
    targets: dict[int, dict] = {}
    for i, n, key in cols["targets"]:
        if value := cell(i):
            targets.setdefault(n, {})[key] = value
    if targets:
        obj["target"] = [targets[n] for n in sorted(targets)]
    elif cols["target_json"] is not None and cell(cols["target_json"]).startswith(("[", "{")):
        listed = json_or_none(cell(cols["target_json"]))
        obj["target"] = [listed] if isinstance(listed, dict) else listed
    return obj


PARSER = OktaParser()
