"""A ds:Signature whose KeyInfo holds a bare public key, no certificate: ds:KeyValue/RSAKeyValue
(XML-DSig 4.5.2; crewjam/saml's 'RealWorld' sample, some AD FS and PingFederate configurations),
dsig11:ECKeyValue (XML-DSig 1.1 4.5.2.3) or dsig11:DEREncodedKeyValue (4.5.5). Signed for real with
samlgen; the KeyInfo is written before signing (it is outside what the signature covers).

It was read as 'no key in KeyInfo': without a configured certificate the table said "not verified:
no IdP certificate configured and none in KeyInfo", and a signature made by a rotated key was
called 'wrong key, or SignedInfo changed' instead of a certificate mismatch.
"""
from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import generate as GEN  # noqa: E402
from samlgen import build as B  # noqa: E402
from samlgen import keys as K  # noqa: E402
from samlgen import signer  # noqa: E402
from test_external_shapes import DEFAULT, DS, NO_KEY, A, analyze, by_code  # noqa: E402

from samlscan.report.table import header_rows  # noqa: E402

STYLE = GEN.OKTA_ASSERTION_ONLY


def _signed(kind: str = "rsa", pair=None, key_info_pair=None, style=STYLE) -> bytes:
    """A response whose Assertion is signed by `pair` (the test IdP key), its KeyInfo holding the
    bare public key of `key_info_pair` (the same key unless given) as `kind`."""
    pair = pair or GEN.IDP
    root = B.build_response(GEN.response(f"keyvalue-{kind}", style), style)
    sig = signer.add_template(root.find(A + "Assertion"), style)
    signer.key_value_only(sig, key_info_pair or pair, kind)
    signer.sign_all(root, pair)
    return etree.tostring(root)


def _ec_pair() -> K.KeyPair:
    """A P-256 key made for the test (the certificate is unused: KeyInfo gets the bare key)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return K.KeyPair("ec", pem, GEN.IDP.cert_pem)


def _signed_row(res) -> str:
    return dict(header_rows(res))["Signed"]


def test_rsa_key_value_without_configured_certificate_is_intact_not_keyless():
    res = analyze(_signed("rsa"), NO_KEY)
    (sig,) = res.message.signatures
    assert sig.verified is None and sig.failure is None
    row = _signed_row(res)
    assert "none in KeyInfo" not in row
    assert "intact (verifies with the key in its own KeyInfo); trust not checked" in row
    assert "RSAKeyValue (RSA 2048-bit public key, SHA-256 of the key " in row
    assert not by_code(res, "signature-invalid")


def test_der_and_ec_key_values_are_read_too():
    der = analyze(_signed("der"), NO_KEY)
    assert der.message.signatures[0].failure is None and "DEREncodedKeyValue (RSA 2048-bit" in _signed_row(der)
    ec = analyze(_signed("ec", _ec_pair(), style=replace(STYLE, signature_method="ecdsa-sha256")), NO_KEY)
    assert ec.message.signatures[0].failure is None
    assert "ECKeyValue (EC secp256r1 256-bit public key" in _signed_row(ec)
    assert not by_code(ec, "signature-weak-key")  # a 256-bit EC key is not a 256-bit RSA key


def test_key_value_of_the_configured_certificate_verifies_and_says_so():
    res = analyze(_signed("rsa"), DEFAULT)
    (sig,) = res.message.signatures
    assert sig.verified is True
    assert "the same key as the configured certificate" in _signed_row(res)
    assert not by_code(res, "cert-keyinfo-differs")


def test_key_value_of_another_key_is_a_certificate_mismatch_not_a_broken_signature():
    res = analyze(_signed("rsa", K.load("sp")), DEFAULT)
    (f,) = by_code(res, "signature-cert-mismatch")
    assert f.actual.startswith("KeyInfo holds RSAKeyValue (RSA 2048-bit")
    assert not by_code(res, "signature-invalid")
    assert "the key of no configured certificate" in _signed_row(res)


def test_key_value_other_than_the_verifying_key_is_said():
    res = analyze(_signed("rsa", key_info_pair=K.load("sp")), DEFAULT)
    assert res.message.signatures[0].verified is True
    (f,) = by_code(res, "cert-keyinfo-differs")
    assert "carries another key: RSAKeyValue" in f.message_text


def test_changed_content_under_a_key_value_is_invalid_without_configuration():
    root = etree.fromstring(_signed("rsa"))
    next(root.iter(A + "NameID")).text = "someone.else@example.com"
    res = analyze(etree.tostring(root), NO_KEY)
    assert res.message.signatures[0].failure == "digest"
    (f,) = by_code(res, "signature-invalid")
    assert "content was changed" in f.message_text


def test_weak_rsa_key_value_is_flagged_without_configuration():
    res = analyze(_signed("rsa", K.load("idp-weak")), NO_KEY)
    (f,) = by_code(res, "signature-weak-key")
    assert f.actual == "1024 bits"


def test_key_name_alone_is_named():
    row = _signed_row(analyze(_signed("keyname"), NO_KEY))
    assert "KeyInfo: only KeyName 'idp' (no certificate or key)" in row


def test_an_unreadable_key_value_says_so():
    root = etree.fromstring(_signed("rsa"))
    next(root.iter(DS + "Modulus")).text = "!!!"
    res = analyze(etree.tostring(root), NO_KEY)
    assert res.message.signatures[0].failure == "no-key"
    assert "KeyInfo: RSAKeyValue that cannot be read (no readable Modulus)" in _signed_row(res)


def test_json_names_the_key_value():
    from samlscan.report.document import message_dict

    (sig,) = message_dict(analyze(_signed("rsa"), DEFAULT))["signatures"]
    assert sig["keyinfo_certificates"] == []
    assert sig["keyinfo_key"]["holds"].startswith("RSAKeyValue (RSA 2048-bit")
    assert sig["keyinfo_key"]["configured"].startswith("the same key as the configured certificate")


def test_a_foreign_key_beside_the_configured_certificate_is_a_forgery_not_a_rotation():
    """Signed by an attacker's key that KeyInfo carries as an RSAKeyValue, next to the configured
    IdP certificate: it verified with its own key, so it was called 'the IdP rotated its signing
    certificate' (naming the configured certificate as the one received)."""
    attacker = K.load("attacker")
    root = B.build_response(GEN.response("keyvalue-forged", STYLE), STYLE)
    sig = signer.add_template(root.find(A + "Assertion"), STYLE)
    signer.key_value_only(sig, attacker, "rsa")
    key_info = next(c for c in sig if c.tag == DS + "KeyInfo")
    der = GEN.IDP.cert_pem.decode().split("-----")[2].replace("\n", "")
    etree.SubElement(etree.SubElement(key_info, DS + "X509Data"), DS + "X509Certificate").text = der
    signer.sign_all(root, attacker)
    res = analyze(etree.tostring(root))
    (f,) = by_code(res, "signature-invalid")
    assert "unconfigured key its KeyInfo carries" in f.message_text and not by_code(res, "signature-cert-mismatch")
