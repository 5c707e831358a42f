"""Who wrote a HAR: recognising the file (sniff) and its log.creator / log.browser from its head."""
from __future__ import annotations

import io
import json
import re

from samlscan.inputs.har.stream import ArrayStream


_HAR_HEAD = re.compile(rb'"log"\s*:\s*\{')
_HAR_VERSION = re.compile(rb'"log"\s*:\s*\{\s*"version"')


def sniff(head: bytes) -> bool:
    """A HAR: a JSON object with a "log" object (HAR 1.2 section 'log') listing entries,
    naming its creator or starting with its version (a `"version"` elsewhere is no sign: a
    Filebeat document has a `log` object and `agent.version`/`ecs.version`), or the log object
    or its entries saved without the wrapper (entries_path)."""
    return entries_path(head) is not None


_BARE_LOG = re.compile(rb'^\{.*?"entries"\s*:\s*\[\s*\{', re.DOTALL)
_BARE_LIST = re.compile(rb'^\[\s*\{')


def _entry_first(head: bytes, path: tuple[str, ...]) -> bool:
    """The first item of the array at `path` is whole in `head` and is a HAR entry (HAR 1.2
    'entries': startedDateTime, a request with its method and url, a response), not another
    JSON list's object (an Auth0 log event has `details.request.method` too)."""
    for raw in ArrayStream(io.BytesIO(head), path):
        try:
            item = json.loads(raw)
        except (ValueError, RecursionError):
            return False
        req = item.get("request") if isinstance(item, dict) else None
        return isinstance(item.get("startedDateTime"), str) and isinstance(item.get("response"), dict) \
            and isinstance(req, dict) and isinstance(req.get("method"), str) and isinstance(req.get("url"), str)
    return False


def entries_path(head: bytes) -> tuple[str, ...] | None:
    """The keys from the document's root to its entries array, from the file's head: ('log',
    'entries') for a HAR file; ('entries',) for the log object alone, as
    chrome.devtools.network.getHAR() and Firefox's HAR.triggerExport() hand it to the extension or
    script that saves it; () for a bare array of entries (a tool's dump of log.entries). None: no
    HAR. A bare shape is one when its first item is a HAR entry (_entry_first)."""
    h = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if h.startswith(b"{") and bool(_HAR_HEAD.search(h)) and (
            any(k in h for k in (b'"entries"', b'"creator"')) or bool(_HAR_VERSION.search(h))):
        return ("log", "entries")
    where = ("entries",) if _BARE_LOG.match(h) else () if _BARE_LIST.match(h) else None
    return where if where is not None and _entry_first(h, where) else None


HEAD_OBJECT = re.compile(r'"(creator|browser)"\s*:\s*(\{[^{}]{0,2000}\})')
"""log.creator and log.browser: flat objects (HAR 1.2), read from a file's head."""


def head_objects(head: str) -> dict:
    """log.creator and log.browser as a HAR file's head holds them (the first of each)."""
    out: dict = {}
    for m in HEAD_OBJECT.finditer(head):
        try:
            out.setdefault(m.group(1), json.loads(m.group(2)))
        except ValueError:
            continue
    return out


def creator(head: bytes) -> str | None:
    """'<name> <version>' of a HAR's log.creator (HAR 1.2), from the file's head ('WebInspector
    537.36' is Chromium's DevTools, 'WebKit Web Inspector ...' Safari's, 'Firefox 131.0'); None
    when the head does not name it."""
    doc = head_objects(head.decode("utf-8", "replace")).get("creator")
    if not isinstance(doc, dict) or not isinstance(doc.get("name"), str):
        return None
    return f"{doc['name']} {doc.get('version') or ''}".strip()
