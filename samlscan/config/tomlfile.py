"""samlscan.toml: finding it, and reading its settings."""
from __future__ import annotations

import os
import tomllib
from pathlib import Path

from samlscan.config.files import _read, _settings_text
from samlscan.errors import ConfigError


_SCALARS = ("sp_entity_id", "acs_url", "idp_entity_id", "email_attribute", "login_attribute",
            "name_attribute", "group_attribute", "request_id", "profile")


def _typed(flat: dict, path: Path) -> None:
    """A text setting given as an array or a table is refused by name (str() of it would be
    compared with the messages as if it were an entity ID)."""
    for key in _SCALARS:
        value = flat.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (str, int))):
            raise ConfigError(f"{path}: {key} must be a string, not {value!r}")


def _toml_values(path: Path) -> dict:
    try:
        doc = tomllib.loads(_settings_text(_read(path, "config")))  # (Notepad: a BOM or UTF-16)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None  # (RecursionError: nested too deep)
    flat: dict = {}
    for key, value in doc.items():  # accept [sp]/[idp] tables as well as flat keys
        if isinstance(value, dict):
            flat.update({k.replace("-", "_"): v for k, v in value.items()})
        else:
            flat[key.replace("-", "_")] = value
    known = set(_SCALARS) | {"idp_cert", "idp_metadata", "sp_key", "sp_cert", "clock_skew", "at", "sonar_settings",
                             "expiry_window_days", "timezone", "app"}
    unknown = sorted(set(flat) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    _typed(flat, path)
    base = path.parent
    for key in ("idp_cert", "idp_metadata", "sp_key", "sp_cert", "sonar_settings"):
        if key in flat:
            items = flat[key] if isinstance(flat[key], list) else [flat[key]]
            flat[key] = [str(base / str(p)) for p in items]
    return flat


def find_config(start_dirs: list[Path]) -> Path | None:
    """samlscan.toml in a scanned directory, else in the working directory."""
    for d in [*start_dirs, Path.cwd()]:
        candidate = d / "samlscan.toml"
        if candidate.is_file():
            return candidate
    return None


def env_config_path() -> Path | None:
    value = os.environ.get("SAMLSCAN_CONFIG")
    return Path(value) if value else None
