"""captures36: what HARs learnt, for the other capture formats (SAML-tracer, SAML Chrome Panel, Burp, Fiddler):
a zone-less capture time read in --timezone's zone for the file, else UTC with the zone note; the proxy whose
Server header or own error page answered the ACS POST named in proxy-answered-callback's fix (Traefik, Envoy,
Cloudflare, Apache httpd besides those before). Fixtures: fixtures/gen_captures36.py."""
from __future__ import annotations

import json

import pytest
from case_util import ROOT
from click.testing import CliRunner

from samlscan import logzones
from samlscan.cli import main
from samlscan.codes import SPECS
from samlscan.inputs.har.headers import answering_proxy

CAPTURES = ROOT / "fixtures" / "captures36"
CASE28 = ROOT / "tests" / "data" / "case28"
_PROXIES = ("Traefik", "nginx", "HAProxy", "AWS ALB", "Envoy", "Cloudflare", "Apache httpd", "Caddy")


def _json(args: list[str]) -> dict:
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output[-2000:]
    return json.JSONDecoder().raw_decode(res.stdout)[0]


def _check(path, *extra: str) -> dict:
    return _json(["check", str(path), "--format", "json", "--fail-on", "never",
                  "--sonar-settings", str(CASE28 / "sonar.properties"), *extra])


def _response(doc: dict) -> dict:
    (m,) = [m for m in doc["messages"] if m["type"] == "Response"]
    return m


def _window_failed(msg: dict) -> bool:
    return bool({f["code"] for f in msg["findings"]} & {"subject-confirmation-expired", "assertion-expired"})


# -- a zone-less capture time, in SAML-tracer and SAML Chrome Panel exports -----------------------------------

ZONELESS = [("tracer-zoneless.json", "this SAML-tracer export"), ("chromepanel-zoneless.json", "this SAML Chrome Panel export")]


@pytest.mark.parametrize("name, who", ZONELESS)
def test_a_zoneless_capture_is_read_as_utc_and_says_so_as_a_capture(name, who):
    doc = _check(CAPTURES / name)  # (written at UTC+5: read as UTC, 5 h late, the response expired)
    assert _window_failed(_response(doc))
    (note,) = [n for n in doc["summary"]["notes"] if name in n]
    assert f"{who} records its capture times without a zone" in note and "read as UTC" in note, note
    assert f"--timezone '{name}=<its zone>'" in note and "log times" not in note, note


@pytest.mark.parametrize("name, who", ZONELESS)
def test_a_zoneless_capture_is_judged_in_the_zone_given_for_it(name, who):
    doc = _check(CAPTURES / name, "--timezone", f"{name}=+05:00")
    right = _response(doc)
    assert right["captured_at"] == _response(_check(CASE28 / "dave-chrome.har"))["captured_at"]
    assert not _window_failed(right)
    assert not [n for n in doc["summary"]["notes"] if name in n]


def test_a_tracer_export_with_zoned_times_has_no_zone_note(tmp_path):
    export = json.loads((CAPTURES / "tracer-zoneless.json").read_text(encoding="utf-8"))
    for r in export["requests"]:
        r["timestamp"] += "+05:00"  # (the same local times with their offset: the same instants)
    path = tmp_path / "zoned.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    doc = _check(path)
    assert not [n for n in doc["summary"]["notes"] if "without a zone" in n]
    assert not _window_failed(_response(doc))


def test_the_zone_note_speaks_of_a_captures_times_and_keeps_a_logs_words():
    har = logzones.zone_note("x/export.har", "har")
    assert har.startswith("x/export.har: this HAR records its capture times without a zone") and "log times" not in har
    log = logzones.zone_note("x/server.log", "log:keycloak")
    assert log.startswith("x/server.log: Keycloak writes its log times without a zone, in the JVM's user.timezone")
    assert logzones.zone_note("x/a.log", None).startswith("x/a.log: this log writes its log times without a zone")


# -- the proxy that answered the ACS POST, in each capture format --------------------------------------------

def _proxy_fix(path) -> str:
    doc = _json(["scan", str(path), "--format", "json", "--timezone", "UTC", "--jobs", "1", "--fail-on", "never"])
    (fix,) = [a["fix"] for a in doc["attempts"] if a["root_cause"] == "proxy-answered-callback"]
    return fix


@pytest.mark.parametrize("name, proxy, clause", [
    ("tracer-envoy.json", "Envoy", "no healthy upstream"),  # (SAML-tracer keeps the headers: server: istio-envoy)
    ("burp-traefik.xml", "Traefik", "router and service"),  # (Traefik's bare 'Bad Gateway', no Server header)
    ("burp-cloudflare-nginx.xml", "nginx", "proxy_pass"),  # (nginx's page under Cloudflare's Server header)
    ("fiddler-apache.saz", "Apache httpd", "ProxyPass"),
    ("fiddler-cloudflare.saz", "Cloudflare", "Cloudflare's IP ranges"),
])
def test_a_captures_acs_answer_names_the_proxy_that_wrote_it(name, proxy, clause):
    fix = _proxy_fix(CAPTURES / name)
    assert f"the proxy that answered, {proxy}," in fix and clause in fix, fix
    assert not [p for p in _PROXIES if p in fix and p not in proxy], fix


def test_a_tracer_answer_naming_no_proxy_keeps_the_general_fix(tmp_path):
    export = json.loads((CAPTURES / "tracer-envoy.json").read_text(encoding="utf-8"))
    for r in export["requests"]:
        r["responseHeaders"] = [h for h in r["responseHeaders"] if h["name"].lower() != "server"]
    path = tmp_path / "noserver.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    assert _proxy_fix(path).startswith(SPECS["proxy-answered-callback"].fix.rstrip("."))


@pytest.mark.parametrize("headers, text, proxy", [
    ([], "Gateway Timeout", "Traefik"),
    ([], "404 page not found\n", "Traefik"),
    ([], "no healthy upstream", "Envoy"),
    ([("server", "envoy")], "", "Envoy"),
    ([], '<span class="cf-error-code">522</span>', "Cloudflare"),
    ([], "<title>504 Proxy Error</title>", "Apache httpd"),
    ([("Server", "cloudflare")], "<hr><center>openresty</center>", "nginx"),
])
def test_answering_proxy_names_each_proxys_own_answer(headers, text, proxy):
    assert answering_proxy(headers, text) == proxy


@pytest.mark.parametrize("headers, text", [
    ([], "<html><body><h1>Bad Gateway</h1><p>The login service is down.</p></body></html>"),  # (an SP's own page)
    ([], "Bad Gateway: upstream sonar:9000 refused"),
    ([("Server", "Apache/2.4.62 (Debian)")], "<title>500 Internal Server Error</title>"),  # (httpd serving the SP)
])
def test_answering_proxy_names_no_proxy_for_an_sps_own_answer(headers, text):
    assert answering_proxy(headers, text) is None


# -- Cloudflare's own 52x statuses at the ACS ------------------------------------------------------------------

def _attempt(path) -> dict:
    doc = _json(["scan", str(path), "--format", "json", "--timezone", "UTC", "--jobs", "1", "--fail-on", "never"])
    (attempt,) = doc["attempts"]
    return attempt


@pytest.mark.parametrize("name, status, meaning", [
    ("cloudflare-522.har", 522, "its connection to the SP's server timed out"),
    ("tracer-cloudflare-520.json", 520, "response headers over its 128 KB limit"),
])
def test_cloudflares_own_status_at_the_acs_is_its_answer_not_the_sps(name, status, meaning):
    attempt = _attempt(CAPTURES / name)
    assert attempt["root_cause"] == "proxy-answered-callback" and attempt["side"] == "network", attempt
    (why,) = [n for n in attempt["notes"] if f"HTTP {status} from" in n]
    assert "Cloudflare's own answer" in why and meaning in why, why
    assert "the proxy that answered, Cloudflare," in attempt["fix"]


def test_the_sps_own_5xx_passed_on_by_cloudflare_stays_the_sps(tmp_path):
    har = json.loads((CAPTURES / "cloudflare-522.har").read_text(encoding="utf-8"))
    post = next(e for e in har["log"]["entries"] if e["request"]["method"] == "POST")
    post["response"]["status"] = 500  # (Cloudflare passes the SP's own error page on: no 52x of its own)
    post["response"]["content"]["text"] = "<html><body><h1>Oops</h1><p>An error occurred.</p></body></html>"
    path = tmp_path / "sp500.har"
    path.write_text(json.dumps(har), encoding="utf-8")
    assert _attempt(path)["root_cause"] != "proxy-answered-callback"


# -- `samlscan flows` of a zone-less capture: the same note and --timezone as check ------------------------------

def _flows(path, *extra: str) -> dict:
    (doc,) = _json(["flows", str(path), "--format", "json", *extra])["inputs"]
    return doc


def test_flows_of_a_zoneless_capture_says_it_read_the_times_as_utc():
    doc = _flows(CAPTURES / "tracer-zoneless.json")
    (note,) = doc["notes"]
    assert "this SAML-tracer export records its capture times without a zone" in note, note
    assert "--timezone 'tracer-zoneless.json=<its zone>'" in note
    res = CliRunner().invoke(main, ["flows", str(CAPTURES / "tracer-zoneless.json")])
    assert "note: " in res.output and "records its capture times without a zone" in res.output


def test_flows_reads_a_zoneless_capture_in_the_zone_given_for_it():
    doc = _flows(CAPTURES / "tracer-zoneless.json", "--timezone", "tracer-zoneless.json=+05:00")
    assert doc["notes"] == []
    (flow,) = doc["flows"]
    assert flow["steps"][0]["time"] == "2026-12-04T09:30:40.000Z"  # (14:30:40 at UTC+5)
    assert not {x["code"] for x in flow["findings"]} & {"assertion-expired", "subject-confirmation-expired"}


def test_flows_of_a_zoned_capture_has_no_zone_note():
    assert _flows(CASE28 / "dave-chrome.har")["notes"] == []


# -- a Burp export whose times name a zone abbreviation several zones share ---------------------------------------

def test_a_burp_time_in_a_shared_abbreviation_is_read_as_zoneless_and_says_so():
    doc = _check(CAPTURES / "burp-cst.xml")
    assert _response(doc)["captured_at"] == "2026-12-04T03:30:46Z"  # (03:30:46 CST, read as UTC)
    (note,) = [n for n in doc["summary"]["notes"] if "burp-cst.xml" in n]
    assert "this Burp Suite export records its capture times without a zone" in note and "CST: US Central" in note
    assert "--timezone 'burp-cst.xml=<its zone>'" in note


def test_a_burp_time_in_a_shared_abbreviation_is_read_in_the_zone_given_for_it():
    doc = _check(CAPTURES / "burp-cst.xml", "--timezone", "burp-cst.xml=America/Chicago")
    assert _response(doc)["captured_at"] == _response(_check(CASE28 / "dave-chrome.har"))["captured_at"]
    assert not _window_failed(_response(doc)) and not [n for n in doc["summary"]["notes"] if "burp-cst" in n]
    (flows_doc,) = _json(["flows", str(CAPTURES / "burp-cst.xml"), "--format", "json", "--timezone",
                          "burp-cst.xml=-06:00"])["inputs"]
    assert flows_doc["notes"] == [] and flows_doc["flows"][0]["steps"][0]["time"] == "2026-12-04T09:30:40.000Z"


@pytest.mark.parametrize("value, iso", [
    ("Fri Dec 04 09:30:40 CET 2026", "2026-12-04T09:30:40+01:00"),  # (an unambiguous abbreviation: its offset)
    ("Fri Dec 04 09:30:40 IST 2026", "2026-12-04T09:30:40"),  # (India, Ireland or Israel: no zone)
    ("Fri Dec 04 09:30:40 XYZ 2026", None)])
def test_burp_times_by_their_zone_abbreviation(value, iso):
    from samlscan.inputs.httpraw import burp_time

    t = burp_time(value)
    assert (t.isoformat() if t else None) == iso
