"""What an SP's URL tells: SonarQube's ACS path, SonarQube Cloud's hosts, Keycloak's broker and realm endpoints."""
from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from samlscan import lazyre


SONAR_ACS_PATH = "/oauth2/callback/saml"


_CLOUD_HOSTS = lazyre.compile(r"(^|\.)(sonarcloud\.io|sonarqube\.us)$", re.IGNORECASE)


@lru_cache(maxsize=256)
def is_cloud(url: str | None) -> bool:
    """The URL is on SonarQube Cloud (sonarcloud.io, sonarqube.us). Memoised: asked of the
    configured ACS URL for every message (urlsplit and the search: 10 us)."""
    try:
        return bool(url) and bool(_CLOUD_HOSTS.search((urlsplit(url).hostname or "").rstrip(".")))  # (an FQDN's dot)
    except ValueError:  # (a message's Destination may be no URL: 'https://[x'; urlsplit refuses it)
        return False


def made_for_cloud(msg) -> bool:
    """A Response made for SonarQube Cloud: its Destination or an Audience is on Cloud's hosts (it
    may still have gone elsewhere: the IdP's stale ACS URL)."""
    return msg.kind == "Response" and any(is_cloud(u) for u in (
        msg.destination, *(x for a in msg.assertions for r in a.audience_restrictions for x in r)))


def on_sonarqube_acs_path(url: str | None) -> bool:
    """The URL's path is SonarQube's ACS path (SONAR_ACS_PATH after any context path; a query, a
    fragment or a trailing slash aside), on Server or Cloud."""
    return bool(url) and url.split("?", 1)[0].split("#", 1)[0].rstrip("/").endswith(SONAR_ACS_PATH)


def saml_post_only(url: str | None) -> bool:
    """The URL is SonarQube's ACS (Server's or Cloud's), which reads only a SAMLResponse posted to it
    (java-saml's Auth.processResponse: 'SAML Response not found, Only supported HTTP_POST Binding';
    Spring Security's Saml2AuthenticationTokenConverter: spring-projects/spring-security#10831): an
    artifact (SAMLart) or a WS-Federation sign-in (wresult) sent there fails the login."""
    return bool(url) and (on_sonarqube_acs_path(url) or is_cloud(url))


def is_sonarqube_acs(url: str | None) -> bool:
    """The URL is SonarQube Server's ACS (sonar.core.serverBaseURL + SONAR_ACS_PATH). SonarQube
    Cloud's is not: it needs the email and has none of Server's sonar.auth.saml settings
    (logformats.md 1.6)."""
    return on_sonarqube_acs_path(url) and not is_cloud(url)


def server_base_names(acs_url: str | None) -> tuple[str, ...]:
    """SonarQube Server's base URL (sonar.core.serverBaseURL: its ACS less SONAR_ACS_PATH), without and with
    the trailing slash, as an IdP may name a trust for it: AD FS's relying party identifier, a WS-Federation
    trust's realm (AD FS 1200's RelyingParty) is often that URL. () for another SP's ACS."""
    if not is_sonarqube_acs(acs_url):
        return ()
    base = acs_url.split("?", 1)[0].split("#", 1)[0].rstrip("/")[:-len(SONAR_ACS_PATH)].rstrip("/")
    return (base, base + "/") if "://" in base else ()


_KEYCLOAK_BROKER = lazyre.compile(r"/realms/[^/?#]+/broker/([^/?#]+)/endpoint(?:/clients/[^/?#]+)?/?(?:[?#]|$)")
"""Keycloak's SAML broker endpoint, the ACS of Keycloak as an SP of another IdP (SAMLIdentityProvider:
/realms/{realm}/broker/{alias}/endpoint; /endpoint/clients/{id} for IdP-initiated logins)."""


def keycloak_broker(url: str | None) -> str | None:
    """'keycloak-broker:<alias>' when `url` is a Keycloak broker endpoint (the SP of that SAML hop is
    Keycloak, not the application that asked Keycloak to log the user in), else None."""
    m = _KEYCLOAK_BROKER.search(url or "")
    return f"keycloak-broker:{m.group(1)}" if m else None


_KEYCLOAK_REALM = lazyre.compile(r"^https?://([^/?#]+)((?:/[^?#]*?)?/realms/[^/?#]+)/(?:protocol/saml|broker/[^/?#]+/endpoint)\b",
                                 re.IGNORECASE)


def keycloak_realm(url: str | None) -> str | None:
    """'host/path/realms/<realm>' of a Keycloak realm's SAML endpoint (/protocol/saml, where its
    clients send their AuthnRequests) or of one of its broker endpoints (_KEYCLOAK_BROKER), else
    None: a login SonarQube asked of a realm and that realm's own login at another IdP share it."""
    m = _KEYCLOAK_REALM.match(url or "")
    return f"{m.group(1).lower()}{m.group(2)}" if m else None
