"""An IdP's configuration of the SP exported as JSON: Keycloak's client export (Clients > Action > Export) or a
realm's partial export holding its clients (ClientRepresentation), and Entra ID's app registration manifest
(App registrations > Manifest > Download, in Microsoft Graph's format or Azure AD Graph's). What it says of the SP
(its entity ID, which ACS URLs it accepts, which attributes it sends) is compared with the SP's settings, so
that a ticket holding both is diagnosed before any login was captured."""
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

    product: str
    """'keycloak' or 'entra'."""
    label: str
    """'Keycloak client "sonarqube"', 'Entra app registration "SonarQube"'."""
    entity_ids: tuple[str, ...]
    """The SP entity IDs it answers: Keycloak's Client ID, Entra's Identifier URIs."""
    redirect_uris: tuple[str, ...]
    """Keycloak's 'Valid redirect URIs', Entra's Reply URLs: the AuthnRequest's ACS URL must be among them."""
    root_url: str | None
    attributes: tuple[str, ...] | None
    """The attribute names its mappers send; None when the export cannot tell (other client scopes, Entra's
    claims, which are its enterprise application's)."""
    sent_to: tuple[tuple[str, str], ...] = ()
    """Okta's Recipient and Destination, when set apart from its Single sign-on URL: ('recipient', url), ..."""


_WORDS = {
    "keycloak": {"name": "Keycloak", "ids": "Client ID", "id": "Client ID", "id_code": "app-not-found",
                 "unknown": "Keycloak answers the SP's AuthnRequest, whose Issuer it is, with 'Unknown login "
                            "requester.' (event error client_not_found)",
                 "acs": "Valid redirect URIs", "acs_code": "reply-url-mismatch",
                 "not_acs": "Keycloak refuses the AuthnRequest that asks for it (event error invalid_redirect_uri)",
                 "senders": "mappers", "add": "Add a mapper sending {wanted!r} to the client (Client scopes > "
                                              "dedicated scope > Mappers)"},
    "entra": {"name": "Entra ID", "ids": "Identifier URIs", "id": "Identifier URI", "id_code": "app-not-found",
              "unknown": "Entra ID answers the SP's AuthnRequest, whose Issuer it is, with AADSTS700016 "
                         "(application not found in the directory)",
              "acs": "Reply URLs", "acs_code": "reply-url-mismatch",
              "not_acs": "Entra ID refuses the AuthnRequest that asks for it (AADSTS50011)"},
    "okta": {"name": "Okta", "ids": "Audience URI (SP Entity ID)", "id": "Audience URI (SP Entity ID)",
             "id_code": "audience-mismatch",
             "unknown": "Okta's responses name the former as their Audience, which the SP refuses",
             "acs": "Single sign-on URL", "acs_code": "acs-path-wrong",
             "not_acs": "Okta posts its responses there, not to the SP's callback",
             "senders": "attribute statements", "add": "Add an attribute statement named {wanted!r} to the app "
                                                       "(General > SAML Settings > Attribute Statements)"},
}
"""Per product: its name, what it calls the SP entity IDs it answers, the code and the words of what follows
when the SP's is not among them, what it calls the ACS URLs it accepts, the code and words of what follows when
the SP's is not among them (Keycloak's SamlService; Entra's error codes; Okta's SAML app settings)."""


def may_be_export(head: str) -> bool:
    """A cheap look at a JSON head: a Keycloak client's keys, an Entra manifest's or an Okta app's."""
    return '"clientId"' in head and '"protocol"' in head or '"identifierUris"' in head and '"appId"' in head \
        or '"signOnMode"' in head


def read_exports(text: str) -> list[IdpApp] | None:
    """The SAML clients of a Keycloak client or realm export, or the app of an Entra manifest; None when `text`
    is no such export."""
    if len(text) > MAX_EXPORT:
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    if isinstance(doc.get("identifierUris"), list) and isinstance(doc.get("appId"), str):
        return [_entra(doc)]
    if doc.get("signOnMode") == "SAML_2_0":
        return _okta(doc)
    clients = doc.get("clients") if isinstance(doc.get("clients"), list) else [doc]
    apps = [_client(c) for c in clients[:MAX_CLIENTS] if isinstance(c, dict) and c.get("protocol") == "saml"
            and isinstance(c.get("clientId"), str)]
    return apps or None


def _strings(value) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str) and v) if isinstance(value, list) else ()


def _entra(doc: dict) -> IdpApp:
    """An app registration's manifest: Microsoft Graph's format keeps its Reply URLs in web.redirectUris, Azure
    AD Graph's in replyUrlsWithType[].url."""
    web = doc.get("web") if isinstance(doc.get("web"), dict) else {}
    replies = _strings(web.get("redirectUris")) + tuple(
        r["url"] for r in doc.get("replyUrlsWithType") or () if isinstance(r, dict) and isinstance(r.get("url"), str))
    name = doc.get("displayName") or doc.get("name") or doc["appId"]
    return IdpApp("entra", f'Entra app registration "{name}"', _strings(doc.get("identifierUris")), replies, None, None)


def _client(c: dict) -> IdpApp:
    mappers = c.get("protocolMappers")
    scopes = [s for s in c.get("defaultClientScopes") or () if isinstance(s, str)]
    attributes = None
    if isinstance(mappers, list) and BUILT_IN_SCOPES.issuperset(scopes):
        attributes = tuple(dict.fromkeys(
            str(m["config"]["attribute.name"]) for m in mappers if isinstance(m, dict)
            and isinstance(m.get("config"), dict) and m["config"].get("attribute.name")))
        attributes += ("Role",) if "role_list" in scopes else ()
    root = c.get("rootUrl") if isinstance(c.get("rootUrl"), str) and c.get("rootUrl") else None
    return IdpApp("keycloak", f'Keycloak client "{c["clientId"]}"', (c["clientId"],), _strings(c.get("redirectUris")),
                  root, attributes)


def _okta(doc: dict) -> list[IdpApp] | None:
    """An Okta SAML app as its Apps API gives it (GET /api/v1/apps/<id>): settings.signOn's Audience URI,
    Single sign-on URL (ssoAcsUrl), Recipient and Destination, and attribute statements (with group ones)."""
    settings = doc.get("settings") if isinstance(doc.get("settings"), dict) else {}
    sign_on = settings.get("signOn") if isinstance(settings.get("signOn"), dict) else {}
    audience, acs = sign_on.get("audience"), sign_on.get("ssoAcsUrl")
    if not isinstance(audience, str) and not isinstance(acs, str):
        return None
    statements, groups = sign_on.get("attributeStatements"), sign_on.get("groupAttributeStatements")
    attributes = None
    if isinstance(statements, list):
        every = statements + (groups if isinstance(groups, list) else [])
        attributes = tuple(dict.fromkeys(str(a["name"]) for a in every if isinstance(a, dict) and a.get("name")))
    sent = {what: url for what in ("recipient", "destination") if isinstance(url := sign_on.get(what), str) and url}
    name = doc.get("label") or doc.get("name") or doc.get("id") or "SAML app"
    return [IdpApp("okta", f'Okta app "{name}"', (audience,) if isinstance(audience, str) else (),
                   (acs,) if isinstance(acs, str) else (), None, attributes, tuple(sent.items()))]


def redirect_allowed(acs: str, app: IdpApp) -> bool | None:
    """Whether the IdP accepts `acs` as the AuthnRequest's ACS: Entra one of its Reply URLs exactly (its host in
    any case); Keycloak as RedirectUtils.verifyRedirectUri does (a URI equal to one of the client's, or under one
    that ends in '*', relative ones under its root URL); None when the export cannot tell (no redirect URIs, or a
    relative one without a root URL)."""
    if not app.redirect_uris:
        return None
    if app.product in ("entra", "okta"):
        return _lower_host(acs) in {_lower_host(u) for u in app.redirect_uris}
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
    ours = [a for a in apps if expect.sp_entity_id in a.entity_ids] if expect.sp_entity_id else \
        apps[:1] if len(apps) == 1 else []
    if expect.sp_entity_id and not ours:  # (a realm's other clients are other SPs': one finding, naming them)
        first = apps[0]
        setting, words = expect.setting_name("sp_entity_id"), _WORDS[first.product]
        ids = ", ".join(repr(i) for a in apps for i in a.entity_ids) or "none"
        named = f"{first.label}: its {words['ids']}: {ids}" if len(apps) == 1 else \
            f"no SAML client's {words['ids']} ({ids})"
        out.append(InputProblem(source_of(first), words["id_code"], (
            f"{named}; {setting} is {expect.sp_entity_id!r}: {words['unknown']}"),
            f"Make {expect.sp_entity_id!r} the app's {words['id']} in {words['name']}, or set {setting} to its "
            "own."))
    for app in ours:
        where, words = source_of(app), _WORDS[app.product]
        if expect.acs_url and redirect_allowed(expect.acs_url, app) is False:
            out.append(InputProblem(where, words["acs_code"], (
                f"{app.label}: its {words['acs']}: {', '.join(app.redirect_uris)}; the SP's ACS URL is "
                f"{expect.acs_url!r}: {words['not_acs']}"),
                f"Make {expect.acs_url} the app's {words['acs']} (exactly) in {words['name']}."
                if app.product == "okta" else f"Add {expect.acs_url} to the app's {words['acs']} in {words['name']}."))
        for what, url in app.sent_to if expect.acs_url else ():  # (Okta's, set apart from its SSO URL)
            if _lower_host(url) != _lower_host(expect.acs_url) and url not in app.redirect_uris:
                out.append(InputProblem(where, f"{what}-mismatch", (
                    f"{app.label}: its {what.capitalize()} is {url!r}; the SP's ACS URL is {expect.acs_url!r}: "
                    f"every response carries the former, which the SP refuses"),
                    f"Make the app's {what.capitalize()} {expect.acs_url} in Okta, or tick 'Use this for Recipient "
                    "URL and Destination URL'."))
        for what, code in (("login_attribute", "login-attribute-missing"), ("name_attribute", "name-attribute-missing"),
                           ("email_attribute", "email-missing"), ("group_attribute", "group-attribute-missing")):
            wanted = getattr(expect, what, None)
            if wanted and app.attributes is not None and wanted not in app.attributes:
                sent = ", ".join(app.attributes) or "none"
                out.append(InputProblem(where, code, (
                    f"{app.label}: none of its {words['senders']} sends the attribute {wanted!r} that "
                    f"{expect.setting_name(what)} names (they send: {sent})"),
                    f"{words['add'].format(wanted=wanted)}, or set {expect.setting_name(what)} to one it sends."))
    return out


def source_in(path: str):
    """Where each app is in its export: its label (a realm's export holds several clients)."""
    return lambda app: Source(path, app.label)
