"""Support case 14: SonarQube Server 2025.x (Spring Security SAML2) + SimpleSAMLphp 2.x, a Firefox HAR
(tests/data/case14, made by fixtures/gen_case14.py; sources in tests/data/case14/SOURCES.md)."""
from __future__ import annotations

from datetime import timezone

from case_util import ROOT, generator_check

from samlscan.logs.simplesamlphp import SimpleSamlPhpParser

CASE = ROOT / "tests" / "data" / "case14"


def test_generator_is_current():
    done = generator_check("gen_case14.py")
    assert done.returncode == 0, done.stderr


def test_simplesamlphp_acs_warnings_are_not_a_failed_login():
    """SimpleSAMLphp warns of an AuthnRequest's ACS missing from saml20-sp-remote.php and answers at
    the entry's default ACS: the warnings were read as a failed login with no cause (a noise attempt
    beside the real one SonarQube refused)."""
    path = CASE / "simplesamlphp.log"
    lines = enumerate(path.read_text().splitlines(), 1)
    events = list(SimpleSamlPhpParser(year=2025).parse(lines, str(path), timezone.utc))
    acs = [e for e in events if "AssertionConsumerService" in getattr(e, "text", "")]
    assert acs and all(e.outcome == "info" for e in acs)
    assert not [e for e in events if getattr(e, "outcome", None) == "failure"]
