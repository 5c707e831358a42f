"""What a net-export's sockets sent, kept as the events stream by, and a POST's body read from it.

With 'Include raw bytes' a socket logs what it wrote: SOCKET_BYTES_SENT (for a TLS socket, the
ciphertext) and SSL_SOCKET_BYTES_SENT (a TLS socket's plain text), on the socket's own source. An HTTP/1.x
body follows its request line there; an HTTP/2 body is the DATA frames of its stream (h2data). The stream
is named by HTTP2_SESSION_SEND_HEADERS (on the HTTP2_SESSION source: stream_id, and as source_dependency
the HTTP_STREAM_JOB the stream was made for, which HTTP_STREAM_JOB_BOUND_TO_REQUEST binds to its
URL_REQUEST), the session's socket by HTTP2_SESSION_INITIALIZED's source_dependency (net/spdy/
spdy_session.cc, spdy_stream.cc; so in Chromium 150's own net-export of a POST over HTTP/2).
"""
from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import urlsplit

from samlscan.inputs import h2data

KEEP_MAX = 256 << 20
"""What a file's events may leave kept at most (bytes sent and response bodies); beyond it, no more is."""

_SENT = ("SOCKET_BYTES_SENT", "SSL_SOCKET_BYTES_SENT")


class Sent:
    """The bytes sockets sent and the HTTP/2 sessions' links, kept from the events given to `take`."""

    def __init__(self) -> None:
        self.left = KEEP_MAX
        self.sent: list[tuple[float, object, str, bytes]] = []  # (time, socket, event name, bytes)
        self.tls: set = set()  # sockets whose plain text is logged: their SOCKET_BYTES_SENT after it is ciphertext
        self.sessions: dict = {}  # HTTP2_SESSION source id -> its socket's
        self.bound: dict = {}  # HTTP_STREAM_JOB source id -> the URL_REQUEST it serves

    def spend(self, text: str) -> bool:
        """Whether base64 `text`'s bytes still fit in what may be kept (counted if so)."""
        self.left -= len(text) * 3 // 4
        return self.left >= 0

    def take(self, name: str | None, params: dict, source, at: float, current: dict) -> bool:
        """Keep what an event of a socket or an HTTP/2 session says; whether it was one. `current`: the
        hop each URL_REQUEST is sending (an HTTP/2 stream is given to its hop as `stream`)."""
        if name in _SENT and isinstance(params.get("bytes"), str):
            if name == "SSL_SOCKET_BYTES_SENT":
                self.tls.add(source)
            if (name == "SSL_SOCKET_BYTES_SENT") == (source in self.tls) and self.spend(params["bytes"]):
                self.sent.append((at, source, name, b64(params["bytes"])))
        elif name == "HTTP2_SESSION_INITIALIZED":
            self.sessions[source] = dependency(params)
        elif name == "HTTP_STREAM_JOB_BOUND_TO_REQUEST":
            self.bound[source] = dependency(params)
        elif name == "HTTP2_SESSION_SEND_HEADERS":
            dep = dependency(params)  # (the stream's job; a URL_REQUEST itself is taken too)
            hop = current.get(self.bound.get(dep, dep))
            if hop is not None and isinstance(params.get("stream_id"), int) \
                    and _pseudo(params, ":method", hop["method"]) == hop["method"] \
                    and _pseudo(params, ":path", target(hop["url"])) == target(hop["url"]):
                hop["stream"] = (source, params["stream_id"])
        else:
            return False
        return True

    def body(self, hop: dict) -> bytes | None:
        """The body a POST hop sent over HTTP/1.x or HTTP/2, if its bytes are here."""
        if hop["proto"] == "http/1":
            return self._text_body(hop)
        if hop["proto"] != "h2" or not hop["stream"]:
            return None
        session, stream = hop["stream"]
        socket = self.sessions.get(session)
        return h2data.stream_body(b"".join(d for _, s, n, d in self.sent
                                           if s == socket and n == "SSL_SOCKET_BYTES_SENT"), stream)

    def _text_body(self, hop: dict) -> bytes | None:
        """An HTTP/1.x body: after its request line and headers, in the plain-text bytes its socket sent
        while the hop sent its request."""
        if len(hop["send"]) < 2:
            return None
        first, last = hop["send"][0], hop["send"][-1]
        streams: dict = {}
        for at, sock, name, data in self.sent:
            if first <= at <= last and (name == "SSL_SOCKET_BYTES_SENT") == (sock in self.tls):
                streams[sock] = streams.get(sock, b"") + data
        line = f"{hop['method']} {target(hop['url'])} HTTP/1.".encode("latin-1", errors="replace")
        for data in streams.values():
            at = data.find(line)
            end = data.find(b"\r\n\r\n", at) if at >= 0 else -1
            if end < 0:
                continue
            length = re.search(rb"\r\ncontent-length:\s*(\d+)", data[at:end], re.IGNORECASE)
            body = data[end + 4:]
            return body[:int(length.group(1))] if length else body
        return None


def _pseudo(params: dict, name: str, default: str) -> str:
    """An HTTP/2 pseudo-header's value among an event's 'name: value' header lines."""
    lines = params.get("headers") if isinstance(params.get("headers"), list) else []
    return next((line[len(name) + 1:].strip() for line in lines
                 if isinstance(line, str) and line.startswith(name + ":")), default)


def target(url: str) -> str:
    """The request target (path and query) of a URL, as a request line or :path says it."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def dependency(params: dict):
    """The source id an event's params.source_dependency names (net/log/net_log_source.cc)."""
    dep = params.get("source_dependency")
    dep = dep.get("id") if isinstance(dep, dict) else None
    return dep if isinstance(dep, (int, str)) else None


def b64(value: str) -> bytes:
    """Base64 bytes of an event, or none."""
    try:
        return base64.b64decode(value, validate=False)
    except (binascii.Error, ValueError):
        return b""
