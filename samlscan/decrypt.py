"""Decrypt EncryptedAssertion elements with the SP's private key(s), through xmlsec."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

from samlscan.errors import ConfigError
from samlscan.sigverify import xmlsec_module
from samlscan.xmlsafe import DS, SAML, XENC


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


def decrypt_element(container, sp_keys: tuple[SpKey, ...], want: str):
    """(decrypted element, None) or (None, error text) for one SAML EncryptedElementType
    (EncryptedAssertion, EncryptedID: SAML core 2.2.4), decrypted in place; `want` is the
    expected local name of the plaintext element."""
    xmlsec = xmlsec_module()
    enc_data = container.find(XENC + "EncryptedData")
    if enc_data is None:
        return None, f"{container.tag.rpartition('}')[2]} has no EncryptedData"
    _inline_encrypted_key(container, enc_data)
    error = None
    for key in sp_keys:
        manager = xmlsec.KeysManager()
        manager.add_key(xmlsec.Key.from_memory(key.pem, xmlsec.KeyFormat.PEM, None))
        ctx = xmlsec.EncryptionContext(manager)
        try:
            plain = ctx.decrypt(enc_data)
        except xmlsec.Error as exc:
            error = error or f"xmlsec could not decrypt with {key.origin}: {exc}"
            continue
        if plain.tag != SAML + want:
            return None, f"decrypted content is {plain.tag}, not {want}"
        return plain, None
    return None, error


def decrypt_assertions(encrypted, sp_keys: tuple[SpKey, ...]):
    """[(EncryptedAssertion element, decrypted Assertion element)], and the first error text."""
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
