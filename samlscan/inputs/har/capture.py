"""What a capture yields (Capture), one entry's SAML values (_Found), their order (Collector)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from samlscan.flows import Exchange, same_url
from samlscan.inputs.base import InputProblem, RawMessage
from samlscan.inputs.serverclock import DateSample


@dataclass(frozen=True)
class Capture:
    """What a capture file held: SAML values, the HTTP exchanges around them, and problems."""

    messages: tuple[RawMessage, ...]
    exchanges: tuple[Exchange, ...]
    problems: tuple[InputProblem, ...]
    entries: int
    exported_at: datetime | None = None
    """When the capture was exported (SAML-tracer's top-level timestamp), if known."""


@dataclass
class _Found:
    """SAML values of one entry, before they become RawMessages."""

    msgs: list[tuple[str, RawMessage, bool]]  # (digest key, message, provisional)
    problems: list[InputProblem]
    req_params: set  # SAML parameter names the request carried (redacted ones included)
    resp_params: set  # ... that the response carried (Location, page form)
    resent: bool = False  # the browser sends the request's body again to the same endpoint (307/308)
    reposted_to: str | None = None  # ... to another page, by itself: not a send (flows.reposted_to)


class Collector:
    """Orders SAML values across entries; a Location/page value is dropped once the browser's
    own request carrying the same value is seen (it is the same message, sent one hop later)."""

    def __init__(self) -> None:
        self.messages: list[RawMessage | None] = []
        self.provisional: dict[str, list[int]] = {}
        self.sent: dict[str, int] = {}
        self.resent: dict[str, int] = {}  # key -> position of a value a 307/308 sends again
        self.reposted: dict[str, str] = {}  # key -> the page a 307/308 posts a sent value on to
        self.problems: list[InputProblem] = []
        self.dates: list[DateSample] = []  # (serverclock: the servers' Date headers)

    def add(self, found: _Found) -> None:
        self.problems += found.problems
        for key, msg, provisional in found.msgs:
            if provisional and self.sent.get(key, 0) > 0:
                # Entries not in time order (merged captures, some proxies): the browser's own
                # request came first in the file; this page/Location copy is the same message.
                self.sent[key] -= 1
                continue
            if provisional:
                self.provisional.setdefault(key, []).append(len(self.messages))
            elif key in self.reposted and same_url(self.reposted[key], msg.url):  # the browser's re-POST
                del self.reposted[key]
                continue
            elif key in self.resent:  # the browser's repeat of the POST: one message, this send
                self.messages[self.resent.pop(key)] = None
            elif not self.provisional.get(key):
                self.sent[key] = self.sent.get(key, 0) + 1
            else:  # the browser's own send of a value a page or Location showed first
                self.messages[self.provisional[key].pop(0)] = None
            if found.resent and not provisional:
                self.resent[key] = len(self.messages)
            if found.reposted_to and not provisional:
                self.reposted[key] = found.reposted_to
            self.messages.append(msg)

    def result(self) -> tuple[RawMessage, ...]:
        return tuple(m for m in self.messages if m is not None)
