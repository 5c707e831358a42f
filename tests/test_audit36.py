"""Real log excerpts of failed SAML logins, quoted verbatim from public issue threads and forums
(fixtures/audit36/SOURCES.md names each one's page), and what `samlscan check` must say of each:
the reader that takes it, and each attempt's (outcome, root cause, side). An excerpt that no reader
takes (an error text pasted alone, a framework's own log layout) must still be accounted for, with
one finding and no traceback."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from tests.excerpt_util import assert_accounted_for, run_json

HERE = Path(__file__).resolve().parent.parent / "fixtures" / "audit36"

# file -> (input kind, attempts); None for the kind: not read (the input 'failed', input-not-saml)
VERDICTS = {
    # SonarQube web.log lines as users paste them: without their date, or with it cut ('018.12.13')
    "sq-oauthstate-missing.log": ("log:sonarqube", [("failure", "relaystate-cookie-missing", "sp")]),
    "sq-name-missing.log": ("log:sonarqube", [("failure", "login-attribute-missing", "idp")]),
    "sq-name-missing-curly.log": ("log:sonarqube", [("failure", "login-attribute-missing", "idp")]),
    "sq-no-provider-key.log": ("log:sonarqube", [("failure", "acs-path-wrong", "idp")]),
    "sq-provider-not-enabled.txt": (None, []),
    # Keycloak: lines pasted without their time, or indented
    "kc-missing-destination.log": ("log:keycloak", [("failure", "destination-mismatch", "idp")]),
    "keycloak-infisical-sigalg.log": ("log:keycloak", [("failure", "request-signature-missing", "sp")]),
    "kc-sigalg-null-indented.log": ("log:keycloak", [("failure", "request-signature-missing", "sp")]),
    "kc-signature-length.log": ("log:keycloak", [("failure", "request-invalid", "sp")]),
    "kc-invalid-token.log": ("log:keycloak", [("failure", "unknown-failure", None)]),
    # Spring Security SAML2 (ShinyProxy): the RelayState/session cookie lost on the way back
    "spring-shinyproxy-inresponseto.log": ("log:sp-app", [("failure", "inresponseto-mismatch", "sp")]),
    # SimpleSAMLphp: the log names only the error report, not its cause
    "ssp-unhandled-exception.log": ("log:simplesamlphp", [("failure", "unknown-failure", None)]),
    # read, nothing about a login in them that a reader knows
    "pysaml2-xmlsec-verify.log": ("log:sp-app", []),
    "adfs-msis0018-errorpage.txt": (None, []),
    "auth0-nameidentifier.txt": (None, []),
    "craft-saml2-unable-validate.log": (None, []),
    "javasaml-test-output.log": (None, []),
    # read since nextcloud45 as Nextcloud's log, php-saml's settings refusal catalogued (SETTINGS_INVALID)
    "nextcloud-invalid-settings.json": ("log:nextcloud", [("failure", "sp-configuration-error", "sp")]),
    "nextcloud-logviewer-signature.txt": (None, []),
    "openunison-parse-assertion.log": (None, []),
    "python3saml-kasm-issuer.txt": (None, []),
    "saml2js-audience.log": (None, []),
    "shibsp-samltest-faq.log": (None, []),
    "socialcore-status-responder.txt": (None, []),
    "ssp-unable-validate-signature.txt": (None, []),
    "sustainsys-invalid-signature.txt": (None, []),
    "wso2-authnrequest-signature.log": (None, []),
}


def test_every_fixture_has_a_verdict_and_a_source():
    assert_accounted_for(HERE, VERDICTS)


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_check_verdict(name):
    kind, attempts = VERDICTS[name]
    doc = run_json("check", HERE / name)
    (inp,) = doc["inputs"]
    if kind is None:
        assert inp["status"] == "failed"
    else:
        assert inp["kind"] == kind
    assert [(a["outcome"], a["root_cause"], a["side"]) for a in doc["attempts"]] == attempts


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_scan_accounts_for_it(name):
    doc = run_json("scan", HERE / name)
    assert len(doc["inputs"]) == 1


# An error text pasted on its own ('samlscan explain', and the catalog every reader asks): the entry
# that explains it, by product and code. The first four were unknown, or another product's.
PASTED = {
    "adfs-msis0018-errorpage.txt": ("adfs", "request-invalid"),  # AD FS error page, MSIS0018
    "saml2js-audience.log": ("saml2-js", "audience-mismatch"),
    "sustainsys-invalid-signature.txt": ("sustainsys", "signature-invalid"),  # Kentor.AuthServices
    "shibsp-samltest-faq.log": ("shibboleth", "signature-cert-mismatch"),  # no final '.' in shibd.log (was crewjam's)
    "python3saml-kasm-issuer.txt": ("python3-saml", "issuer-mismatch"),
    "wso2-authnrequest-signature.log": ("wso2", "request-signature-invalid"),
    "socialcore-status-responder.txt": ("java-saml", "status-not-success"),
    "ssp-unable-validate-signature.txt": ("simplesamlphp", "signature-invalid"),
}


@pytest.mark.parametrize("name", sorted(PASTED))
def test_pasted_text_is_explained(name):
    from samlscan.catalog import lookup

    entry = lookup((HERE / name).read_text(encoding="utf-8"))
    assert entry is not None and (entry.product, entry.code) == PASTED[name]


def test_explain_names_the_product():
    text = (HERE / "sustainsys-invalid-signature.txt").read_text(encoding="utf-8").strip()
    result = CliRunner().invoke(main, ["explain", text])
    assert result.exit_code == 0 and result.output.startswith("sustainsys")
