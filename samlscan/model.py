"""The data model: frozen dataclasses shared by decoders, checks, correlation and reports.

This module imports nothing else from the package but samlscan.frozen, which makes them.
"""
from __future__ import annotations

from dataclasses import field, fields
from datetime import datetime, timezone
from enum import Enum
from operator import attrgetter

from samlscan.frozen import frozen


USABLE_TIMES = (datetime(1000, 1, 1, tzinfo=timezone.utc), datetime(9000, 1, 1, tzinfo=timezone.utc))
"""A log or capture time outside these is no usable time (a '0001-01-01' or '9999-12-31' placeholder):
kept, the windows around it (correlation's minute and clock offsets, a capture's loop window) would
overflow datetime's range."""


def usable_time(t: datetime | None) -> datetime | None:
    """`t`, or None when it is an aware time outside USABLE_TIMES (a naive one is placed later)."""
    if t is None or t.tzinfo is None or USABLE_TIMES[0] <= t <= USABLE_TIMES[1]:
        return t
    return None


class Severity(str, Enum):
    """How bad a finding is; ordered error > warning > info."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


class Side(str, Enum):
    """Who must act to fix a finding or a failed attempt."""

    IDP = "idp"
    SP = "sp"
    USER = "user"
    NETWORK = "network"


@frozen(slots=True)
class Source:
    """Where a piece of evidence came from: a file and a place inside it."""

    input: str
    """Path of the input as given (or '-' for stdin)."""
    ref: str | None = None
    """Line number, HAR entry index, archive member or parameter name; None for a whole file."""
    at: tuple[int, int] | None = field(default=None, compare=False, repr=False)
    """(1-based line, 1-based code-point column) where the evidence starts in the input's text, when its
    reader knows it (a HAR's request URL or body value): a SARIF region. Not part of the identity."""
    order: int | None = field(default=None, compare=False, repr=False)
    """The record's place in its reader's order where that is not its line's (a SIEM export listed newest
    first, put back in each host's order by logs.wrapped._in_order): correlate.clocks reads a log's
    records in this order. Not part of the identity."""

    def __reduce__(self):  # see LogEvent.__reduce__
        return Source, _source_values(self)


@frozen
class CertInfo:
    """An X.509 certificate as IdP consoles show it."""

    subject: str
    issuer: str
    not_before: datetime
    not_after: datetime
    sha1: str
    sha256: str
    key_type: str
    key_bits: int | None
    origin: str
    """Where it came from: a config file path, 'metadata:<path>' or 'KeyInfo'."""


@frozen
class KeyInfoKey:
    """What a signature's KeyInfo holds when it carries no usable certificate."""

    holds: str
    """The bare public key written there (XML-DSig 4.5.2 KeyValue, XML-DSig 1.1 4.5.2.3 ECKeyValue
    and 4.5.5 DEREncodedKeyValue), described: 'RSAKeyValue (RSA 2048-bit public key, SHA-256 of the
    key ...; no certificate)'; or, with no configured certificate either, what it holds instead."""
    configured: str = ""
    """How that key relates to the configured certificates: 'the same key as the configured
    certificate <subject>', sigverify.NO_CONFIGURED_KEY, or '' (none configured, or not told)."""


@frozen
class SignatureInfo:
    """One ds:Signature, as the signature module understood and verified it."""

    parent: str
    """Local name of the element that holds the Signature (Response, Assertion, ...); '{namespace}local'
    for a signed SAML element's name in a foreign namespace (sigverify.holder_name)."""
    parent_id: str | None
    reference_uri: str | None
    covers_parent: bool
    """True when the Reference URI is '' or '#<parent ID>' (SAML core 5.4.2)."""
    signed_path: str | None
    """Path of the element the Reference points at, None when it points nowhere."""
    signature_algorithm: str | None
    digest_algorithm: str | None
    verified: bool | None
    """True: xmlsec verified it with a configured key; False: failed; None: no key to try."""
    failure: str | None = None
    """'digest', 'signature-value' ('-unchecked': the digest could not be recomputed), 'signed-info-changed'
    (the key made the SignatureValue, over another SignedInfo), 'cert-mismatch', 'no-reference-target',
    'placeholder', or 'undiagnosed' / 'not-checked' for signatures beyond sigverify's bounds."""
    matched_cert: CertInfo | None = None
    embedded_certs: tuple[CertInfo, ...] = ()
    key_bits: int | None = None
    reformatted: bool = False
    """The digest fails on the bytes as received but matches once whitespace is normalised."""
    reference_count: int = 1
    keyinfo_key: KeyInfoKey | None = None
    """Set when KeyInfo holds a key without a certificate, or nothing usable (see KeyInfoKey)."""
    published_signer: CertInfo | None = None
    """The IdP metadata's signing certificate that verifies the signature when no configured one
    does and KeyInfo shows none (named for the fix, never trusted: the SP holds what it holds)."""
    transforms: tuple[str, ...] = ()
    """The Algorithm of each ds:Transform of its (first) Reference, in document order."""
    other_id_path: str | None = None
    """With 'no-reference-target': the path of an element whose 'Id' or 'id' attribute (not SAML's 'ID')
    carries the Reference's fragment; xml-crypto resolves it, xmlsec and the SAML toolkits do not."""


@frozen
class Attribute:
    name: str
    friendly_name: str | None
    name_format: str | None
    values: tuple[str, ...]
    naive_values: tuple[str, ...] | None = None
    """First text node of each value, when a comment or PI splits one (CVE-2017-11427)."""
    nil_count: int = 0
    """How many of its AttributeValue elements are xsi:nil="true" (SAML core 2.7.3.1.1: explicitly
    no value); `values` holds them as '', like empty text."""


@frozen
class SubjectConfirmation:
    method: str | None
    recipient: str | None
    not_before: datetime | None
    not_on_or_after: datetime | None
    in_response_to: str | None
    address: str | None = None


@frozen
class NameID:
    value: str
    """The full text content, as an SP that reads all text nodes sees it."""
    format: str | None = None
    sp_name_qualifier: str | None = None
    name_qualifier: str | None = None
    naive_value: str | None = None
    """Only the first text node, when a comment or PI splits the value (CVE-2017-11427)."""
    encrypted: bool = False


@frozen
class Assertion:
    id: str | None
    path: str
    version: str | None
    issue_instant: datetime | None
    issuer: str | None
    issuer_count: int
    name_id: NameID | None
    subject_confirmations: tuple[SubjectConfirmation, ...]
    has_conditions: bool
    not_before: datetime | None
    not_on_or_after: datetime | None
    audience_restrictions: tuple[tuple[str, ...], ...]
    """One tuple of Audience values per AudienceRestriction (all must hold: SAML core 2.5.1.4)."""
    authn_instant: datetime | None
    session_not_on_or_after: datetime | None
    authn_context: str | None
    attributes: tuple[Attribute, ...]
    encrypted_attribute_count: int = 0
    signed: bool = False
    """Covered by a verified signature (its own, or the enclosing Response's)."""
    signed_by: tuple[str, ...] = ()
    """Which signatures cover it: 'Assertion', 'Response'."""
    was_encrypted: bool = False
    unparsed_time_fields: tuple[str, ...] = ()
    untrimmed: tuple[tuple[str, str], ...] = ()
    """(element name, text as written) of its Issuer and Audience values written with whitespace
    around them: `issuer` and `audience_restrictions` hold them trimmed, as OpenSAML reads them."""


@frozen
class Status:
    code: str | None
    sub_codes: tuple[str, ...] = ()
    message: str | None = None
    detail: str | None = None


@frozen
class RedirectSignature:
    """Signature/SigAlg of a redirect-binding message (SAML bindings 3.4.4.1)."""

    sig_alg: str
    verified: bool | None
    matched_cert: CertInfo | None = None
    unverifiable: str | None = None
    """Why no receiver can verify it whatever its key (a SigAlg it does not implement, no SigAlg at
    all); verified is then None."""


@frozen
class SamlMessage:
    """One decoded SAML protocol message and what the decoder learned about it."""

    source: Source
    index: int
    kind: str
    """Response, AuthnRequest, LogoutRequest, LogoutResponse, ..."""
    id: str | None
    in_response_to: str | None
    version: str | None
    issue_instant: datetime | None
    destination: str | None
    issuer: str | None
    issuer_count: int = 0
    binding: str = "unknown"
    """'post', 'redirect' or 'xml' (raw document)."""
    relay_state: str | None = None
    captured_at: datetime | None = None
    status: Status | None = None
    assertions: tuple[Assertion, ...] = ()
    encrypted_assertion_count: int = 0
    decryption_error: str | None = None
    decryption_fix: str | None = None
    """What to do about decryption_error when it is not decryption-failed's usual fix."""
    signatures: tuple[SignatureInfo, ...] = ()
    redirect_signature: RedirectSignature | None = None
    signed: bool = False
    """The message element itself is covered by a verified signature."""
    # AuthnRequest fields (SAML core 3.4.1)
    acs_url: str | None = None
    protocol_binding: str | None = None
    acs_index: str | None = None
    """AuthnRequest AssertionConsumerServiceIndex, as written."""
    logout_name_id: str | None = None
    """A LogoutRequest's NameID: whose session ends (None when it is an EncryptedID)."""
    session_indexes: tuple[str, ...] = ()
    """A LogoutRequest's SessionIndex values (none: every session of that NameID, core 3.7.1)."""
    nameid_policy_format: str | None = None
    nameid_policy_allow_create: bool | None = None
    force_authn: bool | None = None
    is_passive: bool | None = None
    assertion_elements: int = 0
    """Assertion/EncryptedAssertion elements anywhere in the document (java-saml and python3-saml
    count //saml:Assertion, so a wrapped copy makes them reject the response)."""
    structure: tuple[str, ...] = ()
    """Facts about the document's shape for the wrapping checks (see samlscan.saml)."""
    issuer_untrimmed: str | None = None
    """The message's Issuer as written, when whitespace surrounds it (`issuer` is trimmed)."""
    xml: bytes = field(default=b"", repr=False, compare=False)
    """The decoded document as received."""
    logged_by: str | None = None
    """Set when the message is a copy an SP or IdP wrote into its log (see RawMessage.logged_by):
    the same message as the captured one, not a second use of it."""
    printed: bool = False
    """The log printed it on lines of its own under its record (RawMessage.printed): re-indented;
    or on one line, its line breaks turned into spaces (logs.embedded.flattened)."""
    url: str | None = field(default=None, compare=False)
    """Where the capture shows it was sent (RawMessage.url: the request URL of its redirect or
    POST, a form's action); None when the evidence does not say."""
    local_time: bool = field(default=False, compare=False)
    """`captured_at` is a log line's time written without a zone, read in --timezone or as UTC
    (RawMessage.local_time): samlscan.logzones says so when no --timezone named the log."""


@frozen
class Finding:
    code: str
    severity: Severity
    message_text: str
    expected: str | None = None
    actual: str | None = None
    hint: str | None = None
    source: Source | None = None
    message_ref: str | None = None
    """The message's ID, or its index in the input when it has no ID."""
    side: str | None = None
    """Who must act, when this finding knows better than its code's usual side (an old response
    posted again: the user, not the IdP the window findings usually point at)."""


IP_FORWARDED, IP_PROXY = "forwarded", "proxy"
"""LogEvent.ip_from: an X-Forwarded-For's first address (RFC 7239 sections 4 and 5.2: the first element is
the client that made the request, each proxy appending the one it heard from), a proxy log's client."""


@frozen(slots=True)
class LogEvent:
    """One normalised event from an IdP or SP log."""

    source: Source
    time: datetime | None
    """UTC; None when the line carries no usable time."""
    product: str
    """'sonarqube', 'okta', 'entra', 'keycloak', 'adfs', 'shibboleth', 'simplesamlphp', ..."""
    side: str
    """'idp' or 'sp'."""
    outcome: str
    """'success', 'failure' or 'info'."""
    text: str
    """The message as logged (first line; stack trace cause appended when relevant)."""
    code: str | None = None
    """Our root-cause or finding code, from the error catalog, when recognised."""
    user: str | None = None
    ip: str | None = None
    request_id: str | None = None
    """The product's own flow identifier (SonarQube HTTP_REQUEST_ID, Okta transaction, ...)."""
    correlation_id: str | None = None
    saml_ids: tuple[str, ...] = ()
    """Response/Assertion/AuthnRequest IDs named in the line."""
    app: str | None = None
    """SP entity ID or application name."""
    raw_code: str | None = None
    """The product's own error code (AADSTS50011, invalid_destination, ...)."""
    local_time: bool = False
    """The time was written without a zone and was interpreted with --timezone."""
    guessed: bool = False
    """`product` is a guess: an SP app log line naming no SAML library is read as its language's
    usual one (java-saml, python3-saml), which says nothing of the SP's engine."""
    host: str | None = None
    """The host a SIEM export's record names (Splunk `host`, Elastic `host.name`: logs.wrapped): several
    servers' lines in one file, each server on its own clock (correlate.clocks keys offsets by it)."""
    ip_from: str | None = None
    """Whose view `ip` is: IP_FORWARDED (an X-Forwarded-For's first address: the browser's, the leftmost
    being the original client), IP_PROXY (the client a proxy's own log names: the browser's, or a hop
    in front of it), None (the peer of the server that wrote the line: a proxy's address behind one)."""
    peer: str | None = None
    """The address that connected to the server that wrote the line, when `ip` is another's (the hop
    that forwarded it: SonarQube's auth.event [IP|<remote>|<X-Forwarded-For>])."""
    text_entry: int | None = field(default=None, compare=False, repr=False)
    """The reader's catalog.lookup(text, product), when it made it: that entry's place in
    catalog.entries(), logs._common.NO_ENTRY for none (logs._common.classified). Correlation takes it
    instead of looking the text up again, in another process (a text with an ID in it misses every
    cache). A copy with another text or product must drop it."""

    def __reduce__(self):
        """Pickled as its constructor's arguments: workers send 100,000s of events to the parent,
        and dataclass(slots=True)'s own __getstate__/__setstate__ call fields() for each one."""
        return LogEvent, _event_values(self)


_source_values = attrgetter(*(f.name for f in fields(Source)))
_event_values = attrgetter(*(f.name for f in fields(LogEvent)))
_SOURCE_WIDTH = len(fields(Source))
_event_row = attrgetter(*(f"source.{f.name}" for f in fields(Source)), *(f.name for f in fields(LogEvent)[1:]))
"""A row of packed_events: the event's Source's fields, then its others (`source` is its first)."""


def packed_events(events) -> list[tuple]:
    """`events` as rows of plain values for pickling (one C attrgetter call each): pickle then calls
    no __reduce__ for each event and its Source (4.3 of 6.8 us an event, a SonarQube web.log)."""
    return list(map(_event_row, events))


def unpacked_events(rows) -> tuple[LogEvent, ...]:
    """The events of packed_events' rows, equal to those packed."""
    n = _SOURCE_WIDTH
    return tuple(LogEvent(Source(*row[:n]), *row[n:]) for row in rows)


@frozen
class InputResult:
    """How one input was handled: every input ends up here, whatever happened."""

    path: str
    status: str
    """'scanned', 'skipped' or 'failed'."""
    kind: str | None = None
    """What the sniffer found: 'xml', 'base64', 'form', 'redirect-url', 'har', 'log:<product>'."""
    reason: str | None = None
    messages: int = 0
    events: int = 0
    malformed_lines: int = 0
    malformed_first: str | None = None
    """The first record of it that could not be read, where and why ('line 6: a damaged line ...'):
    what the run's note of its unread lines names."""


@frozen(slots=True)
class Evidence:
    input: str
    kind: str
    """'capture' or 'log'."""
    ref: str | None


@frozen(slots=True)
class Attempt:
    """One login try reconstructed from captures and logs (slots: a big scan holds 100,000s)."""

    time: datetime | None
    user: str | None
    outcome: str
    """'success', 'failure' or 'unknown'."""
    root_cause: str | None
    side: str | None
    fix: str | None
    findings: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    idp: str | None = None
    sp: str | None = None
    notes: tuple[str, ...] = ()
    decisive: Evidence | None = None
    """The evidence that names the root cause (a log line, a capture step), when one does."""
    idp_aka: tuple[str, ...] = ()
    """Other names the evidence gives this attempt's IdP beside `idp` (its product in logs, 'okta'):
    the summary counts one IdP once by them (report.document.party_counts)."""
    sp_aka: tuple[str, ...] = ()
    """Other names of its SP beside `sp`: entity IDs, its name in IdP logs ('SonarQube'), its product."""
    ip: str | None = None
    """The client's IP address its log lines name: an X-Forwarded-For's first, else a proxy log's client, else
    the SP's, else the IdP's; an internal proxy hop's never while another is named (correlate.attempts
    _client_ip); a capture's server addresses are no client's."""
    idp_name: str | None = None
    """The IdP's one display name across the run ('Entra ID (https://sts.windows.net/<tenant>/)'):
    correlate.parties, whichever of its names this attempt's evidence gives."""
    sp_name: str | None = None
    """The SP's one display name across the run ('SonarQube (sonarqube)')."""
