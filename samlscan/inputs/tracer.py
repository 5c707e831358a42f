"""SAML-tracer exports (Firefox/Chrome extension, simplesamlphp/SAML-tracer).

Format, from src/SAMLTraceIO.js (exportRequests) and src/SAMLTrace.js (Request):
`{"requests": [...], "timestamp": <export time, ISO>}`; each request is the serialised
SAMLTrace.Request: `method`, `url`, `requestId`, `requestHeaders` [{name, value}], `get`
[[name, value]] (decoded), `post` [[name, value]] (decoded form data), `postData`, `protocol`
('SAML-P'/'WS-Fed'), `saml` (the decoded XML text of the SAML message), `samlart`,
`responseStatus`, `responseStatusText`, `responseHeaders` [{name, value}]. Legacy exports
(before 1.0) use `id` and headers as [name, value] pairs.

Export profiles (src/filters.js): '2' replaces every POST value by '{hash:<sha>}', '3' by
'{obf:alternative_<n>}', both overwrite `postData` with '{overwritten}' and mask cookie values.
`get` values and `saml` are left alone, so a masked POST value is recovered from `saml` (as raw
XML, binding 'xml').

Requests are cited as 'request N', N counted from 1 in the export's order: SAML-tracer's window
lists them top to bottom without numbers (nor does the export keep one), so the user counts from
the first line, as for a Burp export's items (inputs/httpraw.py). Requests carry no capture time in the versions read; an optional per-request
`timestamp` is honoured when present, and the export time is kept as `Capture.exported_at` (ISO in
1.x/2.x, epoch milliseconds in the legacy add-on). 2.x `postData` is the webRequest formData object
({name: [values]}), the legacy add-on's the raw form body; `post` is read in both. Firefox joins
several Set-Cookie headers into one value with newlines.
"""
from __future__ import annotations

import re
from datetime import tzinfo
from urllib.parse import unquote_plus, urljoin

from samlscan.autherror import auth_error_text
from samlscan.flows import Exchange, classify_leg, refusal, same_site_of, set_names
from samlscan.inputs.base import InputProblem, RawMessage
from samlscan.inputs.har import (ArrayStream, Capture, Collector, digest, is_redacted, json_items, note_sent_on,
                                 parse_time, query_messages, set_cookie_values, stream_problems)
from samlscan.inputs.har.capture import _Found
from samlscan.inputs.har.messages import artifact_seen, wsfed_seen
from samlscan.inputs.har.places import placed, with_places
from samlscan.inputs.har.headers import answering_proxy
from samlscan.inputs.htmlform import SAML_FIELDS
from samlscan.inputs.zoneless import read_in_zone
from samlscan.model import Source

_VALUES = {"url": ("url",)}
"""A traced request's value that holds a message as written: its URL (the redirect binding); its `post`
pairs and `saml` text are pointed at by the request's start."""
_MASKED = re.compile(r"^\{(?:hash:[^}]*|obf:[^}]*|overwritten)\}$")
_HEAD = re.compile(rb'"requests"\s*:\s*\[')


def sniff(head: bytes) -> bool:
    """A SAML-tracer export: a JSON object with a "requests" array of traced requests."""
    h = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return h.startswith(b"{") and bool(_HEAD.search(h)) and b'"log"' not in h[:200] and \
        any(k in h for k in (b'"requestId"', b'"requestHeaders"', b'"responseStatus"',
                             b'"protocol"', b'"timestamp"'))


def is_masked(value: str) -> bool:
    """A value replaced by an export profile: '{hash:..}', '{obf:..}' or '{overwritten}'."""
    return bool(_MASKED.match(value.strip()))


def _pairs(items) -> list[tuple[str, str]]:
    """[name, value] pairs or {name, value} objects; none where an export holds something else (a
    number, true, an object) in place of the list."""
    out = []
    for it in items if isinstance(items, list) else []:
        if isinstance(it, (list, tuple)) and len(it) >= 2:
            out.append((str(it[0]), str(it[1])))
        elif isinstance(it, dict) and "name" in it:
            out.append((str(it["name"]), str(it.get("value", ""))))
    return out


def saml_text(saml: str) -> str:
    """The decoded XML as text. Older versions decoded with atob only, leaving UTF-8 bytes as
    Latin-1 characters; undo that when it round-trips."""
    try:
        fixed = saml.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return saml
    return fixed


def _when(v):
    """An ISO time, or epoch milliseconds: the legacy add-on wrote the export's `timestamp` as
    Date.now() (chrome/samltrace/content/SAMLTraceIO.js), 2.x as toISOString()."""
    if isinstance(v, (int, float)) and not isinstance(v, bool) and 1e11 < v < 1e14:
        from datetime import datetime, timezone
        return datetime.fromtimestamp(v / 1000, tz=timezone.utc)
    return parse_time(v)


def _time(req: dict):
    for k in ("timestamp", "time", "startedDateTime"):
        t = _when(req.get(k))
        if t:
            return t
    return None


def read_request(req: dict, index: int, path: str) -> tuple[_Found, Exchange | None]:
    """SAML values and the exchange of one traced request."""
    found = _Found([], [], set(), set())
    url, method = str(req.get("url") or ""), str(req.get("method") or "").upper()
    at = _time(req)
    src = Source(path, f"request {index}")
    query_messages(url, src, at, found)
    post = _pairs(req.get("post"))
    if any(n == "SAMLart" for n, _ in post):
        artifact_seen(src, url, [(n, v, v) for n, v in post], found)
    wsfed_seen(src, url, post, at, found)
    relay = next((v for n, v in post if n == "RelayState"), None)
    if relay is not None and is_masked(relay):
        relay = None
    for name, value in post:
        if name not in SAML_FIELDS:
            continue
        found.req_params.add(name)
        if is_masked(value) or is_redacted(value):
            saml = req.get("saml")
            if isinstance(saml, str) and saml.strip().startswith("<"):
                xml = saml_text(saml)
                # keyed by the value the message carries (the XML), as flows match exchanges
                # to messages by '<param>:<digest of the message value>'
                found.msgs.append((name + ":" + digest(xml), RawMessage(
                    source=Source(path, f"request {index}/saml"), param=name,
                    value=xml, binding="xml", relay_state=relay, captured_at=at,
                    url=url), False))
            else:
                found.problems.append(InputProblem(src, "input-redacted",
                                                   f"{name} was masked on export ({value})"))
            continue
        found.msgs.append((name + ":" + digest(value), RawMessage(
            source=src, param=name, value=value, binding="post", relay_state=relay,
            captured_at=at, url=url), False))
    hdrs = _pairs(req.get("responseHeaders"))  # {name, value} (1.x/2.x) or [name, value]
    location = next((str(v) for n, v in hdrs if str(n).lower() == "location"), None)
    if location:
        location = urljoin(url, location)
        before = len(found.msgs)
        query_messages(location, Source(path, f"request {index}/Location"), at, found, True)
        found.msgs[before:] = [(k, m, True) for k, m, _ in found.msgs[before:]]
    # Firefox's webRequest hands several Set-Cookie headers over as one value joined by '\n'
    # (Chrome as separate headers); SAML-tracer stores what the browser gave
    cookies = [c for n, v in hdrs if str(n).lower() == "set-cookie"
               for c in set_cookie_values(str(v)) if "=" in c]
    set_cookies = set_names(cookies, at)  # (a deletion sets nothing)
    auth = next((auth_error_text(unquote_plus(c.split("=", 1)[1].split(";", 1)[0])) for c in cookies
                 if c.split("=", 1)[0].strip() == "AUTHENTICATION-ERROR"), None)
    if auth is not None and is_masked(auth):
        auth = None
    rq = _pairs(req.get("requestHeaders"))
    req_cookies = tuple(p.split("=", 1)[0].strip() for n, v in rq if n.lower() == "cookie"
                        for p in v.split(";") if "=" in p)
    try:
        status = int(req.get("responseStatus") or 0)
    except (TypeError, ValueError):
        status = 0
    note_sent_on(found, method, url, status, location)
    ex = Exchange(time=at, entry=index, method=method, url=url, status=status, location=location,
                  leg=classify_leg(method, url, found.req_params, found.resp_params, None, False),
                  set_cookies=set_cookies, auth_error=auth, request_cookies=req_cookies,
                  samesite=same_site_of(cookies, at),
                  refused_cookies=tuple(r for r in (refusal(c, url, at) for c in cookies) if r),
                  saml=tuple(dict.fromkeys(k for k, _, _ in found.msgs)), word="request",
                  answered_by=answering_proxy(hdrs, None))  # (an export keeps no response body)
    return found, ex


EMPTY_EXPORT = "the SAML-tracer export holds no requests (its \"requests\" list is empty)"
EMPTY_FIX = ("Trace the login again: open SAML-tracer before signing in and keep its window open (it lists "
             "only what it saw; 'Clear' empties it), sign in until the login fails, then 'Export' and give "
             "that file.")


def read(path: str, zone: tzinfo | None = None) -> Capture:
    """Stream a SAML-tracer export; bad content becomes problems, never exceptions. A request's time
    without a zone is read in `zone` (--timezone's for the file), else UTC (inputs.zoneless)."""
    return read_in_zone(_read, path, zone)


def _read(path: str) -> Capture:
    col = Collector()
    exchanges: list[Exchange] = []
    follow: set[str] = set()
    count = [0]
    places: dict[int, dict] = {}  # request number -> where it and its URL are (inputs.har.places)
    try:
        with open(path, "rb") as f:
            stream = ArrayStream(f, ("requests",))
            items = json_items(stream, path, "request", col.problems, count, first=1)
            for index, req in placed(items, stream, col, places, _VALUES):
                found, ex = read_request(req, index, path)
                col.add(found)
                if ex.url in follow and ex.leg == "other":
                    ex = _replace_leg(ex, "sp-result")
                follow.discard(ex.url)
                if ex.location and ex.leg in ("acs-post", "sp-result"):
                    follow.add(ex.location)
                exchanges.append(ex)
    except OSError as exc:
        return Capture((), (), (InputProblem(Source(path), "input-unreadable", str(exc)),), 0)
    col.problems.extend(stream_problems(stream, path, "requests"))
    if not count[0] and not col.problems:  # (the export of an empty window: it was cleared, or opened late)
        col.problems.append(InputProblem(Source(path), "input-capture-empty", EMPTY_EXPORT, EMPTY_FIX))
    keep = [ex for ex in exchanges if ex.saml or ex.leg != "other" or ex.auth_error]
    return Capture(with_places(col.result(), places, path, "request"), tuple(keep), tuple(col.problems), count[0],
                   exported_at=_when(stream.top.get("timestamp")) or _tail_epoch(path))


_TAIL_EPOCH = re.compile(rb'"timestamp"\s*:\s*(\d{11,14})\s*\}\s*$')


def _tail_epoch(path: str):
    """The legacy add-on's numeric export `timestamp` (written last, after "requests"); the
    streaming reader keeps only top-level strings, so it is read from the file's end."""
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            f.seek(max(0, f.tell() - 256))
            m = _TAIL_EPOCH.search(f.read())
    except OSError:
        return None
    return _when(int(m.group(1))) if m else None


def _replace_leg(ex: Exchange, leg: str) -> Exchange:
    from dataclasses import replace

    return replace(ex, leg=leg)
