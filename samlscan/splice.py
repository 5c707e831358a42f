"""Which prefixes of a decrypted, signed Assertion an SP re-binds when it splices the plaintext into
the Response in place of its EncryptedAssertion.

python3-saml (response.py _decrypt_assertion: `xml.replace(encrypted_assertion, decrypted)`) moves
the plaintext with lxml, which drops each namespace declaration of the moved element whose URI is
already in scope at its new parent and re-points its names to that declaration's prefix
(lxml proxy.pxi _stripRedundantNamespaceDeclarations, by href). Exclusive C14N writes the prefix of
every visibly used name (xml-exc-c14n section 3), so a changed prefix changes the digest (or, on
ds:SignedInfo, the signature value): the signature that verifies on the plaintext as decrypted
fails there. php-saml's DOM import has the same effect (its issues 29, 280, 578).
"""
from __future__ import annotations

from samlscan.xmlsafe import DS


def _used(plain, uri: str, prefix: str | None) -> bool:
    """Whether a name in `plain`'s subtree is written with `prefix` for `uri`."""
    for el in plain.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag.startswith("{" + uri + "}") and el.prefix == prefix:
            return True
        if prefix is not None and any(k.startswith("{" + uri + "}") for k in el.attrib):
            return True  # a namespaced attribute always has a prefix, the one bound here
    return False


def rebound_prefixes(spliced_into, plain) -> tuple[tuple[str, str, str], ...]:
    """(uri, prefix as sent, prefix after the splice) for each namespace that `plain` (a decrypted
    Assertion carrying its own ds:Signature) declares itself and uses, when `spliced_into` (the
    element that held its EncryptedAssertion) binds that URI under another prefix. '' is the
    default namespace."""
    if spliced_into is None or plain.find(DS + "Signature") is None:
        return ()
    parent = plain.getparent()
    inherited = parent.nsmap if parent is not None else {}
    context = spliced_into.nsmap
    out = []
    for prefix, uri in plain.nsmap.items():
        if inherited.get(prefix) == uri or context.get(prefix) == uri:
            continue  # not declared by the plaintext itself, or bound the same way after the splice
        other = next((p for p, u in context.items() if u == uri), False)
        if other is not False and _used(plain, uri, prefix):
            out.append((uri, prefix or "", other or ""))
    return tuple(out)


def rebound_facts(decrypted) -> tuple[str, ...]:
    """'prefix-rebound:<assertion ID>:<uri>:<sent>><after>' for each (EncryptedAssertion, decrypted
    Assertion) pair whose signature an SP that splices the plaintext with lxml cannot verify."""
    facts = []
    for enc_el, plain in decrypted:
        for uri, sent, after in rebound_prefixes(enc_el.getparent(), plain):
            facts.append(f"prefix-rebound:{plain.get('ID') or '-'}:{sent}>{after}:{uri}")
    return tuple(facts)
