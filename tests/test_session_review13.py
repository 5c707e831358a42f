"""Review of the session's serverclock, broker-join and capture changes (branch review13): what broke on captures and joins the authors did not try."""
from __future__ import annotations

import base64
import json
from urllib.parse import urlsplit

import pytest
from case_util import ROOT, scan_case
from test_paste_shapes import _BURP_HEAD
from test_real_har_shapes_2 import _raw

from samlscan.inputs import har

CASE18 = json.loads((ROOT / "tests" / "data" / "case18" / "chrome-sonar.har").read_text())["log"]["entries"]
ANNA = range(0, 6)  # case18's brokered login: SonarQube -> Keycloak -> Entra ID -> Keycloak -> SonarQube


def _burp_of(tmp_path, entries) -> None:
    """Burp's 'Save items' XML of HAR entries, in the order given (whole seconds, as Burp keeps them)."""
    b64 = lambda t: base64.b64encode(t.encode()).decode()  # noqa: E731
    items = []
    for e in entries:
        u = urlsplit(e["request"]["url"])
        target = u.path + (f"?{u.query}" if u.query else "")
        req = _raw(e["request"], f"{e['request']['method']} {target} HTTP/1.1\r\nHost: {u.netloc}")
        resp = _raw(e["response"], f"HTTP/1.1 {e['response']['status']} X")
        items.append(f"""  <item>
    <time>{har.parse_time(e["startedDateTime"]).strftime("%a %b %d %H:%M:%S UTC %Y")}</time>
    <request base64="true"><![CDATA[{b64(req)}]]></request>
    <response base64="true"><![CDATA[{b64(resp)}]]></response>
  </item>
""")
    (tmp_path / "burp.xml").write_text(_BURP_HEAD + '<items burpVersion="2025.1.1">\n' + "".join(items) + "</items>\n")


@pytest.mark.parametrize("newest_first", [False, True])
def test_a_brokered_login_saved_by_burp_newest_first_is_one_attempt(tmp_path, newest_first):
    """_link_broker_hops placed the hops by Exchange.entry, the number a reader cites: a Burp
    export sorted newest first keeps its file's numbers (item 1 the last request), so the broker hop
    lay 'before' the SP's AuthnRequest and the login split in two (a success and an unknown
    attempt of anna.keller@example.com). It is placed by the capture's order (Flow.at)."""
    entries = [CASE18[i] for i in ANNA]
    _burp_of(tmp_path, entries[::-1] if newest_first else entries)
    (attempt,) = scan_case(tmp_path, "UTC")["attempts"]
    assert attempt["outcome"] == "success" and attempt["user"] == "anna.keller"
    assert len([e for e in attempt["evidence"] if e["kind"] == "capture"]) == 4


@pytest.mark.parametrize("status", [301, 308, 300, 410])
def test_a_permanent_redirect_is_no_witness_of_its_servers_clock(status):
    """Browsers keep a 301/308 (and a 300/410) without any freshness header of their own, for good
    (Chromium's GetFreshnessLifetimes, Firefox's ComputeFreshnessLifetime): the http -> https 301 of
    a Firefox HAR, replayed from its cache, carries the Date of the day it was fetched, and counted
    as the server's clock. A 302 of the same shape still counts."""
    def entry(code):
        return {"startedDateTime": "2025-03-11T08:41:00.000Z", "time": 40,
                "request": {"method": "GET", "url": "http://sonar.example.com/", "headers": []},
                "response": {"status": code, "headers": [{"name": "Date", "value": "Sun, 09 Mar 2025 08:41:00 GMT"},
                                                         {"name": "Location", "value": "https://sonar.example.com/"}]}}

    assert har.date_sample(entry(status)) is None
    assert har.date_sample(entry(302)) is not None


def _no_store_page(**where) -> dict:
    """An IdP's login page as a HAR entry: no-store, its Date two days before the browser's time."""
    entry = {"startedDateTime": "2025-03-11T08:41:00.000Z", "time": 40,
             "request": {"method": "GET", "url": "https://idp.example.org/login", "headers": []},
             "response": {"status": 200, "headers": [{"name": "Date", "value": "Sun, 09 Mar 2025 08:41:00 GMT"},
                                                     {"name": "Cache-Control", "value": "no-store"}]}}
    entry.update(where.get("entry", {}))
    entry["response"].update(where.get("response", {}))
    return entry


@pytest.mark.parametrize("where", [
    {"entry": {"_fetchType": "Service Worker"}}, {"entry": {"_fetchType": "Disk Cache"}},
    {"entry": {"_fetchType": "Memory Cache"}},  # Safari (WebKit HARBuilder.fetchType)
    {"response": {"_fetchedViaServiceWorker": True, "_serviceWorkerResponseSource": "cache-storage"}},  # Chrome
    {"response": {"_fetchedViaServiceWorker": True}}])
def test_a_service_worker_or_cache_copy_is_no_witness_of_its_servers_clock(where):
    """A service worker answers from its Cache Storage whatever the response's Cache-Control says,
    with the Date of the day it stored it; Safari names its cache and worker answers (_fetchType),
    Chrome its worker's (response._fetchedViaServiceWorker): such a 'no-store' page counted as its
    server's clock, two days behind."""
    assert har.date_sample(_no_store_page(**where)) is None


@pytest.mark.parametrize("where", [
    {}, {"entry": {"_fetchType": "Network Load"}}, {"response": {"_fetchedViaServiceWorker": False}},
    {"response": {"_fetchedViaServiceWorker": True, "_serviceWorkerResponseSource": "network"}}])
def test_a_response_from_the_network_still_counts(where):
    assert har.date_sample(_no_store_page(**where)) is not None
