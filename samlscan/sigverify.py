"""The one module that calls xmlsec: verify every ds:Signature of a document, and say why not.

Checks never call xmlsec; they read the SignatureInfo records and the coverage map built here.
"""
from __future__ import annotations

import base64
import copy
import hashlib
import re
from dataclasses import dataclass, replace

from samlscan import lazyre
from samlscan.certs import (DSIG11, KeyValueKey, TrustedCert, cert_from_keyinfo, der_public_key,
                           key_from_keyvalue, public_key_der, same_public_key)
from samlscan.errors import EnvironmentProblem
from samlscan.model import KeyInfoKey, SignatureInfo
from samlscan.xmlsafe import DS, NS, element_path, local

_XMLSEC = None
_KEYS: dict[bytes, object] = {}
KEYS_KEPT = 1024
"""xmlsec keys remembered by certificate (_key): the configured few, and the KeyInfo certificates of a scan's
responses, which can each be another (emptied when full: a big scan's memory stays bounded)."""

KEY_FAILURES = ("signature-value", "signature-value-unchecked", "cert-mismatch", "cert-mismatch-and-signature-value",
                "foreign-key-beside-configured")
"""SignatureInfo.failure values that say the key is not the one given (not that the content changed)."""
SIGNED_BY_OTHER = ("cert-mismatch", "foreign-key-beside-configured")
"""The failures of a signature that verifies with a key not configured: a copy re-indented too is
said as both (the whitespace note, and the key's own finding)."""
WEAK_ALGORITHMS = (
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    "http://www.w3.org/2000/09/xmldsig#dsa-sha1",
    # SHA-1 under other keys (RFC 4051 2.3.6 ECDSA, RFC 6931 2.3.10 RSASSA-PSS): as weak as rsa-sha1
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1",
    "http://www.w3.org/2007/05/xmldsig-more#sha1-rsa-MGF1",
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
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"


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
    the context is used as is; certificate validity is judged by our own checks). None when xmlsec
    cannot use the key (an algorithm it lacks, certs._key_of): it verifies nothing."""
    xmlsec = xmlsec_module()
    if cert.der in _KEYS:
        return _KEYS[cert.der]
    try:
        key = xmlsec.Key.from_memory(_public_pem(cert.der), xmlsec.KeyFormat.PEM, None)
    except (xmlsec.Error, ValueError):
        try:
            key = xmlsec.Key.from_memory(cert.pem(), xmlsec.KeyFormat.CERT_PEM, None)
        except xmlsec.Error:
            key = None
    if len(_KEYS) >= KEYS_KEPT:  # (a scan of responses each carrying its own certificate in KeyInfo)
        _KEYS.clear()
    _KEYS[cert.der] = key
    return key


def _public_pem(der: bytes) -> bytes:
    return _spki_pem(public_key_der(der))


def _spki_pem(spki: bytes) -> bytes:
    return b"-----BEGIN PUBLIC KEY-----\n" + base64.encodebytes(spki) + b"-----END PUBLIC KEY-----\n"


_VALUE_KEYS: dict[bytes, object] = {}


def _value_key(value: KeyValueKey):
    """The xmlsec key of a KeyInfo key value (made once per key), or None when xmlsec refuses it."""
    xmlsec = xmlsec_module()
    if value.spki not in _VALUE_KEYS and len(_VALUE_KEYS) < 1024:
        try:
            _VALUE_KEYS[value.spki] = xmlsec.Key.from_memory(_spki_pem(value.spki), xmlsec.KeyFormat.PEM, None)
        except (xmlsec.Error, ValueError):
            _VALUE_KEYS[value.spki] = None
    return _VALUE_KEYS.get(value.spki)


@dataclass(frozen=True)
class Verification:
    """Result for one document: each signature element with its info, and what is covered."""

    signatures: tuple[tuple[object, SignatureInfo], ...]
    covered: dict
    """id(element) -> (element, parent names of the verified signatures that are its own children and
    whose Reference points at it).
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

        # the attributes, each with its element (a predicate on the element axis costs twice as much)
        _WITH_ID = etree.XPath("descendant-or-self::*/@ID")
    first: dict[str, object] = {}
    dups = []
    for attr in _WITH_ID(root):
        v = str(attr)
        if v in first:
            dups.append(v)
        else:
            first[v] = attr.getparent()
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
    if key is None:  # (_key, _value_key: a key xmlsec cannot use)
        return False
    ctx = xmlsec.SignatureContext()
    ctx.key = key
    try:
        ctx.verify(sig)
        return True
    except xmlsec.Error:
        return False


_BASE64_TEXT = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")


_SHORTEST_VALUE = 10
"""Bytes of the shortest real DigestValue or SignatureValue: an HMAC truncated to its floor of 80 bits
(XML-DSig 6.3.1 HMACOutputLength); digests (16+) and RSA or ECDSA signatures are longer."""


def _placeholder_value(sig, reference) -> bool:
    """True when DigestValue or SignatureValue is no base64 of a value's length (a redaction placeholder:
    '...', '[omitted]', 'XXX', or emptied)."""
    for el in (_child(reference, "DigestValue"), _child(sig, "SignatureValue")):
        text = "".join((el.text or "").split()) if el is not None else ""  # (str.split's whitespace is re's \s)
        # 'XXX' is in base64's alphabet, but too short for any value (a value cut short is not redacted:
        # samlify's false_signed_request lost characters of a real SignatureValue, which is no placeholder)
        if not _BASE64_TEXT.match(text) or len(text.rstrip("=")) * 3 // 4 < _SHORTEST_VALUE:
            return True
        if _repeated(text.rstrip("=")):
            return True
    return False


_LONGEST_UNIT = 16
"""Characters of the longest word a placeholder repeats ('REDACTED', 'SIGNATUREREMOVED')."""


def _repeated(text: str) -> bool:
    """`text` is a masking mark written again and again: 'XXXX…' (or 'xxxx…') or a word of four or more
    letters ('REDACTEDREDACTED…'). Base64 of a value's length, but no digest or signature (their bytes
    look random: a 10-byte HMAC's 14 characters repeat a unit of 7 or fewer once in 2**41). One other
    letter repeated ('AAAA…', 'BBBB…') stays a value: a stand-in for a real one, not a redaction."""
    # (text[n:2n] == text[:n] first: a real value fails it at once, without building the repetition)
    unit = next((text[:n] for n in range(1, _LONGEST_UNIT + 1)
                 if len(text) >= 2 * n and text[n:2 * n] == text[:n]
                 and text == text[:n] * (len(text) // n) + text[:len(text) % n]), None)
    return unit is not None and (unit in ("X", "x") or len(unit) >= 4 and unit.isalpha())


def _redacted(sig, reference) -> bool:
    """Both values are there, and one is a placeholder: the signature was redacted, whatever key is at hand."""
    present = _child(sig, "SignatureValue") is not None and _child(reference, "DigestValue") is not None
    return present and _placeholder_value(sig, reference)


MAX_KEYS_TRIED = 8
"""Keys _rsa_signed_by, and a diagnosis, try per signature (a KeyInfo or metadata may list any number of
them; a real KeyInfo holds a certificate and its chain, metadata a signing certificate or two)."""


def _rsa_signed_by(sig, spkis) -> bool:
    """Whether one of these RSA public keys made the SignatureValue, over whatever bytes: its public
    operation yields a well-formed EMSA-PKCS1-v1_5 block (RFC 8017 9.2: 00 01 FF.. 00 DigestInfo).
    xmlsec only says 'does not verify'; a block that decodes means the key is right and the
    SignedInfo hashed now is not the one signed (Salesforce's 2011 AuthnRequest in
    django-saml2-idp's tests), not that another key signed."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    el = _child(sig, "SignatureValue")
    try:
        value = int.from_bytes(base64.b64decode(re.sub(r"\s+", "", el.text or "")), "big") if el is not None else 0
    except ValueError:
        return False
    for spki in list(dict.fromkeys(spkis))[:MAX_KEYS_TRIED]:
        key = der_public_key(spki)
        if not isinstance(key, rsa.RSAPublicKey):  # (None: no key cryptography reads)
            continue
        n, e = key.public_numbers().n, key.public_numbers().e
        if not 0 < value < n or n.bit_length() > 16384 or e.bit_length() > 64:
            continue  # (a key from the message itself may be built to make pow() run for minutes;
            # OpenSSL refuses such exponents too)
        block = pow(value, e, n).to_bytes((n.bit_length() + 7) // 8, "big")
        end = block.find(b"\x00", 2)
        info = block[end + 1:] if end > 0 else b""
        if (block[:2] == b"\x00\x01" and end >= 10 and set(block[2:end]) == {0xFF}
                and len(info) > 2 and info[0] == 0x30 and info[1] == len(info) - 2):
            return True
    return False


def _spkis(certs) -> list[bytes]:
    """The SubjectPublicKeyInfo of each certificate whose DER this reader understands."""
    out = []
    for c in certs:
        try:
            out.append(public_key_der(c.der))
        except ValueError:
            continue
    return out


def _signature_bits(sig) -> int | None:
    """The bits of an RSA SignatureValue (its key's modulus size), None when unreadable or the
    SignatureMethod is not RSA."""
    info = _child(sig, "SignedInfo")
    method = _child(info, "SignatureMethod") if info is not None else None
    el = _child(sig, "SignatureValue")
    if el is None or method is None or "rsa" not in (method.get("Algorithm") or "").lower():
        return None  # (PKCS #1 v1.5 and PSS signatures alike are as long as the modulus)
    try:
        value = base64.b64decode(re.sub(r"\s+", "", el.text or ""), validate=True)
    except ValueError:
        return None
    # only a modulus size keys are made with (a signer may drop one leading zero octet): any other
    # length is a damaged or cut SignatureValue, not another key
    return next((bits for bits in _MODULUS_SIZES if len(value) in (bits // 8, bits // 8 - 1)), None)


_MODULUS_SIZES = (1024, 1536, 2048, 3072, 4096, 8192)


def _other_size(cert, bits: int) -> bool:
    """An RSA certificate whose modulus is not `bits` long (a byte of slack: a signer that drops a
    leading zero octet writes one octet less)."""
    return cert.info.key_type == "RSA" and bool(cert.info.key_bits) and abs((cert.info.key_bits + 7) // 8 * 8 - bits) > 8


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
        if not isinstance(t.tag, str):  # a comment or PI between the Transforms (lxml's get() of one: None)
            continue
        alg = t.get("Algorithm", "")
        if alg.startswith(EXC_C14N):
            exclusive = True
            with_comments = alg.endswith("WithComments")
            for inc in t:
                if local(inc.tag) == "InclusiveNamespaces":
                    prefixes = (inc.get("PrefixList") or "").split() or None
        elif "c14n" in alg:
            with_comments = alg.endswith("WithComments")
        elif alg != ENVELOPED:
            return None
    if transforms is not None and _inside(target, sig) and any(t.get("Algorithm") == ENVELOPED for t in transforms):
        # XML-DSig 6.6.4: the enveloped-signature transform drops the whole Signature, descendants
        # included: an element moved into its own Signature (XSW) leaves nothing to digest.
        return _digest_equals(hashlib.new(algo, b"").digest(), value.text)
    parent = sig.getparent()
    index = parent.index(sig)
    tail, prev = sig.tail, sig.getprevious()
    kept = prev.tail if prev is not None else parent.text
    if tail:  # the enveloped-signature transform removes the element, not the text after it, which
        # lxml's remove() would take along: it joins the text before
        _set_text_before(parent, prev, (kept or "") + tail)
    parent.remove(sig)  # enveloped-signature transform, done in place to keep namespace context
    try:
        data = etree.tostring(target, method="c14n", exclusive=exclusive, with_comments=with_comments,
                              inclusive_ns_prefixes=prefixes)
    finally:
        _set_text_before(parent, prev, kept)
        sig.tail = tail
        parent.insert(index, sig)
    return _digest_equals(hashlib.new(algo, data).digest(), value.text)


def _inside(element, ancestor) -> bool:
    """Whether `element` lies within `ancestor`'s subtree."""
    return any(a is ancestor for a in element.iterancestors())


def _digest_equals(got: bytes, text: str) -> bool:
    """Whether a DigestValue (base64, perhaps wrapped) is `got`."""
    try:
        return got == base64.b64decode(re.sub(r"\s+", "", text))
    except ValueError:
        return False


def _set_text_before(parent, prev, text) -> None:
    """Set the text between `prev` (None: the start of `parent`) and the node after it."""
    if prev is not None:
        prev.tail = text
    else:
        parent.text = text


def _canonicalizable(target) -> bool:
    """Whether libxml2's C14N accepts `target` (Canonical XML 1.0 section 2: a relative namespace URI
    in scope makes canonicalization fail; either c14n fails alike)."""
    from lxml import etree

    try:
        etree.tostring(target, method="c14n", exclusive=True)
    except etree.C14NError:
        return False
    return True


_BASE64_LEAVES = (DS + "SignatureValue", DS + "X509Certificate", DS + "DigestValue")
_TAILED = {"certificates": (DS + "X509Certificate",), "base64": (DS + "X509Certificate", DS + "SignatureValue")}
"""The wrapped base64 values a variant of _normalised_copy gives back their final line break: a
formatter that trims text drops it (SimpleSAMLphp's XML::formatXMLString); xmlsec and Santuario end
a wrapped certificate with one, a SignatureValue with one or not."""


def _normalised_copy(root, variant: str):
    """A copy with whitespace-only text removed, and by `variant`: base64 leaves as they are
    ('indent'), unwrapped ('unwrap'), or wrapped ones given back a final line break ('certificates',
    'base64'; None when none lacks it): the document as it probably was before a pretty-printer or a
    line-wrapping tool touched it; 'line-breaks': _line_breaks_copy."""
    if variant == "line-breaks":
        return _line_breaks_copy(root)
    tailed = _TAILED.get(variant, ())
    if tailed and not any(_lacks_tail(el.text) for el in root.iter(*tailed)):
        return None
    doc = copy.deepcopy(root)
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        if len(el) and el.text is not None and not el.text.strip():
            el.text = None
        if el.tail is not None and not el.tail.strip():
            el.tail = None
        if variant == "unwrap" and el.tag in _BASE64_LEAVES and el.text:
            el.text = re.sub(r"\s+", "", el.text)
        elif el.tag in tailed and _lacks_tail(el.text):
            el.text += "\n"
    return doc


_LINE_BREAK = lazyre.compile(r"(?<! ) ")
"""A space not after a space: where a formatter that turns every line break into one space put one
(the rest of a run of spaces is the indentation that followed the line break)."""


def _line_breaks_copy(root):
    """A copy with the line breaks a one-line log formatter turned into spaces put back, or None
    when nothing looks so: only in whitespace between elements and in base64 values, whose
    whitespace carries no value (XML-DSig 4.5.4.1; a space is no base64 character), so no changed
    value can come to verify. Monolog's LineFormatter::replaceNewlines without
    allowInlineLineBreaks (1.x to 3.x): return str_replace(["\\r\\n", "\\r", "\\n"], ' ', $str);"""
    doc, changed = copy.deepcopy(root), False

    def restored(text):
        nonlocal changed
        if not text or " " not in text:
            return text
        changed = True
        return _LINE_BREAK.sub("\n", text)

    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in _BASE64_LEAVES or (len(el) and el.text is not None and not el.text.strip()):
            el.text = restored(el.text)
        if el.tail is not None and not el.tail.strip():
            el.tail = restored(el.tail)
    return doc if changed else None


def _lacks_tail(text: str | None) -> bool:
    """A base64 value wrapped over lines that does not end with a line break."""
    return bool(text) and "\n" in text.strip() and not text.endswith("\n")


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


def _ordered(trusted: tuple[TrustedCert, ...], embedded: list[TrustedCert],
             values: list[KeyValueKey]) -> list[TrustedCert]:
    """Try first the configured cert that equals the one in KeyInfo, or holds its key value (one
    verify in the common case)."""
    wanted = {c.der for c in embedded}
    return sorted(trusted, key=lambda c: c.der not in wanted and not _holds_any(c, values))


def _holds_any(cert: TrustedCert, values: list[KeyValueKey]) -> bool:
    return any(same_public_key(cert.der, v.spki) for v in values)


_KEYINFO_SET = frozenset((DS + "X509Certificate", DS + "RSAKeyValue", DS + "DSAKeyValue",
                          DSIG11 + "ECKeyValue", DSIG11 + "DEREncodedKeyValue"))


def _keyinfo(sig) -> tuple[list[TrustedCert], list[KeyValueKey], int]:
    """The certificates and the key values (XML-DSig 4.5.2, XML-DSig 1.1 4.5.2.3 and 4.5.5) a
    signature carries, and how many X509Certificate values could not be read."""
    certs, values, unreadable = [], [], 0
    key_info = _child(sig, "KeyInfo")  # (not the whole Signature: SignedInfo is most of it)
    # a set lookup over KeyInfo's few elements: lxml's iter(*tags) builds a matcher per call (5 us)
    for el in key_info.iter() if key_info is not None else ():
        if el.tag not in _KEYINFO_SET:
            continue
        if el.tag == DS + "X509Certificate":
            cert = cert_from_keyinfo(el.text)
            if cert is None:
                unreadable += 1
            else:
                certs.append(cert)
        else:
            values.append(key_from_keyvalue(el))
    return certs, values, unreadable


def _keyinfo_contents(sig, unreadable: int) -> str:
    """What a KeyInfo without a usable certificate or key holds, in words (XML-DSig 4.5)."""
    key_info = _child(sig, "KeyInfo")
    if key_info is None:
        return "none (the signature carries no KeyInfo)"
    parts = []
    for child in key_info:
        if not isinstance(child.tag, str):
            continue
        name = local(child.tag)
        if name == "KeyName":
            parts.append(f"KeyName {(child.text or '').strip()!r}")
        elif name == "X509Data" and unreadable:
            parts.append(f"X509Data with {unreadable} X509Certificate value(s) that cannot be read")
        elif len(child):
            inner = sorted({local(c.tag) for c in child if isinstance(c.tag, str)})
            parts.append(f"{name} ({', '.join(inner)})")
        else:
            parts.append(name)
    return ("only " + "; ".join(parts) + " (no certificate or key)") if parts else "empty"


def _relation(values: list[KeyValueKey], trusted: tuple[TrustedCert, ...]) -> str:
    """Whether the configured certificates hold the key value(s) KeyInfo carries."""
    if not trusted:
        return ""
    holders = [c for c in trusted if _holds_any(c, values)]
    if holders:
        return "the same key as the configured certificate " + ", ".join(c.info.subject for c in holders)
    return NO_CONFIGURED_KEY


NO_CONFIGURED_KEY = "the key of no configured certificate"


def _index_path(root, el) -> list[int]:
    path = []
    while el is not root:
        parent = el.getparent()
        path.append(parent.index(el))
        el = parent
    return path[::-1]


def _reformatted(root, sig, keys, xmlsec, target=None, others=None, copies=None):
    """Does the signature verify once whitespace is normalised? (the 'valid in the online tool,
    invalid in my app' case: pretty-printed or re-wrapped XML). xmlsec wraps SignatureValue at
    64 columns itself, so unwrapping base64 is tried only as a second variant; a third gives a
    wrapped base64 value back the line break xmlsec ends it with, which a formatter that trims text
    drops (SimpleSAMLphp's XML::formatXMLString, printing a message to its log); a last puts back
    the line breaks a one-line formatter turned into spaces (Monolog's LineFormatter).

    True when one of `keys` verifies a copy; else, when `others` is given (a function of the copy's
    signature giving what verifies it, or None), what it gives for the first copy whose digest matches
    (the keys a signer not configured holds: tried only on a copy whose content is intact, so a
    changed document costs one digest per variant). Only whitespace changes in a copy (between
    elements, inside base64 values: XML-DSig 4.5.4.1), and the copy's Reference must point at the
    element at `target`'s place (XSW: what verifies is what the checks read). `copies`: the
    document's copies, made once for all its signatures (verify_document's)."""
    path = _index_path(root, sig)
    place = _index_path(root, target) if target is not None else None
    copies = {} if copies is None else copies
    for variant in ("indent", "unwrap", "certificates", "base64", "line-breaks"):
        made = _copy(root, variant, xmlsec, copies)
        if made is None:
            continue
        if made is False:
            return False
        doc = made[0]
        node = _at_path(doc, path)  # the copy keeps every element, so indexes still hold
        if any(_verify_with(node, k, xmlsec) for k in keys):
            return True
        if others is None or place is None:
            continue
        if made[1] is None:
            made[1] = _ids(doc)[0]
        ref = next((c for c in _child(node, "SignedInfo") if c.tag == DS + "Reference"), None)
        copied = _ref_target(made[1], doc, ref.get("URI"))
        if copied is None or _index_path(doc, copied) != place or _digest_matches(copied, node, ref) is False:
            continue
        found = others(node)
        if found:
            return found
    return False


def _copy(root, variant: str, xmlsec, copies: dict):
    """[the whitespace-normalised copy `variant` of `root`, its ID index (made when asked)], its IDs
    declared to xmlsec; None when the variant changes nothing, False when xmlsec refused its IDs.
    Made once a document: a big message's diagnosed signatures each deep-copied it five times (7 MB,
    four signatures whose content changed: 5.3 s)."""
    if variant not in copies:
        doc = _normalised_copy(root, variant)
        if doc is not None:
            try:
                xmlsec.tree.add_ids(doc, ["ID"])
                doc = [doc, None]
            except xmlsec.Error:
                doc = False
        copies[variant] = doc
    return copies[variant]


def verify_document(root, trusted: tuple[TrustedCert, ...], published: tuple[TrustedCert, ...] = ()) -> Verification:
    """Verify every ds:Signature under `root` against the trusted certificates. `published`: the
    IdP metadata's signing certificates, to name the signer of a signature none of them verifies."""
    xmlsec = xmlsec_module()
    sigs = [el for el in root.iter(DS + "Signature")]
    if not sigs:
        return Verification((), {}, ())
    ids, dups = _register_ids(root, xmlsec)
    built: list[dict] = []

    def others() -> dict:  # (built once, when a Reference names no ID; functools.cache: 4 us per document)
        if not built:
            built.append(_other_ids(root))
        return built[0]

    results, covered = [], {}
    diagnosed = 0
    copies: dict = {}  # (the whitespace-normalised copies a diagnosis tries, made once: _copy)
    for n, sig in enumerate(sigs):
        info, target = _inspect(root, ids, sig, trusted, xmlsec, checked=n < MAX_CHECKED,
                                diagnose=diagnosed < MAX_DIAGNOSED, published=published, others=others,
                                copies=copies)
        diagnosed += info.verified is False and info.failure != "undiagnosed"
        results.append((sig, info))
        if info.verified and target is not None and info.covers_parent:
            # Only a signature that is the child of what it signs makes it signed (SAML core 5.4.1):
            # java-saml and python3-saml (processSignedElements: 'Found an invalid Signed Element'),
            # node-saml ('Referenced node does not refer to it's parent element') and OpenSAML
            # (SAMLSignatureProfileValidator: the Reference URI must be the ID of the signature's
            # parent) refuse one held elsewhere, though the enveloped transform lets it verify.
            _, names = covered.get(id(target), (target, ()))
            covered[id(target)] = (target, names + (info.parent,))
    return Verification(tuple(results), covered, dups)


MAX_CHECKED, MAX_DIAGNOSED = 16, 4
"""A SAML message carries a signature per Response and Assertion: beyond MAX_CHECKED signatures
the rest are not verified ('not-checked'), and beyond MAX_DIAGNOSED failures one is not diagnosed
further ('undiagnosed'): each verification and diagnosis canonicalises what it covers, so 800
signatures over one document took minutes."""


SIGNED_ELEMENTS = {
    **dict.fromkeys(("Response", "ArtifactResponse", "AuthnRequest", "LogoutRequest", "LogoutResponse",
                     "ArtifactResolve", "AttributeQuery", "AuthnQuery", "ManageNameIDRequest",
                     "ManageNameIDResponse", "NameIDMappingRequest", "NameIDMappingResponse"), NS["samlp"]),
    "Assertion": NS["saml"], "EntityDescriptor": NS["md"], "EntitiesDescriptor": NS["md"],
}
"""The elements SAML signs, each in the namespace that defines it (SAML core 5.1, metadata 3)."""


def holder_name(el) -> str:
    """How a signature's holder is named: its local name, or '{namespace}local' when that local name is
    a signed SAML element's but the namespace is not (a <saml:Response> in samlp:Extensions is no
    Response). Toolkits compare the qualified name (java-saml SamlResponse.processSignedElements:
    'Invalid Signature Element {urn:oasis:names:tc:SAML:2.0:assertion}Response')."""
    name = local(el.tag)
    home = SIGNED_ELEMENTS.get(name)
    if home is None or el.tag == "{%s}%s" % (home, name):
        return name
    return el.tag


def _transform_algorithms(ref) -> tuple[str, ...]:
    """The Algorithm of each ds:Transform of a Reference (XML-DSig 4.4.3.1), '' for one without."""
    transforms = _child(ref, "Transforms") if ref is not None else None
    if transforms is None:
        return ()
    return tuple(t.get("Algorithm", "") for t in transforms if t.tag == DS + "Transform")


_WITH_OTHER_ID = None


def _other_ids(root) -> dict:
    """'Id' or 'id' value -> the first element carrying it, in document order: one pass per document
    (a walk per signature whose Reference names no 'ID' was quadratic: 400 such signatures, 5 s)."""
    global _WITH_OTHER_ID
    if _WITH_OTHER_ID is None:
        from lxml import etree

        _WITH_OTHER_ID = etree.XPath("descendant-or-self::*/@Id | descendant-or-self::*/@id")
    first: dict[str, object] = {}
    for attr in _WITH_OTHER_ID(root):
        first.setdefault(str(attr), attr.getparent())
    return first


def _other_id_path(others: dict, uri: str | None) -> str | None:
    """The element whose 'Id' or 'id' attribute is the fragment of `uri` (`others`: _other_ids): SAML
    core 1.3.4 names the ID attribute 'ID', but xml-crypto (samlify, node-saml) also resolves 'Id' and 'id'."""
    if not uri or not uri.startswith("#"):
        return None
    el = others.get(uri[1:])
    return element_path(el) if el is not None else None


def _inspect(root, ids, sig, trusted, xmlsec, checked: bool = True, diagnose: bool = True, published=(),
             others=None, copies=None):
    """(SignatureInfo, the element the Reference points at) for one ds:Signature; `others`: the
    document's _other_ids, built once (else here)."""
    parent = sig.getparent()
    signed_info = _child(sig, "SignedInfo")
    refs = [c for c in signed_info if c.tag == DS + "Reference"] if signed_info is not None else []
    ref = refs[0] if refs else None
    uri = ref.get("URI") if ref is not None else None
    target = _ref_target(ids, root, uri)
    sig_method = _child(signed_info, "SignatureMethod") if signed_info is not None else None
    dig_method = _child(ref, "DigestMethod") if ref is not None else None
    embedded, values, unreadable = _keyinfo(sig)
    base = dict(
        parent=holder_name(parent) if parent is not None else "",
        parent_id=parent.get("ID") if parent is not None else None, reference_uri=uri,
        covers_parent=target is parent or (uri == "" and parent is root),
        signed_path=element_path(target) if target is not None else None,
        signature_algorithm=sig_method.get("Algorithm") if sig_method is not None else None,
        digest_algorithm=dig_method.get("Algorithm") if dig_method is not None else None,
        embedded_certs=tuple(c.info for c in embedded), reference_count=len(refs),
        transforms=_transform_algorithms(ref))
    # A key written without a certificate (crewjam/saml's 'RealWorld' shape, some AD FS and
    # PingFederate configurations): XML-DSig 4.5.2 KeyValue, XML-DSig 1.1 4.5.5 DEREncodedKeyValue.
    if values:
        usable = [v for v in values if v.spki and _value_key(v) is not None]
        broken = [replace(v, spki=b"", problem="xmlsec cannot use this key") if v.spki else v
                  for v in values if v not in usable]
        values = usable
        if values:
            base["keyinfo_key"] = KeyInfoKey(" and ".join(v.describe() for v in values),
                                             _relation(values, trusted))
        elif not embedded:
            base["keyinfo_key"] = KeyInfoKey(" and ".join(v.describe() for v in broken))
    elif not embedded and not trusted:
        base["keyinfo_key"] = KeyInfoKey(_keyinfo_contents(sig, unreadable))
    if ref is None or target is None:
        return SignatureInfo(**base, verified=False, failure="no-reference-target",
                             other_id_path=_other_id_path(others() if others else _other_ids(root), uri)), None
    if not checked:
        return SignatureInfo(**base, verified=False, failure="not-checked"), target
    candidates = _ordered(trusted, embedded, values)
    matched = _try_keys(sig, candidates, xmlsec)
    if matched is not None:
        return SignatureInfo(**base, verified=True, matched_cert=matched.info,
                             key_bits=matched.info.key_bits), target
    if not trusted and not embedded and not values:
        if _redacted(sig, ref):
            # no key is needed to see that the values were replaced: saying 'no certificate configured'
            # would send the user after one, which cannot help (pac4j's redacted AD FS sample)
            return SignatureInfo(**base, verified=False, failure="placeholder"), target
        return SignatureInfo(**base, verified=None, failure="no-key"), target
    if not diagnose:
        return SignatureInfo(**base, verified=False, failure="undiagnosed"), target
    return _diagnose(root, sig, ref, target, trusted, embedded, values, base, xmlsec, published, copies), target


def _diagnose(root, sig, ref, target, trusted, embedded, values, base, xmlsec, published=(),
              copies=None) -> SignatureInfo:
    """Why a signature did not verify, so that the user is not sent after the wrong cause: a
    rotated certificate (it verifies with its own KeyInfo cert or key value), changed content (the
    digest), reformatting (it verifies once whitespace is normalised), or a wrong key / changed
    SignedInfo."""
    # key_bits feeds the weak-key check, which reads an RSA key unless a certificate says otherwise
    key_bits = embedded[0].info.key_bits if embedded else next(
        (v.key_bits for v in values if v.key_type == "RSA"), None)
    if _child(sig, "SignatureValue") is None or _child(ref, "DigestValue") is None:
        # XML-DSig 4.1/4.4.3: both are required children in the ds namespace. Missing (or in another
        # namespace: signxml 5 with namespaces={None: ds} and a placeholder writes SignatureValue and
        # KeyInfo in the enclosing default namespace) the signer wrote a broken signature: no value
        # was redacted, and every verifier refuses it
        return SignatureInfo(**base, verified=False, failure="malformed", key_bits=key_bits)
    if _placeholder_value(sig, ref):
        # '[omitted]' where the DigestValue or SignatureValue was: redacted before it was shared
        # (Keycloak's KEYCLOAK-6412 sample); 'the content was changed' would send the user astray.
        return SignatureInfo(**base, verified=False, failure="placeholder", key_bits=key_bits)
    # a KeyInfo may list any number of keys, each tried on the message and on each whitespace-normalised
    # copy (one canonicalisation each): the first MAX_KEYS_TRIED distinct ones (1,000 certificates: 2.4 s)
    own = [_key(c) for c in _first_distinct(embedded)] + [_value_key(v) for v in values[:MAX_KEYS_TRIED]]

    def unconfigured(node) -> dict | None:  # (the signature as given, or a whitespace-normalised copy's)
        return _unconfigured_signer(node, own, trusted, embedded, values, published, key_bits, xmlsec)

    found = unconfigured(sig)
    if found is not None:
        # (found only when a key verified it: xmlsec canonicalized the document with libxml2's C14N,
        # which checks every element's namespaces (c14n.c, xmlC14NCheckForRelativeNamespaces), so
        # the test below would pass: one C14N of the signed element saved per unconfigured signature)
        return SignatureInfo(**base, **found)
    if not _canonicalizable(target):
        # libxml2 (under xmlsec and every verifier built on it) cannot canonicalize the signed element,
        # so no key verifies it and its digest cannot be recomputed: a relative namespace URI in scope
        # (xmlns:example="1", simplesamlphp/saml2's CVE-2025-66475 sample, whose DigestValue is the
        # SHA-256 of nothing: PHP's failed C14N() digested as '')
        return SignatureInfo(**base, verified=False, failure="uncanonicalizable", key_bits=key_bits)
    digest = _digest_matches(target, sig, ref)
    bits = _signature_bits(sig)
    if digest is not False and not own and trusted and bits and all(_other_size(c, bits) for c in trusted):
        # no key in KeyInfo to name, but the SignatureValue's length is its key's (RFC 8017 8.2.1:
        # k octets, k the modulus's): no configured key is that size, another key made it
        return SignatureInfo(**base, verified=False, failure="cert-mismatch", key_bits=bits)
    # a copy that verifies with the configured keys says 'reformatted'; one that verifies only with an
    # unconfigured signer's key says what the untouched message would (cert mismatch, naming it), and that
    reformatted = _reformatted(root, sig, [_key(c) for c in trusted] or own, xmlsec, target,
                               unconfigured if trusted else None, copies)
    if isinstance(reformatted, dict):
        return SignatureInfo(**base, **reformatted, reformatted=True)
    if digest is False:
        failure = "digest"
    elif digest is True and _rsa_signed_by(sig, _spkis(trusted) or _spkis(embedded) + [v.spki for v in values]):
        # (only when the content is known intact: an unchecked transform (XPath) or content changed
        # under it would be blamed on the SignedInfo)
        failure = "signed-info-changed"
    elif own and trusted and not _shares_key(trusted, embedded, values):
        failure = "cert-mismatch-and-signature-value"
    else:  # (-unchecked: the Reference's digest could not be recomputed here, so 'the digest
        # matches' cannot be said)
        failure = "signature-value" if digest else "signature-value-unchecked"
    return SignatureInfo(**base, verified=False, failure=failure, key_bits=key_bits,
                         reformatted=reformatted)


def _unconfigured_signer(sig, own, trusted, embedded, values, published, key_bits, xmlsec) -> dict | None:
    """What a signature the configured keys do not verify is (SignatureInfo fields), when a key of its
    own KeyInfo or a certificate the IdP metadata publishes verifies it; None when neither does."""
    if any(_verify_with(sig, k, xmlsec) for k in own):
        if trusted and _shares_key(trusted, embedded, values):
            # signed by one key of its KeyInfo while it also shows a configured certificate (or
            # key) that does not verify: a forgery dressed as the IdP, not the IdP's rotation
            return dict(verified=False, failure="foreign-key-beside-configured", key_bits=key_bits)
        # intact; trusted only if configured (without configuration: integrity only, no verdict)
        signer = _published_signer(sig, trusted, embedded, published, xmlsec)
        return dict(verified=False if trusted else None, failure="cert-mismatch" if trusted else None,
                    key_bits=key_bits, published_signer=signer.info if signer else None)
    signer = _published_signer(sig, trusted, embedded, published, xmlsec)
    if signer is not None:  # a key KeyInfo does not show: the metadata's certificate that verifies
        return dict(verified=False, failure="cert-mismatch", key_bits=signer.info.key_bits,
                    published_signer=signer.info)
    return None


def _published_signer(sig, trusted, embedded, published, xmlsec) -> TrustedCert | None:
    """The IdP metadata's signing certificate that verifies a signature the configured ones do not,
    when KeyInfo shows no certificate to name the signer by (a KeyName, a bare key value, none)."""
    if not trusted or embedded or not published:
        return None
    held = {c.der for c in trusted}
    # the newest first: a renewal with the same key verifies too, and the expired one is not the
    # certificate to configure
    newest = sorted((c for c in published if c.der not in held), key=lambda c: c.info.not_after, reverse=True)
    # (the first MAX_KEYS_TRIED: metadata listing hundreds cost a verification each, per copy tried)
    return _try_keys(sig, _first_distinct(newest), xmlsec)


def _first_distinct(certs) -> list[TrustedCert]:
    """The first MAX_KEYS_TRIED certificates, each once (a repeated one verifies no better)."""
    first: dict[bytes, TrustedCert] = {}
    for c in certs:
        first.setdefault(c.der, c)
    return list(first.values())[:MAX_KEYS_TRIED]


def _shares_key(trusted, embedded, values) -> bool:
    """Whether KeyInfo carries the key of a configured certificate (compared as public keys: a
    re-issued certificate with the same key is the same signer)."""
    def spki(cert):
        try:
            return public_key_der(cert.der)
        except ValueError:
            return cert.der
    mine = {spki(c) for c in trusted}
    return bool(mine & {spki(c) for c in embedded}) or any(_holds_any(c, values) for c in trusted)


def verifies_decrypted(root, decrypted, trusted: tuple[TrustedCert, ...]) -> bool:
    """Whether the signature `root` holds verifies over a copy of `root` in which each decrypted
    EncryptedAssertion is replaced by its Assertion: the IdP signed the Response before it encrypted
    the Assertion (samlify without encryptThenSign), so the signature covers the plaintext, never the
    EncryptedAssertion sent (SAML core 6.1: the Response's signature is over what is sent). Checked
    with the configured keys, else with the signature's own KeyInfo (integrity only)."""
    sig = next((el for el in root if el.tag == DS + "Signature"), None)
    if sig is None or not decrypted:
        return False
    doc = copy.deepcopy(root)
    for enc, plain in decrypted:
        held = _at_path(doc, _index_path(root, enc))
        inner = copy.deepcopy(plain)
        inner.tail = held.tail
        held.getparent().replace(held, inner)
    xmlsec = xmlsec_module()
    _register_ids(doc, xmlsec)
    copied = _at_path(doc, _index_path(root, sig))
    keys = [_key(c) for c in trusted] or [_key(c) for c in _keyinfo(sig)[0]]
    return any(_verify_with(copied, k, xmlsec) for k in keys)


def _at_path(root, path: list[int]):
    el = root
    for i in path:
        el = el[i]
    return el
