"""`--format json` (one document) and `--format jsonl` (one object per finding)."""
from __future__ import annotations

import json
import re

from samlscan.report.document import document, document_parts, finding_dict


PRETTY_LIMIT = 200
"""Up to this many messages and events the document is indented for people; beyond, it is
compact: json's indenting encoder is pure Python and costs more than the checks on big scans."""


def render_json(report, redactor=None) -> str:
    return "".join(json_chunks(report, redactor))


def json_chunks(report, redactor=None):
    """The JSON document in pieces: beyond PRETTY_LIMIT (compact), without --redact, each element of
    its lists is made and encoded as it is written, the bytes json.dumps writes for the whole (its
    separators ', ' and ': '), not a dict of every attempt and then a string of the whole document
    (both scale with a big IdP export's 100,000s of sign-ins). --redact walks the whole document."""
    small = len(report.messages) + len(report.events) <= PRETTY_LIMIT
    if small or redactor:
        doc = document(report)
        if redactor:
            doc = redactor.walk(doc)
        yield one_line(json.dumps(doc, indent=2 if small else None, ensure_ascii=False)) + "\n"
        return
    yield "{"
    for k, (key, value) in enumerate(document_parts(report)):
        yield (", " if k else "") + _ONE_LINE(key) + ": "
        if isinstance(value, map):
            yield "["
            for i, item in enumerate(value):
                yield one_line((", " if i else "") + _ONE_LINE(item))
            yield "]"
        else:
            yield one_line(_ONE_LINE(value))
    yield "}\n"


_ONE_LINE = json.JSONEncoder(ensure_ascii=False).encode
"""One encoder for every line (json.dumps with options builds a new one per call)."""
_STRING = json.encoder.encode_basestring
"""How that encoder writes a str (ensure_ascii=False)."""
TAILS_KEPT = 4096


def jsonl_lines(report, redactor=None):
    """One JSON object per finding, one line each, produced lazily: the bytes json writes for
    finding_dict. A failure repeats for every login until it is fixed, so the part of a line after
    its place (code, texts, hint) is encoded once per distinct finding (0.35 -> 0.24 s for the
    84,000 findings of a 1 GB log)."""
    tails: dict = {}
    for f in report.reported_findings():
        if redactor:
            yield one_line(_ONE_LINE(redactor.walk(finding_dict(f)))) + "\n"
            continue
        texts = (f.code, f.severity.value, f.message_text, f.expected, f.actual, f.hint)
        tail = tails.get(texts)
        if tail is None:
            tail = _ONE_LINE(dict(zip(TAIL_KEYS, texts)))[1:] + "\n"
            if len(tails) < TAILS_KEPT:
                tails[texts] = tail
        src = f.source
        yield one_line(f'{{"input": {_text(src.input if src else None)}, "ref": {_text(src.ref if src else None)}, '
                        f'"message": {_text(f.message_ref)}, {tail}')


_RAW = "".join(map(chr, range(0x80, 0xA0))) + "\u2028\u2029"
_BREAKS = re.compile(f"[{_RAW}]")
_ESCAPED = {ord(c): f"\\u{ord(c):04x}" for c in _RAW}


def one_line(line: str) -> str:
    """`line` with the characters json leaves raw escaped: the line breaks (NEL, LINE and PARAGRAPH
    SEPARATOR: a file name's), which readers that split lines as Python's str.splitlines or
    JavaScript's line terminators do would cut the record at, and the other C1 controls (a
    value's U+009B is an 8-bit CSI to a terminal the report is printed on: ECMA-48 5.3). JSON
    escapes C0 itself (RFC 8259 section 7); the escape reads back as the same string."""
    return line if line.isascii() or not _BREAKS.search(line) else line.translate(_ESCAPED)


TAIL_KEYS = ("code", "severity", "message_text", "expected", "actual", "hint")
"""finding_dict's keys after the finding's place (input, ref, message), in its order."""


def _text(v: str | None) -> str:
    return "null" if v is None else _STRING(v)
