"""Charles Proxy XML sessions (.chlsx: File > Export Session > XML Session File) as a Capture.

The file is `<charles-session>` (after `<?charles serialisation-version='2.0' ?>`) holding one
`<transaction>` per request: the request line's parts and times as attributes (method, protocolVersion,
protocol (the scheme), host, port / actualPort, path, query, startTime: ISO 8601 with the recording
machine's offset, startTimeMillis), then `<request>` and `<response status="...">`, each with `mime-type`
and `charset` attributes, `<headers>` (`<first-line>`, then `<header><name/><value/></header>`) and
`<body>` (its text, base64 when encoding="base64"). Sources: sangupta's CharlesSessionXmlLogParser
(com.sangupta.logparser.charles: every attribute and element above) and jeffsutton's CharlesSession
model (simpleframework bindings of the same).

Each transaction is read into the JSON session's shape and from there into the HAR entry the HAR reader
reads (inputs.charles.entry_of): one conversion for both of Charles's text formats. Read through the
package's hardened XML parser (xmlsafe.iter_complete: no DTD, no entities; one transaction held at a time).
"""
from __future__ import annotations

import os
import re
from dataclasses import replace
from datetime import datetime, timezone, tzinfo

_HEAD = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?[^>]{0,300}\?>\s*|<!--(?:[^-]|-(?!->)){0,2000}-->\s*)*"
                   rb"<charles-session[\s>/]")
"""The document element, after the XML declaration, Charles's own processing instruction and comments."""

_CLOSED = re.compile(rb"</(?:[\w.-]+:)?charles-session\s*>\s*$")
"""The document element's end tag, ending the file."""

MAX_BYTES = 256 * 1024 * 1024
"""xmlsafe.MAX_METADATA_BYTES: the most XML the package's parser reads in one document."""


def sniff(head: bytes) -> bool:
    """A Charles XML session: its document element is <charles-session>."""
    return bool(_HEAD.match(head))


def read(path: str, zone: tzinfo | None = None):
    """Every SAML value and exchange of the session, in capture order; problems as data, never raised."""
    from samlscan.inputs.zoneless import read_in_zone

    return read_in_zone(_read, path, zone)


def _read(path: str):
    from samlscan.errors import InputError
    from samlscan.inputs import charles, har
    from samlscan.inputs.base import InputProblem
    from samlscan.model import Source
    from samlscan.xmlsafe import iter_complete

    def failed(detail: str, code: str = "input-unreadable") -> har.Capture:
        return har.Capture((), (), (InputProblem(Source(path), code, detail),), 0)

    try:
        if os.path.getsize(path) > MAX_BYTES:
            return failed(f"over {MAX_BYTES} bytes: not read as a Charles XML session", "input-too-large")
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return failed(f"cannot read: {exc.strerror or exc}")
    txs: list[tuple[int, dict]] = []
    error = None
    try:
        for el in iter_complete(data, "transaction"):
            txs.append((len(txs), transaction(el)))
    except InputError as exc:
        error = exc
    if error is not None and not txs:
        return failed(f"not a readable Charles XML session: {error.detail}", error.code)
    col, bodiless = har.Collector(), {}
    exchanges, cookies_seen = har.read_entries(charles.entries(iter(txs), bodiless), path, col, charles.CLIENT)
    cap = charles.noted(har.capture_of(col, exchanges, cookies_seen, path, len(txs), charles.CLIENT), bodiless)
    if error is None:
        return charles.ended(cap, path, None, len(txs))
    if not _CLOSED.search(data[-4096:]):  # (the error is the cut: Charles closes the session it writes)
        return charles.ended(cap, path, f"the XML ends early: {error.detail}", len(txs))
    said = InputProblem(Source(path), error.code, f"{error.detail}: the {len(txs)} transaction(s) before it were read")
    return replace(cap, problems=cap.problems + (said,))


def _local(tag) -> str:
    """An element's name without any namespace (Charles writes none; a tool that re-wrote the file may)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(el, name: str):
    return next((c for c in el if _local(c.tag) == name), None) if el is not None else None


def _message(el) -> dict:
    """<request> or <response> in the JSON session's shape."""
    if el is None:
        return {}
    headers = _child(el, "headers")
    first = _child(headers, "first-line")
    pairs = [{"name": (_child(h, "name").text if _child(h, "name") is not None else "") or "",
              "value": (_child(h, "value").text if _child(h, "value") is not None else "") or ""}
             for h in (headers if headers is not None else []) if _local(h.tag) == "header"]
    msg: dict = {"mimeType": el.get("mime-type"), "charset": el.get("charset"),
                 "header": {"firstLine": (first.text or "") if first is not None else "", "headers": pairs}}
    body = _child(el, "body")
    if body is not None and body.text:
        msg["body"] = {"text": body.text, "encoded": (body.get("encoding") or "").lower() == "base64"}
    if el.get("body", "").isdigit():
        msg["sizes"] = {"body": int(el.get("body"))}
    if (el.get("status") or "").isdigit():
        msg["status"] = int(el.get("status"))
    return msg


def _start(el) -> str | None:
    """startTime (ISO 8601 with its offset), else startTimeMillis (epoch milliseconds) as UTC."""
    if el.get("startTime"):
        return el.get("startTime")
    millis = el.get("startTimeMillis") or ""
    if millis.isdigit():
        try:
            return datetime.fromtimestamp(int(millis) / 1000, tz=timezone.utc).isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    return None


def transaction(el) -> dict:
    """A <transaction> element in the JSON session's shape (inputs.charles)."""
    port = el.get("port") or el.get("actualPort") or ""
    return {"method": el.get("method"), "protocolVersion": el.get("protocolVersion"), "scheme": el.get("protocol"),
            "host": el.get("host"), "port": int(port) if port.isdigit() else None, "path": el.get("path"),
            "query": el.get("query"), "times": {"start": _start(el)},
            "request": _message(_child(el, "request")), "response": _message(_child(el, "response"))}
