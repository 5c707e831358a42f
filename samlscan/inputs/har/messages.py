"""SAML values in one entry: URL query (redirect), POST body, a page's auto-submit forms."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from samlscan.decode import unquote_bounded
from samlscan.inputs.base import InputProblem, RawMessage
from samlscan.inputs.har.bodies import _side_bytes, _decoded
from samlscan.inputs.har.capture import _Found
from samlscan.inputs.har.forms import (_PCT, form_value, split_query, signed_query, json_fields,
                                       multipart_fields)
from samlscan.inputs.har.headers import _items
from samlscan.inputs.har.stream import DROPPED
from samlscan.inputs.har.values import is_redacted, digest
from samlscan.inputs.htmlform import SAML_FIELDS, find_saml_forms
from samlscan.model import Source


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
        artifact_seen(src, url, split_query(query), found)
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
    for p in _items(post, "params"):  # (a list; a tool may write a number or an object)
        if isinstance(p, dict) and isinstance(p.get("value"), str):
            values.append((str(p.get("name")), form_value(p["value"])))
    has_body = bool(values) or (isinstance(text, str) and bool(text.strip()))
    if any(n == "SAMLart" for n, _ in values):
        artifact_seen(src, url, [(n, v, v) for n, v in values], found)
    relay = next((v for n, v in values if n == "RelayState"), None)
    wsfed_seen(src, url, values, at, found)
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


def wsfed_seen(src: Source, url: str, pairs: list[tuple[str, str]], at, found: _Found) -> None:
    """A WS-Federation sign-in's form (wa=wsignin1.0, wresult: WS-Federation 1.2 13.2.3) posted in
    place of a SAMLResponse: its token response is read as XML (xmlsafe gives its assertion), and
    the request is marked as carrying one (its leg: flows.classify_leg)."""
    ws = next((v for n, v in pairs if n == "wresult"), None)
    if not ws or any(n in SAML_FIELDS for n, _ in pairs):
        return
    if ws.lstrip()[:1] != "<" and "%3c" in ws[:200].lower():  # (an export that kept the form's encoding)
        ws = unquote_bounded(ws, plus=True)
    found.req_params.add("wresult")
    found.msgs.append(("XML:" + digest(ws), RawMessage(source=src, param="XML", value=ws, binding="xml",
                                                       captured_at=at, url=url), False))


def artifact_seen(src: Source, url: str, pairs, found: _Found) -> None:
    """SAML bindings 3.6: the browser carries only an artifact; the SP resolves it over SOAP. The
    request is marked as carrying one (its leg: flows.classify_leg)."""
    from samlscan.artifact import artifact_problem

    value = next((decoded for name, _, decoded in pairs if name == "SAMLart"), None)
    if value is None:  # ('SAMLart=' inside another parameter's value)
        return
    found.req_params.add("SAMLart")
    found.problems.append(artifact_problem(src, url, value))


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
