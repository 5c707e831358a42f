"""Docker json-file lines written in several records (and CRI lines in 'P' parts), found in a log's
bytes (for the prefilter), and the records of a container's other stream between a record's lines.

Docker's log copier reads a container's output into a 16 KiB buffer; a line longer than that is logged
in parts, each a record of its own, every part but the last without the line's final newline in its
`log` (moby daemon/logger/copier.go `bufSize = 16 * 1024`, jsonfilelog.go marshalMessage appends '\\n'
only to a whole line or a line's last part). stdout and stderr are copied apart, so a record of the
other stream may come between two parts. A SAMLResponse an SP logs at DEBUG is often longer: its line
is kept or skipped whole (any part's keep literal keeps all of them) and a range never starts inside it.
"""
from __future__ import annotations

import re

PART = 16 * 1024
"""moby's copier buffer: a line is cut into parts of this many bytes (its log text; the record is longer)."""
MAX_GROUP = 6 * 1024 * 1024
"""Bytes of one line's records (and of the other stream's records between them) grouped at most: the
reader joins a line's text up to wrapped.MAX_JOINED characters (1 MiB), which JSON's escapes ('\\u003c',
six bytes a character) write in six times as many bytes at most. Below the prefilter's block (8 MiB),
so that a line begun in a block ends in it or the next."""
_LONG = re.compile(rb"\n(?=[^\n]{%d})" % PART)
"""The line end before a line long enough to be a part (a search for the next newline, at C speed)."""
_LOG = re.compile(rb'"log"[ \t]*:[ \t]*"((?:[^"\\\n]|\\.)*+)"')
"""A record's `log` string, in any place among its keys: Docker's json-file writes `log` first,
Fluentd and Fluent Bit re-serialise the record (`{"stream":..,"log":..}`, extra keys such as
container_name or source, a space after the colon). A '"' inside the text is escaped."""
_STREAM = re.compile(rb'"stream"[ \t]*:[ \t]*"(stdout|stderr)"')


_CRI = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d) (stdout|stderr) ([PF])\b")
"""A CRI log file's line (containerd, CRI-O): its stream, and 'P' for a part its next line of the
stream goes on (wrapped._CRI_TAG: the same lines, as the reader joins them)."""


def _state(data, ls: int, le: int) -> tuple[bytes, bool] | None:
    """(stream, whether its line goes on in the stream's next record) of the Docker record or CRI
    line on data[ls:le], or None for a line that is neither."""
    if data[ls:ls + 1] != b"{":
        cri = _CRI.match(data, ls, le)
        return (bytes(cri.group(1)), cri.group(2) == b"P") if cri is not None else None
    log = _LOG.search(data, ls, le)
    stream = _STREAM.search(data, ls, le) if log is not None else None
    if stream is None:
        return None
    end = log.end(1)
    slashes = 0
    while end - 2 - slashes >= log.start(1) and data[end - 2 - slashes] == 0x5C:  # (an escaped '\\'?)
        slashes += 1
    ends = end - log.start(1) >= 2 and data[end - 1] == 0x6E and data[end - 2] == 0x5C and slashes % 2 == 1
    return bytes(stream.group(1)), not ends


def _stream(data, ls: int, le: int) -> bytes | None:
    """The stream of the Docker record or CRI line on data[ls:le] (_state's, without reading its text)."""
    if data[ls:ls + 1] != b"{":
        cri = _CRI.match(data, ls, le)
        return bytes(cri.group(1)) if cri is not None else None
    m = _STREAM.search(data, ls, le)
    return bytes(m.group(1)) if m is not None else None


def _line_end(data, ls: int, hi: int) -> int:
    nl = data.find(b"\n", ls, hi)
    return nl + 1 if nl >= 0 else hi


def groups(data, lo: int, hi: int) -> list[tuple[int, int, bool]]:
    """(start, end, ended) of each line written in several records in data[lo:hi] (whole lines): from
    its first part's line to its last part's line end; `ended` False when data ends first (or
    MAX_GROUP bytes do: its records to there are one group)."""
    found: list[tuple[int, int, bool]] = []
    pos = lo
    starts = [lo] if lo < hi else []
    while True:
        for ls in starts:
            if ls < pos:
                continue
            le = _line_end(data, ls, hi)
            state = _state(data, ls, le)
            if state is None or not state[1] or le - ls <= PART:
                pos = le  # (no first part: the next search starts after it, not at it again)
                continue
            end, ended = _group_end(data, le, hi, state[0], ls + MAX_GROUP)
            found.append((ls, end, ended))
            pos = end
        m = _LONG.search(data, max(pos, lo + 1) - 1, hi)
        if m is None:
            return found
        starts = [m.end()]


def _group_end(data, at: int, hi: int, stream: bytes, limit: int) -> tuple[int, bool]:
    """The end of the line whose first part ends at `at`: of the stream's next record that ends its line."""
    while at < hi:
        le = _line_end(data, at, hi)
        state = _state(data, at, le)
        if state is not None and state[0] == stream and not state[1]:
            return le, True
        if le >= limit:
            return le, True  # (bounded: the rest of the line is read as lines of its own)
        at = le
    return hi, False


def inside(found: list[tuple[int, int, bool]], at: int) -> int | None:
    """The start of the group of `found` (groups' answer) that line start `at` is inside of (after its
    first line, before its end, or anywhere after the start of one the data ended in), else None."""
    for start, end, ended in found:
        if start < at and (at < end or not ended):
            return start
    return None


AHEAD = 64
"""Lines after a record start looked at for the other stream's next line (or its own stream's after a
kept record): one record of a stream comes between two lines of the other's, not thousands; a stream
silent longer is taken for one whose record ended."""


def other_stream_open(data, at: int, hi: int, starts) -> bool:
    """Whether the other stream's record goes on past line start `at` (a record start of its own
    stream): the first line after it of another stream starts no record (`starts(data, ls)`). Its
    stdout and stderr are copied apart, so a stderr record may come between two lines of a record
    printed on stdout (an XML dump over many lines): no range starts there. Looked for up to `hi`."""
    own = _stream(data, at, _line_end(data, at, hi))
    if own is None:
        return False
    ls = _line_end(data, at, hi)
    for _ in range(AHEAD):
        if ls >= hi:
            break
        le = _line_end(data, ls, hi)
        stream = _stream(data, ls, le)
        if stream is not None and stream != own:
            return not starts(data, ls)
        ls = le
    return False


def stream_spans(data, spans: list[tuple[int, int]], hi: int, starts) -> list[tuple[int, int]]:
    """`spans` (kept records, each from a record start to the next line where any record starts)
    each grown to its own stream's next record start, when a record of the other stream cut it:
    the lines of its record after that one are kept with it (and the other stream's between)."""
    out: list[tuple[int, int]] = []
    for s, e in spans:
        first = _stream(data, s, _line_end(data, s, hi))
        if first is not None:
            e = _own_end(data, e, hi, first, starts)
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _own_end(data, e: int, hi: int, stream: bytes, starts) -> int:
    """`e` when the stream's first line at or after it starts a record (or there is none in AHEAD
    lines), else the start of the stream's first line after it that does (`hi` if none)."""
    ls, grown, seen = e, False, 0
    while ls < hi and (grown or seen < AHEAD):  # (grown: to the record's end, each line once)
        seen += 1
        le = _line_end(data, ls, hi)
        if _stream(data, ls, le) == stream:
            if starts(data, ls):
                return ls if grown else e
            grown = True
        ls = le
    return hi if grown else e
