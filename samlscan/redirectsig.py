"""Verify a redirect-binding Signature over its query string (SAML bindings 3.4.4.1), with xmlsec."""
from __future__ import annotations

import base64
import binascii

from samlscan.certs import TrustedCert
from samlscan.inputs.base import RawMessage
from samlscan.model import RedirectSignature
from samlscan.sigverify import _key, xmlsec_module

_MORE = "http://www.w3.org/2001/04/xmldsig-more#"
_TRANSFORMS = {
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1": "RSA_SHA1",
    "http://www.w3.org/2000/09/xmldsig#dsa-sha1": "DSA_SHA1",  # SAML bindings 3.4.4.1 names it
    _MORE + "rsa-sha224": "RSA_SHA224",
    _MORE + "rsa-sha256": "RSA_SHA256",
    _MORE + "rsa-sha384": "RSA_SHA384",
    _MORE + "rsa-sha512": "RSA_SHA512",
    _MORE + "ecdsa-sha1": "ECDSA_SHA1",
    _MORE + "ecdsa-sha224": "ECDSA_SHA224",
    _MORE + "ecdsa-sha256": "ECDSA_SHA256",
    _MORE + "ecdsa-sha384": "ECDSA_SHA384",
    _MORE + "ecdsa-sha512": "ECDSA_SHA512",
}
"""SigAlg URIs (XML Signature, RFC 6931) and their xmlsec transforms."""


def unverifiable(sig_alg: str) -> str | None:
    """Why a Signature with this SigAlg cannot be verified by anyone, or None when it can: a
    receiver checks the Signature with the algorithm SigAlg names (SAML bindings 3.4.4.1), and
    refuses one it does not implement (instructure/ruby-saml2: UnsupportedSignatureAlgorithm;
    python3-saml: the signature is invalid)."""
    if sig_alg in _TRANSFORMS:
        return None
    if not sig_alg:
        return ("it has a Signature but no SigAlg, which SAML bindings 3.4.4.1 requires with it: no "
                "receiver knows which algorithm to verify it with")
    name = sig_alg.rsplit("#", 1)[-1].strip().lower()
    meant = next((uri for uri in _TRANSFORMS if uri.rsplit("#", 1)[-1] == name), None)
    return (f"its SigAlg {sig_alg!r} names no signature algorithm of XML Signature (RFC 6931)"
            + (f"; the URI of {name} is {meant!r}" if meant else "")
            + ": receivers refuse a SigAlg they do not implement")


def verify_redirect(raw: RawMessage, trusted: tuple[TrustedCert, ...], sp_keys=()) -> RedirectSignature:
    """Verified with `trusted` (the certificates of whoever may send the message:
    saml.trusted_for) and the public half of the SP's --sp-key when the SP may have sent it.
    verified is None when there is no key to try, or when the SigAlg is none anyone can verify
    (`unverifiable` says why)."""
    alg = raw.sig_alg or ""
    why = unverifiable(alg)
    if why is not None:
        return RedirectSignature(alg, None, unverifiable=why)
    xmlsec = xmlsec_module()
    keys = [(c.info, k) for c in trusted if (k := _key(c)) is not None] + [
        (None, xmlsec.Key.from_memory(k.pem, xmlsec.KeyFormat.PEM, None)) for k in sp_keys]
    if not keys or not raw.signature or not raw.signed_query:
        return RedirectSignature(alg, None)
    try:
        signature = base64.b64decode(raw.signature.replace(" ", "+"), validate=False)
    except (binascii.Error, ValueError):
        return RedirectSignature(alg, False)
    data = raw.signed_query.encode("ascii", "replace")
    for info, key in keys:
        for value in (signature, *_ecdsa_raw(alg, signature, info)):
            ctx = xmlsec.SignatureContext()
            ctx.key = key
            try:
                ctx.verify_binary(data, getattr(xmlsec.Transform, _TRANSFORMS[alg]), value)
                return RedirectSignature(alg, True, info)
            except xmlsec.Error:
                continue
    return RedirectSignature(alg, False)


def _ecdsa_raw(alg: str, signature: bytes, info) -> tuple[bytes, ...]:
    """An ECDSA signature in DER (a SEQUENCE of r and s, as Java's and OpenSSL's signing APIs write
    it) as the r||s octets XML Signature defines (RFC 4050 3.3; xmlsec verifies only those), sized
    for the certificate's curve; nothing for another algorithm or a value that is no DER pair."""
    if "ecdsa" not in alg or not signature.startswith(b"\x30") or info is None or not info.key_bits:
        return ()
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    try:
        r, s = decode_dss_signature(signature)
    except ValueError:
        return ()
    size = (info.key_bits + 7) // 8
    if r.bit_length() > size * 8 or s.bit_length() > size * 8:
        return ()
    return (r.to_bytes(size, "big") + s.to_bytes(size, "big"),)
