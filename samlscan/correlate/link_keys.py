"""Linking by SAML IDs and flow keys, and saved copies of a response to their POST."""
from __future__ import annotations

from datetime import timedelta

from samlscan.correlate.groups import _Groups, _conflict
from samlscan.correlate.pieces import _Piece


WINDOW = timedelta(minutes=5)
"""How far apart two pieces of one attempt may be once clocks are corrected (SP stacks allow
3-5 minutes of skew, so logs of one login rarely sit further apart)."""

KEY_FANOUT = 8
"""How many earlier pieces sharing one key a piece may be compared with. A login has a handful of
pieces per ID; thousands of uses of one SAML ID under different SP requests are a replay storm,
and comparing each new piece with all of them would make correlation quadratic."""


def _keys(p: _Piece) -> list[str] | tuple:
    return [f"id:{x}" for x in p.ids] + list(p.flow_keys) if p.ids else p.flow_keys  # (a log line's: no copy)


def _link_by_keys(pieces, groups: _Groups) -> None:
    """Join pieces that name the same SAML ID or flow ID, unless that would merge two attempts
    (two responses to one AuthnRequest, a replayed response). A capture's pieces of one place (a
    POST's message and its exchange's step) are compared whatever KEY_FANOUT leaves out: one
    response posted a thousand times is a thousand POSTs, each its own step's."""
    owners: dict[str, int | list[int]] = {}
    places: dict[tuple, list[int]] = {}  # a capture's (input, ref) -> its pieces so far
    for i, p in enumerate(pieces):
        here = places.setdefault((p.input, p.ref), []) if p.kind == "capture" else ()
        for key in _keys(p):
            seen = owners.get(key)
            if seen is None:  # the first piece with this key (most keys): nothing to join yet; an
                owners[key] = i  # int, not a list, until a second names it (an IdP export: one per line)
                continue
            if seen.__class__ is int:
                seen = owners[key] = [seen]
            near = seen[-KEY_FANOUT:]
            if here:
                near += [j for j in here if j not in near and key in _keys(pieces[j])]
            fits = [j for j in near
                    if not _conflict(pieces, groups, i, j) and (key[:6] != "relay:" or _relay_fits(p, pieces[j]))
                    and not _later_use(p, pieces[j])]
            if len(fits) > 1:  # one response posted twice: its log lines belong to the nearer post
                groups.union(min(fits, key=lambda j: _distance(pieces[i], pieces[j])), i)
            elif fits:
                groups.union(fits[0], i)
            seen.append(i)
        if p.kind == "capture":
            here.append(i)


def _link_copies(pieces, groups: _Groups) -> None:
    """Join the copies of one IdP event in two of its exports (Keycloak's server log and its admin
    API's events JSON; an Okta System Log as CSV and as JSON): same product, outcome, codes,
    application, IP and user, at the same second (one export may cut the milliseconds the other
    keeps). Each is one login with both places as evidence; an export's own repeats of a key (two
    refusals in one second) are left to the other links, and each export's first copy pairs once."""
    decisive = [i for i, p in enumerate(pieces) if p.kind == "log" and p.side == "idp" and p.time is not None
                and p.outcome in ("failure", "success")]
    if len({pieces[i].input for i in decisive}) < 2:  # one export: no copy in another (a big one: no table)
        return
    firsts: dict[tuple, int] = {}  # key -> its first piece (the one the others' copies join)
    inputs: dict[tuple, set] = {}  # key -> the exports after the first's that had it (few keys)
    for i in decisive:
        p = pieces[i]
        key = (p.product, p.outcome, p.raw_code, p.log_code, p.sp, p.ip, p.user.casefold() if p.user else None,
               p.time.replace(microsecond=0))
        first = firsts.setdefault(key, i)
        if first == i or p.input == pieces[first].input or p.input in inputs.get(key, ()):
            continue
        inputs.setdefault(key, set()).add(p.input)
        if not _conflict(pieces, groups, first, i):
            groups.union(first, i)


def _later_use(a: _Piece, b: _Piece) -> bool:
    """A log line naming the ID of a response captured more than WINDOW away (clocks corrected):
    an SP handles a POST within seconds, so this is another use of the response (a replay of a
    captured one an hour later), not the captured login; the log line keeps the capture to say so."""
    log, post = (a, b) if b.kind == "capture" else (b, a)
    if log.kind != "log" or post.kind != "capture" or post.response is None or post.copy \
            or log.time is None or post.time is None or _distance(a, b) <= WINDOW.total_seconds():
        return False
    if post.time < log.time and log.earlier_use is None:
        log.earlier_use = post
    return True


def _relay_fits(a: _Piece, b: _Piece) -> bool:
    """A RelayState joins two pieces only close in time and when their SAML IDs do not tell them
    apart: many SPs send a constant RelayState (the return URL), shared by every login."""
    if _distance(a, b) > WINDOW.total_seconds():
        return False
    return not (a.ids and b.ids and not set(a.ids) & set(b.ids))


def _distance(a: _Piece, b: _Piece) -> float:
    if a.time is None or b.time is None:
        return float("inf")
    return abs((a.time - b.time).total_seconds())
