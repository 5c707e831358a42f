"""ux44: what ux43's first-hour review left (the stderr summary on a terminal, the failed-logins block's
last line, stdin's name, the help's examples), and a second look."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from tty_util import on_a_terminal

ROOT = Path(__file__).resolve().parent.parent
CONFIG = str(ROOT / "fixtures/config/default.toml")
DEFECT = ROOT / "fixtures/responses/defects/signature-cert-mismatch.xml"
ENV = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="80")


def _run(args: list[str], stdin: bytes | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "samlscan", *args], input=stdin, capture_output=True,
                          env=ENV, cwd=cwd, timeout=300)


# 1. the summary on stderr


@pytest.mark.parametrize("columns", [60, 80])
def test_the_summary_on_a_terminal_is_wrapped_to_its_width(columns):
    text = on_a_terminal("check", "--config", CONFIG, DEFECT, columns=columns, stdout=False)
    text = text[text.index("samlscan: 1 input(s)"):]  # (after the progress bar, drawn and cleared)
    lines = [ln for ln in text.splitlines() if ln]
    assert lines[0].startswith("samlscan: 1 input(s): 1 scanned") and len(lines) > 1
    assert max(len(ln) for ln in lines) <= columns, lines
    assert all(ln.startswith(" " * len("samlscan: ")) for ln in lines[1:])
    assert " ".join(ln.strip() for ln in lines).endswith("info")


def test_the_summary_to_a_pipe_stays_one_line():
    err = _run(["check", "--config", CONFIG, str(DEFECT)]).stderr.decode()
    assert len(err.splitlines()) == 1 and len(err) > 80 and err.startswith("samlscan: 1 input(s)")


# 2. the failed-logins block's last line


def test_the_causes_not_shown_are_counted_as_failed_logins():
    from datetime import datetime, timedelta

    from samlscan.engine import Report
    from samlscan.model import Attempt
    from samlscan.report.failed_first import SCREEN, failed_logins_block

    attempts = tuple(Attempt(time=datetime(2026, 1, 1) + timedelta(minutes=i), user="u", outcome="failure",
                             root_cause=f"cause-{i % 9}", side="idp", fix="do it", findings=(), evidence=())
                     for i in range(10))
    lines = failed_logins_block(Report(inputs=(), messages=(), input_findings=(), attempts=attempts), width=80)
    assert lines[-2] == "and 2 more cause(s) of 2 failed login(s): cause-7 (1), cause-8 (1)"
    assert len(lines) <= SCREEN + 3
    assert "cause-0: 2 failed login(s) (u; side idp)" in lines


# 3. stdin's name


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv", "sarif", "html"])
def test_stdin_is_named_as_people_read_it_in_every_format(fmt):
    out = _run(["check", "-", "--format", fmt, "--config", CONFIG], stdin=DEFECT.read_bytes()).stdout.decode()
    if fmt == "html":
        assert "&lt;stdin&gt;" in out
    elif fmt == "csv":
        assert {row["input"] for row in csv.DictReader(io.StringIO(out))} == {"<stdin>"}
    elif fmt in ("json", "sarif"):
        assert '"<stdin>"' in out and '"-"' not in out
    elif fmt == "jsonl":
        assert {json.loads(ln)["input"] for ln in out.splitlines()} == {"<stdin>"}
    else:
        assert "== <stdin>: Response #0" in out and "== -" not in out


@pytest.mark.parametrize("stdin, said", [(None, "== <stdin> #0"), (b"not saml", "== <stdin>: input-not-saml")])
def test_decode_names_stdin_as_check_does(stdin, said):
    done = _run(["decode", "-"], stdin=DEFECT.read_bytes() if stdin is None else stdin)
    out = (done.stdout + done.stderr).decode()  # (a failure is said on stderr)
    assert out.startswith(said) and "== -" not in out


def test_a_file_is_still_named_by_its_path():
    out = _run(["check", str(DEFECT), "--format", "json", "--config", CONFIG]).stdout.decode()
    assert json.loads(out)["inputs"][0]["path"] == str(DEFECT)


def test_a_lone_minus_is_no_formula_but_a_minus_with_more_is():
    from samlscan.report.csvout import safe_cell

    assert safe_cell("-") == "-"
    assert safe_cell("-1+2") == "'-1+2" and safe_cell("-A1") == "'-A1" and safe_cell("- ") == "'- "
    assert safe_cell("=") == "'="


# 4. the help's examples


def _examples(command: str) -> list[str]:
    """The example command lines of `samlscan command --help`, continuation lines joined."""
    text = _run([*command.split(), "--help"]).stdout.decode()
    block = text.split("Examples", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    lines, joined = [], ""
    for ln in block:
        if not ln.strip().startswith(("samlscan", "pbpaste", "--")):
            continue
        joined += " " + ln.strip().rstrip("\\").strip()
        if not ln.rstrip().endswith("\\"):
            lines.append(joined.strip())
            joined = ""
    return lines


@pytest.mark.parametrize("command", ["", "check", "scan", "explain"])
def test_each_help_example_runs_in_a_clone(command, tmp_path):
    examples = _examples(command)
    assert examples
    for line in examples:
        if line.startswith("pbpaste | "):  # (the clipboard's: a message of the user's own)
            args = shlex.split(line.removeprefix("pbpaste | "))
            stdin = DEFECT.read_bytes()
        else:
            args, stdin = shlex.split(line), None
        assert args[0] == "samlscan"
        args = [str(tmp_path / Path(a).name) if prev in ("-o", "--output") else a
                for prev, a in zip(["", *args[1:]], args[1:])]
        r = _run(args, stdin)
        assert r.returncode in (0, 1), (line, r.stderr.decode())
        assert b"no such file" not in r.stderr, line


def test_the_example_runner_sees_a_missing_file(tmp_path):
    r = _run(["check", "response.b64"])
    assert r.returncode == 2 and b"no such file" in r.stderr


# 5. the clock-skew fix of a log read in the offset its zoned lines carry


def _app_log(tmp_path: Path, zone: str) -> Path:
    """A java-saml DEBUG dump on a zone-less line (written in UTC+2: 2 h after the IssueInstant),
    after a line of the same app carrying `zone`."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_zonemsg32 import _response

    log = tmp_path / "app.log"
    log.write_text(f"2025-03-11 10:00:00,003{zone} INFO  [exec-1] [c.a.p.a.i.w.f.ErrorHandlingFilter] start\n"
                   "2025-03-11 10:00:30,404 DEBUG [exec-1] [com.onelogin.saml2.authn.SamlResponse] processResponse "
                   f"SAMLResponse invalid --> {_response(noa='2025-03-11T10:05:00Z')}\n")
    return log


def _skew(log: Path) -> tuple[str, list[str]]:
    doc = json.loads(_run(["scan", str(log), "--format", "json", "--jobs", "1"]).stdout)
    (hint,) = [f["hint"] for m in doc["messages"] for f in m["findings"] if f["code"] == "clock-skew"]
    return hint, doc["summary"]["notes"]


def test_the_skew_fix_of_a_log_read_in_its_zoned_lines_offset_says_that_offset(tmp_path):
    hint, notes = _skew(_app_log(tmp_path, "+0300"))
    assert hint.startswith("If app.log was read in UTC+3, the offset its other lines carry, but is written in "
                           "UTC+2, the clocks agree: pass --timezone 'app.log=+02:00'."), hint
    (note,) = notes  # (one note a log: the hours it quotes responses off said in its zone note)
    assert "read in +03:00" in note and "1 h before" in note and "read as UTC" not in note


def test_the_skew_fix_of_a_log_read_as_utc_says_utc(tmp_path):
    hint, _ = _skew(_app_log(tmp_path, ""))  # (no zoned line: read as UTC)
    assert hint.startswith("If app.log was read as UTC but is written in UTC+2, the clocks agree: pass "
                           "--timezone 'app.log=+02:00'."), hint


def test_a_log_read_in_another_zone_than_utc_may_be_in_utc():
    from datetime import timedelta

    from samlscan.logzones import skew_fix

    fix = skew_fix("app.log", 3 * 3600 + 20, 180, "CLOCKS", read_in=timedelta(hours=3))
    assert fix.startswith("If app.log was read in UTC+3, the offset its other lines carry, but is written in "
                          "UTC+0") and "--timezone 'app.log=+00:00'" in fix
    assert skew_fix("app.log", 20, 180, "CLOCKS") is None  # (read as UTC, 20 s off: the clocks)


# second look: the HTML report's notes


@pytest.mark.parametrize("n, folded", [(3, 0), (8, 0), (20, 12)])
def test_the_html_summary_folds_notes_past_the_first_few(n, folded):
    from samlscan.engine import Report
    from samlscan.report import render

    notes = tuple(f"note number {i}" for i in range(n))
    page = render(Report(inputs=(), messages=(), input_findings=(), notes=notes), "html")
    shown, _, rest = page.partition('<details class="notes-more">')
    assert all(f"<li>note number {i}</li>" in shown for i in range(min(n, 8)))
    assert all(f"<li>note number {i}</li>" in rest and f"<li>note number {i}</li>" not in shown for i in range(8, n))
    assert (f"<summary>{folded} more note(s)</summary>" in rest) if folded else not rest


# second look: --redact kept samlscan's own words


def test_redact_keeps_the_fix_of_a_code_whose_words_read_like_a_keyed_value():
    out = _run(["check", "fixtures/captures/chrome-browser-clock-ahead.har", "--redact", "--format", "json"])
    hints = [f["hint"] for f in json.loads(out.stdout)["input_findings"] if f["code"] == "browser-clock-off"]
    assert hints and hints[0].startswith("Nothing to fix for the login: the SP and the IdP judge"), hints


def test_redact_keeps_every_fix_and_explanation_of_samlscan_but_masks_a_logs_user():
    from samlscan.catalog import entries
    from samlscan.codes import all_specs
    from samlscan.report.redact import Redactor

    red = Redactor(set())
    texts = [t for s in all_specs() for t in (s.summary, s.fix)]
    texts += [t for e in entries() for t in (e.explanation, e.fix) if t]
    ip_shaped = re.compile(r"\b\d+\.\d+\.\d+\.\d+\b")  # (a section number '3.4.5.2' reads as an address)
    assert [t for t in texts if red.text(t) != t and not ip_shaped.search(t)] == []
    assert "alice" not in red.text("login failed for user: alice") and "the" not in red.text("user: the")[6:]
    assert red.text("session: lost") == "session: lost" and "lostx" not in red.text("session: lostx")


# second look: `samlscan explain` of a pasted error


def test_explain_of_a_text_with_its_own_fix_gives_one_fix():
    from samlscan.explain import explain_text

    out, found = explain_text("MSIS7042: The same client browser session has made '6' requests in the last "
                              "'11' seconds.")
    assert found and out.count("Fix:") == 1 and "as the log message says" not in out
    assert "samlscan code:\nlogin-loop" in out and "Usually fixed by: the SP admin" in out


@pytest.mark.parametrize("query", ["AADSTS50011: The redirect URI 'x' specified in the request does not match "
                                   "the redirect URIs configured for the application", "reply-url-mismatch"])
def test_explain_without_a_texts_own_fix_gives_the_codes(query):
    from samlscan.codes import spec
    from samlscan.explain import explain_text

    out, found = explain_text(query)
    assert found and out.count("Fix:") == 1 and " ".join(spec("reply-url-mismatch").fix.split()[:4]) in out
