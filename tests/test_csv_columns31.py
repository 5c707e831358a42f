"""--format csv: formula starts behind blanks and in full-width forms are guarded; each finding's
row names the attempt(s) whose evidence holds its place, and their root cause."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest

from samlscan.engine import Report
from samlscan.model import Attempt, Evidence, Finding, InputResult, Severity, Source
from samlscan.report import render
from samlscan.report.csvout import COLUMNS, safe_cell


@pytest.mark.parametrize("value", [" =1+1", "\t=HYPERLINK(\"http://evil\")", "  +A1", " -A1", "\t@SUM(A1)",
                                   "\uff1dHYPERLINK(\"http://evil\")", "\uff0bA1", "\uff0dA1", "\uff20SUM(A1)",
                                   " \uff1d1", "\n=1"])
def test_formula_behind_blanks_or_full_width_is_guarded(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["-300", "+4.5", "a=b", " plain", "\uff21=1", "mail@example.com"])
def test_plain_values_stay_as_they_are(value):
    assert safe_cell(value) == value


def _parse(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_rows_name_the_attempt_and_its_root_cause():
    at = datetime(2026, 1, 2, tzinfo=timezone.utc)
    fail = Attempt(at, "bob", "failure", "audience-mismatch", "sp", "fix it", ("audience-mismatch",),
                   (Evidence("a.har", "capture", "entry 2"), Evidence("sp.log", "log", "line 7")))
    ok = Attempt(at, "ann", "success", None, None, None, (), (Evidence("a.har", "capture", "entry 5"),))
    fs = (Finding("audience-mismatch", Severity.ERROR, "aud", source=Source("a.har", "entry 2"), message_ref="_r"),
          Finding("xml-reformatted-by-log", Severity.INFO, "log", source=Source("sp.log", "line 7")),
          Finding("clock-skew", Severity.WARNING, "skew", source=Source("a.har", "entry 5")),
          Finding("input-redacted", Severity.WARNING, "cut", source=Source("a.har")))
    report = Report(inputs=(InputResult("a.har", "scanned"), InputResult("sp.log", "scanned")), messages=(),
                    input_findings=fs, attempts=(ok, fail))
    text = render(report, "csv")
    assert text.split("\r\n")[0] == ",".join(COLUMNS)
    rows = _parse(text)
    assert len(rows) == len(fs)  # one row per finding
    assert [(r["code"], r["attempt"], r["root_cause"]) for r in rows] == [
        ("audience-mismatch", "2", "audience-mismatch"), ("xml-reformatted-by-log", "2", "audience-mismatch"),
        ("clock-skew", "1", ""), ("input-redacted", "", "")]
