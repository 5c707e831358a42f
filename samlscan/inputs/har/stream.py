"""A JSON document's array (a HAR's log.entries) streamed one element at a time."""
from __future__ import annotations

import json
import re
from typing import BinaryIO, Iterator

from samlscan.inputs.base import InputProblem
from samlscan.model import Source


MAX_STRING = 4 << 20
"""Longer JSON strings are dropped while streaming; a SAML message is far below this."""
CHUNK = 1 << 20
DROPPED = "\x00samlscan-dropped"
_DROPPED_TOKEN = b'"\\u0000samlscan-dropped"'

# One complete JSON string, or one still open at the end of the buffer (group 1 is the closing
# quote, absent when the string continues in the next chunk).
_STR = rb'"(?:[^"\\]++|\\.)*+(?:(")|\\?\Z)'
_TOK_OUT = re.compile(_STR + rb"|[{}\[\]:,]")
_TOK_IN = re.compile(_STR + rb"|[{}\[\]]")
_STR_TAIL = re.compile(rb'(?:[^"\\]++|\\.)*+(?:(")|\\?\Z)')
_CONTINUATION = bytes(range(0x80, 0xC0))  # UTF-8 continuation bytes: no code point of their own
LONE_CR = re.compile(rb"\r(?!\n)")
"""A CR alone: a line break to a SARIF viewer (3.30.2: CR, LF or CRLF) that `moved` does not count."""


def moved(line: int, column: int, text: bytes) -> tuple[int, int]:
    """(line, column) after `text`, from (line, column): 0-based lines, code points since the
    line's start (SARIF 3.30.2 columnKind unicodeCodePoints). JSON strings hold no raw line break
    (RFC 8259 section 7), so every b'\\n' is one between tokens."""
    breaks = text.count(b"\n")
    if breaks:
        line, column, text = line + breaks, 0, text[text.rfind(b"\n") + 1:]
    return line, column + (len(text) if text.isascii() else len(text.translate(None, _CONTINUATION)))


class ArrayStream:
    """Stream the elements of the JSON array at `path` (object keys from the root) as raw bytes.

    Also keeps short string members of the root object in `top`, a truncation note in `error`, and
    for the element last yielded its text position, `start` (0-based line, code points before it on
    that line; None once a CR alone broke a line before it), and its bytes, `raw`: counted as the
    bytes go by, never read again.
    """

    def __init__(self, f: BinaryIO, path: tuple[str, ...], max_string: int = MAX_STRING):
        self.f, self.path, self.max_string = f, path, max_string
        self.top: dict[str, str] = {}
        self.error: str | None = None
        self.found = False
        self.start: tuple[int, int] | None = (0, 0)
        self._cr = 0  # 1: the last bytes counted ended in a CR (a CRLF split between reads), 2: a CR alone
        self.raw = b""

    def __iter__(self) -> Iterator[bytes]:  # noqa: C901 - one small state machine
        frames: list[list] = []  # [kind 'o'/'a', key in parent, awaiting key]
        key: str | None = None
        cap: list[bytes] | None = None
        cap_depth = cap_pos = 0
        skipping = False  # inside an over-long string, not kept
        buf = b""
        offset = 0
        place, mark = (0, 0), 0  # (line, column) at buf[mark]
        while True:
            chunk = self.f.read(CHUNK)
            eof = not chunk
            if offset == 0 and chunk.startswith(b"\xef\xbb\xbf"):
                chunk = chunk[3:]
            offset += len(chunk)
            buf = buf + chunk
            pos = 0
            if cap is not None:
                cap_pos = 0
            if skipping:
                m = _STR_TAIL.match(buf, 0)
                if m.group(1) is None:  # string still open: drop all but a trailing backslash
                    keep = len(buf) - (1 if buf.endswith(b"\\") else 0)
                    place, mark = self._moved(place, buf[mark:keep]), 0
                    buf = buf[keep:]
                    if eof:
                        break
                    continue
                skipping, pos = False, m.end()
                if cap is not None:
                    cap.append(_DROPPED_TOKEN)
                    cap_pos = pos
            carry_from = len(buf)
            while True:
                m = (_TOK_IN if cap is not None else _TOK_OUT).search(buf, pos)
                if m is None:
                    break
                tok = m.group(0)
                if tok[:1] == b'"':
                    if m.group(1) is None:  # open string at the end of the buffer
                        if len(tok) > self.max_string and not eof:
                            if cap is not None:
                                cap.append(buf[cap_pos:m.start()])
                            skipping, carry_from = True, len(buf)
                        else:
                            carry_from = m.start()
                        break
                    pos = m.end()
                    if cap is not None:
                        if len(tok) > self.max_string:
                            cap.append(buf[cap_pos:m.start()])
                            cap.append(_DROPPED_TOKEN)
                            cap_pos = pos
                        continue
                    top = frames[-1] if frames else None
                    if top is not None and top[0] == "o" and top[2]:
                        key = _jstr(tok) if len(tok) < 4096 else None
                    elif top is not None and len(frames) == 1 and key is not None and len(tok) < 4096:
                        self.top[key] = _jstr(tok) or ""
                    continue
                pos = m.end()
                c = tok
                if cap is not None:
                    if c in b"{[":
                        cap_depth += 1
                    else:
                        cap_depth -= 1
                        if cap_depth == 0:
                            cap.append(buf[cap_pos:pos])
                            self.raw = b"".join(cap)
                            yield self.raw
                            cap = None
                    continue
                if c in b"{[":
                    if self._in_target(frames):
                        cap, cap_depth, cap_pos = [], 1, m.start()
                        place, mark = self._moved(place, buf[mark:cap_pos]), cap_pos
                        self._cr = 2 if self._cr == 1 else self._cr  # (a '{' follows that CR)
                        self.start = place if self._cr != 2 else None
                        continue
                    frames.append(["o" if c == b"{" else "a", key, c == b"{"])
                    key = None
                    if c == b"[" and self._at_path(frames):
                        self.found = True
                elif c in b"}]":
                    if frames:
                        frames.pop()
                    key = None
                elif c == b":":
                    if frames and frames[-1][0] == "o":
                        frames[-1][2] = False
                elif c == b",":
                    if frames and frames[-1][0] == "o":
                        frames[-1][2] = True
                    key = key if frames and frames[-1][0] == "o" and not frames[-1][2] else None
            if cap is not None and not skipping:
                cap.append(buf[cap_pos:carry_from])
                cap_pos = 0
            end = carry_from if not skipping else len(buf)
            place, mark = self._moved(place, buf[mark:end]) if mark < end else place, max(mark - end, 0)
            buf = buf[end:]
            if eof:
                break
        if cap is not None or frames or skipping:
            self.error = f"the file ends inside the JSON document (truncated at byte {offset})"

    def _moved(self, place: tuple[int, int], text: bytes) -> tuple[int, int]:
        """`moved`, noting a CR alone (a CR at the end waits for the next bytes: CRLF split by a read)."""
        if text and self._cr == 1:
            self._cr = 2 if text[:1] != b"\n" else 0
        if text and self._cr == 0 and b"\r" in text:
            m = LONE_CR.search(text)
            self._cr = 0 if m is None else 1 if m.start() == len(text) - 1 else 2
        return moved(*place, text)

    def _at_path(self, frames: list[list]) -> bool:
        """The keys from the root to the innermost frame are `path`. (Compared only at the path's
        depth: at every bracket of a value nested 100,000 deep, the whole stack was compared.)"""
        return len(frames) == len(self.path) + 1 and all(fr[1] == k for fr, k in zip(frames[1:], self.path))

    def _in_target(self, frames: list[list]) -> bool:
        return bool(frames) and frames[-1][0] == "a" and self._at_path(frames)


def _jstr(tok: bytes) -> str | None:
    try:
        return json.loads(tok)
    except ValueError:
        return None


def json_items(stream: "ArrayStream", path: str, word: str, problems: list, count: list, first: int = 0):
    """(number, object) for each item of a streamed JSON array, numbered from `first`; an item
    that is not JSON becomes a problem, one that is not an object is skipped. count[0] ends as
    the number of items."""
    for raw in stream:
        index = count[0] + first
        count[0] += 1
        try:
            item = json.loads(raw)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested past the parser's limit
            problems.append(InputProblem(Source(path, f"{word} {index}"), "input-unreadable",
                                         f"{word} is not JSON: {exc}"))
            continue
        if isinstance(item, dict):
            yield index, item


def stream_problems(stream: "ArrayStream", path: str, what: str) -> list[InputProblem]:
    """A truncated file, or one without the expected array."""
    if stream.error:
        return [InputProblem(Source(path), "input-unreadable", stream.error)]
    if not stream.found:
        return [InputProblem(Source(path), "input-not-saml", f"no {what} array")]
    return []
