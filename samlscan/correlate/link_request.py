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
    by_key: dict[tuple, tuple[list, list]] = {}  # (product, ip, outcome) -> its lines in time order
    for i in sorted((i for i, p in enumerate(pieces) if _seen_twice(p)), key=lambda i: pieces[i].time):
        p = pieces[i]
        idx, times = by_key.setdefault((p.product, p.ip, p.outcome), ([], []))
        idx.append(i)
        times.append(p.time)

    def near(i, idx, times, where) -> list[int]:
        t = pieces[i].time
        return [j for j in idx[bisect_left(times, t - SAME_REQUEST):bisect_right(times, t + SAME_REQUEST)]
                if pieces[j].input == where]

    for idx, times in by_key.values():
        inputs = {pieces[i].input for i in idx}
        if len(inputs) < 2:
            continue
        for i in idx:
            for where in inputs - {pieces[i].input}:
                mine = near(i, idx, times, where)
                if len(mine) != 1 or near(mine[0], idx, times, pieces[i].input) != [i]:
                    continue
                j = mine[0]
                a, b = pieces[i].user, pieces[j].user
                if a and b and a.casefold() != b.casefold() or groups.find(i) == groups.find(j):
                    continue
                if not _conflict(pieces, groups, i, j):
                    groups.union(i, j)
