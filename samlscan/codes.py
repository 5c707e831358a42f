"""Every finding and root-cause code, in one place.

`explain`, the SARIF rules and the docs are generated from this table; checks refer to codes by
name and take severity and wording from here. Never rename a code: add the old name to `aliases`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from samlscan import lazyre
from samlscan.config import CLOUD_SETTING_NAMES
from samlscan.model import Severity

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO


@dataclass(frozen=True)
class CodeSpec:
    code: str
    severity: Severity
    group: str
    summary: str
    """One line: what is wrong."""
    fix: str
    """What to change, and where."""
    side: str | None
    """Who usually acts: 'idp', 'sp', 'user', 'network', or None (input problems)."""
    attack: str | None = None
    """For security codes: how an attacker would use it."""
    aliases: tuple[str, ...] = ()


WHO_ACTS = {"idp": "IdP admin", "sp": "SP admin", "user": "user", "network": "network/proxy admin"}
"""Who acts, by a code's side: `samlscan explain`'s 'usually fixed by', the HTML report's 'who fixes'."""


def _s(code, sev, group, summary, fix, side, attack=None, aliases=()):
    return CodeSpec(code, sev, group, summary, fix, side, attack, tuple(aliases))


# Where each reverse proxy routes to the SP, and how long it waits for it: the clauses of
# proxy-answered-callback's fix; the general fix names the usual ones, a fix of an attempt whose
# evidence names the proxy that answered (its log, its error page) names that one alone
PROXY_ROUTES = {
    "Traefik": "the router and service named in its access log; with the Docker provider the router disappears "
               "while the container is stopped, restarting or unhealthy, so logins during a restart get Traefik's "
               "404 'page not found'",
    "AWS ALB": "the target group's targets, the SP, must be registered and healthy, its access log's error_reason "
               "says why",
    "nginx": "the address in proxy_pass or its upstream block must be the SP's, running",
    "HAProxy": "the backend's servers must be the SP's and up in its health checks (its 503 'No server is "
               "available to handle this request' when none is)",
    "Caddy": "the upstreams of its reverse_proxy must be the SP's address, running",
    "Azure Application Gateway": "its backend pool must hold the SP and Backend health must show it healthy",
    "Envoy": "the cluster of the route must hold the SP's endpoints, healthy ('no healthy upstream' when none is; "
             "'upstream connect error or disconnect/reset before headers' when the SP refused or dropped the connection)",
    "Cloudflare": "the DNS record's origin must be the SP's address and its firewall must let Cloudflare's IP ranges in "
                  "(521: the origin refused the connection, 522: it never answered the connection)",
    "Apache httpd": "the URL in ProxyPass (or its balancer's members) must be the SP's, running",
}
PROXY_TIMEOUTS = {
    "AWS ALB": "AWS ALB's idle timeout, 60 s by default",
    "nginx": "nginx's proxy_read_timeout",
    "HAProxy": "HAProxy's timeout server",
    "Envoy": "Envoy's route timeout, 15 s by default",
    "Cloudflare": "Cloudflare's proxy read timeout, 100 s by default (its 524)",
    "Apache httpd": "Apache's ProxyTimeout (else its Timeout, 60 s by default)",
}
_USUAL_ROUTES, _USUAL_TIMEOUTS = ("Traefik", "AWS ALB", "nginx"), ("AWS ALB", "nginx", "HAProxy")


def proxy_answer_fix(proxy: str | None = None) -> str:
    """proxy-answered-callback's fix: naming `proxy` alone (a key of PROXY_ROUTES, or any proxy's name)
    when the evidence shows which answered, else the usual proxies'."""
    routes = [proxy] if proxy else list(_USUAL_ROUTES)
    waits = [proxy] if proxy else list(_USUAL_TIMEOUTS)
    route = "; ".join(f"{n}: {PROXY_ROUTES[n]}" for n in routes if n in PROXY_ROUTES)
    wait = "; ".join(PROXY_TIMEOUTS[n] for n in waits if n in PROXY_TIMEOUTS)
    who = proxy or "the proxy"
    return (f"Make {f'the proxy that answered, {proxy},' if proxy else who} reach the SP at the ACS URL at that time: its route to the SP's host must exist and the "
            f"SP's servers behind it must be up; a 502 or 503 is the SP refusing or down{f' ({route})' if route else ''}. "
            f"A 504 is the SP answering slower than {who} waits{f' ({wait})' if wait else ''}: find in the SP's log "
            "why that request was slow, or raise the timeout. The IdP's response was not refused by the SP: log in "
            "again once the SP answers.")


# How each browser's DevTools exports a HAR whole (its cookies, POST bodies): by the HAR's creator.name.
# devtools-frontend models/har/Log.ts names Chromium's (Chrome, Edge) 'WebInspector'; its sanitized export
# (Chrome 130+'s default button) leaves cookies out, 'Export HAR (with sensitive data)' keeps them once
# DevTools Settings > Preferences > Network > 'Allow to generate HAR with sensitive data' is on. Firefox's
# netmonitor HarBuilder ('Firefox') and Safari's WebKit HARBuilder.js ('WebKit Web Inspector') have no
# sanitized mode: what is missing from theirs a tool removed after saving.
_NET_EXPORT = ("Chrome or Edge net-export: capture the login again at chrome://net-export (edge://net-export) with "
               "'Include raw bytes (will include cookies and credentials)' selected, Start Logging to Disk, log in, "
               "then Stop Logging: only that mode records cookies, what the browser posted and the pages it got "
               "(or export a HAR from DevTools' Network panel, which keeps request bodies)")
"""The capture modes of chrome://net-export (Chromium net/log/net_log_capture_mode.h: kDefault strips
cookies and credentials, kIncludeSensitive keeps them, kEverything adds the bytes sent and received)."""

HAR_EXPORTS = (
    ("Chrome net-export", _NET_EXPORT),
    ("WebInspector", "Chrome or Edge DevTools: turn on Settings > Preferences > Network > 'Allow to generate HAR "
                     "with sensitive data', then in the Network panel hold the Export HAR button (its arrow) and "
                     "choose 'Export HAR (with sensitive data)': the default 'Export HAR (sanitized)' (Chrome 130+) "
                     "leaves cookies out"),
    ("Firefox", "Firefox: in the Network panel right-click a request (or open the gear menu) > 'Save All As HAR', "
                "and send that file as saved: Firefox keeps cookies and bodies, so a tool removed them afterwards"),
    ("WebKit Web Inspector", "Safari: Web Inspector > Network > Export, and send that file as saved: Safari keeps "
                             "the cookies responses set, so a tool removed them afterwards"),
)
_REDACTED_HEAD = "Export the capture again without redacting SAML values (or use samlscan sanitize, which keeps them)"


def redacted_fix(creator: str | None = None) -> str:
    """input-redacted's fix: the export option of the tool that wrote the HAR (its creator.name), when it is
    a browser's DevTools; else each browser's, briefly."""
    own = next((how for name, how in HAR_EXPORTS if creator and creator.startswith(name)), None)
    if own:
        return f"{_REDACTED_HEAD}. {own}."
    return (f"{_REDACTED_HEAD}. A browser's HAR: Chrome or Edge DevTools' 'Export HAR (with sensitive data)' "
            "(once Settings > Preferences > Network > 'Allow to generate HAR with sensitive data' is on), "
            "Firefox's 'Save All As HAR', Safari Web Inspector's Network > Export.")


_SAFARI_BODY = ("Web Inspector shows no more than it exports, so the body cannot be copied from it either: copy "
                "the SAMLResponse field from the IdP's auto-submit page (Web Inspector > Network > that page > "
                "Response), or capture the login again with another browser (Chrome or Edge DevTools > Network "
                "> Export HAR keeps request bodies).")
"""Where the body of a POST is when Safari's HAR export has left it out."""


# Which SPs refuse a signing certificate outside its validity period (cert-expired,
# cert-not-yet-valid), from their source: java-saml, SonarQube's SAML, verifies with the configured
# certificate's key alone (Util.validateSignNode -> XMLSignature.checkSignatureValue(cert); no
# X509Certificate.checkValidity anywhere in SamlResponse.isValid), gosaml2 checks NotBefore/NotAfter
# at the assertion's time (providertests scenarios 21, 22, 93, 94).
_CERT_PERIOD_SPS = ("SonarQube (java-saml) verifies with the certificate's key and ignores its "
                    "validity period, so the login still works there; SPs that check the period "
                    "refuse it (gosaml2: 'Cert is not valid at this time').")


_SPECS = (
    # --- Input --------------------------------------------------------------------------------
    _s("input-unreadable", E, "input", "The input could not be read (missing, unreadable, not a file).",
       "See the reason given: check the path and that samlscan may read it; a damaged file must be "
       "copied, or asked for, again.", None),
    _s("input-not-saml", W, "input", "No SAML message or known log format was found in the input.",
       "Pass a SAMLResponse/SAMLRequest (XML, base64, form body, redirect URL), a HAR or a log file.",
       None),
    # an empty HAR is an export that failed (DevTools exports what the Network panel holds: nothing
    # when it was opened after the login, or cleared by a navigation without 'Preserve log')
    _s("input-capture-empty", W, "input",
       "The capture holds no request: its export failed, or it was saved before the login.",
       "Capture the login again: open DevTools (F12) > Network, tick 'Preserve log', sign in until the "
       "login fails, then 'Export HAR...' (the download arrow, or right-click a request) and give that "
       "file.", None),
    _s("input-log-malformed", E, "input",
       "The input is a log or export in a format samlscan knows, but none of its records could be read.",
       "Mend the file where the finding says (a trailing comma, a record cut off at the end) or "
       "export it again; a JSON document is read only when it is valid JSON (RFC 8259).", None),
    _s("input-bad-base64", E, "input", "The value is not valid base64.",
       "Copy the whole value; it was probably truncated or mixed with other text.", None),
    _s("input-bad-deflate", E, "input", "A redirect-binding value did not inflate (raw DEFLATE).",
       "Copy the whole URL parameter; redirect-binding values are base64 of raw DEFLATE data "
       "(SAML bindings 3.4.4.1).", None),
    _s("input-xml-malformed", E, "input", "The decoded message is not well-formed XML.",
       "Copy the message again from its source; it was truncated or altered.", None),
    _s("input-dtd-forbidden", E, "input",
       "The XML carries a DOCTYPE or entity declarations; it was refused and never resolved.",
       "SAML messages never need a DTD (SAML core 1.3). A DOCTYPE is a sign of an XXE or "
       "entity-expansion attack.", None,
       attack="External entities read local files or reach internal hosts (XXE); nested entities "
              "exhaust memory (billion laughs)."),
    _s("input-too-large", E, "input", "The input, or what it expands to, is beyond samlscan's size limits.",
       "Check the input; a legitimate SAML message is far below these limits.", None,
       attack="Compression or entity bombs aim to exhaust the memory of whoever parses them."),
    _s("input-redacted", W, "input", "A sanitizer replaced the value; nothing can be checked.",
       redacted_fix(), None),
    # Safari's Web Inspector writes `postData` only when WebKit kept the request's data (WebKit
    # Source/WebInspectorUI/UserInterface/Controllers/HARBuilder.js, request(): `if (resource.requestData)`),
    # so its export may hold a form POST without its body; the Request view of the same Web Inspector
    # reads the same `requestData`, and no export setting brings the body back.
    _s("input-body-not-exported", W, "input",
       "Safari's HAR export left this POST's request body out; what it sent cannot be read.",
       _SAFARI_BODY, None),
    _s("input-body-not-captured", W, "input",
       "The capture holds no request body for this POST (a Chrome or Edge net-export logged without raw bytes "
       "or sent over QUIC, whose frames are not read; a Charles session that kept none): what it sent cannot be "
       "read.",
       _NET_EXPORT + ". Charles: record the login again with SSL Proxying on for the SP's host and export the "
       "whole session (File > Export Session...) as a JSON Session or HAR.", None),
    _s("input-truncated", I, "input",
       "The capture file ends before its end (the browser stopped or crashed while logging); what came "
       "before the cut was read.",
       "Nothing to fix for what was read; if the login's last steps are missing, capture it again and stop "
       "logging before closing the browser.", None),
    _s("input-body-from-page", I, "input",
       "The capture left this POST's request body out (Safari's HAR export, Firefox's or Playwright's "
       "without bodies); its SAML value was read from the auto-submit page that posted it.",
       "Nothing to fix: the value is the one the IdP's page posted. To keep request bodies in a capture: "
       "Chrome or Edge DevTools > Network > Export HAR, Firefox with bodies saved, Playwright's "
       "recordHar without content 'omit'.", None),
    _s("browser-clock-off", I, "input",
       "The browser's clock was off: the capture's times were read on the servers' clock (the HTTP Date "
       "headers of its responses).",
       "Nothing to fix for the login: the SP and the IdP judge by their own clocks. Time checks of the "
       "capture use the corrected times; set the user's machine to synchronise its clock.", None),
    _s("internal-error", E, "input", "samlscan failed on this message or input (a bug in samlscan).",
       "The other findings and inputs still hold; please report the message or input shape (redacted) "
       "to samlscan.", None),
    _s("input-skipped", I, "input", "The input was skipped.", "See the reason given.", None),
    # --- Protocol -----------------------------------------------------------------------------
    _s("status-not-success", E, "protocol", "The IdP answered with a non-Success status.",
       "Read the status and its message: the IdP refused to issue an assertion; fix it in the IdP "
       "(user assignment, NameID policy, requested AuthnContext).", "idp"),
    _s("issuer-mismatch", E, "protocol", "The Issuer differs from the IdP entity ID the SP expects.",
       "Make the SP's IdP entity ID equal the Issuer the IdP sends (SonarQube: "
       "sonar.auth.saml.providerId).", "sp"),
    # SAML profiles 4.1.4.2: the Response's Issuer and each Assertion's Issuer both name the issuing
    # IdP. java-saml, python3-saml and php-saml compare every Issuer to the one configured
    # (SamlResponse.getIssuers: 'Invalid issuer in the Assertion/Response'), so with two different
    # ones at least one is refused, whatever the SP holds.
    _s("issuer-inconsistent", E, "protocol",
       "The Response's Issuer and an Assertion's Issuer differ: both must name the issuing IdP "
       "(SAML profiles 4.1.4.2).",
       "Make the IdP write its one entity ID in both Issuers; SPs built on java-saml, python3-saml or "
       "php-saml (SonarQube 10.x and older) refuse the response ('Invalid issuer in the "
       "Assertion/Response') whichever of the two they are configured with.", "idp",
       attack="An assertion issued by one party carried in another's Response: an SP that checks only "
              "one of the Issuers may take the assertion for the trusted IdP's."),
    _s("issuer-missing", E, "protocol", "The Assertion carries no Issuer (required, SAML core 2.3.3).",
       "Configure the IdP to include its Issuer.", "idp"),
    _s("request-issuer-missing", E, "protocol",
       "An AuthnRequest, LogoutRequest or LogoutResponse carries no Issuer (required: SAML profiles "
       "4.1.4.1, 4.4.4.1, 4.4.4.2).",
       "Configure its sender to put its entity ID in <saml:Issuer>: the receiver looks the sender up by "
       "it (its endpoints, the certificate that verifies its signature) and refuses the message "
       "without it (Okta answers a LogoutRequest without Issuer with status AuthnFailed).", None),
    _s("destination-mismatch", E, "protocol", "The Response Destination is not the SP's ACS URL.",
       "Make the IdP's ACS/Reply URL and the SP's ACS URL identical (scheme, host, port, path). "
       "SonarQube: ACS is sonar.core.serverBaseURL + /oauth2/callback/saml.", "sp"),
    _s("logout-destination-mismatch", W, "protocol",
       "A LogoutRequest or LogoutResponse was sent to another URL than its Destination: its receiver "
       "may refuse it (SAML bindings 3.4.5.2/3.5.5.2; python3-saml and java-saml in strict mode: 'The "
       "LogoutRequest was received at <url> instead of <Destination>').",
       "Make the sender's setting of the receiver's Single Logout URL (the SingleLogoutService "
       "Location in the receiver's metadata) the URL the receiver serves it at (scheme, host, port, "
       "path), or correct the receiver's base URL when it is reached through a proxy.", None),
    # SAML metadata 2.4.3: each SingleSignOnService names the binding its Location takes; a Shibboleth
    # IdP serves /profile/SAML2/Redirect/SSO (GET) and /profile/SAML2/POST/SSO (POST) apart, and its
    # decoder of one binding refuses a message of the other.
    _s("request-binding-unlisted", E, "protocol",
       "An AuthnRequest was sent by one binding (HTTP-Redirect or HTTP-POST) to an SSO URL the IdP metadata "
       "lists for another binding only: the IdP's endpoint for that binding cannot read it.",
       "Make the SP send the AuthnRequest to the IdP's SingleSignOnService Location of the binding it uses "
       "(or switch the SP's request binding to the one that URL is listed with): take both from the IdP's "
       "current metadata (SonarQube sends it by HTTP-Redirect to sonar.auth.saml.loginUrl: set it to the "
       "IdP's HTTP-Redirect SingleSignOnService Location).", "sp"),
    _s("recipient-mismatch", E, "protocol",
       "SubjectConfirmationData Recipient is not the SP's ACS URL.",
       "Make the IdP's ACS/Reply URL equal the SP's ACS URL (SAML profiles 4.1.4.2).", "idp"),
    _s("artifact-binding", I, "protocol",
       "The IdP answered with a SAML artifact (HTTP-Artifact binding): the Response goes from IdP to "
       "SP over SOAP, not through the browser, so it is not in the capture.",
       "Look for the Response in the SP's log (ArtifactResolve/ArtifactResponse), or have the IdP "
       "use the HTTP-POST binding for its responses (SonarQube expects POST).", None),
    _s("artifact-unsupported", E, "protocol",
       "The IdP sent a SAML artifact (HTTP-Artifact binding) to an SP that takes only the HTTP-POST binding: "
       "the SP finds no SAMLResponse and refuses the login (SonarQube: java-saml's 'SAML Response not found, "
       "Only supported HTTP_POST Binding'; Spring Security resolves no artifact).",
       "In the IdP, set the binding of this SP's responses to HTTP-POST "
       "(urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST, the binding of the SP's AssertionConsumerService in its "
       "metadata; an IdP may choose Artifact when the SP's entry was set up by hand or lists an HTTP-Artifact "
       "endpoint).",
       "idp"),
    _s("wsfed-signin", I, "protocol",
       "A WS-Federation sign-in (wa=wsignin1.0): its wresult, a WS-Trust RequestSecurityTokenResponse, carries "
       "the IdP's token and no SAML 2.0 Response (WS-Federation 1.2 13.2.3). A SAML 2.0 SP reads only a "
       "SAMLResponse at its ACS and refuses it; only an SP that takes WS-Federation at this URL can use it.",
       "If the SP is a SAML 2.0 SP (SonarQube), set the IdP's application for it up with SAML 2.0 instead of "
       "WS-Federation (the fix of wsfed-unsupported says how).", None),
    _s("wsfed-unsupported", E, "protocol",
       "The IdP sent a WS-Federation sign-in (wa=wsignin1.0, the token in wresult) to an SP that takes only a "
       "SAML 2.0 Response posted to its ACS: the SP finds no SAMLResponse and refuses the login (SonarQube: "
       "java-saml's 'SAML Response not found, Only supported HTTP_POST Binding'; Spring Security finds no "
       "SAMLResponse parameter).",
       "Set the SP up at the IdP with SAML 2.0, not WS-Federation. AD FS: in the relying party trust's "
       "Endpoints, add a SAML Assertion Consumer Endpoint (binding POST, the SP's ACS URL, e.g. "
       "https://<sonarqube>/oauth2/callback/saml) and remove the WS-Federation Passive Endpoint (or import the "
       "SP's metadata into a new trust), with the SP's entity ID as its identifier. Entra ID: use an "
       "enterprise application with Single sign-on method 'SAML' (Reply URL = the ACS URL), not an app "
       "registration or a WS-Federation app. Other IdPs (Okta, PingFederate, Keycloak): a SAML 2.0 "
       "application or client for the SP, not a WS-Federation one.",
       "idp"),
    _s("schema-order-invalid", W, "protocol",
       "Elements are not in the order the SAML schema requires (e.g. ds:Signature before saml:Issuer, "
       "a SubjectConfirmation before the NameID).",
       "Have the IdP write Issuer first, then Signature (SAML core 5.4.1), and in a Subject the NameID "
       "before its SubjectConfirmations (SAML core 2.4.1): SPs that validate against "
       "the schema (java-saml, python3-saml in strict mode) refuse it with 'Not match the "
       "saml-schema-protocol-2.0.xsd'.", "idp"),
    _s("subject-confirmation-missing", E, "protocol",
       "The assertion has no bearer SubjectConfirmation with a Recipient and a NotOnOrAfter.",
       "Configure the IdP to send a bearer SubjectConfirmation whose SubjectConfirmationData has "
       "Recipient = the SP's ACS URL and NotOnOrAfter (SAML profiles 4.1.4.2; java-saml, "
       "python3-saml and Spring reject the response without it).", "idp"),
    # SAML profiles 4.1.4.2: the bearer SubjectConfirmationData 'MUST NOT contain a NotBefore attribute'.
    # Apache CXF's SAMLSSOResponseValidator and WSS4J refuse it; java-saml, python3-saml, php-saml and
    # OpenSAML (Spring) check only that it has been reached (one not reached: assertion-not-yet-valid).
    _s("subject-confirmation-not-before", W, "protocol",
       "The bearer SubjectConfirmationData carries a NotBefore, which SAML profiles 4.1.4.2 forbids: "
       "Apache CXF's SAML SSO validator refuses it ('The Subject Conf Data must not contain a NotBefore "
       "timestamp'); java-saml (SonarQube), python3-saml, php-saml and Spring/OpenSAML accept it once "
       "that time is reached.",
       "Have the IdP leave NotBefore out of the bearer SubjectConfirmationData (an assertion template or "
       "IdP option that adds it): the assertion's start belongs in Conditions NotBefore.", "idp"),
    _s("audience-mismatch", E, "protocol", "No Audience equals the SP entity ID.",
       "Make the IdP's Audience / Identifier (Entity ID) equal the SP entity ID "
       "(SonarQube: sonar.auth.saml.applicationId).", "idp"),
    _s("audience-missing", W, "protocol", "The assertion has no AudienceRestriction.",
       "Configure the SP entity ID as Audience in the IdP; without it any SP would accept the "
       "assertion.", "idp"),
    _s("inresponseto-mismatch", E, "protocol",
       "InResponseTo does not name the request it answers (the SP's AuthnRequest, a LogoutRequest).",
       "The response answers another request: retry the login from the SP; if it persists, the SP "
       "lost its request state (cookies, SameSite, several nodes behind a load balancer).", "sp"),
    _s("unsolicited-response", I, "protocol",
       "The response has no InResponseTo: an IdP-initiated login.",
       "SPs that require SP-initiated login (SonarQube needs its OAUTHSTATE cookie) reject it: start "
       "the login from the SP, or configure the IdP tile to point at the SP's login URL.", "idp"),
    _s("assertion-missing", E, "protocol", "The Response carries no Assertion.",
       "If the status is not Success, fix that first; otherwise configure the IdP to send an "
       "assertion.", "idp"),
    _s("assertion-multiple", E, "protocol", "The Response carries more than one Assertion.",
       "SPs such as java-saml and python3-saml accept exactly one; configure the IdP to send one.",
       "idp", attack="Several assertions are a classic signature-wrapping layout."),
    _s("version-unsupported", E, "protocol", "The message is not SAML 2.0.",
       "SonarQube, java-saml, python3-saml and Spring Security read SAML 2.0 only: configure the "
       "IdP's application for SAML 2.0 (AD FS: a relying party trust with a SAML 2.0 assertion "
       "consumer endpoint, not WS-Federation or SAML 1.1; Shibboleth: the SAML2.SSO profile).", "idp"),
    _s("id-missing", E, "protocol", "The message or assertion has no ID attribute.",
       "IDs are required (SAML core 1.3.4).", "idp"),
    _s("request-issued", I, "protocol", "AuthnRequest decoded.", "Nothing to fix.", None),
    # --- Time ---------------------------------------------------------------------------------
    _s("assertion-expired", E, "time", "The assertion's Conditions NotOnOrAfter has passed.",
       "If the capture is recent, the SP or IdP clock is wrong (sync with NTP); otherwise the "
       "response was used too late.", "idp"),
    _s("assertion-not-yet-valid", E, "time", "The assertion's Conditions NotBefore is in the future.",
       "The IdP clock runs ahead of the SP clock: sync both with NTP, or raise the SP's clock skew.",
       "idp"),
    _s("subject-confirmation-expired", E, "time",
       "The bearer SubjectConfirmationData NotOnOrAfter has passed.",
       "Sync the clocks; if the IdP's validity window is very short, lengthen it.", "idp"),
    _s("subject-confirmation-drift", W, "time",
       "The bearer SubjectConfirmationData's NotBefore/NotOnOrAfter hold only thanks to the allowed "
       "clock skew: python3-saml compares them without any skew and rejects the Response ('A valid "
       "SubjectConfirmation was not found on this Response'), though it allows 300 s on Conditions.",
       "Sync the IdP and SP clocks with NTP; if the IdP's SubjectConfirmationData window is short, "
       "lengthen it.", "idp"),
    _s("session-expired", E, "time", "AuthnStatement SessionNotOnOrAfter has passed.",
       "The IdP session lifetime is shorter than the login took; sign in again or lengthen it.",
       "idp"),
    _s("clock-skew", W, "time",
       "The IdP clock and the capture time differ by more than common SPs tolerate.",
       "Sync the IdP and SP clocks with NTP.", "idp"),
    _s("server-clock-off", W, "time",
       "A server of the login answered with a clock that disagrees with the other servers' in the capture "
       "(HTTP Date headers).",
       "Sync that server's clock with NTP: an SP whose clock is off refuses fresh responses as not yet valid "
       "or expired, an IdP whose clock is off issues them so.", None),
    _s("time-not-utc", W, "time",
       "A SAML time is written with a UTC offset or without a zone, not in UTC with 'Z' (SAML core "
       "1.3.3): SPs read it differently (python3-saml rejects offsets; java-saml and python3-saml "
       "reject a time without a zone).",
       "Make the IdP write SAML times in UTC with 'Z' (SAML core 1.3.3).", "idp"),
    _s("request-expired", E, "time",
       "The LogoutRequest's NotOnOrAfter has passed: its recipient must not act on it (SAML core 3.7.1).",
       "Sync the clocks of the IdP and SP; if the capture is recent and the request already expired, "
       "its sender sets too short a NotOnOrAfter.", None),
    _s("evaluation-time", I, "time", "How the evaluation time was chosen.",
       "Pass --at or a capture (HAR, log) to judge the response at the moment it was used.", None),
    # --- Signature and keys ---------------------------------------------------------------------
    _s("response-signature-required", W, "signature",
       "The assertion is encrypted and the Response is not signed: Spring Security 5.5+ (SonarQube "
       "2025.1+) does not decrypt it ('Did not decrypt response [<id>] since it is not signed'; Spring "
       "Security 5.5.x said 'No assertions found in response').",
       "Make the IdP sign the Response as well (Entra: signing option 'Sign SAML response and "
       "assertion'; Okta, Ping: sign the response; Auth0: Applications > the app > Addons > SAML2 "
       "Web App > Settings, \"signResponse\": true; Duo: Admin Panel > Applications > the Generic "
       "SAML Service Provider application > SAML Response > tick 'Sign response'; JumpCloud: Admin Portal > "
       "SSO Applications > the Custom SAML App > SSO > Sign: Assertion and Response). Older java-saml SPs accept it as is.",
       "idp"),
    _s("decrypted-prefix-rebound", W, "signature",
       "The decrypted assertion's signature verifies, but the plaintext binds a namespace to another "
       "prefix than the Response does: an SP that puts the decrypted assertion in place of its "
       "EncryptedAssertion with lxml or PHP DOM re-binds it to the Response's prefix and its signature "
       "check fails (python3-saml: 'Signature validation failed. SAML Response rejected'; php-saml).",
       "On the SP: a python3-saml or php-saml release that verifies the assertion as decrypted, if "
       "there is one. On the IdP: sign the Response rather than the assertion (its signature covers "
       "the EncryptedAssertion as sent), or write the same prefixes inside the encrypted assertion as "
       "in the Response.", "sp"),
    _s("signature-missing", E, "signature",
       "Neither the Response nor the Assertion is signed (or the required one is not).",
       "Configure the IdP to sign the assertion (or the response, or both).", "idp",
       attack="An unsigned assertion can be forged by anyone."),
    _s("signature-invalid", E, "signature", "A signature does not verify.",
       "If the digest failed, the signed content was changed after signing (a proxy, a copy-paste, "
       "tampering); if the signature value failed, the signing key is not the configured one or "
       "SignedInfo was changed.", "idp",
       attack="A changed signed message is either damaged or tampered with."),
    _s("signature-cert-mismatch", E, "signature",
       "The message was signed by a key that is not among the configured IdP certificates.",
       "The IdP most likely rotated its signing certificate: download the current one from the IdP "
       "(or its metadata) and configure it in the SP (SonarQube: "
       "sonar.auth.saml.certificate.secured). No rotation when the SP holds the IdP's encryption "
       "certificate (its metadata's KeyDescriptor use=\"encryption\"): paste the use=\"signing\" one "
       "there instead; or when the IdP signs with its encryption certificate: make it sign with its "
       "signing certificate.", "sp",
       attack='An attacker re-signs a forged response with a key of their own and puts its certificate in KeyInfo; an SP that trusts KeyInfo instead of the configured certificate accepts it. The SP must verify only with the configured IdP keys.'),
    _s("signature-wrapping", E, "signature",
       "The element an SP would consume is not the one covered by the verified signature.",
       "Reject the response. The SP must use only the element that the signature's Reference "
       "points at.", "sp",
       attack="XML Signature Wrapping: a validly signed element is moved aside and an unsigned, "
              "forged assertion is placed where the SP looks for it."),
    _s("signature-misplaced", E, "signature",
       "A ds:Signature sits on an element other than the Response or an Assertion, beside their own.",
       "SAML core 5.4.1 puts a signature only as the child of the element it signs, and java-saml, "
       "python3-saml and php-saml (SonarQube up to 10.x) refuse a Response with any other ('Invalid "
       "Signature Element <holder> SAML Response rejected'). If the IdP signs an element of its own there "
       "(an extension, an attribute value), make it stop; otherwise the message was changed after it left "
       "the IdP.", "idp",
       attack="A signed element hidden in Extensions, the Subject or an attribute value is the part a "
              "signature-wrapping attack moves aside; an SP must look for signatures only where SAML "
              "puts them and refuse the rest."),
    _s("signature-weak-algorithm", W, "signature", "The signature or digest uses SHA-1.",
       "Configure the IdP to sign with RSA-SHA256 and digest with SHA-256.", "idp",
       attack='SHA-1 collisions are practical: a chosen-prefix collision lets an attacker get one document signed and present another. The SP should refuse SHA-1 signatures and digests.'),
    _s("signature-weak-key", W, "signature", "The signing key is shorter than 2048 bits (RSA).",
       "Issue a 2048-bit (or larger) signing key in the IdP.", "idp",
       attack='RSA keys below 2048 bits are within reach of well-funded factoring; whoever factors the IdP key can sign any assertion. The SP should refuse them.'),
    _s("signature-reference-invalid", E, "signature",
       "The signature's Reference does not point at the element that holds it.",
       "SAML core 5.4.2: the Reference URI must be '#' + the ID of the signed element.", "idp",
       attack='A Reference that points elsewhere lets a valid signature over one element vouch for another (a signature-wrapping building block). The SP must check that the Reference URI names the element it consumes.'),
    _s("signature-transform-invalid", E, "signature",
       "The signature's Reference lists transforms SAML core 5.4.4 does not allow (only "
       "enveloped-signature and exclusive canonicalization), or more than two.",
       "Make the IdP sign with the enveloped-signature transform and exclusive C14N alone. SPs built "
       "on OpenSAML (Spring Security, SonarQube 25.1+) refuse any other transform and more than two "
       "('Signature contained an invalid transform', 'Invalid number of transforms'); node-saml "
       "refuses more than two ('Invalid signature, too many transforms').", "idp",
       attack="XPath and XSLT transforms make the verifier run code of the sender's choosing and can "
              "leave parts of the message out of the digest: a signature that verifies no longer "
              "vouches for everything the SP reads."),
    _s("signature-transform-inclusive", W, "signature",
       "The signature's Reference canonicalizes with inclusive C14N (1.0 or 1.1), which SAML core 5.4.4 "
       "does not list: it leaves no content out, but some SPs refuse it.",
       "Make the IdP sign with exclusive C14N (http://www.w3.org/2001/10/xml-exc-c14n#). java-saml "
       "(SonarQube 10.x and older), python3-saml and node-saml verify the signature as it is; SPs built on "
       "OpenSAML (Spring Security, SonarQube 25.1+) refuse it ('Signature contained an invalid "
       "transform').", "idp"),
    _s("cert-expired", W, "signature", "A certificate had expired at evaluation time.",
       "Renew the IdP signing certificate and configure the new one in the SP. " + _CERT_PERIOD_SPS,
       "idp",
       attack='A certificate past its end of life may have had its key retired without care (or compromised); an SP pinning it keeps trusting that key.'),
    _s("cert-not-yet-valid", W, "signature",
       "The certificate that verified the signature was not yet valid at evaluation time.",
       "Its notBefore is later than the message: the IdP signed with a certificate issued with a "
       "future start, or a clock (the IdP's, the issuing CA's) is wrong. " + _CERT_PERIOD_SPS +
       " Wait for its notBefore or reissue it dated from now. When --at is a guess, give the "
       "message's time.", "idp"),
    _s("cert-expiring-soon", I, "signature", "A certificate expires soon after evaluation time.",
       "Plan the rollover: configure the new certificate in the SP before the IdP switches.", "idp"),
    _s("cert-keyinfo-differs", W, "signature",
       "The certificate in KeyInfo is not the key that verified the signature.",
       "Harmless for SPs that pin the configured certificate, but the IdP publishes a different "
       "certificate than it signs with; check its configuration.", "idp",
       attack='KeyInfo is attacker-controlled: an SP that takes the key from it accepts any self-signed forgery. The SP must ignore KeyInfo and use its configured certificate.'),
    _s("xml-reformatted", E, "signature",
       "The signature breaks only because whitespace or line breaks were changed.",
       "Use the message exactly as the browser posted it (not pretty-printed, not re-wrapped); if "
       "the SP sees it that way, a proxy or middleware rewrites the body.", "network",
       attack='Not an attack by itself, but a reason to look twice: the only changes are whitespace, so the signed content is the same; an attacker cannot use it without breaking the digest.'),
    _s("xml-reformatted-by-log", I, "signature",
       "The log printed this message re-indented or on one line: its signature verifies once whitespace "
       "is normalised.",
       "Nothing to fix for the login: a logger that prints a message on lines of its own re-indents it "
       "(OpenSAML's PROTOCOL_MESSAGE logger, Shibboleth's protocol message logging), one that keeps a "
       "record on one line turns its line breaks into spaces (Monolog's LineFormatter by default, as "
       "Symfony's MonologBundle uses it). To check the signature byte for byte, take the message as it "
       "was posted: a browser capture (HAR) of the login, or the log's context copy where the app logs "
       "the XML as context (Monolog's JSON keeps it byte for byte).", None),
    _s("nameid-comment-injection", E, "signature",
       "A comment or processing instruction splits a NameID or attribute value.",
       "Reject it; read the full text content of the node (CVE-2017-11427).", "sp",
       attack="The signature covers 'user@evil.com<!---->.example.com'; an SP that reads only the "
              "first text node logs in as 'user@evil.com'."),
    _s("assertion-replayed", W, "signature", "The same assertion or response ID was seen twice.",
       "A second POST of a response already used (back button, reload, double submit) is refused, "
       "as it must be: start a new login from the SP. If the user did not post it again, "
       "investigate who replayed it.", "user",
       attack="A captured assertion is posted again to open a session."),
    _s("redirect-signature-invalid", E, "signature",
       "The redirect-binding Signature does not verify over the query string.",
       "Check the signing key; SAML bindings 3.4.4.1 signs the raw, still-encoded parameters.", "idp",
       attack="A forged or altered redirect-binding message (an AuthnRequest for another ACS URL, a LogoutRequest ending someone's session). The receiver must verify SigAlg/Signature over the raw query before acting."),
    # --- Encryption -------------------------------------------------------------------------------
    _s("assertion-encrypted-no-key", W, "encryption",
       "The assertion is encrypted and no SP private key was given.",
       "Pass --sp-key with the SP's private key to check the assertion.", None),
    _s("decryption-failed", E, "encryption", "The EncryptedAssertion could not be decrypted.",
       "The IdP encrypts for another certificate than the SP's key: give the IdP the SP's current "
       "certificate (SonarQube: sonar.auth.saml.sp.certificate.secured).", "idp"),
    _s("encryption-rsa1_5", W, "encryption",
       "The assertion's key is encrypted with RSA PKCS#1 v1.5 (xmlenc rsa-1_5), which many SPs refuse.",
       "Make the IdP encrypt the key with RSA-OAEP (rsa-oaep-mgf1p; samlify: keyEncryptionAlgorithm); "
       "Node.js SPs (node-saml, samlify) cannot decrypt rsa-1_5 since CVE-2023-46809.", "idp"),
    # --- Attributes ---------------------------------------------------------------------------------
    _s("email-missing", E, "attributes", "No email address is in the assertion.",
       "Add an email claim in the IdP, or point the SP's email attribute at it.", "idp"),
    _s("email-under-other-name", E, "attributes",
       "The email address is sent under another attribute name than the SP expects.",
       "Point the SP's email attribute at the name that carries it, or rename the claim in the IdP.",
       "sp"),
    _s("email-empty", E, "attributes", "The email attribute is present but empty (or xsi:nil).",
       "Fill the user's email in the IdP directory, or map the email claim to a source attribute "
       "that is set for this user.", "idp"),
    _s("email-multivalued", W, "attributes", "The email attribute has several values.",
       "SPs use the first value only (SonarQube too); send one.", "idp"),
    _s("email-invalid-format", W, "attributes", "The email attribute is not an email address.",
       "Map the attribute to the user's mail, not their login or UPN, in the IdP.", "idp"),
    _s("email-nameid-mismatch", I, "attributes",
       "The NameID and the email attribute name different addresses (or differ in case).",
       "Case-only differences create duplicate or locked accounts in many SPs; align them.", "idp"),
    _s("login-attribute-missing", E, "attributes", "The login attribute the SP expects is missing.",
       "Add the claim in the IdP or point the SP's login attribute at one that is sent.", "idp"),
    _s("name-attribute-missing", E, "attributes", "The display-name attribute the SP expects is missing.",
       "Add the claim in the IdP or point the SP's name attribute at one that is sent.", "idp"),
    _s("group-attribute-missing", W, "attributes", "The group attribute the SP expects is missing.",
       "Add a group claim in the IdP, or the SP will not synchronise groups.", "idp"),
    _s("groups-overage-claim", W, "attributes",
       "Entra ID sent a groups.link overage claim instead of the groups.",
       "The user is in more than 150 groups, the most Entra puts in a SAML token: Microsoft Entra admin "
       "center > Enterprise applications > the app > Single sign-on > Attributes & Claims > the groups "
       "claim > Groups assigned to the application, and assign the groups the SP maps to the app (Users "
       "and groups); the SP cannot follow groups.link.",
       "idp"),
    # warning where it loses the user's groups: SonarQube (its group setting set) matches groups by name
    # ('membership in a group is synched only if a group with the same name exists in SonarQube',
    # docs.sonarsource.com Delegated authentication > Group mapping); info elsewhere (checks/attributes.py
    # _group_ids): many SPs map groups by their ID, and SonarQube without sonar.auth.saml.group.name reads
    # no group. Entra's default source is the object ID (learn.microsoft.com, 'Configure group claims for
    # applications by using Microsoft Entra ID'); Okta, Keycloak, Google send names.
    _s("group-values-are-ids", W, "attributes",
       "The group attribute holds object IDs (GUIDs or SIDs), not group names: an SP that matches groups by "
       "name (SonarQube) synchronises none of them.",
       "Send group names: Microsoft Entra admin center > Enterprise applications > the app > Single sign-on > "
       "Attributes & Claims > the groups claim (or App registrations > the app > Token configuration > the "
       "groups claim) > Source attribute: sAMAccountName (groups synced from Active Directory) and tick 'Emit "
       "group name for cloud-only groups' (Cloud-only group display names); or, in SonarQube, name its groups "
       "by those object IDs (Administration > Security > Groups), since it matches groups by name.",
       "idp"),
    _s("attribute-duplicate-name", W, "attributes", "Two Attribute elements share a Name.",
       "java-saml and python3-saml reject it; merge the values into one attribute in the IdP.", "idp"),
    _s("attribute-encrypted", W, "attributes",
       "The assertion carries EncryptedAttribute elements, which most SPs do not support.",
       "Send plain attributes inside an encrypted assertion instead.", "idp"),
    _s("nameid-missing", W, "attributes", "The Subject has no NameID.",
       "Most SPs need a NameID; configure one in the IdP.", "idp"),
    _s("nameid-encrypted", I, "attributes",
       "The NameID is encrypted (EncryptedID) and could not be read here, so it was not checked.",
       "Pass the SP's private key (--sp-key) to read it. The SP needs the same key (SonarQube: "
       "sonar.auth.saml.sp.privateKey.secured), or the IdP must send the NameID in clear.", None),
    _s("checks-skipped", I, "config", "Some checks were skipped for lack of configuration.",
       "Pass the missing settings (flags, --config, --idp-metadata or --sonar-settings).", None),
    _s("settings-found", I, "config",
       "A settings file found in the scanned folder (IdP metadata, the SP's settings) was read as if given "
       "with its option: no --idp-cert, --idp-metadata, --sonar-settings or --config was given.",
       "Check that it is the IdP's and the SP's current settings; to choose others, give them with their "
       "options (any trust option turns the folder's reading off).", None),
    _s("sonar-nodes-disagree", W, "config",
       "The application nodes of a SonarQube cluster (Data Center Edition) hold a SAML setting apart, as "
       "their System Info file shows: a login then passes or fails by the node the load balancer sends it "
       "to, and an old certificate or URL on one node explains intermittent failures.",
       "Give every application node the same value: remove the node's own value (a -Dsonar.auth.saml.* in "
       "its sonar.web.javaAdditionalOpts, a sonar.auth.saml.* line in its conf/sonar.properties) so that all "
       "use the one saved in Administration > Authentication > SAML, then restart that node.", "sp"),
    # --- Root causes only logs can tell ---------------------------------------------------------
    _s("idp-authentication-failed", E, "cause",
       "The user failed to authenticate at the IdP (password, MFA, locked account).",
       "The user must sign in correctly at the IdP; check the IdP's sign-in log for the reason.",
       "user"),
    _s("user-not-assigned", E, "cause", "The user is not assigned to the application in the IdP.",
       "Assign the user (or a group they belong to) to the application in the IdP.", "idp"),
    _s("acs-path-wrong", E, "cause",
       "The IdP posts the response to a URL of the SP that is not its SAML callback.",
       "Set the IdP's ACS (Reply) URL to the SP's exact callback (SonarQube: "
       "sonar.core.serverBaseURL + /oauth2/callback/saml, not /oauth2/callback or another "
       "provider's key).", "idp"),
    _s("request-signature-missing", E, "cause",
       "The IdP requires signed AuthnRequests and the SP sent an unsigned one.",
       "Sign the requests (SonarQube: sonar.auth.saml.signature.enabled=true with the SP "
       "certificate and private key), or stop requiring client signatures in the IdP (Keycloak: "
       "the client's 'Client signature required').", "sp"),
    _s("request-signature-invalid", E, "signature",
       "The signature of the SP's AuthnRequest or Logout message does not verify with the SP certificate.",
       "The IdP checks it with the SP certificate it was given (the SP's metadata): when the SP's key "
       "changed, give the IdP the new certificate (re-import the SP metadata) and samlscan too "
       "(--sp-cert); a failed digest means the message was changed after signing.", "sp",
       attack="A forged or altered request (another ACS URL, a LogoutRequest ending someone's "
              "session): the IdP must refuse what does not verify."),
    _s("reply-url-mismatch", E, "cause",
       "The ACS URL in the AuthnRequest is not a Reply URL configured in the IdP.",
       "Add the SP's ACS URL exactly as sent to the IdP's Reply URLs (SonarQube: check "
       "sonar.core.serverBaseURL).", "idp"),
    _s("app-not-found", E, "cause", "The IdP does not know the SP's entity ID.",
       "Make the IdP application's Identifier equal the SP entity ID (SonarQube: "
       "sonar.auth.saml.applicationId), in the right tenant.", "idp"),
    _s("relaystate-cookie-missing", E, "cause",
       "The SP lost its login state (OAUTHSTATE cookie missing or CSRF state invalid).",
       "Start the login from the SP (not an IdP tile), serve the SP over https with a consistent "
       "serverBaseURL, and let SameSite=None cookies through.", "sp"),
    # read from a capture's flow, not a log: the findings of the response it followed, when it
    # has any, say better why the SP refused it (group 'flow': not a log-only cause that beats them)
    _s("login-loop", E, "flow",
       "Right after its ACS took the response, the SP sent the browser back to log in: a login loop.",
       "The SP did not keep the login: its session cookie was not set or not sent back. Serve the SP "
       "over https at the URL users open (behind a proxy, forward X-Forwarded-Proto; SonarQube: "
       "sonar.core.serverBaseURL), let its cookies through (SameSite=None; Secure for the cross-site "
       "POST, no Secure cookie over http, not too large, not dropped by a proxy or WAF), and with "
       "several SP nodes use sticky sessions or a shared session store. If the SP's log shows the "
       "response refused, fix that first.", "sp"),
    _s("acs-repost", E, "flow",
       "The SP's ACS answered 307/308 to another page, so the browser posted the SAMLResponse there "
       "again, and that page refused the POST.",
       "Make the ACS answer with 302 or 303 (See Other): a 307 or 308 makes the browser repeat the POST "
       "with its body (RFC 9110 15.4.8/15.4.9). Starlette/FastAPI: RedirectResponse(url, "
       "status_code=303) (its default is 307); ASP.NET Core: Redirect or LocalRedirect, not "
       "RedirectPreserveMethod.", "sp"),
    _s("email-already-used", E, "cause", "The email is already used by another SP account.",
       "Fix the email mapping or merge the accounts in the SP.", "sp"),
    _s("signup-disabled", E, "cause", "The user is unknown and sign-up is disabled in the SP.",
       "Create or provision the user in the SP, or allow sign-up.", "sp"),
    _s("user-not-provisioned", E, "cause", "The SP is managed (SCIM) and the user was not provisioned.",
       "Provision the user from the IdP.", "idp"),
    _s("not-organization-member", E, "cause", "The user is not a member of any organization.",
       "Add the user to an organization of the enterprise (SonarQube Cloud).", "sp"),
    _s("group-sync-failed", W, "cause", "Group synchronisation failed: claim missing or names not matching.",
       "Send the group claim and make group names match the SP's groups exactly.", "idp"),
    _s("ip-not-allowed", E, "cause", "The client IP is not in an allow list.",
       "Allow the IP, or disable the IP allow list for SSO logins.", "network"),
    _s("sp-clock-skew", E, "cause", "The SP clock disagrees with the IdP clock.",
       "Sync the SP server's clock with NTP.", "sp"),
    _s("sp-configuration-error", E, "cause", "The SP's SAML configuration is invalid.",
       "Fix the SP's SAML settings as the log message says.", "sp"),
    _s("idp-configuration-error", E, "cause", "The IdP's application configuration is invalid.",
       "Fix the IdP application's SAML settings as the log message says.", "idp"),
    # Shibboleth IdP's own failures on the way to the response (idp-process.log): the user signed in and the
    # SP's request was fine, the IdP failed to build what it sends (shibboleth-idp ResolveAttributes,
    # FilterAttributes; opensaml AddNameIDToSubjects, EncryptAssertions; AuthnEventIds)
    _s("idp-attribute-resolution-failed", E, "cause",
       "The IdP failed to resolve the user's attributes (its attribute resolver, or a data connector such as "
       "its LDAP directory or database), so the SP got none or too few of them.",
       "Fix the IdP's attribute resolution: the ERROR lines of idp-process.log at that time name the failing "
       "data connector or attribute definition (the exception under 'Error resolving attributes'). Shibboleth: "
       "conf/attribute-resolver.xml, the DataConnector's directory or database settings (conf/ldap.properties: "
       "ldapURL, baseDN, bindDN, its password in credentials/secrets.properties, the trusted certificate) and the "
       "AttributeDefinitions' sources; then reload the attribute resolver service and check the user with "
       "bin/aacli.sh -n <user> -r <the SP's entityID>.", "idp"),
    _s("idp-attribute-filter-failed", E, "cause",
       "The IdP's attribute filter failed, so it released no attributes to the SP ('Filter error masked, "
       "clearing resolved attributes').",
       "Fix the IdP's attribute filter policy: conf/attribute-filter.xml (the ERROR lines of idp-process.log at "
       "that time name the failing policy or matcher: a script that throws, a matcher on a missing value), then "
       "reload the attribute filter service; idp-audit.log's released attributes field shows what went out.",
       "idp"),
    _s("idp-nameid-failed", E, "cause",
       "The IdP failed to generate the NameID for the SP (a persistent or attribute-sourced NameID whose source "
       "attribute the user lacks, or a stored ID whose database is unreachable), so the assertion had none.",
       "Fix the IdP's NameID generation: Shibboleth: conf/saml-nameid.xml and conf/saml-nameid.properties (the "
       "generator's source attribute, idp.persistentId.sourceAttribute, must resolve for the user in "
       "conf/attribute-resolver.xml; a stored persistent ID's DataSource must be reachable), then reload the "
       "NameID generation service.", "idp"),
    _s("idp-encryption-failed", E, "cause",
       "The IdP could not encrypt the assertion for the SP: the SP's metadata it holds has no usable encryption "
       "certificate (or only key types and algorithms it cannot use).",
       "Give the IdP the SP's current metadata with its encryption certificate (a KeyDescriptor with "
       "use=\"encryption\" or no use) and reload the metadata service; if the SP takes unencrypted assertions, "
       "turn encryption off for it instead (Shibboleth: encryptAssertions false on its SAML2.SSO profile in "
       "conf/relying-party.xml).", "idp"),
    _s("idp-subject-c14n-failed", E, "cause",
       "The IdP could not turn the signed-in user, or the Subject of the SP's request, into its own principal "
       "name (subject canonicalization failed).",
       "Fix the IdP's subject canonicalization: Shibboleth: conf/c14n/subject-c14n.xml and "
       "shibboleth.PostLoginSubjectCanonicalizationFlows must have a flow that applies (c14n/simple for a "
       "password login; c14n/SAML2Transient or SAML2Persistent for a request naming a NameID), with its "
       "transforms; a request naming an expired transient NameID must be sent again without it.", "idp"),
    _s("idp-authentication-error", E, "cause",
       "The IdP's sign-in failed on its own side, not over the user's credentials: its authentication back end "
       "(the LDAP directory, Kerberos, an MFA service) failed or is misconfigured.",
       "Read the ERROR lines of idp-process.log before the AuthenticationException event: Shibboleth: "
       "conf/ldap.properties (idp.authn.LDAP.ldapURL, bindDN, its password in credentials/secrets.properties, "
       "the directory's certificate) or the login flow's own configuration (conf/authn/), then restart or "
       "reload it; the directory must be reachable from the IdP.", "idp"),
    _s("request-invalid", E, "cause", "The IdP rejected the AuthnRequest.",
       "Check the AuthnRequest: its Issuer, ACS URL, NameIDPolicy and signature.", "sp"),
    _s("idp-sso-unreachable", E, "cause",
       "The SP sent the browser to an IdP SSO URL where it reached no server (a host name that does not "
       "resolve, a refused or timed-out connection, a TLS error): no IdP saw the AuthnRequest.",
       "Set the SP's IdP login URL to the IdP metadata's SingleSignOnService Location (SonarQube: "
       "sonar.auth.saml.loginUrl, the same on every node of a cluster: a node started with an old "
       "-Dsonar.auth.saml.loginUrl in sonar.web.javaAdditionalOpts keeps it). If that URL is right, the IdP is down or out of the user's "
       "reach (DNS, VPN, a proxy, a certificate the browser does not trust): the browser's error names which.",
       "sp"),
    _s("wrong-login-url", E, "cause", "The user started the login at a wrong URL or enterprise key.",
       "Use the login URL and enterprise key the SP shows.", "user"),
    _s("multiple-sign-on-urls", E, "cause", "The IdP has several sign-on URLs configured.",
       "Keep only the SP's single sign-on URL in the IdP application.", "idp"),
    _s("sp-internal-error", E, "cause", "The SP failed while processing the response.",
       "Read the SP's stack trace; the first line names the cause.", "sp"),
    # an access log (SonarQube's access.log, a proxy's: nginx, ingress-nginx, IIS) tells how the SP
    # answered the IdP's POST, never why: the SP's own log does
    _s("sp-refused-callback", E, "cause",
       "The SP refused the SAML callback: an access log or a browser capture saw its answer (an HTTP error, or "
       "a redirect back to the login page or to an error page), no log of the SP's says why.",
       "Read the SP's own log at the time of that request for the reason (an HTTP 5xx is an exception, whose "
       "stack trace there names it), and scan it with this access log or capture: its line then names the cause. "
       "SonarQube: web.log ($SONARQUBE_HOME/logs/web.log, or the output of the SonarQube container: docker logs, "
       "kubectl logs), its ERROR lines of that second and the auth.event line 'login failure' (logged at DEBUG: "
       "set sonar.log.level.web=DEBUG and log in again when it is not there).", "sp"),
    # a proxy's access log that tells its own answers apart (Traefik's OriginStatus 0, no router, a 502/503/504
    # of its load balancer) saw the IdP's POST answered before the SP: the SP's log has nothing of it
    _s("proxy-answered-callback", E, "cause",
       "The reverse proxy in front of the SP answered the SAML callback itself (no route to the SP, or its "
       "servers down or not answering): the SP never saw the IdP's POST.",
       # (product-neutral first: a case's proxy was an AWS ALB, and the fix began with Traefik's router)
       proxy_answer_fix(), "network"),
    # nginx's error.log says why it answered the IdP's POST itself (samlscan/logs/nginx.py): the SP's answer
    # too large to pass on, or the POST too large to take; each fixed by one directive of the proxy's
    _s("proxy-header-too-big", E, "cause",
       "The SP handled the SAML callback, but the reverse proxy in front of it could not pass its answer on: the "
       "answer's headers (a login's cookies) were larger than the proxy's buffer, so the browser got the proxy's "
       "502 (nginx: 'upstream sent too big header').",
       "Raise the proxy's buffer for an answer's headers: nginx: proxy_buffer_size 16k (with proxy_buffers 8 16k "
       "and proxy_busy_buffers_size 32k) in the SP's location, then nginx -s reload; ingress-nginx: the annotation "
       "nginx.ingress.kubernetes.io/proxy-buffer-size: \"16k\" on the SP's Ingress (or proxy-buffer-size in the "
       "controller's ConfigMap). The SP may have logged the user in already: log in again once it is raised.",
       "network"),
    _s("proxy-body-too-large", E, "cause",
       "The reverse proxy in front of the SP refused the SAML callback for its size (HTTP 413): the IdP's "
       "SAMLResponse, with its certificate, attributes and group lists, was over the proxy's limit for a request's "
       "body; the SP never saw it.",
       "Raise the proxy's limit for a request's body at the ACS URL: nginx: client_max_body_size 10m (1m by "
       "default) in the SP's server or location, then nginx -s reload; ingress-nginx: the annotation "
       "nginx.ingress.kubernetes.io/proxy-body-size: \"10m\" on the SP's Ingress. Or make the response smaller "
       "at the IdP (fewer groups or attributes released to this SP).", "network"),
    _s("unknown-failure", W, "cause", "A failure was logged with no recognised cause.",
       "Read the evidence lines.", None),
)

SPECS: dict[str, CodeSpec] = {}
for _spec in _SPECS:
    for _name in (_spec.code, *_spec.aliases):
        if _name in SPECS:
            raise RuntimeError(f"duplicate finding code {_name}")
        SPECS[_name] = _spec


OKTA_STATEMENTS = ("Admin Console > Applications > Applications > the app > General > SAML Settings > "
                   "Edit > Attribute Statements")
"""Where an Okta app names the attributes it sends (checks.attributes' advice and _RELEASE's)."""

_AWS_APP = "IAM Identity Center console > Application assignments > Applications > the app"
"""An application of AWS IAM Identity Center ('Set up your own SAML 2.0 application', docs.aws.amazon.com
singlesignon userguide)."""
_PINGONE_APP = "admin console > Applications > Applications > the app"
"""A SAML application of PingOne (docs.pingidentity.com 'Adding a SAML application'; the API's
acsUrls, spEntityId, idpSigning and accessControl are its fields)."""
_DUO_APP = "Admin Panel > Applications > the Generic SAML Service Provider application"
"""A SAML application of Duo SSO (duo.com/docs/sso-generic 'Generic SAML Service Providers')."""
_SF_APP = "Setup > App Manager > the connected app"
"""Salesforce as IdP: a SAML-enabled connected app per SP (help.salesforce.com 'Integrate Service
Providers as SAML-Enabled Connected Apps')."""
_ZOHO_APP = "Zoho Directory Admin Panel > Applications > the custom SAML app"
"""Zoho Directory as IdP: a custom SAML application per SP (help.zoho.com Zoho Directory 'Applications')."""

_JUMPCLOUD_APP = "Admin Portal > SSO Applications > the Custom SAML App"
"""A SAML application of JumpCloud (jumpcloud.com/support 'SSO Application Connector Fields')."""

_OAM_SP = "Oracle Access Management Console > Federation > Service Provider Management > the SP partner"
"""Oracle Access Manager as IdP: an SP partner per SP ('Administering Identity Federation As An Identity
Provider', docs.oracle.com Administering Oracle Access Management 12c)."""
_AUTHENTIK_SAML = "Admin interface > Applications > Providers > the SAML provider > Edit"
"""authentik: a SAML provider per SP (docs.goauthentik.io 'SAML Provider': ACS URL, Issuer, Audience,
Signing Certificate, Property mappings)."""
_AM_IDP = "AM admin UI > Realms > the realm > Applications > Federation > Entity Providers"
"""ForgeRock AM / PingAM: the hosted IdP and each remote SP are entity providers of a realm, in a
circle of trust (backstage.forgerock.com 'SAML v2.0 guide')."""
_WSO2_APP = "Console > Applications > the app > Protocol"
"""WSO2 Identity Server 7 (and Asgardeo): a SAML application's Protocol tab (Issuer, Assertion consumer
URLs); IS 5.x/6.x: Management Console > Service Providers > the SP > Inbound Authentication Configuration >
SAML2 Web SSO Configuration, the same fields."""
_CF_APP = "Zero Trust dashboard > Access > Applications > the SaaS application > Configure"
"""Cloudflare Access as IdP: a SaaS application per SP (developers.cloudflare.com 'Generic SAML
application': Entity ID, Assertion Consumer Service URL, Name ID format, SAML attribute statements)."""
_SPID_MD = "the SP's metadata as AgID registered it"
"""SPID: every accredited IdP reads an SP from the SPID federation's registry (AgID's, registry.spid.gov.it):
the SP changes its metadata and sends it to AgID, no IdP console is the SP's to use."""

_RELEASE = ("Shibboleth: conf/attribute-filter.xml, the AttributeFilterPolicy whose PolicyRequirementRule is "
            "Requester = the SP's entityID must release the attribute by its id in an AttributeRule with "
            "PermitValueRule ANY, and conf/attribute-resolver.xml must resolve it for the user, then reload "
            "the attribute filter service: idp-audit.log's released attributes field shows what went out"
            # PingFederate: the SP connection's attribute contract ('Setting up an attribute contract')
            "; PingFederate: Applications > Integration > SP Connections > the connection > Browser SSO > "
            "Assertion Creation > Attribute Contract must name the attribute as the SP expects it, fulfilled "
            "under the IdP adapter mapping's Attribute Contract Fulfillment"
            # AD FS issues to a relying party only the claims its issuance transform rules emit, under
            # the rule's outgoing claim type URI ('Create a Rule to Send LDAP Attributes as Claims')
            "; AD FS: AD FS Management > Relying Party Trusts > the trust > Edit Claim Issuance Policy > "
            "Issuance Transform Rules must emit the claim under the claim type URI the SP reads, e.g. a Send "
            "LDAP Attributes as Claims rule mapping SAM-Account-Name to Windows account name"
            # Okta sends what the app's attribute statements name: Name is what the SP reads, Value an
            # Okta Expression Language reference (developer.okta.com 'Define attribute statements')
            f"; Okta: {OKTA_STATEMENTS}, a statement whose Name is the attribute the SP reads and whose Value "
            "is the user's profile field, e.g. user.email or user.displayName"
            # Entra ID: an enterprise app's claims ('Customize claims issued in the SAML token',
            # learn.microsoft.com): a claim's Name (and Namespace) is the SAML attribute's Name
            "; Entra ID: Microsoft Entra admin center > Enterprise applications > the app > Single sign-on > "
            "Attributes & Claims > Add new claim, its Name the attribute the SP reads, its Namespace empty, its "
            "Source attribute the user's field"
            # Google Workspace: the SAML app's Attribute mapping (support.google.com/a/answer/6087519)
            "; Google Workspace: Admin console > Apps > Web and mobile apps > the app > SAML attribute mapping, "
            "a Google Directory attribute mapped to the App attribute the SP reads"
            # Keycloak: a SAML client's protocol mappers (User Property, User Attribute, Role list)
            "; Keycloak: Clients > the SAML client > Client scopes > its dedicated scope > Add mapper > By "
            "configuration > User Property or User Attribute, its SAML Attribute Name the attribute the SP reads"
            # Auth0's SAML2 Web App addon: the 'mappings' object, user profile field to attribute name
            '; Auth0: Applications > the app > Addons > SAML2 Web App > Settings, "mappings": {"<user profile '
            'field>": "<the attribute the SP reads>"}'
            # OneLogin: the app's Parameters, each with 'Include in SAML assertion' (onelogin.service-now.com
            # 'SAML Custom Connector (Advanced)')
            "; OneLogin: Applications > the app > Parameters > Add parameter, its Field name the attribute the SP "
            "reads, Include in SAML assertion checked, its Value the user's field"
            # IAM Identity Center: 'Attribute mappings for your SAML 2.0 application', ${user:<attribute>}
            f"; AWS IAM Identity Center: {_AWS_APP} > Actions > Edit attribute mappings, a User attribute in the "
            "application named as the SP reads it, mapped to ${user:email} or another user attribute"
            f"; PingOne: {_PINGONE_APP} > Attribute Mappings > Edit > Add, its attribute name the one the SP reads, "
            "mapped to the PingOne user attribute"
            f"; Duo: {_DUO_APP} > SAML Response > Map attributes, a Duo or IdP attribute mapped to the SAML Response "
            "attribute the SP reads"
            # Salesforce: the connected app's custom attributes, a formula over $User
            f"; Salesforce: {_SF_APP} > Manage > Custom Attributes > New, its Key the attribute the SP reads and its "
            "Value a formula such as $User.Email"
            f"; Zoho Directory: {_ZOHO_APP} > Attribute Mapping, an Attribute Name the SP reads and its Attribute "
            "Value the user's field"
            f"; JumpCloud: {_JUMPCLOUD_APP} > SSO > Attributes > add attribute, its Service Provider Attribute Name "
            "the one the SP reads and its JumpCloud Attribute Name the user's field"
            # OAM: the SP partner's Attribute Profile names what the assertion carries and from which
            # user attribute
            f"; Oracle Access Manager: {_OAM_SP} > Attribute Profile, an attribute named as the SP reads it, "
            "mapped to the user's LDAP attribute"
            f"; authentik: {_AUTHENTIK_SAML} > Advanced protocol settings > Property mappings must select a SAML "
            "property mapping whose SAML Attribute Name is the attribute the SP reads"
            f"; ForgeRock AM: {_AM_IDP} > the hosted IdP > Assertion Processing > Attribute Mapper > Attribute "
            "Map, the SAML attribute the SP reads mapped to the user's profile attribute"
            f"; WSO2 Identity Server: Console > Applications > the app > User Attributes must request the user "
            "attribute, under the claim URI or Protocol > Attribute Profile name the SP reads"
            f"; Cloudflare Access: {_CF_APP} > SAML attribute statements, a Name the SP reads mapped to the IdP "
            "attribute"
            f"; SPID: {_SPID_MD} must request the attribute in its AttributeConsumingService, the IdP releasing "
            "only the SPID attributes listed there")
"""Where each IdP product releases an attribute to one SP (Shibboleth IdP 4/5 AttributeFilterConfiguration:
a policy per Requester; the audit field %attr lists the IDs released)."""

_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
_SIGN_SHA256 = (
    # SimpleSAMLphp docs/simplesamlphp-reference-sp-remote.md: signature.algorithm, default RSA-SHA256
    # (modules/saml/lib/Message.php: XMLSecurityKey::RSA_SHA256 when unset): removing it suits an RSA
    # key only; an EC key needs the ECDSA one (the fix's algorithm, STRONG_COUNTERPART)
    f"SimpleSAMLphp: signature.algorithm of the SP's entry in metadata/saml20-sp-remote.php, or of "
    f"metadata/saml20-idp-hosted.php, set to the SHA-256 algorithm of its signing key's kind, which for an "
    f"RSA key is {_SHA256}, the default when it is removed; "
    # AD FS: RelyingPartyTrust.SignatureAlgorithm, the trust's Advanced tab
    f"AD FS: the relying party trust's Properties > Advanced > Secure hash algorithm SHA-256, or "
    f"Set-AdfsRelyingPartyTrust -TargetName <trust> -SignatureAlgorithm {_SHA256}; "
    # Shibboleth IdP 3+ signs with SHA-256 unless the SP's metadata (alg:SigningMethod) or an
    # override asks for SHA-1 (IdP4 SecurityConfiguration)
    "Shibboleth: SHA-256 is the default since IdP 3, so remove what asks for SHA-1 for this SP: "
    "shibboleth.SecurityConfiguration.SHA1 as its profile's securityConfiguration in conf/relying-party.xml "
    "or in its metadata's EntityAttributes, or SHA-1 alg:SigningMethod and alg:DigestMethod in its metadata; "
    # Keycloak signs SAML with RSA keys only: its SAML SignatureAlgorithm has RSA_SHA1, RSA_SHA256(_MGF1),
    # RSA_SHA512(_MGF1) and DSA_SHA1, no ECDSA (keycloak.org/docs-api/26.4.1/javadocs/org/keycloak/saml/
    # SignatureAlgorithm.html; keycloak/keycloak#39832 'Add support for ECDSA in SAML signatures', open), and
    # it signs with the realm's active RS256 key (#23691): an ecdsa-generated realm key signs OIDC tokens only
    "Keycloak: Clients > the SAML client > Signature and Encryption > Signature algorithm RSA_SHA256, signed "
    "with the realm's RSA key of Realm settings > Keys: Keycloak has no ECDSA algorithm for SAML, its "
    "ecdsa-generated keys sign OIDC tokens only; "
    # Entra ID: the enterprise app's SAML signing certificate options (learn.microsoft.com 'Advanced
    # certificate signing options in a SAML token': Signing Algorithm SHA-256 or SHA-1)
    "Entra ID: Enterprise applications > the app > Single sign-on > SAML Certificates > Edit > Signing "
    "Algorithm SHA-256; "
    # Auth0's SAML2 Web App addon settings signatureAlgorithm and digestAlgorithm (ClientAddonSaml): rsa-sha1
    # or rsa-sha256 with the tenant's RSA signing key, no ECDSA (auth0.github.io/node-auth0 Management
    # ConnectionSignatureAlgorithmEnumSaml: RsaSha1, RsaSha256; auth0.com/docs .../saml-sso-integrations/
    # sign-and-encrypt-saml-requests)
    'Auth0: Applications > the app > Addons > SAML2 Web App > Settings, "signatureAlgorithm" = "rsa-sha256" '
    'and "digestAlgorithm" = "sha256", with the tenant\'s RSA signing key: Auth0 signs SAML with no EC key; '
    # Okta's SAML app settings: signatureAlgorithm and digestAlgorithm (Apps API SamlApplicationSettingsSignOn),
    # RSA_SHA256 or RSA_SHA1, signed with the app's SAML signing certificate, an RSA key Okta generates or one
    # uploaded (help.okta.com 'Manage signing certificates'; developer.okta.com guides/byo-saml): no ECDSA
    "Okta: the app's SAML Settings > Show Advanced Settings > Signature Algorithm RSA-SHA256 and Digest "
    "Algorithm SHA256, with the app's RSA signing certificate: Okta signs SAML with no EC key")
"""Where each IdP product sets the algorithm it signs a response with."""
RSA_ONLY_SAML = frozenset({"keycloak", "auth0", "okta"})
"""IdP products that sign SAML with RSA keys only (_SIGN_SHA256 cites their pages): the fix of their weak
signature names RSA-SHA256 even when the weak one is ECDSA (theirs would be an RSA signature)."""
NOT_RSA_ONLY_SIGNING = ("An ECDSA signature cannot be this IdP's own signing (it signs SAML with RSA keys only): "
                        "another party signed this response, or a proxy signed it again; find it by the certificate "
                        "the signature names, and fix its signing there. The IdP's own: ")
"""What a weak ECDSA signature under an RSA_ONLY_SAML product's Issuer says before that product's fix."""
GROUP_IDS_ELSEWHERE_FIX = ("Send the groups' names from the IdP (AD FS: the claim rule's LDAP attribute "
                           "'Token-Groups - Unqualified Names', not objectGUID or objectSid), or name the SP's "
                           "groups by those IDs.")
"""group-values-are-ids' fix when the IdP is not Entra (whose screens the code's own fix names)."""

_ACS_AT_IDP = (
    # SimpleSAMLphp docs/simplesamlphp-reference-sp-remote.md: AssertionConsumerService, required
    "SimpleSAMLphp: the AssertionConsumerService of the SP's entry in metadata/saml20-sp-remote.php must be the "
    "SP's ACS URL, or the SP's current metadata converted into it; "
    "Shibboleth: the AssertionConsumerService Location in the SP's metadata that conf/metadata-providers.xml "
    "loads must be the SP's ACS URL, then reload the metadata service; "
    # Keycloak's client settings: the request's ACS URL when Valid Redirect URIs admit it, else the
    # client's Assertion Consumer Service POST Binding URL, else its Master SAML Processing URL
    "Keycloak: Clients > the SAML client > Advanced > Assertion Consumer Service POST Binding URL, or "
    "Settings > Master SAML Processing URL, must be the SP's ACS URL and Valid Redirect URIs must admit it; "
    # Entra ID's Basic SAML Configuration: Reply URL, 'Assertion Consumer Service URL' (AADSTS50011)
    "Entra ID: Enterprise applications > the app > Single sign-on > Basic SAML Configuration > Reply URL, "
    "the Assertion Consumer Service URL, must be the SP's ACS URL and the default one when several are listed; "
    # Google Workspace's custom SAML app: Service provider details > ACS URL
    "Google Workspace: Admin console > Apps > Web and mobile apps > the SAML app > Service provider details > "
    "ACS URL must be the SP's ACS URL; "
    # Auth0's SAML2 Web App addon: the Application Callback URL, or the recipient and destination settings
    'Auth0: Applications > the app > Addons > SAML2 Web App > Application Callback URL, and "recipient" and '
    '"destination" in its Settings when set, must be the SP\'s ACS URL; '
    "AD FS: the relying party trust's Properties > Endpoints, its SAML Assertion Consumer endpoint with "
    "POST binding, must be the SP's ACS URL; "
    # Okta's SAML app settings: ssoAcsUrl, recipient and destination (Apps API)
    "Okta: the app's SAML Settings > Single sign-on URL, and Recipient URL and Destination URL when set apart, "
    "must be the SP's ACS URL"
    # PingFederate's SP connection: Browser SSO > Protocol Settings > Assertion Consumer Service URL (the
    # default one answers IdP-initiated SSO, startSSO.ping)
    "; PingFederate: Applications > Integration > SP Connections > the connection > Browser SSO > Protocol "
    "Settings > Assertion Consumer Service URL must list the SP's ACS URL, as the default one for IdP-initiated "
    "SSO"
    # OneLogin's SAML Custom Connector: Configuration > Recipient, ACS Consumer URL and its validator regex
    "; OneLogin: Applications > the app > Configuration > ACS Consumer URL and Recipient must be the SP's ACS URL "
    "and ACS Consumer URL Validator a regular expression matching it"
    f"; AWS IAM Identity Center: {_AWS_APP} > Actions > Edit configuration > Application metadata > Application "
    "ACS URL must be the SP's ACS URL"
    # PingOne acsUrls: 'The first URL in the list is used as default'
    f"; PingOne: {_PINGONE_APP} > Configuration > ACS URLs must list the SP's ACS URL, the first one being the "
    "default"
    f"; Duo: {_DUO_APP} > Service Provider > Assertion Consumer Service must be the SP's ACS URL"
    f"; Salesforce: {_SF_APP} > Edit > Web App Settings > ACS URL must be the SP's ACS URL"
    f"; Zoho Directory: {_ZOHO_APP} > SAML Configuration > ACS URL must be the SP's ACS URL"
    f"; JumpCloud: {_JUMPCLOUD_APP} > SSO > ACS URLs must list the SP's ACS URL"
    f"; Oracle Access Manager: {_OAM_SP}, its SP metadata's AssertionConsumerService must be the SP's ACS URL: "
    "load the SP's current metadata into the partner"
    f"; authentik: {_AUTHENTIK_SAML} > ACS URL must be the SP's ACS URL"
    f"; ForgeRock AM: {_AM_IDP} > the SP's remote entity provider > Services > Assertion Consumer Service must "
    "list the SP's ACS URL, or re-import the SP's current metadata"
    f"; WSO2 Identity Server: {_WSO2_APP} > Assertion consumer URLs must list the SP's ACS URL, the default one "
    "answering IdP-initiated SSO"
    f"; Cloudflare Access: {_CF_APP} > Assertion Consumer Service URL must be the SP's ACS URL"
    f"; SPID: {_SPID_MD}, its AssertionConsumerService at the index the request names, must be the SP's ACS "
    "URL: send AgID the updated metadata")
"""Where each IdP product takes the URL it sends a response to (Destination, Recipient)."""

_ASSIGN = (
    # Entra: an enterprise app's "Assignment required?" property lets in only assigned users and groups
    "Entra ID: Microsoft Entra admin center > Enterprise applications > the app > Users and groups > Add "
    "user/group, or its Properties > Assignment required? = No to let every user of the tenant in; "
    "Okta: Applications > the app > Assignments > Assign to People or Assign to Groups; "
    # Google's 'Turn on your SAML app' (support.google.com/a/answer/6087519): User access per OU or group
    "Google Workspace: Admin console > Apps > Web and mobile apps > the app > User access, ON for the "
    "user's organizational unit or group; "
    "AD FS: the relying party trust's access control policy (Edit Access Control Policy) or issuance "
    "authorization rules must permit the user or a group of theirs; "
    "OneLogin: Users > the user > Applications > Add, or a role of theirs under Users > Roles that holds the app; "
    f"AWS IAM Identity Center: {_AWS_APP} > Assigned users and groups > Assign users and groups; "
    # PingOne accessControl.group: only members of its groups may sign on
    f"PingOne: {_PINGONE_APP} > Access > Group membership policy must list a group of the user's; "
    f"Duo: {_DUO_APP} > Settings > User access must enable it for all users or a group of the user's; "
    # Salesforce: 'Admin approved users are pre-authorized' admits the profiles and permission sets listed
    f"Salesforce: {_SF_APP} > Manage > Manage Profiles or Manage Permission Sets must include the user's; "
    f"Zoho Directory: {_ZOHO_APP} > Assign Users must include the user or a group of theirs; "
    f"JumpCloud: {_JUMPCLOUD_APP} > User Groups must include a group of the user's"
    # (OAM's federation has no per-user assignment: its authentication policy protects the IdP)
    "; authentik: Admin interface > Applications > Applications > the application > Policy / Group / User "
    "Bindings must bind the user or a group of theirs"
    f"; ForgeRock AM: {_AM_IDP} > the hosted IdP's authentication chain or tree, and the realm's policies, "
    "must let the user in"
    "; WSO2 Identity Server: Console > Applications > the app > Roles, or the app's conditional authentication "
    "script, must admit the user"
    f"; Cloudflare Access: {_CF_APP} > Policies, an Allow policy including the user or a group of theirs")
"""Where each IdP product lets a user use an application (MSIS5007, AADSTS50105, Okta's 'not
assigned', Google's app_not_enabled_for_user)."""

STALE_ACS_FIX = ("Set the IdP's ACS (Reply) URL for this SP to {want}: it posts to {got}, another path than "
                 "the SP's ACS (a stale or misspelt ACS endpoint in the IdP's entry for the SP).")
"""destination-mismatch's fix when the Destination's path is not the ACS's (checks.protocol.acs_path_apart):
the IdP's entry, not the SP's base URL behind a proxy (the code's fix, for a scheme, host or port apart)."""

BASE_PATH_AT_SP_FIX = (
    "The IdP posts to {got}, the SP's route under a base path {base} its own ACS URL {want} lacks. If the SP is "
    "served under {base} (a reverse proxy's prefix or a servlet context path, SonarQube's sonar.web.context), set "
    "{setting} to the URL it is served at, {base} included, so that its ACS URL is {got}; if it no longer is (it "
    "moved off that path), set the IdP's ACS (Reply) URL for this SP to {want}.")
"""destination-mismatch's and recipient-mismatch's fix when the IdP's URL carries a base path before the SP's
route that the SP's own URL lacks (checks.protocol.base_path_apart): first the SP's base URL short of its
context path (SonarQube: ACS = sonar.core.serverBaseURL + /oauth2/callback/saml, and serverBaseURL must
include the context path; nextcloud/user_saml#215's php-saml likewise), then the IdP's entry keeping an old
base; the SP's own AuthnRequest asking for the shorter URL decides for the IdP (correlate.attempts)."""

BASE_PATH_AT_IDP_FIX = (
    "Set the IdP's ACS (Reply) URL for this SP to {want}: it posts to {got}, the SP's route without the base "
    "path {base} the SP is served under (unless the SP is really served without it: then correct {setting}).")
"""The fix when the IdP's URL lacks a base path the SP's own URL has (checks.protocol.base_path_apart)."""

PERCENT_ENCODED_ACS_FIX = (
    "Set the IdP's ACS (Reply) URL for this SP to exactly {want}, character for character: it sends {got}, "
    "the same URL percent-encoded otherwise, and the SP compares the two as strings.")
"""The fix when the IdP's URL and the SP's differ only in percent-encoding (RFC 3986 6.2.2.1-6.2.2.2):
java-saml and Spring compare Destination and Recipient exactly, so the IdP must send the SP's spelling."""

ENTITY_AS_DESTINATION_FIX = (
    "Set the IdP's Destination (ACS) URL for this SP to {want}: it writes the SP's entity ID {got} there, not its "
    "ACS URL (the entity ID in the IdP's ACS field, or no Destination set and the IdP filling in the audience, "
    "as Auth0's samlp does).")
"""destination-mismatch's fix when the Destination is the SP's entity ID or the Audience (SAML core 3.2.2:
the address the Response was sent to, which an entity ID seldom is)."""

SIGNED_BY_ANOTHER_KEY_FIX = (
    "The signed content is intact (its digest matches); the key that made the SignatureValue is not the "
    "configured certificate's: the IdP signs with a rotated (or another) key. Compare the certificate in "
    "the signature's KeyInfo, if any, with the configured one, and take the IdP's current signing "
    "certificate from its metadata (KeyDescriptor use=\"signing\") into the SP.")
"""signature-invalid's fix when the digest matched and only the SignatureValue failed with the
configured key (sigverify's 'signature-value'): the generic fix's 'if the digest failed' does not apply."""

_SIGNING_CERT = (
    # Entra: an app's SAML Certificates section lists its certificates; one is Active (signs), a new
    # one is made active by hand ('Manage certificates for federated single sign-on', learn.microsoft.com)
    "Entra ID: Microsoft Entra admin center > Enterprise applications > the app > Single sign-on > SAML "
    "Certificates > the Active certificate's Certificate Base64 download, or make the previous certificate "
    "Active again until the SP holds the new one"
    # PingFederate: SP connection > Credentials > Digital Signature Settings > Signing Certificate
    # (docs.pingidentity.com 'Configuring digital signatures for service provider connections')
    "; PingFederate: Applications > Integration > SP Connections > the connection > Credentials > Digital "
    "Signature Settings > Signing Certificate is the certificate the SP must hold: export it from Security > "
    "Signing & Decryption Keys & Certificates"
    # AD FS signs with the Primary token-signing certificate; AutoCertificateRollover makes the
    # Secondary one primary by itself ('AD FS and certificate KeySpec property', 'Obtain and
    # configure TS and TD certificates for AD FS', learn.microsoft.com)
    "; AD FS: AD FS Management > Service > Certificates > Token-signing, the Primary certificate is the one "
    "the SP must hold, exported with View Certificate > Details > Copy to File as Base-64: "
    "AutoCertificateRollover makes the Secondary one Primary by itself"
    "; OneLogin: Applications > the app > SSO > X.509 Certificate > View Details is the certificate the SP must "
    "hold, another one chosen there from Security > Certificates"
    f"; AWS IAM Identity Center: {_AWS_APP} > Actions > Edit configuration > IAM Identity Center metadata > "
    "IAM Identity Center certificate is the one the SP must hold"
    f"; PingOne: {_PINGONE_APP} > Configuration > Signing Key, its Download Signing Certificate is the one the "
    "SP must hold"
    f"; Duo: {_DUO_APP} > Metadata > Download certificate is the one the SP must hold"
    # Salesforce signs with the certificate chosen in Setup > Identity Provider or the connected app's
    "; Salesforce: Setup > Identity Provider > Download Certificate, or the connected app's IdP Certificate "
    "when set, is the one the SP must hold"
    f"; Zoho Directory: {_ZOHO_APP} > Metadata, its X.509 certificate is the one the SP must hold"
    f"; JumpCloud: {_JUMPCLOUD_APP} > SSO > Download certificate is the one the SP must "
    "hold"
    # OAM signs with the federation's signing key (its keystore alias), published in /oamfed/idp/metadata
    "; Oracle Access Manager: Oracle Access Management Console > Federation > Federation Settings > Signing Key "
    "names the key it signs with, whose certificate in its IdP metadata at /oamfed/idp/metadata the SP must hold"
    f"; authentik: {_AUTHENTIK_SAML} > Advanced protocol settings > Signing Certificate is the one the SP must "
    "hold, downloaded from System > Certificates"
    f"; ForgeRock AM: {_AM_IDP} > the hosted IdP > Assertion Content > Signing and Encryption > Secret ID And "
    "Algorithms or Key Aliases, the signing key whose certificate the SP must hold, also in the hosted IdP's "
    "exported metadata"
    "; WSO2 Identity Server: Console > Applications > the app > Info > Download IdP metadata, its signing "
    "certificate is the one the SP must hold"
    f"; Cloudflare Access: {_CF_APP} > Public key is the certificate the SP must hold"
    "; SPID: the IdP's current signing certificate is in its metadata in the SPID registry, "
    "registry.spid.gov.it, which the SP must reload")
"""Where each IdP product gives the certificate it signs with."""

_APP_IDENTIFIER = (
    # AADSTS700016 'Application with identifier .. was not found in the directory' (reference-error-codes)
    "Entra ID: Microsoft Entra admin center > Enterprise applications > the app > Single sign-on > Basic "
    "SAML Configuration > Identifier, its Entity ID, must list the Issuer the SP sends"
    # PingFederate finds the SP connection by its Partner's Entity ID (Connection ID), General Info tab
    "; PingFederate: Applications > Integration > SP Connections > the connection > General Info > Partner's "
    "Entity ID, its Connection ID, must be the Issuer the SP sends"
    "; OneLogin: Applications > the app > Configuration > Audience EntityID must be the SP entity ID"
    f"; AWS IAM Identity Center: {_AWS_APP} > Actions > Edit configuration > Application metadata > "
    "Application SAML audience must be the SP entity ID"
    # PingOne's spEntityId: 'used to look up the application', unique within the environment
    f"; PingOne: {_PINGONE_APP} > Configuration > Entity ID must be the SP entity ID"
    f"; Duo: {_DUO_APP} > Service Provider > Entity ID must be the SP entity ID"
    f"; Salesforce: {_SF_APP} > Edit > Web App Settings > Entity Id must be the SP entity ID"
    f"; Zoho Directory: {_ZOHO_APP} > SAML Configuration > Entity ID must be the SP entity ID"
    f"; JumpCloud: {_JUMPCLOUD_APP} > SSO > SP Entity ID must be the SP entity ID"
    f"; Oracle Access Manager: {_OAM_SP} > Provider ID must be the SP entity ID"
    f"; authentik: {_AUTHENTIK_SAML} > Audience must be the SP entity ID"
    f"; ForgeRock AM: {_AM_IDP} must hold the SP's remote entity provider under its entity ID, in the hosted "
    "IdP's circle of trust"
    f"; WSO2 Identity Server: {_WSO2_APP} > Issuer must be the SP entity ID"
    f"; Cloudflare Access: {_CF_APP} > Entity ID must be the SP entity ID"
    f"; SPID: {_SPID_MD} must carry the entityID the SP sends as Issuer")
"""Where each IdP product looks up an application by the SP's entity ID."""

_ONE_ACS = (
    # JumpCloud's Custom SAML App lists 'ACS URLs' with a default one (jumpcloud.com/support 'SSO
    # Application Connector Fields'); PingOne's acsUrls, 'the first URL in the list is used as default'
    f"JumpCloud: {_JUMPCLOUD_APP} > SSO > ACS URLs must hold the SP's Single Sign-On URL alone"
    f"; PingOne: {_PINGONE_APP} > Configuration > ACS URLs must hold the SP's Single Sign-On URL alone")
"""Where an IdP keeps several ACS URLs for one application (SonarQube Cloud answers 403 then)."""

IDP_WHERE = {
    "user-not-assigned": _ASSIGN,
    "multiple-sign-on-urls": _ONE_ACS,
    "signature-cert-mismatch": _SIGNING_CERT,
    # the Audience an IdP writes is the application's SP entity ID, the same field it finds the app by
    **{code: _APP_IDENTIFIER for code in ("app-not-found", "audience-mismatch")},
    "signature-weak-algorithm": _SIGN_SHA256,
    # (the IdP's Reply URLs, AADSTS50011, are the same field that names where it posts the response)
    **{code: _ACS_AT_IDP for code in ("destination-mismatch", "recipient-mismatch", "acs-path-wrong",
                                      "reply-url-mismatch")},
    # Auth0's SAML2 Web App addon encrypts to the certificate pasted in its Settings JSON
    # (node-samlp's encryptionCert and encryptionPublicKey options)
    "decryption-failed": 'Auth0: Applications > the app > Addons > SAML2 Web App > Settings, "encryptionCert" '
                         '= the SP certificate and "encryptionPublicKey" = its public key, both PEM',
    # (an attribute under another name is renamed where it is released: the same screen)
    **{code: _RELEASE for code in ("login-attribute-missing", "email-missing", "name-attribute-missing",
                                   "group-attribute-missing", "email-under-other-name")},
}
"""Where each IdP product takes what a cause's fix changes, as 'Product: where' clauses without
parentheses or ';' (catalog.idp_part picks the attempt's IdP's): added to its fix for that IdP only."""


CLOUD_FIXES = {
    # SonarQube Cloud gives its ACS (the setup assistant's Single Sign-On URL, config.CLOUD_GIVEN):
    # its customers have no sonar.core.serverBaseURL, so only the IdP's copy of the URL can be wrong
    "acs-path-wrong": f"Set the IdP's ACS (Reply) URL to {CLOUD_SETTING_NAMES['acs_url']}, exactly as "
                      "it gives it: the IdP must hold that URL (not an older SonarQube Server's callback).",
    # SonarQube Cloud's regions are two sites (sonarcloud.io, EU; sonarqube.us, US): an enterprise
    # is on one, and its login URL on the other finds no such enterprise
    "wrong-login-url": "Start the login at the login URL SonarQube Cloud's SSO configuration shows, on the "
                       "enterprise's region (sonarcloud.io is the EU region, sonarqube.us the US one) and "
                       "with its enterprise key; replace bookmarks of another region or an old trial.",
    # a refusal the capture gives no reason for: Cloud keeps no log its customers read (no web.log)
    "unknown-failure": "SonarQube Cloud refused the login without saying why in the capture, and keeps no log "
                       "its customers read: compare the response with its SSO configuration (give samlscan the "
                       "IdP certificate it holds, --idp-cert, and its attribute mapping, --login-attribute, "
                       "--name-attribute, --email-attribute), read the IdP's log at that time, and give "
                       "SonarSource support the time of the attempt if neither explains it",
}
"""The fix of a cause when the SP is SonarQube Cloud, where its SPECS fix names SonarQube Server's settings."""


_PLAIN_WORD = lazyre.compile(r"[a-z]+\b(?![-.:/@_])")


def as_sentence(text: str | None) -> str | None:
    """A fix as a sentence, as the catalog writes them: its first word capitalised when it is a plain
    word ('pass --sp-key ...'), never a name written in lower case ('java-saml', 'sonar.auth.saml...')."""
    if text and _PLAIN_WORD.match(text):
        return text[0].upper() + text[1:]
    return text


def spec(code: str) -> CodeSpec:
    """The spec of a code or alias; KeyError for an unknown code."""
    return SPECS[code]


def all_specs() -> tuple[CodeSpec, ...]:
    return _SPECS


# Which SAML finding explains a failure best: the first one present wins (an unsigned or foreign
# response makes every later check moot; time and mapping problems come after identity problems).
CAUSE_PRIORITY = (
    "input-dtd-forbidden", "input-xml-malformed", "input-bad-base64", "input-bad-deflate", "input-redacted",
    "input-body-not-exported", "input-body-not-captured",
    "status-not-success", "decryption-failed", "assertion-encrypted-no-key", "signature-wrapping",
    "signature-misplaced", "xml-reformatted", "signature-cert-mismatch", "signature-invalid", "signature-missing",
    "nameid-comment-injection", "assertion-missing", "assertion-multiple", "version-unsupported",
    "issuer-mismatch", "audience-mismatch", "destination-mismatch", "subject-confirmation-missing", "recipient-mismatch",
    "inresponseto-mismatch", "assertion-not-yet-valid", "assertion-expired", "subject-confirmation-expired",
    "session-expired", "login-attribute-missing", "name-attribute-missing", "email-missing",
    "email-under-other-name", "email-empty", "groups-overage-claim", "group-attribute-missing",
    "assertion-replayed",
)
_RANK = {c: i for i, c in enumerate(CAUSE_PRIORITY)}


def cause_rank(code: str) -> int:
    """Position in CAUSE_PRIORITY (codes not listed come after all listed ones)."""
    return _RANK.get(code, len(CAUSE_PRIORITY))
