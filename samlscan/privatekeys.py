"""Private key material, which no output of samlscan may carry (a log line can hold one: an app
printing its settings, a key pasted into a ticket's log)."""
from __future__ import annotations

import base64
import binascii
import re

REMOVED = "[private key removed by samlscan]"
_BODY = r"(?:[A-Za-z0-9+/=:,\s-]|\\[nrt/])"
"""What a PEM body holds: base64, its headers (Proc-Type: 4,ENCRYPTED) and line breaks, also
JSON-escaped ('\\n', and PHP's '\\/')."""
_PEM = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
    r"(?=(?:\s|\\[nrt])*(?:[A-Za-z-]+: [^\n\\]*(?:\n|\\n)(?:\s|\\[nrt])*)*(?:[A-Za-z0-9+/]|\\/){16})"  # a body follows
    rf"{_BODY}*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|(?!{_BODY})|\Z)")
"""A PEM or PGP private key block (RFC 7468; OpenPGP's armor), to its END line or, cut short, to
where its body ends; a header that only names the format ('expected -----BEGIN PRIVATE KEY-----
header') is no key."""
_PUTTY = re.compile(r"Private-Lines:\s*\d+(?:\s|\\[nrt])+[A-Za-z0-9+/=\s]+?(?=Private-MAC|\\[nrt]Private-MAC|\Z)")
"""A PuTTY key file's private part."""
_START = re.compile(r"(?<![A-Za-z0-9+/])M[GHI][A-Za-z0-9+/]{10}")
"""Where a base64 DER SEQUENCE of a key's size may start (python3-saml settings hold 'privateKey'
without its PEM lines; an EC key's starts 'MH' or 'MG'): each is tried, taken only as long as its
DER length says, and removed only when it decodes to a private key (a certificate is no secret)."""
_B64_AT = re.compile(r"(?:\s|\\[nrt])*(\\/|[A-Za-z0-9+/=])")
"""The next base64 character, past line breaks (also JSON-escaped) and PHP's escaped '/'."""
_MIN_KEY = 150
"""Base64 characters of the smallest key looked for (a P-256 key in SEC1 has 162)."""


def without_private_keys(text: str) -> str:
    """`text` with every private key in it replaced by REMOVED: PEM and PGP blocks (also JSON-escaped
    or cut off before their END line), PuTTY's private lines, and bare base64 private keys."""
    if "PRIVATE KEY" in text:
        text = _PEM.sub(REMOVED, text)
    if "Private-Lines:" in text:
        text = _PUTTY.sub(REMOVED, text)
    if len(text) > _MIN_KEY and "M" in text:
        text = _without_bare_keys(text)
    return text


_MAX_TRIED = 64
"""Key-shaped starts decoded per text, at most (a text made of key headers would cost seconds)."""


def _without_bare_keys(text: str) -> str:
    out, pos, tried = [], 0, 0
    for m in _START.finditer(text):
        if m.start() < pos:
            continue  # (inside a key already removed)
        if _key_size(m.group()[:12]) is None:
            continue
        tried += 1
        if tried > _MAX_TRIED:
            break
        end = _key_end(text, m.start())
        if end is not None:
            out += [text[pos:m.start()], REMOVED]
            pos = end
    return "".join(out) + text[pos:] if out else text


def _key_end(text: str, start: int) -> int | None:
    """Where the base64 private key starting at `start` ends (its padding included), or None."""
    size = _key_size(text[start:start + 12])
    need = -(-size * 4 // 3) if size else 0  # its base64 characters, without padding
    if need < _MIN_KEY:
        return None
    chars, i = [], start
    while len(chars) < need:
        m = _B64_AT.match(text, i)
        if m is None:
            return None
        chars.append(m.group(1)[-1])
        i = m.end()
    body = "".join(chars)
    if "=" in body or not _is_private_key(body):
        return None
    while (m := _B64_AT.match(text, i)) is not None and m.group(1) == "=":
        i = m.end()
    return i


def _key_size(b64: str) -> int | None:
    """The length of the DER SEQUENCE a base64 text starts with (X.690 8.1.3), when its first
    element is a private key's version, INTEGER 0 or 1 (RFC 5208 5, RFC 8017 A.1.2, RFC 5915 3):
    a certificate or a word of prose ('MIGRATION') is turned down before any decoding of it."""
    try:
        head = base64.b64decode(b64[:12])
    except (binascii.Error, ValueError):
        return None
    if len(head) < 9 or head[0] != 0x30:
        return None
    if head[1] < 0x80:
        size, at = 2 + head[1], 2
    elif head[1] == 0x81:
        size, at = 3 + head[2], 3
    elif head[1] == 0x82:
        size, at = 4 + (head[2] << 8 | head[3]), 4
    else:
        return None
    return size if head[at:at + 2] == b"\x02\x01" and head[at + 2] in (0, 1) else None


def _is_private_key(body: str) -> bool:
    from samlscan.certs import _key_kind

    try:
        der = base64.b64decode(body + "=" * (-len(body) % 4), validate=False)
    except (binascii.Error, ValueError):
        return False
    return _key_kind(der) == "private"
