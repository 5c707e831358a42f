"""Traefik's access log (accessLog.filePath) in front of a SAML SP: Traefik as SonarQube's reverse proxy.

Two layouts (traefik/traefik pkg/middlewares/accesslog: logdata.go names the fields,
logger_formatters.go writes 'common'; docs 'Access Logs'):
- `json`: one object a line with the fields of logdata.go: ClientHost, RequestMethod, RequestPath
  (with its query), StartUTC / StartLocal (RFC 3339, nanoseconds), DownstreamStatus (what the browser
  got), OriginStatus (what the server behind answered: 0 or absent when Traefik answered itself),
  RouterName, ServiceName, ServiceURL; kept headers as `request_<Name>` (request_User-Agent,
  request_X-Forwarded-For, request_X-Forwarded-Proto) when accessLog.fields.headers keeps them (dropped
  by default); entryPointName and RequestScheme say where and how the request came in.
- `common` (the default): CLF, then `<RequestCount> "<RouterName>" "<ServiceURL>" <Duration>ms`;
  its status is OriginStatus (0 or '-' when Traefik answered itself), a missing router '"-"'.

The requests are read as samlscan/logs/sqaccess.py reads any proxy's access line of SonarQube's SAML
paths (sqaccess.logins); a callback Traefik answered itself (OriginStatus 0 or absent with an error,
no router, a 502/503/504 of its load balancer) is marked so (`_Request.proxy`): the SP never saw it.
"""
from __future__ import annotations

import re

from samlscan.logs import sqaccess
from samlscan.logs._common import first_ip, json_or_none, parse_iso
from samlscan.model import IP_FORWARDED

NAME = "traefik-access"
_GATEWAY = sqaccess.GATEWAY
"""Statuses Traefik's load balancer answers when the service's servers refuse, are missing or time out."""
_COMMON = re.compile(
    r'^(?P<host>\S{1,255}) - \S{1,255} \[(?P<time>[^\]]{1,64})\] '
    r'"(?P<method>[A-Z]{1,16}|-) (?P<target>\S{1,65536}) [^"\s]{0,32}" (?P<status>\d{1,3}|-) (?:\d+|-) '
    r'"(?:[^"\\]|\\.){0,8192}" "(?P<ua>.{0,8192}?)" (?:\d+|-) "(?P<router>[^"]*+)" "(?P<server>[^"]*+)" '
    r'\d+ms\s*$')
_JSON_KEYS = ('"RequestPath"', '"DownstreamStatus"')
"""What a JSON line of Traefik's access log holds (looked for before decoding a line)."""


def _why_common(status: str, router: str, server: str) -> str | None:
    """Why Traefik answered a request itself, by its common line (status is OriginStatus), or None."""
    if router in ("", "-"):
        return "no router matched the request at that time"
    if status in ("0", "-"):
        return f"router {router} got no answer from its service{f' {server}' if server not in ('', '-') else ''}"
    return f"router {router}: its service answered {status}" if status in _GATEWAY else None


def _why_json(row: dict, status: str) -> str | None:
    """Why Traefik answered a request itself, by its JSON fields (status is DownstreamStatus), or None."""
    origin = str(row.get("OriginStatus") or "0")
    router, service = row.get("RouterName"), row.get("ServiceName") or row.get("ServiceURL")
    if status[:1] not in ("4", "5"):
        return None
    if not router:
        return f"no router matched the request at that time, OriginStatus {origin}"
    if status in _GATEWAY or origin == "0":
        return (f"router {router}, service {service or '-'}: no answer from its servers "
                f"(DownstreamStatus {status}, OriginStatus {origin})")
    return None


def read_common(no: int, line: str) -> sqaccess._Request | None:
    """A line of the common layout as a request of a SAML path, or None."""
    m = _COMMON.match(line)
    path = (sqaccess._path_of(m["target"]) or sqaccess.OTHER) if m else None
    time = sqaccess.parse_time(m["time"]) if path is not None else None
    if time is None:
        return None
    ua = "" if m["ua"] == "-" else m["ua"]
    status = m["status"]
    return sqaccess._Request(no, time, (m["host"], ua), m["host"], m["method"], path, m["target"], status, None,
                             _why_common(status, m["router"], m["server"]), _TRAEFIK)


def _row(line: str) -> dict | None:
    if not line.lstrip().startswith("{") or not all(k in line for k in _JSON_KEYS):
        return None
    row = json_or_none(line)  # (None too for a line nested past json's limit: RecursionError)
    return row if isinstance(row, dict) else None


_TRAEFIK = "Traefik"
"""Who passed a request on (sqaccess._Request.forwarded): the common layout says no more."""


def _forwarded(row: dict) -> str:
    """How Traefik passed the request on: its entrypoint, the scheme it received it over and the
    X-Forwarded-Proto it kept (request_X-Forwarded-Proto, when accessLog.fields.headers keeps it).
    Traefik overwrites X-Forwarded-Proto with the scheme it received unless the sender is in the
    entrypoint's forwardedHeaders.trustedIPs (or forwardedHeaders.insecure): docs 'EntryPoints'."""
    entry, scheme, proto = (row.get(k) for k in ("entryPointName", "RequestScheme", "request_X-Forwarded-Proto"))
    parts = [f"entrypoint {entry}" if isinstance(entry, str) and entry else None,
             f"received over {scheme}" if isinstance(scheme, str) and scheme else None,
             f"X-Forwarded-Proto {proto}" if isinstance(proto, str) and proto else None]
    said = ", ".join(p for p in parts if p)
    return f"{_TRAEFIK} ({said})" if said else _TRAEFIK


def read_json(no: int, line: str) -> sqaccess._Request | None:
    """A JSON line as a request of a SAML path, or None."""
    row = _row(line)
    target = row.get("RequestPath") if row else None
    path = (sqaccess._path_of(target) or sqaccess.OTHER) if isinstance(target, str) else None
    status = str(row.get("DownstreamStatus", "")) if path is not None else ""
    if not (status.isdigit() and len(status) == 3):
        return None
    time = next((t for k in ("StartUTC", "StartLocal", "time") if (t := parse_iso(row.get(k))[0]) is not None), None)
    host = row.get("ClientHost")
    if time is None or not isinstance(host, str) or not host:
        return None
    # request_X-Forwarded-For is the header as Traefik received it (the browser's address as an earlier hop
    # forwarded it, as SonarQube's own X-Forwarded-For records it); ClientHost is whoever connected to Traefik
    forwarded = row.get("request_X-Forwarded-For")
    xff = first_ip(forwarded if isinstance(forwarded, str) else None)
    ip = xff or host
    ua = row.get("request_User-Agent")
    method = row.get("RequestMethod")
    return sqaccess._Request(no, time, (ip, ua if isinstance(ua, str) else ""), ip,
                             method if isinstance(method, str) else "GET", path, target, status, None,
                             _why_json(row, status), _forwarded(row), ip_from=IP_FORWARDED if xff else None)


def _read(no: int, line: str) -> sqaccess._Request | None:
    return read_json(no, line) if line.lstrip().startswith("{") else read_common(no, line)


class TraefikAccessParser(sqaccess.ProxyAccessParser):
    name = NAME
    empty_reason = "a Traefik access log with no SAML login request (/sessions/init/saml, /oauth2/callback/saml)"

    def sniff(self, head: str) -> bool:
        """A line of either layout: a JSON object with Traefik's fields, or a common line (its
        request count, router and server URL after the User-Agent, its duration in ms)."""
        for line in head.splitlines()[:50]:
            row = _row(line)
            if row is not None and "RequestMethod" in row and ("StartUTC" in row or "StartLocal" in row):
                return True
            m = _COMMON.match(line)
            if m is not None and sqaccess.parse_time(m["time"]) is not None:
                return True
        return False

    def request(self, no: int, line: str, path: str, tz):
        return _read(no, line)


PARSER = TraefikAccessParser()
