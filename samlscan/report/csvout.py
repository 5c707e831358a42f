"""`--format csv`: one row per finding (RFC 4180: CRLF rows, quotes doubled), for spreadsheets."""
from __future__ import annotations

import csv
import io
import re

from samlscan.report.document import finding_dict

COLUMNS = ("input", "ref", "message", "code", "severity", "text", "expected", "actual", "hint")
_KEYS = ("input", "ref", "message", "code", "severity", "message_text", "expected", "actual", "hint")
# A cell starting with one of these is run as a formula by Excel and LibreOffice (OWASP "CSV
# injection"). Values come from hostile SAML, so such cells get a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def safe_cell(value) -> str:
    """The cell text: '' for None, and a leading ' before anything a spreadsheet would evaluate."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def rows(report, redactor=None) -> list[list[str]]:
    out = []
    for f in report.reported_findings():
        d = finding_dict(f)
        if redactor:
            d = redactor.walk(d)
        out.append([safe_cell(d[k]) for k in _KEYS])
    return out


def render(report, redactor=None) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows(report, redactor))
    return buf.getvalue()
