"""Chrome net-export files are read as a stream (memory holds one event and what the entries use, not the
file) and an HTTP/2 POST's body is read from the DATA frames of its stream ('Include raw bytes'). Before,
a net-export was json.loads'd whole (refused over 512 MiB) and an HTTP/2 POST was bodiless.
Fixtures: fixtures/gen_netlog49.py (fixtures/netlog49), fixtures/gen_netlog48.py (fixtures/netlog48)."""
from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import time
from urllib.parse import urlsplit

import pytest
from case_util import ROOT, generator_check

from samlscan.inputs import h2data, netlog, netlogfile
from test_netlog48 import CHROMIUM, _check, _chromium_netlog

FIX = ROOT / "fixtures" / "netlog49"
FIX48 = ROOT / "fixtures" / "netlog48"
ACS = "https://sonar.example.com/oauth2/callback/saml"


def _posted(name: str) -> dict[str, str | None]:
    """url -> the body read for each POST of a fixture."""
    constants, events, _ = netlog.load((FIX / name).read_text())
    entries, _, _ = netlog.requests(constants, events)
    return {e["request"]["url"]: e["request"].get("postData", {}).get("text")
            for e in entries if e["request"]["method"] == "POST"}


def test_the_fixtures_are_current():
    for script in ("gen_netlog49.py", "gen_netlog48.py"):
        done = generator_check(script)
        assert done.returncode == 0, done.stdout + done.stderr


# --- HTTP/2 ------------------------------------------------------------------------------------------------

def test_an_http2_posts_body_is_read_and_its_response_verified():
    _, doc = _check(str(FIX / "h2-post.json"))
    assert doc["input_findings"] == []
    resp = next(m for m in doc["messages"] if m["type"] == "Response")
    assert [s["verified"] for s in resp["signatures"]] == [True, True]
    assert [a["outcome"] for a in doc["attempts"]] == ["success"]


@pytest.mark.parametrize("name", ["h2-split.json", "h2-padded.json"])
def test_a_data_frame_split_over_two_writes_or_padded_gives_the_same_body(name):
    posted = _posted(name)
    assert posted[ACS] == _posted("h2-post.json")[ACS] and posted[ACS].startswith("SAMLResponse=PHNhbWwy")
    assert "\x00" not in posted[ACS]  # (the padding is not in it)


def test_another_streams_data_is_not_the_hops():
    posted = _posted("h2-other-stream.json")
    assert posted == {"https://sonar.example.com/api/monitoring/metrics": "metric=login.page&value=1", ACS: None}
    cap = netlog.read(str(FIX / "h2-other-stream.json"))
    assert [p.code for p in cap.problems] == ["input-body-from-page"]  # (the IdP's page says what it sent)


def test_a_bad_frame_length_is_no_body_and_no_traceback(tmp_path):
    assert _posted("h2-bad-length.json")[ACS] is None
    constants, events, _ = netlog.load((FIX / "h2-bad-length.json").read_text())
    events = [e for e in events if e["type"] != 148]  # (without the IdP's page: nothing else says the body)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"constants": constants, "events": events}))
    _, doc = _check(str(path))
    (said,) = [f for f in doc["input_findings"] if f["code"] == "input-body-not-captured"]
    assert "HTTP/2 and no DATA frame of its stream" in said["message_text"]


def _frame(kind: int, flags: int, stream: int, payload: bytes) -> bytes:
    return len(payload).to_bytes(3, "big") + bytes([kind, flags]) + stream.to_bytes(4, "big") + payload


@pytest.mark.parametrize("sent, body", [
    (h2data.PREFACE + _frame(0, 1, 3, b"a=1"), b"a=1"),
    (_frame(1, 4, 3, b"\x82") + _frame(0, 0, 3, b"a=") + _frame(0, 0, 5, b"x") + _frame(0, 1, 3, b"1"), b"a=1"),
    (_frame(0, 8, 3, b"\x02a=1\x00\x00"), b"a=1"),
    (_frame(0, 1, 3, b""), b""),  # (an empty DATA frame that ends the stream: an empty body, not none)
    (_frame(0, 1, 5, b"a=1"), None),
    (_frame(0, 8, 3, b"\x05a=1"), None),  # (padding as long as the payload: RFC 9113 6.1, an error)
    (_frame(0, 1, 3, b"a=1")[:-1], None),  # (the bytes end inside the frame)
    (b"\xff\xff\xff\x00\x01\x00\x00\x00\x03a=1", None),
    (b"", None),
])
def test_stream_body_reads_the_data_frames_of_its_stream_only(sent, body):
    assert h2data.stream_body(sent, 3) == body


# --- streaming -----------------------------------------------------------------------------------------------

def _messages(path) -> list[str]:
    return [m.value for m in netlog.read(str(path)).messages]


@pytest.mark.parametrize("layout", [{"indent": 1}, {"separators": (",", ":")}])
def test_a_file_whose_events_are_not_one_a_line_reads_the_same(layout, tmp_path, monkeypatch):
    monkeypatch.setattr(netlogfile, "CHUNK", 4096)  # (events that run over many chunks, too)
    constants, events, _ = netlog.load((FIX / "h2-post.json").read_text())
    path = tmp_path / "re-saved.json"
    path.write_text(json.dumps({"constants": constants, "events": events, "polledData": {}}, **layout))
    cap = netlog.read(str(path))
    assert [m.param for m in cap.messages] == ["SAMLRequest", "SAMLResponse"] and cap.problems == ()
    assert _messages(path) == _messages(FIX / "h2-post.json")


def test_an_event_over_the_bound_is_dropped_and_the_next_read(tmp_path, monkeypatch):
    text = (FIX48 / "raw-bytes-post.json").read_text()
    monkeypatch.setattr(netlogfile, "CHUNK", 1024)
    monkeypatch.setattr(netlogfile, "EVENT_MAX", 2048)  # (the IdP's page, one event of ~9 KB, is over it)
    constants, events, cut = netlog.load(text)
    assert not cut and not any(e["type"] == 148 for e in events)
    assert {"phase": 2, "source": {"id": 11, "start_time": "4058000", "type": 1}, "time": "4059901", "type": 2} \
        in events  # (the event after it: the IdP's request's end)
    assert events[-1]["type"] == 243  # (and the rest, up to the last)


def test_bodies_that_are_not_pages_are_not_kept(tmp_path):
    constants, events, _ = netlog.load((FIX48 / "raw-bytes-post.json").read_text())
    png = [dict(e, params={"headers": ["HTTP/1.1 200", "Content-Type: image/png"]})
           if e["type"] == 243 and e["source"]["id"] == 11 and e["time"] == "4058100" else e for e in events]
    entries, _, _ = netlog.requests(constants, png)
    assert "content" not in entries[1]["response"]
    entries, _, _ = netlog.requests(constants, events)
    assert entries[1]["response"]["content"]["mimeType"] == "text/html;charset=utf-8"


def test_a_body_over_the_bound_is_not_kept(monkeypatch):
    constants, events, _ = netlog.load((FIX48 / "raw-bytes-post.json").read_text())
    page = next(e for e in events if e["type"] == 148)
    monkeypatch.setattr(netlog, "BODY_MAX", len(base64.b64decode(page["params"]["bytes"])) - 1)
    entries, _, _ = netlog.requests(constants, events)
    assert "content" not in entries[1]["response"]


def test_a_file_that_ends_inside_its_polled_data_is_cut_short(tmp_path):
    text = (FIX48 / "raw-bytes-post.json").read_text()
    path = tmp_path / "cut.json"
    path.write_text(text[:text.index('"polledData"') + 16])
    cap = netlog.read(str(path))
    assert [m.param for m in cap.messages] == ["SAMLRequest", "SAMLResponse"]
    assert [p.code for p in cap.problems] == ["input-truncated"]
    assert netlog.load(text)[2] is False


def test_redact_holds_for_an_http2_net_export():
    done, _ = _check("--redact", str(FIX / "h2-post.json"))
    assert "dev.user1@example.com" not in done.stdout


# --- real Chromium over HTTP/2 -------------------------------------------------------------------------------

NODE = shutil.which("node")
REDIRECT = (ROOT / "fixtures" / "requests" / "authnrequest-redirect.txt").read_text().strip()
RESPONSE = base64.b64encode((ROOT / "fixtures" / "responses" / "valid" / "okta.xml").read_bytes()).decode()
H2_SERVER = """
const http2 = require('http2'), fs = require('fs');
const [key, cert, page, query, portFile] = process.argv.slice(2);
const srv = http2.createSecureServer({key: fs.readFileSync(key), cert: fs.readFileSync(cert)});
srv.on('stream', (stream, headers) => {
  const path = headers[':path'].split('?')[0];
  const send = (status, extra, body) => { stream.respond({':status': status, 'content-type': 'text/html', ...extra});
                                          stream.end(body); };
  if (headers[':method'] === 'POST') { stream.resume(); stream.on('end', () => send(302, {location: '/done'}, '')); }
  else if (path === '/login') send(302, {location: '/idp/sso?' + query}, '');
  else if (path === '/idp/sso') send(200, {}, fs.readFileSync(page));
  else send(200, {}, '<html><body>signed in</body></html>');
});
srv.listen(0, '127.0.0.1', () => fs.writeFileSync(portFile, String(srv.address().port)));
"""
"""SP and IdP on one local HTTP/2 server (node's own http2 module: Python's http.server speaks HTTP/1.1 only)."""


@pytest.mark.skipif(not CHROMIUM.exists() or not NODE, reason="headless Chromium or node not installed")
def test_real_chromium_posts_over_http2_and_its_body_is_read(tmp_path):
    page = tmp_path / "page.html"
    page.write_text('<html><body onload="document.forms[0].submit()"><form method="post" '
                    'action="/oauth2/callback/saml"><input type="hidden" name="SAMLResponse" '
                    f'value="{RESPONSE}"></form></body></html>')
    (tmp_path / "server.js").write_text(H2_SERVER)
    port_file = tmp_path / "port"
    keys = ROOT / "fixtures" / "keys"
    server = subprocess.Popen([NODE, str(tmp_path / "server.js"), str(keys / "sp.key"), str(keys / "sp.crt"),
                               str(page), urlsplit(REDIRECT).query, str(port_file)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(100):
            if port_file.exists() and port_file.read_text():
                break
            time.sleep(0.1)
        out = _chromium_netlog(f"https://127.0.0.1:{port_file.read_text()}", "Everything", tmp_path,
                               "--ignore-certificate-errors")
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    assert '"HTTP2_SESSION_SEND_HEADERS"' in out.read_text()  # (it did speak HTTP/2)
    _, doc = _check(str(out))
    assert [m["type"] for m in doc["messages"]] == ["AuthnRequest", "Response"]
    assert all(s["verified"] for s in doc["messages"][1]["signatures"]) and doc["messages"][1]["signatures"]
    said = {f["code"] for f in doc["input_findings"]}
    assert not said & {"input-body-not-captured", "input-body-from-page"}, said  # (the POST's own body)
