"""The login-attempts timeline for people: time, user, outcome, cause, side, fix."""
from __future__ import annotations

from collections import Counter

from samlscan.report.cells import width as columns
from samlscan.report.document import iso, summary
from samlscan.report.table import fitted, wrap

LISTED_ATTEMPTS = 40
"""Up to this many attempts the table lists each one; beyond (a month of logs), it gives one row
per outcome and cause, and `--details` lists them all."""
TOP = 10
"""Entries shown in each 'failures by ...' line."""


def render_attempts(report, red=lambda s: s, detail: bool = True, width: int | None = None) -> str:
    """`width`: the terminal's columns (None: no limit); a table wider than them is given as one
    block per row, a cell a line, since a wrapped 200-column table cannot be read."""
    out = [_fit(f"note: {red(n)}", width) for n in report.notes]
    if detail or len(report.attempts) <= LISTED_ATTEMPTS:
        out += ["== login attempts", fitted(
            [_attempt_row(a, red) for a in report.attempts],
            ("time (UTC)", "user", "outcome", "cause", "side", "fix", "evidence"), width,
            (None, None, None, None, None, 50))]
        out += render_notes(report.attempts, red, width)
    else:
        out += [f"== login attempts by outcome and cause ({len(report.attempts)} attempts; "
                "`samlscan scan --details` lists each)",
                fitted(_cause_rows(report.attempts, red),
                       ("outcome", "cause", "side", "count", "first (UTC)", "last (UTC)", "users", "example",
                        "fix"), width, (None,) * 6 + (30, 40, 50))]
    s = summary(report)
    if s["failures_by_cause"]:
        out.append("")
        out.append(_fit("failures by cause: " + _top(s["failures_by_cause"]), width))
        out.append(_fit("failures by user:  " + red(_top(s["failures_by_user"])), width))
        # (an entity ID, or the URL an SP's log gives for want of one, may hold an address: the
        # JSON's summary masks it, so does the table)
        out.append(_fit("failures by IdP:   " + red(_top(_named(s["failures_by_idp"], report.attempts, "idp"))), width))
        out.append(_fit("failures by SP:    " + red(_top(_named(s["failures_by_sp"], report.attempts, "sp"))), width))
    return "\n".join(out) + "\n"


def _named(counts: dict, attempts, side: str) -> dict:
    """The summary's tally per party under the name the attempts show it by (Attempt.idp_name: 'Duo
    (<entity ID>)', correlate.parties), as the HTML timeline does; the JSON keeps its keys."""
    label: dict[str, str] = {}
    for a in attempts:
        if shown := getattr(a, side + "_name"):
            for n in (getattr(a, side), *getattr(a, side + "_aka")):
                if n:
                    label.setdefault(n.casefold(), shown)
    out: dict[str, int] = {}
    for k, v in counts.items():
        out[label.get(k.casefold(), k)] = out.get(label.get(k.casefold(), k), 0) + v
    return out


def _fit(line: str, width: int | None) -> str:
    """A line wrapped to the terminal's width (None: as it is), its later lines indented."""
    return wrap(line, width - 4).replace("\n", "\n    ") if width and columns(line) > width else line


def _attempt_row(a, red) -> tuple:
    return (iso(a.time) or "-", red(who(a)), a.outcome, a.root_cause or "-", a.side or "-",
            red(a.fix or "-"), red(evidence_cell(a.evidence)))  # (the fix wrapped by `fitted`)


def who(a) -> str:
    """The user cell: the user, and the client's IP on a second line ('from 203.0.113.7')."""
    return (a.user or "-") + (f"\nfrom {a.ip}" if a.ip else "")


SHOWN_INPUTS = 4
"""Inputs listed in an attempt's evidence cell; the others are counted."""


def evidence_cell(evidence) -> str:
    """One line per input, its refs in file order ('x.har [entry 5, 6, 7]'): an attempt's evidence
    is several steps of one capture or log, and one line per step buried the other inputs."""
    by_input: dict[str, list[str]] = {}
    for e in evidence:
        refs = by_input.setdefault(e.input, [])
        if e.ref and e.ref not in refs:
            refs.append(e.ref)
    lines = [inp + (f" [{_refs(refs)}]" if refs else "") for inp, refs in list(by_input.items())[:SHOWN_INPUTS]]
    if len(by_input) > SHOWN_INPUTS:
        lines.append(f"(+{len(by_input) - SHOWN_INPUTS} more input(s))")
    return "\n".join(lines)


def _refs(refs: list[str]) -> str:
    """'entry 5, 6, 7' for refs of one kind, sorted by number; other refs as they are."""
    def key(r):
        kind, _, num = r.partition(" ")
        return (kind, int(num)) if num.isdigit() else (kind, 0)
    kinds = {r.partition(" ")[0] for r in refs}
    if len(kinds) == 1 and all(r.partition(" ")[2].isdigit() for r in refs):
        ordered = sorted(refs, key=key)
        return ordered[0] + "".join(", " + r.partition(" ")[2] for r in ordered[1:])
    return ", ".join(refs)


def render_notes(attempts, red, width: int | None = None) -> list[str]:
    """What the evidence says about each attempt (the log line that names the cause, a
    disagreement between the SP log and the capture): the cause column alone hides it."""
    out = []
    for a in attempts:
        for n in a.notes:
            head = f"{iso(a.time) or '-'}  {red(a.user or '-')}: "
            out.append(wrap(head + red(n), min(110, width - 4) if width else 110).replace("\n", "\n    "))
    return ["", "== what the evidence says", *out] if out else []


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
                     iso(max(times)) if times else "-", who, red(example), red(first.fix or "-")))
    return rows


def _top(counts: dict) -> str:
    shown = ", ".join(f"{k} {v}" for k, v in list(counts.items())[:TOP])
    return shown + (f", ... ({len(counts) - TOP} more)" if len(counts) > TOP else "")
