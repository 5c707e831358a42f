"""What the SP expects: from flags, a TOML file, IdP metadata and SonarQube's own settings.

Precedence (highest first): command-line flags, the TOML file, SonarQube settings, IdP metadata.
"""
from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from samlscan.certs import SP_CERT, TrustedCert, load_certs
from samlscan.errors import ConfigError, InputError, OtherKind
from samlscan.textcodec import utf16_codec

SONAR_ACS_PATH = "/oauth2/callback/saml"
DEFAULT_SKEW = 180  # SonarQube's java-saml (Constants.ALOWED_CLOCK_DRIFT)
METADATA_KEY = ": KeyDescriptor #"
"""In a certificate's origin: it comes from IdP metadata ('<file>: entity <id>: KeyDescriptor #2 ...')."""


_CLOUD_HOSTS = re.compile(r"(^|\.)(sonarcloud\.io|sonarqube\.us)$", re.IGNORECASE)


def is_cloud(url: str | None) -> bool:
    """The URL is on SonarQube Cloud (sonarcloud.io, sonarqube.us)."""
    return bool(url) and bool(_CLOUD_HOSTS.search(urlsplit(url).hostname or ""))


def on_sonarqube_acs_path(url: str | None) -> bool:
    """The URL's path is SonarQube's ACS path (SONAR_ACS_PATH after any context path; a query, a
    fragment or a trailing slash aside), on Server or Cloud."""
    return bool(url) and url.split("?", 1)[0].split("#", 1)[0].rstrip("/").endswith(SONAR_ACS_PATH)


def is_sonarqube_acs(url: str | None) -> bool:
    """The URL is SonarQube Server's ACS (sonar.core.serverBaseURL + SONAR_ACS_PATH). SonarQube
    Cloud's is not: it needs the email and has none of Server's sonar.auth.saml settings
    (logformats.md 1.6)."""
    return on_sonarqube_acs_path(url) and not is_cloud(url)


@dataclass(frozen=True)
class Expectations:
    """The SP's side of the contract; None means 'not configured' (the check is skipped)."""

    sp_entity_id: str | None = None
    acs_url: str | None = None
    idp_entity_id: str | None = None
    idp_certs: tuple[TrustedCert, ...] = ()
    idp_metadata_certs: tuple[tuple[str, TrustedCert], ...] = ()
    """Every certificate of the IdP metadata with its KeyDescriptor use: 'signing', 'encryption', or
    '' (both, metadata 2.4.1.1). Only the signing ones can be in `idp_certs`; all of them let the
    checks tell a configured encryption certificate, or an IdP signing with it, from a rotation."""
    idp_aggregates: tuple[str, ...] = ()
    """Metadata files of several IdPs (a federation's aggregate) when no IdP entity ID chose one:
    each message is judged against the IdP its Issuer names (for_issuer)."""
    sp_keys: tuple = field(default=(), repr=False)
    sp_certs: tuple[TrustedCert, ...] = ()
    """The SP's own certificates: they verify the SP's signed AuthnRequests."""
    email_attribute: str | None = None
    login_attribute: str | None = None
    name_attribute: str | None = None
    group_attribute: str | None = None
    clock_skew: int = DEFAULT_SKEW
    at: datetime | None = None
    at_source: str = "--at"
    """How the report names `at`: '--at', or that it was given without a zone and read as UTC."""
    request_id: str | None = None
    profile: str | None = None
    idp_sso_urls: tuple[str, ...] = ()
    expiry_window_days: int = 30
    sources: tuple[str, ...] = ()
    """Where the settings came from, for the report header."""
    apps: tuple[str, ...] = ()
    """The SP's names in IdP logs (Entra appDisplayName, Okta app label...): IdP sign-ins to other
    applications are left out of the attempts (the SP entity ID counts too)."""
    timezones: tuple[str, ...] = ()
    """--timezone values ('Europe/Paris', 'web.log=+01:00'): the zone of zone-less log times
    (samlscan.zones); the workers read them, the checks do not."""
    keep_xml: bool = True
    """Not a setting of the SP: whether each message keeps its decoded bytes (only the HTML report
    and `decode` show them; a scan to another format leaves them out of what workers send back)."""

    def settable(self, what: str) -> bool:
        """Whether the SP's side may change `what` (SonarQube Cloud gives its SP entity ID and ACS URL)."""
        return not (is_cloud(self.acs_url) and what in CLOUD_GIVEN)

    def setting_name(self, what: str) -> str:
        """The name of the setting to change, in the profile's own words; SonarQube Cloud's (its ACS
        is on sonarcloud.io) has none of Server's sonar.* settings nor samlscan's flags."""
        if is_cloud(self.acs_url) and what in CLOUD_SETTING_NAMES:
            return CLOUD_SETTING_NAMES[what]
        if self.profile == "sonarqube":
            return SONAR_SETTING_NAMES.get(what, what)
        return "--" + what.replace("_", "-")

    def metadata_certs(self, use: str) -> tuple[TrustedCert, ...]:
        """The IdP metadata's certificates for signing (use 'signing' or none), or for encryption
        only ('encryption': those it never lists for signing as well)."""
        signing = tuple(c for u, c in self.idp_metadata_certs if u != "encryption")
        if use == "signing":
            return signing
        return tuple(c for u, c in self.idp_metadata_certs
                     if u == "encryption" and all(c.der != s.der for s in signing))


PROFILES = ("sonarqube", "generic")
"""--profile values. Without one, a message SonarQube took (its log holds it, or it went to its
ACS path) is judged by SonarQube's rules (engine._as_receiver); 'generic' judges every message as
any SP would."""

SONAR_SETTING_NAMES = {
    "sp_entity_id": "sonar.auth.saml.applicationId",
    "idp_entity_id": "sonar.auth.saml.providerId",
    "idp_cert": "sonar.auth.saml.certificate.secured",
    "login_attribute": "sonar.auth.saml.user.login",
    "name_attribute": "sonar.auth.saml.user.name",
    "email_attribute": "sonar.auth.saml.user.email",
    "group_attribute": "sonar.auth.saml.group.name",
    "acs_url": "sonar.core.serverBaseURL (ACS = serverBaseURL + /oauth2/callback/saml)",
    "sp_key": "sonar.auth.saml.sp.privateKey.secured",
}

_CLOUD_SSO = "SonarQube Cloud's SSO configuration (the enterprise's Administration > SSO & Provisioning > Edit configuration)"
CLOUD_SETTING_NAMES = {
    # docs.sonarsource.com/sonarqube-cloud, 'Set up SSO': the Custom SAML setup assistant gives the
    # Service Provider Identity ID and Single Sign-On URL to paste into the IdP, takes the IdP's
    # metadata (or its login URL and certificate) and maps the name, login, email and groups attributes
    "sp_entity_id": "the Service Provider Identity ID of " + _CLOUD_SSO,
    "acs_url": "the Single Sign-On URL of " + _CLOUD_SSO,
    "idp_entity_id": "the IdP entity ID in " + _CLOUD_SSO,
    "idp_cert": "the IdP certificate in " + _CLOUD_SSO,
    **{f"{what}_attribute": f"the {what} attribute in the attribute mapping of {_CLOUD_SSO}"
       for what in ("login", "name", "email", "group")},
}
"""The settings of SonarQube Cloud's SSO that samlscan's expectations stand for."""
CLOUD_GIVEN = frozenset({"sp_entity_id", "acs_url"})
"""Cloud's values its setup assistant gives to paste into the IdP ('Using the setup assistant',
step 1: copy the Service Provider Identity ID and Single Sign-On URL): no customer sets them."""

_SPRING = "spring.security.saml2.relyingparty.registration.<id>."
OTHER_SP_SETTING_NAMES = {
    # Spring Boot's Saml2RelyingPartyProperties ('assertingparty' since Boot 2.7, 'identityprovider' before)
    "spring": ("Spring Security", {
        "sp_entity_id": _SPRING + "entity-id", "acs_url": _SPRING + "acs.location",
        "idp_entity_id": _SPRING + "assertingparty.entity-id",
        "idp_cert": _SPRING + "assertingparty.verification.credentials[0].certificate-location"}),
    # onelogin.saml.properties
    "java-saml": ("java-saml", {
        "sp_entity_id": "onelogin.saml2.sp.entityid", "acs_url": "onelogin.saml2.sp.assertion_consumer_service.url",
        "idp_entity_id": "onelogin.saml2.idp.entityid", "idp_cert": "onelogin.saml2.idp.x509cert"}),
    # settings.json
    "python3-saml": ("python3-saml settings.json", {
        "sp_entity_id": "sp.entityId", "acs_url": "sp.assertionConsumerService.url",
        "idp_entity_id": "idp.entityId", "idp_cert": "idp.x509cert"}),
    # Keycloak brokering a SAML IdP: the identity provider's settings (SAMLIdentityProviderConfig)
    # in the admin console's words; the ACS is the broker endpoint Keycloak computes, no setting
    "keycloak-broker": ("Keycloak's admin console, Identity Providers > the SAML provider > Settings", {
        "sp_entity_id": "Service provider entity ID (what the IdP's application must name as its Identifier)",
        "acs_url": "Redirect URI, https://<keycloak>/realms/<realm>/broker/<alias>/endpoint (set Keycloak's "
                   "public hostname if the IdP is given another)",
        "idp_entity_id": "Identity provider entity ID",
        "idp_cert": "Validating X509 certificates (or re-import the IdP's metadata)"}),
}
"""The same settings as SONAR_SETTING_NAMES in another SP's own words, by the product its log is
read as (samlscan/logs/applog.py): an attempt of that SP is told to change these, not SonarQube's."""
GENERIC_SETTING_NAMES = {"sp_entity_id": "the SP's entity ID", "acs_url": "the SP's ACS URL",
                         "idp_entity_id": "the SP's IdP entity ID setting",
                         "idp_cert": "the SP's IdP signing certificate setting"}
"""The settings of an SP whose product samlscan does not know."""


def other_sp_setting(product: str | None, what: str) -> str:
    """'Spring Security: spring.security...entity-id': the setting `what` of an SP that is not
    SonarQube, in its product's words when samlscan knows them, else generic words. A Keycloak
    broker's product names its provider's alias ('keycloak-broker:entra')."""
    base, _, alias = (product or "").partition(":")
    label, names = OTHER_SP_SETTING_NAMES.get(base, (None, {}))
    if what in names:
        return f"{label.replace('the SAML provider', alias) if alias else label}: {names[what]}"
    return GENERIC_SETTING_NAMES.get(what, what)


_KEYCLOAK_BROKER = re.compile(r"/realms/[^/?#]+/broker/([^/?#]+)/endpoint(?:/clients/[^/?#]+)?/?(?:[?#]|$)")
"""Keycloak's SAML broker endpoint, the ACS of Keycloak as an SP of another IdP (SAMLIdentityProvider:
/realms/{realm}/broker/{alias}/endpoint; /endpoint/clients/{id} for IdP-initiated logins)."""


def keycloak_broker(url: str | None) -> str | None:
    """'keycloak-broker:<alias>' when `url` is a Keycloak broker endpoint (the SP of that SAML hop is
    Keycloak, not the application that asked Keycloak to log the user in), else None."""
    m = _KEYCLOAK_BROKER.search(url or "")
    return f"keycloak-broker:{m.group(1)}" if m else None


_KEYCLOAK_REALM = re.compile(r"^https?://([^/?#]+)((?:/[^?#]*?)?/realms/[^/?#]+)/(?:protocol/saml|broker/[^/?#]+/endpoint)\b",
                             re.IGNORECASE)


def keycloak_realm(url: str | None) -> str | None:
    """'host/path/realms/<realm>' of a Keycloak realm's SAML endpoint (/protocol/saml, where its
    clients send their AuthnRequests) or of one of its broker endpoints (_KEYCLOAK_BROKER), else
    None: a login SonarQube asked of a realm and that realm's own login at another IdP share it."""
    m = _KEYCLOAK_REALM.match(url or "")
    return f"{m.group(1).lower()}{m.group(2)}" if m else None

_SCALARS = ("sp_entity_id", "acs_url", "idp_entity_id", "email_attribute", "login_attribute",
            "name_attribute", "group_attribute", "request_id", "profile")


_ZONE_AT_END = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[zZ]|UTC|[+-]\d{2}(?::?\d{2})?)\s*$")
"""A time of day followed by a zone ('08:41:02Z', '09:41+01:00'): else --at is read as UTC, and said."""


def parse_at(text: str, origin: str = "--at") -> datetime:
    """An ISO-8601 time; a time without a zone is UTC. 'UTC' written after it (as `date -u` and many
    logs and tickets write it: '2025-03-11 08:41:02 UTC') is its zone, as _ZONE_AT_END reads it."""
    from samlscan.saml import parse_time

    value = parse_time(re.sub(r"\s*UTC\s*$", "Z", text.strip()) if isinstance(text, str) else text)
    if value is None:
        raise ConfigError(f"{origin}: {text!r} is not an ISO-8601 time (example: 2025-03-11T08:41:02Z)")
    return value


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc.strerror}") from None


def _settings_text(data: bytes, errors: str = "strict") -> str:
    """A settings file's text: UTF-16 (utf16_codec), else UTF-8 with or without a BOM."""
    return data.decode(utf16_codec(data) or "utf-8-sig", errors)


NO_CERT = "no_cert_reason"
"""Key of a layer that was meant to give the IdP certificate and did not: `build` turns it into a
ConfigError when no other source gives one (a silent 'no certificate' skips every signature check)."""
PINNED = "pinned_fingerprint"
"""Key of a layer whose SP holds the IdP certificate by fingerprint only (python3-saml's
certFingerprint): (algorithm, lowercase hex); the certificate itself comes from another source."""


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

    from samlscan.xmlsafe import MAX_METADATA_BYTES, MAX_XML_BYTES, MD, iter_complete, parse_xml
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
                    idps.append((ed.get("entityID"), etree.tostring(ed, with_tail=False)))
                else:
                    roles |= _roles(ed, MD)
            if idps:
                return _chosen_idp(path, idps, entity_id)
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
    return _chosen_idp(path, [(ed.get("entityID"), ed) for ed, _ in entities], entity_id)


def _chosen_idp(path: Path, idps: list, entity_id: str | None) -> dict:
    """load_idp_metadata's values from the IdPs of a file, each (entityID, its EntityDescriptor as an
    element or as bytes): the one IdP, the one `entity_id` names, or all of them held for each
    message's Issuer to pick (aggregate_idp)."""
    from lxml import etree

    from samlscan.xmlsafe import MAX_METADATA_BYTES, MD, parse_xml

    if len(idps) > 1:
        chosen = [idp for idp in idps if idp[0] == entity_id]
        if not chosen and entity_id:
            raise _not_listed(path, [name or "?" for name, _ in idps], entity_id)
        if not chosen:
            _AGGREGATES[str(path)] = {name: ed if isinstance(ed, bytes) else etree.tostring(ed, with_tail=False)
                                      for name, ed in idps if name}
            _AGGREGATE_STAT[str(path)] = _stat_key(str(path))
            return {"idp_aggregates": (str(path),)}
        idps = chosen[:1]
    ed = idps[0][1]
    if isinstance(ed, bytes):
        ed = parse_xml(ed, max_bytes=MAX_METADATA_BYTES)
    return _entity_values(path, ed, ed.findall(MD + "IDPSSODescriptor"))


_AGGREGATES: dict[str, dict[str, bytes]] = {}
"""Metadata aggregates read with no IdP chosen: path -> {entityID: its EntityDescriptor's bytes}.
Per process (a forked worker inherits it; Expectations carry the path only, as they travel to the
workers with every unit): an IdP's certificates are read when a message names it."""


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
        return {"idp_aggregates": (path,)}
    found = aggregate_idp(path, entity_id)
    if found is None:
        raise _not_listed(path, list(held), entity_id)
    return found


def _not_listed(path, names: list[str], entity_id: str) -> ConfigError:
    shown = ", ".join(names[:5]) + (f", ... ({len(names) - 5} more)" if len(names) > 5 else "")
    return ConfigError(f"{path}: {len(names)} IdPs in this metadata ({shown}); none of them is {entity_id!r}")


def aggregate_idp(path: str, entity_id: str) -> dict | None:
    """load_idp_metadata's values for one IdP of an aggregate, None when the aggregate lacks it."""
    if path not in _AGGREGATES:  # (a spawned worker: the file is read again, once)
        load_idp_metadata(Path(path))
    data = _AGGREGATES[path].get(entity_id)
    return None if data is None else _chosen_idp(Path(path), [(entity_id, data)], entity_id)


def rename_aggregate(old: str, new: str) -> None:
    """An aggregate read from `old` known as `new` from now on (an archive member inflated to a
    temporary file, known by its label: found.py). Forked workers inherit the name."""
    if old in _AGGREGATES:
        _AGGREGATES[new] = _AGGREGATES.pop(old)


def aggregate_entities(path: str) -> dict[str, bytes]:
    """The IdPs of an aggregate load_idp_metadata read with no IdP chosen: entityID -> its bytes."""
    return _AGGREGATES.get(path, {})


def aggregate_size(path: str) -> int:
    return len(_AGGREGATES.get(path, ()))


def _entity_values(path: Path, ed, idps) -> dict:
    """entityID, certificates (each with its use) and SSO URLs of one IdP's EntityDescriptor."""
    from samlscan.xmlsafe import DS, MD

    name = ed.get("entityID") or "?"
    certs: list[TrustedCert] = []
    kinds: set[str] = set()
    listed: list[tuple[str, TrustedCert]] = []  # with their use: an encryption one is no signer
    for idp in idps:
        for n, kd in enumerate(idp.findall(MD + "KeyDescriptor"), 1):
            use = (kd.get("use") or "").strip()
            kinds.add(use or "no use")
            if use == "encryption":
                listed += [(use, c) for x in kd.iter(DS + "X509Certificate") for c in _readable_certs(
                    x.text, f"{path}: entity {name}{METADATA_KEY}{n} (use=encryption) X509Certificate")]
            if use not in ("", "signing"):
                continue
            for x in kd.iter(DS + "X509Certificate"):
                found = load_certs((x.text or "").encode(),
                                   f"{path}: entity {name}{METADATA_KEY}{n} X509Certificate")
                certs.extend(found)
                listed += [(use, c) for c in found]
    urls = tuple(s.get("Location") for idp in idps for s in idp.findall(MD + "SingleSignOnService")
                 if s.get("Location"))
    out = {"idp_entity_id": ed.get("entityID"), "idp_certs": tuple(certs), "idp_sso_urls": urls,
           "idp_metadata_certs": tuple(listed)}
    if not certs:
        found = (f"its KeyDescriptors are {', '.join(sorted(kinds))} without a signing X509Certificate"
                 if kinds else "it has no KeyDescriptor")
        stray = _stray_certificates(idps, MD, DS)
        if stray:  # samlify's test metadata: <KeyInfo> left in the metadata's default namespace
            found = (f"its signing KeyDescriptor holds an X509Certificate in the namespace {stray!r}, not "
                     f"XML-DSig's {DS[1:-1]!r}: the KeyInfo lacks its ds: prefix or xmlns, and SPs that read "
                     "metadata by namespace (java-saml, python3-saml, OpenSAML) find no certificate either")
        out[NO_CERT] = (f"{path}: no signing certificate for IdP {name} ({found}); give the IdP's signing "
                        "certificate with --idp-cert")
    return out


def _readable_certs(text: str | None, origin: str) -> list[TrustedCert]:
    """The certificates of a KeyDescriptor samlscan only compares with (an encryption one): one
    that cannot be read is left out, not a reason to refuse metadata whose signing keys are fine."""
    try:
        return load_certs((text or "").encode(), origin)
    except ConfigError:
        return []


def _properties_unescape(text: str) -> str:
    r"""java.util.Properties escapes: \t \n \r \f, \uXXXX, and \x for any other x. The text between
    two escapes is kept as one slice (a list of its characters took 80 bytes each: 500 MB for a
    6,000,000-character line)."""
    out, i = [], 0
    while (j := text.find("\\", i)) >= 0 and j + 1 < len(text):
        out.append(text[i:j])
        n = text[j + 1]
        if n == "u" and len(text) >= j + 6:
            try:
                out.append(chr(int(text[j + 2:j + 6], 16)))
                i = j + 6
                continue
            except ValueError:
                pass
        out.append({"t": "\t", "n": "\n", "r": "\r", "f": "\f"}.get(n, n))
        i = j + 2
    out.append(text[i:])
    return "".join(out)


def parse_properties(text: str) -> dict[str, str]:
    """A .properties file read as java.util.Properties.load reads it (what SonarQube does with
    sonar.properties): `#`/`!` comments, a line ending in an odd number of backslashes continues on
    the next (its leading blanks dropped), the key ends at the first unescaped `=`, `:` or blank."""
    pairs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        line = line.lstrip(" \t\f")
        if not line or line[0] in "#!":
            continue
        m = _PROPERTIES_KEY.match(line := _logical_line(line, lines))
        key, value = m.group(1), line[m.end():]
        pairs[_properties_unescape(key)] = _properties_unescape(value)
    return pairs


_PROPERTIES_KEY = re.compile(r"((?:[^\\=: \t\f]|\\.)*+)[ \t\f]*[=:]?[ \t\f]*")
"""A key and its separator. The repeat is possessive (nothing after it needs it to give back): a
plain one kept a backtracking entry per character, 400 MB for a 3,000,000-character key."""


def _logical_line(line: str, lines: Iterator[str]) -> str:
    """`line` and the lines it continues on (each ending in an odd number of backslashes, one
    dropped; the next one's leading blanks dropped), joined once: adding each to the text so far
    took time quadratic in their number."""
    parts: list[str] = []
    tail = len(line) - len(line.rstrip("\\"))  # the backslashes ending the logical line so far
    while tail & 1:
        parts.append(line[:-1])
        line = next(lines, "").lstrip(" \t\f")
        own = len(line) - len(line.rstrip("\\"))
        tail = own + tail - 1 if own == len(line) else own
    return "".join(parts) + line


def _sonar_pairs(path: Path) -> tuple[dict[str, str], list[str]]:
    """The settings, and the secured keys SonarQube says are set but does not return."""
    data = _read(path, "SonarQube settings")
    text = _settings_text(data, "replace")
    if text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:  # (nested past the parser's limit)
            raise ConfigError(f"{path}: not valid JSON ({exc}); expected the output of "
                              "api/settings/values") from None
        doc = doc if isinstance(doc, dict) else {}
        pairs = {}
        for item in doc.get("settings") or []:
            if isinstance(item, dict) and isinstance(item.get("key"), str):
                value = item.get("value", item.get("values"))
                pairs[item["key"]] = ",".join(map(str, value)) if isinstance(value, list) else str(value or "")
        # SonarQube 9.1+: "secured settings values are no longer returned ... keys that have a value
        # are now returned in setSecuredSettings" (ValuesAction changelog): 9.9 LTS and 2025 alike.
        hidden = [k for k in doc.get("setSecuredSettings") or [] if isinstance(k, str) and not pairs.get(k)]
        return pairs, hidden
    return parse_properties(text), []


LINE_START = r"(?:^|(?<=\r))"
"""Where a .properties line starts (with re.MULTILINE): java.util.Properties.load ends a line at LF,
CR LF or a lone CR (a file saved with classic Mac line ends), as the loader's splitlines does."""
SONAR_SAML_LINE = re.compile(LINE_START + r"[ \t\f]*sonar\.auth\.saml\.", re.MULTILINE)
"""A sonar.properties line that sets a SAML setting (a '#' line does not: SonarQube ignores it)."""

_METADATA_ROOT = re.compile(r"(?:\s|<\?(?:[^?]|\?(?!>))*\?>|<!--(?:[^-]|-(?!->))*-->|"
                            r"<!DOCTYPE[^>\[]*(?:\[[^\]]*\][^>]*)?>)*"
                            r"<(?:[A-Za-z_][\w.-]*:)?Entit(?:y|ies)Descriptor[\s/>]")
r"""SAML metadata's root (metadata 2.3.1, 2.3.2) under any prefix, after the XML prolog. Each part
of the prolog matches one way only (a space at a time, a comment up to its first '-->'): with
`\s+` and lazy `.*?` in the loop, a file that is not metadata was tried every way of splitting
its spaces and comments, exponential in their number (24 spaces: 0.7 s)."""
_SONAR_JSON_KEY = re.compile(r'(?<!\\)"key"\s*:\s*"sonar\.auth\.saml\.')
"""api/settings/values: {"settings": [{"key": "sonar.auth.saml.applicationId", ...}] (not an escaped copy
inside a HAR's response text)."""
_PYTHON3_SAML_KEY = re.compile(r'(?<!\\)"(?:sp|idp)"\s*:\s*\{')
"""python3-saml / php-saml settings.json: its "sp" and "idp" objects."""

SETTINGS_KINDS = {"idp_metadata": ("the IdP metadata", "--idp-metadata"),
                  "sonar_settings": ("the SonarQube settings", "--sonar-settings"),
                  "python3_saml_settings": ("the python3-saml settings", "--config")}
"""The kinds of settings file settings_kind tells, with what they are and the option that gives one."""


def settings_kind(head: bytes) -> str | None:
    """Which settings file a file's first bytes begin (a key of SETTINGS_KINDS), by content as the
    readers tell them; None for anything else. A guess: its loader has the last word."""
    text = _settings_text(head, "replace").lstrip("\ufeff")
    start = text.lstrip()[:1]
    if start == "<":
        return "idp_metadata" if _METADATA_ROOT.match(text) else None
    if start == "{":
        return ("sonar_settings" if _SONAR_JSON_KEY.search(text) else
                "python3_saml_settings" if _PYTHON3_SAML_KEY.search(text) else None)
    return "sonar_settings" if SONAR_SAML_LINE.search(text) else None


SERVER_SONAR_LINE = re.compile(
    LINE_START + r"[ \t]*(?:[#!][ \t]*)?sonar\.(?:jdbc|web|ce|search|path|log|auth)\.[\w.-]+[ \t]*[=:]", re.MULTILINE)
"""A line of the server's sonar.properties, set or commented out ('#sonar.web.port=9000', the stock
file; 'sonar.jdbc.url=...', one in use): its sections (conf/sonar.properties: DATABASE, WEB SERVER,
COMPUTE ENGINE, ELASTICSEARCH, PATHS, LOGGING; a SAML line commented out). A scanner's sonar-project.properties has none
(sonar.projectKey, sonar.sources)."""
SONAR_IN_DATABASE = "SonarQube keeps the SAML settings made in its UI in its database"
"""Why a sonar.properties without SAML lines is no sign that SAML is off (Administration >
Authentication > SAML writes them to the database; api/settings/values gives them)."""


SONAR_CERT = "sonar.auth.saml.certificate.secured"
_SONAR_UI_NAMES = ("Application ID", "Provider ID", "SAML login url", "Identity provider certificate")
"""Labels of SonarQube's SAML settings page (the 'UI Name' column of its SAML overview docs)."""


def _not_settings_hint(path: Path) -> str:
    """Why a file given as SonarQube settings holds none, and what to give instead: read as
    'all defaults' it would silently skip the certificate and entity checks."""
    text = _settings_text(_read(path, "SonarQube settings"), "replace")
    server = SERVER_SONAR_LINE.search(text)
    page = "sonar.auth.saml." in text or sum(n.lower() in text.lower() for n in _SONAR_UI_NAMES) >= 2
    what = (f"; no sonar.auth.saml. setting is set in it ({SONAR_IN_DATABASE}, not in this file)" if server else
            "; this looks like SonarQube's SAML settings page copied as text, whose values cannot be told "
            "from its labels" if page else "")
    return (f"{what}: give sonar.properties ('sonar.auth.saml.providerId=...' lines), the JSON of "
            "api/settings/values, or the values with --idp-cert, --idp-entity-id and --sp-entity-id")


def _sonar_cert(value: str, path: Path) -> TrustedCert:
    """The IdP certificate as SonarQube reads it: java-saml's Util.loadCert takes one certificate,
    the first (a chain pasted there is not a list of trusted keys)."""
    if "BEGIN CERTIFICATE" in value and "END CERTIFICATE" not in value:
        raise ConfigError(f"{path}: {SONAR_CERT} stops after its first line (a .properties value is one "
                          "line): put the certificate body on one line, or end each line with a backslash")
    return _sp_setting_certs(value, f"{path}: {SONAR_CERT}")[0]


def _sp_setting_certs(value: str, origin: str) -> list[TrustedCert]:
    """The certificates of an SP setting that holds certificate text: a PKCS #7 bundle pasted there
    is refused, as the SP refuses it, instead of trusting what it holds."""
    from samlscan.certs import is_pkcs7

    if is_pkcs7(value.encode()):
        raise ConfigError(f"{origin}: this is a PKCS #7 bundle (.p7b), which the SP cannot read from this "
                          "setting: paste the IdP's signing certificate itself (PEM, or its base64 body)")
    return load_certs(value.encode(), origin)


_SONAR_SAML = "sonar.auth.saml."
"""What a file of SonarQube's SAML settings sets: sonar.core.serverBaseURL alone is no such file (a
server's sonar.properties may set it beside its database, the SAML settings in that database)."""


def load_sonar_settings(path: Path) -> dict:
    """Expectations from sonar.properties or api/settings/values JSON (logformats.md §1.2)."""
    pairs, hidden = _sonar_pairs(path)
    if not hidden and not any(k.startswith(_SONAR_SAML) for k in pairs):
        # (an install's sonar.properties sets its database and perhaps its base URL: read as all
        # defaults, the SP's entity ID would be 'sonarqube' and no certificate would be checked)
        raise OtherKind(f"{path}: no SonarQube setting in this file that samlscan reads (no "
                          f"'sonar.auth.saml.' key){_not_settings_hint(path)}")
    out: dict = {"profile": "sonarqube"}
    mapping = {"sonar.auth.saml.applicationId": "sp_entity_id",
               "sonar.auth.saml.providerId": "idp_entity_id",
               "sonar.auth.saml.user.login": "login_attribute",
               "sonar.auth.saml.user.name": "name_attribute",
               "sonar.auth.saml.user.email": "email_attribute",
               "sonar.auth.saml.group.name": "group_attribute"}
    for key, name in mapping.items():
        if pairs.get(key):
            out[name] = pairs[key].strip()
    out.setdefault("sp_entity_id", "sonarqube")  # SonarQube's default applicationId
    cert = pairs.get(SONAR_CERT, "").strip()
    if cert:
        out["idp_certs"] = (_sonar_cert(cert, path),)
    elif SONAR_CERT in hidden:
        out[NO_CERT] = (f"{path}: SonarQube does not return {SONAR_CERT} in api/settings/values (9.1+ only "
                        "lists it in setSecuredSettings): give the same certificate with --idp-cert or "
                        "--idp-metadata")
    sp_cert = pairs.get("sonar.auth.saml.sp.certificate.secured", "").strip()
    if sp_cert:
        out["sp_certs"] = tuple(_sp_setting_certs(sp_cert, f"{path}: sonar.auth.saml.sp.certificate.secured"))
    sp_key = pairs.get("sonar.auth.saml.sp.privateKey.secured", "").strip()
    if sp_key:
        out["sp_keys"] = (_pem_private_key(sp_key, f"{path}: sonar.auth.saml.sp.privateKey.secured"),)
    base = pairs.get("sonar.core.serverBaseURL", "").strip()
    if base:
        out["acs_url"] = base.rstrip("/") + SONAR_ACS_PATH
    if pairs.get("sonar.auth.saml.loginUrl"):
        out["idp_sso_urls"] = (pairs["sonar.auth.saml.loginUrl"].strip(),)
    return out


def _pem_private_key(key: str, origin: str):
    """An SP private key given as PEM or as a bare PKCS#8/PKCS#1 base64 body (SonarQube's
    sp.privateKey.secured and python3-saml's sp.privateKey are usually stored without header)."""
    from samlscan.decrypt import load_sp_key

    if "-----BEGIN" in key:
        return load_sp_key(key.encode(), origin)
    body = "".join(key.split())
    try:
        return load_sp_key(f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n".encode(), origin)
    except ConfigError:
        return load_sp_key(f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\n".encode(),
                           origin)


def load_python3_saml_settings(path: Path) -> dict:
    """Expectations from a python3-saml / php-saml settings.json ('sp' and 'idp' objects)."""
    try:
        doc = json.loads(_settings_text(_read(path, "python3-saml settings")))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or not (isinstance(doc.get("sp"), dict) or isinstance(doc.get("idp"), dict)):
        keys = ", ".join(sorted(doc)[:6]) if isinstance(doc, dict) else type(doc).__name__
        hint = ("SonarQube's api/settings/values goes to --sonar-settings" if isinstance(doc, dict)
                and "settings" in doc else "advanced_settings.json holds no IdP or SP: give settings.json")
        raise OtherKind(f"{path}: no 'sp' or 'idp' object in this python3-saml settings file "
                          f"(found: {keys}); {hint}")
    sp, idp = _json_member(doc, "sp", dict, path), _json_member(doc, "idp", dict, path)
    acs = _json_member(sp, "assertionConsumerService", dict, path, "sp.")
    out: dict = {"sp_entity_id": _json_member(sp, "entityId", str, path, "sp."),
                 "idp_entity_id": _json_member(idp, "entityId", str, path, "idp."),
                 "acs_url": _json_member(acs, "url", str, path, "sp.assertionConsumerService.")}
    # python3-saml verifies with x509certMulti's signing certificates when there are any, and
    # then ignores x509cert (OneLogin_Saml2_Response.is_valid passes them as multicerts)
    signing = _json_member(_json_member(idp, "x509certMulti", dict, path, "idp."), "signing", list, path,
                           "idp.x509certMulti.")
    multi = [b for b in signing or [] if isinstance(b, str) and b.strip()]
    certs: list[TrustedCert] = []
    for body in multi or [idp.get("x509cert")]:
        if isinstance(body, str) and body.strip():
            origin = f"{path}: idp.x509cert" + ("Multi.signing" if multi else "")
            if not body.isascii():  # (format_cert removes only line breaks and spaces: OpenSSL then
                raise ConfigError(  # refuses the PEM; java-saml's MIME decoder would skip them)
                    f"{origin}: the certificate holds characters that are not base64 (no-break or zero-width "
                    "spaces, curly quotes: copied from a web page or a mail), which python3-saml cannot "
                    "read: paste the certificate's base64 alone")
            certs.extend(_sp_setting_certs(body, origin))
    out["idp_certs"] = tuple(certs)
    fingerprint = idp.get("certFingerprint")
    if not certs and isinstance(fingerprint, str) and fingerprint.strip():
        # it trusts the certificate of that fingerprint (the one --idp-cert or the metadata gives),
        # the algorithm read as python3-saml reads it (utils.calculate_x509_fingerprint): exactly
        # sha256, sha384 or sha512, anything else is sha1
        alg = idp.get("certFingerprintAlgorithm") if idp.get("certFingerprintAlgorithm") in (
            "sha256", "sha384", "sha512") else "sha1"
        out[PINNED] = (alg, fingerprint.replace(":", "").strip().lower())
        out[NO_CERT] = (f"{path}: idp.certFingerprint names a certificate ({alg} {fingerprint.strip()}) that "
                        "neither --idp-cert nor --idp-metadata gives: a fingerprint alone cannot verify a "
                        "signature, give the IdP's certificate")
    key = sp.get("privateKey")
    if isinstance(key, str) and key.strip():
        out["sp_keys"] = (_pem_private_key(key, f"{path}: sp.privateKey"),)
    return {k: v for k, v in out.items() if v}


_JSON_TYPES = {dict: "an object", list: "an array", str: "a string"}


def _json_member(obj: dict, key: str, kind: type, path: Path, where: str = ""):
    """obj[key] when it is of the JSON type python3-saml reads there (None when absent or null);
    a ConfigError naming the member otherwise (python3-saml itself fails on it at login)."""
    value = obj.get(key)
    if value is None or isinstance(value, kind):
        return value if value is not None or kind is str else kind()
    found = next((name for t, name in _JSON_TYPES.items() if isinstance(value, t)), type(value).__name__)
    raise ConfigError(f"{path}: {where}{key} must be {_JSON_TYPES[kind]}, not {found} ({str(value)[:40]!r}); "
                      "fix it in settings.json as python3-saml's settings documentation shows")


def _count(value, origin: str, unit: str) -> int:
    """A whole, non-negative number of `unit` (a TOML true is not one; 1.5 is not whole)."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != int(value):
        raise ConfigError(f"{origin} must be a whole number of {unit}, 0 or more, not {value!r}")
    return int(value)


def _typed(flat: dict, path: Path) -> None:
    """A text setting given as an array or a table is refused by name (str() of it would be
    compared with the messages as if it were an entity ID)."""
    for key in _SCALARS:
        value = flat.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (str, int))):
            raise ConfigError(f"{path}: {key} must be a string, not {value!r}")


def _toml_values(path: Path) -> dict:
    try:
        doc = tomllib.loads(_settings_text(_read(path, "config")))  # (Notepad: a BOM or UTF-16)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None  # (RecursionError: nested too deep)
    flat: dict = {}
    for key, value in doc.items():  # accept [sp]/[idp] tables as well as flat keys
        if isinstance(value, dict):
            flat.update({k.replace("-", "_"): v for k, v in value.items()})
        else:
            flat[key.replace("-", "_")] = value
    known = set(_SCALARS) | {"idp_cert", "idp_metadata", "sp_key", "sp_cert", "clock_skew", "at", "sonar_settings",
                             "expiry_window_days", "timezone", "app"}
    unknown = sorted(set(flat) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    _typed(flat, path)
    base = path.parent
    for key in ("idp_cert", "idp_metadata", "sp_key", "sp_cert", "sonar_settings"):
        if key in flat:
            items = flat[key] if isinstance(flat[key], list) else [flat[key]]
            flat[key] = [str(base / str(p)) for p in items]
    return flat


def find_config(start_dirs: list[Path]) -> Path | None:
    """samlscan.toml in a scanned directory, else in the working directory."""
    for d in [*start_dirs, Path.cwd()]:
        candidate = d / "samlscan.toml"
        if candidate.is_file():
            return candidate
    return None


def build(flags: dict, config_path: Path | None, certless: bool = False) -> Expectations:
    """Merge flags over the TOML file over SonarQube settings over metadata. A settings file meant to
    give the IdP certificate and giving none is an error, unless `certless` (the files a scan found:
    a note says so, found.py)."""
    layers: list[tuple[str, dict]] = []
    settings_json = config_path is not None and config_path.suffix.lower() == ".json"
    file_values = _toml_values(config_path) if config_path and not settings_json else {}
    merged = {**file_values, **{k: v for k, v in flags.items() if v not in (None, (), [])}}
    sources = [str(config_path)] if config_path and not settings_json else []
    values: dict = {}
    for settings in _as_list(merged.get("sonar_settings")):
        layers.append((settings, load_sonar_settings(Path(settings))))
    # python3-saml's settings.json: given with --config (a .json), or found in a scanned folder (found.py)
    for settings in _as_list(merged.get("python3_saml_settings")) + ([str(config_path)] if settings_json else []):
        layers.append((settings, load_python3_saml_settings(Path(settings))))
    # the IdP to pick in an aggregate: the configured one (flags, TOML, then the SP's own settings)
    wanted = merged.get("idp_entity_id") or next(
        (layer["idp_entity_id"] for _, layer in reversed(layers) if layer.get("idp_entity_id")), None)
    metadata = [(meta, load_idp_metadata(Path(meta), wanted and str(wanted)))
                for meta in _as_list(merged.get("idp_metadata"))]
    held = [c for _, layer in layers for c in layer.get("idp_certs", ())]  # the SP's own settings
    pinned = [layer[PINNED] for _, layer in layers if PINNED in layer]
    layers[:0] = metadata
    missing = []
    for origin, layer in layers:
        sources.append(origin)
        for k, v in layer.items():
            if k == NO_CERT:
                missing.append(v)
            elif k == PINNED:
                continue
            elif k in ("idp_certs", "sp_keys", "sp_certs", "idp_metadata_certs", "idp_aggregates"):
                values[k] = values.get(k, ()) + v
            elif v:
                values[k] = v
    for k in _SCALARS:
        if merged.get(k):
            values[k] = str(merged[k])
    certs = []
    for p in _as_list(merged.get("idp_cert")):
        certs.extend(load_certs(_read(Path(p), "IdP certificate"), p, from_file=True))
    if certs:  # explicit certificates are added to those from metadata/settings (rollover)
        values["idp_certs"] = tuple(certs) + tuple(values.get("idp_certs", ()))
    if pinned:  # the SP holds the certificate of that fingerprint, whoever gives it (the
        # metadata's encryption certificate too: python3-saml trusts what the fingerprint names)
        given = _unique(values.get("idp_certs", ()) + tuple(c for _, c in values.get("idp_metadata_certs", ())))
        values["idp_certs"] = tuple(c for c in given if _fingerprint_of(c, pinned))
        held += list(values["idp_certs"])
        if given and not values["idp_certs"]:
            alg, hexdigest = pinned[0]
            raise ConfigError(f"idp.certFingerprint ({alg} {hexdigest}) matches none of the IdP certificates "
                              f"given ({listed_certs(given)}): python3-saml rejects every response they sign; put "
                              "the IdP's current certificate (or its fingerprint) in settings.json")
    values["idp_certs"] = _as_the_sp_holds(_unique(values.get("idp_certs", ())), certs, held,
                                           values.get("idp_metadata_certs", ()))
    if missing and not values["idp_certs"] and not certless:
        raise ConfigError(missing[0])
    keys = []
    for p in _as_list(merged.get("sp_key")):
        from samlscan.decrypt import load_sp_key

        keys.append(load_sp_key(_read(Path(p), "SP private key"), p))
    values["sp_keys"] = tuple(keys) + tuple(values.get("sp_keys", ()))
    values["apps"] = tuple(_as_list(merged.get("app")))
    values["timezones"] = _merged_zones(flags.get("timezone"), file_values.get("timezone"))
    values["sp_certs"] = _unique(tuple(c for p in _as_list(merged.get("sp_cert"))
                                       for c in load_certs(_read(Path(p), "SP certificate"), p, from_file=True,
                                                          what=SP_CERT))
                                 + values.get("sp_certs", ()))
    for key, unit in (("clock_skew", "seconds"), ("expiry_window_days", "days")):
        if merged.get(key) is not None:
            origin = f"--{key.replace('_', '-')}" if flags.get(key) is not None else f"{config_path}: {key}"
            values[key] = _count(merged[key], origin, unit)
    if merged.get("at"):
        at = merged["at"]
        values["at"] = at.astimezone(timezone.utc) if isinstance(at, datetime) and at.tzinfo else (
            at.replace(tzinfo=timezone.utc) if isinstance(at, datetime) else
            parse_at(str(at), "--at" if flags.get("at") else f"{config_path}: at"))
        if not (at.tzinfo if isinstance(at, datetime) else _ZONE_AT_END.search(str(at))):
            values["at_source"] = "--at, no zone given: read as UTC"
    if values.get("profile") not in (None, *PROFILES):
        raise ConfigError(f"unknown profile {values['profile']!r}; known: {', '.join(PROFILES)}")
    values["sources"] = tuple(sources)
    allowed = {f.name for f in fields(Expectations)}
    return replace(Expectations(), **{k: v for k, v in values.items() if k in allowed})


def listed_certs(certs) -> str:
    """Certificates named for a message: subject and SHA-1 of the first three."""
    return ", ".join(f"{c.info.subject} SHA-1 {c.info.sha1}" for c in certs[:3]) + (" ..." if len(certs) > 3 else "")


def _fingerprint_of(cert: TrustedCert, pinned: list[tuple[str, str]]) -> bool:
    import hashlib

    for alg, hexdigest in pinned:
        try:
            if hashlib.new(alg, cert.der).hexdigest() == hexdigest:
                return True
        except ValueError:  # an algorithm hashlib does not know: python3-saml knows sha1..sha512
            continue
    return False


def for_issuer(expect: Expectations, issuer: str | None) -> Expectations | None:
    """`expect` with the IdP of a metadata aggregate whose entityID is `issuer`, as if it had been
    chosen by its entity ID; None when no aggregate given lists it. (The SP's own settings always
    name their IdP, SonarQube's providerId and python3-saml's idp.entityId: an aggregate is left
    unchosen only beside flags, so --idp-cert is all the SP-side trust there is to keep.)"""
    for path in expect.idp_aggregates:
        found = aggregate_idp(path, issuer) if issuer else None
        if found is not None:
            given = list(expect.idp_certs)
            listed = expect.idp_metadata_certs + found["idp_metadata_certs"]
            trusted = _as_the_sp_holds(_unique(tuple(given) + found["idp_certs"]), given, [], listed)
            return replace(expect, idp_entity_id=issuer, idp_certs=trusted, idp_metadata_certs=listed,
                           idp_sso_urls=found["idp_sso_urls"])
    return None


def _as_the_sp_holds(trusted: tuple[TrustedCert, ...], given: list[TrustedCert], settings: list[TrustedCert],
                     listed: tuple[tuple[str, TrustedCert], ...]) -> tuple[TrustedCert, ...]:
    """The certificates to verify with: those the SP holds. Its own settings (SonarQube's
    certificate.secured, python3-saml's x509cert) are exactly what it trusts: beside them the IdP
    metadata only names the right certificate (checks.signature), since trusting the metadata's
    signing certificate would hide the most common failure of all, an IdP that rotated and
    published its new certificate while the SP still holds the old one. Without the SP's settings,
    the metadata's signing certificates are trusted beside --idp-cert (a rollover), except when a
    certificate given is one the metadata publishes for encryption only: the SP then holds it where
    the signing certificate belongs and rejects every response."""
    encryption = {c.der for c in Expectations(idp_metadata_certs=listed).metadata_certs("encryption")}
    mine: dict = {}
    for c in given + settings:  # (a certificate given twice: under the first of its origins)
        mine.setdefault(c.der, c)
    if not settings and not mine.keys() & encryption:
        return trusted
    # (each under its own origin: the metadata listing the same certificate is not where the SP holds it)
    return tuple(mine[c.der] for c in trusted if c.der in mine)


def _merged_zones(given, from_file) -> tuple[str, ...]:
    """--timezone values, then samlscan.toml's for the logs (and the default zone) they do not
    name (the first matching glob wins): a flag for one log keeps the file's others; a plain
    --timezone ZONE is for every log, and replaces the file's."""
    given, from_file = _as_list(given), _as_list(from_file)
    named = {v.rpartition("=")[0].strip() for v in given}
    if "" in named:
        return tuple(given)
    return tuple(given + [v for v in from_file if v.rpartition("=")[0].strip() not in named])


def _as_list(value) -> list[str]:
    if value in (None, "", ()):
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def _unique(certs) -> tuple[TrustedCert, ...]:
    seen, out = set(), []
    for c in certs:
        if c.der not in seen:
            seen.add(c.der)
            out.append(c)
    return tuple(out)


def env_config_path() -> Path | None:
    value = os.environ.get("SAMLSCAN_CONFIG")
    return Path(value) if value else None
