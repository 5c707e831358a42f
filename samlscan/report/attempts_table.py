"""The login-attempts timeline for people: time, user, outcome, cause, side, fix."""
from __future__ import annotations

from samlscan.report.document import iso, summary
from samlscan.report.table import wrap


def render_attempts(report, red=lambda s: s) -> str:
    from tabulate import tabulate

    rows = []
    for a in report.attempts:
        rows.append((iso(a.time) or "-", red(a.user or "-"), a.outcome, a.root_cause or "-", a.side or "-",
                     wrap(red(a.fix or "-"), 50),
                     "\n".join(red(f"{e.input}" + (f" [{e.ref}]" if e.ref else "")) for e in a.evidence[:4])
                     + (f"\n(+{len(a.evidence) - 4} more)" if len(a.evidence) > 4 else "")))
    out = [f"note: {n}" for n in report.notes] + ["== login attempts",
           tabulate(rows, headers=("time (UTC)", "user", "outcome", "cause", "side", "fix", "evidence"),
                    tablefmt="simple")]
    s = summary(report)
    if s["failures_by_cause"]:
        out.append("")
        out.append("failures by cause: " + ", ".join(f"{k} {v}" for k, v in s["failures_by_cause"].items()))
        out.append("failures by user:  " + red(", ".join(f"{k} {v}" for k, v in s["failures_by_user"].items())))
        out.append("failures by IdP:   " + ", ".join(f"{k} {v}" for k, v in s["failures_by_idp"].items()))
        out.append("failures by SP:    " + ", ".join(f"{k} {v}" for k, v in s["failures_by_sp"].items()))
    return "\n".join(out) + "\n"
