"""More of the proxies' layouts (tests/data/proxyfmt32, fixtures/gen_proxyfmt32.py): HAProxy's
`option httplog clf` and the default httplog spelled as a log-format, Caddy's console encoder, Azure
Application Gateway CSV exports. Each folder: a login that works, one SonarQube refuses, one the proxy
answered itself; the same with one job or two; hostile lines change nothing else."""
from __future__ import annotations

import json

import pytest
from case_util import ROOT, generator_check, scan_case

from samlscan import logs
from samlscan.logs import azureagw, caddy, haproxy, sqaccess

DATA = ROOT / "tests" / "data" / "proxyfmt32"
FILES = {"haproxy-clf": "haproxy.log", "haproxy-logformat": "haproxy.log", "caddy-console": "caddy.log",
         "appgw-csv": "AGWAccessLogs.csv", "appgw-diag-csv": "AzureDiagnostics.csv"}
READERS = {"haproxy-clf": haproxy.NAME, "haproxy-logformat": haproxy.NAME, "caddy-console": caddy.NAME,
           "appgw-csv": azureagw.NAME, "appgw-diag-csv": azureagw.NAME}
TRUTH = {"203.0.113.20": ["success", None, None], "203.0.113.21": ["failure", "sp-refused-callback", "sp"],
         "203.0.113.22": ["failure", sqaccess.PROXY_ANSWERED, "network"]}


def _verdicts(doc: dict) -> dict:
    return {a["ip"]: [a["outcome"], a["root_cause"], a["side"]] for a in doc["attempts"]}


def test_generator_is_current():
    done = generator_check("gen_proxyfmt32.py")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("folder", FILES)
def test_each_layout_is_recognised_as_its_proxy_by_content(folder):
    head = (DATA / folder / FILES[folder]).read_text()[:4096]
    found = logs.detect(head)
    assert found is not None and READERS[folder] in (found.name, getattr(getattr(found, "inner", None), "name", None))


@pytest.mark.parametrize("folder", FILES)
def test_the_proxys_own_answer_and_sonarqubes_refusal_are_told_apart(folder):
    one = scan_case(DATA / folder, "UTC")
    two = scan_case(DATA / folder, "UTC", "--jobs", "2")
    assert _verdicts(one) == TRUTH
    assert one["attempts"] == two["attempts"]


@pytest.mark.parametrize("folder", FILES)
def test_hostile_lines_change_nothing_else(folder, tmp_path):
    lines = (DATA / folder / FILES[folder]).read_text().splitlines()
    cid = next(line for line in lines if "203.0.113.22" in line and "callback" in line)
    hostile = ["\x00" * 64, "A" * 65536 + " /oauth2/callback/saml", cid.replace("/oauth2", "/oau\x00th2"),
               cid[: len(cid) // 2]]
    (tmp_path / FILES[folder]).write_text("\n".join([*lines[:-1], *hostile, lines[-1]]) + "\n")
    one = scan_case(tmp_path, "UTC")
    assert _verdicts(one) == TRUTH
    assert one["attempts"] == scan_case(tmp_path, "UTC", "--jobs", "2")["attempts"]


def test_hostile_lines_in_a_syslog_file_of_haproxy_clf(tmp_path):
    lines = (DATA / "haproxy-clf" / "haproxy.log").read_text().splitlines()
    cid = lines[6]
    hostile = ["A" * 65536 + " /oauth2/callback/saml", cid[: len(cid) // 2]]
    (tmp_path / "haproxy.log").write_text("\n".join([*lines[:-1], *hostile, lines[-1]]) + "\n")
    assert _verdicts(scan_case(tmp_path, "UTC")) == TRUTH


CLF = ('{ip} - - [03/Mar/2026:10:10:03 +0000] "POST /oauth2/callback/saml HTTP/1.1" {status} 0 "" "" 51234 120 '
       '"fe_https~" "be_sonar" "{srv}" 0 0 1 24 26 {ts} 1 1 0 0 0 0 0 "" ""')


@pytest.mark.parametrize("srv, status, ts, proxied", [
    ("<NOSRV>", "503", "SC--", True), ("sonar1", "503", "sC--", True), ("sonar1", "504", "sH--", False),
    ("sonar1", "302", "----", False), ("sonar1", "500", "----", False)])
def test_a_clf_line_says_when_haproxy_answered_itself(srv, status, ts, proxied):
    r = haproxy.read(1, CLF.format(ip="203.0.113.7", srv=srv, status=status, ts=ts))
    assert r is not None and bool(r.proxy) is proxied and r.ip == "203.0.113.7" and "over TLS" in r.forwarded
    assert r.time.isoformat() == "2026-03-03T10:10:03+00:00"


def test_haproxys_own_clf_line_as_goaccess_2678_shows_it():
    line = ('172.21.102.219 - - [07/May/2024:08:39:37 +0000] "POST /oauth2/callback/saml HTTP/1.1" 401 271 "" "" '
            '25792 302 "ft~" "bk01" "srv01" 0 0 4 3 7 ---- 19 19 0 0 0 0 0 "" ""')
    r = haproxy.read(1, line)
    assert r is not None and r.status == "401" and r.proxy is None
    assert logs.detect(line) is haproxy.PARSER  # not SonarQube's access layout, which it fits too


@pytest.mark.parametrize("extra", ["", " {sonar.example.com|Mozilla}", " a1b2c3 {x}", ' "quoted"'])
def test_the_default_httplog_spelled_as_a_log_format_with_more_fields(extra):
    line = ('10.1.2.3:51234 [03/Mar/2026:10:10:03.120] fe_https~ be_sonar/<NOSRV> 0/-1/-1/-1/1 503 217 - - SC-- '
            f'1/1/0/0/0 0/0{extra}  "POST /oauth2/callback/saml HTTP/1.1" 7f3a0001')
    r = haproxy.read(1, line)
    assert r is not None and r.proxy and r.status == "503"


@pytest.mark.parametrize("ts", ["2026/03/03 10:10:03.120", "1.77253260312e+09", "2026-03-03T10:10:03.12Z"])
@pytest.mark.parametrize("status, proxied", [(502, True), (302, False)])
def test_a_caddy_console_line_is_read_as_its_json_line(ts, status, proxied):
    fields = json.dumps({"request": {"client_ip": "203.0.113.7", "method": "POST", "uri": "/oauth2/callback/saml",
                                     "headers": {"User-Agent": ["curl/8"]}}, "status": status}, separators=(", ", ": "))
    for level in ("info", "\x1b[34mINFO\x1b[0m"):
        r = caddy.read(1, f"{ts}\t{level}\thttp.log.access.log0\thandled request\t{fields}")
        assert r is not None and bool(r.proxy) is proxied and r.time.isoformat().startswith("2026-03-03T10:10:03.12")


def test_a_caddy_console_line_of_another_logger_is_none():
    line = '2026/03/03 10:10:03.120\tINFO\thttp.handlers.reverse_proxy\tupstream\t{"request": {"uri": "/oauth2/callback/saml"}, "status": 502}'
    assert caddy.read(1, line) is None and not caddy.PARSER.sniff(line)


def test_a_csv_not_of_the_gateway_is_not_its():
    assert not azureagw.PARSER.sniff("TimeGenerated,ClientIp,RequestUri\n2026-03-03T10:10:03Z,1.2.3.4,/x\n")
    assert azureagw.PARSER.sniff("TimeGenerated,ClientIp,RequestUri,HttpStatus\n")


def test_sonarqubes_own_and_nginxs_combined_lines_stay_sqaccess():
    own = '10.0.0.1 - - [02/Dec/2026:09:10:03 +0000] "POST /oauth2/callback/saml HTTP/1.1" 302 - "-" "curl/8" "AZrq1"'
    nginx = '10.0.0.1 - - [02/Dec/2026:09:10:03 +0000] "POST /oauth2/callback/saml HTTP/1.1" 502 157 "-" "curl/8"'
    assert logs.detect(own) is sqaccess.PARSER and logs.detect(nginx) is sqaccess.PARSER
    assert haproxy.read(1, own) is None and haproxy.read(1, nginx) is None
