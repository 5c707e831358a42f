"""Grafana Loki's exports that wrapped._envelope does not tell by itself (their shapes in
samlscan/logs/loki.py): logcli's raw output newest first, its default output with --no-labels,
Grafana Explore's CSV download, logcli's jsonl with lines past the JSON scanner's bound, Explore's
.txt of several pods. Each is read by wrapped.Enveloped (the inner text to its reader, newest-first
entries put back in order by wrapped._in_order), with the records read here."""
from __future__ import annotations

import itertools
import json
import re
from datetime import tzinfo
from typing import Any, Iterable, Iterator

from samlscan.logs import loki, wrapped
from samlscan.logs._common import MAX_TEXT_LINE, csv_dialect, csv_rows, text_lines, whole_lines
from samlscan.logs.base import TIMELINE_NOTE, Malformed, Record
from samlscan.model import LogEvent, Source

MAX_JSONL = MAX_TEXT_LINE + 64 * 1024
"""Characters of one logcli jsonl record read at most: a line of the text line bound and its JSON
(labels, time, escapes); a longer record is skipped, and said (bounded memory)."""
HEAD_RECORDS = wrapped.HEAD_RECORDS


class Records:
    """The entries of one export (wrapped.Enveloped's records): (line, text, time, stream). Kinds:
    "json" (logcli's jsonl, as wrapped names JSON lines), "grafana" (Explore's .txt, as wrapped names
    it), "grafana-csv", "raw", "bare" (logcli --no-labels)."""

    docker = False
    strong = True

    def __init__(self, kind: str, cols: dict[str, int] | None = None, delimiter: str = ",") -> None:
        self.kind, self.cols, self.delimiter = kind, cols, delimiter
        self.unsure: int | None = None
        """The line of a Grafana .txt's first row when its lines' pods cannot be told apart (UNSURE)."""

    def read(self, lines: Iterable[tuple[int, str]], path: str) -> Iterator[tuple[int, str, Any, Any] | Malformed]:
        size, said = 0, False
        for got in _entries(self, lines, path):
            if not said and not isinstance(got, Malformed):
                size += len(got[1]) + 64
                if size > wrapped.MAX_ORDERED:  # (wrapped._in_order then reads them as listed)
                    said = True
                    yield Malformed(Source(path, f"line {got[0]}"), (
                        f"a newest-first export over {wrapped.MAX_ORDERED} characters: read as listed from "
                        "its start, not put back in order (a record's lines may be read out of order)"))
            yield got


def _entries(rec: Records, lines: Iterable[tuple[int, str]], path: str) -> Iterator:
    if rec.kind == "json":
        yield from _jsonl(lines, path)
    elif rec.kind == "grafana-csv":
        yield from _csv(rec.cols or {}, lines, path, rec.delimiter)
    elif rec.kind == "grafana":
        yield from _grafana_txt(rec, lines)
    elif rec.kind == "raw":
        for no, text in text_lines(lines):
            if text.strip():
                yield no, text.rstrip("\r"), loki.line_time(text), None
    else:  # "bare"
        for no, text, when, _ in loki.entries("bare", lines, MAX_TEXT_LINE):
            yield no, text, when, None


def _jsonl(lines: Iterable[tuple[int, str]], path: str) -> Iterator:
    """logcli --output=jsonl, one record a line, up to MAX_JSONL characters each (the JSON scanner
    keeps 4 MiB of a top-level object: a java-saml dump of a huge response was dropped unsaid)."""
    for no, text, cut in whole_lines(lines, MAX_JSONL):
        if not text.strip():
            continue
        if cut:
            yield Malformed(Source(path, f"line {no}"),
                            f"a logcli record longer than {MAX_JSONL} characters: skipped")
            continue
        try:
            obj = json.loads(text)
        except (ValueError, RecursionError) as exc:
            yield Malformed(Source(path, f"line {no}"), f"invalid JSON: {str(exc)[:200]}")
            continue
        got = loki.record_of(obj) if isinstance(obj, dict) else None
        if got is None:
            yield Malformed(Source(path, f"line {no}"), "not a logcli record (line, timestamp, labels)")
            continue
        yield no, got[0], got[1], loki.stream_part(got[2])


def _csv(cols: dict[str, int], lines: Iterable[tuple[int, str]], path: str, delimiter: str) -> Iterator:
    """Grafana's CSV of Loki's logs frame: the line, its time (tsNs, else Time), its labels (JSON)."""
    rows = csv_rows(lines, path, delimiter=delimiter)  # (useExcelHeader's 'sep=' line skipped there)
    for got in rows:  # up to the header row
        if not isinstance(got, Malformed):
            break
        yield got
    for got in rows:
        if isinstance(got, Malformed):
            yield got
            continue
        no, row = got
        cell = {name: row[i] for name, i in cols.items() if i < len(row)}
        line = cell.get("Line", "")
        if not line.strip():
            continue
        ns = cell.get("tsNs", "")
        when = ns if ns.isdigit() and len(ns) == 19 else cell.get("Time")
        labels = _json_object(cell.get("labels", ""))
        yield no, line, when, loki.stream_part(labels)


def dialect(head: str) -> tuple[str, dict[str, int]] | None:
    """(delimiter, columns) of a Grafana CSV header of Loki's logs frame (loki.csv_columns), after
    useExcelHeader's 'sep=' line, or None. Grafana writes ',' (packages/grafana-data/src/utils/csv.ts getLocaleDelimiter: the separator
    of ['x', 'y'].toLocaleString(), ',' in browsers); Excel's copies the others of CSV_DELIMITERS."""
    return csv_dialect(head, loki.csv_columns)


def _json_object(text: str) -> dict | None:
    try:
        got = json.loads(text) if text[:1] == "{" else None
    except (ValueError, RecursionError):
        return None
    return got if isinstance(got, dict) else None


def _grafana_txt(rec: Records, lines: Iterable[tuple[int, str]]) -> Iterator:
    """Explore's Download logs (.txt): its rows carry no labels; when its common labels name no host,
    the rows may be several pods' lines, read as one log: said, not guessed."""
    meta: list[str] = []
    rows = [False]

    def watched():
        for no, text in lines:
            if not rows[0]:
                rows[0] = loki.GRAFANA.fullmatch(text) is not None
                if not rows[0] and len(meta) < loki.HEAD_META:
                    meta.append(text)
            yield no, text

    first = True
    for no, text, when, _ in loki.entries("grafana", watched(), MAX_TEXT_LINE):
        if first and loki.common_host(meta) is None:
            rec.unsure = no
        first = False
        yield no, text, when, None


UNSURE = ("{path}: Grafana's .txt download names no labels per line and its common labels name no pod or "
          "host: the lines of several pods, if it holds them, are read as one log (a message one pod dumped "
          "over many lines may be cut by another's); download the .json, whose rows carry their labels")
"""The note of a Grafana .txt that cannot tell its pods apart (said, not guessed)."""


class Export(wrapped.Enveloped):
    """wrapped.Enveloped over the records read here."""

    def sniff(self, head: str) -> bool:
        got = envelope(head, self.records.kind)
        return got is not None and self.inner.sniff(got[1])

    def parse(self, lines, path: str, tz: tzinfo) -> Iterator[Record]:
        """The inner reader's records, then the note of an export whose pods cannot be told apart: a
        line of the report's notes (logs.base.TIMELINE_NOTE), not a malformed line nobody reads."""
        self.records.unsure, side = None, "sp"
        for got in super().parse(lines, path, tz):
            side = got.side if isinstance(got, LogEvent) else side
            yield got
        if self.records.unsure is not None:
            yield LogEvent(Source(path, f"line {self.records.unsure}"), None, self.inner.name, side, "info",
                           UNSURE.format(path=path), raw_code=TIMELINE_NOTE)


def envelope(head: str, kind: str) -> tuple[Records, str] | None:
    """(the records, the inner head) when `head` is an export of `kind`, else None."""
    first = head.lstrip("\ufeff \t\r\n")
    if kind == "json":
        obj = _json_object(first.split("\n", 1)[0].strip())
        if obj is None or loki.record_of(obj) is None or set(obj) - {"labels", "line", "timestamp"}:
            return None
    elif kind == "grafana":
        if loki.text_kind(first) != "grafana":
            return None
    elif kind == "grafana-csv":
        got = dialect(first)
        if got is None:
            return None
        rec = Records(kind, got[1], got[0])
    elif kind == "raw":
        if not loki.newest_first(first) or loki.is_bare(first):  # (--no-labels: its time is logcli's)
            return None
    elif kind != "bare" or not loki.is_bare(first) or _syslog_file(first):
        return None
    rec = rec if kind == "grafana-csv" else Records(kind)
    entries = (got for got in rec.read(enumerate(first.split("\n"), 1), "") if not isinstance(got, Malformed))
    texts = [got[1] for got in itertools.islice(entries, HEAD_RECORDS)]
    if not texts:
        return None
    if kind in ("raw", "bare") or (len(texts) > 1 and loki.newest_first("\n".join(texts))):
        texts.reverse()  # (the inner reader sniffs the log in its order)
    return rec, "\n".join(texts)


_SYSLOG_REST = re.compile(r"[A-Za-z][\w.-]{0,254} [\w./@-]{1,64}(?:\[\d{1,10}\])?: ")
"""A syslog file's host and tag after its time (`web01 java[2231]: `): a host name, not a date."""


def _syslog_file(head: str) -> bool:
    """Every line of the head a syslog file's (rsyslog's RFC 3339 time, a host, a tag): its reader's
    (wrapped.SYSLOG_FILE), not logcli's --no-labels (whose lines are an app's: SonarQube's own date
    after logcli's time reads as a host and a tag '08:' there)."""
    rows = [m[2] for line in head.split("\n")[:loki.HEAD_META] if (m := loki.BARE.fullmatch(line.rstrip("\r")))]
    return bool(rows) and all(_SYSLOG_REST.match(r) for r in rows)


FIRST = ("json", "grafana", "grafana-csv")
"""Read before wrapped's exports (a shape of theirs read further here)."""
REVERSED = ("raw",)
"""Read when no wrapper claims the head, before the products' readers (which read it as it is)."""
LATE = ("bare",)
"""Read when no product reader claims the head as it is (an app's own RFC 3339 lines are its own),
before a syslog file's (wrapped's weak pass)."""


def unwrap(head: str, detect, depth: int, kinds: tuple[str, ...]) -> Export | None:
    """The reader of an export of one of `kinds` whose inner text a reader recognises, or None."""
    if depth >= wrapped.MAX_DEPTH:
        return None
    for kind in kinds:
        got = envelope(head, kind)
        if got is not None:
            inner = wrapped._inner_reader(got[1], detect, depth + 1)
            return Export(inner, got[0]) if inner is not None else None
    return None
