"""Support case 10: SonarQube Server 10.6 (java-saml) behind a TLS-terminating proxy + Okta
(tests/data/case10, made by fixtures/gen_case10.py; sources in tests/data/case10/SOURCES.md).

What a support engineer needs from the scan: one attempt per login (carol's double click and the
other Okta apps' sign-ins are no attempts), java-saml's 'received at http://... instead of
https://...' fixed at the proxy (not by changing Okta's right ACS URL), and Okta's email sent as
'user.email' named as such, with the Okta screen where the statement is fixed.
"""
from __future__ import annotations

import pytest
from case_util import ROOT, generator_check, refs, scan_case

from samlscan import catalog

CASE = ROOT / "tests" / "data" / "case10"


@pytest.fixture(scope="module")
def scan() -> dict:
    return scan_case(CASE, "UTC")


def _by_user(scan: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for a in scan["attempts"]:
        out.setdefault(a["user"], []).append(a)
    return out


def test_generator_is_current():
    done = generator_check("gen_case10.py")
    assert done.returncode == 0, done.stderr


def test_one_attempt_per_login_and_no_noise(scan):
    users = _by_user(scan)
    assert sorted(users) == ["alice.moreno@corp.example", "bob.tanaka@corp.example", "carol.singh@corp.example"]
    assert all(len(v) == 1 for v in users.values())
    assert users["alice.moreno@corp.example"][0]["outcome"] == "success"


def test_http_received_for_https_destination_is_fixed_at_the_proxy(scan):
    """java-saml compares with the request's URL, whose scheme SonarQube takes from X-Forwarded-Proto
    (SamlIdentityProvider.callback): Okta's https ACS URL is right, the proxy must say https. The
    catalog's general fix began 'Make the IdP's ACS/Reply URL identical to the SP's ACS URL'."""
    (a,) = _by_user(scan)["carol.singh@corp.example"]
    assert (a["outcome"], a["root_cause"], a["side"]) == ("failure", "destination-mismatch", "sp")
    assert "X-Forwarded-Proto" in a["fix"] and "sonar.core.serverBaseURL" in a["fix"]
    assert "fix the proxy, not the IdP" in a["fix"]
    assert ("firefox-carol.har", "entry 3") in refs(a)


@pytest.mark.parametrize("text", [
    "The response was received at http://sonar.corp.example/oauth2/callback/saml instead of "
    "https://sonar.corp.example/oauth2/callback/saml",
    "The response was received at http://sq.internal:9000/oauth2/callback/saml instead of "
    "https://sonarqube.example.org/oauth2/callback/saml",
])
def test_java_saml_scheme_downgrade_names_the_proxy_header(text):
    for product in ("java-saml", "sonarqube", None):
        entry = catalog.lookup(text, product)
        assert entry.code == "destination-mismatch" and entry.id == "WRONG_DESTINATION", product
        assert "fix the proxy, not the IdP" in entry.fix and "X-Forwarded-Proto: https" in entry.fix, product


def test_okta_user_email_as_attribute_name_is_named_with_oktas_screen(scan):
    """SonarQube's login attribute is 'email' (user.login=email): the old check looked for login
    names only and said 'add the claim email in the IdP, or set sonar.auth.saml.user.login to one of
    the attributes received', though Okta sent the address as 'user.email'."""
    (a,) = _by_user(scan)["bob.tanaka@corp.example"]
    assert (a["outcome"], a["root_cause"], a["side"]) == ("failure", "login-attribute-missing", "idp")
    assert "Attribute Statements" in a["fix"] and "'email' with Value user.email" in a["fix"]
    assert "sonar.auth.saml.user.login to user.email" in a["fix"]
    found = [f for m in scan["messages"] for f in m["findings"] if f["code"] == "login-attribute-missing"]
    assert found and all("'user.email'" in f["message_text"] and "Okta's expression" in f["message_text"]
                         for f in found)
