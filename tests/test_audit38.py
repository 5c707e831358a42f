"""Real excerpts of SonarQube's web.log and pages (java-saml's destination check behind a proxy, the
OAUTHSTATE cookie lost on IdP-initiated logins, email conflicts, SonarQube Cloud's page) and of SP
libraries' SAML failures (java-saml in Confluence and TeamCity, the Spring SAML extension, php-saml
in Laravel) and Okta, quoted verbatim from public threads and vendor pages
(fixtures/audit38/SOURCES.md names each one's page), and what `samlscan check` makes of each."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main

from tests.excerpt_util import assert_accounted_for, assert_verdict, error_named, run_json

HERE = Path(__file__).resolve().parent.parent / "fixtures" / "audit38"

# file -> (input kind, attempts); None for the kind: not read (the input 'failed')
VERDICTS = {
    # java-saml's destination check; the forum page lost both URLs, the reason is still plain
    "sq-received-at-emptied.log": ("log:sonarqube", [("failure", "destination-mismatch", "sp")]),
    # an IdP tile (Microsoft MyApps) starts the login: no OAUTHSTATE cookie, three tries
    "sq-myapps-oauthstate-dated.log": ("log:sonarqube", [("failure", "relaystate-cookie-missing", "sp")] * 3),
    # the page without a reason: the catalog's entry for its sentence (the SP's admin reads web.log)
    "sq-unauthorized-page.txt": ("log:error-page", [("failure", "unknown-failure", "sp")]),
    # SCIM provisioning, not a login: read, nothing about SAML in it
    "sq-scim-email-used.log": ("log:sonarqube", []),
    "sq-account-other-method.txt": (None, []),
    "sq-ldap-email-used.log": (None, []),
    "sq-audience-applicationid.txt": (None, []),
    "sqcloud-couldnt-verify.txt": (None, []),
    "sq-keycloak-duplicated-name.txt": (None, []),
    # one Confluence login: java-saml's reason and its invalid_response line, then the Atlassian
    # plugin's own line, the only one with a zone (+0200): the zone-less ones read in that offset,
    # the three are one attempt (test_zones39; with --timezone +02:00 too: test below)
    "javasaml-atlassian-timing.log": ("log:sp-app", [("failure", "clock-skew", "idp")]),
    "javasaml-teamcity-received-at.log": ("log:sp-app", [("failure", "destination-mismatch", "sp")]),
    "javasaml-resolution-notyetvalid.txt": (None, []),
    "springsaml-sap-signature.log": (None, []),
    "springsaml-pure-invalid-status.log": (None, []),
    "phpsaml-laravel-audience.log": (None, []),
    "okta-samly-slo-invalid-signature.txt": (None, []),
    "sleekplan-invalid-signature.txt": (None, []),
}


def test_every_fixture_has_a_verdict_and_a_source():
    assert_accounted_for(HERE, VERDICTS)


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_check_verdict(name):
    assert_verdict(HERE / name, *VERDICTS[name])


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_scan_accounts_for_it(name):
    assert len(run_json("scan", HERE / name)["inputs"]) == 1


# An error text that is no SAML message: the input's one finding names the error it is, by product
# and code. The last four were unknown before audit38.
EXPLAINED = {
    "sq-audience-applicationid.txt": ("WRONG_AUDIENCE", "audience-mismatch"),
    "sq-keycloak-duplicated-name.txt": ("DUPLICATED_ATTRIBUTE_NAME_FOUND", "attribute-duplicate-name"),
    "javasaml-resolution-notyetvalid.txt": ("ASSERTION_TOO_EARLY", "assertion-not-yet-valid"),
    "sq-ldap-email-used.log": ("sonarqube", "email-already-used"),
    "sqcloud-couldnt-verify.txt": ("sonarqube-cloud", "group-sync-failed"),
    "springsaml-sap-signature.log": ("spring", "signature-cert-mismatch"),
    # SonarQube's public text for the email conflict (UserRegistrarImpl's setPublicMessage)
    "sq-account-other-method.txt": ("sonarqube", "email-already-used"),
    # the Spring SAML extension 1.x: the IdP's StatusCode is not Success
    "springsaml-pure-invalid-status.log": ("spring", "status-not-success"),
    # php-saml's text as Laravel logged it, its quotes HTML-escaped (&#039;)
    "phpsaml-laravel-audience.log": ("php-saml", "audience-mismatch"),
    # Okta's System Log event as its admin console shows it (an SP's unsigned-or-badly-signed logout)
    "okta-samly-slo-invalid-signature.txt": ("okta", "request-signature-invalid"),
}


@pytest.mark.parametrize("name", sorted(EXPLAINED))
def test_the_error_is_named(name):
    said, code = EXPLAINED[name]
    text = error_named(HERE / name)
    assert text.startswith("no SAML message here, but this is") and said in text and f"({code})" in text


def test_an_unknown_error_text_is_not_named():
    assert "but this is" not in error_named(HERE / "sleekplan-invalid-signature.txt")


@pytest.mark.parametrize("text, product, code", [
    ("This account is already associated with another authentication method. Sign in using the current "
     "authentication method, or contact your administrator to transfer your account to a different "
     "authentication method.", "sonarqube", "email-already-used"),
    ("org.opensaml.common.SAMLException: Received response has invalid status code", "spring", "status-not-success"),
    ("org.opensaml.common.SAMLException: SAML status is not success code", "spring", "status-not-success"),
])
def test_catalog_knows_the_text(text, product, code):
    from samlscan.catalog import lookup

    entry = lookup(text)
    assert entry is not None and (entry.product, entry.code) == (product, code)


@pytest.mark.parametrize("text, named", [
    ("LegacyEventType: app.auth.slo.saml.invalid_signature", True),
    ('"eventType": "app.generic.unauth_app_access_attempt"', True),
    # an event type among other words names nothing
    ("Filter the System Log on app.auth.slo.saml.invalid_signature to count the failed logouts", False),
])
def test_an_okta_event_type_given_as_a_value_names_its_error(text, named):
    from samlscan.catalog import lookup_error

    entry = lookup_error(text)
    assert (entry is not None and entry.product == "okta") is named


def test_an_html_escaped_paste_is_explained_and_a_plain_one_too():
    from samlscan.catalog import lookup_error, lookup_pasted

    plain = "Invalid audience for this Response (expected 'sonarqube', got 'spn:1234')"
    escaped = plain.replace("'", "&#039;")
    for find in (lookup_error, lookup_pasted):
        assert find(plain).code == find(escaped).code == "audience-mismatch"
    # decoding is no licence to match anything: an escaped text of nothing known stays unknown
    assert lookup_error("Something &#039;else&#039; went wrong") is None


def test_a_log4j_cut_java_saml_logger_is_java_saml():
    """log4j's %c{4} (Atlassian's layout) writes com.onelogin.saml2.authn.SamlResponse as
    onelogin.saml2.authn.SamlResponse: java-saml's by its class name, not python3-saml's (whose
    modules are lowercase), so its reason and 'processResponse error.' line are one login."""
    from samlscan.logs.applog import library

    assert library("[onelogin.saml2.authn.SamlResponse]") == library("com.onelogin.saml2.Auth") == "java-saml"
    assert library("onelogin.saml2.response") == library("onelogin.saml2.auth") == "python3-saml"
    result = CliRunner().invoke(main, ["check", str(HERE / "javasaml-atlassian-timing.log"), "--format", "json",
                                       "--timezone", "javasaml-atlassian-timing.log=+02:00"])
    (attempt,) = json.loads(result.stdout)["attempts"]
    assert attempt["root_cause"] == "clock-skew"
    assert [e["ref"] for e in attempt["evidence"]] == ["line 1", "line 4", "line 7"]


def test_the_page_without_a_reason_says_where_the_cause_is():
    """Not unknown-failure's 'Read the evidence lines.': where SonarQube logs the reason, and how."""
    (a,) = run_json("check", HERE / "sq-unauthorized-page.txt")["attempts"]
    assert "web.log" in a["fix"] and "sonar.log.level.web=DEBUG" in a["fix"], a["fix"]
