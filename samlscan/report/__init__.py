"""Report formats. Each renderer sees only the engine's Report (the model), never the engine."""
from __future__ import annotations

from samlscan.errors import ConfigError


def render(report, fmt: str, redact: bool = False, detail: bool = True, width: int | None = None) -> str:
    return "".join(render_chunks(report, fmt, redact, detail, width))


NOTELESS_FORMATS = ("csv", "jsonl")
"""Formats of one row or line per finding, with no place for the report's notes (the settings read
from a scanned folder, a clock offset): the CLI writes those notes on stderr."""


def render_chunks(report, fmt: str, redact: bool = False, detail: bool = True, width: int | None = None):
    """The report as pieces of text, to be written one after the other: JSON lines come one
    finding at a time, so a scan of a large log never holds its whole output twice. `width`: the
    terminal's columns when the table goes to one (None: a file or a pipe, no limit)."""
    red = redactor(report) if redact else None
    if fmt == "jsonl":
        from samlscan.report.jsonout import jsonl_lines
        return jsonl_lines(report, red)
    return iter([_render_whole(report, fmt, red, detail, width)])


def redactor(report):
    """The Redactor of `report`'s personal values (imported only when asked: its patterns cost a
    one-file check 5 ms to compile)."""
    from samlscan.report.redact import Redactor, personal_values

    return Redactor(personal_values(report))


def _render_whole(report, fmt: str, red, detail: bool, width: int | None = None) -> str:
    if fmt == "table":
        from samlscan.report.table import render_table
        return render_table(report, red, detail=detail, width=width)
    if fmt == "json":
        from samlscan.report.jsonout import render_json
        return render_json(report, red)
    try:
        module = __import__(f"samlscan.report.{fmt}out", fromlist=["render"])
    except ImportError:
        raise ConfigError(f"--format {fmt} is not available in this version") from None
    return module.render(report, red)
