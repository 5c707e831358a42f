"""--format jsonl writes, for every finding, the bytes json writes for its finding_dict (the
encoded texts of repeated findings are reused), and the CLI's closing counts agree with the
JSON summary."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from samlscan.batch import run_scan
from samlscan.config import build
from samlscan.engine import Report
from samlscan.model import Finding, InputResult, Severity, Source
from samlscan.report import jsonout
from samlscan.report.document import counts, finding_dict, summary

ROOT = Path(__file__).resolve().parents[1]

TEXTS = ["plain", 'quo"te \\ back', "tab\there\nnew line \x01 control", "caf\u00e9 \u2014 \U0001f512", "</script>"]


def _findings() -> list[Finding]:
    out = []
    for i, text in enumerate(TEXTS * 3):  # each text three times, at other places
        out.append(Finding(code="audience-mismatch", severity=list(Severity)[i % 3], message_text=text,
                           expected=None if i % 2 else text, actual=text if i % 3 else None,
                           hint=None if i % 4 == 0 else f"hint {text}",
                           source=Source(f"in{i}\u00e9.log", None if i % 5 == 0 else f"line {i}") if i % 7 else None,
                           message_ref=None if i % 2 else f"_id{i}"))
    return out


def _report(findings) -> Report:
    return Report(inputs=(InputResult("in.log", "scanned"), InputResult("x", "skipped", reason="r")),
                  messages=(), input_findings=tuple(findings))


@pytest.mark.parametrize("kept", [jsonout.TAILS_KEPT, 2, 0])
def test_lines_are_json_of_finding_dict(monkeypatch, kept):
    monkeypatch.setattr(jsonout, "TAILS_KEPT", kept)
    findings = _findings()
    lines = list(jsonout.jsonl_lines(_report(findings)))
    assert lines == [json.dumps(finding_dict(f), ensure_ascii=False) + "\n" for f in findings]
    assert [json.loads(line) for line in lines] == [finding_dict(f) for f in findings]


def test_tail_keys_follow_finding_dict():
    d = finding_dict(_findings()[1])
    assert tuple(d)[3:] == jsonout.TAIL_KEYS and tuple(d)[:3] == ("input", "ref", "message")


def test_redacted_lines_take_the_general_path():
    from samlscan.report.redact import Redactor

    f = Finding(code="audience-mismatch", severity=Severity.ERROR, message_text="user alice@example.com failed",
                source=Source("a.log", "line 1"))
    line = next(jsonout.jsonl_lines(_report([f]), Redactor()))
    assert "alice@example.com" not in line and json.loads(line)["code"] == "audience-mismatch"


def test_counts_are_the_summary_counts():
    expect = build({"idp_cert": [], "idp_metadata": [], "sp_key": [], "sonar_settings": None, "at": None},
                   ROOT / "fixtures" / "config" / "default.toml")
    report = run_scan([str(ROOT / "fixtures" / "responses" / "defects")], expect, jobs=1)
    s, c = summary(report), counts(report)
    assert c == {k: s[k] for k in c}
    assert c["findings"]["error"] > 0 and c["inputs"] == c["scanned"] + c["skipped"] + c["failed"]
    synthetic = counts(_report(_findings()))
    assert synthetic["findings"] == {"error": 5, "warning": 5, "info": 5}
    assert (synthetic["scanned"], synthetic["skipped"]) == (1, 1)
