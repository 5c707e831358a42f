"""Linking failures of one moment, untimed pages, an issue to its receipt, unread responses."""
from __future__ import annotations

from collections import Counter

from samlscan.config import on_sonarqube_acs_path
from samlscan.correlate.apps import _other_applications
from samlscan.correlate.groups import _Groups, _conflict
from samlscan.correlate.link_user import MOMENT
from samlscan.correlate.pieces import _SP_ACS, _SP_DESTINATION, _MessagePiece, _Piece


def _link_by_moment(pieces, groups: _Groups) -> None:
    """A failure logged with neither a SAML ID nor a user (SonarQube's auth.event with an empty
    login, an IdP error page in a capture) joins the nearest failure of the other kind (capture vs
    log) on the same side within MOMENT, when that group has no such evidence yet. A response
    captured or pasted alone is the SP's (_moment_side); one of unknown outcome joins only as the
    one nearest (SimpleSAMLphp's SP logs its refusal with no ID or user: tests/data/livesspsp)."""
    from bisect import bisect_left, bisect_right

    failures = sorted((i for i, p in enumerate(pieces) if p.time and _moment_side(p)), key=lambda i: pieces[i].time)
    # (kind, side) -> its failures in time order, and their times: a failure looks only among
    # those of the other kind on its side (a scan of logs alone has none to look at)
    by_kind: dict[tuple, tuple[list[int], list]] = {}
    for i in failures:
        idx, times = by_kind.setdefault((pieces[i].kind, _moment_side(pieces[i])), ([], []))
        idx.append(i)
        times.append(pieces[i].time)
    if not any((other, side) in by_kind for kind, side in by_kind
               for other in ("log", "capture") if other != kind):
        return
    present: dict[int, set] = {}  # root -> the (kind, side) of its pieces
    for j, q in enumerate(pieces):
        present.setdefault(groups.find(j), set()).add((q.kind, _held_side(q)))

    def has(i, kind, side):
        return (kind, side) in present[groups.find(i)]

    for i in failures:
        p = pieces[i]
        if p.outcome != "failure":
            continue  # (an undecided response is only looked for)
        other_kind, side = "log" if p.kind == "capture" else "capture", _moment_side(p)
        candidates, times = by_kind.get((other_kind, side), ((), ()))
        if not candidates or p.user or has(i, other_kind, side):
            continue
        window = candidates[bisect_left(times, p.time - MOMENT):bisect_right(times, p.time + MOMENT)]
        near = sorted((abs(pieces[j].time - p.time), j) for j in window
                      if not has(j, p.kind, side) and _same_sp(p, pieces[j]))
        if near:
            j = near[0][1]
            if pieces[j].outcome != "failure" and len(near) > 1 and near[1][0] == near[0][0]:
                continue  # two responses as near: which one the SP refused is not known
            if not _conflict(pieces, groups, i, j):
                a, b = groups.find(i), groups.find(j)
                groups.union(i, j)
                present[groups.find(i)] = present.pop(a) | present.pop(b)
    _link_verdict_to_logged_response(pieces, groups)


def _verdict_alone(p: _Piece) -> bool:
    """An SP log's failure that names neither a user nor a SAML ID (php-saml's 'Signature validation
    failed. SAML Response rejected', '<aud> is not a valid audience for this Response')."""
    return p.kind == "log" and p.side == "sp" and p.outcome == "failure" and p.time is not None \
        and not p.user and not p.ids and p.response is None


def _link_verdict_to_logged_response(pieces, groups: _Groups) -> None:
    """An SP app that logs the response it got, then its verdict on it (php-saml's
    getLastResponseXML() then getLastErrorReason(), in one request): the verdict that names no user
    or ID joins the response its own log printed last before it, within MOMENT, when no other
    verdict of that file lies between them (a copy then two refusals: the second is not of it).
    One pass per input in time order (a big SP log has thousands of each)."""
    by_input: dict[str, list[tuple]] = {}  # input -> (time, kind, index): 0 a printed response, 1 a verdict
    for i, p in enumerate(pieces):
        if _verdict_alone(p):
            by_input.setdefault(p.input, []).append((p.time, 1, i))
        elif p.kind == "log" and isinstance(p, _MessagePiece) and p.ids and p.time is not None:
            by_input.setdefault(p.input, []).append((p.time, 0, i))
    for items in by_input.values():
        items.sort()  # (at one time, the response before the verdict)
        last = None  # the last printed response not yet followed by a verdict
        for time, kind, i in items:
            if kind == 0:
                last = i
            elif last is not None:
                j, last = last, None  # a second verdict after it is not of it
                if time - pieces[j].time <= MOMENT and not _conflict(pieces, groups, i, j):
                    groups.union(i, j)


ERROR_STATUS = "status-not-success"
"""An SP's log line that the response it got carried an error status (SAML core 3.2.2.2): the
IdP's refusal, come back through the browser."""


def _link_refusal_to_status(pieces, groups: _Groups, apps: tuple[str, ...] = ()) -> None:
    """An IdP's log line that it refused a request (AD FS's event 321, MSIS7070), with no SAML ID
    the SP logs, and an SP's log line that the response it got carried an error status, are one
    login when each is the only one of its kind within MOMENT of the other: the IdP answers its
    refusal with a Responder/Requester status, the browser posts it a second later (SAML core
    3.2.2.2). The captured response that carries the error status (_captured_refusal) is that
    refusal too, whatever the SP's ACS made of it. Not when both logs name the SP, differently (two
    applications of the IdP); an SP log's name that is only its library ('python3-saml') names no SP."""
    def refuses(p: _Piece) -> bool:
        return p.kind == "log" and p.side == "idp" and p.outcome == "failure" and p.time is not None

    def got_error(p: _Piece) -> bool:
        return p.kind == "log" and p.side == "sp" and p.outcome == "failure" and p.log_code == ERROR_STATUS \
            and p.time is not None or _captured_refusal(p)

    if not any(map(got_error, pieces)) or not any(map(refuses, pieces)):
        return
    everyone: dict[int, list[_Piece]] = {}
    for i, p in enumerate(pieces):
        everyone.setdefault(groups.find(i), []).append(p)
    refused, returned = [], []  # (time, root, the SP's names)
    for root, g in everyone.items():
        # (a capture names the SP by entity ID or URL, an IdP's log often by its app label: not compared)
        names = {q.sp.casefold() for q in g if q.sp and q.sp != q.product and q.kind == "log"}
        if all(q.kind == "log" and q.side == "idp" for q in g) and any(map(refuses, g)):
            refused.append((min(q.time for q in g if refuses(q)), root, names))
        elif not any(q.kind == "log" and q.side != "sp" for q in g) and any(map(got_error, g)):
            returned.append((min(q.time for q in g if got_error(q)), root, names))
    if refused and returned:
        _join_alone(pieces, groups, refused, returned, apps)


def _captured_refusal(p: _Piece) -> bool:
    """A response captured on its way to the SP that carries the IdP's error status (SAML core
    3.2.2.2): the IdP's refusal itself, whatever the SP then made of it (Google's RequestDenied
    posted to a misspelt ACS that answered 404: tests/data/case9)."""
    return p.kind == "capture" and p.response is not None and not p.copy and p.time is not None \
        and ERROR_STATUS in p.codes


def _moment_side(p) -> str | None:
    """The side on which a piece is a failure _link_by_moment may join, or None: a failure's own
    side; a response captured or pasted alone (no log holds it) is the SP's evidence, the SP having
    received it, and is looked for even when it predicts no outcome (no trust configured: an SP log
    line of that second saying it refused it decides)."""
    side = _held_side(p)
    return side if p.outcome == "failure" or p.outcome == "unknown" and side != p.side else None


def _held_side(p) -> str | None:
    """A piece's side, a response captured or pasted alone (side None) being the SP's."""
    return "sp" if p.side is None and p.kind == "capture" and p.response is not None else p.side


def _link_untimed_pages(pieces, groups: _Groups) -> None:
    """An error page that shows neither time nor user (Google's 403 app_not_configured_for_user)
    joins the one attempt whose dated evidence states the same failure of the same product (the
    IdP's log line, the capture's step at that page); with none or several it stays apart."""
    pages = [i for i, p in enumerate(pieces) if p.time is None and not p.user and p.outcome == "failure"
             and p.log_code and p.ref]
    if not pages:
        return
    from samlscan.errorpages import PAGE_REF

    pages = [i for i in pages if pieces[i].ref.endswith(PAGE_REF)]
    said: dict[tuple, set] = {}
    for j, q in enumerate(pieces):
        if q.time is not None and q.outcome == "failure" and q.log_code:
            said.setdefault((q.product, q.log_code), set()).add(groups.find(j))
    alike = Counter((pieces[i].product, pieces[i].log_code) for i in pages)
    for i in pages:
        key = (pieces[i].product, pieces[i].log_code)
        roots = said.get(key, set())
        if len(roots) == 1 and alike[key] == 1:  # (two such pages: whose is which is not known)
            groups.union(i, next(iter(roots)))


def _link_issue_to_receipt(pieces, groups: _Groups, apps: tuple[str, ...] = ()) -> None:
    """An IdP's log line that it issued a token to a user, with nothing else (AD FS's 1200: no
    SAML ID), and the SP-side evidence of a response that names no user (its NameID encrypted
    without the SP key) are one login when each is the only one of its kind within MOMENT of the
    other: the IdP issues, the browser posts a second later. In a busy log neither is alone, and
    nothing is joined. An IdP line that names no user (SimpleSAMLphp's STAT saml20-idp-SSO) joins
    such evidence that names one too: nothing else could join them."""
    def issues(p: _Piece) -> bool:  # an IdP log line of an issued token
        return p.kind == "log" and p.side == "idp" and p.outcome == "success"

    def receives(p: _Piece) -> bool:  # SP-side evidence (a capture, an SP log line)
        return p.side == "sp" or p.kind == "capture" and p.side is None

    # a scan of SP logs alone, or of IdP logs alone, has no candidate of one kind
    if not any(map(issues, pieces)) or not any(map(receives, pieces)):
        return
    everyone: dict[int, list[_Piece]] = {}
    for i, p in enumerate(pieces):
        everyone.setdefault(groups.find(i), []).append(p)
    # a token issued to another application of the IdP (Jira beside SonarQube) is not ours, unless
    # the scan holds the log of an SP whose name in the IdP logs nothing tells yet (a Spring Boot
    # app beside SonarQube): its lines pair with those other applications' tokens (second pass)
    foreign = _other_applications(everyone, apps)
    named_sps = {q.product for g in everyone.values()
                 if any(p.kind == "log" and p.side == "idp" and p.sp for p in g)
                 for q in g if q.kind == "log" and q.side == "sp"}
    issued, received, other_issued, unnamed = [], [], [], []  # (time, root, names of the SP)
    anonymous, any_received = [], []  # the IdP lines that name no user; what they may join
    for root, g in everyone.items():
        times = [q.time for q in g if q.time]
        idp_lines = sum(q.kind == "log" and q.side == "idp" for q in g)
        named = any(q.user for q in g)
        if not times:
            continue
        # (a Destination or ACS URL is where the response went, no name of the SP to compare with an
        # IdP log's: SimpleSAMLphp's STAT line names the SP's entity ID, an encrypted response only its ACS)
        sp_names = {q.sp.casefold() for q in g if q.sp and q.sp_rank not in (_SP_ACS, _SP_DESTINATION)}
        if idp_lines == len(g) and any(map(issues, g)):
            (anonymous if not named and root not in foreign else other_issued if root in foreign else issued).append(
                (min(times), root, sp_names))
        elif root not in foreign and not idp_lines and any(map(receives, g)):
            any_received.append((min(times), root, sp_names))
            if named:
                continue
            received.append(any_received[-1])
            if all(q.kind == "log" and q.product not in named_sps for q in g):
                unnamed.append(received[-1])
    joined = _join_alone(pieces, groups, issued, received, apps)
    if other_issued and unnamed:
        joined |= _join_alone(pieces, groups, other_issued, [r for r in unnamed if r[1] not in joined], apps)
    if anonymous and any_received:
        _join_alone(pieces, groups, anonymous, [r for r in any_received if r[1] not in joined], apps)


def _link_unread_response(pieces, groups: _Groups) -> None:
    """A captured response that names no user (its assertion encrypted to a key samlscan was not
    given) and the SP log's decision on a login (a success or refusal line) are one login when
    each is the only one of its kind within MOMENT of the other: the SP decides within a second of
    the POST, and its log names neither the response's IDs nor, when it refuses, the user
    (SonarQube's auth.event: its own request ID, an empty [login|])."""
    def posted(p: _Piece) -> bool:  # the browser's POST of a response
        return p.kind == "capture" and p.response is not None and not p.copy and p.time is not None

    def decides(p: _Piece) -> bool:  # the SP's log line of a login's outcome
        return p.kind == "log" and p.side == "sp" and p.outcome in ("failure", "success") and p.time is not None

    if not any(map(posted, pieces)) or not any(map(decides, pieces)):
        return
    everyone: dict[int, list[_Piece]] = {}
    for i, p in enumerate(pieces):
        everyone.setdefault(groups.find(i), []).append(p)
    decided, received = [], []  # (time, root, which SP each is of: _sp_family)
    for root, g in everyone.items():
        if any(q.kind == "capture" for q in g):
            posts = [q for q in g if posted(q)]
            if posts and not any(q.user for q in g if q.kind == "capture") and not any(map(decides, g)):
                received.append((min(q.time for q in posts), root, {_sp_family(q) for q in posts} - {None}))
        elif any(map(decides, g)):
            said = [q for q in g if decides(q)]
            decided.append((min(q.time for q in said), root, {_sp_family(q) for q in said} - {None}))
    _join_alone(pieces, groups, decided, received, ())


def _sp_family(p: _Piece) -> str | None:
    """Which SP a piece is of, as far as it says: 'sonarqube' (SonarQube's log, a POST to its ACS
    path) or 'other' (another SP's log or ACS); None when it does not say (an IdP's line, a capture
    step without its ACS). A POST to app X is not SonarQube's refusal a second later, nor the
    reverse."""
    if p.kind == "capture":
        url = p.acs or p.posted_to
        return ("sonarqube" if on_sonarqube_acs_path(url) else "other") if url else None
    if p.side != "sp" or not p.product:
        return None
    return "sonarqube" if p.product == "sonarqube" else "other"


def _same_sp(a: _Piece, b: _Piece) -> bool:
    fa, fb = _sp_family(a), _sp_family(b)
    return fa is None or fb is None or fa == fb


def _join_alone(pieces, groups: _Groups, issued: list, received: list, apps: tuple[str, ...]) -> set:
    """Join each issued group with the received group when each is the only one of its kind
    within MOMENT of the other; the received roots joined."""
    from bisect import bisect_left, bisect_right

    issued.sort(key=lambda x: x[0])
    received.sort(key=lambda x: x[0])
    issued_at, received_at = [x[0] for x in issued], [x[0] for x in received]

    def alone(times, t) -> int | None:
        lo, hi = bisect_left(times, t - MOMENT), bisect_right(times, t + MOMENT)
        return lo if hi - lo == 1 else None

    given = {a.casefold() for a in apps if a}
    joined = set()
    for t, root, app in issued:
        k = alone(received_at, t)
        if k is None or alone(issued_at, received_at[k]) is None:
            continue
        _, other, sp_names = received[k]
        # both name the SP, differently (and not as --app says): two applications
        if app and sp_names and not app & (sp_names | given):
            continue
        if not _conflict(pieces, groups, root, other):
            groups.union(root, other)
            joined.add(other)
    return joined
