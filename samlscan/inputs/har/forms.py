"""Query strings and request bodies: form values, query pairs, signed octets, JSON/multipart."""
from __future__ import annotations

import json
import re
from urllib.parse import unquote_plus

from samlscan.decode import unquote_bounded
from samlscan.inputs.base import PARAM_AHEAD, signed_octets
from samlscan.inputs.htmlform import SAML_FIELDS


_PCT = re.compile(r"%[0-9A-Fa-f]{2}")


def form_value(raw: str) -> str:
    """Decode one form/query value.

    A value with %XX escapes is percent-encoded: '+' means space (HTML form encoding). Without
    any escape it is taken as already decoded (Firefox may write decoded text), so a base64 '+'
    survives: browsers always send '+' in base64 as %2B, so a bare '+' here is a decoded one.
    """
    return unquote_bounded(raw, plus=True) if _PCT.search(raw) else raw


_BASE64_PARAMS = {"SAMLRequest", "SAMLResponse", "Signature"}
"""Query values in base64: a raw '+' in them is base64's '+' (base64 holds no space), as a pasted
URL reads it; '+' as a space would corrupt the message (some SPs do read it so: the IdP should
send %2B)."""


def split_query(query: str) -> list[tuple[str, str, str]]:
    """(name, raw value, decoded value) for each '&'-separated pair (';' in a query without '&':
    base.PARAM_AHEAD), in order."""
    out = []
    for part in query.split("&") if "&" in query else re.split(f";(?={PARAM_AHEAD})", query):
        if not part:
            continue
        name, _, raw = part.partition("=")
        name = unquote_plus(name)
        out.append((name, raw, unquote_bounded(raw, plus=name not in _BASE64_PARAMS)))
    return out


def signed_query(pairs: list[tuple[str, str, str]], param: str) -> str | None:
    """The octets a redirect-binding signature covers (SAML bindings 3.4.4.1): the raw, still
    encoded SAMLRequest|SAMLResponse, RelayState (if present) and SigAlg, in that order."""
    return signed_octets({n: r for n, r, _ in reversed(pairs)}, param)  # first occurrence wins


_JSON_NAMES = {n.lower(): n for n in SAML_FIELDS + ("RelayState",)}
MAX_JSON_BODY = 2 << 20
"""A JSON request body longer is not parsed: above what SPs take by default (Kibana's
server.maxPayload 1 MiB, Tomcat's maxPostSize 2 MiB), far above a SAMLResponse posted so."""


def json_fields(text: str, depth: int = 3) -> list[tuple[str, str]]:
    """(name, value) of the SAML members of a JSON body, any case or '_' ('SAMLResponse',
    'samlResponse', 'saml_response'), in objects up to `depth` levels down; values are not
    percent-encoded. A page's script may post the response so (Kibana's SAML callback takes it:
    @kbn/mock-idp-utils documents fetch('/api/security/saml/callback', {body: JSON.stringify({SAMLResponse})})).
    A body that is not JSON, over MAX_JSON_BODY or nested past the parser's recursion limit (an
    app's own XHR, a hostile page) has none."""
    if len(text) > MAX_JSON_BODY:
        return []
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return []
    out: list[tuple[str, str]] = []

    def walk(node, level: int) -> None:
        if level > depth:
            return
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for k, v in items:
            name = _JSON_NAMES.get(str(k).replace("_", "").lower()) if isinstance(k, str) else None
            if name and isinstance(v, str):
                out.append((name, v))
            elif isinstance(v, (dict, list)):
                walk(v, level + 1)
    walk(doc, 0)
    return out


_DISPOSITION_NAME = re.compile(r'content-disposition:[^\n]*?\bname="([^"]*)"', re.IGNORECASE)


def multipart_fields(text: str, mime_type: str) -> list[tuple[str, str]]:
    """(name, value) of each part of a multipart/form-data body (RFC 7578): the boundary from the
    mimeType, else the body's first line; values are not percent-encoded."""
    m = re.search(r'boundary="?([^";]+)"?', mime_type)
    first = text.lstrip().split("\n", 1)[0].strip()
    delimiter = "--" + m.group(1) if m else first
    out = []
    for part in text.split(delimiter)[1:]:
        if part.startswith("--"):
            break  # the closing delimiter
        head, sep, body = part.replace("\r\n", "\n").partition("\n\n")
        name = _DISPOSITION_NAME.search(head)
        if sep and name:
            out.append((name.group(1), body[:-1] if body.endswith("\n") else body))
    return out
