"""`--format csv`: one row per finding (RFC 4180: CRLF rows, quotes doubled), for spreadsheets."""
from __future__ import annotations

import csv
import io
import re

from samlscan.report.document import finding_dict

COLUMNS = ("input", "ref", "message", "code", "severity", "text", "expected", "actual", "hint",
           "attempt", "root_cause")
"""The last two: the login attempt(s) the finding is evidence of (their number in the report's
attempts, from 1: the JSON report's attempts[N-1]) and their root cause; empty when none."""
_KEYS = ("input", "ref", "message", "code", "severity", "message_text", "expected", "actual", "hint")
# A cell starting with one of these is run as a formula by Excel and LibreOffice (OWASP "CSV
# injection"), also after leading spaces or tabs, and in their full-width forms (U+FF1D, U+FF0B,
# U+FF0D, U+FF20, which spreadsheets with East Asian input read as the ASCII ones). Values come
# from hostile SAML, so such cells get a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_LEADING_BLANKS = " \t\r\n"
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_NO_FORMULA = "-"
"""A lone minus (a report's 'none'): a sign with nothing to act on, read by a spreadsheet as text."""


def safe_cell(value) -> str:
    """The cell text: '' for None, and a leading ' before anything a spreadsheet would evaluate."""
    if value is None:
        return ""
    text = str(value)
    if text.lstrip(_LEADING_BLANKS).startswith(_FORMULA_START) and not _NUMBER.match(text) and text != _NO_FORMULA:
        return "'" + text
    return text


def _attempts_of(report) -> dict[tuple, list[int]]:
    """{(input, ref): numbers of the attempts that hold that place (a HAR entry, a log line) as
    evidence}: a finding made there belongs to them (Attempt.findings names codes, not findings)."""
    out: dict[tuple, list[int]] = {}
    for n, a in enumerate(report.attempts, 1):
        for place in dict.fromkeys((e.input, e.ref) for e in a.evidence):
            out.setdefault(place, []).append(n)
    return out


def rows(report, redactor=None) -> list[list[str]]:
    out = []
    linked = _attempts_of(report)
    for f in report.reported_findings():
        d = finding_dict(f)
        if redactor:
            d = redactor.walk(d)
        # a message's place in its attempt's evidence is its ref, or its ID when it is a whole file's
        # (correlate.pieces: ref=m.source.ref or m.id): a pasted or raw-XML message's findings too
        ref = f.source.ref if f.source and f.source.ref is not None else f.message_ref
        numbers = linked.get((f.source.input, ref), []) if f.source else []
        causes = dict.fromkeys(report.attempts[n - 1].root_cause or "" for n in numbers)
        out.append([safe_cell(d[k]) for k in _KEYS] + [" ".join(map(str, numbers)),
                                                       safe_cell("; ".join(c for c in causes if c))])
    return out


def render(report, redactor=None) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows(report, redactor))
    return buf.getvalue()
