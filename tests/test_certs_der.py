"""certs.public_key_der: the SubjectPublicKeyInfo read from certificate DER without cryptography's
serialization module, checked against cryptography itself."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID

from samlscan.certs import _der_trim, der_from_text, public_key_der

KEYS = Path(__file__).resolve().parent.parent / "fixtures" / "keys"


def _spki(cert: x509.Certificate) -> bytes:
    return cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)


def _self_signed(key, algorithm) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.example.test")])
    start = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(7).not_valid_before(start).not_valid_after(start + dt.timedelta(days=365))
            .sign(key, algorithm))


@pytest.mark.parametrize("path", sorted(KEYS.glob("*.crt")), ids=lambda p: p.name)
def test_rsa_fixture_certificates(path):
    (der,) = der_from_text(path.read_bytes())
    assert public_key_der(der) == _spki(x509.load_der_x509_certificate(der))


@pytest.mark.parametrize("key, algorithm", [(ec.generate_private_key(ec.SECP256R1()), hashes.SHA256()),
                                            (ec.generate_private_key(ec.SECP384R1()), hashes.SHA384()),
                                            (ed25519.Ed25519PrivateKey.generate(), None)],
                         ids=["P-256", "P-384", "Ed25519"])
def test_other_key_types(key, algorithm):
    cert = _self_signed(key, algorithm)
    assert public_key_der(cert.public_bytes(serialization.Encoding.DER)) == _spki(cert)


def _tlv(tag: int, body: bytes) -> bytes:
    n = len(body)
    head = bytes([n]) if n < 0x80 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag]) + head + body


def test_version_1_certificate_without_the_version_field():
    """X.509 v1 (RFC 5280 4.1.2.1: version DEFAULT v1, absent): the SPKI is then the sixth child."""
    v3 = x509.load_der_x509_certificate(der_from_text((KEYS / "idp.crt").read_bytes())[0])
    spki = _spki(v3)
    name = v3.subject.public_bytes()
    tbs = _tlv(0x30, _tlv(0x02, b"\x07") + _tlv(0x30, b"") + name + _tlv(0x30, b"") + name + spki)
    cert = _tlv(0x30, tbs + _tlv(0x30, b"") + _tlv(0x03, b"\x00"))
    assert public_key_der(cert) == spki


@pytest.mark.parametrize("der", [b"", b"\x30", b"\x30\x85\x01\x02\x03\x04\x05",
                                 b"\x30\x82\xff\xff\x30\x00", b"\x30\x03\x30\x01\x02"])
def test_malformed_der_is_a_value_error(der):
    with pytest.raises(ValueError):
        public_key_der(der)


def test_trailing_bytes_are_trimmed_and_short_ones_kept():
    (der,) = der_from_text((KEYS / "idp.crt").read_bytes())
    assert _der_trim(der + b"\n") == der
    assert _der_trim(der[:-10]) == der[:-10]  # cut short: left for the loader to refuse
