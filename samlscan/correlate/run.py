"""correlate(): pieces, clocks, links, attempts and notes, in that order."""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

from samlscan.config import is_cloud, made_for_cloud
from samlscan.correlate.apart import _issued_apart, _issued_apart_note, _link_issued_apart
from samlscan.correlate.apps import _apps_in_idp_logs, _names_app, _other_applications, _top_apps
from samlscan.correlate.attempts import _CAUSE_SETTING, _attempt, _login_attempt
from samlscan.correlate.clocks import clock_offsets
from samlscan.correlate.findings import (IDP_ONLY, _anonymous_issue, _at_sp, _found_for_others,
                                         _unseen_issue, cause_findings)
from samlscan.correlate.groups import _Groups
from samlscan.correlate.link_client import users_by_client
from samlscan.correlate.link_keys import _link_by_keys, _link_copies
from samlscan.correlate.link_moment import (_link_by_moment, _link_issue_to_receipt, _link_refusal_to_status,
                                            _link_unread_response, _link_untimed_pages)
from samlscan.correlate.link_request import _link_one_request, _link_proxy_answers
from samlscan.correlate.link_user import _link_by_user_time, _link_name_to_email
from samlscan.correlate.nodetie import login_url_nodes, tie_to_node
from samlscan.correlate.notes import (_offset_note, _timeline_notes, _untimed_pages,
                                      _quoted_zone_notes, _quoted_zones, _zone_apart_notes)
from samlscan.correlate.pieces import _Piece, _event_piece, _flow_piece, _message_piece, _response_key, name_proxies
from samlscan.correlate.parties import named_parties
from samlscan.correlate.posts import replayed_posts, same_posts
from samlscan.logzones import measured, withdrawn
from samlscan.correlate.said import marks, quoted, said_notes
from samlscan.correlate.unheld import Unheld, _signing_seen, unheld_signers
from samlscan.gcpause import no_cyclic_gc
from samlscan.wsfed import answers


def correlate(report, apps: tuple[str, ...] = (), offsets: dict[str, timedelta] | None = None, expect=None):
    """The report with its attempts filled in (one per login try). `apps`: the SP's names in IdP
    logs (--app, its entity ID), beside those the evidence shows; `offsets`: measured_offsets of
    the report, when the caller has them; `expect`: the settings the messages were judged with
    (what the SP holds tells a logged signature refusal's cause, unheld_signers)."""
    if expect is not None:  # (a refusal naming an attribute: the setting that names it says whose)
        from samlscan.logs.sonarqube import by_attribute_settings

        report = replace(report, events=by_attribute_settings(report.events, expect))
    with no_cyclic_gc():
        return _correlate(report, apps, offsets, unheld_signers(expect), getattr(expect, "login_attribute", None),
                          is_cloud(getattr(expect, "acs_url", None)), _unset_settings(expect), given_idp(expect),
                          getattr(expect, "idp_entity_id", None), _attribute_settings(expect), login_url_nodes(expect))


def given_idp(expect) -> str | None:
    """The product of the IdP the SP's settings name: by its entity ID (SonarQube's providerId),
    else by its SSO URL."""
    from samlscan.checks.base import issuer_product

    if expect is None:
        return None
    product = issuer_product(expect.idp_entity_id)
    if product or not expect.idp_sso_urls:  # (no SSO URL to place)
        return product or None
    from samlscan.flows import idp_at

    return next((p for url in expect.idp_sso_urls if (p := idp_at(url))), None)


_CHECK_SETTING = {**{code: what for code, what in _CAUSE_SETTING.items() if what in ("sp_entity_id", "acs_url")},
                  "login-attribute-missing": "login_attribute", "name-attribute-missing": "name_attribute",
                  "group-attribute-missing": "group_attribute"}
"""The codes an SP log's refusal may name whose check of a response runs only with an SP setting."""


def _unset_settings(expect) -> dict | None:
    """Code -> the SP setting (as the profile names it) its check of a response needs and `expect`
    lacks (None when no settings were passed at all)."""
    if expect is None:
        return None
    return {code: expect.setting_name(what) for code, what in _CHECK_SETTING.items()
            if not getattr(expect, what, None)} or None


def _attribute_settings(expect) -> dict | None:
    """The attribute the SP's name and login settings name -> that setting (login last: SonarQube reads
    it first, logs.sonarqube.attribute_code), for the fix of a refusal naming the attribute."""
    if expect is None:
        return None
    return {value: expect.setting_name(what) for what in ("name_attribute", "login_attribute")
            if (value := getattr(expect, what, None))} or None


def _settings_named(pieces: list, attribute_settings: dict) -> None:
    """Each SP log refusal of a missing attribute: the settings given that name attributes."""
    from samlscan.logs.sonarqube import ATTRIBUTE_CODES, PRODUCT

    for p in pieces:
        if p.kind == "log" and p.product == PRODUCT and p.log_code in ATTRIBUTE_CODES and p.text:
            p.attribute_settings = attribute_settings


def _attempted(g: list) -> bool:
    """A group that is a login attempt: a piece of it decided one, is a captured response, or is a
    capture's login that stopped (one loop, not a generator: once per group of a big scan)."""
    for p in g:
        if p.outcome in ("failure", "success") or p.response or p.stop is not None:
            return True
    return False


def _offset_at(offsets: dict, steps: dict, src: str, ref: str | None) -> timedelta | None:
    """A log record's clock offset: its run's after a clock step (Offsets.steps), else its log's."""
    at = steps.get(src)
    return at[ref][0] if at and ref in at else offsets.get(src)


def _correlate(report, apps: tuple[str, ...] = (), offsets: dict[str, timedelta] | None = None,
               unheld: Unheld | None = None, login_attribute: str | None = None, cloud: bool = False,
               unset: dict | None = None, given: str | None = None, given_entity: str | None = None,
               attribute_settings: dict | None = None, nodes: dict | None = None):
    relevant = [e for e in report.events if e.outcome in ("failure", "success")]
    offsets = clock_offsets(report.messages, relevant) if offsets is None else offsets
    replays = [f for f in report.input_findings if f.code == "assertion-replayed" and f.source]
    read = [r for r in report.messages if r.message.kind == "AuthnRequest" or answers(r.message)]
    replayed = {(f.source.input, f.source.ref) for f in replays} | replayed_posts(read, {f.message_ref for f in replays})
    posts = same_posts(read)
    pieces = [_message_piece(r, replayed, login_attribute, posts) for r in read]
    if unset:
        for p in pieces:
            if p.response is not None:
                p.unset = unset
    unheld = _signing_seen(unheld, pieces)
    steps = getattr(offsets, "steps", {})  # (records after a log's clock step: clocks._read_refusals)
    for p in pieces:  # a log's copy of a message: on the clock of its line's run, as the log's events
        if p.kind == "log" and p.time and (off := _offset_at(offsets, steps, p.input, p.ref)):
            p.time -= off
    shared: dict[str, str] = {}
    zero = timedelta(0)
    pieces += [_event_piece(e, offsets.get(e.source.input, zero), shared, steps.get(e.source.input))
               for e in relevant]
    del shared
    if attribute_settings:
        _settings_named(pieces, attribute_settings)
    name_proxies(pieces, report.inputs)
    apart = _issued_apart(report.messages, relevant, offsets)
    at = {id(x): i for i, x in enumerate([r.message for r in read] + relevant)} if apart else {}  # (piece order)
    hops: set = set()
    if report.flows:  # (the captures' steps around their messages)
        from samlscan.correlate.broker import _broker_hops, _link_broker_hops, _mark_hops  # (captures only)

        unsolicited = {(r.message.source.input, r.message.source.ref) for r in report.messages
                       if r.message.kind == "Response" and r.message.in_response_to is None}
        responses = {(r.message.source.input, r.message.source.ref):
                     posts.get((r.message.source.input, r.message.source.ref),
                               (r.message.id, r.message.source.input, r.message.source.ref))
                     for r in report.messages if answers(r.message)}
        to_cloud = {(r.message.source.input, r.message.source.ref) for r in report.messages if made_for_cloud(r.message)}
        made = [(f, _flow_piece(f, unsolicited, responses, cloud or _response_key(f) in to_cloud))
                for f in report.flows]
        for f, p in made if nodes else ():  # (a login the node that sent it to a dead SSO URL explains)
            tie_to_node(f, p, nodes)
        flown = [(f, len(pieces) + k) for k, (f, _) in enumerate(x for x in made if x[1] is not None)]
        pieces += [p for _, p in made if p is not None]
        hops = _broker_hops(read, report.flows)
        if hops:
            _mark_hops(pieces[:len(read)], [(f, pieces[i]) for f, i in flown], hops)
    timeline = _timeline_notes(report.events)
    if not pieces:
        return replace(report, notes=report.notes + timeline) if timeline else report
    # one note per log written in local time: the hours its quoted responses show go into its zone
    # note (logzones), when it has one, with the verdicts another zone flips
    before, merged = measured(withdrawn(report.notes, list(offsets)), quoting := _quoted_zones(report.messages, offsets))
    exports = _zone_apart_notes(relevant) + _quoted_zone_notes({s: q for s, q in quoting.items() if s not in merged})
    groups = _Groups(pieces)
    # what evidence the scan holds: the links that join a capture, an IdP's log line or two products'
    # names to other evidence skip a scan without it (an SP's log alone, the common case: each would
    # look through every piece to find none)
    held = {(p.kind, p.side, p.product) for p in pieces}
    captured = any(kind == "capture" for kind, _, _ in held)
    idp_logged = any(kind == "log" and side == "idp" for kind, side, _ in held)
    _link_copies(pieces, groups)
    _link_issued_apart(apart, at, groups)
    _link_by_keys(pieces, groups)
    _link_one_request(pieces, groups)
    _link_by_user_time(pieces, groups)
    if len({product or kind for kind, _, product in held}) > 1:  # (it joins two sources' names only)
        _link_name_to_email(pieces, groups)
    _link_proxy_answers(pieces, groups)
    if captured:
        _link_by_moment(pieces, groups)
    if idp_logged:
        _link_refusal_to_status(pieces, groups, apps)
        _link_issue_to_receipt(pieces, groups, apps)
    if captured:
        _link_unread_response(pieces, groups)
    _link_untimed_pages(pieces, groups)
    if report.flows and hops:
        _link_broker_hops(report.flows, pieces, len(read), groups, hops)
    members: dict[int, list[_Piece]] = {}
    for i, p in enumerate(pieces):
        members.setdefault(groups.find(i), []).append(p)
    # only IdP log lines name applications (an SP's own logs alone: nothing to filter)
    named = idp_logged and any(map(_names_app, pieces))
    sp_seen = any(map(_at_sp, pieces))
    del groups, pieces  # a big scan holds one piece per event: free what attempts do not need
    foreign = _other_applications(members, apps) if named else {}
    for root in foreign:
        del members[root]
    mixed = _apps_in_idp_logs(members) if named and not foreign else Counter()
    said = said_notes(report.events, offsets)
    attempts, kept, at_sp = [], [], []
    for g in (members.pop(root) for root in list(members)):
        if _attempted(g):
            at_sp.append(g[0].side == "sp" or any(p.side == "sp" for p in g))
            attempts.append(_unseen_issue(_attempt(g, unheld=unheld, given_idp=given)) if sp_seen and _anonymous_issue(g)
                            else _login_attempt(g, unheld, given))
            if said:  # (what joins a note to its attempt: most scans have none)
                kept.append(marks(g))
    if said:
        attempts = quoted(attempts, kept, said)
    del kept
    attempts = named_parties(users_by_client(_found_for_others(attempts), at_sp), (given, given_entity))
    attempts.sort(key=lambda a: (a.time is None, a.time or 0, a.user or ""))  # (UTC datetimes: attempts._order)
    against = getattr(offsets, "against", {})  # (a caller's own dict of offsets is against the captures)
    notes = [_offset_note(src, off, against.get(src)) for src, off in sorted(offsets.items())
             if abs(off.total_seconds()) >= 1]
    notes += [_issued_apart_note(m, e) for m, e in apart]
    notes += exports
    notes += timeline
    notes += _untimed_pages(relevant)
    if not sp_seen and any(a.outcome == "success" for a in attempts):
        notes.append(IDP_ONLY)
    if foreign:
        notes.append(f"{len(foreign)} sign-in(s) in IdP logs to other applications left out: "
                     + _top_apps(Counter(foreign.values())))
    elif len(mixed) > 1:  # nothing tells which one is the SP: say so, and how to choose
        notes.append(f"the IdP logs hold sign-ins to {len(mixed)} applications: {_top_apps(mixed)}; "
                     "pass --app with the SP's name to keep its own")
    done = replace(report, attempts=tuple(attempts), notes=before + tuple(notes))
    return replace(done, cause_findings=tuple(cause_findings(done)))
