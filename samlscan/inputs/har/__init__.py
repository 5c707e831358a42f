"""HAR 1.2 captures: every SAMLRequest/SAMLResponse, in capture order, in bounded memory.

Where SAML sits in a HAR (docs/logformats.md section 4): request query strings (redirect binding),
postData text/params (POST binding), Location headers of SP redirects, and auto-submit forms in
response bodies. Chrome writes queryString/params values still percent-encoded (devtools-frontend
NetworkRequest.parseParameters does not decode) while Firefox decodes them, so values are always
re-derived from the raw URL and from postData.text; params are only a fallback.

The file is streamed (see `iter_array`): only one entry is held at a time and any string longer
than MAX_STRING (a JS bundle, a video) is dropped while scanning, so a 300 MB HAR costs a few MB.
"""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from urllib.parse import urljoin, urlsplit

from samlscan.config import SONAR_ACS_PATH, on_sonarqube_acs_path
from samlscan.flows import (LOOP_WINDOW, Exchange, answer_page, classify_leg, find_idp_error, refusal,
                            reposted_to, same_endpoint, sends_on, validation_errors)
from samlscan.inputs.base import InputProblem, RawMessage
from samlscan.inputs.har.bodies import _side_bytes, _decoded, body_text
from samlscan.inputs.har.capture import Capture, _Found, Collector
from samlscan.inputs.har.clock import date_sample, on_server_time
from samlscan.inputs.har.forms import (_PCT, form_value, split_query, signed_query, json_fields,
                                       multipart_fields)
from samlscan.inputs.har.headers import (_headers, _header, _set_cookies, _cookie_names, _set_cookie_names,
                                         _same_site, _cookie_value, _status)
from samlscan.inputs.har.stream import DROPPED, ArrayStream, json_items, stream_problems
from samlscan.inputs.har.values import parse_time, is_redacted, digest
from samlscan.inputs.har.writer import creator
from samlscan.inputs.htmlform import SAML_FIELDS, find_saml_forms
from samlscan.inputs.serverclock import DateSample
from samlscan.model import Source

from urllib.parse import unquote_plus  # (read as har.unquote_plus by tests)

from samlscan.inputs.har.stream import MAX_STRING, CHUNK
from samlscan.inputs.har.writer import sniff, HEAD_OBJECT, head_objects
from samlscan.inputs.har.forms import MAX_JSON_BODY
from samlscan.inputs.har.bodies import ARCHIVED


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _query_from_params(qs) -> str:
    """A query string rebuilt from a HAR `queryString` list, for producers that write the URL
    without its query (HAR 1.2 says the URL is absolute, yet generated/edited HARs such as
    grafana/har-to-k6 inputs keep the parameters only in the list). Values already percent-
    encoded (Chrome) are kept; decoded ones (Firefox, Playwright) are encoded again."""
    from urllib.parse import quote

    parts = []
    for p in qs if isinstance(qs, list) else []:
        if isinstance(p, dict) and isinstance(p.get("name"), str) and isinstance(p.get("value"), str):
            v = p["value"]
            parts.append(f"{quote(p['name'], safe='')}={v if _PCT.search(v) else quote(v, safe='')}")
    return "&".join(parts)


def query_messages(url: str, src: Source, at: datetime | None, found: _Found,
                   response: bool = False, qs=None) -> None:
    """Redirect-binding values in a URL's query string (SAML bindings 3.4.4); `qs` is the HAR
    queryString list, read only when the URL carries no query."""
    query = urlsplit(url).query if "?" in url else ""
    if not query and qs:
        query = _query_from_params(qs)
    if "SAMLart=" in query and not response:
        found.problems.append(_artifact(src, url))
    if not any(p in query for p in SAML_FIELDS):
        return
    pairs = split_query(query)
    dec = {n: d for n, _, d in reversed(pairs)}
    for param in SAML_FIELDS:
        if param not in dec:
            continue
        (found.resp_params if response else found.req_params).add(param)
        value = dec[param]
        if is_redacted(value):
            found.problems.append(InputProblem(src, "input-redacted",
                                               f"{param} in the URL was replaced by {value!r}"))
            continue
        found.msgs.append((param + ":" + digest(value), RawMessage(
            source=src, param=param, value=value, binding="redirect",
            relay_state=dec.get("RelayState"), captured_at=at,
            signed_query=signed_query(pairs, param), sig_alg=dec.get("SigAlg"),
            signature=dec.get("Signature"), url=url), False))


def post_messages(request: dict, url: str, src: Source, at, found: _Found, har_path: str | None = None) -> bool:
    """POST-binding values in postData (text re-parsed, or read from its side file `_file` with
    `har_path`; params as fallback). True if a body."""
    post = request.get("postData")
    if not isinstance(post, dict):
        return False
    text = post.get("text")
    if not text and har_path is not None and "_file" in post:
        data = _side_bytes(post.get("_file"), har_path)
        text = text if data is None else _decoded(data, post)
    values: list[tuple[str, str]] = []
    if isinstance(text, str) and text == DROPPED:
        found.problems.append(InputProblem(src, "input-too-large", "request body over 4 MiB skipped"))
        return True
    if isinstance(text, str) and text.strip():
        if text.lstrip().startswith("--"):  # multipart/form-data: Chrome writes no params for it
            values = multipart_fields(text, str(post.get("mimeType") or ""))
        elif text.lstrip().startswith("{"):  # fetch/XHR with a JSON body (Kibana's SAML callback)
            values = json_fields(text)
        elif "=" in text and not text.lstrip().startswith(("{", "<")):
            values = [(n, form_value(r)) for n, r, _ in split_query(text.strip())]
    for p in post.get("params") or []:
        if isinstance(p, dict) and isinstance(p.get("value"), str):
            values.append((str(p.get("name")), form_value(p["value"])))
    has_body = bool(values) or (isinstance(text, str) and bool(text.strip()))
    if any(n == "SAMLart" for n, _ in values):
        found.problems.append(_artifact(src, url))
    relay = next((v for n, v in values if n == "RelayState"), None)
    seen = set()
    for name, value in values:
        if name not in SAML_FIELDS or (name, value) in seen:
            continue  # the same value seen in text and params is one message
        seen.add((name, value))
        found.req_params.add(name)
        if is_redacted(value):
            found.problems.append(InputProblem(src, "input-redacted",
                                               f"{name} in the POST body was replaced by {value!r}"))
            continue
        found.msgs.append((name + ":" + digest(value), RawMessage(
            source=src, param=name, value=value, binding="post", relay_state=relay,
            captured_at=at, url=url), False))
    return has_body


def _artifact(src: Source, url: str) -> InputProblem:
    """SAML bindings 3.6: the browser carries only an artifact; the SP resolves it over SOAP."""
    return InputProblem(src, "artifact-binding", f"a SAMLart reached {url.split('?', 1)[0]}: the Response "
                        "was exchanged server to server and cannot be checked from this capture")


def body_messages(text: str, url: str, src: Source, at, found: _Found) -> None:
    """Auto-submit forms in a response page; provisional until the browser's POST is seen."""
    for form in find_saml_forms(text, url):
        relay = form.get("RelayState")
        for name, value in form.fields:
            if name not in SAML_FIELDS or not value.strip():
                continue  # an empty field (a debugger's paste-here form) carries no message
            found.resp_params.add(name)
            if is_redacted(value):
                found.problems.append(InputProblem(
                    src, "input-redacted", f"{name} in the page was replaced by {value!r}"))
                continue
            found.msgs.append((name + ":" + digest(value), RawMessage(
                source=src, param=name, value=value, binding="post", relay_state=relay,
                captured_at=at, url=form.action), True))


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
                  client=client, net_error=_net_error(resp, status),
                  page_errors=validation_errors(text) if "/saml/validation" in url else ())
    return found, ex, cookies_seen, sample


def _net_error(resp: dict, status: int) -> str | None:
    """Chrome's response._error of a request that got no answer (status 0): 'net::ERR_...'."""
    err = resp.get("_error")
    return err.strip() if status == 0 and isinstance(err, str) and err.strip() else None


def read_entries(items, path: str, col: Collector, client: str | None = None) -> tuple[list[Exchange], bool]:
    """Read (index, HAR entry) pairs in capture order into `col`: the SAML-relevant exchanges,
    and whether any entry carried cookies. `client`: the browser that wrote them (creator)."""
    exchanges: list[Exchange] = []
    follow: dict[str, datetime | None] = {}
    forms: dict[str, list[RawMessage]] = {}
    cookies_seen = False
    for index, entry in items:
        found, ex, saw, sample = read_entry(entry, index, path, follow, forms, client)
        cookies_seen |= saw
        if sample is not None:
            col.dates.append(sample)
        col.add(found)
        page = [m for _, m, provisional in found.msgs if provisional and m.source.ref.endswith("/body")]
        _forget_sent(forms, {key for key, _, provisional in found.msgs if not provisional})
        for action in dict.fromkeys(m.url for m in page):
            forms.pop(action, None)  # (re-inserted: the dict's order is the pages' order, _latest_form)
            forms[action] = [m for m in page if m.url == action]
        if ex is not None and resends_body(ex.method, ex.url, ex.status, ex.location):
            sent = [m for _, m, _ in found.msgs if m.source.ref == f"entry {index}"]
            if sent:  # the repeated POST may be listed without its body
                forms[ex.location] = sent
        if ex is not None:
            follow.pop(ex.url, None)
            exchanges.append(ex)
            follow.update(next_pages(ex))
    return exchanges, cookies_seen


def next_pages(ex: Exchange) -> dict[str, datetime | None]:
    """The pages the browser loads next that belong to `ex`'s flow, each with the latest time it may
    be asked for (None: any): where the ACS or the SP's result redirects to; after a POST to
    SonarQube's ACS answered in place (2xx, no Location: a page, or Safari's folded redirects,
    Exchange.folded), its refusal page at the same context path, loaded within LOOP_WINDOW (the
    page's script goes there at once: flows.outcome._refusal_loaded; a later visit is the user's)."""
    if ex.location:
        return {ex.location: None} if ex.leg in ("acs-post", "sp-result") else {}
    if ex.leg != "acs-post" or not 200 <= ex.status < 300 or not on_sonarqube_acs_path(ex.url):
        return {}
    parts = urlsplit(ex.url)
    context = parts.path.rstrip("/")[:-len(SONAR_ACS_PATH)]
    page = f"{parts.scheme}://{parts.netloc}{context}/sessions/unauthorized"
    return {page: ex.time + LOOP_WINDOW if ex.time is not None else None}


def _forget_sent(forms: dict, keys: set[str]) -> None:
    """Drop the pending forms whose values a request of the capture sent (one form, one send)."""
    for action in [a for a, msgs in forms.items() if any(m.param + ":" + digest(m.value) in keys for m in msgs)]:
        del forms[action]


def capture_of(col: Collector, exchanges: list[Exchange], cookies_seen: bool, path: str,
               entries: int) -> Capture:
    if exchanges and not cookies_seen:
        col.problems.append(InputProblem(
            Source(path), "input-redacted",
            "no cookies in the capture (sanitized HAR): OAUTHSTATE and AUTHENTICATION-ERROR "
            "cannot be checked"))
    return on_server_time(Capture(col.result(), tuple(exchanges), tuple(col.problems), entries), col.dates, path)


def read(path: str) -> Capture:
    """Stream a HAR file; never raises for bad content (problems are returned as data).

    The login's entries are read in time order (HAR 1.2 prefers entries sorted by
    startedDateTime, but merged captures and some proxies are not): when the SAML exchanges of the
    file are not in that order, the entries that matter are read again from the file and replayed
    sorted (entry numbers stay those of the file). Unrelated entries out of order cost nothing."""
    col = Collector()
    count = [0]
    try:
        with open(path, "rb") as f:
            client = creator(f.read(1 << 16))
            f.seek(0)
            stream = ArrayStream(f, ("log", "entries"))
            exchanges, cookies_seen = read_entries(json_items(stream, path, "entry", col.problems, count),
                                                   path, col, client)
        times = [ex.time for ex in exchanges if ex.time is not None]
        if any(later < earlier for earlier, later in zip(times, times[1:])):
            return _read_in_time_order(path, exchanges, cookies_seen, count[0], client, col.dates)
    except OSError as exc:
        return Capture((), (), (InputProblem(Source(path), "input-unreadable", str(exc)),), 0)
    col.problems.extend(stream_problems(stream, path, "log.entries"))
    return capture_of(col, exchanges, cookies_seen, path, count[0])


def _read_in_time_order(path: str, exchanges: list[Exchange], cookies_seen: bool, entries: int,
                        client: str | None = None, dates: list[DateSample] | None = None) -> Capture:
    """Second pass for a file whose entries are not in time order: keep only the entries that
    carried SAML or an exchange in the first pass, or that a redirect of one leads to (the SP's
    result page may come before its POST in the file), sort them by time and replay them."""
    wanted = {ex.entry for ex in exchanges}  # every entry that carried SAML has an exchange
    targets = {url for ex in exchanges for url in next_pages(ex)}
    kept: list[tuple[tuple, int, dict]] = []
    problems: list[InputProblem] = []
    with open(path, "rb") as f:
        stream = ArrayStream(f, ("log", "entries"))
        for index, entry in json_items(stream, path, "entry", problems, [0]):
            req = entry.get("request") if isinstance(entry.get("request"), dict) else {}
            if index in wanted or str(req.get("url") or "") in targets:
                at = parse_time(entry.get("startedDateTime"))
                kept.append(((at is None, at or _EPOCH, index), index, entry))
    kept.sort(key=lambda k: k[0])
    col = Collector()
    col.problems.extend(problems)
    replayed, _ = read_entries(((index, entry) for _, index, entry in kept), path, col, client)
    col.problems.extend(stream_problems(stream, path, "log.entries"))
    if dates is not None:  # every entry's Date, from the first pass: the replay keeps only the login's
        col.dates = dates
    return capture_of(col, replayed, cookies_seen, path, entries)


__all__ = ['unquote_plus', 'MAX_STRING', 'CHUNK', 'DROPPED', 'ArrayStream', 'json_items', 'stream_problems',
           'sniff', 'HEAD_OBJECT', 'head_objects', 'creator', 'parse_time', 'is_redacted', 'digest',
           'form_value', 'split_query', 'signed_query', 'MAX_JSON_BODY', 'json_fields', 'multipart_fields',
           'ARCHIVED', 'body_text', 'Capture', 'Collector', 'date_sample', 'on_server_time', 'query_messages',
           'post_messages', 'body_messages', 'FORM_WINDOW', 'resends_body', 'note_sent_on', 'redirect_target',
           'read_entry', 'read_entries', 'next_pages', 'capture_of', 'read']
