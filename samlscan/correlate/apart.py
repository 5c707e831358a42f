"""Responses issued apart from their IdP's log line: found, joined and noted."""
from __future__ import annotations

from datetime import datetime, timedelta

from samlscan.checks.base import consumed_assertion
from samlscan.correlate.causes import _where
from samlscan.correlate.clocks import IDP_LAG, zone_part
from samlscan.correlate.groups import _Groups
from samlscan.model import LogEvent


_SAME_RECORD = timedelta(seconds=2)
"""How far the times of two copies of one record may be apart besides a zone: one copy keeps the
fractions of a second the other cuts (AD FS's XML export holds 7 digits, its CSV and text none)."""


def _issued_apart(messages, events, offsets: dict[str, timedelta]) -> list[tuple]:
    """(response, the IdP log line that issued it) of each captured response whose IssueInstant (the
    IdP's clock) is a minute or more (IDP_LAG) from the capture's time, and the IdP log's one line of
    an issued login at that IssueInstant (the same clock; its zone, if the log has a measured one,
    removed): that line is the response's, the IdP's log runs as far from the capture at that
    login. Found per login: an IdP clock off for a while (a broken NTP) gives no offset of the whole
    log (_offsets_by_user's pairs disagree), and a line naming neither the user nor an ID
    (SimpleSAMLphp's STAT line) is joined by nothing else."""
    first: dict = {}  # Response ID -> when it was first captured: a later POST of it is a replay
    for r in messages:  # (Back then Forward), minutes after issue on any clock, which says no skew
        m = r.message
        if m.kind == "Response" and m.captured_at and (m.id not in first or m.captured_at < first[m.id]):
            first[m.id] = m.captured_at
    skewed = [r.message for r in messages if r.message.kind == "Response" and not r.message.logged_by
              and r.message.captured_at and r.message.issue_instant
              and abs(r.message.issue_instant - first[r.message.id]) >= IDP_LAG]
    if not skewed:
        return []
    issued: dict[str, list[LogEvent]] = {}
    for e in events:
        if e.side == "idp" and e.outcome == "success" and e.time is not None:
            issued.setdefault(e.source.input, []).append(e)
    pairs, said = [], set()
    for src, lines in issued.items():
        off = offsets.get(src, timedelta(0))
        lines.sort(key=lambda e: e.time)
        zone = zone_part(off) or timedelta(0)
        times = [e.time - zone for e in lines]
        for m in skewed:
            e = _issuing_line(m, lines, times)
            if e is None or abs(e.time - off - m.captured_at) < IDP_LAG or (id(e), m.id) in said:
                continue  # (none, the log's measured offset says it, or a copy of a response said)
            said.add((id(e), m.id))
            pairs.append((m, e))
    return pairs


def _issued_apart_note(m, e: LogEvent) -> str:
    gap = (m.issue_instant - m.captured_at).total_seconds()
    return (f"{_where(e.source)} logs at {e.time:%H:%M:%S} the response {_where(m.source)} "
            f"received at {m.captured_at:%H:%M:%S} (its IssueInstant "
            f"{m.issue_instant:%H:%M:%S}, the IdP's clock): that IdP log ran {abs(gap):.0f} s "
            f"{'ahead of' if gap > 0 else 'behind'} the capture at that login (look for "
            f"its lines {abs(gap) / 60:.0f} min {'later' if gap > 0 else 'earlier'})")


def _link_issued_apart(pairs: list[tuple], at: dict[int, int], groups: _Groups) -> None:
    """Each such response and its issuing line are one login: minutes apart in the evidence's
    times, the line was an attempt of its own, a success beside the refused one (case 16)."""
    for m, e in pairs:
        if id(m) in at and id(e) in at:
            groups.union(at[id(m)], at[id(e)])


def _issuing_line(m, lines: list[LogEvent], times: list[datetime]) -> LogEvent | None:
    """The one line of `lines` (an IdP log's issued logins, at `times` with its zone removed,
    sorted) at response `m`'s IssueInstant, within _SAME_RECORD; None if none, several, or it
    names another response or user."""
    from bisect import bisect_left, bisect_right

    lo = bisect_left(times, m.issue_instant - _SAME_RECORD)
    if bisect_right(times, m.issue_instant + _SAME_RECORD) - lo != 1:  # (none or several: no slice of a busy second)
        return None
    e = lines[lo]
    if e.saml_ids and m.id not in e.saml_ids:
        return None
    if not e.user:
        return e
    a = consumed_assertion(m)
    if a is None:  # (encrypted without the SP key: whose it is cannot be told, the line names someone)
        return None
    names = {v.casefold() for x in a.attributes for v in x.values if v}
    if a.name_id and a.name_id.value:
        names.add(a.name_id.value.casefold())
    return None if names and e.user.casefold() not in names else e
