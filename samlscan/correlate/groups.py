"""The groups pieces are joined into, and the conflicts that keep two pieces apart."""
from __future__ import annotations



class _Groups:
    """Union-find over pieces; each root also knows the SAML messages captured in its group."""

    def __init__(self, pieces):
        self.pieces = pieces
        self.parent = list(range(len(pieces)))
        self.merged: dict[int, dict] = {}
        """Identity ({category: values}) of the roots whose joins added to their own piece's."""

    def identity(self, root: int) -> dict | tuple:
        return self.merged.get(root) or self.pieces[root].identity  # a merged identity is never empty

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            low, high = (ra, rb) if ra < rb else (rb, ra)
            self.parent[high] = low
            if self.identity(low) is self.identity(high):  # a login's lines share one identity
                return
            kept, joined = _as_sets(self.identity(low)), _as_sets(self.identity(high))
            self.merged.pop(high, None)
            if all(values.issubset(kept.get(category, ())) for category, values in joined.items()):
                return  # nothing new (a login's lines name the same request): nothing to store
            merged = {k: set(v) for k, v in kept.items()}
            for category, values in joined.items():
                merged.setdefault(category, set()).update(values)
            self.merged[low] = merged


def _joinable(groups: _Groups, i: int, j: int) -> bool:
    """No category of the two groups' identities (_with_identity) names two values: a broker hop
    and the SP's login are apart only by their responses' own categories."""
    return not _two_values(_as_sets(groups.identity(groups.find(i))), _as_sets(groups.identity(groups.find(j))))


def _as_sets(identity: dict | tuple) -> dict[str, set]:
    if isinstance(identity, dict):
        return identity
    out: dict[str, set] = {}
    for category, value in identity:
        out.setdefault(category, set()).add(value)
    return out


def _conflict(pieces, groups, i, j) -> bool:
    """Groups with different responses, or different SP request IDs, are different attempts
    (retries, double clicks, two users behind one proxy); so are a broker hop's response and a
    response to the SP, unless _link_broker_hops joined them (_hop_apart)."""
    ri, rj = pieces[i].response, pieces[j].response
    if ri is not None and rj is not None and ri != rj and not (  # a group never holds two responses,
            (pieces[i].copy or pieces[j].copy) and ri[0] == rj[0]):  # but a POST and its copies
        return True
    a = groups.identity(groups.find(i))
    if not a:  # most pieces name no response and no request ID: nothing to compare
        return False
    b = groups.identity(groups.find(j))
    if not b or a is b:  # a login's lines share one identity object
        return False
    if isinstance(a, tuple) and isinstance(b, tuple):
        if len(a) == 1 and len(b) == 1:  # one request ID each (most log lines): no generator
            return a[0][1] != b[0][1] if a[0][0] == b[0][0] else _OTHER_HOP.get(a[0][0]) == b[0][0]
        if any(c == c2 and v != v2 for c, v in a for c2, v2 in b):
            return True
        a, b = {c for c, _ in a}, {c for c, _ in b}
        return _hop_apart(a, b) or _hop_apart(b, a)
    a, b = _as_sets(a), _as_sets(b)
    return _two_values(a, b) or _hop_apart(a, b) or _hop_apart(b, a)


def _two_values(a: dict, b: dict) -> bool:
    """A category of two identities (_as_sets) names different values in each."""
    return any(values != b[category] for category, values in a.items() if category in b)


_OTHER_HOP = {"response-id": "hop-response-id", "hop-response-id": "response-id"}


def _hop_apart(a, b) -> bool:
    """(Identity categories, as a set or dict.) A group holding only a response to the SP and one
    holding only a broker hop's response: two logins as far as the other links know (a brokered
    login's two hops are joined by _link_broker_hops alone, on the capture's own order)."""
    return "response-id" in a and "hop-response-id" not in a and "hop-response-id" in b and "response-id" not in b
