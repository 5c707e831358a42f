"""An entry's headers and cookies arrays: cookies sent and set, SameSite, the status."""
from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import unquote_plus

from samlscan.flows import same_site_of, set_names
from samlscan.inputs.har.values import parse_time


def _items(obj, key: str) -> list:
    """A HAR array ('headers', 'cookies'); none where a tool wrote something else (a number, null,
    an object) in its place."""
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, list) else []


def _headers(obj) -> list[tuple[str, str]]:
    return [(str(h.get("name", "")), str(h.get("value", ""))) for h in _items(obj, "headers")
            if isinstance(h, dict)]


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((v for n, v in headers if n.lower() == name.lower()), None)


_JOINED_COOKIE = re.compile(r"\n|,[ \t]*(?=[!#$%&'*+.^_`|~0-9A-Za-z-]+[ \t]*=)")
"""Where one Set-Cookie value holds the next cookie: Firefox joins them with newlines; Safari's Web
Inspector gets them joined with ', ' (WebKit Resource.js responseCookies: 'The backend sends multiple
"Set-Cookie" headers in one "Set-Cookie" with multiple values separated by ", "') and HARBuilder.headers
writes that one value. A ', ' before 'name=' starts a cookie: no cookie-value holds a comma (RFC 6265
4.1.1), and the ', ' of an Expires date is followed by its day ('Wed, 21 Oct 2026')."""


def set_cookie_values(value: str) -> list[str]:
    """The cookies of one Set-Cookie header value, each with its attributes (_JOINED_COOKIE)."""
    return [one.strip() for one in _JOINED_COOKIE.split(value) if one.strip()]


def _set_cookies(headers: list[tuple[str, str]]) -> list[str]:
    """Every Set-Cookie value, one per cookie (as Firefox and Safari join several: set_cookie_values)."""
    return [one for n, v in headers if n.lower() == "set-cookie" for one in set_cookie_values(v)]


def _cookie_names(obj, headers: list[tuple[str, str]]) -> tuple[str, ...]:
    """The names of the cookies a request sent (its cookies array and Cookie header)."""
    names = [str(c.get("name")) for c in _items(obj, "cookies") if isinstance(c, dict)]
    pieces = [p for n, v in headers if n.lower() == "cookie" for p in v.split(";")]
    names += [p.split("=", 1)[0].strip() for p in pieces if "=" in p]
    return tuple(dict.fromkeys(n for n in names if n))


def _sent_cookie(obj, headers: list[tuple[str, str]], name: str) -> str | None:
    """The value of a cookie a request sent (its cookies array, else its Cookie header), URL-decoded."""
    for c in _items(obj, "cookies"):
        if isinstance(c, dict) and c.get("name") == name:
            return unquote_plus(str(c.get("value", "")))
    pieces = [p.split("=", 1) for n, v in headers if n.lower() == "cookie" for p in v.split(";") if "=" in p]
    return next((unquote_plus(v.strip()) for k, v in pieces if k.strip() == name), None)


def _set_cookie_names(resp, headers: list[tuple[str, str]], at: datetime | None) -> tuple[str, ...]:
    """The names of the cookies a response set, deletions aside (flows.set_names): its Set-Cookie
    headers, and its cookies array for a cookie no header names (a HAR without headers), deleted
    when its `expires` is not later than the response."""
    values = _set_cookies(headers)
    named = {v.split("=", 1)[0].strip() for v in values}
    extra = [c for c in _items(resp, "cookies") if isinstance(c, dict) and str(c.get("name") or "") not in named]
    kept = [str(c.get("name") or "") for c in extra if not _expired(c.get("expires"), at)]
    return tuple(dict.fromkeys(list(set_names(values, at)) + [n for n in kept if n]))


def _same_site(resp, headers: list[tuple[str, str]], at: datetime | None) -> tuple[tuple[str, str], ...]:
    """(name, SameSite) of the cookies a response set (flows.same_site_of): its Set-Cookie headers,
    and its cookies array's `sameSite` (Chrome's and Safari's HAR writers add it when the cookie has
    one; WebKit HARBuilder.js cookies()) for a cookie no header names."""
    found = dict(same_site_of(_set_cookies(headers), at))
    for c in _items(resp, "cookies"):
        name = str(c.get("name") or "") if isinstance(c, dict) else ""
        if name and name not in found and isinstance(c.get("sameSite"), str) and not _expired(c.get("expires"), at):
            found[name] = c["sameSite"]
    return tuple(found.items())


def _expired(expires, at: datetime | None) -> bool:
    """A HAR cookie's `expires` (ISO 8601, HAR 1.2) not later than the response's time."""
    when = parse_time(expires) if isinstance(expires, str) and expires else None
    return when is not None and at is not None and when <= at


def _cookie_value(obj, headers, name: str) -> str | None:
    for c in _items(obj, "cookies"):
        if isinstance(c, dict) and c.get("name") == name:
            return unquote_plus(str(c.get("value", "")))
    for v in _set_cookies(headers):
        if v.split("=", 1)[0].strip() == name and "=" in v:
            return unquote_plus(v.split("=", 1)[1].split(";", 1)[0])
    return None


def _status(value) -> int:
    """An HTTP status; 0 when there is none (blocked, aborted) or it is not a number."""
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


_SERVERS = (("awselb/", "AWS ALB"), ("nginx", "nginx"), ("openresty", "nginx"), ("haproxy", "HAProxy"),
            ("traefik", "Traefik"), ("caddy", "Caddy"), ("microsoft-azure-application-gateway", "Azure Application Gateway"),
            ("cloudfront", "CloudFront"), ("cloudflare", "Cloudflare"), ("envoy", "Envoy"), ("istio-envoy", "Envoy"))
"""A response's Server header (its product token, any version) -> the proxy it names: ALB writes 'awselb/2.0',
nginx 'nginx/1.25.3' (server_tokens), Azure's 'Microsoft-Azure-Application-Gateway/v2', Envoy 'envoy' (Istio's
gateways 'istio-envoy')."""
_PAGES = ((re.compile(r"<hr>\s*<center>\s*(?:nginx|openresty)\b", re.I), "nginx"),
          (re.compile(r"No server is available to handle this request", re.I), "HAProxy"),
          (re.compile(r"\A\s*(?:Bad Gateway|Gateway Timeout|404 page not found)\s*\Z"), "Traefik"),
          (re.compile(r"upstream connect error or disconnect/reset before headers|\A\s*no healthy upstream\s*\Z",
                      re.I), "Envoy"),
          (re.compile(r"(?:id|class)=[\"']?cf-error-(?:code|details)\b", re.I), "Cloudflare"),
          (re.compile(r"<title>\s*5\d\d Proxy Error\s*</title>|The proxy server received an invalid\s+response from "
                      r"an upstream server", re.I), "Apache httpd"))
"""The error pages a proxy writes itself, with no Server header to say whose: nginx's tail ('<hr><center>nginx
</center>', src/http/ngx_http_special_response.c, even with server_tokens off), HAProxy's 503 page; Traefik's
bare status text (pkg/proxy/httputil/proxy.go ErrorHandler writes http.StatusText: 'Bad Gateway', 'Gateway
Timeout'; no router: net/http's '404 page not found'); Envoy's local replies ('upstream connect error or
disconnect/reset before headers. reset reason: ...', 'no healthy upstream'); Cloudflare's 5xx pages (their
'cf-error-details' block, 'cf-error-code' span); Apache httpd mod_proxy's ('<title>502 Proxy Error</title>',
'The proxy server received an invalid\nresponse from an upstream server')."""


def answering_proxy(headers: list[tuple[str, str]], text: str | None) -> str | None:
    """The proxy a response's error page or Server header names, else None. The page first: it is its writer's,
    while a proxy in front (Cloudflare) puts its own Server header on the origin's answers it passes on."""
    server = (_header(headers, "server") or "").strip().lower()
    paged = next((name for pattern, name in _PAGES if text and pattern.search(text)), None)
    return paged or next((name for token, name in _SERVERS if server.startswith(token)), None)
