"""What a product said of a login it went on with (logs.base.ATTEMPT_NOTE events), quoted on the
attempt it belongs to: the attempt whose log lines share its flow ID, else the one nearest it in time."""
from __future__ import annotations

import bisect
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from samlscan.correlate.link_user import MOMENT
from samlscan.correlate.pieces import request_key
from samlscan.logs._common import line_of
from samlscan.model import Attempt


@dataclass(frozen=True)
class Said:
    key: str | None
    """The flow key of its line (pieces.request_key): its session's other lines."""
    time: datetime | None
    where: str
    text: str


@dataclass(frozen=True)
class Marks:
    """What of an attempt's pieces a note is joined by: their flow keys' times, and all times."""

    keys: dict
    times: tuple


def said_notes(events, offsets: dict) -> list[Said]:
    """The ATTEMPT_NOTE events, clock-corrected as their log's other lines are; consecutive lines of
    one session (SimpleSAMLphp's warning and the URL and binding under it) are one note."""
    from samlscan.logs.base import ATTEMPT_NOTE

    out: list[Said] = []
    last: tuple | None = None
    for e in events:
        if e.raw_code != ATTEMPT_NOTE:
            continue
        key = request_key(e.product, e.request_id) if e.request_id else None
        line = line_of(e.source.ref)
        if out and last is not None and last[:2] == (e.source.input, key) and line is not None \
                and last[2] is not None and line == last[2] + 1:
            head = out[-1]
            out[-1] = replace(head, where=_span(head.where, e.source.ref), text=f"{head.text} {e.text}")
        else:
            off = offsets.get(e.source.input, timedelta(0))
            where = e.source.input + (f" [{e.source.ref}]" if e.source.ref else "")
            out.append(Said(key, e.time - off if e.time and off else e.time, where, e.text))
        last = (e.source.input, key, line)
    return out


def marks(members) -> Marks:
    keys: dict = {}
    for p in members:
        if p.time is not None:
            for k in p.flow_keys:
                keys.setdefault(k, []).append(p.time)
    return Marks(keys, tuple(p.time for p in members if p.time is not None))


def quoted(attempts: list[Attempt], kept: list[Marks], said: list[Said]) -> list[Attempt]:
    """Each note on its attempt: one whose lines share its flow key (the nearest in time of those),
    else the one with a piece nearest it within MOMENT; a note two attempts are as near is left out.
    (Indexed: thousands of notes against thousands of attempts stay linear-logarithmic.)"""
    holders: dict = {}  # flow key -> the attempts whose pieces carry it
    for i, m in enumerate(kept):
        for k in m.keys:
            holders.setdefault(k, []).append(i)
    times = sorted((t, i) for i, m in enumerate(kept) for t in m.times)
    notes: dict[int, list[Said]] = {}
    for s in said:
        i = _by_key(kept, holders.get(s.key, ()), s) if s.key else None
        i = i if i is not None else _by_time(times, s)
        if i is not None:
            notes.setdefault(i, []).append(s)
    return [_with(a, notes[i]) if i in notes else a for i, a in enumerate(attempts)]


def _with(a: Attempt, said: list[Said]) -> Attempt:
    """The attempt quoting its notes (each names its file and lines: its evidence is what decided)."""
    return replace(a, notes=(*a.notes, *(f"{s.where}: {s.text}" for s in said)))


def _by_key(kept: list[Marks], holders, s: Said) -> int | None:
    near = [(_gap(kept[i].keys[s.key], s.time), i) for i in holders]
    return min(near)[1] if near else None


def _by_time(times: list, s: Said) -> int | None:
    """The attempt with a piece nearest the note (`times`: every piece's (time, attempt), sorted),
    None when none is within MOMENT or another attempt is as near."""
    if s.time is None or not times:
        return None
    right = bisect.bisect_left(times, (s.time, -1))
    left = right - 1
    best = None  # (gap, attempt)
    while left >= 0 or right < len(times):  # (outwards, nearest first)
        gap_l = s.time - times[left][0] if left >= 0 else None
        gap_r = times[right][0] - s.time if right < len(times) else None
        if gap_r is None or gap_l is not None and (gap_l, times[left][1]) < (gap_r, times[right][1]):
            gap, i, left = gap_l, times[left][1], left - 1
        else:
            gap, i, right = gap_r, times[right][1], right + 1
        if best is None:
            if gap > MOMENT:
                return None
            best = (gap, i)
        elif gap > best[0]:
            break
        elif i != best[1]:
            return None  # (as near as another attempt: said of neither)
    return best[1]


def _gap(times, at: datetime | None) -> timedelta:
    return min((abs(t - at) for t in times), default=timedelta.max) if at is not None else timedelta(0)


def _span(where: str, ref: str | None) -> str:
    """'log [line 25]' and 'line 27': 'log [lines 25-27]'."""
    head, _, first = where.rpartition(" [")
    start = first.rstrip("]").removeprefix("lines ").removeprefix("line ").split("-")[0]
    return f"{head} [lines {start}-{line_of(ref)}]"

