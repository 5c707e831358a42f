"""Helpers shared by the log parsers: times, catalog look-ups, bounded line and JSON streaming."""
from __future__ import annotations

import csv
import itertools
import json
import re
from functools import cache
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Iterable, Iterator

from samlscan import lazyre
from samlscan.logs.base import Malformed
from samlscan.model import Source

MAX_TEXT_LINE = 16 * 1024 * 1024
"""A text log line longer than this is cut (parse_file hands over-long lines in chunks). A SAML
message samlscan reads (xmlsafe.MAX_XML_BYTES, 8 MiB) fits whatever its encoding (base64: 10.7 MiB):
a 1 MiB cut turned a big response dumped by java-saml (thousands of groups) into 'not well-formed
XML ... it was truncated', as if the log were at fault."""
MAX_RECORD = 1024 * 1024
"""A JSON log record larger than this is reported as Malformed, not buffered further."""
MAX_ENVELOPE = 4 * 1024 * 1024
"""A top-level JSON object is buffered up to this size to tell a record from a wrapper."""

WRAPPER_KEYS = ("value", "records", "Records", "items", "results", "events", "data", "messages", "logs")
"""Keys under which exports list their records: Graph `value`, Azure Monitor `records`, CloudTrail
log files `Records`, Google Reports `items`, authentik `results`, Okta event hooks `data.events`, Datadog logs API
`data` (v2) and `logs` (v1 logs-queries/list), Sumo Logic search jobs and Graylog searches
`messages`, Elasticsearch `hits.hits`."""


def src(path: str, no: int) -> Source:
    return Source(path, f"line {no}")


def line_of(ref: str | None) -> int | None:
    """The line a text log's record starts on, from its ref ('line N', src); None for another ref."""
    return int(ref[5:]) if ref and ref.startswith("line ") and ref[5:].isdigit() else None


def malformed(path: str, no: int, reason: str, fix: str | None = None) -> Malformed:
    return Malformed(src(path, no), reason, fix)


# --- times ----------------------------------------------------------------------------------

MAX_TIME_TEXT = 64
"""A time cell or field longer than this (stripped) is no time: not given to the time patterns,
whose optional parts between runs of spaces cost the square of a long cell's length."""

_ISO = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r"\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?\s*$")


def parse_iso(text: Any, tz: tzinfo | None = None) -> tuple[datetime | None, bool]:
    """Parse ISO-8601 (any fraction length, `,` or `.`, `Z`/offset or none) to UTC.

    Returns (time, local_time): zone-less times are read in `tz` (local_time True); without `tz`
    they are taken as UTC. (None, False) when the text is not such a time.
    """
    if not isinstance(text, str):
        return None, False
    if len(text) > MAX_TIME_TEXT:
        text = text.strip()  # (its spaces around the zone are matched by two \s*: quadratic)
        if len(text) > MAX_TIME_TEXT:
            return None, False
    m = _ISO.match(text)
    if not m:
        return None, False
    y, mo, d, h, mi, s, frac, zone = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    try:
        naive = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), micro)
    except ValueError:
        return None, False
    return attach_zone(naive, zone, tz)


def attach_zone(naive: datetime, zone: str | None, tz: tzinfo | None) -> tuple[datetime | None, bool]:
    """Turn a naive time plus an optional zone suffix into UTC; (None, False) for an offset beyond
    +-14:00 (XML Schema 2 3.2.7.3; '+25:00' is no zone, and Python's timezone refuses a day's)."""
    if zone and zone.upper() not in ("Z", "UTC"):
        offset = zone_offset(zone)
        if offset is None:
            return None, False
        return to_utc(naive.replace(tzinfo=timezone(offset))), False
    if zone:
        return naive.replace(tzinfo=timezone.utc), False
    return local_to_utc(naive, tz)


def zone_offset(zone: str) -> timedelta | None:
    """A time's zone suffix ('Z', 'UTC', '+0200', '-05:00', '+02') as its UTC offset; None beyond +-14:00."""
    if zone.upper() in ("Z", "UTC"):
        return timedelta(0)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 14 or minutes > 59 or hours == 14 and minutes:
        return None
    return sign * timedelta(hours=hours, minutes=minutes)


_LINE_TIME = lazyre.compile(
    rb"\n\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:\s?(Z|UTC|[+-]\d{2}:?\d{2}))?(?=[\s\]|]|$)")
"""A line's leading time in the ISO-ish layouts the text log readers take (applog's _TS: 'YYYY-MM-DD
HH:MM:SS[,.]fff', optionally bracketed), with its zone when it has one; after its newline, not '^'
(re.M): a literal first is looked for fast, 6 times faster over a 64 KB head."""


def head_offset(head: bytes) -> timedelta | None:
    """The UTC offset a log's zone-less line times are in, told by its other lines: when `head` (whole
    lines) has line times without a zone beside zoned ones that all carry one offset other than UTC's.
    One process writes both (two layouts of one JVM: logback's and log4j's %d without a zone option
    format in the JVM's default zone), so its zoned lines name the zone its zone-less ones leave out.
    None when no line has a zone, none lacks one, or they carry several offsets (a DST change, lines of
    several sources) or UTC's (they read as UTC already)."""
    offsets, bare = set(), False
    for m in _LINE_TIME.finditer(b"\n" + head):
        if m.group(1) is None:
            bare = True
        else:
            offsets.add(zone_offset(m.group(1).decode()))  # (None, no zone's: another offset)
            if len(offsets) > 1:
                return None
    if not (bare and offsets):
        return None
    return offsets.pop() or None  # (UTC's, or None of no zone: nothing to tell)


def to_utc(aware: datetime) -> datetime:
    """In UTC; a time its zone moves out of Python's years 1-9999 (0001-01-01T00:00:00+01:00) is
    kept as written: no log line of a real login is that old or far."""
    try:
        return aware.astimezone(timezone.utc)
    except OverflowError:
        return aware.replace(tzinfo=timezone.utc)


def local_to_utc(naive: datetime, tz: tzinfo | None) -> tuple[datetime, bool]:
    """A zone-less time: interpret it in `tz` (UTC when none is given)."""
    if tz is None:
        return naive.replace(tzinfo=timezone.utc), False
    if tz is timezone.utc:  # (to_utc would give it back as it is: a conversion to its own zone)
        return naive.replace(tzinfo=tz), True
    return to_utc(naive.replace(tzinfo=tz)), True


def dst_note(events, tz: tzinfo | None) -> str | None:
    """A note when zone-less log times fall in an hour that a DST change makes happen twice in
    `tz`: local_to_utc reads them as its first occurrence, so a line of the second is an hour off.
    (A time in the hour the change skips cannot be told apart once read: not said.)"""
    if tz is None or tz is timezone.utc:
        return None
    hours: dict[datetime, int] = {}
    for e in events:
        if e.local_time and e.time is not None:
            h = e.time.replace(minute=0, second=0, microsecond=0)
            hours[h] = hours.get(h, 0) + 1
    twice = []
    for h in sorted(hours):
        local = h.astimezone(tz)
        if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
            twice.append((local, hours[h]))
    if not twice:
        return None
    local, _ = twice[0]
    count = sum(n for _, n in twice)
    return (f"{count} log line(s) written in local time fall in {local:%Y-%m-%d %H}:00-{local.hour + 1:02d}:00 "
            f"{tz}, an hour a DST change makes happen twice: read as its first occurrence (UTC"
            f"{local.strftime('%z')[:3]}:{local.strftime('%z')[3:]}); lines written in the second are an hour off")


def from_epoch(value: int | float) -> datetime | None:
    """Epoch seconds or milliseconds, told apart by size: seconds stay below 1e11 until the year
    5138, milliseconds pass it in 1973 (pino writes either: stdTimeFunctions.epochTime ms, the
    default, unixTime s). A JSON true or false is no time (Python counts bools as ints)."""
    if isinstance(value, bool):
        return None
    return from_epoch_ms(value * 1000 if abs(value) < 1e11 else value)


def from_epoch_ms(value: Any) -> datetime | None:
    """Epoch milliseconds (int or digit string) to UTC; None for a bool (a JSON true is no time)."""
    if isinstance(value, bool):
        return None
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


_NET_DATE = re.compile(r"^/Date\((-?\d{1,15})(?:[+-]\d{4})?\)/$")
"""Windows PowerShell 5.1's ConvertTo-Json writes a DateTime as '\\/Date(<epoch ms>)\\/' (a Graph
sign-in: '"createdDateTime":  "\\/Date(1598901896013)\\/"'; Get-WinEvent's record: '"TimeCreated":
"\\/Date(1595374458918)\\/"'); JSON reads it as '/Date(ms)/'. PowerShell 7 writes ISO 8601."""


def powershell_time(value: Any) -> datetime | None:
    """A DateTime PowerShell's ConvertTo-Json wrote: /Date(ms)/ (always UTC) or ISO 8601."""
    m = _NET_DATE.match(value.strip()) if isinstance(value, str) else None
    return from_epoch_ms(m.group(1)) if m else parse_iso(value)[0]


# --- catalog --------------------------------------------------------------------------------

@cache
def _catalog():
    from samlscan import catalog

    return catalog


FAILURE_LEVELS = ("WARN", "ERROR", "FATAL")
"""The levels at which an IdP's application log writes a refusal."""


def known_failure(product: str, path: str, no: int, log_name: str, when: str, level: str, msg: str, tz,
                  **fields) -> Iterator:
    """An IdP log's WARN/ERROR line whose message the catalog knows, as the IdP's failure event (a
    malformed record when its time cannot be read); nothing for any other line. `fields`: what the
    line adds (its request or correlation ID, user, application)."""
    if level not in FAILURE_LEVELS:
        return
    code = classify(product, None, msg)
    if code is None:
        return
    time, local = parse_iso(when, tz)
    if time is None:
        yield malformed(path, no, f"a {log_name} line without a readable time")
        return
    from samlscan.model import LogEvent

    yield LogEvent(source=src(path, no), time=time, product=product, side="idp", outcome="failure", text=msg,
                   code=code, local_time=local, **fields)


def classify(product: str, raw_code: str | None, text: str | None) -> str | None:
    """Our code for a product error: by the product's own code first, then by message text.

    samlscan.catalog is imported lazily: it is optional for parsing (events stay uncoded).
    """
    return classified(product, raw_code, text)[0]


def classified(product: str, raw_code: str | None, text: str | None) -> tuple[str | None, int | None]:
    """(classify's code, LogEvent.text_entry of `text`: the number of catalog.lookup(text, product)'s
    entry, NO_ENTRY for none, None when the text was not looked up)."""
    try:
        catalog = _catalog()
        entry = catalog.lookup_code(product, raw_code) if raw_code else None
        looked = None
        if (entry is None or entry.code == "unknown-failure") and text:
            # a generic event type (Okta user.authentication.sso, Auth0 'f'): the reason text says more
            found = catalog.lookup(text, product)
            # (an entry not among catalog.entries(): not carried, looked up again where needed)
            looked = NO_ENTRY if found is None else _entry_numbers().get(id(found))
            entry = found or entry
    except (ImportError, OSError):  # catalog or its data file not installed: events stay uncoded
        return None, None
    return (entry.code if entry is not None else None), looked


NO_ENTRY = -1
"""LogEvent.text_entry of a text the catalog knows nothing of."""


@cache
def _entry_numbers() -> dict[int, int]:
    """id() of each catalog entry (the objects catalog.lookup returns) -> its place in catalog.entries()."""
    return {id(e): i for i, e in enumerate(_catalog().entries())}


def text_entry(number: int):
    """The catalog entry a LogEvent.text_entry names (None for NO_ENTRY)."""
    return None if number == NO_ENTRY else _catalog().entries()[number]


# --- small data helpers ---------------------------------------------------------------------

def dig(obj: Any, *keys: str) -> Any:
    """obj[k1][k2]... or None when any step is missing or not a dict."""
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


_SHARED: dict[str, str] = {}
SHARED_MAX = 65536


def shared(text: str) -> str:
    """One string object per distinct value: failure texts, users, addresses and application names
    repeat across thousands of events, and pickle (worker -> parent) and the report keep one copy of
    each. Bounded: the table is emptied when full (sharing is only an optimisation)."""
    got = _SHARED.get(text)
    if got is None:
        if len(_SHARED) >= SHARED_MAX:
            _SHARED.clear()
        _SHARED[text] = got = text
    return got


def shared_or_none(value: str | None) -> str | None:
    """`value` shared (shared()), None as None."""
    return value if value is None else shared(value)


def text_or_none(value: Any) -> str | None:
    """A clean string, or None for empty/'null'/'N/A' placeholders."""
    if value is None or isinstance(value, (dict, list)):
        return None
    s = str(value).strip()
    return s if s and s.lower() not in ("null", "none", "n/a", "-") else None


def first_ip(value: str | None) -> str | None:
    """First address of an X-Forwarded-For style list ('203.0.113.7, 10.0.0.1')."""
    if not value:
        return None
    head = value.split(",")[0].strip()
    return head or None


# --- lines ----------------------------------------------------------------------------------

class WholeLines:
    """Numbered lines each whole and of MAX_TEXT_LINE characters at most (a line cut there is its
    first ones), as the prefilter reads them: text_lines hands them on as they are."""

    __slots__ = ("lines",)

    def __init__(self, lines: Iterable[tuple[int, str]]):
        self.lines = lines

    def __iter__(self) -> Iterator[tuple[int, str]]:
        return iter(self.lines)


def text_lines(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """Whole text lines: parse_file splits over-long lines into chunks sharing a number; text
    formats keep their first MAX_TEXT_LINE characters instead of buffering gigabytes."""
    if isinstance(lines, WholeLines):  # (no chunks to join: two steps less for each line)
        return iter(lines)
    return ((no, line) for no, line, _ in whole_lines(lines, MAX_TEXT_LINE))


def whole_lines(lines: Iterable[tuple[int, str]], limit: int = MAX_ENVELOPE
                ) -> Iterator[tuple[int, str, bool]]:
    """(number, line, cut) with parse_file's chunks of a line joined up to `limit` characters: a
    JSON record over MAX_TEXT_LINE is read whole, a longer line is its first chunks, flagged cut
    (the rest is skipped, not buffered)."""
    no, parts, size, cut = None, [], 0, False
    for n, chunk in lines:
        if n != no:
            if no is not None:
                yield no, "".join(parts), cut
            no, parts, size, cut = n, [chunk], len(chunk), False
        elif not cut:
            size += len(chunk)
            cut = size > limit
            if not cut:
                parts.append(chunk)
    if no is not None:
        yield no, "".join(parts), cut


# --- JSON streaming -------------------------------------------------------------------------

_JSON_TOKEN = re.compile(r'[\[\]{}"\\]')


def unwrap(obj: Any) -> list[Any] | None:
    """Records listed by a known export wrapper, or None when `obj` is not a wrapper."""
    if not isinstance(obj, dict):
        return None
    for outer, inner in (("data", "events"), ("hits", "hits")):
        events = dig(obj, outer, inner)
        if isinstance(events, list):
            return events
    for key in WRAPPER_KEYS:
        value = obj.get(key)
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            if key == "events" and ("id" in obj and "actor" in obj):
                return None  # a Google activity: its `events` are its own, not records
            return value
    return None


class _JsonScanner:
    """A bounded incremental scanner: yields the JSON objects of a stream (top-level objects,
    elements of a top-level array, elements of an export wrapper) without loading it whole."""

    def __init__(self, limit: int = MAX_RECORD) -> None:
        self.limit = limit
        """An element's bound (MAX_RECORD; a SIEM export's rows: MAX_TEXT_LINE, iter_json's `limit`)."""
        self.stack: list[str] = []
        self.in_string = False
        self.skip = -1
        self.top: list[str] | None = None  # buffer of a top-level object (record or wrapper)
        self.top_size = 0
        self.top_line = 0
        self.top_overflow = False
        self.top_map: list[tuple[int, int, int]] = []  # where the buffer's lines start (_mark_line)
        self.elem: list[str] | None = None  # buffer of an array element object
        self.elem_depth = 0
        self.elem_size = 0
        self.elem_line = 0
        self.elem_overflow = False
        self.elem_map: list[tuple[int, int, int]] = []
        self.pending: list[tuple[int, str, list]] = []

    def feed(self, no: int, chunk: str) -> Iterator[tuple[int, Any, str | None]]:
        """Scan one chunk; yield (line, object, None) or (line, None, error)."""
        if not self.stack and not self.in_string:
            stripped = chunk.strip().lstrip(",")
            if not stripped:
                return
            if stripped[0] not in "[{":
                yield no, None, "not JSON: " + stripped[:60]
                return
        elif self.elem is None and not self.in_string and self.stack[-1] == "[" and damage_only(chunk):
            yield no, None, "a damaged line (NULs, control characters or binary) between the array's records"
            return  # (it holds no bracket or quote: the scan's state is as it was)
        elem_from = 0 if self.elem is not None else -1
        top_from = 0 if self.top is not None else -1
        for m in _JSON_TOKEN.finditer(chunk):
            ch, pos = m.group(), m.start()
            if self.in_string:
                if pos == self.skip:
                    self.skip = -1
                elif ch == "\\":
                    self.skip = pos + 1
                elif ch == '"':
                    self.in_string = False
                continue
            if ch == '"':
                self.in_string = True
            elif ch in "[{":
                if ch == "{" and not self.stack:
                    self.top, self.top_size, self.top_line, self.top_map = [], 0, no, []
                    self.top_overflow, top_from = False, pos
                elif ch == "{" and self.stack[-1] == "[" and self.elem is None:
                    self.elem, self.elem_depth, self.elem_size, self.elem_map = [], len(self.stack), 0, []
                    self.elem_line, self.elem_overflow, elem_from = no, False, pos
                self.stack.append(ch)
            else:
                if not self.stack or (self.stack[-1] == "{") != (ch == "}"):
                    self.__init__(self.limit)  # type: ignore[misc]  # unbalanced: resynchronise
                    yield no, None, "unbalanced JSON brackets"
                    return
                self.stack.pop()
                if self.elem is not None and len(self.stack) == self.elem_depth:
                    yield from self._close_elem(chunk[elem_from:pos + 1], no, elem_from)
                    elem_from = -1
                if self.top is not None and not self.stack:
                    yield from self._close_top(chunk[top_from:pos + 1], no, top_from)
                    top_from = -1
        if self.elem is not None and elem_from >= 0:
            self._add_elem(chunk[elem_from:], no, elem_from)
        if self.top is not None and top_from >= 0:
            self._add_top(chunk[top_from:], no, top_from)
        if self.top is not None and self.top_overflow:
            yield from self._flush_pending()

    def _add_elem(self, part: str, no: int, column: int) -> None:
        if self.elem_overflow:
            return
        _mark_line(self.elem_map, self.elem_size, no, column)
        self.elem_size += len(part)
        if self.elem_size > self.limit:
            self.elem_overflow, self.elem = True, []
        else:
            self.elem.append(part)  # type: ignore[union-attr]

    def _add_top(self, part: str, no: int, column: int) -> None:
        if self.top_overflow:
            return
        _mark_line(self.top_map, self.top_size, no, column)
        self.top_size += len(part)
        if self.top_size > MAX_ENVELOPE:
            self.top_overflow, self.top = True, []  # too big for a record: a wrapper, stream it
        else:
            self.top.append(part)  # type: ignore[union-attr]

    def _close_elem(self, tail: str, no: int, column: int) -> Iterator[tuple[int, Any, str | None]]:
        self._add_elem(tail, no, column)
        line, text, overflow = self.elem_line, "".join(self.elem or []), self.elem_overflow
        self.elem = None
        if overflow:
            yield line, None, f"JSON record larger than {self.limit} characters"
        elif self.top is not None and not self.top_overflow:
            self.pending.append((line, text, self.elem_map))
        else:
            yield _load(line, text, self.elem_map)

    def _close_top(self, tail: str, no: int, column: int) -> Iterator[tuple[int, Any, str | None]]:
        self._add_top(tail, no, column)
        text, overflow, line = "".join(self.top or []), self.top_overflow, self.top_line
        self.top = None
        if overflow:
            yield from self._flush_pending()
            return
        line_, obj, err = _load(line, text, self.top_map)
        if err is not None:
            self.pending = []
            yield line_, obj, err
        elif unwrap(obj) is not None and self.pending:
            yield from self._flush_pending()  # elements keep their own line numbers
        elif unwrap(obj) is not None:
            self.pending = []
            for rec in unwrap(obj) or ():
                yield line, rec, None
        else:
            self.pending = []
            yield line, obj, None

    def _flush_pending(self) -> Iterator[tuple[int, Any, str | None]]:
        pending, self.pending = self.pending, []
        for line, text, starts in pending:
            yield _load(line, text, starts)

    def finish(self, no: int) -> Iterator[tuple[int, Any, str | None]]:
        if self.stack or self.in_string:
            yield from self._flush_pending()
            yield (self.elem_line or self.top_line or no), None, "unterminated JSON at end of file"


def damage_only(text: str) -> bool:
    """Damage (logs.damaged: NULs a crash left, binary) and nothing of JSON's structure (no bracket,
    quote or backslash): a line a reader passes over with the scan's state unchanged."""
    from samlscan.logs import damaged

    return damaged(text) and _JSON_TOKEN.search(text) is None


def _mark_line(starts: list[tuple[int, int, int]], offset: int, no: int, column: int) -> None:
    """Note that a buffer's text from `offset` is line `no` from its `column` (0-based); the
    chunks of one over-long line share their first mark."""
    if not starts or starts[-1][1] != no:
        starts.append((offset, no, column))


def _load(line: int, text: str, starts: list[tuple[int, int, int]] | None = None
          ) -> tuple[int, Any, str | None]:
    """(line, value, None), or (line of the error, None, 'invalid JSON at line L column C: ..'):
    the buffered text has lost its line breaks, so json's own position (always 'line 1') is
    mapped back through `starts` (_mark_line) to the file's line and column."""
    try:
        return line, json.loads(text), None
    except json.JSONDecodeError as exc:
        if starts:
            offset, no, column = [s for s in starts if s[0] <= exc.pos][-1]
            where = f"line {no} column {column + exc.pos - offset + 1}"
        elif exc.lineno > 1:  # a text that kept its line breaks
            no, where = line + exc.lineno - 1, f"line {line + exc.lineno - 1} column {exc.colno}"
        else:  # (its first line need not start the file's line: no column)
            no, where = line, f"line {line}"
        return no, None, f"invalid JSON at {where}: {exc.msg}"
    except (ValueError, RecursionError) as exc:
        return line, None, f"invalid JSON: {exc}"


def json_or_none(text: str) -> Any:
    """The JSON value of a text, or None when it is not JSON or nested past the parser's limit
    (json.loads raises RecursionError there, not ValueError)."""
    return _load(0, text)[1]


class Element:
    """An element of a JSON array, parsed already (samlscan/jsonsplit.py reads a big export in ranges):
    handed to iter_json in place of its lines. `obj` is NOT_PARSED when json refused it or it
    is over MAX_RECORD: its lines then go through the scanner, as in the whole reading. `col`: the
    column of its '{' in the line (the chunk) it starts in; `last`: the number of its last line."""

    __slots__ = ("obj", "text", "col", "last")

    def __init__(self, obj: Any, text: str, col: int, last: int) -> None:
        self.obj, self.text, self.col, self.last = obj, text, col, last

    def lines(self, no: int) -> Iterator[tuple[int, str]]:
        """Its lines as logs.iter_lines gives them: a long one in chunks sharing its number, the
        first chunk holding the characters before the '{' (blanked: columns count them)."""
        from samlscan.logs import CHUNK_CHARS

        for k, line in enumerate(self.text.split("\n")):
            line = (" " * self.col + line) if k == 0 else line
            for at in range(0, max(len(line), 1), CHUNK_CHARS):
                yield no + k, line[at:at + CHUNK_CHARS]


class Resume(str):
    """A range of an export that starts between two of its elements: the scanner is put in the state
    the whole reading has there (the brackets open; an envelope's buffer past MAX_ENVELOPE, streaming)."""

    def __new__(cls, stack: str, top_line: int):
        made = super().__new__(cls, stack[0])  # (what a reader peeking at its first line sees: JSON)
        made.stack, made.top_line = stack, top_line
        return made


class Suspend(str):
    """The end of a range that stops between two elements: not the end of the document."""

    def __new__(cls):
        return super().__new__(cls, "")


def _piece(scanner: "_JsonScanner", no: int, piece) -> Iterator[tuple[int, Any, str | None]]:
    """iter_json's reading of a jsonsplit piece (Element, Resume, Suspend)."""
    if type(piece) is Element:
        s = scanner
        if piece.obj is not NOT_PARSED and s.stack and s.stack[-1] == "[" and s.elem is None \
                and (s.top is None or s.top_overflow):
            s.elem_line = no  # (the line an unterminated document is reported at: the last element's)
            yield no, piece.obj, None
        else:
            for n, line in piece.lines(no):
                yield from scanner.feed(n, line)
    elif type(piece) is Resume:
        scanner.stack = list(piece.stack)
        if piece.stack[0] == "{":
            scanner.top, scanner.top_size, scanner.top_overflow, scanner.top_line = [], MAX_ENVELOPE + 1, True, piece.top_line
    else:
        scanner.__init__(scanner.limit)  # type: ignore[misc]


NOT_PARSED = object()
"""Element.obj of an element json refused (or too big): read line by line."""


def iter_json(lines: Iterable[tuple[int, str]], limit: int = MAX_RECORD) -> Iterator[tuple[int, Any, str | None]]:
    """Records of a JSON-lines file, a JSON array or an export wrapper, streamed; an array's element
    over `limit` characters is said, not buffered (a SIEM export's row holds a whole log line: its
    reader passes MAX_TEXT_LINE).

    Yields (line number, record, None) or (line number, None, error text). One-object lines take
    a fast path (json.loads); anything else goes through the bounded scanner.
    """
    scanner = _JsonScanner(limit)
    items = iter(lines)
    nxt = next(items, None)
    last_no = 0
    while nxt is not None:
        no, chunk = nxt
        nxt = next(items, None)
        if type(chunk) is not str:  # a piece of an export read in ranges (samlscan/jsonsplit.py)
            yield from _piece(scanner, no, chunk)
            last_no = chunk.last if type(chunk) is Element else no
            continue
        if scanner.in_string and no != last_no:
            # a JSON string holds no line end (RFC 8259 7): the record's line was cut (a prefilter
            # keeps LONG_LINE of a line) and the next line is a record of its own, not its string
            yield scanner.top_line or last_no, None, "a JSON string left open at its line's end"
            scanner.__init__(scanner.limit)  # type: ignore[misc]
        last_no = no
        whole = nxt is None or nxt[0] != no
        s = chunk.strip()
        if whole and not scanner.stack and s.startswith("{") and s.endswith("}"):
            line, obj, err = _load(no, s, [(0, no, len(chunk) - len(chunk.lstrip()))])
            if err is not None:
                yield line, None, err
                continue
            records = unwrap(obj)
            for rec in (records if records is not None else [obj]):
                yield no, rec, None
            continue
        yield from scanner.feed(no, chunk)
    yield from scanner.finish(last_no)


def json_events(lines: Iterable[tuple[int, str]], path: str, convert, limit: int = MAX_RECORD) -> Iterator[Any]:
    """Run `convert(record, no)` over the JSON records; errors and non-objects become Malformed.

    `convert` returns an iterable of records (possibly empty for irrelevant entries); `limit`: as iter_json's."""
    for no, obj, err in iter_json(lines, limit):
        if err is not None:
            yield malformed(path, no, err)
        elif not isinstance(obj, dict):
            yield malformed(path, no, "JSON value is not an object")
        else:
            try:
                yield from convert(obj, no)
            except (TypeError, ValueError, AttributeError, KeyError) as exc:
                # a record of the right format with fields of unexpected types
                yield malformed(path, no, f"unreadable record: {exc}")


def csv_rows(lines: Iterable[tuple[int, str]], path: str, skip_prefix: str | None = None, delimiter: str = ","
             ) -> Iterator[tuple[int, list[str]] | Malformed]:
    """(line where the row starts, cells) for each non-empty CSV row, header included; quoted
    fields may span lines; a broken row is a Malformed record. Lines starting with `skip_prefix`
    (PowerShell's '#TYPE') are dropped, and so are a leading BOM and Excel's 'sep=' first line (csv_sep)."""
    current = [0]

    def feed():
        first = True
        for no, text in text_lines(lines):
            current[0] = no
            if skip_prefix and text.startswith(skip_prefix):
                continue
            if first and text.strip():
                first = False
                if csv_sep(text) is not None:  # Excel's 'sep=;' line: no row
                    continue
            yield text.lstrip("\ufeff") + "\n"  # keep the line breaks of multi-line fields

    reader = csv.reader(feed(), delimiter=delimiter)
    while True:
        start = current[0] + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield malformed(path, current[0], f"CSV: {exc}")
            continue
        if any(c.strip() for c in row):
            yield start, row


CSV_DELIMITERS = (",", "\t", ";")
"""The delimiters of a console's CSV export as a support engineer gets it: the console's ',', Excel's
'Unicode Text' (UTF-16LE with a BOM, TAB between cells: textcodec.export_codec decodes it) and its
'CSV' where the Windows list separator is ';' (French, German... locales; PowerShell's
Export-Csv -UseCulture too)."""


def csv_header_cells(line: str, delimiter: str = ",") -> list[str] | None:
    """The cells of a file's first line when it may be a CSV header (not empty, JSON or XML)."""
    line = line.lstrip("\ufeff").rstrip("\r")
    if not line.strip() or line.lstrip()[:1] in ("{", "[", "<"):
        return None
    try:
        return next(csv.reader([line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return None


_SEP_LINE = re.compile(r'"?sep=([^"\r\n])"?', re.I)
"""Excel's first line naming a CSV's delimiter ('sep=;', 'sep=,', 'sep=' and a TAB, quoted or not):
Excel reads the rest with it and shows no row of it; web exports write it (Grafana's useExcelHeader)."""


def csv_sep(line: str) -> str | None:
    """The delimiter an Excel 'sep=' line names, or None for any other line."""
    m = _SEP_LINE.fullmatch(line.lstrip("\ufeff").rstrip("\r\n"))
    return m[1] if m else None


def csv_dialect(text: str, columns) -> tuple[str, Any] | None:
    """(delimiter, columns(cells)) of the first of CSV_DELIMITERS that splits the header, the first
    line of `text`, into cells the reader's `columns` reads (None: not its header); None when none
    does. A first 'sep=' line (csv_sep) names the one delimiter and the header is the next line.
    The header must name the export's columns: a log line that merely holds ';' or a tab is no CSV."""
    line, _, rest = text.partition("\n")
    named = csv_sep(line)
    if named is not None:
        line = rest.partition("\n")[0]
    for delimiter in ((named,) if named is not None else CSV_DELIMITERS):
        if delimiter in line and (cells := csv_header_cells(line, delimiter)) is not None and \
                (cols := columns(cells)) is not None:
            return delimiter, cols
    return None


def csv_head(lines: Iterable[tuple[int, str]], columns, skip_prefix: str | None = None
             ) -> tuple[tuple[str, Any] | None, Iterator[tuple[int, str]]]:
    """csv_dialect of a CSV export's header, the first line of text not starting with `skip_prefix`
    (after a 'sep=' line), None when it is not one `columns` reads; and all the lines again.
    Bounded: at most PEEK_DAMAGED lines are held before the header."""
    from samlscan.logs import damaged

    it = iter(lines)
    before: list[tuple[int, str]] = []
    sep = ""
    for no, text in it:
        before.append((no, text))
        skipped = not text.strip() or damaged(text) or bool(skip_prefix and text.lstrip("\ufeff").startswith(skip_prefix))
        if not skipped and not sep and csv_sep(text) is not None:
            sep, skipped = text + "\n", True
        if not skipped or len(before) >= PEEK_DAMAGED:
            break
    found = csv_dialect(sep + before[-1][1], columns) if before else None
    return found, itertools.chain(before, it)


def csv_events(lines: Iterable[tuple[int, str]], path: str, columns, what: str, convert
               ) -> Iterator[Any]:
    """Run `convert(cells, cols, no)` over the data rows of a CSV whose header row
    `columns(cells)` reads (cols: what it returns, None for not its header). A header it does not
    read ends the file with one Malformed 'not {what} header'; broken rows are Malformed, and so is
    a damaged row before the header (logs.damaged: NULs a crash left, binary) that `columns`
    does not read, not taken for it."""
    from samlscan.logs import damaged

    cols = None
    found, lines = csv_head(lines, columns)
    for got in csv_rows(lines, path, delimiter=found[0] if found else ","):
        if isinstance(got, Malformed):
            yield got
            continue
        no, row = got
        if cols is None:
            cols = columns(row)  # (its header first: a cp1252 copy's accented cell is U+FFFD, no crash's damage)
            if cols is None and damaged("".join(row)):
                yield malformed(path, no, f"a damaged line (NULs, control characters or binary) before {what} header")
                continue
            if cols is None:
                yield malformed(path, no, f"not {what} header")
                return
            continue
        if len(row) == 1 and damaged(row[0]):  # (a row of one cell: no delimiter in it; an Entra row said
            # 'unreadable sign-in date None' of it)
            yield malformed(path, no, f"a damaged line (NULs, control characters or binary) in {what}, not a row of it")
            continue
        yield from convert(row, cols, no)


def peek(lines: Iterable[tuple[int, str]]
         ) -> tuple[tuple[int, str] | None, Iterator[tuple[int, str]]]:
    """The first numbered line that is text, and an iterator over all of them again (that one and
    those before it included): a reader that tells its layout by its first line (a CSV header or
    JSON) is not misled by a line of NULs or binary before it (logs.damaged: a crash, a lost block)."""
    from samlscan.logs import damaged

    it = iter(lines)
    before: list[tuple[int, str]] = []
    first = next(it, None)
    while first is not None and damaged(first[1]) and len(before) < PEEK_DAMAGED:
        before.append(first)
        first = next(it, None)
    if first is None:  # (all of them damaged: the first says as little as any)
        return (before[0] if before else None), iter(before)
    return first, itertools.chain(before, (first,), it)


PEEK_DAMAGED = 64
"""Damaged lines peek passes over to the first line of text at most (bounded: a binary file's lines)."""


@cache
def json_lines_prefilter(keep: bytes):
    """The prefilter of a reader's JSON lines (one object a line) whose every record holds `keep`:
    a big export is read in ranges cut at its lines (batch); its array, its CSV are not JSON lines
    (prefilter.Prefilter.json_lines: read as an array by jsonsplit, or whole). Imported here, when
    asked: the prefilter module imports the readers."""
    from samlscan.prefilter import JSON_LINE, Prefilter

    return Prefilter(record_start=JSON_LINE, keep=(keep,), json_lines=True)


_HOST_NAME = re.compile(r"[^\s\x00-\x1f\x7f-\x9f]{1,255}")


def host_name(value: Any) -> str | None:
    """A record's host as a report may print it and a clock be measured for (a SIEM field, a Loki
    label): one word of at most 255 characters (RFC 1035 2.3.4), no control characters; else None (a
    forged 'sq-b\\nFAKE LINE' would start a line of the report's notes, a 100 kB one fill a page)."""
    return value.strip() if isinstance(value, str) and _HOST_NAME.fullmatch(value.strip()) else None
