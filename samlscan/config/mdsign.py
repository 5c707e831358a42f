"""The IdP metadata's own signature (metadata 3): whether it verifies with the IdP certificate given."""
from __future__ import annotations

from pathlib import Path

from samlscan.certs import TrustedCert


def metadata_signature_note(path: str, given: tuple[TrustedCert, ...],
                            listed: tuple[TrustedCert, ...] = (), root=None) -> str | None:
    """What the report says of a signed metadata file: whether the ds:Signature of its root verifies
    with the certificates given with --idp-cert, or that it was not checked. Never silent: samlscan
    reads the file the same either way, and an SP that checks the metadata's signature (Shibboleth's
    SignatureValidationFilter, SimpleSAMLphp's metarefresh) refuses it when it does not verify. A
    file too big to parse as one tree (an aggregate) is not checked. Without --idp-cert it is tried
    with the signing certificates it lists itself (`listed`): one that does not verify even so was
    changed after signing (a trimmed copy) or signed by another key (a federation's), which is said.
    `root`: the file's tree when its reader kept it (SIGNED's value), else the file is read here."""
    from samlscan.errors import InputError
    from samlscan.xmlsafe import DS, MAX_METADATA_BYTES, MAX_XML_BYTES, local, parse_xml

    from samlscan.config.metadata import _metadata_bytes

    if root is None:  # (a held aggregate's file: load_idp_metadata kept no tree of it)
        try:
            data = Path(path).read_bytes()
            if len(data) > MAX_XML_BYTES:
                return None
            root = parse_xml(_metadata_bytes(data), max_bytes=MAX_METADATA_BYTES)
        except (OSError, InputError):
            return None
    if root.find(DS + "Signature") is None:
        return None
    what = f"the IdP metadata {path} is signed (its {local(root.tag)}'s ds:Signature)"
    if not given:
        own = _root_signature(root, listed) if listed else None
        if own is not None and own.verified and own.covers_parent:
            return (f"{what} and intact: it verifies with the signing certificate it lists itself "
                    f"({own.matched_cert.subject}); samlscan did not check it against a trusted key: no --idp-cert "
                    "was given")
        return (f"{what}; samlscan did not check it: no --idp-cert was given"
                + (f", and it does not verify with the signing certificates it lists itself ("
                   f"{', '.join(c.info.subject for c in listed[:3])}): it was changed after signing (an edited "
                   "copy, which an SP that checks the metadata's signature refuses), or another key signed it (a "
                   "federation's: pass that key with --idp-cert to check it)" if listed else "")
                + ". It read the file as it is: a federation's metadata is signed by the federation's key, which "
                "the SP must verify it with")
    own = _root_signature(root, given)
    if own is not None and own.verified and own.covers_parent:
        return f"{what} and verifies with {own.matched_cert.subject} (SHA-1 {own.matched_cert.sha1})"
    return (f"{what} and does not verify with the IdP certificate given ({', '.join(c.info.subject for c in given[:3])}"
            f"{'; ' + own.failure if own is not None and own.failure else ''}): it was changed after signing, or "
            "another key signed it (a federation's); an SP that checks the metadata's signature refuses it. "
            "samlscan read it anyway")


def _root_signature(root, certs: tuple[TrustedCert, ...]):
    """The verification of the root's own ds:Signature with `certs` (None when it has none)."""
    from samlscan.sigverify import verify_document

    return next((info for sig, info in verify_document(root, certs).signatures if sig.getparent() is root), None)
