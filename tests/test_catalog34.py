"""nginx in the error catalog (samlscan/data/catalog.json, product 'nginx'): each error.log text of a request
nginx answered itself, as nginx's source logs it, with its code, status and a fix naming the directive;
samlscan/logs/nginx.py reads its texts from there, and `samlscan explain` knows them."""
from __future__ import annotations

import pytest

from samlscan import catalog
from samlscan.explain import explain_text
from samlscan.logs import nginx

LINES = {
    "upstream timed out (110: Connection timed out) while reading response header from upstream":
        ("proxy-answered-callback", "504", "proxy_read_timeout"),
    "connect() failed (111: Connection refused) while connecting to upstream":
        ("proxy-answered-callback", "502", "proxy_pass"),
    "no live upstreams while connecting to upstream": ("proxy-answered-callback", "502", "max_fails"),
    "upstream sent too big header while reading response header from upstream":
        ("proxy-header-too-big", "502", "proxy_buffer_size"),
    "client intended to send too large body: 1290240 bytes": ("proxy-body-too-large", "413", "client_max_body_size"),
}
"""Each message as nginx writes it (tests/data/nginx33/errorlog/error.log): its code, status, directive."""

NEAR_MISSES = (
    "upstream sent too large header while reading response header from upstream",
    "client intends to send too large body: 1290240 bytes",
    "no live upstream servers while connecting to upstream",
    "upstream timedout while reading response header from upstream",
    "connect() succeeded while connecting to upstream",
)


def _line(message: str) -> str:
    return (f'2026/03/03 10:10:03 [error] 7#7: *9 {message}, client: 192.0.2.1, server: s, request: '
            f'"POST /oauth2/callback/saml HTTP/1.1", upstream: "http://10.0.0.1:9000/oauth2/callback/saml"')


@pytest.mark.parametrize("message", LINES)
def test_each_nginx_text_is_found_by_its_text(message):
    code, status, directive = LINES[message]
    for text in (message, _line(message)):
        entry = catalog.lookup(text)
        assert entry is not None and entry.product == "nginx", text
        assert (entry.code, entry.status, entry.side) == (code, status, "network")
        assert directive in entry.fix and "nginx/nginx src/" in catalog_source(entry)


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_a_near_miss_is_no_nginx_text(text):
    entry = catalog.lookup(text)
    assert entry is None or entry.product != "nginx"
    said, found = explain_text(text)
    assert not found and "no finding code or known error text" in said


@pytest.mark.parametrize("message", LINES)
def test_explain_and_lookup_code_know_nginx(message):
    words = nginx._said(message, None).text
    assert catalog.lookup_code("nginx", words).code == LINES[message][0]
    for text in (words, message):
        said, found = explain_text(text)
        assert found and said.startswith("nginx: ") and LINES[message][2] in said


def test_the_reader_takes_its_texts_and_statuses_from_the_catalog():
    ours = [e for e in catalog.entries() if e.product == "nginx" and e.aliases]  # (the reader's prefixes)
    assert [(s.text, s.code, s.status, s.means) for s in nginx.messages()] == [
        (e.aliases[0], e.code, e.status, e.explanation) for e in ours]
    assert "nginx" in catalog.PRODUCTS and len(ours) == len(LINES)
    for message, (code, status, _) in LINES.items():
        event = nginx.read(1, _line(message), "error.log", None)
        assert event.code == code and f"answered {status} by nginx itself" in event.text
        assert event.raw_code == nginx._said(message, None).text and message.startswith(event.raw_code)


def catalog_source(entry) -> str:
    """The entry's 'source' (where its text was checked): kept in the JSON, not in CatalogEntry."""
    raw = next(r for r in catalog._load_raw() if r["product"] == entry.product and r["pattern"] == entry.pattern)
    return raw["source"]


UPSTREAM_FAILURES = (
    "recv() failed (104: Connection reset by peer) while reading response header from upstream",
    "upstream prematurely closed connection while reading response header from upstream",
)
"""nginx's texts of an upstream that failed mid-answer (ngx_recv.c ngx_unix_recv, ngx_http_upstream.c
ngx_http_upstream_process_header): a 502 the reader already gave through the line's upstream field,
which `samlscan explain` did not know (review34)."""


@pytest.mark.parametrize("message", UPSTREAM_FAILURES)
def test_an_upstream_failing_mid_answer_is_explained(message):
    for text in (message, _line(message)):
        entry = catalog.lookup(text)
        assert entry is not None and (entry.product, entry.code, entry.status) == ("nginx", "proxy-answered-callback",
                                                                                  "502"), text
    assert explain_text(message)[1]


def test_a_clients_reset_is_no_upstream_failure():
    """The same recv() failed of the browser's own connection ('while reading client request line') is
    no answer of nginx's instead of the SP's; the reader keeps its prefixes table (aliases) without these."""
    entry = catalog.lookup("recv() failed (104: Connection reset by peer) while reading client request line")
    assert entry is None or entry.product != "nginx"
    assert all(not s.text.startswith(("recv()", "upstream prematurely")) for s in nginx.messages())
