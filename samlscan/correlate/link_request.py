"""Linking two logs' lines of one HTTP request: a reverse proxy's access line and the SP's own."""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import timedelta

from samlscan.correlate.groups import _Groups, _conflict
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


PROXY_WAIT = timedelta(minutes=5)
"""How long after a proxy's own answer to a callback (a 502/504 of its timeout) the SP may still log
that request: the proxy gives up at its timeout (AWS ALB's idle timeout and nginx's proxy_read_timeout
default to 60 s), the SP finishes on its own (tests/data/case28: 75 s after the POST)."""


def _proxy_answer(p) -> bool:
    """A proxy's access line of a callback it answered itself, naming its client and no user."""
    return p.kind == "log" and p.log_code == PROXY_ANSWERED and p.ip is not None and p.time is not None \
        and not p.user


def _link_proxy_answers(pieces, groups: _Groups) -> None:
    """A proxy's own answer to a callback (_proxy_answer) joins the one attempt of its client IP whose
    callback it is: that attempt names the IP and holds the browser's captured POST of a response
    within SAME_REQUEST of the proxy's line, or an SP line of that IP from the line's second to
    PROXY_WAIT after it with no other callback of the IP in the proxy's log between them (that one's
    request, a retry). Its SP lines say the login went on behind the proxy (SonarQube's 'login
    success' 75 s later: tests/data/case28), so _link_by_moment's one-log-per-side rule keeps it out.
    Two such attempts of one IP (a NAT): it stays apart."""
    answers = [i for i, p in enumerate(pieces) if _proxy_answer(p)]
    if not answers:
        return
    ips = {pieces[i].ip for i in answers}
    # ip -> (times, indices) of the other pieces naming it, in time order (an outage's 1,000s of
    # answers of one client are not looked through for each answer); (input, ip) -> that log's times
    by_ip: dict[str, tuple[list, list]] = {}
    logged: dict[tuple, list] = {}
    for i in sorted((i for i, p in enumerate(pieces) if p.ip in ips and p.time is not None),
                    key=lambda i: (pieces[i].time, i)):
        q = pieces[i]
        logged.setdefault((q.input, q.ip), []).append(q.time)
        if not _proxy_answer(q):
            times, idx = by_ip.setdefault(q.ip, ([], []))
            times.append(q.time)
            idx.append(i)
    members: dict[int, list[int]] = {}
    for i, p in enumerate(pieces):
        members.setdefault(groups.find(i), []).append(i)
    for i in answers:
        p = pieces[i]
        times, idx = by_ip.get(p.ip, ((), ()))
        near = idx[bisect_left(times, p.time - PROXY_WAIT):bisect_right(times, p.time + PROXY_WAIT)]
        if not near:
            continue
        own = logged[p.input, p.ip]  # (the proxy's next callback of this client: its SP lines are that one's)
        k = bisect_right(own, p.time)
        retry = p.time if k >= 2 and own[k - 2] == p.time else own[k] if k < len(own) else None  # (a double click: at once)
        roots = {r for r in {groups.find(j) for j in near} - {groups.find(i)}
                 if _callback_of(p, [pieces[m] for m in members[r]], retry)}
        if len(roots) != 1:
            continue
        a, b = groups.find(i), roots.pop()
        if not _conflict(pieces, groups, i, b):
            groups.union(i, b)
            members[groups.find(i)] = members.pop(a) + members.pop(b)


def _callback_of(p, group: list, retry) -> bool:
    """Whether `group`, an attempt naming `p`'s client IP, is the login whose callback the proxy answered."""
    if any(q.input == p.input for q in group):
        return False  # (another line of the proxy's log: another request)
    if any(q.kind == "capture" and q.response is not None and not getattr(q, "copy", False) and q.time is not None
           and abs(q.time - p.time) <= SAME_REQUEST for q in group):
        return True
    return any(q.kind == "log" and q.side == "sp" and q.ip == p.ip and q.time is not None
               and p.time - SAME_REQUEST <= q.time <= p.time + PROXY_WAIT and (retry is None or q.time < retry)
               for q in group)
