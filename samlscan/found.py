"""The settings a scanned folder holds (a ticket's IdP metadata, the SP's settings file), read as if
given with their option when no trust option was given and one file of a kind leaves no doubt."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from samlscan.config import (SETTINGS_KINDS, load_idp_metadata, load_python3_saml_settings, load_sonar_settings,
                             settings_kind)
from samlscan.errors import ConfigError

GROUPS = ((("idp_metadata",), "IdP metadata"), (("sonar_settings", "python3_saml_settings"), "SP settings"))
"""Files of one group answer the same question (which IdP, which SP): two of them leave it open."""
_LOADERS = {"idp_metadata": load_idp_metadata, "sonar_settings": load_sonar_settings,
            "python3_saml_settings": load_python3_saml_settings}
WHERE = "found in the scanned folder"


@dataclass(frozen=True)
class Found:
    """The settings files to read, as (SETTINGS_KINDS key, path), and the notes on those left unread."""

    used: tuple[tuple[str, str], ...] = ()
    unsure: tuple[str, ...] = ()

    def flags(self) -> dict[str, list[str]]:
        """The files as the options that give them (config.build's keys)."""
        out: dict[str, list[str]] = {}
        for kind, path in self.used:
            out.setdefault(kind, []).append(path)
        return out

    def notes(self) -> tuple[str, ...]:
        return tuple(f"read {path} as {SETTINGS_KINDS[kind][0]} ({WHERE}; {SETTINGS_KINDS[kind][1]} chooses "
                     "another)" for kind, path in self.used) + self.unsure


def found_settings(files: list[str]) -> Found:
    """The settings files among `files`, each recognised by content and read by its loader (SP
    metadata, a sonar-project.properties are no such file); of a group, only a file alone in it
    (copies of the same bytes count once)."""
    met: dict[str, list[tuple[str, str]]] = {}
    for path in files:
        kind = _kind_of(path)
        if kind is not None and _readable(kind, path):
            met.setdefault(kind, []).append((kind, path))
    used, unsure = [], []
    for kinds, what in GROUPS:
        group = _distinct([item for k in kinds for item in met.get(k, ())])
        if len(group) == 1:
            used.append(group[0])
        elif group:
            options = " or ".join(dict.fromkeys(SETTINGS_KINDS[k][1] for k, _ in group))
            listed = ", ".join(f"{p} ({SETTINGS_KINDS[k][0]})" for k, p in group)
            unsure.append(f"{len(group)} files {WHERE} are {what}: {listed}; none of them was read: choose "
                          f"one with {options}")
    return Found(tuple(used), tuple(unsure))


def _kind_of(path: str) -> str | None:
    from samlscan.engine import read_head

    if path == "-":
        return None
    try:
        return settings_kind(read_head(path))
    except OSError:  # (the scan reports it)
        return None


def _readable(kind: str, path: str) -> bool:
    try:
        _LOADERS[kind](Path(path))
    except ConfigError:  # not that file after all (the scan says what it is)
        return False
    return True


def _distinct(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """One of each content: the same metadata saved twice is one IdP, not a choice to make."""
    import hashlib

    seen: dict[bytes, tuple[str, str]] = {}
    for kind, path in items:
        try:
            seen.setdefault(hashlib.sha256(Path(path).read_bytes()).digest(), (kind, path))
        except OSError:
            continue
    return list(seen.values())
