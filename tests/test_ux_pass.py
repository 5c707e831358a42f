"""The support engineer's pass over the outputs: what the table shows and how fixes read."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.codes import SPECS
from samlscan.model import Attempt, Evidence
from samlscan.report.attempts_table import SHOWN_INPUTS, evidence_cell, render_attempts

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "fixtures/scenarios/entra-javasaml"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def flat(text: str) -> str:
    """The text with its table wrapping undone."""
    return " ".join(text.split())


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _attempt(evidence, notes=(), outcome="failure"):
    return Attempt(time=datetime(2025, 3, 11, tzinfo=timezone.utc), user="dev.user1@example.com",
                   outcome=outcome, root_cause="audience-mismatch" if outcome == "failure" else None,
                   side="idp", fix="the fix", findings=(), evidence=tuple(evidence), notes=tuple(notes))


def test_evidence_of_one_input_is_one_line_in_file_order():
    cell = evidence_cell([Evidence("a.har", "capture", "entry 7"), Evidence("web.log", "log", "line 12"),
                          Evidence("a.har", "capture", "entry 5"), Evidence("web.log", "log", "line 9")])
    assert cell.splitlines() == ["a.har [entry 5, 7]", "web.log [line 9, 12]"]


def test_evidence_of_different_inputs_or_ref_kinds_is_not_merged():
    cell = evidence_cell([Evidence("a.har", "capture", "entry 2"), Evidence("b.har", "capture", "entry 1"),
                          Evidence("c.xml", "capture", "id_abc"), Evidence("c.xml", "capture", "entry 3")])
    assert cell.splitlines() == ["a.har [entry 2]", "b.har [entry 1]", "c.xml [id_abc, entry 3]"]


def test_evidence_beyond_the_shown_inputs_is_counted():
    many = [Evidence(f"log{i}.log", "log", "line 1") for i in range(SHOWN_INPUTS + 2)]
    lines = evidence_cell(many).splitlines()
    assert lines[-1] == "(+2 more input(s))" and len(lines) == SHOWN_INPUTS + 1
    assert "more" not in evidence_cell(many[:SHOWN_INPUTS])


def test_attempt_notes_are_in_the_table_and_redacted():
    from samlscan.engine import Report
    from samlscan.report.redact import Redactor

    note = "web.log [line 22]: login failure [cause|Email 'ken@example.com' is already used][IP|10.20.0.5]"
    report = Report((), (), (), attempts=(_attempt([Evidence("web.log", "log", "line 22")], [note]),))
    text = flat(render_attempts(report))
    assert "== what the evidence says" in text and "is already used" in text and "ken@example.com" in text
    red = flat(render_attempts(report, Redactor({"dev.user1@example.com"}).text))
    assert "is already used" in red and not _EMAIL.search(red) and "10.20.0.5" not in red
    quiet = render_attempts(Report((), (), (), attempts=(_attempt([], outcome="success"),)))
    assert "what the evidence says" not in quiet


def test_scan_table_quotes_the_decisive_log_line_and_names_skipped_inputs():
    r = run("scan", "--timezone", "Europe/Paris", "-q", SCENARIO)
    assert "This message has already been processed" in flat(r.output)  # SonarQube's replay refusal
    skipped = r.output.split("== skipped", 1)[1].split("\n\n", 1)[0]
    assert f"{SCENARIO}/expected.json" in skipped
    assert f"{SCENARIO}/web.log" not in skipped  # read, so not named among the skipped
    red = run("scan", "--timezone", "Europe/Paris", "-q", "--redact", SCENARIO).output
    assert "already been processed" in flat(red) and not _EMAIL.search(red)


def test_assertion_replayed_fix_tells_what_to_do_not_to_ignore_it():
    fix = SPECS["assertion-replayed"].fix
    assert "new login" in fix and "ignore" not in fix


def test_an_input_with_nothing_to_report_says_so(tmp_path):
    log = tmp_path / "web.log"
    log.write_text("2025.03.11 08:41:02 INFO  web[][o.s.s.p.ProcessEntryPoint] Starting Web Server\n"
                   "2025.03.11 08:41:03 INFO  web[][o.s.s.a.TomcatAccessLog] Tomcat is started\n")
    r = run("check", str(log))
    assert r.exit_code == 0
    assert r.stdout.startswith("nothing to report: no SAML message and no login attempt (1 log event(s)")
