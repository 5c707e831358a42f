"""Support case 13: SonarQube Server 10.x (java-saml) + a university's Shibboleth IdP 5, a Chrome HAR
(tests/data/case13, made by fixtures/gen_case13.py; sources in tests/data/case13/SOURCES.md).

What a support engineer needs from the scan: each failure fixed where Shibboleth takes it (the
attribute filter for a lost attribute, the NameID generators and nameIDFormatPrecedence for a
NameIDPolicy it cannot meet), and IdP 5's own wording of its log lines read.
"""
from __future__ import annotations

import json
from datetime import timezone

from case_util import ROOT, generator_check, scan_case
from click.testing import CliRunner

from samlscan.checks.base import issuer_product
from samlscan.cli import main
from samlscan.logs.shibboleth import ShibbolethParser

CASE = ROOT / "tests" / "data" / "case13"
ZONE = "idp-process.log=Europe/Amsterdam"


def _attempt(doc: dict, time: str, source: str) -> dict:
    return next(a for a in doc["attempts"] if a["time"] == time and any(source in e["input"] for e in a["evidence"]))


def _events(*lines: str) -> list:
    return list(ShibbolethParser().parse(enumerate(lines, 1), "idp-process.log", timezone.utc))


def test_generator_is_current():
    done = generator_check("gen_case13.py")
    assert done.returncode == 0, done.stderr


def test_shibboleths_default_entity_id_names_the_product():
    """https://<host>/idp/shibboleth (the installer's idp.entityID) was no known IdP product, so no
    fix said where in Shibboleth to act."""
    assert issuer_product("https://idp.example.edu/idp/shibboleth") == "shibboleth"
    assert issuer_product("https://idp.example.edu/shibboleth/extra") is None


def test_a_filtered_out_login_attribute_is_fixed_in_shibboleths_attribute_filter():
    """ben: mail not released to SonarQube; the fix said 'add the claim ... in the IdP' (an AD FS
    word) and nothing of Shibboleth's attribute-filter.xml."""
    doc = scan_case(CASE, ZONE)
    ben = _attempt(doc, "2026-01-20T08:31:37Z", "chrome-sonar.har")
    assert ben["root_cause"] == "login-attribute-missing" and ben["side"] == "idp"
    assert "attribute-filter.xml" in ben["fix"] and "AttributeFilterPolicy" in ben["fix"]


def test_check_of_the_response_names_the_attribute_filter_too():
    """`check` of ben's response (no logs, no correlation): the finding's own hint says it."""
    res = CliRunner().invoke(main, ["check", str(CASE / "chrome-sonar.har"), "--format", "json", "--fail-on",
                                    "never", "--sonar-settings", str(CASE / "sonar.properties")])
    out = json.loads(res.stdout)
    hints = [f["hint"] for m in out["messages"] for f in m["findings"] if f["code"] == "login-attribute-missing"]
    assert hints and all("attribute-filter.xml" in h for h in hints)


def test_an_unsupportable_nameid_format_is_the_failure_and_its_fix_names_shibboleths_settings():
    """dave: AddNameIDToSubjects' 'Request specified use of an unsupportable identifier format' was
    read as chatter; the attempt's fix was the generic 'Check the AuthnRequest' on the SP side."""
    events = _events(
        "2026-01-20 10:41:22,900 - 145.100.12.24 - WARN [org.opensaml.saml.saml2.profile.impl.AddNameIDToSubjects:262]"
        " - Profile Action AddNameIDToSubjects: Request specified use of an unsupportable identifier format: "
        "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
    assert [(e.outcome, e.code) for e in events] == [("failure", "request-invalid")]
    doc = scan_case(CASE, ZONE)
    dave = _attempt(doc, "2026-01-20T09:41:19Z", "idp-audit.log")
    assert dave["root_cause"] == "request-invalid" and dave["side"] == "idp"
    assert "nameIDFormatPrecedence" in dave["fix"] and "saml-nameid.xml" in dave["fix"]


def test_idp5s_unverified_relying_party_line_is_app_not_found():
    """IdP 4/5's SelectProfileConfiguration says 'RP configuration' (IdP 3: 'relying party
    configuration'): alone, without the INFO metadata line, it was no failure."""
    events = _events(
        "2026-01-20 10:14:05,303 - 145.100.12.23 - WARN [net.shibboleth.idp.profile.impl.SelectProfileConfiguration:107]"
        " - Profile Action SelectProfileConfiguration: Profile http://shibboleth.net/ns/profiles/saml2/sso/browser "
        "is not available for RP configuration shibboleth.UnverifiedRelyingParty (RPID sonarqube)")
    assert [(e.outcome, e.code) for e in events] == [("failure", "app-not-found")]
