"""Raw HTTP messages, as proxies and debuggers save them: pasted request/response text (Burp
'Copy to file', Fiddler 'Save > Entire request', ZAP 'Save raw' and its '==== N ====' export),
Burp Suite's 'Save items' XML export (each request and response in base64 or as CDATA text),
and Fiddler's .saz session archives (raw/NN_c.txt, NN_s.txt, NN_m.xml in a zip).

Each request (with the response that follows it) becomes a HAR entry and is read by the HAR
reader, so bindings, RelayState, redirect signatures, auto-submit pages and the dedup of a
page's form against the browser's POST of the same value work as in a HAR.
"""
from __future__ import annotations

import base64
import binascii
import itertools
import re
import zlib
from dataclasses import replace
from datetime import datetime, timedelta, timezone, tzinfo

from samlscan import lazyre
from samlscan.inputs import har
from samlscan.inputs.base import InputProblem
from samlscan.model import Source, usable_time

MAX_MESSAGES = 10_000
"""HTTP messages read from one paste or export at most."""

_START = lazyre.compile(r"^(?:([A-Z]{3,7}) (\S+) HTTP/\d(?:\.\d)?|HTTP/\d(?:\.\d)? (\d{3})\b[^\r\n]*)\r?$",
                    re.MULTILINE)
_BLANK = lazyre.compile(r"\r?\n\r?\n")
_ZAP_SEP = lazyre.compile(r"(?:^|\n)={3,} \d+ =+\s*$")


def _headers(block: str) -> list[dict]:
    out = []
    for line in block.splitlines()[:500]:
        name, sep, value = line.partition(":")
        if sep and name.strip() and " " not in name.strip():
            out.append({"name": name.strip(), "value": value.strip()})
    return out


def _get(headers: list[dict], name: str) -> str | None:
    return next((h["value"] for h in headers if h["name"].lower() == name), None)


# --- bodies as the proxy saved them ----------------------------------------------------------
# Burp and Fiddler save a message as it crossed the wire: a body sent with 'Transfer-Encoding:
# chunked' (RFC 9112 7.1) keeps its chunk-size lines, which fall anywhere in a page (inside an
# auto-submit form's SAMLResponse value), and a 'Content-Encoding: gzip' body stays compressed
# (Fiddler's "Response body is encoded. Click to decode."). Both are undone before the body is read.

_CHUNK_SIZE = lazyre.compile(rb"([0-9A-Fa-f]{1,8})[ \t]*(?:;[^\r\n]*)?(?:\r?\n|\Z)")
_LINE_END = lazyre.compile(rb"\r?\n")
MAX_BODY = har.MAX_STRING
"""A body de-chunked or inflated to more than this is cut there (the HAR reader drops longer strings)."""
MAX_INFLATED = 256 * 1024 * 1024
"""What the compressed bodies of one capture may inflate to in all: its messages are held in memory
together (a 1.2 MB Burp export of 200 gzip bodies, each 4 MiB of one letter, took 860 MB)."""


class Inflating:
    """The bytes the compressed bodies of one capture may still inflate to (MAX_INFLATED); past
    them a body is read as it was saved."""

    def __init__(self, left: int | None = None):
        self.left = MAX_INFLATED if left is None else left

    def inflate(self, data: bytes, coding: str) -> bytes | None:
        if self.left <= 0:
            return None
        got = _inflated(data, coding, min(MAX_BODY, self.left))
        self.left -= len(got or b"")
        return got


def _dechunked(data: bytes) -> bytes | None:
    """The data of a chunked body; None when `data` is not one (then it is read as it is). A copy
    whose CRLFs became LFs (a paste) still de-chunks: a chunk's data then ends where its LFs,
    counted as the CRLFs they were, make up its size."""
    out: list[bytes] = []
    pos, size = 0, 0
    while True:
        m = _CHUNK_SIZE.match(data, pos)
        if m is None:
            return None if not out else (b"".join(out) if pos >= len(data.rstrip(b"\r\n")) else None)
        n = int(m.group(1), 16)
        if n == 0:
            return b"".join(out)
        start = m.end()
        for end in (start + n, _lf_end(data, start, n)):
            after = _LINE_END.match(data, end)
            if after is not None or end >= len(data):
                break
        else:
            return None
        out.append(data[start:end])
        size += end - start
        if size > MAX_BODY:
            return b"".join(out)[:MAX_BODY]
        pos = after.end() if after is not None else len(data)


def _lf_end(data: bytes, start: int, n: int) -> int:
    """Where a chunk of `n` bytes ends when each LF in it was a CRLF."""
    pos, left = start, n
    while True:
        nl = data.find(b"\n", pos, pos + left)
        if nl < 0:
            return pos + left
        left -= nl - pos + 2
        pos = nl + 1
        if left <= 0:
            return pos


def _dechunked_text(body: str) -> str:
    data = _dechunked(body.encode("utf-8"))
    return body if data is None else data.decode("utf-8", "replace")


def _inflated(data: bytes, coding: str, limit: int) -> bytes | None:
    """A gzip or deflate body inflated (at most `limit` bytes, more than 0); None for another coding
    (br) or data that does not inflate."""
    for wbits in {"gzip": (31,), "x-gzip": (31,), "deflate": (15, -15)}.get(coding, ()):
        try:
            return zlib.decompressobj(wbits).decompress(data, limit)
        except zlib.error:
            continue
    return None


def message_text(data: bytes, inflating: Inflating | None = None) -> str:
    """One HTTP message saved as bytes (a Fiddler session's raw/NN_s.txt, a Burp item in base64)
    as text: its body de-chunked and inflated (within the capture's `inflating` budget), the headers
    that named those encodings dropped."""
    blank = re.search(rb"\r?\n\r?\n", data)
    if blank is None:
        return data.decode("utf-8", "replace")
    head, body = data[:blank.start()].decode("utf-8", "replace"), data[blank.end():]
    headers = _headers(head)
    if "chunked" in (_get(headers, "transfer-encoding") or "").lower():
        body = _dechunked(body.rstrip(b"\r\n")) or body
    coding = (_get(headers, "content-encoding") or "").strip().lower()
    inflated = (inflating or Inflating()).inflate(body, coding) if coding else None
    drop = ("transfer-encoding", "content-length") + (("content-encoding",) if inflated is not None else ())
    if inflated is not None:
        body = inflated
    lines = [ln for ln in head.splitlines() if ln.partition(":")[0].strip().lower() not in drop]
    return "\r\n".join(lines) + "\r\n\r\n" + body.decode("utf-8", "replace")


def entries_of(text: str, at: datetime | None = None) -> list[dict]:
    """HAR entries for the raw HTTP messages in `text`: a request and the response after it make
    one entry; a response with no request before it is an entry of its own."""
    return _entries(text, at)[0]


def _lf(text: str) -> str:
    """Text whose lines end in a bare CR (a classic Mac OS editor's, some tools' saved messages),
    with LF line ends: read as one line, its requests were no HTTP messages at all."""
    return text.replace("\r", "\n") if "\r" in text and "\n" not in text else text


def _entries(text: str, at: datetime | None = None) -> tuple[list[dict], bool]:
    """entries_of, and whether messages beyond MAX_MESSAGES were left out (the last one read
    ends where the next begins: it did not swallow the rest as its body)."""
    text = _lf(text)
    starts = list(itertools.islice(_START.finditer(text), MAX_MESSAGES + 1))
    cut = len(starts) > MAX_MESSAGES
    entries: list[dict] = []
    for i, m in enumerate(starts[:MAX_MESSAGES]):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        chunk = text[m.end():end]
        blank = _BLANK.search(chunk)
        head, body = (chunk[:blank.start()], chunk[blank.end():]) if blank else (chunk, "")
        body = body.rstrip("\r\n")
        tail = _ZAP_SEP.search(body[-200:])  # ZAP's '==== 8 ==========' before the next message
        body = body[:len(body) - len(body[-200:]) + tail.start()] if tail else body
        headers = _headers(head)
        ctype = _get(headers, "content-type") or ""
        if "chunked" in (_get(headers, "transfer-encoding") or "").lower():
            body = _dechunked_text(body)
        if m.group(1):  # a request
            target = m.group(2)
            url = target if re.match(r"https?://", target) else \
                f"https://{_get(headers, 'host') or 'localhost'}{target if target.startswith('/') else '/' + target}"
            # (its headers are all it sent: its cookies are its Cookie header's, the empty list says
            # so as a HAR's does, Exchange.cookies_recorded)
            req = {"method": m.group(1), "url": url, "headers": headers, "cookies": []}
            if body.strip():
                req["postData"] = {"mimeType": ctype, "text": body}
            entries.append({"request": req, "response": {}, "startedDateTime": at.isoformat() if at else None})
        else:
            resp = {"status": int(m.group(3)), "headers": headers,
                    "content": {"mimeType": ctype, "text": body}}
            if entries and not entries[-1]["response"]:
                entries[-1]["response"] = resp
            else:
                entries.append({"request": {}, "response": resp, "startedDateTime": at.isoformat() if at else None})
    return entries, cut


def capture(entries: list[dict], path: str, ref: str = "entry", numbers: list[int] | None = None) -> har.Capture:
    """The SAML values and exchanges of HAR-shaped entries (no 'sanitized HAR' note: a pasted
    request need not carry its cookies), each named '<ref> <number>'.

    The number is the one a user finds the exchange by in what they captured with: the tool's own
    (`numbers`: Fiddler's session numbers); else its place in the file counted from 1 ('item 1', the
    first <item> of a Burp export, which keeps no number of Burp's history; 'message 1', like a
    paste's 'part 1'). Only a HAR's 'entry N' is its 0-based index in log.entries (jq's
    .log.entries[N]), as reports have always cited it."""
    if numbers is None and ref != "entry":
        numbers = list(range(1, len(entries) + 1))
    col = har.Collector()
    exchanges, _ = har.read_entries(zip(numbers, entries) if numbers is not None else enumerate(entries),
                                    path, col)
    msgs = tuple(m if ref == "entry" else _ref(m, ref) for m in col.result())
    probs = tuple(p if ref == "entry" else _ref(p, ref) for p in col.problems)
    return har.on_server_time(har.Capture(msgs, tuple(replace(ex, word=ref) for ex in exchanges), probs, len(entries)),
                              col.dates, path)


def _ref(obj, word: str):
    r = obj.source.ref or ""
    return replace(obj, source=Source(obj.source.input, r.replace("entry ", f"{word} ", 1)))


def conversation(text: str, path: str = "-") -> har.Capture:
    """The capture of pasted raw HTTP text: its messages, exchanges (for flows) and problems."""
    entries, cut = _entries(text)
    cap = capture(entries, path, "message")
    if not cut:
        return cap
    more = InputProblem(Source(path), "input-too-large", f"more than {MAX_MESSAGES} HTTP messages in one "
                        f"paste: the first {MAX_MESSAGES} were read")
    return har.Capture(cap.messages, cap.exchanges, cap.problems + (more,), cap.entries)


def messages_of(text: str, path: str = "-") -> list:
    """RawMessages and InputProblems of pasted raw HTTP text (paste.read)."""
    cap = conversation(text, path)
    return list(cap.messages) + list(cap.problems)


def is_conversation(text: str) -> bool:
    """Raw HTTP from its first line on, more than one message (a request and its answer, a
    whole login): a capture at any size, its exchanges read as flows."""
    first = _lf(text).lstrip("\ufeff \t\r\n")
    return bool(_START.match(first)) and len(list(itertools.islice(_START.finditer(first), 2))) > 1


def read_conversation(path: str) -> har.Capture:
    """A file of raw HTTP (a pasted conversation, Burp's 'Copy to file' of several items)."""
    text = _read_text(path, "of raw HTTP")
    return text if isinstance(text, har.Capture) else conversation(text, path)


def _failed(path: str, code: str, detail: str) -> har.Capture:
    return har.Capture((), (), (InputProblem(Source(path), code, detail),), 0)


def _read_text(path: str, what: str) -> str | har.Capture:
    """The file's text, or the failed capture that says why it cannot be read (at most
    BURP_MAX_BYTES are read)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(BURP_MAX_BYTES + 1)
    except OSError as exc:
        return _failed(path, "input-unreadable", f"cannot read: {exc.strerror or exc}")
    if len(data) > BURP_MAX_BYTES:
        return _failed(path, "input-too-large", f"over {BURP_MAX_BYTES} bytes {what}")
    return data.decode("utf-8-sig", "replace")  # (a BOM: Notepad's UTF-8; a request line starts the text)


# --- Burp Suite 'Save items' XML ------------------------------------------------------------

BURP_MAX_BYTES = 512 * 1024 * 1024


def sniff_burp(head: bytes) -> bool:
    return b"<items burpVersion=" in head[:8192] or (b"<!DOCTYPE items [" in head[:200] and b"<item>" in head)


_ATTR = lazyre.compile(r'(?<!\w)(\w+)="([^"]*)"')
"""An attribute of a Burp item's tag. A name starts after a non-word character: tried from inside
a word, a 40,000-character one (no '=' after it) took 40 s, every start scanning to its end."""


def _cdata(item: str, tag: str) -> tuple[str | None, dict]:
    start = item.find(f"<{tag}")
    if start < 0:
        return None, {}
    gt = item.find(">", start)
    end = item.find(f"</{tag}>", gt)
    if gt < 0 or end < 0:
        return None, {}
    attrs = dict(_ATTR.findall(item[start:gt]))
    inner = item[gt + 1:end]
    if inner.startswith("<![CDATA[") and inner.endswith("]]>"):
        inner = inner[9:-3]
    else:
        from html import unescape

        inner = unescape(inner)
    return inner, attrs


def _bytes_text(value: str | None, attrs: dict, inflating: Inflating) -> str:
    if not value:
        return ""
    if attrs.get("base64") == "true":
        try:
            return message_text(base64.b64decode(value, validate=False), inflating)
        except (binascii.Error, ValueError):
            return ""
    return value


_ZONES = {"UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 1, "BST": 1, "CET": 1, "CEST": 2, "MET": 1,
          "MEST": 2, "EET": 2, "EEST": 3, "MSK": 3, "EST": -5, "EDT": -4, "CDT": -5, "MST": -7, "MDT": -6,
          "PST": -8, "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10, "JST": 9, "KST": 9, "AEST": 10,
          "AEDT": 11, "ACST": 9.5, "AWST": 8, "NZST": 12, "NZDT": 13, "SGT": 8, "HKT": 8}
"""Abbreviations Java's Date.toString() writes, unambiguous ones only (_SHARED are not)."""
_SHARED = ("CST", "IST", "AST")
"""Abbreviations the JVM writes for several zones: CST (America/Chicago UTC-6, Asia/Shanghai UTC+8, Cuba
UTC-5), IST (Asia/Kolkata UTC+5:30, Europe/Dublin's summer UTC+1, Asia/Jerusalem UTC+2), AST (the Atlantic
UTC-4, Arabia UTC+3): such a time is read as one written without a zone (--timezone's for the file, else
UTC with the zone note)."""


def burp_time(value: str | None) -> datetime | None:
    """'Tue Mar 11 09:41:02 CET 2025' (the JVM's local zone, by its abbreviation); a time whose
    abbreviation several zones share (_SHARED) without its zone."""
    m = re.match(r"\s*\w{3} (\w{3}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) ([A-Z]{1,5}) (\d{4})\s*$", value or "")
    if m is None or m.group(6) not in _ZONES and m.group(6) not in _SHARED:
        return None
    try:
        local = datetime.strptime(f"{m.group(7)} {m.group(1)} {m.group(2)} {m.group(3)}:{m.group(4)}:{m.group(5)}",
                                  "%Y %b %d %H:%M:%S")
    except ValueError:
        return None
    if m.group(6) in _SHARED:
        return local if usable_time(local.replace(tzinfo=timezone.utc)) else None
    return usable_time(local.replace(tzinfo=timezone(timedelta(hours=_ZONES[m.group(6)]))))


def read_burp(path: str, zone: tzinfo | None = None) -> har.Capture:
    """A Burp Suite XML export: its <!DOCTYPE items [...]> is never given to an XML parser (the
    items are cut out as text), base64 or CDATA requests and responses read as raw HTTP. A time
    whose zone abbreviation several zones share is read in `zone` (--timezone's for the file), else
    UTC (inputs.zoneless)."""
    from samlscan.inputs.zoneless import read_in_zone

    return read_in_zone(_read_burp, path, zone)


def _read_burp(path: str) -> har.Capture:
    text = _read_text(path, "of Burp items: save fewer")
    if isinstance(text, har.Capture):
        return text
    entries: list[dict] = []
    pos = 0
    inflating = Inflating()
    while len(entries) < MAX_MESSAGES:
        start = text.find("<item>", pos)
        end = text.find("</item>", start) if start >= 0 else -1
        if end < 0:
            break
        item = text[start:end]
        pos = end + 7
        at = burp_time(_cdata(item, "time")[0])
        got = entries_of(_bytes_text(*_cdata(item, "request"), inflating), at)
        resp = entries_of(_bytes_text(*_cdata(item, "response"), inflating), at)
        url = (_cdata(item, "url")[0] or "").strip()
        if not got:
            got = [{"request": {"method": (_cdata(item, "method")[0] or "GET").strip(), "url": url},
                    "response": {}, "startedDateTime": at.isoformat() if at else None}]
        elif re.match(r"https?://", url, re.IGNORECASE):
            # the item's URL says the scheme and port the request line and Host do not (an SP
            # reached over plain http behind a TLS-terminating proxy: its Destination check fails)
            got[0]["request"]["url"] = url
        if resp and not resp[0]["request"]:
            got[-1]["response"] = resp[0]["response"]
        entries.extend(got[:1])
    if not entries:
        return _failed(path, "input-not-saml", "a Burp Suite export with no <item> (save the requests of the "
                       "login with 'Save items', base64-encoded or not)")
    order = capture_order([har.parse_time(e["startedDateTime"]) for e in entries])
    return capture([entries[i] for i in order], path, "item", [i + 1 for i in order])


def capture_order(times: list[datetime | None]) -> list[int]:
    """Positions of a Burp export's items in the order they were captured. Burp saves the selected
    items in the order its table shows them, which a user may have sorted newest first; its <time>
    has whole seconds only, so a list that never goes forward in time is read backwards (a 307 and
    the browser's repeat of the POST, in the same second, then come in the order they were sent),
    and one in no order is sorted by time, items of the same second kept in their order."""
    known = [t for t in times if t is not None]
    if len(known) < len(times) or len(set(known)) < 2:
        return list(range(len(times)))  # nothing to order by
    if all(a >= b for a, b in zip(known, known[1:])):
        return list(range(len(times)))[::-1]
    return sorted(range(len(times)), key=lambda i: known[i])


# --- Fiddler .saz -------------------------------------------------------------------------

SAZ_MEMBER = lazyre.compile(r"^raw[/\\](\d{1,9})_([csm])\.(?:txt|xml)$", re.IGNORECASE)
"""(Fiddler numbers sessions with a few digits: a 5,000-digit number is no session, and int() of
it failed the archive as 'corrupt zip data')."""
_SAZ_TIME = lazyre.compile(r'ClientBeginRequest="([^"]+)"')


def is_saz(names: list[str]) -> bool:
    return any(SAZ_MEMBER.match(n) and n.lower().endswith("_c.txt") for n in names)


def saz_time(meta: str) -> datetime | None:
    m = _SAZ_TIME.search(meta)
    return None if m is None else _dotnet_time(m.group(1))


def _dotnet_time(value: str) -> datetime | None:
    """A SessionTimers value: .NET's round-trip format, local time with its offset."""
    value = re.sub(r"(\.\d{6})\d+", r"\1", value)  # .NET writes 7 fractional digits
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return usable_time(t) if t.tzinfo else None


_SAZ_TIMERS = lazyre.compile(r"<SessionTimers\b[^>]{0,2000}>")


def saz_timings(meta: str) -> dict:
    """A session's HAR `time` and `timings` (ms) from its SessionTimers (FiddlerCore's SessionTimers:
    ClientBeginRequest, Fiddler's read of the request, the entry's start; FiddlerBeginRequest and
    ServerGotRequest, its send to the server; ServerBeginResponse, the answer's first bytes;
    ClientDoneResponse, the browser has it all). 'blocked' is what Fiddler held the request for: a
    breakpoint (Rules > Automatic Breakpoints, bpu) keeps it there for minutes before the server
    sees it and writes its Date (har.clock._server_window). {} when a timer is unset or out of order."""
    tag = _SAZ_TIMERS.search(meta)
    timers = {k: _dotnet_time(v) for k, v in _ATTR.findall(tag.group(0))} if tag else {}
    order = [timers.get(k) for k in ("ClientBeginRequest", "FiddlerBeginRequest", "ServerGotRequest",
                                     "ServerBeginResponse", "ClientDoneResponse")]
    if None in order or any(b < a for a, b in zip(order, order[1:])):
        return {}
    ms = [(b - a).total_seconds() * 1000 for a, b in zip(order, order[1:])]
    return {"time": sum(ms), "timings": dict(zip(("blocked", "send", "wait", "receive"), ms))}


def read_saz(sessions: dict[int, dict[str, str]], path: str) -> har.Capture:
    """Sessions of a Fiddler archive ({number: {'c': request, 's': response, 'm': metadata}}) in
    session order, as one capture."""
    entries, numbers = [], []
    for num in sorted(sessions)[:MAX_MESSAGES]:
        s = sessions[num]
        at = saz_time(s.get("m", ""))
        got = entries_of(s.get("c", ""), at)[:1]
        if not got:
            continue
        resp = entries_of(s.get("s", ""), at)
        if resp and not resp[0]["request"]:
            got[0]["response"] = resp[0]["response"]
        entries.append({**got[0], **saz_timings(s.get("m", ""))})
        numbers.append(num)
    return capture(entries, path, "session", numbers)
