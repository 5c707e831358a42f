"""The settings a scanned folder holds (a ticket's IdP metadata, the SP's settings file), read as if
given with their option when no trust option was given and one file of a kind leaves no doubt."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from samlscan.config import (NO_CERT, OTHER_SP_SETTING_NAMES, PINNED, SETTINGS_KINDS, SONAR_SETTING_NAMES,
                             listed_certs, load_idp_metadata, load_python3_saml_settings, load_sonar_settings,
                             settings_kind)
from samlscan.codes import spec
from samlscan.errors import ConfigError, OtherKind
from samlscan.model import Finding, Source

GROUPS = ((("idp_metadata",), "IdP metadata"), (("sonar_settings", "python3_saml_settings"), "SP settings"))
"""Files of one group answer the same question (which IdP, which SP): two of them leave it open."""
_LOADERS = {"idp_metadata": load_idp_metadata, "sonar_settings": load_sonar_settings,
            "python3_saml_settings": load_python3_saml_settings}
WHERE = "found in the scanned folder"
UNPACK = " (extracted from its archive)"


@dataclass(frozen=True)
class Found:
    """The settings files to read, as (SETTINGS_KINDS key, label), and the notes on those left
    unread. `members`: the archive members among them, as (label 'ticket.zip!idp.xml', the file
    it was inflated to for the loaders)."""

    used: tuple[tuple[str, str], ...] = ()
    unsure: tuple[str, ...] = ()
    members: tuple[tuple[str, str], ...] = ()
    certless: tuple[tuple[str, str, str, bool], ...] = ()
    """The files to read that hold no IdP certificate: (kind, label, why, whether it pins one by
    fingerprint, which a certificate given elsewhere may then match)."""
    disagree: tuple[tuple[str, str], ...] = ()
    """(label of the IdP metadata read, how it contradicts the SP's settings read beside it)."""

    def flags(self) -> dict[str, list[str]]:
        """The files as the options that give them (config.build's keys)."""
        files = dict(self.members)
        out: dict[str, list[str]] = {}
        for kind, label in self.used:
            out.setdefault(kind, []).append(files.get(label, label))
        return out

    def relabel(self, value):
        """`value` (the Expectations built from flags(), an error's text) with each member's file
        named by its label: the report never names a temporary file."""
        from samlscan.config import rename_aggregate
        from samlscan.rewrite import rewrite

        for label, file in self.members:
            rename_aggregate(file, label)
            value = rewrite(value, lambda x, f=file, lab=label: x.replace(f, lab) if isinstance(x, str) and f in x
                            else x)
        return value

    def refused(self, reason: str) -> tuple[str, ...]:
        """The notes when config.build refused the files to read together (`reason`, its error): its
        advice names trust options, and a trust option given turns this reading off, so the note says
        to give these files with their own options too."""
        given = " ".join(f"{SETTINGS_KINDS[kind][1]} {path}" for kind, path in self.used)
        unpack = UNPACK if self.members else ""
        return self.unsure + (f"{', '.join(p for _, p in self.used)} ({WHERE}) not read: {self.relabel(reason)} "
                              f"(with a trust option no file found in the folder is read: give {given}{unpack} "
                              "beside it)",)

    def notes(self, expect=None) -> tuple[str, ...]:
        """What was not read; with the `expect` built from the files read, those that give no
        certificate the SP holds (SonarQube's api/settings/values hides it). What was read is no
        note: its settings-found finding says it, in every format."""
        return self.unsure + self._unchecked(expect)

    def findings(self) -> tuple[Finding, ...]:
        """A settings-found finding at each file read, the one place it is said: CSV and JSON lines
        have no notes, --quiet silences stderr, and --fail-on counts findings only (as a note too,
        the table, JSON, SARIF and HTML said it twice)."""
        s = spec("settings-found")
        said = dict(self.disagree)
        return tuple(Finding(s.code, s.severity, _read_note(kind, path) + (f"; {said[path]}" if path in said else ""),
                             hint=s.fix, source=Source(path)) for kind, path in self.used)

    def _unchecked(self, expect) -> tuple[str, ...]:
        if expect is None:
            return ()
        members = dict(self.members)
        return tuple(f"{label} ({WHERE}) does not give the IdP certificate the SP holds, so no signature is "
                     f"checked against it: {why} (beside {SETTINGS_KINDS[kind][1]} {label}"
                     f"{UNPACK if label in members else ''}: with a trust option no file found in the folder "
                     "is read)" for kind, label, why, pinned in self.certless if not (pinned and expect.idp_certs))


def found_settings(files: list[str], tmpdir: str | None = None) -> Found:
    """The settings files among `files`, each recognised by content and read by its loader (SP
    metadata, a sonar-project.properties are no such file); of a group, only a file alone in it
    (files that give the same settings count once). With `tmpdir`, the settings members of the
    archives among `files` too (archives.settings_members), inflated there."""
    met: dict[str, list[tuple[str, str]]] = {}
    values: dict[tuple[str, str], tuple] = {}
    inflated: dict[str, str] = {}
    certless: dict[tuple[str, str], tuple[str, bool]] = {}
    loaded_by: dict[tuple[str, str], dict] = {}
    unread: list[str] = []
    for path in files:
        for kind, label, file in _candidates(path, tmpdir):
            try:
                loaded = _LOADERS[kind](Path(file))
            except OtherKind:  # not that file after all (SP metadata: the scan says what it is)
                continue
            except ConfigError as exc:  # (a DOCTYPE, a truncated file: the user would only see the XML error)
                unread.append(f"{label} looks like {_group(kind)} but was not read: {_reason(exc, file, label)}")
                continue
            met.setdefault(kind, []).append((kind, label))
            loaded_by[kind, label] = loaded
            values[kind, label] = _settings_key(loaded, file)
            if NO_CERT in loaded:
                certless[kind, label] = (_reason(loaded[NO_CERT], file, label), PINNED in loaded)
            if file != label:
                inflated[label] = file
    used, unsure = [], unread
    for kinds, what in GROUPS:
        group = _distinct([item for k in kinds for item in met.get(k, ())], values)
        if len(group) == 1:
            used.append(group[0])
        elif group:
            options = " or ".join(dict.fromkeys(SETTINGS_KINDS[k][1] for k, _ in group))
            listed = ", ".join(f"{p} ({SETTINGS_KINDS[k][0]})" for k, p in group)
            unsure.append(f"{len(group)} files {WHERE} are {what}: {listed}; none of them was read: choose "
                          f"one with {options}")
    return Found(tuple(used), tuple(unsure), tuple((label, inflated[label]) for _, label in used
                                                   if label in inflated),
                 tuple((*item, *certless[item]) for item in used if item in certless),
                 _disagreement(used, loaded_by, inflated))


def _disagreement(used: list[tuple[str, str]], loaded: dict, inflated: dict) -> tuple[tuple[str, str], ...]:
    """How the IdP metadata read contradicts the SP's settings read beside it, whose values win
    (config.build): the IdP the SP names (its entity ID, the certificate it holds) is then not the
    metadata's, and nothing else would say so."""
    meta = next((item for item in used if item[0] == "idp_metadata"), None)
    sp = next((item for item in used if item[0] != "idp_metadata"), None)
    if meta is None or sp is None:
        return ()
    idp, mine = loaded[meta], loaded[sp]
    named = mine.get("idp_entity_id")
    if "idp_aggregates" in idp:  # (an aggregate without the SP's IdP: config.build refuses it)
        from samlscan.config import aggregate_idp

        idp = (named and aggregate_idp(inflated.get(meta[1], meta[1]), named)) or {}
    said = []
    if named and idp.get("idp_entity_id") and idp["idp_entity_id"] != named:
        said.append(f"its entityID {idp['idp_entity_id']!r} is not the IdP the SP names "
                    f"({_sp_setting(sp[0], 'idp_entity_id')} {named!r})")
    held, signing = mine.get("idp_certs", ()), idp.get("idp_certs", ())
    if held and signing and not {c.der for c in held} & {c.der for c in signing}:
        said.append(f"the certificate the SP holds ({_sp_setting(sp[0], 'idp_cert')}: {listed_certs(held)}) is not "
                    f"one it publishes for signing ({listed_certs(signing)})")
    if not said:
        return ()
    return ((meta[1], f"it contradicts {sp[1]} ({SETTINGS_KINDS[sp[0]][0]}, whose values win): "
                      f"{'; '.join(said)}: the metadata is another IdP's or outdated, or the SP's settings are"),)


def _sp_setting(kind: str, what: str) -> str:
    """The name of an SP setting in the settings file's own words."""
    return SONAR_SETTING_NAMES[what] if kind == "sonar_settings" else OTHER_SP_SETTING_NAMES["python3-saml"][1][what]


FOLDER_RULE = ("a file found in the scanned folder is read as settings only when it is the one file of its "
               "kind there and no trust option or --config is given")
"""Why a settings file met in a scan was not read (two SP settings, a trust option given): one
reason for every file so left, whatever its reader made of it."""


def unread_reason(path: str) -> str | None:
    """The skip reason of a file of the SP's settings that the scan met and did not read as settings
    (None for any other file): what it is, and why it was not read. (IdP metadata keeps the
    engine's words: SP metadata starts the same way.)"""
    from samlscan.engine import read_head

    try:
        kind = settings_kind(read_head(path))
    except OSError:  # (an archive's member: its reader's words stay)
        return None
    if kind is None or kind == "idp_metadata":
        return None
    return (f"these are {SETTINGS_KINDS[kind][0]}, not a SAML message, not read: {FOLDER_RULE}; give them "
            f"with {SETTINGS_KINDS[kind][1]}")


def _read_note(kind: str, path: str) -> str:
    return f"read {path} as {SETTINGS_KINDS[kind][0]} ({WHERE}; {SETTINGS_KINDS[kind][1]} chooses another)"


def _group(kind: str) -> str:
    return next(what for kinds, what in GROUPS if kind in kinds)


def _reason(error, file: str, label: str) -> str:
    """A loader's error on `file` said of `label`, without the path it starts with."""
    text = str(error).replace(file, label)
    return text.removeprefix(f"{label}: ")


def _candidates(path: str, tmpdir: str | None):
    """(kind, label, file to load) of the settings `path` is, or (with `tmpdir`) its archive holds."""
    from samlscan.batch import container_of
    from samlscan.engine import read_head

    if path == "-":
        return
    try:
        head = read_head(path)
    except OSError:  # (the scan reports it)
        return
    container = container_of(path, head)  # (first: a zip that stores a settings file begins with its text)
    if container is None:
        if (kind := settings_kind(head)) is not None:
            yield kind, path, path
    elif tmpdir is not None:
        from samlscan.archives import settings_members

        for label, file in settings_members(path, path, container, tmpdir):
            yield settings_kind(read_head(file)), label, file


def _settings_key(value, path: str):
    """The settings a loader read, comparable across files: a certificate by its DER, a key by its
    PEM, the file's own name left out of the texts that quote it, an aggregate by its IdPs."""
    from samlscan.certs import TrustedCert
    from samlscan.config import aggregate_entities
    from samlscan.config.metadata import SIGNED
    from samlscan.decrypt import SpKey

    if isinstance(value, dict):  # (a signed file's tree, SIGNED: signed is all it says of the settings)
        return tuple(sorted((k, tuple(sorted(aggregate_entities(path).items())) if k == "idp_aggregates"
                             else True if k == SIGNED else _settings_key(v, path)) for k, v in value.items()))
    if isinstance(value, (tuple, list)):
        return tuple(_settings_key(v, path) for v in value)
    if isinstance(value, TrustedCert):
        return value.der
    if isinstance(value, str):
        return value.replace(path, "")
    if isinstance(value, SpKey):
        return value.pem
    return value


def _distinct(items: list[tuple[str, str]], values: dict) -> list[tuple[str, str]]:
    """One of each setting: the same metadata saved twice (Entra signs each download anew: another
    ID, another signature), a sonar.properties and a copy with other non-SAML lines, are one
    choice, not two to make."""
    seen: dict[tuple, tuple[str, str]] = {}
    for item in items:
        seen.setdefault((item[0], values[item]), item)
    return list(seen.values())
