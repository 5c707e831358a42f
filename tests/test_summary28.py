"""summary28: the scan's first screen and its closing line say the same thing.

review28 (tests/data/bundle28) found `samlscan scan` closing on '4 error(s), 7 warning(s), 7 info'
while the table's first section, the findings by code, showed one WARNING: the errors were an
unreadable input and the causes of three failed logins, shown only far below. Now:
- the closing line says where the errors and warnings are ('4 error(s) (1 input, 3 failed
  logins)'), the same for every format, and the HTML's verdict says it the same way;
- the table opens with the failed logins by cause, each with its fix (report/failed_first.py),
  before the per-message details; every section that followed still follows.
Each test below failed on the code before it.
"""
from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from samlscan.engine import Report
from samlscan.model import Attempt, Severity
from samlscan.report.document import summary
from test_review28 import bundle  # noqa: F401  (review28's bundle, with its links: the self-link is the unreadable input)

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "tests" / "data" / "bundle28" / "ticket-4711"
CASES = sorted(p for p in (ROOT / "tests" / "data").glob("case2*") if p.is_dir())
CONFIG = "fixtures/config/default.toml"
FORMATS = ("table", "json", "jsonl", "csv", "sarif", "html")
FIRST_SCREEN = 25


@functools.cache  # (a case's `scan --format json` is read by two tests: run once, the inputs never change)
def _run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("COLUMNS", None)
    return subprocess.run([sys.executable, "-m", "samlscan", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=300)


def _closing(stderr: str) -> str:
    return next(line for line in stderr.splitlines() if line.startswith("samlscan: ") and "input(s):" in line)


def test_the_closing_line_says_where_the_errors_are(bundle):
    r = _run("scan", str(bundle), "--jobs", "1")
    assert "Traceback" not in r.stderr
    # (the input warning: the bundle's 0-byte .har, input-capture-empty)
    assert _closing(r.stderr).endswith("; 4 error(s) (1 input, 3 failed-login causes), "
                                       "8 warning(s) (6 in messages, 1 input, 1 failed-login cause), 7 info")


def test_the_closing_line_is_the_same_in_every_format(bundle):
    lines = {fmt: _closing(_run("scan", str(bundle), "--jobs", "1", "--format", fmt).stderr) for fmt in FORMATS}
    assert len(set(lines.values())) == 1, lines
    assert "(1 input, 3 failed-login causes)" in lines["json"]


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_the_origins_add_up_to_the_counts(case):
    """Each severity's origins sum to the count the JSON summary gives (one count, said twice)."""
    r = _run("scan", str(case), "--format", "json", "--jobs", "1")
    import json

    found = json.loads(r.stdout)["summary"]["findings"]
    line = _closing(r.stderr)
    for sev in ("error", "warning"):
        m = re.search(rf"(\d+) {sev}\(s\)(?: \(([^)]*)\))?", line)
        assert int(m.group(1)) == found[sev], line
        parts = [int(p.split()[0]) for p in (m.group(2) or "").split(", ") if p]
        assert sum(parts) == found[sev] and (parts or not found[sev]), line


def test_the_html_verdict_says_the_errors_as_the_line_does():
    r = _run("check", "fixtures/responses/defects/input-bad-base64.b64", "--format", "html")
    assert "1 error(s) (1 input) found in the evidence." in r.stdout
    assert "; 1 error(s) (1 input), 0 warning(s), 0 info" in r.stderr


@pytest.mark.parametrize("case", [*CASES, BUNDLE], ids=lambda p: p.name)
def test_the_first_screen_names_each_failed_logins_cause_and_its_fix(case):
    import json

    causes = json.loads(_run("scan", str(case), "--format", "json", "--jobs", "1").stdout)["summary"][
        "failures_by_cause"]
    out = _run("scan", str(case), "--jobs", "1").stdout
    first = out.split("\n\n", 1)[0].splitlines()  # the block, to its blank line
    assert len(first) <= FIRST_SCREEN and first[0].startswith("== failed logins: ")
    named = [line.split(":")[0] for line in first if line[:1].isalnum()]
    assert named == list(causes)  # all of them, most first, as 'failures by cause' orders them
    assert sum(line.startswith("    fix: ") for line in first) == len(causes)
    # the sections that were there are all still there, after it
    for head in ("== findings by code", "== login attempts", "failures by cause: "):
        assert out.index(head) > out.index("== failed logins")


def test_details_keep_every_message_and_the_whole_fix(bundle):
    out = _run("scan", str(bundle), "--details", "--jobs", "1").stdout
    assert out.startswith("== failed logins: 4 of 9 attempt(s)")
    assert out.count(": Response #") == 10 - out.count(": AuthnRequest #") and ": Response #" in out
    attempts = out[out.index("== login attempts"):]
    assert "Older java-saml SPs\n" in attempts or "Older java-saml SPs accept it as is." in " ".join(attempts.split())
    first = out[:out.index("== login attempts")].split("\n\n", 1)[0]
    assert "Web App > Settings" in first and first.rstrip().endswith("response.")  # cut with ' ...', then on


def test_no_failed_login_no_block():
    out = _run("check", "--config", CONFIG, "fixtures/responses/valid/okta.xml").stdout
    assert "== failed logins" not in out and "success" in out
    failed = _run("check", "--config", CONFIG, "fixtures/responses/defects/audience-mismatch.xml").stdout
    assert failed.startswith("== failed logins: 1 of 1 attempt(s)")
    assert failed.index("== failed logins") < failed.index(": Response #0")


def _attempt(i: int, cause: str | None, user: str | None, fix: str | None) -> Attempt:
    return Attempt(time=datetime(2026, 1, 1) + timedelta(minutes=i), user=user, outcome="failure", root_cause=cause,
                   side="idp", fix=fix, findings=(), evidence=())


def _report(attempts) -> Report:
    return Report(inputs=(), messages=(), input_findings=(), attempts=tuple(attempts))


def test_many_causes_stay_on_the_first_screen_and_the_rest_are_counted():
    from samlscan.report.failed_first import SCREEN, failed_logins_block

    long_fix = "Do this one thing and then the other thing " * 12
    attempts = [_attempt(i, f"cause-{i:02}", f"u{i}", long_fix) for i in range(12)]
    attempts += [_attempt(20, "cause-00", "u99", "the latest fix"), _attempt(21, None, None, None)]
    lines = "\n".join(failed_logins_block(_report(attempts), width=80)).splitlines()
    assert len(lines) <= SCREEN + 3 and max(map(len, lines)) <= 80  # (+ its heading's 2 lines, a blank)
    assert lines[0] == "== failed logins: 14 of 14 attempt(s), by cause (each attempt, its whole fix"
    assert lines[2] == "cause-00: 2 failed login(s) (u0, u99; side idp)"
    assert lines[3] == "    fix: the latest fix"  # the latest failure's fix
    tail = " ".join(x.strip() for x in lines[next(i for i, x in enumerate(lines) if x.startswith("and ")):])
    assert tail.startswith("and 7 more cause(s) of 7 failed login(s): cause-06 (1), ") and tail.endswith("cause-11 (1), unknown (1)")
    assert any(line.endswith(" ...") for line in lines)


def test_a_failure_without_cause_is_said_so():
    from samlscan.report.document import tally
    from samlscan.report.failed_first import failed_logins_block

    lines = failed_logins_block(_report([_attempt(0, None, None, None)]))
    assert lines[1:3] == ["unknown: 1 failed login(s) (user unknown; side idp)",
                          "    fix: no cause found: see the attempt's evidence below"]
    assert summary(_report([_attempt(0, None, None, None)]))["failures_by_cause"] == {"unknown": 1}
    assert failed_logins_block(_report([])) == [] and tally(_report([]), Severity.ERROR) == "0 error(s)"
