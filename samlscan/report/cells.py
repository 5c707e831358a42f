"""Display width of text on a terminal, in columns, and wrapping by it (no dependency).

A terminal gives an East Asian Wide or Fullwidth character two columns (UAX #11: 'W', 'F'), a
combining mark none (it sits on the character before it), and draws a grapheme cluster (UAX #29:
a letter with its accents, an emoji with its modifiers and joined emoji) as one unit: code points
are not columns, and a cut between a letter and its accent moves the accent onto the next line.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ZWJ = "\u200d"
_EXTEND_RANGES = ((0xFE00, 0xFE0F), (0x1F3FB, 0x1F3FF), (0xE0020, 0xE007F), (0xE0100, 0xE01EF),
                  (0x1160, 0x11FF), (0xD7B0, 0xD7FF))
"""Variation selectors, emoji skin-tone modifiers, tag characters (flag sequences), Hangul medial
and final jamo: each extends the cluster before it (UAX #29 GB9, GB9a)."""


@lru_cache(maxsize=8192)
def _extends(ch: str) -> bool:
    """(Memoised: a text repeats its few characters, and unicodedata's look-ups dominated a long cell.)"""
    if ch == _ZWJ or unicodedata.category(ch) in ("Mn", "Me", "Mc"):
        return True
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _EXTEND_RANGES)


def _regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def iter_graphemes(text: str):
    """The grapheme clusters of `text`, one at a time (see graphemes): a caller that needs its first
    few clusters reads no further."""
    start = 0
    for i in range(1, len(text)):
        ch = text[i]
        if (_extends(ch) or text[i - 1] == _ZWJ
                or (_regional(ch) and start == i - 1 and _regional(text[i - 1]))):
            continue
        yield text[start:i]
        start = i
    if text:
        yield text[start:]


def graphemes(text: str) -> list[str]:
    """`text` cut into grapheme clusters: a mark, a joiner, a modifier stays with what it follows;
    two regional indicators make one flag (UAX #29, its common rules). Each cluster is sliced once
    from where it starts (adding to the last one a character at a time copied it each time: 50,000
    joined emoji took 4 s, 200,000 took 55 s)."""
    return list(iter_graphemes(text))


def _cluster_width(cluster: str) -> int:
    base = cluster[0]
    if unicodedata.category(base) in ("Mn", "Me", "Cf") or base == _ZWJ:
        return 0  # (a mark with nothing to sit on, a format character)
    if (unicodedata.east_asian_width(base) in ("W", "F") or "\ufe0f" in cluster
            or (_regional(base) and len(cluster) > 1)):
        return 2  # (VS16 asks for the emoji presentation, drawn two columns wide)
    return 1


def width(text: str) -> int:
    """Columns `text` (one line) takes on a terminal."""
    if text.isascii():
        return len(text)
    return sum(map(_cluster_width, graphemes(text)))


def line_width(text: str) -> int:
    """Columns of the widest line of `text`."""
    return max(map(width, text.split("\n")), default=0)


def pad(text: str, columns: int, right: bool = False) -> str:
    """`text` padded with spaces to `columns` (left-aligned; `right`: right-aligned)."""
    fill = " " * max(columns - width(text), 0)
    return fill + text if right else text + fill


def clip(text: str, columns: int) -> str:
    """The leading clusters of `text` that fit in `columns`; never a cluster cut in two. Reads no
    further than the first cluster that does not fit (measuring the whole text first took 3 s for a
    1 MB cell at one column)."""
    if text.isascii():
        return text[:max(columns, 0)]
    used, end = 0, 0
    for cluster in iter_graphemes(text):
        used += _cluster_width(cluster)
        if used > columns:
            return text[:end]
        end += len(cluster)
    return text


_SPACE = re.compile(r"(\s+)")


def _chunks(line: str) -> list[str]:
    """Whitespace runs and words, each wide cluster a chunk of its own: a line may break between
    two ideographs (UAX #14 class ID), Japanese and Chinese put no spaces between words."""
    out = []
    for part in _SPACE.split(line.expandtabs()):
        if not part:
            continue
        if part.isspace():
            out.append(" " * len(part))  # (textwrap's replace_whitespace)
            continue
        if part.isascii():
            out.append(part)  # (no wide cluster: one word)
            continue
        word = ""
        for cluster in graphemes(part):
            if _cluster_width(cluster) == 2:
                if word:
                    out.append(word)
                out.append(cluster)
                word = ""
            else:
                word += cluster
        if word:
            out.append(word)
    return out


def _split(chunk: str, room: int, columns: int) -> list[str]:
    """`chunk` cut between grapheme clusters in one pass: the first piece fills at most `room`
    columns, each other at most `columns` (one cluster at least). (Cutting one line's head off the
    rest at a time measured the rest again for each line: a 20,000-character token took 6 s.)"""
    if chunk.isascii():  # (a column a character)
        if not chunk:
            return []
        room = max(room, 1)
        return [chunk[:room]] + [chunk[i:i + max(columns, 1)] for i in range(room, len(chunk), max(columns, 1))]
    pieces, piece, used = [], [], 0
    for cluster in graphemes(chunk):
        w = _cluster_width(cluster)
        if piece and used + w > room:
            pieces.append("".join(piece))
            piece, used, room = [], 0, columns
        piece.append(cluster)
        used += w
    return pieces + ["".join(piece)] if piece else pieces


def wrap_line(line: str, columns: int, break_long: bool = False) -> list[str]:
    """One paragraph wrapped to `columns` by display width, as textwrap does with
    break_long_words=False and break_on_hyphens=False (a URL or an ID longer than the line stays
    whole), except that it measures columns and may break between wide characters. `break_long`:
    a word wider than the line fills the rest of the line and goes on in the next (textwrap's
    default), for columns that must stay narrow."""
    chunks = _chunks(line)[::-1]
    lines: list[str] = []
    while chunks:
        current, used = [], 0
        if chunks[-1].isspace() and lines:
            chunks.pop()
        while chunks and used + width(chunks[-1]) <= columns:
            used += width(chunks[-1])
            current.append(chunks.pop())
        if chunks and width(chunks[-1]) > columns:
            if break_long and (used < columns or not current):
                chunk = chunks.pop()
                head, *rest = _split(chunk, columns - used, columns)
                # (a run of spaces goes on whole: the next line drops it as its leading space)
                chunks += ["".join(rest)] if chunk.isspace() and rest else rest[::-1]
                current.append(head)
            elif not current:
                current.append(chunks.pop())
        if current and current[-1].isspace():
            current.pop()
        if current:
            lines.append("".join(current))
    return lines


def wrap(text: str, columns: int, break_long: bool = False) -> str:
    """Each line of `text` wrapped to `columns` (an empty line stays, as textwrap.fill gives '')."""
    return "\n".join("\n".join(wrap_line(p, columns, break_long)) for p in str(text).splitlines() or [""])
