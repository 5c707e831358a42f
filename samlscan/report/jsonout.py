"""`--format json` (one document) and `--format jsonl` (one object per finding)."""
from __future__ import annotations

import json

from samlscan.report.document import document, finding_dict


def render_json(report, redactor=None) -> str:
    doc = document(report)
    if redactor:
        doc = redactor.walk(doc)
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def render_jsonl(report, redactor=None) -> str:
    lines = []
    for f in report.all_findings():
        d = finding_dict(f)
        if redactor:
            d = redactor.walk(d)
        lines.append(json.dumps(d, ensure_ascii=False, sort_keys=False))
    return "\n".join(lines) + ("\n" if lines else "")
