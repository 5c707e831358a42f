"""Charles Proxy JSON sessions (.chlsj) are read as captures: the redirect-binding AuthnRequest, the IdP's
auto-submit page (a base64 body) and the ACS POST (a text body) found, verified and put in a login at
their capture time; a failing login's cause; a file cut short read up to the cut; sanitize writes one out
as a HAR. Before, a .chlsj was 'no SAML message found'. A binary .chls is named, with how to export it.
Fixtures: fixtures/gen_chlsj49.py (fixtures/chlsj49)."""
from __future__ import annotations

import base64
import gzip
import json
import subprocess
import sys
from datetime import datetime, timezone

import pytest
from case_util import ROOT, generator_check

from samlscan.engine import sniff
from samlscan.inputs import charles, charlesxml, har

FIX = ROOT / "fixtures" / "chlsj49"
CONFIG = ROOT / "fixtures" / "config" / "default.toml"


def _samlscan(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "samlscan", *args], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    return done


def _check(*args: str) -> dict:
    done = _samlscan("check", "--config", str(CONFIG), "--format", "json", "-q", "--fail-on", "never", *args)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def _session(name: str = "okta-login.chlsj") -> list[dict]:
    return json.loads((FIX / name).read_text())


def test_the_fixtures_are_current():
    done = generator_check("gen_chlsj49.py")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("name, kind", [
    ("okta-login.chlsj", "charles-session"), ("cert-mismatch.chlsj", "charles-session"),
    ("cut-short.chlsj", "charles-session"), ("okta-login.chlsx", "charles-xml-session"),
    ("cut-short.chlsx", "charles-xml-session")])
def test_a_charles_session_is_recognised_by_its_content(name, kind):
    assert sniff((FIX / name).read_bytes()[:65536]).name == kind


@pytest.mark.parametrize("head", [
    (FIX / "not-charles.json").read_bytes(),
    b'[{"startedDateTime": "2025-03-11T08:40:58Z", "request": {"method": "GET", "url": "https://a/"}, "response": {}}]',
    b'{"status": "COMPLETE", "protocolVersion": "HTTP/1.1", "scheme": "https", "host": "a", "times": {}}'])
def test_other_json_is_not_read_as_a_charles_session(head):
    assert not charles.sniff(head)
    assert sniff(head).name != "charles-session"


@pytest.mark.parametrize("reader, name", [(charles, "okta-login.chlsj"), (charlesxml, "okta-login.chlsx")])
def test_the_login_is_read_at_its_capture_time_from_charles_local_offset(reader, name):
    cap = reader.read(str(FIX / name))
    assert [(m.param, m.source.ref) for m in cap.messages] == [("SAMLRequest", "entry 1"), ("SAMLResponse", "entry 2")]
    # times.start 2025-03-11T09:40:59.812+01:00: the recording Mac's local time with its offset
    assert cap.messages[1].captured_at == datetime(2025, 3, 11, 8, 40, 59, 812000, tzinfo=timezone.utc)
    assert not any(m.local_time for m in cap.messages)
    assert [ex.leg for ex in cap.exchanges] == ["sp-init", "authn-request", "acs-post", "sp-result"]
    assert cap.problems == () and cap.entries == 4


@pytest.mark.parametrize("name, kind", [("okta-login.chlsj", "charles-session"),
                                        ("okta-login.chlsx", "charles-xml-session")])
def test_check_verifies_the_response_and_sees_a_successful_login(name, kind):
    doc = _check(str(FIX / name))
    assert doc["inputs"][0]["kind"] == kind and doc["input_findings"] == []
    resp = next(m for m in doc["messages"] if m["type"] == "Response")
    assert [s["verified"] for s in resp["signatures"]] == [True, True] and resp["findings"] == []
    assert resp["captured_at"] == "2025-03-11T08:40:59Z"
    assert [(a["outcome"], a["root_cause"]) for a in doc["attempts"]] == [("success", None)]


@pytest.mark.parametrize("name", ["cert-mismatch.chlsj", "cert-mismatch.chlsx"])
def test_the_failing_login_says_its_cause(name):
    doc = _check(str(FIX / name))
    resp = next(m for m in doc["messages"] if m["type"] == "Response")
    assert "signature-cert-mismatch" in [f["code"] for f in resp["findings"]]
    assert [(a["outcome"], a["root_cause"]) for a in doc["attempts"]] == [("failure", "signature-cert-mismatch")]


@pytest.mark.parametrize("reader, name, end", [(charles, "cut-short.chlsj", "]"),
                                               (charlesxml, "cut-short.chlsx", "</charles-session>")])
def test_a_file_cut_short_is_read_up_to_the_cut(reader, name, end):
    assert not (FIX / name).read_text().rstrip().endswith(end)
    cap = reader.read(str(FIX / name))
    assert [m.param for m in cap.messages] == ["SAMLRequest", "SAMLResponse"]
    assert [p.code for p in cap.problems] == ["input-truncated"] and cap.entries == 3
    assert "3 transaction(s) before the cut" in cap.problems[0].detail


def test_a_post_without_its_body_is_read_from_the_page_that_posted_it():
    cap = charles.read(str(FIX / "no-body.chlsj"))
    assert [m.param for m in cap.messages] == ["SAMLRequest", "SAMLResponse"]
    assert [(p.code, p.source.ref) for p in cap.problems] == [("input-body-from-page", "entry 2")]


def test_a_post_without_a_body_nor_a_page_says_the_session_holds_none(tmp_path):
    txs = _session("no-body.chlsj")
    del txs[1]["response"]["body"]  # (the IdP's page: a transaction without a body)
    path = tmp_path / "bare.chlsj"
    path.write_text(json.dumps(txs))
    cap = charles.read(str(path))
    assert [m.param for m in cap.messages] == ["SAMLRequest"]
    said = [p for p in cap.problems if p.code == "input-body-not-captured"]
    assert len(said) == 1 and said[0].source.ref == "entry 2"
    assert "https://sonar.example.com/oauth2/callback/saml" in said[0].detail and "size:" in said[0].detail


def test_a_gzip_body_another_port_and_another_key_order_are_read():
    tx = dict(reversed(list(_session()[1].items())))  # (any key order)
    html = base64.b64decode(tx["response"]["body"]["text"])
    tx["response"]["body"] = {"text": base64.b64encode(gzip.compress(html, mtime=0)).decode(), "encoded": True}
    tx["port"], tx["query"] = 8443, None
    entry = charles.entry_of(tx)
    assert entry["request"]["url"] == "https://idp.example.org:8443/sso"
    assert base64.b64decode(entry["response"]["content"]["text"]) == html
    assert charles.sniff(json.dumps([tx]).encode())


def test_transactions_of_the_wrong_shapes_are_skipped_without_a_traceback(tmp_path):
    odd = [7, {"host": 5}, {"host": "a.example", "request": [], "response": "x", "times": 3, "port": "80"},
           {"host": "b.example", "scheme": "https", "protocolVersion": "HTTP/1.1", "times": {"start": "soon"},
            "request": {"header": {"headers": [1, None]}, "body": {"text": "%%", "encoded": True}},
            "response": {"status": "200", "header": {"firstLine": "HTTP/1.1 404 Not Found"}}}]
    path = tmp_path / "odd.chlsj"
    path.write_text(json.dumps(odd + _session()))
    cap = charles.read(str(path))
    assert [m.param for m in cap.messages] == ["SAMLRequest", "SAMLResponse"]
    assert charles.entry_of(odd[3])["response"]["status"] == 404


def test_an_empty_session_says_it_holds_no_transaction(tmp_path):
    path = tmp_path / "empty.chlsj"
    path.write_text("[]")
    assert [p.code for p in charles.read(str(path)).problems] == ["input-capture-empty"]


def test_redact_masks_the_user_in_json():
    done = _samlscan("check", "--config", str(CONFIG), "--format", "json", "-q", "--fail-on", "never", "--redact",
                     str(FIX / "okta-login.chlsj"))
    assert done.returncode == 0 and json.loads(done.stdout)["messages"]
    for secret in ("dev.user1@example.com", "devuser1", "Dev User One", "OAUTHSTATE=7f3a9c1e"):
        assert secret not in done.stdout


def test_sanitize_writes_a_session_out_as_a_har_that_diagnoses_the_same(tmp_path):
    out = tmp_path / "clean.har"
    done = _samlscan("sanitize", str(FIX / "okta-login.chlsj"), "-o", str(out))
    assert done.returncode == 0 and "(4 entries)" in done.stderr
    text = out.read_text()
    assert "JWT-SESSION=eyJ" not in text and "OAUTHSTATE=7f3a9c1e" not in text
    assert json.loads(text)["log"]["creator"]["name"] == charles.CLIENT
    doc = _check(str(out))
    assert [(a["outcome"], a["root_cause"]) for a in doc["attempts"]] == [("success", None)]


def test_sanitize_refuses_a_json_array_that_is_no_capture(tmp_path):
    done = _samlscan("sanitize", str(FIX / "not-charles.json"), "-o", str(tmp_path / "x.har"))
    assert done.returncode == 2 and "Charles JSON session" in done.stderr
    assert not (tmp_path / "x.har").exists()


def test_an_xml_session_with_a_doctype_is_refused_unread(tmp_path):
    text = (FIX / "okta-login.chlsx").read_text()
    path = tmp_path / "dtd.chlsx"
    doctype = '<!DOCTYPE charles-session [<!ENTITY x "y">]>\n'
    path.write_text(text.replace("<charles-session>", doctype + "<charles-session>"))
    cap = charlesxml.read(str(path))
    assert cap.messages == () and [p.code for p in cap.problems] == ["input-dtd-forbidden"]


def test_an_xml_transaction_without_its_start_time_is_read_at_its_start_millis(tmp_path):
    path = tmp_path / "millis.chlsx"
    path.write_text((FIX / "okta-login.chlsx").read_text().replace('startTime="2025-03-11T09:40:59.812+01:00" ', ""))
    cap = charlesxml.read(str(path))
    assert cap.messages[1].captured_at == datetime(2025, 3, 11, 8, 40, 59, 812000, tzinfo=timezone.utc)


@pytest.mark.parametrize("name", ["fixtures/responses/valid/okta.xml", "fixtures/metadata"])
def test_other_xml_is_not_read_as_a_charles_session(name):
    path = ROOT / name
    path = path if path.is_file() else next(p for p in sorted(path.iterdir()) if p.suffix == ".xml")
    assert not charlesxml.sniff(path.read_bytes()[:65536])
    assert sniff(path.read_bytes()[:65536]).name != "charles-xml-session"


def test_sanitize_says_an_xml_session_must_be_exported_as_json(tmp_path):
    done = _samlscan("sanitize", str(FIX / "okta-login.chlsx"), "-o", str(tmp_path / "x.har"))
    assert done.returncode == 2 and "Charles XML session" in done.stderr and ".chlsj" in done.stderr
    assert not (tmp_path / "x.har").exists()


def test_a_binary_charles_session_is_named_with_how_to_export_it(tmp_path):
    path = tmp_path / "login.chls"
    path.write_bytes(b"\xac\xed\x00\x05sr\x00\x1fcom.xk72.charles.model.Session" + bytes(range(64)))
    done = _samlscan("check", "--format", "jsonl", "-q", "--fail-on", "never", str(path))
    finding = json.loads(done.stdout.splitlines()[0])
    assert finding["code"] == "input-not-saml" and "Java serialization" in finding["message_text"]
    assert ".chlsj" in finding["hint"] and "HTTP Archive" in finding["hint"]


@pytest.mark.parametrize("creator, kept", [("HTTP Toolkit", True), ("Proxyman", True), ("SomeTool", False)])
def test_a_proxys_har_without_cookies_after_a_login_was_stripped_after_export(tmp_path, creator, kept):
    """HTTP Toolkit's and Proxyman's HAR exports keep cookies, as Charles's do: none after a login that
    succeeded means a tool removed them, not a sanitized browser export (an unknown writer's)."""
    entries = [charles.entry_of(tx) for tx in _session()]
    for entry in entries:
        for side in ("request", "response"):
            entry[side]["headers"] = [h for h in entry[side]["headers"] if "cookie" not in h["name"].lower()]
    path = tmp_path / "proxy.har"
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": creator, "version": "1.0"},
                                        "entries": entries}}))
    (said,) = [p.detail for p in har.read(str(path)).problems if p.code == "input-redacted"]
    assert (f"{creator} 1.0's HAR export keeps cookies" in said) is kept
    assert ("sanitized HAR" in said) is not kept

