"""The one module that calls xmlsec: verify every ds:Signature of a document, and say why not.

Checks never call xmlsec; they read the SignatureInfo records and the coverage map built here.
"""
from __future__ import annotations

import base64
import copy
import hashlib
import re
from dataclasses import dataclass

from samlscan.certs import TrustedCert, cert_from_keyinfo, public_key_der
from samlscan.errors import EnvironmentProblem
from samlscan.model import SignatureInfo
from samlscan.xmlsafe import DS, element_path, local

_XMLSEC = None
_KEYS: dict[bytes, object] = {}

KEY_FAILURES = ("signature-value", "cert-mismatch", "cert-mismatch-and-signature-value")
"""SignatureInfo.failure values that say the key is not the one given (not that the content changed)."""
WEAK_ALGORITHMS = (
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    "http://www.w3.org/2000/09/xmldsig#dsa-sha1",
    "http://www.w3.org/2000/09/xmldsig#sha1",
    "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-md5",
    "http://www.w3.org/2001/04/xmldsig-more#md5",
)
_DIGESTS = {
    "http://www.w3.org/2000/09/xmldsig#sha1": "sha1",
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha224": "sha224",
    "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
    "http://www.w3.org/2001/04/xmldsig-more#md5": "md5",
}
_ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
_EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"


def xmlsec_module():
    """Import xmlsec once, refusing a build whose libxml2 differs from lxml's (it would corrupt
    trees or crash: python-xmlsec issue 283)."""
    global _XMLSEC
    if _XMLSEC is None:
        import xmlsec
        from lxml import etree

        if tuple(xmlsec.get_libxml_version()) != tuple(etree.LIBXML_VERSION):
            raise EnvironmentProblem(
                f"xmlsec is built on libxml2 {xmlsec.get_libxml_version()} but lxml on "
                f"{etree.LIBXML_VERSION}; reinstall the pinned pair: "
                "pip install --force-reinstall 'lxml==6.1.3' 'xmlsec==1.3.17'")
        _XMLSEC = xmlsec
    return _XMLSEC


def _key(cert: TrustedCert):
    """The xmlsec key of a certificate, made once. It holds the bare public key, not the
    certificate: xmlsec copies the key into every SignatureContext, and a copy with its X509 data
    costs ~35 us and makes the verify itself ~60 us slower. The verdict is the same (a key set on
    the context is used as is; certificate validity is judged by our own checks)."""
    xmlsec = xmlsec_module()
    key = _KEYS.get(cert.der)
    if key is None:
        try:
            key = xmlsec.Key.from_memory(_public_pem(cert.der), xmlsec.KeyFormat.PEM, None)
        except (xmlsec.Error, ValueError):
            key = xmlsec.Key.from_memory(cert.pem(), xmlsec.KeyFormat.CERT_PEM, None)
        _KEYS[cert.der] = key
    return key


def _public_pem(der: bytes) -> bytes:
    body = base64.encodebytes(public_key_der(der))
    return b"-----BEGIN PUBLIC KEY-----\n" + body + b"-----END PUBLIC KEY-----\n"


@dataclass(frozen=True)
class Verification:
    """Result for one document: each signature element with its info, and what is covered."""

    signatures: tuple[tuple[object, SignatureInfo], ...]
    covered: dict
    """id(element) -> (element, parent names of the verified signatures whose Reference points at it).
    The element is kept in the value: lxml proxies (and so their id()) live only while referenced."""
    duplicate_ids: tuple[str, ...]


def _child(el, name):
    for c in el:
        if c.tag == DS + name:
            return c
    return None


_WITH_ID = None


def _ids(root) -> tuple[dict, tuple[str, ...]]:
    """(ID value -> first element carrying it, in document order, as an XPath '//*[@ID=...]'
    lookup finds it; the values used more than once), in one pass over the elements with an ID."""
    global _WITH_ID
    if _WITH_ID is None:
        from lxml import etree

        _WITH_ID = etree.XPath("descendant-or-self::*[@ID]")
    first: dict[str, object] = {}
    dups = []
    for el in _WITH_ID(root):
        v = el.get("ID")
        if v in first:
            dups.append(v)
        else:
            first[v] = el
    return first, tuple(dups)


def _ref_target(ids: dict, root, uri: str | None):
    if uri is None:
        return None
    if uri == "":
        return root  # whole document (XML-DSig 4.4.3.2)
    if uri.startswith("#"):
        return ids.get(uri[1:])
    return None


def _verify_with(sig, key, xmlsec) -> bool:
    ctx = xmlsec.SignatureContext()
    ctx.key = key
    try:
        ctx.verify(sig)
        return True
    except xmlsec.Error:
        return False


_BASE64_TEXT = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")


def _placeholder_value(sig, reference) -> bool:
    """True when DigestValue or SignatureValue is not base64 at all (a redaction placeholder)."""
    for el in (_child(reference, "DigestValue"), _child(sig, "SignatureValue")):
        text = re.sub(r"\s+", "", el.text or "") if el is not None else ""
        if not _BASE64_TEXT.match(text):
            return True
    return False


def _digest_matches(target, sig, reference) -> bool | None:
    """Recompute the Reference digest of `target` (enveloped + c14n transforms) and compare.

    Diagnostic only: the verdict is always xmlsec's. None when the transforms are unusual.
    """
    from lxml import etree

    method = _child(reference, "DigestMethod")
    value = _child(reference, "DigestValue")
    algo = _DIGESTS.get(method.get("Algorithm", "") if method is not None else "")
    if algo is None or value is None or value.text is None:
        return None
    exclusive, prefixes, with_comments = False, None, False
    transforms = _child(reference, "Transforms")
    for t in (transforms if transforms is not None else ()):
        alg = t.get("Algorithm", "")
        if alg.startswith(_EXC_C14N):
            exclusive = True
            with_comments = alg.endswith("WithComments")
            for inc in t:
                if local(inc.tag) == "InclusiveNamespaces":
                    prefixes = (inc.get("PrefixList") or "").split() or None
        elif "c14n" in alg:
            with_comments = alg.endswith("WithComments")
        elif alg != _ENVELOPED:
            return None
    parent = sig.getparent()
    index = parent.index(sig)
    tail = sig.tail
    parent.remove(sig)  # enveloped-signature transform, done in place to keep namespace context
    try:
        data = etree.tostring(target, method="c14n", exclusive=exclusive, with_comments=with_comments,
                              inclusive_ns_prefixes=prefixes)
    finally:
        sig.tail = tail
        parent.insert(index, sig)
    got = hashlib.new(algo, data).digest()
    try:
        want = base64.b64decode(re.sub(r"\s+", "", value.text))
    except ValueError:
        return False
    return got == want


def _normalised_copy(root, unwrap_base64: bool):
    """A copy with whitespace-only text removed (and, optionally, base64 leaves unwrapped): the
    document as it probably was before a pretty-printer or a line-wrapping tool touched it."""
    doc = copy.deepcopy(root)
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        if len(el) and el.text is not None and not el.text.strip():
            el.text = None
        if el.tail is not None and not el.tail.strip():
            el.tail = None
        if unwrap_base64 and el.tag in (DS + "SignatureValue", DS + "X509Certificate",
                                        DS + "DigestValue") and el.text:
            el.text = re.sub(r"\s+", "", el.text)
    return doc


def _register_ids(root, xmlsec) -> tuple[dict, tuple[str, ...]]:
    """Declare ID attributes to xmlsec (SAML has no DTD to do it); the ID index and duplicates."""
    ids = _ids(root)
    xmlsec.tree.add_ids(root, ["ID"])
    return ids


def _try_keys(sig, certs, xmlsec) -> TrustedCert | None:
    """The first certificate whose key verifies `sig`, or None."""
    for cert in certs:
        if _verify_with(sig, _key(cert), xmlsec):
            return cert
    return None


def _ordered(trusted: tuple[TrustedCert, ...], embedded: list[TrustedCert]) -> list[TrustedCert]:
    """Try first the configured cert that equals the one in KeyInfo (one verify in the common case)."""
    wanted = {c.der for c in embedded}
    return sorted(trusted, key=lambda c: c.der not in wanted)


def _index_path(root, el) -> list[int]:
    path = []
    while el is not root:
        parent = el.getparent()
        path.append(parent.index(el))
        el = parent
    return path[::-1]


def _reformatted(root, sig, certs, xmlsec) -> bool:
    """Does the signature verify once whitespace is normalised? (the 'valid in the online tool,
    invalid in my app' case: pretty-printed or re-wrapped XML). xmlsec wraps SignatureValue at
    64 columns itself, so unwrapping base64 is tried only as a second variant."""
    path = _index_path(root, sig)
    for unwrap in (False, True):
        doc = _normalised_copy(root, unwrap)
        node = doc
        for i in path:  # the copy keeps every element, so indexes still hold
            node = node[i]
        try:
            xmlsec.tree.add_ids(doc, ["ID"])
        except xmlsec.Error:
            return False
        if any(_verify_with(node, _key(c), xmlsec) for c in certs):
            return True
    return False


def verify_document(root, trusted: tuple[TrustedCert, ...]) -> Verification:
    """Verify every ds:Signature under `root` against the trusted certificates."""
    xmlsec = xmlsec_module()
    sigs = [el for el in root.iter(DS + "Signature")]
    if not sigs:
        return Verification((), {}, ())
    ids, dups = _register_ids(root, xmlsec)
    results, covered = [], {}
    diagnosed = 0
    for n, sig in enumerate(sigs):
        info, target = _inspect(root, ids, sig, trusted, xmlsec, checked=n < MAX_CHECKED,
                                diagnose=diagnosed < MAX_DIAGNOSED)
        diagnosed += info.verified is False and info.failure != "undiagnosed"
        results.append((sig, info))
        if info.verified and target is not None:
            _, names = covered.get(id(target), (target, ()))
            covered[id(target)] = (target, names + (info.parent,))
    return Verification(tuple(results), covered, dups)


MAX_CHECKED, MAX_DIAGNOSED = 16, 4
"""A SAML message carries a signature per Response and Assertion: beyond MAX_CHECKED signatures
the rest are not verified ('not-checked'), and beyond MAX_DIAGNOSED failures one is not diagnosed
further ('undiagnosed'): each verification and diagnosis canonicalises what it covers, so 800
signatures over one document took minutes."""


def _inspect(root, ids, sig, trusted, xmlsec, checked: bool = True, diagnose: bool = True):
    """(SignatureInfo, the element the Reference points at) for one ds:Signature."""
    parent = sig.getparent()
    signed_info = _child(sig, "SignedInfo")
    refs = [c for c in signed_info if c.tag == DS + "Reference"] if signed_info is not None else []
    ref = refs[0] if refs else None
    uri = ref.get("URI") if ref is not None else None
    target = _ref_target(ids, root, uri)
    sig_method = _child(signed_info, "SignatureMethod") if signed_info is not None else None
    dig_method = _child(ref, "DigestMethod") if ref is not None else None
    embedded = [c for c in (cert_from_keyinfo(x.text) for x in sig.iter(DS + "X509Certificate")) if c]
    base = dict(
        parent=local(parent.tag) if parent is not None else "",
        parent_id=parent.get("ID") if parent is not None else None, reference_uri=uri,
        covers_parent=target is parent or (uri == "" and parent is root),
        signed_path=element_path(target) if target is not None else None,
        signature_algorithm=sig_method.get("Algorithm") if sig_method is not None else None,
        digest_algorithm=dig_method.get("Algorithm") if dig_method is not None else None,
        embedded_certs=tuple(c.info for c in embedded), reference_count=len(refs))
    if ref is None or target is None:
        return SignatureInfo(**base, verified=False, failure="no-reference-target"), None
    if not checked:
        return SignatureInfo(**base, verified=False, failure="not-checked"), target
    candidates = _ordered(trusted, embedded)
    matched = _try_keys(sig, candidates, xmlsec)
    if matched is not None:
        return SignatureInfo(**base, verified=True, matched_cert=matched.info,
                             key_bits=matched.info.key_bits), target
    if not trusted and not embedded:
        return SignatureInfo(**base, verified=None, failure="no-key"), target
    if not diagnose:
        return SignatureInfo(**base, verified=False, failure="undiagnosed"), target
    return _diagnose(root, sig, ref, target, trusted, embedded, base, xmlsec), target


def _diagnose(root, sig, ref, target, trusted, embedded, base, xmlsec) -> SignatureInfo:
    """Why a signature did not verify, so that the user is not sent after the wrong cause: a
    rotated certificate (it verifies with its own KeyInfo cert), changed content (the digest),
    reformatting (it verifies once whitespace is normalised), or a wrong key / changed SignedInfo."""
    key_bits = embedded[0].info.key_bits if embedded else None
    if _placeholder_value(sig, ref):
        # '[omitted]' where the DigestValue or SignatureValue was: redacted before it was shared
        # (Keycloak's KEYCLOAK-6412 sample); 'the content was changed' would send the user astray.
        return SignatureInfo(**base, verified=False, failure="placeholder", key_bits=key_bits)
    if embedded and _try_keys(sig, embedded, xmlsec) is not None:
        # intact; trusted only if configured (without configuration: integrity only, no verdict)
        return SignatureInfo(**base, verified=False if trusted else None,
                             failure="cert-mismatch" if trusted else None, key_bits=key_bits)
    reformatted = _reformatted(root, sig, list(trusted) or embedded, xmlsec)
    if _digest_matches(target, sig, ref) is False:
        failure = "digest"
    elif embedded and trusted and not {c.der for c in embedded} & {c.der for c in trusted}:
        failure = "cert-mismatch-and-signature-value"
    else:
        failure = "signature-value"
    return SignatureInfo(**base, verified=False, failure=failure, key_bits=key_bits,
                         reformatted=reformatted)
