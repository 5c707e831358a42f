"""Grafana Loki's exports of log lines, as logcli and Grafana hand them out: each Loki entry is one
line of the original log (a DEBUG dump of many lines is as many entries) with its time and its
stream's labels. Read by wrapped.Enveloped (the inner text to the reader that recognises it, the
entries put back in order per stream, the `host`/`pod` label as the line's host); this module knows
the shapes only. Checked against the writers' source (grafana/loki, grafana/grafana, read with the
project's search tool):

* `logcli query --output=jsonl` (pkg/logcli/output/jsonl.go): `json.Marshal` of a map, keys sorted:
  `{"labels":{..},"line":"..","timestamp":"<RFC3339Nano>"}` (`labels` absent with --no-labels);
* `logcli query --output=default` (pkg/logcli/output/default.go): `<ts.Format(time.RFC3339)>
  <labels.String() padded to the widest> <strings.TrimSpace(line)>`, labels as
  `{name="value", ...}` (Go-quoted values);
* `logcli query --output=raw` (raw.go): the lines alone: the inner log as it is (no wrapper);
* the HTTP API's `/loki/api/v1/query_range` and `/query` (docs: "Loki HTTP API", streams result):
  `{"status":"success","data":{"resultType":"streams","result":[{"stream":{labels},"values":
  [["<epoch ns>","<line>"],..]},..],"stats":{..}}}`, each stream's values newest first by default
  (direction=backward); read by wrapped.loki_api_entries;
* Grafana Explore's "Download logs" (public/app/features/inspector/utils/download.ts
  downloadLogsModelAsTxt): meta lines `<label>: <JSON value>`, a blank line or two, then a row each
  `<epoch ms>\\t<ISO UTC>\\t<entry>` (before Grafana 10: `<YYYY-MM-DD HH:mm:ss.SSS in the browser's
  zone>\\t<entry>`, dateTimeFormat defaultWithMS); and as JSON (features/logs/utils.ts
  logRowsToReadableJson, `JSON.stringify` of the rows): `[{"line":..,"timestamp":"<epoch ns>",
  "date":"<ISO>","fields":{..labels}},..]` (`date` since Grafana 11). Explore lists the newest first.

Read by samlscan/logs/lokiexport.py (shapes wrapped.Enveloped does not tell by itself):

* `logcli query --output=default --no-labels` (default.go DefaultOutput.FormatAndPrintln,
  `if o.options.NoLabels`): `<ts.Format(time.RFC3339)> <strings.TrimSpace(line)>` (BARE);
* `--output=raw` without `--forward` (raw.go): the lines alone, newest first (newest_first);
* Explore's Inspect > Data > Download CSV (inspector/utils/download.ts downloadDataFrameAsCsv, `toCSV`
  of packages/grafana-data/src/utils/csv.ts): a header of the frame's field names, each quoted, then a
  row a line (`\r\n`), a value quoted when it holds '"', a newline or the delimiter; Loki's logs frame
  has the fields `labels` (JSON), `Time`, `Line`, `tsNs` (epoch ns), `id` (csv_columns);
* logcli's jsonl and Explore's .txt again: a jsonl record past the JSON scanner's bound is read up to
  the text line bound, and a .txt whose common labels name no host is said to mix them (common_host).
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterable, Iterator

from samlscan import lazyre
from samlscan.logs._common import host_name

_RFC3339 = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)"
_PAIR = r'[A-Za-z_][A-Za-z0-9_.]{0,200}="(?:[^"\\\n]|\\.){0,4096}"'
_LABELS = rf"\{{{_PAIR}(?:, {_PAIR}){{0,511}}\}}"
LOGCLI = lazyre.compile(rf"({_RFC3339}) ({_LABELS}) *(.*)", re.S)
"""A line of `logcli query --output=default`: time, labels (padded with spaces), the line."""
GRAFANA = lazyre.compile(r"(\d{10,16})\t(\d{4}-\d\d-\d\dT[^\t]{1,40})\t(.*)|"
                     r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})\t(.*)", re.S)
"""A row of Grafana's 'Download logs' .txt: `<epoch ms>\\t<ISO>\\t<entry>` (or the older local time)."""
BARE = lazyre.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d)) (.*)", re.S)
"""A line of `logcli --output=default --no-labels`: time.RFC3339 (never a fraction), the line."""
LINE_TIME = lazyre.compile(r"\[?(\d{4})[-./](\d\d)[-./](\d\d)[ T](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?(?!\d)")
"""The date and time a log line starts with (ISO, log4j's `yyyy-MM-dd HH:mm:ss,SSS`, SonarQube's
`yyyy.MM.dd HH:mm:ss`, in brackets or not): the order of a raw export's lines. At the start only: a
pretty-printed JSON export's `"createdDateTime": "..."` lines are no log's (Entra's sign-ins, newest
first, were read reversed)."""
_META = lazyre.compile(r"[^\t:\n]{1,200}: .*")
"""A meta line before Grafana's rows ('Common labels: {...}', 'Line limit: "..."')."""
_LABEL = lazyre.compile(r'(?<![A-Za-z0-9_.])([A-Za-z_][A-Za-z0-9_.]*+)="((?:[^"\\]+|\\.)*+)"')
"""A label: its name from its first character (a start inside a long word read the rest of it again)."""

HOST_LABELS = ("host", "hostname", "pod", "pod_name")
"""Labels naming the machine a stream's lines come from (Promtail's and Alloy's Kubernetes discovery
set `pod`; a static or journal scrape `host`/`hostname`): the host whose clock the line's time is."""

HEAD_META = 50
"""Meta lines read before Grafana's first row at most."""


def labels_of(text: str) -> dict[str, str]:
    """The labels of logcli's `{a="x", b="y"}` (Go-quoted values: a quote or backslash escaped)."""
    return {m[1]: re.sub(r"\\(.)", r"\1", m[2]) for m in _LABEL.finditer(text)}


def stream_part(labels: Any, fallback: Any = None) -> tuple[tuple, bool] | None:
    """A stream of entries (wrapped.Enveloped's part): its whole label set (two containers of one pod
    are two streams), the host among them first (wrapped._host_in reads it)."""
    if not isinstance(labels, dict) or not labels:
        return (("host", None, fallback), False) if fallback is not None else None
    host = next((v for k in HOST_LABELS if (v := host_name(labels.get(k)))), None)
    return ("host", host, tuple(sorted((str(k), str(v)) for k, v in labels.items()))), False


def record_of(obj: dict) -> tuple[str, Any, Any] | None:
    """(line, time, labels) of a logcli JSONL record or a Grafana JSON row, or None."""
    line, when = obj.get("line"), obj.get("timestamp")
    if not isinstance(line, str) or when is None or not line.strip():
        return None
    if set(obj) <= {"labels", "line", "timestamp"}:
        return line, when, obj.get("labels")
    if set(obj) <= {"line", "timestamp", "date", "fields"} and isinstance(obj.get("fields"), dict):
        return line, when, obj["fields"]
    return None


def text_kind(head: str) -> str | None:
    """'logcli' or 'grafana' when the head's lines are that export's (its first row a record, its
    first lines past any meta header too); None otherwise."""
    lines = [ln for ln in head.split("\n")[:HEAD_META + 50]]
    if len(head) >= 1024 and len(lines) > 1:
        lines = lines[:-1]  # may be cut by the head's size
    rows = [ln for ln in lines if ln.strip()]
    if rows and LOGCLI.fullmatch(rows[0]):
        return "logcli"
    for i, line in enumerate(rows[:HEAD_META]):
        if GRAFANA.fullmatch(line):
            return "grafana" if all(_META.fullmatch(m) for m in rows[:i]) else None
    return None


def _rows(head: str) -> list[str]:
    """The head's non-empty lines (the last dropped when the head may have cut it)."""
    lines = head.split("\n")[:HEAD_META + 50]
    if len(head) >= 1024 and len(lines) > 1:
        lines = lines[:-1]
    return [ln.rstrip("\r") for ln in lines if ln.strip()]


def is_bare(head: str) -> bool:
    """The head is `logcli --no-labels` output: its first line and three in four a BARE row (a
    Promtail multiline entry's next lines are not), none a labelled one."""
    rows = _rows(head)
    hits = sum(1 for r in rows if BARE.fullmatch(r))
    return (len(rows) >= 2 and BARE.fullmatch(rows[0]) is not None and hits * 4 >= len(rows) * 3
            and not any(LOGCLI.fullmatch(r) for r in rows))


def line_time(text: str) -> str | None:
    """The ISO form of the time a raw line starts with, or None (a record's next line)."""
    m = LINE_TIME.match(text)
    if m is None:
        return None
    frac = f".{m[7]}" if m[7] else ""
    return f"{m[1]}-{m[2]}-{m[3]}T{m[4]}:{m[5]}:{m[6]}{frac}"


def newest_first(head: str) -> bool:
    """The head's lines are a log listed newest first (logcli --output=raw's default, backward): its
    timed lines mostly go back in time, two steps back at least."""
    times = [t for r in _rows(head) if (t := line_time(r)) is not None]
    back = sum(b < a for a, b in zip(times, times[1:]))
    return back >= 2 and back > sum(b > a for a, b in zip(times, times[1:]))


def csv_columns(cells: list[str]) -> dict[str, int] | None:
    """The columns of Loki's logs frame in Grafana's CSV (`Line`, `Time`, and `labels` or `tsNs`), or
    None for another header."""
    names = [c.strip().lstrip("\ufeff").strip('"') for c in cells]
    cols = {n: names.index(n) for n in ("labels", "Time", "Line", "tsNs", "id") if n in names}
    return cols if {"Line", "Time"} <= set(cols) and ({"labels", "tsNs"} & set(cols)) else None


def common_host(meta: list[str]) -> str | None:
    """The host Grafana's 'Common labels' meta line names (the pod all rows share), or None."""
    for line in meta:
        if line.startswith("Common labels: "):
            try:
                labels = json.loads(line[len("Common labels: "):])
            except ValueError:
                return None
            got = stream_part(labels)
            return got[0][1] if got else None
    return None


def entries(kind: str, lines: Iterable[tuple[int, str]], cap: int) -> Iterator[tuple[int, str, Any, Any]]:
    """(line, text, time, labels) of each entry of a text export; a line matching no row is the
    previous entry's next line (an entry holding a newline: Promtail's multiline stage), lines before
    the first row (Grafana's meta header) are skipped. Chunks of a long line are joined up to `cap`."""
    held: tuple[int, list[str], Any, Any] | None = None
    for no, text in _whole(lines, cap):
        got = _row(kind, text)
        if got is None:
            if held is not None and sum(map(len, held[1])) + len(text) <= cap:
                held[1].append(text)
            continue
        if held is not None:
            yield held[0], "\n".join(held[1]), held[2], held[3]
        held = (no, [got[0]], got[1], got[2])
    if held is not None:
        yield held[0], "\n".join(held[1]), held[2], held[3]


def _row(kind: str, text: str) -> tuple[str, Any, Any] | None:
    if kind == "logcli":
        m = LOGCLI.fullmatch(text)
        return (m[3], m[1], labels_of(m[2])) if m else None
    if kind == "bare":
        m = BARE.fullmatch(text)
        return (m[2], m[1], None) if m else None
    m = GRAFANA.fullmatch(text)
    if m is None:
        return None
    return (m[3], m[2], None) if m[1] else (m[5], m[4], None)


def _whole(lines: Iterable[tuple[int, str]], cap: int) -> Iterator[tuple[int, str]]:
    """Numbered lines with the chunks of a long one (one number) joined, at most `cap` characters."""
    last, parts, size = None, [], 0
    for no, chunk in lines:
        if no != last:
            if last is not None:
                yield last, "".join(parts)
            last, parts, size = no, [], 0
        if size < cap:
            parts.append(chunk[:cap - size])
            size += len(parts[-1])
    if last is not None:
        yield last, "".join(parts)
