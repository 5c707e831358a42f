"""`journalctl -o export`: the journal's entries as systemd's Journal Export Format writes them
(systemd.io/JOURNAL_EXPORT_FORMATS): each field `NAME=value` on a line, an entry ended by an empty
line; a value that is not printable (a tty's colour code or CR, a line break) as `NAME`, a newline,
its size as a little-endian 64-bit integer, its bytes and a newline.

The text reaches us decoded (UTF-8, bad bytes replaced; universal newlines, so a CR of the size or
of the value may be a line end): the size is trusted only when its eight characters survive as
bytes, else a binary value ends at the next line that starts a field or ends the entry.
"""
from __future__ import annotations

import re
from typing import Iterable, Iterator

CURSOR = "__CURSOR="
"""journalctl writes every entry's cursor first: the first line of an export."""

_FIELD = re.compile(r"([A-Z0-9_]{1,64})(=|$)")
"""A field's name (journal-fields(7): upper case letters, digits and '_'), text or binary."""

MAX_VALUE = 16 * 1024 * 1024
"""Characters of one binary value kept at most (bounded: the rest of a runaway value is dropped)."""


def is_export(head: str) -> bool:
    return head.lstrip("\ufeff").startswith(CURSOR)


def _size(prefix: str) -> int | None:
    """The value's size from its 8-byte prefix (`prefix`: up to its last NUL), when it came through
    the decoding intact: eight characters (two bytes that were one UTF-8 character or CR LF are one),
    no byte replaced, no line feed (a CR, a LF or CR LF: which one is lost)."""
    if len(prefix) != 8 or any(ord(c) > 127 or c == "\n" for c in prefix):
        return None
    return int.from_bytes(prefix.encode("ascii"), "little")


def _prefix_end(text: str) -> int:
    """Where the size's eight bytes end in the text after a binary field's name: after their last NUL
    (a size under 2**56); a line feed among them splits them over two lines."""
    return 1 + max((i for i, c in enumerate(text[:8]) if c == "\x00"), default=-1)


class _Binary:
    """A binary field being read: its lines, and how many bytes of its value they hold so far (kept
    as lines come: a value of many lines is not joined again for each). Bytes and line breaks are
    counted to the end, past MAX_VALUE too (a 20 MB value stopped counting at 16 MB, never reached
    its size, and swallowed the rest of the log); the chunks of one over-long line
    (logs.CHUNK_CHARS, one line number) join with no break."""

    def __init__(self, name: str):
        self.name, self.parts, self.size, self.read, self.breaks = name, [], None, 0, 0
        self.kept: list[tuple[int, str]] = []  # (the lines as read: re-read when the size lied)
        self.last: int | None = None

    def add(self, no: int, line: str) -> None:
        if self.last is None:  # (a size split over two lines is unreadable: _size says None)
            skip = _prefix_end(line)
            size = _size(line[:skip])
            self.size, self.read = (size if size is not None and size <= MAX_VALUE else None), -skip
        keep = self.read <= MAX_VALUE  # (the line that passes it is kept whole)
        if self.last is not None and no != self.last:
            self.breaks += 1
            if keep:
                self.parts.append("\n")
        self.last = no
        self.read += len(line.encode("utf-8", "replace"))
        if keep:
            self.parts.append(line)
            self.kept.append((no, line))

    def value(self) -> str:
        text = "".join(self.parts)
        return text[_prefix_end(text):]

    def ended(self, line: str) -> bool:
        """The value read so far is whole (`line` comes after it). The newline translation made each
        line break of it one, whether it was LF, CR or CR LF, and a CR that ends it one with the LF
        after it: whole for sure once one byte a break reaches the size; with two a break and the
        closing CR, when `line` starts a field or ends the entry."""
        if self.last is None:
            return False
        at_boundary = line == "" or _FIELD.match(line) is not None
        if self.size is None:
            return at_boundary
        return self.read + self.breaks >= self.size or (
            at_boundary and self.read + 2 * self.breaks + 1 >= self.size)

    def cut(self) -> tuple[str, list[tuple[int, str]]]:
        """A value whose size ran past the end of the text (it lied): the value up to its first line
        that starts a field or ends an entry, and the lines from there on (to be read again)."""
        first = self.kept[0][0]
        for i, (no, line) in enumerate(self.kept):
            if no != first and (line == "" or _FIELD.match(line)):
                self.parts, rest = [], self.kept[i:]
                for j, (n, part) in enumerate(self.kept[:i]):
                    self.parts += ["\n", part] if j and n != self.kept[j - 1][0] else [part]
                return self.value(), rest
        return self.value(), []


def entries(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line where the entry starts, its fields) of each entry."""
    entry: dict[str, str] = {}
    start = None
    binary: _Binary | None = None
    pending: Iterable[tuple[int, str]] = lines
    while pending is not None:
        for no, line in pending:
            if binary is not None:
                if not binary.ended(line):
                    binary.add(no, line)
                    continue
                entry[binary.name] = binary.value()
                binary = None
            if line == "":
                if entry:
                    yield start, entry
                entry, start = {}, None
                continue
            m = _FIELD.match(line)
            if m is None:
                continue  # not a field (the rest of a value over MAX_VALUE)
            if start is None:
                start = no
            if m[2] == "=":
                entry[m[1]] = line[m.end():]
            else:
                binary = _Binary(m[1])
        pending = None
        if binary is not None and binary.last is not None:
            # the text ended inside the value: with a size, the size lied and what it swallowed is read again
            entry[binary.name], rest = binary.cut() if binary.size is not None else (binary.value(), None)
            binary, pending = None, rest or None
    if entry:
        yield start, entry
