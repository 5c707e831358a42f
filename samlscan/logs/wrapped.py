"""Logs as a SIEM, a log platform or a container tool hands them over: every original line or
record re-wrapped, the original text unchanged inside.

Two kinds of wrapping, each read by one class here for every product:

* a prefix before each line (`LinePrefixed`): a syslog header (RFC 5424 / 3164, a forwarder; a
  syslog file's or journalctl's, without `<PRI>`), `docker logs --timestamps` / `kubectl logs
  --timestamps` (RFC3339Nano), a CRI container log file (`<time> stdout F `, a long line's 'P'
  parts joined), `kubectl logs --prefix` (`[pod/name/container] `), `docker compose logs`
  (`sonarqube-1  | `, colours included), a Procfile supervisor's (goreman: `19:35:05   frontend | `);
* a record around each original line or event (`Enveloped`), in JSON (one object a line, an
  array, or the platform's list wrapper) or CSV (one row each, quoted fields spanning lines):
  Splunk (`{"preview":false,"result":{"_raw":..,"_time":..}}`, `_raw` / `_time` CSV columns),
  Sumo Logic (`_raw`, `_messagetime`; search-job `{"map":{..}}`), Elasticsearch / Kibana
  (`_source`, `event.original`, `message`, `@timestamp`), Datadog (`attributes.message`),
  Graylog (`message.message`), CloudWatch Logs (`events[].message`, epoch-ms `timestamp`;
  Logs Insights `@message`), Google Cloud Logging (`textPayload`, `jsonPayload`), AKS Container
  insights / Container Apps in Log Analytics (`LogMessage`, `LogEntry`, `Log`), Docker's
  json-file (`{"log":..,"stream":..,"time":..}`, a long line's records joined), journalctl's JSON
  (`MESSAGE`, `__REALTIME_TIMESTAMP`) and export format (`journalexport`), and any export of a
  `message` column next to a time column;
* a columnar JSON query result (`columnar_rows`): Log Analytics / Microsoft Sentinel `tables`,
  Splunk `json_rows` / `json_cols`: each row is its `_raw` text, or one JSON record of its columns
  (a SigninLogs row for the Entra reader).

The inner text goes to the reader that recognises it (sniffed on the unwrapped head, so a
wrapper inside a wrapper unwraps too). Line references stay those of the file read: the line where
the wrapper record starts. The wrapper's time is used only for an inner record that carries none
(WildFly console lines without a date), and to put an export's records back in each host's order
(_in_order: by the lines' own times when no record has a wrapper time); an export's record repeated
(overlapping searches, a log shipped twice) is read once, said (_Once). A container-timestamped log
and Docker's json-file are prefiltered with the inner reader's prefilter seen through the wrapping
(LinePrefixed.prefilter, Enveloped.prefilter) and read in ranges; other wrapped logs are read in full.
"""
from __future__ import annotations

import bisect
import collections
import dataclasses
import functools
import hashlib
import itertools
import json
import re
import tempfile
from datetime import datetime, timezone, tzinfo
from typing import Any, Iterable, Iterator

from samlscan import lazyre
from samlscan.logs._common import (
    _JSON_TOKEN,
    _load,
    MAX_ENVELOPE,
    MAX_RECORD,
    host_name,
    MAX_TEXT_LINE,
    MAX_TIME_TEXT,
    csv_dialect,
    csv_rows,
    from_epoch,
    from_epoch_ms,
    iter_json,
    local_to_utc,
    parse_iso,
)
from samlscan.logs.base import TIMELINE_NOTE, LogParser, Malformed, Record
from samlscan.logs import damaged, journalexport, loki
from samlscan.logs.coloured import reader_of
from samlscan.model import LogEvent, Source

MAX_DEPTH = 5
"""Wrappers inside wrappers (a Splunk export of docker-prefixed lines) are unwrapped this deep: five, for
docker's json-file inside docker-in-docker (CI runners nest it; at 3 a fourth level was no log)."""
HEAD_RECORDS = 400
"""Records of the head whose inner text is sniffed."""

# --- line prefixes ---------------------------------------------------------------------------

SYSLOG = lazyre.compile(r"<\d{1,3}>(?:\d{1,2} \S+ \S+ \S+ \S+ \S+ (?:-|(?:\[[^\]]*\])+) ?|"
                    r"[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ [^:\s]+: ?)")
"""The header a syslog forwarder puts before each record: RFC 5424
`<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD ` or RFC 3164 `<PRI>Mmm dd hh:mm:ss HOST TAG: `."""

_STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"
CONTAINER = lazyre.compile(
    # CRI log file (/var/log/containers): time, stream, partial/full tag
    rf"{_STAMP}(?:\.\d{{1,9}})?(?:Z|[+-]\d\d:\d\d) (?:stdout|stderr) [FP] ?|"
    # docker logs -t (RFC3339Nano, zero-padded to 9 digits), kubectl logs --timestamps (4-9)
    rf"{_STAMP}\.\d{{4,9}}Z |"
    # kubectl logs --prefix
    r"\[pod/[^\]\s/]+/[^\]\s]+\] |"  # (a pod name has no '/': '[pod/a/a/a/...' stays linear)
    # docker compose logs: service-1 / project_service_1, padded, then '| ' (colours optional)
    r"(?:\x1b\[[\d;]*m)?[A-Za-z0-9][\w.-]*\s+\|(?:\x1b\[[\d;]*m)? ?|"
    # a Procfile supervisor: goreman ('%s %*s | ', the time 15:04:05 and the process's name padded on
    # the left; Sourcegraph's single-container server runs its processes so)
    r"(?:\x1b\[[\d;]*m)?\d\d:\d\d:\d\d +[A-Za-z0-9][\w.-]*\s+\| ?(?:\x1b\[[\d;]*m)?")
"""Prefixes a container tool writes before every line of a container's output. A docker
timestamp has 9 fraction digits and `Z` (an app's own ISO time rarely has more than 6), and the
prefix must start every line of the head (continuation lines included)."""

_PREFIX_ANY = lazyre.compile(rf"(?:{SYSLOG.pattern}|{CONTAINER.pattern})")

SYSLOG_FILE = lazyre.compile(
    r"(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d{1,6})?|"
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:?\d\d)) "
    rf"(?!(?:{'|'.join(('TRACE', 'DEBUG', 'INFO', 'NOTICE', 'WARN', 'WARNING', 'ERROR', 'SEVERE', 'FATAL'))})\b)"
    r"(?!\d{4}[./-]\d\d[./-]\d\d[ T])"  # (no host: a log's own date after a tool's time, logcli's --no-labels)
    r"[\w.-]{1,255} [\w./@-]{1,64}(?:\[\d{1,10}\])?: ?")
"""The header of a line in a syslog file, without the `<PRI>` a forwarder sends: rsyslog's and
syslog-ng's traditional file format (`Mar 11 09:41:02 web01 java[2231]: `, /var/log/syslog,
/var/log/messages) and its RSYSLOG_FileFormat (RFC 3339 time), journalctl's default output and its
`-o short-iso`, `short-iso-precise`, `short-precise` (systemd's output-mode.c / logs-show.c). The host
is not a level word (an app's own '<time> INFO logger: msg' line is no syslog line)."""


def looks_like_syslog(head: str) -> bool:
    """The first line starts with a syslog header (not an XML tag: '<134>1 2025-...')."""
    first = head.lstrip("\ufeff \t\r\n").split("\n", 1)[0]
    return bool(SYSLOG.match(first))


def _container_prefixed(head: str) -> bool:
    """Every line of the head (up to 50, the cut last one aside) starts with a container prefix."""
    lines = [ln for ln in head.lstrip("\ufeff").split("\n")[:51] if ln.strip()]
    if len(head) >= 1024 and len(lines) > 1:
        lines = lines[:-1]  # may be cut by the head's size
    return bool(lines) and all(CONTAINER.match(ln) for ln in lines[:50])


def _syslog_file(head: str) -> bool:
    """The head is a syslog file's (SYSLOG_FILE): its first line starts with the header, and each
    line does or is journalctl's next line of a message, indented under the header before it
    (systemd's logs-show.c pads it so: a Java stack trace)."""
    lines = [ln for ln in head.lstrip("\ufeff").split("\n")[:401] if ln.strip()]
    if len(head) >= 1024 and len(lines) > 1:
        lines = lines[:-1]  # may be cut by the head's size
    indent = 0
    for line in lines:
        m = SYSLOG_FILE.match(line)
        if m is not None:
            indent = m.end()
        elif not indent or line[:indent].strip():
            return False
    return bool(lines)


def strip_prefixes(line: str, via: str = "") -> str:
    """The line without the platform prefixes before it (compose before docker time: both)."""
    if via == "syslog-file":
        m = SYSLOG_FILE.match(line)
        line = line[m.end():] if m else line
    for _ in range(MAX_DEPTH):
        m = _PREFIX_ANY.match(line)
        if m is None or not m.group():
            break
        line = line[m.end():]
    return line


def _unprefixed(text: str, via: str = "") -> str:
    return "\n".join(strip_prefixes(line, via) for line in text.split("\n"))


class LinePrefixed:
    """A log whose every line carries a platform prefix: the inner reader reads what follows it
    (line numbers are kept)."""

    @property
    def prefilter(self):
        """Lines that start with a container's timestamp (docker -t, kubectl --timestamps, CRI
        files): the inner format's prefilter with that prefix before a record's start (its keep
        words are in each line as written), so a big prefixed log is prefiltered and read in
        ranges too. Other prefixes (syslog headers, compose names) vary: none."""
        if self.via != "timestamps":
            return None
        from samlscan.prefilter import _prefilter_for

        inner = _prefilter_for(self.inner)
        return _time_prefixed(inner) if inner is not None else None

    def __init__(self, inner: LogParser, via: str = "syslog") -> None:
        self.inner = inner
        self.name = inner.name
        self.via = via

    def sniff(self, head: str) -> bool:
        kind = _prefix_kind(head) or ("syslog-file" if _syslog_file(head) else None)
        return bool(kind) and self.inner.sniff(_unprefixed(head, kind))

    def parse(self, lines, path: str, tz: tzinfo) -> Iterator[Record]:
        """The inner reader's records of the first stream, then of each other stream (pod or
        compose service) in turn: each stream is its own log, read apart so that two pods' stack
        traces at the same moment never mix into one record (their lines are spooled to disk)."""
        stamps: dict[int, str] = {}  # line -> the wrapper's time of it, for the recent lines
        spools: dict[str, Any] = {}  # stream -> its lines (after the first stream's), spooled
        bad: list[Malformed] = []  # a CRI line past the cap (said as Docker's joined line is)
        over: set = set()  # CRI streams whose line passed MAX_ENVELOPE: its parts skipped to its 'F'

        def inner_lines():
            last, at, held = None, None, None  # the file's line, the inner line it is of, its stream
            dropped = False  # the file's line is skipped (a CRI line's part past the cap)
            parts: dict[str, tuple[int, list[str], list[int]]] = {}  # stream -> an unfinished line
            indent = 0  # the width of the last syslog header
            first_stream, spool = None, None  # (the spool of the line's stream, if not the first)
            for no, line in lines:
                if no == last:  # a later chunk of a long line: no prefix in it
                    if dropped:
                        continue
                    if held is not None:
                        parts[held][1].append(line)
                    elif spool is not None:
                        _spool(spool, at, line, None, "c")
                    else:
                        yield at, line
                    continue
                last, at, held, dropped = no, no, None, False
                stamp = _full_time(line)
                text = strip_prefixes(line, self.via)
                cri = _CRI_TAG.match(line)
                stream = _stream_of(line) if self.via == "container" else cri[1] if cri is not None else None
                if stream is not None and first_stream is None:
                    first_stream = stream
                spool = None
                if stream is not None and stream != first_stream:
                    if stream not in spools and len(spools) >= MAX_STREAMS:
                        stream = ""  # (the streams beyond: one spool, not a file each)
                    spool = spools.get(stream)
                    if spool is None:
                        spool = spools[stream] = tempfile.TemporaryFile("w+", encoding="utf-8")
                    _spool(spool, no, text, stamp, cri[2] if cri is not None else None)
                    continue
                if stamp is not None:
                    _remember(stamps, no, stamp)
                if self.via == "syslog-file":
                    text, indent = _under_header(line, text, indent)
                if cri is not None and cri[1] in over:  # the rest of a line past the cap: skipped
                    if cri[2] == "F":
                        over.discard(cri[1])
                    dropped = True
                    continue
                if cri is not None and (cri[2] == "P" or cri[1] in parts):
                    # one line of the container's written in parts: one line, numbered by its first
                    # (a line of the other stream between them goes before it)
                    first, got, size = parts.setdefault(cri[1], (no, [], [0]))
                    got.append(text)
                    size[0] += len(text)
                    if cri[2] == "P" and size[0] <= MAX_ENVELOPE:
                        held = cri[1]
                        continue
                    if size[0] > MAX_ENVELOPE:
                        bad.append(_too_long(path, first, len(got), MAX_ENVELOPE))
                        if cri[2] == "P":
                            over.add(cri[1])
                    del parts[cri[1]]
                    at = first
                    for piece in got:
                        yield first, piece
                    continue
                yield at, text
            for first, got, _ in parts.values():  # the file ends inside a line
                for piece in got:
                    yield first, piece

        def spooled(spool):
            """A stream's lines: a CRI stream's (its stderr) 'P' parts numbered by their first, one line."""
            spool.seek(0)
            at = first = None
            for row in spool:
                no, stamp, text, tag = json.loads(row)
                if tag != "c":  # (a later chunk of the line before: its number)
                    if stamp is not None:
                        _remember(stamps, no, stamp)
                    at = first if first is not None else no
                    first = at if tag == "P" else None
                yield at, text

        yearless = getattr(self.inner, "yearless", False)
        try:
            for feed in itertools.chain((inner_lines(),), (spooled(s) for s in _after(spools))):
                for rec in self.inner.parse(feed, path, tz):
                    while bad:
                        yield bad.pop(0)
                    dated = stamps and (yearless or getattr(rec, "time", 0) is None)
                    yield _wrapper_dated(rec, _stamp_of(rec, stamps), tz, yearless) if dated else rec
        finally:
            for spool in spools.values():
                spool.close()
        yield from bad


MAX_STREAMS = 64
"""Streams (pods, compose services) of one log read apart, each spooled to a file of its own; the
lines of any beyond are spooled together (a log naming 100,000 pods would open as many files)."""


def _after(spools: dict) -> Iterator:
    """The spools, once the first stream's read has filled them."""
    yield from list(spools.values())


def _spool(spool, no: int, text: str, stamp: str | None, tag: str | None = None) -> None:
    spool.write(json.dumps([no, stamp, text, tag]) + "\n")


def _remember(stamps: dict[int, str], no: int, stamp: str) -> None:
    stamps[no] = stamp
    if len(stamps) > RECENT_STAMPS:
        del stamps[next(iter(stamps))]


def _under_header(line: str, text: str, indent: int) -> tuple[str, int]:
    """(inner text, header width) of a syslog file's line: a line without a header that starts
    with as many spaces as the last header was wide is journalctl's next line of that message
    (logs-show.c pads it so), and its own text follows them ('\tat ...', 'Caused by: ...')."""
    if text is not line:
        return text, len(line) - len(text)
    if indent and line[:indent].strip() == "" and len(line) > indent:
        return line[indent:], indent
    return text, indent

_CONTAINER_TIME = lazyre.compile(rf"({_STAMP}(?:\.\d{{1,9}})?(?:Z|[+-]\d\d:\d\d)) ")
_CRI_TAG = lazyre.compile(rf"{_STAMP}(?:\.\d{{1,9}})?(?:Z|[+-]\d\d:\d\d) (stdout|stderr) ([FP])\b")
"""A CRI log file's stream and tag: the runtime cuts a line longer than its buffer (16 KiB in
containerd and CRI-O) into 'P' (partial) parts ended by an 'F' (full) one (Kubernetes' CRI logging
format, kubelet's pkg/kubelet/kuberuntime/logs): a SAMLResponse logged in full often is longer."""
"""The time a container tool (docker -t, kubectl --timestamps, CRI files) put before a line."""
_FULL_TIME = lazyre.compile(rf"(?:\[pod/[^\]\s]+\] )?(?:<\d{{1,3}}>1 )?({_STAMP}(?:\.\d{{1,9}})?(?:Z|[+-]\d\d:?\d\d)) ")
"""A wrapper's full time before a line: a container tool's (docker -t, kubectl --timestamps, CRI
files), an RFC 5424 syslog header's, a syslog file's in RFC 3339 (rsyslog, journalctl -o short-iso)."""
_STREAM = lazyre.compile(r"(?:\x1b\[[\d;]*m)?(?:\[pod/([^\]\s]+)\] |([A-Za-z0-9][\w.-]*)\s+\|)")
"""Whose line it is in a log of several containers: `kubectl logs --prefix`'s pod and container,
`docker compose logs`' service."""


def _full_time(line: str) -> str | None:
    m = _FULL_TIME.match(line)
    return m[1] if m else None


def _stream_of(line: str) -> str | None:
    m = _STREAM.match(line)
    return (m[1] or m[2]) if m else None


RECENT_STAMPS = 4096
"""Lines whose container time is kept: a reader yields a record a few lines after its start."""


def _stamp_of(rec: Record, stamps: dict[int, str]) -> str | None:
    m = re.fullmatch(r"line (\d+)", rec.source.ref or "")
    return stamps.get(int(m[1])) if m else None


def _wrapper_dated(rec: Record, when: Any, tz: tzinfo, yearless: bool) -> Record:
    """A record dated by its wrapper's time `when`: one without a time of its own (WildFly's
    'HH:MM:SS' lines without a date) takes it; one of a reader whose lines carry no year
    (SimpleSAMLphp's 'Mar 11 09:41:02', guessed from the file's modification time) takes the year
    that puts it nearest the wrapper's full time (a line of Dec 31 in a wrapper's Jan 1 stays in
    the year before)."""
    if when is None:
        return rec
    own = getattr(rec, "time", 0)
    if own is not None and not (yearless and isinstance(own, datetime)):
        return rec
    at = wrapper_time(when, tz)
    if at is None:
        return rec
    if own is None:
        return dataclasses.replace(rec, time=at, **({"local_time": False} if hasattr(rec, "local_time") else {}))
    local = rec.time.astimezone(tz).replace(tzinfo=None) if getattr(rec, "local_time", False) else rec.time
    years = []
    for year in (at.year - 1, at.year, at.year + 1):
        try:
            moved = local.replace(year=year)
        except ValueError:  # Feb 29 in a common year
            continue
        years.append(local_to_utc(moved, tz)[0] if getattr(rec, "local_time", False) else moved)
    best = min(years, key=lambda t: abs(t - at), default=None)
    return rec if best is None or best == rec.time else dataclasses.replace(rec, time=best)


SyslogWrapped = LinePrefixed
"""The former name (a syslog header was the first prefix read)."""


def _prefix_kind(head: str) -> str | None:
    if looks_like_syslog(head):
        return "syslog"
    if _container_prefixed(head):
        lines = [ln for ln in head.lstrip("\ufeff").split("\n")[:50] if ln.strip()]
        return "timestamps" if all(_CONTAINER_TIME.match(ln) for ln in lines) else "container"
    return None


_TIME_PREFIX = rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d) (?:(?:stdout|stderr) [FP] ?)?"


@functools.lru_cache(maxsize=16)
def _time_prefixed(inner):
    # (its other fields kept: a coloured capture's is stripped before the prefix is looked for too;
    # a CRI file's lines in 'P' parts and its two streams as Docker's records: dockerparts)
    return dataclasses.replace(inner, record_start=re.compile(_TIME_PREFIX + b"(?:" + inner.record_start.pattern + b")"),
                               parts=True)


# --- envelopes -------------------------------------------------------------------------------

_TEXT_KEYS = ("log",)
"""The keys of the envelopes prefiltered, holding the text: Docker's json-file (and Fluentd's, Fluent
Bit's records of it). A SIEM's export of JSON lines (Splunk's `_raw`, `message`, `MESSAGE`: _inner_of)
is read in full as before (tests/test_siem_exports.py): its equivalence is not yet shown."""


def _json_escaped(lit: bytes) -> set[bytes]:
    """`lit` as JSON strings may write it: quotes and backslashes escaped, and with them '<', '>', '&'
    as Go's encoder writes them (Docker's json-file: '\\u003c') or '/' as PHP's ('\\/')."""
    text = json.dumps(lit.decode("latin-1"), ensure_ascii=False)[1:-1]
    html = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return {lit} | {v.encode("latin-1") for v in (text, html, text.replace("/", "\\/"))}


@functools.lru_cache(maxsize=16)
def _json_wrapped(inner):
    from samlscan.prefilter import Prefilter

    keys = b"|".join(re.escape(k.encode()) for k in _TEXT_KEYS)
    start = rb'[ \t]*\{(?=[^\n]*?"(?:' + keys + rb')"\s*:\s*"(?:' + inner.record_start.pattern + rb"))"
    keep = sorted({v for lit in inner.keep for v in _json_escaped(lit)})
    return Prefilter(re.compile(start), tuple(keep), inner.orphans, json_lines=True, parts=True)


_TIME_KEYS = ("_time", "@timestamp", "timestamp", "time", "_messagetime", "date",
              "TimeGenerated", "published")


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) and v.strip() else None


def _time_of(obj: dict) -> Any:
    for key in _TIME_KEYS:
        v = obj.get(key)
        if v is not None and v != "":
            return v
    return None


_LOG_ANALYTICS_TEXT = ("LogMessage", "LogEntry", "Log", "Log_s")
"""The container's line in a Log Analytics table beside `TimeGenerated`: ContainerLogV2's `LogMessage`
(dynamic: a JSON line arrives parsed), ContainerLog's `LogEntry` (AKS Container insights), Container
Apps' ContainerAppConsoleLogs `Log` (`Log_s` in its older custom table)."""


_NESTED = 8
"""Wrappers in wrappers unwrapped at most (Splunk's `result`, Sumo Logic's `map`, Elastic's `_source`:
one or two in real exports): a record nested deeper wraps nothing (no recursion past Python's limit)."""


def _inner_of(obj: Any, strong: bool, depth: int = 0) -> tuple[str, Any] | None:
    """(original text, wrapper time) of one JSON record, or None when it wraps nothing.

    Strong shapes name a field no product log uses (Splunk `_raw`, Elasticsearch `_source`,
    `event.original`, `@timestamp`, Datadog `attributes` (v2) or `content` (v1), Google Cloud
    Logging `textPayload`/`jsonPayload`, Log Analytics `LogMessage`.. beside `TimeGenerated`, CloudWatch `ingestionTime`, journald
    `__REALTIME_TIMESTAMP`, Docker `log`+`stream`, a lone `message` or `json` object);
    the weak one is any record with a `message` string and a time."""
    if not isinstance(obj, dict):
        return None
    entry = loki.record_of(obj)
    if entry is not None:  # logcli --output=jsonl, Grafana's 'Download logs' JSON (samlscan/logs/loki.py)
        return entry[0], entry[1]
    for key in ("result", "map", "_source"):  # Splunk export, Sumo Logic job, Elasticsearch hit
        inner = obj.get(key)
        if isinstance(inner, dict) and depth < _NESTED:
            # (an inner record is read weakly: whatever a strong reading finds, a weak one finds
            # first too; asking both was 2**depth calls, a 10 kB record of nested `result` hung)
            got = _inner_of(inner, False, depth + 1)
            if got is None and key == "_source" and _str(inner.get("message")) is not None:
                # a hit whose index keeps no time field we know (or none): still a record, its text
                # dated by its own line (a hit of 5 without @timestamp was dropped unsaid; all: 0 events)
                got = (inner["message"], None)
            if got is not None:
                return got[0], got[1] if got[1] is not None else _time_of(obj)
    raw = _str(obj.get("_raw"))  # Splunk, Sumo Logic
    if raw is not None:
        return raw, _time_of(obj)
    event = obj.get("event")
    original = _str(event.get("original")) if isinstance(event, dict) else _str(obj.get("event.original"))
    if original is not None:  # Elastic (ECS): the original, before any pipeline touched it
        return original, _time_of(obj)
    attrs = obj.get("attributes")
    if isinstance(attrs, dict) and _str(attrs.get("message")) is not None and (
            obj.get("type") == "log" or "timestamp" in attrs):  # Datadog logs API / export
        return attrs["message"], _time_of(attrs)
    text = _str(obj.get("textPayload"))
    if text is not None:  # Google Cloud Logging LogEntry (gcloud logging read --format=json)
        return text, obj.get("timestamp") or obj.get("receiveTimestamp")
    if isinstance(obj.get("jsonPayload"), dict) and ("logName" in obj or "insertId" in obj):
        return json.dumps(obj["jsonPayload"], ensure_ascii=False), obj.get("timestamp")  # the app's JSON record
    for key in _LOG_ANALYTICS_TEXT:
        if key in obj and "TimeGenerated" in obj:
            value = obj[key]
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False) \
                if isinstance(value, (dict, list)) else None
            if _str(text) is not None:
                return text, obj["TimeGenerated"]
    content = obj.get("content")
    if isinstance(content, dict) and _str(content.get("message")) is not None and "timestamp" in content:
        return content["message"], content["timestamp"]  # Datadog logs API v1 (logs-queries/list)
    msg = obj.get("message")
    if isinstance(msg, dict) and _str(msg.get("message")) is not None:  # Graylog API
        return _str(msg.get("full_message")) or msg["message"], _time_of(msg)
    if _str(msg) is not None and set(obj) == {"message"}:
        return msg, None  # a record that is its text and nothing else (Elastic pipeline tests' events)
    if isinstance(obj.get("json"), dict) and set(obj) <= {"json", "@timestamp"}:
        # Filebeat's JSON decoding under its `json` target (the events of Elastic pipeline tests)
        return json.dumps(obj["json"], ensure_ascii=False), obj.get("@timestamp")
    if _str(obj.get("@message")) is not None:  # CloudWatch Logs Insights
        return obj["@message"], _time_of(obj)
    if _str(msg) is not None and ("ingestionTime" in obj or "logStreamName" in obj or "eventId" in obj):
        return msg, obj.get("timestamp")  # CloudWatch Logs filter-log-events / get-log-events
    if _str(msg) is not None and "@timestamp" in obj and "log.logger" not in obj:  # Elastic / Logstash document (ECS)
        # (an application's own ECS line, its logger flat in `log.logger` (Keycloak 26's ECS
        # layout, log4j2/logback ECS encoders), is its product's record first: the weak shape below)
        return msg, obj["@timestamp"]
    message = _journal_message(obj.get("MESSAGE")) if "__REALTIME_TIMESTAMP" in obj else None
    if message is not None:  # journalctl -o json / json-seq / export's fields (systemd.journal-fields)
        return message, obj["__REALTIME_TIMESTAMP"]
    if _str(obj.get("log")) is not None and obj.get("stream") in ("stdout", "stderr"):
        return obj["log"].rstrip("\r\n"), obj.get("time")  # Docker json-file, Fluentd/Fluent Bit
    if not strong and _str(msg) is not None and _time_of(obj) is not None:
        return msg, _time_of(obj)
    return None


def _journal_message(value: Any) -> str | None:
    """A journal entry's MESSAGE: a string, or an array of its bytes when it is not printable UTF-8
    (journalctl's JSON output, systemd's JOURNAL_EXPORT_FORMATS)."""
    if isinstance(value, list) and value and all(isinstance(b, int) and 0 <= b < 256 for b in value):
        value = bytes(value).decode("utf-8", "replace")
    return _str(value)


_CSV_STRONG = ("_raw", "@message", "event.original", "_source.message", "logmessage", "logentry")
_CSV_WEAK = ("message", "log", "raw")
_CSV_TIME = ("_time", "@timestamp", "timestamp", "time", "_messagetime", "_messagetimems",
             "date", "timegenerated", "timegeneratedutc", "datetime", "@timestamputc")


_CSV_HOST = ("host", "host.name", "hostname", "_sourcehost", "computer")
"""Columns naming the host of a line: Splunk `host`, Elastic `host.name`, Sumo Logic `_sourceHost`, Log
Analytics `Computer`."""


def _host_of(obj: dict, depth: int = 0) -> str | None:
    """The host a SIEM record names (Splunk `result.host`, Elastic `_source.host.name`, Sumo Logic
    `_sourceHost`, Log Analytics `Computer`), or None."""
    for key in ("result", "map", "_source"):
        if isinstance(obj.get(key), dict):
            return _host_of(obj[key], depth + 1) if depth < _NESTED else None
    host = obj.get("host")
    if isinstance(host, dict):
        host = host.get("name") or host.get("hostname")
    for value in (host, obj.get("host.name"), obj.get("_sourceHost"), obj.get("_sourcehost"), obj.get("Computer")):
        if _str(value):
            return value
    return None


def _host_part(host: str | None) -> tuple[tuple[str, str], bool] | None:
    """A record's host as its stream (Enveloped's part): each host's lines are read as its own log."""
    host = host_name(host)
    return (("host", host), False) if host else None


def _host_in(stream: Any) -> str | None:
    """The host a stream of _host_part or loki.stream_part names (None for a container's stream)."""
    return stream[1] if type(stream) is tuple and len(stream) in (2, 3) and stream[0] == "host" else None


_ECS_COLUMNS = ("@timestamp", "host.name", "log.file.path", "agent.name", "event.dataset", "_index")
"""Columns of an Elasticsearch document (ECS fields, the hit's metadata) in Kibana's Discover CSV: beside
them `message` is the original line (a Discover CSV need not keep @timestamp: its columns are chosen)."""


def _norm(cell: str) -> str:
    return re.sub(r"[\s\[\]\"']", "", cell.strip().lstrip("\ufeff")).lower()


def _csv_cols(cells: list[str], strong: bool) -> tuple[int, int | None] | None:
    """(raw column, time column) of an export header."""
    names = [_norm(c) for c in cells]
    # a `message` next to an Elastic/Logstash `@timestamp` column (or, in a Discover CSV without the
    # time column, another ECS one) is as clear as `_raw`
    clear = _CSV_STRONG + (("message",) if set(_ECS_COLUMNS) & set(names) else ())
    for wanted in (clear if strong else clear + _CSV_WEAK):
        if wanted in names:
            raw = names.index(wanted)
            time = next((names.index(t) for t in _CSV_TIME if t in names), None)
            if strong or time is not None:
                return raw, time
    return None


_KIBANA = lazyre.compile(r"^\s*([A-Z][a-z]{2}) (\d{1,2}), (\d{4}) @ (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?\s*$")
_US = lazyre.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4}),? (\d{1,2}):(\d\d)(?::(\d\d)(?:\.(\d{1,7}))?)?"
                 r"\s*([AaPp][Mm])?\s*$")
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


def wrapper_time(value: Any, tz: tzinfo | None) -> datetime | None:
    """A platform's record time: ISO (also '... GMT'), epoch seconds or milliseconds, Kibana's
    'Mar 11, 2025 @ 08:41:02.123' (browser zone: read in `tz`) or Log Analytics' CSV
    '3/11/2025, 8:41:02.123 AM' (UTC)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return from_epoch(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) > MAX_TIME_TEXT:
        return None  # no time; ('\\s*GMT$' on a long run of spaces was quadratic)
    if re.fullmatch(r"\d{10}(?:\.\d+)?", text):
        return from_epoch_ms(int(float(text) * 1000))
    if re.fullmatch(r"\d{13}", text):
        return from_epoch_ms(text)
    if re.fullmatch(r"\d{16}", text):  # epoch microseconds (journald's __REALTIME_TIMESTAMP)
        return from_epoch_ms(int(text) // 1000)
    if re.fullmatch(r"\d{19}", text):  # epoch nanoseconds (Loki's API, Grafana's JSON): to the microsecond
        at = from_epoch_ms(int(text) // 1_000_000)
        return at.replace(microsecond=int(text) // 1000 % 1_000_000) if at is not None else None
    text = re.sub(r"\s*GMT$", "Z", text)
    got, _ = parse_iso(text, tz)
    if got is not None:
        return got
    m = _KIBANA.match(text)
    if m and m[1].lower() in _MONTHS:
        try:
            naive = datetime(int(m[3]), _MONTHS[m[1].lower()], int(m[2]), int(m[4]), int(m[5]),
                             int(m[6]), int((m[7] or "0").ljust(6, "0")))
        except ValueError:
            return None
        return local_to_utc(naive, tz)[0]
    m = _US.match(text)
    if m:
        mo, d, y, h, mi, s, frac, ampm = m.groups()
        hour = int(h) % 12 + (12 if ampm and ampm.lower() == "pm" else 0) if ampm else int(h)
        try:
            return datetime(int(y), int(mo), int(d), hour, int(mi), int(s or 0),
                            int((frac or "0")[:6].ljust(6, "0")), tzinfo=timezone.utc)
        except ValueError:
            return None
    return None


# --- columnar JSON ---------------------------------------------------------------------------
# Query results that list column names once and then the values row by row (or column by column):
# * Log Analytics / Microsoft Sentinel query API: `{"tables":[{"name":"PrimaryResult","columns":
#   [{"name":..,"type":..}],"rows":[[..],..]}]}` (learn.microsoft.com/azure/azure-monitor/logs/api/
#   response-format), dynamic columns as JSON text;
# * Splunk search results `output_mode=json_rows`: `{"preview":..,"init_offset":..,"messages":[..],
#   "fields":["_time",..] or [{"name":..}],"rows":[[..],..]}` (the JavaScript SDK's default: it
#   reads `results.fields.indexOf("_raw")`, `results.rows[i]`); the export endpoint sends one
#   such object per chunk; `json_cols` lists `"columns":[[values of field 0],..]` instead.
# (`az monitor log-analytics query` prints rows as objects, `{"TableName":..,"<column>":str(value)}`
# (azure-cli-extensions src/log-analytics custom.py): the readers of JSON records read those.)

_COLUMNAR = lazyre.compile(r'"(?:rows|columns)"\s*:\s*\[')
MAX_NAME = 4096
"""A member name (`"rows"`, a column's name) longer than this ends the read: no export has one."""


class _Bad(Exception):
    """The JSON text of a columnar export is broken here: the rest of the file is not read."""


class _Text:
    """A JSON text read from numbered lines (chunks of a long line share a number), buffered from
    the value being read on: a multi-GB one-line query result is read in bounded memory."""

    def __init__(self, lines: Iterable[tuple[int, str]]) -> None:
        self.lines = iter(lines)
        self.buf = ""
        self.pos = 0
        self.marks: list[tuple[int, int]] = []  # (offset in buf, line number) where each line starts
        self.last_no: int | None = None

    def more(self) -> bool:
        """Read on (64 KB or more at a time: the buffer is copied once per read)."""
        parts: list[str] = []
        size = len(self.buf)
        for no, chunk in self.lines:
            if no != self.last_no:  # a new line (the newline between was dropped)
                if size:
                    parts.append("\n")
                    size += 1
                self.marks.append((size, no))
                self.last_no = no
            parts.append(chunk)
            size += len(chunk)
            if size - len(self.buf) >= READ_CHARS:
                break
        if not parts:
            return False
        self.buf += "".join(parts)
        return True

    def drop(self, upto: int) -> int:
        """Forget the text before offset `upto`; returns how much was dropped."""
        if upto <= 0:
            return 0
        self.buf = self.buf[upto:]
        self.pos -= upto
        keep = bisect.bisect_right(self.marks, (upto, float("inf"))) - 1
        self.marks = [(off - upto, no) for off, no in self.marks[max(keep, 0):]]
        if self.marks and self.marks[0][0] < 0:
            self.marks[0] = (0, self.marks[0][1])
        return upto

    def line(self, offset: int) -> int:
        i = bisect.bisect_right(self.marks, (offset, float("inf"))) - 1
        return self.marks[i][1] if i >= 0 else (self.last_no or 0)

    def peek(self, skip: str = "") -> str:
        """The next character that is not whitespace (nor a ',' when `skip`), '' at the end."""
        gap = _GAP_COMMA if skip else _GAP
        while True:
            self.pos = gap.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                if self.pos > READ_CHARS * 4:
                    self.drop(self.pos)
                return self.buf[self.pos]
            if not self.more():
                return ""

    def expect(self, ch: str) -> None:
        if self.peek() != ch:
            raise _Bad(f"expected {ch!r}")
        self.pos += 1

    def value(self, limit: int, bad_ok: bool = False) -> tuple[int, Any] | None:
        """(line, value) of the JSON value at the current position, or None when it is larger
        than `limit` characters (skipped: scanned to its end, never buffered whole). Invalid JSON
        within its brackets is (line, _Bad) with `bad_ok` (the next value can be read)."""
        self.peek()
        start, line = self.pos, self.line(self.pos)
        end, over = self._end(limit)
        if over:
            self.pos = end
            return None
        text, self.pos = self.buf[start:end], end
        _, got, err = _load(line, text)
        if err is not None:
            if bad_ok:
                return line, _Bad(err)
            raise _Bad(err)
        return line, got

    def _end(self, limit: int) -> tuple[int, bool]:
        """Offset just after the value starting at pos, and whether it was longer than `limit`
        (then the text before that offset is gone)."""
        start = self.pos
        if start >= len(self.buf):
            raise _Bad("unexpected end")
        if self.buf[start] not in '[{"':
            m = _SCALAR.match(self.buf, start)
            while m and m.end() == len(self.buf) and m.end() - start < MAX_NAME and self.more():
                m = _SCALAR.match(self.buf, start)
            if not m or not m.group():
                raise _Bad("not JSON: " + self.buf[start:start + 40])
            return m.end(), False
        depth, in_string, escaped, i, over = 0, False, -1, start, False
        while True:
            for m in _JSON_TOKEN.finditer(self.buf, i):
                ch, p = m.group(), m.start()
                if in_string:
                    if p == escaped:
                        escaped = -1
                    elif ch == "\\":
                        escaped = p + 1
                    elif ch == '"':
                        in_string = False
                        if depth == 0:
                            return p + 1, over or p + 1 - start > limit
                    continue
                if ch == '"':
                    in_string = True
                elif ch in "[{":
                    depth += 1
                else:
                    depth -= 1
                    if depth == 0:
                        return p + 1, over or p + 1 - start > limit
            i = len(self.buf)
            if i - start > limit:  # too large: keep scanning to its end, buffering nothing of it
                over = True
                cut = self.drop(i)
                start, i, escaped = start - cut, i - cut, escaped - cut if escaped >= 0 else -1
                self.pos = 0
            if not self.more():
                raise _Bad("unterminated JSON at end of file")


_SCALAR = lazyre.compile(r"-?[0-9][0-9.eE+-]{0,%d}|true|false|null" % MAX_NAME)
_GAP = lazyre.compile(r"\s*")
_GAP_COMMA = lazyre.compile(r"[\s,]*")
READ_CHARS = 64 * 1024


def _names(value: Any) -> list[str] | None:
    """Column names: strings (Splunk json_rows) or objects with a `name` (Log Analytics, Splunk)."""
    if not isinstance(value, list):
        return None
    names = [v if isinstance(v, str) else v.get("name") if isinstance(v, dict) else None for v in value]
    return names if all(isinstance(n, str) for n in names) else None


def columnar_rows(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, Any, str | None]]:
    """(line where a row starts, {column: value}, None), or (line, None, error): the rows of a
    columnar export (one or more objects), one row buffered at a time."""
    text = _Text(lines)
    try:
        while text.peek(","):
            if text.peek() != "{":
                raise _Bad("not a columnar export")
            yield from _object(text, top=True)
    except _Bad as exc:
        yield text.line(text.pos), None, str(exc)


def _object(text: _Text, top: bool) -> Iterator[tuple[int, Any, str | None]]:
    """One result object (a Splunk result, a Log Analytics table or the response around them)."""
    text.expect("{")
    names: list[str] | None = None
    while text.peek(",") != "}":
        got = text.value(MAX_NAME)
        if got is None or not isinstance(got[1], str):
            raise _Bad("not a member name")
        key = got[1]
        text.expect(":")
        if key == "tables" and top and text.peek() == "[":  # Log Analytics: each table in turn
            text.pos += 1
            while text.peek(",") != "]":
                if text.peek() != "{":
                    raise _Bad("not a table")
                yield from _object(text, top=False)
            text.pos += 1
        elif key == "rows" and text.peek() == "[":
            if names is None:
                raise _Bad("rows before their column names")
            text.pos += 1
            while text.peek(",") != "]":
                line = text.line(text.pos)  # (before a row too large is skipped, and dropped)
                got = text.value(MAX_RECORD, bad_ok=True)
                if got is None:
                    yield line, None, f"JSON record larger than {MAX_RECORD} characters"
                elif isinstance(got[1], list):
                    yield got[0], dict(zip(names, got[1])), None
                else:
                    yield got[0], None, str(got[1]) if isinstance(got[1], _Bad) else "a row that is not an array"
            text.pos += 1
        elif key in ("columns", "fields"):
            got = text.value(MAX_ENVELOPE)
            if got is None:
                raise _Bad(f"{key} larger than {MAX_ENVELOPE} characters")
            line, value = got
            if _names(value) is not None:
                names = _names(value)
            elif key == "columns" and names is not None and isinstance(value, list) \
                    and all(isinstance(c, list) for c in value):
                # Splunk json_cols: column-major, read whole (bounded: an export of many rows is
                # one a row in json_rows or csv)
                for row in zip(*value):
                    yield line, dict(zip(names, row)), None
            else:
                raise _Bad(f"{key} that are not column names")
        else:
            text.value(0)  # any other member (messages, highlighted, statistics): skipped
    text.pos += 1


# --- Loki's HTTP API ----------------------------------------------------------------------------

_LOKI_API = lazyre.compile(r'"resultType"\s*:\s*"streams"|"values"\s*:\s*\[\s*\[\s*"\d{19}"')
"""A Loki query or query_range response of log streams (samlscan/logs/loki.py)."""


def loki_api_entries(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str | None, Any, Any, str | None]]:
    """(line, text, time, stream part, None) of each entry of Loki's streams response, or (line, None,
    None, None, error) where the JSON breaks (the rest unread), one entry buffered at a time. The
    members may come in any order: entries listed before their stream's labels are that stream's by
    its place in `result` (read apart from the others), without a host."""
    text = _Text(lines)
    try:
        if text.peek() != "{":
            raise _Bad("not a Loki response")
        yield from _loki_object(text, 0)
    except _Bad as exc:
        yield text.line(text.pos), None, None, None, str(exc)


def _loki_object(text: _Text, depth: int) -> Iterator:
    """The response, or its `data`: their `result` streams, in turn; other members skipped."""
    text.expect("{")
    while text.peek(",") != "}":
        key = _member(text)
        if key == "data" and depth == 0 and text.peek() == "{":
            yield from _loki_object(text, 1)
        elif key == "result" and text.peek() == "[":
            text.pos += 1
            index = 0
            while text.peek(",") != "]":
                if text.peek() != "{":
                    raise _Bad("a result that is not a stream")
                yield from _loki_stream(text, index)
                index += 1
            text.pos += 1
        else:
            text.value(0)  # status, resultType, stats, encodingFlags: skipped
    text.pos += 1


def _member(text: _Text) -> str:
    got = text.value(MAX_NAME)
    if got is None or not isinstance(got[1], str):
        raise _Bad("not a member name")
    text.expect(":")
    return got[1]


def _loki_stream(text: _Text, index: int) -> Iterator:
    """One stream: its `values`, each `[ns, line]` (Loki 3 adds a third member, structured metadata)."""
    text.expect("{")
    part = loki.stream_part(None, index)
    while text.peek(",") != "}":
        key = _member(text)
        if key == "stream":
            got = text.value(MAX_ENVELOPE)
            if got is None:
                raise _Bad(f"stream labels larger than {MAX_ENVELOPE} characters")
            part = loki.stream_part(got[1], index)
        elif key == "values" and text.peek() == "[":
            text.pos += 1
            while text.peek(",") != "]":
                line = text.line(text.pos)
                got = text.value(MAX_TEXT_LINE, bad_ok=True)
                if got is None:
                    yield line, None, None, None, f"Loki entry larger than {MAX_TEXT_LINE} characters"
                elif isinstance(got[1], list) and len(got[1]) >= 2 and isinstance(got[1][1], str):
                    if got[1][1].strip():
                        yield got[0], got[1][1], got[1][0], part, None
                else:
                    yield got[0], None, None, None, "a Loki entry that is not [time, line]"
            text.pos += 1
        else:
            text.value(0)
    text.pos += 1


def _loki_part(obj: dict) -> tuple[tuple, bool] | None:
    """The stream of a logcli JSONL record or a Grafana JSON row: its labels."""
    entry = loki.record_of(obj)
    return loki.stream_part(entry[2]) if entry is not None else None


def _row_record(row: dict, strong: bool) -> tuple[str, Any]:
    """(text, wrapper time) of a row: the original line it holds (Splunk `_raw`), else the row as
    one JSON record (a SigninLogs row, read by the reader of such records)."""
    got = _inner_of(row, strong)
    if got is not None:
        return got
    return json.dumps(row, ensure_ascii=False), None


class _Records:
    """The wrapper records of one export: (line where the record starts, inner text, time)."""

    def __init__(self, kind: str, strong: bool, cols: tuple[int, int | None] | None = None, docker: bool = False,
                 delimiter: str = ","):
        self.kind, self.strong, self.cols, self.delimiter = kind, strong, cols, delimiter
        """A CSV export's delimiter (_common.csv_dialect: Excel's ';' or TAB copy of a ',' export)."""
        self.docker = docker
        """Docker's json-file records (`log` and `stream`): prefiltered (Enveloped.prefilter)."""
        self.host_col: int | None = None
        """A CSV export's column naming the host that wrote each line (Splunk `host`, Elastic `host.name`)."""

    def read(self, lines: Iterable[tuple[int, str]], path: str) -> Iterator[tuple[int, str, Any] | Malformed]:
        if self.kind == "columnar":
            for no, row, err in columnar_rows(lines):
                if err is not None:
                    yield Malformed(Source(path, f"line {no}"), err)
                else:
                    yield (no, *_row_record(row, self.strong), None)
            return
        if self.kind == "loki-api":
            for no, text, when, part, err in loki_api_entries(lines):
                yield Malformed(Source(path, f"line {no}"), err) if err is not None else (no, text, when, part)
            return
        if self.kind in ("logcli", "grafana"):
            for no, text, when, labels in loki.entries(self.kind, lines, MAX_TEXT_LINE):
                yield no, text, when, loki.stream_part(labels)
            return
        if self.kind == "journal-export":
            for no, entry in journalexport.entries(lines):
                got = _inner_of(entry, self.strong)
                if got is not None:
                    yield no, got[0], got[1], _part(entry)
            return
        if self.kind == "json":
            # (a row holds a whole log line: bounded as a text line is, not as a JSON log's record;
            # a java-saml dump of a big response is over 1 MiB)
            for no, obj, err in iter_json(lines, MAX_TEXT_LINE):
                if err is not None:
                    yield Malformed(Source(path, f"line {no}"), err)
                    continue
                got = _inner_of(obj, self.strong)
                if got is not None:  # else a platform message ({"lastrow":true}), not a record
                    yield no, got[0], got[1], _part(obj) or _loki_part(obj) or _host_part(_host_of(obj))
            return
        width = 0  # the header's cells (0: not read yet)
        raw_col, time_col = self.cols or (0, None)
        for got in csv_rows(lines, path, delimiter=self.delimiter):
            if isinstance(got, Malformed):
                yield got
                continue
            no, row = got
            if len(row) != width and damaged("".join(row)):  # (a damaged log line in a row's cell is the log's)
                yield Malformed(Source(path, f"line {no}"), "a damaged line (NULs, control characters or binary) "
                                f"{'in' if width else 'before the header of'} the CSV export, not a row of it")
                continue
            if not width:
                width = len(row)
                continue
            if raw_col < len(row) and row[raw_col].strip():
                host = row[self.host_col] if self.host_col is not None and self.host_col < len(row) else None
                yield (no, row[raw_col], row[time_col] if time_col is not None and time_col < len(row) else None,
                       _host_part(host))


def _part(obj: dict) -> tuple[str, bool] | None:
    """(its stream, whether its line goes on in the stream's next record) of a container's record;
    None for a record of no stream. Docker's json-file log cuts a line longer than 16 KiB into
    records whose `log` does not end in a newline (moby daemon/logger/jsonfilelog; Fluent Bit's
    'docker' multiline parser joins them), a CRI line collected by Fluent Bit's 'cri' parser keeps
    the runtime's 'P' tag in `logtag`. stdout and stderr are copied apart: a record of one may come
    between the parts of the other's line."""
    if "CONTAINER_ID_FULL" in obj or "CONTAINER_PARTIAL_MESSAGE" in obj:  # docker's journald driver
        return _journal_part(obj)
    stream = obj.get("stream") if obj.get("stream") in ("stdout", "stderr") else ""
    log = obj.get("log")
    if isinstance(log, str) and stream:
        return stream, not log.endswith("\n")
    return (stream, obj["logtag"] == "P") if obj.get("logtag") in ("P", "F") else None


def _journal_part(entry: dict) -> tuple[Any, bool]:
    """(its container and stream, whether its line goes on) of an entry of Docker's journald driver: a
    line's parts but the last carry CONTAINER_PARTIAL_MESSAGE=true (moby daemon/logger/journald); its
    stream is PRIORITY (6 stdout, 3 stderr), and several containers write to one journal."""
    who = entry.get("CONTAINER_ID_FULL") or entry.get("CONTAINER_ID") or entry.get("CONTAINER_NAME")
    return (str(who), str(entry.get("PRIORITY"))), entry.get("CONTAINER_PARTIAL_MESSAGE") == "true"


def _envelope(head: str, strong: bool) -> tuple[_Records, str] | None:
    """How the head's records wrap their text, and the inner head; None when they do not."""
    first = head.lstrip("\ufeff \t\r\n")
    if first[:1] == "{" and _COLUMNAR.search(first):
        texts = []
        for _, row, err in columnar_rows(enumerate(first.split("\n"), 1)):
            if err is None:
                texts.append(_row_record(row, strong)[0])
            if len(texts) >= HEAD_RECORDS:
                break
        if texts:
            return _Records("columnar", strong), "\n".join(texts)
    if first[:1] == "{" and _LOKI_API.search(first):
        texts = [got[1] for got in itertools.islice(loki_api_entries(enumerate(first.split("\n"), 1)), HEAD_RECORDS)
                 if got[4] is None]
        if texts:
            return _Records("loki-api", strong), "\n".join(texts)
    if journalexport.is_export(first):
        texts = [got[0] for _, entry in itertools.islice(journalexport.entries(enumerate(first.split("\n"), 1)),
                                                         HEAD_RECORDS) if (got := _inner_of(entry, strong))]
        return (_Records("journal-export", strong), "\n".join(texts)) if texts else None
    if first[:1] in ("{", "["):
        texts, docker = [], []
        for _, obj, err in iter_json(enumerate(first.split("\n"), 1)):
            if err is None:
                got = _inner_of(obj, strong)
                if got is not None:
                    texts.append(got[0])
                    docker.append(_part(obj) is not None and isinstance(obj.get("log"), str))
            if len(texts) >= HEAD_RECORDS:
                break
        return (_Records("json", strong, docker=all(docker)), "\n".join(texts)) if texts else None
    kind = loki.text_kind(first)
    if kind is not None:
        texts = [got[1] for got in itertools.islice(loki.entries(kind, enumerate(first.split("\n"), 1), MAX_TEXT_LINE),
                                                    HEAD_RECORDS)]
        return (_Records(kind, strong), "\n".join(texts)) if texts else None
    found = csv_dialect(first, lambda cells: (cols, cells) if len(cells) > 1 and
                        (cols := _csv_cols(cells, strong)) is not None else None)
    if found is None:
        return None
    delimiter, (cols, cells) = found
    rec = _Records("csv", strong, cols, delimiter=delimiter)
    names = [_norm(c) for c in cells]
    rec.host_col = next((names.index(h) for h in _CSV_HOST if h in names), None)
    texts = []
    for got in rec.read(enumerate(first.split("\n"), 1), ""):
        if not isinstance(got, Malformed):
            texts.append(got[1])
        if len(texts) >= HEAD_RECORDS:
            break
    return (rec, "\n".join(texts)) if texts else None


EXPORTED_KINDS = ("csv", "grafana-csv")
"""The kinds of records of a CSV export (here and logs.lokiexport's Grafana download)."""


class Enveloped:
    """An export whose records each wrap one original line or event: the inner reader reads the
    original text; references and missing times come from the wrapper."""

    @property
    def prefilter(self):
        """An export of JSON lines under _TEXT_KEYS (Docker's json-file): the inner
        reader's prefilter seen through the record, its record starts after the key holding the
        text and its keep literals as a JSON string writes them too; other exports: none (read in
        full)."""
        if self.records.kind != "json" or not self.records.docker:
            return None
        from samlscan.prefilter import _prefilter_for

        inner = _prefilter_for(self.inner)
        return _json_wrapped(inner) if inner is not None and not inner.coloured else None

    def __init__(self, inner: LogParser, records: _Records) -> None:
        self.inner = inner
        self.records = records
        self.name = inner.name

    @property
    def exported(self) -> bool:
        """A CSV export (Splunk's, Kibana's, Grafana's download) Excel may have saved again
        (logs.base.LogParser.exported); JSON is written as UTF-8 (RFC 8259 8.1), and read in ranges."""
        return self.records.kind in EXPORTED_KINDS

    def sniff(self, head: str) -> bool:
        got = _envelope(head, self.records.strong)
        return got is not None and self.inner.sniff(got[1])

    def parse(self, lines, path: str, tz: tzinfo) -> Iterator[Record]:
        where: dict[int, tuple[int, Any, str | None]] = {}  # inner line -> (wrapper line, time, host)
        bad: list[Malformed] = []

        numbers = itertools.count(1)
        skips = _Skips()
        once = _Once()
        spools: dict[Any, Any] = {}  # stream -> its lines, when not the first stream's: read after it

        def drawn(outer: int, text: str) -> int:
            """The inner number of the record's first line (its lines', in turn), drawn as it is read."""
            before = skips.before(outer)
            first = next(numbers) + before
            for _ in range(text.count("\n")):
                next(numbers)
            return first

        def numbered(outer: int, text: str, when: Any, first: int | None = None,
                     host: str | None = None) -> Iterator[tuple[int, str]]:
            no = drawn(outer, text) if first is None else first
            for line in text.split("\n"):
                line = line[:-1] if line.endswith("\r") else line  # a tty's CRLF line end (as iter_lines)
                where[no] = (outer, when, host)
                yield no, line
                no += 1
            if len(where) > 200_000:  # bounded: the inner reader lags a few records at most
                for key in list(where)[:100_000]:
                    del where[key]

        def joined():
            """(stream, first record's line, text, time) of each line, its parts joined."""
            held: dict[Any, tuple[int, Any, list[str], list[int]]] = {}  # stream -> its unfinished line
            over: set = set()  # streams whose line passed MAX_JOINED: its records dropped to its end
            records = self.records.read(skips.counted(lines), path)
            if not self.records.docker and self.records.kind not in ("journal-export", "columnar"):
                # (a container's or the journal's own log is no export; a query API's columnar result,
                # Log Analytics' or Splunk json_rows', is read as listed, copies too: not yet done)
                records = once.read(records)
            ordered = self.records.docker or self.records.kind in ("columnar", "journal-export")
            for got in (records if ordered else _in_order(records, tz)):
                if isinstance(got, Malformed):
                    bad.append(got)
                    if ordered:  # its line is one inner line too, as a skipped one is (_Skips): the
                        next(numbers)  # inner reader's '(line 4: ...)' stays the export's line 4
                    continue
                outer, text, when, part = got
                stream, goes_on = part or (None, False)
                if stream in over:
                    if not goes_on:
                        over.discard(stream)
                    continue
                if stream not in held:
                    if not goes_on:
                        yield stream, outer, text, when
                        continue
                    held[stream] = (outer, when, [], [0])
                first, at, texts, size = held[stream]  # the line is its first record's
                texts.append(text)
                size[0] += len(text)
                if not goes_on or size[0] > MAX_JOINED:
                    del held[stream]
                    if size[0] > MAX_JOINED:
                        bad.append(_too_long(path, first, len(texts)))
                        if goes_on:
                            over.add(stream)
                    yield stream, first, "".join(texts)[:MAX_JOINED], at
            for stream, (first, at, texts, _) in held.items():  # the export ends inside a line
                yield stream, first, "".join(texts), at

        def inner_lines():
            """The first stream's lines (and those of no stream); another stream's (a container's
            stderr between two lines of an XML dump on its stdout) are spooled, read after it."""
            first_stream = None
            for stream, outer, text, when in joined():
                if stream is not None and first_stream is None:
                    first_stream = stream
                if stream is None or stream == first_stream:
                    yield from numbered(outer, text, when, host=_host_in(stream))
                    continue
                host = _host_in(stream)  # (taken before a stream past MAX_STREAMS shares the "" spool)
                if stream not in spools and len(spools) >= MAX_STREAMS:
                    stream = ""  # (the streams beyond: one spool, not a file each)
                if stream not in spools:
                    spools[stream] = tempfile.TemporaryFile("w+", encoding="utf-8")
                spools[stream].write(json.dumps([drawn(outer, text), outer, text, when, host], default=str) + "\n")

        def spooled(spool):
            spool.seek(0)
            for row in spool:
                first, outer, text, when, host = json.loads(row)
                yield from numbered(outer, text, when, first, host)

        yearless = getattr(self.inner, "yearless", False)
        side = "sp"
        try:
            for feed in itertools.chain((inner_lines(),), (spooled(s) for s in _after(spools))):
                for rec in self.inner.parse(feed, path, tz):
                    while bad:
                        yield bad.pop(0)
                    side = rec.side if isinstance(rec, LogEvent) else side
                    yield _rewrite(rec, where, tz, yearless)
        finally:
            for spool in spools.values():
                spool.close()
        yield from bad
        if once.dropped:
            yield LogEvent(Source(path, f"line {once.first}"), None, self.inner.name, side, "info",
                           REPEATED.format(path=path, n=once.dropped), raw_code=TIMELINE_NOTE)


REPEATED = ("{path}: the export repeats records ({n} identical to one before them: same host, time and text, "
            "as two overlapping searches or a log shipped twice give): each read once")
"""The note of an export whose duplicate records were dropped (_Once)."""
SEEN_RECORDS = 65536
"""Records remembered to tell a repeated one (_Once): a window, not the whole export (bounded memory:
some 100 bytes each); overlapping searches repeat their overlap within it, a second forwarder at once."""


class _Once:
    """An export's records, each read once: a record whose host, wrapper time and text are those of
    one of the last SEEN_RECORDS is a copy (two overlapping searches in one export, a log shipped by
    two forwarders: the copy's `_id`, `_cd`, index or bucket may differ, its text does not). Only a
    record that starts a log record (its text begins with its own time, loki.line_time) is one: a
    dump split one SIEM event a line repeats its lines ('</saml:Attribute>') under one time. A log's
    own line written twice in one wrapper time (to the millisecond, mostly) is read once too: the
    export cannot tell it from a copy, and the note says so."""

    def __init__(self) -> None:
        self.seen: dict[bytes, None] = {}
        self.dropped = 0
        self.first: int | None = None  # the line of the first copy dropped

    def read(self, records: Iterable) -> Iterator:
        for got in records:
            if isinstance(got, Malformed) or loki.line_time(got[1][:MAX_TIME_TEXT]) is None:
                yield got
                continue
            digest = hashlib.blake2b(repr((got[2], got[3])).encode("utf-8", "backslashreplace"), digest_size=16)
            digest.update(got[1].encode("utf-8", "surrogatepass"))
            key = digest.digest()
            if key in self.seen:
                self.dropped += 1
                self.first = self.first if self.first is not None else got[0]
                continue
            self.seen[key] = None
            if len(self.seen) > SEEN_RECORDS:
                del self.seen[next(iter(self.seen))]
            yield got


MAX_ORDERED = 16 * 1024 * 1024
"""Characters of an export's lines held to put them back in order at most (bounded memory); a bigger
export is read as listed."""
MAX_ORDERED_RECORDS = MAX_ORDERED // 64
"""Records held at most: each costs some 600 bytes besides its text (its tuple, time and key), so a
million one-character lines took 650 MB within MAX_ORDERED's characters (fuzz24)."""


def _in_order(records: Iterable, tz: tzinfo) -> Iterator:
    """An export's records in the order each host wrote them: a SIEM lists the newest first (Splunk's
    search, Kibana's Discover) and interleaves hosts, while a record's lines (a stack trace, a dump split
    one SIEM event a line, each event with its record's time) must reach the inner reader in order and
    each host's apart. Mostly descending times are reversed (within one time too); then, of several
    hosts, each host's records (the host whose first record is oldest first, then as first seen) are
    read together, in the order listed (a malformed record keeps the place after the record before it):
    not sorted by time, which undid a host's clock step back (correlate.clocks reads the step in this
    order, Source.order)."""
    held: list = []
    size = 0
    for got in records:
        held.append(got)
        size += 0 if isinstance(got, Malformed) else len(got[1])
        if size > MAX_ORDERED or len(held) > MAX_ORDERED_RECORDS:
            yield from held
            yield from records
            return
    stamps = [None if isinstance(got, Malformed) or got[2] is None else wrapper_time(got[2], tz) for got in held]
    if not any(stamps):  # (an export without any wrapper time, a Kibana CSV without @timestamp or its
        # cells empty: each record's own line's time, the one it starts with, tells the order)
        stamps = [None if isinstance(got, Malformed) else _own_time(got[1], tz) for got in held]
    keys, last, times = [], (None, None), []  # (stream, time) of each record; the times read
    for got, t in zip(held, stamps):
        if not isinstance(got, Malformed):
            times += [t] if t is not None else []
            last = (got[3][0] if got[3] else None, t if t is not None else last[1])
        keys.append(last)
    if sum(b < a for a, b in zip(times, times[1:])) > sum(b > a for a, b in zip(times, times[1:])):
        held.reverse()
        keys.reverse()
    if len({k[0] for k in keys}) <= 1:
        yield from held
        return
    streams: dict[Any, int] = {}
    for st, _ in keys:
        streams.setdefault(st, len(streams))
    earliest: dict[Any, float] = {}  # (streams by their first line's time: an API's streams listed newest first)
    for st, t in keys:
        if t is not None:
            earliest[st] = min(earliest.get(st, t.timestamp()), t.timestamp())
    # (a host's records keep their order as listed, put the right way round: sorted by time, a host's
    # clock step back was undone, its records after the step read among those before it)
    order = sorted((earliest.get(st, float("inf")), streams[st], i) for i, (st, _) in enumerate(keys))
    for *_, i in order:
        yield held[i]


def _own_time(text: str, tz: tzinfo) -> datetime | None:
    """The time a record's text starts with (its log line's, read in `tz` without a zone), or None."""
    at = loki.line_time(text[:MAX_TIME_TEXT])
    return wrapper_time(at, tz) if at is not None else None


MAX_JOINED = MAX_RECORD
"""Characters of one container line written in several records (Docker's 16 KiB parts, journald's
CONTAINER_PARTIAL_MESSAGE) joined at most: a longer one is read cut there, its further parts dropped
to its end, and said (bounded memory, not a silent cut)."""


def _too_long(path: str, first: int, parts: int, cap: int = MAX_JOINED) -> Malformed:
    return Malformed(Source(path, f"line {first}"),
                     f"a container's line written in {parts}+ records is longer than {cap} characters: "
                     f"its first {cap} read, the rest of it skipped")


class _Skips:
    """The lines a prefilter skipped (prefilter.prefiltered_lines: an export of JSON lines), each
    counted as one inner line: the inner reader numbers its lines, and quotes those numbers in its
    texts ('(line 4: ...)'), as it does reading the whole export (each of its records one line)."""

    def __init__(self) -> None:
        self.jumps: collections.deque = collections.deque()  # (line after skipped ones, skipped up to it)
        self.skipped = self.last = 0

    def counted(self, lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
        for no, text in lines:
            if no > self.last + 1:
                self.skipped += no - self.last - 1
                self.jumps.append((no, self.skipped))
            self.last = max(self.last, no)
            yield no, text

    def before(self, outer: int) -> int:
        """Lines skipped before the record at line `outer` (records are asked for in order)."""
        jumps = self.jumps
        while len(jumps) > 1 and jumps[1][0] <= outer:
            jumps.popleft()
        return jumps[0][1] if jumps and jumps[0][0] <= outer else 0


def _rewrite(rec: Record, where: dict[int, tuple[int, Any, str | None]], tz: tzinfo, yearless: bool) -> Record:
    ref = rec.source.ref or ""
    m = re.fullmatch(r"line (\d+)", ref)
    if m is None or int(m[1]) not in where:
        return rec
    inner = int(m[1])
    outer, when, host = where[inner]
    more = {"host": host} if host and isinstance(rec, LogEvent) else {}  # (its server's clock: clocks.clock_of)
    # (the inner line is drawn in the order the records reach the inner reader: a host's own order)
    source = Source(rec.source.input, f"line {outer}", order=inner)
    return _wrapper_dated(dataclasses.replace(rec, source=source, **more), when, tz, yearless)


# --- detection -------------------------------------------------------------------------------

def is_wrapper(parser: LogParser) -> bool:
    """`parser` reads a wrapped log: its lines are a container's or a forwarder's records, a log
    whatever their text (never one message pasted)."""
    return isinstance(parser, (LinePrefixed, Enveloped))


def syslog_file_of(head: str, parser: LogParser, detect, depth: int = 0) -> LogParser | None:
    """The syslog file's reader (`LinePrefixed`) of a head that `parser` claims when the text under
    the headers is `parser`'s too: journald's or rsyslog's copy of a Keycloak or Shibboleth log is
    claimed by the words in it, yet its lines read only without the header. None otherwise
    (SimpleSAMLphp's own syslog lines are its reader's as they are)."""
    if depth >= MAX_DEPTH or not _syslog_file(head):
        return None
    inner = _inner_reader(_unprefixed(head, "syslog-file"), detect, depth + 1)
    return LinePrefixed(inner, "syslog-file") if inner is not None and inner.name == parser.name else None


def _inner_reader(inner_head: str, detect, depth: int) -> LogParser | None:
    """The reader of a wrapper's inner text, sniffed on as much of it as a bare log's sniff sees
    (HEAD_CHARS): a head read wider for a wrapped log (engine.sniff_file) claims no more."""
    from samlscan.logs import HEAD_CHARS

    return reader_of(inner_head[:HEAD_CHARS], detect, depth)


def unwrap(head: str, detect, strong: bool, depth: int = 0) -> LogParser | None:
    """A wrapping reader for `head` when it is a wrapped log whose inner text a reader
    recognises (`detect`, called on the inner head); None otherwise."""
    if depth >= MAX_DEPTH:
        return None
    if strong:
        kind = _prefix_kind(head)
        if kind is not None:
            inner = _inner_reader(_unprefixed(head), detect, depth + 1)
            return LinePrefixed(inner, kind) if inner is not None else None
    elif _syslog_file(head):  # after the products' readers: SimpleSAMLphp reads its syslog lines
        inner = _inner_reader(_unprefixed(head, "syslog-file"), detect, depth + 1)
        if inner is not None:
            return LinePrefixed(inner, "syslog-file")
    got = _envelope(head, strong)
    if got is None or (not strong and _asked_strong(head, got[1])):
        return None
    records, inner_head = got
    inner = _inner_reader(inner_head, detect, depth + 1)
    return Enveloped(inner, records) if inner is not None else None


def _asked_strong(head: str, inner_head: str) -> bool:
    """The strong pass (logs.detect asks unwrap strong, then weak) already asked for the reader of
    this same inner text and found none: Docker's `log`+`stream` records are strong and weak alike.
    Asked again, each level of docker-in-docker doubled the sniffs below it (2**MAX_DEPTH detects,
    fuzz20's 9-level log: 63 of them to give up)."""
    if _prefix_kind(head) is not None:  # (the strong pass read it as prefixed lines, not records)
        return False
    got = _envelope(head, True)
    return got is not None and got[1] == inner_head
