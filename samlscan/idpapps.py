"""An IdP's configuration of the SP exported as JSON: Keycloak's client export (Clients > Action > Export) or a
realm's partial export holding its clients. What it says of the SP (its entity ID, which ACS URLs it accepts,
which attributes it sends) is compared with the SP's settings, so that a ticket holding both is diagnosed
before any login was captured. Read from the export's JSON only (Keycloak's ClientRepresentation)."""
from __future__ import annotations

import json
from dataclasses import dataclass

from samlscan.inputs.base import InputProblem
from samlscan.model import Source

MAX_EXPORT = 32 * 1024 * 1024
"""Characters of an export read at most (a realm's export with thousands of clients is a few MB)."""
MAX_CLIENTS = 1000
"""SAML clients of one realm export compared at most."""
BUILT_IN_SCOPES = frozenset({"role_list", "saml_organization"})
"""Keycloak's own SAML client scopes (their mappers send 'Role' and the organization): a client whose default
scopes are only these sends no attribute its export does not show."""


@dataclass(frozen=True)
class IdpApp:
    """What an IdP's configuration of one SP says of it."""

    label: str
    """'Keycloak client "sonarqube"'."""
    entity_id: str | None
    redirect_uris: tuple[str, ...]
    """Keycloak's 'Valid redirect URIs': the AuthnRequest's AssertionConsumerServiceURL must match one."""
    root_url: str | None
    attributes: tuple[str, ...] | None
    """The attribute names its mappers send; None when the export cannot tell (other client scopes)."""


def may_be_export(head: str) -> bool:
    """A cheap look at a JSON head: a Keycloak client's keys."""
    return '"clientId"' in head and '"protocol"' in head


def read_exports(text: str) -> list[IdpApp] | None:
    """The SAML clients of a Keycloak client or realm export, None when `text` is no such export."""
    if len(text) > MAX_EXPORT:
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    clients = doc.get("clients") if isinstance(doc.get("clients"), list) else [doc]
    apps = [_client(c) for c in clients[:MAX_CLIENTS] if isinstance(c, dict) and c.get("protocol") == "saml"
            and isinstance(c.get("clientId"), str)]
    return apps or None


def _client(c: dict) -> IdpApp:
    mappers = c.get("protocolMappers")
    scopes = [s for s in c.get("defaultClientScopes") or () if isinstance(s, str)]
    attributes = None
    if isinstance(mappers, list) and BUILT_IN_SCOPES.issuperset(scopes):
        attributes = tuple(dict.fromkeys(
            str(m["config"]["attribute.name"]) for m in mappers if isinstance(m, dict)
            and isinstance(m.get("config"), dict) and m["config"].get("attribute.name")))
        attributes += ("Role",) if "role_list" in scopes else ()
    uris = tuple(u for u in c.get("redirectUris") or () if isinstance(u, str) and u)
    root = c.get("rootUrl") if isinstance(c.get("rootUrl"), str) and c.get("rootUrl") else None
    return IdpApp(f'Keycloak client "{c["clientId"]}"', c["clientId"], uris, root, attributes)


def redirect_allowed(acs: str, app: IdpApp) -> bool | None:
    """Whether Keycloak accepts `acs` as the AuthnRequest's ACS (RedirectUtils.verifyRedirectUri: a URI equal to
    one of the client's, or under one that ends in '*', relative ones under its root URL); None when the
    export cannot tell (no redirect URIs, or a relative one without a root URL)."""
    if not app.redirect_uris:
        return None
    unknown = False
    acs = _lower_host(acs)
    bare = acs.split("?", 1)[0].split("#", 1)[0]  # (a wildcard's match leaves the query and fragment out)
    for pattern in app.redirect_uris:
        if pattern == "*":
            return True
        if pattern.startswith("/"):
            if app.root_url is None:  # (Keycloak reads it against its own host: not the SP's, but unsure)
                unknown = True
                continue
            pattern = app.root_url.rstrip("/") + pattern
        pattern = _lower_host(pattern)
        if pattern.endswith("*") and "?" not in pattern:
            stem = pattern[:-1]
            if bare.startswith(stem) or bare == stem.rstrip("/"):
                return True
        elif pattern == acs:
            return True
    return None if unknown else False


def _lower_host(url: str) -> str:
    """The URL with its scheme and host in lower case (RedirectUtils.lowerCaseHostname), its path as it is."""
    at = url.find("/", url.find("//") + 2) if "//" in url else -1
    return url.lower() if at == -1 else url[:at].lower() + url[at:]


COMPARED = ("sp_entity_id", "acs_url", "login_attribute", "name_attribute", "email_attribute", "group_attribute")
"""The SP settings an IdP configuration is compared with."""


def compared(apps: list[IdpApp], expect, source_of) -> list[InputProblem]:
    """What each IdP configuration contradicts in the SP's settings (`expect`), as problems of the export;
    `source_of(app)`: where each is in it."""
    out: list[InputProblem] = []
    ours = [a for a in apps if a.entity_id == expect.sp_entity_id] if expect.sp_entity_id else apps[:1] if len(apps) == 1 else []
    if expect.sp_entity_id and not ours:  # (a realm's other clients are other SPs': one finding, naming them)
        setting = expect.setting_name("sp_entity_id")
        ids = ", ".join(repr(a.entity_id) for a in apps)
        named = f"{apps[0].label}: its Client ID is {ids}" if len(apps) == 1 else f"no SAML client's Client ID ({ids})"
        out.append(InputProblem(source_of(apps[0]), "app-not-found", (
            f"{named}, {setting} is {expect.sp_entity_id!r}: Keycloak answers the SP's AuthnRequest, whose Issuer is "
            "the latter, with 'Unknown login requester.' (event error client_not_found)"),
            f"Make the client's Client ID {expect.sp_entity_id!r}, or set {setting} to the Client ID."))
    for app in ours:
        where = source_of(app)
        if expect.acs_url and redirect_allowed(expect.acs_url, app) is False:
            out.append(InputProblem(where, "reply-url-mismatch", (
                f"{app.label}: the SP's ACS URL {expect.acs_url!r} matches none of its Valid redirect URIs "
                f"({', '.join(app.redirect_uris)}): Keycloak refuses the AuthnRequest that asks for it (event "
                "error invalid_redirect_uri)"),
                f"Add {expect.acs_url} to the client's Valid redirect URIs."))
        for what, code in (("login_attribute", "login-attribute-missing"), ("name_attribute", "name-attribute-missing"),
                           ("email_attribute", "email-missing"), ("group_attribute", "group-attribute-missing")):
            wanted = getattr(expect, what, None)
            if wanted and app.attributes is not None and wanted not in app.attributes:
                sent = ", ".join(app.attributes) or "none"
                out.append(InputProblem(where, code, (
                    f"{app.label}: no mapper sends the attribute {wanted!r} that {expect.setting_name(what)} names "
                    f"(its mappers send: {sent})"),
                    f"Add a mapper sending {wanted!r} to the client (Client scopes > dedicated scope > Mappers), or "
                    f"set {expect.setting_name(what)} to one it sends."))
    return out


def source_in(path: str):
    """Where each client is in its export: its Client ID (an export holds several)."""
    return lambda app: Source(path, f"client {app.entity_id}")
