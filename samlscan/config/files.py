"""Reading a settings file (its bytes, its text) and the keys a settings layer gives beside the Expectations' own."""
from __future__ import annotations

import re
from pathlib import Path

from samlscan import lazyre
from samlscan.errors import ConfigError
from samlscan.textcodec import utf16_codec


_URL = lazyre.compile(r"(?i)^([a-z][a-z0-9+.-]+):/+(?=[^/])")
"""A URL given where a file belongs ('https://idp/metadata'; a Path has made its '//' one '/');
two letters at least in its scheme, so that a Windows drive ('C:/...') is no URL."""


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(url_said(path, what) or f"{path}: cannot read {what}: {exc.strerror}") from None


def url_said(path: Path | str, what: str) -> str | None:
    """The error for a URL given where a file of `what` belongs (samlscan never fetches, offline by
    design: it says how to get the file), None when `path` is no URL or such a file exists."""
    if not _URL.match(str(path)) or Path(path).exists():
        return None
    shown = _URL.sub(lambda m: m.group(1) + "://", str(path), count=1)
    return (f"{shown}: a URL, not a file: samlscan works offline and reads the {what} from a file: download "
            f"it first (curl -fsSo {_saved_name(what)} '{shown}') and give that file")


def _saved_name(what: str) -> str:
    """A file name for the download of `what` ('IdP metadata' -> idp-metadata.xml)."""
    name = re.sub(r"[^a-z0-9]+", "-", what.lower()).strip("-")
    if name == "config":
        return "samlscan.toml"
    return name + (".xml" if "metadata" in name else ".pem" if ("certificate" in name or "key" in name) else "")


def _settings_text(data: bytes, errors: str = "strict") -> str:
    """A settings file's text: UTF-16 (utf16_codec), else UTF-8 with or without a BOM."""
    return data.decode(utf16_codec(data) or "utf-8-sig", errors)


NO_CERT = "no_cert_reason"
"""Key of a layer that was meant to give the IdP certificate and did not: `build` turns it into a
ConfigError when no other source gives one (a silent 'no certificate' skips every signature check)."""
NOTES = "settings_notes"
"""Key of a layer's notes: what the report says of the settings file itself, one sentence each (IdP
metadata's unreadable validUntil or SAML 1.x-only role, SonarQube settings given as environment variables)."""
NODES_APART = "nodes_apart"
"""Key of a layer whose cluster's application nodes hold a SAML setting apart (a System Info file):
((setting, ((node, value), ...)), ...)."""
PINNED = "pinned_fingerprint"
"""Key of a layer whose SP holds the IdP certificate by fingerprint only (python3-saml's
certFingerprint): (algorithm, lowercase hex); the certificate itself comes from another source."""


def _as_list(value) -> list[str]:
    if value in (None, "", ()):
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
