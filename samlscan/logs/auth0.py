"""Auth0 tenant logs (Management API /api/v2/logs, log streams: webhook, Amazon EventBridge): JSON
array or JSON lines.

Fields and type codes: auth0 docs (tenant-logs) and auth0-log-extension-tools logTypes.js.
"""
from __future__ import annotations

from datetime import tzinfo
from typing import Iterable, Iterator

from samlscan.logs._common import classify, dig, json_events, parse_iso, src, text_or_none
from samlscan.logs.base import Record
from samlscan.model import LogEvent

PRODUCT = "auth0"
# Login-relevant type codes (Auth0 log event types): s success, ssa silent auth ok, f failed
# login, fp wrong password, fu unknown user, fc connector login failed, fcoa cross-origin login
# failed, fsa silent auth failed, limit_wc / limit_mu / limit_sul blocked account, IP or user.
# Not logins (info): flo failed logout, fn failed notification, fs failed signup, fd failed
# delegation, fco failed CORS check, sepft / fepft token exchanges of an API.
_SUCCESS = {"s", "ssa"}
_BY_DESCRIPTION = {"f"}
"""Generic failed login: the reason is only in `description` (A0-LOG)."""
_FAILURE = {"f", "fp", "fu", "fc", "fcoa", "fsa", "limit_wc", "limit_mu", "limit_sul"}


class Auth0Parser:
    name = PRODUCT
    empty_reason = "an Auth0 tenant log with no login event"

    def sniff(self, head: str) -> bool:
        return '"log_id"' in head or ('"type"' in head and '"client_name"' in head
                                      and '"date"' in head)

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        yield from json_events(lines, path, lambda obj, no: _event(obj, no, path))


def _event(obj: dict, no: int, path: str) -> Iterator[Record]:
    if isinstance(obj.get("detail"), dict) and "detail-type" in obj:
        # the Amazon EventBridge log stream: an event ('detail-type': 'Auth0 log', source
        # 'aws.partner/auth0.com/<tenant>-<id>/auth0.logs') whose `detail` is the stream's entry
        # (thiscovery-core's and raw-labs' test events; zenn.dev's Auth0 EventBridge preview)
        obj = obj["detail"]
    # log streams wrap the entry as {"log_id": .., "data": {...}}
    data = obj.get("data") if isinstance(obj.get("data"), dict) else obj
    ltype = text_or_none(data.get("type"))
    if ltype is None:
        return
    outcome = "success" if ltype in _SUCCESS else "failure" if ltype in _FAILURE else "info"
    desc = text_or_none(data.get("description")) or ltype
    time, _ = parse_iso(data.get("date"))
    if outcome != "failure":
        code = None
    elif ltype in _BY_DESCRIPTION:
        # 'f' is any failed login: the description alone says why, else the cause is unknown
        code = classify(PRODUCT, None, desc) or "unknown-failure"
    else:
        code = classify(PRODUCT, ltype, desc)
    yield LogEvent(
        source=src(path, no), time=time, product=PRODUCT, side="idp", outcome=outcome, text=desc,
        code=code, user=text_or_none(data.get("user_name")) or text_or_none(data.get("user_id")),
        ip=text_or_none(data.get("ip")),
        # no request_id: details.session_id is the browser's Auth0 SSO session, shared by every
        # login of that user to any application for days (Grafana at 13:58, SonarQube at 14:09),
        # not one login's flow: as a join key it made them one attempt
        correlation_id=text_or_none(data.get("log_id") or obj.get("log_id")),
        app=text_or_none(data.get("client_name")) or text_or_none(data.get("client_id"))
        or text_or_none(dig(data, "details", "qs", "client_id")),
        raw_code=ltype)


PARSER = Auth0Parser()
