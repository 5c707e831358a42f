"""nginx and ingress-nginx in front of SonarQube (tests/data/nginx33, fixtures/gen_nginx33.py): nginx's
error.log says why it answered a SAML callback itself (samlscan/logs/nginx.py), ingress-nginx's upstreaminfo
access log tells its own 502/504 from the server's (samlscan/logs/sqaccess.py upstream_answer). Each with
one job or two; hostile lines change nothing else; the three logs of one login as one attempt."""
from __future__ import annotations

import pytest
from case_util import ROOT, generator_check, refs, scan_case

from samlscan import logs
from samlscan.codes import SPECS
from samlscan.logs import nginx, sqaccess

DATA = ROOT / "tests" / "data" / "nginx33"
PROXY = sqaccess.PROXY_ANSWERED
ERRORS = {"203.0.113.10": PROXY, "203.0.113.11": PROXY, "203.0.113.12": PROXY,
          "203.0.113.13": nginx.HEADER_TOO_BIG, "203.0.113.14": nginx.BODY_TOO_LARGE, "203.0.113.15": PROXY}
"""Each failed callback of errorlog/error.log, its cause (the warn, and the failure of another path: none)."""
INGRESS = {"203.0.113.20": ["success", None], "203.0.113.21": ["failure", PROXY],
           "203.0.113.22": ["failure", PROXY], "203.0.113.23": ["failure", PROXY],
           "203.0.113.24": ["failure", "sp-refused-callback"], "203.0.113.25": ["failure", "sp-refused-callback"],
           "203.0.113.26": ["failure", PROXY]}


def _causes(doc: dict) -> dict:
    return {a["ip"]: a["root_cause"] for a in doc["attempts"]}


def _verdicts(doc: dict) -> dict:
    return {a["ip"]: [a["outcome"], a["root_cause"]] for a in doc["attempts"]}


def test_generator_is_current():
    done = generator_check("gen_nginx33.py")
    assert done.returncode == 0, done.stderr


def test_each_log_is_recognised_by_content():
    assert logs.detect((DATA / "errorlog" / "error.log").read_text()).name == nginx.NAME
    assert logs.detect((DATA / "ingress" / "access.log").read_text()).name == sqaccess.NAME
    assert logs.detect("2026/03/03 10:10:03 [notice] 1#1: start worker processes\n") is not nginx.PARSER


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_each_error_of_a_callback_is_its_cause(jobs):
    doc = scan_case(DATA / "errorlog", "UTC", "--jobs", jobs)
    assert _causes(doc) == ERRORS
    assert all(a["outcome"] == "failure" and a["side"] == "network" for a in doc["attempts"])


def test_the_fix_names_the_nginx_directive():
    doc = scan_case(DATA / "errorlog", "UTC")
    fixes = {a["ip"]: a["fix"] for a in doc["attempts"]}
    assert "proxy_buffer_size" in fixes["203.0.113.13"] and "proxy-buffer-size" in fixes["203.0.113.13"]
    assert "client_max_body_size" in fixes["203.0.113.14"] and "proxy-body-size" in fixes["203.0.113.14"]
    assert "proxy_read_timeout" in fixes["203.0.113.10"]
    for code in (nginx.HEADER_TOO_BIG, nginx.BODY_TOO_LARGE):
        assert SPECS[code].side == "network" and SPECS[code].group == "cause"


def test_the_error_logs_times_are_local():
    doc = scan_case(DATA / "errorlog", "Europe/Paris")
    times = {a["ip"]: a["time"] for a in doc["attempts"]}
    assert times["203.0.113.10"] == "2026-03-03T09:00:03Z"


@pytest.mark.parametrize("message, code", [(s.text, s.code) for s in nginx.messages()])
def test_read_takes_each_message_and_no_other_path(message, code):
    line = (f'2026/03/03 10:10:03 [error] 7#7: *9 {message} (x), client: 192.0.2.1, server: s, request: '
            f'"POST /sonar/oauth2/callback/saml HTTP/2.0", host: "s"')
    event = nginx.read(1, line, "error.log", None)
    assert event is not None and event.code == code and event.ip == "192.0.2.1" and event.outcome == "failure"
    assert nginx.read(1, line.replace("callback/saml", "callback/github"), "error.log", None) is None
    assert nginx.read(1, line.replace("[error]", "[warn]"), "error.log", None) is None


def test_an_unknown_message_is_the_proxys_answer_only_with_an_upstream():
    line = ('2026/03/03 10:10:03 [error] 7#7: *9 something new, client: 192.0.2.1, server: s, request: '
            '"POST /oauth2/callback/saml HTTP/1.1"')
    assert nginx.read(1, line, "e", None) is None
    event = nginx.read(1, line + ', upstream: "http://10.0.0.1:9000/oauth2/callback/saml"', "e", None)
    assert event is not None and event.code == PROXY and "10.0.0.1:9000" in event.text


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ingress_upstream_fields_tell_the_proxys_answer_from_the_servers(jobs):
    doc = scan_case(DATA / "ingress", "UTC", "--jobs", jobs)
    assert _verdicts(doc) == INGRESS
    said = {a["ip"]: " ".join(a["notes"]) for a in doc["attempts"]}
    assert "60.001" in said["203.0.113.21"] and "'-'" in said["203.0.113.22"]


@pytest.mark.parametrize("status, tail, proxy, behind", [
    ("504", "10.0.0.1:9000 0 60.001 504 " + "a" * 32, True, False),
    ("504", "10.0.0.1:9000 167 0.310 504 " + "a" * 32, False, True),
    ("503", "- - - - " + "a" * 32, True, False),
    ("502", "10.0.0.1:9000, 10.0.0.2:9000 0, 0 0.001, 0.002 502, 502", True, False),
    ("502", "10.0.0.1:9000 : 10.0.0.2:9000 0 : 0 0.001 : 0.002 502 : 502", True, False),
    ("500", "10.0.0.1:9000 2211 0.140 500 " + "a" * 32, False, False),
    ("504", "not the upstream fields", False, False),
])
def test_upstream_answer(status, tail, proxy, behind):
    why, server = sqaccess.upstream_answer(status, " " + tail)
    assert (why is not None, server) == (proxy, behind)


@pytest.mark.parametrize("folder, name, ip", [("errorlog", "error.log", "203.0.113.13"),
                                             ("ingress", "access.log", "203.0.113.24")])
def test_hostile_lines_change_nothing_else(folder, name, ip, tmp_path):
    lines = (DATA / folder / name).read_text().splitlines()
    line = next(x for x in lines if ip in x and "callback" in x)
    hostile = ["\x00" * 64, "A" * 65536 + " /oauth2/callback/saml", line.replace("/oauth2", "/oau\x00th2"),
               line[: len(line) // 2], line.replace(", client: ", ", client: " + "," * 70000),
               "2026/03/03 10:10:03 [error] 1#1: *1 " + "x, client: " * 5000 + "/oauth2/callback/saml",
               line.replace("2026/03/03", "2026/13/45").replace("03/Mar/2026", "45/Mar/2026")]
    (tmp_path / name).write_text("\n".join([*lines[:-1], *hostile, lines[-1]]) + "\n")
    one = scan_case(tmp_path, "UTC")
    want = scan_case(DATA / folder, "UTC")
    assert _verdicts(one) == _verdicts(want)
    assert one["attempts"] == scan_case(tmp_path, "UTC", "--jobs", "2")["attempts"]


def test_the_error_log_and_the_access_log_of_a_callback_join(tmp_path):
    for name in ("error.log", "access.log"):
        (tmp_path / name).write_bytes((DATA / "scene" / name).read_bytes())
    doc = scan_case(tmp_path, "UTC")
    callback = [a for a in doc["attempts"] if a["ip"] == "203.0.113.30"]
    assert len(callback) == 1 and callback[0]["outcome"] == "failure"
    assert {("error.log", "line 1"), ("access.log", "line 2")} <= refs(callback[0])


def test_the_three_logs_of_one_login_are_one_attempt_with_nginxs_cause():
    doc = scan_case(DATA / "scene", "UTC")
    dana = [a for a in doc["attempts"] if a["ip"] == "203.0.113.30"]
    assert len(dana) == 1
    assert (dana[0]["outcome"], dana[0]["root_cause"], dana[0]["user"]) == ("failure", nginx.HEADER_TOO_BIG, "dana")

