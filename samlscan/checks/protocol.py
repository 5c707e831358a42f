"""Protocol checks: version, status, issuer, destination, recipient, audience, InResponseTo."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from urllib.parse import unquote, urlsplit

from samlscan.checks.base import CheckContext, consumed_assertion, finding, fmt_time, in_idp
from samlscan.checks.bearer import BEARER, bearers, early, one_confirms
from samlscan.codes import (BASE_PATH_AT_IDP_FIX, BASE_PATH_AT_SP_FIX, ENTITY_AS_DESTINATION_FIX,
                            PERCENT_ENCODED_ACS_FIX, STALE_ACS_FIX, spec)
from samlscan.model import Finding, SamlMessage, Severity
from samlscan.saml import sender
from samlscan.wsfed import FACT, verdict

SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"

# A value that is only a template variable: '{audience}', '{{ sp_entity_id }}', '${audience}',
# '%AUDIENCE%' (a name, not a braced GUID). OneLogin wrote '{audience}' and '{recipient}' into a real
# response (app 371755, node-saml/passport-saml's captured responses) when its application's fields
# were left empty.
_TEMPLATE_VARIABLE = re.compile(  # also Go's '{{.Audience}}' and Ruby/Spring EL's '#{audience}'
    r"\s*(?:[$#]?\{\{?\s*\.?(?![0-9a-fA-F]{8}-)[A-Za-z_][\w.\- ]*\}?\}|%[A-Za-z_][\w.\-]*%)\s*")


def is_template_variable(value: str) -> bool:
    """True when `value` is an unfilled template variable rather than a setting's value."""
    return _TEMPLATE_VARIABLE.fullmatch(value) is not None


EMPTY_DESTINATION_FIX = ("configure the IdP application's ACS (Reply) URL, which the IdP writes as the "
                         "Response's Destination (an IdP writing Destination=\"\" has that field empty)")


def _unfilled(msg: SamlMessage, code: str, what: str, value: str, field: str, want: str | None):
    """A finding for a value that is an unfilled template variable, which no SP accepts, also
    when samlscan was not told the SP's own value to compare with."""
    return finding(msg, code, f"{what} is {value!r}, an unfilled template variable: the IdP "
                   f"application's {field} field is empty", expected=want, actual=value,
                   hint=f"fill in the IdP application's {field}" + (f" with {want}" if want else ""), side="idp")

# SAML core 3.2.2.2, in plain words.
STATUS_TEXT = {
    "Success": "the request succeeded",
    "Requester": "the IdP blames the request (the SP's AuthnRequest or the SP's configuration in the IdP)",
    "Responder": "the IdP failed or refused on its side",
    "VersionMismatch": "the SAML version of the request is not supported",
    "AuthnFailed": "the user could not be authenticated (wrong password, MFA refused, account locked)",
    "InvalidAttrNameOrValue": "an attribute in the request was unexpected or invalid",
    "InvalidNameIDPolicy": "the IdP cannot issue the NameID format the SP asked for (NameIDPolicy)",
    "NoAuthnContext": "the IdP cannot authenticate the user the way the SP requested "
                      "(RequestedAuthnContext)",
    "NoAvailableIDP": "no IdP is available (proxying)",
    "NoPassive": "IsPassive was requested but the user must interact to sign in",
    "NoSupportedIDP": "no supported IdP (proxying)",
    "PartialLogout": "logout did not reach every session",
    "ProxyCountExceeded": "too many proxy hops",
    "RequestDenied": "the IdP refused to answer: typically the user is not assigned to the "
                     "application, or the SP is unknown to the IdP",
    "RequestUnsupported": "the IdP does not support this request",
    "RequestVersionDeprecated": "the request's SAML version is deprecated",
    "RequestVersionTooHigh": "the request's SAML version is too high",
    "RequestVersionTooLow": "the request's SAML version is too low",
    "ResourceNotRecognized": "the IdP does not recognise the resource",
    "TooManyResponses": "too many responses",
    "UnknownAttrProfile": "unknown attribute profile",
    "UnknownPrincipal": "the IdP does not know this user",
    "UnsupportedBinding": "the IdP cannot answer on the requested binding (ProtocolBinding)",
}


def _short(uri: str | None) -> str:
    return (uri or "").rsplit(":", 1)[-1]


def check_version(msg: SamlMessage, ctx: CheckContext):
    top = [] if (msg.version is None and msg.kind == "Assertion" and msg.encrypted_assertion_count
                 and not msg.assertions) else [(msg.kind, msg.version)]  # Version is in the ciphertext
    for what, version in top + [("Assertion", a.version) for a in msg.assertions]:
        if version != "2.0":
            yield finding(msg, "version-unsupported", f"the {what} has no Version attribute" if version is None
                          else f"{what} Version is {version!r}, not '2.0'", expected="2.0", actual=version)


def check_wsfed(msg: SamlMessage, ctx: CheckContext):
    """A token a WS-Federation sign-in carried (samlscan.wsfed): refused at SonarQube's ACS, a fact elsewhere."""
    if FACT in msg.structure:
        yield finding(msg, *verdict(msg.url))


def check_ids(msg: SamlMessage, ctx: CheckContext):
    if not msg.id and msg.kind != "Assertion":
        yield finding(msg, "id-missing", f"the {msg.kind} has no ID attribute")
    for a in msg.assertions:
        if not a.id:
            yield finding(msg, "id-missing", f"the Assertion at {a.path} has no ID attribute")


def check_status(msg: SamlMessage, ctx: CheckContext):
    # every StatusResponseType (SAML core 3.2.2); an ArtifactResponse that failed carries no Response
    if msg.kind not in ("Response", "LogoutResponse", "ArtifactResponse") or msg.status is None:
        return
    st = msg.status
    if st.code == SUCCESS:
        return
    parts = [f"{_short(st.code)}: {STATUS_TEXT.get(_short(st.code), 'unknown status')}"]
    parts += [f"{_short(c)}: {STATUS_TEXT.get(_short(c), 'a status specific to this IdP')}"
              for c in st.sub_codes]
    text = "the IdP answered " + "; ".join(parts)
    if st.message:
        text += f". StatusMessage: {st.message!r}"
    actual = " / ".join([st.code or "-"] + list(st.sub_codes))
    yield finding(msg, "status-not-success", text, expected=SUCCESS, actual=actual,
                  hint=_status_fix(st.message))


def _status_fix(message: str | None) -> str | None:
    """The catalog's fix for an IdP's StatusMessage it knows (Google's 'ACS Url in request <url>
    doesn't match configured ACS Url <url>'): that message names the cause better than the
    status code's general advice. None (the code's own fix) for any other message."""
    from samlscan import catalog

    hit = catalog.lookup(message) if message else None
    return hit.fix if hit is not None and hit.fix and hit.code not in ("unknown-failure", "sp-internal-error") else None


def check_issuer(msg: SamlMessage, ctx: CheckContext):
    want = ctx.expect.idp_entity_id
    if msg.kind != "Response":
        return
    for a in msg.assertions:
        if a.issuer is None:
            yield finding(msg, "issuer-missing", f"the Assertion {a.id or a.path} has no Issuer")
    if not want:  # with one, issuer-mismatch names whichever Issuer differs from it
        yield from _issuers_disagree(msg)
        yield from _issuer_outside_aggregates(msg, ctx)
        return
    setting = ctx.expect.setting_name("idp_entity_id")
    seen = [("Response", msg.issuer, msg.issuer_untrimmed)] + [
        ("Assertion", a.issuer, dict(a.untrimmed).get("Issuer")) for a in msg.assertions]
    for where, got, raw in seen:
        if got == want and raw is not None:
            yield finding(msg, "issuer-mismatch",
                          f"the {where} Issuer is {raw!r}: only whitespace around it differs from {want!r}. "
                          "java-saml (SonarQube 10.x and older) and python3-saml compare the Issuer as "
                          "written and reject it ('Invalid issuer'); Spring/OpenSAML trims it",
                          expected=want, actual=raw,
                          hint="make the IdP write its entity ID in the Issuer without line breaks or spaces "
                               "around it (a pretty-printing IdP or proxy adds them)")
        elif got is not None and got != want:
            yield finding(msg, "issuer-mismatch", f"the {where} Issuer is {got!r}, the SP expects {want!r}",
                          expected=want, actual=got,
                          hint=f"set {setting} to {got} if this IdP is the right one; otherwise the "
                               "response comes from another IdP or tenant")


def _issuers_disagree(msg: SamlMessage):
    """SAML profiles 4.1.4.2: the Response's Issuer (when present) and every Assertion's name the
    issuing IdP, so they are one value. SPs that compare each to their configured IdP (java-saml,
    python3-saml, php-saml) refuse a response whose Issuers differ, whichever one they hold."""
    named = [("Response", msg.issuer)] + [(f"Assertion {a.id or a.path}", a.issuer) for a in msg.assertions]
    named = [(where, got) for where, got in named if got is not None]
    if len({got for _, got in named}) < 2:
        return
    first = named[0][1]
    yield finding(msg, "issuer-inconsistent",
                  "the Issuers differ: " + "; ".join(f"the {where}'s is {got!r}" for where, got in named)
                  + ": only one of them can be the IdP the SP trusts",
                  expected=f"{first} throughout", actual=", ".join(got for _, got in named))


def _issuer_outside_aggregates(msg: SamlMessage, ctx: CheckContext):
    """An Issuer none of the given metadata aggregates lists (with one listing it, that IdP was
    chosen: config.for_issuer). The SP trusts no key of it."""
    got = msg.issuer or next((a.issuer for a in msg.assertions if a.issuer), None)
    if not ctx.expect.idp_aggregates or got is None:
        return
    from samlscan.config import aggregate_size

    files = ", ".join(f"{p} ({aggregate_size(p)} IdPs)" for p in ctx.expect.idp_aggregates)
    yield finding(msg, "issuer-mismatch", f"the Issuer is {got!r}, which is no IdP of the metadata given: {files}",
                  expected="an IdP entityID of the metadata given", actual=got,
                  hint="give this IdP's own metadata (or the federation aggregate that lists it), or "
                       "check that the response comes from the IdP you meant")


_DEFAULT_PORTS = {"http": 80, "https": 443}


def split_url(url: str):
    """urlsplit(url), or None for a URL it cannot read (an unclosed '[', RFC 3986 3.2.2's IP-literal:
    'Invalid IPv6 URL'), which a message or metadata may carry."""
    try:
        return urlsplit(url)
    except ValueError:
        return None


def host_port(u) -> tuple:
    """(host, port) of a split URL as a browser writes them: the host in lower case, a scheme's
    default port None (a HAR never shows ':443'); an unreadable port (':abc') as written."""
    try:
        port = u.port
    except ValueError:
        return u.netloc.lower(), "?"
    return (u.hostname or "").lower(), None if port == _DEFAULT_PORTS.get(u.scheme.lower()) else port


def _port(u) -> int | None:
    try:
        return u.port or _DEFAULT_PORTS.get(u.scheme.lower())
    except ValueError:  # a port that is not a number
        return None


def _url_difference(want: str, got: str, sender: str = "the IdP", receiver: str = "SP",
                    scheme_note: str | None = None) -> str:
    """Which part of two URLs differs, in words (java-saml and Spring compare the strings
    exactly; python3-saml lower-cases scheme and host first): `got` is what `sender` wrote, `want`
    the URL of the `receiver` ('SP', 'IdP'); `scheme_note` says why only the scheme differs."""
    if got != got.strip() and got.strip() == want.strip():
        # A line break or space inside the attribute (pretty-printed by the IdP, e.g. AD FS or
        # OpenAM): urlsplit strips it, so without this it read as 'only a trailing slash differs'.
        return (f"only whitespace around the URL differs ({got!r}): {sender} put a line break or "
                f"space inside the attribute; {receiver}s that compare exactly (java-saml) reject it")
    try:
        a, b = urlsplit(want.strip()), urlsplit(got.strip())
    except ValueError as error:  # an unclosed '[' (RFC 3986 3.2.2's IP-literal): no URL a receiver can match
        return f"{got.strip()!r} is no URL the {receiver} can read ({error}): {sender}'s setting is mistyped"
    if a.scheme and a.netloc and not (b.scheme and b.netloc):
        # '{recipient}' (an unfilled template: ruby-saml's test responses), a bare path: not a URL
        # at all, so 'the scheme and host differ (:// vs https://...)' said nothing
        return (f"{got.strip()!r} is not an absolute URL (SAML core 3.2.2 and 2.4.1.2 want a URI "
                f"reference the {receiver} can match): {sender}'s setting is empty, relative or an unfilled "
                "template")
    host_a, host_b = (a.hostname or "").lower(), (b.hostname or "").lower()
    if a.scheme.lower() != b.scheme.lower():
        if host_a == host_b:
            return f"only the scheme differs ({b.scheme} vs {a.scheme}): " + (
                scheme_note or f"a TLS-terminating proxy; set the {receiver}'s base URL to the public https URL")
        return f"the scheme and host differ ({b.scheme}://{b.netloc} vs {a.scheme}://{a.netloc})"
    if host_a != host_b:
        return f"the host differs ({b.netloc} vs {a.netloc}): {sender} knows another {receiver} address"
    if _port(a) != _port(b):
        return f"the port differs ({b.netloc} vs {a.netloc})"
    # urlsplit lower-cases the scheme: compare it as written
    schemes = (want.strip().split(":", 1)[0], got.strip().split(":", 1)[0])
    if (schemes[0], a.netloc) != (schemes[1], b.netloc) and (a.path, a.query, a.fragment) == (b.path, b.query, b.fragment):
        if a.netloc.lower() == b.netloc.lower():
            return ("only the letter case of the scheme or host differs (python3-saml accepts it; "
                    "java-saml and Spring compare exactly)")
        return (f"only the way the port is written differs ({b.netloc} vs {a.netloc}): the same address, "
                "but java-saml and Spring compare the strings exactly")
    if a.path.rstrip("/") == b.path.rstrip("/") and a.path != b.path:
        return "only a trailing slash differs" + _and_rest(a, b)
    if a.path != b.path and unquote(a.path) == unquote(b.path):
        return _percent_difference(a.path, b.path) + _and_rest(a, b)
    if a.path != b.path:
        if a.path.lower() == b.path.lower():
            return "only the letter case of the path differs" + _and_rest(a, b)
        if base_path_apart(want, got):
            return f"only a base path differs ({b.path} vs {a.path}): the same route under another base"
        return f"the path differs ({b.path} vs {a.path})"
    return _and_rest(a, b).removeprefix("; ") or "they differ"


_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _percent_difference(want: str, got: str) -> str:
    """How two paths equal once percent-decoded differ. RFC 3986 6.2.2.1 makes a percent-encoding's
    hex case, and 6.2.2.2 an encoded unreserved character (%7E and ~), equivalent; an encoded reserved
    one (%2F and /) is not (2.2). No SP library normalises either way: java-saml
    (SamlResponse.isValid: destinationUrl.equals(currentUrl)) and Spring (BaseOpenSamlAuthenticationProvider:
    destination.equals(location)) compare the strings exactly, so the verdict stays a refusal."""
    def canon(path: str, decode: bool) -> str:  # hex digits upper-cased, unreserved ones decoded
        def one(m):
            char = chr(int(m.group()[1:], 16))
            return char if decode and char in _UNRESERVED else m.group().upper()
        return _PERCENT.sub(one, path)

    if canon(want, False) == canon(got, False):
        why = "only the letter case of a percent-encoding's hex digits differs"
        rfc = "RFC 3986 6.2.2.1 makes them equivalent"
    elif canon(want, True) == canon(got, True):
        why, rfc = "they differ only in percent-encoding", "RFC 3986 6.2.2.2 makes them equivalent"
    else:
        why = "they differ only in percent-encoding"
        rfc = "an encoded reserved character such as %2F is not even equivalent under RFC 3986 2.2"
    return (f"{why} ({got} vs {want}; {rfc}), but the SP compares the URLs as strings "
            "(java-saml, Spring; python3-saml rebuilds its own from the request): the IdP must send "
            "exactly the SP's URL")


def _and_rest(a, b) -> str:
    """The query and fragment differences after the path's."""
    out = []
    if a.query != b.query:
        out.append(f"the query differs ({b.query!r} vs {a.query!r})")
    if a.fragment != b.fragment:
        out.append(f"the fragment differs ({b.fragment!r} vs {a.fragment!r})")
    return "".join("; " + x for x in out)


def check_destination(msg: SamlMessage, ctx: CheckContext):
    want = ctx.expect.acs_url
    if msg.kind != "Response":
        return
    if msg.destination is not None and not msg.destination.strip():
        yield finding(msg, "destination-mismatch", "the Response has an empty Destination",
                      expected=want, actual="", hint=EMPTY_DESTINATION_FIX, side="idp")
        return
    if not want and msg.destination and is_template_variable(msg.destination):
        yield _unfilled(msg, "destination-mismatch", "Destination", msg.destination, "ACS URL", want)
    elif want and msg.destination and msg.destination != want:
        entity = _names_the_sp_entity(msg, ctx, msg.destination)
        hint, side = (ENTITY_AS_DESTINATION_FIX.format(want=want, got=msg.destination), "idp") if entity else \
            acs_fix(want, msg.destination, ctx)
        hint = hint or f"make the IdP's ACS (Reply) URL and {ctx.expect.setting_name('acs_url')} agree"
        yield finding(msg, "destination-mismatch",
                      f"Destination is {msg.destination!r}, the SP's ACS URL is {want!r}: "
                      + _url_difference(want, msg.destination)
                      + ("; the Destination is the SP's entity ID (the Audience), not an ACS URL" if entity else ""),
                      expected=want, actual=msg.destination,
                      hint=in_idp(hint, "destination-mismatch", msg.issuer),
                      # (the SP's is the code's own side: no word of it, so that an attempt whose capture
                      # holds the SP's AuthnRequest asking for `want` says the IdP's entry is stale,
                      # correlate.attempts._acs_side: gen_case14's SimpleSAMLphp posting to its old base path)
                      side=None if side == "sp" else side)


def acs_fix(want: str, got: str, ctx: CheckContext) -> tuple[str | None, str | None]:
    """The fix and side for an ACS URL `got` the IdP wrote (Destination, bearer Recipient) that is not the
    SP's `want`; (None, None) for the code's own (a scheme, host or port apart: the SP's base URL).
    A base path apart is first the SP's when the IdP's URL has it (the browser posted there and reached the
    SP, which rebuilt its URL short of it: nextcloud/user_saml#215; SonarQube's callback is
    sonar.core.serverBaseURL + /oauth2/callback/saml, and behind a context path, sonar.web.context, that
    base URL must include it), the fix naming the IdP's entry too (an SP moved off that path: gen_case14,
    which the SP's own AuthnRequest tells, correlate.attempts._base_path_stale); the IdP's when the IdP's
    URL lacks the base the SP's has."""
    setting = ctx.expect.setting_name("acs_url")
    if base_path_apart(want, got):
        a, b = split_url(want.strip()), split_url(got.strip())
        short, long = sorted((a.path.rstrip("/"), b.path.rstrip("/")), key=len)
        base = long[: len(long) - len(short)]
        at_sp = len(b.path.rstrip("/")) > len(a.path.rstrip("/"))
        return (BASE_PATH_AT_SP_FIX if at_sp else BASE_PATH_AT_IDP_FIX).format(
            want=want, got=got, base=base, setting=setting), "sp" if at_sp else "idp"
    a, b = split_url(want.strip()), split_url(got.strip())
    if a is not None and b is not None and a.path != b.path and unquote(a.path) == unquote(b.path):
        return PERCENT_ENCODED_ACS_FIX.format(want=want, got=got), "idp"
    if acs_path_apart(want, got):
        return STALE_ACS_FIX.format(want=want, got=got), "idp"
    return None, None


def _names_the_sp_entity(msg: SamlMessage, ctx: CheckContext, url: str) -> bool:
    """Whether `url` is the SP's entity ID (configured, or the consumed assertion's Audience): an IdP that
    posts to the entity ID where the ACS URL belongs (samlp writes `destination || audience`)."""
    a = consumed_assertion(msg)
    names = {ctx.expect.sp_entity_id, *(v for group in (a.audience_restrictions if a else ()) for v in group)}
    return url.strip() in {n.strip() for n in names if n}


def acs_path_apart(want: str, got: str) -> bool:
    """Whether two ACS URLs name another endpoint (their paths differ beyond a trailing slash): the
    IdP posts to an ACS path the SP does not serve (SAML profiles 4.1.4.5), the IdP's entry to fix.
    A scheme, host or port apart is the SP's base URL behind a proxy (the code's side)."""
    a, b = split_url(want.strip()), split_url(got.strip())
    return a is not None and b is not None and a.path.rstrip("/") != b.path.rstrip("/")


def base_path_apart(want: str, got: str) -> bool:
    """Whether two URLs' paths differ only in a base before the same route (one path ends with the
    other, at a '/': a subdirectory, a front controller's index.php, a proxy's path prefix): the SP's
    own base URL, as a scheme, host or port apart is, not another ACS endpoint."""
    a, b = split_url(want.strip()), split_url(got.strip())
    if a is None or b is None:
        return False
    short, long = sorted((a.path.rstrip("/"), b.path.rstrip("/")), key=len)
    return short.startswith("/") and short != long and long.endswith(short)


def check_recipient(msg: SamlMessage, ctx: CheckContext):
    want = ctx.expect.acs_url
    a = consumed_assertion(msg)
    if a is None:
        return
    if not want:
        for sc in a.subject_confirmations:
            if sc.method == BEARER and sc.recipient and is_template_variable(sc.recipient):
                yield _unfilled(msg, "recipient-mismatch", "SubjectConfirmationData Recipient", sc.recipient,
                                "Recipient (ACS URL)", want)
        return
    found = bearers(a)
    if len(found) > 1 and any(sc.recipient == want for sc in found):
        return  # SAML profiles 4.1.4.3: one bearer confirmation for this ACS is enough
    for sc in a.subject_confirmations:
        if sc.method == BEARER and sc.recipient is not None and sc.recipient != want:
            hint, side = acs_fix(want, sc.recipient, ctx)
            yield finding(msg, "recipient-mismatch",
                          f"SubjectConfirmationData Recipient is {sc.recipient!r}, the ACS URL is "
                          f"{want!r}: " + _url_difference(want, sc.recipient),
                          expected=want, actual=sc.recipient, side=side,
                          hint=in_idp(hint or spec("recipient-mismatch").fix, "recipient-mismatch", msg.issuer))


def fold_recipient(findings: list[Finding]) -> list[Finding]:
    """One wrong ACS URL at the IdP makes both the Response's Destination and the assertion's
    Recipient wrong (the IdP writes both from the SP's ACS endpoint): a recipient-mismatch that
    names the URL of the message's destination-mismatch is said in it, one error for one cause."""
    dest = next((f for f in findings if f.code == "destination-mismatch" and f.actual), None)
    same = [f for f in findings if f.code == "recipient-mismatch" and dest is not None
            and (f.actual, f.expected, f.message_ref) == (dest.actual, dest.expected, dest.message_ref)]
    if not same:
        return findings
    said = replace(dest, message_text=dest.message_text + " (the assertion's SubjectConfirmationData Recipient "
                   "names the same URL: one ACS setting at the IdP)")
    return [said if f is dest else f for f in findings if f not in same]


def check_schema_order(msg: SamlMessage, ctx: CheckContext):
    for fact in msg.structure:
        if fact.startswith("schema-order:"):
            path, ahead, behind = fact.split(":", 1)[1].rsplit(":", 2)
            still = " (the signature itself may still verify)" if "Signature" in (ahead, behind) else ""
            who = sender(msg.kind, msg.issuer, ctx.expect)
            # the code's fix speaks to the IdP; a request or logout message may come from either side
            hint = None if who == "idp" else (
                f"Have the {msg.kind}'s sender ({msg.issuer or 'its Issuer'}) write the {behind} before "
                f"the {ahead} (SAML core 3.2.1, 3.4.1, 3.7.1): receivers that validate against the schema "
                "refuse it")
            yield finding(msg, "schema-order-invalid",
                          f"in {path} the {ahead} comes before the {behind}; the schema's order is "
                          f"{behind}, {ahead}{still}",
                          expected=f"{behind}, then {ahead}", actual=f"{ahead}, then {behind}", hint=hint,
                          side="sp" if who == "sp" else None)


def check_bearer_confirmation(msg: SamlMessage, ctx: CheckContext):
    """SAML profiles 4.1.4.2: the assertion of a Web Browser SSO response has at least one bearer
    SubjectConfirmation whose SubjectConfirmationData carries Recipient and NotOnOrAfter (java-saml
    'A valid SubjectConfirmation was not found', python3-saml likewise, OpenSAML's bearer validator)."""
    a = consumed_assertion(msg)
    if a is None or msg.kind != "Response":
        return
    found = bearers(a)
    if not found:
        methods = sorted({(sc.method or "no Method").rsplit(":", 1)[-1] for sc in a.subject_confirmations})
        yield finding(msg, "subject-confirmation-missing",
                      "the assertion has no bearer SubjectConfirmation"
                      + (f" (only {', '.join(methods)})" if methods else " (no SubjectConfirmation at all)"),
                      expected=BEARER, actual=", ".join(methods) or None)
        return
    lacking = [[name for name, value in (("Recipient", sc.recipient), ("NotOnOrAfter", sc.not_on_or_after))
                if value is None] for sc in found]
    if all(lacking):
        yield finding(msg, "subject-confirmation-missing",
                      "the bearer SubjectConfirmationData lacks " + "; ".join(
                          ", ".join(missing) + (f" (#{i + 1})" if len(found) > 1 else "")
                          for i, missing in enumerate(lacking)),
                      expected="Recipient and NotOnOrAfter")


def check_bearer_not_before(msg: SamlMessage, ctx: CheckContext):
    """SAML profiles 4.1.4.2: a bearer SubjectConfirmationData 'MUST NOT contain a NotBefore attribute'.
    A warning: of the SP libraries only Apache CXF (SAMLSSOResponseValidator) refuses it; java-saml
    (SamlResponse.validateSubjectConfirmation), python3-saml and OpenSAML refuse it only while it is ahead,
    which check_subject_confirmation says as assertion-not-yet-valid."""
    a = consumed_assertion(msg)
    if a is None or msg.kind != "Response":
        return
    skew = timedelta(seconds=ctx.expect.clock_skew)
    for i, sc in enumerate(bearers(a)):
        if sc.not_before is not None and (ctx.at is None or not early(ctx.at, sc.not_before, skew)):
            yield finding(msg, "subject-confirmation-not-before",
                          f"the bearer SubjectConfirmationData{f' #{i + 1}' if len(bearers(a)) > 1 else ''} has "
                          f"NotBefore {fmt_time(sc.not_before)}, which SAML profiles 4.1.4.2 forbids there; "
                          "SonarQube (java-saml, Spring) accepts it once reached, Apache CXF refuses it",
                          expected="no NotBefore", actual=fmt_time(sc.not_before))


def check_audience(msg: SamlMessage, ctx: CheckContext):
    a = consumed_assertion(msg)
    if a is None:
        return
    if not a.audience_restrictions:
        yield finding(msg, "audience-missing", "the assertion's Conditions carry no AudienceRestriction"
                      if a.has_conditions else "the assertion has no Conditions, so no AudienceRestriction",
                      expected=ctx.expect.sp_entity_id)
        return
    want = ctx.expect.sp_entity_id
    if not want:
        for value in {x for audiences in a.audience_restrictions for x in audiences if is_template_variable(x)}:
            yield _unfilled(msg, "audience-mismatch", "Audience", value, "Audience (SP Entity ID)", want)
        return
    padded = [raw for name, raw in a.untrimmed if name == "Audience" and raw.strip() == want]
    if padded and all(want in audiences for audiences in a.audience_restrictions):
        yield replace(finding(
            msg, "audience-mismatch",
            f"Audience {padded[0]!r} equals the SP entity ID {want!r} only once the whitespace around it is "
            "removed: python3-saml compares the Audience as written and rejects it ('is not a valid "
            "audience'); java-saml and Spring/OpenSAML trim it",
            expected=want, actual=padded[0],
            hint="make the IdP write the Audience without line breaks or spaces around it"),
            severity=Severity.WARNING)
    for audiences in a.audience_restrictions:
        if want not in audiences:
            near = [x for x in audiences if x.lower().rstrip("/") == want.lower().rstrip("/")]
            why = " (they differ only in case or a trailing slash: the comparison is exact)" if near else ""
            real = [x for x in audiences if not is_template_variable(x)]
            if audiences and not any(audiences):
                # <saml:Audience/>: java-saml, python3-saml and ruby-saml drop empty values and then skip
                # the check; OpenSAML (Spring, Shibboleth) finds no audience equal to the SP's and refuses
                why = (": the Audience element is empty (an IdP application whose Audience / SP Entity ID "
                       "field is blank); OpenSAML-based SPs (Spring Security, Shibboleth) refuse it, while "
                       "java-saml, python3-saml and ruby-saml ignore an empty Audience and accept it")
            elif audiences and not real:
                # the SP must not adopt '{audience}' as its entity ID: the IdP's field is empty
                why = (": an unfilled template variable, not an entity ID (the IdP application's "
                       "Audience / SP Entity ID field is empty)")
            yield finding(msg, "audience-mismatch",
                          f"Audience {', '.join(repr(x) for x in audiences)} does not include the SP "
                          f"entity ID {want!r}{why}",
                          expected=want, actual=", ".join(audiences),
                          hint=in_idp(f"set the IdP application's Identifier (Entity ID) to {want}"
                                      + (f", or set {ctx.expect.setting_name('sp_entity_id')} to {real[0]}"
                                         if real and ctx.expect.settable("sp_entity_id") else ""),
                                      "audience-mismatch", msg.issuer))
            return


def check_sp_name_qualifier(msg: SamlMessage, ctx: CheckContext):
    """A NameID's SPNameQualifier names the SP the identifier was made for (SAML core 2.2.2, 8.3.7):
    java-saml, python3-saml and ruby-saml refuse one that is not the SP entity ID."""
    a = consumed_assertion(msg)
    want = ctx.expect.sp_entity_id
    qualifier = a.name_id.sp_name_qualifier if a is not None and a.name_id is not None else None
    if want and qualifier is not None and qualifier != want:
        text = (f"the NameID's SPNameQualifier {qualifier!r} is not the SP entity ID {want!r}: the IdP made "
                "this identifier for another SP; in strict mode java-saml (SonarQube) and python3-saml refuse "
                "it when the SP reads the NameID, and ruby-saml refuses it ('The SPNameQualifier value "
                "mistmatch the SP entityID value.')")
        # a warning: SAML core 2.2.3 makes it a qualifier only, and java-saml's isValid and OpenSAML
        # pass it; the refusal comes when the toolkit reads the NameID (java-saml Auth.processResponse)
        yield replace(finding(msg, "audience-mismatch", text, expected=want, actual=qualifier,
                              hint=f"set the IdP application's SP Name Qualifier (or Entity ID) to {want}, or "
                                   "leave SPNameQualifier out"), severity=Severity.WARNING)


def check_in_response_to(msg: SamlMessage, ctx: CheckContext):
    if msg.kind != "Response":
        return
    want = ctx.expect.request_id
    got = msg.in_response_to
    if got is None and msg.status is not None and msg.status.code != SUCCESS:
        # an IdP's refusal leaves InResponseTo out when it would not take the request (SAML core
        # 3.2.2; Google's 'ACS Url in request ... doesn't match' answer): no sign of an IdP-initiated login
        return
    if got is None:
        yield finding(msg, "unsolicited-response",
                      "the Response has no InResponseTo: the login was started at the IdP "
                      "(IdP-initiated)", expected=want)
        return
    if want and got != want:
        yield finding(msg, "inresponseto-mismatch",
                      f"InResponseTo is {got!r} but the SP was waiting for {want!r}",
                      expected=want, actual=got)
    a = consumed_assertion(msg)
    if a is not None and one_confirms(a, got, ctx.at, timedelta(seconds=ctx.expect.clock_skew), ctx.expect.acs_url):
        return  # another bearer confirmation answers this request and holds (SAML profiles 4.1.4.3)
    # only bearer confirmations: java-saml's validateSubjectConfirmation skips any other Method, and
    # SAML profiles 4.1.4.2 asks InResponseTo of the bearer one alone
    for sc in (bearers(a) if a else ()):
        if sc.in_response_to is not None and sc.in_response_to != got:
            yield finding(msg, "inresponseto-mismatch",
                          f"SubjectConfirmationData InResponseTo {sc.in_response_to!r} differs from the "
                          f"Response's {got!r}", expected=got, actual=sc.in_response_to)
        elif sc.in_response_to is None:
            # SAML profiles 4.1.4.2: in answer to an AuthnRequest the bearer SubjectConfirmationData's
            # InResponseTo MUST match the request's ID; java-saml (SamlResponse.validateSubjectConfirmation:
            # 'inResponseTo == null && responseInResponseTo != null') refuses it without one
            yield finding(msg, "inresponseto-mismatch",
                          f"the Response answers request {got!r} but its bearer SubjectConfirmationData has "
                          "no InResponseTo (SAML profiles 4.1.4.2 asks for the request's ID there): java-saml "
                          "(SonarQube up to 10.x) refuses it ('SubjectConfirmationData has an invalid "
                          "InResponseTo value')", expected=got, actual="no InResponseTo")


def check_assertion_count(msg: SamlMessage, ctx: CheckContext):
    if msg.kind != "Response":
        return
    success = msg.status is None or msg.status.code == SUCCESS
    # what an SP consumes: the Response's own (possibly encrypted) assertions (SAML core 3.3.3)
    consumable = len(msg.assertions) + msg.encrypted_assertion_count - sum(a.was_encrypted for a in msg.assertions)
    total = max(msg.assertion_elements, consumable)  # java-saml/python3-saml count every one
    if consumable == 0 and success:
        elsewhere = (f" ({msg.assertion_elements} elsewhere in the document, where no SP takes it)"
                     if msg.assertion_elements else "")
        yield finding(msg, "assertion-missing", f"the Response has Success status but no Assertion{elsewhere}")
    elif total > 1:
        advice = sum(1 for f in msg.structure if f.startswith("advice-assertion:"))
        why = (f" ({advice} inside saml:Advice, which SAML allows: java-saml and python3-saml count "
               "every Assertion in the document and reject it; Spring/OpenSAML consider only the "
               "Response's own assertions)") if advice else ""
        from samlscan.checks.signature import _wrapping_findings

        # an Assertion where no IdP puts one, or a signed one beside the consumed one: a forgery's
        # layout, not an IdP setting (signature-wrapping says so; the two must not disagree)
        forged = not advice and bool(_wrapping_findings(msg))
        yield finding(msg, "assertion-multiple", f"the Response carries {total} assertions{why}"
                      + ("; their layout is that of a forged response (see signature-wrapping)" if forged else ""),
                      expected="1", actual=str(total),
                      hint="reject the response and find who altered it; no IdP setting produces this "
                           "layout (java-saml and python3-saml refuse it for the count alone)" if forged else None)


CHECKS = (check_version, check_wsfed, check_ids, check_status, check_issuer, check_destination, check_recipient,
          check_bearer_confirmation, check_bearer_not_before, check_audience, check_sp_name_qualifier, check_in_response_to,
          check_assertion_count, check_schema_order)
