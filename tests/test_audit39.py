"""Real excerpts of SP and IdP SAML failures samlscan had not seen (Shibboleth SP error pages and its
redirectErrors URL, mod_auth_mellon/Lasso, Dex as ArgoCD logs it, omniauth-saml, node-saml in OpenCTI,
the Jenkins SAML plugin (pac4j), Keycloak's page, SimpleSAMLphp, Sustainsys.Saml2), quoted verbatim
from public threads (fixtures/audit39/SOURCES.md names each one's page), and what `samlscan check`
makes of each."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.excerpt_util import assert_accounted_for, assert_error_named, assert_verdict, error_named, run_json

HERE = Path(__file__).resolve().parent.parent / "fixtures" / "audit39"

# file -> (input kind, attempts); None for the kind: not read (the input 'failed')
VERDICTS = {
    "shibsp-errorpage-signature.txt": (None, []),
    "shibsp-error-redirect-url.txt": (None, []),
    # the catalog's entry for this text is unknown-failure (no cause of its own): not named
    "shibsp-fatalprofile-establish.txt": (None, []),
    "mellon-201-provider-unknown.log": (None, []),
    # the referer's redacted query (SAMLRequest=<samlrequest>): a placeholder (input-redacted), no message
    "mellon-409-unsupported-profile.log": ("query", []),
    "mellon-440-diagnostics.log": (None, []),
    "mellon-logout-requestdenied.log": (None, []),
    "mellon-427-logout-as-authn.log": (None, []),
    "argocd-dex-missing-signature.json": (None, []),
    "dex-no-attributestatement.json": (None, []),
    # omniauth's ruby Logger line: ruby-saml's 'SAML response missing' says no cause of its own
    "omniauth-saml-response-missing.log": ("log:sp-app", [("failure", "unknown-failure", None)]),
    # Redmine's production.log: only 'invalid_ticket', no reason
    "redmine-omniauth-invalid-ticket.log": (None, []),
    "opencti-node-saml-signature.log": (None, []),
    "jenkins-pac4j-destination-null.log": (None, []),
    # Keycloak shows a message key (keycloak#13534), not its text: nothing to name
    "kc-page-invalid-federated-action.txt": (None, []),
    "ssp-no-signature-found.txt": (None, []),
    "sustainsys-signature-didnt-verify.log": ("log:sp-app", [("failure", "signature-invalid", "idp")]),
}


def test_every_fixture_has_a_verdict_and_a_source():
    assert_accounted_for(HERE, VERDICTS)


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_check_verdict_and_scan(name):
    """check's verdict; scan accounts for the excerpt as one input."""
    assert_verdict(HERE / name, *VERDICTS[name])
    assert len(run_json("scan", HERE / name)["inputs"]) == 1


# An error text that is no SAML message: the input's one finding names the error it is, by product
# and code. The last five were unknown before audit39.
EXPLAINED = {
    "shibsp-errorpage-signature.txt": ("shibboleth", "signature-cert-mismatch"),
    "mellon-440-diagnostics.log": ("LASSO_PROFILE_ERROR_CANNOT_VERIFY_SIGNATURE", "signature-cert-mismatch"),
    "mellon-logout-requestdenied.log": ("LASSO_PROFILE_ERROR_REQUEST_DENIED", "status-not-success"),
    "mellon-427-logout-as-authn.log": ("LASSO_PROFILE_ERROR_MISSING_ASSERTION", "assertion-missing"),
    "argocd-dex-missing-signature.json": ("dex", "signature-invalid"),
    "opencti-node-saml-signature.log": ("node-saml", "signature-missing"),
    # the Shibboleth SP's redirectErrors URL: its errorText is percent-encoded
    "shibsp-error-redirect-url.txt": ("shibboleth", "signature-cert-mismatch"),
    "mellon-201-provider-unknown.log": ("LASSO_SERVER_ERROR_PROVIDER_NOT_FOUND", "issuer-mismatch"),
    "dex-no-attributestatement.json": ("dex", "login-attribute-missing"),
    "jenkins-pac4j-destination-null.log": ("pac4j", "destination-mismatch"),
    "ssp-no-signature-found.txt": ("simplesamlphp", "request-signature-missing"),
}


@pytest.mark.parametrize("name", sorted(EXPLAINED))
def test_the_error_is_named(name):
    assert_error_named(HERE / name, *EXPLAINED[name])


@pytest.mark.parametrize("name", ["shibsp-fatalprofile-establish.txt", "redmine-omniauth-invalid-ticket.log",
                                  "kc-page-invalid-federated-action.txt"])
def test_an_error_without_a_cause_is_not_named(name):
    assert "but this is" not in error_named(HERE / name)


def test_a_percent_encoded_error_is_explained_and_a_plain_one_too():
    from samlscan.catalog import lookup_error, lookup_pasted

    plain = "Message was signed, but signature could not be verified."
    encoded = "errorType=opensaml%3A%3ASecurityPolicyException&errorText=Message%20was%20signed%2C%20but%20signature%20could%20not%20be%20verified."
    for find in (lookup_error, lookup_pasted):
        assert find(plain).code == find(encoded).code == "signature-cert-mismatch"
    # decoding is no licence to match anything: an encoded text of nothing known stays unknown
    assert lookup_error("errorText=Something%20else%20went%20wrong") is None
