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


def decrypt_assertions(encrypted, sp_keys: tuple[SpKey, ...]):
    """[(EncryptedAssertion element, decrypted Assertion element)], and the first error text."""
    if not sp_keys:
        return [], None
    xmlsec = xmlsec_module()
    out, error = [], None
    for enc in encrypted:
        enc_data = enc.find(XENC + "EncryptedData")
        if enc_data is None:
            error = error or "EncryptedAssertion has no EncryptedData"
            continue
        _inline_encrypted_key(enc, enc_data)
        plain = None
        for key in sp_keys:
            manager = xmlsec.KeysManager()
            manager.add_key(xmlsec.Key.from_memory(key.pem, xmlsec.KeyFormat.PEM, None))
            ctx = xmlsec.EncryptionContext(manager)
            try:
                plain = ctx.decrypt(enc_data)
                break
            except xmlsec.Error as exc:
                error = error or f"xmlsec could not decrypt with {key.origin}: {exc}"
        if plain is None:
            continue
        if plain.tag != SAML + "Assertion":
            error = error or f"decrypted content is {plain.tag}, not an Assertion"
            continue
        out.append((enc, plain))
    if out:
        error = None if len(out) == len(encrypted) else error
    return out, error
