"""The login-attempts timeline for people: time, user, outcome, cause, side, fix."""
from __future__ import annotations

from collections import Counter

from samlscan.report.document import iso, summary
from samlscan.report.table import wrap

LISTED_ATTEMPTS = 40
"""Up to this many attempts the table lists each one; beyond (a month of logs), it gives one row
per outcome and cause, and `--details` lists them all."""
TOP = 10
"""Entries shown in each 'failures by ...' line."""


def render_attempts(report, red=lambda s: s, detail: bool = True) -> str:
    from tabulate import tabulate

    out = [f"note: {n}" for n in report.notes]
    if detail or len(report.attempts) <= LISTED_ATTEMPTS:
        out += ["== login attempts", tabulate(
            [_attempt_row(a, red) for a in report.attempts],
            headers=("time (UTC)", "user", "outcome", "cause", "side", "fix", "evidence"), tablefmt="simple")]
    else:
        out += [f"== login attempts by outcome and cause ({len(report.attempts)} attempts; "
                "`samlscan scan --details` lists each)",
                tabulate(_cause_rows(report.attempts, red),
                         headers=("outcome", "cause", "side", "count", "first (UTC)", "last (UTC)", "users",
                                  "example", "fix"), tablefmt="simple")]
    s = summary(report)
    if s["failures_by_cause"]:
        out.append("")
        out.append("failures by cause: " + _top(s["failures_by_cause"]))
        out.append("failures by user:  " + red(_top(s["failures_by_user"])))
        out.append("failures by IdP:   " + _top(s["failures_by_idp"]))
        out.append("failures by SP:    " + _top(s["failures_by_sp"]))
    return "\n".join(out) + "\n"


def _attempt_row(a, red) -> tuple:
    return (iso(a.time) or "-", red(a.user or "-"), a.outcome, a.root_cause or "-", a.side or "-",
            wrap(red(a.fix or "-"), 50),
            "\n".join(red(f"{e.input}" + (f" [{e.ref}]" if e.ref else "")) for e in a.evidence[:4])
            + (f"\n(+{len(a.evidence) - 4} more)" if len(a.evidence) > 4 else ""))


def _cause_rows(attempts, red) -> list[tuple]:
    """One row per (outcome, cause): failures first, the most frequent first."""
    groups: dict[tuple, list] = {}
    for a in attempts:
        groups.setdefault((a.outcome, a.root_cause or "-"), []).append(a)
    order = {"failure": 0, "unknown": 1, "success": 2}
    rows = []
    for (outcome, cause), items in sorted(groups.items(), key=lambda kv: (order.get(kv[0][0], 3), -len(kv[1]),
                                                                         kv[0][1])):
        times = [a.time for a in items if a.time]
        users = Counter(a.user for a in items if a.user)
        who = ", ".join(red(u) for u, _ in users.most_common(2)) + (
            f" (+{len(users) - 2})" if len(users) > 2 else "") if users else "-"
        first = items[0]
        example = (f"{first.evidence[0].input}" + (f" [{first.evidence[0].ref}]" if first.evidence[0].ref else "")
                   if first.evidence else "-")
        rows.append((outcome, cause, first.side or "-", len(items), iso(min(times)) if times else "-",
                     iso(max(times)) if times else "-", wrap(who, 30), wrap(red(example), 40),
                     wrap(red(first.fix or "-"), 50)))
    return rows


def _top(counts: dict) -> str:
    shown = ", ".join(f"{k} {v}" for k, v in list(counts.items())[:TOP])
    return shown + (f", ... ({len(counts) - TOP} more)" if len(counts) > TOP else "")
