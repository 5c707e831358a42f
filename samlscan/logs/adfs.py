"""AD FS events 321, 342, 364 (AD FS/Admin) and 411, 516, 1200-1207, 1210 (Security, source 'AD FS
Auditing') exported as XML (wevtutil qe /f:xml, Get-WinEvent ToXml, Event Viewer 'Save as XML'), CSV
(Event Viewer 'Save as CSV', Get-WinEvent | Export-Csv), JSON (Get-WinEvent | ConvertTo-Json; an EVTX
converted by evtx_dump -o json/jsonl) or Event Viewer's 'Copy Details as Text'.

1200-1207 and 1210 carry an AuditBase XML document (AuditResult, FailureType, ErrorCode,
ResourceAuditComponent, RequestAuditComponent) in their data (ADFS-AUD, ADFS-XML); 364 names the
relying party and an MSIS exception in its text (ADFS-364); 342/411 (a user name/password that did not
validate) and 516 (extranet lockout) name the user and the client IP in labelled lines
(tests/data/adfsevents/SOURCES.md).
"""
from __future__ import annotations

import dataclasses
import ipaddress
import re
from datetime import datetime, tzinfo
from typing import Iterable, Iterator

from samlscan import lazyre
from samlscan.errors import InputError
from samlscan.logs._common import (
    CSV_DELIMITERS,
    MAX_TIME_TEXT,
    classify,
    csv_dialect,
    csv_head,
    csv_header_cells,
    csv_rows,
    csv_sep,
    first_ip,
    json_events,
    local_to_utc,
    malformed,
    parse_iso,
    powershell_time,
    src,
    text_lines,
    text_or_none,
)
from samlscan.logs.base import Malformed, Record
from samlscan.model import LogEvent
from samlscan.xmlsafe import parse_xml

PRODUCT = "adfs"
_SUCCESS_IDS = {1200, 1202}  # token issued, fresh credentials validated
_FAILURE_IDS = {364, 1201, 1203, 321, 342, 411, 516, 1210}
"""(321: 'The SAML authentication request had a NameID Policy that could not be satisfied', its
MSIS7070 naming the requested format: the login fails with status InvalidNameIDPolicy. 342 (AD FS/Admin)
and 411 (Security) 'Token validation failed': the user's name/password did not validate, the reason in
'Error message: <user>-<Windows logon error>'. 516 and 1210: the account is locked out by AD FS
extranet lockout (Configure-AD-FS-Extranet-Smart-Lockout-Protection.md).)"""
_OTHER_IDS = {1204, 1205, 1206, 1207}
"""Password change and sign-out (success, failure): read, but no login's outcome."""
MAX_EVENT = 1024 * 1024
_EVENT_START = lazyre.compile(r"<(?:\w+:)?Event[\s>]")
_EVENT_END = lazyre.compile(r"</(?:\w+:)?Event>")
_AUDIT = lazyre.compile(r"<AuditBase\b")
"""The AuditBase document's start: its end is the first '</AuditBase>' after the first start (a lazy
'.*?' to it tried again from each later start when it was missing: quadratic in a damaged event)."""
_DECL = lazyre.compile(r"^\s*<\?xml[^>]*\?>")
_MSIS = lazyre.compile(r"(?:\b(\w+Exception):\s*)?\b(MSIS\d{4})\b:?\s*(.*?)"
                   r"(?=\s*--->|(?:\b\w+Exception:\s*)?\bMSIS\d{4}\b|[\r\n]|$)")
"""An MSIS exception: its class (NoAuthenticationContextException: the cause MSIS7012's generic
text does not say), code and text."""
_RP = lazyre.compile(r"(?:Relying Party|Requestor):[ \t]*(?:\r?\n[ \t]*)?(\S+)")
"""The relying party of a 364 ('Relying Party:' then the identifier on the next line, or nothing: an
empty line, not the 'Exception details:' that follows) and of a 321 ('Requestor: <identifier>')."""
_REQUESTED_RP = lazyre.compile(r"MSIS7007: The requested relying party trust '([^'\s]+)'")
"""MSIS7007 names the identifier the SP asked for (its AuthnRequest Issuer): the SP of the attempt,
though no trust has that identifier."""
_ACTIVITY = lazyre.compile(r"Activity ID:\s*([0-9a-fA-F-]{36})")
_GUID = lazyre.compile(r"^\{?([0-9a-fA-F-]{36})\}?$")
_NIL_GUID = "00000000-0000-0000-0000-000000000000"
"""The Activity ID of a request without one (legacy, e.g. Exchange Online basic authentication:
Microsoft's extranet smart lockout FAQ): no correlation key."""
_LABEL = lazyre.compile(r"^%?(User|Client IP|Error message):[ \t]*(?:\r?\n[ \t]*)?([^\r\n]*)\r?$", re.M)
"""A labelled value of 342/411/516: on the label's line or the next ('User: \\ncarol@...'); AD FS
2016's 342 renders '%Error message:'. (Its spaces are stripped after the match: a lazy value before
'[ \\t]*$' tried the rest of a run of spaces from each of them, quadratic in the run.)"""
_USER_ERROR = lazyre.compile(r"^[\"\u201c]?(\S+?)[\"\u201d]?\s*-\s*([A-Z][a-z']*+(?: [A-Za-z']++){2}[^\r\n]*+)$")
"""'Error message: <user>-<Windows logon error>' ('alice@corp.example.com-The user name or password
is incorrect'): split before the reason, a sentence, so that a '-' inside the user name stays. (Its
words are matched possessively, two and the rest of the line: a line break after '{2,}' words tried
every split of them, quadratic in their number.)"""
_CALLER = lazyre.compile(r"\bcaller identity (\S+) for relying party trust\b")
"""MSIS5007 names the user the relying party's authorization rules refused."""
_IP_LIST = lazyre.compile(r"^(?=[0-9A-Fa-f]*[.:])[0-9A-Fa-f.:]+(?:\s*,\s*[0-9A-Fa-f.:]+)*$")
"""A Data that is an address list, its first address with a '.' or ':' (the lookahead finds that once:
'[..]*[.:][..]*' tried each '.' of a long run as the one, quadratic in the run)."""
_DATA_USER = {516: 1}
"""Data index of the user where the message does not label it: 516's User is %2 (ESL doc)."""
_LOCALE_TIME = lazyre.compile(r"^\s*(\d{1,2})([/.])(\d{1,2})[/.](\d{4})\s+(\d{1,2}):(\d{2}):(\d{2})"
                          r"\s*([AaPp][Mm])?\s*$")
_YMD_TIME = re.compile(r"^\s*(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})\.?\s+(\d{1,2}):(\d{2}):(\d{2})\s*$")
"""A year-first local time ('2001/02/03 04:05:06', Japanese Windows' short date)."""


class AdfsParser:
    name = PRODUCT
    exported = True  # (a CSV download Excel may have saved again: textcodec.export_codec)
    empty_reason = "an AD FS event log with no sign-in event"
    reads_xml = True
    """Its event exports are XML documents: the engine asks it before taking XML for a message."""

    def sniff(self, head: str) -> bool:
        adfs = "AD FS" in head or "ADFS" in head or "IdentityServer" in head
        if "<Event" in head and adfs and "schemas.microsoft.com/win/2004/08/events" in head:
            return True
        if _is_text_copy(head):
            return True
        if _is_winevent_json(head):
            return True
        body = head.lstrip("\ufeff")
        if body.startswith("#TYPE"):  # (Export-Csv's type line before the header)
            body = body.partition("\n")[2]
        return adfs and (csv_dialect(body, _csv_columns) is not None or _unread_language(body) is not None)

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        lines = iter(lines)
        first = next(lines, None)
        while first is not None and not first[1].strip():
            first = next(lines, None)
        if first is None:
            return
        rest = _chain(first, lines)
        if _TEXT_FIELD.match(first[1].lstrip("\ufeff ")) and first[1].lstrip("\ufeff ").startswith("Log Name:"):
            yield from _text_copy(text_lines(rest), path, tz)
        elif first[1].lstrip("\ufeff ")[:1] in ("[", "{") or _EVTX_RECORD.match(first[1].lstrip("\ufeff ")):
            records = ((no, line) for no, line in rest if not (type(line) is str and _EVTX_RECORD.match(line)))
            yield from json_events(records, path, lambda obj, no: _json_event(obj, no, path))
        elif first[1].lstrip("\ufeff ").startswith("<"):
            # every chunk: an export written without newlines is one line of many events
            yield from _xml_stream(rest, path)
        else:
            yield from _csv(text_lines(rest), path, tz)


def _chain(first, rest):
    yield first
    yield from rest


# --- XML --------------------------------------------------------------------------------------

_TAG_TAIL = 64
"""Longer than any <Event / </Event> tag (with a prefix): a tag cut between two chunks is found
by searching again from this far before a chunk's end."""


def _xml_stream(lines, path: str) -> Iterator[Record]:
    """Cut <Event>...</Event> elements out of the stream: one per line, many per line, or all of
    them on one line of any length (its chunks, sharing a line number, are joined without a
    newline). Each character is searched once (plus a tag's length at chunk ends); the buffer
    holds at most one event (MAX_EVENT) and one chunk."""
    buf, pos, ev, start, last = "", 0, -1, 0, None  # ev: offset of the open <Event, or -1
    for no, chunk in lines:
        buf += ("\n" if buf and no != last else "") + chunk
        last = no
        while True:
            if ev < 0:
                m = _EVENT_START.search(buf, pos)
                if not m:
                    break  # <Events> wrapper, prolog, blank lines
                ev, start, pos = m.start(), no, m.end()
            end = _EVENT_END.search(buf, pos)
            if not end:
                break
            yield from _xml_event(buf[ev:end.end()], start, path)
            pos, ev = end.end(), -1
        if ev < 0:  # keep what may begin a tag
            buf, pos = buf[max(pos, len(buf) - _TAG_TAIL):], 0
        elif len(buf) - ev > MAX_EVENT:
            yield malformed(path, start, f"event larger than {MAX_EVENT} characters")
            buf, pos, ev = "", 0, -1
        else:
            buf, pos, ev = buf[ev:], max(pos - ev, len(buf) - ev - _TAG_TAIL), 0
    if ev >= 0:
        yield malformed(path, start, "unterminated <Event> at end of file")


def _local(el) -> str:
    tag = el.tag if isinstance(el.tag, str) else ""
    return tag.rsplit("}", 1)[-1]


def _xml_event(text: str, no: int, path: str) -> Iterator[Record]:
    try:
        root = parse_xml(text.encode("utf-8"))
    except InputError as exc:
        yield malformed(path, no, f"{exc.code}: {exc.detail}")
        return
    info: dict[str, str] = {}
    datas: list[str] = []
    messages: list[str] = []
    for el in root.iter():
        name = _local(el)
        if name == "EventID":
            info["id"] = (el.text or "").strip()
        elif name == "TimeCreated":
            info["time"] = el.get("SystemTime", "")
        elif name == "Correlation" and el.get("ActivityID"):
            info["activity"] = el.get("ActivityID", "")
        elif name == "Provider":
            info["provider"] = el.get("Name", "")
        elif name == "Data" and el.text:
            datas.append(el.text)
        elif name == "Message" and el.text:
            messages.append(el.text)
    try:
        event_id = int(info.get("id", ""))
    except ValueError:
        yield malformed(path, no, "event without a numeric EventID")
        return
    time, _ = parse_iso(info.get("time"))
    # the rendered message first: its first line names the event, the Data may start with a GUID
    yield from _event(event_id, time, False, info.get("activity"), messages + datas, no, path)


# --- Get-WinEvent | ConvertTo-Json ---------------------------------------------------------
# The EventLogRecord's properties in their order (Id, Version, ..., ProviderName, LogName, ...,
# TimeCreated, ActivityId, ..., LevelDisplayName, ..., Properties, Message), one object or an array:
# Windows PowerShell 5.1 writes TimeCreated '\/Date(<epoch ms>)\/' and, at the default -Depth 2,
# Properties as the type name ("System.Diagnostics.Eventing.Reader.EventProperty"); PowerShell 7
# writes ISO 8601 with the machine's offset; with -Depth 3 or more Properties are {"Value": ...},
# the event's Data (a Get-WinEvent -LogName System | ConvertTo-Json capture in a public course,
# cyberxsecurity; PowerShell-Docs Get-WinEvent). Select-Object keeps a subset of them (Id,
# TimeCreated, Message).

_WINEVENT_JSON = lazyre.compile(r'"TimeCreated"\s*:')
_ADFS_TEXT = ("AD FS", "ADFS", "Federation Service", "AuditBase", "MSIS")


_EVTX_RECORD = lazyre.compile(r"^Record \d+\s*$")
"""evtx_dump -o json's line before each record (-o jsonl leaves it out): omerbenamram/evtx
src/bin/evtx_dump.rs, `writeln!(self.output, "Record {}", r.event_record_id)`."""


def _is_winevent_json(head: str) -> bool:
    body = head.lstrip("\ufeff \r\n")
    if _EVTX_RECORD.match(body.partition("\n")[0]):
        body = body.partition("\n")[2].lstrip()
    return body[:1] in ("[", "{") and ('"Id"' in body or '"EventID"' in body) \
        and _WINEVENT_JSON.search(body) is not None and any(t in body for t in _ADFS_TEXT)


def _json_event(obj: dict, no: int, path: str) -> Iterator[Record]:
    if isinstance(obj.get("Event"), dict):
        yield from _evtx_event(obj["Event"], no, path)
        return
    try:
        event_id = int(obj.get("Id"))
    except (TypeError, ValueError):
        yield malformed(path, no, "event without a numeric Id")
        return
    time = powershell_time(obj.get("TimeCreated"))
    if time is None:
        yield malformed(path, no, "event without a readable TimeCreated")
        return
    props = obj.get("Properties") if isinstance(obj.get("Properties"), list) else []
    datas = [p["Value"] for p in props if isinstance(p, dict) and isinstance(p.get("Value"), str)]
    message = obj.get("Message") if isinstance(obj.get("Message"), str) else None
    # the rendered message first, as in the XML: its first line names the event
    yield from _event(event_id, time, False, text_or_none(obj.get("ActivityId")),
                      ([message] if message else []) + datas, no, path)


# --- evtx_dump (omerbenamram/evtx) JSON -------------------------------------------------------
# The EVTX record's XML as JSON: an element's attributes under "#attributes" (or, with
# --separate-json-attributes, under "<Element>_attributes"), its text under "#text" when it also has
# attributes (a classic event's EventID {"#attributes": {"Qualifiers": "0"}, "#text": "1203"}), and
# unnamed <Data> elements as EventData.Data.#text, a list (tests/snapshots
# test_record_samples__event_json_sample.snap and ..._with_multiple_data_elements-2.snap).


def _attr(system: dict, element: str, name: str):
    value = system.get(element)
    attrs = value.get("#attributes") if isinstance(value, dict) else None
    attrs = attrs if isinstance(attrs, dict) else system.get(f"{element}_attributes")
    return attrs.get(name) if isinstance(attrs, dict) else None


def _evtx_texts(value) -> list[str]:
    """The Data values of an EventData: strings, lists, {"#text": ...}, named Data's values."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [t for v in value for t in _evtx_texts(v)]
    if isinstance(value, dict):
        return [t for k, v in value.items() if k != "#attributes" and not k.endswith("_attributes")
                for t in _evtx_texts(v)]
    return []


def _evtx_event(event: dict, no: int, path: str) -> Iterator[Record]:
    system = event.get("System") if isinstance(event.get("System"), dict) else {}
    event_id = system.get("EventID")
    try:
        event_id = int(event_id.get("#text") if isinstance(event_id, dict) else event_id)
    except (TypeError, ValueError):
        yield malformed(path, no, "event without a numeric EventID")
        return
    time, _ = parse_iso(_attr(system, "TimeCreated", "SystemTime"))
    if time is None:
        yield malformed(path, no, "event without a readable TimeCreated SystemTime")
        return
    yield from _event(event_id, time, False, text_or_none(_attr(system, "Correlation", "ActivityID")),
                      _evtx_texts(event.get("EventData")), no, path)


# --- Event Viewer's "Copy Details as Text" ---------------------------------------------------
# What admins paste into tickets and forums: a 'Log Name:' header block, then the message, for
# one event or several in a row (ADFS-364 quotes; TechNet wiki 3362; MicrosoftDocs AD FS
# troubleshooting articles). AD FS 2.0 logs under 'AD FS 2.0/Admin', later versions 'AD FS/Admin';
# the values are aligned with spaces or not, 'Description:' may be missing (AD FS 2.0 quotes),
# and an 'Event Xml:' section may follow (its <Correlation ActivityID> is the Activity ID).

_TEXT_FIELD = lazyre.compile(r"^(Log Name|Source|Date|Event ID|Task Category|Level|Keywords|User|Computer|"
                         r"OpCode|Description):[ \t]*(.*?)\s*$")
_TEXT_ACTIVITY = lazyre.compile(r"ActivityID=['\"]\{?([0-9a-fA-F-]{36})\}?['\"]")


def _is_text_copy(head: str) -> bool:
    lines = head.lstrip("\ufeff \r\n").split("\n", 12)
    if not lines or not lines[0].startswith("Log Name:"):
        return False
    fields = dict(m.groups() for m in map(_TEXT_FIELD.match, lines[:12]) if m)
    return ("Event ID" in fields and "AD FS" in fields.get("Source", "") + fields.get("Log Name", "")
            or "Event ID" in fields and "ADFS" in fields.get("Source", ""))


def _text_copy(lines, path: str, tz: tzinfo) -> Iterator[Record]:
    block: list[str] = []
    start = None
    for no, line in lines:
        if line.lstrip("\ufeff ").startswith("Log Name:") and block:
            yield from _text_event(block, start, path, tz)
            block = []
        if not block:
            start = no
        block.append(line.lstrip("\ufeff"))
    if block:
        yield from _text_event(block, start, path, tz)


def _text_event(block: list[str], no: int, path: str, tz: tzinfo) -> Iterator[Record]:
    fields: dict[str, str] = {}
    body = 0
    for i, line in enumerate(block):
        m = _TEXT_FIELD.match(line)
        if m is None or m.group(1) in fields:
            break
        fields[m.group(1)] = m.group(2)
        body = i + 1
        if m.group(1) == "Description":
            break
    message = "\n".join(block[body:])
    xml_at = message.find("Event Xml:")
    xml, message = (message[xml_at:], message[:xml_at]) if xml_at >= 0 else ("", message)
    try:
        event_id = int(fields.get("Event ID", ""))
    except ValueError:
        yield malformed(path, no, "event text without a numeric Event ID")
        return
    time, local = _csv_time(fields.get("Date"), tz)
    if time is None:
        yield malformed(path, no, "event text without a readable Date")
        return
    activity = _TEXT_ACTIVITY.search(xml)
    yield from _event(event_id, time, local, activity.group(1) if activity else None,
                      [message], no, path)


# --- CSV --------------------------------------------------------------------------------------

_VIEWER_COLUMNS = (("date and time", "event id", "", "English"),
                   ("datum und uhrzeit", "ereignis-id", "dmy", "German"),
                   ("data e hora", "identificação do evento", "dmy", "Portuguese (Brazil)"),
                   ("日付と時刻", "イベント id", "ymd", "Japanese"),
                   ("fecha y hora", "id. del evento", "dmy", "Spanish"))
"""(date column, event ID column, date order, language) of Event Viewer's 'Save All Events As' CSV, which
names its columns in Windows' display language and writes the date in its locale's short date ('': month
first unless the first number is over 12, 'dmy': day first, 'ymd': year first):
English 'Level,Date and Time,Source,Event ID,Task Category' (a Security log's first is 'Keywords'),
German 'Ebene,Datum und Uhrzeit,Quelle,Ereignis-ID,Aufgabenkategorie' ('27.10.2021 12:28:26'),
Portuguese (Brazil) 'Nível,Data e Hora,Fonte,Identificação do Evento,Categoria da Tarefa'
('28/09/2026 10:15:30'), Japanese 'レベル,日付と時刻,ソース,イベント ID,タスクのカテゴリ' ('2001/02/03 04:05:06'),
Spanish 'Nivel,Fecha y hora,Origen,Id. del evento,...' (the columns as Spain's Event Viewer names them,
github.com/domenecsos/logfile2windowsevent README.md; es-ES short date '11/03/2025 9:43:12', day first, 24 h).
Another language's header is not guessed: _unread_language says which columns were not read and why."""
_EXPORT_CSV = ("id", "timecreated")
"""Get-WinEvent | Export-Csv's event ID and time columns (the record's property names: any language)."""


@dataclasses.dataclass(frozen=True)
class _Header:
    """An event CSV's columns, lower case, its event ID and time columns named as in English
    ('event id', 'date and time'), and the order of its date (_VIEWER_COLUMNS)."""
    names: tuple[str, ...]
    order: str = ""


def _csv_columns(cells: list[str]) -> _Header | None:
    """The header of Event Viewer's CSV (its event ID and date columns in one of _VIEWER_COLUMNS'
    languages) or of Get-WinEvent | Export-Csv (Id, TimeCreated); None for another line."""
    names = [h.strip().lower() for h in cells]
    if set(_EXPORT_CSV) <= set(names):
        return _Header(tuple(names))
    for date, event_id, order, _ in _VIEWER_COLUMNS:
        if date in names and event_id in names:
            english = {date: "date and time", event_id: "event id"}
            return _Header(tuple(english.get(n, n) for n in names), order)
    return None


_VIEWER_TIME = lazyre.compile(r"^\s*\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\.?\s.{0,12}?\d{1,2}:\d{2}:\d{2}")
"""An Event Viewer CSV's date and time in any locale's short date ('11/03/2025 9:43:12', '2025-03-11 오후
9:43:12': a day-period marker may stand between them), bounded: only to know the shape of a row."""


def _unread_language(text: str) -> list[str] | None:
    """The header of an Event Viewer CSV whose columns are named in a language not in _VIEWER_COLUMNS:
    five named columns, and a first row of a date and time, an AD FS source, a numeric event ID and the
    message, as every language writes it; None for another text."""
    lines = text.lstrip("\ufeff").split("\n", 3)
    sep = csv_sep(lines[0])
    if sep is not None:
        lines = lines[1:]
    for delimiter in (sep,) if sep else CSV_DELIMITERS:
        cells = csv_header_cells(lines[0], delimiter)
        row = csv_header_cells(lines[1], delimiter) if len(lines) > 1 and cells and len(cells) == 5 else None
        if row and len(row) > 5 and all(c.strip() for c in cells) and _VIEWER_TIME.match(row[1][:MAX_TIME_TEXT]) \
                and ("AD FS" in row[2] or "ADFS" in row[2]) and row[3].strip().isdigit():
            return [c.strip() for c in cells]
    return None


def _unread(cells: list[str]) -> str:
    """Why an Event Viewer CSV with these column names is not read (what reads in any language: _AS_XML)."""
    known = ", ".join(language for *_, language in _VIEWER_COLUMNS)
    return (f"Event Viewer CSV whose columns ({', '.join(cells)}) are named in a Windows display language "
            f"samlscan does not read (it reads {known})")


_AS_XML = ("Save the events as XML instead (Event Viewer: Save All Events As... > XML, or wevtutil qe /f:xml), "
           "which names them the same in every language.")


def _csv(lines, path: str, tz: tzinfo) -> Iterator[Record]:
    found, lines = csv_head(lines, _csv_columns, skip_prefix="#TYPE")
    header: _Header | None = None
    for got in csv_rows(lines, path, skip_prefix="#TYPE", delimiter=found[0] if found else ","):
        if isinstance(got, Malformed):
            yield got
        elif header is None:
            if found is None:  # (no column to take the event ID or the date from: one line says why)
                yield malformed(path, got[0], _unread([c.strip() for c in got[1]]), _AS_XML)
                return
            header = found[1]
        else:
            yield from _csv_row(header, got[1], got[0], path, tz)


def _csv_row(header: _Header, row: list[str], no: int, path: str, tz: tzinfo):
    names = header.names

    def col(*wanted: str) -> str | None:
        for n in wanted:
            if n in names and names.index(n) < len(row):
                return row[names.index(n)]
        return None

    # Event Viewer's CSV has 5 named columns; the message is the unnamed 6th.
    message = col("message") or (row[len(names)] if len(row) > len(names) else "")
    try:
        event_id = int(col("event id", "id") or "")
    except ValueError:
        yield malformed(path, no, "row without a numeric event ID")
        return
    time, local = _csv_time(col("date and time", "timecreated"), tz, header.order)
    if time is None:
        yield malformed(path, no, "row without a readable date")
        return
    # Get-WinEvent | Export-Csv has the record's ActivityId column; Event Viewer's CSV only the text
    yield from _event(event_id, time, local, col("activityid") or None, [message], no, path)


def _csv_time(text: str | None, tz: tzinfo, order: str = ""):
    """Exports write local time in the exporting machine's locale (no zone); `order` is the date's
    as the header's language tells it (_Header.order: 'dmy' day first), else by its own shape."""
    if not text:
        return None, False
    time, local = parse_iso(text, tz)
    if time is not None:
        return time, local
    m = _YMD_TIME.match(text)
    if m:  # (a year first is unambiguous: Japanese, Chinese, Korean, Hungarian... locales)
        y, month, day, h, mi, s = map(int, m.groups())
        try:
            return local_to_utc(datetime(y, month, day, h, mi, s), tz)
        except ValueError:
            return None, False
    m = _LOCALE_TIME.match(text)
    if not m:
        return None, False
    a, sep, b, y, h, mi, s, ampm = m.groups()
    day_first = order == "dmy" or sep == "." or int(a) > 12
    month, day = (int(b), int(a)) if day_first and int(b) <= 12 else (int(a), int(b))
    hour = int(h) % 12 + (12 if ampm and ampm.lower() == "pm" else 0) if ampm else int(h)
    try:
        return local_to_utc(datetime(int(y), month, day, hour, int(mi), int(s)), tz)
    except ValueError:
        return None, False


# --- both -------------------------------------------------------------------------------------

def _event(event_id, time, local, activity, datas, no, path) -> Iterator[Record]:
    if event_id not in _SUCCESS_IDS | _FAILURE_IDS | _OTHER_IDS:
        return
    outcome = "success" if event_id in _SUCCESS_IDS else "failure"
    audit = _audit(datas)
    if audit.get("AuditResult"):
        outcome = "success" if audit["AuditResult"].lower() == "success" else "failure"
    if event_id in _OTHER_IDS:
        outcome = "info"
    joined = "\n".join(datas)
    # Event Viewer's 'Save As' XML repeats the Data in RenderingInfo's Message: each exception once
    msis = list(dict.fromkeys(_MSIS.findall(joined)))
    error_code = audit.get("ErrorCode") if (audit.get("ErrorCode") or "").upper() != "N/A" else None
    raw_code = error_code or audit.get("FailureType") or \
        (msis[-1][1] if msis else None)  # the innermost MSIS exception names the cause
    rp = audit.get("RelyingParty") or next((m.group(1) for r in (_RP, _REQUESTED_RP) for m in [r.search(joined)]
                                            if m), None)
    if rp and audit.get("Server") and rp.rstrip("/") == audit["Server"].rstrip("/"):
        rp = None  # a fresh-credential audit names the Federation Service itself, not the application
    if rp is None and event_id == 364:
        rp = next((d.strip() for d in datas if re.match(r"^(https?://|urn:)\S+$", d.strip())), None)
    activity = _own_activity(datas) or activity
    labels = _labels(joined)
    user_error = _user_error(labels.get("Error message"), datas)
    text = _text(event_id, audit, msis, joined, user_error)
    code = None
    if outcome == "failure":  # a FailureType the catalog lacks (PasswordError): the event's own entry
        code = classify(PRODUCT, raw_code, text) or classify(PRODUCT, str(event_id), None)
    yield LogEvent(
        source=src(path, no), time=time, product=PRODUCT, side="idp", outcome=outcome, text=text,
        code=code, user=_user(event_id, audit, labels, user_error, datas),
        ip=text_or_none(audit.get("IpAddress")) or first_ip(audit.get("ForwardedIpAddress"))
        or first_ip(labels.get("Client IP")) or _data_ip(datas),
        correlation_id=_correlation(activity), app=rp,
        raw_code=raw_code, local_time=local)


def _own_activity(datas: list[str]) -> str | None:
    """AD FS's Activity ID as the event states it: 'Activity ID: <guid>' in the message, or a Data
    that is only a GUID (the audits' %1). On Security-log audits the record's <Correlation
    ActivityID> (and Get-WinEvent's ActivityId) is the Security log's own, another GUID (a real 1203,
    tests/data/adfsevents/SOURCES.md): Microsoft's adfsToolbox finds audits by their Data and
    AD FS/Admin events by the Correlation, which stays the fallback."""
    for d in datas:
        m = _ACTIVITY.search(d)
        if m:
            return m.group(1)
    return next((m.group(1) for d in datas for m in [_GUID.match(d.strip())] if m), None)


def _correlation(activity: str | None) -> str | None:
    """A GUID in any case: Windows writes the XML's ActivityID in capitals, PowerShell (the CSV's
    ActivityId column) and AD FS's error page in small letters; the nil GUID is no key."""
    guid = text_or_none(activity.strip("{}").lower() if activity else None)
    return None if guid == _NIL_GUID else guid


def _labels(text: str) -> dict[str, str]:
    """'User:', 'Client IP:', 'Error message:' of 342/411/516 (first occurrence, empty ones skipped)."""
    out: dict[str, str] = {}
    for m in _LABEL.finditer(text):
        if m.group(2).strip():
            out.setdefault(m.group(1), m.group(2).strip())
    return out


def _user_error(labelled: str | None, datas: list[str]) -> tuple[str, str] | None:
    """(user, reason) of 342/411's '<user>-<reason>', from the message or, in a Data-only export
    (wevtutil qe /f:xml), from the Data that has that shape."""
    for value in [labelled] if labelled else [d.strip() for d in datas]:
        m = _USER_ERROR.match(value or "")
        if m:
            return m.group(1), m.group(2).strip()
    return None


def _data_ip(datas: list[str]) -> str | None:
    """The client IP of a Data-only 411/516 export: the Data that is an address list (411's %5 is
    '<forwarded client>,<proxy>')."""
    for head in (first_ip(d.strip()) for d in datas if _IP_LIST.match(d.strip())):
        try:
            return str(ipaddress.ip_address(head))
        except ValueError:
            continue
    return None


def _user(event_id: int, audit: dict, labels: dict, user_error, datas: list[str]) -> str | None:
    at = _DATA_USER.get(event_id)
    positional = datas[at] if at is not None and not labels and at < len(datas) else None
    caller = next((m.group(1) for d in datas for m in [_CALLER.search(d)] if m), None)
    return (text_or_none(audit.get("UserId")) or labels.get("User") or (user_error[0] if user_error else None)
            or caller or text_or_none(positional))


def _text(event_id: int, audit: dict, msis: list, joined: str, user_error=None) -> str:
    if msis:
        return f"Event {event_id}: " + " / ".join(
            f"{x + ': ' if x else ''}{c}: {t.strip()}" for x, c, t in msis)
    if audit:
        parts = [audit.get(k) for k in ("AuditType", "AuditResult", "FailureType", "ErrorCode")]
        return f"Event {event_id}: " + " ".join(p for p in parts if p)
    head = joined.strip().splitlines()[0][:300].strip() if joined.strip() else ""
    if user_error and user_error[1] not in head:  # 342/411: the Windows logon error says why
        head = f"{head} ({user_error[1]})" if head else user_error[1]
    return f"Event {event_id}: {head}" if head else f"Event {event_id}"


def _audit(datas: list[str]) -> dict[str, str]:
    """Leaf values of the AuditBase document (first occurrence of each element name)."""
    for data in datas:
        m = _AUDIT.search(data)
        end = data.find("</AuditBase>", m.end()) if m else -1
        if end < 0:
            continue
        try:
            root = parse_xml(_DECL.sub("", data[m.start():end + len("</AuditBase>")]).encode("utf-8"))
        except InputError:
            return {}
        out: dict[str, str] = {}
        for el in root.iter():
            value = text_or_none(el.text) if len(el) == 0 else None
            if value is not None and value.lower() != "none":  # 'N/A'/'None' mean no value
                out.setdefault(_local(el), value)
        return out
    return {}


PARSER = AdfsParser()
