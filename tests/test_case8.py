"""Support case 8: SonarQube 9.9 (java-saml) + AD FS 2019, logs only (tests/data/case8, made by
fixtures/gen_case8.py; sources in tests/data/case8/SOURCES.md).

What a support engineer needs from the scan: one attempt per login however many exports of the AD
FS/Admin log are attached, the relying party each AD FS event names, each failure's cause and fix
for AD FS and SonarQube 9.9, and the second SP's (python3-saml) traffic kept apart from SonarQube's.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "tests" / "data" / "case8"


def _scan(*extra: str) -> dict:
    res = CliRunner().invoke(main, ["scan", str(CASE), "--format", "json", "--timezone", "Europe/Paris",
                                    "--jobs", "1", "--fail-on", "never", *extra])
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def scan() -> dict:
    return _scan()


def _refs(attempt: dict) -> set[tuple[str, str]]:
    return {(Path(e["input"]).name, e["ref"]) for e in attempt["evidence"]}


def test_generator_is_current():
    done = subprocess.run([sys.executable, str(ROOT / "fixtures" / "gen_case8.py"), "--check"],
                          check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
