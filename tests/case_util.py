"""What the support-case tests (test_case8.py, test_case9.py) share: a scan of the case's folder as
JSON, an attempt's evidence by file name, and the generator's --check."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from samlscan.cli import main

ROOT = Path(__file__).resolve().parents[1]


def scan_case(case: Path, zone: str, *extra: str) -> dict:
    """`samlscan scan <case> --format json`, the logs read in `zone`."""
    res = CliRunner().invoke(main, ["scan", str(case), "--format", "json", "--timezone", zone,
                                    "--jobs", "1", "--fail-on", "never", *extra])
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout)


def refs(attempt: dict) -> set[tuple[str, str]]:
    """(file name, ref) of each piece of an attempt's evidence."""
    return {(Path(e["input"]).name, e["ref"]) for e in attempt["evidence"]}


def generator_check(script: str) -> subprocess.CompletedProcess:
    """fixtures/<script> --check: exit status 0 when its committed files are current."""
    return subprocess.run([sys.executable, str(ROOT / "fixtures" / script), "--check"],
                          check=False, capture_output=True, text=True)


def folder_said(doc: dict) -> list[str]:
    """What a scan's JSON report says of the settings files found in the scanned folder: its notes
    (the files not read, or read without a certificate) and its settings-found findings (each file
    read, said there only)."""
    return doc["summary"]["notes"] + [f["message_text"] for f in doc["input_findings"]
                                      if f["code"] == "settings-found"]
