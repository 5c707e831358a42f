"""The body a client sent on one HTTP/2 stream, from the plain-text bytes of its connection (RFC 9113)."""
from __future__ import annotations

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
"""The client connection preface (RFC 9113 3.4), before the client's first frame."""

_DATA, _PADDED = 0x0, 0x8  # (RFC 9113 6.1: DATA type, its PADDED flag)


def stream_body(sent: bytes, stream_id: int) -> bytes | None:
    """The DATA payloads of `stream_id`, padding removed, in the frames of `sent` (what the client wrote,
    from its preface or from a frame's start); None when no DATA frame of that stream is there.

    Each frame is a 9-byte header (RFC 9113 4.1: length 24 bits, type, flags, R + stream identifier
    31 bits) and its payload. Frames are read up to the first one that does not fit: a length past the
    bytes there are (a bad length, or a log that ends inside the frame) ends the reading."""
    pos = len(PREFACE) if sent.startswith(PREFACE) else 0
    parts: list[bytes] = []
    found = False
    while pos + 9 <= len(sent):
        length = int.from_bytes(sent[pos:pos + 3], "big")
        kind, flags = sent[pos + 3], sent[pos + 4]
        stream = int.from_bytes(sent[pos + 5:pos + 9], "big") & 0x7FFFFFFF
        payload = sent[pos + 9:pos + 9 + length]
        if len(payload) < length:
            break
        pos += 9 + length
        if kind != _DATA or stream != stream_id:
            continue
        if flags & _PADDED:
            if not payload or payload[0] >= len(payload):
                break  # (RFC 9113 6.1: padding as long as the payload is a connection error)
            payload = payload[1:len(payload) - payload[0]]
        parts.append(payload)
        found = True
    return b"".join(parts) if found else None
