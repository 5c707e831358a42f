"""Shibboleth IdP's own failures read from its idp-process.log (tests/data/shibidp48, made by
fixtures/gen_shibidp48.py): each text the IdP's actions log on a failed login (their source cited in
samlscan/data/catalog.json) is a failure with its code, an attribute release failure is the IdP's to
fix, and a capture of the same login joins the IdP's line into one attempt whose cause it is.

Before: 'Profile Action ResolveAttributes: Error resolving attributes' (ERROR) was read as info, and
the events UnableToEncrypt, SubjectCanonicalizationError, AuthenticationException, ... as
unknown-failure.
"""
from __future__ import annotations

import json
from datetime import timezone

import pytest
from case_util import ROOT, generator_check, scan_case
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.codes import SPECS
from samlscan.logs.shibboleth import ShibbolethParser

CASE = ROOT / "tests" / "data" / "shibidp48"
ZONE = "idp-process.log=Europe/Amsterdam"


def _line(level: str, logger: str, msg: str, addr: str = "10.0.0.7", second: int = 0) -> str:
    return f"2026-01-20 09:00:{second:02d},100 - {addr} - {level} [{logger}:100] - {msg}"


def _events(*lines: str) -> list:
    return list(ShibbolethParser().parse(enumerate(lines, 1), "idp-process.log", timezone.utc))


def _one(line: str) -> tuple[str, str | None]:
    (event,) = _events(line)
    return event.outcome, event.code


# (level, logger, message as logged, code): the real texts, placeholders filled in another IdP's style
TEXTS = [
    ("ERROR", "net.shibboleth.idp.profile.impl.ResolveAttributes",
     "Profile Action ResolveAttributes: Error resolving attributes", "idp-attribute-resolution-failed"),
    ("ERROR", "net.shibboleth.idp.profile.impl.ResolveAttributes",
     "Profile Action ResolveAttributes: Error resolving attributes: Invalid Attribute resolver configuration",
     "idp-attribute-resolution-failed"),
    ("ERROR", "net.shibboleth.idp.profile.impl.FilterAttributes",
     "Profile Action FilterAttributes: Error encountered while filtering attributes", "idp-attribute-filter-failed"),
    ("WARN", "net.shibboleth.idp.profile.impl.FilterAttributes",
     "Filter error masked, clearing resolved attributes", "idp-attribute-filter-failed"),
    ("ERROR", "org.opensaml.saml.saml2.profile.impl.AddNameIDToSubjects",
     "Profile Action AddNameIDToSubjects: Error while generating NameID", "idp-nameid-failed"),
    ("WARN", "org.opensaml.saml.saml2.profile.impl.EncryptAssertions",
     "Profile Action EncryptAssertions: Error encrypting assertion", "idp-encryption-failed"),
    ("WARN", "org.opensaml.saml.common.profile.impl.PopulateEncryptionParameters",
     "Profile Action PopulateEncryptionParameters: Resolver returned no EncryptionParameters", "idp-encryption-failed"),
    ("ERROR", "edu.internet2.middleware.shibboleth.idp.profile.saml2.SSOProfileHandler",
     "Unable to encrypt NameID", "idp-encryption-failed"),
    ("ERROR", "net.shibboleth.idp.authn.impl.SelectSubjectCanonicalizationFlow",
     "Profile Action SelectSubjectCanonicalizationFlow: No potential flows left to choose from, canonicalization "
     "will fail", "idp-subject-c14n-failed"),
    ("ERROR", "net.shibboleth.idp.authn.impl.SelectAuthenticationFlow",
     "Profile Action SelectAuthenticationFlow: No potential flows left to choose from, authentication will fail",
     "request-invalid"),
    ("ERROR", "org.opensaml.saml.common.binding.security.impl.SAMLProtocolMessageXMLSignatureSecurityHandler",
     "Message Handler: Validation of protocol message signature failed for context issuer "
     "'https://wiki.example.org/shibboleth', message type: {urn:oasis:names:tc:SAML:2.0:protocol}AuthnRequest",
     "request-signature-invalid"),
]

# LogEvent's 'A non-proceed event occurred while processing the request: <event>' alone on a request
EVENTS = {
    "UnableToResolveAttributes": "idp-attribute-resolution-failed",
    "UnableToFilterAttributes": "idp-attribute-filter-failed",
    "UnableToEncrypt": "idp-encryption-failed",
    "InvalidSecurityConfiguration": "idp-configuration-error",
    "UnableToSign": "idp-configuration-error",
    "InvalidRelyingPartyConfiguration": "idp-configuration-error",
    "MessageAuthenticationError": "request-signature-invalid",
    "AuthenticationException": "idp-authentication-error",
    "NoCredentials": "idp-authentication-failed",
    "AccountError": "idp-authentication-failed",
    "SubjectCanonicalizationError": "idp-subject-c14n-failed",
    "InvalidSubject": "idp-subject-c14n-failed",
    "NoPotentialFlow": "request-invalid",
}


def test_generator_is_current():
    done = generator_check("gen_shibidp48.py")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("level,logger,msg,code", TEXTS, ids=[t[3] + ":" + t[2][:40] for t in TEXTS])
def test_each_idp_text_is_a_failure_with_its_code(level, logger, msg, code):
    assert _one(_line(level, logger, msg)) == ("failure", code)


@pytest.mark.parametrize("event,code", sorted(EVENTS.items()))
def test_each_webflow_event_alone_is_a_failure_with_its_code(event, code):
    line = _line("WARN", "org.opensaml.profile.action.impl.LogEvent",
                 f"A non-proceed event occurred while processing the request: {event}")
    assert _one(line) == ("failure", code)
    # IdP 3.0-3.2's LogEvent wording (GluuFederation/oxTrust issue 477)
    old = _line("WARN", "org.opensaml.profile.action.impl.LogEvent",
                f"An error event occurred while processing the request: {event}")
    assert _one(old) == ("failure", code)


def test_benign_lines_give_no_code():
    """INFO and DEBUG chatter (a failure's text at DEBUG too) give no event, a WARN naming no failure
    an info one without a code."""
    lines = [
        _line("INFO", "org.opensaml.saml.metadata.resolver.impl.FileBackedHTTPMetadataResolver",
              "Metadata Resolver FileBackedHTTPMetadataResolver federation: Next refresh cycle for metadata provider "
              "'https://mds.example.org/fed.xml' will occur on '2026-01-20T12:00:00Z'"),
        _line("DEBUG", "net.shibboleth.idp.profile.impl.ResolveAttributes",
              "Profile Action ResolveAttributes: Error resolving attributes"),
        _line("WARN", "net.shibboleth.idp.session.impl.StorageBackedSessionManager",
              "Session Manager: session expired"),
    ]
    assert [(e.outcome, e.code, e.source.ref) for e in _events(*lines)] == [("info", None, "line 3")]


def test_a_text_of_another_logger_is_not_the_idps():
    """The reader keeps to the IdP's own loggers: an application's 'Error resolving attributes'
    logged beside it names no IdP failure."""
    assert _events(_line("ERROR", "com.example.portal.Profile", "Error resolving attributes")) == []


def test_the_same_requests_echo_is_counted_once():
    """The filter's ERROR, its 'Filter error masked' WARN and the request's non-proceed event are
    one failure (the same address, milliseconds apart), not three."""
    got = _events(
        _line("ERROR", "net.shibboleth.idp.profile.impl.FilterAttributes",
              "Profile Action FilterAttributes: Error encountered while filtering attributes"),
        _line("WARN", "net.shibboleth.idp.profile.impl.FilterAttributes",
              "Filter error masked, clearing resolved attributes"),
        _line("WARN", "org.opensaml.saml.common.profile.impl.PopulateEncryptionParameters",
              "Profile Action PopulateEncryptionParameters: Resolver returned no EncryptionParameters",
              addr="10.0.0.9", second=30),
        _line("WARN", "org.opensaml.profile.action.impl.LogEvent",
              "A non-proceed event occurred while processing the request: InvalidSecurityConfiguration",
              addr="10.0.0.9", second=30))
    assert [(e.outcome, e.code) for e in got] == [
        ("failure", "idp-attribute-filter-failed"), ("info", None),
        ("failure", "idp-encryption-failed"), ("info", None)]


@pytest.mark.parametrize("code,where", [
    ("idp-attribute-resolution-failed", ("attribute-resolver.xml", "DataConnector", "ldap.properties")),
    ("idp-attribute-filter-failed", ("attribute-filter.xml",)),
    ("idp-nameid-failed", ("saml-nameid.xml",)),
    ("idp-encryption-failed", ("KeyDescriptor", "encryptAssertions")),
])
def test_attribute_release_failures_are_the_idps_to_fix(code, where):
    spec = SPECS[code]
    assert spec.side == "idp" and spec.group == "cause"
    assert all(w in spec.fix for w in where), spec.fix


def test_the_capture_and_the_idp_line_are_one_attempt_caused_by_the_idp():
    """fay: the HAR's login (SonarQube refused an assertion without attributes) and the IdP's
    resolver ERROR are one attempt, its cause the IdP's, fixed in the attribute resolver."""
    doc = scan_case(CASE, ZONE)
    fay = next(a for a in doc["attempts"] if a["time"] == "2026-01-20T09:05:12Z")
    inputs = {e["input"].rsplit("/", 1)[-1] for e in fay["evidence"]}
    assert inputs == {"chrome-sonar.har", "idp-process.log"}
    assert fay["outcome"] == "failure" and fay["root_cause"] == "idp-attribute-resolution-failed"
    assert fay["side"] == "idp" and "attribute-resolver.xml" in fay["fix"]
    gus = next(a for a in doc["attempts"] if a["time"] == "2026-01-20T09:40:31Z")
    assert gus["root_cause"] == "idp-encryption-failed" and gus["side"] == "idp"
    # hana's good login: no failure
    hana = next(a for a in doc["attempts"] if a["time"] == "2026-01-20T09:02:03Z")
    assert hana["outcome"] == "success" and hana["root_cause"] is None


def test_redact_holds_for_the_idps_failures():
    res = CliRunner().invoke(main, ["scan", str(CASE), "--format", "json", "--timezone", ZONE, "--jobs", "1",
                                    "--fail-on", "never", "--redact"])
    assert res.exit_code == 0, res.output[-2000:]
    doc = json.loads(res.stdout)
    assert any(a["root_cause"] == "idp-attribute-resolution-failed" for a in doc["attempts"])
    for secret in ("fsmit", "gmulder", "145.100.12.32", "145.100.12.33"):
        assert secret not in res.stdout


def test_explain_of_a_pasted_line_names_the_idp_fix():
    res = CliRunner().invoke(main, ["explain", "Profile Action FilterAttributes: Error encountered while "
                                               "filtering attributes"])
    assert res.exit_code == 0, res.output
    assert "idp-attribute-filter-failed" in res.output and "attribute-filter.xml" in res.output
