"""Logs of the Go apps whose SAML SP is gosaml2 (russellhaering/gosaml2, mattermost/gosaml2):
Gitea/Forgejo, Mattermost and Teleport. Each line is a record; a line is a SAML event when it
quotes a gosaml2 text of the catalog (samlscan/data/catalog.json, product 'gosaml2').

Layouts (tests/data/goapps/SOURCES.md says where each comes from):
- Gitea/Forgejo (modules/log, flags 'stdflags'): `2024/05/14 09:12:45 <file>:<line>:<func>() [E] <msg>`,
  local time; a failed SAML callback is logged by ctx.ServerError as 'UserSignIn: <error>'.
- Mattermost (mlog, JSON): `{"timestamp":"2024-05-14 09:12:45.123 Z","level":"error","msg":...,
  "err_where":...,"err_details":"err=<gosaml2 error>"}`; older servers write `"ts": <epoch>`.
  Its plain (console) layout: `error [2025-01-07 09:23:34.934 +01:00] <msg> caller=... error="..."`.
- Teleport text (`2024-05-14T09:12:45Z ERRO [SAML] <msg> <file>.go:<line>`), JSON
  (`{"component":"saml","level"/"severity":...,"message":...,"timestamp":...}`) and its audit
  log's `user.login` events of method saml (`success`, `error`, `user`).
"""
from __future__ import annotations

import re
from datetime import datetime, tzinfo
from typing import Iterable, Iterator

from samlscan.logs._common import (
    from_epoch, json_or_none, local_to_utc, parse_iso, src, text_or_none)
from samlscan.logs.base import Record
from samlscan.model import LogEvent

NAME = "goapps"
PRODUCT = "gosaml2"

MARKERS = ("saml", "SAML", "Saml", "error validating response", "Identity Provider", "user.login", "nameID")
"""What a line must hold to be read (the prefilter keeps the same lines): every gosaml2 text an
app logs comes inside 'error validating response: ...' (gosaml2's ErrVerification), a line naming
SAML (Teleport's '[SAML]', 'SAML AssertionInfo'; Mattermost's /login/sso/saml), Mattermost's
'... response from the Identity Provider' or Gitea's own SAML texts."""

_GITEA = re.compile(
    r"^(?P<time>\d{4}/\d\d/\d\d \d\d:\d\d:\d\d(?:\.\d+)?) (?P<caller>\S+:\d+:[\w.*()]+\(\)) "
    r"\[(?P<level>[TDIWEFC])\] (?:\[[^\]]*\] )?(?P<msg>.*)$")
"""Gitea's default line (modules/log/event_format.go: date, time, medfile:line:shortfuncname,
[level initial]); Forgejo keeps it."""
_TELEPORT = re.compile(
    r"^(?:(?P<time>\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:?\d\d))\s+)?(?P<level>TRAC|DEBU|INFO|WARN|ERRO|FATA|PANI)\s+"
    r"\[(?P<comp>[A-Z][A-Z0-9:_ -]*)\]\s+(?P<msg>.*?)(?:\s+(?P<caller>[\w./-]+\.go:\d+))?\s*$")
"""Teleport's text formatter (lib/utils/log: level, padded [COMPONENT], message, fields, caller)."""
_MATTERMOST_PLAIN = re.compile(
    r"^(?P<level>trace|debug|info|warn|error|fatal|panic|critical) "
    r"\[(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: ?(?:Z|[+-]\d\d:?\d\d))?)\] (?P<msg>.*)$")
"""Mattermost's plain console line (mlog/logr 'plain' formatter: level, [time], message, then
key=value fields; the error detail is in `error="..."`), as mattermost/mattermost pull #29767 shows."""
_FIELD = re.compile(r'\b(request_id|ip_addr)=("[^"]*"|\S+)')
_MATTERMOST_TIME = re.compile(r'"timestamp": ?"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ Z"')
_GITEA_TIME = "%Y/%m/%d %H:%M:%S"


class GoAppsParser:
    name = NAME

    def sniff(self, head: str) -> bool:
        lines = head.splitlines()[:50]
        if any(_GITEA.match(line) or _TELEPORT.match(line) or _MATTERMOST_PLAIN.match(line) for line in lines):
            return True
        return bool(_MATTERMOST_TIME.search(head) or '"err_where"' in head and '"msg"' in head
                    or '"component"' in head and '"caller"' in head and '"message"' in head
                    or '"event":"user.login"' in head.replace(" ", "") and '"cluster_name"' in head)

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz: tzinfo) -> Iterator[Record]:
        for no, line in lines:
            if not any(m in line for m in MARKERS):
                continue
            event = _event(line, no, path, tz)
            if event is not None:
                yield event


def _event(line: str, no: int, path: str, tz: tzinfo) -> LogEvent | None:
    text = line.strip()
    if text.startswith("{"):
        obj = json_or_none(text)
        return _json_event(obj, no, path, tz) if isinstance(obj, dict) else None
    m = _GITEA.match(text)
    if m:
        naive = datetime.strptime(m["time"][:19], _GITEA_TIME)
        time, local = local_to_utc(naive, tz)  # Gitea writes its server's local time, no zone
        return _failure(m["msg"], time, local, no, path)
    m = _TELEPORT.match(text)
    if m:
        time, local = parse_iso(m["time"], tz) if m["time"] else (None, False)
        return _failure(m["msg"], time, local, no, path)
    m = _MATTERMOST_PLAIN.match(text)
    if m:
        time, local = parse_iso(m["time"].replace(" ", "T", 1).replace(" ", ""), tz)
        event = _failure(m["msg"], time, local, no, path)
        if event is None:
            return None
        fields = dict(_FIELD.findall(m["msg"]))
        return _with(event, request_id=fields.get("request_id"), ip=fields.get("ip_addr", "").strip('"') or None)
    return None


def _json_event(obj: dict, no: int, path: str, tz: tzinfo) -> LogEvent | None:
    if obj.get("event") == "user.login":
        return _teleport_login(obj, no, path, tz)
    msg = text_or_none(obj.get("msg")) or text_or_none(obj.get("message"))
    if msg is None:
        return None
    details = text_or_none(obj.get("err_details")) or text_or_none(obj.get("error"))
    if details:  # Mattermost's AppError detail: 'err=<the library's error>'
        msg = f"{msg} {details.removeprefix('err=')}"
    stamp = obj.get("timestamp") or obj.get("time")
    if isinstance(stamp, str):
        time, local = parse_iso(stamp.replace(" Z", "Z"), tz)
    else:
        time, local = (from_epoch(obj["ts"]) if isinstance(obj.get("ts"), (int, float)) else None), False
    event = _failure(msg, time, local, no, path)
    if event is None:
        return None
    return _with(event, user=text_or_none(obj.get("user_id")), ip=text_or_none(obj.get("ip_addr")),
                 request_id=text_or_none(obj.get("request_id")))


def _teleport_login(obj: dict, no: int, path: str, tz: tzinfo) -> LogEvent | None:
    """Teleport's audit event of an SSO login (lib/events: user.login, method saml; T1001I/T1001W)."""
    if obj.get("method") != "saml":
        return None
    time, local = parse_iso(obj.get("time"), tz)
    ok = obj.get("success") is True
    error = text_or_none(obj.get("error")) or ""
    code = None if ok else (_cause(error) or "unknown-failure")
    return LogEvent(
        source=src(path, no), time=time, product=PRODUCT, side="sp", outcome="success" if ok else "failure",
        text=error or "user.login (saml)", code=code, user=text_or_none(obj.get("user")),
        ip=_host(text_or_none(obj.get("addr.remote"))), correlation_id=text_or_none(obj.get("uid")),
        raw_code=text_or_none(obj.get("code")), local_time=local)


def _host(addr: str | None) -> str | None:
    """The address of Teleport's 'addr.remote' without its port ('203.0.113.9:51234', '[::1]:3080')."""
    if addr and addr.startswith("[") and "]" in addr:
        return addr[1:addr.index("]")]
    return addr.rsplit(":", 1)[0] if addr and addr.count(":") == 1 else addr


def _failure(msg: str, time: datetime | None, local: bool, no: int, path: str) -> LogEvent | None:
    """A failure event for a line that quotes a gosaml2 text (at any level: Teleport logged its
    refusal at WARN); None for the app's other lines."""
    code = _cause(msg)
    if code is None:
        return None
    return LogEvent(source=src(path, no), time=time, product=PRODUCT, side="sp", outcome="failure",
                    text=msg.strip(), code=code, local_time=local)


def _cause(text: str) -> str | None:
    try:
        from samlscan import catalog

        entry = catalog.lookup(text, PRODUCT)
    except (ImportError, OSError):
        return None
    return entry.code if entry is not None and entry.product == PRODUCT else None


def _with(event: LogEvent, **fields) -> LogEvent:
    from dataclasses import replace

    return replace(event, **{k: v for k, v in fields.items() if v})


PARSER = GoAppsParser()
