"""`--format json` (one document) and `--format jsonl` (one object per finding)."""
from __future__ import annotations

import json

from samlscan.report.document import document, finding_dict


PRETTY_LIMIT = 200
"""Up to this many messages and events the document is indented for people; beyond, it is
compact: json's indenting encoder is pure Python and costs more than the checks on big scans."""


def render_json(report, redactor=None) -> str:
    doc = document(report)
    if redactor:
        doc = redactor.walk(doc)
    small = len(report.messages) + len(report.events) <= PRETTY_LIMIT
    return json.dumps(doc, indent=2 if small else None, ensure_ascii=False) + "\n"


_ONE_LINE = json.JSONEncoder(ensure_ascii=False).encode
"""One encoder for every line (json.dumps with options builds a new one per call)."""


def jsonl_lines(report, redactor=None):
    """One JSON object per finding, one line each, produced lazily."""
    for f in report.reported_findings():
        d = finding_dict(f)
        if redactor:
            d = redactor.walk(d)
        yield _ONE_LINE(d) + "\n"
