"""Microsoft Entra ID sign-in logs: Graph signIn JSON (array, `{"value": [...]}`, lines), Azure
Monitor export (`properties`, `resultType`, `time`; storage exports wrap them in `records`) and
the portal CSV (headers matched loosely: case, spaces, trailing spaces, old and new names).

raw_code is `AADSTS<errorCode>` when errorCode != 0 (the code the Entra error page shows).
"""
from __future__ import annotations

import dataclasses
import os
import re
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Iterable, Iterator

from samlscan.logs._common import (
    MAX_TIME_TEXT,
    classify,
    csv_dialect,
    csv_events,
    dig,
    json_events,
    json_or_none,
    local_to_utc,
    malformed,
    parse_iso,
    peek,
    powershell_time,
    shared,
    shared_or_none,
    src,
    text_or_none,
)
from samlscan.logs.base import TIMELINE_NOTE, Record
from samlscan.model import LogEvent

PRODUCT = "entra"

# Normalised CSV header (lower case, letters and digits only) -> field. New portal names first;
# older exports used the Graph property names (MS-CSV, MS-CSV-JP).
_HEADERS = {
    "dateutc": "time", "date": "time", "createddatetime": "time", "createddatetimeutc": "time",
    "requestid": "request_id", "id": "request_id",
    "correlationid": "correlation_id",
    "username": "upn", "userprincipalname": "upn", "signinidentifier": "signin_id",
    "user": "display", "userdisplayname": "display",
    "application": "app", "appdisplayname": "app",
    "ipaddress": "ip",
    "status": "status",
    "signinerrorcode": "error", "errorcode": "error", "statuserrorcode": "error",
    "failurereason": "reason", "statusfailurereason": "reason",
    # Log Analytics / Microsoft Sentinel SigninLogs (KQL result exported as CSV: datetime
    # columns named 'TimeGenerated [UTC]', dynamic ones such as Status as a JSON cell)
    "timegenerated": "time_generated", "timegeneratedutc": "time_generated",
    "resulttype": "error", "resultdescription": "reason",
}
_LOCALE_DATE = re.compile(
    r"^\s*(\d{1,2})([/.])(\d{1,2})[/.](\d{4})[ T,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,7}))?)?"
    r"\s*([AaPp][Mm])?\s*$")


class EntraParser:
    name = PRODUCT
    exported = True  # (a CSV download Excel may have saved again: textcodec.export_codec)
    empty_reason = "an Entra ID sign-in log with no sign-in"

    def sniff(self, head: str) -> bool:
        if '"createdDateTime"' in head and ('"userPrincipalName"' in head or
                                           '"appDisplayName"' in head):
            return True
        if '"SignInLogs"' in head or ('"resultType"' in head and '"callerIpAddress"' in head):
            return True
        if '"UserPrincipalName"' in head and ('"TimeGenerated"' in head or '"CreatedDateTime"' in head):
            return True  # a SigninLogs KQL result as JSON (az monitor log-analytics query)
        return csv_dialect(head.lstrip("\ufeff"), _csv_columns) is not None

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        first, lines = peek(lines)
        if first is None:
            return
        if first[1].lstrip("\ufeff \t").startswith(("{", "[")):
            yield from json_events(lines, path, lambda obj, no: _json_event(obj, no, path))
        else:
            # CSV rows, with line numbers; quoted fields may span lines (bounded by text_lines)
            order = _DayOrder(path)
            rows = csv_events(lines, path, _csv_columns, "an Entra sign-in CSV",
                              lambda row, cols, no: _csv_row(row, cols, path, no, tz, order))
            yield from order.settle(rows)


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def _csv_columns(cells: list[str]) -> dict[str, int] | None:
    """Column positions by field when `cells` are an Entra sign-in CSV header."""
    cols: dict[str, int] = {}
    for i, cell in enumerate(cells):
        field = _HEADERS.get(_norm(_HEADER_ZONE.sub("", cell)))
        if field and field not in cols:
            cols[field] = i
            if field in ("time", "time_generated"):
                cols[field + _ZONED] = _header_offset(cell, _norm(cell))
    if "time" not in cols and "time_generated" in cols:  # CreatedDateTime is the sign-in's own
        cols["time"] = cols["time_generated"]
        cols["time" + _ZONED] = cols["time_generated" + _ZONED]
    if "time" in cols and ("request_id" in cols or "correlation_id" in cols) and \
            ("upn" in cols or "app" in cols):
        return cols
    if {"time", "upn", "app", "status"} <= cols.keys():  # the legacy portal export: no IDs at all
        return cols
    return None


def _csv_row(row: list[str], cols: dict[str, int], path: str, no: int, tz: tzinfo,
             order: "_DayOrder") -> Iterator[Record]:
    def get(field):
        i = cols.get(field)
        return text_or_none(row[i]) if i is not None and i < len(row) else None

    column = "time" if get("time") else "time_generated"  # a Sentinel row without CreatedDateTime
    stamp = get(column)
    offset = cols.get(column + _ZONED, _NO_ZONE)
    zone = tz if offset == _NO_ZONE else timezone(timedelta(minutes=offset))
    day_first = order.day_first(stamp, no, zone)
    time = _csv_time(stamp, zone, day_first)
    local = offset == _NO_ZONE and time is not None and _zoneless(stamp)
    if time is None:
        yield malformed(path, no, f"unreadable sign-in date {stamp!r}")
        return
    status = (get("status") or "").lower()
    error, reason = get("error"), get("reason")
    if status.startswith("{"):  # Sentinel: the signIn's status object as JSON
        obj = _json_cell(get("status"))
        error = error or text_or_none(obj.get("errorCode"))
        reason = text_or_none(obj.get("failureReason")) or reason
        status = ""
    yield _make(no, path, time, error, reason, status,
                user=get("upn") or get("signin_id") or get("display"), ip=get("ip"),
                request_id=get("request_id"), correlation_id=get("correlation_id"),
                app=get("app"), local_time=local)


_ZONED = "@offset"
"""cols[<time field> + _ZONED]: the UTC offset in minutes its header names, or _NO_ZONE."""
_NO_ZONE = -(10 ** 6)
_HEADER_ZONE = re.compile(r"(?<!\s)\s*[(\[]\s*(?:UTC|GMT)\s*(?:([+-])(\d{1,2})(?::?(\d{2}))?)?\s*[)\]]\s*$", re.I)
"""A header's zone suffix: the portal's 'Date (UTC)', Log Analytics' 'TimeGenerated [UTC]',
'Date (UTC+01:00)'. (Not from within a run of spaces: each start in one scanned the rest of it again.)"""
_UTC_BY_NAME = ("createddatetime", "timegenerated")
"""Columns named after a property that is UTC by definition (Graph signIn.createdDateTime; Log
Analytics' TimeGenerated): a zone-less value in them is UTC too."""


def _header_offset(cell: str, norm: str) -> int:
    """The UTC offset (minutes) a time column's header names ('(UTC)', '[UTC]', '(UTC+01:00)'), 0
    for a property that is UTC by definition, _NO_ZONE for a bare 'Date': read in --timezone's zone."""
    m = _HEADER_ZONE.search(cell)
    if m and m.group(1):
        minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
        return -minutes if m.group(1) == "-" else minutes
    if m or norm.startswith(_UTC_BY_NAME):
        return 0
    return _NO_ZONE


def _zoneless(text: str | None) -> bool:
    """A locale date (never zoned) or an ISO time without Z or offset."""
    time, local = parse_iso(text, timezone.utc)
    return bool(text) and (time is None or local)


def _order_of(m: re.Match | None) -> bool | None:
    """Whether a locale date (its _LOCALE_DATE match) is day first (True), month first (False), or
    could be either (None): dotted dates (de, fr...) are day first; a first part over 12 is a day, a
    second one too."""
    if not m:
        return None
    if m.group(2) == "." or int(m.group(1)) > 12:
        return True
    return False if int(m.group(3)) > 12 else None


MAX_HELD = 20_000
"""Rows of ambiguous dates held until a date tells the order (then the order their clock suggests is
taken, and said): a locale-dated CSV is read in bounded memory."""


class _DayOrder:
    """The day/month order of one CSV's locale dates: the portal writes them in its user's language
    ('11/30/2026, 9:15:02 AM' en-US, '30/11/2026 09:15:02' en-GB), the same for every row; one date
    with a day over 12 settles it for the whole column. Rows from the first ambiguous date on are held
    (`settle`, at most MAX_HELD) and re-dated once it is settled; ISO dates are never held. A file that
    does not settle it in time is read month first with a 12-hour clock (en-US) and day first with a
    24-hour one, and a note says so."""

    def __init__(self, path: str):
        self.path = path
        self.known: bool | None = None
        self.guessed = self.ended = False  # (the order guessed: at the file's end, or MAX_HELD rows in)
        self.ambiguous: str | None = None  # (the first date that could be read either way)
        self.stamps: dict[str, tuple[str, tzinfo]] = {}  # line ref -> (date, its zone), of the rows held

    def day_first(self, text: str | None, no: int, zone: tzinfo) -> bool | None:
        if self.known is not None:
            return self.known
        m = _LOCALE_DATE.match(text or "")
        if not m or m.group(2) == ".":  # (ISO needs no order; dotted dates tell nothing of slashed ones)
            return None
        self.known = _order_of(m)
        if self.known is None:
            self.stamps[f"line {no}"] = (text, zone)
            if self.ambiguous is None and int(m.group(1)) != int(m.group(3)):
                self.ambiguous = text.strip()
        return self.known

    def settle(self, records: Iterable[Record]) -> Iterator[Record]:
        held: list = []
        for rec in records:
            if self.known is None and (held or rec.source.ref in self.stamps):
                held.append(rec)
                if len(held) >= MAX_HELD:
                    self._guess()
                    yield from self._redate(held)
                    held, self.stamps = [], {}
                continue
            if held:  # (this row's date settled it)
                yield from self._redate(held)
                held, self.stamps = [], {}
            yield rec
        if held and self.known is None and self.ambiguous is not None:
            self.ended = True
            self._guess()
        yield from self._redate(held)
        if self.guessed:
            yield self._note()

    def _guess(self) -> None:
        m = _LOCALE_DATE.match(self.ambiguous or "")
        self.known, self.guessed = not (m and m.group(9)), True  # (24-hour clock: en-GB, fr...; AM/PM: en-US)

    def _redate(self, held: list) -> Iterator[Record]:
        """The held rows with their ambiguous dates read in the settled order."""
        for rec in held:
            stamp, zone = self.stamps.get(rec.source.ref, (None, None)) if isinstance(rec, LogEvent) else (None, None)
            if stamp and rec.time is not None:  # (a Malformed row has no stamp; a stamp is a locale date)
                time = _csv_time(stamp, zone, self.known)
                if time is not None:
                    rec = dataclasses.replace(rec, time=time)
            yield rec

    def _note(self) -> LogEvent:
        order, other = ("day/month", "month/day") if self.known else ("month/day", "day/month")
        name = os.path.basename(self.path.split("!")[-1])  # (its name: the same note for a copy of it)
        rows = "the file" if self.ended else f"its first {MAX_HELD:,} rows of such dates"
        text = (f"{name}: its sign-in dates such as {self.ambiguous!r} read {order} (the portal writes "
                f"them in its user's language; no date in {rows} has a day over 12 to tell); if it "
                f"was {other}, its days and months are swapped: download it again from the portal, whose "
                f"'Date (UTC)' column is ISO now, or check a sign-in's date there")
        return LogEvent(source=src(self.path, 1), time=None,
                        product=PRODUCT, side="idp", outcome="info", text=text, raw_code=TIMELINE_NOTE)


def _csv_time(text: str | None, zone: tzinfo | None = timezone.utc,
              day_first: bool | None = None) -> datetime | None:
    """ISO, or a locale date in `zone` (the portal CSV's 'Date (UTC)'). d/m vs m/d: `day_first`
    when the file settled it (_DayOrder), else dotted dates and a first part over 12 are day first
    and the rest month first (the English portal's order) until the file tells."""
    if not text or len(text.strip()) > MAX_TIME_TEXT:
        return None
    time, _ = parse_iso(text, zone)
    if time is not None:
        return time
    m = _LOCALE_DATE.match(text)
    if not m:
        return None
    a, sep, b, y, h, mi, s, frac, ampm = m.groups()
    own = _order_of(m)  # (a date that tells its own order is read in it)
    day_first = own if own is not None else bool(day_first)
    month, day = (int(b), int(a)) if day_first else (int(a), int(b))
    hour = int(h)
    if ampm:
        hour = hour % 12 + (12 if ampm.lower() == "pm" else 0)
    try:
        naive = datetime(int(y), month, day, hour, int(mi), int(s or 0), int((frac or "0")[:6].ljust(6, "0")))
    except ValueError:
        return None
    return local_to_utc(naive, zone)[0]


def _json_cell(value) -> dict:
    """A dynamic column exported as JSON text ('{"errorCode":0,...}'), or {}."""
    if isinstance(value, dict):
        return value
    got = json_or_none(value) if isinstance(value, str) else None
    return got if isinstance(got, dict) else {}


_SENTINEL = {"CreatedDateTime": "createdDateTime", "UserPrincipalName": "userPrincipalName",
             "UserDisplayName": "userDisplayName", "AppDisplayName": "appDisplayName",
             "AppId": "appId", "IPAddress": "ipAddress", "CorrelationId": "correlationId",
             "Id": "id"}
"""SigninLogs columns (Log Analytics, Microsoft Sentinel) -> the Graph signIn's names."""


def _from_sentinel(obj: dict) -> dict:
    """A SigninLogs row as a Graph signIn: Status (JSON text) becomes status; ResultType /
    ResultDescription fill a status without code; TimeGenerated stands in for CreatedDateTime.
    An empty cell is no value: `az monitor log-analytics query` prints every cell as Python's
    str(value), an empty one as 'None' (azure-cli-extensions src/log-analytics custom.py).
    PowerShell's sign-in objects share these PascalCase names, in their own case ('IpAddress' in
    AzureADPreview, 'IPAddress' in Microsoft.Graph), and nest Status as {ErrorCode, FailureReason}:
    `Get-AzureADAuditSignInLogs -All $true | ConvertTo-Json -Depth 100` (Microsoft-Extractor-Suite
    Scripts/Get-AzureADLogs.ps1), so names are matched without case."""
    cells = {str(k).lower(): v for k, v in obj.items()}
    rec = {graph: cells[col.lower()] for col, graph in _SENTINEL.items()
           if text_or_none(cells.get(col.lower())) is not None}
    rec.setdefault("createdDateTime", obj.get("TimeGenerated"))
    status = {str(k)[:1].lower() + str(k)[1:]: v for k, v in _json_cell(obj.get("Status")).items()}
    if status.get("errorCode") in (None, ""):
        status["errorCode"] = obj.get("ResultType")
    if not status.get("failureReason"):
        status["failureReason"] = obj.get("ResultDescription")
    rec["status"] = status
    return rec


def _json_event(obj: dict, no: int, path: str) -> Iterator[Record]:
    if "UserPrincipalName" in obj and ("TimeGenerated" in obj or "CreatedDateTime" in obj):
        obj = _from_sentinel(obj)
    props = obj.get("properties") if isinstance(obj.get("properties"), dict) else None
    if props is not None:  # Azure Monitor: the signIn sits in properties
        # properties.createdDateTime is the sign-in; the envelope's `time` can be written minutes
        # later and comes in locale form ('11/14/2025 1:48:53 AM') from some exports (Elastic
        # azure signinlogs test data: test-created-datetime-timestamp, test-alternative-time-*).
        rec, time = props, parse_iso(props.get("createdDateTime"))[0] or \
            _csv_time(text_or_none(obj.get("time")))
        error = dig(props, "status", "errorCode")
        if error is None:
            error = obj.get("resultType")
        reason = dig(props, "status", "failureReason") or obj.get("resultDescription")
        ip = props.get("ipAddress") or obj.get("callerIpAddress")
        corr = props.get("correlationId") or obj.get("correlationId")
    else:
        if "createdDateTime" not in obj and "userPrincipalName" not in obj:
            return  # not a sign-in (an audit record in a mixed export)
        rec, time = obj, powershell_time(obj.get("createdDateTime"))
        error = dig(obj, "status", "errorCode")
        reason = dig(obj, "status", "failureReason")
        ip, corr = obj.get("ipAddress"), obj.get("correlationId")
    yield _make(no, path, time, text_or_none(error), text_or_none(reason), "",
                user=text_or_none(rec.get("userPrincipalName")) or
                text_or_none(rec.get("userDisplayName")),
                ip=text_or_none(ip), request_id=text_or_none(rec.get("id")),
                correlation_id=text_or_none(corr),
                app=text_or_none(rec.get("appDisplayName")) or text_or_none(rec.get("appId")))


_INTERRUPTS = frozenset({"50072", "50074", "50125", "50140", "50168", "50199"})
"""errorCodes whose AADSTS name ends in 'Interrupt' (UserStrongAuthEnrollmentRequiredInterrupt,
UserStrongAuthClientAuthNRequiredInterrupt, PasswordResetRegistrationRequiredInterrupt,
KmsiInterrupt, ChromeBrowserSsoInterruptRequired, CmsiInterrupt; MS-AADSTS): a prompt in the
middle of a sign-in, shown as 'Interrupted' by the portal, not a failed login. JSON exports have
no Status column, only the code."""


def _make(no, path, time, error, reason, status, **fields) -> LogEvent:
    """One event; outcome from the CSV Status column when present, else from errorCode."""
    digits = re.sub(r"^AADSTS", "", error or "", flags=re.I)
    raw_code = f"AADSTS{digits}" if digits and digits != "0" else None
    if status.startswith("success"):
        outcome = "success"
    elif status.startswith("fail"):
        outcome = "failure"
    elif status.startswith("interrupt") or (not status and digits in _INTERRUPTS):
        outcome = "info"  # e.g. MFA required (50074): the flow went on elsewhere
    else:
        outcome = "failure" if raw_code else "success"
    text = f"{raw_code}: {reason}" if raw_code and reason else (reason or raw_code or "sign-in")
    code = classify(PRODUCT, raw_code, reason) if outcome != "success" and raw_code else None
    # an export's 100,000s of sign-ins name a few apps, texts, users and addresses: one copy of each
    for name in ("user", "ip", "app"):
        fields[name] = shared_or_none(fields[name])
    return LogEvent(source=src(path, no), time=time, product=PRODUCT, side="idp", outcome=outcome,
                    text=shared(text), code=code, raw_code=shared_or_none(raw_code), **fields)


PARSER = EntraParser()
