"""The one XML parser of samlscan: no DTD, no entities, no network, bounded size and depth.

Every XML byte string in the package goes through `parse_xml`. A DOCTYPE is refused before
libxml2 sees it: SAML never needs one (SAML core 1.3), and refusing it rules out XXE, billion
laughs and quadratic blow-up at once.
"""
from __future__ import annotations

import re

from samlscan.errors import InputError

MAX_XML_BYTES = 8 * 1024 * 1024
"""No SAML message comes near this; a larger document is refused (input-too-large)."""
MAX_METADATA_BYTES = 256 * 1024 * 1024
"""IdP metadata is configuration the user chose, and federation aggregates (InCommon, eduGAIN:
tens of MB, thousands of entities) are a normal way to hold it: a larger bound than a message's."""

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_HTML_PAGE = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]{0,200}>\s*)?(?:<!--(?:[^-]|-(?!->)){0,2000}-->\s*)*"
                        rb"<!DOCTYPE\s+html\b[^\[<>]{0,300}>\s*(?:<!--(?:[^-]|-(?!->)){0,2000}-->\s*)*<html[\s>]",
                        re.IGNORECASE)
"""A web page's start: an HTML or XHTML DOCTYPE (no internal subset: no entity can be declared)
right before the <html> root. A saved IdP page or login form is no attack, and no SAML message."""
_PARSER = None

NS = {
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "xenc": "http://www.w3.org/2001/04/xmlenc#",
    "md": "urn:oasis:names:tc:SAML:2.0:metadata",
}
SAMLP = "{%s}" % NS["samlp"]
SAML = "{%s}" % NS["saml"]
DS = "{%s}" % NS["ds"]
XENC = "{%s}" % NS["xenc"]
MD = "{%s}" % NS["md"]


def _parser():
    global _PARSER
    if _PARSER is None:
        from lxml import etree

        _PARSER = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
            huge_tree=False, remove_comments=False, remove_pis=False, remove_blank_text=False,
            collect_ids=False,
        )
    return _PARSER


def _wide(head: bytes) -> bool:
    """UTF-16 or UTF-32: a BOM, or a NUL in the first two bytes ('<' is 00 3C or 3C 00)."""
    return head[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(head) > 1 and (head[0] == 0 or head[1] == 0))


def _as_utf8_probe(data: bytes) -> bytes:
    """A copy of the prolog that the DOCTYPE scan can read, whatever the encoding family."""
    head = data[:4096]
    return head.replace(b"\x00", b"") if _wide(head) else head


_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_ALLOWED_ENCODINGS = {b"utf-8", b"utf8", b"utf-16", b"utf-16le", b"utf-16be", b"us-ascii", b"ascii",
                      b"iso-8859-1", b"latin1", b"latin-1", b"windows-1252"}


def _ascii_superset(name: bytes) -> bool:
    """A single-byte encoding whose bytes 0x00-0x7F are ASCII (ISO-8859-2, windows-1250, KOI8-R...):
    '<!DOCTYPE' is the same bytes in it, so the byte scan sees it. Keycloak and others declare
    ISO-8859-2 (KEYCLOAK-3971); refusing those as 'not UTF-8' lost real evidence."""
    import codecs

    try:
        codec = codecs.lookup(name.decode("ascii")).name
        singles = [bytes([b]).decode(codec, "replace") for b in range(256)]
        whole = bytes(range(256)).decode(codec, "replace")
    except (LookupError, UnicodeDecodeError, ValueError):
        return False
    # one character per byte, independently of the bytes before (no shift states: ISO-2022, UTF-7)
    return (all(len(c) == 1 for c in singles) and whole == "".join(singles)
            and "".join(singles[:128]) == "".join(map(chr, range(128))))


def declared_single_byte_encoding(data: bytes) -> str | None:
    """The encoding an XML document declares when it is a single-byte ASCII superset
    (ISO-8859-x, windows-125x, KOI8-R...), else None: the text of such a file is not UTF-8."""
    declared = _ENCODING.match(data[:4096])
    if declared is None:
        return None
    name = declared.group(1)
    if name.lower() in (b"utf-8", b"utf8", b"utf-16", b"utf-16le", b"utf-16be"):
        return None
    return name.decode("ascii") if name.lower() in _ALLOWED_ENCODINGS or _ascii_superset(name) else None


def refuse_doctype(data: bytes) -> None:
    """Raise input-dtd-forbidden when the document declares a DOCTYPE or entities.

    Only encodings in which the byte scan can see '<!DOCTYPE' are accepted: UTF-7 or EBCDIC could
    hide one from it (SAML messages are UTF-8 in practice)."""
    declared = _ENCODING.match(_as_utf8_probe(data))
    if (declared and declared.group(1).lower() not in _ALLOWED_ENCODINGS
            and not _ascii_superset(declared.group(1))):
        try:
            text = data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError, ValueError):
            text = ""
        if _DOCTYPE.search(text.encode("utf-8", "replace")):
            raise InputError("input-dtd-forbidden", "the XML declares a DOCTYPE or entities (hidden in "
                             f"{declared.group(1).decode('ascii', 'replace')}); refused and not resolved")
        raise InputError("input-xml-malformed",
                         f"XML encoding {declared.group(1).decode()!r} is not accepted (use UTF-8)")
    if _HTML_PAGE.match(data):
        raise InputError("input-not-saml", "an HTML page (its DOCTYPE and <html> root), not a SAML message: "
                         "no SAMLResponse form or known error page in it")
    # (all of a UTF-16 document, its NULs dropped: a comment of 4 KB before the DOCTYPE hid it from
    # the prolog's probe, and the streamed aggregate, iter_complete, expanded its entities)
    # (the prolog's probe is a prefix of this text: what a search finds in it, this one finds)
    if _DOCTYPE.search(data.replace(b"\x00", b"") if _wide(data) else data):
        raise InputError("input-dtd-forbidden",
                         "the XML declares a DOCTYPE or entities; refused and not resolved")


def _refuse_unsafe(data: bytes, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise InputError("input-too-large",
                         f"XML document of {len(data)} bytes is over the {max_bytes} byte limit")
    refuse_doctype(data)


def parse_xml(data: bytes, soap_payload: bool = True, max_bytes: int = MAX_XML_BYTES):
    """Parse untrusted XML bytes into an lxml root element, or raise InputError. `soap_payload`:
    the SAML message a SOAP envelope carries instead of the envelope (False: the document as is,
    for a rewrite that must keep it)."""
    from lxml import etree

    _refuse_unsafe(data, max_bytes)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc) from None
    except ValueError as exc:  # e.g. unicode string with encoding declaration
        raise InputError("input-xml-malformed", f"not well-formed XML: {exc}") from None
    if root is None:
        raise InputError("input-xml-malformed", "empty XML document")
    _refuse_parsed_doctype(root)
    if data.count(b"=") > MAX_ATTRIBUTES or not _equals_byte(root):
        _refuse_crowded(root)
    return carried_message(root) if soap_payload else root


MAX_ATTRIBUTES = 1000
"""Attributes one element may carry (a SAML element has a handful; canonicalization sorts them by
insertion, quadratic in libxml2: 25,000 on one element took xmlsec 48 s, 100,000 over 5 minutes)."""


_EQUALS_ENCODINGS = ("UTF-8", "UTF8", "UTF-16", "UTF-32", "UCS-2", "UCS-4", "US-ASCII", "ASCII", "ISO-8859",
                     "LATIN", "WINDOWS-125", "CP125")
"""Encodings that write '=' with the byte 0x3D (EBCDIC's is 0x7E): each attribute is written with an
'=' (XML 1.0 [41] Attribute ::= Name Eq AttValue; no DTD may add defaults: refused), so a document
with at most MAX_ATTRIBUTES such bytes has no crowded element, and the walk below (9 us of a
message's read) is skipped."""


def _equals_byte(root) -> bool:
    encoding = (root.getroottree().docinfo.encoding or "").upper().replace("_", "-")
    return encoding.startswith(_EQUALS_ENCODINGS)


def _refuse_crowded(root) -> None:
    from lxml import etree

    crowded = next((el for el in root.iter(etree.Element) if len(el.attrib) > MAX_ATTRIBUTES), None)
    if crowded is not None:
        raise InputError("input-too-large", f"element {local(crowded.tag)} has {len(crowded.attrib)} attributes, "
                         f"over the {MAX_ATTRIBUTES} one element may carry")


def _refuse_parsed_doctype(el) -> None:
    """The check after libxml2's parse, for a DOCTYPE the byte scan could not see."""
    info = el.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise InputError("input-dtd-forbidden", "the XML declares a DOCTYPE; refused")


def _pull_parser(kinds: tuple[str, ...], tags: tuple[str, ...] | None = None):
    """lxml's pull parser with parse_xml's hardening (the bytes checked by _refuse_unsafe before)."""
    from lxml import etree

    return etree.XMLPullParser(events=kinds, tag=tags, resolve_entities=False, no_network=True,
                               load_dtd=False, huge_tree=False, remove_comments=False, remove_pis=False)


def root_tag(data: bytes, max_bytes: int = MAX_METADATA_BYTES) -> str:
    """The tag of the root element of untrusted XML bytes, read from its start tag alone."""
    from lxml import etree

    _refuse_unsafe(data, max_bytes)
    parser = _pull_parser(("start",))
    try:
        for at in range(0, len(data), _CHUNK):
            parser.feed(data[at:at + _CHUNK])
            for _, el in parser.read_events():
                return el.tag
        parser.close()
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc) from None
    raise InputError("input-xml-malformed", "empty XML document")


_CHUNK = 1 << 16
"""Bytes fed to the pull parser at a time: the most of elements outside any wanted one kept at once."""


def iter_complete(data: bytes, tag: str, max_bytes: int = MAX_METADATA_BYTES):
    """Each `tag` element of untrusted XML bytes as soon as it is complete, dropped from the tree
    once the caller has it: a federation's aggregate (InCommon, eduGAIN: 100 MB, thousands of
    entities) read in bounded memory instead of as one tree five times its size. Same hardening
    and errors as parse_xml (the DOCTYPE refused before libxml2 sees the bytes)."""
    from lxml import etree

    top = root_tag(data, max_bytes)
    # libxml2 reports only the root's and `tag`'s events (a Python step per element of a 100 MB
    # aggregate doubled its reading time); what lies outside any `tag` element is pruned after each
    # chunk instead (10 MB of '<x/>' under the root, kept to the end, took 690 MB)
    parser = _pull_parser(("start", "end"), (top, tag))
    root = None
    try:
        for at in [*range(0, len(data), _CHUNK), None]:
            if at is None:
                parser.close()  # (a document cut short raises only here)
            else:
                parser.feed(data[at:at + _CHUNK])
            for event, el in parser.read_events():
                if root is None:  # (the prolog is read by then)
                    _refuse_parsed_doctype(el)
                    root = el
                if event == "end" and el.tag == tag:
                    yield el
                    el.clear(keep_tail=True)
            if root is not None:
                _prune_done(root, tag)
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc) from None


def _prune_done(root, tag: str) -> None:
    """Drop the finished elements of the tree being parsed: on the path of open elements from the
    root, every child but the last (the only one still open), down to an open `tag` element."""
    node = root
    while node is not None and node.tag != tag:
        last = node[-1] if len(node) else None  # (len() and [i] walk the children: once per node)
        while last is not None and (done := last.getprevious()) is not None:
            node.remove(done)
        node = last


def _syntax_error(exc) -> InputError:
    # one line: libxml2 ends some of its messages with a newline ('Buffer size limit exceeded, try
    # XML_PARSE_HUGE\n'), and lxml appends ', line L, column C' after it: an exit-2 error in two lines
    msg = " ".join(str(exc).split())
    if "Excessive depth" in msg or "huge" in msg.lower():
        return InputError("input-too-large", f"XML nesting or text too large: {msg}")
    return InputError("input-xml-malformed", f"not well-formed XML: {msg}")


_SOAP_ENVELOPES = ("{http://schemas.xmlsoap.org/soap/envelope/}",
                   "{http://www.w3.org/2003/05/soap-envelope}")


_WS_TRUST = ("{http://schemas.xmlsoap.org/ws/2005/02/trust}", "{http://docs.oasis-open.org/ws-sx/ws-trust/200512}")
"""WS-Trust February 2005 (AD FS's WS-Federation wresult) and 1.3 (Entra ID's, AD FS's wst13)."""


def carried_message(root):
    """The message a SOAP envelope carries: SAML's SOAP binding (bindings 3.2: artifact
    resolution, attribute queries), ECP/PAOS responses and CAS's SAML 1.1 validation wrap the
    SAML element as the one child of soap:Body. A copy stands alone as the root: exclusive C14N
    (what SAML signs with) ignores the envelope, so signatures verify the same. Anything else
    (a Fault, several children) is returned as is, and reported as not SAML. A WS-Federation
    sign-in's wresult, a WS-Trust RequestSecurityTokenResponse (in a ...Collection with WS-Trust
    1.3), gives the token it carries the same way: the SAML assertion in its RequestedSecurityToken
    (WS-Federation 1.2 13.2.3)."""
    prefix = next((p for p in _SOAP_ENVELOPES if root.tag == p + "Envelope"), None)
    if prefix is None:
        return _ws_trust_token(root)
    body = root.find(prefix + "Body")
    children = [c for c in body if isinstance(c.tag, str)] if body is not None else []
    if len(children) != 1 or children[0].tag.startswith(prefix):
        return root
    import copy

    return copy.deepcopy(children[0])


def is_ws_trust_response(root) -> bool:
    """The root is a WS-Trust RequestSecurityTokenResponse (or WS-Trust 1.3's ...Collection): a
    WS-Federation sign-in's wresult (WS-Federation 1.2 13.2.3), not a SAML protocol message."""
    return root.tag.startswith(_WS_TRUST) and root.tag.endswith(("}RequestSecurityTokenResponse",
                                                                 "}RequestSecurityTokenResponseCollection"))


def _ws_trust_token(root):
    """The one element a RequestSecurityTokenResponse's RequestedSecurityToken holds, as the root;
    `root` itself when it is no such response (or holds several tokens, or none)."""
    if not is_ws_trust_response(root):
        return root
    trust = next(t for t in _WS_TRUST if root.tag.startswith(t))
    tokens = [c for held in root.iter(trust + "RequestedSecurityToken") for c in held if isinstance(c.tag, str)]
    if len(tokens) != 1:
        return root
    import copy

    return copy.deepcopy(tokens[0])


def pretty_xml(data: bytes) -> str:
    """The document re-indented for reading (through the hardened parser, like everything)."""
    from lxml import etree

    root = parse_xml(data)
    for el in root.iter():
        if len(el) and el.text is not None and not el.text.strip():
            el.text = None
        if el.tail is not None and not el.tail.strip():
            el.tail = None
    return etree.tostring(root, pretty_print=True, encoding="unicode")


def local(tag) -> str:
    """Local name of an element tag ('' for comments and PIs)."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def element_path(el) -> str:
    """A readable path such as /Response/Assertion[2]/Subject, independent of prefixes."""
    parts = []
    while el is not None:
        parent = el.getparent()
        name = local(el.tag)
        if parent is not None:
            same = [c for c in parent if c.tag == el.tag]
            if len(same) > 1:
                name += f"[{same.index(el) + 1}]"
        parts.append(name)
        el = parent
    return "/" + "/".join(reversed(parts))
