"""SonarQube (Server and Cloud): what a capture's SP leg says about a failed login.

Detection rules, each tied to a documented cause (logformats.md §1.3, §1.6; SonarQube Cloud's
"Troubleshooting SSO and provisioning" page):

| rule                                                         | cause                      |
|--------------------------------------------------------------|----------------------------|
| HTTP 403 answering the POST to SonarQube Cloud's ACS         | multiple-sign-on-urls      |
| the POST went to /oauth2/callback without the 'saml' key     | acs-path-wrong             |
| the POST went to another path of the SP, which answered 404  | acs-path-wrong             |
| the POST to the ACS reached no server (Chrome's net error)   | acs-path-wrong             |
| an IP allow list message (GitHub) on the way back            | ip-not-allowed             |
| SP error page before any AuthnRequest left (404/400 at init) | wrong-login-url            |
| AUTHENTICATION-ERROR / page text known to the catalog        | the catalog's code         |
| OAUTHSTATE set at login start, missing on the POST to the ACS | relaystate-cookie-missing  |
| the ACS's redirects lead straight to a new login (any SP)    | login-loop                 |
| the ACS's 307/308 sent the POST on to a page that refused it | acs-repost                 |
| failure after an IdP-initiated response (no InResponseTo; the | relaystate-cookie-missing  |
| capture shows no login started at the SP)                    |                            |
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from samlscan.config import is_cloud, on_sonarqube_acs_path
from samlscan.config.urls import saml_post_only
from samlscan.flows import LOGIN_LOOP, REPOSTED, sso_unreached, unreached

_IP_ALLOW = re.compile(r"IP allow ?list", re.IGNORECASE)


def _state_cookie_lost(exchanges) -> str | None:
    """SonarQube set OAUTHSTATE when the login started, but the browser did not send it back with
    the POST to the ACS: an http/https mismatch, or the SameSite the cookie was set with."""
    set_at = next((ex for ex in exchanges if "OAUTHSTATE" in ex.set_cookies), None)
    post = next((ex for ex in exchanges if ex.leg == "acs-post"), None)
    if set_at is None or post is None or "OAUTHSTATE" in post.request_cookies or not post.cookies_recorded:
        return None
    scheme = urlsplit(set_at.url).scheme, urlsplit(post.url).scheme
    if scheme[0] != scheme[1]:
        return (f"OAUTHSTATE was set at {set_at.ref} but not sent with the POST to the ACS ({post.ref}): the "
                f"cookie was set over {scheme[0]} and the POST went to {scheme[1]}")
    same_site = dict(set_at.samesite).get("OAUTHSTATE")  # (None: not recorded; '': set without one)
    idp = next((ex.url for ex in exchanges if ex.leg in ("authn-request", "idp-page")), None)
    cross = _cross_site(idp, post.url)
    if same_site and same_site.lower() in ("lax", "strict") and cross:
        return (f"OAUTHSTATE was set with SameSite={same_site} ({set_at.ref}), which browsers do not send on "
                f"the IdP's cross-site POST to the ACS ({post.ref}): SonarQube sets it without SameSite, so "
                "something on the way added the attribute (a proxy rewriting cookies?)")
    # (SonarSource/sonarqube OAuthCsrfVerifier.generateState builds it with Cookies.CookieBuilder:
    # path, HttpOnly, Secure behind X-Forwarded-Proto: https, no SameSite)
    said = " without SameSite" if same_site == "" else f" with SameSite={same_site}" if same_site else ""
    if same_site is not None and not cross:
        why = ("the IdP is on SonarQube's own site, where SameSite does not keep it off (a cookie Path that does "
               "not cover the ACS, or the cookie cleared in between?)")
    else:
        why = (_UNSET_SAFARI if "WebKit" in (post.client or "") else _UNSET) if same_site == "" else \
            "a SameSite policy kept it off the cross-site POST"
    return f"OAUTHSTATE was set at {set_at.ref}{said} but not sent with the POST to the ACS ({post.ref}): {why}"


_UNSET = ("Chromium-based browsers take a cookie without SameSite as Lax and send it on a cross-site POST only "
          "within 2 minutes of setting it (a login that took longer loses it)")
_UNSET_SAFARI = ("Safari does not take a cookie without SameSite as Lax (WebKit sends it on the IdP's top-level POST), "
                 "so something else lost it: the cookie cleared in between, a Path or host it does not cover, or "
                 "the login finished in another window or profile")
"""A Safari capture (its Web Inspector names itself WebKit: HARBuilder's creator): Lax by default is
Chromium's (and Firefox's behind a flag), not WebKit's."""


def _cross_site(idp_url: str | None, sp_url: str) -> bool:
    """The IdP's page is on another site than the SP (another scheme, or another registrable domain,
    approximated by the host's last two labels; an IP address is its own site): only then does
    SameSite keep a cookie off its POST (RFC 6265bis 5.2). Unknown IdP: taken as cross-site, the
    usual case."""
    if not idp_url:
        return True
    a, b = urlsplit(idp_url), urlsplit(sp_url)

    def site(host: str) -> str:
        return host if re.fullmatch(r"[\d.]+|.*:.*", host) else ".".join(host.split(".")[-2:])
    return a.scheme != b.scheme or site(a.hostname or "") != site(b.hostname or "")


def _callback_without_saml_key(url: str) -> bool:
    """SonarQube routes /oauth2/callback/<provider key>; SAML's key is 'saml' (logformats.md 1.3:
    'No provider key found in URI', 'Identity provider x does not exist or is not enabled')."""
    _, found, key = urlsplit(url).path.rstrip("/").rpartition("/oauth2/callback")
    return bool(found) and key != "/saml"


def _not_the_callback(status: int, url: str) -> bool:
    """A POST the SP answered 404 at a path other than its SAML callback (an ACS URL typed with a
    typo in the IdP: '/oauth2/calback/saml'); a context path (sonar.web.context) may precede it."""
    return status == 404 and not on_sonarqube_acs_path(url)


def _started_at_sp(flow) -> bool:
    """The capture shows the login start at the SP: its AuthnRequest, or the SP's redirect to the IdP.
    A response without InResponseTo is then the IdP's error answer to that request (SAML core
    3.2.2: InResponseTo is left out when the IdP could not or would not read the request), not an
    IdP-initiated login."""
    return flow.request is not None or any(ex.leg == "sp-init" for ex in flow.exchanges)


_SERVER_CALLBACK = "SonarQube's SAML callback is .../oauth2/callback/saml"
_CLOUD_CALLBACK = "SonarQube Cloud's is the Single Sign-On URL its SSO configuration gives"


def flow_cause(flow, response_unsolicited: bool | None = None, cloud: bool = False) -> tuple[str, str] | None:
    """(code, why) for a failed capture flow, or None when these rules do not decide it. `cloud`:
    the SP is SonarQube Cloud (its ACS is the Single Sign-On URL its SSO configuration gives)."""
    from samlscan import catalog
    from samlscan.logs.sqaccess import EDGE_ANSWERS, GATEWAY

    if flow.outcome != "failure":
        return None
    exchanges = list(flow.exchanges)
    callback = _CLOUD_CALLBACK if cloud else _SERVER_CALLBACK
    for ex in exchanges:
        if ex.leg in ("artifact", "wsfed") and saml_post_only(ex.url):  # (flows.build._artifact_outcome said why)
            return f"{ex.leg}-unsupported", flow.reason
        if ex.leg == "acs-post" and ex.status == 403 and is_cloud(ex.url):
            return "multiple-sign-on-urls", f"HTTP 403 from {ex.url} ({ex.ref})"
        if ex.leg == "acs-post" and _callback_without_saml_key(ex.url):
            return "acs-path-wrong", f"the IdP posted the response to {ex.url} ({ex.ref}); {callback}"
        if ex.leg == "acs-post" and unreached(ex):  # (an old ACS URL at the IdP: a retired host)
            return "acs-path-wrong", (f"the IdP posted the response to {ex.url} ({ex.ref}), where the browser "
                                      f"reached no server ({ex.net_error}): the IdP sends it to an ACS URL "
                                      "that is not the SP's")
        if sso_unreached(ex) and flow.response is None:
            return "idp-sso-unreachable", (f"the SP sent the browser to {ex.url.split('?', 1)[0]} ({ex.ref}), "
                                           f"where it reached no server ({ex.net_error})")
        if ex.leg == "acs-post" and str(ex.status) in GATEWAY:  # (the access logs' rule: sqaccess.GATEWAY)
            return "proxy-answered-callback", (f"HTTP {ex.status} from {ex.url} ({ex.ref}): a gateway's answer "
                                               "(RFC 9110 15.6.3-15.6.5), the SP's servers down, refusing or "
                                               "timing out behind the proxy")
        if ex.leg == "acs-post" and (edge := EDGE_ANSWERS.get(str(ex.status))):
            return "proxy-answered-callback", f"HTTP {ex.status} from {ex.url} ({ex.ref}): Cloudflare's own answer: {edge}"
        if ex.leg == "acs-post" and _not_the_callback(ex.status, ex.url):
            return "acs-path-wrong", (f"the IdP posted the response to {ex.url} ({ex.ref}), which answered "
                                      f"404: {callback}")
    texts = [flow.reason or ""] + [ex.auth_error or "" for ex in exchanges] + [
        e for ex in exchanges for e in ex.page_errors]
    if any(_IP_ALLOW.search(t) for t in texts):
        return "ip-not-allowed", "an IP allow list refused the client"
    if flow.request is None and flow.response is None and exchanges:
        first = exchanges[0]
        if first.status in (400, 403, 404) and "/sessions/init/" in urlsplit(first.url).path:
            return "wrong-login-url", f"HTTP {first.status} at {first.url} before any AuthnRequest"
    lost = _state_cookie_lost(exchanges)
    if lost:
        return "relaystate-cookie-missing", lost
    if LOGIN_LOOP in (flow.reason or ""):  # (a rejected response says why in its findings: they win)
        return "login-loop", flow.reason
    if REPOSTED in (flow.reason or ""):  # the page the ACS's 307/308 named refused the repeated POST
        return "acs-repost", flow.reason
    for text in texts:
        hit = catalog.lookup(text, "sonarqube") if text else None
        if hit is not None and hit.code not in ("unknown-failure", "sp-internal-error"):
            return hit.code, text
    if response_unsolicited and not _started_at_sp(flow):
        return ("relaystate-cookie-missing",
                "the response is IdP-initiated (no InResponseTo) and SonarQube refused it: SonarQube "
                "needs the OAUTHSTATE cookie set when the login starts at /sessions/init/saml")
    return None
