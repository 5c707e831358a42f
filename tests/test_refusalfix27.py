"""The fix of a HAR of SonarQube's refusal page alone asks first for a capture with 'Preserve log'."""
from __future__ import annotations

from pathlib import Path

from samlscan.cli import _correlated
from samlscan.config import build
from samlscan.engine import analyze

CASE = Path(__file__).resolve().parents[1] / "tests" / "data" / "case26"


def test_a_har_of_the_refusal_page_alone_asks_first_for_a_capture_with_preserve_log():
    """The fix of a HAR holding SonarQube's refusal page only (case 26's erin) starts with what to
    record again; a refusal seen after its POST keeps the SP's log as its first step."""
    case = CASE / "erin-unauthorized.har"
    config = build({}, None, certless=True)
    (attempt,) = _correlated(analyze([str(case)], config), config).attempts
    assert attempt.fix.startswith("Record the login again with DevTools' 'Preserve log' on"), attempt.fix
    assert "read the SP's log at 2026-12-01 09:20:43 UTC" in attempt.fix
