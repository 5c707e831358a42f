"""A one-line progress bar on stderr for `samlscan scan` and `check`: files and bytes done, rate, ETA.

Drawn only when enabled (the CLI enables it when stderr is a TTY and --quiet is not given);
otherwise every method does nothing, so pipes and log files never see control characters.
No dependency: a carriage return redraws the line, at most a few times a second.
"""
from __future__ import annotations

import sys
import time
from contextlib import contextmanager

REDRAW_SECONDS = 0.2
QUIET_SECONDS = 0.5
"""Work done sooner draws nothing (a one-file check would only flash a bar)."""


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def render_line(files_done: int, files_total: int, bytes_done: int, bytes_total: int,
                elapsed: float, width: int = 24, columns: int | None = None) -> str:
    """The bar's text (pure, for tests): '[#####-----]  12/300 files  1.2 MB/40.0 MB  3.1 MB/s  ETA 0:12'.
    `columns`: the terminal's; the line is kept narrower than them (the bar shrinks, then the rate
    and the sizes go): a line that wraps is not redrawn by a carriage return, each redraw would
    leave a line behind."""
    frac = bytes_done / bytes_total if bytes_total else (files_done / files_total if files_total else 1.0)
    frac = min(max(frac, 0.0), 1.0)
    rate = bytes_done / elapsed if elapsed > 0 else 0.0
    eta = (bytes_total - bytes_done) / rate if rate > 0 else None
    files = f"{files_done}/{files_total} files"
    sizes = f"{_size(bytes_done)}/{_size(bytes_total)}"
    until = f"ETA {_duration(eta) if eta is not None else '--:--'}"
    tails = ["  ".join((files, sizes, f"{_size(rate)}/s", until)), "  ".join((files, sizes, until)),
             "  ".join((files, until)), files]
    room = columns - 1 if columns else None  # (the last column: some terminals wrap on it)
    for tail in tails:
        bar = width if room is None else min(width, room - len(tail) - 3)
        if bar >= MIN_BAR:
            filled = int(frac * bar)
            return f"[{'#' * filled}{'-' * (bar - filled)}] {tail}"
    return tails[-1][:max(room, 0)]


MIN_BAR = 8
"""Narrower than this, the bar says nothing: the numbers go first."""


def shown_on(stream, quiet: bool) -> bool:
    """Whether to draw the bar on `stream`: a terminal, not --quiet, and not TERM=dumb (Emacs'
    shell, some CI consoles: no cursor control, so each redraw would stay on screen; cargo and
    git do the same)."""
    import os

    if quiet or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # (a closed or replaced stderr)
        return False


def terminal_columns(stream) -> int:
    """The columns of the terminal `stream` writes to (stderr's, not stdout's, which is often a
    file when the bar is drawn); 80 when it cannot be told."""
    import os

    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (AttributeError, OSError, ValueError):
        return 80


class Progress:
    """Progress of a scan; a no-op unless `enabled`."""

    def __init__(self, files_total: int, bytes_total: int, enabled: bool, stream=None):
        self.files_total, self.bytes_total = files_total, bytes_total
        self.files_done = self.bytes_done = 0
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self._last = 0.0
        self._drawn = False

    def advance(self, files: int, nbytes: int) -> None:
        self.files_done += files
        self.bytes_done += nbytes
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.start < QUIET_SECONDS:
            return
        if now - self._last >= REDRAW_SECONDS or self.files_done >= self.files_total:
            self._last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        line = render_line(self.files_done, self.files_total, self.bytes_done, self.bytes_total,
                           now - self.start, columns=terminal_columns(self.stream))
        try:
            self.stream.write("\r" + line + "\x1b[K")
            self.stream.flush()
            self._drawn = True
        except (OSError, ValueError):  # stderr closed: progress is optional
            self.enabled = False

    def close(self) -> None:
        """Erase the bar so the summary line starts clean."""
        if self.enabled and self._drawn:
            try:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
            except (OSError, ValueError):
                pass


@contextmanager
def stage(text: str, enabled: bool, stream=None):
    """A one-line status for a step after the bar (correlating a big scan takes seconds): shown
    while the step runs, erased after it; nothing when not enabled."""
    from samlscan.report.cells import clip
    from samlscan.report.visible import ON_TERMINAL, visible

    stream = stream or sys.stderr
    shown = False
    if enabled:
        try:
            stream.write("\r" + clip(visible(text, ON_TERMINAL), terminal_columns(stream) - 1) + "\x1b[K")
            stream.flush()
            shown = True
        except (OSError, ValueError):
            pass
    try:
        yield
    finally:
        if shown:
            try:
                stream.write("\r\x1b[K")
                stream.flush()
            except (OSError, ValueError):
                pass
