"""Small value parsers: capture times, sanitizer placeholders, a SAML value's digest."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone

from samlscan.model import usable_time


_REDACTED = re.compile(r"^\s*\[[^\]]*redacted\]\s*$", re.IGNORECASE)


def parse_time(value) -> datetime | None:
    """ISO-8601 with Z or an offset (Firefox writes local time + offset) -> aware UTC; None outside
    model.USABLE_TIMES (a '9999-12-31' placeholder: no real capture)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        t = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return None
    if t.tzinfo is None:  # HAR 1.2 requires an offset; a naive time cannot be placed
        return None
    try:
        return usable_time(t.astimezone(timezone.utc))
    except OverflowError:  # 0001-01-01T00:00:00+01:00 or 9999-12-31T23:59:59-01:00: no real capture
        return None


def is_redacted(value: str) -> bool:
    """A sanitizer placeholder such as '[SAMLResponse redacted]' (cloudflare/har-sanitizer)."""
    return bool(_REDACTED.match(value))


def digest(value: str) -> str:
    """Short stable fingerprint of a SAML value, to match exchanges and messages. (A JSON capture
    may hold a lone surrogate, '\\udcff', which UTF-8 cannot encode: a page's script wrote it.)"""
    return hashlib.sha256(re.sub(r"\s+", "", value).encode("utf-8", "surrogatepass")).hexdigest()[:16]
