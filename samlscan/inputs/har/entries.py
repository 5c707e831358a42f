"""Entries read in order into a Capture: pages that follow a flow, forms pending their POST."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from urllib.parse import urlsplit

from samlscan.codes import redacted_fix
from samlscan.config import SONAR_ACS_PATH, on_sonarqube_acs_path
from samlscan.flows import LOOP_WINDOW, Exchange
from samlscan.inputs.base import InputProblem, RawMessage
from samlscan.inputs.har.capture import Capture, Collector
from samlscan.inputs.har.clock import on_server_time
from samlscan.inputs.har.cookieproof import cookies_missing, sends_unrecorded
from samlscan.inputs.har.entry import resends_body, read_entry
from samlscan.inputs.har.values import digest
from samlscan.model import Source


def read_entries(items, path: str, col: Collector, client: str | None = None) -> tuple[list[Exchange], bool]:
    """Read (index, HAR entry) pairs in capture order into `col`: the SAML-relevant exchanges,
    and whether any entry carried cookies. `client`: the browser that wrote them (creator)."""
    exchanges: list[Exchange] = []
    follow: dict[str, datetime | None] = {}
    forms: dict[str, list[RawMessage]] = {}
    cookies_seen = False
    for index, entry in items:
        found, ex, saw, sample = read_entry(entry, index, path, follow, forms, client)
        cookies_seen |= saw
        if sample is not None:
            col.dates.append(sample)
        col.add(found)
        page = [m for _, m, provisional in found.msgs if provisional and m.source.ref.endswith("/body")]
        _forget_sent(forms, {key for key, _, provisional in found.msgs if not provisional})
        for action in dict.fromkeys(m.url for m in page):
            forms.pop(action, None)  # (re-inserted: the dict's order is the pages' order, _latest_form)
            forms[action] = [m for m in page if m.url == action]
        if ex is not None and resends_body(ex.method, ex.url, ex.status, ex.location):
            sent = [m for _, m, _ in found.msgs if m.source.ref == f"entry {index}"]
            if sent:  # the repeated POST may be listed without its body
                forms[ex.location] = sent
        if ex is not None:
            follow.pop(ex.url, None)
            exchanges.append(ex)
            follow.update(next_pages(ex))
    return exchanges, cookies_seen


def next_pages(ex: Exchange) -> dict[str, datetime | None]:
    """The pages the browser loads next that belong to `ex`'s flow, each with the latest time it may
    be asked for (None: any): where the ACS or the SP's result redirects to; after a POST to
    SonarQube's ACS answered in place (2xx, no Location: a page, or Safari's folded redirects,
    Exchange.folded), its refusal page at the same context path, loaded within LOOP_WINDOW (the
    page's script goes there at once: flows.outcome._refusal_loaded; a later visit is the user's)."""
    if ex.location:
        return {ex.location: None} if ex.leg in ("acs-post", "sp-result") else {}
    if ex.leg != "acs-post" or not 200 <= ex.status < 300 or not on_sonarqube_acs_path(ex.url):
        return {}
    parts = urlsplit(ex.url)
    context = parts.path.rstrip("/")[:-len(SONAR_ACS_PATH)]
    page = f"{parts.scheme}://{parts.netloc}{context}/sessions/unauthorized"
    return {page: ex.time + LOOP_WINDOW if ex.time is not None else None}


def _forget_sent(forms: dict, keys: set[str]) -> None:
    """Drop the pending forms whose values a request of the capture sent (one form, one send)."""
    for action in [a for a, msgs in forms.items() if any(m.param + ":" + digest(m.value) in keys for m in msgs)]:
        del forms[action]


def capture_of(col: Collector, exchanges: list[Exchange], cookies_seen: bool, path: str,
               entries: int, client: str | None = None) -> Capture:
    """The Capture of what `col` collected; a HAR without any cookie says whether it was sanitized
    (cookieproof: `client`, the HAR's creator, and whether a login in it succeeded), one whose
    requests list none though the flow needed them did not record them (sends_unrecorded)."""
    if sends_unrecorded(tuple(exchanges)):  # (sonarqube._state_cookie_lost: not 'OAUTHSTATE was not sent')
        exchanges = [replace(ex, cookies_recorded=False) for ex in exchanges]
    cap = Capture(col.result(), tuple(exchanges), tuple(col.problems), entries)
    if exchanges and not cookies_seen:
        from samlscan.flows.build import build_flows  # (flows read a Capture: built once it is whole)

        said = cookies_missing(cap.exchanges, client, path, lambda: any(
            f.outcome == "success" for f in build_flows(cap)))
        cap = replace(cap, problems=cap.problems + (said,)) if said else cap
    if client and any(p.code == "input-redacted" and p.fix is None for p in cap.problems):
        cap = replace(cap, problems=tuple(replace(p, fix=redacted_fix(client)) if p.code == "input-redacted"
                                          and p.fix is None else p for p in cap.problems))
    return on_server_time(cap, col.dates, path)


def bodiless_post(cap: Capture, problem) -> tuple[int, str] | None:
    """(entry number, URL) when `problem` is the note read_entry gives a POST without its body
    (entry._unrecorded_body's input-redacted), for a reader to say it in its file's terms; else None."""
    ref = problem.source.ref or ""
    words = ref.split()
    if not (problem.code == "input-redacted" and problem.detail.startswith("POST ") and len(words) > 1
            and words[0] == "entry" and words[1].isdigit()):
        return None
    entry = int(words[1])
    exchange = next((ex for ex in cap.exchanges if ex.entry == entry), None)
    return entry, exchange.url if exchange else "an ACS"
