"""Every generated fixture is diagnosed with exactly the codes its manifest entry expects."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from samlscan.config import build
from samlscan.engine import analyze

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text())


def diagnose(entry: dict):
    expect = build({}, FIXTURES / entry["config"])
    return analyze([str(FIXTURES / entry["file"])], expect)


@pytest.mark.parametrize("entry", MANIFEST, ids=lambda e: e["file"])
def test_fixture_gets_expected_codes(entry):
    report = diagnose(entry)
    found = {f.code for f in report.all_findings() if f.severity.value in ("error", "warning")}
    assert found == set(entry["expect"]), entry.get("note")
    infos = {f.code for f in report.all_findings() if f.severity.value == "info"}
    assert set(entry.get("expect_info", ())) <= infos
