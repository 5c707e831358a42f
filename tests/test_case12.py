"""Support case 12: SonarQube Server 2025.1 (Spring Security SAML2) + Auth0, encrypted assertions,
a Safari HAR (tests/data/case12, made by fixtures/gen_case12.py; sources in tests/data/case12/SOURCES.md).

What a support engineer needs from the scan: the unsigned Response around an encrypted assertion
fixed where Auth0 sets it (the SAML2 Web App addon's "signResponse").
"""
from __future__ import annotations

import json

from case_util import ROOT, generator_check
from click.testing import CliRunner

from samlscan.cli import main

CASE = ROOT / "tests" / "data" / "case12"


def _check(name: str, *extra: str) -> dict:
    res = CliRunner().invoke(main, ["check", str(CASE / name), "--format", "json", "--fail-on", "never", *extra])
    return json.loads(res.stdout)


def test_generator_is_current():
    done = generator_check("gen_case12.py")
    assert done.returncode == 0, done.stderr


def test_an_unsigned_response_around_an_encrypted_assertion_names_auth0s_sign_response():
    """paul's response (the addon's "signResponse": false, encryption on): the fix named Entra,
    Okta and Ping only, not the Auth0 setting the admin had changed."""
    out = _check("safari-sonar.har")
    fixes = {f["hint"] for f in _findings(out) if f["code"] == "response-signature-required"}
    assert fixes and all('"signResponse": true' in f and "SAML2 Web App" in f for f in fixes)


def _findings(out: dict) -> list[dict]:
    found = list(out.get("findings", []))
    for m in out.get("messages", []):
        found += m.get("findings", [])
    return found
