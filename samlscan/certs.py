"""Certificates: load PEM/DER/bare base64 (as SonarQube and metadata store them) into CertInfo."""
from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

from samlscan.errors import ConfigError
from samlscan.model import CertInfo

_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", re.S)


@dataclass(frozen=True)
class TrustedCert:
    """A configured certificate: its description and DER bytes (xmlsec key built lazily)."""

    info: CertInfo
    der: bytes = field(repr=False)

    def pem(self) -> bytes:
        body = base64.encodebytes(self.der).replace(b"\n", b"")
        lines = [body[i:i + 64] for i in range(0, len(body), 64)]
        return b"-----BEGIN CERTIFICATE-----\n" + b"\n".join(lines) + b"\n-----END CERTIFICATE-----\n"


def colon_hex(digest: bytes) -> str:
    """'AB:CD:...' as Okta, Entra and AD FS consoles display fingerprints."""
    return ":".join(f"{b:02X}" for b in digest)


def cert_info_from_der(der: bytes, origin: str) -> CertInfo:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa

    import warnings

    with warnings.catch_warnings():  # old IdP certs with a negative serial still verify signatures
        warnings.simplefilter("ignore")
        cert = x509.load_der_x509_certificate(der)
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        kind, bits = "RSA", key.key_size
    elif isinstance(key, ec.EllipticCurvePublicKey):
        kind, bits = f"EC {key.curve.name}", key.key_size
    elif isinstance(key, dsa.DSAPublicKey):
        kind, bits = "DSA", key.key_size
    else:
        kind, bits = type(key).__name__.replace("PublicKey", ""), None
    return CertInfo(
        subject=cert.subject.rfc4514_string(), issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
        sha1=colon_hex(cert.fingerprint(hashes.SHA1())),
        sha256=colon_hex(cert.fingerprint(hashes.SHA256())),
        key_type=kind, key_bits=bits, origin=origin)


def der_from_text(data: bytes) -> list[bytes]:
    """DER certificates in PEM text, a bare base64 body (SonarQube's certificate.secured), or DER."""
    blocks = _PEM.findall(data)
    if blocks:
        return [base64.b64decode(re.sub(rb"\s+", b"", b)) for b in blocks]
    if data[:1] == b"\x30":  # DER SEQUENCE
        return [data]
    text = re.sub(rb"\s+|\\n|\\r", b"", data)
    if re.fullmatch(rb"[A-Za-z0-9+/=]+", text or b"-"):
        return [base64.b64decode(text + b"=" * (-len(text) % 4))]
    return []


def load_certs(data: bytes, origin: str) -> list[TrustedCert]:
    """All certificates in `data`; ConfigError when there is none or one is broken."""
    if b"PRIVATE KEY" in data and b"CERTIFICATE" not in data:
        raise ConfigError(f"{origin}: this is a private key, not a certificate "
                          "(give the IdP's signing certificate)")
    ders = der_from_text(data)
    if not ders:
        raise ConfigError(f"{origin}: no certificate found (expected PEM, DER or base64)")
    out = []
    for der in ders:
        try:
            out.append(TrustedCert(cert_info_from_der(der, origin), der))
        except ValueError as exc:
            raise ConfigError(f"{origin}: unreadable certificate: {exc}") from None
    return out


_KEYINFO_CACHE: dict[str, TrustedCert | None] = {}


def cert_from_keyinfo(b64text: str) -> TrustedCert | None:
    """A ds:X509Certificate value, or None when it is not a readable certificate.

    Cached: an IdP sends the same certificate in every response, and parsing it costs as much as
    verifying a signature."""
    if b64text in _KEYINFO_CACHE:
        return _KEYINFO_CACHE[b64text]
    key = re.sub(r"\s+", "", b64text or "")
    try:
        der = base64.b64decode(key, validate=True)
        found = TrustedCert(cert_info_from_der(der, "KeyInfo"), der)
    except ValueError:
        found = None
    if len(_KEYINFO_CACHE) < 1024:
        _KEYINFO_CACHE[b64text] = found
    return found
