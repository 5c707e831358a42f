"""A big JSON export (a top-level array of objects, or an envelope such as Graph's {"value": [..]})
read in ranges cut at its elements' boundaries, each element parsed at C speed.

The readers parse such an export through logs._common.iter_json, whose bounded scanner walks every
bracket and quote in Python (~3.5 MB/s: 72 s for a 250 MB Okta export). Here each element is parsed by
json's own scanner and handed to iter_json already parsed (logs._common.Element); what is not a
plain element (the document's head and tail, an element json refuses or one over MAX_RECORD) is
handed over as the lines the whole reading gives, so the scanner says what it always said of it.
A range other than the first starts the scanner in the state it has between two elements
(logs._common.Resume), so every range reads as that part of the whole reading (tests/test_jsonarr27.py).
"""
from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Iterator

from samlscan.logs import CHUNK_CHARS
from samlscan.logs._common import MAX_ENVELOPE, MAX_RECORD, NOT_PARSED, Element, Resume, Suspend, damage_only

READERS = frozenset(("okta", "entra", "google", "auth0", "authentik", "jumpcloud", "duo", "cloudtrail", "forgerock",
                     "onelogin"))
"""Readers whose JSON goes through logs._common.json_events (an array's elements are their records)."""
BLOCK = 8 * 1024 * 1024
ELEMENT_MAX = 16 * 1024 * 1024
"""An element longer than this (bytes) is not looked for whole: an export holding one is read as one
range, the whole reading's way (its scanner refuses it as over MAX_RECORD without holding it)."""
ENVELOPE_SPLIT = 4 * MAX_ENVELOPE + 4
"""An envelope is cut only this far (bytes) past its '{': the whole reading buffers its first
MAX_ENVELOPE characters (a character is 4 bytes at most) to tell a wrapper from a record, and streams
its elements only after that."""
DEPTH = 8
"""Brackets an element may nest inside its own for the planner to cut the export (deeper: one range)."""

_TOKEN = re.compile(r'[\[\]{}"\\]')
_SEP = re.compile(r"[ \t\n\r,]*")
_BSEP = re.compile(rb"[ \t\n\r,]*")
_STR = r'"(?:[^"\\\n\r]++|\\[^\n\r])*+"'


def _level(depth: int) -> str:
    """Balanced, type-matched brackets `depth` deep, strings whole (a string holds no line end: RFC 8259 7)."""
    base = r'[^"\[\]{}]++|' + _STR
    if depth == 0:
        return "(?:" + base + ")*+"
    inner = _level(depth - 1)
    return "(?:" + base + r"|\{" + inner + r"\}|\[" + inner + r"\])*+"


@cache
def _element_re(kind: type = str) -> re.Pattern:
    """An element whole: a '{', its contents DEPTH deep, its '}' (compiled on first use: ~0.3 s)."""
    pattern = r"\{" + _level(DEPTH) + r"\}"
    return re.compile(pattern if kind is str else pattern.encode())


_LONE_CR = re.compile(rb"\r(?!\n)")


def _lone_cr(data: bytes, lo: int, eof: bool) -> bool:
    """A CR with no LF after it in data[lo:]; one ending a block that is not the file's last is left to
    the next block's check (which starts at it). Searched to the end: an end position would hide the
    LF of a CRLF ending the block from the look-ahead (a CRLF export was read whole: fuzz25)."""
    m = _LONE_CR.search(data, lo)
    return m is not None and (eof or m.start() < len(data) - 1)


@dataclass(frozen=True)
class JsonArray:
    """Where an export's elements start: `first`, the byte offset of the first element; `stack`, the
    brackets open there ('[', or '{' .. '[' for an envelope); `top_line`, the line of an envelope's '{'."""

    first: int
    stack: str
    top_line: int


def _universal(text: str) -> str:
    """Line ends as the whole reading sees them (TextIOWrapper's universal newlines)."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def opening(text: str) -> tuple[int, str, int] | None:
    """(index of the first element, brackets open there, line of the outer '{' or 0) of a document
    opening as an array of objects or an envelope holding one (its other values before it, closed);
    None otherwise (an array of arrays or values, a '{' in an array before it, a bracket closing
    the document or not matching, nothing but whitespace before '[')."""
    stack: list[str] = []
    in_string = skip = False
    top_at = -1
    for m in _TOKEN.finditer(text):
        ch, at = m.group(), m.start()
        if not stack and text[:at].strip():
            return None
        if in_string:
            if skip:
                skip = False
            elif ch == "\\":
                skip = at + 1 < len(text) and text[at + 1] in '"\\'
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch == "{" and stack and stack[-1] == "[":
            return at, "".join(stack), (text.count("\n", 0, top_at) + 1 if top_at >= 0 else 0)
        elif ch in "[{":
            if not stack and ch == "{":
                top_at = at
            stack.append(ch)
        elif ch in "]}" and len(stack) > 1 and stack[0] == "{" and (stack[-1] == "{") == (ch == "}"):
            stack.pop()  # an envelope's value before its array (OneLogin's "status": {..}, "pagination": {..})
        else:
            return None  # the document's end, a bracket not matching (or a stray backslash) before the first element
    return None


def array_reader(head: bytes, found, size: int):
    """(parser, JsonArray) when the engine reads this file with one of READERS and it is such an
    export; None otherwise. A small envelope is read whole (its wrapper decides what its records are)."""
    if found.kind != "log" or getattr(found.parser, "name", None) not in READERS:
        return None
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head[:64]:
        return None  # UTF-16: read whole (textcodec)
    bom = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    text = head[bom:].decode("utf-8", "replace")
    got = opening(_universal(text))
    if got is None:
        return None
    at, stack, top_line = got
    if stack != "[" and size <= ENVELOPE_SPLIT:
        return None
    raw = opening(text)  # (the same walk on the bytes' own line ends: the offset in the file)
    if raw is None:
        return None
    return found.parser, JsonArray(bom + len(text[:raw[0]].encode("utf-8", "replace")), stack, top_line)


def ranges(path: str, size: int, arr: JsonArray, split: int) -> list[tuple[int, int]] | None:
    """[start, end) ranges about `split` bytes each, cut at element starts; None when the export is
    not one the ranges can be read from exactly (an element deeper than DEPTH or over ELEMENT_MAX, a
    broken bracket or string, a lone CR, which the whole reading takes for a line end)."""
    cuts = [0]
    floor = arr.first + (ENVELOPE_SPLIT if arr.stack != "[" else 0)
    want = max(split, floor)
    with open(path, "rb") as fh:
        fh.seek(arr.first)
        base, data = arr.first, fh.read(BLOCK)  # data[0] is the byte at offset `base`
        pos, eof = 0, len(data) < BLOCK
        if _lone_cr(data, 0, eof):
            return None
        while True:
            if not eof and len(data) - pos < ELEMENT_MAX // 2:
                more = fh.read(BLOCK)
                eof = len(more) < BLOCK
                data, base, pos = data[pos:] + more, base + pos, 0
                if _lone_cr(data, max(0, len(data) - len(more) - 1), eof):
                    return None
            pos = _BSEP.match(data, pos).end()
            if pos >= len(data):
                return None  # unterminated: read whole
            if data[pos] != 0x7B:  # '{'
                eol = data.find(b"\n", pos)
                if eol >= 0 and damage_only(data[pos:eol].decode("utf-8", "replace")):
                    pos = eol  # a damaged line between elements (element_lines hands it to the scanner)
                    continue
                break  # the array's end (or something else: the last range reads it raw)
            m = _element_re(bytes).match(data, pos)
            if m is None:
                return None
            if base + pos >= want and base + pos < size:
                cuts.append(base + pos)
                want = base + pos + split
            pos = m.end()
    cuts.append(size)
    return list(zip(cuts, cuts[1:]))


_SCAN = json.JSONDecoder().scan_once


def element_lines(fh, start: int, end: int, size: int, arr: JsonArray, counter: list,
                  first_line: int = 0) -> Iterator[tuple[int, str]]:
    """What the whole reading's iter_json is given for [start, end) of the export: raw lines for its
    head and tail, an Element for each element, a Resume first and a Suspend last for a range inside.
    counter[0] ends as the newlines in the range (batch numbers the next range's lines from it)."""
    whole = start == 0 and end >= size
    reader = _Text(fh, start, end, lone_cr=whole)
    no = first_line + 1
    newlines = 0
    if start == 0:
        reader.fill(arr.first + 1)
        at = opening(reader.text)
        at = at[0] if at else 0
        yield from _raw(reader.text[:at], no, 0)
        nl = reader.text.count("\n", 0, at)
        newlines, no = nl, no + nl
        reader.line_start, reader.pos = reader.text.rfind("\n", 0, at) + 1, at
    else:
        yield no, Resume(arr.stack, arr.top_line)
    while True:
        text, pos = reader.text, reader.pos
        m = _SEP.match(text, pos)
        nl = text.count("\n", pos, m.end())
        if nl:
            reader.line_start = text.rfind("\n", pos, m.end()) + 1
        newlines, no, reader.pos = newlines + nl, no + nl, m.end()
        if reader.pos >= len(text):
            if reader.more():
                continue
            break
        if text[reader.pos] != "{":
            eol = text.find("\n", reader.pos)
            if eol < 0 and reader.more(ELEMENT_MAX):
                continue
            if eol < 0 or not damage_only(text[reader.pos:eol]):
                break
            # a damaged line between elements (NULs a crash left): the scanner counts it, the elements go on
            yield from _raw(text[reader.pos:eol], no, (reader.pos - reader.line_start) % CHUNK_CHARS)
            reader.pos = eol
            continue
        got = _element(reader)
        if got is None:
            break
        obj, e = got
        text, pos = reader.text, reader.pos  # (read further: moved)
        nl = text.count("\n", pos, e)
        col = (pos - reader.line_start) % CHUNK_CHARS
        yield no, Element(obj if (e - pos) - nl <= MAX_RECORD else NOT_PARSED, text[pos:e], col, no + nl)
        newlines, no = newlines + nl, no + nl
        if nl:
            reader.line_start = text.rfind("\n", pos, e) + 1
        reader.pos = e
    if end >= size:  # the tail (the array's end, the envelope's other keys), or what could not be split
        newlines += yield from _raw_tail(reader, no)
    elif reader.pos < len(reader.text) or reader.more():
        raise ValueError(f"bytes {start}-{end} are not whole elements of a JSON array")
    else:
        yield no, Suspend()
    counter[0] = newlines


def _element(reader: "_Text"):
    """(object or NOT_PARSED, end) of the element at reader.pos, reading further when it is cut by the
    end of what is read; None when none can be found (the rest is read raw)."""
    while True:
        text, pos = reader.text, reader.pos
        try:
            obj, e = _SCAN(text, pos)
            return obj, e
        except StopIteration as exc:
            bad = exc.value
        except json.JSONDecodeError as exc:
            bad = exc.pos
        except (ValueError, RecursionError):
            bad = -1
        if bad >= len(text) - 1 and reader.more(ELEMENT_MAX):
            continue
        m = _element_re().match(text, pos)
        if m is not None:
            return NOT_PARSED, m.end()
        if reader.more(ELEMENT_MAX):
            continue
        return None


def _raw(text: str, no: int, col: int) -> Iterator[tuple[int, str]]:
    """Numbered lines of `text` as logs.iter_lines gives them (a line over CHUNK_CHARS in chunks
    sharing its number); `col`: characters of its first line before it (blanked: the scanner only
    counts them for its columns)."""
    lines = text.split("\n")
    if lines and not lines[-1]:
        lines.pop()
    for k, line in enumerate(lines):
        if k == 0 and col:
            line = " " * col + line
        for at in range(0, max(len(line), 1), CHUNK_CHARS):  # (the head: no line of it is that long)
            yield no + k, line[at:at + CHUNK_CHARS]


def _raw_tail(reader: "_Text", no: int):
    """The lines of the rest of the file, streamed, in logs.iter_lines's chunks (a line's k-th chunk
    is its characters k*CHUNK_CHARS on, a line of exactly that many is followed by an empty one, as
    readline(CHUNK_CHARS) gives them); the characters of the first line already read are blanked.
    Returns the newlines read."""
    buf = " " * ((reader.pos - reader.line_start) % CHUNK_CHARS)
    real, newlines = False, 0
    while True:
        text, i, n = reader.text, reader.pos, len(reader.text)
        while i < n:
            nl = text.find("\n", i)
            stop = nl if nl >= 0 else n
            while i < stop:
                take = min(CHUNK_CHARS - len(buf), stop - i)
                buf, i, real = buf + text[i:i + take], i + take, True
                if len(buf) == CHUNK_CHARS:
                    yield no, buf
                    buf, real = "", False
            if nl >= 0:
                yield no, buf
                buf, real, i, no, newlines = "", False, nl + 1, no + 1, newlines + 1
        reader.pos = n
        if not reader.more():
            break
    if real:
        yield no, buf
    return newlines


class _Text:
    """The decoded text of [start, end) of a file, read block by block: `text[pos:]` is what is left,
    `line_start` where the line at `pos` starts in `text` (negative: before it)."""

    def __init__(self, fh, start: int, end: int, lone_cr: bool) -> None:
        self.fh, self.left, self.lone_cr = fh, end - start, lone_cr
        fh.seek(start)
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.text, self.pos, self.line_start = "", 0, 0
        self.cr = False  # a CR ended the last block: its LF may start the next
        self.first = start == 0

    def more(self, limit: int | None = None) -> bool:
        """Read the next block onto what is left; False at the range's end (or past `limit` chars)."""
        if self.left <= 0 or (limit is not None and len(self.text) - self.pos > limit):
            return False
        raw = self.fh.read(min(BLOCK, self.left))
        self.left = self.left - len(raw) if raw else 0
        piece = self.decoder.decode(raw, final=self.left <= 0)
        if self.first:
            piece = piece[1:] if piece.startswith("\ufeff") else piece
            self.first = False
        if self.cr:
            piece = "\r" + piece
        self.cr = piece.endswith("\r") and self.left > 0
        if self.cr:
            piece = piece[:-1]
        piece = piece.replace("\r\n", "\n") if "\r" in piece else piece
        if self.lone_cr and "\r" in piece:
            piece = piece.replace("\r", "\n")
        self.take(self.pos)
        self.text += piece
        return True

    def fill(self, chars: int) -> None:
        while len(self.text) - self.pos < chars and self.more():
            pass

    def take(self, pos: int) -> None:
        """Drop the text before `pos` (kept: the line start's place relative to it): once a block."""
        self.text, self.line_start, self.pos = self.text[pos:], self.line_start - pos, 0

