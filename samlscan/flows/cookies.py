"""Set-Cookie headers: what they set, delete and what browsers refuse; session and balancer cookies."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

from samlscan.flows.exchange import Exchange


_NOT_SESSION = ("AUTHENTICATION-ERROR", "OAUTHSTATE")
"""Cookies an SP's answer sets that are no session: SonarQube's failure reason (AuthenticationError)
and its state cookie, which its callback deletes whether the login succeeds or not
(OAuthCsrfVerifier.verifyState removes it before comparing)."""
SESSION_COOKIES = ("JWT-SESSION",)
"""Cookies an SP sets only for a signed-in user: SonarQube's session token (JwtHttpHandler)."""


BALANCER_COOKIES = ("AWSALB", "AWSALBCORS", "AWSALBTG", "AWSALBTGCORS", "AWSELB", "ARRAffinity",
                    "ARRAffinitySameSite", "ApplicationGatewayAffinity", "ApplicationGatewayAffinityCORS", "GCLB",
                    "__cf_bm", "__cflb", "SERVERID", "ROUTEID", "BIGipServer", "AWSALBAPP-", "incap_ses_",
                    "visid_incap_", "nlbi_")
"""Cookies a load balancer, proxy or CDN in front of the SP sets on any answer, whatever the SP did
(names, or prefixes of names): AWS ALB/ELB stickiness (AWSALB*, AWSELB), Azure App Service's and
Application Gateway's affinity, Google Cloud's GCLB, Cloudflare's __cf_bm and __cflb, HAProxy's and
Apache mod_proxy_balancer's documented SERVERID and ROUTEID, F5 BIG-IP's BIGipServer<pool>, Imperva's
incap_ses_/visid_incap_/nlbi_. They hold no login."""


def _sessions(ex: Exchange) -> list[str]:
    """The cookies an answer set that may hold a session (_NOT_SESSION and BALANCER_COOKIES aside)."""
    return [c for c in ex.set_cookies if c not in _NOT_SESSION and not c.startswith(BALANCER_COOKIES)]


def _refused(acs: Exchange) -> str:
    """Why the loop's session cookie was lost, when the ACS's own Set-Cookie says it: the session
    cookies among those refused (all refused ones when none is known as a session cookie), by reason."""
    named = [r for r in acs.refused_cookies if is_session_cookie(r[0])] or list(acs.refused_cookies)
    parts = []
    for why, text in _REFUSAL_TEXT.items():
        names = list(dict.fromkeys(n for n, w in named if w == why))
        if names:
            parts.append(f"; {acs.ref} set {', '.join(names)} {text(acs.client)}")
    return "".join(parts)


SP_SESSION_COOKIES = ("JWT-SESSION", "XSRF-TOKEN", "JSESSIONID", "SESSION", "PHPSESSID", "ASP.NET_SessionId",
                      ".AspNetCore.Cookies", "connect.sid", "sessionid", "laravel_session", "mellon-cookie",
                      "SimpleSAMLSessionID", "_shibsession_")
"""Cookies that carry an SP's login: SonarQube's JWT-SESSION and XSRF-TOKEN (JwtHttpHandler,
JwtCsrfVerifier, set together at login), the servlet container's JSESSIONID, Spring Session's
SESSION, PHP's, ASP.NET's and express-session's defaults, Django's, Laravel's, mod_auth_mellon's,
SimpleSAMLphp's and Shibboleth SP's (_shibsession_<hash>: a prefix)."""


def is_session_cookie(name: str) -> bool:
    """A cookie name of SP_SESSION_COOKIES (Shibboleth's by its prefix)."""
    return name in SP_SESSION_COOKIES or name.startswith("_shibsession_")


def _samesite_text(client: str | None) -> str:
    """Who refuses a SameSite=None cookie without Secure, by the capture's browser (a HAR's
    log.creator.name: Chromium's DevTools write 'WebInspector', Safari's 'WebKit Web Inspector')."""
    head = "with SameSite=None but without Secure, which "
    fix = ("(a proxy that strips Secure, or an SP that believes it is served over http: forward "
           "X-Forwarded-Proto: https)")
    name, _, version = (client or "").partition(" ")
    if name == "WebInspector" or re.search(r"chrom|edge|opera|brave", name, re.IGNORECASE):
        return f"{head}Chromium-based browsers refuse since Chrome 80 {fix}"
    if name == "Firefox":
        major = re.match(r"\d+", version)
        if major and int(major.group()) < 131:
            return (f"{head}Firefox {major.group()} still accepts (its network.cookie.sameSite.noneRequiresSecure "
                    f"is on by default from Firefox 131), but Chromium-based browsers refuse since Chrome 80 {fix}")
        return f"{head}Firefox refuses since version 131 (network.cookie.sameSite.noneRequiresSecure) {fix}"
    if client and "WebKit" in client:
        return (f"{head}Safari is not known to refuse (WebKit has not adopted the rule), but Chromium-based "
                f"browsers refuse since Chrome 80 and Firefox since version 131 {fix}")
    return f"{head}Chromium-based browsers refuse since Chrome 80, Firefox since version 131 {fix}"


def _secure_on_http_text(client: str | None) -> str:
    return ("with Secure on an http:// URL, which browsers refuse (only a secure origin may set a Secure cookie: "
            "draft-ietf-httpbis-rfc6265bis 5.7; Chrome and Firefox since version 52) (a proxy that terminates "
            "TLS while the browser is on http, or an SP that marks its cookies Secure: serve the SP over https)")


_REFUSAL_TEXT = {"samesite-none": _samesite_text, "secure-on-http": _secure_on_http_text}
"""What each refusal reason (refusal) says, in the order a loop's reason names them."""


@dataclass(frozen=True)
class SetCookie:
    """One Set-Cookie header value (RFC 6265 5.2): its name and attributes (names lower-cased)."""

    name: str
    attrs: tuple[tuple[str, str], ...]

    def attr(self, key: str) -> str | None:
        """The attribute's value ('' for a flag), the last one when repeated (RFC 6265 5.3); None
        when absent."""
        return next((v for k, v in reversed(self.attrs) if k == key), None)


def parse_set_cookie(header: str) -> SetCookie | None:
    """A Set-Cookie value's name and attributes; None without a 'name=' pair (RFC 6265 5.2 step 2)."""
    pair, *rest = header.split(";")
    name, eq, _ = pair.partition("=")
    if not eq or not name.strip():
        return None
    attrs = tuple((k.strip().lower(), v.strip()) for k, _, v in (a.partition("=") for a in rest) if k.strip())
    return SetCookie(name.strip(), attrs)


_PAST = datetime(2000, 1, 1, tzinfo=timezone.utc)
"""Without the response's time, an Expires before this is a deletion (servers clear a cookie with a
1970 date: Tomcat's and Jetty's 'Thu, 01-Jan-1970 00:00:10 GMT')."""


def deletes(header: str, at: datetime | None = None) -> bool:
    """The Set-Cookie value deletes its cookie: a Max-Age of 0 or less, or, without Max-Age (which
    wins, RFC 6265 5.3 step 3), an Expires not later than the response (`at`; RFC 6265 5.2.1/5.2.2)."""
    from email.utils import parsedate_to_datetime

    cookie = parse_set_cookie(header)
    if cookie is None:
        return False
    max_age = cookie.attr("max-age")
    if max_age is not None and re.fullmatch(r"-?\d+", max_age):
        return int(max_age) <= 0
    expires = cookie.attr("expires")
    if not expires:
        return False
    try:
        when = parsedate_to_datetime(expires.replace("-", " "))
    except (TypeError, ValueError, IndexError, OverflowError):
        return False
    when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    if when.year == 1969 and "1969" not in expires:  # two digits: 0-69 are 20xx (RFC 6265 5.1.1), not
        when = when.replace(year=2069)  # 19xx from 69 on as email.utils reads them (RFC 2822 4.3)
    return when <= (at if at is not None and at.tzinfo else _PAST)


def refusal(header: str, url: str = "", at: datetime | None = None) -> tuple[str, str] | None:
    """(name, reason) of a cookie a browser refuses to set from a response of `url`: 'samesite-none'
    (SameSite=None without Secure, draft-ietf-httpbis-rfc6265bis 5.7 step 16) or 'secure-on-http'
    (Secure from an http:// URL, step 8; localhost aside, which browsers may count as secure). A
    deletion is no refusal that matters (the cookie was on its way out); None otherwise."""
    cookie = parse_set_cookie(header)
    if cookie is None or deletes(header, at):
        return None
    secure = cookie.attr("secure") is not None
    parts = urlsplit(url)
    if secure and parts.scheme.lower() == "http" and (parts.hostname or "") not in ("localhost", "127.0.0.1", "::1"):
        return cookie.name, "secure-on-http"
    if (cookie.attr("samesite") or "").lower() == "none" and not secure:
        return cookie.name, "samesite-none"
    return None


def set_names(headers, at: datetime | None = None) -> tuple[str, ...]:
    """The names of the cookies Set-Cookie values set, deletions aside (a cookie 'set' by its
    deletion is no session); a name both set and deleted counts as set."""
    return tuple(dict.fromkeys(c.name for h in headers if not deletes(h, at)
                               for c in [parse_set_cookie(h)] if c is not None))


def same_site_of(headers, at: datetime | None = None) -> tuple[tuple[str, str], ...]:
    """(name, SameSite attribute, '' when absent) of the cookies Set-Cookie values set, deletions
    aside (set_names); the last value of a name wins, as the browser keeps the last one set."""
    found = {c.name: c.attr("samesite") or "" for h in headers if not deletes(h, at)
             for c in [parse_set_cookie(h)] if c is not None}
    return tuple(found.items())

