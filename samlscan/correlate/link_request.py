"""Linking two logs' lines of one HTTP request: a reverse proxy's access line and the SP's own."""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import timedelta

from samlscan.correlate.groups import _Groups, _conflict

SAME_REQUEST = timedelta(seconds=2)
"""How far apart two servers stamp their access lines of one request: nginx's $time_local is the
request's end, Tomcat's %t its start, both to the second; a callback takes well under a second."""


def _seen_twice(p) -> bool:
    """An SP-side log line of a login's outcome that names its client (an access log's callback)."""
    return p.kind == "log" and p.side == "sp" and p.ip is not None and p.time is not None \
        and p.outcome in ("failure", "success")


def _link_one_request(pieces, groups: _Groups) -> None:
    """Two SP-side lines of two logs, of the same product, client IP and outcome within SAME_REQUEST,
    are one request logged twice (a reverse proxy's access log beside SonarQube's own, which alone
    holds the request ID: tests/data/sqaccess), when each is the only such line of its log near the
    other: a double click is two lines in each log, and stays apart. Not when they name two users
    or two request IDs (_conflict)."""
    # (product, ip, outcome) -> input -> its lines there; only keys two logs share are sorted, in
    # time order, with their times (a scan of one big log has none: no sort of its 100,000s of lines)
    if len({p.input for p in pieces if p.ip is not None and p.kind == "log" and p.side == "sp"}) < 2:
        return  # (one log of the SP's naming clients: nothing is logged twice)
    seen: dict[tuple, dict[str, list[int]]] = {}
    for i, p in enumerate(pieces):
        if _seen_twice(p):
            seen.setdefault((p.product, p.ip, p.outcome), {}).setdefault(p.input, []).append(i)
    by_key: dict[tuple, dict[str, tuple[list, list]]] = {}
    for key, logs in seen.items():
        if len(logs) > 1:
            for idx in logs.values():
                idx.sort(key=lambda i: pieces[i].time)
            by_key[key] = {log: (idx, [pieces[i].time for i in idx]) for log, idx in logs.items()}

    def alone(i, idx, times) -> int | None:  # the one line of (idx, times) near i's time, if only one
        t = pieces[i].time
        lo, hi = bisect_left(times, t - SAME_REQUEST), bisect_right(times, t + SAME_REQUEST)
        return idx[lo] if hi - lo == 1 else None

    for logs in by_key.values():
        for here, (idx, _) in logs.items():
            for there, (other, other_times) in logs.items():
                if there <= here:  # (each pair of logs once)
                    continue
                for i in idx:
                    j = alone(i, other, other_times)
                    if j is None or alone(j, *logs[here]) != i:
                        continue
                    a, b = pieces[i].user, pieces[j].user
                    if a and b and a.casefold() != b.casefold() or groups.find(i) == groups.find(j):
                        continue
                    if not _conflict(pieces, groups, i, j):
                        groups.union(i, j)
