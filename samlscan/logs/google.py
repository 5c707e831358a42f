"""Google Workspace Reports API activities, applicationName=saml (login_success/login_failure).

Envelope: the standard activity resource (id{time,applicationName,uniqueQualifier}, actor{email},
ipAddress, events[]{type,name,parameters[]{name,value}}); a list response wraps them in `items`.
"""
from __future__ import annotations

from datetime import tzinfo
from typing import Iterable, Iterator

from samlscan.logs._common import classify, dig, json_events, parse_iso, src, text_or_none
from samlscan.logs.base import Record
from samlscan.model import LogEvent

PRODUCT = "google"


class GoogleParser:
    name = PRODUCT

    def sniff(self, head: str) -> bool:
        return '"applicationName"' in head and '"events"' in head and (
            '"saml"' in head or "login_failure" in head or "login_success" in head)

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        yield from json_events(lines, path, lambda obj, no: _events(obj, no, path))


def _params(event: dict) -> dict[str, str]:
    out = {}
    for p in event.get("parameters") or ():
        if isinstance(p, dict) and p.get("name"):
            value = p.get("value", p.get("multiValue"))
            out[str(p["name"])] = ",".join(map(str, value)) if isinstance(value, list) else value
    return out


def _events(obj: dict, no: int, path: str) -> Iterator[Record]:
    if str(dig(obj, "id", "applicationName") or "saml").lower() != "saml":
        return  # another application's activity (login, admin, drive...)
    time, _ = parse_iso(dig(obj, "id", "time"))
    events = obj.get("events")
    if isinstance(events, dict):  # SIEM pipelines (Elastic google_workspace) split the list
        events = [events]
    for event in events if isinstance(events, list) else ():
        if not isinstance(event, dict):
            continue
        name = str(event.get("name") or "")
        params = _params(event)
        outcome = {"login_success": "success", "login_failure": "failure"}.get(name, "info")
        failure = text_or_none(params.get("failure_type"))
        status = text_or_none(params.get("saml_second_level_status_code")) or \
            text_or_none(params.get("saml_status_code"))
        text = " ".join(x for x in (name, failure, status) if x)
        code = classify(PRODUCT, failure, text) if outcome == "failure" else None
        yield LogEvent(
            source=src(path, no), time=time, product=PRODUCT, side="idp", outcome=outcome,
            text=text, code=code, user=text_or_none(dig(obj, "actor", "email")),
            ip=text_or_none(obj.get("ipAddress")),
            request_id=text_or_none(dig(obj, "id", "uniqueQualifier")),
            app=text_or_none(params.get("application_name")), raw_code=failure)


PARSER = GoogleParser()
