"""Building an Attempt from its group of pieces: outcome, cause, fix, evidence, conflicts."""
from __future__ import annotations

import ipaddress
from dataclasses import replace
from functools import lru_cache

from samlscan.catalog import IDP_NAMES, for_idp, placeholder_values, with_idp_part
from samlscan.checks.base import issuer_product
from samlscan.checks.protocol import acs_path_apart, base_path_apart, split_url
from samlscan.codes import IDP_WHERE, SPECS, STALE_ACS_FIX
from samlscan.config import keycloak_broker
from samlscan.correlate.causes import (_EMAIL_LOSS, _GENERIC, _GROUPS_UNSYNCED, _catalog_entry, _cause,
                                       _metadata_signer, _proxy_note, _refines, _unheld_judges, _where,
                                       asked_and_sent, sent_elsewhere)
from samlscan.correlate.link_user import _local_part
from samlscan.correlate.pieces import _Piece, _SP_ACS, _SP_DESTINATION, _SP_ENTITY, date_against_refusal, ranked
from samlscan.correlate.unheld import Unheld
from samlscan.logs.sqaccess import CALLBACK_ANSWER, PROXY_ANSWERED
from samlscan.model import IP_FORWARDED, IP_PROXY, Attempt, Evidence


# Findings that compare a message with the configured SP's own settings (its entity ID, ACS URL,
# the request it waits for, the attribute names it maps): about a response sent to another SP
# they say nothing.
_SP_JUDGED = frozenset({"audience-mismatch", "destination-mismatch", "recipient-mismatch", "acs-path-wrong",
                        "inresponseto-mismatch"} | {c for c, s in SPECS.items() if s.group == "attributes"})


def _shown_user(p: _Piece) -> tuple[str | None, bool]:
    """The name an attempt shows for a piece, and whether it is opaque: its NameID, unless that is
    an opaque one and the response carries the SP's login attribute."""
    return (p.login, False) if p.opaque and p.login else (p.user, p.opaque)


def _asked_by_that_sp(members: list[_Piece]) -> bool:
    """An AuthnRequest in the attempt whose Issuer is a URL on the host a response was sent to."""
    from urllib.parse import urlsplit

    hosts = {urlsplit(p.elsewhere).hostname for p in members if p.elsewhere}
    for p in members:
        if p.kind == "capture" and p.response is None and p.sp_rank == _SP_ENTITY and p.sp and "://" in p.sp:
            try:
                if urlsplit(p.sp).hostname in hosts:
                    return True
            except ValueError:
                continue
    return False


def _unjudged(p: _Piece) -> _Piece:
    """A response sent to another SP, without its findings against the configured SP's settings."""
    left = tuple(c for c in p.codes if c in _SP_JUDGED)
    codes = tuple(c for c in p.codes if c not in _SP_JUDGED)
    return replace(p, codes=codes, warnings=tuple(c for c in p.warnings if c not in _SP_JUDGED),
                   sp=p.elsewhere, sp_rank=_SP_ACS,
                   outcome=p.outcome if codes or p.outcome != "failure" else "unknown", unjudged=left)


_CAUSE_SETTING = {"audience-mismatch": "sp_entity_id", "app-not-found": "sp_entity_id",
                  "destination-mismatch": "acs_url", "recipient-mismatch": "acs_url",
                  "acs-path-wrong": "acs_url", "reply-url-mismatch": "acs_url",
                  "issuer-mismatch": "idp_entity_id", "signature-cert-mismatch": "idp_cert",
                  "signature-invalid": "idp_cert"}
"""The SP setting a cause's fix is about (config.SONAR_SETTING_NAMES' keys)."""


@lru_cache(maxsize=1024)
def _other_sp_fix(fix: str, cause: str | None, product: str | None) -> str:
    """`fix` for an SP that is not SonarQube: the fix texts (codes, the catalog, the checks' hints)
    name SonarQube's settings, the first SP profile; those clauses are dropped and the setting is
    named as `product` calls it (config.other_sp_setting)."""
    from samlscan.config import OTHER_SP_SETTING_NAMES, other_sp_setting

    text = _without_sonarqube(fix)
    if text is None and cause in SPECS:
        text = _without_sonarqube(SPECS[cause].fix)
    if text is None:
        text = "Fix the SP's SAML settings as its log says."
    what = _CAUSE_SETTING.get(cause)
    if not what:
        return text
    named = OTHER_SP_SETTING_NAMES.get((product or "").partition(":")[0], (None, {}))[1].get(what)
    if named and named in text:  # the product's own fix names it already ('idp.x509cert or x509certMulti')
        return text
    return f"{text.rstrip('.')} ({other_sp_setting(product, what)})."


def _without_sonarqube(text: str) -> str | None:
    """`text` without its SonarQube clauses ('(SonarQube: sonar.auth.saml.applicationId; ...)',
    'SonarQube: the ACS URL is ...'), None when SonarQube's settings are all it says."""
    import re

    def aside(m):  # (its own spacing kept: 'IssuerSigningKey(s)' is no aside)
        kept = [part.strip() for part in m.group(2).split(";") if "sonar" not in part.lower()]
        return f"{m.group(1)}({'; '.join(kept)})" if kept else ""

    text = re.sub(r"(\s*)\(([^()]*)\)", aside, text)
    sentences = []
    for sentence in re.split(r"(?<=\.)\s+", text):
        if sentence.startswith("SonarQube:"):  # 'SonarQube: X; behind a proxy ...' keeps what follows
            _, sep, rest = sentence.partition(";")
            sentence = rest.strip()[:1].upper() + rest.strip()[1:] if sep else ""
        elif sentence.startswith("SonarQube ") and "sonar." in sentence:  # 'SonarQube builds the ACS from ...'
            sentence = ""
        if sentence:
            sentences.append(sentence)
    text = re.sub(r"\b(from|in|to) SonarQube\b", r"\1 the SP", " ".join(sentences))
    return text if text and "sonar." not in text.lower() and "<sonarqube>" not in text.lower() else None


def _order(p: _Piece) -> tuple:
    """Time, then place: 'line 3' before 'line 12' (a shorter ref of one input is an earlier line).
    Pieces' times are UTC datetimes, compared as they are (link_user sorts them so): a .timestamp() per
    piece cost a fifth of an attempt's sort."""
    ref = p.ref or ""
    return (p.time is None, p.time or 0, p.input, len(ref), ref)


def _fuller_name(name: str, user: str) -> bool:
    """Whether `name` is `user` in full: the address whose local part is that login ('ana@example.com'
    of 'ana', SonarQube's login beside the NameID it came from). Two lines of one second are in no
    known order (a newest-first export lists the login first), so the fuller identity names the
    attempt, whichever line comes first."""
    return "@" not in user and _local_part(name) == user.casefold()


def _attempt(members: list[_Piece], judged: bool = False, unheld: Unheld | None = None,
             given_idp: str | None = None) -> Attempt:
    """_built, after the SP's own time refusal has had its word over an HTTP Date that says the
    opposite (pieces.date_against_refusal), the note of that disagreement last."""
    members, date_note = date_against_refusal(members)
    a = _built(members, judged, unheld, given_idp)
    return replace(a, notes=(*a.notes, date_note)) if date_note else a


def _built(members: list[_Piece], judged: bool = False, unheld: Unheld | None = None,
           given_idp: str | None = None) -> Attempt:
    """One attempt from its pieces, in time order (one pass: a big scan builds 100,000s).
    `judged`: the findings of responses sent to another SP are already left out; `unheld`:
    unheld_signers; `given_idp`: the product of the IdP the SP's settings name (run.given_idp), whose
    screens a fix names when nothing in the attempt names its IdP (a failure only an SP log saw)."""
    if len(members) > 1:
        members.sort(key=_order)
    outcomes = set()
    warnings: set = set()
    found: set = set()
    user = idp = sp = idp_product = sp_product = decisive = other_sp = earlier = None
    user_rank = (True, True)  # (opaque, not captured) of `user`: a name over a NameID, a capture's first
    user_time = None  # the time of the piece that named `user` (at one time, the fuller name: _fuller_name)
    sp_rank = _SP_DESTINATION + 1
    sonar = elsewhere = captured = False  # SonarQube's log is part of it; a response went to another SP
    sps: dict = {}  # every name of the SP in the pieces, for Attempt.sp_aka
    ips: dict = {}  # client IP -> its best _ip_rank, first seen first (only log lines name one)
    peers: set = set()  # the hops that forwarded a client's request (a line's peer beside its X-Forwarded-For)
    emailless = app_unfound = False  # a piece's codes: an email error (_EMAIL_LOSS), app-not-found
    for p in members:
        outcomes.add(p.outcome)
        if p.kind == "capture":
            captured = True
        if p.warnings:
            warnings.update(p.warnings)
        if p.codes:
            found.update(p.codes)
            emailless = emailless or not _EMAIL_LOSS.isdisjoint(p.codes)
            app_unfound = app_unfound or "app-not-found" in p.codes
        if p.log_code:
            found.add(p.log_code)
        if p.user or p.login:
            name, opaque = _shown_user(p)
            if name and (user is None or (opaque, p.kind != "capture") < user_rank
                         or (opaque, p.kind != "capture") == user_rank and p.time == user_time
                         and _fuller_name(name, user)):
                user, user_rank, user_time = name, (opaque, p.kind != "capture"), p.time
        idp = idp or p.idp
        if p.ip:
            rank = _ip_rank(p)
            if rank < ips.get(p.ip, _IP_OTHER + 1):
                ips[p.ip] = rank
            if p.peer:
                peers.add(p.peer)
        if p.sp:
            sps[p.sp] = None
            if p.sp_rank < sp_rank:  # its entity ID, else where a response went, else a label
                sp, sp_rank = p.sp, p.sp_rank
        if p.elsewhere:
            elsewhere = True
        if p.earlier_use is not None:
            earlier = earlier or p.earlier_use
        if p.side == "idp":
            idp_product = idp_product or p.product
        elif p.side == "sp":
            sp_product = sp_product or p.product
            if p.product == "sonarqube":
                sonar = True
            elif p.kind == "log" and p.product:
                other_sp = other_sp or p.product
    if captured and not sonar and other_sp is None:  # a hop of Keycloak brokering another IdP: Keycloak is its SP
        other_sp = next((b for p in members if p.kind == "capture" and (b := keycloak_broker(p.acs or p.posted_to))),
                        None)
    broker_hop = elsewhere and any(keycloak_broker(p.elsewhere) for p in members if p.elsewhere)
    # a response posted to Keycloak's broker endpoint is the IdP's answer to Keycloak, never to the
    # configured SP, even where that SP's log lines joined its attempt (the same user, a second on)
    if broker_hop and not judged or (elsewhere and not sonar and not judged and (other_sp or _asked_by_that_sp(members))):
        # only with evidence of another SP (its log, its AuthnRequest): a response sent to a host
        # other than the configured ACS is as often the configured SP's own misconfiguration (an
        # internal host name or an old URL at the IdP), which its findings say
        return _attempt([_unjudged(p) if p.elsewhere else p for p in members], True, unheld, given_idp)
    if sonar and emailless:
        # SonarQube Server's own log is part of it: the SP is Server, which logs in without an email
        # (the checks make them warnings only under --profile sonarqube, which a scan may lack); a
        # log line's own code stays (SonarQube said it: it was the cause)
        return _attempt([_email_optional(p) for p in members], judged, unheld, given_idp)
    if app_unfound and any(p.idp for p in members if "app-not-found" not in p.codes):
        # a response came back (only a Response piece names the IdP): the IdP found the application
        # the AuthnRequest's Issuer named, whatever the configured SP entity ID (checks/request.py)
        return _attempt([_app_found(p) for p in members], judged, unheld, given_idp)
    if found - _GENERIC:  # a generic log text ('Found 2 validation errors') beside what it wraps
        found -= _GENERIC
    has_failure = "failure" in outcomes
    disputed = has_failure and _accepted_by_sp(members)
    if disputed:  # the SP's word on what it did wins over samlscan's prediction from a copy
        has_failure = False
    outcome = "failure" if has_failure else ("success" if "success" in outcomes else "unknown")
    cause, notes, read_from = _cause(members, unheld) if has_failure else (None, [], None)
    refused = _refused_callback(members) if has_failure and (cause is None or cause == "unknown-failure" and not any(
        p.log_code for p in members if p.kind == "log")) else None
    if refused is not None:  # an access log or a capture saw the SP refuse: how it answered is the finding
        cause = REFUSED_CALLBACK
    unread = next((p for p in members if p.kind == "log" and p.outcome == "failure" and p.text), None) \
        if has_failure and cause is None else None
    if unread is not None:  # a log said the login failed in words no catalog entry knows: said, not lost
        cause = "unknown-failure"
    signer = _metadata_signer(members) if cause == "signature-invalid" else None
    if signer:  # the SP refused a response that verifies with the IdP metadata's certificate: it holds another
        cause, read_from = "signature-cert-mismatch", read_from or "signature-invalid"
    if disputed:
        notes = [_disputed_note(found - _GENERIC)]
    spec = SPECS.get(cause) if cause else None
    fix = entry = None
    if has_failure:
        # the IdP product whose screens a fix names: an IdP log's, else its default Issuer's, else its SSO URL's
        named_idp = idp_product or issuer_product(idp) or next((p.sso_product for p in members if p.sso_product),
                                                                 given_idp)
        for p in members:
            if p.hints and p.hints.get(cause):
                fix = p.hints[cause]
                break
        if cause == PROXY_ANSWERED and len({p.hints[cause] for p in members if p.hints and p.hints.get(cause)}) > 1:
            fix = None  # (the evidence names several proxies that answered: the fix naming the usual ones)
        fix = fix or (spec.fix if spec else None)
        named = [p for p in members if p.log_code == cause and p.text] if cause else []
        # else the line the cause was read from, or whose code the cause refines (its catalog entry
        # is of its own code: not looked up)
        failed = [p for p in members if p.outcome == "failure" and p.text] if not named else []
        decisive = named[0] if named else next((p for p in failed if read_from and p.log_code == read_from), None) \
            or next((p for p in failed if _refines(cause, p.log_code)), None) or refused or unread
        # who acts and how: the catalog's entry of a log line or capture step that names the cause
        entry = next((e for p in named if (e := _catalog_entry(p, cause)) is not None), None)
        proxied = _proxy_note(members, cause) is not None
        if entry is not None and entry.fix and OTHERWISE in entry.fix:  # (Spring's invalid_destination)
            entry = replace(entry, fix=_fix_for_where(entry.fix, members, proxied))
        stale = _logged_stale_acs(named, entry, cause)
        if stale is not None:  # the line names both URLs, on two paths: the IdP's ACS entry, not the SP's URL
            fix, entry = STALE_ACS_FIX.format(want=stale[0], got=stale[1]), replace(entry, fix=None, side="idp")
        base_stale = _base_path_stale(members, cause)
        if base_stale is not None:  # the check's 'the SP's base URL' for a base path apart, which the SP's own
            fix = STALE_ACS_FIX.format(want=base_stale[0], got=base_stale[1])  # request contradicts
        if entry is not None and entry.fix and fix == (spec.fix if spec else None):
            fix = entry.fix
        elif entry is not None and entry.fix and fix != entry.fix:
            # a check's hint names the exact value and setting; the catalog's fix for the log line,
            # where in the attempt's IdP's console to act: the fix says both
            fix = with_idp_part(fix, entry.fix, named_idp)
        if fix and signer:  # (the IdP rotated)
            fix = f"{fix.rstrip('.')}. The response verifies with the IdP metadata's signing certificate " \
                  f"{signer}: the one to configure."
        if fix and cause in IDP_WHERE and not proxied and not (entry is not None and named_idp and entry.fix
                                               and f"{IDP_NAMES.get(named_idp, named_idp)}: " in entry.fix):
            # where the attempt's IdP takes it (Auth0's addon settings); not again after a catalog fix
            # said it (Duo's user_not_in_permitted_group: 'Duo: ...', its access setting twice)
            fix = with_idp_part(fix, IDP_WHERE[cause], named_idp)
        if fix:  # (a fix's examples of several IdPs: the attempt's own, or none when it is another)
            fix = for_idp(fix, named_idp)
        if decisive is not None:  # the line (or capture step) that names the cause, quoted
            notes = [f"{_where(decisive)}: {_quoted(decisive.text)}", *notes]
        if fix and not sonar and (judged or other_sp):  # another SP's settings, in its own words
            fix = _other_sp_fix(fix, cause, other_sp)
        if fix and refused is not None:
            fix = _refused_fix(fix, refused)
        if fix and cause == "app-not-found" and sp and sp_rank == _SP_ENTITY:  # the value the IdP lacks
            fix = f"{fix.rstrip('.')}. The SP entity ID this login sent: {sp!r}."
        asked = asked_and_sent(members)[0] if fix and cause == "reply-url-mismatch" else None
        if asked:  # the URL the IdP lacks among its Reply URLs: the AuthnRequest's AssertionConsumerServiceURL
            fix = f"{fix.rstrip('.')}. The ACS URL this login sent: {asked!r}."
        if fix and cause == "signature-cert-mismatch" and _unheld_judges(members, unheld) and unheld.signing:
            fix = f"{fix.rstrip('.')}. The IdP metadata's signing certificate the SP lacks: {unheld.names}."
    elif outcome == "unknown":  # where a capture's login stopped, and what to ask the user for
        notes = [f"{_where(p)}: {p.text}" + (f"; ask the user for {p.stop}" if p.stop else "")
                 for p in members if p.stop is not None and p.text]
    else:
        lost_groups = warnings & _GROUPS_UNSYNCED
        if lost_groups:
            notes = notes + [f"the login works but groups are not synchronised "
                             f"({', '.join(sorted(lost_groups))})"]
        lost_email = warnings & _EMAIL_LOSS
        if lost_email and outcome == "success":  # (SonarQube Server logs in without one)
            notes = notes + [f"the login works but the account gets no email from it "
                             f"({', '.join(sorted(lost_email))}): notifications do not reach the user"]
    if earlier is not None:  # whose response it was, and where it was captured in its own login
        user, idp = user or earlier.user, idp or earlier.idp
        gap = round((members[0].time - earlier.time).total_seconds() / 60) if members[0].time else None
        notes = list(notes) + [
            f"the SP log names response {earlier.response[0]}, captured at {_where(earlier)}"
            + (f" {gap} min earlier" if gap else "") + " in its own login: this is another use of it"
            + (" (a replay: if the user did not post it again, someone else did)" if cause == "assertion-replayed" else "")]
    if judged:
        notes = list(notes) + [
            f"{_where(p)}: the response was sent to {p.sp}, another SP than the one samlscan was given "
            f"(its Audience and Destination name neither): its {', '.join(p.unjudged)} "
            "compare it with that SP's settings and are left out" for p in members if p.unjudged]
    # one Evidence per place; the decisive piece's is the same object (an attempt's notes name it)
    places: dict = {}
    for p in (*members, earlier) if earlier is not None else members:
        key = (p.input, p.kind, p.ref)
        if key not in places:
            places[key] = Evidence(p.input, p.kind, p.ref)
    if decisive is not None:
        decisive = places[(decisive.input, decisive.kind, decisive.ref)]
    the_sp = sp or sp_product
    ip, others = _client_ip(ips, peers) if ips else (None, ())
    if others:
        notes = list(notes) + [_ips_note(ips, ip, others, peers)]
    # who must act: a finding's own word, else the catalog's for the line that names the cause (an
    # empty Destination in SonarQube's log is the IdP's to fix, not the SP's as destination-mismatch
    # usually is), else the code's
    side = next((p.sides[cause] for p in members if p.sides and cause in p.sides), None) if has_failure else None
    side = side or _acs_side(members, cause) or (entry.side if entry is not None else None)
    return Attempt(members[0].time, user, outcome, cause, side or (spec.side if spec else None), fix,
                   tuple(sorted(found | warnings)), tuple(places.values()), idp or idp_product, the_sp,
                   tuple(notes), decisive, (idp_product,) if idp and idp_product else (),
                   tuple(n for n in (*sps, sp_product) if n and n != the_sp) if sps else (), ip)


OTHERWISE = " Otherwise "
"""Where a catalog fix for two situations turns to the second: the SP behind a proxy, 'Otherwise' the
IdP's ACS (spring invalid_destination)."""


def _fix_for_where(fix: str, members: list[_Piece], proxied: bool) -> str:
    """The part of a two-situation fix the attempt's evidence picks: the SP's and the proxy's when a
    proxy passed the refused callback on (causes._proxy_note), the IdP's when the response went to
    another host or path than the SP's own AuthnRequest asked for; both when nothing tells."""
    behind, _, otherwise = fix.partition(OTHERWISE)
    if proxied:
        return behind
    if sent_elsewhere(*asked_and_sent(members)):
        return otherwise[:1].upper() + otherwise[1:]
    return fix


REFUSED_CALLBACK = "sp-refused-callback"


def _refused_callback(members: list[_Piece]) -> _Piece | None:
    """The first SP log line of a failed attempt that says the login failed and names no reason
    (an access log's answer to the IdP's POST: sqaccess, iislog), else the capture step that shows
    the SP's own answer to that POST refusing it without a reason (an HTTP error, its refusal or
    login page, a redirect to its failure page: flows/outcome.py), when nothing else of the attempt
    gave a cause: either is the SP's own word that it refused."""
    logged = next((p for p in members if p.kind == "log" and p.side == "sp" and p.outcome == "failure"
                   and p.log_code is None and not p.predicted and p.text and p.text.startswith(CALLBACK_ANSWER)),
                  None)  # (the SP's own log line of an unknown reason is no access log's answer)
    return logged or next((p for p in members if p.kind == "capture" and p.side == "sp" and p.posted_to
                           and p.outcome == "failure" and p.log_code == "unknown-failure" and not p.predicted),
                          None)


def _refused_fix(fix: str, p: _Piece) -> str:
    """The fix of a refused callback, with the request's ID when its access log names one
    (SonarQube's access.log, %reqAttribute{ID}: the ID web.log prints as web[ID])."""
    if p.kind == "capture":  # its capture step's fix: the SP's log to read, at the attempt's time
        return (p.hints or {}).get("unknown-failure") or fix
    ids = [k.partition(":req:")[2] for k in p.flow_keys if k.startswith("sonarqube:req:")]
    if not ids:
        return fix
    return f"{fix.rstrip('.')}. Its request ID {ids[0]} is the web[{ids[0]}] of its lines in SonarQube's web.log."


def _logged_stale_acs(named: list[_Piece], entry, cause: str | None) -> tuple[str, str] | None:
    """(the SP's ACS URL, the Destination) when the log line that names a destination-mismatch quotes
    both (its catalog pattern's <destination> and the other URL) and their paths differ: the IdP posted
    to another ACS endpoint than the one the SP serves (SimpleSAMLphp: 'Destination is "..", current URL
    is ".."'). None otherwise."""
    if cause != "destination-mismatch" or entry is None:
        return None
    for p in named:
        values = placeholder_values(entry, p.text)
        got = values.pop("destination", None)
        want = next((v for v in values.values() if "://" in v), None)
        # (a base apart, the URL the SP rebuilt short of its subdirectory: the SP's to fix, not the IdP's
        # entry; nextcloud/user_saml#215: 'received at http://localhost/acs instead of
        # http://localhost/server/index.php/apps/user_saml/saml/acs', php-saml's own URL wrong)
        if got and want and "://" in got and acs_path_apart(want, got) and not base_path_apart(want, got):
            return want, got
    return None


def _base_path_stale(members: list[_Piece], cause: str | None) -> tuple[str, str] | None:
    """(the ACS URL the SP's AuthnRequest asked for, the URL the response went to) when they are a base path
    apart and the IdP's is the longer: alone, a response posted under a base path the SP's URL lacks reads
    as the SP's base URL short of its context path (checks.protocol.acs_fix); the SP's own request asking
    for the shorter one says the SP serves it, and the IdP's entry keeps an old base (gen_case14)."""
    if cause not in ("destination-mismatch", "recipient-mismatch") or _acs_side(members, cause) != "idp":
        return None
    asked, sent = asked_and_sent(members)
    longer = split_url(sent.strip()).path.rstrip("/") if base_path_apart(asked, sent) else ""
    return (asked, sent) if len(longer) > len(split_url(asked.strip()).path.rstrip("/")) else None


def _acs_side(members: list[_Piece], cause: str | None) -> str | None:
    """'idp' for a Destination or Recipient the SP refused when its own AuthnRequest in the capture
    asked for an ACS of another path than the one the response went to: the IdP posted to the ACS
    it stores (a stale entry), not the one asked for (SAML core 3.4.1, AssertionConsumerServiceURL);
    so did it when the request asked for the very ACS the SP's settings give, whatever part differs (a
    host renamed at the SP, the IdP's entry still the old one). Else a scheme, host or port apart is the
    SP's own URL behind a proxy (its usual side), said by the code."""
    if cause not in ("destination-mismatch", "recipient-mismatch"):
        return None
    asked, sent = asked_and_sent(members)
    if not asked or not sent:
        return None
    given = next((p.given_acs for p in members if p.given_acs), None)
    return "idp" if acs_path_apart(asked, sent) or asked == given != sent else None


_IP_FORWARDED_RANK, _IP_PROXY_RANK, _IP_SP, _IP_OTHER = range(4)
_IP_RANKS = {IP_FORWARDED: _IP_FORWARDED_RANK, IP_PROXY: _IP_PROXY_RANK}
_WHOSE = ("an X-Forwarded-For's first", "the proxy log's", "the SP log's", "the first")


def _ip_rank(p: _Piece) -> int:
    """How surely a piece's IP is the browser's: an X-Forwarded-For's first (the leftmost is the original
    client: RFC 7239 section 4's order, the de-facto header's), a proxy's own log's client, the SP's peer
    (a proxy's, behind one), an IdP's or another log's."""
    return _IP_RANKS.get(p.ip_from, _IP_SP if p.side == "sp" else _IP_OTHER)


def _client_ip(ips: dict, peers: set) -> tuple[str, list[str]]:
    """The attempt's client IP, the best ranked (the first seen of it), and the other clients its lines name:
    an internal address (private, pod, loopback, link-local) that was a proxy hop (a line's peer beside its
    X-Forwarded-For, or the SP's peer when a forwarded or proxy-logged address is there too) is neither
    shown nor counted while another is there: the SP saw the proxy, the proxy saw the browser."""
    if len(ips) == 1:  # (nearly every attempt: its one IP, whoever named it)
        return next(iter(ips)), []
    proxied = min(ips.values()) < _IP_SP
    hops = {a for a, rank in ips.items() if (a in peers or rank == _IP_SP and proxied) and _internal(a)}
    clients = [a for a in ips if a not in hops] or list(ips)
    shown = min(clients, key=ips.__getitem__)  # (min keeps the first of equals: time order)
    return shown, [a for a in clients if a != shown]


_INTERNAL = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",  # RFC 1918
    "100.64.0.0/10",  # RFC 6598 shared address space (carrier NAT, some pod networks)
    "fc00::/7"))  # RFC 4193 unique local
"""Addresses no browser on the internet has: a proxy's, a pod's, a LAN's (the documentation ranges of
RFC 5737/3849 stand for public ones)."""


def _internal(text: str) -> bool:
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:  # (a host name, an address with its port)
        return False
    if addr.version == 6 and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr.is_loopback or addr.is_link_local or any(addr in net for net in _INTERNAL
                                                         if net.version == addr.version)


def _ips_note(ips: dict, shown: str, others: list[str], peers: set) -> str:
    """Why the attempt's log lines name several clients: one login seen through a NAT, a proxy or
    a VPN, or a response used from another machine; a public peer's X-Forwarded-For is its sender's word."""
    note = (f"its log lines name {len(others) + 1} client IPs: {shown} (shown: {_WHOSE[ips[shown]]}), "
            f"{', '.join(others)}: one browser seen through a NAT, proxy or VPN, or another machine")
    public = [a for a in others if a in peers]
    if ips[shown] == _IP_FORWARDED_RANK and public:
        note += (f"; {', '.join(public)} sent the X-Forwarded-For from a public address: a browser can set that "
                 f"header itself, so {shown} is the sender's word unless that address is your proxy's")
    return note


def _login_attempt(members: list[_Piece], unheld: Unheld | None = None, given_idp: str | None = None) -> Attempt:
    """_attempt, for a brokered login (_link_broker_hops) by the hop where it broke: the last one
    that failed. Keycloak's response to the SP says it took the external IdP's (hop 1 passed):
    the SP's exchange decides, hop 1 stays as evidence; without that response the login broke at
    hop 1 (the IdP refused Keycloak, or Keycloak the IdP's response), whose SP is Keycloak."""
    if not any([p.hop for p in members]) or not any(p.predicted and p.kind == "capture" and not p.hop
                                                    for p in members):
        return _attempt(members, unheld=unheld, given_idp=given_idp)
    members.sort(key=_order)
    idp = _hop_idp(members)
    answer = next((p for p in members if p.response is not None and not p.hop and not p.copy), None)
    if answer is not None:  # hop 2 decides: hop 1's findings did not stop Keycloak
        said = ranked({c for p in members if p.hop for c in p.codes})
        first = next((p for p in members if p.hop and p.response is not None), None) \
            or next(p for p in members if p.hop)
        note = (f"hop 1 of 2: Keycloak -> {idp} ({_where(first)}): Keycloak took the IdP's response and answered "
                f"the SP ({_where(answer)})" + (f"; samlscan's checks of hop 1 find {', '.join(said[:3])}, which did "
                                                "not stop Keycloak" if said else ""))
        members = [_hop_as_evidence(p) if p.hop else p for p in members]
    else:  # hop 1 decides: the SP's request is evidence, its SP named after Keycloak's broker
        asked = next(p for p in members if p.predicted and p.kind == "capture" and not p.hop)
        note = (f"hop 2 of 2: {asked.sp or 'the SP'} -> Keycloak ({_where(asked)}): Keycloak never answered the SP; "
                f"the login stopped at hop 1, Keycloak -> {idp}")
        members = [p if p.hop or p.sp_rank > _SP_DESTINATION else replace(p, sp_rank=_SP_DESTINATION + 1)
                   for p in members]
    a = _attempt(members, unheld=unheld, given_idp=given_idp)
    return replace(a, notes=(*a.notes, note))


def _hop_idp(members: list[_Piece]) -> str:
    """The external IdP of a brokered login's hop 1, as notes name it."""
    issuer = next((p.idp for p in members if p.hop and p.idp), None)  # (its response's Issuer, else its page's)
    product = issuer_product(issuer) if issuer else next((p.product for p in members if p.hop and p.product), None)
    return IDP_NAMES.get(product or "", issuer or "the external IdP")


def _hop_as_evidence(p: _Piece) -> _Piece:
    """A piece of hop 1 when hop 2 decides: samlscan's predictions about it are warnings (Keycloak
    took the response), its checks against the SP's settings are left out (it was Keycloak's), and
    it names neither the login's IdP, its SP nor its user (the SP knows the user by Keycloak's name)."""
    p = _unjudged(p) if p.elsewhere else p
    failed = p.predicted and p.outcome == "failure"
    return replace(p, codes=(), warnings=tuple(sorted({*p.warnings, *p.codes})), outcome="unknown" if failed
                   else p.outcome, idp=None, sp_rank=_SP_DESTINATION + 1, acs=None, posted_to=None, user=None, login=None,
                   elsewhere=None, unjudged=())


def _disputed_note(found: set) -> str:
    """Why the SP accepted a login that samlscan's checks of its response fail."""
    said = f"the SP accepted this login (its log or the capture says so) although samlscan's checks of " \
           f"the response find {', '.join(ranked(found)[:3])}: "
    if "decryption-failed" in found:  # the SP read the assertion: it held the key it was encrypted to
        return said + ("the SP key samlscan was given is not the one the SP held then (rotated since?), so "
                       "that failure is samlscan's own, not the login's: pass the key of that time to check it")
    return said + "the SP runs with other settings or another clock than samlscan was given (a log in local " \
                  "time: pass --timezone)"


def _email_optional(p: _Piece) -> _Piece:
    """The piece with its email errors as warnings (_EMAIL_LOSS); a response they alone failed
    is no longer predicted to fail (the SP's log says what happened)."""
    lost = set(p.codes) & _EMAIL_LOSS
    if not lost:
        return p
    codes = tuple(c for c in p.codes if c not in lost)
    outcome = "unknown" if p.predicted and p.outcome == "failure" and not codes else p.outcome
    return replace(p, codes=codes, warnings=tuple(sorted({*p.warnings, *lost})), outcome=outcome)


def _app_found(p: _Piece) -> _Piece:
    """The piece without app-not-found; an AuthnRequest it alone failed is no longer predicted to fail."""
    if "app-not-found" not in p.codes:
        return p
    codes = tuple(c for c in p.codes if c != "app-not-found")
    outcome = "unknown" if p.predicted and p.outcome == "failure" and not codes else p.outcome
    return replace(p, codes=codes, outcome=outcome)


QUOTED = 300
"""Characters of the deciding line an attempt's note quotes."""


def _quoted(text: str) -> str:
    """The first QUOTED characters of a line, cut between words and marked (a value cut in its
    middle, 'for user rachel.ye', is neither shown whole nor recognisable to --redact)."""
    if len(text) <= QUOTED:
        return text
    cut = text.rfind(" ", 0, QUOTED)
    return text[:cut if cut > QUOTED // 2 else QUOTED].rstrip() + " ..."


def _accepted_by_sp(members: list[_Piece]) -> bool:
    """The SP logged the login's success, or the browser was let in, and nothing seen (a log line,
    a capture step) says it failed: only samlscan's checks of the message do."""
    accepted = False
    for p in members:  # (one loop: called for each failed attempt of a big scan)
        if not p.predicted:
            if p.outcome == "failure":
                return False
            accepted = accepted or p.outcome == "success" and p.side == "sp"
    return accepted
