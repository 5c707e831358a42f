"""Real excerpts of IdP and SP logs audit36 had no sample of (AD FS event 364 as pasted, Entra and
Google error pages, the Shibboleth IdP's idp-process.log, PingFederate's server.log, SiteMinder's
trace, authentik, Auth0, OneLogin), quoted verbatim from public threads and vendor pages
(fixtures/audit37/SOURCES.md names each one's page), and what `samlscan check` makes of each."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.excerpt_util import assert_accounted_for, run_json

HERE = Path(__file__).resolve().parent.parent / "fixtures" / "audit37"

# file -> (input kind, attempts); None for the kind: not read (the input 'failed')
VERDICTS = {
    "adfs-364-msis5007.txt": (None, []),
    "adfs-364-msis3077.txt": (None, []),
    "adfs-364-quoted-authtype.txt": ("paste", []),  # e-mail quoted ('> '), taken off
    "adfs-364-wsfed-msis7001.txt": (None, []),
    "entra-aadsts75011-pfsense.txt": (None, []),
    "entra-aadsts75011-wrapped.txt": (None, []),
    # Google's error page: the IdP has no SAML app for the SP's entity ID
    "google-app-not-configured.txt": ("log:error-page", [("failure", "app-not-found", "idp")]),
    "google-app-not-configured-details.txt": ("query", []),  # its SAMLRequest blanked out: input-redacted
    # idp-process.log: no metadata for the SP, so the unverified relying party has no SSO profile
    "shibidp-unverified-rp.log": ("log:shibboleth", [("failure", "app-not-found", "idp")]),
    "shibidp-startup-debug.log": ("log:shibboleth", []),
    # the Spring SAML extension's summary line without its 'Caused by:'
    "spring-saml-okta-subject.log": ("log:sp-app", [("failure", "unknown-failure", None)]),
    # PingFederate server.log: the IdP adapter failed
    "pingfed-server-tracking.log": ("log:pingfederate", [("failure", "idp-configuration-error", "idp")]),
    "pingfed-status-authnfailed.xml": ("xml", [("failure", "status-not-success", "idp")]),
    "siteminder-signature.log": (None, []),
    "auth0-failed-silent-auth.txt": (None, []),
    "onelogin-sorry.txt": (None, []),
    "authentik-configuration-error-cut.log": (None, []),
    "authentik-task-published-wrapped.log": ("log:authentik", []),
}


def _check(name: str, command: str = "check") -> dict:
    return run_json(command, HERE / name)


def test_every_fixture_has_a_verdict_and_a_source():
    assert_accounted_for(HERE, VERDICTS)


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_check_verdict(name):
    kind, attempts = VERDICTS[name]
    doc = _check(name)
    (inp,) = doc["inputs"]
    assert inp["kind"] == kind
    if not attempts:
        assert inp["status"] == "failed"
    assert [(a["outcome"], a["root_cause"], a["side"]) for a in doc["attempts"]] == attempts


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_scan_accounts_for_it(name):
    doc = _check(name, "scan")
    assert len(doc["inputs"]) == 1


# An error text that is no SAML message: the input's one finding names the error it is, by product
# and code. The last three were unknown before audit37.
EXPLAINED = {
    "adfs-364-msis5007.txt": ("MSIS5007", "user-not-assigned"),
    "adfs-364-msis3077.txt": ("MSIS3077", "reply-url-mismatch"),
    "entra-aadsts75011-pfsense.txt": ("AADSTS75011", "request-invalid"),
    "entra-aadsts75011-wrapped.txt": ("AADSTS75011", "request-invalid"),
    # AD FS 2019 threw it without a message of its own: .NET's 'Exception of type ... was thrown.'
    "adfs-364-quoted-authtype.txt": ("MSIS7102", "request-invalid"),
    "siteminder-signature.log": ("siteminder", "signature-invalid"),
}


@pytest.mark.parametrize("name", sorted(EXPLAINED))
def test_the_error_is_named(name):
    said, code = EXPLAINED[name]
    (finding,) = _check(name)["input_findings"]
    text = finding["message_text"]
    assert text.startswith("no SAML message here, but this is") and said in text and f"({code})" in text


def test_an_unknown_error_text_is_not_named():
    (finding,) = _check("onelogin-sorry.txt")["input_findings"]
    assert "but this is" not in finding["message_text"]


@pytest.mark.parametrize("text, product, code", [
    ("Microsoft.IdentityServer.Service.Policy.PolicyServer.Engine.InvalidAuthenticationTypePolicyException: "
     "MSIS7102: Requested Authentication Method is not supported on the STS.", "adfs", "request-invalid"),
    ("[Saml2Validator.java][smAuthenticate][SAML20: Response message rejected: Signature on response does not "
     "verify][1217b0f8-5fc2d9f0]", "siteminder", "signature-invalid"),
    ("com.netegrity.ps.auth.saml.SamlValidationException: Could not get the certificate from the trusted key "
     "database.", "siteminder", "signature-cert-mismatch"),
])
def test_catalog_knows_the_text(text, product, code):
    from samlscan.catalog import lookup

    entry = lookup(text)
    assert entry is not None and (entry.product, entry.code) == (product, code)
