"""Fixes found by the Keycloak and AD FS support cases (fixtures/gen_scenarios.py)."""
from __future__ import annotations

import base64

from samlscan.flows import find_idp_error
from samlscan.logs.embedded import find_embedded


def test_a_base64_samlp_dump_is_found_without_other_hint_words():
    """'<samlp:' encodes as PHNhbWxw: a java-saml ' --> <base64>' line with no other SAML word
    in it was skipped (the pre-filter knew only '<saml2'/'<saml:')."""
    value = base64.b64encode(b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_1"/>'
                             + b" " * 40).decode()
    line = f"2025.03.13 10:16:12 DEBUG web[AZW][c.o.saml2.Auth]  --> {value}"
    assert find_embedded(line) == [value]


def test_keycloak_login_page_error_is_an_idp_error():
    page = ('<html><body><div class="pf-v5-c-alert pf-m-inline pf-m-danger"><span class="pf-v5-c-alert__title '
            'kc-feedback-text">Account is disabled, contact your administrator.</span></div>'
            '<form id="kc-form-login"></form></body></html>')
    err = find_idp_error(page, "https://sso.example.com/realms/corp/login-actions/authenticate?x=1")
    assert err is not None and err.product == "keycloak"
    assert err.message == "Account is disabled, contact your administrator."
    plain = page.replace(" pf-m-danger", "")  # an info message, or the plain login form
    assert find_idp_error(plain, "https://sso.example.com/realms/corp/protocol/saml") is None


def test_adfs_error_page_gives_the_activity_id():
    page = ('<div id="errorMessage" class="groupMargin">An error occurred. Contact your administrator for more '
            'information.</div><li><span class="text">Activity ID: </span>'
            '<span>0d4f6a7e-5b2c-4e19-8f00-6c3b2a1d9e77</span></li>')
    err = find_idp_error(page, "https://adfs.example.com/adfs/ls/?SAMLRequest=x")
    assert err is not None and err.product == "adfs"
    assert err.correlation_id == "0d4f6a7e-5b2c-4e19-8f00-6c3b2a1d9e77"
    assert find_idp_error(page, "https://sonar.example.com/sessions/unauthorized") is None
