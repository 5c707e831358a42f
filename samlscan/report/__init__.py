"""Report formats. Each renderer sees only the engine's Report (the model), never the engine."""
from __future__ import annotations

from samlscan.errors import ConfigError


def render(report, fmt: str, redact: bool = False, detail: bool = True, width: int | None = None) -> str:
    return "".join(render_chunks(report, fmt, redact, detail, width))


STDIN = "<stdin>"
"""Standard input's name in every report ('-' on the command line, as Python and less name it): a
heading '== - #0' and a CSV cell '-' read as nothing."""


def is_stdin(path: str) -> bool:
    """`path` is standard input's, as given ('-') or as a report names it (STDIN)."""
    return path in ("-", STDIN)


def shown_path(path: str) -> str:
    """An input's path as a report shows it: STDIN for standard input's '-'."""
    return STDIN if path == "-" else path


def stdin_named(report):
    """`report` with standard input's '-' named STDIN wherever it names an input (its sources,
    evidence and input results); the same report when no input is standard input."""
    from dataclasses import replace

    from samlscan.model import Evidence, InputResult, Source
    from samlscan.rewrite import rewrite

    if not any(i.path == "-" for i in report.inputs):
        return report

    def named(x):
        if isinstance(x, (Source, Evidence)) and x.input == "-":
            return replace(x, input=STDIN)
        if isinstance(x, InputResult) and x.path == "-":
            return replace(x, path=STDIN)
        return x

    return rewrite(report, named)


NOTELESS_FORMATS = ("csv", "jsonl")
"""Formats of one row or line per finding, with no place for the report's notes (the settings read
from a scanned folder, a clock offset): the CLI writes those notes on stderr."""


def render_chunks(report, fmt: str, redact: bool = False, detail: bool = True, width: int | None = None):
    """The report as pieces of text, to be written one after the other: JSON lines come one
    finding at a time, so a scan of a large log never holds its whole output twice. `width`: the
    terminal's columns when the table goes to one (None: a file or a pipe, no limit)."""
    report = stdin_named(report)
    red = redactor(report) if redact else None
    if fmt == "jsonl":
        from samlscan.report.jsonout import jsonl_lines
        return jsonl_lines(report, red)
    if fmt == "json":
        from samlscan.report.jsonout import json_chunks
        return json_chunks(report, red)
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
