"""Small value parsers: capture times, sanitizer placeholders, a SAML value's digest."""
from __future__ import annotations

import hashlib
import re
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone, tzinfo

from samlscan.decode import is_redacted  # noqa: F401  (one rule of placeholders: the HAR readers name it here)
from samlscan.model import usable_time


_ZONE: ContextVar[tuple[tzinfo, list] | None] = ContextVar("har_zone", default=None)
"""While a capture is read (read_in): the zone its zone-less times are read in, and whether one was."""


@contextmanager
def read_in(zone: tzinfo | None):
    """Read a capture's zone-less times in `zone` (UTC when None); yields a list that holds True once one
    was read so (the zone note's cue: logzones.zone_note)."""
    seen: list = []
    token = _ZONE.set((zone or timezone.utc, seen))
    try:
        yield seen
    finally:
        _ZONE.reset(token)


def parse_time(value) -> datetime | None:
    """ISO-8601 with Z or an offset (Firefox writes local time + offset) -> aware UTC; None outside
    model.USABLE_TIMES (a '9999-12-31' placeholder: no real capture). A time without a zone (HAR 1.2
    requires one; some third-party exporters write local time without it) is read as a zone-less log's
    is: in the zone read_in gives (--timezone for that file), else UTC."""
    if not isinstance(value, str) or not value:
        return None
    try:
        t = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return None
    if t.tzinfo is None:
        zone, seen = _ZONE.get() or (timezone.utc, [])
        if not seen:
            seen.append(True)
        t = t.replace(tzinfo=zone)
    try:
        return usable_time(t.astimezone(timezone.utc))
    except OverflowError:  # 0001-01-01T00:00:00+01:00 or 9999-12-31T23:59:59-01:00: no real capture
        return None


def digest(value: str) -> str:
    """Short stable fingerprint of a SAML value, to match exchanges and messages. (A JSON capture
    may hold a lone surrogate, '\\udcff', which UTF-8 cannot encode: a page's script wrote it.)"""
    return hashlib.sha256(re.sub(r"\s+", "", value).encode("utf-8", "surrogatepass")).hexdigest()[:16]
