"""Support case 18: SonarQube Server 2025 -> Keycloak 26 brokering to Microsoft Entra ID, one login
two SAML exchanges (tests/data/case18, made by fixtures/gen_case18.py; sources in
tests/data/case18/SOURCES.md).

What a support engineer needs: a failure of the Keycloak -> Entra hop fixed where that hop's SP
is configured (Keycloak's Identity Providers > entra), never in SonarQube's settings; Keycloak's
first broker login refusal (a local user holds the email) read as such, from its event and its
error page, with the capture named as the page's source.
"""
from __future__ import annotations

import pytest
from case_util import ROOT, generator_check, refs, scan_case

from samlscan.config import keycloak_broker

CASE = ROOT / "tests" / "data" / "case18"


@pytest.fixture(scope="module")
def scan() -> dict:
    return scan_case(CASE, "UTC")


def _at(scan: dict, prefix: str, cause: str) -> dict:
    (a,) = [a for a in scan["attempts"] if a["time"].startswith(prefix) and a["root_cause"] == cause]
    return a


def test_generator_is_current():
    done = generator_check("gen_case18.py")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("url, product", [
    ("https://sso.example.com/realms/corp/broker/entra/endpoint", "keycloak-broker:entra"),
    ("https://kc.example/auth/realms/corp/broker/adfs-1/endpoint/clients/sonar", "keycloak-broker:adfs-1"),
    ("https://kc.example/realms/corp/broker/entra/endpoint?RelayState=x", "keycloak-broker:entra"),
    ("https://kc.example/realms/corp/protocol/saml", None),
    ("https://kc.example/realms/corp/broker/entra/login", None),
    (None, None),
])
def test_keycloak_broker_endpoint(url, product):
    assert keycloak_broker(url) == product


def test_entras_refusal_of_keycloaks_request_is_fixed_in_keycloaks_identity_provider(scan):
    """AADSTS700016 for the broker's AuthnRequest (Issuer: Keycloak's Service provider entity ID):
    the fix told to set 'SonarQube: sonar.auth.saml.applicationId', which this hop never sent."""
    a = _at(scan, "2026-03-10T09:12", "app-not-found")
    assert "sonar.auth.saml" not in a["fix"]
    assert "Identity Providers > entra > Settings: Service provider entity ID" in a["fix"]
    assert "Enterprise applications" in a["fix"]  # and Entra's side of the same value


def test_entras_new_certificate_is_put_in_keycloaks_identity_provider(scan):
    """Keycloak refused Entra's response signed with the new key: the fix said
    sonar.auth.saml.certificate.secured, SonarQube's setting, for Keycloak's refusal."""
    a = _at(scan, "2026-03-10T10:09", "signature-cert-mismatch")
    assert ("chrome-sonar.har", "entry 25") in refs(a)
    assert "sonar.auth.saml" not in a["fix"]
    assert "Identity Providers > entra > Settings: Validating X509 certificates" in a["fix"]


def test_first_broker_login_finding_a_local_user_is_email_already_used(scan):
    """IDENTITY_PROVIDER_FIRST_LOGIN_ERROR error=federated_identity_account_exists and Keycloak's
    409 page were unknown-failure ('Read the evidence lines.'), the page's input shown as '?' and
    the event's user the local account's opaque ID."""
    a = _at(scan, "2026-03-10T09:25", "email-already-used")
    assert a["user"] == "carla.romano@example.com"
    assert {("chrome-sonar.har", "entry 15"), ("keycloak-server.log", "line 4"),
            ("chrome-sonar.har", "entry 14")} <= refs(a)
    assert all(e["input"] != "?" for e in a["evidence"])
    assert "Create User If Unique" in a["fix"] and "Identity provider links" in a["fix"]
    assert not any(x["root_cause"] == "unknown-failure" for x in scan["attempts"] if x["time"].startswith("2026-03-10T09:25"))


def test_entras_responses_to_keycloak_are_not_judged_against_sonarqubes_settings():
    """With SonarQube's entity ID and ACS given, Entra's responses to Keycloak's broker endpoint
    (Audience: Keycloak's broker entity ID) were audience-mismatch and destination-mismatch, and dan's
    login, refused by SonarQube for its missing login attribute, was put down to audience-mismatch:
    SonarQube's web.log lines had joined the Entra hop's attempt, so it counted as SonarQube's."""
    found = scan_case(CASE, "UTC", "--sp-entity-id", "sonarqube",
                      "--acs-url", "https://sonar.example.com/oauth2/callback/saml")
    for a in found["attempts"]:
        assert not {"audience-mismatch", "destination-mismatch"} & set(a["findings"]), a
    assert _at(found, "2026-03-10T09:40:2", "login-attribute-missing")["outcome"] == "failure"
