"""What the SP did with a POST to its ACS (SonarQube's answers: redirects, pages, loops) and how a
flow's reason words it."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urljoin, urlsplit

from samlscan.checks.protocol import host_port
from samlscan.flows.cookies import SESSION_COOKIES, _refused, _sessions
from samlscan.flows.exchange import Exchange, Page
from samlscan.flows.hops import _elsewhere, _reposts, same_endpoint, same_url, sends_on


LOGIN_LOOP = "a login loop (the SP did not keep the login: a rejected response or a lost session cookie)"
"""How a flow's reason says the SP sent the browser back to log in right after its ACS
(sonarqube.flow_cause names the cause 'login-loop' by it)."""
REPOSTED = "so the browser posted the SAMLResponse there again"
"""How a flow's reason says the ACS's 307/308 sent the POST on to another page (flow_cause: 'acs-repost')."""


def _sp_outcome(chain: list[Exchange], test: bool, posted_to: str | None = None,
                then: Exchange | None = None, kinds: dict | None = None) -> tuple[str, str, bool]:
    """(outcome, reason, test configuration) from the ACS exchange and its redirects.
    `posted_to`: the response's Destination, read only when the ACS exchange is folded; `then`:
    the SAML exchange that follows the chain in the capture, if any; `kinds`: SAMLRequest key ->
    its element's name ('AuthnRequest', 'LogoutRequest')."""
    errors = next((ex.auth_error for ex in chain if ex.auth_error), None)
    paths = [urlsplit(u).path.rstrip("/") for ex in chain for u in (ex.url, ex.location or "")]
    acs = chain[0]
    moved = bool(acs.folded and posted_to and _elsewhere(posted_to, acs.url))
    if any(p.endswith("/saml/validation") for p in paths[0 if moved else 1:]) or test:
        page = [e for ex in chain for e in ex.page_errors]
        if page:
            return "failure", "; ".join(page), True
        if any(ex.page_passed for ex in chain):
            return "success", "Test Configuration page (/saml/validation): success", True
        return "unknown", "Test Configuration page (/saml/validation)", True
    if errors:
        return "failure", errors, False
    if not moved and 200 <= acs.status < 300:
        return _answered(chain)
    if any(p.endswith("/sessions/unauthorized") for p in paths):
        return "failure", "redirected to /sessions/unauthorized (no public reason captured)", False
    if moved:  # the ACS redirected; the chain ended at acs.url with acs.status
        how = f"Safari wrote the SP's redirects after the POST to {posted_to} as one entry"
        if acs.status >= 400:
            return "failure", f"HTTP {acs.status} at {acs.url}, where the redirects ended ({how})", False
        says = _page_says(acs.page)
        if says:
            return says[0], f"the SP's redirects ended at {acs.url} with a page {says[1]} ({how})", False
        outcome, reason, _ = _redirect_outcome(posted_to, acs.url)
        return outcome, f"{reason} ({how})", False
    if sends_on(acs.method, acs.status, acs.location) and same_endpoint(acs.url, acs.location):
        return ("unknown", f"the POST was sent on to {acs.location} (HTTP {acs.status}): the answer there "
                "is not in the capture", False)  # (its repeat, when captured, is the message's send)
    if sends_on(acs.method, acs.status, acs.location):
        return _reposted(chain, then, kinds or {})
    if 300 <= acs.status < 400 and acs.location:
        return _after_redirects(chain, then, kinds or {})
    if acs.status >= 400:
        return "failure", f"HTTP {acs.status} from the ACS", False
    if acs.status == 0 and unreached(acs):
        return "failure", f"{UNREACHED} {acs.url} ({acs.net_error})", False
    return "unknown", "the SP's answer is not in the capture", False


UNREACHED = "the browser got no answer from"
"""How a flow's reason says the POST to the ACS reached no server (sonarqube.flow_cause reads it)."""


def unreached(ex: Exchange) -> bool:
    """The browser could not deliver the request: a net error other than ERR_ABORTED, which Chrome
    also records when the page navigated away or the user stopped it (not the server's doing)."""
    return bool(ex.net_error) and ex.net_error != "net::ERR_ABORTED"


def sso_unreached(ex: Exchange) -> bool:
    """An AuthnRequest exchange whose IdP SSO URL the browser reached no server at (no status, a net error)."""
    return ex.leg == "authn-request" and not ex.status and unreached(ex)


_NOT_SIGNED_IN = {"auto-post": "with a form it submits by itself: where that leads is not in the capture",
                  "login": "with a login form: the SP asks to log in again, without a reason in the capture",
                  "error": "titled {!r}: an error page, without a reason samlscan can read"}


def _page_says(page: Page | None) -> tuple[str, str] | None:
    """(outcome, what the page shows) when the SP's page says the login did not happen: its refusal
    (failure), an auto-post or login form or an error page (unknown: no success); else None."""
    if page is None or page.kind == "page":
        return None
    if page.kind == "refused":
        return "failure", "saying the user is not authorized" + (f": {page.said}" if page.said else
                                                                 " (no reason on the page)")
    return "unknown", _NOT_SIGNED_IN[page.kind].format(page.said)


def _answered(chain: list[Exchange]) -> tuple[str, str, bool]:
    """The ACS answered the POST with a page (2xx, no redirect): an SP or a proxy that shows the final
    page in place, or a capture that wrote the SP's redirects into the POST's entry at the ACS URL.
    (Safari's Web Inspector, WebKit HARBuilder.js: one entry per Resource, whose URL and response
    Resource.updateForRedirectResponse moves to each redirect's target, so the entry holds the
    first request and the last answer; WebKit pull request 56297, January 2026, makes later
    versions write each redirect as its own entry.) The page, the SP's refusal page loaded right
    after it, or a session cookie with a page that is no login or error page says what the SP did."""
    acs = chain[0]
    said = f"the SP answered the POST with a page (HTTP {acs.status})"
    says = _page_says(acs.page)
    if says and says[0] == "failure":
        return says[0], f"{said} {says[1]}", False
    refusal = _refusal_loaded(chain)
    if refusal:
        return ("failure", f"{said}, then the browser loaded {refusal}, the SP's refusal page (no public reason "
                "captured)", False)
    if says:
        return says[0], f"{said} {says[1]}", False
    cookies = _sessions(acs)
    if any(c in SESSION_COOKIES for c in cookies) or (cookies and acs.page is not None):
        return "success", f"{said} and set {', '.join(cookies)}: the SP kept the login", False
    if cookies:
        return ("unknown", f"{said} and set {', '.join(cookies)}; the page is not in the capture, so whether it is "
                "the SP's own or an error page is not known", False)
    return ("unknown", f"{said} without setting a session cookie: whether the SP kept the login is not in the "
            "capture", False)


def _refusal_loaded(chain: list[Exchange]) -> str | None:
    """The path of SonarQube's refusal page (/sessions/unauthorized) when the browser loaded it from
    the ACS's host right after the ACS's answer (within LOOP_WINDOW; unknown times aside), else None."""
    if len(chain) < 2:
        return None
    acs, ex = chain[0], chain[1]
    path = urlsplit(ex.url).path.rstrip("/")
    soon = ex.time is None or acs.time is None or ex.time - acs.time <= LOOP_WINDOW
    here = host_port(urlsplit(ex.url)) == host_port(urlsplit(acs.url))
    return path if ex.method == "GET" and path.endswith("/sessions/unauthorized") and here and soon else None


def _reposted(chain: list[Exchange], then: Exchange | None, kinds: dict) -> tuple[str, str, bool]:
    """The ACS answered 307/308 to another page: the browser posted the SAMLResponse there again by
    itself (RFC 9110 15.4.8/15.4.9 keep the method and body), and that page's answer is what the
    user saw (a page routed for GET only answers 405). A cookie the ACS set says it took the login."""
    acs = chain[0]
    cookies = _sessions(acs)
    took = f"the ACS took the response (it set {', '.join(cookies)}) and" if cookies else "the ACS"
    page = urlsplit(acs.location).path or "/"
    said = f"{took} answered HTTP {acs.status} to {page}, {REPOSTED}"
    fix = f"(the SP should answer its ACS with 302 or 303: a {acs.status} repeats the POST)"
    answer = chain[1] if len(chain) > 1 and _reposts(acs, chain[1]) else None
    if answer is None or not answer.status:
        return "unknown", f"{said}; its answer is not in the capture {fix}", False
    if 300 <= answer.status < 400 and answer.location:
        outcome, reason, _ = _after_redirects(chain[1:], then, kinds)
        return outcome, f"{said}, which {reason} {fix}", False
    if answer.status >= 400:
        return "failure", f"{said}, which answered HTTP {answer.status} {fix}", False
    if cookies or answer.set_cookies:
        return "success", f"{said}, which answered HTTP {answer.status} {fix}", False
    return ("unknown", f"{said}, which answered HTTP {answer.status} without setting a cookie: whether the "
            f"SP kept the login is not in the capture {fix}", False)


LOOP_WINDOW = timedelta(seconds=10)
"""A new login is the SP's redirects' doing only when it starts this soon after the last of them (a
browser follows a redirect at once); one started later is the user's (a new visit, a lapsed session)."""


def _after_redirects(chain: list[Exchange], then: Exchange | None, kinds: dict) -> tuple[str, str, bool]:
    """What the ACS's redirect and the SP's redirects after it say. The first redirect into the
    SP's own pages is not yet a session: when the pages it leads to send the browser back to log in
    (a login page; a new AuthnRequest, `then` starting a login where the redirects ended), the SP
    did not keep the login (a session cookie not set, refused or not sent back: SameSite, Secure on
    http, a cookie too large) and every try loops. A LogoutRequest there is no loop."""
    ended = _sends(chain[0], kinds) - {"AuthnRequest"}
    if ended:
        return ("unknown", f"the SP answered with a {' and '.join(sorted(ended))} to "
                f"{urlsplit(chain[0].location).netloc}: {_ENDED}", False)
    first = _redirect_outcome(chain[0].url, chain[0].location)
    if first[0] != "success":
        return first
    hops = [ex for ex in chain[1:] if 300 <= ex.status < 400 and ex.location]
    sent = _sends(then, kinds) if _leads_into(chain, then) else set()
    where = f"{first[1]}, then to {urlsplit(then.url).path}" if hops and sent else first[1]
    if "AuthnRequest" in sent:
        return "failure", f"{where}, which starts a new SAML login: {LOGIN_LOOP}{_refused(chain[0])}", False
    if sent:
        return "unknown", f"{where}, which sends a {' and '.join(sorted(sent))}: {_ENDED}", False
    start = _login_start_reached(chain)
    if start:  # the browser follows a redirect at once: its next request is a new AuthnRequest
        return ("failure", f"{first[1]}, then to {start}, the SP's login start: {LOGIN_LOOP}{_refused(chain[0])}",
                False)
    for ex in hops:
        outcome, reason, _ = _redirect_outcome(ex.url, ex.location)
        if outcome != "success":
            return outcome, f"{first[1]}, then {reason}", False
    return first


_ENDED = "the SP ended the login at once, without a reason in the capture"
_LOGIN_STARTS = ("/sessions/init/", "/saml2/authenticate/")
"""Paths whose request an SP answers with a new AuthnRequest: SonarQube's /sessions/init/saml
(/sessions/new sends an anonymous visitor there only when the login form is off) and Spring
Security's Saml2WebSsoAuthenticationRequestFilter, /saml2/authenticate/{registrationId}."""


def _login_start_reached(chain: list[Exchange]) -> str | None:
    """The path of the SP's login start where the SP's redirects after its ACS ended (every
    exchange after the ACS a redirect, so no page was shown in between), else None."""
    after = chain[1:]
    if not after or any(not (300 <= ex.status < 400 and ex.location) for ex in after):
        return None
    path = urlsplit(after[-1].location).path
    return path if any(s in path for s in _LOGIN_STARTS) else None


def _sends(ex: Exchange, kinds: dict) -> set[str]:
    """The kinds of SAML request ('AuthnRequest', 'LogoutRequest') an exchange sent or redirected
    to (its Location, its page's form)."""
    return {kinds[k] for k in ex.saml if kinds.get(k)}


def _leads_into(chain: list[Exchange], then: Exchange | None) -> bool:
    """The SP's redirects after its ACS lead straight to `then`, a SAML request's exchange: every
    exchange after the ACS is a redirect (no page shown in between), the last one's Location is
    `then`'s URL (query included) and `then` starts within LOOP_WINDOW of it (unknown times aside:
    the URL alone then says it). A login started later or from another URL is the user's."""
    if then is None or then.leg not in ("sp-init", "authn-request"):
        return False
    if any(not (300 <= ex.status < 400 and ex.location) for ex in chain[1:]):
        return False
    last = chain[-1]
    if not same_url(last.location, then.url):
        return False
    return last.time is None or then.time is None or then.time - last.time <= LOOP_WINDOW


_ERROR_PARAMETERS = ("error", "saml_error", "login_error", "auth_error")
"""Query parameters by which an SP's failure handler tells its own page that the login failed:
Spring Security's SimpleUrlAuthenticationFailureHandler for saml2Login sends '/login?error'
(Saml2LoginConfigurer's default failure URL), Laravel and Symfony apps on php-saml commonly
'/login?error=...'; an OAuth-style 'error=' is the same statement."""


def _error_parameter(query: str) -> str | None:
    """The query's error parameter as written ('error', 'error=saml') when it has one."""
    for part in query.split("&"):
        if part.split("=", 1)[0].lower() in _ERROR_PARAMETERS:
            return part
    return None


def _redirect_outcome(acs_url: str, location: str) -> tuple[str, str, bool]:
    """What the ACS's redirect says: into the SP's own pages is a session (success); a new login
    request is a loop (failure); SonarQube's /sessions/ pages or another host say nothing sure."""
    to, here = urlsplit(urljoin(acs_url, location)), urlsplit(acs_url)
    target = to.path or "/"
    if "SAMLRequest=" in to.query:
        return ("failure", f"the SP answered with a new SAML login request to {to.netloc or here.netloc}: "
                f"{LOGIN_LOOP}", False)
    if "SAMLResponse=" in to.query:  # an SP sends a SAMLResponse only to answer a LogoutRequest
        return ("unknown", f"the SP answered with a SAML response to {to.netloc or here.netloc} (a "
                "LogoutResponse: it answered a logout): whether it kept this login is not in the capture", False)
    failed = _error_parameter(to.query)
    if failed and (not to.netloc or to.netloc.lower() == here.netloc.lower()):
        return ("failure", f"redirected to {target}?{failed}: the SP's page for a failed login (its authentication "
                "failure handler), without a reason in the capture", False)
    if "/sessions/" in target:  # /sessions/new, /sessions/logout (a context path may come first)
        return "unknown", f"redirected to {target}: the SP asks to log in again, without a reason in the capture", False
    if to.netloc and to.netloc.lower() != here.netloc.lower():
        return "unknown", f"redirected to another host ({to.netloc}{target}): the outcome is not in the capture", False
    return "success", f"redirected to {target}", False

