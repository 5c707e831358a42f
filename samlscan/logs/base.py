"""Interface of the log parsers (one module per format in this package)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Iterable, Iterator, Protocol, Union

from samlscan.model import LogEvent, Source

DUMP_MARKERS = ("PD94bWw", "PHNhbWw", "PHNhbWx", "PFJlc3BvbnNl", "PEF1dGhu", "PExvZ291d", "<?xml")
"""What a log line dumping a SAML message in base64 or XML holds: the base64 of '<?xml', '<saml:'
/ '<saml2' ('PHNhbWw'), '<samlp' ('PHNhbWx'), '<Response', '<Authn', '<Logout', or the XML
prolog. The embedded reader looks for them, and the byte prefilters keep their lines."""
SAML_ROOTS = "Response|AuthnRequest|LogoutRequest|LogoutResponse|Assertion"
"""The root elements of the SAML messages a log may dump (a regex alternation): its XML readers and
byte prefilters look for them, with any namespace prefix."""
EMBED_HINTS = DUMP_MARKERS + ("SAMLRe", "Response", "AuthnRequest", "Logout", "Assertion")
"""What a line must hold for the embedded reader to look further (a dump, a SAMLResponse= or
SAMLRequest= parameter, an XML message): a byte prefilter that keeps these keeps every dump."""


@dataclass(frozen=True)
class EmbeddedSaml:
    """A SAML message dumped inside a log line (java-saml 'SAMLResponse invalid --> <base64>')."""

    source: Source
    time: datetime | None
    value: str
    """base64, URL-encoded base64 or raw XML, as it appears in the line."""
    product: str | None = None
    """The product whose log holds the copy ('sonarqube'); None for the generic finder."""
    request_id: str | None = None
    """The product's flow ID on that line (SonarQube HTTP_REQUEST_ID), joining it to the line's
    other events."""
    printed: bool = False
    """Printed on lines of its own under its record, or flattened onto one line (RawMessage.printed)."""
    param: str = "SAMLResponse"
    """The parameter that named it on the line ('SAMLRequest', 'SAMLResponse'; a dump without a name
    is taken for a response)."""
    binding: str = "post"
    """How it travelled, as the line tells: 'redirect', 'post', 'xml' or 'unknown' (RawMessage.binding)."""
    query: str | None = None
    """A redirect-binding value's query string as on the line, with its RelayState, SigAlg and
    Signature when logged (the redirect's signature is verified over it)."""
    local_time: bool = False
    """`time` was written without a zone and read in --timezone (LogEvent.local_time; logzones)."""


@dataclass(frozen=True)
class Malformed:
    """A line the parser recognised as its format but could not read."""

    source: Source
    reason: str
    fix: str | None = None
    """What to do about it, when input-log-malformed's general fix (mend the file) is not it."""


TIMELINE_NOTE = "timeline-note"
"""The raw_code of an 'info' event worth a line in the report's notes (an admin's change to the
SP's client or to the IdP's keys): its text is that line."""

ATTEMPT_NOTE = "attempt-note"
"""The raw_code of an 'info' event its login's attempt quotes: a product's own word on a login it
went on with (SimpleSAMLphp answering at another ACS than the one asked for, or taking a response
whose state it lost as unsolicited). It names no failure; it says why a later one happened."""

Record = Union[LogEvent, EmbeddedSaml, Malformed]


class LogParser(Protocol):
    name: str
    """'sonarqube', 'okta', ... (becomes LogEvent.product and InputResult.kind 'log:<name>')."""
    # Optional `empty_reason: str`: a log of this format with nothing about a login in it (an IdP's
    # log of other events, a start-up log) is skipped with this reason, not failed: it was read
    # (design.md: inputs are scanned, skipped + reason, or failed + finding).
    # Optional `exported = True`: its files are exports a spreadsheet may have saved again (a CSV
    # download, a SIEM's export), read by textcodec.export_codec (cp1252 bytes, Excel's 'Unicode text').

    def sniff(self, head: str) -> bool:
        """True when the first few KB of a file look like this format."""

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        """Parse numbered lines (1-based, newline stripped). `tz` interprets zone-less times."""
