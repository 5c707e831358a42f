"""The records of a capture's login flows: exchanges (and the leg each plays), IdP error pages, SP
pages, flows."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from samlscan.inputs.base import RawMessage
from samlscan.model import Source


@dataclass(frozen=True)
class IdpError:
    """An error page the IdP showed instead of sending a SAML response."""

    product: str
    """'entra', 'okta', 'keycloak', 'adfs', 'auth0', 'google', 'shibboleth' or 'simplesamlphp'."""
    code: str | None
    """'AADSTS50011', an Okta 'E0000...' code, or None."""
    message: str | None
    request_id: str | None = None
    correlation_id: str | None = None

    @property
    def said(self) -> str:
        """'AADSTS50011: The redirect URI ...': the code, then the message (once, when the page
        writes the code in its own text, as Auth0's 'invalid_request: ...' does)."""
        head = self.code or self.product
        if not self.message:
            return f"{head}: IdP error page"
        return self.message if self.code and self.message.startswith(self.code) else f"{head}: {self.message}"


@dataclass(frozen=True)
class Exchange:
    """One SAML-relevant HTTP request/response of a capture."""

    time: datetime | None
    """startedDateTime in UTC."""
    entry: int
    """The exchange's number as the capture's own reader cites it (see `word`): a HAR's 0-based
    index in log.entries; a SAML-tracer request's, a Burp item's or a raw HTTP message's place
    counted from 1; a Fiddler session's own number."""
    method: str
    url: str
    status: int
    """HTTP status; 0 when the capture has none (blocked, aborted)."""
    location: str | None
    """Location / redirectURL, resolved against the request URL."""
    leg: str
    """'sp-init', 'authn-request', 'idp-page', 'idp-error', 'acs-post', 'response-redirect',
    'artifact', 'wsfed', 'sp-result' or 'other'."""
    set_cookies: tuple[str, ...] = ()
    """Names of cookies the response set; not those it deleted (Max-Age=0, an Expires passed: set_names)."""
    samesite: tuple[tuple[str, str], ...] = ()
    """(name, SameSite value as the response wrote it, '' for none) of the cookies it set, where the
    capture says (same_site_of); a cookie not listed is one whose attributes are not known."""
    auth_error: str | None = None
    """SonarQube's AUTHENTICATION-ERROR cookie value, URL-decoded (its public failure reason)."""
    idp_error: IdpError | None = None
    request_cookies: tuple[str, ...] = ()
    """Names of cookies the browser sent (OAUTHSTATE, ...)."""
    cookies_recorded: bool = True
    """The capture records what cookies this request sent (a HAR request's cookies array or Cookie
    header; a raw HTTP request's headers always): without it, a cookie not listed may have been sent."""
    refused_cookies: tuple[tuple[str, str], ...] = ()
    """(name, reason) of cookies the response set that browsers refuse (refusal)."""
    saml: tuple[str, ...] = ()
    """'<param>:<digest>' of the SAML values this exchange carried (request or response side)."""
    page_errors: tuple[str, ...] = ()
    """Errors shown on SonarQube's Test Configuration page (/saml/validation)."""
    page_passed: bool = False
    """That page's status says the test passed (its data: logs.sonartest)."""
    page: "Page | None" = None
    """What the response's page showed (answer_page); None when the reader kept no page text."""
    folded: bool = False
    """The capture wrote a redirect chain as this one exchange: the first request's method and
    body with the last URL and response (Safari's Web Inspector: WebKit's Resource keeps one
    record per chain, updateForRedirectResponse moves its URL, and HARBuilder.js writes no entry
    for the redirects). `url` and `status` are then where the chain ended."""
    client: str | None = None
    """The browser that wrote the capture, as it names itself (a HAR's log.creator.name and version:
    'WebInspector 537.36', 'Firefox 131.0'); None when unknown."""
    net_error: str | None = None
    """Why the browser got no answer at all (status 0), as it says it: Chrome's response._error,
    its net error name ('net::ERR_NAME_NOT_RESOLVED'; devtools-frontend models/har/Log.ts writes
    request.localizedFailDescription there); None when the capture says nothing."""
    clock_off: timedelta | None = None
    """How far the clock of the server that answered was off the other servers' of the capture (its
    HTTP Date headers: inputs/serverclock), when it was; None else."""
    server: str | None = None
    """With clock_off: the server whose clock that is, its host or the node behind it a response
    header named ('sonar.example.com (node sonar-b)': serverclock.server)."""
    answered_by: str | None = None
    """The proxy whose own answer this is, when its Server header or error page names it ('nginx', 'AWS ALB':
    inputs/har/headers.answering_proxy); None when neither does."""
    word: str = "entry"
    """What the capture calls an exchange: 'entry' (HAR), 'request' (SAML-tracer), 'item' (Burp),
    'message' (raw HTTP), 'session' (Fiddler), as its messages' refs say it."""

    @property
    def ref(self) -> str:
        """'entry 3', 'request 2', 'session 14': how a report points the user at this exchange."""
        return f"{self.word} {self.entry}"


@dataclass(frozen=True)
class Flow:
    """One login try seen in a capture."""

    request: RawMessage | None
    response: RawMessage | None
    relay_state: str | None
    outcome: str
    """'success', 'failure' or 'unknown'."""
    reason: str
    idp_error: IdpError | None
    exchanges: tuple[Exchange, ...]
    time: datetime | None = None
    request_id: str | None = None
    """The AuthnRequest ID."""
    in_response_to: str | None = None
    """The Response's InResponseTo."""
    test_configuration: bool = False
    """SonarQube 'Test Configuration' (RelayState validation-query/..., /saml/validation)."""
    ask: str | None = None
    """What to ask the user for when the capture does not say why the login stopped (the IdP's error
    page text and its IDs: unanswered)."""
    capture: Source | None = None
    """The capture file it was read from: a flow of an error page alone has no SAML message to name it
    (Keycloak's first broker login page after the external IdP's response was taken)."""
    acs_post: str | None = None
    """The URL of the POST to the SP's ACS whose answer `outcome` reads, its body captured or not
    (a refusal there is the SP's own answer to the IdP's response); None when no POST reached it."""
    at: tuple[int, ...] = ()
    """Each exchange's place in its capture (0-based, the browser's order): `Exchange.entry` is the
    number the user finds it by, which need not follow that order (a Burp export sorted newest
    first keeps its file's numbers)."""


@dataclass(frozen=True)
class Page:
    """What an SP's page says about a login (answer_page)."""

    kind: str
    """'refused' (the SP's 'not authorized' page), 'auto-post' (a form the page submits by itself),
    'login' (a password form), 'error' (a page titled as an error) or 'page' (none of these)."""
    said: str | None = None
    """The reason a refusal page gives, or an error page's title."""


REFUSAL_PAGE = "/sessions/unauthorized"
"""SonarQube's refusal page (AuthenticationError redirects a failed login there; it shows the reason
its AUTHENTICATION-ERROR cookie holds)."""
_SP_RESULT_PATHS = (REFUSAL_PAGE, "/saml/validation")
STAND_INS = ("artifact", "wsfed")
"""Legs that bring the SP the IdP's answer in place of a SAMLResponse: a SAML artifact, a WS-Federation sign-in."""


def classify_leg(method: str, url: str, req_params, resp_params, idp_error, followed: bool) -> str:
    """Name the part of the SAML flow an exchange plays, from what it carried."""
    if "SAMLResponse" in req_params:
        return "acs-post" if method == "POST" else "response-redirect"
    if "SAMLart" in req_params:  # the IdP's artifact, GET or POST, in place of the Response (bindings 3.6)
        return "artifact"
    if "wresult" in req_params:  # a WS-Federation sign-in posted in place of a SAML 2.0 Response (WS-Fed 1.2 13.2.3)
        return "wsfed"
    if idp_error is not None:  # the IdP answered the AuthnRequest GET with its error page
        return "idp-error"
    if "SAMLRequest" in req_params:
        return "authn-request"
    if "SAMLRequest" in resp_params:
        return "sp-init"
    if "SAMLResponse" in resp_params:
        return "idp-page"
    if idp_error is not None:
        return "idp-error"
    if followed or urlsplit(url).path.rstrip("/").endswith(_SP_RESULT_PATHS):
        return "sp-result"
    return "other"

