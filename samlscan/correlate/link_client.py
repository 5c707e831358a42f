"""A replay whose pieces name no user, given the user its client's login just before shows.

SonarQube's refusal of a re-posted response ('This message has already been processed', the Back
button) logs its client's IP but `[login|]`: the SP never read the user. The same client's login a
moment before (its IdP line, the SP's acceptance) names them; when only one user logged in from that
IP in the window, the refusal is theirs: a replayed response was that client's own, used before.
Several users behind one IP (an office's NAT, a proxy without X-Forwarded-For) are several IdP
sessions: whose it was stays unknown, and the note says why. Only replays: any other refusal without
a user is a new login, maybe another user's behind the same NAT (link_user joins one to its IdP
line within MOMENT; tests/test_correlate_idp_user.py keeps a later one unknown).
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
        self.seen: deque = deque()  # (time, user, person, address) in time order
        self.people: Counter = Counter()
        self.addresses: Counter = Counter()

    def add(self, time, user: str) -> None:
        person, address = _who(user)
        self.seen.append((time, user, person, address))
        self.people[person] += 1
        if address is not None:
            self.addresses[address] += 1

    def since(self, start) -> None:
        seen, people, addresses = self.seen, self.people, self.addresses
        while seen and seen[0][0] < start:
            _, _, person, address = seen.popleft()
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


def users_by_client(attempts: list) -> list:
    """`attempts` (any order), each replay (_replay) without a user but with a client IP and a time given the user of
    that IP's named attempts in the CLIENT_WINDOW before it (up to its own second) when they are all
    one user, with a note saying so; with several users a note why it stays unknown. Linear: one
    pass in time order, each IP's window counted as it moves."""
    unnamed = {a.ip for a in attempts if _replay(a) and a.ip and a.time is not None}
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
            near.add(a.time, a.user)
            continue
        if not near.seen or not _replay(a):
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
