"""A capture read with its zone-less times in a zone (--timezone's for its file, else UTC)."""
from __future__ import annotations

from dataclasses import replace
from datetime import tzinfo

from samlscan.inputs.har.values import read_in


def read_in_zone(read, path: str, zone: tzinfo | None):
    """`read(path)`'s Capture, its zone-less times read in `zone` (UTC when None: values.read_in); when
    there were any, its timed messages say their time was written without a zone (RawMessage.local_time:
    batch._zoneless_captures' cue for the zone note)."""
    with read_in(zone) as zoneless:
        cap = read(path)
    if not zoneless:
        return cap
    return replace(cap, messages=tuple(replace(m, local_time=True) if m.captured_at else m for m in cap.messages))
