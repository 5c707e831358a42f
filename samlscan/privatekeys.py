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
_BARE = re.compile(r"(?<![A-Za-z0-9+/])M[GHI][A-Za-z0-9+/](?:[A-Za-z0-9+/=]|\s|\\[nrt/]){150,}")
"""A base64 DER SEQUENCE long enough to be a key (python3-saml settings hold 'privateKey' without
its PEM lines; an EC key's starts 'MH' or 'MG'); only as many characters as its DER length says are
taken, and only a body that decodes to a private key is removed (a certificate is no secret)."""
_B64_CHAR = re.compile(r"\s|\\[nrt]|(\\/|[A-Za-z0-9+/=])")


def without_private_keys(text: str) -> str:
    """`text` with every private key in it replaced by REMOVED: PEM and PGP blocks (also JSON-escaped
    or cut off before their END line), PuTTY's private lines, and bare base64 private keys."""
    if "PRIVATE KEY" in text:
        text = _PEM.sub(REMOVED, text)
    if "Private-Lines:" in text:
        text = _PUTTY.sub(REMOVED, text)
    if len(text) > 150 and "M" in text:
        text = _BARE.sub(_bare_sub, text)
    return text


def _bare_sub(m: re.Match) -> str:
    """The key's own characters removed, the text after them kept (a cause written after it)."""
    run = m.group()
    chars, ends = [], []  # base64 characters of the run, and where each ends in it
    for c in _B64_CHAR.finditer(run):
        if c.group(1):
            chars.append(c.group(1)[-1])
            ends.append(c.end())
    b64 = "".join(chars)
    size = _der_size(b64)
    if size is None:
        return run
    need = -(-size * 4 // 3)  # its base64 characters, without padding
    body = b64[:need]
    if len(body) < need or "=" in body or not _is_private_key(body):
        return run
    return REMOVED + run[ends[min(len(body), len(ends)) - 1]:].lstrip("=")


def _der_size(b64: str) -> int | None:
    """The length of the DER SEQUENCE a base64 text starts with (X.690 8.1.3)."""
    try:
        head = base64.b64decode(b64[:8])
    except (binascii.Error, ValueError):
        return None
    if len(head) < 4 or head[0] != 0x30:
        return None
    if head[1] < 0x80:
        return 2 + head[1]
    if head[1] == 0x81:
        return 3 + head[2]
    if head[1] == 0x82:
        return 4 + (head[2] << 8 | head[3])
    return None


def _is_private_key(body: str) -> bool:
    from samlscan.certs import _key_kind

    try:
        der = base64.b64decode(body + "=" * (-len(body) % 4), validate=False)
    except (binascii.Error, ValueError):
        return False
    return _key_kind(der) == "private"
