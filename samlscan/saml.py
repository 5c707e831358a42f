"""Read a parsed SAML document into the model: one pass, any prefix, any element order.

Decryption and signature verification happen here in the order SAML needs: signatures over the
message as received first (a Response signature covers the EncryptedAssertion, not its plaintext),
then decryption, then the signatures inside each decrypted assertion.
"""
from __future__ import annotations

import copy
import re
from dataclasses import replace
from functools import lru_cache
from datetime import datetime, timedelta, timezone

from samlscan import lazyre
from samlscan.certs import TrustedCert
from samlscan.inputs.base import RawMessage
from samlscan.model import (Assertion, Attribute, NameID, SamlMessage, Status, SubjectConfirmation)
from samlscan.privatekeys import without_private_keys
from samlscan.sigverify import Verification, verify_document
from samlscan.splice import rebound_facts
from samlscan.zones import offset_allowed
from samlscan.xmlsafe import DS, SAML, SAMLP, XENC, element_path, local

_FRACTION = lazyre.compile(r"(\.\d{1,6})\d*")
_OFFSET_AT_END = lazyre.compile(r"\d[+-](\d\d):?(\d\d)(?::?\d\d(?:\.\d+)?)?$")
PROTOCOL_KINDS = ("Response", "AuthnRequest", "LogoutRequest", "LogoutResponse", "ArtifactResolve",
                  "ArtifactResponse", "AttributeQuery", "AuthnQuery", "ManageNameIDRequest")


def saml1_name(root) -> str:
    """What a SAML 1.x root is, by its MajorVersion and MinorVersion (SAML 1.1 core, "SAML Versioning"):
    SAML 1.0 and 1.1 share the urn:oasis:names:tc:SAML:1.0 namespaces, so only these tell them apart.
    (The message's own values, each cut to 40 characters: a hostile one may be of any length.)"""
    name, major, minor = (v if v is None or len(v) <= 40 else v[:40] + "..."
                          for v in (local(root.tag), root.get("MajorVersion"), root.get("MinorVersion")))
    version = f"SAML {major}.{minor}" if major == "1" and minor in ("0", "1") else "SAML 1.x"
    said = f"a {version} {name} (MajorVersion {major}, MinorVersion {minor})" if major else f"a SAML 1.x {name}"
    return said + (f" of Liberty ID-FF 1.2 ({LIBERTY_IFF})" if _liberty(root) else "")


LIBERTY_IFF = "urn:liberty:iff:2003-08"
"""The namespace of Liberty ID-FF 1.2's protocols and schema (Lasso's LASSO_LIB_HREF), which extends SAML 1.x
(lib:AssertionType, lib:AuthnResponse...): its messages are SAML 1.x with MinorVersion 2 on the Liberty parts."""


def _liberty(root) -> bool:
    """Whether the message declares or uses the Liberty ID-FF 1.2 namespace (declared on the root and used only
    in xsi:type values such as 'lib:AssertionType', or as the namespace of its elements)."""
    return LIBERTY_IFF in root.nsmap.values() or any(
        isinstance(el.tag, str) and el.tag.startswith("{" + LIBERTY_IFF + "}") for el in root.iter())


def parse_time(text: str | None) -> datetime | None:
    """An ISO-8601 time, leniently (also --at: date only, no seconds, space separator); a time
    without a zone is UTC. None when absent or unreadable; out of Python's range is clamped."""
    if not text:
        return None
    value = _FRACTION.sub(lambda m: m.group(1), text.strip())
    if not value.isascii() or len(value) > 64:  # ('２０２５-…' or '1' * 10000 read as 1111-11-11: no time)
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None
    zone = _OFFSET_AT_END.search(value)
    if zone and not offset_allowed(int(zone.group(1)), int(zone.group(2))):
        return None  # '+00:60', '+24:00': fromisoformat takes any offset under a day, 60 minutes too
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return _to_utc(parsed)


def _to_utc(parsed: datetime) -> datetime:
    """UTC; a time whose UTC form leaves Python's years 1-9999 (9999-12-31T23:59:59-01:00, a
    'never expires' NotOnOrAfter) is clamped to the nearest representable instant."""
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:
        return _MAX_TIME if parsed.year > 1 else _MIN_TIME


# xs:dateTime (XML Schema 2, 3.2.7): '-'? yyyy-mm-ddThh:mm:ss('.'s+)?(Z|(+|-)hh:mm)?
_XS_DATETIME = re.compile(r"(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?", re.ASCII)
_MAX_TIME = datetime.max.replace(tzinfo=timezone.utc)
_MIN_TIME = datetime.min.replace(tzinfo=timezone.utc)
TIME_ATTRIBUTES = ("IssueInstant", "NotBefore", "NotOnOrAfter", "AuthnInstant", "SessionNotOnOrAfter")


def parse_saml_time(text: str | None) -> datetime | None:
    """A SAML time value to aware UTC, or None (see _parse_saml_time); memoised: a message
    repeats its few instants in many attributes, and every time is read twice."""
    return _parse_saml_time(text) if text else None


@lru_cache(maxsize=4096)
def _parse_saml_time(text: str) -> datetime | None:
    """A SAML time value: xs:dateTime only (SAML core 1.3.3), to aware UTC. An offset is applied;
    a time without a zone is read as UTC (what 'UTC form' means; the zone facts say so). None when
    absent or not an xs:dateTime: a date alone, a missing 'T' or seconds, a leap second (SAML core
    1.3.3: implementations MUST NOT generate them; java-saml and python3-saml reject them too)."""
    if not text:
        return None
    m = _XS_DATETIME.fullmatch(text.strip())
    if m is None:
        return None
    y, mo, d, h, mi, s, frac, zone = m.groups()
    if y.startswith("-") or len(y) > 4 and y.startswith("0"):
        return None  # before year 1, or a non-canonical year: no SP reads it
    try:
        micro = int((frac or "0")[:6].ljust(6, "0"))  # beyond microseconds: truncated
        end_of_day = (h, mi, s, micro) == ("24", "00", "00", 0)  # XML Schema 2 3.2.7: next day 00:00
        if len(y) > 4:
            return _MAX_TIME
        parsed = datetime(int(y), int(mo), int(d), 0 if end_of_day else int(h), int(mi), int(s), micro,
                          tzinfo=_zone(zone))
        if end_of_day:
            parsed = parsed + timedelta(days=1)
    except OverflowError:
        return _MAX_TIME if int(y) > 1 else _MIN_TIME
    except ValueError:
        return None
    return _to_utc(parsed)


def _zone(zone: str | None):
    if zone is None or zone == "Z":
        return timezone.utc
    hours, minutes = int(zone[1:3]), int(zone[4:6])
    if not offset_allowed(hours, minutes):
        raise ValueError(zone)  # XML Schema 2 3.2.7.3: -14:00 to +14:00
    off = timedelta(hours=hours, minutes=minutes)
    return timezone(-off if zone[0] == "-" else off)


def time_zone_facts(elements) -> tuple[str, ...]:
    """'time-offset:<path>@<attr>=<raw>' for a SAML time written with an offset (read right, but
    SAML core 1.3.3 wants UTC 'Z' and python3-saml rejects it), 'time-no-zone:...' for one without
    any zone (read as UTC: java-saml and python3-saml reject it, OpenSAML reads it in the SP's
    zone). Most times end in 'Z': only the others are looked at."""
    global _TIMES
    if _TIMES is None:  # the time attributes, found by name by libxml2 (a Python walk: 58 us/message)
        from lxml import etree

        # only those without a 'Z' reach Python (a string per attribute: a fifth of the cost); a value
        # with a 'Z' ends in it, or is no xs:dateTime (_XS_DATETIME has no 'Z' elsewhere)
        _TIMES = etree.XPath(" | ".join(f"descendant-or-self::*/@{n}[not(contains(., 'Z'))]"
                                        for n in TIME_ATTRIBUTES))
    facts = []
    for root in elements:
        for attr in _TIMES(root):
            raw = str(attr).strip()
            m = _XS_DATETIME.fullmatch(raw)
            if m is None:
                continue  # not an xs:dateTime at all: reported as unparsed
            kind = "time-no-zone" if m.group(8) is None else "time-offset"
            facts.append(f"{kind}:{element_path(attr.getparent())}@{attr.attrname}={raw}")
    return tuple(facts)


_TIMES = None


def _text(el) -> str | None:
    """Full text content (all text nodes; lxml's itertext skips comments and PIs), as a careful
    SP reads it."""
    if el is None:
        return None
    if not len(el):  # no child elements, comments or PIs: the common case, without a generator
        return (el.text or "").strip()
    return "".join(el.itertext()).strip()


def _shown_text(el, read=_text) -> str | None:
    """The text of a value a report shows as it is (a StatusMessage, a NameID, also a
    LogoutRequest's, an attribute value, StatusDetail, an Issuer, an Audience, an
    AuthnContextClassRef; `read`: as a careful SP or, _naive_text, a naive one reads it)."""
    return _keyless(read(el))


def _keyless(text: str | None) -> str | None:
    """`text` without the private keys it may hold: samlscan never prints one."""
    return without_private_keys(text) if text and len(text) > 100 else text


def _untrimmed(el) -> str | None:
    """The text of `el` as written when whitespace surrounds it (a pretty-printed Issuer or
    Audience: SPID IdPs write '\n    https://idp\n'), else None. java-saml and python3-saml
    compare the Issuer as written; python3-saml the Audience too; OpenSAML trims both."""
    if el is None:
        return None
    raw = "".join(el.itertext()) if len(el) else (el.text or "")
    return _keyless(raw) if raw != raw.strip() else None


def _naive_text(el) -> str | None:
    """Only the first text node: what a vulnerable SP reads (CVE-2017-11427)."""
    if el is None:
        return None
    return (el.text or "").strip()


def _split_by_markup(el) -> bool:
    return bool(len(el)) and any(not isinstance(c.tag, str) for c in el)  # (most values: no children)


def _first(el, tag):
    """el.find(tag) of a child's tag, without the path machinery (lxml's find tokenises and looks up its
    path: 3-4 us, iterchildren matches the tag in C: 1.5 us; a message asks a dozen times)."""
    return next(el.iterchildren(tag), None)


def _all(el, tag) -> list:
    """el.findall(tag) of a child's tag (as _first)."""
    return list(el.iterchildren(tag))


def _bool(text):
    if text is None:
        return None
    return text.strip().lower() in ("true", "1")


def _name_id(subject) -> NameID | None:
    if subject is None:
        return None
    el = _first(subject, SAML + "NameID")
    if el is None:
        if _first(subject, SAML + "EncryptedID") is not None:
            return NameID(value="", encrypted=True)
        return None
    naive = _shown_text(el, _naive_text) if _split_by_markup(el) else None
    return NameID(value=_shown_text(el) or "", format=el.get("Format"),
                  sp_name_qualifier=el.get("SPNameQualifier"), name_qualifier=el.get("NameQualifier"),
                  naive_value=naive)


def _confirmations(subject) -> tuple[SubjectConfirmation, ...]:
    out = []
    for sc in (_all(subject, SAML + "SubjectConfirmation") if subject is not None else ()):
        data = _first(sc, SAML + "SubjectConfirmationData")
        get = (lambda k: data.get(k)) if data is not None else (lambda k: None)
        out.append(SubjectConfirmation(
            method=sc.get("Method"), recipient=get("Recipient"), not_before=parse_saml_time(get("NotBefore")),
            not_on_or_after=parse_saml_time(get("NotOnOrAfter")), in_response_to=get("InResponseTo"),
            address=get("Address")))
    return tuple(out)


XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


NIL_SHOWN = "(xsi:nil)"


def displayed_values(attr: Attribute) -> tuple[str, ...]:
    """The values of `attr` as a report shows them: xsi:nil values as '(xsi:nil)', not '' (when
    every empty value is one: which of several '' is nil is not kept)."""
    if not attr.nil_count or attr.nil_count != attr.values.count(""):
        return attr.values
    return tuple(v or NIL_SHOWN for v in attr.values)


def _attributes(statements) -> tuple[tuple[Attribute, ...], int]:
    """The attributes of an assertion's AttributeStatements and the count of EncryptedAttribute."""
    attrs, encrypted = [], 0
    for stmt in statements:
        for el in stmt:
            if el.tag == _ATTRIBUTE:
                value_els = [v for v in el if v.tag == _VALUE]  # (findall: twice the cost for a few)
                values = tuple(_shown_text(v) or "" for v in value_els)
                nil = sum(1 for v, text in zip(value_els, values) if not text and _bool(v.get(XSI_NIL))
                          ) if "" in values else 0  # only an empty value can be nil
                naive = tuple(_shown_text(v, _naive_text) or "" for v in value_els) if any(
                    _split_by_markup(v) for v in value_els) else None
                attrs.append(Attribute(el.get("Name", ""), el.get("FriendlyName"), el.get("NameFormat"),
                                       values, naive, nil))
            elif el.tag == _ENCRYPTED_ATTRIBUTE:
                encrypted += 1
    return tuple(attrs), encrypted


_ATTRIBUTE, _VALUE, _ENCRYPTED_ATTRIBUTE = (SAML + "Attribute", SAML + "AttributeValue",
                                            SAML + "EncryptedAttribute")


def _coverage(el, verification: Verification) -> tuple[str, ...]:
    """Names of the verified signatures whose Reference target is `el` or one of its ancestors."""
    names: tuple[str, ...] = ()
    node = el
    while node is not None:
        names += verification.covered.get(id(node), (None, ()))[1]
        node = node.getparent()
    return names


def _unparsed_times(el, conditions, authn, subject) -> tuple[str, ...]:
    """Names of the assertion's time values that are there but are no xs:dateTime: each one an SP
    refuses to read, and one samlscan must not silently take as 'absent'."""
    fields = [("IssueInstant", el.get("IssueInstant"))]
    if conditions is not None:
        fields += [("NotBefore", conditions.get("NotBefore")), ("NotOnOrAfter", conditions.get("NotOnOrAfter"))]
    if authn is not None:
        fields += [("AuthnInstant", authn.get("AuthnInstant")),
                   ("SessionNotOnOrAfter", authn.get("SessionNotOnOrAfter"))]
    if subject is not None:
        for data in subject.iter(SAML + "SubjectConfirmationData"):
            fields += [("SubjectConfirmationData NotBefore", data.get("NotBefore")),
                       ("SubjectConfirmationData NotOnOrAfter", data.get("NotOnOrAfter"))]
    return tuple(name for name, raw in fields if raw is not None and parse_saml_time(raw) is None)


def children_by_tag(el) -> dict:
    """`el`'s children by tag, each list in document order: what find (the first) and findall
    of a child's tag give, in one pass over the children (each lxml find costs 1-2 us)."""
    kids: dict = {}
    for child in el:
        kids.setdefault(child.tag, []).append(child)
    return kids


def _assertion(el, verification: Verification, was_encrypted: bool, sp_keys: tuple = ()) -> Assertion:
    """The Assertion of `el`."""
    from samlscan.decrypt import reveal_name_id

    kids = children_by_tag(el)  # (decryption below changes the Subject's children, not these)
    subject = kids.get(SAML + "Subject", [None])[0]
    reveal_name_id(subject, sp_keys)
    conditions = kids.get(SAML + "Conditions", [None])[0]
    authn = kids.get(SAML + "AuthnStatement", [None])[0]
    issuers = kids.get(SAML + "Issuer", [])
    attrs, encrypted_attrs = _attributes(kids.get(SAML + "AttributeStatement", ()))
    # (find's 'AuthnContext/AuthnContextClassRef': the first ClassRef of any AuthnContext child)
    ctx_ref = next((ref for c in authn.iterchildren(SAML + "AuthnContext")
                    for ref in c.iterchildren(SAML + "AuthnContextClassRef")), None) if authn is not None else None
    signed_by = _coverage(el, verification)
    bad_times = _unparsed_times(el, conditions, authn, subject)
    restrictions = [_all(ar, SAML + "Audience")  # (one find per element, shared by both uses below)
                    for ar in (_all(conditions, SAML + "AudienceRestriction") if conditions is not None else ())]
    audience_els = [a for audiences in restrictions for a in audiences]
    untrimmed = tuple((local(x.tag), raw) for x in issuers[:1] + audience_els
                      if (raw := _untrimmed(x)) is not None)
    return Assertion(
        id=el.get("ID"), path=element_path(el), version=el.get("Version"),
        issue_instant=parse_saml_time(el.get("IssueInstant")),
        issuer=_shown_text(issuers[0]) if issuers else None, issuer_count=len(issuers),
        name_id=_name_id(subject), subject_confirmations=_confirmations(subject),
        has_conditions=conditions is not None,
        not_before=parse_saml_time(conditions.get("NotBefore")) if conditions is not None else None,
        not_on_or_after=parse_saml_time(conditions.get("NotOnOrAfter")) if conditions is not None else None,
        audience_restrictions=tuple(tuple(_shown_text(a) or "" for a in audiences) for audiences in restrictions),
        authn_instant=parse_saml_time(authn.get("AuthnInstant")) if authn is not None else None,
        session_not_on_or_after=parse_saml_time(authn.get("SessionNotOnOrAfter")) if authn is not None else None,
        authn_context=_shown_text(ctx_ref), attributes=attrs, encrypted_attribute_count=encrypted_attrs,
        signed=bool(signed_by), signed_by=signed_by, was_encrypted=was_encrypted,
        unparsed_time_fields=bad_times, untrimmed=untrimmed)


def _status(st) -> Status | None:
    """The Status of a message, from its samlp:Status element (or None)."""
    if st is None:
        return None
    code_el = _first(st, SAMLP + "StatusCode")
    subs = []
    node = code_el
    while node is not None:
        node = _first(node, SAMLP + "StatusCode")
        if node is not None:
            subs.append(node.get("Value", ""))
    detail = _first(st, SAMLP + "StatusDetail")
    return Status(code=code_el.get("Value") if code_el is not None else None, sub_codes=tuple(subs),
                  message=_shown_text(_first(st, SAMLP + "StatusMessage")),
                  detail=_keyless(" ".join(detail.itertext()).strip()) or None if detail is not None else None)


def _placed(el, root) -> bool:
    """An Assertion where SAML puts one: a child of the Response (or the root itself), inside an
    EncryptedAssertion there, or in the saml:Advice of such an assertion (SAML core 2.6.1: Advice
    may carry the assertions a proxying IdP relied on; the signature of the outer one covers it)."""
    parent = el.getparent()
    if el is root or parent is root:
        return True
    if parent is None:
        return False
    if parent.tag == SAML + "EncryptedAssertion":
        return parent.getparent() is root
    if parent.tag == SAML + "Advice":
        owner = parent.getparent()
        return owner is not None and owner.tag == SAML + "Assertion" and _placed(owner, root)
    return False


def structure_facts(root, assertion_els) -> tuple[str, ...]:
    """Shape facts the wrapping checks need: where assertions sit, duplicate IDs, nested signatures."""
    facts = []
    for el in assertion_els:
        if not _placed(el, root):
            facts.append(f"assertion-not-child-of-response:{element_path(el)}")
        elif el.getparent() is not None and el.getparent().tag == SAML + "Advice":
            facts.append(f"advice-assertion:{element_path(el)}")
    return tuple(facts)


def foreign_signature_facts(holders) -> tuple[str, ...]:
    """'foreign-signature:{holder}:{namespace}' for a Signature child outside XML-DSig's namespace
    (XML-DSig 4: every element is in http://www.w3.org/2000/09/xmldsig#): no verifier sees it, so the
    holder is unsigned; a namespace rewritten to https is one cause."""
    return tuple(f"foreign-signature:{local(el.tag)}:{child.tag[1:].partition('}')[0] if child.tag[0] == '{' else ''}"
                 for el in holders for child in el
                 if isinstance(child.tag, str) and local(child.tag) == "Signature" and child.tag != DS + "Signature")


_IDENTIFIERS = (SAML + "BaseID", SAML + "NameID", SAML + "EncryptedID")
_ABSTRACT = ((SAML + "Issuer",), (DS + "Signature",), (SAMLP + "Extensions",))
"""RequestAbstractType and StatusResponseType both begin so (SAML core 3.2.1, 3.2.2): every other message."""
_SEQUENCES = {
    # SAML core 3.2.2, 3.3.3: StatusResponseType's Issuer, Signature, Extensions, Status, then assertions
    SAMLP + "Response": ((SAML + "Issuer",), (DS + "Signature",), (SAMLP + "Extensions",), (SAMLP + "Status",),
                         (SAML + "Assertion", SAML + "EncryptedAssertion")),
    # SAML core 2.3.3: Issuer, Signature, Subject, Conditions, Advice, then the statements
    SAML + "Assertion": ((SAML + "Issuer",), (DS + "Signature",), (SAML + "Subject",), (SAML + "Conditions",),
                         (SAML + "Advice",), (SAML + "Statement", SAML + "AuthnStatement",
                                              SAML + "AuthzDecisionStatement", SAML + "AttributeStatement")),
    # SAML core 3.7.1: RequestAbstractType's Issuer, Signature, Extensions, then the identifier, then
    # the SessionIndexes (Keycloak's KEYCLOAK-4552 sample puts its aslo Extensions after the NameID)
    SAMLP + "LogoutRequest": (*_ABSTRACT, _IDENTIFIERS, (SAMLP + "SessionIndex",)),
    # SAML core 3.4.1: RequestAbstractType, then Subject, NameIDPolicy, Conditions, RequestedAuthnContext,
    # Scoping
    SAMLP + "AuthnRequest": (*_ABSTRACT, (SAML + "Subject",), (SAMLP + "NameIDPolicy",), (SAML + "Conditions",),
                             (SAMLP + "RequestedAuthnContext",), (SAMLP + "Scoping",)),
    # SAML core 2.4.1.1, 2.4.1.2: the identifier first, then the confirmations (or their data)
    SAML + "Subject": (_IDENTIFIERS, (SAML + "SubjectConfirmation",)),
    SAML + "SubjectConfirmation": (_IDENTIFIERS, (SAML + "SubjectConfirmationData",)),
    # SAML core 3.2.2.1: StatusCode, StatusMessage, StatusDetail (a StatusMessage first is refused by
    # java-saml strict: 'Not match the saml-schema-protocol-2.0.xsd')
    SAMLP + "Status": ((SAMLP + "StatusCode",), (SAMLP + "StatusMessage",), (SAMLP + "StatusDetail",)),
    # SAML core 2.7.2: SubjectLocality, then AuthnContext; 2.7.2.2: the class, the declaration (or its
    # reference), then the AuthenticatingAuthorities
    SAML + "AuthnStatement": ((SAML + "SubjectLocality",), (SAML + "AuthnContext",)),
    SAML + "AuthnContext": ((SAML + "AuthnContextClassRef",), (SAML + "AuthnContextDecl", SAML + "AuthnContextDeclRef"),
                            (SAML + "AuthenticatingAuthority",)),
}


def _ranks(sequence) -> dict[str, int]:
    return {tag: i for i, group in enumerate(sequence) for tag in group}


_RANKS = {tag: _ranks(sequence) for tag, sequence in _SEQUENCES.items()}
_ABSTRACT_RANKS = _ranks(_ABSTRACT)


def _misplaced(el) -> tuple[str, str] | None:
    """(the child that came too early, the one the schema puts before it), or None: the first pair
    of `el`'s children out of its schema sequence (children the sequence does not name are left out)."""
    rank = _RANKS.get(el.tag, _ABSTRACT_RANKS)
    ahead = None
    for child in el:
        if not isinstance(child.tag, str) or child.tag not in rank:
            continue
        if ahead is not None and rank[child.tag] < rank[ahead.tag]:
            return local(ahead.tag), local(child.tag)
        if ahead is None or rank[child.tag] > rank[ahead.tag]:
            ahead = child
    return None


def order_facts(elements) -> tuple[str, ...]:
    """'schema-order:<path>:<ahead>:<behind>' for each element (and the Subject and SubjectConfirmations
    of each, its Status, AuthnStatements and their AuthnContexts) whose children break the schema's
    sequence, e.g. a ds:Signature before the saml:Issuer (SAML core 5.4.1), a SubjectConfirmation
    before the NameID or a StatusMessage before the StatusCode: SPs that validate against the schema
    (java-saml strict, as SonarQube runs it) refuse the message."""
    facts = []
    for top in elements:
        subjects = _all(top, SAML + "Subject")
        statements = _all(top, SAML + "AuthnStatement")
        for el in [top, *subjects, *(c for s in subjects for c in _all(s, SAML + "SubjectConfirmation")),
                   *_all(top, SAMLP + "Status"), *statements,
                   *(c for s in statements for c in _all(s, SAML + "AuthnContext"))]:
            pair = _misplaced(el)
            if pair:
                facts.append(f"schema-order:{element_path(el)}:{pair[0]}:{pair[1]}")
    return tuple(facts)


IDP_SENT = ("Response", "Assertion", "ArtifactResponse", "EncryptedAssertion", "EncryptedData")
"""Messages only the IdP sends; requests and Logout messages are signed by whichever side sends
them (SAML core 3.2, 3.7), the SP's AuthnRequest by the SP."""


def sender(kind: str, issuer: str | None, expect) -> str:
    """'idp', 'sp' or 'either': who sent a message, as far as its kind and Issuer tell."""
    if kind in IDP_SENT or (issuer is not None and issuer == expect.idp_entity_id):
        return "idp"
    if kind == "AuthnRequest" or (issuer is not None and issuer == expect.sp_entity_id):
        return "sp"
    return "either"


def trusted_for(kind: str, issuer: str | None, expect) -> tuple[TrustedCert, ...]:
    """The certificates a message may be signed with: its sender's (both sides' when unknown)."""
    who = sender(kind, issuer, expect)
    return {"idp": expect.idp_certs, "sp": expect.sp_certs}.get(who, expect.sp_certs + expect.idp_certs)


def _signed_before_encryption(root, verification: Verification, decrypted, trusted) -> tuple[str, ...]:
    """('signed-before-encryption:<ID>',) when the root's own signature fails its digest and verifies
    once the decrypted Assertions stand in place of their EncryptedAssertions (sigverify)."""
    from samlscan.sigverify import verifies_decrypted

    if not decrypted:  # (the common message: no walk of its signatures)
        return ()
    own = [info for el, info in verification.signatures if el.getparent() is root]
    if not any(info.failure == "digest" for info in own):
        return ()
    return (f"signed-before-encryption:{root.get('ID')}",) if verifies_decrypted(root, decrypted, trusted) else ()


def read_message(root, raw: RawMessage, index: int, trusted: tuple[TrustedCert, ...],
                 sp_keys: tuple = (), xml: bytes = b"", published: tuple[TrustedCert, ...] = ()) -> SamlMessage:
    """Build the SamlMessage of a parsed document (decrypting and verifying along the way).
    `published`: the IdP metadata's signing certificates, never trusted, only named as a signer
    (sigverify.verify_document)."""
    from samlscan.decrypt import decrypt_assertions, rsa1_5_wrapped

    kind = local(root.tag)
    if root.tag in (SAML + "EncryptedAssertion", XENC + "EncryptedData"):
        return _read_bare_encrypted(root, raw, index, trusted, sp_keys, xml, published)
    carried = _artifact_payload(root)
    if carried is not None:
        return _read_artifact_payload(root, carried, raw, index, trusted, sp_keys, xml, published)
    verification = verify_document(root, trusted, published)
    encrypted = _all(root, SAML + "EncryptedAssertion")
    wrapping = ("key-transport:rsa-1_5",) if rsa1_5_wrapped(encrypted) else ()  # before decryption replaces it
    decrypted, decryption_error = decrypt_assertions(encrypted, sp_keys) if encrypted else ([], None)
    signatures = [info for _, info in verification.signatures]
    assertions = []
    # Direct children are the assertions an SP consumes (SAML core 3.3.3); others are reported by
    # the wrapping checks through `structure`.
    kids = children_by_tag(root)  # (after decryption, which changes only what is inside them)
    direct = [root] if root.tag == SAML + "Assertion" else kids.get(SAML + "Assertion", [])
    # Before _assertion decrypts an EncryptedID in place: the order is that of the elements as sent.
    order = order_facts([root, *direct, *(plain for _, plain in decrypted)])
    for el in direct:
        assertions.append(_assertion(el, verification, False, sp_keys))
    for enc_el, plain in decrypted:
        inner = verify_document(plain, trusted, published)
        signatures.extend(info for _, info in inner.signatures)
        outer = _coverage(enc_el, verification)
        merged = Verification(inner.signatures, dict(inner.covered), inner.duplicate_ids)
        if outer:  # the Response signature covered the EncryptedAssertion, hence its plaintext
            merged.covered[id(enc_el)] = (enc_el, outer)
        assertions.append(_assertion(plain, merged, True, sp_keys))
    # one walk for both: every Assertion and EncryptedAssertion, the misplaced Assertions among them
    anywhere = list(root.iter(SAML + "Assertion", SAML + "EncryptedAssertion"))
    nested = [el for el in anywhere if el.tag == SAML + "Assertion"
              and el is not root and el.getparent() is not root]
    structure = structure_facts(root, nested) + tuple(f"duplicate-id:{d}" for d in verification.duplicate_ids)
    structure += order + wrapping
    structure += time_zone_facts([root, *(plain for _, plain in decrypted)])
    structure += rebound_facts(decrypted)
    structure += _signed_before_encryption(root, verification, decrypted, trusted)
    structure += foreign_signature_facts([root, *(el for el in anywhere if el.tag == SAML + "Assertion")])
    if kind == "LogoutRequest" and root.get("NotOnOrAfter") is not None:
        # SAML core 3.7.1: the time at which the request expires (request.check_logout_expiry)
        structure += (f"request-not-on-or-after:{root.get('NotOnOrAfter')}",)
    if root.get("IssueInstant") is not None and parse_saml_time(root.get("IssueInstant")) is None:
        structure += (f"time-unreadable:{local(root.tag)} IssueInstant",)  # not silently 'absent'
    issuers = kids.get(SAML + "Issuer", [])
    all_assertions = len(anywhere)
    if decrypted:
        all_assertions -= len(decrypted)  # each decrypted Assertion now sits inside its EncryptedAssertion
    policy = kids.get(SAMLP + "NameIDPolicy", [None])[0]
    return SamlMessage(
        source=raw.source, index=index, kind=kind, id=root.get("ID"),
        in_response_to=root.get("InResponseTo"), version=root.get("Version"),
        issue_instant=parse_saml_time(root.get("IssueInstant")), destination=root.get("Destination"),
        issuer=_shown_text(issuers[0]) if issuers else None, issuer_count=len(issuers),
        binding=raw.binding, relay_state=raw.relay_state, captured_at=raw.captured_at,
        status=_status(kids.get(SAMLP + "Status", [None])[0]), assertions=tuple(assertions),
        encrypted_assertion_count=len(encrypted), decryption_error=decryption_error and decryption_error.text,
        decryption_fix=decryption_error and decryption_error.fix,
        signatures=tuple(signatures), signed=bool(_coverage(root, verification)),
        acs_url=root.get("AssertionConsumerServiceURL"), protocol_binding=root.get("ProtocolBinding"),
        acs_index=root.get("AssertionConsumerServiceIndex"),
        logout_name_id=_shown_text(root.find(SAML + "NameID")) if kind == "LogoutRequest" else None,
        session_indexes=tuple(_text(x) or "" for x in root.findall(SAMLP + "SessionIndex"))
        if kind == "LogoutRequest" else (),
        nameid_policy_format=policy.get("Format") if policy is not None else None,
        nameid_policy_allow_create=_bool(policy.get("AllowCreate")) if policy is not None else None,
        force_authn=_bool(root.get("ForceAuthn")), is_passive=_bool(root.get("IsPassive")),
        structure=structure, assertion_elements=all_assertions, xml=xml,
        issuer_untrimmed=_untrimmed(issuers[0]) if issuers else None, url=raw.url, **_logged(raw))


def _logged(raw: RawMessage) -> dict:
    """The SamlMessage fields of a copy a log wrote (RawMessage.logged_by), set as the message is built:
    a dataclasses.replace of the built message cost a sixth of reading a short logged Response."""
    if not (raw.logged_by or raw.local_time):
        return {}
    return {"logged_by": raw.logged_by, "printed": raw.printed, "local_time": raw.local_time}


def _artifact_payload(root):
    """The protocol message an ArtifactResponse carries (SAML core 3.5.2: after its Status, "any"
    one element; the HTTP-Artifact binding resolves a Response this way), or None."""
    if root.tag != SAMLP + "ArtifactResponse":
        return None
    inner = [c for c in root if isinstance(c.tag, str) and c.tag not in (
        SAML + "Issuer", DS + "Signature", SAMLP + "Extensions", SAMLP + "Status")]
    return inner[0] if len(inner) == 1 and is_saml_root(inner[0]) else None


def _read_artifact_payload(root, carried, raw: RawMessage, index: int, trusted: tuple[TrustedCert, ...],
                           sp_keys: tuple, xml: bytes, published: tuple = ()) -> SamlMessage:
    """The message inside an ArtifactResponse, read as the SP consumes it (the ArtifactResponse
    is only its envelope on the back channel). A copy stands alone: exclusive C14N, what SAML
    signs with, ignores the ancestors, so its signatures verify the same. The envelope is kept as
    a structure fact, its own signatures as SignatureInfo records (parent 'ArtifactResponse').
    An ArtifactResponse that failed (a non-Success Status) carries no message and is read as is."""
    outer = verify_document(root, trusted, published)
    own = [info for sig, info in outer.signatures if sig.getparent() is root]
    inner = read_message(copy.deepcopy(carried), raw, index, trusted, sp_keys, xml, published)
    return replace(inner, signatures=tuple(own) + inner.signatures,
                   structure=inner.structure + (f"artifact-response:{root.get('ID') or '?'}",))


def _read_bare_encrypted(root, raw: RawMessage, index: int, trusted: tuple[TrustedCert, ...],
                         sp_keys: tuple, xml: bytes, published: tuple = ()) -> SamlMessage:
    """An EncryptedAssertion (or its bare xenc:EncryptedData) given alone, as SP logs and tests
    dump it (pysaml2's okta_response.xml): read as a bare Assertion, the plaintext once decrypted.
    Without the SP key it still says 'encrypted, no key' instead of failing as 'not SAML'."""
    from lxml import etree

    from samlscan.decrypt import decrypt_assertions

    if root.tag == SAML + "EncryptedAssertion":
        container = root
    else:  # the EncryptedData alone: give it the EncryptedAssertion parent decryption expects
        container = etree.Element(SAML + "EncryptedAssertion")
        container.append(copy.deepcopy(root))
    decrypted, decryption_error = decrypt_assertions([container], sp_keys)
    plain = decrypted[0][1] if decrypted else None
    verification = verify_document(plain, trusted, published) if plain is not None else Verification((), {}, ())
    assertions = (_assertion(plain, verification, True, sp_keys),) if plain is not None else ()
    issuers = plain.findall(SAML + "Issuer") if plain is not None else []
    return SamlMessage(
        source=raw.source, index=index, kind="Assertion",
        id=plain.get("ID") if plain is not None else None, in_response_to=None,
        # The Version is inside the ciphertext; None until decrypted (check_version knows).
        version=plain.get("Version") if plain is not None else None,
        issue_instant=parse_saml_time(plain.get("IssueInstant")) if plain is not None else None,
        destination=None, issuer=_shown_text(issuers[0]) if issuers else None, issuer_count=len(issuers),
        binding=raw.binding, relay_state=raw.relay_state, captured_at=raw.captured_at,
        status=None, assertions=assertions, encrypted_assertion_count=1,
        decryption_error=decryption_error and decryption_error.text,
        decryption_fix=decryption_error and decryption_error.fix,
        signatures=tuple(info for _, info in verification.signatures),
        signed=bool(assertions and assertions[0].signed),
        structure=time_zone_facts([plain]) if plain is not None else (),
        assertion_elements=1, xml=xml, **_logged(raw))


def is_saml_root(root) -> bool:
    return root.tag in _ROOT_TAGS


_ROOT_TAGS = frozenset((*(SAMLP + k for k in PROTOCOL_KINDS), SAML + "Assertion", SAML + "EncryptedAssertion",
                        XENC + "EncryptedData"))
"""The tags a SAML message's root may have (built once: a set per message cost 1-2 us)."""
