"""Caddy's access log (the `log` directive, JSON: its default encoder for a file) in front of a SAML SP.

One JSON object a line, as Caddy's docs ('log' directive, 'Structured logs') and
modules/caddyhttp/server.go write it: `{"level":"info","ts":1709460001.123,"logger":
"http.log.access.<name>","msg":"handled request","request":{"remote_ip":..,"remote_port":..,
"client_ip":..,"proto":..,"method":..,"host":..,"uri":..,"headers":{"User-Agent":[..]},"tls":{..}},
"bytes_read":..,"user_id":..,"duration":..,"size":..,"status":..,"resp_headers":{..}}`. `ts` is epoch
seconds by default (an ISO text with `time_format iso8601`/`rfc3339`); `client_ip` (2.7+) is the
browser's address once `trusted_proxies` allow a proxy before Caddy, else `remote_ip` (`remote_addr`
`ip:port` before 2.5). `uri` holds the query.

Caddy's console encoder (`format console`, and the default when stderr is a terminal) writes the same
entry as tab-separated time, level, logger, message and the fields as one JSON object (zap's console
encoder; caddy modules/logging/encoders.go ConsoleEncoder: time `wall_milli` `2006/01/02 15:04:05.000`
in UTC and level `color` by default since 2.7; before, unix seconds as Go prints a float,
`1.709460001123e+09`, and a lower-case level). It is read as the JSON line is.

Caddy's access log says nothing of the server behind: its reverse_proxy answers 502 when the
upstream refuses or fails, 504 when it times out, 503 when no upstream is available
(modules/caddyhttp/reverseproxy), statuses SonarQube never answers a callback with: those are
Caddy's own answer (the SP never saw it). The requests are read as samlscan/logs/sqaccess.py reads
any proxy's access line (sqaccess.logins).
Two JSON entries may run together on one line (a write cut short, then the next entry): zap's JSON
encoder starts every entry `{"level":`, a text no entry holds inside (a string's quotes are escaped),
so a line that is no JSON is split there (pieces), the cut entry malformed.
"""
from __future__ import annotations

import re
from typing import Iterable, Iterator

from samlscan.logs import sqaccess
from samlscan.logs._common import from_epoch, json_or_none, malformed, parse_iso
from samlscan.logs.base import Malformed, Record

NAME = "caddy-access"
_MARK = '"http.log.access'
"""What the logger name of every access line starts with (looked for before decoding a line)."""
_CONSOLE = re.compile(
    r'^(?P<ts>[^\t]{1,64})\t(?:\x1b\[[\d;]{0,16}m)?[A-Za-z]{3,6}(?:\x1b\[[\d;]{0,16}m)?\t'
    r'(?P<logger>http\.log\.access[^\t]{0,255})\t[^\t]{0,255}\t(?P<fields>\{.*)$')
"""A console encoder's line of the access logger: time, level (perhaps coloured), logger, message, fields."""
_FLOAT = re.compile(r"^\d{1,12}(?:\.\d{1,12})?(?:e\+\d\d)?$")


def _time(ts):
    if isinstance(ts, str) and _FLOAT.match(ts):  # the console encoder's unix seconds, as text
        ts = float(ts)
    if isinstance(ts, (int, float)):
        return from_epoch(ts)
    return parse_iso(ts)[0] or sqaccess.parse_wall(ts) or sqaccess.parse_time(ts or "")


def _row(line: str) -> tuple[dict | None, bool]:
    """The entry of an access line as the JSON encoder writes it (the console encoder's fields with its
    time and logger), and whether the line was one of the access logger's at all."""
    if line.lstrip().startswith("{"):
        row = json_or_none(line)  # (None too for a line nested past json's limit: RecursionError)
        return (row if isinstance(row, dict) else None), True
    m = _CONSOLE.match(line.rstrip("\r\n"))
    if m is None:
        return None, False
    row = json_or_none(m["fields"])
    return ({**row, "ts": m["ts"], "logger": m["logger"]} if isinstance(row, dict) else None), True


def _client(request: dict) -> str | None:
    ip = request.get("client_ip") or request.get("remote_ip")
    if not ip and isinstance(request.get("remote_addr"), str):
        ip = sqaccess.without_port(request["remote_addr"])
    return ip if isinstance(ip, str) and ip else None


def read(no: int, line: str, path: str = "") -> sqaccess._Request | Malformed | None:
    """An access line of a SAML path as a request (malformed when it is no JSON), or None."""
    if _MARK[1:] not in line:
        return None
    row, ours = _row(line)
    if not ours:
        return None
    if row is None and any(p in line for p in sqaccess.PATHS):  # (else the file 'holds no login request')
        return malformed(path, no, "a Caddy access line of a SAML path that is not valid JSON (cut or mangled)")
    request = row.get("request") if isinstance(row, dict) else None
    uri = request.get("uri") if isinstance(request, dict) else None
    status = row.get("status") if isinstance(uri, str) else None
    time = _time(row.get("ts")) if isinstance(status, int) and not isinstance(status, bool) else None
    ip = _client(request) if time is not None else None
    if ip is None:
        return None
    headers = request.get("headers")
    ua = headers.get("User-Agent") if isinstance(headers, dict) else None
    ua = ua[0] if isinstance(ua, list) and ua and isinstance(ua[0], str) else None
    method = request.get("method")
    why = f"its reverse_proxy found no upstream to answer (status {status})" if str(status) in sqaccess.GATEWAY else None
    tls = " over TLS" if isinstance(request.get("tls"), dict) else ""
    return sqaccess.proxy_request(no, time, ip, ua, method if isinstance(method, str) else None, uri, str(status),
                                  why, f"Caddy (logger {row.get('logger')}{tls})")


_START = re.compile(re.escape('{"level":'))
"""How zap's JSON encoder starts an entry (the level key first: Caddy's encoder config)."""


def pieces(line: str) -> list[str]:
    """The JSON entries run together on `line` (itself when it holds one or is JSON)."""
    if _START.search(line, 1) is None or json_or_none(line) is not None:
        return [line]
    return sqaccess.run_together(line, _START)


class CaddyAccessParser(sqaccess.ProxyAccessParser):
    name = NAME
    empty_reason = "a Caddy access log with no SAML login request (/sessions/init/saml, /oauth2/callback/saml)"

    def sniff(self, head: str) -> bool:
        """A line of Caddy's access logger ('http.log.access...') with its request, JSON or console."""
        for line in head.splitlines()[:50]:
            if _MARK[1:] in line and '"request"' in line and '"status"' in line and (
                    line.lstrip().startswith("{") or _CONSOLE.match(line)):
                return True
        return False

    def request(self, no: int, line: str, path: str, tz):
        return read(no, line, path)

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz) -> Iterator[Record]:
        return sqaccess.logins(lines, path, tz, lambda no, line: read(no, line, path), pieces)


PARSER = CaddyAccessParser()
