"""Run-wide findings and summary: app-not-found for others, unseen issues, cause findings."""
from __future__ import annotations

from dataclasses import replace

from samlscan.catalog import IDP_NAMES, with_idp_part
from samlscan.checks.base import issuer_product
from samlscan.codes import IDP_WHERE, SPECS
from samlscan.correlate.causes import _ENGINE_REFUSES, _where
from samlscan.correlate.pieces import _Piece
from samlscan.model import Attempt


def _found_for_others(attempts: list[Attempt]) -> list[Attempt]:
    """An IdP's 'no such application' (app-not-found) for a user, where the same IdP issued responses
    to the same SP entity ID for others before and after it in the scan: the application exists and
    its identifier matched all along, it is not enabled for this user (Google's
    app_not_configured_for_user, which its documentation puts down to the Entity ID, comes as often
    of the app being off for the user's organizational unit). Said so, with the IdP's assignment
    screen. (Successes only after it are those of a fixed identifier: case 8's MSIS7007.)"""
    def product(idp: str | None) -> str | None:  # (an attempt names its IdP by its Issuer or its product)
        return idp if idp in IDP_NAMES else issuer_product(idp) or idp

    refused = {i: (a.sp, product(a.idp)) for i, a in enumerate(attempts)
               if a.root_cause == "app-not-found" and a.sp and a.time}
    if not refused:  # (an IdP export's 100,000s of sign-ins: most scans have none)
        return attempts
    keys, sps = set(refused.values()), {sp for sp, _ in refused.values()}
    answered: dict[tuple, list[Attempt]] = {}
    for a in attempts:
        if a.sp in sps and a.outcome == "success" and a.time and (key := (a.sp, product(a.idp))) in keys:
            answered.setdefault(key, []).append(a)
    for found in answered.values():  # (in time order, bisected per refusal: not every pair compared)
        found.sort(key=lambda o: o.time)
    times = {key: [o.time for o in found] for key, found in answered.items()}
    out = list(attempts)
    for i, key in refused.items():
        a = out[i]
        other = _other_around(answered.get(key, []), times.get(key, []), a)
        if other is not None:
            out[i] = replace(a, root_cause="user-not-assigned", side="idp", fix=with_idp_part(
                SPECS["user-not-assigned"].fix, IDP_WHERE["user-not-assigned"], key[1]), notes=(
                *a.notes, f"the IdP found no application for this user, but issued responses to the same SP "
                          f"entity ID {a.sp!r} before and after it ({other.user or 'another user'} at "
                          f"{other.time:%Y-%m-%d %H:%M:%S} UTC): the application and its identifier are right; "
                          "it is not enabled for this user"))
    return out


def _other_around(found: list[Attempt], times: list, a: Attempt) -> Attempt | None:
    """The latest of `found` (successes in time order, their `times`) before `a` that is another
    user's, when another user's also comes after it; else None. Others' logins only: the user's own
    say the app is on for them (Google's page comes too of a browser signed in to another account)."""
    from bisect import bisect_left, bisect_right

    def someone_else(o: Attempt) -> bool:
        return not a.user or o.user != a.user

    k = bisect_left(times, a.time)
    last = next((j for j in range(k - 1, -1, -1) if someone_else(found[j])), None)
    if last is None or not any(someone_else(found[j]) for j in range(bisect_right(times, a.time), len(found))):
        return None
    # (of several at that time, the first, as the scan lists them)
    return next(found[j] for j in range(bisect_left(times, found[last].time), last + 1) if someone_else(found[j]))


IDP_ONLY = ("every login here is known from IdP logs alone: a success is the IdP's word (it authenticated "
            "the user and issued a response); whether the SP accepted it is not in the evidence (add the "
            "SP's log or a browser capture of the login)")
"""Said when no SP-side evidence (an SP log line, a capture) is in the scan: an Entra sign-in with
errorCode 0 the SP then refused is a 'success' in the IdP's log."""


def _at_sp(p: _Piece) -> bool:
    """SP-side evidence: an SP's log line, or a capture of the browser."""
    return p.side == "sp" or p.kind == "capture"


def _anonymous_issue(members: list[_Piece]) -> bool:
    """An attempt made of an IdP's success lines alone that name no user (SimpleSAMLphp's STAT
    saml20-idp-SSO): the IdP issued a response to someone; nothing says anyone logged in."""
    success = False
    for p in members:  # (one loop, not three generators: called for each of a big scan's 100,000s)
        if p.kind != "log" or p.side != "idp" or p.user or p.outcome == "failure":
            return False
        success = success or p.outcome == "success"
    return success


def _unseen_issue(a: Attempt) -> Attempt:
    """Such an attempt in a scan that holds the SP's evidence, which nothing of it joined: its
    outcome is unknown, not a success. The IdP's 'success' says it issued a response; only the SP
    (its log, the browser's redirect) says a login worked, and here it says nothing of this one.
    (An IdP-only scan keeps its sign-ins as successes: Entra's and Okta's exports name the user,
    and there the IdP's word is all there is.)"""
    return replace(a, outcome="unknown", notes=(*a.notes, "issued, not seen at the SP: the IdP's log says it "
                                                "issued a response, naming no user, and no SP evidence of the "
                                                "scan (log line, capture) is of that login"))


def cause_findings(report) -> list:
    """A finding for each failed attempt whose root cause is named by one of its log lines or
    capture steps and by no finding of its messages (a lost cookie, sign-up disabled, a wrong
    password at the IdP): placed at that line, with the attempt's fix. The formats of one row per
    finding and --fail-on would otherwise not see a failure that only a log explains."""
    from samlscan.model import Finding, Severity, Source

    # an attempt's evidence names a captured message by its place or, without one, by its ID
    stated = {(f.source.input, ref, f.code) for f in report.all_findings() if f.source
              for ref in (f.source.ref, f.message_ref) if ref}
    codes = {code for _, _, code in stated}  # (most causes no message finding states: no evidence to look up)
    out = []
    for a in report.attempts:
        code = a.root_cause
        if a.outcome != "failure" or code not in SPECS:
            continue
        # (a warning of the message the SP's engine refused, response-signature-required of Spring's:
        # its message's finding is a warning, as other engines take it; this login failed of it)
        refused = code in _ENGINE_REFUSES
        if not refused and code in codes and any((e.input, e.ref, code) in stated for e in a.evidence):
            continue
        # a cause inferred rather than quoted (group-sync-failed: a refusal and a response without
        # its groups) is placed at the attempt's first log line
        d = a.decisive or next((e for e in a.evidence if e.kind == "log"), None)
        if d is None:
            continue
        when = f" at {str(a.time)[:19]} UTC" if a.time else ""  # str(): isoformat, 5x strftime's speed
        who = f" of {a.user}" if a.user else ""
        said = a.notes[0][len(_where(d)) + 2:] if a.decisive and a.notes else SPECS[code].summary
        out.append(Finding(code=code, severity=Severity.ERROR if refused else SPECS[code].severity,
                           source=Source(d.input, d.ref),
                           message_text=f"a login{who} failed{when}: {said}", hint=a.fix))
    return out
