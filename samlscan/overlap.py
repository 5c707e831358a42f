"""Log lines two rotations of one log both hold: rotated logs that overlap (copytruncate copies a
file and then truncates it, so lines written in between sit in both; or one file given twice under
two of its rotation names). Each such line is kept once, in the first input, and a note names the
two files. Only one folder's rotations of one name (web.log, web.log.1, web.log.2026-03-03.gz) are
compared: two exports of one IdP's events (CSV and JSON) or two servers' logs are each their own
evidence (correlate's _link_copies joins their copies)."""
from __future__ import annotations

import os
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import replace


def _key(e) -> tuple:
    """What makes two events one logged line: all they say but where they were read."""
    return (e.product, e.time, e.text, e.side, e.outcome, e.code, e.user, e.ip, e.request_id,
            e.correlation_id, e.saml_ids, e.app, e.raw_code)


_PACKED = re.compile(r"\.(gz|bz2|xz|zst|z)$", re.I)
_ROTATION = re.compile(r"[.-](\d{1,4}|\d{4}-?\d{2}-?\d{2}(?:[-_.T]?\d{2,6})?)$")
_DATED = re.compile(r"[.-]\d{4}-?\d{2}-?\d{2}(?=\.log$)")


def rotation_of(path: str) -> tuple[str, str]:
    """(folder, name) of the log a path is a rotation of: web.log.1, web.log.2026-03-03.gz and
    web.2026-03-03.log (logback's fileNamePattern) are web.log's (an archive member's folder is in
    its archive)."""
    folder, name = os.path.split(path)
    name = _DATED.sub("", _PACKED.sub("", name))
    while (bare := _ROTATION.sub("", name)) != name and bare:
        name = bare
    return folder, name


def without_overlaps(results: list) -> tuple[list, tuple[str, ...]]:
    """`results` (FileResults in report order), each timed event that an earlier rotation of its log
    (rotation_of) holds as often dropped from the later one (and from its input's count), and a note
    per pair of inputs that share lines. A line one file logs twice stays twice."""
    logs: dict[tuple, list[int]] = {}
    for k, r in enumerate(results):
        if r.events:
            logs.setdefault(rotation_of(r.input.path), []).append(k)
    out, notes = list(results), ()
    for ks in logs.values():
        if len(ks) > 1:
            kept, said = _one_log([results[k] for k in ks])
            for k, r in zip(ks, kept):
                out[k] = r
            notes += said
    return out, notes


def _one_log(results: list) -> tuple[list, tuple[str, ...]]:
    """without_overlaps for the rotations of one log."""
    shared_spans = _shared_spans(results)
    if not shared_spans:  # (rotated logs that do not overlap, a single log: nothing to compare)
        return results, ()
    starts = [lo for lo, _ in shared_spans]
    held: dict[tuple, tuple[int, str]] = {}  # key -> (the most copies one input holds, the first such input)
    shared: Counter = Counter()
    out = []
    for r in results:
        mine: Counter = Counter()
        kept = []
        for e in r.events:
            at = -1 if e.time is None else bisect_right(starts, e.time) - 1
            if at < 0 or e.time > shared_spans[at][1]:  # (untimed, or outside the inputs' shared times)
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


def _shared_spans(results: list) -> list[tuple]:
    """The times two or more inputs' events both span, as sorted disjoint (first, last) pairs: only
    an event in one can be in another input too."""
    spans = sorted((min(ts), max(ts)) for r in results if (ts := [e.time for e in r.events if e.time is not None]))
    both: list[tuple] = []
    reach = None
    for lo, hi in spans:
        if reach is not None and lo <= reach:
            if both and lo <= both[-1][1]:
                both[-1] = (both[-1][0], max(both[-1][1], min(hi, reach)))
            else:
                both.append((lo, min(hi, reach)))
        reach = hi if reach is None else max(reach, hi)
    return both
