"""The browser's clock against the servers': a capture's times are the browser's (a HAR's
startedDateTime), and a user's machine is as often the one off as a server. Every HTTP response
carries the server's own time in its Date header (RFC 9110 6.6.1: when the message was generated,
to the second), so a capture of a dozen hosts says whether the browser's clock, or one server's,
disagrees with the rest."""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Iterator

from samlscan.model import usable_time

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


def sticky_node(cookies: list[tuple[str, str]]) -> str:
    """The node a load balancer's sticky cookie names ('' when none does): HAProxy's
    `cookie SERVERID insert` ('s1', or 's1|<idle>|<life>' with maxidle/maxlife), Apache
    mod_proxy_balancer's stickysession ROUTEID ('.<route>', the route after the dot), nginx
    sticky's `route` (a hash of the server), F5's BIGipServer<pool> (the member's address,
    encoded: K6917). AWS ALB's AWSALB is encrypted and re-set on every answer: it names no node
    (the Dates alone then tell a node off: reading)."""
    for name, value in cookies:
        value = value.strip().strip('"')
        if not value:
            continue
        if name == "SERVERID":
            node = value.split("|", 1)[0]
        elif name == "ROUTEID":
            node = value.rpartition(".")[2]
        elif name == "route":
            node = value
        elif name.startswith("BIGipServer"):
            node = f5_member(value)
        else:
            continue
        if node and len(node) <= 80:
            return node
    return ""


_F5_V4 = re.compile(r"^(\d{1,10})\.(\d{1,5})\.0000$")
_F5_RD = re.compile(r"^rd\d{1,5}o([0-9a-f]{32})o(\d{1,5})$")
_F5_V6 = re.compile(r"^vi([0-9a-f]{32})\.(\d{1,5})$")


def f5_member(value: str) -> str:
    """The pool member ('10.1.1.100:8080') an F5 BIG-IP persistence cookie encodes (F5 K6917:
    '<IPv4 as a little-endian integer>.<port, its bytes swapped>.0000'; 'rd<domain>o<IPv6 hex>o<port>'
    in a route domain; 'vi<IPv6 hex>.<port, swapped>'); '' for an encrypted or unknown value."""
    m = _F5_V4.match(value)
    if m and int(m.group(1)) < 2 ** 32 and int(m.group(2)) < 2 ** 16:
        ip = ipaddress.IPv4Address(int(m.group(1)).to_bytes(4, "little"))
        return f"{ip}:{_swapped(int(m.group(2)))}"
    m = _F5_RD.match(value.lower())
    if m:
        ip = ipaddress.IPv6Address(bytes.fromhex(m.group(1)))
        return f"{ip.ipv4_mapped or ip}:{m.group(2)}"
    m = _F5_V6.match(value.lower())
    if m and int(m.group(2)) < 2 ** 16:
        return f"[{ipaddress.IPv6Address(bytes.fromhex(m.group(1)))}]:{_swapped(int(m.group(2)))}"
    return ""


def _swapped(port: int) -> int:
    return int.from_bytes(port.to_bytes(2, "big"), "little")


BEHIND = "one of the servers behind "
"""How a server is named that only its Dates tell from the others behind its host (a load balancer
whose cookie names no node, or none)."""


@dataclass(frozen=True)
class ClockReading:
    """What the Date headers say: `browser` the browser's clock minus the servers' (None: no
    more than AGREE apart, or nothing to tell by), measured on `hosts` agreeing hosts and `samples`
    responses; `off_hosts` (host, its clock minus the others') of servers that disagree with the rest."""

    browser: timedelta | None
    hosts: tuple[str, ...]
    samples: int
    off_hosts: tuple[tuple[str, timedelta], ...] = ()
    where: tuple[tuple[int, str], ...] = ()
    """(entry, the server its Date tells of) where that is not server(sample): one of several
    behind its host, told apart by their Dates alone (_split)."""
    offsets: tuple[tuple[int, timedelta], ...] = ()
    """(entry, its server's clock minus the others') for those of `where` whose server is off: the
    groups behind one host share its name, not their offset."""


def http_date(value: str | None) -> datetime | None:
    """An HTTP Date header (IMF-fixdate, or the obsolete RFC 850 and asctime forms) in UTC; None
    when it is not one, or outside model.USABLE_TIMES (a 'Fri, 31 Dec 9999' placeholder: the
    capture's times corrected by it would leave datetime's range)."""
    if not value or len(value) > 64:
        return None
    try:
        got = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if got is not None and got.tzinfo is None:  # asctime, '-0000': every HTTP-date is UTC (RFC 9110 5.6.7)
        got = got.replace(tzinfo=timezone.utc)
    return usable_time(got) if got is not None else None


def _gap(sample: DateSample) -> tuple[float, float]:
    """The server's clock minus the browser's, (as close to zero as the sample allows, its middle):
    the Date was written between the request's start and its end, and cut to the second. The
    first decides whether a clock is off, the second says by how much."""
    low = (sample.date - sample.sent).total_seconds() - max(sample.took, 0.0)
    high = (sample.date - sample.sent).total_seconds() + 1.0
    return (0.0 if low <= 0.0 <= high else (low if low > 0 else high)), (low + high) / 2


_GROUP = "\0"


def _split(samples: list[DateSample], gaps: list[tuple[float, float]]) -> list[str]:
    """Each sample's clock: server(s), but where one server's Dates fall in groups more than OFF
    apart, there are several servers behind it (a load balancer's nodes, each with its own clock,
    named by no header or cookie): its groups are told apart as '<server>\0<n>' until reading
    knows which of them are off. `gaps`: each sample's _gap."""
    keys = [server(s) for s in samples]
    by_key: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        by_key.setdefault(key, []).append(i)
    for key, at in by_key.items():
        ranked = sorted(at, key=lambda i: gaps[i][0])
        groups = [[ranked[0]]]
        for prev, i in zip(ranked, ranked[1:]):
            if gaps[i][0] - gaps[prev][0] > OFF:
                groups.append([])
            groups[-1].append(i)
        if len(groups) > 1:
            for n, group in enumerate(groups):
                for i in group:
                    keys[i] = f"{key}{_GROUP}{n}"
    return keys


def _named(key: str, off: set[str]) -> str:
    """A clock's name in what is said: a group _split made is 'one of the servers behind <host>'
    when it is off from the others, its server's plain name when it is not."""
    base, sep, _ = key.rpartition(_GROUP)
    if not sep:
        return key
    return BEHIND + base if key in off else base


def reading(samples: list[DateSample]) -> ClockReading | None:
    """The browser's offset when at least two hosts agree with each other and not with it; the
    hosts off from the agreeing majority (of at least two) by more than OFF. None: nothing to say."""
    from statistics import median  # (here: statistics imports fractions, whose regex every start-up would compile)

    by_host: dict[str, list[tuple[float, float]]] = {}
    gaps = [_gap(s) for s in samples]
    keys = _split(samples, gaps)
    for gap, key in zip(gaps, keys):
        by_host.setdefault(key, []).append(gap)
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
    stepped = _browser_steps(samples, [g for g, _ in gaps], keys, {h for *_, h in best})
    off = tuple((host, timedelta(seconds=round(mid - middle))) for g in groups if g is not best
                for gap, mid, host in g if abs(gap - servers) > OFF and host not in stepped)
    browser = timedelta(seconds=round(-middle)) if abs(servers) > OFF else None
    if browser is None and not off:
        return None
    late = dict(off)
    grouped = [(s.entry, k) for s, k in zip(samples, keys) if _GROUP in k and s.entry >= 0]
    return ClockReading(browser, tuple(dict.fromkeys(_named(h, late) for *_, h in best)),
                        sum(len(by_host[h]) for *_, h in best),
                        tuple((_named(h, late), d) for h, d in off), tuple((e, _named(k, late)) for e, k in grouped),
                        tuple((e, late[k]) for e, k in grouped if k in late))


def _browser_steps(samples: list[DateSample], gaps: list[float], keys: list[str], trusted: set[str]) -> set[str]:
    """The clocks (keys) off from the trusted ones only because the browser's clock stepped during
    the capture (NTP or the user setting it: every host's Dates then jump against it at once, and
    _split takes each host's two sides for two nodes): every sample of such a clock agrees, within
    OFF, with the nearest sample of another host before or after it in the capture, of a host whose
    Dates are on both sides (some trusted, some not). A node off alone disagrees with its neighbours."""
    hosts_of = [(s.host, k in trusted) for s, k in zip(samples, keys)]
    both = {h for h, ok in hosts_of if ok} & {h for h, ok in hosts_of if not ok}
    agrees = [False] * len(samples)
    for order in (range(len(samples)), range(len(samples) - 1, -1, -1)):
        for i, j in _nearest_other(samples, order):
            if j is not None and samples[j].host in both and abs(gaps[i] - gaps[j]) <= OFF:
                agrees[i] = True
    return set(keys) - trusted - {k for k, ok in zip(keys, agrees) if not ok}


def _nearest_other(samples: list[DateSample], order) -> Iterator[tuple[int, int | None]]:
    """(i, the nearest sample of another host than i's that came before it in `order`)."""
    last = other = None  # the latest sample, and the latest of another host than its
    for i in order:
        if last is not None and samples[last].host != samples[i].host:
            other = last
        yield i, other
        last = i


def describe(r: ClockReading) -> str:
    """The finding's detail."""
    parts = []
    if r.browser is not None:
        parts.append(f"the browser's clock was {off_phrase(r.browser)} "
                     f"the servers' (HTTP Date headers of {r.samples} responses from {len(r.hosts)} hosts agree: "
                     f"{_hosts(r.hosts)}); the capture's times are corrected by it")
    offs: dict[str, list[timedelta]] = {}
    for host, off in r.off_hosts:  # (several groups of one host's Dates share its name: _named)
        offs.setdefault(host, []).append(off)
    for host, off in list(offs.items())[:NAMED]:
        if len(off) == 1:
            parts.append(f"the clock of {host} is {off_phrase(off[0])} the other servers' (its HTTP Date headers "
                         f"against those of {_hosts(r.hosts)})")
        else:
            parts.append(f"the clocks of {len(off)} of the servers behind {host.removeprefix(BEHIND)} are "
                         f"{off_phrase(min(off))} to {off_phrase(max(off))} the other servers' (their HTTP Date headers "
                         f"against those of {_hosts(r.hosts)})")
    if len(offs) > NAMED:
        parts.append(f"the clocks of {len(offs) - NAMED} more servers are off too")
    return "; ".join(parts)


NAMED = 4
"""Servers off that a finding names one by one (a capture of thousands of hosts or Dates must not
make a finding of megabytes)."""


def off_phrase(d: timedelta) -> str:
    """'9 min behind', '12 min 30 s ahead of': a clock offset as findings and notes say it."""
    return f"{duration(d)} {'ahead of' if d > timedelta(0) else 'behind'}"


def duration(d: timedelta) -> str:
    """'9 min', '12 min 30 s': beyond a minute, to 5 s (Dates are whole seconds, answers take time)."""
    s = int(abs(d.total_seconds()))
    s = 5 * round(s / 5) if s >= 60 else s
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return " ".join(f"{v} {u}" for v, u in ((h, "h"), (m, "min"), (sec, "s")) if v) or "0 s"


def _hosts(hosts: tuple[str, ...]) -> str:
    return ", ".join(hosts[:4]) + (f" and {len(hosts) - 4} more" if len(hosts) > 4 else "")
