"""Where in an input a message starts: a SARIF region (3.30) for its findings.

A HAR's reader says where each message's value is (Source.at: its request's URL or POST body, else
its entry). For a raw XML input it is computed here:

A finding names its node by its message (Finding.message_ref: the message's ID, or '#<index>'), so
the node is the message's element. A region is given only when the message's bytes are that
file's own text (found in it as they are: not decoded from base64 or a URL, not re-encoded) and the
element is the document's root: never a guessed line.
"""
from __future__ import annotations

import re

from samlscan.xmlsafe import MAX_XML_BYTES

_PROLOG = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:(?:<\?(?:[^?]|\?(?!>))*\?>|<!--(?:[^-]|-(?!->))*-->)\s*)*<(?=[^!?])")
"""Everything before the root element's '<': BOM, XML declaration, comments, PIs (XML 1.0 [22]
prolog; a DOCTYPE is refused before parsing, xmlsafe)."""


def _read(path: str) -> bytes | None:
    """The file's bytes, or None: stdin, an archive member or a file too big for a message."""
    if path == "-" or "!" in path:
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


_ROOT_TAG = re.compile(rb"(?:[\w.-]+:)?([\w.-]+)[^>]*?\sID\s*=\s*([\"'])([^\"'<>]*)\2")
"""The root's start tag: its local name and its ID attribute (an xs:ID, an NCName: no quote, no '<')."""


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
    if path == "-" or "!" in path:
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
