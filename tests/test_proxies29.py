"""HAProxy, AWS ALB, Azure Application Gateway and Caddy access logs as the proxy in front of SonarQube
(samlscan/logs/haproxy.py, awsalb.py, azureagw.py, caddy.py; tests/data/proxies29, fixtures/gen_proxies29.py):
a login that works, one SonarQube refuses (joined with its access.log and web.log), and a callback the
proxy answered itself; close layouts that are not the proxy's are not read as it."""
from __future__ import annotations

import gzip
import json

import pytest
from case_util import ROOT, generator_check, refs, scan_case

from samlscan import logs
from samlscan.logs import awsalb, azureagw, caddy, haproxy, sqaccess

DATA = ROOT / "tests" / "data" / "proxies29"
TRUTH = json.loads((DATA / "truth.json").read_text())
FOLDERS = {"haproxy": "haproxy.log", "alb": next((DATA / "alb").glob("*.log.gz")).name,
           "appgw": "PT1H.json", "appgw-la": "AGWAccessLogs.json", "caddy": "caddy-access.log"}
READERS = {"haproxy": haproxy.NAME, "alb": awsalb.NAME, "appgw": azureagw.NAME, "appgw-la": azureagw.NAME,
           "caddy": caddy.NAME}


def _text(folder: str) -> str:
    path = DATA / folder / FOLDERS[folder]
    data = path.read_bytes()
    return (gzip.decompress(data) if path.suffix == ".gz" else data).decode()


def _head(folder: str) -> str:
    return _text(folder)[:4096]


def test_generator_is_current():
    done = generator_check("gen_proxies29.py")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("folder", FOLDERS)
def test_each_layout_is_recognised_as_its_proxy(folder):
    found = logs.detect(_head(folder))
    assert found is not None and READERS[folder] in (found.name, getattr(getattr(found, "inner", None), "name", None))


@pytest.mark.parametrize("folder", FOLDERS)
def test_each_login_is_judged_the_same_with_one_job_or_two(folder):
    one = scan_case(DATA / folder, "UTC")
    two = scan_case(DATA / folder, "UTC", "--jobs", "2")
    got = {a["ip"]: [a["outcome"], a["root_cause"], a["side"]] for a in one["attempts"]}
    assert got == {t["ip"]: t["verdict"] for t in TRUTH}
    assert one["attempts"] == two["attempts"]


@pytest.mark.parametrize("folder", FOLDERS)
def test_the_refused_callback_joins_sonarqubes_access_log_and_web_log(folder):
    doc = scan_case(DATA / folder, "UTC")
    ben = next(a for a in doc["attempts"] if a["ip"] == "203.0.113.21")
    assert {name for name, _ in refs(ben)} == {FOLDERS[folder], "access.log", "web.log"}


@pytest.mark.parametrize("folder", FOLDERS)
def test_the_proxys_own_answer_says_the_sp_never_saw_it(folder):
    doc = scan_case(DATA / folder, "UTC")
    cid = next(a for a in doc["attempts"] if a["ip"] == "203.0.113.22")
    assert {name for name, _ in refs(cid)} == {FOLDERS[folder]}  # SonarQube's logs have nothing of it
    assert cid["notes"] and all(n.startswith(str(DATA / folder / FOLDERS[folder])) for n in cid["notes"])


@pytest.mark.parametrize("folder", FOLDERS)
def test_the_proxys_own_answer_is_its_event_text(folder):
    path = DATA / folder / FOLDERS[folder]
    parser = logs.detect(_head(folder))
    events = [e for e in parser.parse(enumerate(_text(folder).splitlines(), 1), str(path), None)
              if getattr(e, "code", None) == sqaccess.PROXY_ANSWERED]
    assert len(events) == 1 and "the SP never saw it" in events[0].text and "203.0.113.22" in events[0].text


HA = ('10.1.2.3:51234 [03/Mar/2026:10:10:03.120] fe_https~ be_sonar/{srv} 0/0/1/25/26 {status} 0 - - {ts} '
      '1/1/0/0/0 0/0 "POST /oauth2/callback/saml HTTP/1.1"')


@pytest.mark.parametrize("srv, status, ts, proxied", [
    ("<NOSRV>", "503", "SC--", True), ("sonar1", "503", "SC--", True), ("sonar1", "503", "sC--", True),
    ("<NOSRV>", "403", "PR--", True), ("sonar1", "504", "sH--", False), ("sonar1", "502", "SH--", False),
    ("sonar1", "302", "----", False)])
def test_a_haproxy_line_says_when_haproxy_answered_itself(srv, status, ts, proxied):
    r = haproxy.read(1, HA.format(srv=srv, status=status, ts=ts))
    assert r is not None and bool(r.proxy) is proxied and r.ip == "10.1.2.3"
    assert "over TLS" in r.forwarded


def test_a_haproxy_line_is_read_in_the_log_hosts_zone():
    from zoneinfo import ZoneInfo

    r = haproxy.read(1, HA.format(srv="sonar1", status="302", ts="----"), ZoneInfo("Europe/Paris"))
    assert r.time.isoformat() == "2026-03-03T09:10:03+00:00"


ALB = ('https 2026-03-03T10:10:03.120000Z app/lb/50dc6c495c0c9188 203.0.113.7:51234 {target} 0.001 -1 -1 '
       '{status} {tstatus} 1840 0 "POST https://sonar.example.com:443/oauth2/callback/saml HTTP/1.1" "curl/8" '
       'ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:x "Root=1-x" "sonar.example.com" "-" 0 '
       '2026-03-03T10:10:03.100000Z "forward" "-" "{reason}" "-" "-" "-" "-"')


@pytest.mark.parametrize("target, status, tstatus, reason, proxied", [
    ("10.0.0.5:9000", "502", "-", "TargetConnectionError", True), ("-", "503", "-", "-", True),
    ("-", "403", "-", "-", True), ("10.0.0.5:9000", "302", "302", "-", False),
    ("10.0.0.5:9000", "500", "500", "-", False)])
def test_an_alb_entry_says_when_the_load_balancer_answered_itself(target, status, tstatus, reason, proxied):
    r = awsalb.read(1, ALB.format(target=target, status=status, tstatus=tstatus, reason=reason))
    assert r is not None and bool(r.proxy) is proxied and r.ip == "203.0.113.7"
    assert (reason in r.proxy) is (reason != "-") if proxied else True


@pytest.mark.parametrize("props, proxied", [
    ({"httpStatus": 502, "serverStatus": "-", "serverRouted": "-"}, True),
    ({"httpStatus": 403}, True),
    ({"httpStatus": 502, "serverStatus": "502", "serverRouted": "10.0.0.5:9000"}, False),
    ({"httpStatus": 302, "serverStatus": "302"}, False),
    ({"httpStatus": 504, "requestQuery": "SERVER-ROUTED=10.0.0.5&SERVER-STATUS=-"}, True)])
def test_an_app_gateway_record_says_when_the_gateway_answered_itself(props, proxied):
    row = {"time": "2026-03-03T10:10:03Z", "operationName": "ApplicationGatewayAccess",
           "properties": {"clientIP": "203.0.113.7", "httpMethod": "POST", "requestUri": "/oauth2/callback/saml", **props}}
    r = azureagw.read(1, row)
    assert r is not None and bool(r.proxy) is proxied


def test_an_azure_diagnostics_row_is_read():
    row = {"TimeGenerated": "2026-03-03T10:10:03Z", "requestUri_s": "/oauth2/callback/saml", "httpMethod_s": "POST",
           "httpStatus_d": 502.0, "clientIP_s": "203.0.113.7", "serverStatus_s": "-", "Category": "ApplicationGatewayAccessLog"}
    r = azureagw.read(1, row)
    assert r is not None and r.status == "502" and r.proxy and r.ip == "203.0.113.7"
    assert azureagw.PARSER.sniff(json.dumps(row))


@pytest.mark.parametrize("status, proxied", [(502, True), (504, True), (302, False), (500, False)])
def test_a_caddy_line_says_when_caddy_answered_itself(status, proxied):
    line = json.dumps({"level": "info", "ts": 1772532603.12, "logger": "http.log.access.log0", "msg": "handled request",
                       "request": {"remote_ip": "10.0.0.2", "client_ip": "203.0.113.7", "method": "POST",
                                   "uri": "/oauth2/callback/saml", "headers": {"User-Agent": ["curl/8"]}},
                       "status": status})
    r = caddy.read(1, line)
    assert r is not None and bool(r.proxy) is proxied and r.client == ("203.0.113.7", "curl/8")


@pytest.mark.parametrize("text", [
    # a HAProxy TCP-mode line (option tcplog, 8.2.2): no request
    "Mar  3 10:00:01 lb haproxy[123]: 203.0.113.7:51234 [03/Mar/2026:10:00:01.123] fe_tcp be_sonar/sonar1 0/0/26 512 -- 1/1/0/0/0 0/0",
    # an AWS Network Load Balancer's TLS log
    "tls 2.0 2026-03-03T10:00:01 net/my-nlb/c6e77e28c25b2234 g3d4b5e8bb8464cd 203.0.113.7:51341 10.0.0.5:443 5 2 98 246 - "
    "arn:aws:acm:x - ECDHE-RSA-AES128-SHA tlsv12 - my-nlb-1234.elb.us-east-2.amazonaws.com - - - 2026-03-03T10:00:01",
    # a Classic ELB's entry (no type, no app/ resource)
    '2026-03-03T10:00:01.123456Z my-lb 203.0.113.7:51234 10.0.0.5:80 0.000 0.026 0.000 302 302 0 29 '
    '"POST https://sonar.example.com:443/oauth2/callback/saml HTTP/1.1" "curl/8" - -',
    # a Caddy runtime line, not its access logger
    '{"level":"info","ts":1772532603.12,"logger":"http.handlers.reverse_proxy","msg":"upstream","request":{"uri":"/"},"status":1}',
])
def test_a_close_layout_is_not_read_as_these_proxies(text):
    found = logs.detect(text + "\n")
    assert found is None or found.name not in (haproxy.NAME, awsalb.NAME, azureagw.NAME, caddy.NAME)
    line = text.split("haproxy[123]: ", 1)[-1]
    assert haproxy.read(1, line) is None and awsalb.read(1, text) is None


def test_nginx_and_sonarqube_lines_are_none_of_these():
    own = '10.0.0.1 - - [02/Dec/2026:09:10:03 +0000] "POST /oauth2/callback/saml HTTP/1.1" 302 - "-" "curl/8" "AZrq1"'
    assert logs.detect(own) is sqaccess.PARSER
    for p in (haproxy.PARSER, awsalb.PARSER, azureagw.PARSER, caddy.PARSER):
        assert not p.sniff(own)


def test_bad_records_give_no_request_and_no_traceback():
    for bad in ("", "{", '{"logger":"http.log.access","request":5,"status":"x"}', "x [y] z",
                '{"logger":"http.log.access","request":{"uri":"/oauth2/callback/saml","client_ip":"1.2.3.4"},"status":true,"ts":1}'):
        assert haproxy.read(1, bad) is None and awsalb.read(1, bad) is None and caddy.read(1, bad) is None
    for row in (None, [], {"properties": 5}, {"time": "x", "requestUri": "/oauth2/callback/saml", "httpStatus": "abc"}):
        assert azureagw.read(1, row) is None
