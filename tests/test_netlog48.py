"""Chrome and Edge net-export files (NetLog JSON) are read as captures: the redirect-binding messages of every
capture mode, a POSTed SAMLResponse with 'Include raw bytes', a POST whose body was not captured said so with
how to capture it, a file cut short read up to the cut. Before, a net-export was 'no SAML message found'.
Fixtures: fixtures/gen_netlog48.py (fixtures/netlog48); the last tests run real headless Chromium."""
from __future__ import annotations

import base64
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from case_util import ROOT, generator_check

from samlscan.codes import SPECS
from samlscan.engine import sniff
from samlscan.inputs import netlog

FIX = ROOT / "fixtures" / "netlog48"
CONFIG = ROOT / "fixtures" / "config" / "default.toml"
CHROMIUM = Path("/usr/bin/chromium")


def _check(*args: str) -> tuple[subprocess.CompletedProcess, dict]:
    done = subprocess.run([sys.executable, "-m", "samlscan", "check", "--config", str(CONFIG), "--format", "json",
                           "-q", "--fail-on", "never", *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
    return done, json.loads(done.stdout)


def test_the_fixtures_are_current():
    done = generator_check("gen_netlog48.py")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("name", ["raw-bytes-post.json", "default-redirect.json", "cut-short.json"])
def test_a_net_export_is_recognised_by_its_content(name):
    assert sniff((FIX / name).read_bytes()[:65536]).name == "chrome-netlog"


@pytest.mark.parametrize("head", [(FIX / "not-netlog.json").read_bytes(),
                                  b'{"log": {"version": "1.2", "creator": {"name": "WebInspector"}, "entries": []}}'])
def test_other_json_is_not_read_as_a_net_export(head):
    assert not netlog.sniff(head)
    assert sniff(head).name != "chrome-netlog"


def test_raw_bytes_mode_gives_the_request_and_the_posted_response_at_their_capture_time():
    cap = netlog.read(str(FIX / "raw-bytes-post.json"))
    assert [m.param for m in cap.messages] == ["SAMLRequest", "SAMLResponse"]
    posted = cap.messages[1]
    assert posted.url == "https://sonar.example.com/oauth2/callback/saml" and posted.source.ref == "entry 2"
    # timeTickOffset + the hop's start tick: 2025-03-11T08:40:58Z + 2.4 s
    assert posted.captured_at == datetime(2025, 3, 11, 8, 41, 0, 400000, tzinfo=timezone.utc)
    assert [ex.leg for ex in cap.exchanges] == ["sp-init", "authn-request", "acs-post", "sp-result"]
    assert cap.problems == () and cap.entries == 4


def test_the_posted_body_is_the_tls_sockets_plain_text_not_its_ciphertext():
    constants, events, cut = netlog.load((FIX / "raw-bytes-post.json").read_text())
    entries, bodiless, stripped = netlog.requests(constants, events)
    assert not cut and not stripped and bodiless == {}
    assert entries[2]["request"]["postData"]["text"].startswith("SAMLResponse=PHNhbWwyc")
    assert entries[1]["response"]["content"]["encoding"] == "base64"  # the IdP's page, as Chrome read it


def test_check_verifies_the_response_of_a_raw_bytes_capture_and_sees_its_login():
    _, doc = _check(str(FIX / "raw-bytes-post.json"))
    assert doc["inputs"][0]["kind"] == "chrome-netlog" and doc["input_findings"] == []
    resp = next(m for m in doc["messages"] if m["type"] == "Response")
    assert [s["verified"] for s in resp["signatures"]] == [True, True]
    assert resp["captured_at"] == "2025-03-11T08:41:00Z"  # (the report's precision: whole seconds)
    assert [a["outcome"] for a in doc["attempts"]] == ["success"]


def test_default_mode_says_the_acs_posts_body_was_not_captured_and_how_to_capture_it():
    cap = netlog.read(str(FIX / "default-redirect.json"))
    assert [m.param for m in cap.messages] == ["SAMLRequest"]
    said = {p.code: p for p in cap.problems}
    assert set(said) == {"input-body-not-captured", "input-redacted"}
    body = said["input-body-not-captured"]
    assert body.source.ref == "entry 2" and "capture mode is Default" in body.detail
    assert "Include raw bytes" in SPECS["input-body-not-captured"].fix
    assert "net-export strips Cookie" in said["input-redacted"].detail


def test_a_raw_bytes_capture_that_sets_no_cookie_is_not_called_sanitized():
    cap = netlog.read(str(FIX / "raw-bytes-post.json"))
    assert not any(p.code == "input-redacted" for p in cap.problems)


def test_a_file_cut_short_is_read_up_to_the_cut():
    text = (FIX / "cut-short.json").read_text()
    assert not text.rstrip().endswith("}")
    cap = netlog.read(str(FIX / "cut-short.json"))
    assert [m.param for m in cap.messages] == ["SAMLRequest", "SAMLResponse"]
    assert [p.code for p in cap.problems] == ["input-truncated"]


def test_a_file_cut_inside_its_constants_is_not_read(tmp_path):
    text = (FIX / "raw-bytes-post.json").read_text()
    cut = tmp_path / "cut.json"
    cut.write_text(text[:text.index('"logSourceType"') + 20])
    cap = netlog.read(str(cut))
    assert cap.messages == () and [p.code for p in cap.problems] == ["input-not-saml"]


def test_a_file_cut_before_any_request_says_it_holds_none(tmp_path):
    text = (FIX / "raw-bytes-post.json").read_text()
    cut = tmp_path / "cut.json"
    cut.write_text(text[:text.index('"type":134}') - 40])
    cap = netlog.read(str(cut))
    assert cap.messages == () and [p.code for p in cap.problems] == ["input-capture-empty", "input-truncated"]


def test_an_event_type_the_constants_do_not_name_is_skipped():
    raw, unknown = (netlog.read(str(FIX / n)) for n in ("raw-bytes-post.json", "unknown-type.json"))
    assert '"type":9999' in (FIX / "unknown-type.json").read_text()
    assert [m.value for m in unknown.messages] == [m.value for m in raw.messages]
    assert unknown.problems == ()


def test_events_of_the_wrong_shapes_are_skipped_without_a_traceback(tmp_path):
    constants, events, _ = netlog.load((FIX / "raw-bytes-post.json").read_text())
    odd = [{"type": [134]}, {"type": 134, "source": {"id": [1], "type": {}}, "phase": [], "params": []},
           {"type": 134, "phase": 1, "source": {"id": 99, "type": 1}, "time": None, "params": {"url": 5}},
           {"type": 238, "phase": 0, "source": {"id": 11, "type": 1}, "params": {"headers": [1, None, "x"]}}, 7]
    path = tmp_path / "odd.json"
    path.write_text(json.dumps({"constants": dict(constants, timeTickOffset="soon"), "events": odd + events}))
    cap = netlog.read(str(path))
    assert [m.param for m in cap.messages] == ["SAMLRequest", "SAMLResponse"]
    assert cap.messages[0].captured_at is None  # (no timeTickOffset to put the ticks on)


def test_a_json_that_is_not_a_net_export_is_not_read_as_one():
    cap = netlog.read(str(FIX / "not-netlog.json"))
    assert [p.code for p in cap.problems] == ["input-not-saml"] and "not a Chrome net-export" in cap.problems[0].detail
    assert netlog.load("[1, 2]") == netlog.load('{"constants": 1}') == \
        'not a Chrome net-export (NetLog): no "constants" object'


def test_an_http2_post_has_no_body_to_read_and_its_value_comes_from_the_page(tmp_path):
    """HTTP/2 sends a body in DATA frames: the plain text of the socket holds no request line to find it by;
    with raw bytes the IdP's page is there, and its auto-submit form says what the POST sent."""
    constants, events, _ = netlog.load((FIX / "raw-bytes-post.json").read_text())
    h2 = constants["logEventTypes"]["HTTP_TRANSACTION_HTTP2_SEND_REQUEST_HEADERS"] = 240  # (Chromium 150's number)
    events = [dict(e, type=h2) if e["type"] == 238 and e["source"]["id"] == 12 else e for e in events]
    entries, bodiless, _ = netlog.requests(constants, events)
    assert bodiless == {2: "h2"} and "postData" not in entries[2]["request"]  # (no HTTP/2 session events)
    path = tmp_path / "h2.json"
    path.write_text(json.dumps({"constants": constants, "events": events}))
    cap = netlog.read(str(path))
    assert [m.param for m in cap.messages] == ["SAMLRequest", "SAMLResponse"]
    assert [p.code for p in cap.problems] == ["input-body-from-page"]


def test_an_http2_post_without_its_page_says_why_its_body_is_missing(tmp_path):
    constants, events, _ = netlog.load((FIX / "raw-bytes-post.json").read_text())
    h2 = constants["logEventTypes"]["HTTP_TRANSACTION_HTTP2_SEND_REQUEST_HEADERS"] = 240
    events = [dict(e, type=h2) if e["type"] == 238 and e["source"]["id"] == 12 else e for e in events
              if e["type"] != 148]  # (no page bytes either)
    path = tmp_path / "h2.json"
    path.write_text(json.dumps({"constants": constants, "events": events}))
    (said,) = netlog.read(str(path)).problems
    assert said.code == "input-body-not-captured" and "HTTP/2 and no DATA frame of its stream" in said.detail


def test_redact_holds_for_a_net_export():
    done, _ = _check("--redact", str(FIX / "raw-bytes-post.json"))
    assert "dev.user1@example.com" not in done.stdout


# --- real Chromium -------------------------------------------------------------------------------------------

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium not installed")
REDIRECT = (ROOT / "fixtures" / "requests" / "authnrequest-redirect.txt").read_text().strip()
RESPONSE = base64.b64encode((ROOT / "fixtures" / "responses" / "valid" / "okta.xml").read_bytes()).decode()


class _Login(http.server.BaseHTTPRequestHandler):
    """SP and IdP on one local server: /login redirects with the AuthnRequest, /idp/sso answers the
    auto-submit form, the ACS takes the POST and redirects to /done."""

    def log_message(self, *args):  # (quiet)
        pass

    def _send(self, status: int, body: bytes = b"", location: str | None = None) -> None:
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = urlsplit(self.path).path
        if path == "/login":
            self._send(302, location="/idp/sso?" + urlsplit(REDIRECT).query)
        elif path == "/idp/sso":
            self._send(200, ('<html><body onload="document.forms[0].submit()"><form method="post" '
                             'action="/oauth2/callback/saml"><input type="hidden" name="SAMLResponse" '
                             f'value="{RESPONSE}"></form></body></html>').encode())
        else:
            self._send(200, b"<html><body>signed in</body></html>")

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._send(302, location="/done")


@pytest.fixture()
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Login)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _chromium_netlog(url: str, mode: str, tmp_path: Path, *flags: str) -> Path:
    out = tmp_path / f"{mode}.json"
    cmd = [str(CHROMIUM), "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", *flags,
           f"--user-data-dir={tmp_path / 'profile'}", f"--log-net-log={out}", f"--net-log-capture-mode={mode}",
           "--virtual-time-budget=5000", url + "/login"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # (its own session: Chromium and its helpers alone)
        proc.wait()
        pytest.fail("Chromium did not exit within 30 s")
    assert out.exists() and out.stat().st_size > 0
    return out


@needs_chromium
def test_real_chromium_raw_bytes_capture_gives_the_verified_response_and_its_flow(server, tmp_path):
    path = _chromium_netlog(server, "Everything", tmp_path)
    _, doc = _check(str(path))
    assert doc["inputs"][0]["kind"] == "chrome-netlog"
    types = [m["type"] for m in doc["messages"]]
    assert types == ["AuthnRequest", "Response"], types
    resp = doc["messages"][1]
    assert all(s["verified"] for s in resp["signatures"]) and resp["signatures"]
    assert resp["captured_at"] is not None
    flows = subprocess.run([sys.executable, "-m", "samlscan", "flows", str(path)], capture_output=True, text=True,
                           timeout=60)
    assert "Traceback" not in flows.stderr and "1 flow(s)" in flows.stdout, flows.stdout + flows.stderr
    assert "acs-post" in flows.stdout and "/oauth2/callback/saml" in flows.stdout


@needs_chromium
def test_real_chromium_default_capture_says_the_body_is_missing(server, tmp_path):
    path = _chromium_netlog(server, "Default", tmp_path)
    _, doc = _check(str(path))
    assert [m["type"] for m in doc["messages"]] == ["AuthnRequest"]
    (said,) = [f for f in doc["input_findings"] if f["code"] == "input-body-not-captured"]
    assert "/oauth2/callback/saml" in said["message_text"] and "Include raw bytes" in said["hint"]
