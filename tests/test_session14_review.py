"""Review of the fourteenth session: what a look at the CLI with odd but valid input found."""
from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from samlscan.batch import run_scan
from samlscan.config import Expectations
from samlscan.engine import rejudged
from samlscan.report import render_chunks

ROOT = Path(__file__).resolve().parent.parent
OKTA = ROOT / "fixtures" / "responses" / "valid" / "okta.xml"
DUMPS = ROOT / "fixtures" / "logs" / "sonarqube" / "web-javasaml.log"


def _table(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "samlscan", "check", *args], capture_output=True, text=True)


def test_at_without_zone_is_named_in_the_table_not_a_crash():
    """--at without a zone is read as UTC and says so (config: at_source's own words): the table's
    'judged' line showed only the four usual sources and failed with a KeyError on these words."""
    p = _table(["--at", "2025-03-11T08:41:00", str(OKTA)])
    assert p.returncode == 0, p.stderr
    assert "judged at --at, no zone given: read as UTC" in p.stdout
    assert "internal error" not in p.stderr


def test_a_log_rejudged_in_another_zone_renders_its_reason():
    """engine.rejudged judges a log's SAML copies again at their line time moved by a measured
    zone; its MessageResult names why, in words, which the table must show as they are."""
    report = run_scan([str(DUMPS)], Expectations(), jobs=1)
    assert report.messages, "the log holds SAML dumps"
    again = rejudged(report, Expectations(), {str(DUMPS): timedelta(hours=1)})
    text = "".join(render_chunks(again, "table", False, True))
    assert "judged at log time +1 h: the log reads as another time zone (pass --timezone)" in text
