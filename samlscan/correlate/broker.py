"""Linking the two hops of a brokered login (a Keycloak broker's exchange with another IdP)."""
from __future__ import annotations

from dataclasses import dataclass

from samlscan.config import keycloak_broker, keycloak_realm
from samlscan.correlate.groups import _Groups, _joinable
from samlscan.correlate.link_user import _local_part
from samlscan.correlate.pieces import _Piece, _with_identity


def _broker_hops(read, flows) -> set[tuple[str, str]]:
    """(input, ref) of the captured messages of a Keycloak broker's exchange with another IdP: its
    AuthnRequest (ACS: the broker endpoint, SAMLIdentityProvider), the response addressed or posted
    there (SAMLEndpoint)."""
    out = set()
    for r in read:
        m = r.message
        if not m.logged_by and keycloak_broker(m.destination if m.kind == "Response" else m.acs_url):
            out.add((m.source.input, m.source.ref))
    for f in flows:
        if f.response is not None and any(ex.leg == "acs-post" and keycloak_broker(ex.url) for ex in f.exchanges):
            out.add((f.response.source.input, f.response.source.ref))
    return out


def _flow_messages(flow) -> list[tuple[str, str]]:
    """(input, ref) of a flow's captured request and response."""
    return [(x.source.input, x.source.ref) for x in (flow.request, flow.response) if x is not None]


def _mark_hops(messages: list[_Piece], flown: list[tuple], hops: set) -> None:
    """Mark the message pieces and flow pieces ((flow, piece) pairs) of broker hops (_Piece.hop)."""
    for p in messages:
        if p.kind == "capture" and (p.input, p.ref) in hops:
            p.hop = True
            _with_identity(p)
    for f, p in flown:
        if any(k in hops for k in _flow_messages(f)):
            p.hop = True
            _with_identity(p)


@dataclass(frozen=True, slots=True)
class _Leg:
    """A flow of a capture, for _link_broker_hops: its place in the capture (Flow.at: the browser's
    own order), the piece that stands for it, whether the SP's
    response was posted."""

    first: int
    last: int
    piece: int
    answered: bool = False


def _link_broker_hops(flows, pieces, n_messages: int, groups: _Groups, hops: set) -> None:
    """Join each broker hop of a capture to the login of the SP that it served: the browser sent the
    SP's AuthnRequest to a Keycloak realm's SAML endpoint, and before that login's response came
    back to the SP (or, unanswered, before the browser's next login at that realm) its exchanges
    hold the realm's own login at another IdP (an AuthnRequest whose ACS is that realm's broker
    endpoint, and the IdP's answer). One login, two hops: the only such SP login around the hop
    (concurrent logins in one capture: the one of the same user, else none), of a user the hop's
    response does not contradict. Each SP login takes one hop, its last."""
    at = {(p.input, p.ref): i for i, p in enumerate(pieces[:n_messages]) if p.kind == "capture"}
    outer: dict[tuple, list[_Leg]] = {}
    inner: dict[tuple, list[_Leg]] = {}
    for f in flows:
        if not f.at or f.capture is None or f.request is None and f.response is None:
            continue
        keys = _flow_messages(f)
        piece = next((at[k] for k in reversed(keys) if k in at), None)
        if piece is None:
            continue
        placed = list(zip(f.at, f.exchanges))  # (the capture's order, not the numbers its reader cites)
        if any(k in hops for k in keys):
            realm = keycloak_realm(pieces[piece].acs) or next(
                (r for ex in f.exchanges if ex.leg == "acs-post" and (r := keycloak_realm(ex.url))), None)
            if realm:
                inner.setdefault((f.capture.input, realm), []).append(_Leg(min(f.at), max(f.at), piece))
            continue
        sent = [(i, ex) for i, ex in placed if ex.leg == "authn-request" and keycloak_realm(ex.url)]
        if sent and f.request is not None:
            posted = [i for i, ex in placed if ex.leg == "acs-post"]
            outer.setdefault((f.capture.input, keycloak_realm(sent[0][1].url)), []).append(
                _Leg(sent[0][0], max(posted) if posted else -1, piece, bool(posted)))
    for key, legs in inner.items():
        logins = sorted(outer.get(key, ()), key=lambda o: o.first)
        spans = [(o, o.last if o.answered else (logins[k + 1].first if k + 1 < len(logins) else 1 << 62))
                 for k, o in enumerate(logins)]
        taken: dict[int, _Leg] = {}
        for hop in sorted(legs, key=lambda h: h.first):
            around = [o for o, end in spans if o.first < hop.first and hop.last < end]
            if len(around) > 1:  # concurrent logins: the one of the hop's user
                around = [o for o in around if _same_user(pieces[o.piece], pieces[hop.piece]) is True]
            if len(around) == 1 and _same_user(pieces[around[0].piece], pieces[hop.piece]) is not False:
                taken[around[0].piece] = hop  # (a later hop in the same login replaces an earlier one)
        for o, hop in taken.items():
            if _joinable(groups, o, hop.piece):
                groups.union(o, hop.piece)


def _names(p: _Piece) -> set[str]:
    names = {n.casefold() for n in (p.user, p.login) if n}
    return names | {x for n in names if (x := _local_part(n))}


def _same_user(a: _Piece, b: _Piece) -> bool | None:
    """Whether two captured messages name one user (a name, or an email's local part, in common:
    Keycloak's username is often the IdP's email or its local part); None when one names nobody."""
    x, y = _names(a), _names(b)
    return bool(x & y) if x and y else None
