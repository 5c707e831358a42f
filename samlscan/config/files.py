"""Reading a settings file (its bytes, its text) and the keys a settings layer gives beside the Expectations' own."""
from __future__ import annotations

from pathlib import Path

from samlscan.errors import ConfigError
from samlscan.textcodec import utf16_codec


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc.strerror}") from None


def _settings_text(data: bytes, errors: str = "strict") -> str:
    """A settings file's text: UTF-16 (utf16_codec), else UTF-8 with or without a BOM."""
    return data.decode(utf16_codec(data) or "utf-8-sig", errors)


NO_CERT = "no_cert_reason"
"""Key of a layer that was meant to give the IdP certificate and did not: `build` turns it into a
ConfigError when no other source gives one (a silent 'no certificate' skips every signature check)."""
NOTES = "settings_notes"
"""Key of a layer's notes: what the report says of the settings file itself, one sentence each (IdP
metadata's unreadable validUntil or SAML 1.x-only role, SonarQube settings given as environment variables)."""
PINNED = "pinned_fingerprint"
"""Key of a layer whose SP holds the IdP certificate by fingerprint only (python3-saml's
certFingerprint): (algorithm, lowercase hex); the certificate itself comes from another source."""


def _as_list(value) -> list[str]:
    if value in (None, "", ()):
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
