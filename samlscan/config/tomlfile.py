"""samlscan.toml: finding it, and reading its settings."""
from __future__ import annotations

import os
from datetime import date, datetime, time
from pathlib import Path

from samlscan.config.files import _read, _settings_text
from samlscan.errors import ConfigError


_SCALARS = ("sp_entity_id", "acs_url", "idp_entity_id", "email_attribute", "login_attribute",
            "name_attribute", "group_attribute", "request_id", "profile")


_PATHS = ("idp_cert", "idp_metadata", "sp_key", "sp_cert", "sonar_settings")
_EXPECTED = {**{key: "a string" for key in _SCALARS},
             **{key: "a file path (a string) or an array of them" for key in _PATHS},
             "app": "a string or an array of strings", "timezone": "a string or an array of strings",
             "clock_skew": "a whole number of seconds", "expiry_window_days": "a whole number of days",
             "at": "a time (2025-03-11T08:41:02Z, TOML's or as a string)"}
"""Each setting the file may hold, with what it takes: how a value of another type is refused."""
SECTIONS = ("sp", "idp")
"""Tables whose keys are read as if written at the top ([idp] idp_cert = ...)."""
_TOML_TYPES = {dict: "a table", list: "an array", bool: "a boolean", float: "a number"}
"""The TOML types no setting takes as one value (a number of seconds may be written 1.5: _count says why not)."""
_SHOWN = {**_TOML_TYPES, int: "a number", datetime: "a date-time", date: "a date", time: "a time"}
_TEXTS = _PATHS + ("app", "timezone")
"""Settings whose every value is text: a number there is no file name nor zone (idp_cert = [3])."""


def _typed(flat: dict, names: dict, path: Path) -> None:
    """A setting given as a value of another type is refused by its name as written (str() of a
    table would be compared with the messages as if it were an entity ID, or read as a file)."""
    for key, value in flat.items():
        items = value if isinstance(value, list) and key in _TEXTS else [value]
        wrong = next((v for v in items if (type(v) in _TOML_TYPES or (key in _TEXTS and not isinstance(v, str)))
                      and not (key in ("clock_skew", "expiry_window_days") and type(v) is float)), None)
        if wrong is not None or (key in _SCALARS and not isinstance(value, (str, int))):
            shown = type(wrong if wrong is not None else value)
            raise ConfigError(f"{path}: {names[key]} must be {_EXPECTED[key]}, not "
                              f"{_SHOWN.get(shown, shown.__name__)} ({value!r})")


def _flat(doc: dict, path: Path) -> dict:
    """The settings by snake_case key, the [sp]/[idp] sections read as top-level keys; a wrong one
    is refused under the name it was written as ('idp.cert'), with what it should have been."""
    flat: dict = {}
    names: dict = {}
    for key, value in doc.items():
        name = key.replace("-", "_")
        if isinstance(value, dict) and name not in _EXPECTED:
            if name not in SECTIONS:
                raise ConfigError(f"{path}: unknown section [{key}]; settings are written at the top or in "
                                  f"[{'] or ['.join(SECTIONS)}]")
            for inner, inner_value in value.items():
                flat[inner.replace("-", "_")] = inner_value
                names[inner.replace("-", "_")] = f"{key}.{inner}"
        else:
            flat[name], names[name] = value, key
    unknown = sorted(k for k in flat if k not in _EXPECTED)
    if unknown:
        said = ", ".join(names[k] + (f" (did you mean {names[k].replace('.', '_')}?)"
                                     if names[k].replace(".", "_").replace("-", "_") in _EXPECTED else "")
                         for k in unknown)
        raise ConfigError(f"{path}: unknown setting(s) {said}; known: {', '.join(sorted(_EXPECTED))}")
    _typed(flat, names, path)
    return flat


def _toml_values(path: Path) -> dict:
    import tomllib  # (here: most runs read no samlscan.toml, and its import is 20 ms of a start-up)

    try:
        doc = tomllib.loads(_settings_text(_read(path, "config")))  # (Notepad: a BOM or UTF-16)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None  # (RecursionError: nested too deep)
    flat = _flat(doc, path)
    base = path.parent
    for key in _PATHS:
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
