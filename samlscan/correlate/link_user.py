"""Linking by user and time, and a log's user name to the email a response names."""
from __future__ import annotations

from datetime import datetime, timedelta

from samlscan.correlate.groups import _Groups, _conflict
from samlscan.correlate.link_keys import KEY_FANOUT, WINDOW
from samlscan.correlate.pieces import _Piece


MOMENT = timedelta(seconds=10)
"""Failures without a shared ID or user are joined when they happen within this much of each other
(after clock correction): the SP's log line and the browser's failed POST of one login."""


def _decisions(pieces, groups: _Groups, indices) -> dict[int, frozenset]:
    """Root -> (product, side) of the log lines among `indices` that decide a login (failure or
    success), for _join_undecided. Shared frozensets: a big IdP export has one root per line."""
    decided: dict[int, frozenset] = {}
    alone: dict[tuple, frozenset] = {}  # one frozenset per (product, side), not a set and a tuple per line
    for i in indices:
        p = pieces[i]
        if p.kind == "log" and p.outcome in ("failure", "success"):
            key = (p.product, p.side)
            one = alone.get(key) or alone.setdefault(key, frozenset((key,)))
            root = groups.find(i)
            held = decided.get(root)
            decided[root] = one if held is None or held is one else held | one
    return decided


def _join_undecided(pieces, groups: _Groups, decided: dict[int, frozenset], i: int, j: int) -> None:
    """Join the groups of i and j, unless both hold a decision of one product and side (without a
    shared ID that is the user's next try, not the same attempt: unless the two lines are one
    request's, _one_request) or they conflict."""
    ri, rj = groups.find(i), groups.find(j)
    mine, theirs = decided.get(ri, frozenset()), decided.get(rj, frozenset())
    if ri == rj or mine & theirs and not _one_request(pieces[i], pieces[j]) or _conflict(pieces, groups, i, j):
        return
    groups.union(i, j)
    decided[groups.find(i)] = mine | theirs


def _authenticated(p: _Piece) -> bool:
    """An IdP's line that a user authenticated, and nothing of a response (no SAML ID, request ID
    or SP): Shibboleth's process log 'Login by 'X' succeeded' (LDAPCredentialValidator). The IdP
    then issues the response, or refuses to, in the same request: a step of the login, not its end."""
    return p.kind == "log" and p.side == "idp" and p.outcome == "success" and bool(p.user) \
        and not p.ids and not p.flow_keys and not p.sp


def _one_request(a: _Piece, b: _Piece) -> bool:
    """Two decisions of one IdP about one request, within MOMENT, same client (IP, user): its
    authentication line and the issue or refusal that follows it; or one refusal that two of its
    logs record (Shibboleth's process log, without the user, and its audit log a moment apart)."""
    if a.kind != "log" or b.kind != "log" or a.side != "idp" or b.side != "idp" or a.product != b.product \
            or a.time is None or b.time is None or abs(a.time - b.time) > MOMENT:
        return False
    if a.ip and b.ip and a.ip != b.ip or a.user and b.user and a.user.casefold() != b.user.casefold():
        return False
    if not (a.ip and a.ip == b.ip or a.user and b.user):
        return False
    first, then = (a, b) if a.time <= b.time else (b, a)
    if _authenticated(first) and not _authenticated(then):
        return True
    return a.outcome == b.outcome == "failure" and a.log_code == b.log_code and a.input != b.input \
        and not (a.user and b.user)


def _link_by_user_time(pieces, groups: _Groups) -> None:
    """Attach pieces to a group of the same user (or IP when no user is known) close in time.
    Sorted by time, each piece looks back only within WINDOW: linear in the number of pieces for
    realistic logs. A group that already holds a log line deciding the login (failure or success)
    of one product and side takes no second one of them: without a shared ID that is the user's
    next try (Keycloak's LOGIN_ERROR then LOGIN 46 s later), not the same attempt."""
    order = sorted((i for i, p in enumerate(pieces) if p.time), key=lambda i: pieces[i].time)
    _pair_nearest(pieces, groups, order)
    decided = _decisions(pieces, groups, order)
    last_by_key: dict[str, int] = {}
    shared_ip: dict[str, datetime] = {}  # IP -> until when two users were seen behind it
    aka_last: dict[str, int] = {}  # 'user:<name>' -> the last captured response naming it otherwise (_Piece.aka)
    last_by_sp: dict[str, int] = {}  # 'user:<name>' -> the last SP log line naming it (_Piece.aka joins only those)
    for i in order:
        p = pieces[i]
        keys = [f"user:{p.user.lower()}"] if p.user else ([f"ip:{p.ip}"] if p.ip else [])
        if p.login and p.login != p.user:  # the SP's log names its login attribute's value
            keys.append(f"user:{p.login.lower()}")
        if p.user and p.ip:
            # found by its IP only by a later piece that names no user (SonarQube's auth.event of
            # a refused login, [login|] but the client's address; Spring's RemoteIpAddress),
            # within MOMENT: the IdP line of the same login comes a second before; not when
            # another user was seen behind that IP within MOMENT (an office's NAT: whose is it?)
            key = f"ip:{p.ip}"
            j = last_by_key.get(key)
            if j is not None and pieces[j].user and pieces[j].user.lower() != p.user.lower() \
                    and p.time - pieces[j].time <= MOMENT and groups.find(i) != groups.find(j):
                shared_ip[key] = p.time + MOMENT  # (one login naming its user two ways is one user)
            last_by_key[key] = i
        for key in keys:
            j = last_by_key.get(key)
            last_by_key[key] = i
            if j is None or p.time - pieces[j].time > (MOMENT if pieces[j].user and not p.user else WINDOW):
                continue
            if pieces[j].user and not p.user and key in shared_ip and p.time <= shared_ip[key]:
                continue
            _join_undecided(pieces, groups, decided, i, j)
        if aka_last and _sp_line(p):  # the name an SP log gives, another name of a captured response's user
            for key in keys:
                j = aka_last.get(key)
                if j is not None and p.time - pieces[j].time <= MOMENT:
                    _join_undecided(pieces, groups, decided, i, j)
        for key in (f"user:{n}" for n in p.aka) if p.aka else ():  # (a captured response's: most pieces none)
            j = last_by_sp.get(key)
            if j is not None and p.time - pieces[j].time <= MOMENT:
                _join_undecided(pieces, groups, decided, i, j)
            aka_last[key] = i
        if p.user and _sp_line(p):
            last_by_sp.update((key, i) for key in keys)


def _decision_line(p: _Piece) -> bool:
    """A log line that decides one login and names its user: the issue or refusal of a response,
    or the SP's acceptance or refusal of it (not an IdP's authentication step, _authenticated)."""
    return p.kind == "log" and p.response is None and p.outcome in ("failure", "success") and bool(p.user) \
        and not _authenticated(p)


def _response_names(p: _Piece) -> list[tuple[str, bool]]:
    """(name, by another name) a response is known by to the logs: its NameID and the SP's login;
    for an opaque NameID (transient, persistent: no log names it, SAML core 8.3.7-8.3.8) also its
    attributes' names (_Piece.aka) and an address's local part, the name an IdP logs its account by."""
    names = [(n.casefold(), False) for n in (p.user, p.login) if n and not (p.opaque and n == p.user)]
    if p.opaque:
        names += [(n, True) for n in p.aka]
        names += [(local, True) for n in p.aka if (local := _local_part(n))]
    return names


def _pair_nearest(pieces, groups: _Groups, order: list[int]) -> None:
    """Pair each response with the log lines of its user that decide its login, nearest in time
    first, one to one: a line with a same-second response is not taken by another response of the
    user a second later, and each response takes one line of a product and side (_join_undecided:
    a group holds one response and one decision of each). Each response is compared with the
    KEY_FANOUT nearest lines of a name on either side (a busy user stays linear); by another name
    (_response_names) only within MOMENT, as the SP's lines are (_link_by_user_time)."""
    from bisect import bisect_left

    lines: dict[str, list[int]] = {}  # name -> its decision lines, in time order
    responses = []
    for i in order:
        p = pieces[i]
        if p.response is not None and (p.user or p.aka):
            responses.append(i)
        elif _decision_line(p):
            lines.setdefault(p.user.casefold(), []).append(i)
    if not responses or not lines:
        return
    times = {name: [pieces[j].time for j in js] for name, js in lines.items()}
    pairs = []
    for i in responses:
        t = pieces[i].time
        for name, other in _response_names(pieces[i]):
            if name not in lines:
                continue
            at = bisect_left(times[name], t)
            reach = MOMENT if other else WINDOW
            for k in range(max(0, at - KEY_FANOUT), min(len(lines[name]), at + KEY_FANOUT)):
                gap = abs(times[name][k] - t)
                if gap <= reach:
                    pairs.append((gap, times[name][k], i, lines[name][k]))
    if not pairs:
        return
    decided = _decisions(pieces, groups, order)
    for _, _, i, j in sorted(pairs):
        _join_undecided(pieces, groups, decided, i, j)


def _sp_line(p: _Piece) -> bool:
    """An SP's log line: the SP names the user by its login attribute, which may be any attribute
    of the response (_Piece.aka), where an IdP's log names the user as the IdP knows them."""
    return p.kind == "log" and p.side == "sp"


def _local_part(user: str) -> str | None:
    """The local part of an email address or UPN, case-folded ('olga.berg' of
    'Olga.Berg@example.com'); None for a login name that is no address."""
    local, at, domain = user.partition("@")
    return local.casefold() if at and local and domain else None


def _link_name_to_email(pieces, groups: _Groups) -> None:
    """Join a login name of one product to the email of another whose local part it is, within
    WINDOW: SonarQube's auth.event names its login, the email's local part or the email itself by
    sonar.auth.saml.user.login; Keycloak names the username; Auth0, Okta and Entra name the email
    or UPN. Only when one email with that local part is seen within WINDOW of the name (two
    domains' 'olga.berg' are two people), and with the rules of _link_by_user_time: a group that
    decided a login for a product and side takes no second decision of them. A response names the
    user twice: its NameID and the SP's login attribute (_Piece.login, an email when the SP logs in
    by it while the NameID is an opaque handle); both are its names, and a captured one is the
    browser's word, another source than any product's log (_source)."""
    emails: dict[str, list[tuple[int, str]]] = {}  # local part -> (piece, the address it names)
    names: dict[str, list[int]] = {}  # login name -> pieces naming it
    for i, p in enumerate(pieces):
        if not p.time or not (p.user or p.login) or not (p.product or p.kind == "capture"):
            continue
        for user in {n.casefold() for n in (p.user, p.login) if n}:
            local = _local_part(user)
            if local:
                emails.setdefault(local, []).append((i, user))
            else:
                names.setdefault(user, []).append(i)
    shared = emails.keys() & names.keys()
    if not shared:  # most scans: one product's log, or every product names users alike
        return
    decided = _decisions(pieces, groups, range(len(pieces)))
    for local in sorted(shared):
        for i, j in _name_email_pairs(pieces, sorted(names[local], key=lambda i: pieces[i].time),
                                      sorted(emails[local], key=lambda e: pieces[e[0]].time)):
            _join_undecided(pieces, groups, decided, i, j)


def _source(p: _Piece) -> str:
    """Whose word a piece is: its product's log, or the browser's capture."""
    return p.product or p.kind


def _name_email_pairs(pieces, names: list[int], emails: list[tuple[int, str]]):
    """(name piece, nearest email piece of another source) for each name piece (both lists in
    time order, one local part) whose WINDOW holds one distinct email ((piece, address) pairs).
    Linear: a run of one email is found by where the next different one starts, not by counting
    the window."""
    from bisect import bisect_left, bisect_right

    folded = [address for _, address in emails]
    emails = [j for j, _ in emails]
    times = [pieces[j].time for j in emails]
    change = [len(emails)] * len(emails)  # k -> index of the next email unlike the k-th
    for k in range(len(emails) - 2, -1, -1):
        change[k] = k + 1 if folded[k + 1] != folded[k] else change[k + 1]
    for i in names:
        p = pieces[i]
        lo, hi = bisect_left(times, p.time - WINDOW), bisect_right(times, p.time + WINDOW)
        if lo == hi or change[lo] < hi:  # no email near, or two addresses: whose name is it?
            continue
        at = bisect_left(times, p.time, lo, hi)
        near = sorted(range(max(lo, at - KEY_FANOUT), min(hi, at + KEY_FANOUT)),
                      key=lambda k: abs(times[k] - p.time))  # (a busy user's window: its nearest only)
        other = [emails[k] for k in near if _source(pieces[emails[k]]) != _source(p)]
        if other:
            yield i, other[0]
