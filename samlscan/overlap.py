"""Log lines two inputs both hold: rotated logs that overlap (copytruncate copies a file and then
truncates it, so lines written in between sit in both; or one file given twice under two names).
Each such line is kept once, in the first input, and a note names the two files."""
from __future__ import annotations

from collections import Counter
from dataclasses import replace


def _key(e) -> tuple:
    """What makes two events one logged line: all they say but where they were read."""
    return (e.product, e.time, e.text, e.side, e.outcome, e.code, e.user, e.ip, e.request_id,
            e.correlation_id, e.saml_ids, e.app, e.raw_code)


def without_overlaps(results: list) -> tuple[list, tuple[str, ...]]:
    """`results` (FileResults in report order), each timed event that an earlier input holds as
    often dropped from the later one (and from its input's count), and a note per pair of inputs
    that share lines. A line one file logs twice stays twice: only copies across inputs go."""
    held: dict[tuple, tuple[int, str]] = {}  # key -> (the most copies one input holds, the first such input)
    shared: Counter = Counter()
    out = []
    for r in results:
        mine: Counter = Counter()
        kept = []
        for e in r.events:
            if e.time is None:
                kept.append(e)
                continue
            key = _key(e)
            mine[key] += 1
            before = held.get(key)
            if before is not None and mine[key] <= before[0]:
                shared[(before[1], r.input.path)] += 1
                continue
            kept.append(e)
        for key, n in mine.items():
            if n > held.get(key, (0, ""))[0]:
                held[key] = (n, held.get(key, (0, r.input.path))[1])
        dropped = len(r.events) - len(kept)
        out.append(replace(r, input=replace(r.input, events=r.input.events - dropped), events=tuple(kept))
                   if dropped else r)
    notes = tuple(f"{a} and {b} overlap: {n} log line(s) are in both (a rotated log copied before it was "
                  f"truncated, or one file given twice); each is counted once, as {a}'s"
                  for (a, b), n in shared.items())
    return out, notes
