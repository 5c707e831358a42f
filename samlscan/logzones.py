"""Which logs' times were written without a zone and read as UTC, and the note that says so.

A zone-less log time is read in the zone --timezone gives its input, UTC when none is given
(logs._common.local_to_utc). The fact is carried per input, never as a new LogEvent field:
LogEvent.local_time already says an event's time was written without a zone (whatever zone
it was read in), and --timezone (zones.LogZones.given) says whether that zone was given or
assumed. An input is read as UTC unasked when no zone was given for it and one of its logins
(a success or failure event) was local time, or one of the SAML messages it quotes was judged at
its line's local time (SamlMessage.local_time: a java-saml or SimpleSAMLphp DEBUG dump); one note
each, in its product's words: where that product takes its zone, and the --timezone to pass, and
for a quoted response whose time window failed, the zones in which it held (`_flips`). A log
whose offset was measured against a zoned witness has its own note (correlate.run withdraws this
one: `withdrawn`); one whose quoted responses stand whole hours from their IssueInstants says those
hours in this note (`measured`), not in a second one.
"""
from __future__ import annotations

from datetime import datetime, timedelta

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
    "entra": ("this Entra ID sign-in CSV (a 'Date' column named without '(UTC)')",
              "the zone of the tool that exported it (the Entra portal's own download says 'Date (UTC)')"),
    "authentik": ("authentik", "the container's TZ (UTC when unset)"),
    "goapps": ("this Go application (Gitea, Forgejo, Mattermost, Teleport)", "the process's TZ (a container's: UTC when unset)"),
    "sp-app": ("this application", "the JVM's user.timezone / TZ for Java (Spring, java-saml), the process's TZ "
               "for Python (python3-saml) and PHP's date.timezone for PHP"),
}
_CAPTURES = {
    # capture kind (engine's sniffed name) -> (what recorded it, where the zone of its zone-less times comes from)
    "har": ("this HAR", "the zone of the machine it was exported on (HAR 1.2 requires an offset; its exporter "
                        "left it out)"),
    "saml-tracer": ("this SAML-tracer export", "the zone of the browser's machine"),
    "saml-chrome-panel": ("this SAML Chrome Panel export", "the zone of the browser's machine"),
    "burp": ("this Burp Suite export", "the zone of the machine Burp ran on, named by an abbreviation several "
                                       "zones share (CST: US Central, China or Cuba; IST: India, Ireland or Israel; "
                                       "AST: Atlantic or Arabia)"),
}
_CAPTURE_MARK = " records its capture times without a zone, in "
"""A capture's note says so of its capture times (a log's: _MARK)."""
_JUDGED = ("failure", "success")
_WINDOW = ("assertion-expired", "assertion-not-yet-valid", "subject-confirmation-expired", "session-expired")
"""The findings of a time window judged at the message's evaluation time (checks.timing)."""
_ZONES = (timedelta(hours=-12), timedelta(hours=14))
"""The UTC offsets zones have (UTC-12 Baker Island to UTC+14 Kiribati's Line Islands)."""
_STEP = timedelta(minutes=15)
"""Zone offsets are whole quarter hours (UTC+5:45 Nepal, UTC+12:45 Chatham)..."""
_PART_HOURS = frozenset(sign * (60 * h + m) for sign, h, m in (
    (-1, 9, 30), (-1, 3, 30), (-1, 2, 30), (1, 3, 30), (1, 4, 30), (1, 5, 30), (1, 5, 45), (1, 6, 30),
    (1, 8, 45), (1, 9, 30), (1, 10, 30), (1, 12, 45), (1, 13, 45)))
"""...but few quarters are a zone's: the offsets (min) not of whole hours the tz database gives, summer
time's too (Marquesas -9:30, Newfoundland -3:30/-2:30, Iran, Afghanistan, India, Nepal, Myanmar, Eucla
+8:45, South Australia +9:30/+10:30, Lord Howe, Chatham +12:45/+13:45; tzdata 2025b's zones over
2024-2026 have exactly these). 15 or 30 min off UTC is a clock."""
DRIFT = timedelta(minutes=5)
"""How far a log's clock may be off its zone's offset for the offset still to be that zone's (an NTP
clock is seconds off, one 5 min off is rare; zones' offsets, 15 min apart at least, stay told apart)."""


def zone_of(offset: timedelta) -> timedelta | None:
    """The zone's UTC offset that `offset` (a log's time - UTC: a log written in UTC+k and read as UTC
    is +k ahead) is, within DRIFT: whole hours within _ZONES, or one of _PART_HOURS. None for UTC itself
    (its offset is the clock's) and for an offset no zone has."""
    k = round(offset / _STEP) * _STEP
    minutes = int(k.total_seconds()) // 60
    if not k or not _ZONES[0] <= k <= _ZONES[1] or abs(offset - k) > DRIFT \
            or (minutes % 60 and minutes not in _PART_HOURS):
        return None
    return k


def _product(kind: str | None) -> str | None:
    return kind[4:] if kind and kind.startswith("log:") else None


def zone_note(path: str, kind: str | None, flips: tuple[str, ...] = (), told: timedelta | None = None) -> str:
    """The note of one input read as UTC without --timezone (kind: InputResult.kind, 'log:<reader>', or a
    capture's: _CAPTURES, said of its capture times), with what another zone would change (`_flips`);
    or, `told`, read in the UTC offset its zoned lines carry (batch._told_zone)."""
    who, where = _CAPTURES.get(kind or "") or _WHERE.get(_product(kind), ("this log", "its writer's own zone"))
    mark = _CAPTURE_MARK if kind in _CAPTURES else _MARK
    name = input_name(path)
    said = f"; {'; '.join(flips[:_FLIPS_SAID])}" if flips else ""
    more = f" (and {len(flips) - _FLIPS_SAID} more)" if len(flips) > _FLIPS_SAID else ""
    unsure = _UNSURE if told is None else _TOLD.format(_hhmm(told))
    return (f"{path}: {who}{mark}{where}: {unsure}"
            f"--timezone '{name}=<its zone>'{said}{more}")


def input_name(path: str) -> str:
    """An input's file name, as --timezone's glob names it (an archive member's own)."""
    return path.rsplit("!", 1)[-1].replace("\\", "/").rsplit("/", 1)[-1]


def skew_fix(path: str, offset: float, limit: int, clocks: str, read_in: timedelta | None = None) -> str | None:
    """The fix of a clock-skew finding measured at a zone-less line time of `path` (read as UTC, or
    `read_in`: the offset its zoned lines carry, batch._told_zone; a --timezone given: no zone note, and
    `offset` no zone's) when `offset` (s, IssueInstant - line time) is a zone's (zone_of) within the
    skew the finding allowed: the --timezone that reads the log in that zone, then `clocks` (the
    finding's own fix) for a log whose zone is right. None for an offset no zone explains (0: the
    clocks; past _ZONES)."""
    # In UTC+k a line's time L was L - k UTC; read in UTC+r, IssueInstant - (L - r) = r - k + drift.
    # The clocks agree in that zone when the drift is within checks.timing.check_clock_skew's
    # -max(limit, 300) <= IssueInstant - time <= limit.
    r = read_in or timedelta(0)
    shift = r - timedelta(seconds=offset)
    k = timedelta(0) if r and abs(shift) <= DRIFT else zone_of(shift)  # (read in another: UTC is a zone)
    if k is None or k == r or not -max(limit, 300) <= offset + (k - r).total_seconds() <= limit:
        return None
    read = f"in UTC{_offset(r)}, the offset its other lines carry," if r else "as UTC"
    return (f"If {input_name(path)} was read {read} but is written in UTC{_offset(k)}, the clocks agree: "
            f"pass --timezone '{zone_option(path, k)}'. If its zone is right: {clocks}")


def told_fixes(messages, told: dict, limit: int) -> tuple:
    """`messages` (engine.MessageResult) with the clock-skew fix of each message judged at a line time
    of a log read in the zone its zoned lines carry (`told`: {path: tzinfo}, batch._zones_told) said of
    that zone: the check, run on the message alone, said it of UTC (skew_fix)."""
    if not told:
        return messages
    from dataclasses import replace

    from samlscan.codes import as_sentence, spec

    clocks = spec("clock-skew").fix

    def refixed(r):
        path = r.message.source.input
        if path not in told or not _judged_local(r) or r.message.issue_instant is None:
            return r
        offset = (r.message.issue_instant - r.message.captured_at).total_seconds()
        was = as_sentence(skew_fix(path, offset, limit, clocks)) or clocks
        said = as_sentence(skew_fix(path, offset, limit, clocks, told[path].utcoffset(None))) or clocks
        findings = tuple(replace(f, hint=said) if f.code == "clock-skew" and f.hint == was else f
                         for f in r.findings)
        return r if findings == r.findings else replace(r, findings=findings)

    return tuple(map(refixed, messages))


def zone_option(path: str, zone: timedelta) -> str:
    """--timezone's value that reads `path` in the zone `zone` ahead of UTC: 'web.log=+02:00'."""
    return f"{input_name(path)}={_hhmm(zone)}"


def _hhmm(zone: timedelta) -> str:
    """'+02:00', '-03:30': an offset as --timezone takes it."""
    minutes = round(zone.total_seconds() / 60)
    return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


_UNSURE = "read as UTC; if that is another zone, pass "
"""What a zone note says when nothing measured the log's zone (`measured` replaces it)."""
_TOLD_UNSURE = "; if that is not their zone, pass "
_TOLD = "its zone-less lines read in {}, the offset its other lines carry" + _TOLD_UNSURE
"""What it says of a log whose zoned lines all carry one offset (logs._common.head_offset)."""


def measured(notes_: tuple[str, ...], apart: dict[str, str]) -> tuple[tuple[str, ...], set[str]]:
    """`notes_` with this module's note of each input in `apart` (input -> how far from their
    IssueInstants it quotes responses, '2 h after': correlate.notes._quoted_zones) saying so: the log
    is in local time, not maybe; and the inputs whose note says it (their own quoted-zone note is
    then not given: one note a log)."""
    if not apart:
        return notes_, set()
    done, out = set(), []
    for n in notes_:
        src = n.split(": ", 1)[0] if _MARK in n else None
        if src in apart and _UNSURE in n:
            n = n.replace(_UNSURE, f"read as UTC, but it logs the responses it quotes {apart[src]} their "
                                   "IssueInstant (UTC): its times are local; pass ", 1)
            done.add(src)
        elif src in apart and _TOLD_UNSURE in n:  # (read in its zoned lines' offset, and still hours off)
            n = n.replace(_TOLD_UNSURE, f", but read so it logs the responses it quotes {apart[src]} their "
                                        "IssueInstant (UTC): its zone-less lines are in another zone; pass ", 1)
            done.add(src)
        out.append(n)
    return tuple(out), done


_FLIPS_SAID = 3
"""Quoted responses whose verdict a zone would change, named in one note; more are counted."""


def _judged_local(r) -> bool:
    """A quoted message judged at its log line's zone-less time (not at --at, not its IssueInstant)."""
    return r.message.local_time and r.message.captured_at is not None and r.at_source == "capture"


def read_as_utc(inputs, events, given, messages=()) -> list:
    """The inputs (InputResults) whose login times, or the times their quoted messages were judged
    at (engine.MessageResult), were written without a zone and read as UTC because no --timezone
    named them (`given(path)`: zones.LogZones.given). Looks at the events and messages only when
    some log input was read in the assumed zone (a --timezone for every log: none)."""
    unsure = {i.path: i for i in inputs if (i.events or i.messages) and _product(i.kind) and not given(i.path)}
    if not unsure:
        return []
    local = {e.source.input for e in events if e.local_time and e.outcome in _JUDGED}
    local.update(r.message.source.input for r in messages if r.message.source.input in unsure and _judged_local(r))
    return [i for i in unsure.values() if i.path in local]


def notes(inputs, events, given, messages=(), told=lambda path: None) -> tuple[str, ...]:
    """One zone note per input read as UTC unasked (read_as_utc), or in the zone its zoned lines
    carry (`told(path)`: batch._told_zone; what another zone would change, `_flip`, is
    said of times read as UTC: not of these)."""
    flips: dict[str, list[str]] = {}
    for r in messages:
        if _judged_local(r) and (said := _flip(r)):
            flips.setdefault(r.message.source.input, []).append(said)
    out = []
    for i in read_as_utc(inputs, events, given, messages):
        zone = told(i.path)
        offset = zone.utcoffset(None) if zone is not None else None
        out.append(zone_note(i.path, i.kind, tuple(flips.get(i.path, ())) if offset is None else (), offset))
    return tuple(out)


def _window(msg) -> tuple[datetime | None, datetime | None]:
    """The times [from, until) at which the consumed assertion's windows all hold (SAML core 2.5.1.2
    Conditions, 2.4.1.2 SubjectConfirmationData: one bearer is enough, profiles 4.1.4.3; 2.7.2
    SessionNotOnOrAfter), without the SP's clock skew: a zone range said from it holds with any skew."""
    from samlscan.checks.base import consumed_assertion
    from samlscan.checks.bearer import bearers

    a = consumed_assertion(msg)
    if a is None:
        return None, None
    starts, ends = [a.not_before], [a.not_on_or_after, a.session_not_on_or_after]
    timed = [sc for sc in bearers(a) if sc.not_on_or_after or sc.not_before]
    if timed:  # (the bearer whose window ends last; one holding is enough)
        best = max(timed, key=lambda sc: sc.not_on_or_after or datetime.max.replace(tzinfo=msg.captured_at.tzinfo))
        starts.append(best.not_before)
        ends.append(best.not_on_or_after)
    return max((t for t in starts if t), default=None), min((t for t in ends if t), default=None)


def _flip(r) -> str | None:
    """What a time-window finding of a quoted message would be in another zone: the zones' UTC offsets
    (whole hours or _PART_HOURS, within _ZONES; said from a zone to a zone: _zones_within) of the log's
    zone in which its line time falls inside the message's window; for a message whose window holds but
    whose IssueInstant is too far from its line time (a clock-skew finding alone), those in which it is
    within the skew the finding allowed.
    A line written at local time L in UTC+k was at L - k UTC; read as UTC it is L."""
    at = r.message.captured_at
    if any(f.code in _WINDOW for f in r.findings):
        start, end = _window(r.message)
        said = "it was within its window"
    elif (skew := next((f for f in r.findings if f.code == _SKEW), None)) and r.message.issue_instant:
        # checks.timing.check_clock_skew: -max(limit, 300) <= IssueInstant - time <= limit
        limit = timedelta(seconds=_limit(skew))
        start, end = r.message.issue_instant - limit, r.message.issue_instant + max(limit, timedelta(seconds=300))
        end += timedelta(microseconds=1)  # (its bound is inclusive)
        said = f"its IssueInstant was within the {limit.total_seconds():.0f} s of clock skew allowed"
    else:
        return None
    low, high = _ZONES
    if end is not None:  # at - k < end: k > at - end
        low = max(low, _ceil(at - end + timedelta(microseconds=1)))
    if start is not None:  # at - k >= start: k <= at - start
        high = min(high, _floor(at - start))
    if low > high or low <= timedelta(0) <= high:
        return None
    named = _zones_within(low, high)
    if not named:
        return None  # (only offsets no zone has: a clock, not a zone)
    zones = utc_zone(named[0]) if len(named) == 1 else f"{utc_zone(named[0])} to {utc_zone(named[-1])}"
    m = r.message
    name = f"{m.kind} {m.id}" if m.id else m.kind
    where = f" ({m.source.ref})" if m.source.ref else ""
    log = input_name(m.source.input)
    return f"{name}{where} judged at {at:%H:%M:%S} read as UTC; if {log} is in {zones}, {said}"


def _zones_within(low: timedelta, high: timedelta) -> list[timedelta]:
    """The zones' offsets (whole hours, _PART_HOURS) from `low` to `high`, in order: a range is said
    from a zone to a zone, never from a quarter hour no zone has (+2:30)."""
    quarters = (low + _STEP * i for i in range(int((high - low) / _STEP) + 1))
    return [k for k in quarters if zone_of(k) is not None]


_SKEW = "clock-skew"


def _limit(f) -> int:
    """The skew a clock-skew finding allowed (checks.timing.check_clock_skew)."""
    from samlscan.checks.timing import skew_allowed

    allowed = skew_allowed(f.expected)
    return 300 if allowed is None else allowed


def _ceil(d: timedelta) -> timedelta:
    return -((-d) // _STEP) * _STEP


def _floor(d: timedelta) -> timedelta:
    return (d // _STEP) * _STEP


def utc_zone(d: timedelta) -> str:
    """'UTC+2', 'UTC-3:30', 'UTC+5:45': a zone named by its offset."""
    return f"UTC{_offset(d)}"


def span(d: timedelta, signed: bool = False) -> str:
    """An offset as a note says it: '2 h', '5 h 45 min', '30 min' ('+5 h 45 min' `signed`), never
    '5.75 h' (serverclock.duration: a zone's offset is whole minutes, so never rounded)."""
    from samlscan.inputs.serverclock import duration

    said = duration(d)
    return ("-" if d < timedelta(0) else "+") + said if signed else said


def _offset(d: timedelta) -> str:
    """'+2', '-3:30', '+5:45' (a zone's offset as zones are named)."""
    minutes = int(d.total_seconds()) // 60
    sign, minutes = ("-" if minutes < 0 else "+"), abs(minutes)
    return f"{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")


def withdrawn(notes_: tuple[str, ...], measured) -> tuple[str, ...]:
    """`notes_` without this module's notes of the inputs in `measured` (logs whose offset was measured
    against a zoned witness: their own note says the zone to pass)."""
    if not measured:
        return notes_
    prefixes = tuple(f"{src}: " for src in measured)
    return tuple(n for n in notes_ if not (_MARK in n and n.startswith(prefixes)))
