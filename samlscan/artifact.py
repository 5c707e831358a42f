"""A SAML artifact (the SAMLart parameter of the HTTP-Artifact binding): what it says of the Response
it stands for. The browser carries only this reference; the SP fetches the Response from the IdP's
ArtifactResolutionService over SOAP (SAML bindings 3.6), so no capture holds it."""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
from urllib.parse import unquote

from samlscan.config.urls import saml_post_only
from samlscan.frozen import frozen
from samlscan.inputs.base import InputProblem
from samlscan.model import Source

TYPE_0004 = 4
"""The one artifact type SAML 2.0 defines (bindings 3.6.4): TypeCode 0x0004, EndpointIndex (2
bytes), then SourceID (20 bytes) and MessageHandle (20 bytes)."""
_LENGTH = 2 + 2 + 20 + 20


@frozen
class Artifact:
    """A type 0x0004 artifact's fields (its MessageHandle aside: a random reference)."""

    endpoint_index: int
    """Which of the IdP's indexed ArtifactResolutionService endpoints resolves it (metadata 2.4.2)."""
    source_id: bytes
    """Names the issuer: 'the SHA-1 hash of the identification URL' of its entity ID (bindings 3.6.4)."""


def read_artifact(value: str) -> Artifact | None:
    """The artifact a SAMLart value holds (already URL-decoded); None when it is no SAML 2.0
    type 0x0004 artifact (SAML 1.1's are types 0x0001, 42 bytes, and 0x0002)."""
    value = unquote(value) if "%" in value else value  # (a value kept as the form sent it)
    try:  # (a '+' a form decoding made a space)
        raw = base64.b64decode(value.strip().replace(" ", "+"), validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != _LENGTH or int.from_bytes(raw[:2], "big") != TYPE_0004:
        return None
    return Artifact(int.from_bytes(raw[2:4], "big"), raw[4:24])


def source_id(entity_id: str) -> bytes:
    """The SourceID an IdP with this entity ID writes (bindings 3.6.4)."""
    return hashlib.sha1(entity_id.encode("utf-8")).digest()  # noqa: S324  (the binding's own hash)


_ISSUER = "(the SHA-1 of its issuer's entity ID)"
_SAID_SOURCE = re.compile(r"SourceID ([0-9a-f]{40}) " + re.escape(_ISSUER))


def described(value: str) -> str:
    """What a SAMLart value says, in a finding's words (its SourceID written so that with_issuer
    can compare it with the IdP's entity ID later)."""
    art = read_artifact(value)
    if art is None:
        return "its value is no SAML 2.0 artifact (type 0x0004, 44 bytes of base64: SAML bindings 3.6.4)"
    return (f"a SAML 2.0 artifact for the IdP's ArtifactResolutionService index {art.endpoint_index}, "
            f"SourceID {art.source_id.hex()} {_ISSUER}")


def with_issuer(detail: str, idp_entity_id: str | None) -> str:
    """`detail` (a finding's text written with `described`) saying whether the artifact's SourceID is
    the configured IdP's: another IdP's artifact cannot be resolved at this one."""
    m = _SAID_SOURCE.search(detail) if idp_entity_id else None
    if m is None:
        return detail
    said = (f"the SHA-1 of the configured IdP's entity ID, {idp_entity_id}"
            if bytes.fromhex(m[1]) == source_id(idp_entity_id) else
            f"not the SHA-1 of the configured IdP's entity ID {idp_entity_id}: another IdP issued it, or the "
            "IdP names itself otherwise")
    return f"{detail[:m.start()]}SourceID {m[1]} ({said}){detail[m.end():]}"


def artifact_problem(source: Source, url: str | None, value: str) -> InputProblem:
    """The finding of a SAMLart sent to `url` (None: not known): artifact-unsupported where it is
    saml_post_only, else artifact-binding, the SP resolving it out of the browser's sight."""
    where = url.split("?", 1)[0] if url else None
    said = f"a SAMLart{f' reached {where}' if where else ''}: {described(value)}"
    if saml_post_only(where):
        return InputProblem(source, "artifact-unsupported", f"{said}; SonarQube reads only a SAMLResponse posted "
                            "to its ACS, so it refuses this login")
    return InputProblem(source, "artifact-binding", f"{said}; the Response was exchanged server to server and "
                        "cannot be checked from this evidence")
