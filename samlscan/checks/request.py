"""AuthnRequest: what the SP asked for, compared with what it is configured to expect."""
from __future__ import annotations

import re
from datetime import timedelta

from samlscan.checks.base import CheckContext, finding, fmt_time
from samlscan.catalog import with_idp_part
from samlscan.checks.protocol import _url_difference, host_port, split_url
from samlscan.codes import IDP_WHERE
from samlscan.model import SamlMessage


def check_authn_request(msg: SamlMessage, ctx: CheckContext):
    if msg.kind != "AuthnRequest":
        return
    acs = msg.acs_url or (f"index {msg.acs_index}" if msg.acs_index is not None else "(IdP default)")
    parts = [_named("ID", msg.id), _named("Issuer", msg.issuer), f"ACS {acs}"]
    if msg.protocol_binding:
        # ProtocolBinding: the binding the response is asked to come back by (SAML core 3.4.1), not
        # the one this request travelled by (a redirected request asks for a POSTed response)
        parts.append(f"response binding {msg.protocol_binding.rsplit(':', 1)[-1]}")
    if msg.destination:
        parts.append(f"Destination {msg.destination}")
    if msg.nameid_policy_format:
        parts.append(f"NameIDPolicy {msg.nameid_policy_format.rsplit(':', 1)[-1]}")
    # (as the XML writes them; one not set is false, SAML core 3.4.1: only a true one is news)
    parts += [f"{name}=true" for name, on in (("ForceAuthn", msg.force_authn), ("IsPassive", msg.is_passive)) if on]
    notes = []
    e = ctx.expect
    other = another_sp(msg, e)
    if e.sp_entity_id and msg.issuer and msg.issuer != e.sp_entity_id:
        notes.append(f"its Issuer differs from the SP entity ID {e.sp_entity_id!r}: " + (
            f"another SP's request ({other}), not judged against these settings" if other else
            "the IdP will look up another application (Entra: AADSTS700016)"))
    if e.acs_url and msg.acs_url and msg.acs_url != e.acs_url:
        notes.append(f"it asks for ACS {msg.acs_url}, not the configured {e.acs_url}: the IdP may refuse "
                     "it (Entra: AADSTS50011) or post to the wrong place")
    notes += _acs_notes(msg, e.profile)
    text = "AuthnRequest: " + ", ".join(parts) + (". Note: " + "; ".join(notes) if notes else "")
    yield finding(msg, "request-issued", text, hint="; ".join(notes) or "nothing to fix")
    product = issuer_lookup_idp(msg.destination)
    if e.sp_entity_id and msg.issuer and msg.issuer != e.sp_entity_id and product and not other:
        yield finding(msg, "app-not-found",
                      f"the AuthnRequest's Issuer {msg.issuer!r} is not the SP entity ID {e.sp_entity_id!r}: "
                      f"the IdP at {msg.destination} finds the application by that Issuer, so it refuses the "
                      "request unless an application of its has that Identifier (Entra: AADSTS700016)",
                      expected=e.sp_entity_id, actual=msg.issuer,
                      hint=with_idp_part(f"Send the SP entity ID the IdP knows: {e.setting_name('sp_entity_id')} "
                                         "must equal the IdP application's Identifier", IDP_WHERE["app-not-found"],
                                         product))


def _named(attribute: str, value: str | None) -> str:
    """'ID 'x'' or 'no ID': an absent value is said so, not printed as Python's None."""
    return f"{attribute} {value!r}" if value is not None else f"no {attribute}"


def another_sp(msg: SamlMessage, e) -> str | None:
    """Why `msg` is evidently not a request of the configured SP, or None: it asks for an ACS on
    another host than the SP's, or goes to another host than the SP's IdP login URL. A browser
    capture or a scanned folder holds every application the user signed in to (Jenkins' request to
    Keycloak beside SonarQube's settings), and the SP sends its requests to its own login URL."""
    mine = [_host(u) for u in (e.acs_url,) if u]
    if msg.acs_url and mine and _host(msg.acs_url) not in mine:
        return f"ACS on {_netloc(msg.acs_url)}, the SP's is on {_netloc(e.acs_url)}"
    idps = [_host(u) for u in e.idp_sso_urls]
    if msg.destination and idps and _host(msg.destination) not in idps:
        return f"sent to {_netloc(msg.destination)}, the SP's IdP is {_netloc(e.idp_sso_urls[0])}"
    return None


def _host(url: str) -> tuple:
    """host_port of `url`; an unreadable URL as written (equal only to itself)."""
    u = split_url(url)
    return host_port(u) if u else (url.lower(), "?")


def _netloc(url: str) -> str:
    u = split_url(url)
    return u.netloc if u else url


_ISSUER_LOOKUP = (
    # Entra's tenant endpoint (all clouds): one URL for every application of the tenant
    ("entra", r"https://login\.(?:microsoftonline\.(?:com|us)|partner\.microsoftonline\.cn|chinacloudapi\.cn)"
              r"/[^/]+/saml2/?$"),
    ("adfs", r"/adfs/ls/?$"),
    ("keycloak", r"/realms/[^/]+/protocol/saml/?$"),
    ("shibboleth", r"/idp/profile/SAML2/(?:Redirect|POST|POST-SimpleSign)/SSO$"),
    ("simplesamlphp", r"/saml2/idp/SSOService\.php$|/module\.php/saml/idp/singleSignOnService$"),
    # PingFederate: /idp/SSO.saml2 for every SP connection (the AuthnRequest's Issuer picks it),
    # /idp/startSSO.ping?PartnerSpId=<connection> for IdP-initiated SSO (PingFederate Server 'IdP
    # endpoints'; Shibboleth's wiki 'Ping': use /idp/SSO.saml2 for SP-initiated SSO)
    ("pingfederate", r"/idp/(?:SSO\.saml2|startSSO\.ping)$"),
    # PingOne: {{authPath}}/{{envID}}/saml20/idp/sso for every application of the environment, which
    # it finds by the request's Issuer, its spEntityId ('used to look up the application';
    # developer.pingidentity.com 'SAML SSO Using POST')
    ("pingone", r"^https://auth\.pingone\.(?:com|eu)/[0-9a-fA-F-]{36}/saml20/idp/sso/?$"),
    # Salesforce as IdP: the org's /idp/endpoint/HttpPost and HttpRedirect, the connected app found by
    # its Entity Id (Setup > Identity Provider > SAML metadata)
    ("salesforce", r"^https://[\w.-]+\.my\.salesforce\.com/idp/endpoint/Http(?:Post|Redirect)$"),
    # Oracle Access Manager: /oamfed/idp/samlv20 for every SP partner (real SPs' IdP SSO URLs)
    ("oracle-oam", r"^https?://[^/]+/oamfed/idp/samlv20/?$"),
    # ForgeRock AM / OpenAM (SSOCircle runs one): the hosted IdP's SSORedirect or SSOPOST/metaAlias/<realm>/idp
    ("forgerock", r"/SSO(?:Redirect|POST)/metaAlias/\S+$"),
    # WSO2 Identity Server: https://<host>:9443/samlsso (an organization's /t/<org>/samlsso), the resident
    # IdP's one endpoint; at the root only (InfoCert's SPID IdP has a /spid/samlsso of its own)
    ("wso2", r"^https?://[^/]+(?:/t/[^/]+)?/samlsso/?$"),
)
"""SSO endpoints shared by all the IdP's applications: the IdP knows which one a request is for only
by its Issuer (SAML core 3.2.1; unlike Okta's, Auth0's or Google's per-application URLs)."""


def issuer_lookup_idp(destination: str | None) -> str | None:
    """The IdP product whose shared SSO endpoint `destination` is (query aside): it chooses the
    application by the request's Issuer; None for another URL."""
    path = (destination or "").split("?", 1)[0]
    return next((name for name, form in _ISSUER_LOOKUP if re.search(form, path, re.IGNORECASE)), None) \
        if path else None


RESPONSE_BINDINGS = ("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
                     "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST-SimpleSign",
                     "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact",
                     "urn:oasis:names:tc:SAML:2.0:bindings:PAOS")
"""How a Web Browser SSO Response may travel (profiles 4.1.2; POST-SimpleSign: the SimpleSign
binding's errata profile, which the Shibboleth SP's default metadata offers)."""


def _acs_notes(msg: SamlMessage, profile: str | None = None) -> list[str]:
    """Where the request asks the IdP to send its response, when the IdP may refuse it."""
    notes = []
    if msg.acs_index is not None and (msg.acs_url or msg.protocol_binding):
        # SAML core 3.4.1: the index is "mutually exclusive with" the URL and ProtocolBinding
        given = " and ".join(n for n, v in (("AssertionConsumerServiceURL", msg.acs_url),
                                             ("ProtocolBinding", msg.protocol_binding)) if v)
        notes.append(f"it gives AssertionConsumerServiceIndex {msg.acs_index!r} together with {given}, "
                     "which SAML core 3.4.1 forbids: the IdP may refuse the request or use either one; "
                     "send the URL (and binding) or the index, not both")
    if msg.protocol_binding and msg.protocol_binding not in RESPONSE_BINDINGS:
        # SAML profiles 4.1.2: the Response of Web Browser SSO travels by POST or Artifact (PAOS for ECP)
        notes.append(f"it asks for the response by {msg.protocol_binding.rsplit(':', 1)[-1]}, which Web "
                     "Browser SSO does not allow (SAML profiles 4.1.2: HTTP-POST or HTTP-Artifact): the "
                     "IdP will refuse it" + ("; SonarQube's ACS takes HTTP-POST" if profile == "sonarqube" else ""))
    return notes


def check_logout_expiry(msg: SamlMessage, ctx: CheckContext):
    """A LogoutRequest's NotOnOrAfter (SAML core 3.7.1), judged as the Conditions of an assertion:
    at the evaluation time, with the SP's clock skew (node-saml: 'LogoutRequest is expired')."""
    from samlscan.checks.timing import _seconds
    from samlscan.saml import parse_saml_time

    raw = next((f.partition(":")[2] for f in msg.structure if f.startswith("request-not-on-or-after:")), None)
    expires = parse_saml_time(raw)
    if msg.kind != "LogoutRequest" or expires is None or ctx.at is None:
        return
    late = ctx.at - expires
    if late < timedelta(seconds=ctx.expect.clock_skew):
        return
    yield finding(msg, "request-expired",
                  f"the LogoutRequest's NotOnOrAfter {fmt_time(expires)} passed {_seconds(late)} before "
                  f"{fmt_time(ctx.at)} ({ctx.at_source}), allowing {ctx.expect.clock_skew} s of clock "
                  "skew: its recipient must not act on it, the session is not ended",
                  expected=f"before {fmt_time(expires)}", actual=fmt_time(ctx.at))


SENDER_NAMED = ("AuthnRequest", "LogoutRequest", "LogoutResponse")
"""Messages whose Issuer SAML profiles require (4.1.4.1 the AuthnRequest, 4.4.4.1-2 the Logout
messages): the receiver looks their sender up by it."""


def check_request_issuer(msg: SamlMessage, ctx: CheckContext):
    """A message of SENDER_NAMED without Issuer: its receiver cannot tell who sent it, nor which
    key verifies it (Clever/saml2's LogoutRequest without one: Okta answered AuthnFailed)."""
    if msg.kind not in SENDER_NAMED or msg.issuer_count:
        return
    yield finding(msg, "request-issuer-missing",
                  f"the {msg.kind} has no Issuer: its receiver cannot tell who sent it and refuses it "
                  "(SAML profiles " + {"AuthnRequest": "4.1.4.1"}.get(msg.kind, "4.4.4") + " require it)",
                  expected="<saml:Issuer> with the sender's entity ID", actual="no Issuer",
                  side="sp" if msg.kind == "AuthnRequest" else None)


def check_logout_issuer(msg: SamlMessage, ctx: CheckContext):
    """A Logout message's Issuer names its sender (SAML profiles 4.4.4.1-2): one that is neither the
    configured IdP nor the SP is refused by the SP that receives it (java-saml, python3-saml, php-saml:
    'Invalid issuer in the Logout Request/Response'); the SP's own messages name the SP."""
    from samlscan.saml import sender

    want, got = ctx.expect.idp_entity_id, msg.issuer
    if msg.kind not in ("LogoutRequest", "LogoutResponse") or not want or got is None \
            or not ctx.expect.sp_entity_id or sender(msg.kind, got, ctx.expect) != "either":
        return  # (without the SP's entity ID, an SP's own logout message could not be told apart)
    words = msg.kind.replace("Logout", "Logout ")
    yield finding(msg, "issuer-mismatch",
                  f"the {msg.kind} Issuer is {got!r}, neither the IdP the SP expects ({want!r}) nor the SP: "
                  f"the SP refuses it (java-saml: 'Invalid issuer in the {words}. Was '{got}', but expected "
                  f"'{want}''; python3-saml and php-saml alike)", expected=want, actual=got,
                  hint=f"set {ctx.expect.setting_name('idp_entity_id')} to {got} if this IdP is the right one; "
                       f"otherwise the {msg.kind} comes from another IdP or tenant")


def check_logout_in_response_to(msg: SamlMessage, ctx: CheckContext):
    """A LogoutResponse answers the LogoutRequest its input holds (SAML core 3.7.2: InResponseTo, that
    request's ID; engine._awaited_request names it): the SP libraries refuse another (ruby-saml and
    java-saml: 'The InResponseTo of the Logout Response: ..., does not match the ID of the Logout
    request sent by the SP: ...')."""
    want, got = ctx.expect.request_id, msg.in_response_to
    if msg.kind != "LogoutResponse" or not want or got is None or got == want:
        return
    yield finding(msg, "inresponseto-mismatch",
                  f"the LogoutResponse's InResponseTo is {got!r}, but the last LogoutRequest before it is {want!r}: "
                  "the SP that sent it refuses another answer", expected=want, actual=got,
                  hint="it answers another LogoutRequest than the one sent last: keep the SP session (and its "
                       "LogoutRequest's ID) across the logout round trip, and start one logout at a time")


def _endpoint(url: str) -> str:
    """A URL without its query and fragment, as the receiver compares it (python3-saml
    get_self_url_no_query, java-saml's request URL)."""
    return url.partition("#")[0].partition("?")[0]


def _place(url: str) -> tuple:
    """Scheme, host and port as a browser writes them (checks.protocol.host_port) and the path:
    two spellings of one endpoint are equal."""
    u = split_url(url.strip())
    return (u.scheme.lower(), *host_port(u), u.path) if u else ("?", url.strip(), "?", "")


def _sides(msg: SamlMessage, sent_to: str, expect) -> tuple[str, str, str | None]:
    """(sender, receiver, side) of a Logout message: by its Issuer; else a message sent to the
    SP's ACS host is the IdP's."""
    from samlscan.saml import sender

    who = sender(msg.kind, msg.issuer, expect)
    if who == "either" and expect.acs_url and _place(expect.acs_url)[1:3] == _place(sent_to)[1:3]:
        who = "idp"
    if who == "either":
        return f"the sender (Issuer {msg.issuer or '-'})", "receiver", None
    return ("the IdP", "SP", who) if who == "idp" else ("the SP", "IdP", who)


_SCHEME_NOTE = "the browser was sent to an address of another scheme than the one written as Destination"


def _refusal(msg: SamlMessage, sent_to: str, receiver: str) -> str:
    """How its receiver says no: the SP libraries' words, or the binding's rule for an IdP."""
    if receiver == "IdP":
        return ("SAML core 3.2.1: a recipient checks that the Destination is where it received the "
                "message and discards it otherwise")
    return f"python3-saml and java-saml: 'The {msg.kind} was received at {sent_to} instead of {msg.destination}'"


def check_logout_destination(msg: SamlMessage, ctx: CheckContext):
    """A Logout message's Destination against the URL the capture shows it was sent to: its
    receiver verifies it (SAML bindings 3.4.5.2, 3.5.5.2), python3-saml and java-saml in strict mode
    without the query ('The LogoutRequest was received at <url> instead of <Destination>');
    an empty Destination is not checked (neither checks it)."""
    if msg.kind not in ("LogoutRequest", "LogoutResponse") or not msg.url or not (msg.destination or "").strip():
        return
    sent_to = _endpoint(msg.url)
    u = split_url(sent_to)
    if u is None or u.scheme.lower() not in ("http", "https") or not u.netloc:
        return  # a relative form action: where it went is not known
    if _place(_endpoint(msg.destination)) == _place(sent_to):
        return

    who, receiver, side = _sides(msg, sent_to, ctx.expect)
    differs = _url_difference(sent_to, _endpoint(msg.destination), who, receiver, _SCHEME_NOTE)
    yield finding(msg, "logout-destination-mismatch",
                  f"the {msg.kind} from {who} has Destination {msg.destination!r} but was sent to {sent_to}: "
                  f"{differs}; the {receiver} may refuse it ({_refusal(msg, sent_to, receiver)}; the capture may show an "
                  "earlier hop of a redirect)",
                  expected=sent_to, actual=msg.destination,
                  hint=f"make {who} send the {msg.kind} to the URL it writes as Destination: both come from its "
                       f"setting of the {receiver}'s Single Logout URL, which must be the one the {receiver} "
                       "serves (scheme, host, port, path)", side=side)


def _binding_name(binding: str) -> str:
    """'HTTP-POST' of a binding URI; a URI without its last name (a bare 'urn:...:bindings:') whole."""
    return binding.rsplit(":", 1)[-1] or binding


_BINDINGS = {"redirect": ("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",),
             "post": ("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
                      "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST-SimpleSign")}
"""The SingleSignOnService Bindings (SAML bindings 3.4, 3.5; SimpleSign's errata binding) a request
sent by a redirect (GET) or by a form (POST) travels by."""


def check_request_binding(msg: SamlMessage, ctx: CheckContext):
    """An AuthnRequest sent to an SSO URL of the IdP metadata that is not listed for the binding it
    travelled by (metadata 2.4.3: a SingleSignOnService is one Binding's Location): a request POSTed
    to the HTTP-Redirect-only URL. Only a URL the metadata lists (for another binding) is judged."""
    endpoints = ctx.expect.idp_sso_endpoints
    sent_to = msg.url or msg.destination
    if msg.kind != "AuthnRequest" or msg.binding not in _BINDINGS or not endpoints or not sent_to:
        return
    where = _place(_endpoint(sent_to))
    if any(_place(_endpoint(url)) == where for binding, url in endpoints if binding in _BINDINGS[msg.binding]):
        return
    others = sorted({_binding_name(binding) for binding, url in endpoints if _place(_endpoint(url)) == where})
    if not others:
        return  # a URL the metadata does not list at all: another IdP's, or an older one (not the binding's fault)
    used = _BINDINGS[msg.binding][0].rsplit(":", 1)[-1]
    right = [url for binding, url in endpoints if binding in _BINDINGS[msg.binding]]
    listed = f"the IdP metadata lists it for {', '.join(others)} only"
    yield finding(msg, "request-binding-unlisted",
                  f"the AuthnRequest was sent by {used} to {_endpoint(sent_to)}, but {listed}: the IdP's endpoint "
                  f"there does not read a {used} message" + (f" (its {used} URL is {right[0]})" if right else
                                                               f" (it lists no {used} SingleSignOnService)"),
                  expected=right[0] if right else f"a {used} SingleSignOnService", actual=_endpoint(sent_to),
                  side="sp")


CHECKS = (check_authn_request, check_request_binding, check_request_issuer, check_logout_issuer, check_logout_expiry,
          check_logout_destination, check_logout_in_response_to)
