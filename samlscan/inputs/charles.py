"""Charles Proxy JSON sessions (.chlsj: File > Export Session > JSON Session File) as a Capture.

The file is one JSON array of transactions. Each is an object with the request line's parts ("method",
"protocolVersion", "scheme", "host", "port" (also "actualPort"), "path", "query"), "tunnel" (a CONNECT
that was not decrypted), "status" (COMPLETE, EXCEPTION, ...), "times" ({"start", "requestBegin",
"requestComplete", "responseBegin", "end"}: ISO 8601 with the recording machine's offset) and "request"
and "response", each {"sizes", "mimeType", "charset", "contentEncoding", "header": {"firstLine",
"headers": [{"name", "value"}]}, "body": {"text", "encoded": true when "text" is base64}} (the response
also has "status"). Sources: the Fiddler importer for Charles sessions (CharlesProxy.CharlesSession:
request/response.header.firstLine/headers, body.text/encoded, tunnel, status values), charles_mcp's
normalize_body (body.encoded a flag over base64 in body.text; message mimeType, charset,
contentEncoding) and its recording loader (times.start, ISO 8601, read with fromisoformat).

Each transaction becomes the HAR-shaped entry the HAR reader reads (har.read_entries), so flows,
checks and reports see the same Capture (the XML session, .chlsx, is read into the same transactions:
inputs.charlesxml). The array is streamed (har.ArrayStream): one transaction is
held at a time, strings longer than har.MAX_STRING dropped. Charles's binary session (.chls, a Java
serialization stream) is not read: binaryfiles names it and says how to export JSON or HAR.
"""
from __future__ import annotations

import base64
import binascii
import gzip
import re
import zlib
from dataclasses import replace
from datetime import tzinfo

from samlscan.inputs import har
from samlscan.inputs.base import InputProblem
from samlscan.inputs.zoneless import read_in_zone
from samlscan.model import Source

CLIENT = "Charles JSON session"
"""The writer the HAR reader is told: Charles records every header as it went (cookieproof._KEEPS_COOKIES)."""

_HEAD = re.compile(rb'^\[\s*\{')
_KEYS = (b'"protocolVersion"', b'"scheme"', b'"host"')
_MARKS = (b'"firstLine"', b'"times"')
_DEFAULT_PORTS = {"http": 80, "https": 443}
_MAX_INFLATED = 16 << 20
"""A gzip body is inflated at most this far: a SAML page is far below it."""


def sniff(head: bytes) -> bool:
    """A Charles JSON session: a JSON array whose first transaction names its request line's parts
    (protocolVersion, scheme, host) and its times or header's firstLine, whatever the key order."""
    h = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return bool(_HEAD.match(h)) and all(k in h for k in _KEYS) and any(k in h for k in _MARKS)


def read(path: str, zone: tzinfo | None = None) -> har.Capture:
    """Every SAML value and exchange of the session, in capture order; problems as data, never raised.
    A times.start without an offset is read in `zone` (--timezone's for the file), else UTC."""
    return read_in_zone(_read, path, zone)


def _read(path: str) -> har.Capture:
    col = har.Collector()
    count = [0]
    bodiless: dict[int, str] = {}
    try:
        with open(path, "rb") as f:
            stream = har.ArrayStream(f, ())
            items = har.json_items(stream, path, "transaction", col.problems, count)
            exchanges, cookies_seen = har.read_entries(entries(items, bodiless), path, col, CLIENT)
    except OSError as exc:
        return har.Capture((), (), (InputProblem(Source(path), "input-unreadable",
                                                 f"cannot read: {exc.strerror or exc}"),), 0)
    cap = noted(har.capture_of(col, exchanges, cookies_seen, path, count[0], CLIENT), bodiless)
    return ended(cap, path, stream.error, count[0])


def entries(items, bodiless: dict[int, str]):
    """(index, HAR entry) for each transaction of (index, object); a POST without a body noted in `bodiless`."""
    for index, tx in items:
        entry = entry_of(tx)
        if entry is None:
            continue
        if entry["request"]["method"] == "POST" and "postData" not in entry["request"]:
            bodiless[index] = _size(tx.get("request"))
        yield index, entry


def _obj(value) -> dict:
    return value if isinstance(value, dict) else {}


def _str(value) -> str:
    return value if isinstance(value, str) else ""


def url_of(tx: dict) -> str | None:
    """scheme://host[:port]path[?query] of a transaction, the port left out when the scheme's default."""
    scheme, host = _str(tx.get("scheme")).lower() or "http", _str(tx.get("host"))
    if not host:
        return None
    port = tx.get("port") if isinstance(tx.get("port"), int) else tx.get("actualPort")
    shown = f":{port}" if isinstance(port, int) and port != _DEFAULT_PORTS.get(scheme) else ""
    path, query = _str(tx.get("path")) or "/", _str(tx.get("query"))
    return f"{scheme}://{host}{shown}{path}" + (f"?{query}" if query else "")


def entry_of(tx: dict) -> dict | None:
    """One transaction as a HAR 1.2 entry (the fields the HAR reader reads); None when it names no host."""
    url = url_of(tx)
    if url is None:
        return None
    req, resp = _obj(tx.get("request")), _obj(tx.get("response"))
    # (Charles keeps every header as it went: its cookies are its Cookie header's, the empty list says so
    # as a HAR's does, Exchange.cookies_recorded; a lost OAUTHSTATE is then seen as in a HAR)
    request: dict = {"method": _str(tx.get("method")).upper() or "GET", "url": url, "headers": _headers(req),
                     "cookies": []}
    body = _body(req)
    if body is not None:
        request["postData"] = {"mimeType": _mime(req), "text": body.decode(_charset(req), errors="replace")}
    response: dict = {"status": _status(resp), "headers": _headers(resp),
                      "redirectURL": next((h["value"] for h in _headers(resp) if h["name"].lower() == "location"), "")}
    page = _body(resp)
    if page is not None:
        response["content"] = {"mimeType": _mime(resp), "encoding": "base64",
                               "text": base64.b64encode(page).decode("ascii")}
    return {"startedDateTime": _str(_obj(tx.get("times")).get("start")) or None,
            "request": request, "response": response}


def _headers(message: dict) -> list[dict]:
    items = _obj(message.get("header")).get("headers")
    return [{"name": str(h.get("name", "")), "value": str(h.get("value", ""))}
            for h in (items if isinstance(items, list) else []) if isinstance(h, dict)]


def _mime(message: dict) -> str:
    return _str(message.get("mimeType")) or next(
        (h["value"] for h in _headers(message) if h["name"].lower() == "content-type"), "")


def _charset(message: dict) -> str:
    charset = _str(message.get("charset")) or "utf-8"
    try:
        "".encode(charset)
        return charset
    except LookupError:
        return "utf-8"


def _status(resp: dict) -> int:
    """The response's status code; else the one its firstLine ('HTTP/1.1 302 Found') says, 0 for none."""
    if isinstance(resp.get("status"), int):
        return resp["status"]
    m = re.match(r"HTTP/\S+\s+(\d{3})\b", _str(_obj(resp.get("header")).get("firstLine")))
    return int(m.group(1)) if m else 0


def _body(message: dict) -> bytes | None:
    """A message's body bytes (body.text, base64 when body.encoded), inflated when still gzip'd; None
    when there is none (a dropped over-long string is none: har.DROPPED)."""
    body = _obj(message.get("body"))
    text = body.get("text")
    if not isinstance(text, str) or text == har.DROPPED:
        return None
    if body.get("encoded") is True or _str(body.get("encoding")).lower() == "base64":
        try:
            data = base64.b64decode(text, validate=False)
        except (binascii.Error, ValueError):
            return None
    else:
        data = text.encode("utf-8", errors="replace")
    if data[:2] == b"\x1f\x8b":  # (contentEncoding gzip kept as it went)
        try:
            data = zlib.decompressobj(wbits=31).decompress(data, _MAX_INFLATED)
        except (zlib.error, gzip.BadGzipFile):
            return data
    return data


def _size(message) -> str:
    size = _obj(_obj(message).get("sizes")).get("body")
    return f"{size} bytes" if isinstance(size, int) and size > 0 else "no size"


def noted(cap: har.Capture, bodiless: dict[int, str]) -> har.Capture:
    """The HAR reader's note of a POST without its body said in this file's terms."""
    problems = []
    for p in cap.problems:
        entry, url = har.bodiless_post(cap, p) or (None, "")
        if entry in bodiless:
            p = InputProblem(p.source, "input-body-not-captured",
                             f"POST {url}: the Charles session holds no body for it (its size: {bodiless[entry]}), "
                             "so what the browser sent there is not in the file: record again with the session's "
                             "bodies kept (not a filtered or headers-only export)")
        problems.append(p)
    return replace(cap, problems=tuple(problems))


def ended(cap: har.Capture, path: str, cut: str | None, count: int) -> har.Capture:
    """A session cut short (`cut`: how), or one without a transaction, said so."""
    if cut:
        said = InputProblem(Source(path), "input-truncated", f"the Charles session ends inside its transactions "
                            f"({cut}): the {count} transaction(s) before the cut were read")
    elif not count:
        said = InputProblem(Source(path), "input-capture-empty",
                            "the Charles session holds no transaction: recording stopped before the login")
    else:
        return cap
    return replace(cap, problems=cap.problems + (said,))
