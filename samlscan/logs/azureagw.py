"""Azure Application Gateway access logs (ApplicationGatewayAccessLog) in front of a SAML SP.

Three shapes of the same fields (Azure docs 'Diagnostic logs for Application Gateway', 'Access log';
Azure Monitor tables reference 'AzureDiagnostics', 'AGWAccessLogs'):
- a storage account export (`PT1H.json`): `{"records": [..]}` or one record a line, each
  `{"time":..,"resourceId":..,"operationName":"ApplicationGatewayAccess","category":
  "ApplicationGatewayAccessLog","properties":{"clientIP":..,"httpMethod":..,"requestUri":..,
  "requestQuery":..,"userAgent":..,"httpStatus":..,"serverRouted":..,"serverStatus":..,
  "error_info":..,"host":..}}` (v1 gateways put SERVER-ROUTED and SERVER-STATUS in requestQuery);
- Log Analytics `AzureDiagnostics` rows: the same names suffixed by type (`requestUri_s`,
  `httpStatus_d`, `clientIP_s`, `serverStatus_s`), `TimeGenerated`;
- Log Analytics resource-specific `AGWAccessLogs` rows: `RequestUri`, `HttpMethod`, `HttpStatus`,
  `ClientIp`, `ServerRouted`, `ServerStatus`, `ErrorInfo`, `TimeGenerated`.
- either table's rows as the portal's 'Export to CSV' of a Log Analytics query writes them: a header of
  the column names above, one row a line; a time as ISO 8601 or, since 2020, as the portal shows it in
  UTC ('2020/10/16 0:00:01.403': MicrosoftDocs azure-docs issue 66181).
(A query result's `tables` wrapper is unwrapped to such rows by samlscan/logs/wrapped.py.)

The gateway answered a request itself (the SP never saw it) when no backend server answered it: a
4xx/5xx with no serverStatus (`-` or none: no healthy backend, a WAF's 403, a timeout, ErrorInfo
says which). The requests are decided as samlscan/logs/sqaccess.py decides any proxy's (sqaccess.decide).
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Iterator

from samlscan.logs import sqaccess
from samlscan.logs._common import csv_dialect, csv_head, csv_rows, iter_json, malformed, parse_iso
from samlscan.logs.base import Malformed, Record

NAME = "azure-appgw-access"
_FIELDS = {  # one field: its storage/AzureDiagnostics name, its AGWAccessLogs name
    "uri": ("requestUri", "RequestUri"), "query": ("requestQuery", "RequestQuery"),
    "method": ("httpMethod", "HttpMethod"), "status": ("httpStatus", "HttpStatus"),
    "ip": ("clientIP", "ClientIp"), "ua": ("userAgent", "UserAgent"),
    "routed": ("serverRouted", "ServerRouted"), "server_status": ("serverStatus", "ServerStatus"),
    "error": ("error_info", "ErrorInfo"), "host": ("host", "Host"),
}
_TIMES = ("time", "timeStamp", "TimeGenerated", "timestamp")
_V1 = re.compile(r"(?:^|&)SERVER-(ROUTED|STATUS)=([^&]*)")
"""A v1 gateway's requestQuery: what v2 logs in serverRouted and serverStatus."""
_SNIFF = ('"ApplicationGatewayAccess', '"requestUri_s"', '"ServerRouted"')
_CSV_URI, _CSV_STATUS = {"requestUri_s", "RequestUri"}, {"httpStatus_d", "HttpStatus"}
"""A CSV export's header names the request's URI and status as one of the two tables does."""


_CSV_COLUMN = re.compile(r"[^\W\d][\w\ufffd]*(?: [\w\ufffd]+)*(?: \[[^\]\r\n]*\])?")
"""A column name as the header names it: Log Analytics' (a datetime column with its zone: 'TimeGenerated
[UTC]') or one the user renamed in words ('hôte Événement', U+FFFD in a cp1252 copy's head): a text
line split at its ';' or tabs has cells of other shapes ('10:00:01.123 [main] ERROR c.e.Export - ...')."""


def _csv_columns(cells: list[str]) -> list[str] | None:
    named = _CSV_URI & set(cells) and _CSV_STATUS & set(cells)
    return cells if named and all(_CSV_COLUMN.fullmatch(c) for c in cells) else None


def _time(row: dict):
    for k in _TIMES:
        value = row.get(k)
        if (t := parse_iso(value)[0] or sqaccess.parse_wall(value)) is not None:
            return t
    return None


def _get(row: dict, key: str) -> Any:
    camel, pascal = _FIELDS[key]
    props = row.get("properties")
    for where, name in ((props, camel), (row, camel), (row, f"{camel}_s"), (row, f"{camel}_d"), (row, pascal)):
        if isinstance(where, dict) and where.get(name) not in (None, ""):
            return where[name]
    return None


def _status(value: Any) -> str | None:
    """httpStatus as a 3-digit text (AzureDiagnostics' `_d` columns are numbers: 302.0)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 100 <= value <= 599:
        return str(int(value))
    return value if isinstance(value, str) and len(value) == 3 and value.isdigit() else None


def _why(row: dict, status: str, v1: dict) -> str | None:
    served = _get(row, "server_status") or v1.get("STATUS")
    if status[:1] not in ("4", "5") or str(served or "-") not in ("-", "0"):
        return None
    routed = _get(row, "routed") or v1.get("ROUTED") or "-"
    error = _get(row, "error")
    said = f", {error}" if error and error != "ERRORINFO_NO_ERROR" else ""
    return f"no backend server answered it (serverRouted {routed}, serverStatus -{said})"


def read(no: int, row: Any) -> sqaccess._Request | None:
    """An access record of a SAML path as a request, or None."""
    if not isinstance(row, dict):
        return None
    uri, status = _get(row, "uri"), _status(_get(row, "status"))
    time = _time(row)
    ip = _get(row, "ip")
    if not isinstance(uri, str) or status is None or time is None or not isinstance(ip, str):
        return None
    query = _get(row, "query")
    query = query if isinstance(query, str) else ""
    v1 = dict(_V1.findall(query))
    target = f"{uri}?{query}" if query and "?" not in uri and "X-AzureApplicationGateway" not in query else uri
    ua, method, host = _get(row, "ua"), _get(row, "method"), _get(row, "host")
    via = f"Azure Application Gateway (host {host})" if isinstance(host, str) and host != "-" else "Azure Application Gateway"
    return sqaccess.proxy_request(no, time, ip, ua if isinstance(ua, str) else None,
                                  method if isinstance(method, str) else None, target, status,
                                  _why(row, status, v1), via)


class AzureAppGatewayAccessParser:
    name = NAME
    exported = True  # (a CSV download Excel may have saved again: textcodec.export_codec)
    range_context = sqaccess.RANGE_CONTEXT
    empty_reason = ("an Azure Application Gateway access log with no SAML login request "
                    "(/sessions/init/saml, /oauth2/callback/saml)")
    prefilter = None
    """A storage export may be one JSON document over many lines: read whole."""

    def sniff(self, head: str) -> bool:
        """The access log's operation or category name, or a Log Analytics row's own column names."""
        if csv_dialect(head, _csv_columns):
            return True
        return any(k in head for k in _SNIFF) and ('"httpStatus' in head or '"HttpStatus"' in head)

    def parse(self, lines: Iterable[tuple[int, str]], path: str, tz) -> Iterator[Record]:
        header, lines = csv_head(lines, _csv_columns)

        def requests() -> Iterator:
            for got in (_csv(lines, path, *header) if header else iter_json(lines)):
                if isinstance(got, Malformed):
                    yield got
                elif got[2] is not None:
                    yield malformed(path, got[0], got[2])
                elif (r := read(got[0], got[1])) is not None:
                    yield r

        if header is None:
            return sqaccess.decide(requests(), path)
        # a query's export is in the order its query sorted (the portal's: newest first): by time
        return sqaccess.decide(sorted(requests(), key=lambda r: (0, r.time, r.no) if isinstance(r, sqaccess._Request)
                                      else (-1, None, 0)), path)


def _csv(lines: Iterable[tuple[int, str]], path: str, delimiter: str, header: list[str]) -> Iterator:
    """A CSV export's data rows as (line, record named by the header, None), as iter_json gives records."""
    for got in csv_rows(lines, path, delimiter=delimiter):
        if isinstance(got, Malformed) or got[1] != header:
            yield got if isinstance(got, Malformed) else (got[0], dict(zip(header, got[1])), None)


PARSER = AzureAppGatewayAccessParser()
