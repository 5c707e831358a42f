"""Decrypt EncryptedAssertion elements with the SP's private key(s), through xmlsec."""
from __future__ import annotations

import base64
import copy
from dataclasses import dataclass, field

from samlscan.errors import ConfigError
from samlscan.sigverify import xmlsec_module
from samlscan.xmlsafe import DS, SAML, XENC

XENC11 = "{http://www.w3.org/2009/xmlenc11#}"


@dataclass(frozen=True)
class SpKey:
    """An SP private key (never printed: only its origin is)."""

    origin: str
    pem: bytes = field(repr=False)


def load_sp_key(data: bytes, origin: str) -> SpKey:
    xmlsec = xmlsec_module()
    try:
        xmlsec.Key.from_memory(data, xmlsec.KeyFormat.PEM, None)
    except xmlsec.Error:
        raise ConfigError(f"{origin}: not a readable unencrypted PEM private key "
                          "(PKCS#8 or PKCS#1)") from None
    return SpKey(origin, data)


def _inline_encrypted_key(enc_assertion, enc_data) -> None:
    """Move a sibling xenc:EncryptedKey into EncryptedData/KeyInfo: SAML core 2.3.4 allows it beside
    the EncryptedData (referenced by RetrievalMethod), xmlsec only looks inside KeyInfo."""
    key_info = enc_data.find(DS + "KeyInfo")
    if key_info is not None and key_info.find(XENC + "EncryptedKey") is not None:
        return
    sibling = enc_assertion.find(XENC + "EncryptedKey")
    if sibling is None:
        return
    if key_info is None:
        from lxml import etree

        key_info = etree.SubElement(enc_data, DS + "KeyInfo")
        enc_data.remove(key_info)
        method = enc_data.find(XENC + "EncryptionMethod")
        enc_data.insert(1 if method is not None else 0, key_info)
    for rm in key_info.findall(DS + "RetrievalMethod"):
        key_info.remove(rm)
    key_info.append(copy.deepcopy(sibling))


@dataclass(frozen=True)
class Failure:
    """Why an encrypted element could not be decrypted, and what to do when that is not what
    decryption-failed usually asks (None: give the IdP the SP's current certificate)."""

    text: str
    fix: str | None = None


def decrypt_element(container, sp_keys: tuple[SpKey, ...], want: str):
    """(decrypted element, None) or (None, Failure) for one SAML EncryptedElementType
    (EncryptedAssertion, EncryptedID: SAML core 2.2.4), decrypted in place; `want` is the
    expected local name of the plaintext element."""
    xmlsec = xmlsec_module()
    enc_data = container.find(XENC + "EncryptedData")
    if enc_data is None:
        return None, Failure(f"{container.tag.rpartition('}')[2]} has no EncryptedData")
    _inline_encrypted_key(container, enc_data)
    error = None
    key_info = enc_data.find(DS + "KeyInfo")
    rsa1_5 = key_info is not None and rsa1_5_wrapped([key_info])
    for key in sp_keys:
        why = _why_not(enc_data, key) if rsa1_5 else None
        if why is not None and _KEY_OPENS not in why:
            # a key that cannot open it (_pkcs1_v15_padded), told before xmlsec: it would "open" it
            # (implicit rejection) and parse garbage, libxml2 writing on stderr
            error = error or _told(why, key, None)
            continue
        manager = xmlsec.KeysManager()
        manager.add_key(xmlsec.Key.from_memory(key.pem, xmlsec.KeyFormat.PEM, None))
        ctx = xmlsec.EncryptionContext(manager)
        try:
            plain = ctx.decrypt(enc_data)
        except xmlsec.Error as exc:
            error = error or _unknown_algorithm(enc_data) or _failure(enc_data, key, exc)
            continue
        if plain.tag != SAML + want:
            return None, Failure(f"decrypted content is {plain.tag}, not {want}")
        return plain, None
    return None, error


_DATA_ALGORITHMS = tuple(f"http://www.w3.org/2001/04/xmlenc#{a}" for a in (
    "tripledes-cbc", "aes128-cbc", "aes192-cbc", "aes256-cbc")) + tuple(
    f"http://www.w3.org/2009/xmlenc11#{a}" for a in ("aes128-gcm", "aes192-gcm", "aes256-gcm"))
"""The block encryption algorithms of XML Encryption (xmlenc-core 5.2, xmlenc-core1 5.2.4) that SPs
decrypt (xmlsec, Apache Santuario, .NET)."""
_WRITTEN_BY = {"http://www.w3.org/2009xmlenc11#aes256-gcm":
               "SimpleSAMLphp's xml-security library writes AES-256-GCM so (its Constants::BLOCK_ENC_AES256_GCM)"}
"""Misspelled algorithm identifiers known to come from a product, and which."""
_KEY_OPENS = "opens the EncryptedKey, but the EncryptedData does not decrypt with it"


def _unknown_algorithm(enc_data) -> Failure | None:
    """The EncryptedData names a block cipher no SP knows (a misspelled identifier): nobody but
    its own library decrypts it, whatever the key. The known algorithm of the same name is said."""
    method = enc_data.find(XENC + "EncryptionMethod")
    algorithm = (method.get("Algorithm") or "") if method is not None else ""
    if method is None or algorithm in _DATA_ALGORITHMS:
        return None
    meant = next((a for a in _DATA_ALGORITHMS if algorithm and a.rpartition("#")[2] == algorithm.rpartition("#")[2]),
                 None)
    who = _WRITTEN_BY.get(algorithm)
    return Failure(
        f"the EncryptedData's EncryptionMethod is {algorithm!r}, not an XML Encryption algorithm"
        + (f" (the identifier of this cipher is {meant!r})" if meant else "")
        + (f"; {who}" if who else "") + ": SPs on xmlsec, Apache Santuario or .NET cannot decrypt it",
        f"Make the IdP encrypt with a standard algorithm ({meant or 'aes256-gcm or aes128-cbc'}"
        + (", e.g. by another sharedkey_algorithm in its SP metadata settings" if who else "")
        + "), or have it not encrypt the assertion.")


def _failure(enc_data, key: SpKey, exc: Exception) -> Failure:
    return _told(_why_not(enc_data, key), key, exc)


def _told(why: str | None, key: SpKey, exc: Exception | None) -> Failure:
    """The failure of decrypting with `key`, by _why_not's answer `why` (None: xmlsec's own error `exc`)."""
    if why is None:
        return Failure(f"xmlsec could not decrypt with {key.origin}: {exc}")
    return Failure(why, "The SP key is the right one: the encrypted content was changed or cut on its way; "
                        "capture the SAMLResponse again as posted." if _KEY_OPENS in why else None)


_RSA_OAEP = ("http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p", "http://www.w3.org/2009/xmlenc11#rsa-oaep")
_RSA_1_5 = "http://www.w3.org/2001/04/xmlenc#rsa-1_5"
_MGF = {"http://www.w3.org/2009/xmlenc11#mgf1sha256": "SHA256", "http://www.w3.org/2009/xmlenc11#mgf1sha384": "SHA384",
        "http://www.w3.org/2009/xmlenc11#mgf1sha512": "SHA512", "http://www.w3.org/2009/xmlenc11#mgf1sha224": "SHA224"}
_OAEP_DIGEST = {"http://www.w3.org/2001/04/xmlenc#sha256": "SHA256", "http://www.w3.org/2001/04/xmlenc#sha512": "SHA512",
                "http://www.w3.org/2001/04/xmldsig-more#sha384": "SHA384"}


def rsa1_5_wrapped(containers) -> bool:
    """Whether an EncryptedKey of these EncryptedAssertions (in their EncryptedData's KeyInfo or beside
    it, SAML core 2.3.4) uses RSA PKCS#1 v1.5 key transport (xmlenc-core1 5.4.1: Bleichenbacher-prone;
    Node.js refuses its private decryption since CVE-2023-46809)."""
    return any(method.get("Algorithm") == _RSA_1_5 for container in containers
               for key in container.iter(XENC + "EncryptedKey")
               for method in key.findall(XENC + "EncryptionMethod"))


def _why_not(enc_data, key: SpKey) -> str | None:
    """Why xmlsec could not decrypt, when it can be told (only on failure): the SP key cannot open
    the EncryptedKey (the IdP encrypted for another SP key: its copy of the SP certificate is an old
    or another one), or it opens it and the content itself does not decrypt. None when unknown
    (not RSA key transport, no EncryptedKey, a key cryptography cannot read)."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key_info = enc_data.find(DS + "KeyInfo")
    enc_key = key_info.find(XENC + "EncryptedKey") if key_info is not None else None
    method = enc_key.find(XENC + "EncryptionMethod") if enc_key is not None else None
    value = enc_key.find(f"{XENC}CipherData/{XENC}CipherValue") if enc_key is not None else None
    algorithm = method.get("Algorithm", "") if method is not None else ""
    if value is None or algorithm not in _RSA_OAEP + (_RSA_1_5,):
        return None
    try:
        private = serialization.load_pem_private_key(key.pem, None)
        wrapped = base64.b64decode("".join((value.text or "").split()))
    except (ValueError, TypeError):
        return None
    if not isinstance(private, rsa.RSAPrivateKey):
        return None
    if algorithm == _RSA_1_5:
        opens = _pkcs1_v15_padded(private, wrapped)
    else:
        digest = method.find(DS + "DigestMethod")
        mgf = method.find(XENC11 + "MGF")
        md = getattr(hashes, _OAEP_DIGEST.get(digest.get("Algorithm") if digest is not None else "", "SHA1"))()
        mgf_md = getattr(hashes, _MGF.get(mgf.get("Algorithm") if mgf is not None else "", "SHA1"))()
        try:
            private.decrypt(wrapped, padding.OAEP(mgf=padding.MGF1(mgf_md), algorithm=md, label=None))
            opens = True
        except ValueError:
            opens = False
    holder = _holder(enc_key)
    if not opens:
        return (f"{key.origin} cannot open the EncryptedKey: the IdP encrypted the assertion for another "
                f"SP key{holder} (the SP certificate the IdP holds is not the one of this key: a rotated "
                "SP certificate, or the wrong key given)")
    return f"{key.origin} {_KEY_OPENS} (the encrypted content was changed or cut)"


def _pkcs1_v15_padded(private, wrapped: bytes) -> bool:
    """Whether `wrapped` decrypts under `private` to an RSAES-PKCS1-v1_5 block, 0x00 0x02, eight or
    more nonzero bytes, 0x00, the key (RFC 8017 7.2.2 step 3). Checked on the raw RSA result: OpenSSL
    (3.2+, and distributions' 3.0 backports) answers a bad block with a random key of the right
    length instead of an error ("implicit rejection", against the Marvin attack), so decrypting
    through it says nothing of whether the key is the one the IdP encrypted for."""
    numbers = private.private_numbers()
    n, size = numbers.public_numbers.n, (private.key_size + 7) // 8
    c = int.from_bytes(wrapped, "big")
    if len(wrapped) != size or c >= n:
        return False
    block = pow(c, numbers.d, n).to_bytes(size, "big")
    end = block.find(b"\x00", 2)
    return block[:2] == b"\x00\x02" and end >= 10


def _holder(enc_key) -> str:
    """', certificate <subject>' when the EncryptedKey names the certificate it was made for."""
    from samlscan.certs import cert_from_keyinfo

    for el in enc_key.iter(DS + "X509Certificate"):
        cert = cert_from_keyinfo(el.text or "")
        if cert is not None:
            return f" (certificate {cert.info.subject})"
    return ""


def decrypt_assertions(encrypted, sp_keys: tuple[SpKey, ...]):
    """[(EncryptedAssertion element, decrypted Assertion element)], and the first Failure."""
    if not sp_keys:
        return [], None
    out, error = [], None
    for enc in encrypted:
        plain, why = decrypt_element(enc, sp_keys, "Assertion")
        if plain is None:
            error = error or why
        else:
            out.append((enc, plain))
    if out:
        error = None if len(out) == len(encrypted) else error
    return out, error


def reveal_name_id(subject, sp_keys: tuple[SpKey, ...]) -> None:
    """Put the decrypted NameID in the place of the Subject's EncryptedID (SAML core 2.2.4), once
    signatures are verified: what an SP with its key reads. Left as is when it cannot be read."""
    encrypted = subject.find(SAML + "EncryptedID") if subject is not None and sp_keys else None
    if encrypted is None:
        return
    plain, _ = decrypt_element(encrypted, sp_keys, "NameID")
    if plain is not None:
        plain.tail = encrypted.tail
        subject.replace(encrypted, plain)
