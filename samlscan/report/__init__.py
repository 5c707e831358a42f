"""Report formats. Each renderer sees only the engine's Report (the model), never the engine."""
from __future__ import annotations

from samlscan.errors import ConfigError


def render(report, fmt: str, redact: bool = False) -> str:
    from samlscan.report.redact import redactor_for

    red = redactor_for(report, redact)
    if fmt == "table":
        from samlscan.report.table import render_table
        return render_table(report, red)
    if fmt == "json":
        from samlscan.report.jsonout import render_json
        return render_json(report, red)
    if fmt == "jsonl":
        from samlscan.report.jsonout import render_jsonl
        return render_jsonl(report, red)
    try:
        module = __import__(f"samlscan.report.{fmt}out", fromlist=["render"])
    except ImportError:
        raise ConfigError(f"--format {fmt} is not available in this version") from None
    return module.render(report, red)
