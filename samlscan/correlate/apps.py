"""The applications IdP log lines name: which sign-ins are the SP's, which are other apps'."""
from __future__ import annotations

from collections import Counter

from samlscan.correlate.pieces import _Piece


def _apps_in_idp_logs(members: dict[int, list[_Piece]]) -> Counter:
    """Sign-in groups per application named by IdP log lines (before attempts are built); names
    that differ only in case are one application, under its first spelling."""
    spelled: dict[str, str] = {}
    counts: Counter = Counter()
    for g in members.values():
        name = next((p.sp for p in g if _names_app(p)), None)
        if name:
            counts[spelled.setdefault(name.casefold(), name)] += 1
    return counts


def _names_app(p: _Piece) -> bool:
    """An IdP log line naming the application signed in to. Not an app-not-found refusal: its
    'application' is the name the SP asked with, which no application of the IdP has (Keycloak's
    client_not_found with the wrong Issuer as clientId), so neither another application nor the SP's
    own name at the IdP."""
    return p.kind == "log" and p.side == "idp" and bool(p.sp) and p.log_code != "app-not-found"


def _top_apps(counts: Counter) -> str:
    return ", ".join(f"{app} ({n})" for app, n in counts.most_common(5)) + (", ..." if len(counts) > 5 else "")


def _other_applications(members: dict[int, list[_Piece]], apps: tuple[str, ...] = ()) -> dict[int, str]:
    """Groups made only of IdP log lines about another application ({root: app}). An Entra or Okta
    export lists the sign-ins to every application of the tenant (Teams, Outlook...). The SP's
    names are the ones each IdP's logs use for it: those of IdP log lines joined to SP-side
    evidence (a capture, an SP log line) in one attempt (Entra appDisplayName, Okta AppInstance,
    Keycloak clientId), and the names given (--app, the SP entity ID) that the logs use. They are
    kept per IdP product (Okta's label says nothing of Keycloak's clientId), and names only the SP
    side uses (the Audience, SonarQube's provider name) are not IdP labels. An IdP whose name for
    the SP is unknown keeps all its sign-ins: there is no way to tell which app is the SP."""
    def idp_pieces(g):
        return [p for p in g if _names_app(p)]

    given = {a.casefold() for a in apps if a}
    ours: dict[str | None, set] = {}
    for g in members.values():
        sp_side = any(p.kind == "capture" or p.side == "sp" for p in g)
        for p in idp_pieces(g):
            if sp_side or p.sp.casefold() in given:
                ours.setdefault(p.product, set()).add(p.sp.casefold())
    foreign = {}
    for root, g in members.items():
        pieces = idp_pieces(g)
        if pieces and len(pieces) == len(g) and all(
                p.product in ours and p.sp.casefold() not in ours[p.product] for p in pieces):
            foreign[root] = g[0].sp
    return foreign
