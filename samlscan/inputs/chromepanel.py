"""SAML Chrome Panel exports (the DevTools panel milton-lai/saml-chrome-panel, its Export button).

The file is one JSON object of the requests the panel captured, keyed by a growing numeric id;
each value is the Chrome HAR entry (chrome.devtools.network.onRequestFinished) with the panel's
own fields added: request_url, request_method, response_status, flattened cookies/headers/
postData lists, and `saml`, the message it decoded. The HAR entry is read exactly as in a HAR
file (binding, capture time, flow); the panel's `saml` copy is left aside, since it was decoded
without its binding (a redirect value inflated, a POST value base64-decoded) and adds nothing.
"""
from __future__ import annotations

import json
import os
from datetime import tzinfo

from samlscan.inputs import har
from samlscan.inputs.base import InputProblem
from samlscan.inputs.zoneless import read_in_zone
from samlscan.model import Source

MAX_BYTES = 64 * 1024 * 1024
"""The panel keeps at most 500 requests; an export bigger than this is not one."""


def sniff(head: bytes) -> bool:
    h = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return (h.startswith(b"{") and b'"request_url"' in h and b'"response_status"' in h
            and b'"startedDateTime"' in h)


def read(path: str, zone: tzinfo | None = None) -> har.Capture:
    """Every SAML value and exchange of the export, in capture order; problems as data. A startedDateTime
    without a zone is read in `zone` (--timezone's for the file), else UTC (inputs.zoneless)."""
    return read_in_zone(_read, path, zone)


def _read(path: str) -> har.Capture:
    def failed(detail: str, code: str = "input-unreadable") -> har.Capture:
        return har.Capture((), (), (InputProblem(Source(path), code, detail),), 0)

    try:
        if os.path.getsize(path) > MAX_BYTES:
            return failed(f"over {MAX_BYTES} bytes: not a SAML Chrome Panel export", "input-too-large")
        with open(path, "rb") as fh:
            data = json.loads(fh.read().decode("utf-8-sig"))
    except OSError as exc:
        return failed(f"cannot read: {exc.strerror or exc}")
    except ValueError as exc:
        return failed(f"not JSON: {exc}")
    if not isinstance(data, dict):
        return failed("not a SAML Chrome Panel export (a JSON object of requests)", "input-not-saml")
    entries = [v for _, v in sorted(data.items(), key=lambda kv: _order(kv[0], kv[1])) if isinstance(v, dict)]
    col = har.Collector()
    exchanges, cookies_seen = har.read_entries(enumerate(entries), path, col)
    return har.capture_of(col, exchanges, cookies_seen, path, len(entries))


def _order(key: str, entry) -> tuple:
    """The panel's ids grow with capture order; fall back on the entry's start time."""
    started = entry.get("startedDateTime") if isinstance(entry, dict) else None
    return (int(key) if key.isdigit() else float("inf"), str(started or ""))
