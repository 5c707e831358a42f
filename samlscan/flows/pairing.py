"""Message identifiers and the pairing of Responses with AuthnRequests (InResponseTo, then
RelayState)."""
from __future__ import annotations

import itertools
import re
from bisect import bisect_right

from samlscan.inputs.base import RawMessage


def _root(raw: RawMessage):
    try:
        from samlscan.decode import decode_raw

        return decode_raw(raw)
    except Exception:  # undecodable evidence is reported by the decoder; here it just won't pair
        return None


def message_ids(raw: RawMessage) -> tuple[str | None, str | None, str | None]:
    """(element local name, ID, InResponseTo) of a raw message; Nones when it does not decode."""
    root = _root(raw)
    if root is None:
        return None, None, None
    tag = root.tag if isinstance(root.tag, str) else ""
    return tag.rsplit("}", 1)[-1], root.get("ID"), root.get("InResponseTo")


def _entry_of(msg: RawMessage) -> int | None:
    # 'item'/'message'/'session': a Burp export's, a pasted conversation's or a Fiddler archive's
    # entries (inputs/httpraw.py)
    m = re.match(r"(?:entry|request|item|message|session) (\d+)", msg.source.ref or "")
    return int(m.group(1)) if m else None



def _digest_key(msg: RawMessage) -> str:
    from samlscan.inputs.har import digest

    return msg.param + ":" + digest(msg.value)


def _pair(responses, requests, order: dict[int, int]) -> dict[int, int]:
    """Response position -> request position: InResponseTo first, then RelayState, the last request
    so named that is not later than the response. `order`: entry number -> position in the
    capture's time order (a request is answered after it)."""
    def when(msg: RawMessage) -> int:
        entry = _entry_of(msg)
        return order.get(entry, entry or 0)

    by_id = _Latest((ids[1], when(q)) for q, ids in requests)
    by_rs = _Latest((q.relay_state, when(q)) for q, _ in requests)
    pairs: dict[int, int] = {}
    for ri, (resp, (_, _, irt)) in enumerate(responses):
        at = when(resp)
        qi = (by_id.last(irt, at) if irt else None)
        qi = qi if qi is not None else (by_rs.last(resp.relay_state, at) if resp.relay_state else None)
        if qi is not None:
            pairs[ri] = qi
    return pairs


class _Latest:
    """Positions of values in a list, each with its time: the last position of a value not later
    than a time, in log time (each response compared with every request made a capture of 2,000
    logins take 20 s)."""

    def __init__(self, items):
        groups: dict = {}
        for i, (value, at) in enumerate(items):
            if value is not None:
                groups.setdefault(value, []).append((at, i))
        self._times, self._last = {}, {}
        for value, group in groups.items():
            group.sort()
            self._times[value] = [at for at, _ in group]
            self._last[value] = list(itertools.accumulate((i for _, i in group), max))

    def last(self, value, at: int) -> int | None:
        n = bisect_right(self._times.get(value, ()), at)
        return self._last[value][n - 1] if n else None

