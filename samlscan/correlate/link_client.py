"""A replay whose pieces name no user, given the user its client's login just before shows.

SonarQube's refusal of a re-posted response ('This message has already been processed', the Back
button) logs its client's IP but `[login|]`: the SP never read the user. The same client's login a
moment before (its IdP line, the SP's acceptance) names them; when only one user logged in from that
IP in the window, the refusal is theirs: a replayed response was that client's own, used before.
Several users behind one IP (an office's NAT, a proxy without X-Forwarded-For) are several IdP
sessions: whose it was stays unknown, and the note says why.

Any other SP refusal without a user (SonarQube's 'Fail to callback authentication' and its
`[login|]` auth.event) is the end of a login its client started: the user of that client's latest
named attempt before it, when that one is a login the IdP passed and the SP's logs do not finish
(its answer is this refusal: link_user joins the two within MOMENT, a slower browser or an MFA
prompt is later) and the same one-user rule holds. After a login the SP finished, a refusal is a
new login, maybe another user's behind the same NAT (tests/test_replayuser28.py keeps it unknown).
"""
from __future__ import annotations

from collections import Counter, deque
from dataclasses import replace
from itertools import islice

from samlscan.correlate.link_keys import WINDOW
from samlscan.correlate.link_user import _local_part

CLIENT_WINDOW = WINDOW
"""How long before an attempt without a user its client's login may be (a response's validity,
NotOnOrAfter, is a few minutes: a re-post later than that is refused as expired, not replayed)."""


def _who(user: str) -> tuple[str, str | None]:
    """(the person, the address): 'hugo' and 'Hugo@example.com' are one person, one address;
    two addresses of one local part ('olga.berg' of two domains) are two people."""
    folded = user.casefold()
    local = _local_part(folded)
    return (local, folded) if local else (folded, None)


class _Recent:
    """The named attempts of one client IP within CLIENT_WINDOW, and who they are (counted: one
    check per attempt without a user, whatever the window holds)."""

    __slots__ = ("seen", "people", "addresses")

    def __init__(self):
        self.seen: deque = deque()  # (time, user, person, address, started) in time order
        self.people: Counter = Counter()
        self.addresses: Counter = Counter()

    def add(self, time, user: str, started: bool = False) -> None:
        person, address = _who(user)
        self.seen.append((time, user, person, address, started))
        self.people[person] += 1
        if address is not None:
            self.addresses[address] += 1

    def since(self, start) -> None:
        seen, people, addresses = self.seen, self.people, self.addresses
        while seen and seen[0][0] < start:
            _, _, person, address, _ = seen.popleft()
            people[person] -= 1
            if not people[person]:
                del people[person]
            if address is not None:
                addresses[address] -= 1
                if not addresses[address]:
                    del addresses[address]

    def one_user(self) -> bool:
        return len(self.people) == 1 and len(self.addresses) <= 1


REPLAYED = "assertion-replayed"


def _replay(a) -> bool:
    """An attempt without a user whose response was used before (the SP said so, or its capture)."""
    return a.user is None and (a.root_cause == REPLAYED or REPLAYED in a.findings)


def _refused(a, at_sp: bool) -> bool:
    """An SP's refusal without a user that is no replay: the end of a login its client started."""
    return a.user is None and a.outcome == "failure" and at_sp and not _replay(a)


def users_by_client(attempts: list, at_sp: list[bool] | None = None) -> list:
    """`attempts` (any order), each replay (_replay) without a user but with a client IP and a time given the user of
    that IP's named attempts in the CLIENT_WINDOW before it (up to its own second) when they are all
    one user, with a note saying so; with several users a note why it stays unknown. `at_sp`: per
    attempt, whether an SP's piece is in it; an SP refusal without a user (_refused) takes the user
    the same way when that IP's latest named attempt is a login the IdP passed and no SP piece
    finished (a started one). Linear: one pass in time order, each IP's window counted as it moves."""
    at_sp = at_sp if at_sp is not None and len(at_sp) == len(attempts) else [False] * len(attempts)
    unnamed = {a.ip for k, a in enumerate(attempts)  # (both need an attempt without a user: tested first)
               if a.user is None and (_replay(a) or _refused(a, at_sp[k])) and a.ip and a.time is not None}
    if not unnamed:  # (most scans: every attempt names its user)
        return attempts
    order = sorted((k for k, a in enumerate(attempts) if a.ip in unnamed and a.time is not None),
                   key=lambda k: (attempts[k].time, attempts[k].user is None))  # (a second's named ones first)
    recent = {ip: _Recent() for ip in unnamed}
    out = list(attempts)
    for k in order:
        a = attempts[k]
        near = recent[a.ip]
        near.since(a.time - CLIENT_WINDOW)
        if a.user:
            near.add(a.time, a.user, a.outcome == "success" and not at_sp[k])
            continue
        if not near.seen or not (_replay(a) or _refused(a, at_sp[k]) and near.seen[-1][4]):
            continue
        out[k] = _named(a, near) if near.one_user() else _unnamed(a, near)
    return out


def _hms(time) -> str:
    """HH:MM:SS of a time (isoformat: strftime costs several times more, a note per attempt)."""
    return time.isoformat()[11:19]


def _minutes() -> str:
    return f"{CLIENT_WINDOW.total_seconds() / 60:.0f} min"


def _named(a, near: _Recent):
    """`a` with the user of its client's latest login (no name in the note: --redact masks users)."""
    time, user = near.seen[-1][:2]
    return replace(a, user=user, notes=(*a.notes, f"user from the same client's login at {_hms(time)} "
                                        f"(its client IP, the only user logged in from it in the {_minutes()} "
                                        "before; its own lines name none)"))


def _unnamed(a, near: _Recent):
    """`a` without a user, and why: its client IP logged in several users just before."""
    times = ", ".join(_hms(t) for t, *_ in reversed(list(islice(reversed(near.seen), 3))))
    users = max(len(near.people), len(near.addresses))
    return replace(a, notes=(*a.notes, f"no user: its lines name none, and {users} users logged in from "
                                       f"its client IP in the {_minutes()} before ({times}): one NAT or proxy "
                                       "for several users (several IdP sessions), so whose it was is unknown"))
