"""Inputs the sixth fuzzing round made samlscan misbehave with, each minimised here, and the round's
own fuzzer (seeded, so deterministic): the support-case folders (tests/data/case*) mutated (cut
short, records duplicated and reordered, huge values, deep nesting, BOMs and other encodings, NULs
and control characters, times at the edges of datetime's range and in odd zones, candidate settings
files that contradict each other), each scanned in several formats with and without --redact."""
from __future__ import annotations

import base64
import json
import random
import re
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from case_util import ROOT
from samlscan.cli import main

DATA = ROOT / "tests" / "data"


def _scan(target: Path, fmt: str = "json", *more: str):
    result = CliRunner().invoke(main, ["scan", str(target), "--format", fmt, "-j", "1", "--fail-on", "never", *more])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1), result.output[-1500:]
    return result


def _internal_errors(result, fmt: str) -> list[str]:
    """The internal errors a report names (SARIF lists every rule, internal-error too: its results)."""
    if fmt == "sarif":
        return [r["message"]["text"] for r in json.loads(result.stdout)["runs"][0]["results"]
                if r["ruleId"] == "internal-error"]
    return re.findall(r"[^\n]*internal-error[^\n]*", result.stdout)


# --- a capture dated at the end of time ------------------------------------------------------------

def _dated(text: str, date: str) -> str:
    return re.sub(r'("startedDateTime": ")\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d', rf"\g<1>{date}", text)


@pytest.mark.parametrize("date", ["9999-12-31T23:59:59", "9999-12-31T23:59:55"])
def test_a_capture_dated_at_the_end_of_time_ends_in_no_internal_error(tmp_path, date):
    """A HAR whose startedDateTime is a '9999-12-31' placeholder (a tool's or a hand-edited
    capture's): Safari's POST to SonarQube's ACS answered in place asked for its refusal page
    within the next 10 s, past datetime's range (OverflowError: internal error, the capture lost).
    Such a time is no usable time, as a log's (model.USABLE_TIMES): the capture is read, untimed."""
    case = tmp_path / "case12"
    shutil.copytree(DATA / "case12", case)
    har = case / "safari-sonar.har"
    har.write_text(_dated(har.read_text(), date))
    for fmt in ("json", "sarif"):
        assert not _internal_errors(_scan(case, fmt), fmt)
    doc = json.loads(_scan(case).stdout)
    assert {i["status"] for i in doc["inputs"] if i["path"].endswith(".har")} == {"scanned"}
    assert not [m for m in doc["messages"] if m["input"].endswith(".har") and m.get("captured_at")]


def test_a_burp_item_dated_at_the_end_of_time_ends_in_no_internal_error(tmp_path):
    """The same in Burp's XML export ('Fri Dec 31 23:59:55 UTC 9999', its <time>)."""
    from test_paste_shapes import RAW_POST, burp_export

    page = base64.b64encode(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html></html>").decode()
    path = tmp_path / "burp.xml"
    path.write_text(burp_export("Fri Dec 31 23:59:55 UTC 9999", RAW_POST, False, 200, page))
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json", "--fail-on", "never"])
    assert result.exit_code == 0, result.output[-1500:]
    doc = json.loads(result.stdout)
    assert doc["inputs"][0]["kind"] == "burp" and not _internal_errors(result, "json")
