"""A fourth audit with real third-party SAML (not rebuilt): the signed documents of
tests/data/external4 as found (sources, commits and licenses in its SOURCES.md), checked with
their signers' certificates and judged with --at inside their long-past windows, as their own
tests judge them with checkExpiration off. Each test pins samlscan's verdict on one sample:
- Auth0 as IdP, SignatureValue wrapped with encoded CRs (&#13;): verified;
- an Entra-shaped response signed by Auth0's key, CRs in an attribute value, a stray text node in
  KeyInfo: verified, the value read with its CRs;
- SimpleSAMLphp as IdP, a signed Response holding an EncryptedAssertion whose Assertion is signed
  too: decrypted with the SP key, both signatures verified; with another SP key the finding says
  the key cannot open the EncryptedKey (it said only "xmlsec could not decrypt ... failed to
  decrypt", leaving the SP admin to guess between a wrong key and damaged content).
"""
from __future__ import annotations

import base64
from pathlib import Path

import pytest

from samlscan.config import build
from samlscan.engine import analyze_raw
from samlscan.inputs.base import RawMessage
from samlscan.model import Source

DATA = Path(__file__).resolve().parent / "data" / "external4"
EMAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"


def _analyze(name: str, **flags):
    raw = (DATA / name).read_text()
    if name.endswith(".b64"):
        raw = base64.b64decode(raw).decode()
    expect = build({k: (str(DATA / v) if k in ("idp_cert", "sp_key") and not str(v).startswith("/")
                        else v) for k, v in flags.items()}, None)
    res = analyze_raw(RawMessage(Source(name), "XML", raw, "xml"), 0, expect)
    assert not hasattr(res, "code"), f"refused as input: {res}"
    return res


def _codes(res) -> set[str]:
    return {f.code for f in res.findings}


AUTH0 = {"idp_cert": "auth0-gss.crt", "at": "2021-07-30T14:08:00Z",
         "sp_entity_id": "urn:auth0:nico-sabena:gss-saml",
         "acs_url": "https://nico-sabena.auth0.com/login/callback?connection=gss-saml",
         "idp_entity_id": "urn:gss.auth0.com", "email_attribute": EMAIL,
         "request_id": "_1084fc6fbbb5c41062205d1f6312ce20"}


def test_auth0_response_with_encoded_cr_in_its_signature_value_verifies():
    res = _analyze("auth0-gss-response-encoded-cr.xml", **AUTH0)
    m = res.message
    (sig,) = m.signatures
    assert sig.parent == "Response" and sig.verified is True
    (a,) = m.assertions
    assert a.signed and a.name_id.value == "google-oauth2|102926791338478276489"
    assert a.audience_restrictions == (("urn:auth0:nico-sabena:gss-saml",),)
    # the only problem: Auth0's signing certificate expired in 2013 (Auth0's SPs pin a thumbprint)
    assert _codes(res) - {"checks-skipped"} == {"cert-expired"}


def test_auth0_response_without_a_certificate_is_intact_but_not_trusted():
    res = _analyze("auth0-gss-response-encoded-cr.xml", at="2021-07-30T14:08:00Z")
    (sig,) = res.message.signatures
    assert sig.verified is None and sig.failure is None  # verifies with its own KeyInfo only
    assert "signature-invalid" not in _codes(res)


def test_entra_shaped_response_with_cr_in_an_attribute_value_verifies():
    res = _analyze("auth0-entra-shaped-response-cr.xml", idp_cert="auth0-gss.crt", at="2021-05-28T20:34:00Z",
                   sp_entity_id="urn:auth0:nico-sabena:saml-test", acs_url="https://nico-sabena.auth0.com/login/callback",
                   idp_entity_id="https://sts.windows.net/11111111-1111-1111-1111-111111111111/",
                   email_attribute=EMAIL, request_id="_986e8f9c130ec4f0fd5625b7e2be26f3")
    (sig,) = res.message.signatures
    assert sig.parent == "Assertion" and sig.verified is True
    (a,) = res.message.assertions
    values = {x.name: x.values for x in a.attributes}
    assert values["postal_address"] == ("Street 1\r\nLine 2\r\nSome more address.\r\nCity, state and zip goes here.",)
    assert values[EMAIL] == ("nico@auth0.com",)
    assert _codes(res) - {"checks-skipped"} == {"cert-expired"}


SSP = {"idp_cert": "simplesamlphp-idp.crt", "at": "2017-11-15T17:59:30Z",
       "sp_entity_id": "urn:auth0:login0:simplephp", "acs_url": "https://login0.myauth0.com/login/callback",
       "idp_entity_id": "http://localhost:8080/simplesaml/saml2/idp/metadata.php", "email_attribute": "email",
       "request_id": "_a223e1d5c712586166af"}


def test_simplesamlphp_encrypted_assertion_is_decrypted_and_both_signatures_verify():
    res = _analyze("simplesamlphp-encrypted-signed.b64", sp_key="auth0-test.key", **SSP)
    m = res.message
    assert {s.parent: s.verified for s in m.signatures} == {"Response": True, "Assertion": True}
    (a,) = m.assertions
    assert a.was_encrypted and a.signed
    assert {x.name: x.values for x in a.attributes}["email"] == ("user1@example.com",)
    assert a.audience_restrictions == (("urn:auth0:login0:simplephp",),)
    assert _codes(res) - {"checks-skipped"} == {"signature-weak-algorithm"}  # RSA-SHA1, as signed


def test_simplesamlphp_encrypted_assertion_without_the_sp_key_is_said_so():
    res = _analyze("simplesamlphp-encrypted-signed.b64", **SSP)
    assert "assertion-encrypted-no-key" in _codes(res) and "decryption-failed" not in _codes(res)
    assert res.message.signatures[0].verified is True


@pytest.fixture
def other_sp_key(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "other-sp.key"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                       serialization.NoEncryption()))
    return str(path)


def test_another_sp_key_is_said_unable_to_open_the_encrypted_key(other_sp_key):
    res = _analyze("simplesamlphp-encrypted-signed.b64", sp_key=other_sp_key, **SSP)
    (f,) = [f for f in res.findings if f.code == "decryption-failed"]
    assert "cannot open the EncryptedKey" in f.message_text
    assert "encrypted the assertion for another SP key" in f.message_text
    assert "failed to decrypt" not in f.message_text


def test_a_damaged_encrypted_data_is_told_apart_from_a_wrong_key():
    from lxml import etree

    from samlscan.decrypt import SpKey, _why_not
    from samlscan.xmlsafe import XENC

    root = etree.fromstring(base64.b64decode((DATA / "simplesamlphp-encrypted-signed.b64").read_text()))
    enc_data = next(root.iter(XENC + "EncryptedData"))
    why = _why_not(enc_data, SpKey("sp.key", (DATA / "auth0-test.key").read_bytes()))
    assert why.startswith("sp.key opens the EncryptedKey, but the EncryptedData does not decrypt")
