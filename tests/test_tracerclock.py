"""The servers' clocks where a capture names no node and a proxy held requests: a load balancer's node
known by its sticky cookie, or by its Dates alone, and a Fiddler session held at a breakpoint
(samlscan/inputs/serverclock.py, har.date_sample, httpraw.saz_timings). Captures come from
fixtures/gen_case20.py (tests/data/case20/edge-maya.har: the ACS POST answered by the node 11 min
behind) and fixtures/gen_captures.py (with_server_dates, saz).

SAML-tracer exports are left out: SAML-tracer keeps no time per request (src/SAMLTrace.js's Request
holds method, url, requestId, headers, get/post, saml; src/SAMLTraceIO.js adds only the export's
`timestamp`), so their Date headers have nothing of the browser's to be compared with."""
from __future__ import annotations

import json
import struct
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.inputs.serverclock import f5_member

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "fixtures"))
import gen_captures as gc  # noqa: E402

EDGE = ROOT / "tests" / "data" / "case20" / "edge-maya.har"
CERT = str(ROOT / "fixtures" / "keys" / "idp.crt")
SETTINGS = ["--sp-entity-id", "sonarqube", "--acs-url", gc.ACS,
            "--idp-metadata", str(ROOT / "fixtures" / "metadata" / "idp-metadata.xml")]


def _json(*args) -> dict:
    got = CliRunner().invoke(main, [*args, "--format", "json"])
    assert got.exit_code in (0, 1), got.output
    return json.loads(got.stdout)


def _said(report: dict, code: str) -> list[str]:
    return [f["message_text"] for f in report["input_findings"] if f["code"] == code]


def _f5(ip: str, port: int) -> str:
    """F5 K6917's encoding: the address's bytes as a little-endian integer, the port's bytes swapped."""
    a = struct.unpack("<I", bytes(int(p) for p in ip.split(".")))[0]
    return f"{a}.{struct.unpack('<H', struct.pack('>H', port))[0]}.0000"


def _balanced(tmp_path, cookie) -> Path:
    """edge-maya.har with its load balancer's X-Served-By gone; `cookie(node)` -> (where, cookie):
    the Set-Cookie of each answer of sonar.example.com, or the Cookie its request was routed by."""
    doc = json.loads(EDGE.read_text())
    for e in doc["log"]["entries"]:
        headers = e["response"]["headers"]
        node = next((h["value"] for h in headers if h["name"].lower() == "x-served-by"), None)
        e["response"]["headers"] = [h for h in headers if h["name"].lower() != "x-served-by"]
        if node is None or cookie is None:
            continue
        where, value = cookie(node)
        if where == "set":
            e["response"]["headers"].append({"name": "set-cookie", "value": value + "; Path=/"})
        else:
            e["request"]["headers"].append({"name": "cookie", "value": f"OAUTHSTATE=x; {value}"})
    path = tmp_path / "edge.har"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("cookie,node", [
    (lambda n: ("set", f"SERVERID={n}"), "sonar-b"),  # HAProxy: cookie SERVERID insert
    (lambda n: ("set", f"SERVERID={n}|Zk8aB|Zk8aB"), "sonar-b"),  # ... with maxidle/maxlife
    (lambda n: ("sent", f"ROUTEID=.{n}"), "sonar-b"),  # Apache mod_proxy_balancer stickysession
    (lambda n: ("set", "BIGipServer~Common~sonar_pool=" + _f5({"sonar-a": "10.30.1.11", "sonar-b": "10.30.1.12"}[n], 9000)),
     "10.30.1.12:9000"),  # F5 BIG-IP cookie persistence
    (lambda n: ("sent", "route=" + {"sonar-a": "1a2b3c4d5e6f", "sonar-b": "9f8e7d6c5b4a"}[n]), "9f8e7d6c5b4a"),  # nginx sticky
])
def test_the_node_a_sticky_cookie_names_is_the_clock_off(tmp_path, cookie, node):
    report = _json("check", str(_balanced(tmp_path, cookie)), "--idp-cert", CERT)
    (said,) = _said(report, "server-clock-off")
    assert f"sonar.example.com (node {node}) is 11 min behind" in said
    causes = [a["root_cause"] for a in report["attempts"]]
    assert causes.count("sp-clock-skew") == 1 and "unknown-failure" not in causes


@pytest.mark.parametrize("cookie", [None, lambda n: ("set", "AWSALB=" + ("Q" if n == "sonar-a" else "R") * 40)])
def test_a_node_no_header_or_cookie_names_is_told_by_its_dates(tmp_path, cookie):
    """No X-Served-By, and a cookie that names no node (AWS ALB's AWSALB is encrypted) or none: the
    ACS POST's Date, 11 min behind the other answers of its host, is one of the servers behind it."""
    report = _json("check", str(_balanced(tmp_path, cookie)), "--idp-cert", CERT)
    (said,) = _said(report, "server-clock-off")
    assert "the clock of one of the servers behind sonar.example.com is 11 min behind" in said
    (failed,) = [a for a in report["attempts"] if a["outcome"] == "failure"]
    assert failed["root_cause"] == "sp-clock-skew"
    assert "one of the SP's servers behind sonar.example.com answered with a clock 11 min behind" in json.dumps(failed)
    assert "every server behind sonar.example.com" in failed["fix"]


def test_f5_cookie_values():
    assert f5_member("1677787402.36895.0000") == "10.1.1.100:8080"  # F5 K6917's example
    assert f5_member("rd5o00000000000000000000ffffc0000201o80") == "192.0.2.1:80"  # in route domain 5
    assert f5_member("vi20010112000000000000000000000030.20480") == "[2001:112::30]:80"  # IPv6
    assert f5_member("!Hx3bKzS0b1lLq0aV7kYdX2wL9sJwQ==") == ""  # an encrypted cookie names nothing


def _fiddler(tmp_path, held: dict[int, float], server_off: dict | None = None) -> Path:
    req, resp = gc._pick_pair(ROOT / "fixtures")
    entries = gc.attempt(req, resp, "5c10c4be12345678", 0, result="/projects") + gc.cdn_assets(0.3, 3)
    path = tmp_path / "login.saz"
    path.write_bytes(gc.saz(gc.with_server_dates(entries, server_off=server_off), held))
    return path


def test_a_fiddler_breakpoint_is_no_server_clock_ahead(tmp_path):
    """`bpu sonar.example.com`: Fiddler held each request to the SP for a minute or more before
    sending it on; the SP wrote its Date when it got it. ClientBeginRequest is when Fiddler read
    the request: by it alone the SP's clock read minutes ahead."""
    report = _json("check", str(_fiddler(tmp_path, {0: 75, 2: 140, 3: 60})), *SETTINGS)
    assert not _said(report, "server-clock-off") and not _said(report, "browser-clock-off")
    assert [a["outcome"] for a in report["attempts"]] == ["success"]


def test_automatic_breakpoints_before_every_request_hide_no_clock(tmp_path):
    """Rules > Automatic Breakpoints > Before Requests: every request held for its own while (20 s
    to 74 s); by ClientBeginRequest the hosts' Dates disagreed with each other by as much, and the
    SP 9 min behind was not told."""
    held = {n: 20 + 9 * n for n in range(7)}
    report = _json("check", str(_fiddler(tmp_path, held, {"sonar.example.com": timedelta(minutes=-9)})), *SETTINGS)
    (said,) = _said(report, "server-clock-off")
    assert "the clock of sonar.example.com is 9 min behind" in said
