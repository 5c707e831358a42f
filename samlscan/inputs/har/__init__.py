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

import base64
import binascii
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote_plus, urljoin, urlsplit

from samlscan.config import SONAR_ACS_PATH, on_sonarqube_acs_path
from samlscan.flows import (LOOP_WINDOW, Exchange, answer_page, classify_leg, find_idp_error, refusal,
                            reposted_to, same_endpoint, same_site_of, same_url, sends_on, set_names,
                            validation_errors)
from samlscan.inputs.base import InputProblem, RawMessage
from samlscan.inputs.har.forms import (_PCT, form_value, split_query, signed_query, json_fields,
                                       multipart_fields)
from samlscan.inputs.har.stream import MAX_STRING, DROPPED, ArrayStream, json_items, stream_problems
from samlscan.inputs.har.values import parse_time, is_redacted, digest
from samlscan.inputs.har.writer import creator
from samlscan.inputs.htmlform import SAML_FIELDS, find_saml_forms
from samlscan.inputs.serverclock import (NODE_HEADERS, DateSample, describe, http_date, reading, server,
                                         sticky_node)
from samlscan.model import Source, usable_time

from samlscan.inputs.har.stream import CHUNK
from samlscan.inputs.har.writer import sniff, HEAD_OBJECT, head_objects
from samlscan.inputs.har.forms import MAX_JSON_BODY


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Capture:
    """What a capture file held: SAML values, the HTTP exchanges around them, and problems."""

    messages: tuple[RawMessage, ...]
    exchanges: tuple[Exchange, ...]
    problems: tuple[InputProblem, ...]
    entries: int
    exported_at: datetime | None = None
    """When the capture was exported (SAML-tracer's top-level timestamp), if known."""


def _items(obj, key: str) -> list:
    """A HAR array ('headers', 'cookies'); none where a tool wrote something else (a number, null,
    an object) in its place."""
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, list) else []


def _headers(obj) -> list[tuple[str, str]]:
    return [(str(h.get("name", "")), str(h.get("value", ""))) for h in _items(obj, "headers")
            if isinstance(h, dict)]


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((v for n, v in headers if n.lower() == name.lower()), None)


def _set_cookies(headers: list[tuple[str, str]]) -> list[str]:
    """Every Set-Cookie header value; Firefox joins several into one value with newlines."""
    return [one for n, v in headers if n.lower() == "set-cookie" for one in v.split("\n") if one.strip()]


def _cookie_names(obj, headers: list[tuple[str, str]]) -> tuple[str, ...]:
    """The names of the cookies a request sent (its cookies array and Cookie header)."""
    names = [str(c.get("name")) for c in _items(obj, "cookies") if isinstance(c, dict)]
    pieces = [p for n, v in headers if n.lower() == "cookie" for p in v.split(";")]
    names += [p.split("=", 1)[0].strip() for p in pieces if "=" in p]
    return tuple(dict.fromkeys(n for n in names if n))


def _set_cookie_names(resp, headers: list[tuple[str, str]], at: datetime | None) -> tuple[str, ...]:
    """The names of the cookies a response set, deletions aside (flows.set_names): its Set-Cookie
    headers, and its cookies array for a cookie no header names (a HAR without headers), deleted
    when its `expires` is not later than the response."""
    values = _set_cookies(headers)
    named = {v.split("=", 1)[0].strip() for v in values}
    extra = [c for c in _items(resp, "cookies") if isinstance(c, dict) and str(c.get("name") or "") not in named]
    kept = [str(c.get("name") or "") for c in extra if not _expired(c.get("expires"), at)]
    return tuple(dict.fromkeys(list(set_names(values, at)) + [n for n in kept if n]))


def _same_site(resp, headers: list[tuple[str, str]], at: datetime | None) -> tuple[tuple[str, str], ...]:
    """(name, SameSite) of the cookies a response set (flows.same_site_of): its Set-Cookie headers,
    and its cookies array's `sameSite` (Chrome's and Safari's HAR writers add it when the cookie has
    one; WebKit HARBuilder.js cookies()) for a cookie no header names."""
    found = dict(same_site_of(_set_cookies(headers), at))
    for c in _items(resp, "cookies"):
        name = str(c.get("name") or "") if isinstance(c, dict) else ""
        if name and name not in found and isinstance(c.get("sameSite"), str) and not _expired(c.get("expires"), at):
            found[name] = c["sameSite"]
    return tuple(found.items())


def _expired(expires, at: datetime | None) -> bool:
    """A HAR cookie's `expires` (ISO 8601, HAR 1.2) not later than the response's time."""
    when = parse_time(expires) if isinstance(expires, str) and expires else None
    return when is not None and at is not None and when <= at


def _cookie_value(obj, headers, name: str) -> str | None:
    for c in _items(obj, "cookies"):
        if isinstance(c, dict) and c.get("name") == name:
            return unquote_plus(str(c.get("value", "")))
    for v in _set_cookies(headers):
        if v.split("=", 1)[0].strip() == name and "=" in v:
            return unquote_plus(v.split("=", 1)[1].split(";", 1)[0])
    return None


def _status(value) -> int:
    """An HTTP status; 0 when there is none (blocked, aborted) or it is not a number."""
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


ARCHIVED: dict = {}
"""Absolute path of a HAR read out of an archive (its member inflated to a temporary file) -> the
reader of its side files among the archive's members (archives.ZipSideFiles): `read(name)` gives
a member's bytes (bounded) or None, `note(name)` is told every name the HAR refers to."""


def _side_bytes(name, har_path: str, read: bool = True) -> bytes | None:
    """The bytes of a side file the HAR names (`_file`: Playwright's recordHar content 'attach',
    '<sha1>.<ext>' beside the .har, or inside the .zip it saved): a relative name that stays in
    the HAR's folder, a regular file, at most MAX_STRING bytes; None otherwise. `read=False`: only
    tell an archive's reader that the HAR names it (a body not read is still the HAR's own)."""
    import os

    if not isinstance(name, str) or not name or "\\" in name or ":" in name or any(
            not part or part.startswith(".") for part in name.split("/")):
        return None
    archived = ARCHIVED.get(os.path.abspath(har_path)) if ARCHIVED else None
    if archived is not None:
        archived.note(name)
        return archived.read(name) if read else None
    side = os.path.join(os.path.dirname(os.path.abspath(har_path)), *name.split("/"))
    if not read or not os.path.isfile(side):  # a FIFO or device named like a page would block the read
        return None
    try:
        with open(side, "rb") as f:
            data = f.read(MAX_STRING + 1)
    except OSError:
        return None
    return None if len(data) > MAX_STRING else data


_TEXT_BODY = re.compile(r"html|json|xml|text/plain", re.IGNORECASE)
"""Bodies worth reading from a side file: pages (auto-submit forms, IdP error pages), JSON and
XML (an error answered as JSON, a SAML message), plain text; not scripts, styles or images."""


def _side_file(content: dict, har_path: str) -> str | None:
    """A body kept as a side file (`content._file`), when it is text that can matter (_TEXT_BODY)."""
    wanted = _TEXT_BODY.search(str(content.get("mimeType", ""))) is not None
    data = _side_bytes(content.get("_file"), har_path, read=wanted)
    return None if data is None else _decoded(data, content)


def _decoded(data: bytes, content: dict) -> str:
    charset = re.search(r"charset=([\w-]+)", str(content.get("mimeType", "")), re.I)
    try:
        return data.decode(charset.group(1) if charset else "utf-8", errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def body_text(content, har_path: str | None = None) -> str | None:
    """Response body as text: base64 bodies decoded, an attached side file read (`har_path`);
    None when absent or dropped."""
    if not isinstance(content, dict):
        return None
    text = content.get("text")
    if not text and har_path is not None and "_file" in content:
        return _side_file(content, har_path)
    if not isinstance(text, str) or text == DROPPED:
        return None
    if content.get("encoding") == "base64":
        try:
            data = base64.b64decode(text, validate=False)
        except (binascii.Error, ValueError):
            return None
        return _decoded(data, content)
    return text



@dataclass
class _Found:
    """SAML values of one entry, before they become RawMessages."""

    msgs: list[tuple[str, RawMessage, bool]]  # (digest key, message, provisional)
    problems: list[InputProblem]
    req_params: set  # SAML parameter names the request carried (redacted ones included)
    resp_params: set  # ... that the response carried (Location, page form)
    resent: bool = False  # the browser sends the request's body again to the same endpoint (307/308)
    reposted_to: str | None = None  # ... to another page, by itself: not a send (flows.reposted_to)


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


class Collector:
    """Orders SAML values across entries; a Location/page value is dropped once the browser's
    own request carrying the same value is seen (it is the same message, sent one hop later)."""

    def __init__(self) -> None:
        self.messages: list[RawMessage | None] = []
        self.provisional: dict[str, list[int]] = {}
        self.sent: dict[str, int] = {}
        self.resent: dict[str, int] = {}  # key -> position of a value a 307/308 sends again
        self.reposted: dict[str, str] = {}  # key -> the page a 307/308 posts a sent value on to
        self.problems: list[InputProblem] = []
        self.dates: list[DateSample] = []  # (serverclock: the servers' Date headers)

    def add(self, found: _Found) -> None:
        self.problems += found.problems
        for key, msg, provisional in found.msgs:
            if provisional and self.sent.get(key, 0) > 0:
                # Entries not in time order (merged captures, some proxies): the browser's own
                # request came first in the file; this page/Location copy is the same message.
                self.sent[key] -= 1
                continue
            if provisional:
                self.provisional.setdefault(key, []).append(len(self.messages))
            elif key in self.reposted and same_url(self.reposted[key], msg.url):  # the browser's re-POST
                del self.reposted[key]
                continue
            elif key in self.resent:  # the browser's repeat of the POST: one message, this send
                self.messages[self.resent.pop(key)] = None
            elif not self.provisional.get(key):
                self.sent[key] = self.sent.get(key, 0) + 1
            else:  # the browser's own send of a value a page or Location showed first
                self.messages[self.provisional[key].pop(0)] = None
            if found.resent and not provisional:
                self.resent[key] = len(self.messages)
            if found.reposted_to and not provisional:
                self.reposted[key] = found.reposted_to
            self.messages.append(msg)

    def result(self) -> tuple[RawMessage, ...]:
        return tuple(m for m in self.messages if m is not None)


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


def date_sample(entry: dict, index: int = -1, rh: list | None = None, qh: list | None = None,
                at: datetime | None = None) -> DateSample | None:
    """The response's Date header against the browser's start of its request (serverclock), for a
    response its server wrote then: not one a cache may have served with its old Date (Chrome's
    _fromCache; a cache's or service worker's copy, _kept_copy; an Age header; one a cache may
    store, _storable). `rh`, `qh`, `at`: the response's and request's headers and the start time,
    where read_entry has them already."""
    resp, req = entry.get("response"), entry.get("request")
    if not isinstance(resp, dict) or not isinstance(req, dict) or "_fromCache" in entry or _kept_copy(entry, resp):
        return None
    rh = _headers(resp) if rh is None else rh
    headers = {}
    for name, value in rh:
        headers.setdefault(name.lower(), value)
    if headers.get("age", "").strip() not in ("", "0") or _storable(str(req.get("method") or ""), resp, headers):
        return None
    server = http_date(headers.get("date"))
    sent = at if at is not None else parse_time(entry.get("startedDateTime"))
    if server is None or sent is None:
        return None
    try:
        host = urlsplit(str(req.get("url") or "")).hostname
    except ValueError:
        return None
    before, took = _server_window(entry)
    node = next((headers[h].strip()[:80] for h in NODE_HEADERS if headers.get(h, "").strip()), "") or \
        sticky_node(_sticky_cookies(req, rh, _headers(req) if qh is None else qh))
    return DateSample(host, sent + timedelta(seconds=before), took, server, node, index) if host else None


_BEFORE = ("blocked", "dns", "connect")
"""HAR 1.2 timings spent before the request is sent ('ssl' is counted in 'connect'): queued in the
browser, or held at a proxy's breakpoint (Fiddler: httpraw.saz_timings)."""


def _server_window(entry: dict) -> tuple[float, float]:
    """(seconds from startedDateTime until the request was sent, seconds in which the server wrote
    its answer's Date from then): from the entry's timings (HAR 1.2: -1 for none) where they add up,
    else (0, its whole time)."""
    took = entry.get("time")
    took = took / 1000 if isinstance(took, (int, float)) and 0 <= took < 1e9 else 0.0
    timings = entry.get("timings")
    if not isinstance(timings, dict):
        return 0.0, took
    parts = [timings.get(k, -1) for k in _BEFORE + ("send", "wait")]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and -1 <= v < 1e9 for v in parts):
        return 0.0, took
    before, during = (sum(max(v, 0) for v in parts[:3]) / 1000, sum(max(v, 0) for v in parts[3:]) / 1000)
    return (before, during) if before + during <= took + 0.001 else (0.0, took)


_KEPT_FETCHES = ("Memory Cache", "Disk Cache", "Service Worker")
"""Safari's `_fetchType` of an answer no server wrote then (WebKit HARBuilder.fetchType)."""


def _kept_copy(entry: dict, resp: dict) -> bool:
    """A response the browser did not have from its server at that moment: Safari's cached or service
    worker answers (_fetchType), Chrome's answers from a service worker (response._fetchedViaServiceWorker)
    unless it fetched them from the network (_serviceWorkerResponseSource 'network': devtools-frontend
    HARWriter). A worker's Cache Storage keeps whatever it put there, with its Date, whatever the
    response's Cache-Control says."""
    if entry.get("_fetchType") in _KEPT_FETCHES:
        return True
    return resp.get("_fetchedViaServiceWorker") is True and resp.get("_serviceWorkerResponseSource") != "network"


def _sticky_cookies(req: dict, rh: list, qh: list) -> list[tuple[str, str]]:
    """The cookies a load balancer may keep its node in: those the response set (the node that
    answered; `rh` its headers), then those the request sent (the node it was routed to; `qh`)."""
    pieces = [c.split(";", 1)[0] for c in _set_cookies(rh)]
    pieces += [p for n, v in qh if n.lower() == "cookie" for p in v.split(";")]
    out = [(p.split("=", 1)[0].strip(), p.split("=", 1)[1]) for p in pieces if "=" in p]
    return out + [(str(c.get("name")), str(c.get("value") or "")) for c in _items(req, "cookies") if isinstance(c, dict)]


_UNCACHED = re.compile(r"no-store|no-cache|max-age\s*=\s*0\b", re.IGNORECASE)


def _storable(method: str, resp: dict, headers: dict[str, str]) -> bool:
    """Whether a browser or proxy cache may have served this response (and its Date) from an earlier
    request (RFC 9111 3, 4.2): one with explicit freshness (Cache-Control max-age, Expires), a
    permanent redirect (_KEPT_FOREVER) or a Last-Modified for heuristic freshness, unless
    Cache-Control forbids reuse without revalidation;
    never a POST's answer or a 302/303/307 without freshness of its own."""
    control = headers.get("cache-control", "")
    if _UNCACHED.search(control) or method.upper() == "POST":
        return False
    fresh = "max-age" in control.lower() or "s-maxage" in control.lower() or "expires" in headers
    status = _status(resp.get("status"))
    return fresh or status in _KEPT_FOREVER or ("last-modified" in headers and status not in (302, 303, 307))


_KEPT_FOREVER = (300, 301, 308, 410)
"""Statuses browsers cache without any freshness of their own, for good (Chromium's
HttpResponseHeaders::GetFreshnessLifetimes, Firefox's nsHttpResponseHead::ComputeFreshnessLifetime):
an http -> https 301 replayed from the cache days later carries the Date of the day it was fetched."""


def on_server_time(cap: Capture, dates: list[DateSample], path: str) -> Capture:
    """`cap` with its times on the servers' clock when the browser's was off (serverclock.reading),
    and a finding that says so, or that one of the login's servers disagrees with the others."""
    r = reading(dates)
    if r is None:
        return cap
    # the server of each exchange: its host, or the node behind it that a header named
    where = {s.entry: server(s) for s in dates if s.entry >= 0} | dict(r.where)
    at = {ex.entry: where.get(ex.entry, urlsplit(ex.url).hostname) for ex in cap.exchanges}
    named = set(at.values())
    r = replace(r, off_hosts=tuple((h, off) for h, off in r.off_hosts if h in named))
    problems = []
    if r.browser is not None:
        problems.append(InputProblem(Source(path), "browser-clock-off", describe(replace(r, off_hosts=()))))
        cap = replace(cap, messages=tuple(replace(m, captured_at=_on_clock(m.captured_at, r.browser))
                                          if m.captured_at else m for m in cap.messages),
                      exchanges=tuple(replace(ex, time=_on_clock(ex.time, r.browser)) if ex.time else ex
                                      for ex in cap.exchanges))
    if r.off_hosts:
        problems.append(InputProblem(Source(path), "server-clock-off", describe(replace(r, browser=None))))
        off = dict(r.off_hosts)
        own = dict(r.offsets)  # (several servers behind one host share its name: each its own offset)
        cap = replace(cap, exchanges=tuple(replace(ex, clock_off=own.get(ex.entry, off[at[ex.entry]]),
                                                   server=at[ex.entry])
                                           if at[ex.entry] in off else ex for ex in cap.exchanges))
    return replace(cap, problems=cap.problems + tuple(problems)) if problems else cap


def _on_clock(t: datetime, browser: timedelta) -> datetime | None:
    """A browser's time `t` on the servers' clock; None where that leaves model.USABLE_TIMES (an
    entry whose own time is centuries from those whose Dates set the offset: no real capture)."""
    try:
        return usable_time(t - browser)
    except OverflowError:
        return None


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
           'Capture', 'ARCHIVED', 'body_text', 'query_messages', 'post_messages', 'body_messages',
           'FORM_WINDOW', 'resends_body', 'note_sent_on', 'redirect_target', 'read_entry', 'Collector',
           'read_entries', 'next_pages', 'capture_of', 'date_sample', 'on_server_time', 'read']
