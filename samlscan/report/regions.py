"""Where in an input a finding's evidence is: a SARIF region (3.30) for its result.

A HAR's reader says where each message's value is (Source.at: its request's URL or POST body, else
its entry). For a raw XML input it is computed here:

A finding names its node by its message (Finding.message_ref: the message's ID, or '#<index>'), so
the node is the message's element. A region is given only when the message's bytes are that
file's own text (found in it as they are: not decoded from base64 or a URL, not re-encoded) and the
element is the document's root: never a guessed line.

A finding that names no message is placed by its ref: a log's 'line N' (the line its reader read,
1-based, in the input's text), a capture's 'entry N' / SAML-tracer's 'request N' (where that item's
'{' is in the JSON text), a whole XML file (its root element: a metadata file's EntityDescriptor).
A file read through a compressor or out of an archive has lines of its inflated text only: no
region of the file itself (sarifout names that text as a nested artifact, SARIF 3.24.3).
"""
from __future__ import annotations

import re

from samlscan.errorpages import PAGE_REF, page_place
from samlscan.report import is_stdin
from samlscan.xmlsafe import MAX_XML_BYTES

LINE_REF = re.compile(r"^line (\d+)$")
"""A log reader's ref: the 1-based line of the input's text its record starts on."""
_ITEM_REF = re.compile(r"^(entry|request) (\d+)(?:/|$)")
"""A capture's item: a HAR's entry (numbered from 0), a SAML-tracer export's request (from 1)."""

_PROLOG = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:(?:<\?(?:[^?]+|\?(?!>))*+\?>|<!--(?:[^-]+|-(?!->))*+-->)\s*)*<(?=[^!?])")
"""Everything before the root element's '<': BOM, XML declaration, comments, PIs (XML 1.0 [22]
prolog; a DOCTYPE is refused before parsing, xmlsafe)."""


def _read(path: str) -> bytes | None:
    """The file's bytes, or None: stdin, an archive member or a file too big for a message."""
    if is_stdin(path) or "!" in path:
        return None
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_XML_BYTES + 1)
    except OSError:
        return None
    return data if len(data) <= MAX_XML_BYTES else None


def root_start(xml: bytes) -> tuple[int, int] | None:
    """(0-based line, 1-based code-point column) of the root element's '<' in `xml`. (lxml's
    sourceline is the line where the start tag ENDS: an attribute on the next line moves it.)"""
    m = _PROLOG.match(xml)
    if m is None:
        return None
    at = m.end() - 1
    line_start = xml.rfind(b"\n", 0, at) + 1
    try:
        column = len(xml[line_start:at].decode("utf-8").lstrip("\ufeff")) + 1  # (a BOM is no column)
    except UnicodeDecodeError:
        return None
    return xml.count(b"\n", 0, at), column


_ROOT_TAG = re.compile(rb"(?:[\w.-]++:)?([\w.-]++)[^>]*?\sID\s*=\s*([\"'])([^\"'<>]*)\2")
"""The root's start tag: its local name and its ID attribute (an xs:ID, an NCName: no quote, no '<').
The name is possessive: giving back its characters one by one, each tried with the rest of the tag,
was quadratic in a long name."""


def _names_root(msg, xml: bytes) -> bool:
    """The message is the document's root element (the start tag after the prolog names its kind and
    ID), not a SOAP envelope's payload: read off the tag, not by parsing the message once more."""
    m = _PROLOG.match(xml)
    tag = _ROOT_TAG.match(xml, m.end()) if m else None
    return tag is not None and tag[1].decode("ascii", "replace") == msg.kind and \
        tag[3].decode("utf-8", "replace") == msg.id


def _region(msg, data: bytes) -> dict | None:
    """Where `msg` starts in `data` (its file's bytes), when `msg` is that file's text as it is:
    the whole file (the message of a file with no ref), or its decoded bytes found once in it."""
    if msg.source.ref is None:
        at, xml = 0, data
    elif msg.xml:  # ('part 2' of a file of several messages; scans for --format html keep the bytes)
        at, xml = data.find(msg.xml), msg.xml
        if at < 0 or data.find(msg.xml, at + 1) >= 0:
            return None  # not the file's own text, or twice in it: which copy is unknown
    else:
        return None
    start = root_start(xml) if _names_root(msg, xml) else None
    if start is None:
        return None
    line, column = start
    if line == 0:
        column += len(data[data.rfind(b"\n", 0, at) + 1:at].decode("utf-8", "replace"))
    return {"startLine": data.count(b"\n", 0, at) + line + 1, "startColumn": column}


def _json_text(path: str) -> bool:
    """The file is JSON text as it is (its first character '{' or '['), the text a reader's places
    count in: not a .zhar or .har.gz inflated to be read (their places are the inflated text's)."""
    if is_stdin(path) or "!" in path:
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")[:1] in (b"{", b"[")


def message_regions(report) -> dict[tuple, dict]:
    """{(input, ref, message_ref): SARIF region} for the messages read from an XML file's own text, or
    placed by their reader in a JSON file's own text (a HAR, a SAML-tracer export)."""
    kinds = {i.path: i.kind for i in report.inputs}
    files: dict[str, bytes | None] = {}
    plain: dict[str, bool] = {}
    out = {}
    for m in report.messages:
        src = m.message.source
        if src.at is not None and src.input not in plain:
            plain[src.input] = _json_text(src.input)
        if src.at is not None and plain[src.input]:
            # where its reader saw it (a HAR's request value: inputs.har.places)
            out[(src.input, src.ref, m.message.id or f"#{m.message.index}")] = {"startLine": src.at[0],
                                                                              "startColumn": src.at[1]}
            continue
        if kinds.get(src.input) != "xml":
            continue
        if src.input not in files:
            files[src.input] = _read(src.input)
        region = _region(m.message, files[src.input]) if files[src.input] else None
        if region:
            out[(src.input, src.ref, m.message.id or f"#{m.message.index}")] = region
    return out


def inflated(kind: str | None) -> bool:
    """The input was read out of a compressor or an Office document (archives.py writes its kind as
    '<container>:<the reader's kind>', 'gzip:log:shibboleth'; a reader's own is one word or
    'log:<product>', an archive's entry 'archive:<kind>'): its refs count lines of the inflated text."""
    head, sep, _ = (kind or "").partition(":")
    return bool(sep) and head not in ("log", "archive")


def _item_starts(path: str, wanted: set[tuple[str, int]]) -> dict[tuple[str, int], dict]:
    """{(word, number): region of the item's '{'} for a HAR's entries or a SAML-tracer export's
    requests, streamed once (inputs.har.stream counts lines and columns as the bytes go by)."""
    from samlscan.inputs.har import ArrayStream, entries_path

    words = {w for w, _ in wanted}
    if len(words) != 1:
        return {}  # (one file is a HAR or a tracer export, never both)
    word = words.pop()
    last = max(n for _, n in wanted)
    out: dict[tuple[str, int], dict] = {}
    try:
        with open(path, "rb") as fh:
            if word == "entry":
                where, number = entries_path(fh.read(1 << 16)), 0
                where = ("log", "entries") if where is None else where  # (() is a bare list's, as harfile reads)
            else:
                where, number = ("requests",), 1
            fh.seek(0)
            stream = ArrayStream(fh, where)
            for _ in stream:
                if (word, number) in wanted and stream.start is not None:
                    out[(word, number)] = {"startLine": stream.start[0] + 1, "startColumn": stream.start[1] + 1}
                number += 1
                if number > last:
                    break
    except (OSError, ValueError):
        return out
    return out


def _whole_file(path: str) -> dict | None:
    """The root element's place in an XML file read as it is (its evidence is the document)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
    except OSError:
        return None
    start = root_start(head) if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<" else None
    return {"startLine": start[0] + 1, "startColumn": start[1]} if start else None


class Places:
    """Each finding's region in its input's own text (None: no place known, or not that file's text)."""

    def __init__(self, report):
        self.kinds = {i.path: i.kind for i in report.inputs}
        self.messages = message_regions(report)
        self.plain: dict[str, bool] = {}
        self.items: dict[str, dict] = {}
        self.files: dict[str, dict | None] = {}
        self.pages: dict[str, int | None] = {}
        self._wanted: dict[str, set] = {}
        # a finding of an item that names no message (a step of the capture, a sanitized value, a
        # response's cookies): where the item starts, found in one pass a file
        json_text: dict[str, bool] = {}
        for f in report.reported_findings():
            m = self._item(f)
            if m is None or not self.as_is(f.source.input):
                continue
            if f.source.input not in json_text:
                json_text[f.source.input] = _json_text(f.source.input)
            if json_text[f.source.input]:
                self._wanted.setdefault(f.source.input, set()).add(m)

    def as_is(self, path: str) -> bool:
        """The input's refs count in its file's own bytes: not stdin, an archive member or inflated text."""
        if path not in self.plain:
            self.plain[path] = not is_stdin(path) and "!" not in path and not inflated(self.kinds.get(path))
        return self.plain[path]

    @staticmethod
    def _item(f) -> tuple[str, int] | None:
        m = _ITEM_REF.match(f.source.ref) if f.source and f.source.ref else None
        return (m[1], int(m[2])) if m else None

    def region(self, f) -> dict | None:
        src = f.source
        if src is None:
            return None
        if f.message_ref is not None and (src.input, src.ref, f.message_ref) in self.messages:
            return self.messages[(src.input, src.ref, f.message_ref)]
        if not self.as_is(src.input):
            return None
        line = LINE_REF.match(src.ref) if src.ref else None
        if line:
            return {"startLine": int(line[1])} if int(line[1]) >= 1 else None
        if src.ref and src.ref.endswith(PAGE_REF):  # (an error page saved as a file: where it says its error)
            if src.input not in self.pages:
                self.pages[src.input] = page_place(src.input)
            return {"startLine": self.pages[src.input]} if self.pages[src.input] else None
        item = self._item(f)
        if item is not None and src.input in self._wanted:
            if src.input not in self.items:
                self.items[src.input] = _item_starts(src.input, self._wanted[src.input])
            return self.items[src.input].get(item)
        if src.ref is None and f.message_ref is None:
            if src.input not in self.files:
                self.files[src.input] = _whole_file(src.input)
            return self.files[src.input]
        return None
