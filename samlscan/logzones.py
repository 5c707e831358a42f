"""Which logs' times were written without a zone and read as UTC, and the note that says so.

A zone-less log time is read in the zone --timezone gives its input, UTC when none is given
(logs._common.local_to_utc). The fact is carried per input, never as a new LogEvent field:
LogEvent.local_time already says an event's time was written without a zone (whatever zone
it was read in), and --timezone (zones.LogZones.given) says whether that zone was given or
assumed. An input is read as UTC unasked when no zone was given for it and one of its logins
(a success or failure event) was local time; one note each, in its product's words: where
that product takes its zone, and the --timezone to pass. A log whose offset was measured
against a zoned witness has its own note (correlate.run withdraws this one: `withdrawn`).
"""
from __future__ import annotations

_MARK = " writes its log times without a zone, in "
"""What every note of this module says, after its input's path and product (`withdrawn` finds them)."""

_WHERE = {
    # parser name -> (who writes the log, where it takes the zone of its times)
    "sonarqube": ("SonarQube", "the server's own (the JVM's user.timezone, else TZ; a Docker image runs in UTC)"),
    "keycloak": ("Keycloak", "the JVM's user.timezone, else the server's or container's TZ"),
    "shibboleth": ("the Shibboleth IdP", "the JVM's user.timezone (its servlet container's), else the server's TZ"),
    "pingfederate": ("PingFederate", "the JVM's user.timezone, else the server's or container's TZ"),
    "simplesamlphp": ("SimpleSAMLphp", "its config's 'timezone', else PHP's date.timezone"),
    "adfs": ("this AD FS export (Event Viewer text or CSV)", "the Windows zone of the machine that exported it"),
    "google": ("this Google Admin export", "the admin's display zone when it was exported"),
    "authentik": ("authentik", "the container's TZ (UTC when unset)"),
    "goapps": ("this Go application (Gitea, Forgejo, Mattermost, Teleport)", "the process's TZ (a container's: UTC when unset)"),
    "sp-app": ("this application", "the JVM's user.timezone / TZ for Java (Spring, java-saml), the process's TZ "
               "for Python (python3-saml) and PHP's date.timezone for PHP"),
}
_JUDGED = ("failure", "success")


def _product(kind: str | None) -> str | None:
    return kind[4:] if kind and kind.startswith("log:") else None


def zone_note(path: str, kind: str | None) -> str:
    """The note of one input read as UTC without --timezone (kind: InputResult.kind, 'log:<reader>')."""
    who, where = _WHERE.get(_product(kind), ("this log", "its writer's own zone"))
    name = path.rsplit("!", 1)[-1].replace("\\", "/").rsplit("/", 1)[-1]
    return (f"{path}: {who}{_MARK}{where}: read as UTC; if that is another zone, pass "
            f"--timezone '{name}=<its zone>'")


def read_as_utc(inputs, events, given) -> list:
    """The inputs (InputResults) whose login times were written without a zone and read as UTC
    because no --timezone named them (`given(path)`: zones.LogZones.given). Looks at the events only
    when some log input was read in the assumed zone (a --timezone for every log: none)."""
    unsure = {i.path: i for i in inputs if i.events and _product(i.kind) and not given(i.path)}
    if not unsure:
        return []
    local = {e.source.input for e in events if e.local_time and e.outcome in _JUDGED}
    return [i for i in unsure.values() if i.path in local]


def notes(inputs, events, given) -> tuple[str, ...]:
    """One zone note per input read as UTC unasked (read_as_utc)."""
    return tuple(zone_note(i.path, i.kind) for i in read_as_utc(inputs, events, given))


def withdrawn(notes_: tuple[str, ...], measured) -> tuple[str, ...]:
    """`notes_` without this module's notes of the inputs in `measured` (logs whose offset was measured
    against a zoned witness: their own note says the zone to pass)."""
    if not measured:
        return notes_
    prefixes = tuple(f"{src}: " for src in measured)
    return tuple(n for n in notes_ if not (_MARK in n and n.startswith(prefixes)))
