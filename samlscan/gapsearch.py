"""A search for literal pieces joined by bounded gaps (a catalog pattern: 'received at <url>, expected
<url>') that finds where a match can start before the regex tries: re tries the whole pattern at every
occurrence of its first piece and scans each gap to its bound when a later piece is missing (a 600 KB
line of one prefix repeated: 20,000 starts of 2,048 characters each, 2.3 s)."""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass


@dataclass(frozen=True)
class GapPattern:
    """`whole` is pieces[0] gap pieces[1] gap ... (each gap [\\s\\S]{0,bound}?); `search` gives
    whole.search's match, trying whole only from the first start whose pieces all follow in reach."""

    whole: re.Pattern[str]
    pieces: tuple[re.Pattern[str], ...]
    """The pieces that cannot match empty text, in order; one a whitespace run could be is left out
    (its gaps merge into one of no bound: what is kept is a condition every match meets)."""
    bounds: tuple[int | None, ...]
    """Greatest gap between the end of pieces[k] and the start of pieces[k + 1] (None: any)."""

    @property
    def pattern(self) -> str:
        return self.whole.pattern

    def search(self, text: str) -> re.Match[str] | None:
        start = self._first_start(text)
        return None if start is None else self.whole.search(text, start)

    def _first_start(self, text: str) -> int | None:
        """The least start of pieces[0] from which each next piece starts within its bound of the
        last one's end, or None: a backward pass over each piece's (overlapping) occurrences."""
        reach: list[int] = []  # starts of the next piece from which the rest follows
        for k in range(len(self.pieces) - 1, 0, -1):
            after = self.bounds[k] if k < len(self.bounds) else None
            reach = [s for s, e in _occurrences(self.pieces[k], text) if k == len(self.pieces) - 1
                     or _reaches(reach, e, after)]
            if not reach:
                return None
        if len(self.pieces) == 1:
            return 0  # (one piece: whole is that piece, its own search is the fastest)
        return next((s for s, e in _occurrences(self.pieces[0], text) if _reaches(reach, e, self.bounds[0])), None)


def _reaches(starts: list[int], end: int, bound: int | None) -> bool:
    i = bisect_left(starts, end)
    return i < len(starts) and (bound is None or starts[i] - end <= bound)


def _occurrences(piece: re.Pattern[str], text: str):
    """Every (start, end) of `piece` in text, overlapping ones too (a gap may end inside a run that
    an earlier occurrence covers); a piece matches at most one span from a start (its whitespace
    runs are greedy between non-space words, possessive at its edges)."""
    at = 0
    while (m := piece.search(text, at)) is not None:
        yield m.start(), m.end()
        at = m.start() + 1


def compile_gapped(pieces: list[str], gap: int, flags: int) -> GapPattern:
    """The GapPattern of regex pieces joined by lazy gaps of at most `gap` characters (any text)."""
    var = r"[\s\S]{0,%d}?" % gap
    kept, bounds, bound = [], [], gap
    for piece in map(lambda p: re.compile(p, flags), pieces):
        if piece.fullmatch("") is not None:
            bound = None  # (a whitespace-only piece: the gaps around it join)
            continue
        if kept:
            bounds.append(bound)
        kept.append(piece)
        bound = gap
    return GapPattern(re.compile(var.join(pieces), flags), tuple(kept), tuple(bounds))
