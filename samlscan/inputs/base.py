"""What input decoders hand to the engine: SAML parameter values found in some evidence."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from samlscan.model import Source


@dataclass(frozen=True)
class RawMessage:
    """A SAMLRequest/SAMLResponse value as found, before base64/inflate/XML decoding.

    `value` is the parameter value after URL-decoding (form or query) but before base64;
    for a raw XML document it is the XML text itself and `binding` is 'xml'.
    """

    source: Source
    param: str
    """'SAMLResponse', 'SAMLRequest' or 'XML'."""
    value: str
    binding: str
    """'post' (base64), 'redirect' (base64 of raw DEFLATE) or 'xml'."""
    relay_state: str | None = None
    captured_at: datetime | None = None
    signed_query: str | None = None
    """Redirect binding: the exact octets that were signed, 'SAMLRequest=..&RelayState=..&SigAlg=..'
    built from the raw, still-encoded parameters (SAML bindings 3.4.4.1)."""
    sig_alg: str | None = None
    signature: str | None = None
    url: str | None = None
    """Where it was sent (HAR request URL), when known."""
    logged_by: str | None = None
    """For a copy dumped into a log: the product's flow ID of that line ('sonarqube:<request id>',
    or the product name alone); None for evidence of what travelled (captures, pasted values)."""
    printed: bool = False
    """A copy the log printed on lines of its own under its record: a logger that does so re-indents
    it (OpenSAML's PROTOCOL_MESSAGE: SerializeSupport.prettyPrintXML), so its whitespace is the
    logger's, not what travelled."""
    local_time: bool = False
    """`captured_at` is a log line's time written without a zone (EmbeddedSaml.local_time)."""


@dataclass(frozen=True)
class InputProblem:
    """A decoding failure to report as an input-* finding (never raised past the engine)."""

    source: Source
    code: str
    detail: str
    fix: str | None = None
    """This situation's own fix, when the code's fix is too general for it (input-unreadable:
    read rights, a link loop, a damaged archive each have theirs)."""


BINDING_PARAMS = ("SAMLRequest", "SAMLResponse", "RelayState", "SigAlg", "Signature")
"""The redirect binding's query parameters (SAML bindings 3.4.4)."""
PARAM_AHEAD = "(?:" + "|".join(BINDING_PARAMS) + ")="
"""A binding parameter's name starts here: in a query without '&', a ';' before it separates
parameters (HTML 4.01 B.2.2; Lasso verifies such a query); any other ';' stays in its value
(RelayState '/app;jsessionid=1'), and so does every ';' of a query with '&' (SPs split on '&'
only: a raw RelayState '/a;RelayState=b' is one value)."""


def signed_octets(raw: dict[str, str], param: str) -> str | None:
    """'param=value[&RelayState=value]&SigAlg=value' from the raw values by name; None when
    unsigned. A Signature without SigAlg (which SAML requires with it) still gets the parameters
    there are, so that it is reported as unverifiable instead of being taken for no signature."""
    if param not in raw or ("SigAlg" not in raw and "Signature" not in raw):
        return None
    parts = [f"{param}={raw[param]}"]
    if "RelayState" in raw:
        parts.append(f"RelayState={raw['RelayState']}")
    if "SigAlg" in raw:
        parts.append(f"SigAlg={raw['SigAlg']}")
    return "&".join(parts)
