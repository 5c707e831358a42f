"""A wrapped console capture: colour codes inside a wrapper's text, stripped before its reader.

A tty container's output keeps its colours wherever it goes (Docker's json-file `log`, a CRI file,
`kubectl logs`, journald's MESSAGE, a forwarder's syslog line), after the wrapper's prefix or inside
its record, so the file's own head never starts a line with one (ansi.console). The inner text's
head decides, as a bare capture's does (samlscan/ansi.py).
"""
from __future__ import annotations

import dataclasses
import functools
from datetime import tzinfo
from typing import Iterable, Iterator

from samlscan.ansi import console, plain
from samlscan.logs.base import LogParser, Record


class Decoloured:
    """The inner reader of a coloured console capture, each line stripped as it is read."""

    @property
    def prefilter(self):
        """The inner reader's prefilter, on bytes stripped of their control sequences as they are
        read (prefilter.Prefilter.coloured): a big capture is prefiltered and read in ranges too."""
        from samlscan.prefilter import _prefilter_for

        inner = _prefilter_for(self.inner)
        return _coloured(inner) if inner is not None else None

    def __init__(self, inner: LogParser) -> None:
        self.inner = inner
        self.name = inner.name

    def __getattr__(self, name: str):
        if name == "inner":  # (a copy made without __init__)
            raise AttributeError(name)
        return getattr(self.inner, name)  # (what else a caller asks of the reader: its own answer)

    def sniff(self, head: str) -> bool:
        return self.inner.sniff(plain(head))

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        return self.inner.parse(((no, plain(line)) for no, line in lines), path, tz)


@functools.lru_cache(maxsize=16)
def _coloured(inner):
    return dataclasses.replace(inner, coloured=True)


def reader_of(inner_head: str, detect, depth: int) -> LogParser | None:
    """The reader of a wrapper's inner text (`detect`), a coloured capture's stripped of its codes."""
    if not console(inner_head):
        return detect(inner_head, depth)
    inner = detect(plain(inner_head), depth)
    return Decoloured(inner) if inner is not None else None
