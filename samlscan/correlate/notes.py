"""The run's notes: clock offsets, zones, timelines and pages with no time."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from samlscan.correlate.apart import _SAME_RECORD
from samlscan.correlate.clocks import zone_part
from samlscan.logzones import input_name, span, utc_zone, zone_option
from samlscan.model import LogEvent


def _zone_apart_notes(events) -> list[str]:
    """Two logs that name the same activities (AD FS's Activity ID in its XML export and in a CSV or
    text copy) whole hours apart: one was written in local time and read as UTC (Windows' XML holds
    UTC; Get-WinEvent's CSV and Event Viewer's text, local time without a zone). Copies of one
    record are apart by the zone to the second, for most of the IDs the two logs share; an ID one
    log names again later (a Keycloak session ID in rotated files, an SSO login hours on) is not."""
    local: dict[str, bool] = {}
    for e in events:
        if e.correlation_id and e.time is not None:
            local[e.source.input] = local.get(e.source.input, False) or bool(e.local_time)
    if len(local) < 2:  # one log's IDs: no other log to be apart from (a big export: no table of them)
        return []
    # ID -> its first event, a dict (input -> its first event there) once a second log names it:
    # most IDs are one log's, and a big export names 100,000s
    firsts: dict[str, LogEvent | dict[str, LogEvent]] = {}
    for e in events:
        if not e.correlation_id or e.time is None:
            continue
        got = firsts.get(e.correlation_id)
        if got is None:
            firsts[e.correlation_id] = e
        elif got.__class__ is dict:
            got.setdefault(e.source.input, e)
        elif got.source.input != e.source.input:
            firsts[e.correlation_id] = {got.source.input: got, e.source.input: e}
    shared: Counter = Counter()
    apart: dict[tuple[str, str], Counter] = {}
    for by_input in firsts.values():
        if by_input.__class__ is not dict:
            continue
        (a, q), *rest = sorted(by_input.items())
        for b, e in rest:
            shared[a, b] += 1
            off = e.time - q.time
            zone = zone_part(off)
            if zone is not None and abs(off - zone) <= _SAME_RECORD:
                apart.setdefault((a, b), Counter())[zone] += 1
    notes = []
    for (a, b), zones in sorted(apart.items()):
        zone, n = zones.most_common(1)[0]
        if 2 * n < shared[a, b]:
            continue  # (a few of many IDs hours apart by chance)
        hours = span(zone)
        activities = f"{n} activit{'y' if n == 1 else 'ies'}"
        which = [x for x in (a, b) if local.get(x)]
        if len(which) == 1:  # the one whose times carry no zone
            notes.append(f"{which[0]} names {activities} of {b if which[0] == a else a} {hours} apart: "
                         + _read_as_utc(which[0]))
        else:
            notes.append(f"{a} and {b} name {activities} {hours} apart: one of them is written in local time "
                         "and read as UTC (pass --timezone for it)")
    return notes


def _read_as_utc(src: str) -> str:
    """What a note says of a log found written in local time, and how to read it right."""
    return (f"its times are local, read as UTC (pass --timezone "
            f"'{input_name(src)}=<its zone>', such as Europe/Paris)")


def _quoted_zones(messages, offsets: dict) -> dict[str, str]:
    """Log -> how far from their IssueInstants it quotes responses ('2 h after'), for a log that quotes
    them (java-saml's DEBUG dump) whole hours from their IssueInstants: an IssueInstant is UTC (SAML
    core 1.3.3) and the SP logs the response within seconds of its issue, so the log was written in
    local time and read as UTC. Only when every response it quotes is that far off, by the same
    hours; a log whose offset was measured (and corrected) already is not."""
    zones: dict[str, set] = {}
    for r in messages:
        m = r.message
        if m.logged_by and m.kind == "Response" and m.captured_at and m.issue_instant:
            zones.setdefault(m.source.input, set()).add(zone_part(m.captured_at - m.issue_instant))
    found = {}
    for src, seen in sorted(zones.items()):
        if len(seen) != 1 or None in seen or src in offsets:
            continue
        (zone,) = seen
        found[src] = f"{span(zone)} {'after' if zone > timedelta(0) else 'before'}"
    return found


def _quoted_zone_notes(quoted: dict[str, str]) -> list[str]:
    """The note of each log _quoted_zones found written in local time (one whose zone note logzones
    gave carries the hours in that note instead: logzones.measured)."""
    return [f"{src} logs the responses it quotes {apart} their IssueInstant (UTC): " + _read_as_utc(src)
            for src, apart in quoted.items()]


TIMELINE_NOTES = 20
"""Timeline notes listed (an admin's changes to the SP's client or the IdP's keys); more are counted."""


def _timeline_notes(events) -> tuple[str, ...]:
    """The IdP admins' changes the logs record (logs.base.TIMELINE_NOTE events: Keycloak's admin
    events), in time order: a client or key changed minutes before the failures began says why."""
    from samlscan.logs.base import TIMELINE_NOTE

    said = sorted((e for e in events if e.raw_code == TIMELINE_NOTE),
                  key=lambda e: (e.time is None, e.time.timestamp() if e.time else 0))
    notes = tuple(dict.fromkeys(e.text for e in said))  # (one change in two exports: said once)
    if len(notes) <= TIMELINE_NOTES:
        return notes
    return notes[:TIMELINE_NOTES] + (f"... and {len(notes) - TIMELINE_NOTES} more admin change(s) in the logs",)


def _untimed_pages(events) -> list[str]:
    """A note for each error page that shows no time (errorpages.read_page): its failure is judged
    at no time, never at 'now'; only the log lines it joins by its IDs date it."""
    untimed = [e for e in events if e.time is None and e.source.ref]
    if not untimed:
        return []
    from samlscan.errorpages import PAGE_REF  # (its patterns, for a constant: only when needed)

    return [f"{e.source.input}: the {e.product} error page shows no time: its failure is judged at no time "
            "(not at 'now')" for e in untimed if e.source.ref.endswith(PAGE_REF)]


def _offset_note(src: str, off: timedelta, against: str | None = None) -> str:
    """`against`: the log `src` was measured against when no capture was given (Offsets.against):
    its clock, not the capture's, is the reference, and which of the two is wrong is not known."""
    seconds = off.total_seconds()
    zone = zone_part(off)
    # a time zone is no clock running ahead: web.log in Paris time, 80 s slow, is off by +3520 s
    own = seconds - zone.total_seconds() if zone is not None else seconds
    ref = f"{against}'s" if against else "the capture's"
    clock = (f"the clock that wrote it runs {abs(own):.0f} s {'ahead of' if own > 0 else 'behind'} {ref}"
             if round(own) else f"the clock that wrote it keeps {ref} time")
    host = getattr(src, "host", None)  # (a SIEM export's server: clocks.HostClock)
    if host and abs(own) >= 60:
        clock = f"{host}'s clock is {round(abs(own) / 60)} min {'ahead of' if own > 0 else 'behind'} {ref}"
    if against and round(own):
        clock += f" (or {against}'s clock is the wrong one: the logs alone cannot tell; attempts are dated by it)"
    how = (f"the logins it shares with {against}, by user and time, as no capture was given" if against
           else "the logins it shares with the captures, by SAML ID or else by user and time")
    name = f"{src} (its lines of {host})" if host and src != f"host {host}" else src
    note = (f"clock offset of {name}: {seconds:+.0f} s (measured on {how}; corrected): "
            f"{'its time zone aside, ' if zone is not None else ''}{clock}")
    if zone is not None:
        given = zone_option(str(src), zone)
        note += (f"; about {span(zone)} {'ahead' if zone > timedelta(0) else 'behind'} ({utc_zone(zone)}) "
                 "looks like a time zone: pass --timezone with the "
                 f"zone that log is written in (--timezone '{given}', or its name such as Europe/Paris "
                 "for the right DST; its SAML copies were judged with that zone removed)")
    return note
