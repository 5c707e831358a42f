"""Shared by the real-excerpt audits (test_audit36 to test_audit39): a folder of excerpts quoted from
public pages, each with a verdict and its page in the folder's SOURCES.md."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from samlscan.cli import main


def assert_accounted_for(here: Path, verdicts: dict) -> None:
    """Every excerpt has a verdict, and SOURCES.md names its page."""
    files = {p.name for p in here.iterdir() if p.name != "SOURCES.md"}
    assert files == set(verdicts)
    sources = (here / "SOURCES.md").read_text(encoding="utf-8")
    assert all(f"`{name}`: http" in sources for name in files)


def run_json(command: str, path: Path) -> dict:
    """`samlscan <command> <path> --format json`, which must end without a traceback."""
    result = CliRunner().invoke(main, [command, str(path), "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return json.loads(result.stdout)


def assert_verdict(path: Path, kind: str | None, attempts: list) -> None:
    """`samlscan check` reads the excerpt as `kind` (None: not read, the input 'failed') and finds
    these (outcome, root cause, side) attempts."""
    doc = run_json("check", path)
    (inp,) = doc["inputs"]
    assert inp["kind"] == kind
    if not attempts:
        assert inp["status"] == "failed"
    assert [(a["outcome"], a["root_cause"], a["side"]) for a in doc["attempts"]] == attempts


def error_named(path: Path) -> str:
    """The one input finding's text of an excerpt that is no SAML message."""
    (finding,) = run_json("check", path)["input_findings"]
    return finding["message_text"]


def assert_error_named(path: Path, said: str, code: str) -> None:
    """The excerpt's one input finding names its error: `said` (a product or an error id) and the code."""
    text = error_named(path)
    assert text.startswith("no SAML message here, but this is") and said in text and f"({code})" in text


def assert_checked_and_scanned(path: Path, kind: str | None, attempts: list) -> None:
    """check's verdict (assert_verdict), and scan accounts for the excerpt as one input."""
    assert_verdict(path, kind, attempts)
    assert len(run_json("scan", path)["inputs"]) == 1
