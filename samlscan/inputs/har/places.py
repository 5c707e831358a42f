"""Where an entry's SAML value sits in the HAR's text: the line and column SARIF regions point at.

Counted while the file streams (stream.ArrayStream.start: where each entry's '{' is) and, for an
entry that yielded a message, from that entry's own bytes: no second read of the file.
"""
from __future__ import annotations

import re
from dataclasses import replace

from samlscan.inputs.har.stream import _DROPPED_TOKEN, LONE_CR, _jstr, moved
from samlscan.inputs.htmlform import SAML_FIELDS
from samlscan.model import Source

_TOK = re.compile(rb'"(?:[^"\\]++|\\.)*+"|[{}\[\]:,]')
VALUES = {"url": ("request", "url"), "text": ("request", "postData", "text")}
"""The request's values that carry a message: the redirect binding's URL, the POST body."""


def value_offsets(raw: bytes, paths: dict[str, tuple[str, ...]]) -> dict[str, tuple[int, int]]:
    """{name: (start, end)} of the JSON strings at `paths` (object keys from `raw`'s root), for
    those that are strings; the last of repeated keys, as json.loads keeps (RFC 8259 section 4)."""
    wanted = {path: name for name, path in paths.items()}
    out: dict[str, tuple[int, int]] = {}
    stack: list[list[bool]] = []  # [is an object, a key comes next]
    keys: list[str | None] = []  # the key each open container sits under (None: root, array item)
    key = None
    for m in _TOK.finditer(raw):
        c = raw[m.start():m.start() + 1]
        if c == b'"':
            if stack and stack[-1][0] and stack[-1][1]:
                key = _jstr(m.group())
            elif stack and stack[-1][0]:
                name = wanted.get((*keys[1:], key))
                if name is not None:
                    out[name] = m.span()
        elif c in b"{[":
            keys.append(key if stack and stack[-1][0] else None)
            stack.append([c == b"{", c == b"{"])
            key = None
        elif c in b"}]":
            if stack:
                stack.pop()
                keys.pop()
            key = None
        elif stack and c == b":":
            stack[-1][1] = False
        elif stack and c == b"," and stack[-1][0]:
            stack[-1][1] = True
    return out


def entry_places(raw: bytes, start: tuple[int, int] | None, values: dict = VALUES) -> dict[str, tuple]:
    """{'entry': (line, column)} of an entry whose text is `raw` and starts at `start` (0-based line,
    code points before it), 1-based; and of its `values` (the request URL and POST body), each with the SAML
    parameter names its JSON string holds. None where the bytes are not the file's (a dropped
    over-long string before it shifted them) or a CR alone broke a line before it (no start)."""
    if start is None:
        return {}
    out: dict[str, tuple] = {"entry": (start[0] + 1, start[1] + 1)}
    for name, (begin, end) in value_offsets(raw, values).items():
        if _DROPPED_TOKEN in raw[:begin] or LONE_CR.search(raw, 0, begin):
            continue
        line, column = moved(*start, raw[:begin])
        out[name] = ((line + 1, column + 1), frozenset(p for p in SAML_FIELDS if p.encode() in raw[begin:end]))
    return out


def placed(items, stream, col, places: dict, values: dict = VALUES) -> object:
    """`items` ((index, entry) from `stream`) passed on; the places of each entry that added a
    message to `col` kept in `places` (read from the stream's bytes of it before it moves on)."""
    for index, entry in items:
        before = len(col.messages)
        yield index, entry
        if len(col.messages) > before:
            places[index] = entry_places(stream.raw, stream.start, values)


def where(msg, places: dict, word: str = "entry") -> tuple[int, int] | None:
    """(line, column) of the value `msg` was read from: its request's URL or POST body when it came
    from there, else its entry's start (a Location header, a page's form, a body not recorded).
    `word`: what the file's refs call an entry ('entry N', SAML-tracer's 'request N')."""
    number, _, part = (msg.source.ref or "").removeprefix(word + " ").partition("/")
    got = places.get(int(number)) if number.isdigit() else None
    if got is None:
        return None
    value = got.get("url" if msg.binding == "redirect" else "text") if not part else None
    if value and msg.param in value[1]:
        return value[0]
    return got.get("entry")


def with_places(messages, places: dict, path: str, word: str = "entry") -> tuple:
    """The messages, each Source given its place in the file (Source.at) where known."""
    out = []
    for m in messages:
        at = where(m, places, word) if m.source.input == path else None
        out.append(replace(m, source=Source(path, m.source.ref, at)) if at else m)
    return tuple(out)
