"""Verify a redirect-binding Signature over its query string (SAML bindings 3.4.4.1), with xmlsec."""
from __future__ import annotations

import base64
import binascii

from samlscan.certs import TrustedCert
from samlscan.inputs.base import RawMessage
from samlscan.model import RedirectSignature
from samlscan.sigverify import _key, xmlsec_module

_TRANSFORMS = {
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1": "RSA_SHA1",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": "RSA_SHA256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": "RSA_SHA384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": "RSA_SHA512",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256": "ECDSA_SHA256",
}


def verify_redirect(raw: RawMessage, trusted: tuple[TrustedCert, ...], sp_keys=()) -> RedirectSignature:
    """Verified with `trusted` (the certificates of whoever may send the message:
    saml.trusted_for) and the public half of the SP's --sp-key when the SP may have sent it.
    verified is None when there is no key to try."""
    alg = raw.sig_alg or ""
    name = _TRANSFORMS.get(alg)
    xmlsec = xmlsec_module()
    keys = [(c.info, _key(c)) for c in trusted] + [
        (None, xmlsec.Key.from_memory(k.pem, xmlsec.KeyFormat.PEM, None)) for k in sp_keys]
    if not keys or name is None or not raw.signature or not raw.signed_query:
        return RedirectSignature(alg, None)
    try:
        signature = base64.b64decode(raw.signature.replace(" ", "+"), validate=False)
    except (binascii.Error, ValueError):
        return RedirectSignature(alg, False)
    data = raw.signed_query.encode("ascii", "replace")
    for info, key in keys:
        ctx = xmlsec.SignatureContext()
        ctx.key = key
        try:
            ctx.verify_binary(data, getattr(xmlsec.Transform, name), signature)
            return RedirectSignature(alg, True, info)
        except xmlsec.Error:
            continue
    return RedirectSignature(alg, False)
