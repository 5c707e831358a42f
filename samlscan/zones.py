"""The time zone of log times written without one, per input (`--timezone`).

A support case often mixes servers: the IdP's log in UTC, SonarQube's web.log in the server's
local time, an AD FS export in a third zone. `--timezone Europe/Paris` reads every zone-less log
in Paris time; `--timezone 'web.log=Europe/Paris'` only the inputs matching that glob (matched
against the path and its file name, as --include is), and both can be repeated and combined.
An archive's member takes the zone given for its own name, else the one given for the archive.
"""
from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass
from datetime import timedelta, timezone, tzinfo

from samlscan.errors import ConfigError

_OFFSET = re.compile(r"(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?")


def offset_allowed(hours: int, minutes: int) -> bool:
    """A zone offset of this many hours and minutes exists: minutes below 60, at most 14:00 either way
    (XML Schema 2 3.2.7.3; ISO 8601 minutes; UTC+14 is the farthest zone in use)."""
    return minutes < 60 and hours * 60 + minutes <= 14 * 60


def _names(glob: str, path: str) -> bool:
    """Whether `glob` names the file at `path`: its base name ('web.log'), the whole path, or,
    for a glob with folders ('sonarqube/*.log'), the path's last folders (as a .gitignore does)."""
    return (fnmatch.fnmatch(os.path.basename(path), glob) or fnmatch.fnmatch(path, glob)
            or ("/" in glob and fnmatch.fnmatch(path, "*/" + glob.lstrip("/"))))


@dataclass(frozen=True)
class LogZones:
    default: tzinfo = timezone.utc
    by_glob: tuple[tuple[str, tzinfo], ...] = ()
    """(glob, zone) in the order given: the first match wins."""
    default_given: bool = False
    """The default was given (a plain --timezone ZONE, even UTC), not assumed."""

    def of(self, path: str) -> tzinfo:
        """The zone of one input; an archive's member ('case.zip!logs/web.log') by its own name
        first, then by its archive's."""
        if not self.by_glob:
            return self.default
        for part in reversed(path.split("!")):
            for glob, zone in self.by_glob:
                if _names(glob, part):
                    return zone
        return self.default

    def given(self, path: str) -> bool:
        """Whether a zone was given for `path` (the default, or a glob naming it), not assumed UTC."""
        return self.default_given or any(_names(glob, part) for part in path.split("!") for glob, _ in self.by_glob)

    def unmatched(self, inputs) -> list[str]:
        """The globs that name none of `inputs` (a typo would otherwise go unnoticed)."""
        parts = [part for i in inputs for part in i.split("!")]
        return [glob for glob, _ in self.by_glob if not any(_names(glob, p) for p in parts)]


    def member(self, tmp: str, label: str) -> "_Member":
        return _Member(self, tmp, label)


@dataclass(frozen=True)
class _Member:
    """The zones of an archive member inflated to `tmp`: paths under it are looked up under its
    label ('case.zip!logs.tar.gz'), so a nested archive's logs are found by their own names."""

    zones: LogZones | _Member
    tmp: str
    label: str

    def of(self, path: str) -> tzinfo:
        return self.zones.of(path.replace(self.tmp, self.label, 1))

    def member(self, tmp: str, label: str) -> _Member:
        return _Member(self, tmp, label)


def zone_of(tz: tzinfo | LogZones | _Member | None, path: str) -> tzinfo:
    """The zone to read `path` in, whether the caller holds one zone or a LogZones."""
    if isinstance(tz, (LogZones, _Member)):
        return tz.of(path)
    return tz or timezone.utc


def parse_zone(name: str) -> tzinfo:
    """An IANA name (Europe/Paris), UTC, or a fixed offset (+02:00, UTC-5)."""
    if name.upper() in ("UTC", "Z", "GMT"):
        return timezone.utc
    m = _OFFSET.fullmatch(name.strip())
    if m:
        sign, hours, minutes = m.group(1), int(m.group(2)), int(m.group(3) or 0)
        if offset_allowed(hours, minutes):
            delta = timedelta(hours=hours, minutes=minutes)
            return timezone(-delta if sign == "-" else delta)
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:  # zoneinfo raises several types for bad keys
        raise ConfigError(f"time zone {name!r} (--timezone, or timezone in samlscan.toml) is not a known "
                          "time zone (examples: Europe/Paris, "
                          "+02:00, 'web.log=America/New_York' for one log)") from None


def parse_zones(values: tuple[str, ...] | list[str] | str | None) -> LogZones:
    """--timezone values: at most one plain ZONE (every other log), any number of GLOB=ZONE."""
    if isinstance(values, str):
        values = (values,)
    default, by_glob = None, []
    for value in values or ():
        glob, eq, name = value.rpartition("=")
        if eq and not glob.strip():
            raise ConfigError(f"--timezone {value!r}: give the log before '=' (example: 'web.log=Europe/Paris')")
        zone = parse_zone(name.strip())
        if eq:
            by_glob.append((glob.strip(), zone))
        elif default is not None:
            raise ConfigError(f"--timezone given twice without a log ({value!r}): use GLOB=ZONE for "
                              "the logs in another zone (example: 'web.log=Europe/Paris')")
        else:
            default = zone
    return LogZones(default or timezone.utc, tuple(by_glob), default is not None)
