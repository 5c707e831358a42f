"""The browser's clock against the servers': a capture's times are the browser's (a HAR's
startedDateTime), and a user's machine is as often the one off as a server. Every HTTP response
carries the server's own time in its Date header (RFC 9110 6.6.1: when the message was generated,
to the second), so a capture of a dozen hosts says whether the browser's clock, or one server's,
disagrees with the rest."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from statistics import median

OFF = 30.0
"""Seconds a clock must be off by to be said so and corrected for: less is within what SPs allow
(java-saml 120 s, Spring 60 s, our own --clock-skew 180 s) and near what one-second Dates and slow
answers can measure."""
AGREE = 5.0
"""Seconds within which hosts' clocks agree with each other (Dates are whole seconds)."""


@dataclass(frozen=True)
class DateSample:
    """One response's Date against the browser's time of its request."""

    host: str
    sent: datetime
    """When the browser started the request, by its clock."""
    took: float
    """Seconds until the response was complete (HAR entry.time): the server wrote its Date
    somewhere in between."""
    date: datetime
    node: str = ""
    """The server behind the host that answered, where a response header names it (NODE_HEADERS):
    a load balancer's nodes each keep their own clock."""
    entry: int = -1
    """The capture's entry number."""


NODE_HEADERS = ("x-served-by", "x-backend-server", "x-backend", "x-upstream", "x-server", "x-node")
"""Headers in which load balancers and proxies name the node that answered (Varnish/Fastly and
nginx/HAProxy set-ups: X-Served-By, X-Backend-Server, ...)."""


def server(s: DateSample) -> str:
    """The clock a sample tells of: its host's, or that of the node behind it a header names."""
    return f"{s.host} (node {s.node})" if s.node else s.host


@dataclass(frozen=True)
class ClockReading:
    """What the Date headers say: `browser` the browser's clock minus the servers' (None: no
    more than AGREE apart, or nothing to tell by), measured on `hosts` agreeing hosts and `samples`
    responses; `off_hosts` (host, its clock minus the others') of servers that disagree with the rest."""

    browser: timedelta | None
    hosts: tuple[str, ...]
    samples: int
    off_hosts: tuple[tuple[str, timedelta], ...] = ()


def http_date(value: str | None) -> datetime | None:
    """An HTTP Date header (IMF-fixdate, or the obsolete RFC 850 and asctime forms) in UTC; None
    when it is not one."""
    if not value or len(value) > 64:
        return None
    try:
        got = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return got if got is not None and got.tzinfo is not None else None


def _gap(sample: DateSample) -> tuple[float, float]:
    """The server's clock minus the browser's, (as close to zero as the sample allows, its middle):
    the Date was written between the request's start and its end, and cut to the second. The
    first decides whether a clock is off, the second says by how much."""
    low = (sample.date - sample.sent).total_seconds() - max(sample.took, 0.0)
    high = (sample.date - sample.sent).total_seconds() + 1.0
    return (0.0 if low <= 0.0 <= high else (low if low > 0 else high)), (low + high) / 2


def reading(samples: list[DateSample]) -> ClockReading | None:
    """The browser's offset when at least two hosts agree with each other and not with it; the
    hosts off from the agreeing majority (of at least two) by more than OFF. None: nothing to say."""
    by_host: dict[str, list[tuple[float, float]]] = {}
    for s in samples:
        by_host.setdefault(server(s), []).append(_gap(s))
    hosts = sorted((median(g for g, _ in gaps), median(m for _, m in gaps), host) for host, gaps in by_host.items())
    if len(hosts) < 2:  # one server alone cannot tell its clock from the browser's
        return None
    groups: list[list[tuple[float, float, str]]] = []
    for host in hosts:
        if groups and host[0] - groups[-1][0][0] <= AGREE:
            groups[-1].append(host)
        else:
            groups.append([host])
    best = max(groups, key=lambda g: (len(g), sum(len(by_host[h]) for *_, h in g)))
    if len(best) < 2 or sum(1 for g in groups if len(g) == len(best)) > 1:
        return None  # no majority of servers to trust
    servers, middle = median(g for g, _, _ in best), median(m for _, m, _ in best)
    off = tuple((host, timedelta(seconds=round(mid - middle))) for g in groups if g is not best
                for gap, mid, host in g if abs(gap - servers) > OFF)
    browser = timedelta(seconds=round(-middle)) if abs(servers) > OFF else None
    if browser is None and not off:
        return None
    return ClockReading(browser, tuple(h for *_, h in best), sum(len(by_host[h]) for *_, h in best), off)


def describe(r: ClockReading) -> str:
    """The finding's detail."""
    parts = []
    if r.browser is not None:
        parts.append(f"the browser's clock was {_span(r.browser)} {'ahead of' if r.browser > timedelta(0) else 'behind'} "
                     f"the servers' (HTTP Date headers of {r.samples} responses from {len(r.hosts)} hosts agree: "
                     f"{_hosts(r.hosts)}); the capture's times are corrected by it")
    for host, off in r.off_hosts:
        parts.append(f"the clock of {host} is {_span(off)} {'ahead of' if off > timedelta(0) else 'behind'} the "
                     f"other servers' (its HTTP Date headers against those of {_hosts(r.hosts)})")
    return "; ".join(parts)


def _span(d: timedelta) -> str:
    """'9 min', '12 min 30 s': beyond a minute, to 5 s (Dates are whole seconds, answers take time)."""
    s = int(abs(d.total_seconds()))
    s = 5 * round(s / 5) if s >= 60 else s
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return " ".join(f"{v} {u}" for v, u in ((h, "h"), (m, "min"), (sec, "s")) if v) or "0 s"


def _hosts(hosts: tuple[str, ...]) -> str:
    return ", ".join(hosts[:4]) + (f" and {len(hosts) - 4} more" if len(hosts) > 4 else "")
