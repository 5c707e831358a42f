"""--at (the time to judge time windows at) and the --timezone values of the logs."""
from __future__ import annotations

import re
from datetime import datetime

from samlscan import lazyre
from samlscan.config.files import _as_list
from samlscan.errors import ConfigError


_ZONE_AT_END = lazyre.compile(r"\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[zZ]|UTC|[+-]\d{2}(?::?\d{2})?)\s*$")
"""A time of day followed by a zone ('08:41:02Z', '09:41+01:00'): else --at is read as UTC, and said."""


def parse_at(text: str, origin: str = "--at") -> datetime:
    """An ISO-8601 time; a time without a zone is UTC. 'UTC' written after it (as `date -u` and many
    logs and tickets write it: '2025-03-11 08:41:02 UTC') is its zone, as _ZONE_AT_END reads it."""
    from samlscan.saml import parse_time

    value = parse_time(re.sub(r"\s*UTC\s*$", "Z", text.strip()) if isinstance(text, str) else text)
    if value is None:
        raise ConfigError(f"{origin}: {text!r} is not an ISO-8601 time (example: 2025-03-11T08:41:02Z)")
    return value


def _merged_zones(given, from_file) -> tuple[str, ...]:
    """--timezone values, then samlscan.toml's for the logs (and the default zone) they do not
    name (the first matching glob wins): a flag for one log keeps the file's others; a plain
    --timezone ZONE is for every log, and replaces the file's."""
    given, from_file = _as_list(given), _as_list(from_file)
    named = {v.rpartition("=")[0].strip() for v in given}
    if "" in named:
        return tuple(given)
    return tuple(given + [v for v in from_file if v.rpartition("=")[0].strip() not in named])
