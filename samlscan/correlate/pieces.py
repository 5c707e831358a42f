"""Correlation pieces: one per message, log event or capture step, with the keys that join them."""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from samlscan.checks.base import consumed_assertion
from samlscan.checks.protocol import is_template_variable
from samlscan.codes import CLOUD_FIXES, cause_rank, proxy_answer_fix
from samlscan.config import METADATA_KEY, is_cloud
from samlscan.engine import exchange_of
from samlscan.logs.sqaccess import PROXY_ANSWERED
from samlscan.model import LogEvent, Severity
from samlscan.wsfed import answers


# Which side writes the logs that dump SAML messages.
_LOG_SIDE = {"sonarqube": "sp", "simplesamlphp": "sp", "keycloak": "idp", "shibboleth": "idp",
             # SP application logs (samlscan/logs/applog.py), by the library that wrote the dump
             "spring": "sp", "opensaml": "sp", "java-saml": "sp", "python3-saml": "sp", "php-saml": "sp", "pysaml2": "sp",
             "ruby-saml": "sp", "node-saml": "sp", "sustainsys": "sp", "itfoxtec": "sp", "crewjam": "sp",
             "gosaml2": "sp", "pac4j": "sp", "mellon": "sp", "identitymodel": "sp", "samlify": "sp", "saml2-js": "sp",
             "sp-app": "sp"}


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
    ip_from: str | None = None
    """Whose view `ip` is (LogEvent.ip_from)."""
    peer: str | None = None
    """The hop that forwarded `ip`'s request (LogEvent.peer)."""
    attribute_settings: dict | None = None
    """Of an SP log's '<attribute> is missing', when SP settings were given: the attribute each of its
    login and name settings names -> that setting (run._attribute_settings), for its fix."""
    text_entry: int | None = None
    """Of a log line: its reader's catalog entry of `text` (LogEvent.text_entry), for causes._catalog_entry."""


@dataclass(slots=True)
class _MessagePiece(_Piece):
    """A message's piece (captured, pasted or dumped in a log) or a capture step's: what a log line's
    piece never holds lives here, so that the 100,000s of log lines of a big scan carry 28 slots,
    not 48 (_Piece reads these as their defaults)."""

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
    given_acs: str | None = None
    """The SP's ACS URL samlscan was given (its settings), as a Response's Destination or Recipient
    finding expected it."""
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
    unset: dict | None = None
    """Of a captured response: code -> the SP setting its check needed and samlscan was not given
    (_unset_settings): an SP log's refusal for that code is unchecked here, not contradicted."""
    engine: str | None = None
    """The SP's SAML engine as its own AuthnRequest ID shows it (request_engine): what it refuses
    that other engines take (causes._ENGINE_REFUSES)."""
    dated: timedelta | None = None
    """Of a capture step judged sp-clock-skew by the HTTP Date answering its POST alone: that server's
    clock against the capture's other servers' (Exchange.clock_off), for date_against_refusal."""
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
_SPACE = re.compile(r"\s")
"""Whitespace as str.isspace says it (a str pattern's \\s: the same Unicode class), in one C pass per value."""


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
        if 0 < len(v) <= 64 and _SPACE.search(v) is None and "://" not in v and "=" not in v:
            names.add(v.casefold())
            if (m := _DOMAIN_USER.match(v)) is not None:
                names.add(m.group(1).casefold())
    names.discard((user or "").casefold())
    return tuple(sorted(names))


def _sso_product(url: str) -> str | None:
    from samlscan.flows import idp_at

    return idp_at(url)


def _message_piece(r, replayed: set, login_attribute: str | None = None, posts: dict | None = None) -> _Piece:
    """`posts`: the captures of one POST, as same_posts names them (one response in two captures)."""
    m = r.message
    a = consumed_assertion(m)
    if a is not None and not a.signed:  # whose login it is: the Assertion the IdP signed (java-saml's
        a = next((x for x in m.assertions if x.signed), a)  # getNameId reads it, queryAssertion)
    user = a.name_id.value if a and a.name_id and a.name_id.value else None
    errors = tuple(ranked({f.code for f in r.findings if f.severity is Severity.ERROR}))
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
    answer = answers(m)  # (a Response, or a WS-Fed sign-in's token: its Issuer the IdP, its Audience the SP)
    if not answer:  # an AuthnRequest's Issuer is its SP's own entity ID
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
        keys.add(request_key(product, m.logged_by.split(':', 1)[1]))
    return _with_identity(_MessagePiece(time=m.captured_at or m.issue_instant, kind="log" if m.logged_by else "capture",
                  input=m.source.input, ref=m.source.ref or m.id, user=user, ids=tuple(sorted(ids)),
                  opaque=bool(user) and a.name_id.format in _OPAQUE_FORMATS, login=_login_of(a, login_attribute),
                  aka=() if m.logged_by or not answer else _aka_names(a, user),
                  flow_keys=tuple(sorted(keys)),
                  outcome=_predicted_outcome(m, errors), predicted=True,
                  codes=errors, warnings=warnings, hints=hints,
                  idp=m.issuer if answer else None, sp=sp, sp_rank=sp_rank, elsewhere=elsewhere,
                  side=_LOG_SIDE.get(product) if m.logged_by else None, product=product,
                  # a copy in a log is the same use of the response as the captured one
                  response=(posts or {}).get((m.source.input, m.source.ref), (m.id, m.source.input, m.source.ref))
                  if answer and not m.logged_by else None,
                  copy=answer and not m.logged_by and exchange_of(m.source.ref) is None,
                  sides={f.code: f.side for f in r.findings if f.side} or None,
                  sso_product=_sso_product(m.destination) if m.kind == "AuthnRequest" and destination else None,
                  engine=request_engine(m.id) if m.kind == "AuthnRequest" and not m.logged_by else None,
                  acs=(m.acs_url if m.kind == "AuthnRequest" else m.destination) if not m.logged_by else None,
                  given_acs=next((f.expected for f in r.findings if f.expected and f.code in
                                  ("destination-mismatch", "recipient-mismatch")), None),
                  trust_unchecked=bool(m.signatures) and all(x.verified is None for x in m.signatures),
                  verified=bool(m.signatures) and all(x.verified for x in m.signatures),
                  metadata_signer=next((_cert_name(x.matched_cert) for x in m.signatures
                                        if x.verified and x.matched_cert and METADATA_KEY in x.matched_cert.origin),
                                       None)))


def _predicted_outcome(m, errors) -> str:
    """What the SP would do with a captured response: fail on any error; succeed only when a
    configured key verified what it consumes (otherwise nobody can tell, e.g. no IdP certificate
    or an assertion still encrypted). A log's re-indented print of it (RawMessage.printed) whose
    signatures all verify once whitespace is normalised counts as verified."""
    if errors:
        return "failure"
    consumed = consumed_assertion(m)
    if m.kind == "Response" and consumed is not None and (consumed.signed or m.printed and m.signatures and all(
            s.verified or s.reformatted for s in m.signatures)):
        return "success"
    return "unknown"


_SPRING_REQUEST_ID = re.compile(r"ARQ[0-9a-f]{7,8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}")
"""Spring Security's AuthnRequest ID: 'ARQ' + UUID.randomUUID().toString().substring(1)
(OpenSaml4AuthenticationRequestResolver, OpenSamlAuthenticationRequestFactory; a fork that keeps
the UUID whole writes 8 hex digits first)."""


def request_engine(request_id: str | None) -> str | None:
    """The SP engine an AuthnRequest ID is the mark of ('spring'), else None: other engines' IDs
    ('ONELOGIN_' + hex of java-saml, python3-saml, php-saml; '_' + hex of most) are shared or free."""
    return "spring" if request_id and _SPRING_REQUEST_ID.fullmatch(request_id) else None


def request_key(product: str | None, request_id: str) -> str:
    """The flow key of a product's request (or session) ID: its lines, and a message it logged."""
    return f"{product}:req:{request_id}"


def ranked(codes) -> list[str]:
    """`codes` by cause_rank, those of one rank by name: a set's order changes with each run's
    string hashes (PYTHONHASHSEED), and codes outside CAUSE_PRIORITY share its last rank."""
    return sorted(sorted(codes), key=cause_rank)


PROXY_READERS = {"traefik-access": "Traefik", "aws-alb-access": "AWS ALB", "haproxy-http": "HAProxy",
                 "caddy-access": "Caddy", "azure-appgw-access": "Azure Application Gateway"}
"""The log readers (samlscan/logs/) whose input is one proxy's access log, by their name -> that proxy: a
callback it says it answered itself is that proxy's answer. (A combined access line names no proxy; nginx's
error.log lines bring their catalog entry's own nginx fix.)"""


def name_proxies(pieces: list[_Piece], inputs) -> None:
    """Give each log piece of a callback its proxy answered the fix naming that proxy, when its log is one
    proxy's (PROXY_READERS)."""
    readers = {i.path: PROXY_READERS.get(i.kind.rsplit(":", 1)[-1]) for i in inputs if i.kind}
    for p in pieces:
        if p.kind == "log" and p.log_code == PROXY_ANSWERED and p.hints is None and (name := readers.get(p.input)):
            p.hints = {PROXY_ANSWERED: proxy_answer_fix(name)}


def _event_piece(e: LogEvent, offset: timedelta, shared: dict, steps: dict | None = None) -> _Piece:
    """`shared`: one key string and one identity per flow ID (a login's lines name the same ID)."""
    keys = []
    identity = ()
    if e.request_id:
        key = request_key(e.product, e.request_id)
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
    verdict = None
    if steps is not None and e.source.ref in steps:  # a run on a clock of its own (after a step)
        offset, verdict = steps[e.source.ref]
    piece = _Piece(e.time - offset if e.time and offset else e.time, "log", e.source.input, e.source.ref,
                   e.user, e.ip, tuple(e.saml_ids), tuple(sorted(keys)) if len(keys) > 1 else tuple(keys),
                   e.outcome, (), (), None, e.code, e.raw_code, e.side, e.product, e.text, None, e.app, None,
                   identity)
    if e.guessed:
        piece.guessed = True
    if e.text_entry is not None:
        piece.text_entry = e.text_entry
    if e.ip_from:  # (a proxy's view of the client: attempts._client_ip)
        piece.ip_from, piece.peer = e.ip_from, e.peer
    if verdict:  # its refusal read the SP's clock: (sp-clock-skew, when a witness confirms the IdP's, or
        piece.hints = dict((verdict,))  # its own code) and the fix with the offset measured
    return piece


def _response_key(flow) -> tuple | None:
    return (flow.response.source.input, flow.response.source.ref) if flow.response is not None else None


def _flow_piece(flow, unsolicited: set, responses: dict, cloud: bool = False) -> _Piece | None:
    """What the browser saw after the POST (SP outcome) or instead of a response (IdP error page).
    `cloud`: the SP is SonarQube Cloud (--acs-url, or the response's Audience or Destination)."""
    from samlscan import catalog
    from samlscan.inputs.serverclock import BEHIND, off_phrase  # (a capture's: not for a lone XML)
    from samlscan.flows.build import REFUSAL_ALONE  # (here: a flow was built, the capture's flows imported;
    # at the top, every correlate imported the whole flows package, a tenth of a check's start-up)
    from samlscan.sonarqube import flow_cause

    stopped = flow.outcome == "unknown" and flow.response is None and flow.request is not None
    if flow.outcome not in ("failure", "success") and not stopped:
        return None
    raw = flow.response or flow.request
    # the capture's own word for an exchange ('request 3' of a SAML-tracer export, 'entry 3' of a HAR)
    entry = next((x.ref for x in reversed(flow.exchanges)), raw.source.ref if raw else None)
    err = flow.idp_error
    code, why, hints, slow = None, flow.reason, None, None
    if err is not None:
        hit = (catalog.lookup_code(err.product, err.code) if err.code else None) or catalog.lookup(
            err.message or "", err.product)
        code = hit.code if hit else "unknown-failure"
        if hit is not None and hit.fix:  # the page's own error, fixed where the catalog says
            hints = {code: hit.fix}
    elif flow.outcome == "failure":
        source = (raw.source.input, raw.source.ref) if flow.response is not None else None
        # (any exchange on Cloud's hosts is the SP's: its login start, its ACS; no IdP lives there)
        cloud = cloud or any(is_cloud(ex.url) for ex in flow.exchanges)
        decided = flow_cause(flow, source in unsolicited if source else None, cloud)
        code, why = decided if decided else ("unknown-failure", flow.reason)
        slow = _sp_clock_off(flow) if code == "unknown-failure" else None
        if slow is not None:  # the refusal the SP gives no reason for, of a server whose clock is off
            host, off = slow
            behind = host.removeprefix(BEHIND) if host.startswith(BEHIND) else None  # (told by its Dates alone)
            who = f"one of the SP's servers behind {behind}" if behind else f"the SP's server {host}"
            code, why = "sp-clock-skew", (
                f"{(flow.reason or 'the SP refused the login').rstrip('.')}; {who} answered with a clock "
                f"{off_phrase(off)} the capture's other servers' (their HTTP Date headers): it "
                "judges the response's NotBefore and NotOnOrAfter by it (the likely cause; its own log would say)")
            hints = {code: f"Sync the clock of every server behind {behind} (the SP's) with NTP: one of them "
                           f"is off (its HTTP Date answering the POST, {off_phrase(off)} the others')." if behind else
                           f"Sync the clock of {host} (the SP's server) with NTP: its HTTP Date answering the POST "
                           f"was {off_phrase(off)} the other servers' (or that of the proxy in front of it, if one "
                           "writes the Date)."}
        elif cloud and code in CLOUD_FIXES:
            hints = {code: CLOUD_FIXES[code]}
        elif code == "unknown-failure":
            hints = {code: ("Record the login again with DevTools' 'Preserve log' on, from its start: the capture "
                            "holds only the SP's refusal page, not the POST to its ACS. Or " if REFUSAL_ALONE in (why or "")
                            else "The SP refused the login without saying why in the capture: ")
                     + ("read the SP's log " f"at {flow.time:%Y-%m-%d %H:%M:%S} UTC (SonarQube: web.log, auth.event lines "
                        "need DEBUG) and pass it to samlscan with the capture; common causes are "
                        "sign-up disabled, email already used, group sync and a lost OAUTHSTATE "
                        "cookie" if flow.time else "read the SP's log at the time of the attempt")}
    # (a POST whose body the capture left out went to the ACS too: its answer is the SP's)
    posted_to = next((ex.url for ex in flow.exchanges if ex.leg == "acs-post"), flow.acs_post)
    keys = {f"corr:{err.correlation_id}"} if err and err.correlation_id else set()
    response = responses.get((flow.response.source.input, flow.response.source.ref)) if flow.response else None
    ids = {i for i in (flow.request_id, flow.in_response_to, response[0] if response else None) if i}
    where = raw.source.input if raw else flow.capture.input if flow.capture else "?"
    proxy = next((ex.answered_by for ex in flow.exchanges if ex.leg == "acs-post" and ex.answered_by), None) \
        if code == PROXY_ANSWERED and hints is None else None
    if proxy:  # (its Server header or error page names the proxy that answered)
        hints = {code: proxy_answer_fix(proxy)}
    return _with_identity(_MessagePiece(time=flow.time, kind="capture", input=where, ref=entry,
                  ids=tuple(sorted(ids)), flow_keys=tuple(sorted(keys)), outcome=flow.outcome,
                  log_code=code, hints=hints,
                  side="idp" if err else "sp", product=err.product if err else None, text=why,
                  response=response, posted_to=posted_to, engine=request_engine(flow.request_id),
                  stop=(flow.ask or "") if stopped else None, dated=slow[1] if slow is not None else None))


SP_CLOCK_OFF = timedelta(seconds=60)
"""The least tolerance of a common SP (Spring Security's OpenSAML default is 5 min, java-saml's
drift 180 s, ruby-saml and node-saml none unless set): an SP server off by more refuses fresh
responses."""


def date_against_refusal(members: list[_Piece]) -> tuple[list[_Piece], str | None]:
    """An attempt's members, and a note, when the HTTP Date answering the POST (a capture step's
    sp-clock-skew: _Piece.dated) and the SP's own time refusal in a log point its clock opposite ways
    (the Date ahead, the refusal 'not yet valid': its clock behind; or the mirror). The refusal wins:
    it is what the SP did with its own clock (SAML core 2.5.1.2: the SP judges NotBefore and
    NotOnOrAfter by its time), while a Date may be written by a proxy, CDN or load balancer in front of
    it (RFC 9110 6.6.1: any server that answers sets it), whose clock is not the SP's. The capture
    step then claims no cause of its own (unknown-failure, no fix); the note says which witness says
    what. Members unchanged, and None, when they agree or either is missing."""
    for dated in members:  # (a loop, not a generator: called for each of a big scan's 100,000s)
        if dated.dated is not None and dated.log_code == "sp-clock-skew":
            break
    else:  # (nearly every attempt)
        return members, None
    from dataclasses import replace

    from samlscan.correlate.clocks import _TIME_REFUSALS
    from samlscan.inputs.serverclock import off_phrase

    refusal = next((p for p in members if p.kind == "log" and p.side == "sp" and p.outcome == "failure"
                    and p.log_code in _TIME_REFUSALS), None)
    if refusal is None or (_TIME_REFUSALS[refusal.log_code] == "before") == (dated.dated < timedelta(0)):
        return members, None
    way = "behind" if _TIME_REFUSALS[refusal.log_code] == "before" else "ahead"
    note = (f"{dated.input} [{dated.ref}]: the HTTP Date answering the POST puts the SP's server "
            f"{off_phrase(dated.dated)} the capture's other servers', but the SP's own refusal "
            f"({refusal.input} [{refusal.ref}]: {refusal.log_code}) says its clock was {way}: the refusal is "
            "what the SP did and is kept; the Date is likely written by a proxy or CDN in front of the SP, on a "
            "clock of its own")
    withdrawn = replace(dated, log_code="unknown-failure", hints=None, dated=None)
    return [withdrawn if p is dated else p for p in members], note


def _sp_clock_off(flow) -> tuple[str, timedelta] | None:
    """(host, offset) of the ACS's server when its clock was off the others' by more than SP_CLOCK_OFF
    (Exchange.clock_off, from the capture's HTTP Date headers)."""
    from urllib.parse import urlsplit

    return next(((ex.server or urlsplit(ex.url).hostname, ex.clock_off) for ex in flow.exchanges
                 if ex.leg == "acs-post" and ex.clock_off is not None and abs(ex.clock_off) > SP_CLOCK_OFF), None)


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


def _cert_name(info) -> str:
    """A certificate as fixes and notes name it (the form of _Piece.metadata_signer)."""
    return f"{info.subject} (SHA-1 {info.sha1})"
