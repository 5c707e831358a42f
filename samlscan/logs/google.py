"""Google Workspace Reports API activities, applicationName=saml (login_success/login_failure),
and the Admin console's export of SAML log events (audit and investigation: CSV / Sheets).

Envelope: the standard activity resource (id{time,applicationName,uniqueQualifier}, actor{email},
ipAddress, events[]{type,name,parameters[]{name,value}}); a list response wraps them in `items`.
The export has one row per event with the console's attribute names (Date, Event, Actor,
Application name, Failure type, Initiated by, ...) and goes through the same event mapping.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Iterable, Iterator

from samlscan.logs._common import (
    MAX_TIME_TEXT,
    classify,
    csv_dialect,
    csv_events,
    csv_head,
    dig,
    json_events,
    local_to_utc,
    to_utc,
    malformed,
    parse_iso,
    src,
    text_or_none,
)
from samlscan.logs.base import Record
from samlscan.model import LogEvent

PRODUCT = "google"


class GoogleParser:
    name = PRODUCT
    exported = True  # (a CSV download Excel may have saved again: textcodec.export_codec)
    empty_reason = "a Google Workspace log with no SAML login activity"

    def sniff(self, head: str) -> bool:
        if '"applicationName"' in head and '"events"' in head and (
                '"saml"' in head or "login_failure" in head or "login_success" in head):
            return True
        return _is_csv(head)

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        found, lines = csv_head(lines, _csv_columns)
        if found is not None:
            yield from csv_events(lines, path, _csv_columns, "a Google SAML log events export",
                                  lambda row, cols, no: _csv_row(row, cols, no, path, tz))
        else:
            yield from json_events(lines, path, lambda obj, no: _events(obj, no, path))


def _params(event: dict) -> dict[str, str]:
    out = {}
    for p in event.get("parameters") or ():
        if isinstance(p, dict) and p.get("name"):
            value = p.get("value", p.get("multiValue"))
            out[str(p["name"])] = ",".join(map(str, value)) if isinstance(value, list) else value
    return out


def _events(obj: dict, no: int, path: str) -> Iterator[Record]:
    if str(dig(obj, "id", "applicationName") or "saml").lower() != "saml":
        return  # another application's activity (login, admin, drive...)
    time, _ = parse_iso(dig(obj, "id", "time"))
    events = obj.get("events")
    if isinstance(events, dict):  # SIEM pipelines (Elastic google_workspace) split the list
        events = [events]
    for event in events if isinstance(events, list) else ():
        if not isinstance(event, dict):
            continue
        yield _event(str(event.get("name") or ""), _params(event), no, path, time,
                     user=text_or_none(dig(obj, "actor", "email")),
                     ip=text_or_none(obj.get("ipAddress")),
                     request_id=text_or_none(dig(obj, "id", "uniqueQualifier")))


def _event(name: str, params: dict, no: int, path: str, time: datetime | None,
           local_time: bool = False, **who) -> LogEvent:
    """One SAML login event from its event name and parameters (API names), wherever read."""
    outcome = {"login_success": "success", "login_failure": "failure"}.get(name, "info")
    failure = text_or_none(params.get("failure_type"))
    status = text_or_none(params.get("saml_second_level_status_code")) or \
        text_or_none(params.get("saml_status_code"))
    ou = text_or_none(params.get("orgunit_path"))
    # the user's organizational unit: the app is turned ON or OFF per OU (User access), so a
    # failure of one OU's users while others get through is told by it
    text = " ".join(x for x in (name, failure, status, f"(OU {ou})" if ou and outcome == "failure" else None)
                    if x)
    code = classify(PRODUCT, failure, text) if outcome == "failure" else None
    return LogEvent(
        source=src(path, no), time=time, product=PRODUCT, side="idp", outcome=outcome,
        text=text, code=code, app=text_or_none(params.get("application_name")),
        raw_code=failure, local_time=local_time, **who)


# --- the Admin console's export of SAML log events -------------------------------------------
# Reporting > Audit and investigation > SAML log events (or the security investigation tool),
# "Export" to CSV or Google Sheets. Column names are the console's attributes for this data source
# (support.google.com/a/answer/7007375: Actor, Actor organizational unit, Application name, Date,
# Event, Failure type, Initiated by, ...); the status-code, IP and description column names are
# assumed, so headers are matched loosely (case, spaces, dots, underscores) and the
# API's parameter names are accepted too. Values may be the console's words ('Failed login',
# 'Invalid SP ID') or the API's (login_failure, failure_invalid_sp_id): both map to the API's.
# Date is shown in the admin's time zone: an offset or zone named in the cell is used, a time
# without one is read in --timezone (local_time).
# GAM's `gam report saml` (redirect csv / todrive) writes the same activities flattened: `name` (the
# event's name) first, then the other columns sorted: actor.callerType, actor.email, actor.profileId,
# the event's parameters under their API names, id.applicationName, id.customerId, id.time (RFC 3339),
# id.uniqueQualifier, ipAddress, type (GAM's report outputs as published: 'name,actor.callerType,
# actor.email,actor.key,actor.profileId,...,id.applicationName,id.customerId,id.time,
# id.uniqueQualifier,ipAddress,...,type').

_CSV_HEADERS = {
    "date": "time", "time": "time", "datetime": "time", "eventtime": "time", "idtime": "time",
    "event": "event", "eventname": "event", "name": "event",
    "description": "description", "eventdescription": "description",
    "actor": "actor", "actoremail": "actor", "user": "actor",
    "applicationname": "application_name", "application": "application_name",
    "samlapplication": "application_name",
    "failuretype": "failure_type",
    "initiatedby": "initiated_by",
    "statuscode": "saml_status_code", "samlstatuscode": "saml_status_code",
    "responsestatus": "saml_status_code",
    "secondlevelstatuscode": "saml_second_level_status_code",
    "samlsecondlevelstatuscode": "saml_second_level_status_code",
    "responsesecondlevelstatus": "saml_second_level_status_code",
    "secondlevelstatus": "saml_second_level_status_code",
    "ipaddress": "ip", "ip": "ip",
    "actororganizationalunit": "orgunit_path", "orgunitpath": "orgunit_path",
    "orgunit": "orgunit_path", "orgunitname": "orgunit_path",
    "deviceid": "device_id",
}
_PARAMS = ("application_name", "failure_type", "initiated_by", "saml_status_code",
           "saml_second_level_status_code", "orgunit_path", "device_id")
FAILURE_TYPES = frozenset({
    "failure_app_not_configured_for_user", "failure_app_not_enabled_for_user",
    "failure_invalid_sp_id", "failure_invalid_user_id_mapping", "failure_malformed_request",
    "failure_no_passive", "failure_request_denied", "failure_unknown",
    "failure_user_id_mapping_unavailable"})
"""failure_type values of the Reports API (GW-SAML)."""
_DESCRIBED_FAILURE = re.compile(r"because of the following error:\s*(.+?)\s*\.?$", re.I)
"""The console's message for login_failure: '{actor} failed to login because of the following
error: {failure_type}' (GW-SAML, Admin Console message format)."""


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def _csv_columns(cells: list[str]) -> dict[str, int] | None:
    """Column positions by field when `cells` is a SAML log events export header."""
    cols: dict[str, int] = {}
    for i, cell in enumerate(cells):
        field = _CSV_HEADERS.get(_norm(cell))
        if field and field not in cols:
            cols[field] = i
    if {"time", "event", "actor", "application_name"} <= cols.keys() and \
            ("failure_type" in cols or "initiated_by" in cols):
        return cols
    return None


def _is_csv(head: str) -> bool:
    return csv_dialect(head, _csv_columns) is not None


def _csv_row(row: list[str], cols: dict[str, int], no: int, path: str, tz: tzinfo
             ) -> Iterator[Record]:
    def get(field):
        i = cols.get(field)
        return text_or_none(row[i]) if i is not None and i < len(row) else None

    time, local = console_time(get("time"), tz)
    if time is None:
        yield malformed(path, no, f"unreadable event date {get('time')!r}")
        return
    params = {p: get(p) for p in _PARAMS if get(p) is not None}
    name = _event_name(get("event"))
    if name == "login_failure" and "failure_type" not in params:
        m = _DESCRIBED_FAILURE.search(get("description") or "")
        if m:
            params["failure_type"] = m.group(1)
    if "failure_type" in params:
        params["failure_type"] = _failure_type(params["failure_type"])
    yield _event(name, params, no, path, time, local, user=get("actor"), ip=get("ip"))


def _event_name(text: str | None) -> str:
    """login_success / login_failure from the console's words ('Successful login', 'Failed
    login') or the API's name; any other event keeps its own text (an 'info' event)."""
    word = _norm(text or "")
    if word in ("loginfailure", "failedlogin", "loginfailed", "failedsamllogin"):
        return "login_failure"
    if word in ("loginsuccess", "successfullogin", "loginsucceeded", "successfulsamllogin"):
        return "login_success"
    return text or ""


def _failure_type(text: str) -> str:
    """The API's failure_type for the console's words ('Invalid SP ID' ->
    failure_invalid_sp_id); text that names none of them is kept as written."""
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    for value in (slug, "failure_" + slug):
        if value in FAILURE_TYPES:
            return value
    return text


_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_ZONE = re.compile(r"\s*(?:\(?((?:GMT|UTC)?\s*[+-]\d{1,2}(?::?\d{2})?|GMT|UTC|Z)\)?"
                   r"|([A-Za-z][A-Za-z_/+-]*))\s*$")
"""A zone at the end of a Date cell: an offset (in brackets or not), GMT/UTC/Z, or a name."""
_NUMERIC = re.compile(
    r"^\s*(?:(\d{4})-(\d{1,2})-(\d{1,2})[T ]+|(\d{1,2})([/.])(\d{1,2})[/.](\d{4}),?\s+)"
    r"(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*([AaPp]\.?[Mm]\.?)?\s*$")
_CONSOLE = re.compile(
    r"^\s*(?:([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2})|(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?),?\s+(\d{4}),?"
    r"\s+(?:at\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp]\.?[Mm]\.?)?\s*$")


def console_time(text: str | None, tz: tzinfo | None) -> tuple[datetime | None, bool]:
    """A Date cell of the export: ISO 8601 ('2025-03-11T09:41:02+01:00', '2025-03-11 09:41:02')
    or the console's English form ('Mar 11, 2025, 9:41:02 AM GMT+1'), with an offset or zone
    name or none. Returns (UTC time, local_time): without a usable zone (none, or an abbreviation
    such as CET that names no single offset) the time is read in `tz`."""
    if not text or len(text.strip()) > MAX_TIME_TEXT:
        return None, False  # (a padded cell of 16 KB took minutes in _ZONE's nested spaces)
    time, local = parse_iso(text, tz)
    if time is not None:
        return time, local
    rest, zone = text.strip(), None
    m = _ZONE.search(rest)
    if m and m.start() > 0 and (m.group(2) or "").upper() not in ("AM", "PM"):
        rest, zone = rest[:m.start()], _zone((m.group(1) or m.group(2)).replace(" ", ""))
    naive = _naive(rest)
    if naive is None:
        return None, False
    if zone is not None:
        return to_utc(naive.replace(tzinfo=zone)), False
    return local_to_utc(naive, tz)


def _zone(token: str) -> tzinfo | None:
    """The zone a token names: Z, UTC, GMT, [GMT|UTC]+h[:mm], an IANA name (Europe/Paris); None
    for anything else (CET, PST: abbreviations are read as no zone)."""
    z = token.upper()
    if z in ("Z", "UTC", "GMT"):
        return timezone.utc
    m = re.fullmatch(r"(?:GMT|UTC)?([+-])(\d{1,2})(?::?(\d{2}))?", z)
    if m and int(m.group(2)) <= 14:
        off = timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
        return timezone(-off if m.group(1) == "-" else off)
    if "/" in token:
        try:
            from zoneinfo import ZoneInfo

            return ZoneInfo(token)
        except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
            return None
    return None


def _naive(text: str) -> datetime | None:
    """A zone-less date-time: ISO (an hour of one digit too, as Sheets writes it), a numeric
    date (m/d/yyyy; d/m/yyyy when the first part is over 12 or the date is dotted) or the
    console's English month form ('Mar 11, 2025, 9:41:02 AM')."""
    m = _NUMERIC.match(text)
    if m:
        y, mo, d, a, sep, b, y2, hour, minute, second, ampm = m.groups()
        if y2:
            day_first = sep == "." or int(a) > 12
            y, mo, d = (y2, b, a) if day_first else (y2, a, b)
    else:
        m = _CONSOLE.match(text)
        if not m:
            return None
        mon1, day1, day2, mon2, y, hour, minute, second, ampm = m.groups()
        mo, d = _MONTHS.get((mon1 or mon2 or "").lower()), day1 or day2
        if mo is None:
            return None
    h = int(hour)
    if ampm:
        h = h % 12 + (12 if ampm[0].lower() == "p" else 0)
    try:
        return datetime(int(y), int(mo), int(d), h, int(minute), int(second or 0))
    except ValueError:
        return None


PARSER = GoogleParser()
