"""Join captured messages and log events into login attempts, each with a root cause and a fix.

Keys, strongest first (logformats.md §5): SAML IDs (Response, Assertion, AuthnRequest/InResponseTo),
the product's own flow ID (SonarQube HTTP_REQUEST_ID, Okta transaction, Entra correlation ID), then
user (case-insensitive) or client IP within a time window, after correcting each log source's clock
offset measured on the pairs that share a SAML ID.
"""
from __future__ import annotations

import itertools
import os
import re
from collections import Counter
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from datetime import datetime, timedelta

from samlscan.catalog import IDP_NAMES, with_idp_part
from samlscan.checks.base import consumed_assertion, issuer_product
from samlscan.checks.protocol import is_template_variable
from samlscan.codes import CLOUD_FIXES, IDP_WHERE, SPECS, cause_rank
from samlscan.config import (METADATA_KEY, is_cloud, is_sonarqube_acs, keycloak_broker, keycloak_realm,
                             on_sonarqube_acs_path)
from samlscan.engine import exchange_of
from samlscan.gcpause import no_cyclic_gc
from samlscan.inputs.serverclock import BEHIND, off_phrase
from samlscan.model import Attempt, Evidence, LogEvent, Severity

WINDOW = timedelta(minutes=5)
"""How far apart two pieces of one attempt may be once clocks are corrected (SP stacks allow
3-5 minutes of skew, so logs of one login rarely sit further apart)."""

# Log codes too generic to name a cause when something more specific is known.
_GENERIC = {"unknown-failure", "sp-internal-error", None}
# Which side writes the logs that dump SAML messages.
_LOG_SIDE = {"sonarqube": "sp", "simplesamlphp": "sp", "keycloak": "idp", "shibboleth": "idp",
             # SP application logs (samlscan/logs/applog.py), by the library that wrote the dump
             "spring": "sp", "opensaml": "sp", "java-saml": "sp", "python3-saml": "sp", "pysaml2": "sp",
             "ruby-saml": "sp", "node-saml": "sp", "sustainsys": "sp", "itfoxtec": "sp", "crewjam": "sp",
             "gosaml2": "sp",
             "sp-app": "sp"}
MOMENT = timedelta(seconds=10)
"""Failures without a shared ID or user are joined when they happen within this much of each other
(after clock correction): the SP's log line and the browser's failed POST of one login."""
# Finding groups a check of one message can establish.
_MESSAGE_GROUPS = {"protocol", "time", "signature", "attributes", "encryption"}
# Warnings that explain a refusal by an SP that requires groups (SonarQube Cloud group sync).
_GROUP_LOSS = {"groups-overage-claim", "group-attribute-missing"}
# Email problems are warnings under the SonarQube profile (Server logs in without an email); a
# refusal nothing else explains (SonarQube Cloud needs the email) is put down to them.
_EMAIL_LOSS = {"email-missing", "email-under-other-name", "email-empty", "email-invalid-format"}
# A generic SP log text, and the warnings of the captured response that explain it.
_EXPLAINED_BY = {"assertion-missing": ("response-signature-required",),
                 "idp-configuration-error": ("schema-order-invalid",)}
# A cause samlscan's checks find, and the warnings at which an SP stops before meeting it: Spring
# Security decrypts only inside a signed Response (OpenSaml4AuthenticationProvider.process), so
# samlscan's decryption failure (perhaps with a key the SP no longer holds) is not what it meets.
# Only Spring's: java-saml, python3-saml, pysaml2, ruby-saml, node-saml decrypt an unsigned Response.
_STOPPED_BEFORE = {"decryption-failed": ("response-signature-required",)}
_SPRING = frozenset({"spring", "opensaml"})


@dataclass(slots=True)
class _Piece:
    time: datetime | None
    kind: str  # 'capture' or 'log'
    input: str
    ref: str | None
    user: str | None = None
    ip: str | None = None
    ids: tuple = ()
    flow_keys: tuple = ()
    """Tuples, not sets: a scan holds one piece per log event, and most have one key or none."""
    outcome: str = "unknown"
    codes: tuple = ()
    warnings: tuple = ()
    hints: dict | None = None
    """Each finding code's own hint (it names the exact setting), for the attempt's fix."""
    log_code: str | None = None
    raw_code: str | None = None
    """The product's own error code of a log line (invalid_user_credentials, 50126...)."""
    side: str | None = None
    product: str | None = None
    text: str | None = None
    idp: str | None = None
    sp: str | None = None
    response: tuple | None = None
    """(Response ID, input, ref) of the captured response this piece is about: two different
    responses, or one response posted twice (a replay), are two attempts."""
    identity: tuple = ()
    """What makes its attempt distinct: (category, value) pairs, see _with_identity."""
    sp_rank: int = 2  # _SP_LABEL
    """How surely `sp` names the SP (_SP_ENTITY...; 2: its name in a log, _SP_LABEL)."""
    earlier_use: _Piece | None = None
    """The captured POST of the response this log line names, when it came more than WINDOW
    before: not this line's login but an earlier use of the response (_link_by_keys)."""
    guessed: bool = False
    """`product` is a guess, not the SP's engine (LogEvent.guessed)."""


@dataclass(slots=True)
class _MessagePiece(_Piece):
    """A message's piece (captured, pasted or dumped in a log) or a capture step's: what a log line's
    piece never holds lives here, so that the 100,000s of log lines of a big scan carry 24 slots,
    not 40 (_Piece reads these as their defaults)."""

    predicted: bool = False
    """The outcome is samlscan's verdict on a message, not what a log or the browser saw."""
    elsewhere: str | None = None
    """The ACS a captured response was sent to when that is another SP than the one samlscan
    was given (_sent_elsewhere): its checks against that SP's settings say nothing of this login."""
    copy: bool = False
    """A response saved or pasted outside any exchange (a .b64 file, the decoded XML, a paste's
    part): a copy of a POST, joined to its attempt by its IDs, never an attempt of its own."""
    unjudged: tuple = ()
    """The codes of such a response left out of its attempt (_unjudged)."""
    sides: dict | None = None
    """Who must act for a code, where a finding knows better than its code (Finding.side)."""
    acs: str | None = None
    """The ACS a captured message names: an AuthnRequest's AssertionConsumerServiceURL, a
    Response's Destination (the SP's own ACS at the time, against the one samlscan was given)."""
    trust_unchecked: bool = False
    """A signed message no configured certificate could judge (none was given)."""
    verified: bool = False
    """A signed message whose every signature a configured certificate verified."""
    posted_to: str | None = None
    """The URL a capture step's POST of the response went to (the SP it is of: _sp_family)."""
    metadata_signer: str | None = None
    """The IdP metadata's certificate a message verifies with (trusted for want of the SP's own
    settings): when the SP refused its signature, the one the SP lacks."""
    sso_product: str | None = None
    """The IdP product an AuthnRequest's Destination, its SSO URL, belongs to (flows.idp_at): the
    attempt's IdP when its Issuer is free text (PingFederate's) and no IdP log names it."""
    stop: str | None = None
    """Of a capture's login that stopped before any response (Flow: no response, no error page read):
    what to ask the user for ('' when nothing: `text` says where it stopped); None for any other piece.
    Alone it is an attempt of unknown outcome."""
    opaque: bool = False
    """`user` is a transient or persistent NameID: an opaque handle, no name a person knows the
    user by (SAML core 8.3.7, 8.3.8); any other name the attempt holds is shown instead."""
    login: str | None = None
    """The value of the SP's login attribute in the response (sonar.auth.saml.user.login): the
    name the SP logs the user in by, which its log names."""
    aka: tuple[str, ...] = ()
    """A captured response's other names for its user (_aka_names), casefolded: the SP logs the user
    in by one of them when samlscan does not know its login attribute."""
    hop: bool = False
    """A captured message of a Keycloak broker's own exchange with another IdP (its AuthnRequest
    whose ACS is the broker endpoint, the response posted there): hop 1 of a brokered login, whose
    hop 2 is the realm's exchange with the SP (_link_broker_hops)."""


for _f in fields(_MessagePiece):  # (one place for each default: the lean piece reads them off the class)
    if _f.name not in _Piece.__slots__:
        setattr(_Piece, _f.name, _f.default)


_SP_ENTITY, _SP_ACS, _SP_LABEL, _SP_DESTINATION = 0, 1, 2, 3
"""_Piece.sp_rank, surest first: the SP's entity ID (an AuthnRequest's Issuer, the Audience it
accepts); the ACS a response with a wrong Audience was sent to (that SP is the one it failed at);
its name in a log (an IdP's app label); a Destination otherwise (a response without assertion)."""
# Findings that compare a message with the configured SP's own settings (its entity ID, ACS URL,
# the request it waits for, the attribute names it maps): about a response sent to another SP
# they say nothing.
_SP_JUDGED = frozenset({"audience-mismatch", "destination-mismatch", "recipient-mismatch", "acs-path-wrong",
                        "inresponseto-mismatch"} | {c for c, s in SPECS.items() if s.group == "attributes"})


def _sent_elsewhere(m, findings) -> str | None:
    """The Destination (or Recipient) of a response that names neither the configured SP's
    entity ID nor a URL on its host: the IdP answered another SP of the tenant (a Spring Boot app
    beside SonarQube), and the browser posted it there. A wrong path or scheme on the SP's own
    host is the SP's misconfigured ACS (serverBaseURL), judged as usual."""
    if m.kind != "Response" or not any(f.code == "audience-mismatch" for f in findings):
        return None
    from urllib.parse import urlsplit

    for f in findings:
        if f.code in ("destination-mismatch", "recipient-mismatch") and f.expected and f.actual:
            try:
                other = urlsplit(f.actual).hostname != urlsplit(f.expected).hostname
            except ValueError:
                continue
            if other and urlsplit(f.actual).hostname:
                return f.actual
    return None


_OPAQUE_FORMATS = frozenset({"urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
                             "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"})


def _login_of(a, login_attribute: str | None) -> str | None:
    """The value of the SP's login attribute (by its Name, as the SP reads it) in an assertion."""
    if a is None or not login_attribute:
        return None
    return next((v.strip() for x in a.attributes if x.name == login_attribute for v in x.values if v and v.strip()),
                None)


_DOMAIN_USER = re.compile(r"^[^\\\s]{1,15}\\([^\\\s]+)$")
"""'CORP\\anna': a Windows DOMAIN\\user (AD FS's windowsaccountname claim), whose user an SP often logs."""


def _aka_names(a, user: str | None) -> tuple[str, ...]:
    """The single, short, name-like attribute values of an assertion other than its NameID
    (sAMAccountName, uid, employee number, DOMAIN\\user and its user), casefolded: one of them is
    the login the SP logs when its login attribute is not the NameID."""
    if a is None:
        return ()
    names = set()
    for x in a.attributes:
        if len(x.values) != 1 or not x.values[0]:
            continue
        v = x.values[0].strip()
        if 0 < len(v) <= 64 and not any(c.isspace() for c in v) and "://" not in v and "=" not in v:
            names.add(v.casefold())
            if (m := _DOMAIN_USER.match(v)) is not None:
                names.add(m.group(1).casefold())
    names.discard((user or "").casefold())
    return tuple(sorted(names))


def _shown_user(p: _Piece) -> tuple[str | None, bool]:
    """The name an attempt shows for a piece, and whether it is opaque: its NameID, unless that is
    an opaque one and the response carries the SP's login attribute."""
    return (p.login, False) if p.opaque and p.login else (p.user, p.opaque)


def _sso_product(url: str) -> str | None:
    from samlscan.flows import idp_at

    return idp_at(url)


def _message_piece(r, replayed: set, login_attribute: str | None = None) -> _Piece:
    m = r.message
    a = consumed_assertion(m)
    if a is not None and not a.signed:  # whose login it is: the Assertion the IdP signed (java-saml's
        a = next((x for x in m.assertions if x.signed), a)  # getNameId reads it, queryAssertion)
    user = a.name_id.value if a and a.name_id and a.name_id.value else None
    errors = tuple(sorted({f.code for f in r.findings if f.severity is Severity.ERROR}, key=cause_rank))
    warnings = {f.code for f in r.findings if f.severity is Severity.WARNING}
    if replayed and (m.source.input, m.source.ref) in replayed:
        warnings.add("assertion-replayed")
    warnings = tuple(sorted(warnings))
    hints = {}
    for f in r.findings:  # the finding's own hint names the exact setting; keep the first per code
        hints.setdefault(f.code, f.hint)
    ids = {i for i in (m.id, m.in_response_to, *(x.id for x in m.assertions)) if i}
    # the SP's name: its first Audience, else where the response went, unless they are unfilled
    # templates ('{audience}', '{recipient}': OneLogin's empty application fields)
    audience = next((x for x in (a.audience_restrictions[0] if a and a.audience_restrictions else ())
                     if not is_template_variable(x)), None)
    destination = m.destination if m.destination and not is_template_variable(m.destination) else None
    keys = {f"relay:{m.relay_state}"} if m.relay_state else set()
    product = (m.logged_by or "").split(":", 1)[0] or None
    # (a copy in SonarQube's own log was received by SonarQube, wherever it was addressed)
    elsewhere = _sent_elsewhere(m, r.findings) if "audience-mismatch" in errors and product != "sonarqube" else None
    if m.kind != "Response":  # an AuthnRequest's Issuer is its SP's own entity ID
        sp, sp_rank = m.issuer, _SP_ENTITY
    elif "audience-mismatch" in errors:
        # the wrong Audience names no SP: the one it was sent to does (the configured SP, whose
        # entity ID the finding expected, unless the response went to another SP's ACS)
        # (_unjudged names the other SP's ACS instead, once its attempt shows it was another SP)
        wanted = next((f.expected for f in r.findings if f.code == "audience-mismatch" and f.expected), None)
        sp, sp_rank = (wanted, _SP_ENTITY) if wanted else (elsewhere or destination, _SP_ACS)
    else:
        sp, sp_rank = (audience, _SP_ENTITY) if audience else (destination, _SP_DESTINATION)
    if m.logged_by and ":" in m.logged_by:  # the log line's flow ID joins the line's other events
        keys.add(f"{product}:req:{m.logged_by.split(':', 1)[1]}")
    return _with_identity(_MessagePiece(time=m.captured_at or m.issue_instant, kind="log" if m.logged_by else "capture",
                  input=m.source.input, ref=m.source.ref or m.id, user=user, ids=tuple(sorted(ids)),
                  opaque=bool(user) and a.name_id.format in _OPAQUE_FORMATS, login=_login_of(a, login_attribute),
                  aka=() if m.logged_by or m.kind != "Response" else _aka_names(a, user),
                  flow_keys=tuple(sorted(keys)),
                  outcome=_predicted_outcome(m, errors), predicted=True,
                  codes=errors, warnings=warnings, hints=hints,
                  idp=m.issuer if m.kind == "Response" else None, sp=sp, sp_rank=sp_rank, elsewhere=elsewhere,
                  side=_LOG_SIDE.get(product) if m.logged_by else None, product=product,
                  # a copy in a log is the same use of the response as the captured one
                  response=(m.id, m.source.input, m.source.ref)
                  if m.kind == "Response" and not m.logged_by else None,
                  copy=m.kind == "Response" and not m.logged_by and exchange_of(m.source.ref) is None,
                  sides={f.code: f.side for f in r.findings if f.side} or None,
                  sso_product=_sso_product(m.destination) if m.kind == "AuthnRequest" and destination else None,
                  acs=(m.acs_url if m.kind == "AuthnRequest" else m.destination) if not m.logged_by else None,
                  trust_unchecked=bool(m.signatures) and all(x.verified is None for x in m.signatures),
                  verified=bool(m.signatures) and all(x.verified for x in m.signatures),
                  metadata_signer=next((_cert_name(x.matched_cert) for x in m.signatures
                                        if x.verified and x.matched_cert and METADATA_KEY in x.matched_cert.origin),
                                       None)))


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
    from samlscan.config import other_sp_setting

    text = _without_sonarqube(fix)
    if text is None and cause in SPECS:
        text = _without_sonarqube(SPECS[cause].fix)
    if text is None:
        text = "Fix the SP's SAML settings as its log says."
    what = _CAUSE_SETTING.get(cause)
    return f"{text.rstrip('.')} ({other_sp_setting(product, what)})." if what else text


def _without_sonarqube(text: str) -> str | None:
    """`text` without its SonarQube clauses ('(SonarQube: sonar.auth.saml.applicationId; ...)',
    'SonarQube: the ACS URL is ...'), None when SonarQube's settings are all it says."""
    import re

    def aside(m):
        kept = [part.strip() for part in m.group(1).split(";") if "sonar" not in part.lower()]
        return f" ({'; '.join(kept)})" if kept else ""

    text = re.sub(r"\s*\(([^()]*)\)", aside, text)
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


def _predicted_outcome(m, errors) -> str:
    """What the SP would do with a captured response: fail on any error; succeed only when a
    configured key verified what it consumes (otherwise nobody can tell, e.g. no IdP certificate
    or an assertion still encrypted)."""
    if errors:
        return "failure"
    consumed = consumed_assertion(m)
    if m.kind == "Response" and consumed is not None and consumed.signed:
        return "success"
    return "unknown"


def _event_piece(e: LogEvent, offset: timedelta, shared: dict) -> _Piece:
    """`shared`: one key string and one identity per flow ID (a login's lines name the same ID)."""
    keys = []
    identity = ()
    if e.request_id:
        key = f"{e.product}:req:{e.request_id}"
        got = shared.get(key)
        if got is None:
            got = shared[key] = (key, ((e.product, key),))
        key, identity = got
        keys.append(key)
    if e.correlation_id:
        key = f"corr:{e.correlation_id}"
        keys.append(shared.setdefault(key, (key, ()))[0])
    # positional (the fields' order: time, kind, input, ref, user, ip, ids, flow_keys, outcome, codes,
    # warnings, hints, log_code, raw_code, side, product, text, idp, sp, response, identity): a big
    # scan builds one piece per event, and keywords cost 0.6 us of its 1 us
    piece = _Piece(e.time - offset if e.time and offset else e.time, "log", e.source.input, e.source.ref,
                   e.user, e.ip, tuple(e.saml_ids), tuple(sorted(keys)) if len(keys) > 1 else tuple(keys),
                   e.outcome, (), (), None, e.code, e.raw_code, e.side, e.product, e.text, None, e.app, None,
                   identity)
    if e.guessed:
        piece.guessed = True
    return piece


def _response_key(flow) -> tuple | None:
    return (flow.response.source.input, flow.response.source.ref) if flow.response is not None else None


def _for_cloud(m) -> bool:
    """A Response made for SonarQube Cloud: its Audience or Destination is on Cloud's hosts (it may
    still have gone elsewhere: the IdP's stale ACS URL)."""
    return m.kind == "Response" and any(is_cloud(u) for u in (
        m.destination, *(x for a in m.assertions for r in a.audience_restrictions for x in r)))


def _flow_piece(flow, unsolicited: set, responses: dict, cloud: bool = False) -> _Piece | None:
    """What the browser saw after the POST (SP outcome) or instead of a response (IdP error page).
    `cloud`: the SP is SonarQube Cloud (--acs-url, or the response's Audience or Destination)."""
    from samlscan import catalog
    from samlscan.sonarqube import flow_cause

    stopped = flow.outcome == "unknown" and flow.response is None and flow.request is not None
    if flow.outcome not in ("failure", "success") and not stopped:
        return None
    raw = flow.response or flow.request
    # the capture's own word for an exchange ('request 3' of a SAML-tracer export, 'entry 3' of a HAR)
    entry = next((x.ref for x in reversed(flow.exchanges)), raw.source.ref if raw else None)
    err = flow.idp_error
    code, why, hints = None, flow.reason, None
    if err is not None:
        hit = (catalog.lookup_code(err.product, err.code) if err.code else None) or catalog.lookup(
            err.message or "", err.product)
        code = hit.code if hit else "unknown-failure"
        if hit is not None and hit.fix:  # the page's own error, fixed where the catalog says
            hints = {code: hit.fix}
    elif flow.outcome == "failure":
        source = (raw.source.input, raw.source.ref) if flow.response is not None else None
        cloud = cloud or any(is_cloud(ex.url) for ex in flow.exchanges if ex.leg == "acs-post")
        decided = flow_cause(flow, source in unsolicited if source else None, cloud)
        code, why = decided if decided else ("unknown-failure", flow.reason)
        slow = _sp_clock_off(flow) if code == "unknown-failure" else None
        if slow is not None:  # the refusal the SP gives no reason for, of a server whose clock is off
            host, off = slow
            behind = host.removeprefix(BEHIND) if host.startswith(BEHIND) else None  # (told by its Dates alone)
            who = f"one of the SP's servers behind {behind}" if behind else f"the SP's server {host}"
            code, why = "sp-clock-skew", (
                f"{(flow.reason or 'the SP refused the login').rstrip('.')}; {who} answered with a clock "
                f"{off_phrase(off)} the IdP's and the other servers' (HTTP Date headers of the capture): it "
                "judges the response's NotBefore and NotOnOrAfter by it (the likely cause; its own log would say)")
            hints = {code: f"Sync the clock of every server behind {behind} (the SP's) with NTP: one of them "
                           "is off." if behind else f"Sync the clock of {host} (the SP's server) with NTP."}
        elif cloud and code in CLOUD_FIXES:
            hints = {code: CLOUD_FIXES[code]}
        elif code == "unknown-failure":
            hints = {code: "the SP refused the login without saying why in the capture: read its log "
                           f"at {flow.time:%Y-%m-%d %H:%M:%S} UTC (SonarQube: web.log, auth.event lines "
                           "need DEBUG) and pass it to samlscan with the capture; common causes are "
                           "sign-up disabled, email already used, group sync and a lost OAUTHSTATE "
                           "cookie" if flow.time else "read the SP's log at the time of the attempt"}
    keys = {f"corr:{err.correlation_id}"} if err and err.correlation_id else set()
    response = responses.get((flow.response.source.input, flow.response.source.ref)) if flow.response else None
    ids = {i for i in (flow.request_id, flow.in_response_to, response[0] if response else None) if i}
    where = raw.source.input if raw else flow.capture.input if flow.capture else "?"
    return _with_identity(_MessagePiece(time=flow.time, kind="capture", input=where, ref=entry,
                  ids=tuple(sorted(ids)), flow_keys=tuple(sorted(keys)), outcome=flow.outcome,
                  log_code=code, hints=hints,
                  side="idp" if err else "sp", product=err.product if err else None, text=why,
                  response=response, posted_to=next((ex.url for ex in flow.exchanges if ex.leg == "acs-post"), None),
                  stop=(flow.ask or "") if stopped else None))


SP_CLOCK_OFF = timedelta(seconds=60)
"""The least tolerance of a common SP (Spring Security's OpenSAML default is 5 min, java-saml's
drift 180 s, ruby-saml and node-saml none unless set): an SP server off by more refuses fresh
responses."""


def _sp_clock_off(flow) -> tuple[str, timedelta] | None:
    """(host, offset) of the ACS's server when its clock was off the others' by more than SP_CLOCK_OFF
    (Exchange.clock_off, from the capture's HTTP Date headers)."""
    from urllib.parse import urlsplit

    return next(((ex.server or urlsplit(ex.url).hostname, ex.clock_off) for ex in flow.exchanges
                 if ex.leg == "acs-post" and ex.clock_off is not None and abs(ex.clock_off) > SP_CLOCK_OFF), None)


class Offsets(dict):
    """{log input: its clock offset}; `against`: {log input: the log it was measured against},
    for those measured without a capture (an SP log against an IdP log, _offsets_by_user)."""

    __slots__ = ("against",)

    def __init__(self, offsets=(), against=None):
        super().__init__(offsets)
        self.against: dict[str, str] = dict(against or {})


def clock_offsets(messages, events) -> Offsets:
    """Per log file: median (log time - capture time) over log lines that name a SAML ID of a
    captured message, or dump a copy of it; for an SP log naming none, over the logins it names
    by user (_offsets_by_user). Without a capture, an SP log's offset to an IdP log's (the IdP's
    clock is the reference then: the logs alone cannot tell which one is wrong)."""
    if not events and not any(r.message.logged_by for r in messages):
        return Offsets()  # no log in the run: nothing to measure against
    times: dict[str, datetime] = {}
    logged: list[tuple[str, datetime, set]] = []
    for r in messages:
        m = r.message
        ids = {m.id, *(a.id for a in m.assertions)} - {None}
        t = m.captured_at or m.issue_instant
        if m.logged_by:
            if m.captured_at:
                logged.append((m.source.input, m.captured_at, ids))
        elif t:
            times.update((i, t) for i in ids)
    if not times:  # nothing captured outside the logs (a scan of logs alone): an IdP log is the reference
        idp = _idp_offsets(_offsets_by_user(messages, events, {}, captured=False, side="idp"))
        sp = _offsets_by_user(messages, events, idp, captured=False)
        return Offsets(idp | sp, idp.against | sp.against)
    deltas: dict[str, list[float]] = {}
    # (not a replay refusal: it names the captured response's ID at the time of its later use)
    observed = ((e.source.input, e.time, e.saml_ids) for e in events
                if e.time and e.saml_ids and e.code != "assertion-replayed")
    for src, t, ids in itertools.chain(observed, logged):
        shared = next((i for i in ids if i in times), None)
        if shared is not None:
            deltas.setdefault(src, []).append((t - times[shared]).total_seconds())
    # (2.5 ms of imports: only when logs and captures are both given)
    from statistics import median

    offsets = {src: timedelta(seconds=median(v)) for src, v in deltas.items()}
    # an IdP log naming no captured ID (Shibboleth's idp-process.log names the user only) first: the
    # SP logs' pairs with it are then on the capture's time
    offsets |= _idp_offsets(_offsets_by_user(messages, events, offsets, side="idp"))
    return Offsets(offsets | _offsets_by_user(messages, events, offsets))


PAIR_WINDOW = timedelta(minutes=10)
"""How far apart an SP log line and a capture of the same user's login may be for the clock
offset to be measured on them (twice WINDOW: a clock off by more is rare, and the pair must be the
only one of its user in this window on both sides)."""
PAIRS_AGREE = 5.0
"""Seconds within which two pairs must agree to be trusted (fewer than three could be unrelated
logins; one login seen by the capture and by the IdP's log agrees to the second)."""


def _offsets_by_user(messages, events, measured: dict[str, timedelta], captured: bool = True,
                     side: str = "sp") -> Offsets:
    """Per SP log with no SAML ID in common with the captures (SonarQube's auth.event 'login success'
    names none), its offset measured on logins it names by user: its successes and failures with a
    login name paired with the same user's captured ACS POSTs (the response's NameID or an attribute
    value) or the IdP's success events for that user (corrected by that log's own offset), run by
    run (_run_deltas: one login, or a burst such as a login loop, alone within PAIR_WINDOW on both
    sides). The median of >= 3 pairs, or of 2 agreeing within PAIRS_AGREE s. Without a capture
    (`captured` false) the IdP logs are on their own clocks: each SP log is measured against the
    one IdP log it shares most pairs with (Offsets.against). Sorted lists and bisection: linear.
    `side` "idp": the IdP logs' logins measured so instead (_measures), against the captures and the
    logs already measured, or without a capture a log in local time against the logs whose times
    carry a zone (_refers)."""
    from statistics import median

    logged: dict[tuple[str, str], list[datetime]] = {}  # (log, user) -> times
    local: set[str] = set()  # the logs written without a zone, read as UTC or --timezone
    for e in events:
        if _measures(e, side, measured, captured):
            logged.setdefault((e.source.input, e.user.casefold()), []).append(e.time)
            if e.local_time:
                local.add(e.source.input)
    if not logged:  # (an IdP's log alone, hundreds of thousands of events: one look at each)
        return Offsets()
    refs: dict[tuple[str, str], list[datetime]] = {}  # (reference input, user) -> times
    for e in events:
        if e.outcome == "success" and e.user and e.time is not None and _refers(e, side, measured, captured):
            refs.setdefault((e.source.input, e.user.casefold()), []).append(
                e.time - measured.get(e.source.input, timedelta(0)))
    for r in messages:
        m = r.message
        a = consumed_assertion(m) if m.kind == "Response" and not m.logged_by and m.captured_at else None
        if a is not None:
            names = {a.name_id.value} if a.name_id and a.name_id.value else set()
            names.update(v for x in a.attributes for v in x.values if v)
            for name in names:
                refs.setdefault((m.source.input, name.casefold()), []).append(m.captured_at)
    by_user: dict[str, list[tuple[str, list[datetime]]]] = {}
    for (ref, user), times in refs.items():
        times.sort()
        by_user.setdefault(user, []).append((ref, times))
    per_src: dict[str, dict[str, list[datetime]]] = {}  # log -> user -> its sorted times
    for (src, user), times in logged.items():
        times.sort()
        per_src.setdefault(src, {})[user] = times
    deltas: dict[str, dict[str, list[float]]] = {}  # log -> reference input -> deltas
    for src, users in per_src.items():
        shifts = _zone_shifts(src, users, by_user) if src in local else (timedelta(0),)
        deltas[src] = max((_user_deltas(src, users, by_user, shift) for shift in shifts),
                          key=lambda per_ref: sum(map(len, per_ref.values())))

    def trusted(v: list[float]) -> bool:
        return len(v) >= 3 or len(v) == 2 and max(v) - min(v) <= PAIRS_AGREE

    out = Offsets()
    for src, per_ref in deltas.items():
        if captured:  # (the captures' and the corrected IdP logs' times are all the captures')
            v = [d for ds in per_ref.values() for d in ds]
            if trusted(v):
                out[src] = timedelta(seconds=median(v))
            continue
        best = min(((-len(v), ref) for ref, v in per_ref.items() if trusted(v)), default=None)
        if best is not None:  # (most pairs; of equals, the first by name)
            out[src] = timedelta(seconds=median(per_ref[best[1]]))
            out.against[src] = best[1]
    return out


IDP_LAG = timedelta(minutes=1)
"""An IdP log's login line comes before the response by the user's own time at the IdP (password,
MFA; Entra's sign-in log dates the sign-in's start): an IdP log's offset measured by user within
it is that lag, no clock's."""


def _idp_offsets(offsets: Offsets) -> Offsets:
    """The IdP logs' offsets measured by user (_offsets_by_user) that say something: a time zone
    (zone_part) or a clock a minute or more off (IDP_LAG)."""
    kept = {src: off for src, off in offsets.items() if zone_part(off) is not None or abs(off) >= IDP_LAG}
    return Offsets(kept, {src: ref for src, ref in offsets.against.items() if src in kept})


def _measures(e: LogEvent, side: str, measured: dict[str, timedelta], captured: bool) -> bool:
    """An event _offsets_by_user measures its log's offset on: an SP log's success or failure that
    names its user; an IdP log's login of a user (its failures may never reach the SP), without a
    capture only in a log written in local time (the one whose hours are in doubt)."""
    if e.side != side or not e.user or e.time is None or e.source.input in measured:
        return False
    return side == "sp" or e.outcome == "success" and (captured or e.local_time)


def _refers(e: LogEvent, side: str, measured: dict[str, timedelta], captured: bool) -> bool:
    """A success _offsets_by_user measures `side`'s logs against: for an SP log, an IdP log's (on
    the capture's time, corrected when measured); for an IdP log, one of a log already measured
    (corrected), or without a capture another IdP log's whose times carry their zone (UTC 'Z':
    idp-audit.log; the IdP's clock stays the reference of the SP logs then)."""
    if side == "sp":
        return e.side == "idp"
    return e.source.input in measured if captured else e.side == "idp" and not e.local_time


ZONE_REACH = timedelta(hours=14)
"""The farthest a log's local time is from UTC (UTC+14, Kiribati; UTC-12 the other way)."""


def _zone_shifts(src: str, users: dict[str, list[datetime]], by_user) -> list[timedelta]:
    """The time zones a log written in local time may be in, nearest first: no shift, then the whole
    (or half) hours (zone_part) its users' first logins are from the same users' logins in a
    reference, for two users or more (a login paired with another of its user by chance rarely
    agrees with another user's). Runs are paired within PAIR_WINDOW: a zone must be removed first."""
    from bisect import bisect_left, bisect_right

    votes: Counter = Counter()
    for user, times in users.items():
        zones = set()
        for ref, ref_times in by_user.get(user, ()):
            if ref != src:
                lo, hi = bisect_left(ref_times, times[0] - ZONE_REACH), bisect_right(ref_times, times[0] + ZONE_REACH)
                zones.update(zone_part(times[0] - r) for r in ref_times[lo:hi])
        votes.update(zones - {None})
    return [timedelta(0), *sorted((z for z, n in votes.items() if n >= 2), key=abs)]


def _user_deltas(src: str, users: dict[str, list[datetime]], by_user, shift: timedelta) -> dict[str, list[float]]:
    """Per reference input, the (log time - reference time) of the logins paired run by run
    (_run_deltas) once the log's times are moved back by `shift` (a zone, _zone_shifts)."""
    out: dict[str, list[float]] = {}
    seconds = shift.total_seconds()
    for user, times in users.items():
        moved = [t - shift for t in times] if shift else times
        for ref, ref_times in by_user.get(user, ()):
            if ref != src:
                out.setdefault(ref, []).extend(d + seconds for d in _run_deltas(moved, ref_times))
    return out


def _runs(times: list[datetime]) -> list[list[datetime]]:
    """Sorted times cut where two are more than PAIR_WINDOW apart: one login, or one burst."""
    runs: list[list[datetime]] = []
    for t in times:
        if runs and t - runs[-1][-1] <= PAIR_WINDOW:
            runs[-1].append(t)
        else:
            runs.append([t])
    return runs


def _run_deltas(times: list[datetime], ref_times: list[datetime]) -> list[float]:
    """(log time - reference time) of one user's logins in a log and in a reference (both sorted),
    paired run by run (_runs): a run of the log and one of the reference, each the only run of
    its side within PAIR_WINDOW of the other, of as many logins, whose k-th logins are paired and
    keep one rhythm (their deltas within PAIRS_AGREE s: a login loop's five rounds, seen by the SP
    and by the IdP). A lone login is a run of one."""
    from bisect import bisect_left, bisect_right

    runs, ref_runs = _runs(times), _runs(ref_times)
    starts, ends = [r[0] for r in runs], [r[-1] for r in runs]
    ref_starts, ref_ends = [r[0] for r in ref_runs], [r[-1] for r in ref_runs]
    out: list[float] = []
    for run in runs:
        lo, hi = bisect_left(ref_ends, run[0] - PAIR_WINDOW), bisect_right(ref_starts, run[-1] + PAIR_WINDOW)
        if hi - lo != 1 or len(ref := ref_runs[lo]) != len(run):
            continue
        if bisect_right(starts, ref[-1] + PAIR_WINDOW) - bisect_left(ends, ref[0] - PAIR_WINDOW) != 1:
            continue
        d = [(t - r).total_seconds() for t, r in zip(run, ref)]
        if max(d) - min(d) <= PAIRS_AGREE:
            out += d
    return out


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


KEY_FANOUT = 8
"""How many earlier pieces sharing one key a piece may be compared with. A login has a handful of
pieces per ID; thousands of uses of one SAML ID under different SP requests are a replay storm,
and comparing each new piece with all of them would make correlation quadratic."""


def _link_by_keys(pieces, groups: _Groups) -> None:
    """Join pieces that name the same SAML ID or flow ID, unless that would merge two attempts
    (two responses to one AuthnRequest, a replayed response)."""
    owners: dict[str, list[int]] = {}
    for i, p in enumerate(pieces):
        for key in [f"id:{x}" for x in p.ids] + list(p.flow_keys) if p.ids else p.flow_keys:
            seen = owners.get(key)
            if seen is None:  # the first piece with this key (most keys): nothing to join yet
                owners[key] = [i]
                continue
            fits = [j for j in seen[-KEY_FANOUT:]
                    if not _conflict(pieces, groups, i, j) and (key[:6] != "relay:" or _relay_fits(p, pieces[j]))
                    and not _later_use(p, pieces[j])]
            if len(fits) > 1:  # one response posted twice: its log lines belong to the nearer post
                groups.union(min(fits, key=lambda j: _distance(pieces[i], pieces[j])), i)
            elif fits:
                groups.union(fits[0], i)
            seen.append(i)


def _link_copies(pieces, groups: _Groups) -> None:
    """Join the copies of one IdP event in two of its exports (Keycloak's server log and its admin
    API's events JSON; an Okta System Log as CSV and as JSON): same product, outcome, codes,
    application, IP and user, at the same second (one export may cut the milliseconds the other
    keeps). Each is one login with both places as evidence; an export's own repeats of a key (two
    refusals in one second) are left to the other links, and each export's first copy pairs once."""
    firsts: dict[tuple, dict[str, int]] = {}
    for i, p in enumerate(pieces):
        if p.kind != "log" or p.side != "idp" or p.time is None or p.outcome not in ("failure", "success"):
            continue
        key = (p.product, p.outcome, p.raw_code, p.log_code, p.sp, p.ip, p.user.casefold() if p.user else None,
               p.time.replace(microsecond=0))
        by_input = firsts.setdefault(key, {})
        if p.input not in by_input:
            by_input[p.input] = i
            if len(by_input) > 1 and not _conflict(pieces, groups, next(iter(by_input.values())), i):
                groups.union(next(iter(by_input.values())), i)


def _later_use(a: _Piece, b: _Piece) -> bool:
    """A log line naming the ID of a response captured more than WINDOW away (clocks corrected):
    an SP handles a POST within seconds, so this is another use of the response (a replay of a
    captured one an hour later), not the captured login; the log line keeps the capture to say so."""
    log, post = (a, b) if b.kind == "capture" else (b, a)
    if log.kind != "log" or post.kind != "capture" or post.response is None or post.copy \
            or log.time is None or post.time is None or _distance(a, b) <= WINDOW.total_seconds():
        return False
    if post.time < log.time and log.earlier_use is None:
        log.earlier_use = post
    return True


def _relay_fits(a: _Piece, b: _Piece) -> bool:
    """A RelayState joins two pieces only close in time and when their SAML IDs do not tell them
    apart: many SPs send a constant RelayState (the return URL), shared by every login."""
    if _distance(a, b) > WINDOW.total_seconds():
        return False
    return not (a.ids and b.ids and not set(a.ids) & set(b.ids))


def _distance(a: _Piece, b: _Piece) -> float:
    if a.time is None or b.time is None:
        return float("inf")
    return abs((a.time - b.time).total_seconds())


def _decisions(pieces, groups: _Groups, indices) -> dict[int, set]:
    """Root -> (product, side) of the log lines among `indices` that decide a login (failure or
    success), for _join_undecided."""
    decided: dict[int, set] = {}
    for i in indices:
        p = pieces[i]
        if p.kind == "log" and p.outcome in ("failure", "success"):
            decided.setdefault(groups.find(i), set()).add((p.product, p.side))
    return decided


def _join_undecided(pieces, groups: _Groups, decided: dict[int, set], i: int, j: int) -> None:
    """Join the groups of i and j, unless both hold a decision of one product and side (without a
    shared ID that is the user's next try, not the same attempt: unless the two lines are one
    request's, _one_request) or they conflict."""
    ri, rj = groups.find(i), groups.find(j)
    mine, theirs = decided.get(ri, set()), decided.get(rj, set())
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
        for key in (f"user:{n}" for n in p.aka):
            j = last_by_sp.get(key)
            if j is not None and p.time - pieces[j].time <= MOMENT:
                _join_undecided(pieces, groups, decided, i, j)
            aka_last[key] = i
        if p.user and _sp_line(p):
            last_by_sp.update((key, i) for key in keys)


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


def _link_by_moment(pieces, groups: _Groups) -> None:
    """A failure logged with neither a SAML ID nor a user (SonarQube's auth.event with an empty
    login, an IdP error page in a capture) joins the nearest failure of the other kind (capture vs
    log) on the same side within MOMENT, when that group has no such evidence yet."""
    from bisect import bisect_left, bisect_right

    failures = sorted((i for i, p in enumerate(pieces) if p.outcome == "failure" and p.time and p.side),
                      key=lambda i: pieces[i].time)
    # (kind, side) -> its failures in time order, and their times: a failure looks only among
    # those of the other kind on its side (a scan of logs alone has none to look at)
    by_kind: dict[tuple, tuple[list[int], list]] = {}
    for i in failures:
        idx, times = by_kind.setdefault((pieces[i].kind, pieces[i].side), ([], []))
        idx.append(i)
        times.append(pieces[i].time)
    if not any((other, side) in by_kind for kind, side in by_kind
               for other in ("log", "capture") if other != kind):
        return
    present: dict[int, set] = {}  # root -> the (kind, side) of its pieces
    for j, q in enumerate(pieces):
        present.setdefault(groups.find(j), set()).add((q.kind, q.side))

    def has(i, kind, side):
        return (kind, side) in present[groups.find(i)]

    for i in failures:
        p = pieces[i]
        other_kind = "log" if p.kind == "capture" else "capture"
        candidates, times = by_kind.get((other_kind, p.side), ((), ()))
        if not candidates or p.user or has(i, other_kind, p.side):
            continue
        window = candidates[bisect_left(times, p.time - MOMENT):bisect_right(times, p.time + MOMENT)]
        near = [j for j in window if not has(j, p.kind, p.side) and _same_sp(p, pieces[j])]
        if near:
            j = min(near, key=lambda j: abs(pieces[j].time - p.time))
            if not _conflict(pieces, groups, i, j):
                a, b = groups.find(i), groups.find(j)
                groups.union(i, j)
                present[groups.find(i)] = present.pop(a) | present.pop(b)


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
        sp_names = {q.sp.casefold() for q in g if q.sp}
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


def _joinable(groups: _Groups, i: int, j: int) -> bool:
    """No category of the two groups' identities (_with_identity) names two values: a broker hop
    and the SP's login are apart only by their responses' own categories."""
    return not _two_values(_as_sets(groups.identity(groups.find(i))), _as_sets(groups.identity(groups.find(j))))


def _with_identity(p: _Piece) -> _Piece:
    """What makes an attempt distinct: its captured response, or the SP's own request ID, as
    (category, value) pairs (a tuple: 100,000s of pieces, most with one pair or none)."""
    # a copy (a saved value, the decoded XML) is no post of its own, but a copy of one response:
    # it joins its post's attempt and no other response's (by the ID both carry)
    # (a broker hop's response under its own names: one login holds it beside the realm's response
    # to the SP, joined only by _link_broker_hops; _conflict keeps them apart otherwise)
    rid, post = ("hop-response-id", "hop-response") if p.hop else ("response-id", "response")
    pairs = [(rid, p.response[0])] if p.response is not None else []
    if p.response is not None and not p.copy:
        pairs.append((post, p.response))
    pairs += [(key.split(":req:")[0], key) for key in p.flow_keys if ":req:" in key]
    p.identity = tuple(pairs)
    return p


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


_CAUSE_CODES = frozenset(c for c, s in SPECS.items() if s.group == "cause")
"""Codes only a log can tell (SPECS is fixed at import: looked up once, not per attempt)."""


_KEY_REFUSALS = frozenset({"signature-invalid", "signature-cert-mismatch"})
"""What an SP's log says when the key it holds does not verify the signature (not a signature it
requires elsewhere, a weak algorithm it refuses, or a replay)."""


def _cause(members: list[_Piece], unheld: Unheld | None = None) -> tuple[str | None, list[str], str | None]:
    """The root cause code, notes on disagreements between the SAML findings and the logs, and the
    log code of the line the cause was read from when that line names another code (Spring's
    signature-invalid of a SHA-1 response is signature-weak-algorithm): that line is the attempt's
    decisive one. `unheld`: the IdP metadata's signing certificates the SP's settings lack
    (unheld_signers)."""
    found: set = set()
    sp_codes, idp_codes = [], []
    captured = False  # a capture among the pieces
    for p in members:
        if p.codes:
            found.update(p.codes)
        if p.kind == "capture":
            captured = True
        if p.log_code and p.outcome == "failure":
            if p.side == "sp":
                sp_codes.append(p.log_code)
            elif p.side == "idp":
                idp_codes.append(p.log_code)
    saml = sorted(found, key=cause_rank) if found else []
    specific_sp = [c for c in sp_codes if c not in _GENERIC]
    specific_idp = [c for c in idp_codes if c not in _GENERIC] if idp_codes else []
    notes = []
    said = specific_sp[0] if specific_sp else None
    if said in _EXPLAINED_BY:
        explaining = [w for w in _EXPLAINED_BY[said] if any(w in p.warnings for p in members)]
        if explaining:  # e.g. Spring's 'No assertions found' about an encrypted assertion it dropped
            return explaining[0], [f"the SP log says {said}: the captured response shows why ({explaining[0]})"], said
    # Only what a check of the message itself could have seen can disagree with it (a replay or
    # a lost cookie cannot be read from one response).
    checkable = captured and said is not None and said in SPECS and SPECS[said].group in _MESSAGE_GROUPS \
        and said != "assertion-replayed" and any(p.kind == "capture" and p.response for p in members)
    # the SP refused the signature, and with the settings given samlscan finds another fault only:
    # the SP held another certificate or setting then (fixed since); its refusal is the cause. (A
    # replay, in the signature group, is no judgement of the signature: a reuse of the response.)
    refused_signature = said is not None and said in SPECS and SPECS[said].group == "signature" and bool(saml) \
        and said != "assertion-replayed" and not any(SPECS[c].group == "signature" for c in saml if c in SPECS) \
        and any(p.verified for p in members)
    if refused_signature:
        then = "it held another IdP certificate then" if said in _KEY_REFUSALS else \
            "it judged the signature with other settings then"
        return said, notes + [f"the SP log says {said}; with the settings given the signature passes and "
                              f"samlscan's checks find {', '.join(saml[:3])}, which the SP meets next ({then})"], None
    if checkable and said == "signature-invalid" and _sha1_refused(members, saml):
        return "signature-weak-algorithm", notes + [
            f"the SP log says {said}, and the captured response verifies here: it is signed with SHA-1, the one "
            "thing in it an SP may refuse (Java 17+ forbids rsa-sha1 in the JDK's own XML signature "
            "validation; OpenSAML 4's defaults exclude only MD5, so a Spring SP refuses SHA-1 when its security "
            "configuration or JVM policy says so: if the SP holds this certificate, that is why)"], said
    if checkable and saml and said not in saml and not _CONFIRMED_BY.get(said, frozenset()).intersection(saml):
        notes.append(f"the SP log says {said} but the captured response shows {', '.join(saml[:3])}")
    elif checkable and not saml and SPECS[said].group == "signature" and any(p.trust_unchecked for p in members):
        notes.append(f"the SP log reports {said}: samlscan could not judge the signature, no IdP certificate "
                     "was given (--idp-cert, --idp-metadata or the SP's settings)")
    elif checkable and not saml and said == "signature-invalid" and _metadata_signer(members):
        notes.append(f"the SP log reports {said} but the captured response verifies with the IdP metadata's "
                     f"signing certificate {_metadata_signer(members)}: the SP holds another one")
    elif checkable and not saml:
        notes.append(_asked_acs_note(members, said) or
                     f"the SP log reports {said} but the captured response passes that check here "
                     "(does the SP run with other settings than those given to samlscan?)")
    # Causes only a log can tell win over SAML details (e.g. a lost OAUTHSTATE cookie). So does
    # the SP's own replay refusal: it checks the ID once the message passed its checks (java-saml's
    # processResponse, Spring's validation), so what samlscan finds in the message with the
    # settings it was given (an old certificate) is not why this POST was refused.
    only_logs = [c for c in specific_sp + specific_idp if c in _CAUSE_CODES or c == "assertion-replayed" and c == said]
    if only_logs:
        if only_logs[0] == "assertion-replayed" and saml:
            notes.append(f"samlscan's checks of the response also find {', '.join(saml[:3])}, which the "
                         "SP did not report: it validates with other settings than samlscan was given")
        return only_logs[0], notes, None
    if said in saml:  # the SP's own reason, which the message confirms
        return said, notes, None
    if said and saml and not captured \
            and all(SPECS[c].group == "time" for c in saml if c in SPECS):
        # only the SP's log copy of the response was checked, at the log line's time (a log in
        # local time read as UTC is hours off): the SP's stated reason is what happened
        return said, notes + [f"samlscan's checks of the logged response also find {', '.join(saml[:3])} "
                              "(judged at the log line's time: pass --timezone if the log is in local time)"], None
    before = [w for w in _STOPPED_BEFORE.get(saml[0], ()) if any(w in p.warnings for p in members)] \
        if saml and not _engines(members) - _SPRING else []  # (an SP log of another engine: it decrypts)
    if before:  # the SP stops at that warning before it meets samlscan's finding
        return before[0], notes + [f"samlscan's checks also find {saml[0]}, which an SP that stops at "
                                   f"{before[0]} never meets (fix {before[0]} first)"], None
    if saml:
        return saml[0], notes, None
    if said in _KEY_REFUSALS and _unheld_judges(members, unheld) and unheld.signing:
        # no message to judge, but the settings do: the SP verifies with a key of its own settings
        # and the IdP metadata publishes a signing certificate it lacks (a rollover the SP missed)
        return "signature-cert-mismatch", notes + [
            f"the SP log says {said}; the IdP metadata given publishes the signing certificate {unheld.names}, "
            "which the SP's settings do not hold"], said
    if said in _KEY_REFUSALS and _unheld_judges(members, unheld):
        notes = notes + [f"the IdP metadata given also publishes the signing certificate {unheld.names}, which "
                         "the SP's settings lack: if the IdP signs with it already (a rollover), that is why"]
    for c in specific_sp + specific_idp:
        return c, notes, None
    if any("assertion-replayed" in p.warnings for p in members):
        return "assertion-replayed", notes, None
    lost = sorted({c for p in members for c in p.warnings} & _GROUP_LOSS)
    if lost and _sonarqube_server(members):  # it logs in without groups (its group setting is optional)
        notes = notes + [f"the response lost its groups ({', '.join(lost)}), which SonarQube Server does not "
                         "refuse a login for: its web.log says why it refused"]
    elif lost:  # a generic refusal, and the response carries no usable group claim
        return "group-sync-failed", notes + [f"the response lost its groups ({', '.join(lost)})"], None
    mapping = sorted({c for p in members for c in p.warnings} & _EMAIL_LOSS, key=cause_rank)
    if mapping:  # a generic refusal by an SP for which the email was only a warning (SonarQube)
        return mapping[0], notes, None
    if any("clock-skew" in p.warnings for p in members):  # the one thing in the response the SP may refuse
        return "clock-skew", notes + ["the SP refused the login without saying why, and the response was issued "
                                      "at a time far from the capture's: an SP whose clock tolerance is smaller "
                                      "than the gap refuses it (the likely cause; its own log would say; the "
                                      "capture's times are the browser's clock, which may be the one off)"], None
    generic = [c for c in sp_codes + idp_codes if c]
    return (generic[0] if generic else None), notes, None


_CONFIRMED_BY = {"signature-invalid": frozenset({"signature-cert-mismatch", "signature-reference-invalid",
                                                 "signature-wrapping", "xml-reformatted"}),
                 # one wrong ACS at the IdP writes both: the Recipient is said in the Destination's
                 # finding (checks/protocol.py fold_recipient)
                 "recipient-mismatch": frozenset({"destination-mismatch"}),
                 # java-saml's 'Invalid Signature Element <el> SAML Response rejected' (WRONG_SIGNED_ELEMENT,
                 # catalog: signature-wrapping) is what samlscan names by the layout it finds
                 "signature-wrapping": frozenset({"signature-misplaced", "signature-missing"})}
"""An SP's generic refusal and the specific reasons a check of the captured message gives for it
(Spring's and java-saml's 'signature validation failed' is what a key the SP does not hold makes)."""


def _sha1_refused(members: list[_Piece], saml: list[str]) -> bool:
    """A Spring/OpenSAML SP's signature refusal of a response that verifies here and uses SHA-1:
    SHA-1 is the one thing left to refuse. Java 17+ forbids rsa-sha1 in the JDK's own XMLDSig
    (jdk.xml.dsig.secureValidationPolicy; keycloak/keycloak#16273, keycloak-documentation#1739:
    'verifying signatures will not work ... on Java 17 or later'). OpenSAML validates with Apache
    Santuario, not the JDK's XMLDSig, and its default SignatureValidationConfiguration excludes only
    MD5 (DefaultSecurityConfigurationBootstrap, OpenSAML 4): a Spring SP refuses SHA-1 by its own
    configuration, not by default, so the note says so rather than asserting it."""
    return not any(SPECS[c].group == "signature" for c in saml if c in SPECS) \
        and any(p.verified and "signature-weak-algorithm" in p.warnings for p in members) \
        and bool(_engines(members) & _SPRING)


def _engines(members: list[_Piece]) -> set[str]:
    """The SAML engines of the attempt's SP log lines (SonarQube's by its line's catalog entry:
    java-saml up to 10.x, Spring/OpenSAML from 2025.1); empty without an SP log or a known engine
    (a line naming no library is read as java-saml, a guess: LogEvent.guessed)."""
    out = set()
    for p in members:
        if p.kind == "log" and p.side == "sp" and p.product and not p.guessed:
            entry = _text_entry(p.text, p.product) if p.product == "sonarqube" and p.text else None
            out.add(entry.product if entry is not None else p.product)
    return out - {"sonarqube"}


def _metadata_signer(members: list[_Piece]) -> str | None:
    """The IdP metadata's certificate a response of the attempt verifies with, when no check of a
    response found fault with a signature (the SP's refusal then says it lacks that certificate)."""
    if any(SPECS[c].group == "signature" for p in members for c in p.codes if c in SPECS):
        return None
    return next((p.metadata_signer for p in members if p.metadata_signer), None)


def _sonarqube_server(members: list[_Piece]) -> bool:
    """SonarQube Server took the login: its web.log is part of it, or a response went to its ACS on
    a host of its own (SonarQube Cloud's hosts aside)."""
    return any(p.product == "sonarqube" or is_sonarqube_acs(p.acs) for p in members)


def _asked_acs_note(members: list[_Piece], said: str) -> str | None:
    """Why the SP refused a Destination samlscan finds right: its own AuthnRequest asked for
    another ACS, the one it compares with (SonarQube builds it from sonar.core.serverBaseURL, so an
    http:// base URL behind a TLS proxy refuses the IdP's https Destination)."""
    if said not in ("destination-mismatch", "recipient-mismatch"):
        return None
    asked = next((p for p in members if p.acs and p.kind == "capture" and p.response is None), None)
    sent = next((p.acs for p in members if p.acs and p.response is not None), None)
    if asked is None or sent is None or asked.acs == sent:
        return None
    said_by = (f"the SP log reports {said}: the SP's own AuthnRequest ({_where(asked)}) asks for ACS {asked.acs}, "
               f"the IdP sent the response to {sent}: ")
    engine = next((e.product for p in members if p.log_code == said and p.text
                   and (e := _catalog_entry(p, said)) is not None), None)
    if engine == "java-saml":  # SamlIdentityProvider.callback (catalog.json, java-saml WRONG_DESTINATION)
        return said_by + ("java-saml (SonarQube 10.x and earlier) compares the Destination with the URL the "
                          "request arrived on, rebuilt from X-Forwarded-Proto and Host (an http:// one: a TLS "
                          "proxy that does not send X-Forwarded-Proto: https), not with the ACS samlscan was given")
    return said_by + ("the SP compares with its own ACS, not the one samlscan was given (SonarQube 2025.1+, "
                      "Spring: sonar.core.serverBaseURL + /oauth2/callback/saml)")


def _order(p: _Piece) -> tuple:
    """Time, then place: 'line 3' before 'line 12' (a shorter ref of one input is an earlier line)."""
    ref = p.ref or ""
    return (p.time is None, p.time.timestamp() if p.time else 0, p.input, len(ref), ref)


def _attempt(members: list[_Piece], judged: bool = False, unheld: Unheld | None = None) -> Attempt:
    """One attempt from its pieces, in time order (one pass: a big scan builds 100,000s).
    `judged`: the findings of responses sent to another SP are already left out; `unheld`:
    unheld_signers."""
    if len(members) > 1:
        members.sort(key=_order)
    outcomes = set()
    warnings: set = set()
    found: set = set()
    user = idp = sp = idp_product = sp_product = decisive = other_sp = earlier = None
    user_rank = (True, True)  # (opaque, not captured) of `user`: a name over a NameID, a capture's first
    sp_rank = _SP_DESTINATION + 1
    sonar = elsewhere = captured = False  # SonarQube's log is part of it; a response went to another SP
    sps: dict = {}  # every name of the SP in the pieces, for Attempt.sp_aka
    for p in members:
        outcomes.add(p.outcome)
        if p.kind == "capture":
            captured = True
        if p.warnings:
            warnings.update(p.warnings)
        if p.codes:
            found.update(p.codes)
        if p.log_code:
            found.add(p.log_code)
        if p.user or p.login:
            name, opaque = _shown_user(p)
            if name and (user is None or (opaque, p.kind != "capture") < user_rank):
                user, user_rank = name, (opaque, p.kind != "capture")
        idp = idp or p.idp
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
        return _attempt([_unjudged(p) if p.elsewhere else p for p in members], True, unheld)
    if sonar and any(_EMAIL_LOSS.intersection(p.codes) for p in members):
        # SonarQube Server's own log is part of it: the SP is Server, which logs in without an email
        # (the checks make them warnings only under --profile sonarqube, which a scan may lack); a
        # log line's own code stays (SonarQube said it: it was the cause)
        return _attempt([_email_optional(p) for p in members], judged, unheld)
    if any("app-not-found" in p.codes for p in members) and any(p.idp for p in members
                                                                  if "app-not-found" not in p.codes):
        # a response came back (only a Response piece names the IdP): the IdP found the application
        # the AuthnRequest's Issuer named, whatever the configured SP entity ID (checks/request.py)
        return _attempt([_app_found(p) for p in members], judged, unheld)
    if found - _GENERIC:  # a generic log text ('Found 2 validation errors') beside what it wraps
        found -= _GENERIC
    has_failure = "failure" in outcomes
    disputed = has_failure and _accepted_by_sp(members)
    if disputed:  # the SP's word on what it did wins over samlscan's prediction from a copy
        has_failure = False
    outcome = "failure" if has_failure else ("success" if "success" in outcomes else "unknown")
    cause, notes, read_from = _cause(members, unheld) if has_failure else (None, [], None)
    signer = _metadata_signer(members) if cause == "signature-invalid" else None
    if signer:  # the SP refused a response that verifies with the IdP metadata's certificate: it holds another
        cause, read_from = "signature-cert-mismatch", read_from or "signature-invalid"
    if disputed:
        notes = [_disputed_note(found - _GENERIC)]
    spec = SPECS.get(cause) if cause else None
    fix = entry = None
    if has_failure:
        # the IdP product whose screens a fix names: an IdP log's, else its default Issuer's, else its SSO URL's
        named_idp = idp_product or issuer_product(idp) or next((p.sso_product for p in members if p.sso_product), None)
        for p in members:
            if p.hints and p.hints.get(cause):
                fix = p.hints[cause]
                break
        fix = fix or (spec.fix if spec else None)
        named = [p for p in members if p.log_code == cause and p.text] if cause else []
        # else the line the cause was read from (its catalog entry is of its own code: not looked up)
        decisive = named[0] if named else next((p for p in members if read_from and p.log_code == read_from
                                                 and p.outcome == "failure" and p.text), None)
        # who acts and how: the catalog's entry of a log line or capture step that names the cause
        entry = next((e for p in named if (e := _catalog_entry(p, cause)) is not None), None)
        if entry is not None and entry.fix and fix == (spec.fix if spec else None):
            fix = entry.fix
        elif entry is not None and entry.fix and fix != entry.fix:
            # a check's hint names the exact value and setting; the catalog's fix for the log line,
            # where in the attempt's IdP's console to act: the fix says both
            fix = with_idp_part(fix, entry.fix, named_idp)
        if fix and signer:  # (the IdP rotated)
            fix = f"{fix.rstrip('.')}. The response verifies with the IdP metadata's signing certificate " \
                  f"{signer}: the one to configure."
        if fix and cause in IDP_WHERE:  # where the attempt's IdP takes it (Auth0's addon settings)
            fix = with_idp_part(fix, IDP_WHERE[cause], named_idp)
        if decisive is not None:  # the line (or capture step) that names the cause, quoted
            notes = [f"{_where(decisive)}: {_quoted(decisive.text)}", *notes]
        if fix and not sonar and (judged or other_sp):  # another SP's settings, in its own words
            fix = _other_sp_fix(fix, cause, other_sp)
        if fix and cause == "app-not-found" and sp and sp_rank == _SP_ENTITY:  # the value the IdP lacks
            fix = f"{fix.rstrip('.')}. The SP entity ID this login sent: {sp!r}."
        if fix and cause == "signature-cert-mismatch" and _unheld_judges(members, unheld) and unheld.signing:
            fix = f"{fix.rstrip('.')}. The IdP metadata's signing certificate the SP lacks: {unheld.names}."
    elif outcome == "unknown":  # where a capture's login stopped, and what to ask the user for
        notes = [f"{_where(p)}: {p.text}" + (f"; ask the user for {p.stop}" if p.stop else "")
                 for p in members if p.stop is not None and p.text]
    else:
        lost_groups = warnings & _GROUP_LOSS
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
    # who must act: a finding's own word, else the catalog's for the line that names the cause (an
    # empty Destination in SonarQube's log is the IdP's to fix, not the SP's as destination-mismatch
    # usually is), else the code's
    side = next((p.sides[cause] for p in members if p.sides and cause in p.sides), None) if has_failure else None
    side = side or (entry.side if entry is not None else None)
    return Attempt(members[0].time, user, outcome, cause, side or (spec.side if spec else None), fix,
                   tuple(sorted(found | warnings)), tuple(places.values()), idp or idp_product, the_sp,
                   tuple(notes), decisive, (idp_product,) if idp and idp_product else (),
                   tuple(n for n in (*sps, sp_product) if n and n != the_sp) if sps else ())


def _login_attempt(members: list[_Piece], unheld: Unheld | None = None) -> Attempt:
    """_attempt, for a brokered login (_link_broker_hops) by the hop where it broke: the last one
    that failed. Keycloak's response to the SP says it took the external IdP's (hop 1 passed):
    the SP's exchange decides, hop 1 stays as evidence; without that response the login broke at
    hop 1 (the IdP refused Keycloak, or Keycloak the IdP's response), whose SP is Keycloak."""
    if not any(p.hop for p in members) or not any(p.predicted and p.kind == "capture" and not p.hop
                                                  for p in members):
        return _attempt(members, unheld=unheld)
    members.sort(key=_order)
    idp = _hop_idp(members)
    answer = next((p for p in members if p.response is not None and not p.hop and not p.copy), None)
    if answer is not None:  # hop 2 decides: hop 1's findings did not stop Keycloak
        said = sorted({c for p in members if p.hop for c in p.codes}, key=cause_rank)
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
    a = _attempt(members, unheld=unheld)
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
           f"the response find {', '.join(sorted(found, key=cause_rank)[:3])}: "
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


def _catalog_entry(p: _Piece, cause: str):
    """The catalog's entry for the line that names the cause, when it is that cause's: its fix
    names the setting ('sonar.auth.saml.sp.privateKey.secured' beats the code's 'fix the SP's SAML
    settings as the log message says') and its side who must act. Found as the reader found it
    (logs._common.classify): by the product's own code first, then by the text."""
    if p.kind != "log":
        # a capture step quoting SonarQube's own error (its AUTHENTICATION-ERROR cookie, flow_cause):
        # the text of SonarQube or of its engine, as its web.log line would say it
        from samlscan.catalog import own_texts

        entry = _text_entry(p.text, "sonarqube") if p.side == "sp" and p.product is None and p.text else None
        return entry if entry is not None and entry.code == cause and entry.product in own_texts("sonarqube") else None
    # (the code's entry even when it is unknown-failure: a reader may keep it although a word of
    # the line would name another code, as Keycloak's broker event with error=invalid_saml_response)
    entry = _code_entry(p.product, p.raw_code) if p.raw_code and p.product else None
    if entry is None or entry.code != cause:
        entry = _text_entry(p.text, p.product)
    return entry if entry is not None and entry.code == cause else None


@lru_cache(maxsize=4096)
def _code_entry(product: str, raw_code: str):
    from samlscan import catalog

    return catalog.lookup_code(product, raw_code)


@lru_cache(maxsize=4096)
def _text_entry(text: str, product: str | None):
    """(A failure repeats for every login until it is fixed: its text is looked up once; a text
    with a fresh ID in it costs a catalog pass, 50 us.)"""
    from samlscan import catalog

    return catalog.lookup(text, product)


def _accepted_by_sp(members: list[_Piece]) -> bool:
    """The SP logged the login's success, or the browser was let in, and nothing seen (a log line,
    a capture step) says it failed: only samlscan's checks of the message do."""
    return not any(p.outcome == "failure" and not p.predicted for p in members) and any(
        p.outcome == "success" and not p.predicted and p.side == "sp" for p in members)


def _where(e) -> str:
    """'input [ref]' of a piece or an Evidence, as an attempt's notes quote it."""
    return e.input + (f" [{e.ref}]" if e.ref else "")


def zone_part(offset: timedelta) -> timedelta | None:
    """The whole (or half) hours of a log's measured offset when they look like a time zone (the
    log was written in local time and read as UTC); the rest, within 5 min, is the clock's own."""
    seconds = offset.total_seconds()
    half_hours = round(seconds / 1800)
    if half_hours and abs(seconds - half_hours * 1800) <= 300:
        return timedelta(seconds=half_hours * 1800)
    return None


def measured_offsets(report) -> Offsets:
    """Per log file, its clock offset to the captures, or to an IdP log without them (clock_offsets
    over the report's successes and failures): measured once, for rejudging a log's SAML copies
    and for correlating."""
    return clock_offsets(report.messages, [e for e in report.events if e.outcome in ("failure", "success")])


def zone_offsets(offsets: dict[str, timedelta]) -> dict[str, timedelta]:
    """Per log file, the time-zone part of its measured clock offset (zone_part), where it has one."""
    zones = {src: zone_part(off) for src, off in offsets.items()}
    return {src: zone for src, zone in zones.items() if zone is not None}


_SAME_RECORD = timedelta(seconds=2)
"""How far the times of two copies of one record may be apart besides a zone: one copy keeps the
fractions of a second the other cuts (AD FS's XML export holds 7 digits, its CSV and text none)."""


def _zone_apart_notes(events) -> list[str]:
    """Two logs that name the same activities (AD FS's Activity ID in its XML export and in a CSV or
    text copy) whole hours apart: one was written in local time and read as UTC (Windows' XML holds
    UTC; Get-WinEvent's CSV and Event Viewer's text, local time without a zone). Copies of one
    record are apart by the zone to the second, for most of the IDs the two logs share; an ID one
    log names again later (a Keycloak session ID in rotated files, an SSO login hours on) is not."""
    firsts: dict[str, dict[str, LogEvent]] = {}
    local: dict[str, bool] = {}
    for e in events:
        if not e.correlation_id or e.time is None:
            continue
        local[e.source.input] = local.get(e.source.input, False) or bool(e.local_time)
        firsts.setdefault(e.correlation_id, {}).setdefault(e.source.input, e)
    shared: Counter = Counter()
    apart: dict[tuple[str, str], Counter] = {}
    for by_input in firsts.values():
        (a, q), *rest = sorted(by_input.items())
        for b, e in rest:
            shared[a, b] += 1
            off = e.time - q.time
            zone = zone_part(off)
            if zone is not None and abs(off - zone) <= _SAME_RECORD:
                apart.setdefault((a, b), Counter())[zone] += 1
    notes = []
    for (a, b), zones in sorted(apart.items()):
        zone, n = zones.most_common(1)[0]
        if 2 * n < shared[a, b]:
            continue  # (a few of many IDs hours apart by chance)
        hours = f"{abs(zone.total_seconds()) / 3600:g} h"
        activities = f"{n} activit{'y' if n == 1 else 'ies'}"
        which = [x for x in (a, b) if local.get(x)]
        if len(which) == 1:  # the one whose times carry no zone
            notes.append(f"{which[0]} names {activities} of {b if which[0] == a else a} {hours} apart: its "
                         f"times are local, read as UTC (pass --timezone "
                         f"'{os.path.basename(which[0].split('!')[-1])}=<its zone>', such as Europe/Paris)")
        else:
            notes.append(f"{a} and {b} name {activities} {hours} apart: one of them is written in local time "
                         "and read as UTC (pass --timezone for it)")
    return notes


def _issued_apart(messages, events, offsets: dict[str, timedelta]) -> list[tuple]:
    """(response, the IdP log line that issued it) of each captured response whose IssueInstant (the
    IdP's clock) is a minute or more (IDP_LAG) from the capture's time, and the IdP log's one line of
    an issued login at that IssueInstant (the same clock; its zone, if the log has a measured one,
    removed): that line is the response's, the IdP's log runs as far from the capture at that
    login. Found per login: an IdP clock off for a while (a broken NTP) gives no offset of the whole
    log (_offsets_by_user's pairs disagree), and a line naming neither the user nor an ID
    (SimpleSAMLphp's STAT line) is joined by nothing else."""
    skewed = [r.message for r in messages if r.message.kind == "Response" and not r.message.logged_by
              and r.message.captured_at and r.message.issue_instant
              and abs(r.message.issue_instant - r.message.captured_at) >= IDP_LAG]
    if not skewed:
        return []
    issued: dict[str, list[LogEvent]] = {}
    for e in events:
        if e.side == "idp" and e.outcome == "success" and e.time is not None:
            issued.setdefault(e.source.input, []).append(e)
    pairs, said = [], set()
    for src, lines in issued.items():
        off = offsets.get(src, timedelta(0))
        lines.sort(key=lambda e: e.time)
        zone = zone_part(off) or timedelta(0)
        times = [e.time - zone for e in lines]
        for m in skewed:
            e = _issuing_line(m, lines, times)
            if e is None or abs(e.time - off - m.captured_at) < IDP_LAG or (id(e), m.id) in said:
                continue  # (none, the log's measured offset says it, or a copy of a response said)
            said.add((id(e), m.id))
            pairs.append((m, e))
    return pairs


def _issued_apart_note(m, e: LogEvent) -> str:
    gap = (m.issue_instant - m.captured_at).total_seconds()
    return (f"{_where(e.source)} logs at {e.time:%H:%M:%S} the response {_where(m.source)} "
            f"received at {m.captured_at:%H:%M:%S} (its IssueInstant "
            f"{m.issue_instant:%H:%M:%S}, the IdP's clock): that IdP log ran {abs(gap):.0f} s "
            f"{'ahead of' if gap > 0 else 'behind'} the capture at that login (look for "
            f"its lines {abs(gap) / 60:.0f} min {'later' if gap > 0 else 'earlier'})")


def _link_issued_apart(pairs: list[tuple], at: dict[int, int], groups: _Groups) -> None:
    """Each such response and its issuing line are one login: minutes apart in the evidence's
    times, the line was an attempt of its own, a success beside the refused one (case 16)."""
    for m, e in pairs:
        if id(m) in at and id(e) in at:
            groups.union(at[id(m)], at[id(e)])


def _issuing_line(m, lines: list[LogEvent], times: list[datetime]) -> LogEvent | None:
    """The one line of `lines` (an IdP log's issued logins, at `times` with its zone removed,
    sorted) at response `m`'s IssueInstant, within _SAME_RECORD; None if none, several, or it
    names another response or user."""
    from bisect import bisect_left, bisect_right

    lo = bisect_left(times, m.issue_instant - _SAME_RECORD)
    if bisect_right(times, m.issue_instant + _SAME_RECORD) - lo != 1:  # (none or several: no slice of a busy second)
        return None
    e = lines[lo]
    if e.saml_ids and m.id not in e.saml_ids:
        return None
    if not e.user:
        return e
    a = consumed_assertion(m)
    if a is None:  # (encrypted without the SP key: whose it is cannot be told, the line names someone)
        return None
    names = {v.casefold() for x in a.attributes for v in x.values if v}
    if a.name_id and a.name_id.value:
        names.add(a.name_id.value.casefold())
    return None if names and e.user.casefold() not in names else e


TIMELINE_NOTES = 20
"""Timeline notes listed (an admin's changes to the SP's client or the IdP's keys); more are counted."""


def _timeline_notes(events) -> tuple[str, ...]:
    """The IdP admins' changes the logs record (logs.base.TIMELINE_NOTE events: Keycloak's admin
    events), in time order: a client or key changed minutes before the failures began says why."""
    from samlscan.logs.base import TIMELINE_NOTE

    said = sorted((e for e in events if e.raw_code == TIMELINE_NOTE),
                  key=lambda e: (e.time is None, e.time.timestamp() if e.time else 0))
    notes = tuple(dict.fromkeys(e.text for e in said))  # (one change in two exports: said once)
    if len(notes) <= TIMELINE_NOTES:
        return notes
    return notes[:TIMELINE_NOTES] + (f"... and {len(notes) - TIMELINE_NOTES} more admin change(s) in the logs",)


def _untimed_pages(events) -> list[str]:
    """A note for each error page that shows no time (errorpages.read_page): its failure is judged
    at no time, never at 'now'; only the log lines it joins by its IDs date it."""
    untimed = [e for e in events if e.time is None and e.source.ref]
    if not untimed:
        return []
    from samlscan.errorpages import PAGE_REF  # (its patterns, for a constant: only when needed)

    return [f"{e.source.input}: the {e.product} error page shows no time: its failure is judged at no time "
            "(not at 'now')" for e in untimed if e.source.ref.endswith(PAGE_REF)]


def _offset_note(src: str, off: timedelta, against: str | None = None) -> str:
    """`against`: the log `src` was measured against when no capture was given (Offsets.against):
    its clock, not the capture's, is the reference, and which of the two is wrong is not known."""
    seconds = off.total_seconds()
    zone = zone_part(off)
    # a time zone is no clock running ahead: web.log in Paris time, 80 s slow, is off by +3520 s
    own = seconds - zone.total_seconds() if zone is not None else seconds
    ref = f"{against}'s" if against else "the capture's"
    clock = (f"the clock that wrote it runs {abs(own):.0f} s {'ahead of' if own > 0 else 'behind'} {ref}"
             if round(own) else f"the clock that wrote it keeps {ref} time")
    if against and round(own):
        clock += f" (or {against}'s clock is the wrong one: the logs alone cannot tell; attempts are dated by it)"
    how = (f"the logins it shares with {against}, by user and time, as no capture was given" if against
           else "the logins it shares with the captures, by SAML ID or else by user and time")
    note = (f"clock offset of {src}: {seconds:+.0f} s (measured on {how}; corrected): "
            f"{'its time zone aside, ' if zone is not None else ''}{clock}")
    if zone is not None:
        hours, minutes = divmod(abs(round(zone.total_seconds() / 60)), 60)
        given = f"{os.path.basename(src.split('!')[-1])}={'-' if zone < timedelta(0) else '+'}{hours:02d}:{minutes:02d}"
        note += (f"; about {seconds / 3600:+.1f} h looks like a time zone: pass --timezone with the "
                 f"zone that log is written in (--timezone '{given}', or its name such as Europe/Paris "
                 "for the right DST; its SAML copies were judged with that zone removed)")
    return note


def correlate(report, apps: tuple[str, ...] = (), offsets: dict[str, timedelta] | None = None, expect=None):
    """The report with its attempts filled in (one per login try). `apps`: the SP's names in IdP
    logs (--app, its entity ID), beside those the evidence shows; `offsets`: measured_offsets of
    the report, when the caller has them; `expect`: the settings the messages were judged with
    (what the SP holds tells a logged signature refusal's cause, unheld_signers)."""
    with no_cyclic_gc():
        return _correlate(report, apps, offsets, unheld_signers(expect), getattr(expect, "login_attribute", None),
                          is_cloud(getattr(expect, "acs_url", None)))


@dataclass(frozen=True)
class Unheld:
    """The IdP metadata's signing certificates an SP's settings lack (unheld_signers)."""

    certs: tuple[str, ...]
    """As fixes name them: 'CN=... (SHA-1 ...)' (_cert_name)."""
    sonarqube: bool
    """The settings are SonarQube's: its log's refusals are judged by them, another app's are not."""
    signing: bool = True
    """The IdP signs with them: the metadata no longer lists the one the SP holds, or a message of
    the scan verifies with one of them. A rollover publishes the next certificate beside the
    current one before the IdP signs with it (Shibboleth's IdPKeyRollover, AD FS's secondary
    certificate): listed alone, it is no cause, only a note (_signing_seen)."""

    @property
    def names(self) -> str:
        return ", ".join(self.certs)


def _unheld_judges(members: list[_Piece], unheld: Unheld | None) -> bool:
    """The SP settings' unheld signers tell this attempt's logged key refusal: no message of it was
    judged, and every SP line refusing a key is of the SP those settings are of (SonarQube's, not
    another app's logged beside it)."""
    return unheld is not None and not any(p.predicted for p in members) and all(
        (p.product == "sonarqube") == unheld.sonarqube for p in members
        if p.side == "sp" and p.log_code in _KEY_REFUSALS)


def unheld_signers(expect) -> Unheld | None:
    """The IdP metadata's signing certificates that the SP's own settings do not hold. Only when
    the certificates samlscan verifies with are the SP's own: beside its settings
    config._as_the_sp_holds keeps just those; without them the metadata's are trusted and
    nothing tells what the SP holds. When the metadata lists a held one too (a rollover publishes
    both), only those newer than it: an IdP rolls forward, and an SP holding the newest is fine."""
    if expect is None or not expect.idp_certs or any(METADATA_KEY in c.info.origin for c in expect.idp_certs):
        return None
    held = {c.der for c in expect.idp_certs}
    signing = expect.metadata_certs("signing")
    listed = [c.info.not_before for c in signing if c.der in held]
    lacking = [c.info for c in signing if c.der not in held and (not listed or c.info.not_before > max(listed))]
    certs = tuple(_cert_name(i) for i in lacking)
    return Unheld(certs, expect.profile == "sonarqube", signing=not listed) if certs else None


def _cert_name(info) -> str:
    """A certificate as fixes and notes name it (the form of _Piece.metadata_signer)."""
    return f"{info.subject} (SHA-1 {info.sha1})"


def _signing_seen(unheld: Unheld | None, pieces) -> Unheld | None:
    """`unheld`, signing when a message of the scan verifies with one of its certificates (trusted
    from the metadata, or named by its signature-cert-mismatch finding as the one to configure)."""
    if unheld is None or unheld.signing:
        return unheld
    seen = any(p.metadata_signer in unheld.certs or p.hints and any(
        c in hint for hint in p.hints.values() if hint for c in unheld.certs) for p in pieces)
    return replace(unheld, signing=True) if seen else unheld


def _correlate(report, apps: tuple[str, ...] = (), offsets: dict[str, timedelta] | None = None,
               unheld: Unheld | None = None, login_attribute: str | None = None, cloud: bool = False):
    relevant = [e for e in report.events if e.outcome in ("failure", "success")]
    offsets = clock_offsets(report.messages, relevant) if offsets is None else offsets
    replayed = {(f.source.input, f.source.ref) for f in report.input_findings
                if f.code == "assertion-replayed" and f.source}
    read = [r for r in report.messages if r.message.kind in ("Response", "AuthnRequest")]
    pieces = [_message_piece(r, replayed, login_attribute) for r in read]
    unheld = _signing_seen(unheld, pieces)
    for p in pieces:
        if p.kind == "log" and p.time and p.input in offsets:
            p.time -= offsets[p.input]
    shared: dict[str, str] = {}
    pieces += [_event_piece(e, offsets.get(e.source.input, timedelta(0)), shared) for e in relevant]
    del shared
    apart = _issued_apart(report.messages, relevant, offsets)
    at = {id(x): i for i, x in enumerate([r.message for r in read] + relevant)} if apart else {}  # (piece order)
    hops: set = set()
    if report.flows:  # (the captures' steps around their messages)
        unsolicited = {(r.message.source.input, r.message.source.ref) for r in report.messages
                       if r.message.kind == "Response" and r.message.in_response_to is None}
        responses = {(r.message.source.input, r.message.source.ref):
                     (r.message.id, r.message.source.input, r.message.source.ref)
                     for r in report.messages if r.message.kind == "Response"}
        to_cloud = {(r.message.source.input, r.message.source.ref) for r in report.messages if _for_cloud(r.message)}
        made = [(f, _flow_piece(f, unsolicited, responses, cloud or _response_key(f) in to_cloud))
                for f in report.flows]
        flown = [(f, len(pieces) + k) for k, (f, _) in enumerate(x for x in made if x[1] is not None)]
        pieces += [p for _, p in made if p is not None]
        hops = _broker_hops(read, report.flows)
        if hops:
            _mark_hops(pieces[:len(read)], [(f, pieces[i]) for f, i in flown], hops)
    timeline = _timeline_notes(report.events)
    if not pieces:
        return replace(report, notes=report.notes + timeline) if timeline else report
    exports = _zone_apart_notes(relevant)
    groups = _Groups(pieces)
    _link_copies(pieces, groups)
    _link_issued_apart(apart, at, groups)
    _link_by_keys(pieces, groups)
    _link_by_user_time(pieces, groups)
    _link_name_to_email(pieces, groups)
    _link_by_moment(pieces, groups)
    _link_issue_to_receipt(pieces, groups, apps)
    _link_unread_response(pieces, groups)
    _link_untimed_pages(pieces, groups)
    if report.flows and hops:
        _link_broker_hops(report.flows, pieces, len(read), groups, hops)
    members: dict[int, list[_Piece]] = {}
    for i, p in enumerate(pieces):
        members.setdefault(groups.find(i), []).append(p)
    # only IdP log lines name applications (an SP's own logs alone: nothing to filter)
    named = any(map(_names_app, pieces))
    sp_seen = any(map(_at_sp, pieces))
    del groups, pieces  # a big scan holds one piece per event: free what attempts do not need
    foreign = _other_applications(members, apps) if named else {}
    for root in foreign:
        del members[root]
    mixed = _apps_in_idp_logs(members) if named and not foreign else Counter()
    attempts = [_unseen_issue(_attempt(g, unheld=unheld)) if sp_seen and _anonymous_issue(g) else
                _login_attempt(g, unheld) for g in (members.pop(root) for root in list(members))
                if any(p.outcome in ("failure", "success") or p.response or p.stop is not None for p in g)]
    attempts = _found_for_others(attempts)
    attempts.sort(key=lambda a: (a.time is None, a.time.timestamp() if a.time else 0, a.user or ""))
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
    done = replace(report, attempts=tuple(attempts), notes=report.notes + tuple(notes))
    return replace(done, cause_findings=tuple(cause_findings(done)))


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
    return all(p.kind == "log" and p.side == "idp" and not p.user for p in members) \
        and any(p.outcome == "success" for p in members) and not any(p.outcome == "failure" for p in members)


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
    from samlscan.model import Finding, Source

    # an attempt's evidence names a captured message by its place or, without one, by its ID
    stated = {(f.source.input, ref, f.code) for f in report.all_findings() if f.source
              for ref in (f.source.ref, f.message_ref) if ref}
    out = []
    for a in report.attempts:
        code = a.root_cause
        if a.outcome != "failure" or code not in SPECS:
            continue
        if any((e.input, e.ref, code) in stated for e in a.evidence):
            continue
        # a cause inferred rather than quoted (group-sync-failed: a refusal and a response without
        # its groups) is placed at the attempt's first log line
        d = a.decisive or next((e for e in a.evidence if e.kind == "log"), None)
        if d is None:
            continue
        when = f" at {str(a.time)[:19]} UTC" if a.time else ""  # str(): isoformat, 5x strftime's speed
        who = f" of {a.user}" if a.user else ""
        said = a.notes[0][len(_where(d)) + 2:] if a.decisive and a.notes else SPECS[code].summary
        out.append(Finding(code=code, severity=SPECS[code].severity, source=Source(d.input, d.ref),
                           message_text=f"a login{who} failed{when}: {said}", hint=a.fix))
    return out


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
