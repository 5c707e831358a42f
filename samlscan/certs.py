"""Certificates: load PEM/DER/bare base64 (as SonarQube and metadata store them) into CertInfo."""
from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

from samlscan import lazyre
from samlscan.errors import ConfigError
from samlscan.model import CertInfo

# RFC 7468 'CERTIFICATE'; 'X509 CERTIFICATE' (old Netscape/OpenSSL label) and 'TRUSTED CERTIFICATE'
# (`openssl x509 -trustout`: the DER certificate followed by trust settings, cut off by _der_trim);
# 'PKCS7' and 'CMS' (RFC 7468 8: a .p7b, Windows' "Base-64 encoded" PKCS #7 export, read by _pkcs7_certs).
_LABEL = rb"(?:(?:X509 |TRUSTED )?CERTIFICATE|PKCS7|CMS)"
_PEM_BEGIN = lazyre.compile(rb"-----BEGIN " + _LABEL + rb"-----")
_PEM_END = lazyre.compile(rb"-----END " + _LABEL + rb"-----")


def _pem_blocks(data: bytes, first: bool = False) -> list[bytes]:
    """The bodies of the PEM blocks in `data`, each to the first END line after its BEGIN (at least
    one byte: `first`, only the first). A BEGIN with no END after it ends the search: a lazy
    BEGIN(.+?)END pattern scanned to the text's end from every BEGIN, and a file of 6,000 BEGIN
    lines took 6 s of CPU."""
    out, pos = [], 0
    while not (first and out):
        begin = _PEM_BEGIN.search(data, pos)
        end = _PEM_END.search(data, begin.end() + 1) if begin else None
        if end is None:
            return out
        out.append(data[begin.end():end.start()])
        pos = end.end()
    return out
_KEY_BLOCK = lazyre.compile(rb"-----BEGIN ([A-Z0-9 ]*)(PRIVATE|PUBLIC) KEY-----")
_NOT_BASE64 = lazyre.compile(rb"\s+|\\[nrt]|[\x80-\xff]+")
"""Whitespace, the literal escapes a certificate gets when pasted from JSON or a .properties file
(`\n`: 'n' is a base64 letter, so leaving them would silently corrupt the DER), and any non-ASCII
byte: the no-break spaces, zero-width spaces and curly quotes a certificate copied from a web page,
a mail or a Word document carries (in UTF-8 or Windows-1252), which are never part of base64."""


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


def _kind_and_bits(key) -> tuple[str, int | None]:
    """('RSA', 2048), ('EC secp256r1', 256), ('DSA', 1024), ('Ed25519', None) of a public key."""
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa

    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}", key.key_size
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size
    return type(key).__name__.replace("PublicKey", ""), None


UNSUPPORTED_KEY = "unsupported key algorithm"
"""CertInfo.key_type of a key cryptography does not know (_key_of); xmlsec cannot use it either."""


def _key_of(cert) -> tuple[str, int | None]:
    """_kind_and_bits of a certificate's key; a key algorithm cryptography does not know (GOST, SM2,
    or an OID damaged in transit) is named by its OID: the certificate is still read (RFC 5280
    4.1.2.7), and xmlsec says whether it verifies."""
    from cryptography.exceptions import UnsupportedAlgorithm

    try:
        return _kind_and_bits(cert.public_key())
    except UnsupportedAlgorithm:
        oid = getattr(cert, "public_key_algorithm_oid", None)  # (cryptography 43+)
        return UNSUPPORTED_KEY + (f" {oid.dotted_string}" if oid is not None else ""), None


def cert_info_from_der(der: bytes, origin: str) -> CertInfo:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    import warnings

    with warnings.catch_warnings():  # old IdP certs with a negative serial still verify signatures
        warnings.simplefilter("ignore")
        cert = x509.load_der_x509_certificate(der)
    kind, bits = _key_of(cert)
    return CertInfo(
        subject=cert.subject.rfc4514_string(), issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
        sha1=colon_hex(cert.fingerprint(hashes.SHA1())),
        sha256=colon_hex(cert.fingerprint(hashes.SHA256())),
        key_type=kind, key_bits=bits, origin=origin)


def _as_ascii_text(data: bytes) -> bytes:
    """The bytes of a PEM/base64 text saved as UTF-16 (PowerShell's `Out-File`/`>` default before
    PowerShell 6; with or without its BOM: textcodec.utf16_codec) or with a UTF-8 BOM, as plain
    ASCII; DER and other bytes are returned as they are."""
    from samlscan.textcodec import utf16_codec

    codec = utf16_codec(data)
    if codec is not None:
        try:
            return data.decode(codec).lstrip("\ufeff").encode("ascii", "ignore")
        except UnicodeDecodeError:
            return data
    return data[3:] if data[:3] == b"\xef\xbb\xbf" else data


def _tlv(der: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the DER element at `pos` (X.690 8.1.2-8.1.3: one
    length byte below 0x80, else 0x80 + the count of length bytes); ValueError when cut short."""
    if pos + 2 > len(der):
        raise ValueError("DER cut short")
    tag, first = der[pos], der[pos + 1]
    if first < 0x80:
        start, length = pos + 2, first
    else:
        count = first & 0x7F
        if not 1 <= count <= 4 or pos + 2 + count > len(der):
            raise ValueError("DER length unreadable")
        start, length = pos + 2 + count, int.from_bytes(der[pos + 2:pos + 2 + count], "big")
    if start + length > len(der):
        raise ValueError("DER cut short")
    return tag, start, start + length


def _der_trim(der: bytes) -> bytes:
    """The outer DER SEQUENCE alone: a .cer saved with a trailing newline, or the trust settings of
    a TRUSTED CERTIFICATE, follow it and would make the certificate unreadable (X.690 8.1.3)."""
    if der[:1] != b"\x30":
        return der
    try:
        return der[:_tlv(der, 0)[2]]
    except ValueError:
        return der


def public_key_der(der: bytes) -> bytes:
    """The SubjectPublicKeyInfo of a DER certificate: the sixth field of tbsCertificate after its
    optional [0] version (RFC 5280 4.1). Read here, not with cryptography: its serialization
    module costs 4 ms of every start-up. ValueError when the DER is not shaped so."""
    _, start, _ = _tlv(der, 0)  # Certificate
    _, pos, end = _tlv(der, start)  # tbsCertificate
    fields = []
    while pos < end and len(fields) < 7:
        tag, _, next_pos = _tlv(der, pos)
        fields.append((tag, pos, next_pos))
        pos = next_pos
    if fields and fields[0][0] == 0xA0:
        fields = fields[1:]
    if len(fields) < 6 or fields[5][0] != 0x30:
        raise ValueError("no SubjectPublicKeyInfo")
    return der[fields[5][1]:fields[5][2]]


def _b64(text: bytes) -> bytes | None:
    body = _NOT_BASE64.sub(b"", text)
    if not body or not re.fullmatch(rb"[A-Za-z0-9+/]+=*", body):
        return None
    try:
        return base64.b64decode(body + b"=" * (-len(body) % 4))
    except ValueError:  # binascii.Error: a length no padding can fix
        return None


_SIGNED_DATA = bytes.fromhex("06092a864886f70d010702")
"""The DER of OID 1.2.840.113549.1.7.2, pkcs7-signedData (RFC 2315 14): a .p7b's ContentInfo type."""


def _pkcs7_certs(der: bytes) -> list[bytes] | None:
    """The certificates of a PKCS #7 / CMS SignedData (a .p7b: Windows' certificate export, `openssl
    crl2pkcs7`), in the order it stores them; None when `der` is not one."""
    try:
        _, start, _ = _tlv(der, 0)
    except ValueError:
        return None
    if der[start:start + len(_SIGNED_DATA)] != _SIGNED_DATA:
        return None
    import warnings

    from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

    try:
        with warnings.catch_warnings():  # `openssl crl2pkcs7` writes its SET unsorted (BER, not DER):
            warnings.simplefilter("ignore")  # cryptography reads it and warns on stderr
            return [c.public_bytes(Encoding.DER) for c in pkcs7.load_der_pkcs7_certificates(der)]
    except ValueError:
        return []


def _is_pkcs12(der: bytes) -> bool:
    """Whether DER bytes are a PKCS #12 PFX (.pfx/.p12): a SEQUENCE of version 3 and a ContentInfo of
    type pkcs7-data (RFC 7292 4)."""
    try:
        _, start, _ = _tlv(der, 0)
        tag, v_start, v_end = _tlv(der, start)
        _, info, _ = _tlv(der, v_end)
    except ValueError:
        return False
    return (tag, der[v_start:v_end]) == (0x02, b"\x03") and der[info:info + 11] == bytes.fromhex("06092a864886f70d010701")


def _certificates(der: bytes, from_file: bool) -> list[bytes]:
    """A DER certificate (trimmed), or each certificate of a PKCS #7 bundle in a file given as
    certificates (a value an SP or metadata holds is one X.509 certificate: a bundle there is read
    as one, and refused as unreadable)."""
    bundle = _pkcs7_certs(der) if from_file else None
    return [_der_trim(der)] if bundle is None else bundle


def _blobs(data: bytes, from_file: bool = False) -> list[bytes]:
    """The DER blobs in PEM text, a bare base64 body or DER bytes, not yet read; in a file given as
    certificates, also a body after a label (_labelled_body)."""
    if data[:1] == b"\x30":  # DER SEQUENCE
        return [data]
    data = _as_ascii_text(data)
    blocks = _pem_blocks(data)
    if blocks:
        return [der for der in map(_b64, blocks) if der]
    if _KEY_BLOCK.search(data) or b"-----BEGIN" in data:
        return []
    der = _b64(data)
    if der is None and from_file:
        der = _labelled_body(data)
    return [der] if der else []


_CERT_BODY = lazyre.compile(rb"(?<![A-Za-z0-9+/])MII[A-Za-z0-9+/\s\\]{200,}={0,2}")
"""A certificate's base64 body: the DER of an X.509 certificate starts with a SEQUENCE of a
two-byte length (30 82 ..), which base64 writes 'MII'."""


def _labelled_body(data: bytes) -> bytes | None:
    """The one certificate body of a short text that labels it ('Certificate: MIIC...', a console's
    heading and fingerprint lines), copied from an IdP console. Not a document (XML, JSON: a
    response or metadata holds certificates of other parties) and not two bodies (which one?)."""
    if b"<" in data or b"{" in data:
        return None
    bodies = _CERT_BODY.findall(data)
    if len(bodies) != 1 or len(data) - len(bodies[0]) > 300:
        return None
    return _b64(bodies[0])


def der_from_text(data: bytes, from_file: bool = False) -> list[bytes]:
    """DER certificates in PEM text, a bare base64 body (SonarQube's certificate.secured), DER, or
    a PKCS #7 .p7b (DER or PEM).

    Never raises: what is not a certificate is left out (load_certs says why)."""
    return [c for der in _blobs(data, from_file) for c in _certificates(der, from_file)]


def is_pkcs7(data: bytes) -> bool:
    """Whether `data` is a PKCS #7 bundle rather than certificates: an SP that holds one certificate
    as text (java-saml's Util.loadCert, python3-saml's x509cert) cannot read one."""
    return any(_pkcs7_certs(der) is not None for der in _blobs(data, True))


def _key_kind(der: bytes) -> str | None:
    """'private' or 'public' when DER bytes are a key rather than a certificate."""
    from cryptography.hazmat.primitives import serialization

    for kind, loader in (("private", lambda d: serialization.load_der_private_key(d, None)),
                         ("public", serialization.load_der_public_key)):
        try:
            loader(der)
            return kind
        except Exception:  # noqa: BLE001 - any failure of the loader means 'not this kind'
            continue
    return None


IDP_CERT = "the IdP's signing certificate (its metadata or admin console shows it)"
SP_CERT = "the SP's own certificate (the one whose private key signs its AuthnRequests)"
"""What a certificate option wants, said when the file given is something else."""
_PRIVATE = "{origin}: this is a private key, not a certificate: give {what}; never share the private key"
_PKCS12 = ("{origin}: this is a PKCS #12 keystore (.pfx/.p12), which usually holds the private key too: give "
           "{what} alone (.cer/.pem: `openssl pkcs12 -in FILE -nokeys`), and never share the keystore")
_PUBLIC = "{origin}: this is a bare public key, not an X.509 certificate: give {what}"


def load_certs(data: bytes, origin: str, from_file: bool = False, what: str = IDP_CERT) -> list[TrustedCert]:
    """All certificates in `data`; ConfigError when there is none or one is broken. `from_file`: a
    file given as certificates (--idp-cert, --sp-cert), read leniently: a PKCS #7 .p7b's
    certificates, a body after a label.

    The error never quotes the data: a private key given by mistake must not reach a report."""
    text = _as_ascii_text(data)
    keys = {m.group(2) for m in _KEY_BLOCK.finditer(text)}
    if keys and not _pem_blocks(text, first=True):
        raise ConfigError((_PRIVATE if b"PRIVATE" in keys else _PUBLIC).format(origin=origin, what=what))
    ders = der_from_text(data, from_file)
    if not ders and b"CERTIFICATE REQUEST-----" in text:
        raise ConfigError(f"{origin}: this is a certificate signing request (CSR), not a certificate: "
                          f"give {what}")
    if not ders and text.lstrip().startswith(b"<"):
        raise ConfigError(f"{origin}: this is an XML document, not a certificate (IdP metadata goes to "
                          "--idp-metadata; a SAML message's certificate is not one to trust)")
    if not ders:
        raise ConfigError(f"{origin}: no certificate found (expected PEM '-----BEGIN CERTIFICATE-----', "
                          "DER, a PKCS #7 .p7b, or the base64 body of the certificate)")
    out = []
    for der in ders:
        try:
            out.append(TrustedCert(cert_info_from_der(der, origin), der))
        except ValueError:
            if _is_pkcs12(der):
                raise ConfigError(_PKCS12.format(origin=origin, what=what)) from None
            kind = _key_kind(der)
            if kind:
                said = _PRIVATE if kind == "private" else _PUBLIC
                raise ConfigError(said.format(origin=origin, what=what)) from None
            raise ConfigError(f"{origin}: unreadable certificate (the base64 or DER is damaged or cut "
                              "short: copy it again from the IdP)") from None
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


DSIG11 = "{http://www.w3.org/2009/xmldsig11#}"
_EC_CURVES = {"1.2.840.10045.3.1.7": "SECP256R1", "1.3.132.0.34": "SECP384R1", "1.3.132.0.35": "SECP521R1"}
"""The curves XML-DSig 1.1 names for ECKeyValue (4.5.2.3.1: P-256 MUST, P-384 and P-521 SHOULD)."""


@dataclass(frozen=True)
class KeyValueKey:
    """A public key written in KeyInfo itself, without a certificate: ds:KeyValue's RSAKeyValue or
    DSAKeyValue (XML-DSig 4.5.2), dsig11:ECKeyValue (XML-DSig 1.1 4.5.2.3) or dsig11:DEREncodedKeyValue
    (4.5.5, a SubjectPublicKeyInfo). `spki` is its SubjectPublicKeyInfo DER, b"" when unreadable."""

    kind: str
    spki: bytes = field(repr=False)
    key_type: str | None = None
    key_bits: int | None = None
    problem: str | None = None

    @property
    def sha256(self) -> str:
        import hashlib

        return colon_hex(hashlib.sha256(self.spki).digest())

    def describe(self) -> str:
        """'RSAKeyValue (RSA 2048-bit public key, SHA-256 of the key AB:CD:...; no certificate)'."""
        if not self.spki:
            return f"{self.kind} that cannot be read ({self.problem})"
        size = f" {self.key_bits}-bit" if self.key_bits else ""
        return f"{self.kind} ({self.key_type}{size} public key, SHA-256 of the key {self.sha256}; no certificate)"


_KEYVALUE_CACHE: dict[tuple, KeyValueKey] = {}


def _crypto_binary(el, name: str, ns: str) -> int:
    """An XML-DSig CryptoBinary child (base64 of a big-endian unsigned integer, XML-DSig 4.0.1)."""
    child = el.find(ns + name)
    data = _b64((child.text or "").encode()) if child is not None and child.text else None
    if not data:
        raise ValueError(f"no readable {name}")
    return int.from_bytes(data, "big")


def key_from_keyvalue(el) -> KeyValueKey:
    """The public key of an RSAKeyValue, DSAKeyValue, ECKeyValue or DEREncodedKeyValue element.

    Cached: an IdP writes the same key into every response. Never raises: a key that cannot be
    read says why in `problem`."""
    from samlscan.xmlsafe import DS

    kind = el.tag.rpartition("}")[2]
    cache_key = (el.tag, tuple((c.tag, c.get("URI"), (c.text or "").strip()) for c in el.iter()))
    found = _KEYVALUE_CACHE.get(cache_key)
    if found is not None:
        return found
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa

    try:
        if kind == "RSAKeyValue":
            key = rsa.RSAPublicNumbers(_crypto_binary(el, "Exponent", DS), _crypto_binary(el, "Modulus", DS)).public_key()
        elif kind == "DSAKeyValue":
            params = dsa.DSAParameterNumbers(*(_crypto_binary(el, n, DS) for n in ("P", "Q", "G")))
            key = dsa.DSAPublicNumbers(_crypto_binary(el, "Y", DS), params).public_key()
        elif kind == "ECKeyValue":
            curve_el = el.find(DSIG11 + "NamedCurve")
            oid = (curve_el.get("URI") or "").removeprefix("urn:oid:") if curve_el is not None else ""
            if oid not in _EC_CURVES:
                raise ValueError("no NamedCurve of P-256, P-384 or P-521" if curve_el is None
                                 else f"curve {curve_el.get('URI')!r} not supported")
            point = _b64((el.findtext(DSIG11 + "PublicKey") or "").encode())
            key = ec.EllipticCurvePublicKey.from_encoded_point(getattr(ec, _EC_CURVES[oid])(), point or b"")
        else:  # DEREncodedKeyValue
            key = serialization.load_der_public_key(_b64((el.text or "").encode()) or b"")
        spki = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:  # (a DER key of an algorithm cryptography lacks)
        found = KeyValueKey(kind, b"", problem=str(exc) or type(exc).__name__)
    else:
        found = KeyValueKey(kind, spki, *_kind_and_bits(key))
    if len(_KEYVALUE_CACHE) < 1024:
        _KEYVALUE_CACHE[cache_key] = found
    return found


def der_public_key(spki: bytes):
    """The cryptography key of a DER SubjectPublicKeyInfo; None when cryptography reads none from it
    (damaged: ValueError; of an algorithm it does not know: UnsupportedAlgorithm, _key_of)."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    try:
        return load_der_public_key(spki)
    except (ValueError, UnsupportedAlgorithm):
        return None


def same_public_key(cert_der: bytes, spki: bytes) -> bool:
    """Whether a certificate holds the public key `spki` (both read back through cryptography, so
    that two DER spellings of one key compare equal)."""
    from cryptography.hazmat.primitives import serialization

    try:
        mine = public_key_der(cert_der)
    except ValueError:
        return False
    if mine == spki:
        return True
    key = der_public_key(mine)
    return key is not None and key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) == spki
