"""Traefik's access log (samlscan/logs/traefik.py): both layouts read as a proxy of SonarQube, and a
callback Traefik answered itself (no router, 502/503/504, OriginStatus 0) told apart from SonarQube's
own refusal passed through (tests/data/traefik27, fixtures/gen_traefik27.py)."""
from __future__ import annotations

import json

import pytest
from case_util import ROOT, generator_check, scan_case

from samlscan import logs
from samlscan.logs import sqaccess, traefik

DATA = ROOT / "tests" / "data" / "traefik27"
TRUTH = json.loads((DATA / "truth.json").read_text())
LAYOUTS = ("access-json.log", "access-common.log")


def test_generator_is_current():
    done = generator_check("gen_traefik27.py")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("name", LAYOUTS)
def test_each_layout_is_recognised_as_traefik(name):
    assert logs.detect((DATA / name).read_text()[:4096]) is traefik.PARSER


@pytest.mark.parametrize("name", LAYOUTS)
def test_each_login_is_judged_from_either_layout(name):
    doc = scan_case(DATA / name, "UTC")
    got = {a["ip"]: [a["outcome"], a["root_cause"], a["side"]] for a in doc["attempts"]}
    assert got == {t["ip"]: t["verdict"] for t in TRUTH}


def test_the_proxy_answer_names_the_router_and_says_the_sp_never_saw_it():
    doc = scan_case(DATA / "access-json.log", "UTC")
    cid = next(a for a in doc["attempts"] if a["ip"] == "203.0.113.12")
    dan = next(a for a in doc["attempts"] if a["ip"] == "203.0.113.13")
    assert "router" in cid["fix"] and "service" in cid["fix"]
    said = " ".join(cid["notes"])
    assert "no router matched" in said and "never saw it" in said
    assert "sonarqube@docker" in " ".join(dan["notes"])


LINE = ('10.0.0.1 - - [02/Dec/2026:09:10:03 +0000] "POST /oauth2/callback/saml HTTP/1.1" {status} 0 "-" "curl/8" '
        '7 "{router}" "{server}" 1ms')


@pytest.mark.parametrize("status, router, server, proxied", [
    ("0", "-", "-", True), ("0", "sq@docker", "http://10.0.0.9:9000", True), ("502", "sq@docker", "-", True),
    ("302", "sq@docker", "http://10.0.0.9:9000", False), ("500", "sq@docker", "http://10.0.0.9:9000", False)])
def test_a_common_line_says_when_traefik_answered_itself(status, router, server, proxied):
    r = traefik.read_common(1, LINE.format(status=status, router=router, server=server))
    assert r is not None and bool(r.proxy) is proxied


@pytest.mark.parametrize("row, proxied", [
    ({"DownstreamStatus": 404, "OriginStatus": 0}, True),
    ({"DownstreamStatus": 404, "OriginStatus": 404, "RouterName": "sq@docker"}, False),
    ({"DownstreamStatus": 503, "OriginStatus": 503, "RouterName": "sq@docker"}, True),
    ({"DownstreamStatus": 500, "RouterName": "sq@docker"}, True),
    ({"DownstreamStatus": 302, "OriginStatus": 302, "RouterName": "sq@docker"}, False)])
def test_a_json_line_says_when_traefik_answered_itself(row, proxied):
    line = json.dumps({"ClientHost": "10.0.0.1", "RequestMethod": "POST", "RequestPath": "/oauth2/callback/saml",
                       "StartUTC": "2026-12-02T09:10:03.000000000Z", **row})
    r = traefik.read_json(1, line)
    assert r is not None and bool(r.proxy) is proxied


def test_sonarqube_access_log_and_unrelated_json_are_not_traefik():
    own = '10.0.0.1 - - [02/Dec/2026:09:10:03 +0000] "POST /oauth2/callback/saml HTTP/1.1" 302 - "-" "curl/8" "AZrq1"'
    assert not traefik.PARSER.sniff(own) and sqaccess.PARSER.sniff(own)
    assert not traefik.PARSER.sniff('{"RequestPath": "/x", "level": "info", "msg": "hello"}')


def test_bad_lines_give_no_request_and_no_traceback():
    for line in ('{"RequestPath": 5, "DownstreamStatus": "x"}', '{"RequestPath": "/oauth2/callback/saml", '
                 '"DownstreamStatus": 404}', "{not json DownstreamStatus RequestPath", "- - - [x] \"\" 0 0"):
        assert traefik.read_json(1, line) is None and traefik.read_common(1, line) is None
