"""Private key material, which no output of samlscan may carry (a log line can hold one: an app
printing its settings, a key pasted into a ticket's log)."""
from __future__ import annotations

import re

_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)", re.S)
REMOVED = "[private key removed by samlscan]"


def without_private_keys(text: str) -> str:
    """`text` with every PEM private key block (also JSON-escaped, or cut off before its END line)
    replaced by REMOVED."""
    return _PRIVATE_KEY.sub(REMOVED, text) if "PRIVATE KEY-----" in text else text
