"""Support case 11: SonarQube Server 2025.1 (Spring Security SAML2) + Keycloak 26, a login loop
(tests/data/case11, made by fixtures/gen_case11.py; sources in tests/data/case11/SOURCES.md).

What a support engineer needs from the scan: the loop told with the cookie the browser refused
(SameSite=None without Secure, the proxy's doing), Keycloak's refusal of an AuthnRequest whose
Issuer is no client's Client ID read from its error page as well as from its event, each fixed in
Keycloak's Clients screen.
"""
from __future__ import annotations

import json

import pytest
from case_util import ROOT, generator_check, scan_case
from click.testing import CliRunner

from samlscan import catalog
from samlscan.cli import main

CASE = ROOT / "tests" / "data" / "case11"


@pytest.fixture(scope="module")
def scan() -> dict:
    return scan_case(CASE, "Europe/Berlin")


def _check(name: str) -> dict:
    res = CliRunner().invoke(main, ["check", str(CASE / name), "--format", "json", "--fail-on", "never"])
    return json.loads(res.stdout)


def test_generator_is_current():
    done = generator_check("gen_case11.py")
    assert done.returncode == 0, done.stderr


# --- Keycloak: no client has the AuthnRequest's Issuer as Client ID -----------------------------------

def test_keycloaks_unknown_login_requester_page_is_app_not_found():
    """Keycloak's page 'Unknown login requester.' (SamlService: no client with the Issuer as Client
    ID) was unknown-failure, 'Read the evidence lines.'"""
    (a,) = [a for a in _check("chrome-sonar.har")["attempts"] if a["time"] == "2025-11-18T09:21:07Z"]
    assert (a["root_cause"], a["side"]) == ("app-not-found", "idp")
    assert "Client ID" in a["fix"] and "sonar.auth.saml.applicationId" in a["fix"]
    assert a["fix"].endswith("The SP entity ID this login sent: 'https://sonar.example.com'.")


def test_a_disabled_keycloak_client_page_is_read():
    entry = catalog.lookup("Login requester not enabled.", "keycloak")
    assert entry is not None and entry.code == "idp-configuration-error" and "Enabled" in entry.fix


def test_client_not_found_is_fixed_in_keycloaks_clients_screen(scan):
    """The event's fix was the generic 'Make the IdP application's Identifier equal the SP entity ID
    ..., in the right tenant': Keycloak has no Identifier nor tenant, its field is the Client ID."""
    found = [a for a in scan["attempts"] if a["root_cause"] == "app-not-found"]
    assert found
    for a in found:
        assert a["side"] == "idp" and "Keycloak's admin console (Clients)" in a["fix"]
        assert "tenant" not in a["fix"]


# --- the login loop --------------------------------------------------------------------------------------

@pytest.mark.parametrize("header,name", [
    ("JWT-SESSION=abc; Path=/; HttpOnly; SameSite=None", "JWT-SESSION"),
    ("XSRF-TOKEN=x; samesite=none ; path=/", "XSRF-TOKEN"),
    ("JWT-SESSION=abc; Path=/; Secure; SameSite=None", None),
    ("JWT-SESSION=abc; Path=/; HttpOnly; SameSite=Lax", None),
    ("JWT-SESSION=abc; Path=/", None),
    ("a=SameSite=None", None),
])
def test_a_samesite_none_cookie_without_secure_is_refused(header, name):
    from samlscan.flows import refusal

    assert (refusal(header, "") or (None,))[0] == name


def test_the_loop_names_the_session_cookie_the_browser_refused():
    """Each round's ACS answer set JWT-SESSION with SameSite=None and no Secure (the proxy rewrote
    SonarQube's SameSite=Lax and sent no X-Forwarded-Proto): the loop said only 'its session cookie was not set or not sent back'."""
    loops = [a for a in _check("chrome-sonar.har")["attempts"] if a["root_cause"] == "login-loop"]
    assert len(loops) == 5  # (the fifth round's capture ends at /sessions/init/saml: tests/test_kcflows.py)
    for a in loops:
        assert a["side"] == "sp"
        assert any("set JWT-SESSION, XSRF-TOKEN with SameSite=None but without Secure" in n for n in a["notes"])
