"""Chrome and Edge net-export files (chrome://net-export, edge://net-export: NetLog JSON) as a Capture.

The file is one JSON object (Chromium net/log/file_net_log_observer.cc writes it): "constants"
(logEventTypes, logSourceType, logEventPhase: name -> number; timeTickOffset: epoch ms of tick 0;
logCaptureMode), then "events", each {"type", "source": {"id", "type"}, "phase", "time": ms after
timeTickOffset as a string, "params"}, then "polledData". It is streamed (netlogfile): memory holds
one event and what the entries use, not the file. Chrome writes the events as they come and closes
the array only when logging stops, so a browser that crashed or was killed leaves a file cut short:
read as Chrome's own viewer reads it (catapult netlog_viewer/log_util.js loadLogFile: 'Log file
truncated. Events may be missing.'), every whole event up to the cut. An event whose type the
constants do not name is skipped, as that viewer skips it.

Each URL_REQUEST source is one request and its redirects (net_log_event_type_list.h):
URL_REQUEST_START_JOB (url, method) begins each hop, HTTP_TRANSACTION_SEND_REQUEST_HEADERS and
HTTP_TRANSACTION_READ_RESPONSE_HEADERS hold the headers (the first response line is the status
line), URL_REQUEST_REDIRECTED its location, URL_REQUEST_JOB_FILTERED_BYTES_READ the decoded
response body (base64, "Include raw bytes" only). A request body is in no URL_REQUEST event: with
raw bytes it is in the SOCKET_BYTES_SENT (SSL_SOCKET_BYTES_SENT over TLS) of the socket that sent
it, between the hop's HTTP_TRANSACTION_SEND_REQUEST begin and end; over HTTP/2 in the DATA frames of
the hop's stream (netlogsent); QUIC's is not read. Each hop becomes a HAR-shaped
entry read by the HAR reader (har.read_entries), so flows and checks see the same Capture.
"""
from __future__ import annotations

import base64
import io
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone, tzinfo

from samlscan.inputs import har, netlogfile, netlogsent
from samlscan.inputs.har.stream import MAX_STRING
from samlscan.inputs.base import InputProblem
from samlscan.model import Source

BODY_MAX = MAX_STRING
"""A response body longer than this is not kept, as the HAR reader drops a longer string."""

_TEXTLIKE = re.compile(r"(text/(html|plain|xml)|application/(x-www-form-urlencoded|([\w.-]+\+)?(xml|json))"
                       r"|[\w.-]+/[\w.-]+\+xml)\s*(;|$)", re.IGNORECASE)
"""Response types whose body is kept: pages, XML, JSON, forms (where a SAML message or an auto-submit
form is); images, scripts, styles, fonts and media are dropped as they come."""

CLIENT = "Chrome net-export"
"""The writer the HAR reader is told (codes.HAR_EXPORTS names its fix for what was stripped); with
' (cookies kept)' when its capture mode keeps them (har.cookieproof._KEEPS_COOKIES)."""

COOKIE_MODES = ("IncludeSensitive", "Everything")
"""constants.logCaptureMode values that keep cookies (net_log_capture_mode.h kIncludeSensitive, kEverything)."""

RAW_BYTES_MODE = "Everything"
"""constants.logCaptureMode of 'Include raw bytes' (net/log/net_log_capture_mode.h kEverything)."""

_STRIPPED = re.compile(r"^\[\d+ bytes were stripped\]$")
"""A header value elided below raw-bytes mode: Cookie, Set-Cookie, Authorization
(net/http/http_log_util.cc ElideHeaderValueForNetLog)."""


def sniff(head: bytes) -> bool:
    """A NetLog JSON: an object whose constants name its event types (whatever the key order; Chrome
    writes the constants first, logEventTypes a few KB in, well inside the engine's sniffed head)."""
    h = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return h.startswith(b"{") and b'"constants"' in h and b'"logEventTypes"' in h


def read(path: str, zone: tzinfo | None = None) -> har.Capture:
    """The capture's SAML values and exchanges; problems as data, never raised. `zone` is unused:
    NetLog times are epoch milliseconds (timeTickOffset), never zone-less. Read as a stream: memory
    holds one event and what requests() keeps, whatever the file's size."""
    def failed(detail: str, code: str = "input-unreadable") -> har.Capture:
        return har.Capture((), (), (InputProblem(Source(path), code, detail),), 0)

    try:
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
            opened = _opened(fh)
            if isinstance(opened, str):
                return failed(opened, "input-not-saml")
            constants, events = opened
            entries, bodiless, stripped = requests(constants, events)
    except OSError as exc:
        return failed(f"cannot read: {exc.strerror or exc}")
    col = har.Collector()
    client = CLIENT + (" (cookies kept)" if constants.get("logCaptureMode") in COOKIE_MODES else "")
    exchanges, cookies_seen = har.read_entries(enumerate(entries), path, col, client)
    cap = har.capture_of(col, exchanges, cookies_seen, path, len(entries), client)
    return _noted(cap, path, constants, bodiless, stripped, events.cut)


def load(text: str) -> tuple[dict, list, bool] | str:
    """(constants, events, cut short) of a NetLog text, or why it is not one."""
    opened = _opened(io.StringIO(text))
    if isinstance(opened, str):
        return opened
    constants, events = opened
    return constants, list(events), events.cut


def _opened(fh) -> tuple[dict, netlogfile.Events] | str:
    opened = netlogfile.open_events(fh)
    if isinstance(opened, str):
        return opened
    if not all(isinstance(opened[0].get(k), dict) for k in ("logEventTypes", "logSourceType")):
        return "not a Chrome net-export (NetLog): its constants name no event types, or it has no events"
    return opened


def _names(table) -> dict:
    return {v: k for k, v in table.items() if isinstance(v, int)} if isinstance(table, dict) else {}


def _time(constants: dict, event: dict) -> datetime | None:
    """timeTickOffset + time: the event's wall-clock time (both epoch-based milliseconds)."""
    try:
        return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(
            milliseconds=int(constants.get("timeTickOffset")) + int(event.get("time")))
    except (TypeError, ValueError, OverflowError):
        return None


def requests(constants: dict, events) -> tuple[list[dict], dict[int, str], bool]:
    """HAR-shaped entries, one per hop of each URL_REQUEST, in the order their hops began; the
    POSTs whose body was not captured (entry index -> the protocol it went over: http/1, h2, quic);
    and whether cookies were stripped. `events` is iterated once; only what the entries use is kept."""
    types, sources = _names(constants.get("logEventTypes")), _names(constants.get("logSourceType"))
    phases = _names(constants.get("logEventPhase"))
    hops: list[dict] = []
    current: dict = {}  # URL_REQUEST source id -> its hop being read
    sent = netlogsent.Sent()
    stripped = False
    for event in events:
        name, params = types.get(_key(event.get("type"))), event.get("params")
        params = params if isinstance(params, dict) else {}
        src = event.get("source") if isinstance(event.get("source"), dict) else {}
        src = {"id": _key(src.get("id")), "type": _key(src.get("type"))}
        if sent.take(name, params, src["id"], _ms(event), current):
            continue
        if sources.get(src.get("type")) != "URL_REQUEST" or name is None:
            continue  # (an event type the constants do not name is skipped: a newer Chrome's)
        phase = phases.get(_key(event.get("phase")))
        if name == "URL_REQUEST_START_JOB" and phase == "PHASE_BEGIN" and isinstance(params.get("url"), str):
            hop = {"url": params["url"], "method": str(params.get("method") or "GET"), "at": _time(constants, event),
                   "req": [], "resp": [], "status": 0, "location": None, "body": [], "send": [],
                   "proto": "http/1", "stream": None}
            current[src.get("id")] = hop
            hops.append(hop)
            continue
        hop = current.get(src.get("id"))
        if hop is None:
            continue
        _hop_event(hop, name, params, _ms(event), sent)
        if name.endswith("_HEADERS"):
            stripped |= any(_STRIPPED.match(v) for _, v in hop["req"] + hop["resp"])
    entries, bodiless = [], {}
    for hop in hops:
        entry = _entry(hop, sent)
        if hop["method"] == "POST" and "postData" not in entry["request"]:
            bodiless[len(entries)] = hop["proto"]
        entries.append(entry)
    return entries, bodiless, stripped


def _hop_event(hop: dict, name: str, params: dict, at: float, sent: netlogsent.Sent) -> None:
    """What an event of a URL_REQUEST says of its hop: headers, protocol, send times, status, location,
    and the response's bytes when it is a page (kept whole within BODY_MAX, else none of it)."""
    if name.startswith("HTTP_TRANSACTION_") and name.endswith("SEND_REQUEST_HEADERS"):
        hop["req"] = _headers(params.get("headers"))
        hop["proto"] = "h2" if "HTTP2" in name else "quic" if "QUIC" in name else "http/1"
    elif name == "HTTP_TRANSACTION_SEND_REQUEST":
        hop["send"].append(at)
    elif name == "HTTP_TRANSACTION_READ_RESPONSE_HEADERS":
        lines = params.get("headers") if isinstance(params.get("headers"), list) else []
        hop["status"] = _status(lines[0]) if lines else 0
        hop["resp"] = _headers(lines[1:])
        rtype = next((v for n, v in hop["resp"] if n.lower() == "content-type"), "")
        hop["body"] = [] if not rtype or _TEXTLIKE.match(rtype) else None  # (its bytes come after)
    elif name == "URL_REQUEST_REDIRECTED" and isinstance(params.get("location"), str):
        hop["location"] = params["location"]
    elif name == "URL_REQUEST_JOB_FILTERED_BYTES_READ" and isinstance(params.get("bytes"), str) \
            and hop["body"] is not None:
        data = netlogsent.b64(params["bytes"]) if sent.spend(params["bytes"]) else None
        if data is None or sum(map(len, hop["body"])) + len(data) > BODY_MAX:
            hop["body"] = None  # (the page is not kept whole: none of it is)
        else:
            hop["body"].append(data)


def _key(value):
    """A number or string an event refers by (its type, phase, source), else None (a list or an
    object there would not be a key: bad input is data, never a TypeError)."""
    return value if isinstance(value, (int, str)) else None


def _ms(event: dict) -> float:
    try:
        return float(event.get("time"))
    except (TypeError, ValueError):
        return -1.0


def _status(line) -> int:
    """The code of a status line ('HTTP/1.1 302 Found'; HTTP/2 and QUIC answers are written as 'HTTP/1.1 200')."""
    m = re.match(r"HTTP/\S+\s+(\d{3})\b", line) if isinstance(line, str) else None
    return int(m.group(1)) if m else 0


def _headers(lines) -> list[tuple[str, str]]:
    """'Name: value' lines as pairs; HTTP/2 pseudo-headers (':method: POST') keep their colon; the
    values Chrome stripped (cookies below raw-bytes mode) are kept as written."""
    out = []
    for line in lines if isinstance(lines, list) else []:
        if isinstance(line, str):
            name, sep, value = line[1:].partition(":") if line.startswith(":") else line.partition(":")
            if sep:
                out.append(((":" if line.startswith(":") else "") + name.strip(), value.strip()))
    return out


def _entry(hop: dict, sent: netlogsent.Sent) -> dict:
    """One hop as a HAR 1.2 entry (the fields the HAR reader reads)."""
    def pairs(headers):
        return [{"name": n, "value": v} for n, v in headers if not _STRIPPED.match(v)]

    resp_headers = hop["resp"]
    location = hop["location"] or next((v for n, v in resp_headers if n.lower() == "location"), "")
    ctype = next((v for n, v in hop["req"] if n.lower() == "content-type"), "")
    request: dict = {"method": hop["method"], "url": hop["url"], "headers": pairs(hop["req"])}
    if not any(_STRIPPED.match(v) for _, v in hop["req"]):
        # (Chrome logs every header it sent, eliding a Cookie's value below raw-bytes mode but keeping the
        # line (net/http/http_log_util.cc ElideHeaderValueForNetLog): with none elided, the request's
        # cookies are its Cookie header's, as a HAR's empty list says, Exchange.cookies_recorded)
        request["cookies"] = []
    body = sent.body(hop) if hop["method"] == "POST" else None
    if body is not None:
        request["postData"] = {"mimeType": ctype, "text": body.decode("utf-8", errors="replace")}
    response: dict = {"status": hop["status"], "headers": pairs(resp_headers), "redirectURL": location}
    if hop["body"]:
        rtype = next((v for n, v in resp_headers if n.lower() == "content-type"), "")
        response["content"] = {"mimeType": rtype, "encoding": "base64",
                               "text": base64.b64encode(b"".join(hop["body"])).decode("ascii")}
    at = hop["at"]
    return {"startedDateTime": at.isoformat().replace("+00:00", "Z") if at else None,
            "request": request, "response": response}


def _noted(cap: har.Capture, path: str, constants: dict, bodiless: dict[int, str], stripped: bool,
           cut: bool) -> har.Capture:
    """The HAR reader's notes said in this file's terms: a POST to an ACS without its body, cookies
    Chrome stripped, a file cut short."""
    mode = constants.get("logCaptureMode")
    logged = f"the net-export was logged without 'Include raw bytes' (its capture mode is {mode or 'not said'})"
    problems = []
    for p in cap.problems:
        entry, url = har.bodiless_post(cap, p) or (None, "")
        if entry in bodiless:
            why = logged if mode != RAW_BYTES_MODE else {
                "quic": "it went over QUIC (HTTP/3), whose frames samlscan does not read from a net-export",
                "h2": "it went over HTTP/2 and no DATA frame of its stream is in the bytes its connection sent",
            }.get(bodiless[entry], "no bytes its socket sent hold it")
            # (the HAR reader says so of a POST to a SAML-looking path only: entry._unrecorded_body)
            p = InputProblem(p.source, "input-body-not-captured",
                             f"POST {url}: {why}, so its body (where a POST-binding SAML message is) is not in the file")
        elif p.code == "input-redacted" and not p.source.ref and stripped and p.detail.startswith("no cookies"):
            p = replace(p, detail="no cookies in the capture: Chrome's net-export strips Cookie and Set-Cookie "
                                  "values unless 'Include cookies and credentials' or 'Include raw bytes' is selected")
        problems.append(p)
    if not cap.entries:
        problems.append(InputProblem(Source(path), "input-capture-empty",
                                     "the net-export holds no URL request: logging stopped before the login"))
    if cut:
        problems.append(InputProblem(Source(path), "input-truncated",
                                     "the net-export ends inside its events (Chrome stopped or crashed before it "
                                     "closed the file): the events up to the cut were read"))
    return replace(cap, problems=tuple(problems))
