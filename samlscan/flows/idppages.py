"""IdP error pages in a capture (Entra, Okta, Keycloak, AD FS, Auth0, Google, page-only IdPs) and
the IdP of an SSO URL."""
from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from samlscan import lazyre
from samlscan.errorpages import (ADFS_ACTIVITY, ADFS_MSIS, AADSTS, CATALOG_PAGE_IDPS, CORR_ID, GOOGLE_ERROR,
                                 OKTA_CODE, OKTA_TEXT, REQ_ID, TAG, read_page, without_blocks)
from samlscan.errorpages import (AUTH0_BOILERPLATE as _AUTH0_BOILERPLATE, AUTH0_CODE as _AUTH0_CODE,
                                 AUTH0_LINE as _AUTH0_LINE, AUTH0_LINK as _AUTH0_LINK,
                                 AUTH0_PAGE_TEXT as _AUTH0_PAGE_TEXT, AUTH0_SENTENCE as _AUTH0_SENTENCE,
                                 tracking_id as _tracking_id)

if TYPE_CHECKING:  # (annotations: each page reader imports IdpError itself; idp_at, all that a check
    from samlscan.flows.exchange import IdpError  # of one XML asks for here, needs no page record)


_OKTA_HOST = lazyre.compile(r"(^|\.)(okta|oktapreview|okta-emea|okta-gov)\.com$", re.IGNORECASE)
_TITLE = lazyre.compile(r"<title[^>]*>([^<]{1,300})</title>", re.IGNORECASE)
# Keycloak's login theme shows an error as a feedback text in an error alert (v1 'alert-error',
# keycloak.v2 PatternFly 'pf-m-danger') or, on its error page, as kc-error-message.
_KC_FEEDBACK = lazyre.compile(r"class=\"[^\"]*\bkc-feedback-text\b[^\"]*\"[^>]*>\s*([^<]{1,300}?)\s*<")
_KC_ERROR_PAGE = lazyre.compile(r"id=\"kc-error-message\"[^>]*>(?:\s*<p[^>]*>)?\s*([^<]{1,300}?)\s*<")
_KC_ERROR_ALERT = lazyre.compile(r"\b(?:alert-error|pf-m-danger)\b")
_ADFS_MESSAGE = lazyre.compile(r"id=\"errorMessage\"[^>]*>\s*([^<]{1,300}?)\s*<")


def find_idp_error(text: str | None, url: str, status: int = 0) -> IdpError | None:
    """An Entra AADSTS error, an Okta, Keycloak, AD FS, Auth0 or Google error page in a response body
    (`status`: the HTTP status it came with), or Auth0's error page by its URL; None otherwise."""
    from samlscan.flows.exchange import IdpError

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
    # an IdP known by its SSO host (idp_at) whose page says one of its catalog texts: only there, as
    # 'You do not have access to this application' is any site's sentence
    at = idp_at(url)
    page = read_page(text, (at,) if at in CATALOG_PAGE_IDPS else PAGE_ONLY_IDPS)
    return IdpError(page.product, page.raw_code, page.text, page.request_id, page.correlation_id) if page is not None else None


PAGE_ONLY_IDPS = ("shibboleth", "simplesamlphp")
"""IdPs known in a capture by their error page's layout alone (errorpages.read_page): no host or
URL of theirs is fixed, and their pages carry no code of their own."""


_GOOGLE_HOST = lazyre.compile(r"(^|\.)google\.com$", re.IGNORECASE)
_GOOGLE_SENTENCE = lazyre.compile(r"\s*(?:<[^>]{0,80}>\s*)*([^<]{1,300}?)\s*<")


def _google_page(text: str) -> IdpError | None:
    """Google's error page: the error's name ('app_not_configured_for_user') and the sentence after
    it ('Service is not configured for this user.'); None for any other page of an error status."""
    from samlscan.flows.exchange import IdpError

    m = GOOGLE_ERROR.search(text)
    if m is None:
        return None
    after = _GOOGLE_SENTENCE.match(text, m.end())
    said = html.unescape(after.group(1)).strip() if after else None
    return IdpError("google", m.group(1), f"{m.group(1)}: {said}" if said else m.group(1))


_AUTH0_HOST = lazyre.compile(r"(^|\.)auth0\.com$", re.IGNORECASE)


def _auth0_error(url: str) -> IdpError | None:
    """Auth0's generic error page carries the error in its URL: error, error_description and
    tracking (Auth0 docs, 'Error Pages'); a custom domain is known by the tracking parameter."""
    from samlscan.flows.exchange import IdpError

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
_AUTH0_PAGE_PATH = lazyre.compile(r"^/(?:samlp/[^/]+(?:/[^/]*)?|login/callback)/?$", re.IGNORECASE)


def _auth0_page(text: str, url: str, status: int) -> IdpError | None:
    """Auth0's error page at /samlp/<client_id> or /login/callback: known by its own text, or on
    an auth0.com host by an error status and an error the page states; None for any other page
    there (the login form, the auto-post form of a response)."""
    from samlscan.flows.exchange import IdpError

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


_ENTRA_HOST = lazyre.compile(r"^login\.(?:microsoftonline\.(?:com|us)|partner\.microsoftonline\.cn|chinacloudapi\.cn|"
                         r"windows\.net)$", re.IGNORECASE)


_APP_SSO_HOSTS = (
    # OneLogin: https://<subdomain>.onelogin.com/trust/saml2/http-post/sso/<app id>, the app's SAML 2.0
    # Endpoint (HTTP) on its SSO tab
    ("onelogin", lazyre.compile(r"(^|\.)onelogin\.com$", re.IGNORECASE)),
    # Duo SSO: https://sso-<host id>.sso.duosecurity.com/saml2/sp/<integration key>/sso
    ("duo", lazyre.compile(r"^sso-[0-9a-z]+\.sso\.duosecurity\.com$", re.IGNORECASE)),
    # AWS IAM Identity Center: https://portal.sso.<region>.amazonaws.com/saml/assertion/<id>, its
    # IAM Identity Center sign-in URL
    ("aws-identity-center", lazyre.compile(r"^portal\.sso\.[a-z0-9-]+\.amazonaws\.com$", re.IGNORECASE)),
    # JumpCloud: https://sso.jumpcloud.com/saml2/<SSO IdP URL name>, the app's IdP URL (its Issuer is
    # whatever the admin typed as IdP Entity ID: only this URL tells JumpCloud)
    ("jumpcloud", lazyre.compile(r"^sso\.jumpcloud\.com$", re.IGNORECASE)),
)
"""Hosts of IdP products whose SSO URL is an application's own (not chosen by the request's Issuer)."""


def idp_at(url: str) -> str | None:
    """The IdP product an SSO URL belongs to, by its host or its endpoint path; None when unknown
    (a custom domain of Okta or Auth0, another product)."""
    from samlscan.checks.request import issuer_lookup_idp

    host = urlsplit(url).hostname or ""
    hosts = (("entra", _ENTRA_HOST), ("okta", _OKTA_HOST), ("auth0", _AUTH0_HOST), ("google", _GOOGLE_HOST),
             *_APP_SSO_HOSTS)
    return next((name for name, form in hosts if form.search(host)), None) or issuer_lookup_idp(url)

