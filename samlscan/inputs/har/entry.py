"""One HAR entry read: its SAML values, its Exchange, bodies left out, 307/308 re-sends."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from urllib.parse import urljoin, urlsplit

from samlscan.autherror import auth_error_text
from samlscan.flows import (REFUSAL_PAGE, Exchange, answer_page, classify_leg, find_idp_error, refusal,
                            reposted_to, same_endpoint, sends_on, validation_result)
from samlscan.inputs.base import InputProblem
from samlscan.inputs.har.bodies import body_text
from samlscan.inputs.har.capture import _Found
from samlscan.inputs.har.clock import date_sample
from samlscan.inputs.har.headers import (_headers, _header, _set_cookies, _cookie_names, _sent_cookie,
                                         _set_cookie_names, _same_site, _cookie_value, _status, answering_proxy)
from samlscan.inputs.har.messages import query_messages, post_messages, body_messages
from samlscan.inputs.har.values import parse_time, digest
from samlscan.inputs.serverclock import DateSample
from samlscan.model import Source


_SAMLISH_URL = re.compile(r"saml|/acs\b|/sso\b|callback", re.IGNORECASE)


def _unrecorded_body(post, url: str, src: Source, at, found: _Found, forms: dict, safari: bool = False) -> None:
    """A POST whose body the capture does not hold (Firefox and Playwright leave it out when
    bodies are not saved, HAR 'postData' is optional; Safari whenever WebKit kept no request data,
    codes._SAFARI_BODY): said so, and when an earlier page's auto-submit form targeted this URL,
    its SAML values are read as what this POST sent (an info, whatever the browser: nothing is lost)."""
    said = post.get("comment") if isinstance(post, dict) and isinstance(post.get("comment"), str) else None
    why = f"the request body is not in the capture{f' ({said!r})' if said else ''}"
    if safari:
        why = "Safari's Web Inspector left the request body out of its HAR export"
    sent = forms.pop(url, None)  # one form, one send: a later bodiless POST re-sends nothing
    action = _latest_form(forms, at) if not sent and safari else None
    if action is not None:  # the entry's URL is where the POST's redirects ended (Exchange.folded)
        sent = forms.pop(action)
        why += (f", and Safari writes a redirected request under the URL its redirects ended at "
                f"(WebKit Resource.updateForRedirectResponse), not {action}")
    if not sent:
        if _SAMLISH_URL.search(urlsplit(url).path):
            found.problems.append(InputProblem(src, "input-body-not-exported" if safari else "input-redacted",
                                               f"POST {url}: {why}, so what the browser sent there cannot "
                                               "be read from it"))
        return
    names = " and ".join(dict.fromkeys(m.param for m in sent))
    whose = ("the latest page's auto-submit form posted" if action else
             "an earlier page's auto-submit form posts to this URL")
    found.problems.append(InputProblem(src, "input-body-from-page",  # (nothing lost: any browser)
                                       f"POST {url}: {why}; the {names} that {whose} is read as what it sent"))
    for m in sent:  # (sent to the form's action: a folded entry's URL is the redirects' end)
        found.req_params.add(m.param)
        found.msgs.append((m.param + ":" + digest(m.value),
                           replace(m, source=src, captured_at=at, url=action or url), False))


FORM_WINDOW = timedelta(minutes=2)
"""An auto-submit form posts as its page loads (a noscript page's button, when the user clicks it):
a bodiless POST later than this after the page is not taken as that form's send."""


def _latest_form(forms: dict, at: datetime | None) -> str | None:
    """The action of the latest auto-submit form not yet sent (`forms` is kept in the order the
    pages came), when its page came at most FORM_WINDOW before `at` (unknown times aside)."""
    action = next(reversed(forms), None)
    if action is None:
        return None
    shown = forms[action][0].captured_at
    return action if at is None or shown is None or timedelta(0) <= at - shown <= FORM_WINDOW else None


def resends_body(method: str, url: str, status: int, location: str | None) -> bool:
    """The POST sent again to its own endpoint (http to https, a trailing slash, another host
    name: flows.same_endpoint): a SAML value it carried is one message, sent by the repeat."""
    return sends_on(method, status, location) and same_endpoint(url, location)


def note_sent_on(found: _Found, method: str, url: str, status: int, location: str | None) -> None:
    """Where a 307/308 sends the POST's body on: its own endpoint (the repeat is the send) or
    another page (flows.reposted_to: the browser's re-POST there is no send)."""
    found.resent = resends_body(method, url, status, location)
    found.reposted_to = reposted_to(method, url, status, location)


def redirect_target(rh: list[tuple[str, str]], resp: dict, status: int) -> str | None:
    """The Location the browser was sent on, or None. A 2xx other than 201 is a final answer: no
    browser follows a Location on it (RFC 9110 10.2.2), and one there is another hop's, moved by
    the HAR writer (sitespeed.io's chrome-har puts a redirect's raw headers on the next hop)."""
    if 200 <= status < 300 and status != 201:
        return None
    return _header(rh, "Location") or resp.get("redirectURL") or None


def read_entry(entry: dict, index: int, path: str, follow: dict[str, datetime | None],
               forms: dict | None = None, client: str | None = None
               ) -> tuple[_Found, Exchange | None, bool, DateSample | None]:
    """SAML values, the exchange (when SAML-relevant), whether cookies were present, and the
    response's Date against the request's start (date_sample).
    `follow`: the URLs of pages that belong to a flow (next_pages); `forms`: action URL -> the SAML
    values of the last auto-submit form posting there; `client`: the browser that wrote the
    capture (creator)."""
    found = _Found([], [], set(), set())
    req = entry.get("request") if isinstance(entry.get("request"), dict) else {}
    resp = entry.get("response") if isinstance(entry.get("response"), dict) else {}
    url = str(req.get("url") or "")
    method = str(req.get("method") or "").upper()
    at = parse_time(entry.get("startedDateTime"))
    src = Source(path, f"entry {index}")
    query_messages(url, src, at, found, qs=req.get("queryString"))
    has_body = post_messages(req, url, src, at, found, path)
    if method == "POST" and not has_body:
        _unrecorded_body(req.get("postData"), url, src, at, found, forms or {}, safari="_fetchType" in entry)
    rh, qh = _headers(resp), _headers(req)
    sample = date_sample(entry, index, rh, qh, at)
    status = _status(resp.get("status"))
    location = redirect_target(rh, resp, status)
    if location:
        location = urljoin(url, str(location))
        before = len(found.msgs)
        query_messages(location, Source(path, f"entry {index}/Location"), at, found, True)
        found.msgs[before:] = [(k, m, True) for k, m, _ in found.msgs[before:]]
    text = body_text(resp.get("content"), path)
    if text:
        body_messages(text, url, Source(path, f"entry {index}/body"), at, found)
    note_sent_on(found, method, url, status, location)
    idp_error = find_idp_error(text, url, status)
    set_cookies = _set_cookie_names(resp, rh, at)
    req_cookies = _cookie_names(req, qh)
    auth_err = _cookie_value(resp, rh, "AUTHENTICATION-ERROR")
    if auth_err is None and urlsplit(url).path.rstrip("/").endswith(REFUSAL_PAGE):
        # SonarQube's refusal page shows the reason its request sends back (the callback set it): the one
        # place it is when the callback itself is not in the capture (saved without 'Preserve log')
        auth_err = _sent_cookie(req, qh, "AUTHENTICATION-ERROR")
    auth_err = auth_error_text(auth_err) if auth_err is not None else None
    cookies_seen = bool(set_cookies or req_cookies)
    followed = url in follow and (follow[url] is None or at is None or at <= follow[url])
    relevant = bool(found.msgs or idp_error or auth_err) or followed or \
        bool(_SAMLISH_URL.search(urlsplit(url).path)) or bool(found.problems)
    if not relevant:
        return found, None, cookies_seen, sample
    carried = tuple(dict.fromkeys(k for k, _, _ in found.msgs))
    # Safari's Web Inspector marks its entries with `_fetchType` (WebKit HARBuilder.js, "CFNetwork
    # Custom Field") and writes a redirect chain as one entry (see Exchange.folded): a POST that
    # carried a response and ends in no redirect may have been redirected by the SP
    folded = "_fetchType" in entry and method == "POST" and "SAMLResponse" in found.req_params \
        and not 300 <= status < 400
    ex = Exchange(time=at, entry=index, method=method, url=url, status=status, location=location, folded=folded,
                  leg=classify_leg(method, url, found.req_params, found.resp_params, idp_error,
                                   followed),
                  set_cookies=set_cookies, samesite=_same_site(resp, rh, at), auth_error=auth_err,
                  idp_error=idp_error,
                  request_cookies=req_cookies, saml=carried, page=answer_page(text),
                  # (a HAR request without a cookies array or a Cookie header says nothing of them)
                  cookies_recorded=isinstance(req.get("cookies"), list) or any(n.lower() == "cookie" for n, _ in qh),
                  refused_cookies=tuple(r for r in (refusal(v, url, at) for v in _set_cookies(rh)) if r),
                  client=client, net_error=_net_error(resp, status), answered_by=answering_proxy(rh, text),
                  **_test_page(text, url))
    return found, ex, cookies_seen, sample


def _test_page(text: str | None, url: str) -> dict:
    """Exchange.page_errors and .page_passed of SonarQube's Test Configuration page (flows.validation_result)."""
    if "/saml/validation" not in url:
        return {}
    errors, passed = validation_result(text)
    return {"page_errors": errors, "page_passed": passed}


def _net_error(resp: dict, status: int) -> str | None:
    """Chrome's response._error of a request that got no answer (status 0): 'net::ERR_...'."""
    err = resp.get("_error")
    return err.strip() if status == 0 and isinstance(err, str) and err.strip() else None
