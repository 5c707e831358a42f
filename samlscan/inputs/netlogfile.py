"""A net-export (NetLog JSON) file read as a stream: its constants, then its events one at a time.

Chromium writes `{"constants": {...},\\n"events": [\\n`, then each event as it comes, one a line
(`{...},\\n`), and `]` and "polledData" only when logging stops (net/log/file_net_log_observer.cc
WriteConstantsToFile, WriteEventsToFile, CloseFileAndWriteTail). The constants are decoded from the
head; each event is decoded as its line arrives, so memory holds one event, not the file. A file whose
events are not one a line (re-saved, minified, indented) is decoded from a buffer that grows a chunk at a
time, within EVENT_MAX; a file that ends inside its events (Chrome stopped or crashed: catapult
netlog_viewer/log_util.js reads it up to the cut too) simply ends.
"""
from __future__ import annotations

import json
import re
from typing import Iterator, TextIO

CHUNK = 1 << 20
HEAD_MAX = 16 << 20
"""The constants' bound (Chromium's are a few hundred KB: every event, source and error name)."""
EVENT_MAX = 16 << 20
"""One event's bound; a longer one (none Chromium writes: a read or a write is one event) is dropped."""

NOT_NETLOG = 'not a Chrome net-export (NetLog): no "constants" object'
_START = re.compile(r'\ufeff?\s*\{\s*"constants"\s*:\s*')
_EVENTS = re.compile(r'\s*,\s*"events"\s*:\s*\[')
_SKIP = re.compile(r"[\s,]*")


class Events:
    """The events of the file after its head, each a dict, once; `cut` is set when they are done:
    True when the file ended before its events and the object closed."""

    def __init__(self, fh: TextIO, rest: str):
        self.fh, self.rest, self.cut = fh, rest, False

    def __iter__(self) -> Iterator[dict]:
        dec, buf, self.rest = json.JSONDecoder(), self.rest, ""
        while True:
            pos = _SKIP.match(buf).end()
            while pos < len(buf) and buf[pos] != "]":
                try:
                    event, pos = dec.raw_decode(buf, pos)
                except ValueError:
                    break  # (an event that goes on in the next line or chunk, or bytes that are none)
                if isinstance(event, dict):
                    yield event
                pos = _SKIP.match(buf, pos).end()
            if pos < len(buf):
                if buf[pos] == "]":
                    self.cut = not self._closes(buf[pos + 1:])
                    return
                buf = buf[pos:]
            else:
                buf = ""
            line = self.fh.readline(CHUNK)
            if not line:
                self.cut = True
                return
            if len(buf) > EVENT_MAX:  # dropped, up to its line's end (where Chromium's next event starts)
                buf = ""
                while line and not line.endswith("\n"):
                    line = self.fh.readline(CHUNK)
                continue
            buf += line

    def _closes(self, tail: str) -> bool:
        """Whether the rest of the file (`,"polledData": {...}}`: read, not kept) closes the object; past
        HEAD_MAX of it, whether it ends in a brace."""
        while len(tail) <= HEAD_MAX and (chunk := self.fh.read(CHUNK)):
            tail += chunk
        if len(tail) > HEAD_MAX:
            while chunk := self.fh.read(CHUNK):
                tail = (tail + chunk)[-16:]
            return tail.rstrip().endswith("}")
        rest = tail.strip()
        try:
            return not rest or isinstance(json.loads("{" + rest[1:] if rest.startswith(",") else "{" + rest), dict)
        except ValueError:
            return rest == "}"


def open_events(fh: TextIO) -> tuple[dict, Events] | str:
    """The constants and the events of a NetLog read from `fh`, or why it is not one."""
    head, chunk = "", "-"
    while chunk and len(head) <= HEAD_MAX:
        chunk = fh.read(CHUNK)
        head += chunk
        start = _START.match(head)
        if not start:
            if len(head) >= CHUNK or not chunk:
                return NOT_NETLOG
            continue
        try:
            constants, pos = json.JSONDecoder().raw_decode(head, start.end())
        except ValueError:
            continue  # (the constants go on in the next chunk, or the file ends inside them)
        if not isinstance(constants, dict):
            return NOT_NETLOG
        events, after = _EVENTS.match(head, pos), head[pos:].strip(" \t\r\n")
        if events:
            return constants, Events(fh, head[events.end():])
        if chunk and len(after) < 64:
            continue  # (the events' head is in the next chunk)
        if not chunk and (not after or after.startswith(",") and "{" not in after):
            return constants, Events(fh, "")  # (the file ends before its first event)
        return "not a Chrome net-export (NetLog): its constants name no event types, or it has no events"
    return NOT_NETLOG
