"""Deciding an attempt's root cause from its pieces' codes, log lines and catalog entries."""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from samlscan.codes import SPECS
from samlscan.config import is_sonarqube_acs
from samlscan.correlate.pieces import _Piece, ranked, request_engine
from samlscan.correlate.unheld import Unheld
from samlscan.logs._common import text_entry
from samlscan.logs.sqaccess import FORWARDED_BY


# Log codes too generic to name a cause when something more specific is known.
_GENERIC = {"unknown-failure", "sp-internal-error", None}

# Finding groups a check of one message can establish.
_MESSAGE_GROUPS = {"protocol", "time", "signature", "attributes", "encryption"}
# Warnings that explain a refusal by an SP that requires groups (SonarQube Cloud group sync).
_GROUP_LOSS = {"groups-overage-claim", "group-attribute-missing"}
# Warnings that leave a working login's groups unsynchronised: those, and group values the SP cannot
# match (object IDs: a warning only where SonarQube syncs groups by name), no reason to refuse a login.
_GROUPS_UNSYNCED = _GROUP_LOSS | {"group-values-are-ids"}
# Email problems are warnings under the SonarQube profile (Server logs in without an email); a
# refusal nothing else explains (SonarQube Cloud needs the email) is put down to them.
_EMAIL_LOSS = {"email-missing", "email-under-other-name", "email-empty", "email-invalid-format"}
# A generic SP log text, and the findings of the captured message that explain it: java-saml's 'SAML
# Response not found, Only supported HTTP_POST Binding' (idp-configuration-error in the catalog) is what it
# logs of a WS-Federation sign-in, which posts wresult and no SAMLResponse (SAML-Toolkits/java-saml Auth.java
# processResponse; WS-Federation 1.2 13.2.3): the capture's wsfed-unsupported names why.
_EXPLAINED_BY = {"assertion-missing": ("response-signature-required",),
                 "idp-configuration-error": ("schema-order-invalid", "wsfed-unsupported")}
# A cause samlscan's checks find, and the warnings at which an SP stops before meeting it: Spring
# Security decrypts only inside a signed Response (OpenSaml4AuthenticationProvider.process), so
# samlscan's decryption failure (perhaps with a key the SP no longer holds) is not what it meets.
# Only Spring's: java-saml, python3-saml, pysaml2, ruby-saml, node-saml decrypt an unsigned Response.
_STOPPED_BEFORE = {"decryption-failed": ("response-signature-required",)}
_SPRING = frozenset({"spring", "opensaml"})
# Warnings (other engines take the message) that an SP of a known engine refuses: Spring Security
# decrypts only inside a signed Response ('Did not decrypt response [..] since it is not signed',
# OpenSaml4AuthenticationProvider), so an unsigned Response around an EncryptedAssertion is its refusal.
_ENGINE_REFUSES = {"response-signature-required": _SPRING}

_CAUSE_CODES = frozenset(c for c, s in SPECS.items() if s.group == "cause")
"""Codes only a log can tell (SPECS is fixed at import: looked up once, not per attempt)."""


_KEY_REFUSALS = frozenset({"signature-invalid", "signature-cert-mismatch"})
"""What an SP's log says when the key it holds does not verify the signature (not a signature it
requires elsewhere, a weak algorithm it refuses, or a replay)."""


_REFINES = {"proxy-header-too-big": "proxy-answered-callback", "proxy-body-too-large": "proxy-answered-callback"}
"""A log code saying more than another of the same refusal: nginx's error.log names why its access line's
502/413 was the proxy's own answer (a header over proxy_buffer_size, a body over client_max_body_size)."""


def _cause(members: list[_Piece], unheld: Unheld | None = None) -> tuple[str | None, list[str], str | None]:
    """The root cause code, notes on disagreements between the SAML findings and the logs, and the
    log code of the line the cause was read from when that line names another code (Spring's
    signature-invalid of a SHA-1 response is signature-weak-algorithm): that line is the attempt's
    decisive one. `unheld`: the IdP metadata's signing certificates the SP's settings lack
    (unheld_signers)."""
    cause, notes, read_from = _judged(members, unheld)
    # (not again after _asked_acs_note said the SP rebuilt the URL from the proxy's headers: java-saml's)
    behind = None if any(_PROXY_HEADER in n for n in notes) else _proxy_note(members, cause)
    return cause, [*notes, behind] if behind else notes, read_from


def _judged(members: list[_Piece], unheld: Unheld | None) -> tuple[str | None, list[str], str | None]:
    """_cause's verdict, before the notes on where the SP sits."""
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
                if p.hints and "sp-clock-skew" in p.hints:  # its time refusal read the SP's clock, off
                    return "sp-clock-skew", [], p.log_code  # a confirmed IdP's (clocks._read_refusals)
            elif p.side == "idp":
                idp_codes.append(p.log_code)
    saml = ranked(found) if found else []
    specific_sp = [c for c in sp_codes if c not in _GENERIC]
    if not _REFINES.keys().isdisjoint(specific_sp):  # (rarely: a proxy's access line and its error.log)
        refined = {_REFINES[o] for o in specific_sp if o in _REFINES}
        specific_sp = [c for c in specific_sp if c not in refined]
    specific_idp = [c for c in idp_codes if c not in _GENERIC] if idp_codes else []
    notes = []
    said = specific_sp[0] if specific_sp else None
    # (any log line's: a capture's own refusal, wsfed-unsupported of a flow, may come first)
    logged = next((c for c in specific_sp + specific_idp if c in _EXPLAINED_BY), None)
    if logged is not None:
        explaining = [w for w in _EXPLAINED_BY[logged]
                      if any(w in p.warnings or w in p.codes or w == p.log_code for p in members)]
        if explaining:  # e.g. Spring's 'No assertions found' about an encrypted assertion it dropped
            return explaining[0], [f"the SP log says {logged}: the captured message shows why ({explaining[0]})"], \
                logged
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
    elif checkable and not saml and not any(said in p.warnings for p in members):
        # (a warning of the very code is no pass: response-signature-required, which java-saml takes)
        notes.append(_asked_acs_note(members, said) or _unset_note(members, said) or
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
    # (an SP log of another engine: it decrypts; its engines are read, a catalog pass a new text, only
    # where a warning can stop it)
    before = [w for w in _STOPPED_BEFORE.get(saml[0], ()) if any(w in p.warnings for p in members)] \
        if saml and saml[0] in _STOPPED_BEFORE else []
    if before and _engines(members) - _SPRING:
        before = []
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
    refused = _engine_refused(members)
    if refused is not None:  # a refusal without its reason, of a message the SP's engine refuses
        return refused[0], notes + [refused[1]], next((c for c in sp_codes if c), None)
    if any("assertion-replayed" in p.warnings for p in members):
        return "assertion-replayed", notes, None
    lost = sorted({c for p in members for c in p.warnings} & _GROUP_LOSS)
    if lost and _sonarqube_server(members):  # it logs in without groups (its group setting is optional)
        notes = notes + [f"the response lost its groups ({', '.join(lost)}), which SonarQube Server does not "
                         "refuse a login for: its web.log says why it refused"]
    elif lost:  # a generic refusal, and the response carries no usable group claim
        return "group-sync-failed", notes + [f"the response lost its groups ({', '.join(lost)})"], None
    mapping = ranked({c for p in members for c in p.warnings} & _EMAIL_LOSS)
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


def _refines(cause: str | None, code: str | None) -> bool:
    """The cause is a specific reason for a log's generic code (_CONFIRMED_BY): the line that
    says the code is the SP's own word on the cause (java-saml's 'Signature validation failed' of
    a response signed with a key the SP does not hold: signature-cert-mismatch)."""
    return cause in _CONFIRMED_BY.get(code, ())


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


def _engine_refused(members: list[_Piece]) -> tuple[str, str] | None:
    """(code, note) of a warning of the attempt's messages that its SP's engine refuses
    (_ENGINE_REFUSES), the engine known by its log lines or its own AuthnRequest ID (Spring's
    'ARQ' + UUID: pieces.request_engine); None when the engine is unknown or takes it."""
    warned = [code for code in _ENGINE_REFUSES if any(code in p.warnings for p in members)]
    if not warned:  # (most refusals: no such warning, no engine to read, a catalog pass per new text)
        return None
    logged = _engines(members)
    asked = {p.engine for p in members if p.engine}
    known = logged | asked
    for code in warned:
        if known and known <= _ENGINE_REFUSES[code]:
            by = "its log lines" if logged else \
                f"its AuthnRequest ID {next(i for p in members if p.engine for i in p.ids if request_engine(i))} is " \
                "Spring Security's"
            return code, (f"the SP refused the login without saying why; its SAML engine is Spring Security ({by}), "
                          f"which refuses what the response shows ({code}): other engines take it")
    return None


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


def _unset_note(members: list[_Piece], said: str) -> str | None:
    """Why a response that samlscan finds no fault with can still carry the SP's refusal: the
    setting that check needs was not given, so nothing was checked (_Piece.unset)."""
    setting = next((p.unset[said] for p in members if p.unset and said in p.unset), None)
    return f"the SP log reports {said}: samlscan could not check it, {setting} was not given" if setting else None


def asked_and_sent(members: list[_Piece]) -> tuple[str | None, str | None]:
    """(the ACS URL the SP's own AuthnRequest asked for, the URL the response was sent to), either
    None when the attempt holds no such piece (SAML core 3.4.1 AssertionConsumerServiceURL; the
    response's Destination, else where it was posted)."""
    asked = next((p.acs for p in members if p.acs and p.kind == "capture" and p.response is None), None)
    sent = next((p.acs for p in members if p.acs and p.response is not None), None)
    return asked, sent


def sent_elsewhere(asked: str | None, sent: str | None) -> bool:
    """The response went to another host or path than the SP's AuthnRequest asked for (the IdP's
    stored ACS is wrong); a scheme alone apart is the SP's own URL as a proxy passed it on."""
    return bool(asked and sent) and asked.split("://", 1)[-1] != sent.split("://", 1)[-1]


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


_DESTINATION_REFUSALS = ("destination-mismatch", "recipient-mismatch")
_PROXY_HEADER = "X-Forwarded-Proto"


def _proxy_note(members: list[_Piece], cause: str | None) -> str | None:
    """Why an SP behind a reverse proxy refuses a Destination the IdP got right: with no base URL of
    its own it compares with an ACS built from the request as the proxy passed it on (scheme from
    X-Forwarded-Proto, host from Host: Spring Security's {baseUrl}, java-saml's SonarQube callback), so
    a proxy that sends X-Forwarded-Proto: http (Traefik, of a sender not in trustedIPs) turns the
    https ACS into http. The proxy is seen by its access line of the callback (sqaccess.FORWARDED_BY)
    or by the SP's own AuthnRequest asking for the http twin of the https Destination. None when the
    SP did not refuse it, or the IdP sent the response to another host or path (the IdP's ACS is wrong)."""
    if cause not in _DESTINATION_REFUSALS or not any(
            p.side == "sp" and p.outcome == "failure" and p.log_code == cause for p in members):
        return None
    asked, sent = asked_and_sent(members)
    if sent_elsewhere(asked, sent):
        return None
    line = next((p for p in members if p.kind == "log" and p.text and FORWARDED_BY in p.text), None)
    if line is not None:
        by = f"{_where(line)}: {line.text.split(FORWARDED_BY, 1)[1].split(' answered ', 1)[0]}"
    elif asked and sent and asked.startswith("http://") and sent.startswith("https://"):
        by = f"its own AuthnRequest asks for {asked}, the IdP sent the response to {sent}"
    else:
        return None
    return (f"the SP refused the Destination behind a reverse proxy ({by}): with no base URL of its own it "
            "compares with an ACS built from the request as the proxy passed it on (X-Forwarded-Proto and Host), "
            "so an https Destination meets an http ACS when the proxy sends X-Forwarded-Proto: http or none: fix "
            "the SP's base URL and the proxy's forwarded headers, not the IdP's ACS")


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
        # (the reader's lookup of the same text, when it made one: a text with an ID in it misses every cache)
        entry = _text_entry(p.text, p.product) if p.text_entry is None else text_entry(p.text_entry)
    if entry is not None and _ANY_ATTRIBUTE in entry.pattern and (entry.code == cause or p.attribute_settings):
        return _attribute_named(replace(entry, code=cause), p.text, p.attribute_settings)
    return entry if entry is not None and entry.code == cause else None


_ANY_ATTRIBUTE = "<attributeName> is missing"
"""SonarQube's general '<attribute> is missing' entries (coded login-attribute-missing): the line's
attribute is that of its login or name setting, whichever names it (logs.sonarqube
.by_attribute_settings codes it by the settings given, run._settings_named names the setting)."""


def _attribute_named(entry, text: str, settings: dict | None = None):
    """The entry with its fix saying which setting names the attribute the line names: by the SP
    `settings` given (attribute -> setting), else either of SonarQube's login and name settings."""
    from samlscan.config.names import SONAR_SETTING_NAMES
    from samlscan.logs.sonarqube import missing_attribute

    attr = missing_attribute(text)
    if not attr or not entry.fix:
        return entry
    if settings and attr in settings:
        return replace(entry, fix=f"'{attr}' is the attribute {settings[attr]} names (the SP settings given): {entry.fix}")
    if settings:  # (SonarQube names the attribute its own setting held: these are not that SonarQube's now)
        given = ", ".join(f"{setting}={value}" for value, setting in settings.items())
        return replace(entry, fix=f"'{attr}' is named by neither setting given ({given}): check that they are "
                                  f"this SonarQube's, its log names the attribute its settings held. {entry.fix}")
    login, name = SONAR_SETTING_NAMES["login_attribute"], SONAR_SETTING_NAMES["name_attribute"]
    return replace(entry, fix=f"'{attr}' is the attribute configured in whichever of {login} or {name} names "
                              f"it (--sonar-settings tells which): {entry.fix}")


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


def _where(e) -> str:
    """'input [ref]' of a piece or an Evidence, as an attempt's notes quote it."""
    return e.input + (f" [{e.ref}]" if e.ref else "")


def _unheld_judges(members: list[_Piece], unheld: Unheld | None) -> bool:
    """The SP settings' unheld signers tell this attempt's logged key refusal: no message of it was
    judged, and every SP line refusing a key is of the SP those settings are of (SonarQube's, not
    another app's logged beside it)."""
    return unheld is not None and not any(p.predicted for p in members) and all(
        (p.product == "sonarqube") == unheld.sonarqube for p in members
        if p.side == "sp" and p.log_code in _KEY_REFUSALS)
