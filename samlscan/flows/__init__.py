"""Login flows rebuilt from a capture: AuthnRequest -> IdP -> POST to the ACS -> SP result.

A flow pairs an AuthnRequest with the Response that answers it (ID <-> InResponseTo, then
RelayState), keeps retries and double clicks apart (one flow per POST to the ACS), and records
what the SP did next (SonarQube: 302 to '/' or the requested page = success;
/sessions/unauthorized and the AUTHENTICATION-ERROR cookie = failure, docs/logformats.md 1.3; a page
answered at the ACS itself: its refusal text or a session cookie, _answered) or the IdP error page
shown instead of a response (Entra AADSTS page, Okta error page).
"""
from __future__ import annotations

import html
import itertools
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit

from samlscan.checks.protocol import host_port
from samlscan.errorpages import (ADFS_ACTIVITY, ADFS_MSIS, AADSTS, CORR_ID, GOOGLE_ERROR, OKTA_CODE, OKTA_TEXT, REQ_ID,
                                 TAG, ask_for, read_page, without_blocks)
from samlscan.errorpages import AUTH0_BOILERPLATE as _AUTH0_BOILERPLATE, AUTH0_CODE as _AUTH0_CODE, \
    AUTH0_LINE as _AUTH0_LINE, AUTH0_LINK as _AUTH0_LINK, AUTH0_PAGE_TEXT as _AUTH0_PAGE_TEXT, \
    AUTH0_SENTENCE as _AUTH0_SENTENCE, tracking_id as _tracking_id
from samlscan.inputs.base import RawMessage
from samlscan.model import Source

if TYPE_CHECKING:  # Capture lives with its readers (har.py); only its fields are used here
    from samlscan.inputs.har import Capture


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
    'sp-result' or 'other'."""
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


# --- leg and page classification (used by the capture readers) ---------------------------------

REPLAY_STATUSES = (307, 308)
"""Redirects after which the browser repeats the request with its method and body (RFC 9110
15.4.8/15.4.9): an SP sending http to https, a trailing slash added, and Chrome's own '307 Internal
Redirect' for an HSTS host, which DevTools lists as an entry with the POST's body
(Non-Authoritative-Reason: HSTS)."""


def same_endpoint(url: str, location: str) -> bool:
    """A 307/308's Location is the endpoint the POST went to: its path, a trailing slash aside (the
    scheme or host may change: Chrome's HSTS upgrade, a canonical host name). The browser's repeat
    is then the same POST sent again; to another path it is the SP sending the POST on to a page."""
    return urlsplit(url).path.rstrip("/") == urlsplit(location).path.rstrip("/")


def sends_on(method: str, status: int, location: str | None) -> bool:
    """A POST answered by a 307/308 with a Location: the browser sends its body again there."""
    return method == "POST" and status in REPLAY_STATUSES and bool(location)


def reposted_to(method: str, url: str, status: int, location: str | None) -> str | None:
    """The page a 307/308 from another endpoint sends the POST on to (an SP's ACS answering 307:
    Starlette's RedirectResponse default, ASP.NET's RedirectPreserveMethod): the browser posts the
    body there by itself, which is no new send of its SAML value; None otherwise."""
    return location if sends_on(method, status, location) and not same_endpoint(url, location) else None


_SP_RESULT_PATHS = ("/sessions/unauthorized", "/saml/validation")
LOGIN_LOOP = "a login loop (the SP did not keep the login: a rejected response or a lost session cookie)"
"""How a flow's reason says the SP sent the browser back to log in right after its ACS
(sonarqube.flow_cause names the cause 'login-loop' by it)."""
REPOSTED = "so the browser posted the SAMLResponse there again"
"""How a flow's reason says the ACS's 307/308 sent the POST on to another page (flow_cause: 'acs-repost')."""


def classify_leg(method: str, url: str, req_params, resp_params, idp_error, followed: bool) -> str:
    """Name the part of the SAML flow an exchange plays, from what it carried."""
    if "SAMLResponse" in req_params:
        return "acs-post" if method == "POST" else "response-redirect"
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


_OKTA_HOST = re.compile(r"(^|\.)(okta|oktapreview|okta-emea|okta-gov)\.com$", re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]*>([^<]{1,300})</title>", re.IGNORECASE)
# Keycloak's login theme shows an error as a feedback text in an error alert (v1 'alert-error',
# keycloak.v2 PatternFly 'pf-m-danger') or, on its error page, as kc-error-message.
_KC_FEEDBACK = re.compile(r"class=\"[^\"]*\bkc-feedback-text\b[^\"]*\"[^>]*>\s*([^<]{1,300}?)\s*<")
_KC_ERROR_PAGE = re.compile(r"id=\"kc-error-message\"[^>]*>(?:\s*<p[^>]*>)?\s*([^<]{1,300}?)\s*<")
_KC_ERROR_ALERT = re.compile(r"\b(?:alert-error|pf-m-danger)\b")
_ADFS_MESSAGE = re.compile(r"id=\"errorMessage\"[^>]*>\s*([^<]{1,300}?)\s*<")


def find_idp_error(text: str | None, url: str, status: int = 0) -> IdpError | None:
    """An Entra AADSTS error, an Okta, Keycloak, AD FS, Auth0 or Google error page in a response body
    (`status`: the HTTP status it came with), or Auth0's error page by its URL; None otherwise."""
    auth0 = _auth0_error(url)
    if auth0 is not None or not text:
        return auth0
    m = AADSTS.search(text)
    if m:
        req, corr = REQ_ID.search(text), CORR_ID.search(text)
        return IdpError("entra", "AADSTS" + m.group(1), (m.group(2) or "").strip() or None,
                        req.group(1) if req else None, corr.group(1) if corr else None)
    host = urlsplit(url).hostname or ""
    if _OKTA_HOST.search(host):
        code, phrase = OKTA_CODE.search(text), OKTA_TEXT.search(text)
        if code or phrase:
            title = _TITLE.search(text)
            msg = phrase.group(1) if phrase else (title.group(1) if title else None)
            return IdpError("okta", code.group(1) if code else None, msg and msg.strip())
    if "kc-" in text:
        m = _KC_ERROR_PAGE.search(text)
        if m is None and _KC_ERROR_ALERT.search(text):
            m = _KC_FEEDBACK.search(text)
        if m:
            return IdpError("keycloak", None, html.unescape(m.group(1)).strip())
    if "/adfs/" in urlsplit(url).path.lower() + "/":
        activity = ADFS_ACTIVITY.search(text)
        if activity:
            msis, msg = ADFS_MSIS.search(text), _ADFS_MESSAGE.search(text)
            return IdpError("adfs", msis.group(1) if msis else None,
                            html.unescape((msis.group(0) if msis else msg.group(1) if msg else
                                           "AD FS error page")).strip(), None, activity.group(1))
    if _AUTH0_PAGE_PATH.search(urlsplit(url).path):
        return _auth0_page(text, url, status)
    if status >= 400 and _GOOGLE_HOST.search(host):
        return _google_page(text)
    page = read_page(text, PAGE_ONLY_IDPS)
    return IdpError(page.product, page.raw_code, page.text, page.request_id, page.correlation_id) if page is not None else None


PAGE_ONLY_IDPS = ("shibboleth", "simplesamlphp")
"""IdPs known in a capture by their error page's layout alone (errorpages.read_page): no host or
URL of theirs is fixed, and their pages carry no code of their own."""


_GOOGLE_HOST = re.compile(r"(^|\.)google\.com$", re.IGNORECASE)
_GOOGLE_SENTENCE = re.compile(r"\s*(?:<[^>]{0,80}>\s*)*([^<]{1,300}?)\s*<")


def _google_page(text: str) -> IdpError | None:
    """Google's error page: the error's name ('app_not_configured_for_user') and the sentence after
    it ('Service is not configured for this user.'); None for any other page of an error status."""
    m = GOOGLE_ERROR.search(text)
    if m is None:
        return None
    after = _GOOGLE_SENTENCE.match(text, m.end())
    said = html.unescape(after.group(1)).strip() if after else None
    return IdpError("google", m.group(1), f"{m.group(1)}: {said}" if said else m.group(1))


_AUTH0_HOST = re.compile(r"(^|\.)auth0\.com$", re.IGNORECASE)


def _auth0_error(url: str) -> IdpError | None:
    """Auth0's generic error page carries the error in its URL: error, error_description and
    tracking (Auth0 docs, 'Error Pages'); a custom domain is known by the tracking parameter."""
    if "error" not in url:
        return None
    from urllib.parse import parse_qs

    parts = urlsplit(url)
    q = parse_qs(parts.query)
    if not q.get("error") or not (_AUTH0_HOST.search(parts.hostname or "") or q.get("tracking")):
        return None
    description = (q.get("error_description") or [None])[0]
    return IdpError("auth0", q["error"][0], description and description.strip(),
                    (q.get("tracking") or [None])[0])


# Auth0's error page at the URL that failed: its texts (errorpages, where a pasted or saved page
# is read too)
_AUTH0_PAGE_PATH = re.compile(r"^/(?:samlp/[^/]+(?:/[^/]*)?|login/callback)/?$", re.IGNORECASE)


def _auth0_page(text: str, url: str, status: int) -> IdpError | None:
    """Auth0's error page at /samlp/<client_id> or /login/callback: known by its own text, or on
    an auth0.com host by an error status and an error the page states; None for any other page
    there (the login form, the auto-post form of a response)."""
    parts = urlsplit(url)
    auth0_host = bool(_AUTH0_HOST.search(parts.hostname or ""))
    # the generic heading is Auth0's only with something of Auth0 beside it (its host, its /samlp/
    # path, its sentence, a tracking ID): /login/callback is also any SP's ACS (passport-saml's
    # example), whose own error page may say 'Oops! Something went wrong'
    generic = bool(_AUTH0_PAGE_TEXT.search(text)) and (
        auth0_host or parts.path.lower().startswith("/samlp/") or bool(_AUTH0_SENTENCE.search(text))
        or _tracking_id(TAG.sub(" ", text)) is not None)
    if not generic and not (status >= 400 and auth0_host):
        return None
    code = said = tracking = None
    body = text.strip()
    if body.startswith("{"):
        code, said = _auth0_json(body)
    else:
        link = _AUTH0_LINK.search(text)
        if link is not None:  # "See details for this error": the generic page's own parameters
            from urllib.parse import parse_qs

            q = parse_qs(html.unescape(link.group(1)))
            code = (q.get("error") or [None])[0]
            tracking = (q.get("tracking") or [None])[0]
            description = (q.get("error_description") or [None])[0]
            said = f"{code}: {description}" if code and description else None
        lines = [ln for ln in (" ".join(html.unescape(p).split()) for p in TAG.split(without_blocks(text))) if ln]
        m = next((m for m in map(_AUTH0_LINE.match, lines) if m), None) if code is None else None
        if m:
            code, said = m.group(1), m.string[m.start(1):] if m.group(2) else None
        elif code is None and generic:  # the description alone, in the lines after the heading
            after = next((i for i, ln in enumerate(lines) if _AUTH0_PAGE_TEXT.search(ln)), len(lines))
            said = next((ln for ln in lines[after + 1:after + 8] if len(ln) >= 12
                         and not _AUTH0_BOILERPLATE.search(ln)), None)
        tracking = tracking or _tracking_id("\n".join(lines))
    if code is None and not generic:
        return None
    return IdpError("auth0", code, said.strip()[:400] if said else None, tracking)


def _auth0_json(body: str) -> tuple[str | None, str | None]:
    """(error, 'error: description') of the JSON answers quoted by Auth0's SAML error docs."""
    import json

    try:
        doc = json.loads(body[:1 << 16])
    except (ValueError, RecursionError):  # RecursionError: a body nested past the parser's limit
        return None, None
    if not isinstance(doc, dict):
        return None, None
    if isinstance(doc.get("error"), str):
        code, description = doc["error"], doc.get("error_description")
    elif len(doc) == 1 and re.fullmatch(_AUTH0_CODE, next(iter(doc))):
        ((code, description),) = doc.items()
    else:
        return None, None
    return code, f"{code}: {description}" if isinstance(description, str) and description else None


_VALIDATION_ERR = re.compile(r"(Mapping not found for the property [^<\n]{1,300}|"
                             r"Mapping found for the property [^<\n]{1,300}is empty[^<\n]{0,100}|"
                             r"[\w.:/-]{1,200} is missing\b[^<\n]{0,100})")


def validation_errors(text: str | None) -> tuple[str, ...]:
    """Error lines of SonarQube's /saml/validation page (docs/logformats.md 1.5)."""
    if not text:
        return ()
    return tuple(dict.fromkeys(m.group(1).strip() for m in _VALIDATION_ERR.finditer(text)))


# SonarQube's refusal page (sonar-web apps/sessions/components/Unauthorized.tsx): <p id="unauthorized">
# 'unauthorized.message' ("You're not authorized to access this page. Please contact the
# administrator.") and, when SonarQube gave one, 'unauthorized.reason' ("Reason:") and the reason;
# other SPs write the same sentence on theirs.
_REFUSED = re.compile(r"\bid=[\"']unauthorized[\"']|\bnot authori[sz]ed to access this (?:page|application)",
                      re.IGNORECASE)
_REASON = re.compile(r"\bReason\s*:\s*(?:<[^>]{0,80}>\s*)*([^<]{1,300}?)\s*<", re.IGNORECASE)
_SUBMITS = re.compile(r"\.submit\s*\(\s*\)")
_PASSWORD = re.compile(r"<input\b[^>]*\btype\s*=\s*[\"']?password\b", re.IGNORECASE)
_ERROR_TITLE = re.compile(r"\b(?:error|fail(?:ed|ure)|denied|forbidden|unauthori[sz]ed)\b", re.IGNORECASE)


def answer_page(text: str | None) -> Page | None:
    """What a response's page says about a login: a refusal (with its reason), a form it submits by
    itself (an auto-post: the login goes on elsewhere), a login form, an error page (by its title) or
    a plain page; None without a page text."""
    if not text or not text.strip():
        return None
    shown = without_blocks(text)
    if _REFUSED.search(shown):
        reason = _REASON.search(shown)
        return Page("refused", html.unescape(reason.group(1)).strip() if reason else None)
    if "<form" in text.lower() and _SUBMITS.search(text):
        return Page("auto-post")
    if _PASSWORD.search(shown):
        return Page("login")
    title = _TITLE.search(shown)
    if title and _ERROR_TITLE.search(title.group(1)):
        return Page("error", html.unescape(title.group(1)).strip())
    return Page("page")


# --- message identifiers -----------------------------------------------------------------------

def _root(raw: RawMessage):
    try:
        from samlscan.decode import decode_raw

        return decode_raw(raw)
    except Exception:  # undecodable evidence is reported by the decoder; here it just won't pair
        return None


def message_ids(raw: RawMessage) -> tuple[str | None, str | None, str | None]:
    """(element local name, ID, InResponseTo) of a raw message; Nones when it does not decode."""
    root = _root(raw)
    if root is None:
        return None, None, None
    tag = root.tag if isinstance(root.tag, str) else ""
    return tag.rsplit("}", 1)[-1], root.get("ID"), root.get("InResponseTo")


def _entry_of(msg: RawMessage) -> int | None:
    # 'item'/'message'/'session': a Burp export's, a pasted conversation's or a Fiddler archive's
    # entries (inputs/httpraw.py)
    m = re.match(r"(?:entry|request|item|message|session) (\d+)", msg.source.ref or "")
    return int(m.group(1)) if m else None


# --- flows -------------------------------------------------------------------------------------

def _digest_key(msg: RawMessage) -> str:
    from samlscan.inputs.har import digest

    return msg.param + ":" + digest(msg.value)


def _pair(responses, requests, order: dict[int, int]) -> dict[int, int]:
    """Response position -> request position: InResponseTo first, then RelayState, the last request
    so named that is not later than the response. `order`: entry number -> position in the
    capture's time order (a request is answered after it)."""
    def when(msg: RawMessage) -> int:
        entry = _entry_of(msg)
        return order.get(entry, entry or 0)

    by_id = _Latest((ids[1], when(q)) for q, ids in requests)
    by_rs = _Latest((q.relay_state, when(q)) for q, _ in requests)
    pairs: dict[int, int] = {}
    for ri, (resp, (_, _, irt)) in enumerate(responses):
        at = when(resp)
        qi = (by_id.last(irt, at) if irt else None)
        qi = qi if qi is not None else (by_rs.last(resp.relay_state, at) if resp.relay_state else None)
        if qi is not None:
            pairs[ri] = qi
    return pairs


class _Latest:
    """Positions of values in a list, each with its time: the last position of a value not later
    than a time, in log time (each response compared with every request made a capture of 2,000
    logins take 20 s)."""

    def __init__(self, items):
        groups: dict = {}
        for i, (value, at) in enumerate(items):
            if value is not None:
                groups.setdefault(value, []).append((at, i))
        self._times, self._last = {}, {}
        for value, group in groups.items():
            group.sort()
            self._times[value] = [at for at, _ in group]
            self._last[value] = list(itertools.accumulate((i for _, i in group), max))

    def last(self, value, at: int) -> int | None:
        n = bisect_right(self._times.get(value, ()), at)
        return self._last[value][n - 1] if n else None


def _chain(exchanges: list[Exchange], start: int) -> list[int]:
    """The positions of the exchange at `start` and of the SP result redirects that follow it (with
    the browser's re-POST of the body to the page a 307/308 names)."""
    out = [start]
    for i in range(start + 1, len(exchanges)):
        ex = exchanges[i]
        if ex.leg == "sp-result" or _reposts(exchanges[out[-1]], ex):
            out.append(i)
        elif ex.leg != "other":
            break
    return out


def _reposts(before: Exchange, ex: Exchange) -> bool:
    """`ex` is the browser's own POST of `before`'s body to the page its 307/308 named."""
    page = reposted_to(before.method, before.url, before.status, before.location)
    return page is not None and ex.method == "POST" and same_url(ex.url, page)


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


def same_url(a: str, b: str) -> bool:
    """The same URL as a browser asks for it: scheme and host in any case, a scheme's default port
    and a fragment aside, an empty path '/', path and query percent-decoded (a browser encodes
    what a Location left raw: a space in return_to)."""
    def key(url: str) -> tuple:
        u = urlsplit(url)
        return u.scheme.lower(), host_port(u), unquote(u.path) or "/", unquote(u.query)
    return key(a) == key(b)


def _elsewhere(a: str, b: str) -> bool:
    """Another host or path (a query, a trailing slash and a scheme's default port aside: the
    browser drops ':443' that a Destination may spell out)."""
    def place(url: str) -> tuple:
        u = urlsplit(url)
        return host_port(u), u.path.rstrip("/")
    return place(a) != place(b)


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
    if "/sessions/" in target:  # /sessions/new, /sessions/logout (a context path may come first)
        return "unknown", f"redirected to {target}: the SP asks to log in again, without a reason in the capture", False
    if to.netloc and to.netloc.lower() != here.netloc.lower():
        return "unknown", f"redirected to another host ({to.netloc}{target}): the outcome is not in the capture", False
    return "success", f"redirected to {target}", False


def build_flows(capture: "Capture") -> tuple[Flow, ...]:
    """Rebuild every login try of a capture, in time order."""
    exchanges = list(capture.exchanges)
    by_entry = {ex.entry: i for i, ex in enumerate(exchanges)}
    decoded = [(m, message_ids(m)) for m in capture.messages]
    requests = [(m, ids) for m, ids in decoded
                if m.param == "SAMLRequest" and ids[0] in ("AuthnRequest", None)]
    responses = [(m, ids) for m, ids in decoded
                 if m.param == "SAMLResponse" and ids[0] in ("Response", None)]
    pairs = _pair(responses, requests, by_entry)
    kinds = {_digest_key(m): ids[0] for m, ids in decoded if m.param == "SAMLRequest" and ids[0]}
    flows: list[Flow] = []
    used_ex: set[int] = set()
    carried = _Carried(exchanges)
    for ri, (resp, ids) in enumerate(responses):
        req = requests[pairs[ri]] if ri in pairs else None
        key = _digest_key(resp)
        acs_i = by_entry.get(_entry_of(resp))
        if acs_i is not None and exchanges[acs_i].leg not in ("acs-post", "response-redirect"):
            acs_i = None
        mine = _request_exchanges(exchanges, req[0], by_entry, carried) if req else []
        mine += carried.of(key, ("idp-page",), len(exchanges) if acs_i is None else acs_i)[-1:]
        test = (resp.relay_state or "").startswith("validation-query/")
        err = None
        if acs_i is None:
            outcome, reason = "unknown", "the response was not posted to the SP in the capture"
        else:
            at = _chain(exchanges, acs_i)
            chain = [exchanges[i] for i in at]
            then = next((exchanges[i] for i in range(at[-1] + 1, len(exchanges)) if exchanges[i].leg != "other"), None)
            mine += at + _replayed(exchanges, acs_i, key)
            root = _root(resp) if chain[0].folded else None
            outcome, reason, test = _sp_outcome(chain, test, root.get("Destination") if root is not None else None,
                                                then, kinds)
            err = chain[0].idp_error  # the receiver is an IdP broker (Auth0 at /login/callback) that
            if err is not None:       # refused the upstream IdP's response on its error page
                outcome, reason = "failure", err.said
        used_ex.update(mine)
        flows.append(_flow(req[0] if req else None, resp, outcome, reason, err, exchanges, mine,
                           req[1][1] if req else None, ids[2], test))
    paired = set(pairs.values())
    for qi, (req, ids) in enumerate(requests):
        if qi in paired:
            continue
        mine = _request_exchanges(exchanges, req, by_entry, carried)
        err_i = _idp_error_after(exchanges, mine)
        if err_i is not None:
            mine.append(err_i)
            err = exchanges[err_i].idp_error
            outcome, reason = "failure", err.said
            ask = None
        else:
            err, outcome = None, "unknown"
            reason, ask = unanswered(exchanges, mine)
        used_ex.update(mine)
        flows.append(_flow(req, None, outcome, reason, err, exchanges, mine, ids[1], None, False, ask))
    for i, ex in enumerate(exchanges):  # IdP errors with no request in the capture
        if ex.leg == "idp-error" and i not in used_ex:
            err = ex.idp_error
            flows.append(_flow(None, None, "failure", err.said, err, exchanges, [i], None, None, False))
    for i, ex in enumerate(exchanges):  # the SP refused to start a login (wrong login URL or key)
        if i not in used_ex and ex.status >= 400 and "/sessions/init/" in urlsplit(ex.url).path:
            flows.append(_flow(None, None, "failure", f"HTTP {ex.status} at {ex.url} before any "
                               "AuthnRequest was sent", None, exchanges, [i], None, None, False))
    flows.sort(key=lambda f: by_entry.get(f.exchanges[0].entry, 1 << 30) if f.exchanges else 1 << 30)
    where = next((m.source for m in capture.messages), None)
    return tuple(replace(f, capture=Source(where.input, "")) for f in flows) if where else tuple(flows)


def _replayed(exchanges: list[Exchange], acs_i: int, key: str) -> list[int]:
    """The POSTs of the same response just before the ACS exchange that a 307/308 sent on to it
    (the browser's repeat of the body is the message's send; inputs/har.resends_body)."""
    out = []
    for i in range(acs_i - 1, -1, -1):
        ex = exchanges[i]
        if ex.leg == "other":
            continue
        if key not in ex.saml or ex.leg != "acs-post" or ex.status not in REPLAY_STATUSES:
            break
        out.append(i)
    return out


class _Carried:
    """The positions of the exchanges that carried each SAML value, by value (each flow searched
    every exchange: quadratic in a capture's logins)."""

    def __init__(self, exchanges: list[Exchange]):
        self._at: dict[str, list[int]] = {}
        for i, ex in enumerate(exchanges):
            for key in dict.fromkeys(ex.saml):
                self._at.setdefault(key, []).append(i)
        self._legs = [ex.leg for ex in exchanges]

    def of(self, key: str, legs: tuple[str, ...], before: int) -> list[int]:
        """Positions below `before` of the exchanges of these legs that carried `key`, in order."""
        at = self._at.get(key, [])
        return [i for i in at[:bisect_left(at, before)] if self._legs[i] in legs]


def _request_exchanges(exchanges: list[Exchange], req: RawMessage, order: dict[int, int],
                       carried: _Carried) -> list[int]:
    """The exchange that carried the request and the SP redirect just before it (a value
    re-sent in a later attempt belongs to that attempt)."""
    key, entry = _digest_key(req), _entry_of(req)
    at = order.get(entry, len(exchanges)) if entry is not None else None
    hits = carried.of(key, ("sp-init", "authn-request", "idp-error"), len(exchanges) if at is None else at + 1)
    own = [i for i in hits if exchanges[i].entry == entry]
    before = [i for i in hits if exchanges[i].entry != entry]
    return before[-1:] + own if own else hits[-1:]


NO_RESPONSE = "no SAML response in the capture"


def unanswered(exchanges: list[Exchange], mine: list[int]) -> tuple[str, str | None]:
    """(reason, what to ask the user for) of a request no response and no readable error page
    answered: where the flow stopped (the IdP's answer to the request: its status, its page when
    the capture keeps it), what came after it, and the page to ask for, as the IdP writes it."""
    sent = [i for i in mine if exchanges[i].leg == "authn-request"]
    if not sent:
        to = next((exchanges[i].location for i in mine if exchanges[i].location), None)
        where = urlsplit(to).netloc if to else "the IdP"
        return (f"{NO_RESPONSE}: the SP sent the browser to {where}, but the browser's request there is not "
                "in the capture", None)
    ex = exchanges[sent[-1]]
    said = f"{NO_RESPONSE}: the IdP's SSO URL ({urlsplit(ex.url).netloc}, {ex.ref}) " + _idp_answer(ex)
    return said + _after(exchanges, sent[-1]), ask_for(idp_at(ex.url))


def _idp_answer(ex: Exchange) -> str:
    """What the IdP answered the AuthnRequest with (no SAML response, no error page samlscan reads)."""
    if not ex.status:
        return "got no answer in the capture (blocked, cancelled, or still loading when it was saved)"
    if 300 <= ex.status < 400 and ex.location:
        parts = urlsplit(ex.location)
        return f"redirected to {parts.netloc}{parts.path} (its sign-in or error page) and the login stopped there"
    head = f"answered HTTP {ex.status}"
    if ex.page is None:  # the exchange keeps no body: what the page said is not known
        likely = "an error page" if ex.status >= 400 else "likely an error page"
        return f"{head} with a page ({likely}) that the capture does not keep: {_no_body(ex)}"
    if ex.page.kind == "login":
        return f"{head} with its sign-in form: the user did not finish signing in (or the capture was stopped first)"
    if ex.page.kind == "auto-post":
        return f"{head} with a form its page submits by itself; where it went is not in the capture"
    if ex.page.kind == "error":
        return f"{head} with a page titled {ex.page.said!r}: an error page samlscan cannot read"
    return f"{head} with a page samlscan does not know as an error page"


def _no_body(ex: Exchange) -> str:
    """Why the capture has no page for `ex`, by the kind of capture (Exchange.word)."""
    if ex.word == "request":  # SAML-tracer records headers and SAML values, never a body (SAMLTrace.js)
        return "SAML-tracer exports keep no page"
    if ex.client and "WebKit" in ex.client:
        return f"Safari's Web Inspector kept no body for {ex.ref}"
    return f"{ex.ref} holds no response body (a HAR saved without content keeps none)"


def _after(exchanges: list[Exchange], at: int) -> str:
    """What the capture holds after the IdP's answer: nothing of SAML, or the next login."""
    then = next((ex for ex in exchanges[at + 1:] if ex.leg != "other"), None)
    if then is None:
        return "; nothing of the login followed in the capture"
    if then.leg in ("sp-init", "authn-request"):
        return f"; the next SAML exchange starts a new login ({then.ref}): the user tried again"
    return ""


_ENTRA_HOST = re.compile(r"^login\.(?:microsoftonline\.(?:com|us)|partner\.microsoftonline\.cn|chinacloudapi\.cn|"
                         r"windows\.net)$", re.IGNORECASE)


def idp_at(url: str) -> str | None:
    """The IdP product an SSO URL belongs to, by its host or its endpoint path; None when unknown
    (a custom domain of Okta or Auth0, another product)."""
    from samlscan.checks.request import issuer_lookup_idp

    host = urlsplit(url).hostname or ""
    hosts = (("entra", _ENTRA_HOST), ("okta", _OKTA_HOST), ("auth0", _AUTH0_HOST), ("google", _GOOGLE_HOST))
    return next((name for name, form in hosts if form.search(host)), None) or issuer_lookup_idp(url)


def _idp_error_after(exchanges: list[Exchange], mine: list[int]) -> int | None:
    """The first IdP error page after a request's exchanges, before the next login starts."""
    if not mine:
        return None
    own = [i for i in mine if exchanges[i].leg == "idp-error"]
    if own:
        return own[0]
    for i in range(max(mine) + 1, len(exchanges)):
        leg = exchanges[i].leg
        if leg == "idp-error":
            return i
        if leg in ("sp-init", "authn-request", "acs-post"):
            return None
    return None


def _flow(req, resp, outcome, reason, err, exchanges, idx, req_id, irt, test, ask=None) -> Flow:
    at = tuple(sorted(set(idx)))
    mine = tuple(exchanges[i] for i in at)
    times = [ex.time for ex in mine if ex.time] + [m.captured_at for m in (req, resp)
                                                   if m is not None and m.captured_at]
    relay = (resp.relay_state if resp is not None else None) or (req.relay_state if req else None)
    return Flow(req, resp, relay, outcome, reason, err, mine, min(times) if times else None,
                req_id, irt, test, ask, at=at)
