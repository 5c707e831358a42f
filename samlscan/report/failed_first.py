"""The table's first block: the failed logins by cause, each with its fix (what a support engineer
reads first; the attempts, the findings and the inputs follow with the evidence)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from samlscan.report.cells import width as columns_of
from samlscan.report.cells import wrap
from samlscan.report.document import failures_by_cause

FIX_WIDTH = 100
"""The fix is wrapped to the terminal, and to this many columns at most (a file, a pipe)."""
SCREEN = 22
"""Lines the causes may take, so that the block fits a terminal's first screen with its heading."""
FIX_LINES = 2
"""Lines of a fix at the least; a longer fix is cut ('...'), whole in the attempts below."""
SHOWN_USERS = 2


@dataclass(frozen=True)
class Cause:
    """The failed logins of one root cause: how many, whose (most often first), which sides, and
    the fix of its latest failure (None when no attempt names one)."""

    cause: str
    count: int
    users: tuple[str, ...]
    sides: tuple[str, ...]
    fix: str | None


def causes(report) -> list[Cause]:
    """One entry per root cause of the failed logins ('unknown' without one), most failures first:
    the table's first block and the HTML report's 'what to fix' read the same."""
    failures = [a for a in report.attempts if a.outcome == "failure"]
    out = []
    for cause, n in failures_by_cause(failures).items():
        items = [a for a in failures if (a.root_cause or "unknown") == cause]
        latest = max(items, key=lambda a: (a.time is not None, a.time or 0))
        users = tuple(u for u, _ in Counter(a.user for a in items if a.user).most_common())
        fix = latest.fix or ("no cause found: see the attempt's evidence below" if cause == "unknown" else None)
        out.append(Cause(cause, n, users, tuple(sorted({a.side for a in items if a.side})), fix))
    return out


def failed_logins_block(report, red=lambda s: s, width: int | None = None) -> list[str]:
    """'== failed logins', then one entry per root cause, most failures first: the cause, how many,
    whose, which side, and the fix of its latest failure. Nothing when no login failed."""
    rows = causes(report)
    if not rows:
        return []
    failed = sum(c.count for c in rows)
    columns = min(width, FIX_WIDTH) if width else FIX_WIDTH
    n = SCREEN // (1 + FIX_LINES)
    while n > 1 and n * (1 + FIX_LINES) + len(_rest(rows[n:], columns)) > SCREEN:
        n -= 1  # (the causes not shown are named in full: they take the lines of one shown)
    shown, rest = rows[:n], _rest(rows[n:], columns)
    room = max(FIX_LINES, (SCREEN - len(shown) - len(rest)) // len(shown) - 1)
    out = [_indented(f"== failed logins: {failed} of {len(report.attempts)} attempt(s), by cause "
                     "(each attempt, its whole fix and evidence: the login attempts below)", "", width or 0)]
    for c in shown:
        head = (f"{c.cause}: {c.count} failed login(s) ({users_named(c.users, red)}"
                + (f"; side {', '.join(c.sides)}" if c.sides else "") + ")")
        out.append(_indented(head, "", columns))
        if c.fix:
            out.append(_cut(_indented(red(c.fix), "    fix: ", columns), room, columns))
    return out + rest + [""]


def _rest(rows: list[Cause], columns: int) -> list[str]:
    """The lines naming the causes not shown, with their failed logins as a shown one's head counts them."""
    if not rows:
        return []
    said = ", ".join(f"{c.cause} ({c.count})" for c in rows)
    return _indented(f"and {len(rows)} more cause(s) of {sum(c.count for c in rows)} failed login(s): {said}",
                     "", columns).splitlines()


def _cut(text: str, lines: int, columns: int) -> str:
    """The first `lines` lines of `text`, ending in ' ...' when there were more (the last one's
    words that would push it past `columns` dropped)."""
    kept = text.splitlines()
    if len(kept) <= lines:
        return text
    last = kept[lines - 1]
    while columns_of(last) + 4 > columns and " " in last.strip():
        last = last.rstrip().rsplit(" ", 1)[0]
    return "\n".join([*kept[:lines - 1], last + " ..."])


def users_named(users: tuple[str, ...], red=lambda s: s) -> str:
    """The first SHOWN_USERS users named, the rest counted."""
    if not users:
        return "user unknown"
    named = ", ".join(red(u) for u in users[:SHOWN_USERS])
    return named + (f" (+{len(users) - SHOWN_USERS} more)" if len(users) > SHOWN_USERS else "")


def _indented(text: str, lead: str, columns: int) -> str:
    """`lead` + `text` wrapped to `columns`, its later lines under the text's first."""
    if not columns:  # (no terminal: a heading stays one line, as the table's others do)
        return lead + text
    indent = " " * (len(lead) or 4)
    return lead + wrap(text, max(columns - len(indent), 20)).replace("\n", "\n" + indent)
