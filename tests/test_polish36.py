"""polish36: rough edges a support engineer meets (the HTML report's fix per cause, ...)."""
from __future__ import annotations

import re

import pytest
from case_util import ROOT
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.codes import SPECS
from samlscan.report.htmlout import esc

CASE29 = ROOT / "tests" / "data" / "case29"


@pytest.fixture(scope="module")
def case29_html() -> str:
    res = CliRunner().invoke(main, ["scan", str(CASE29), "--format", "html", "--timezone", "UTC", "--jobs", "1",
                                    "--fail-on", "never", "--exclude", "truth.json", "--exclude", "*.md",
                                    "--idp-cert", str(CASE29 / "sonarcloud-idp-certificate.pem")])
    assert res.exit_code == 0, res.output[-2000:]
    return res.stdout


def _group_fixes(page: str, code: str) -> list[str]:
    """The Fix paragraphs of one code's group in 'Findings by cause'."""
    group = re.search(rf'<details class="group[^"]*" id="code-{re.escape(code)}".*?</summary>(.*?)<ul', page, re.S)
    assert group, code
    return re.findall(r'<div class="fix"><span class="fixlbl">Fix</span> (.*?)</div>', group.group(1), re.S)


@pytest.mark.parametrize("code", ["wrong-login-url", "signature-cert-mismatch"])
def test_a_cloud_cause_shows_the_fix_its_attempts_carry_not_servers_settings(case29_html, code):
    fixes = _group_fixes(case29_html, code)
    assert len(fixes) == 1, fixes  # two signature-cert-mismatch attempts carry one fix: shown once
    assert "SonarQube Cloud" in fixes[0]
    assert "sonar.auth.saml" not in fixes[0] and fixes[0] != SPECS[code].fix


def test_a_code_no_attempt_was_failed_for_keeps_its_general_fix(case29_html):
    shown = set(re.findall(r'id="code-([a-z0-9-]+)"', case29_html))
    causes = {"wrong-login-url", "signature-cert-mismatch", "user-not-assigned", "multiple-sign-on-urls"}
    other = sorted(c for c in shown - causes if SPECS.get(c) and SPECS[c].fix)
    assert other
    for code in other:
        assert _group_fixes(case29_html, code) == [esc(SPECS[code].fix)], code
