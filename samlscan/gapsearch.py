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
    """The pieces, in order (but for the first, none matches empty text: compile_gapped)."""
    bounds: tuple[int, ...]
    """Greatest gap between the end of pieces[k] and the start of pieces[k + 1]."""

    @property
    def pattern(self) -> str:
        return self.whole.pattern

    def search(self, text: str) -> re.Match[str] | None:
        if len(self.pieces) == 1:
            return self.whole.search(text)
        # a match starts where its first piece does: re tries the first few as they are found (listing
        # them first scanned past a match near the line's start: a line of 5,000 catalog texts took 3x)
        for tried, (s, _) in enumerate(_occurrences(self.pieces[0], text)):
            if tried == FEW_STARTS:
                start = self._first_start(text)
                return None if start is None else self.whole.search(text, start)
            m = self.whole.match(text, s)
            if m is not None:
                return m
        return None

    def _first_start(self, text: str) -> int | None:
        """The least start of pieces[0] from which each next piece starts within its bound of the
        last one's end, or None: a backward pass over each piece's (overlapping) occurrences."""
        reach: list[int] = []  # starts of the next piece from which the rest follows
        for k in range(len(self.pieces) - 1, 0, -1):
            reach = [s for s, e in _occurrences(self.pieces[k], text) if k == len(self.pieces) - 1
                     or _reaches(reach, e, self.bounds[k])]
            if not reach:
                return None
        return next((s for s, e in _occurrences(self.pieces[0], text) if _reaches(reach, e, self.bounds[0])), None)


FEW_STARTS = 8
"""Starts of the first piece that re may try one by one (each scanning its gaps to their bound, 2,048
characters): beyond them the pieces' occurrences are found first (a text holding 5,000 catalog texts
made each of 700 patterns list the occurrences of every piece: half as slow again as re alone)."""


def _reaches(starts: list[int], end: int, bound: int) -> bool:
    i = bisect_left(starts, end)
    return i < len(starts) and starts[i] - end <= bound


def _occurrences(piece: re.Pattern[str], text: str):
    """Every (start, end) of `piece` in text, overlapping ones too (a gap may end inside a run that
    an earlier occurrence covers); a piece matches at most one span from a start (its whitespace
    runs are greedy between non-space words, possessive at its edges)."""
    at = 0
    while (m := piece.search(text, at)) is not None:
        yield m.start(), m.end()
        at = m.start() + 1


def compile_gapped(pieces: list[str], gap: int, flags: int) -> GapPattern:
    """The GapPattern of regex pieces joined by lazy gaps of at most `gap` characters (any text). A
    piece that matches empty text (a blank between two placeholders: 'User with <attribute> <value>
    already exists') is left out and its two gaps are one of twice the bound: as two lazy gaps around
    '\\s*' re tried every split of the text between them, 2,048 x 2,048 steps at each start that fails
    (a 6 KB line of 'User with ' repeated took a minute)."""
    kept: list[re.Pattern[str]] = []
    bounds: list[int] = []
    bound = 0
    for piece in map(lambda p: re.compile(p, flags), pieces):
        if kept and piece.fullmatch("") is not None:
            bound += gap
            continue
        if kept:
            bounds.append(bound)
        kept.append(piece)
        bound = gap
    whole = "".join(piece.pattern if not i else r"[\s\S]{0,%d}?" % bounds[i - 1] + piece.pattern
                    for i, piece in enumerate(kept))
    return GapPattern(re.compile(whole, flags), tuple(kept), tuple(bounds))
