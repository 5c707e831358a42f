"""Linking two logs' lines of one HTTP request: a reverse proxy's access line and the SP's own."""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import timedelta

from samlscan.correlate.groups import _Groups, _conflict
from samlscan.correlate.link_keys import WINDOW
from samlscan.logs.sqaccess import PROXY_ANSWERED

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



def _proxy_answer(p) -> bool:
    """A proxy's access line of a callback it answered itself, naming its client and no user."""
    return p.kind == "log" and p.log_code == PROXY_ANSWERED and p.ip is not None and p.time is not None \
        and not p.user


def _link_proxy_answers(pieces, groups: _Groups) -> None:
    """A proxy's own answer to a callback (_proxy_answer) joins the one attempt of its client IP whose
    callback it is: that attempt names the IP and holds the request's arrival at that second, within
    SAME_REQUEST of the proxy's line: the browser's captured POST of a response, or the SP's own log
    line of it (SonarQube's DEBUG dump of the response it got). The SP's later lines of that attempt
    say the login went on behind the proxy (its 'login success' 75 s later: tests/data/case28), so
    _link_by_moment's one-log-per-side rule keeps the proxy's line out. An SP line of the client only
    later (no arrival) may be a retry's, whose callback the proxy logged without an outcome: it stays
    apart; so does an answer two attempts of one IP could own (a NAT)."""
    answers = [i for i, p in enumerate(pieces) if _proxy_answer(p)]
    if not answers:
        return
    ips = {pieces[i].ip for i in answers}
    # ip -> (times, indices) of the other pieces naming it, in time order (an outage's 1,000s of
    # answers of one client are not looked through for each answer)
    by_ip: dict[str, tuple[list, list]] = {}
    for i in sorted((i for i, p in enumerate(pieces) if p.ip in ips and p.time is not None and not _proxy_answer(p)),
                    key=lambda i: (pieces[i].time, i)):
        times, idx = by_ip.setdefault(pieces[i].ip, ([], []))
        times.append(pieces[i].time)
        idx.append(i)
    members: dict[int, list[int]] = {}
    for i, p in enumerate(pieces):
        members.setdefault(groups.find(i), []).append(i)
    for i in answers:
        p = pieces[i]
        times, idx = by_ip.get(p.ip, ((), ()))
        near = idx[bisect_left(times, p.time - WINDOW):bisect_right(times, p.time + WINDOW)]
        roots = {r for r in {groups.find(j) for j in near} - {groups.find(i)}
                 if _callback_of(p, [pieces[m] for m in members[r]])}
        if len(roots) != 1:
            continue
        a, b = groups.find(i), roots.pop()
        if not _conflict(pieces, groups, i, b):
            groups.union(i, b)
            members[groups.find(i)] = members.pop(a) + members.pop(b)


def _callback_of(p, group: list) -> bool:
    """Whether `group`, an attempt naming `p`'s client IP within WINDOW, holds the arrival of the
    callback the proxy answered: a captured POST of a response, or an SP log line, at its second."""
    if any(q.input == p.input for q in group):
        return False  # (another line of the proxy's log: another request)
    return any(q.time is not None and abs(q.time - p.time) <= SAME_REQUEST and (
        q.kind == "capture" and q.response is not None and not getattr(q, "copy", False)
        or q.kind == "log" and q.side == "sp") for q in group)
