"""signature-weak-algorithm's clause for the IdP product an EC-signed response's Issuer names: Keycloak,
Auth0 and Okta sign SAML with RSA keys only (their SAML signature algorithms have no ECDSA: codes.py
_SIGN_SHA256 cites the pages), so their clause says so beside the fix's ECDSA-SHA256, instead of only
naming an RSA setting as if it were the EC key's. Signed for real with samlgen (a P-256 key, the TEST-ONLY
tests/data/othersigners/ecp256.key), ECDSA-SHA256 over a SHA-1 digest."""
from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import generate as GEN  # noqa: E402
from samlgen import build as B  # noqa: E402
from samlgen import keys as K  # noqa: E402
from samlgen import signer  # noqa: E402
from test_external_shapes import NO_KEY, A, analyze, by_code  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ISSUERS = {
    "keycloak": ("https://sso.example.com/realms/corp", "Keycloak: ", "no ECDSA algorithm for SAML"),
    "auth0": ("urn:corp.eu.auth0.com", "Auth0: ", "signs SAML with no EC key"),
    "okta": ("http://www.okta.com/exk1abcdEFGH2345", "Okta: ", "signs SAML with no EC key"),
}


def _ec_signed(issuer: str, digest: str = "sha1") -> bytes:
    pair = K.KeyPair("ec", (ROOT / "tests/data/othersigners/ecp256.key").read_bytes(), GEN.IDP.cert_pem)
    style = replace(GEN.OKTA_ASSERTION_ONLY, signature_method="ecdsa-sha256", digest_method=digest)
    content = replace(GEN.response(f"ec-{digest}", style), issuer=issuer)
    content = replace(content, assertions=tuple(replace(a, issuer=issuer) for a in content.assertions))
    root = B.build_response(content, style)
    sig = signer.add_template(root.find(A + "Assertion"), style)
    signer.key_value_only(sig, pair, "ec")
    signer.sign_all(root, pair)
    return etree.tostring(root)


@pytest.mark.parametrize("product", ISSUERS)
def test_an_ec_signed_response_is_told_the_product_signs_saml_with_rsa_only(product):
    issuer, name, says = ISSUERS[product]
    res = analyze(_ec_signed(issuer), NO_KEY)
    (sig,) = res.message.signatures
    assert sig.failure is None and not by_code(res, "signature-invalid"), "the EC signature must be intact"
    weak = by_code(res, "signature-weak-algorithm")
    assert weak and all(name in f.hint and says in f.hint for f in weak), [f.hint for f in weak]


@pytest.mark.parametrize("product", ISSUERS)
def test_a_strong_ec_signature_has_no_weak_algorithm_finding(product):
    res = analyze(_ec_signed(ISSUERS[product][0], "sha256"), NO_KEY)
    assert res.message.signatures[0].failure is None and not by_code(res, "signature-weak-algorithm")


@pytest.mark.parametrize("product", ISSUERS)
def test_the_fix_of_an_ec_signature_from_an_rsa_only_idp_names_rsa_sha256(product):
    """'Configure the IdP to sign with ECDSA-SHA256' beside a clause saying the product has no ECDSA for
    SAML contradicted itself: such a product's own signature is RSA, so its fix is RSA-SHA256."""
    weak = by_code(analyze(_ec_signed(ISSUERS[product][0]), NO_KEY), "signature-weak-algorithm")
    assert weak and all("ECDSA-SHA256" not in f.hint.split(". ")[0] and "RSA-SHA256" in f.hint for f in weak), \
        [f.hint for f in weak]


def test_the_fix_of_an_ec_signature_from_another_idp_names_ecdsa_sha256():
    weak = by_code(analyze(_ec_signed("https://idp.example.org/saml2/idp"), NO_KEY), "signature-weak-algorithm")
    assert weak and all(f.hint.startswith("Configure the IdP to sign with ECDSA-SHA256") for f in weak), \
        [f.hint for f in weak]
