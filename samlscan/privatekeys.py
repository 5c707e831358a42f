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
_BARE = re.compile(r"(?<![A-Za-z0-9+/])MI[A-Za-z0-9+/](?:[A-Za-z0-9+/=]|\s|\\[nrt]){150,}")
"""A base64 DER body long enough to be a key (python3-saml settings hold 'privateKey' without its
PEM lines); only a body that decodes to a private key is removed (a certificate is no secret)."""


def without_private_keys(text: str) -> str:
    """`text` with every private key in it replaced by REMOVED: PEM and PGP blocks (also JSON-escaped
    or cut off before their END line), PuTTY's private lines, and bare base64 private keys."""
    if "PRIVATE KEY" in text:
        text = _PEM.sub(REMOVED, text)
    if "Private-Lines:" in text:
        text = _PUTTY.sub(REMOVED, text)
    if len(text) > 150 and "MI" in text:
        text = _BARE.sub(lambda m: REMOVED if _is_private_key(m.group()) else m.group(), text)
    return text


def _is_private_key(body: str) -> bool:
    from samlscan.certs import _key_kind

    try:
        der = base64.b64decode(re.sub(r"\s|\\[nrt]", "", body) + "==", validate=False)
    except (binascii.Error, ValueError):
        return False
    return _key_kind(der) == "private"
