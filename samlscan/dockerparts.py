"""Docker json-file lines written in several records, found in a log's bytes (for the prefilter).

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
_DOCKER = b'{"log":"'
_STREAM = b'","stream":"'
"""The end of a record's `log` (a '"' inside the text is escaped: these bytes are never in it)."""


def _state(data, ls: int, le: int) -> tuple[bytes, bool] | None:
    """(stream, whether its line goes on in the stream's next record) of the Docker record on
    data[ls:le], or None for a line that is no such record."""
    if data[ls:ls + len(_DOCKER)] != _DOCKER:
        return None
    at = data.find(_STREAM, ls, le)
    if at < 0:
        return None
    stream = bytes(data[at + len(_STREAM):at + len(_STREAM) + 6])
    slashes = 0
    while at - 2 - slashes > ls and data[at - 2 - slashes] == 0x5C:  # ('\\': an escaped one before 'n'?)
        slashes += 1
    ends = at - ls >= 2 and data[at - 1] == 0x6E and data[at - 2] == 0x5C and slashes % 2 == 1
    return stream, not ends


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
