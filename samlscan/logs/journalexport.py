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


def _value(got: list[str]) -> tuple[str, int | None]:
    """(the binary value, its size when readable) of the lines after its name: the size's eight bytes
    end with its last NUL among them (a size under 2**56)."""
    text = "\n".join(got)
    last_nul = max((i for i, c in enumerate(text[:8]) if c == "\x00"), default=-1)
    return text[last_nul + 1:], _size(text[:last_nul + 1])


def _ended(got: list[str], line: str) -> bool:
    """The binary value read so far is whole (`line` comes after it)."""
    if not got:
        return False
    value, size = _value(got)
    if size is not None:  # (each line may have lost a CR to the newline translation)
        return len(value.encode("utf-8", "replace")) + len(got) >= size
    return line == "" or _FIELD.match(line) is not None


def entries(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line where the entry starts, its fields) of each entry."""
    entry: dict[str, str] = {}
    start = None
    binary: tuple[str, list[str], list[int]] | None = None  # (name, its lines so far, their size)
    for no, line in lines:
        if binary is not None:
            name, got, size = binary
            if not _ended(got, line):
                if size[0] <= MAX_VALUE:
                    got.append(line)
                    size[0] += len(line) + 1
                continue
            entry[name] = _value(got)[0]
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
            binary = (m[1], [], [0])
    if binary is not None and binary[1]:
        entry[binary[0]] = _value(binary[1])[0]
    if entry:
        yield start, entry
