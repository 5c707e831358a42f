"""--format csv: one row per finding, quoted so that csv.reader gives the values back."""
from __future__ import annotations

import csv
import io

from samlscan.engine import Report
from samlscan.model import Finding, InputResult, Severity, Source
from samlscan.report import render
from samlscan.report.csvout import COLUMNS, safe_cell
from samlscan.report.redact import Redactor

AWKWARD = 'Audience "https://sp.example.com/a,b"\nsecond line; tab\there'


def _report(*findings) -> Report:
    return Report(inputs=(InputResult("in.xml", "scanned"),), messages=(), input_findings=tuple(findings))


def _parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_round_trip_with_commas_quotes_and_newlines():
    f = Finding("audience-mismatch", Severity.ERROR, AWKWARD, expected="sonarqube", actual="a,b",
                hint='say "hi"', source=Source("dir, with comma/in.xml", "entry 2/body"), message_ref="_id")
    rows = _parse(render(_report(f), "csv"))
    assert rows[0] == list(COLUMNS)
    assert rows[1] == ["dir, with comma/in.xml", "entry 2/body", "_id", "audience-mismatch", "error", AWKWARD,
                       "sonarqube", "a,b", 'say "hi"', "", ""]  # (no attempt holds it)
    assert len(rows) == 2


def test_one_row_per_finding_and_none_is_empty():
    fs = [Finding("input-unreadable", Severity.ERROR, "no such file", source=Source("missing.xml")),
          Finding("clock-skew", Severity.WARNING, "skew", source=None)]
    rows = _parse(render(_report(*fs), "csv"))
    assert [r[3] for r in rows[1:]] == ["input-unreadable", "clock-skew"]
    assert rows[1][1] == "" and rows[2][0] == ""


def test_a_naive_split_would_break_on_the_same_output():
    f = Finding("audience-mismatch", Severity.ERROR, AWKWARD, source=Source("in.xml"))
    text = render(_report(f), "csv")
    assert len(text.split("\r\n")[1].split(",")) != len(COLUMNS)  # quoting is really needed here
    assert len(_parse(text)[1]) == len(COLUMNS)


def test_spreadsheet_formulas_from_hostile_values_are_neutralised():
    f = Finding("email-invalid-format", Severity.WARNING, "=HYPERLINK(\"http://evil\")", actual="@SUM(A1)",
                expected="-300", source=Source("in.xml"))
    row = _parse(render(_report(f), "csv"))[1]
    assert row[5] == "'=HYPERLINK(\"http://evil\")"
    assert row[7] == "'@SUM(A1)"
    assert row[6] == "-300"  # a plain number is left alone
    assert safe_cell("plain") == "plain" and safe_cell(None) == ""


def test_redaction_holds_in_csv():
    f = Finding("email-invalid-format", Severity.WARNING, "bad email bob@example.com", actual="bob@example.com",
                source=Source("in.xml"))
    assert "bob@example.com" in render(_report(f), "csv")
    from samlscan.report.csvout import render as render_csv

    out = render_csv(_report(f), Redactor({"bob@example.com"}))
    assert "bob@example.com" not in out
    assert _parse(out)[1][7].startswith("<email:")  # a known email has the mask its pattern gives
