"""Each log source's clock offset, measured on the SAML IDs and users it shares with the captures."""
from __future__ import annotations

import functools
import itertools
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from samlscan.checks.base import consumed_assertion
from samlscan.logs._common import line_of
from samlscan.logzones import zone_of
from samlscan.model import LogEvent, Source


class Offsets(dict):
    """{log input: its clock offset}; `against`: {log input: the log it was measured against},
    for those measured without a capture (an SP log against an IdP log, _offsets_by_user); `steps`:
    {log input: {record ref: (its own offset, its verdict or None)}} for the records of a run on
    another clock than the log's (after a clock step back, up to the next or to where the clock was
    witnessed set right: _read_refusals, _set_right), its events and its SAML copies alike."""

    __slots__ = ("against", "steps")

    def __init__(self, offsets=(), against=None, steps=None):
        super().__init__(offsets)
        self.against: dict[str, str] = dict(against or {})
        self.steps: dict[str, dict] = dict(steps or {})


class HostClock(str):
    """The clock of one host's lines (LogEvent.host: a SIEM export holds several servers' lines, in one
    file or several) as a key of Offsets: 'host sq-app-02', or a log's own name for a log whose lines
    are its main host's (_hosts_apart: the key a lookup by input finds, its note naming the host)."""

    def __new__(cls, text: str, host: str):
        self = super().__new__(cls, text)
        self.host = host
        return self

    def __getnewargs__(self):
        return str(self), self.host


@functools.cache
def host_clock(host: str) -> HostClock:
    """The one key of a host's clock (events compare and hash it by the thousand)."""
    return HostClock(f"host {host}", host)


def clock_of(e: LogEvent) -> str:
    """The clock a log event was stamped by: its log's, or its host's (one host's lines in several
    exports are on its one clock; a log's several hosts each on its own)."""
    return e.source.input if e.host is None else host_clock(e.host)


def _hosts_apart(out: Offsets, events) -> Offsets:
    """Offsets measured per host (clock_of) made per input again for the records: hosts on one clock
    (within SKEW) give each log holding them its one offset, as for any log; apart, each log's host with
    the most lines measured gives the log's offset (its key names it: HostClock, equal to the input) and
    each other host's lines get theirs (Offsets.steps, as a run on a clock of its own), its key kept
    for its note."""
    hosts = [k for k in out if isinstance(k, HostClock)]
    if not hosts:
        return out
    from statistics import median

    lines: dict[str, Counter] = {}
    for e in events:
        if e.host is not None:
            lines.setdefault(e.source.input, Counter())[host_clock(e.host)] += 1
    apart = max(out[k] for k in hosts) - min(out[k] for k in hosts) > SKEW
    kept: set = set()
    for src, counts in lines.items():
        measured = sorted((k for k in counts if k in out), key=lambda k: (-counts[k], k))
        if not measured:
            continue
        if not apart:
            out[src] = timedelta(seconds=median(out[k].total_seconds() for k in measured))
            out.against.setdefault(src, out.against.get(measured[0]))
            continue
        main, *others = measured
        out.pop(src, None)
        out[HostClock(src, main.host)] = out[main]
        out.against[src] = out.against.get(main)
        kept.update(others)
        steps = out.steps.setdefault(src, {})
        for e in events:
            if e.source.input == src and (k := clock_of(e)) in others and e.source.ref not in steps:
                steps[e.source.ref] = (out[k], None)
    for k in set(hosts) - kept:
        del out[k]
    out.against = {k: v for k, v in out.against.items() if v is not None and (k in out or k in kept)}
    return out


def clock_offsets(messages, events) -> Offsets:
    """Per log file: median (log time - capture time) over log lines that name a SAML ID of a
    captured message, or dump a copy of it; for an SP log naming none, over the logins it names
    by user (_offsets_by_user). Without a capture, an SP log's offset to an IdP log's (the IdP's
    clock is the reference then: the logs alone cannot tell which one is wrong)."""
    if not events and not any(r.message.logged_by for r in messages):
        return Offsets()  # no log in the run: nothing to measure against
    times: dict[str, datetime] = {}
    posts: dict[str, list[datetime]] = {}  # ID -> the browser's times of its captures (a re-post is a second)
    windows: dict[str, datetime] = {}  # ID -> the captured response's earliest NotOnOrAfter
    logged: list[tuple[str, datetime, set, str | None]] = []
    for r in messages:
        m = r.message
        ids = {m.id, *(a.id for a in m.assertions)} - {None}
        t = m.captured_at or m.issue_instant
        if m.logged_by:
            if m.captured_at:
                logged.append((m.source.input, m.captured_at, ids, m.source.ref))
        elif t:
            times.update((i, t) for i in ids)
            if m.captured_at:  # (a pasted copy's IssueInstant is the IdP's clock: no witness of it)
                for i in ids:
                    posts.setdefault(i, []).append(t)
                end = _not_on_or_after(m)
                if end is not None:
                    windows.update((i, end) for i in ids)
    if not times:  # nothing captured outside the logs (a scan of logs alone): an IdP log is the reference
        idp = _idp_offsets(_offsets_by_user(messages, events, {}, captured=False, side="idp"))
        sp = _offsets_by_user(messages, events, idp, captured=False)
        # an IdP log is confirmed by an SP log on its clock (two clocks agree: the odd one is off)
        agree: dict[str, set] = {}
        for src, off in sp.items():
            if abs(off) <= SKEW and src in sp.against:
                agree.setdefault(sp.against[src], set()).add(src)
        copies = _copies(messages)
        out = _read_refusals(Offsets(idp | sp, idp.against | sp.against), events, agree, dumps=_dumps(messages),
                             copies=copies)
        return _hosts_apart(_set_right(out, events, copies, {}) if out.steps else out, events)
    deltas: _Deltas = {}
    # (not a replay refusal: it names the captured response's ID at the time of its later use)
    observed = ((clock_of(e), e.source.input, e.time, e.saml_ids, e.source.ref) for e in events
                if e.time and e.saml_ids and e.code != "assertion-replayed")
    copies = _copies(messages)
    hosted = _copy_clocks(events, copies) if logged else {}
    copied = ((hosted.get((src, ref), hosted.get(src, src)), src, t, ids, ref) for src, t, ids, ref in logged)
    for clock, src, t, ids, ref in itertools.chain(observed, copied):
        shared = next((i for i in ids if i in times), None)
        if shared is not None:
            deltas.setdefault(clock, []).append((src, ref, (t - times[shared]).total_seconds()))
    # (2.5 ms of imports: only when logs and captures are both given)
    from statistics import median

    offsets = {clock: timedelta(seconds=median(d for *_, d in v)) for clock, v in deltas.items()}
    # an IdP log naming no captured ID (Shibboleth's idp-process.log names the user only) first: the
    # SP logs' pairs with it are then on the capture's time
    by_user = _offsets_by_user(messages, events, offsets, side="idp")
    offsets |= _idp_offsets(by_user)
    # an IdP log measured against the captures (by ID or by user) is confirmed by them
    agree = {src: {"capture"} for src in {*by_user, *offsets}}
    out = _read_refusals(Offsets(offsets | _offsets_by_user(messages, events, offsets)), events, agree, posts,
                         windows, _dumps(messages), copies)
    if out.steps:
        _rebase(out, deltas)
        _set_right(out, events, copies, {clock: {ref: d for src, ref, d in v if src == clock}
                                         for clock, v in deltas.items()})
        _rebase(out, deltas)
    return _hosts_apart(out, events)


_Deltas = dict[str, list[tuple[str, str | None, float]]]
"""Clock (clock_of: a log, or a host of a SIEM export) -> (its record's input, ref, log - capture s)."""


def _rebase(out: Offsets, deltas: _Deltas) -> None:
    """A clock with a run of its records on a clock of their own (Offsets.steps, by input and ref): its
    offset is that of its other records measured; none measured (only inside the run), none but its
    time zone's. A host's records are stepped in the export holding them (its input's steps) and
    measured under its HostClock: matched by (input, ref), a ref being a line of one input."""
    from statistics import median

    for clock, got in deltas.items():
        rest = [d for src, ref, d in got if ref not in out.steps.get(src, ())]
        if rest and len(rest) < len(got):
            out[clock] = timedelta(seconds=median(rest))
        elif not rest and clock in out:
            zone = zone_part(out[clock])  # (a zone is the whole file's: its local time read as UTC)
            if zone is None:
                del out[clock]
            else:
                out[clock] = zone


def _copy_clocks(events, copies: _Copies) -> dict:
    """The clock of a SIEM export's SAML copies (messages carry no host): (input, ref) -> the clock of
    the event of that record, else of the events of the request the copy was logged in (`copies`: its
    request ID; a dump is a record of its own beside its request's refusal or login line) where they
    name one host; and input -> its one host's clock where all its events name one host; several and
    no request to tell: not guessed."""
    out: dict = {}
    hosts: dict[str, set] = {}
    requests: dict[tuple[str, str], set] = {}
    for e in events:
        if e.host is not None:
            out[e.source.input, e.source.ref] = clock_of(e)
            hosts.setdefault(e.source.input, set()).add(clock_of(e))
            if e.request_id:
                requests.setdefault((e.source.input, e.request_id), set()).add(clock_of(e))
    out.update((src, next(iter(got))) for src, got in hosts.items() if len(got) == 1)
    for src, found in copies.items() if requests else ():
        for *_, ref, _, rid in found:
            if len(got := requests.get((src, rid), ())) == 1:
                out.setdefault((src, ref), next(iter(got)))
    return out


def _not_on_or_after(m) -> datetime | None:
    """The earliest NotOnOrAfter of a response's assertions (Conditions, bearer SubjectConfirmationData):
    the instant an SP refusing it as expired compared its clock with (SAML core 2.5.1.2, 2.4.1.2)."""
    ends = [t for a in m.assertions for t in (a.not_on_or_after, *(c.not_on_or_after for c in a.subject_confirmations))
            if t is not None]
    return min(ends, default=None)


PAIR_WINDOW = timedelta(minutes=10)
"""How far apart an SP log line and a capture of the same user's login may be for the clock
offset to be measured on them (twice WINDOW: a clock off by more is rare, and the pair must be the
only one of its user in this window on both sides)."""
PAIRS_AGREE = 5.0
"""Seconds within which two pairs must agree to be trusted (fewer than three could be unrelated
logins; one login seen by the capture and by the IdP's log agrees to the second)."""


def _offsets_by_user(messages, events, measured: dict[str, timedelta], captured: bool = True,
                     side: str = "sp") -> Offsets:
    """Per SP log with no SAML ID in common with the captures (SonarQube's auth.event 'login success'
    names none), its offset measured on logins it names by user: its successes and failures with a
    login name paired with the same user's captured ACS POSTs (the response's NameID or an attribute
    value) or the IdP's success events for that user (corrected by that log's own offset), run by
    run (_run_deltas: one login, or a burst such as a login loop, alone within PAIR_WINDOW on both
    sides). The median of >= 3 pairs, or of 2 agreeing within PAIRS_AGREE s. Without a capture
    (`captured` false) the IdP logs are on their own clocks: each SP log is measured against the
    one IdP log it shares most pairs with (Offsets.against). Sorted lists and bisection: linear.
    `side` "idp": the IdP logs' logins measured so instead (_measures), against the captures and the
    logs already measured, or without a capture a log in local time against the logs whose times
    carry a zone (_refers)."""
    from statistics import median

    logged: dict[tuple[str, str], list[datetime]] = {}  # (log, user) -> times
    local: set[str] = set()  # the logs written without a zone, read as UTC or --timezone
    for e in events:
        if _measures(e, side, measured, captured):
            logged.setdefault((clock_of(e), e.user.casefold()), []).append(e.time)
            if e.local_time:
                local.add(clock_of(e))
    if not logged:  # (an IdP's log alone, hundreds of thousands of events: one look at each)
        return Offsets()
    refs: dict[tuple[str, str], list[datetime]] = {}  # (reference input, user) -> times
    for e in events:
        if e.outcome == "success" and e.user and e.time is not None and _refers(e, side, measured, captured):
            refs.setdefault((clock_of(e), e.user.casefold()), []).append(
                e.time - measured.get(clock_of(e), timedelta(0)))
    for r in messages:
        m = r.message
        a = consumed_assertion(m) if m.kind == "Response" and not m.logged_by and m.captured_at else None
        if a is not None:
            names = {a.name_id.value} if a.name_id and a.name_id.value else set()
            names.update(v for x in a.attributes for v in x.values if v)
            for name in names:
                refs.setdefault((m.source.input, name.casefold()), []).append(m.captured_at)
    if not refs:  # (an SP's log alone: no login of another clock to pair its users' with)
        return Offsets()
    by_user: dict[str, list[tuple[str, list[datetime]]]] = {}
    for (ref, user), times in refs.items():
        times.sort()
        by_user.setdefault(user, []).append((ref, times))
    by_local = _by_local_part(by_user)
    per_src: dict[str, dict[str, list[datetime]]] = {}  # log -> user -> its sorted times
    for (src, user), times in logged.items():
        times.sort()
        per_src.setdefault(src, {})[user] = times
    deltas: dict[str, dict[str, list[float]]] = {}  # log -> reference input -> deltas
    for src, users in per_src.items():
        shifts = _zone_shifts(src, users, by_user) if src in local else (timedelta(0),)
        deltas[src] = max((_with_guessed(_user_deltas(src, users, by_user, shift),
                                         _user_deltas(src, {u: t for u, t in users.items() if u not in by_user},
                                                      by_local, shift)) for shift in shifts),
                          key=lambda per_ref: sum(map(len, per_ref.values())))

    def trusted(v: list[float]) -> bool:
        return len(v) >= 3 or len(v) == 2 and max(v) - min(v) <= PAIRS_AGREE

    out = Offsets()
    for src, per_ref in deltas.items():
        if captured:  # (the captures' and the corrected IdP logs' times are all the captures')
            v = [d for ds in per_ref.values() for d in ds]
            if trusted(v):
                out[src] = timedelta(seconds=median(v))
            continue
        best = min(((-len(v), ref) for ref, v in per_ref.items() if trusted(v)), default=None)
        if best is not None:  # (most pairs; of equals, the first by name)
            out[src] = timedelta(seconds=median(per_ref[best[1]]))
            out.against[src] = best[1]
    return out


def _by_local_part(by_user: dict[str, list]) -> dict[str, list]:
    """The references' mails by their local part, where that pairing is unambiguous: an SP may log its
    login ('dave') where the IdP names the mail ('dave@fabrikam.example': SonarQube's login from Entra's
    UPN). Only a local part of exactly one mail among the references' users, and no user's whole name
    itself ('alice@a.example' and 'alice@b.example', or 'alice' beside 'alice@a.example': no guess)."""
    from samlscan.correlate.link_user import _local_part  # (the attempts' linking reads a local part so too)

    mails: dict[str, set[str]] = {}
    for user in by_user:
        if local := _local_part(user):
            mails.setdefault(local, set()).add(user)
    return {local: by_user[next(iter(got))] for local, got in mails.items() if len(got) == 1 and local not in by_user}


def _with_guessed(exact: dict[str, list[float]], guessed: dict[str, list[float]]) -> dict[str, list[float]]:
    """The deltas paired by name, and per reference those paired by a local part (_by_local_part) when
    they all agree within SKEW. A same local part alone is a guess of identity, and a guess may not
    set a clock by outvoting: guessed pairs on one clock (each login a few seconds after the IdP's) are
    the evidence that both the people and the clock are the same; guessed pairs apart (a log on two
    clocks: a restart behind, two servers' lines) are read by the refusals and steps instead, as if
    unpaired (a median of them was a false offset for every line: test_clocks26's quiet spell)."""
    out = {ref: list(v) for ref, v in exact.items()}
    for ref, v in guessed.items():
        if v and max(v) - min(v) <= SKEW.total_seconds():
            out.setdefault(ref, []).extend(v)
    return out


IDP_LAG = timedelta(minutes=1)
"""An IdP log's login line comes before the response by the user's own time at the IdP (password,
MFA; Entra's sign-in log dates the sign-in's start): an IdP log's offset measured by user within
it is that lag, no clock's."""


def _idp_offsets(offsets: Offsets) -> Offsets:
    """The IdP logs' offsets measured by user (_offsets_by_user) that say something: a time zone
    (zone_part) or a clock a minute or more off (IDP_LAG)."""
    kept = {src: off for src, off in offsets.items() if zone_part(off) is not None or abs(off) >= IDP_LAG}
    return Offsets(kept, {src: ref for src, ref in offsets.against.items() if src in kept})


def _measures(e: LogEvent, side: str, measured: dict[str, timedelta], captured: bool) -> bool:
    """An event _offsets_by_user measures its log's offset on: an SP log's success or failure that
    names its user; an IdP log's login of a user (its failures may never reach the SP), without a
    capture only in a log written in local time (the one whose hours are in doubt)."""
    if e.side != side or not e.user or e.time is None or clock_of(e) in measured:
        return False
    return side == "sp" or e.outcome == "success" and (captured or e.local_time)


def _refers(e: LogEvent, side: str, measured: dict[str, timedelta], captured: bool) -> bool:
    """A success _offsets_by_user measures `side`'s logs against: for an SP log, an IdP log's (on
    the capture's time, corrected when measured); for an IdP log, one of a log already measured
    (corrected), or without a capture another IdP log's whose times carry their zone (UTC 'Z':
    idp-audit.log; the IdP's clock stays the reference of the SP logs then)."""
    if side == "sp":
        return e.side == "idp"
    return clock_of(e) in measured if captured else e.side == "idp" and not e.local_time


ZONE_REACH = timedelta(hours=14)
"""The farthest a log's local time is from UTC (UTC+14, Kiribati; UTC-12 the other way)."""


def _zone_shifts(src: str, users: dict[str, list[datetime]], by_user) -> list[timedelta]:
    """The time zones a log written in local time may be in, nearest first: no shift, then the
    zones (zone_part) its users' first logins are from the same users' logins in a
    reference, for two users or more (a login paired with another of its user by chance rarely
    agrees with another user's). Runs are paired within PAIR_WINDOW: a zone must be removed first."""
    votes: Counter = Counter()
    for user, times in users.items():
        zones = set()
        for ref, ref_times in by_user.get(user, ()):
            if ref != src:
                lo, hi = bisect_left(ref_times, times[0] - ZONE_REACH), bisect_right(ref_times, times[0] + ZONE_REACH)
                zones.update(zone_part(times[0] - r) for r in ref_times[lo:hi])
        votes.update(zones - {None})
    return [timedelta(0), *sorted((z for z, n in votes.items() if n >= 2), key=abs)]


def _user_deltas(src: str, users: dict[str, list[datetime]], by_user, shift: timedelta) -> dict[str, list[float]]:
    """Per reference input, the (log time - reference time) of the logins paired run by run
    (_run_deltas) once the log's times are moved back by `shift` (a zone, _zone_shifts)."""
    out: dict[str, list[float]] = {}
    seconds = shift.total_seconds()
    for user, times in users.items():
        moved = [t - shift for t in times] if shift else times
        for ref, ref_times in by_user.get(user, ()):
            if ref != src:
                out.setdefault(ref, []).extend(d + seconds for d in _run_deltas(moved, ref_times))
    return out


def _runs(times: list[datetime]) -> list[list[datetime]]:
    """Sorted times cut where two are more than PAIR_WINDOW apart: one login, or one burst."""
    runs: list[list[datetime]] = []
    for t in times:
        if runs and t - runs[-1][-1] <= PAIR_WINDOW:
            runs[-1].append(t)
        else:
            runs.append([t])
    return runs


def _run_deltas(times: list[datetime], ref_times: list[datetime]) -> list[float]:
    """(log time - reference time) of one user's logins in a log and in a reference (both sorted),
    paired run by run (_runs): a run of the log and one of the reference, each the only run of
    its side within PAIR_WINDOW of the other, of as many logins, whose k-th logins are paired and
    keep one rhythm (their deltas within PAIRS_AGREE s: a login loop's five rounds, seen by the SP
    and by the IdP). A lone login is a run of one."""
    runs, ref_runs = _runs(times), _runs(ref_times)
    starts, ends = [r[0] for r in runs], [r[-1] for r in runs]
    ref_starts, ref_ends = [r[0] for r in ref_runs], [r[-1] for r in ref_runs]
    out: list[float] = []
    for run in runs:
        lo, hi = bisect_left(ref_ends, run[0] - PAIR_WINDOW), bisect_right(ref_starts, run[-1] + PAIR_WINDOW)
        if hi - lo != 1 or len(ref := ref_runs[lo]) != len(run):
            continue
        if bisect_right(starts, ref[-1] + PAIR_WINDOW) - bisect_left(ends, ref[0] - PAIR_WINDOW) != 1:
            continue
        d = [(t - r).total_seconds() for t, r in zip(run, ref)]
        if max(d) - min(d) <= PAIRS_AGREE:
            out += d
    return out


def zone_part(offset: timedelta) -> timedelta | None:
    """The time zone's offset in a log's measured offset, when it has one (the log was written in
    local time and read as UTC: logzones.zone_of); the rest, within logzones.DRIFT, is the clock's own."""
    return zone_of(offset)


def measured_offsets(report) -> Offsets:
    """Per log file, its clock offset to the captures, or to an IdP log without them (clock_offsets
    over the report's successes and failures): measured once, for rejudging a log's SAML copies
    and for correlating."""
    return clock_offsets(report.messages, [e for e in report.events if e.outcome in ("failure", "success")])


def zone_offsets(offsets: dict[str, timedelta]) -> dict[str, timedelta]:
    """Per log file, the time-zone part of its measured clock offset (zone_part), where it has one."""
    zones = {src: zone_part(off) for src, off in offsets.items()}
    return {src: zone for src, zone in zones.items() if zone is not None}


STEP = timedelta(minutes=1)
"""How far a log's time may go back between two records before it is a clock step (NTP stepping a
clock that drifted, a VM restored): threads finish out of order by less."""
SKEW = timedelta(seconds=180)
"""The clock difference a refusal's reading must exceed to blame a clock (our --clock-skew; Spring
allows 60 s, OpenSAML 5 min, java-saml 120 s: a refusal says its own was exceeded)."""
LEAD = timedelta(minutes=10)
"""How long after an assertion's NotBefore the IdP logs its login: IdPs set NotBefore up to 5 min
before IssueInstant (Okta, Entra, AD FS), and the IdP's line comes within seconds of the response."""
_TIME_REFUSALS = {"assertion-not-yet-valid": "before", "subject-confirmation-not-yet-valid": "before",
                  "assertion-expired": "after", "subject-confirmation-expired": "after"}
"""Refusal codes whose text may quote the instant the SP compared its clock with (catalog
placeholders): NotBefore, which its 'now' was before; NotOnOrAfter, which it was after."""
_INSTANT_NAMES = ("time", "notbefore", "notonorafter", "timestamp", "instant")


def quoted_instant(e: LogEvent) -> datetime | None:
    """The instant a time refusal's text quotes (its catalog pattern's placeholder), as UTC."""
    from samlscan import catalog

    entry = catalog.lookup(e.text, e.product) if e.text else None
    if entry is None or entry.code != e.code:
        return None
    for name, value in catalog.placeholder_values(entry, e.text).items():
        if name.casefold() in _INSTANT_NAMES:
            return _instant(value)
    return None


def _instant(value: str) -> datetime | None:
    """An ISO 8601 instant (xs:dateTime, 'Z' or an offset) or a Unix time (SimpleSAMLphp's)."""
    from datetime import timezone

    value = value.strip().strip("'\"")
    try:
        if value.isdigit():
            return datetime.fromtimestamp(int(value), timezone.utc)
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return t.astimezone(timezone.utc) if t.tzinfo else t.replace(tzinfo=timezone.utc)


_Dumps = dict[str, tuple[list[datetime], list[tuple[frozenset, datetime]]]]
DUMP_NEAR = timedelta(seconds=2)
"""How long before its refusal an SP logs its copy of the refused response (java-saml's 'SAMLResponse
invalid --> <xml>', then its validation error: the same request, the same second)."""


def _dumps(messages) -> _Dumps:
    """Log -> (times logged, in order; (IDs, NotBefore) of each) of the response copies logs hold
    with a NotBefore."""
    found: dict[str, list] = {}
    for r in messages:
        m = r.message
        a = m.assertions[0] if m.assertions else None
        if m.logged_by and m.captured_at and a is not None and a.not_before is not None:
            found.setdefault(m.source.input, []).append((m.captured_at, frozenset({m.id, a.id} - {None}), a.not_before))
    out = {}
    for src, copies in found.items():
        copies.sort(key=lambda c: c[0])
        out[src] = ([c[0] for c in copies], [(c[1], c[2]) for c in copies])
    return out


def _dumped_instant(e: LogEvent, dumps: _Dumps) -> tuple[datetime, frozenset] | None:
    """A time refusal quoting no instant (java-saml's 'Could not validate timestamp: not yet valid'):
    the NotBefore and IDs of the one copy its log wrote of a response within DUMP_NEAR before it."""
    times, copies = dumps.get(e.source.input, ((), ()))
    lo, hi = bisect_left(times, e.time - DUMP_NEAR), bisect_right(times, e.time)
    return (copies[lo][1], copies[lo][0]) if hi - lo == 1 else None


def _reading(e: LogEvent, windows: dict[str, datetime], dumps: _Dumps) -> tuple | None:
    """(way, instant, IDs) of an SP's time refusal whose stamp is far on the wrong side of the instant
    it compared: before the NotBefore it quotes, or after the NotOnOrAfter it quotes (when it quotes
    none, that of the captured response it names: `windows`; a 'not yet valid' quoting none, the
    NotBefore of the copy its log wrote with it: _dumped_instant), and the IDs of what it refused."""
    way = _TIME_REFUSALS.get(e.code)
    if way is None or e.side != "sp" or e.time is None or e.outcome != "failure":
        return None
    t, ids = quoted_instant(e), e.saml_ids
    if t is None and way == "after":
        t = next((windows[i] for i in ids if i in windows), None)
    elif t is None and (dumped := _dumped_instant(e, dumps)) is not None:
        t, ids = dumped
    if t is None or ((e.time >= t - SKEW) if way == "before" else (e.time <= t + SKEW)):
        return None
    return way, t, ids


def _read_refusals(offsets: Offsets, events, agree: dict[str, set], posts: dict[str, list[datetime]] | None = None,
                   windows: dict[str, datetime] | None = None, dumps: _Dumps | None = None,
                   copies: _Copies | None = None) -> Offsets:
    """`offsets`, with the steps of each SP log holding a time refusal that quotes the instant
    it compared (quoted_instant) far from its own stamp: the SP's 'now' against the IdP's. Paired with
    the one IdP login of no SP line of its user or client between IDP_LAG before that NotBefore and LEAD after it, the refusal's run
    (the records between two clock steps, _step_runs) is on the SP's clock that far off the IdP's; when
    another witness confirms the IdP's clock (`agree`: IdP log -> the captures or SP logs on its clock),
    the SP's clock is the one off (sp-clock-skew). A refusal naming a captured message's ID (`posts`:
    ID -> its capture times; the one nearest the refusal is its post) is read against that capture
    instead: the login's own time, whatever the IdP's clock said then. A refusal quoting no instant reads the copy of the response its log wrote with it
    (_dumped_instant). The mirror: an 'expired' refusal stamped after the NotOnOrAfter it compared while
    the browser posted the response within its window, or the one IdP login within LEAD before it: the SP's clock is ahead; a
    post after the window is a late re-post (the Back button): the refusal's own code. One look at
    each event; the refusals' work is theirs. A run holds the log's SAML copies (`copies`) of its lines
    too: they were stamped by the same clock."""
    windows, posts, dumps, copies = windows or {}, posts or {}, dumps or {}, copies or {}
    # (an 'expired' refusal is read only where a witness may be: a capture of its response, a confirmed
    # IdP log; a busy SP's log alone holds 10,000s of them, each a catalog look-up)
    readings = [(e, *r) for e in events if (way := _TIME_REFUSALS.get(e.code)) is not None
                and (way == "before" or agree or any(i in posts for i in e.saml_ids))
                and (r := _reading(e, windows, dumps)) is not None]
    if not readings:
        return offsets
    # (time on its own clock, as the NotBefore it wrote; on the captures' clock; input; user and client)
    idp: list[tuple[datetime, datetime, str, set]] = []
    # (user or client address) -> the SP lines' times; (that key, input, request ID) -> its own lines' (_seen_by_sp)
    sp_seen: dict[tuple, list[datetime]] = {}
    for e in events:
        if e.time is None:
            continue
        t = e.time - offsets.get(clock_of(e), timedelta(0))
        # (by client address too: the IdP names the mail where the SP names its login, 'erin@..' and 'erin')
        keys = _who(e)
        if e.side == "idp" and e.outcome == "success":
            idp.append((e.time, t, clock_of(e), keys))
        elif e.side == "sp":
            for key in keys:
                sp_seen.setdefault(key, []).append(t)
                sp_seen.setdefault((key, clock_of(e), e.request_id or e.source.ref), []).append(t)
    for seen in sp_seen.values():
        seen.sort()
    idp.sort(key=lambda x: x[0])
    times = [x[0] for x in idp]
    runs: dict[str, list] = {}
    proxied = None  # (the proxies' failed callbacks, looked up once when an IdP login does not tell)
    out = Offsets(offsets, offsets.against, offsets.steps)
    for e, way, instant, ids in readings:
        sent = [t for i in ids for t in posts.get(i, ())]
        if sent:  # the capture of this very login: its time is the witness
            seen = min(sent, key=lambda t: abs(e.time - t))
            if abs(e.time - seen) > SKEW and (way == "before" or seen < instant):
                _note_reading(out, e, instant, e.time - seen, seen, CAPTURE_WITNESS, events, runs, copies)
            continue  # (within SKEW: the IdP's NotBefore was ahead; posted after NotOnOrAfter: too late)
        # (an IdP logs its login as the user is done, just before it issues the response whose NotBefore
        # may be its IssueInstant (Duo): up to IDP_LAG before that NotBefore)
        lo, hi = (bisect_left(times, instant - IDP_LAG), bisect_right(times, instant + LEAD)) if way == "before" else (
            bisect_left(times, instant - LEAD), bisect_right(times, instant))
        own = (clock_of(e), e.request_id or e.source.ref)
        free = list(itertools.islice((idp[k] for k in range(lo, hi) if not any(_seen_by_sp(
            sp_seen, key, idp[k][1], own) for key in idp[k][3])), 2))  # (one, or more: a busy IdP's window is long)
        if len(free) != 1:
            if proxied is None:
                proxied = _proxy_callbacks(readings, events, offsets)
            witness = _proxy_witness(e, way, instant, proxied)
            if witness is not None and abs(e.time - witness[0]) > SKEW:
                _note_reading(out, e, instant, e.time - witness[0], witness[0], proxy_witness(witness[1]),
                              events, runs, copies)
            continue
        _, t_idp, idp_log, _ = free[0]
        off = e.time - t_idp
        if abs(off) <= SKEW or (way == "after") != (off > timedelta(0)):
            continue  # the SP's clock agrees: the IdP's NotBefore was ahead (its clock, or its setting)
        if agree.get(idp_log, set()) - {clock_of(e)}:  # (no witness: either clock may be off; nothing moves)
            _note_reading(out, e, instant, off, t_idp, idp_witness("the captures" if "capture" in agree[idp_log]
                                                                   else "the other SP logs"), events, runs, copies)
    return out


_Proxied = tuple[dict[str, dict[str, tuple[list[datetime], list[str | None]]]], dict[tuple[str, str], str]]
"""(client address -> input -> the times of its failed callbacks there, sorted, and their request IDs),
(refusal's input and request ID -> client address)."""


def _proxy_callbacks(readings, events, offsets: Offsets) -> _Proxied:
    """The failed callbacks of the SP-side logs that name clients (a proxy's access log: ingress-nginx,
    nginx, Apache) by client address and input (time on the captures' clock, sorted, request ID), for
    the clients of the refusals read; and each refusal's client: the address its request names in its
    own log (SonarQube's auth.event after the refusal, the same request ID)."""
    wanted = {(e.source.input, e.request_id) for e, *_ in readings if e.request_id}
    clients = {(x.source.input, x.request_id): x.ip for x in events
               if x.ip and x.request_id and (x.source.input, x.request_id) in wanted}
    ips = set(clients.values()) | {e.ip for e, *_ in readings if e.ip}
    seen: dict[str, dict[str, list[tuple[datetime, str | None]]]] = {}
    for x in events:
        if x.ip in ips and x.side == "sp" and x.outcome == "failure" and x.time is not None:
            at = x.time - offsets.get(clock_of(x), timedelta(0))
            seen.setdefault(x.ip, {}).setdefault(x.source.input, []).append((at, x.request_id))
    by_ip = {}
    for ip, logs in seen.items():
        by_ip[ip] = {}
        for src, got in logs.items():
            got.sort(key=lambda hit: hit[0])
            by_ip[ip][src] = ([t for t, _ in got], [rid for _, rid in got])
    return by_ip, clients


def _proxy_witness(e: LogEvent, way: str, instant: datetime, proxied: _Proxied) -> tuple[datetime, str] | None:
    """The one failed callback of the refusal's client that another log stamped between the NotBefore
    the refusal quotes and LEAD after it (`way` 'before'; 'after': between LEAD before the NotOnOrAfter
    it compared and that instant), and that log's name: a proxy in front of the SP saw the POST on a
    clock that agrees with the IdP's (inside the window), so the SP's clock, stamping it outside, is the
    odd one. Not a line naming the refusal's request ID (the SP's own access log: its clock).
    Each log's window is found by bisection and read up to a second callback (a scan of every
    callback of the client for each refusal was quadratic: 8,000 of each, 25 s)."""
    from pathlib import Path

    by_ip, clients = proxied
    ip = e.ip or clients.get((e.source.input, e.request_id))
    near: list[tuple[datetime, str]] = []
    for src, (times, rids) in by_ip.get(ip, {}).items() if ip else ():
        if src == e.source.input:
            continue
        lo, hi = (instant, instant + LEAD) if way == "before" else (instant - LEAD, instant)
        for i in range(bisect_left(times, lo), bisect_right(times, hi)):
            if rids[i] is None or rids[i] != e.request_id:
                near.append((times[i], src))
                if len(near) > 1:
                    return None
    return (near[0][0], Path(near[0][1]).name) if len(near) == 1 else None


def _note_reading(out: Offsets, e: LogEvent, instant: datetime, off: timedelta, truth: datetime,
                  witness: Witness, events, runs: dict, copies: _Copies) -> None:
    """Give the refusal's run (between its log's clock steps, its SAML copies with its lines) the offset
    read, and the refusal the verdict: sp-clock-skew, its fix saying by how much and by whose witness."""
    src, clock = e.source.input, clock_of(e)
    if (src, clock) not in runs:  # (one host's lines in the log: a step is on its clock, with its copies)
        on = _copy_clocks(events, copies) if clock != src else {}
        runs[src, clock] = _step_runs([x for x in events if x.source.input == src and clock_of(x) == clock],
                                      [c for c in copies.get(src, ()) if on.get((src, c[1]), on.get(src, src)) == clock])
    verdict = ("sp-clock-skew", skew_fix(e, instant, off, truth, witness))
    at = out.steps.setdefault(src, {})
    run = next(r for r in runs[src, clock] if any(ref == e.source.ref for ref, _ in r))
    # (a refusal's lines each quote the instant: each keeps its verdict)
    at.update((ref, (off, verdict if ref == e.source.ref else at.get(ref, (0, None))[1])) for ref, _ in run)


@dataclass(frozen=True)
class Witness:
    """What an SP's refusal was read against: `clock`, whose clock the SP's is said to be off
    ("the IdP's", the browser's, a proxy's), and `measured`, the evidence that gave that clock."""

    clock: str
    measured: str


CAPTURE_WITNESS = Witness("the browser's clock (the capture's)", "the capture of this login")
"""A refusal naming a captured response: the capture's time of its POST (the browser's clock, or the
servers' where their Date headers set it right) is the witness; the IdP's clock plays no part."""


def proxy_witness(log: str) -> Witness:
    """A proxy's line of the refused callback (_proxy_witness): that proxy's clock is the witness."""
    return Witness(f"the clock of {log} (a proxy in front of the SP)", f"{log}'s line of that callback")


def idp_witness(confirmed_by: str) -> Witness:
    """The IdP's login line, its log's clock confirmed by `confirmed_by` (the captures, other SP logs):
    the IdP's clock is the witness."""
    return Witness("the IdP's", confirmed_by)


def skew_fix(e: LogEvent, instant: datetime, off: timedelta, truth: datetime, witness: Witness) -> str:
    """sp-clock-skew's fix for a time refusal read against `witness`: by how much, and whose clock."""
    way, side, bound = ("behind", "before", "NotBefore") if off < timedelta(0) else (
        "ahead of", "after", "NotOnOrAfter")
    # (a SIEM export's line names the SP's server whose clock it is: the one to sync)
    who, server = (f"{e.host}'s clock",) * 2 if e.host else ("The SP's clock", "the SP server's clock")
    return (f"{who} was {round(abs(off).total_seconds() / 60)} min {way} {witness.clock} at "
            f"{truth:%Y-%m-%d %H:%M:%S} UTC (its refusal is stamped {e.time:%H:%M:%S}, {side} the {bound} "
            f"{instant:%H:%M:%S} it compared; measured against {witness.measured}): sync {server} "
            "with NTP.")


def _who(e: LogEvent) -> set[tuple[str, str]]:
    """The keys a log line names its login by: its user (casefolded) and its client address."""
    return {k for k in (("user", e.user.casefold()) if e.user else None, ("ip", e.ip) if e.ip else None) if k}


def _seen_by_sp(sp_seen: dict, key: tuple[str, str], t: datetime, own: tuple[str, str | None]) -> bool:
    """A user's or client's (`key`) SP log lines name a login within a minute of `t`, other than the
    refused request's own lines (`own`: its client's auth.event line). `sp_seen`: key -> the lines'
    times, sorted, and (key, input, request) -> the times of that request's own: counted by bisection
    (a busy client's 100,000 lines were read once for each IdP login in a refusal's window)."""
    return _within_step(sp_seen.get(key, ()), t) > _within_step(sp_seen.get((key, *own), ()), t)


def _within_step(times: list[datetime], t: datetime) -> int:
    """How many of `times` (sorted) are within STEP of `t`."""
    return bisect_right(times, t + STEP) - bisect_left(times, t - STEP)


_Copies = dict[str, list[tuple[int, str, datetime, str | None]]]
"""Log -> (place, ref, time logged, request ID) of each SAML copy it holds (_copies)."""


def _place(source: Source) -> int | None:
    """A log record's place in the order its reader read the records: Source.order where that is not
    its line's (a SIEM export listed newest first, its lines running backwards), else its line."""
    return source.order if source.order is not None else line_of(source.ref)


def _copies(messages) -> _Copies:
    """Log -> (place, ref, time logged, request ID) of the SAML copies it holds (java-saml's DEBUG dump),
    in the order its reader read them (_place): read on the clock of the run they fall in, as the log's
    events. The request is the one logged_by names ('product:request ID', engine._embedded_raw)."""
    out: _Copies = {}
    for r in messages:
        m = r.message
        if m.logged_by and m.captured_at and (no := _place(m.source)) is not None:
            rid = m.logged_by.partition(":")[2] or None
            out.setdefault(m.source.input, []).append((no, m.source.ref, m.captured_at, rid))
    for found in out.values():
        found.sort(key=lambda c: c[0])
    return out


def _step_runs(events, copies=()) -> list[list[tuple[str | None, datetime | None]]]:
    """One log's records (in the order its reader read them; its SAML copies, `copies` from _copies, among
    its events by _place: not by line, which runs backwards in an export listed newest first) as runs of
    (ref, time), cut where the time goes back by more than STEP: a clock step (the run after it is on
    another clock than the one before)."""
    records = [(e.source.ref, e.time) for e in events]
    places = [_place(e.source) for e in events] if copies else [None]
    if None not in places:  # (a log whose records have no lines: its events alone)
        records = [(ref, t) for _, ref, t in sorted([(no, *r) for no, r in zip(places, records)]
                                                    + [c[:3] for c in copies], key=lambda x: x[0])]
    runs: list[list] = [[]]
    last = None
    for ref, t in records:
        if t is not None:
            if last is not None and t < last - STEP:
                runs.append([])
            last = t
        runs[-1].append((ref, t))
    return runs


WITNESS_NEAR = timedelta(seconds=5)
"""How far apart another log's line of a request (a proxy's access line of the same client) and the
SP's own may be stamped for the two to be the same request on the same clock."""


def _set_right(out: Offsets, events, copies: _Copies, deltas: dict[str, dict]) -> Offsets:
    """Bound each run on a clock behind (Offsets.steps) where its clock was set right forward (NTP
    stepping it to true time, a restart after a fix) and, before its refusal, where it went wrong
    unseen (a restart on a clock behind, hidden by the restart's own gap): a log alone cannot tell
    those jumps from quiet spells, so a part of the run is cut off only when witnessed on the log's own
    offset (out[src]) rather than the run's: the records' capture deltas (`deltas`: log -> ref -> log -
    capture s), another log's line of the same client within WITNESS_NEAR (a proxy's access log: IIS,
    nginx), or an IdP log's line of the same client or user up to IDP_ANSWER before (_votes). After the
    refusal's part the run ends at the first part witnessed so, before it the run starts after the
    last. The jump is at least the run's lag (a smaller one cannot set that clock right)."""
    witnesses = None
    for src, at in out.steps.items():
        base = out.get(src, timedelta(0))
        mine = [x for x in events if x.source.input == src]
        for run in _step_runs(mine, copies.get(src, ())):
            off = next((at[ref][0] for ref, _ in run if ref in at), None)
            if off is None or off >= base - SKEW:
                continue  # (a clock ahead is set right backwards: a step _step_runs cuts at already)
            cuts = _jumps(run, base - off - STEP)
            if not cuts:
                continue
            if witnesses is None:
                witnesses = _client_lines(events, out), _idp_lines(events, out)
            by_ref = {x.source.ref: x for x in mine}
            bounds = [0, *cuts, len(run)]
            parts = [run[a:b] for a, b in zip(bounds, bounds[1:])]
            # (a refusal there read the clock behind: still behind)
            read = [k for k, part in enumerate(parts) if any(at.get(ref, (0, None))[1] for ref, _ in part)]
            if not read:
                continue
            right = lambda k: _votes(parts[k], base, off, src, by_ref, deltas.get(src, {}), witnesses) > 0  # noqa: E731
            before = next((k for k in range(read[0] - 1, -1, -1) if right(k)), None)
            after = next((k for k in range(read[-1] + 1, len(parts)) if right(k)), None)
            for ref, _ in (run[:bounds[before + 1]] if before is not None else []) + (
                    run[bounds[after]:] if after is not None else []):
                at.pop(ref, None)
    out.steps = {src: at for src, at in out.steps.items() if at}
    return out


def _jumps(run, least: timedelta) -> list[int]:
    """The indexes in a run (ref, time) where its time goes forward by `least` or more."""
    out, last = [], None
    for i, (_, t) in enumerate(run):
        if t is not None:
            if last is not None and t - last >= least:
                out.append(i)
            last = t
    return out


def _client_lines(events, offsets: dict) -> dict[str, dict[str, list[datetime]]]:
    """Client address -> input -> the times (on the captures' clock, sorted) of the SP side's lines
    naming it."""
    out: dict[str, dict[str, list]] = {}
    for x in events:
        if x.ip and x.side == "sp" and x.time is not None:
            out.setdefault(x.ip, {}).setdefault(clock_of(x), []).append(
                x.time - offsets.get(clock_of(x), timedelta(0)))
    for logs in out.values():
        for times in logs.values():
            times.sort()
    return out


IDP_ANSWER = timedelta(seconds=30)
"""How long before the SP's line of a login an IdP logs it (the user done, the IdP answers, the browser
posts the response): an IdP log's line of the same client or user within that is the same login."""


def _idp_lines(events, offsets: dict) -> dict[tuple[str, str], list[datetime]]:
    """Client address or user (_who) -> the times (on the captures' clock, sorted) of the IdP
    logs' logins naming it."""
    out: dict[str, list] = {}
    for x in events:
        if x.side == "idp" and x.outcome == "success" and x.time is not None:
            t = x.time - offsets.get(clock_of(x), timedelta(0))
            for key in _who(x):
                out.setdefault(key, []).append(t)
    for times in out.values():
        times.sort()
    return out


def _votes(part, base: timedelta, off: timedelta, src: str, by_ref: dict, deltas: dict, witnesses) -> int:
    """Witnesses of a part of a run on the log's own offset (`base`) less those on the run's (`off`):
    its records' capture deltas, other logs' lines of its clients (a record naming none: the client
    its request's other lines name) within WITNESS_NEAR, and the IdP logs' logins of its clients or
    users up to IDP_ANSWER before it (a second after: a log stamping whole seconds)."""
    clients = {x.request_id: x.ip for ref, _ in part if (x := by_ref.get(ref)) is not None and x.ip and x.request_id}
    sp_lines, idp_lines = witnesses
    vote = 0
    for ref, t in part:
        if ref in deltas:
            d = timedelta(seconds=deltas[ref])
            vote += (abs(d - base) <= SKEW) - (abs(d - off) <= SKEW)
        x = by_ref.get(ref)
        ip = x and (x.ip or clients.get(x.request_id))
        if t is None:
            continue
        for other, times in sp_lines.get(ip, {}).items() if ip else ():
            if other != src:
                vote += _near(times, t - base) - _near(times, t - off)
        keys = (_who(x) | ({("ip", ip)} if ip else set())) if x is not None and x.side == "sp" else ()
        if keys:
            vote += _answered(idp_lines, keys, t - base) - _answered(idp_lines, keys, t - off)
    return vote


def _answered(idp_lines: dict[tuple[str, str], list[datetime]], keys: set, t: datetime) -> bool:
    """An IdP login of one of `keys` (client address, user) from IDP_ANSWER before `t` to a second after."""
    return any(_between(idp_lines.get(key, ()), t - IDP_ANSWER, t + timedelta(seconds=1)) for key in keys)


def _near(times: list[datetime], t: datetime) -> bool:
    """A time of `times` (sorted) within WITNESS_NEAR of `t`."""
    return _between(times, t - WITNESS_NEAR, t + WITNESS_NEAR)


def _between(times, lo: datetime, hi: datetime) -> bool:
    """A time of `times` (sorted) from `lo` to `hi`."""
    i = bisect_left(times, lo)
    return i < len(times) and times[i] <= hi
