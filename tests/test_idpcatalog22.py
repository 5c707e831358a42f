"""Error texts of the IdPs samlscan recognises by Issuer and SSO URL (OneLogin, AWS IAM Identity Center,
PingOne, Duo, JumpCloud) and Salesforce's Login History statuses: `samlscan explain` names the product
and the cause, and an error page holding one of the IdPs' texts is read as that failure (saved as
HTML and checked, or met in a capture at the IdP's SSO host). Each text's source is its catalog
entry's; the pages are made by _page below (a plain HTML error page around the text)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from samlscan.catalog import lookup
from samlscan.cli import main
from samlscan.errorpages import read_page
from samlscan.explain import explain_text
from samlscan.flows import find_idp_error

TEXTS = [
    # (text as the product shows or logs it, product, samlscan code)
    ("You do not have access to this application. contact your administrator.", "onelogin", "user-not-assigned"),
    ("Response contains invalid name id policy format", "aws-identity-center", "idp-configuration-error"),
    ("We couldn't complete your request right now. Please try again later.", "aws-identity-center",
     "unknown-failure"),
    ("ExternalIdPDirectoryLogin", "aws-identity-center", "unknown-failure"),
    ("Sorry, you're not authorized to access the requested resource. Check that you belong to one of the "
     "authorized groups.", "pingone", "user-not-assigned"),
    ("You are not authorized to access the target resource. Please verify that you belong to one of the "
     "authorized group(s).", "pingone", "user-not-assigned"),
    ("AUTHZ_001", "pingone", "user-not-assigned"),
    ("It looks like your session has expired or is invalid. Please sign in (SSO) again.", "pingone",
     "idp-authentication-failed"),
    ("The multi-factor authentication was not successful.", "pingone", "idp-authentication-failed"),
    ("Oops! Something went wrong. Please report this error to your IT support team.", "duo", "unknown-failure"),
    ("User not bound to application", "jumpcloud", "user-not-assigned"),
    ("Audience Invalid", "salesforce", "audience-mismatch"),
    ("Assertion Invalid", "salesforce", "unknown-failure"),
    ("Configuration Error/Perm Disabled", "salesforce", "sp-configuration-error"),
    ("Issuer Mismatched", "salesforce", "issuer-mismatch"),
    ("Recipient Mismatched", "salesforce", "recipient-mismatch"),
    ("Replay Detected", "salesforce", "assertion-replayed"),
]


@pytest.mark.parametrize("text, product, code", TEXTS)
def test_explain_names_the_product_and_the_cause(text, product, code):
    entry = lookup(text)
    assert entry is not None and (entry.product, entry.code) == (product, code), entry
    out, found = explain_text(text)
    assert found and out.startswith(product) and code in out, out


@pytest.mark.parametrize("text, code", [("Assertion Expired", "assertion-expired"),
                                        ("Signature Invalid", "signature-invalid")])
def test_salesforce_statuses_that_are_also_finding_codes(text, code):
    """'Signature Invalid' alone is samlscan's own code (explain says the code); Salesforce's Login
    History names it with the product."""
    entry = lookup(text, "salesforce")
    assert (entry.product, entry.code) == ("salesforce", code)
    out, found = explain_text(text)
    assert found and out.startswith(code)


def test_each_fix_names_the_products_screen():
    """An admin's fix says where in the product's console to act, as codes.py's clauses do."""
    screens = {"onelogin": "Users > the user > Applications", "pingone": "Applications > the app > Access",
               "jumpcloud": "SSO Applications > the Custom SAML App > User Groups",
               "duo": "Applications > the Generic SAML Service Provider application",
               "salesforce": "Setup > Single Sign-On Settings"}
    for text, product, _ in TEXTS:
        entry = lookup(text)
        if product in screens and entry.side != "user":  # (a user's retry names no admin screen)
            assert screens[product] in entry.fix, text


# --- error pages -----------------------------------------------------------------------------------

PAGES = [t for t in TEXTS if t[1] in ("onelogin", "pingone", "duo", "jumpcloud")
         and not t[0].startswith(("You are not", "AUTHZ"))] + [TEXTS[2]]
"""The texts users see on a page (not the ones only logged: CloudTrail's, PingOne's 'message 2')."""


def _page(title: str, text: str) -> str:
    """An IdP's error page around `text`: head, style and script, the text in a div of the body."""
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\n"
            "<style>.error{color:#b00}</style><script>window.dataLayer=[];</script></head>\n"
            f"<body><header><h1>{title}</h1></header>\n<main><div class=\"error\">\n  <p>{text}</p>\n"
            "</div><a href=\"/\">Back</a></main></body></html>\n")


def _check(tmp_path, name: str, body: str) -> dict:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("text, product, code", PAGES)
def test_a_saved_page_is_read_as_that_failure(tmp_path, text, product, code):
    page = read_page(_page("Sign in", text))
    assert page is not None and page.product == product and page.side == "idp"
    (attempt,) = _check(tmp_path, "page.html", _page("Sign in", text))["attempts"]
    assert (attempt["outcome"], attempt["root_cause"]) == ("failure", code)


def test_a_page_without_their_text_is_no_page_of_theirs(tmp_path):
    assert read_page(_page("Sign in", "Welcome back. Choose an account to continue.")) is None


def test_a_cloudtrail_record_quoting_the_text_is_no_page():
    record = json.dumps({"eventSource": "signin.amazonaws.com", "eventName": "ExternalIdPDirectoryLogin",
                         "errorMessage": "We couldn't complete your request right now. Please try again later."},
                        indent=1)
    assert read_page(record) is None


@pytest.mark.parametrize("url, product", [
    ("https://acme.onelogin.com/trust/saml2/http-post/sso/8d6e1f2a-1111-2222-3333-444455556666", "onelogin"),
    ("https://sso.jumpcloud.com/saml2/acme-wiki", "jumpcloud"),
    ("https://sso-1a2b3c4d.sso.duosecurity.com/saml2/sp/DIABCDEFGHIJKLMNOPQR/sso", "duo"),
    ("https://auth.pingone.com/0a7af83d-4ed9-4510-93cd-506fe835f69a/saml20/idp/sso", "pingone"),
])
def test_a_captured_page_at_the_idps_sso_url_is_its_error(url, product):
    text = next(t for t, p, _ in PAGES if p == product)
    err = find_idp_error(_page("Error", text), url, 403)
    assert err is not None and (err.product, err.message) == (product, text)


def test_the_same_sentence_on_another_site_is_not_an_idps_error():
    """'You do not have access to this application' is any site's sentence: only OneLogin's host makes
    it OneLogin's."""
    text = PAGES[0][0]
    assert find_idp_error(_page("Error", text), "https://wiki.example.com/login", 403) is None
