"""One POST of a response captured in several captures (a user's HAR and the service desk's, one
HAR exported twice, a HAR and a SAML-tracer export of one session): one response, one attempt."""
from __future__ import annotations

from samlscan.capture_clocks import capture_shifts
from samlscan.engine import capture_uses, exchange_of


def same_posts(messages) -> dict[tuple, tuple]:
    """(input, ref) of each captured Response -> the (Response ID, input, ref) that names its POST
    (_Piece.response): the first capture's, for every capture of the same use. A use is what
    replay_findings counts (engine.capture_uses: within a capture each exchange is a post; across
    captures, exchanges at the same moment on the captures' clocks (capture_clocks), or untimed ones in
    the same order, are one), so the attempts split exactly where assertion-replayed says the response was posted again."""
    by_id: dict[str, list] = {}
    for r in messages:
        m = r.message
        if m.kind == "Response" and m.id and not m.logged_by:
            by_id.setdefault(m.id, []).append(m)
    out: dict[tuple, tuple] = {}
    shifts = None  # (measured once, when a response is in two captures)
    for ident, ms in by_id.items():
        if len({m.source.input for m in ms}) < 2:  # one capture: each exchange its own post (most runs)
            continue
        shifts = capture_shifts(messages) if shifts is None else shifts
        first: dict[int, tuple] = {}
        for use, m in capture_uses(ms, shifts):
            if exchange_of(m.source.ref) is None:  # a saved copy: joined by its ID as ever (_Piece.copy)
                continue
            key = (m.source.input, m.source.ref)
            out[key] = first.setdefault(use, (ident, *key))
    return out


def replayed_posts(messages, idents: set) -> set[tuple]:
    """(input, ref) of each captured POST of a replayed ID (an assertion-replayed finding's
    message_ref) after its first use: the finding points at the last use only, and the posts between
    (Back or reload pressed twice) were replays too."""
    by_id: dict[str, list] = {}
    for r in messages:
        m = r.message
        if m.kind == "Response" and not m.logged_by:
            for i in {a.id for a in m.assertions if a.id} or ({m.id} if m.id else set()):
                if i in idents:
                    by_id.setdefault(i, []).append(m)
    if not by_id:
        return set()
    shifts = capture_shifts(messages)
    return {(m.source.input, m.source.ref) for ms in by_id.values() for use, m in capture_uses(ms, shifts)
            if use > 1 and exchange_of(m.source.ref) is not None}
