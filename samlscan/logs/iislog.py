"""IIS's W3C extended access log (u_exYYMMDD.log) of a site in front of a SAML SP: IIS with
Application Request Routing as SonarQube's reverse proxy.

The file is W3C's Extended Log File Format (W3C WD-logfile): directive lines '#Software:',
'#Version: 1.0', '#Date:', and '#Fields:' naming the columns of the entries below it, any subset
in any order; IIS writes the directives again when the service restarts or the logging
configuration changes, so one file may hold several '#Fields' blocks, each deciding the lines up
to the next. Fields are space-separated, an empty one is '-', a space inside a value is '+'
(cs(User-Agent)). `date` and `time` are UTC whatever the server's zone (IIS's documentation of the
W3C fields; the 'local time' option names and rolls over files only). IIS 8.5+'s default fields:
DEFAULT_FIELDS. A custom field (IIS 8.5+ 'Add Field', a request header) appears under its own
name: X-Forwarded-For, when logged, is the browser's address on an IIS behind another proxy.

The requests are read as samlscan/logs/sqaccess.py reads any proxy's access line of SonarQube's
SAML paths (the login start, the callback and where the browser went next, by client and time):
sqaccess.logins, with this layout's reader.

Two entries may run together on one line (a write cut short, then the next entry): the line has more
values than its '#Fields' names, and both were lost. A value holds no space (W3C WD-logfile: fields
separated by white space; MS-WMLOG 2.2 'each value separated from the next by a single space
character'; IIS writes a User-Agent's spaces as '+'), so under fields that begin `date time` an entry
starts at each `YYYY-MM-DD HH:MM:SS ` inside such a line (pieces), and the cut entry, when it is of a
SAML path, is malformed (sqaccess.logins).
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Iterable, Iterator

from samlscan.logs import sqaccess
from samlscan.logs._common import first_ip
from samlscan.logs.base import Record

NAME = "iis-w3c"
DEFAULT_FIELDS = ("date", "time", "s-ip", "cs-method", "cs-uri-stem", "cs-uri-query", "s-port", "cs-username",
                  "c-ip", "cs(User-Agent)", "cs(Referer)", "sc-status", "sc-substatus", "sc-win32-status",
                  "time-taken")
"""IIS 8.5+'s default W3C fields: a range of a big file cut past its '#Fields' line (batch._ranges)
reads its lines so when they have as many fields; another layout's lines wait for the next '#Fields'."""
NEEDED = ("date", "time", "cs-uri-stem", "sc-status", "c-ip")
"""Without these a line says nothing of a login (when, what, how it ended, whose)."""
FORWARDED = ("x-forwarded-for", "cs(x-forwarded-for)")
"""A logged X-Forwarded-For (custom field or W3C's header form), compared case-blind."""
_FIELDS = re.compile(r"^#Fields:[ \t]*(.*)$")
_DIRECTIVE = re.compile(r"^#(?:Software|Version|Date|Start-Date|End-Date|Remark|Fields):")
_STAMP = re.compile(r"^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$")
_MAX_FIELDS = 256
_START = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})? ")
"""An entry's `date time ` (its first two fields): two values, so never inside one."""
_DATE_TIME = ("date", "time")


def parse_fields(line: str) -> tuple[str, ...] | None:
    """The column names of a '#Fields:' directive, or None for another line."""
    m = _FIELDS.match(line)
    if m is None:
        return None
    names = tuple(m.group(1).split()[:_MAX_FIELDS])
    return names if names else None


def parse_time(date: str, time: str) -> datetime | None:
    """'2026-11-25' and '09:14:03' (UTC), or None."""
    m = _STAMP.match(f"{date} {time}")
    if m is None:
        return None
    y, mo, d, h, mi, s, frac = m.groups()
    try:
        return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), int((frac or "0").ljust(6, "0")),
                        tzinfo=timezone.utc)
    except ValueError:
        return None


def _value(row: dict[str, str], name: str) -> str | None:
    v = row.get(name)
    return None if v is None or v == "-" else v


def read_entry(no: int, line: str, fields: tuple[str, ...]) -> sqaccess._Request | None:
    """One entry under `fields` as a request (of sqaccess.OTHER path when of no SAML path), or None
    (another layout, a field missing)."""
    values = line.split(" ")
    if len(values) != len(fields) or not all(f in fields for f in NEEDED):
        return None
    row = {f.lower() if f.lower() in FORWARDED else f: v for f, v in zip(fields, values)}
    stem, status, client = _value(row, "cs-uri-stem"), row["sc-status"], _value(row, "c-ip")
    path = sqaccess._path_of(stem or "") or sqaccess.OTHER
    if client is None or not status.isdigit() or len(status) != 3:
        return None
    time = parse_time(row["date"], row["time"])
    if time is None:
        return None
    forwarded = next((first_ip(_value(row, f)) for f in FORWARDED if _value(row, f)), None)
    ip = forwarded or client
    query = _value(row, "cs-uri-query")
    target = stem + (f"?{query}" if query else "")
    agent = (_value(row, "cs(User-Agent)") or "").replace("+", " ")
    return sqaccess._Request(no, time, (ip, agent), ip, _value(row, "cs-method") or "GET", path, target, status, None)


class _Layout:
    """The '#Fields' in force as the lines go by (DEFAULT_FIELDS before any)."""

    def __init__(self) -> None:
        self.fields: tuple[str, ...] = DEFAULT_FIELDS

    def read(self, no: int, line: str) -> sqaccess._Request | None:
        if line.startswith("#"):
            self.fields = parse_fields(line) or self.fields
            return None
        return read_entry(no, line, self.fields)

    def pieces(self, line: str) -> list[str]:
        """The entries run together on `line`: itself unless it has more values than the fields in force
        and they begin `date time` (counted before anything is searched)."""
        if line.count(" ") < len(self.fields) or self.fields[:2] != _DATE_TIME or line.startswith("#"):
            return [line]
        return sqaccess.run_together(line, _START)


class IisW3cParser:
    name = NAME
    range_context = sqaccess.RANGE_CONTEXT
    empty_reason = "an IIS access log with no SAML login request (/sessions/init/saml, /oauth2/callback/saml)"

    def sniff(self, head: str) -> bool:
        """A '#Fields:' directive naming a date, a time and a URI stem, after the file's other
        W3C directives only (a text quoting one is no such log)."""
        for line in head.lstrip("\ufeff").splitlines()[:16]:
            fields = parse_fields(line)
            if fields is not None:
                return {"date", "time", "cs-uri-stem"} <= set(fields)
            if not _DIRECTIVE.match(line):
                return False
        return False

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz) -> Iterator[Record]:
        layout = _Layout()
        return sqaccess.logins(lines, path, tz, layout.read, layout.pieces)


PARSER = IisW3cParser()
