"""Private key material, which no output of samlscan may carry (a log line can hold one: an app
printing its settings, a key pasted into a ticket's log)."""
from __future__ import annotations

import base64
import binascii

from samlscan import lazyre

REMOVED = "[private key removed by samlscan]"
_BODY = r"(?:[A-Za-z0-9+/=:,\s-]|\\[nrt/])"
"""What a PEM body holds: base64, its headers (Proc-Type: 4,ENCRYPTED) and line breaks, also
JSON-escaped ('\\n', and PHP's '\\/')."""
_END = r"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
_PEM = lazyre.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
    r"(?=(?:\s+|\\[nrt])*+(?:[A-Za-z-]+: [^\n\\]*(?:\n|\\n)(?:\s+|\\[nrt])*+)*(?:[A-Za-z0-9+/]|\\/){16})"  # a body follows
    # the body to its END line: stretches of it, a '-' only where no END starts, possessively (a lazy
    # loop of one character kept ~120 bytes of state per character: 2 MB after a BEGIN, 240 MB)
    rf"(?:[A-Za-z0-9+/=:,\s]+|\\[nrt/]|-(?!{_END[1:]}))*+(?:{_END}|(?!{_BODY})|\Z)")
"""A PEM or PGP private key block (RFC 7468; OpenPGP's armor), to its END line or, cut short, to
where its body ends; a header that only names the format ('expected -----BEGIN PRIVATE KEY-----
header') is no key."""
_PUTTY = lazyre.compile(r"Private-Lines:\s*\d+(?:\s|\\[nrt])+[A-Za-z0-9+/=\s]+?(?=Private-MAC|\\[nrt]Private-MAC|\Z)")
"""A PuTTY key file's private part."""
_CANDIDATE = lazyre.compile(r"M[GHI]")
"""Where a base64 DER SEQUENCE of a key's size may start (python3-saml settings hold 'privateKey'
without its PEM lines; an EC key's starts 'MH' or 'MG'), anywhere (after a letter, a JSON '\\n'):
each is decoded only as far as needed to turn it down (_key_size: a private key's version must
follow its length), taken as long as its DER length says, and removed when it decodes to a
private key, or when its base64 ends first (a key cut short still holds its secrets); a
certificate is no secret and stays."""
_SEP = lazyre.compile(r"\s+|\\[nrt]|\\(?=/)")
"""Line breaks (also JSON-escaped) and the backslash of PHP's escaped '/' inside a key's base64."""
_RUN_AT = lazyre.compile(r"(?:[A-Za-z0-9+/\s]+|\\[nrt/])++=*")
"""A start's base64 to its padding ('=' ends base64: read past it, every start in a run of keys cut
short by it scanned the whole window)."""
_WINDOW = 16384
"""Characters looked at from a start at most: the base64 of an 8192-bit RSA key, its line breaks and
more. A start is read only as far as twice what its DER length needs (line breaks, indentation):
read to the window, each of 10,000 key-shaped starts of a 120 kB text took seconds in all."""
_MIN_KEY = 150
"""Base64 characters of the smallest key looked for (a P-256 key in SEC1 has 162)."""
_MAX_FAILED = 256
"""Key-shaped starts fully decoded in vain per text before the rest are removed unread (a text
made of key headers would otherwise cost seconds)."""


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


def _without_bare_keys(text: str) -> str:
    out, pos, failed = [], 0, 0
    for m in _CANDIDATE.finditer(text):
        start = m.start()
        if start < pos:
            continue  # (inside a key already removed)
        size = _key_size(_SEP.sub("", text[start:start + 40])[:12])
        need = -(-size * 4 // 3) if size else 0  # its base64 characters, without padding
        if need < _MIN_KEY:
            continue
        end, decoded = _key_end(text, start, need, failed >= _MAX_FAILED)
        if end is None:
            failed += decoded
            continue
        out += [text[pos:start], REMOVED]
        pos = end
    return "".join(out) + text[pos:] if out else text


def _key_end(text: str, start: int, need: int, unread: bool) -> tuple[int | None, bool]:
    """(where the base64 private key starting at `start`, `need` base64 characters long, ends, its
    padding included, or None; whether a full decode was tried). `unread`: past the budget of
    decodes, a key-shaped start is removed without decoding."""
    window = min(len(text), start + _WINDOW)
    cut = min(window, start + 2 * need + 256)
    run = _RUN_AT.match(text, start, cut).group()
    if start + len(run) == cut < window and len(_SEP.sub("", run)) < need:
        # separators are more than half of it (a key's lines indented deeper than they are long):
        # read on to the window, or the rest of the key stayed in the text
        run = _RUN_AT.match(text, start, window).group()
    clean = _SEP.sub("", run)
    body = clean[:need].split("=", 1)[0]
    if len(body) < need:  # cut short (the text or the base64 ends first): what is there goes
        return (start + len(run.rstrip()) if len(body) >= _MIN_KEY else None), False
    if not unread and not _is_private_key(body):
        return None, True
    return start + _raw_length(run, need + len(clean[need:]) - len(clean[need:].lstrip("="))), False


def _raw_length(run: str, count: int) -> int:
    """Characters of `run` that hold its first `count` base64 characters (separators included)."""
    raw = clean = 0
    for sep in _SEP.finditer(run):
        chars = sep.start() - raw
        if clean + chars >= count:
            break
        clean += chars
        raw = sep.end()
    return raw + (count - clean)


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
