"""The clocks of several captures of one session, measured on the exchanges they share.

Two captures of one login (a user's HAR and the service desk's, a HAR and a proxy's SAZ, a HAR saved
once whole and once sanitized, one of them set right by its HTTP Date headers) stamp the same exchanges
on two clocks. An AuthnRequest is sent once (the SP makes a new ID for each login: SAML core 1.3.4, an
ID is unique), so the same AuthnRequest ID in two captures is the same exchange: the difference of its
two times is the difference of the two clocks. The Response is not measured so: the browser may post
it again (Back, reload), and that second POST carries the same ID and bytes."""
from __future__ import annotations

from datetime import timedelta

SAME_MOMENT = timedelta(seconds=2)
"""How far the neighbours' gaps may disagree for one clock difference (engine.SAME_POST_SECONDS: two
captures of one exchange on one clock are a few ms apart; whole-second Dates correct to the second)."""


def capture_shifts(messages) -> dict[str, timedelta]:
    """Capture input -> how far its clock is ahead of a reference capture's, for captures that share
    AuthnRequests with another whose times say a clock difference beyond SAME_MOMENT, the same for
    each shared one. Captures sharing nothing, or on the same clock, are not listed (no shift)."""
    from statistics import median

    from samlscan.engine import exchange_of

    sent: dict[str, dict[str, object]] = {}  # AuthnRequest ID -> capture -> its first time there
    for r in messages:
        m = getattr(r, "message", r)
        if m.kind != "AuthnRequest" or not m.id or m.logged_by or not m.captured_at \
                or exchange_of(m.source.ref) is None:
            continue
        seen = sent.setdefault(m.id, {})
        if m.source.input not in seen or m.captured_at < seen[m.source.input]:
            seen[m.source.input] = m.captured_at
    gaps: dict[tuple[str, str], list[float]] = {}  # (capture, later-named capture) -> its clock minus the first's
    for seen in sent.values():  # (each against the ID's first-named capture: the other pairs follow from those)
        first, *rest = sorted(seen)
        for b in rest:
            gaps.setdefault((first, b), []).append((seen[b] - seen[first]).total_seconds())
    edges: dict[str, list[tuple[str, timedelta]]] = {}
    for (a, b), ds in gaps.items():
        mid = median(ds)
        if abs(mid) <= SAME_MOMENT.total_seconds() or max(ds) - min(ds) > SAME_MOMENT.total_seconds():
            continue  # (one clock, or neighbours that disagree: no one difference to trust)
        edges.setdefault(a, []).append((b, timedelta(seconds=mid)))
        edges.setdefault(b, []).append((a, -timedelta(seconds=mid)))
    shifts: dict[str, timedelta] = {}
    for root in sorted(edges):  # each group of captures joined by shared AuthnRequests, from its first name
        if root not in shifts:
            shifts.update(_group_shifts(root, edges))
    return {k: v for k, v in shifts.items() if v}


def _group_shifts(root: str, edges: dict[str, list[tuple[str, timedelta]]]) -> dict[str, timedelta]:
    """Each capture of root's group -> its shift from root's clock; all zero when two paths between two
    captures (a cycle: A ahead of B, B of C, C of A) say differences more than SAME_MOMENT apart: no
    one difference to trust, as for neighbours that disagree."""
    shifts, todo, agree = {root: timedelta(0)}, [root], True
    while todo:
        a = todo.pop()
        for b, gap in edges[a]:
            if b not in shifts:
                shifts[b] = shifts[a] + gap
                todo.append(b)
            elif abs(shifts[b] - shifts[a] - gap) > SAME_MOMENT:
                agree = False
    return shifts if agree else dict.fromkeys(shifts, timedelta(0))
