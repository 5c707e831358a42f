"""IdP metadata: the entityID, certificates and SSO URLs of an IdP, and the aggregates of several IdPs."""
from __future__ import annotations

import os
import re
from pathlib import Path

from samlscan import lazyre
from samlscan.certs import TrustedCert, load_certs
from samlscan.config.files import NO_CERT, NOTES, _read
from samlscan.errors import ConfigError, InputError, OtherKind


METADATA_KEY = ": KeyDescriptor #"
"""In a certificate's origin: it comes from IdP metadata ('<file>: entity <id>: KeyDescriptor #2 ...')."""

SAML2_PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"

SIGNED = "idp_metadata_signed"
"""The key of load_idp_metadata's values set when the file's root holds its own ds:Signature
(metadata 3): its parsed root (True for a held aggregate's file, not kept as a tree), which mdsign
verifies."""

VALID_UNTIL = "idp_metadata_valid_until"
"""The key of load_idp_metadata's values that holds when the IdP's metadata stops being valid:
(instant, its text, the element that says it), the earliest validUntil that bounds the IdP."""


def _limit(elements) -> tuple | None:
    """The earliest validUntil of `elements` (SAML metadata 2.3.1, 2.3.2, 2.4.1: an
    EntitiesDescriptor's, EntityDescriptor's or role's validUntil bounds all it holds), as
    (instant, text, local name of its element); an unreadable one is left out."""
    from samlscan.xmlsafe import local

    found = []
    for el in elements:
        text = (el.get("validUntil") or "").strip()
        if text and (instant := _valid_until(text)) is not None:
            found.append((instant, text, local(el.tag)))
    return min(found, key=lambda f: f[0]) if found else None


def _valid_until(text: str):
    """A validUntil (xs:dateTime, metadata 2.2.1), '24:00:00' the next day's midnight (XML Schema 2
    3.2.7); a date alone or a space for 'T' read leniently. None when unreadable."""
    from samlscan.saml import parse_saml_time, parse_time

    if not text.isascii() or not _DATE_FIRST.match(text):
        return None  # ('1' * 10000 read by fromisoformat as 1111-11-11T11:11:11; '２０２０' as 2020)
    return parse_saml_time(text) or parse_time(text)


_DATE_FIRST = lazyre.compile(r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}(?:[T ]|$)", re.ASCII)
"""The head every readable validUntil has: an xs:dateTime's date in ASCII digits (XML Schema 2 3.2.7,
3.3.9; Python reads other digits and ISO 8601's basic form too, which no SP's parser does)."""


def _unreadable(path, elements) -> tuple[str, ...]:
    """A note for each validUntil or cacheDuration (metadata 2.2.1, 2.3.1-2, 2.4.1) of `elements`
    that cannot be read: an SP that checks them refuses the metadata (OpenSAML's parser fails on it)."""
    from samlscan.xmlsafe import local

    notes = []
    for el in elements:
        name = f"{local(el.tag)} {el.get('entityID') or el.get('Name') or ''}".strip()
        until = (el.get("validUntil") or "").strip()
        if until and _valid_until(until) is None:
            notes.append(f"the IdP metadata {path}: the {name}'s validUntil {until!r} is no xs:dateTime: samlscan "
                         "cannot tell when it expires, and an SP that reads it as the schema says refuses the file")
        cache = el.get("cacheDuration")
        if cache is not None and not _DURATION.fullmatch(cache.strip()):
            notes.append(f"the IdP metadata {path}: the {name}'s cacheDuration {cache!r} is no xs:duration "
                         "(e.g. PT6H): an SP that reads it as the schema says refuses the file")
    return tuple(notes)


_DURATION = lazyre.compile(r"-?P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?",
                           re.ASCII)
"""xs:duration (XML Schema 2 3.2.6): the type of cacheDuration (metadata 2.2.1); its digits are ASCII
(re.ASCII: \\d alone takes 'P\u0661D', an Arabic-Indic one)."""


def _earliest(*limits) -> tuple | None:
    known = [lim for lim in limits if lim]
    return min(known, key=lambda f: f[0]) if known else None


def expired_note(path: str, limit: tuple, now, what: str) -> str | None:
    """The report's note when the metadata at `path` is past its validUntil at `now` (`what`
    names that time: '--at', 'now'), else None."""
    instant, text, element = limit
    if instant >= now:
        return None
    days = (now - instant).days
    return (f"the IdP metadata {path} expired: its {element}'s validUntil is {text}"
            f"{f', {days} days before {what}' if days else f', before {what}'}; an SP that checks "
            "validUntil (SAML metadata 2.3.1; Shibboleth SP and OpenSAML, SimpleSAMLphp, pysaml2) refuses it "
            "and trusts none of its keys. samlscan still used its entity ID, SSO URLs and certificates: "
            "download the IdP's current metadata")


def expired_entities(path: str, now, what: str) -> str | None:
    """The note for the IdPs of an aggregate read with none chosen whose own validUntil (an
    EntityDescriptor's or role's inside the EntitiesDescriptor, SAML metadata 2.3.2, 2.4.1) is past
    at `now`: a message whose Issuer picks one of them is judged with expired metadata."""
    names = sorted(name for name, limit in _AGGREGATE_LIMITS.get(path, {}).items()
                   if name and limit and limit[0] < now)
    whole = _AGGREGATE_LIMITS.get(path, {}).get(None)
    if not names or whole and whole[0] < now:  # (the whole file's note says it of every IdP)
        return None
    shown = ", ".join(names[:5]) + (f", ... ({len(names) - 5} more)" if len(names) > 5 else "")
    return (f"the IdP metadata {path}: {len(names)} of its IdPs are past their own validUntil at {what} "
            f"({shown}): an SP that checks validUntil (SAML metadata 2.3.2, 2.4.1) trusts no key of theirs; "
            "samlscan still judges a message whose Issuer names one of them with it")


def _cert_text(el) -> str:
    """An X509Certificate's base64 wherever comments split it (a portal's '<!-- cert -->' first
    left .text empty: 'no certificate found'); XML comments are no part of the content (XML 1.0 2.5)."""
    return "".join(el.itertext())


def _metadata_bytes(data: bytes) -> bytes:
    """Metadata as saved from a browser or pasted: blank lines before the XML declaration (which
    XML 1.0 2.8 forbids there) are dropped; the BOM stays (the parser reads it)."""
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    rest = data[len(bom):]
    stripped = rest.lstrip()
    return bom + stripped if stripped.startswith(b"<?xml") else data


def _metadata_hint(data: bytes) -> str:
    """What a file given as metadata is when it is not metadata (one clause, or '')."""
    from samlscan.certs import der_from_text

    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if b"PRIVATE KEY-----" in text[:4096]:
        return "; this is a private key, not metadata"
    if text.startswith(b"-----BEGIN") or (not text.startswith(b"<") and der_from_text(data)):
        return "; this looks like a certificate: give it with --idp-cert"
    if text[:1] in (b"{", b"["):
        return "; this is JSON, not SAML metadata (SonarQube settings go to --sonar-settings)"
    return ""


def _idp_entities(root, md: str) -> list:
    """(EntityDescriptor, its IDPSSODescriptors) for every IdP in a file: one EntityDescriptor, or an
    EntitiesDescriptor aggregate at any depth (InCommon, eduGAIN, a python3-saml multi-entity file)."""
    eds = [root] if root.tag == md + "EntityDescriptor" else list(root.iter(md + "EntityDescriptor"))
    return [(ed, idps) for ed in eds if (idps := ed.findall(md + "IDPSSODescriptor"))]


def _roles(el, md: str) -> set[str]:
    """The local names of the role descriptors (SPSSODescriptor, RoleDescriptor...) in `el`."""
    from samlscan.xmlsafe import local

    return {local(e.tag) for e in el.iter() if isinstance(e.tag, str) and e.tag.startswith(md)
            and e.tag.endswith("Descriptor") and e.tag not in (md + "EntityDescriptor", md + "EntitiesDescriptor",
                                                               md + "KeyDescriptor")}


def _no_idp_reason(root_tag: str, roles: set[str], md: str) -> str:
    from samlscan.xmlsafe import local

    if root_tag not in (md + "EntityDescriptor", md + "EntitiesDescriptor"):
        return f"the root element is <{local(root_tag)}>, not a SAML md:EntityDescriptor"
    if "SPSSODescriptor" in roles:
        return "it has an SPSSODescriptor only: this is a service provider's metadata, not the IdP's"
    if "RoleDescriptor" in roles:
        return "it has WS-Federation RoleDescriptors only: download the IdP's SAML 2.0 metadata"
    return "it describes no IdP"


def _stray_certificates(idps, md: str, ds: str) -> str | None:
    """The namespace of an X509Certificate written outside XML-DSig's in a signing KeyDescriptor."""
    for idp in idps:
        for kd in idp.findall(md + "KeyDescriptor"):
            if (kd.get("use") or "").strip() not in ("", "signing"):
                continue
            for el in kd.iter():
                if isinstance(el.tag, str) and el.tag.rpartition("}")[2] == "X509Certificate" \
                        and not el.tag.startswith(ds):
                    return el.tag[1:].partition("}")[0] if el.tag.startswith("{") else ""
    return None


def load_idp_metadata(path: Path, entity_id: str | None = None) -> dict:
    """entityID, signing certificates and SSO URLs of the IdP in a metadata file (SAML metadata 2.4.1).

    A KeyDescriptor without `use` serves both signing and encryption (metadata 2.4.1.1);
    `use="encryption"` certificates never verify: they only come back in `idp_metadata_certs` (every
    certificate with its use), for the checks to compare with. Only IDPSSODescriptor keys count: the
    metadata's own ds:Signature, WS-Fed RoleDescriptors and AttributeAuthorityDescriptor carry keys
    that sign other things.
    In an aggregate, `entity_id` picks the IdP (a file with one IdP is used whatever its entityID:
    a wrong configured entity ID is a finding, not a reason to drop the certificates); with none
    configured, each message's Issuer picks it (`idp_aggregates`, for_issuer).
    """
    from lxml import etree

    from samlscan.xmlsafe import DS, MAX_METADATA_BYTES, MAX_XML_BYTES, MD, iter_complete, parse_xml
    from samlscan.xmlsafe import root_tag as xml_root_tag

    if (held := _held_aggregate(str(path))) is not None:  # (read by the scan's found settings: not again)
        return _aggregate_choice(str(path), held, entity_id)
    data = _read(path, "IdP metadata")
    try:
        if len(data) > MAX_XML_BYTES:  # an aggregate: read entity by entity, not as one tree
            idps, roles, root_tag = [], set(), None
            for ed in iter_complete(_metadata_bytes(data), MD + "EntityDescriptor"):
                root_tag = ed.getroottree().getroot().tag
                if ed.find(MD + "IDPSSODescriptor") is not None:
                    idps.append((ed.get("entityID"), etree.tostring(ed, with_tail=False), _bounds(ed, MD)))
                else:
                    roles |= _roles(ed, MD)
            if idps:
                top = ed.getroottree().getroot()
                return _noted(_chosen_idp(path, idps, entity_id, _limit([top])), _unreadable(path, [top]))
            # (said from the stream: the whole tree of a large file without an IdP took 70 times its size)
            raise OtherKind(f"{path}: no IDPSSODescriptor in this metadata "
                            f"({_no_idp_reason(root_tag or xml_root_tag(_metadata_bytes(data)), roles, MD)})")
        root = parse_xml(_metadata_bytes(data), max_bytes=MAX_METADATA_BYTES)
    except InputError as exc:
        hint = _metadata_hint(data)
        if exc.code == "input-too-large" and len(data) > MAX_METADATA_BYTES:
            hint = ("; a federation aggregate? save only the IdP's EntityDescriptor (from its own metadata "
                    "URL, or the federation's MDQ service: <mdq>/entities/<url-encoded entityID>)")
        raise ConfigError(f"{path}: unusable IdP metadata: {exc.detail}{hint}") from None
    entities = _idp_entities(root, MD)
    if not entities:
        raise OtherKind(f"{path}: no IDPSSODescriptor in this metadata ({_no_idp_reason(root.tag, _roles(root, MD), MD)})")
    values = _noted(_chosen_idp(path, [(ed.get("entityID"), ed, _bounds(ed, MD)) for ed, _ in entities],
                                entity_id, _limit([root])), _unreadable(path, [root] if root.tag != MD + "EntityDescriptor" else []))
    if root.find(DS + "Signature") is not None:
        _SIGNED_FILES.add(str(path))
        return {**values, SIGNED: root}  # (its tree: the signature note verifies it, not a second parse)
    return {**values, SIGNED: True} if str(path) in _SIGNED_FILES else values


_SIGNED_FILES: set[str] = set()
"""The metadata files read whose root holds a ds:Signature (an aggregate held is not read again)."""


def _bounds(ed, md: str) -> tuple | None:
    """The earliest validUntil that bounds an IdP's SAML 2.0 role: its EntitiesDescriptors', its
    EntityDescriptor's and that role's own (SAML metadata 2.3.1-2, 2.4.1)."""
    return _limit([*ed.iterancestors(), ed, *(r for r in ed.findall(md + "IDPSSODescriptor") if _speaks_saml2(r))])


def _noted(values: dict, notes: tuple[str, ...]) -> dict:
    """`values` with `notes` said of the file itself (its root's) before the IdP's own."""
    return {**values, NOTES: notes + values.get(NOTES, ())} if notes else values


def _chosen_idp(path: Path, idps: list, entity_id: str | None, whole: tuple | None = None) -> dict:
    """load_idp_metadata's values from the IdPs of a file, each (entityID, its EntityDescriptor as an
    element or as bytes, the validUntil of the EntitiesDescriptors around it): the one IdP, the one
    `entity_id` names, or all of them held for each message's Issuer to pick (aggregate_idp), with
    the file's own validUntil (`whole`, its root's)."""
    from lxml import etree

    from samlscan.xmlsafe import MAX_METADATA_BYTES, MD, parse_xml

    if len(idps) > 1:
        chosen = [idp for idp in idps if idp[0] == entity_id]
        if not chosen and entity_id:
            raise _not_listed(path, [name or "?" for name, _, _ in idps], entity_id)
        if not chosen:
            _AGGREGATES[str(path)] = {name: ed if isinstance(ed, bytes) else etree.tostring(ed, with_tail=False)
                                      for name, ed, _ in idps if name}
            _AGGREGATE_LIMITS[str(path)] = {name: limit for name, _, limit in idps if name and limit} | {None: whole}
            _AGGREGATE_STAT[str(path)] = _stat_key(str(path))
            return _unchosen(str(path))
        idps = chosen[:1]
    _, ed, limit = idps[0]
    if isinstance(ed, bytes):
        ed = parse_xml(ed, max_bytes=MAX_METADATA_BYTES)
    return _entity_values(path, ed, ed.findall(MD + "IDPSSODescriptor"), limit)


_AGGREGATES: dict[str, dict[str, bytes]] = {}
"""Metadata aggregates read with no IdP chosen: path -> {entityID: its EntityDescriptor's bytes}.
Per process (a forked worker inherits it; Expectations carry the path only, as they travel to the
workers with every unit): an IdP's certificates are read when a message names it."""


_AGGREGATE_LIMITS: dict[str, dict[str, tuple]] = {}
"""The validUntil of the EntitiesDescriptors around each IdP of _AGGREGATES (its bytes lack them),
and under None the file's root's."""


_AGGREGATE_STAT: dict[str, tuple | None] = {}
"""The size and modification time of each file of _AGGREGATES when it was read: a file changed since
is read again."""


def _stat_key(path: str) -> tuple | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _held_aggregate(path: str) -> dict[str, bytes] | None:
    """The IdPs of the aggregate at `path` when it was read already and has not changed since (a scan
    reads an aggregate found in its folder to know what it is, then builds the expectations from it:
    a federation's 60 MB are parsed once)."""
    if path in _AGGREGATES and _AGGREGATE_STAT.get(path) is not None and _AGGREGATE_STAT[path] == _stat_key(path):
        return _AGGREGATES[path]
    return None


def _aggregate_choice(path: str, held: dict[str, bytes], entity_id: str | None) -> dict:
    """load_idp_metadata's values for an aggregate already read: the IdP `entity_id` names, or each
    message's Issuer picks it (no `entity_id`)."""
    if not entity_id:
        return _unchosen(path)
    found = aggregate_idp(path, entity_id)
    if found is None:
        raise _not_listed(path, list(held), entity_id)
    return found


def _unchosen(path: str) -> dict:
    """load_idp_metadata's values for an aggregate whose IdP each message's Issuer picks, with the
    validUntil of the whole file."""
    whole = _AGGREGATE_LIMITS.get(path, {}).get(None)
    return {"idp_aggregates": (path,), **({VALID_UNTIL: whole} if whole else {}),
            **({SIGNED: True} if path in _SIGNED_FILES else {})}


def _not_listed(path, names: list[str], entity_id: str) -> ConfigError:
    shown = ", ".join(names[:5]) + (f", ... ({len(names) - 5} more)" if len(names) > 5 else "")
    return ConfigError(f"{path}: {len(names)} IdPs in this metadata ({shown}); none of them is {entity_id!r}")


def aggregate_idp(path: str, entity_id: str) -> dict | None:
    """load_idp_metadata's values for one IdP of an aggregate, None when the aggregate lacks it."""
    if path not in _AGGREGATES:  # (a spawned worker: the file is read again, once)
        load_idp_metadata(Path(path))
    data = _AGGREGATES[path].get(entity_id)
    limit = _AGGREGATE_LIMITS.get(path, {}).get(entity_id)
    return None if data is None else _chosen_idp(Path(path), [(entity_id, data, limit)], entity_id)


def rename_aggregate(old: str, new: str) -> None:
    """An aggregate read from `old` known as `new` from now on (an archive member inflated to a
    temporary file, known by its label: found.py). Forked workers inherit the name."""
    if old in _AGGREGATES:
        _AGGREGATES[new] = _AGGREGATES.pop(old)
        _AGGREGATE_LIMITS[new] = _AGGREGATE_LIMITS.pop(old, {})


def aggregate_entities(path: str) -> dict[str, bytes]:
    """The IdPs of an aggregate load_idp_metadata read with no IdP chosen: entityID -> its bytes."""
    return _AGGREGATES.get(path, {})


def aggregate_size(path: str) -> int:
    return len(_AGGREGATES.get(path, ()))


def _entity_values(path: Path, ed, idps, limit: tuple | None = None) -> dict:
    """entityID, certificates (each with its use), SSO URLs and validUntil of one IdP's
    EntityDescriptor (`limit`: the validUntil of the EntitiesDescriptors around it)."""
    from samlscan.xmlsafe import DS, MD

    name = ed.get("entityID") or "?"
    notes = _unreadable(path, [ed, *idps])
    saml2 = [idp for idp in idps if _speaks_saml2(idp)]
    if len(saml2) < len(idps):
        listed_protocols = sorted({p for idp in idps if idp not in saml2
                                   for p in idp.get("protocolSupportEnumeration", "").split()})
        notes += (f"the IdP metadata {path}: entity {name}: {len(idps) - len(saml2)} of its {len(idps)} "
                  f"IDPSSODescriptors support only {', '.join(listed_protocols)} (protocolSupportEnumeration): "
                  "their keys and SSO URLs are not used for SAML 2.0 messages (metadata 2.4.1; OpenSAML "
                  "looks the keys up by role and protocol)",)
    everything, idps = idps, saml2
    certs: list[TrustedCert] = []
    kinds: set[str] = set()
    listed: list[tuple[str, TrustedCert]] = []  # with their use: an encryption one is no signer
    for idp in idps:
        for n, kd in enumerate(idp.findall(MD + "KeyDescriptor"), 1):
            use = (kd.get("use") or "").strip()
            kinds.add(use or "no use")
            if use == "encryption":
                listed += [(use, c) for x in kd.iter(DS + "X509Certificate") for c in _readable_certs(
                    _cert_text(x), f"{path}: entity {name}{METADATA_KEY}{n} (use=encryption) X509Certificate")]
            if use not in ("", "signing"):
                continue
            for x in kd.iter(DS + "X509Certificate"):
                found = load_certs(_cert_text(x).encode(),
                                   f"{path}: entity {name}{METADATA_KEY}{n} X509Certificate")
                certs.extend(found)
                listed += [(use, c) for c in found]
    urls = _sso_urls(idps, MD)
    out = {"idp_entity_id": ed.get("entityID"), "idp_certs": tuple(certs), "idp_sso_urls": urls,
           "idp_metadata_certs": tuple(listed), "idp_sso_endpoints": _sso_endpoints(idps, MD)}
    if until := _earliest(limit, _limit([ed, *idps])):
        out[VALID_UNTIL] = until
    if notes:
        out[NOTES] = notes
    if not certs:
        found = (f"its KeyDescriptors are {', '.join(sorted(kinds))} without a signing X509Certificate"
                 if kinds else "it has no KeyDescriptor")
        if not idps:
            found = "its IDPSSODescriptor supports no SAML 2.0: protocolSupportEnumeration lists only " + \
                    " ".join(sorted({p for idp in everything for p in idp.get("protocolSupportEnumeration", "").split()}))
        stray = _stray_certificates(idps, MD, DS)
        if stray:  # samlify's test metadata: <KeyInfo> left in the metadata's default namespace
            found = (f"its signing KeyDescriptor holds an X509Certificate in the namespace {stray!r}, not "
                     f"XML-DSig's {DS[1:-1]!r}: the KeyInfo lacks its ds: prefix or xmlns, and SPs that read "
                     "metadata by namespace (java-saml, python3-saml, OpenSAML) find no certificate either")
        out[NO_CERT] = (f"{path}: no signing certificate for IdP {name} ({found}); give the IdP's signing "
                        "certificate with --idp-cert")
    return out


SAML2_BINDINGS = "urn:oasis:names:tc:SAML:2.0:bindings:"


def _speaks_saml2(idp) -> bool:
    """Whether a role descriptor serves SAML 2.0 (metadata 2.4.1: protocolSupportEnumeration, a list
    of protocol URIs; Shibboleth IdPs publish a SAML 1.1 role beside the SAML 2.0 one). A role
    without the (required) attribute is given the benefit of the doubt."""
    listed = (idp.get("protocolSupportEnumeration") or "").split()
    return not listed or SAML2_PROTOCOL in listed


def _sso_urls(idps, md: str) -> tuple[str, ...]:
    """The IdP's SAML 2.0 login URLs, each once, in the metadata's order: an endpoint of another
    protocol's binding (Shibboleth's SAML 1 'urn:mace:shibboleth:1.0:profiles:AuthnRequest',
    /idp/profile/Shibboleth/SSO) takes no AuthnRequest (SAML bindings 3; metadata 2.4.3), and Entra or
    Okta list one URL for both HTTP-Redirect and HTTP-POST."""
    urls = [s.get("Location").strip() for idp in idps for s in idp.findall(md + "SingleSignOnService")
            if (s.get("Location") or "").strip()
            and (s.get("Binding") or SAML2_BINDINGS).strip().startswith(SAML2_BINDINGS)]
    return tuple(dict.fromkeys(urls))


def _sso_endpoints(idps, md: str) -> tuple[tuple[str, str], ...]:
    """(Binding, Location) of each SAML 2.0 SingleSignOnService: where the IdP takes an AuthnRequest
    by which binding (metadata 2.4.3; a Shibboleth IdP serves /Redirect/SSO and /POST/SSO apart)."""
    return tuple(dict.fromkeys(
        (s.get("Binding").strip(), s.get("Location").strip()) for idp in idps for s in idp.findall(md + "SingleSignOnService")
        if (s.get("Location") or "").strip() and (s.get("Binding") or "").strip().startswith(SAML2_BINDINGS)))


def _readable_certs(text: str | None, origin: str) -> list[TrustedCert]:
    """The certificates of a KeyDescriptor samlscan only compares with (an encryption one): one
    that cannot be read is left out, not a reason to refuse metadata whose signing keys are fine."""
    try:
        return load_certs((text or "").encode(), origin)
    except ConfigError:
        return []
