"""Capture refs count as the user finds the exchange: the tool's own number (Fiddler's session), else
the place in the file from 1 (Burp's items, raw HTTP messages, paste parts); a HAR's entry is its
0-based index in log.entries, as reports have always cited it."""
from __future__ import annotations

import base64

from samlscan.inputs import httpraw

RESPONSE = base64.b64encode(b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
                            b'ID="_r1" Version="2.0"/>').decode()
CONVERSATION = ("GET /login HTTP/1.1\r\nHost: sp.example.com\r\n\r\n"
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html></html>\r\n"
                "POST /acs HTTP/1.1\r\nHost: sp.example.com\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n"
                f"SAMLResponse={RESPONSE.replace('+', '%2B').replace('=', '%3D')}\r\n"
                "HTTP/1.1 302 Found\r\nLocation: /\r\n\r\n")


def test_raw_http_messages_count_from_one():
    cap = httpraw.conversation(CONVERSATION, "login.txt")
    assert [m.source.ref for m in cap.messages] == ["message 2"]  # the second request, the POST
    assert [ex.entry for ex in cap.exchanges if ex.method == "POST"] == [2]


def test_a_har_entry_keeps_its_index():
    cap = httpraw.capture(httpraw.entries_of(CONVERSATION), "login.har")
    assert [m.source.ref for m in cap.messages] == ["entry 1"]


def test_saml_tracer_requests_count_from_one(tmp_path):
    """SAML-tracer's window lists requests without numbers: the first line is 'request 1'."""
    import json
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
    import gen_captures as gc

    from samlscan.inputs import tracer

    p = tmp_path / "t.json"
    p.write_text(json.dumps(gc.tracer_export(b"<x/>", b"<y/>")))
    cap = tracer.read(str(p))
    assert [m.source.ref for m in cap.messages] == ["request 2", "request 3"]
    assert [ex.ref for ex in cap.exchanges] == ["request 1", "request 2", "request 3", "request 4"]


def _lost_state() -> str:
    """SonarQube sets OAUTHSTATE at the login start; the POST to the ACS comes back without it."""
    import zlib
    from urllib.parse import quote

    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    req = base64.b64encode(c.compress(b'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:'
                                      b'protocol" ID="_q1" Version="2.0"/>') + c.flush()).decode()
    resp = base64.b64encode(b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
                            b'ID="_r1" InResponseTo="_q1" Version="2.0"/>').decode()
    return ("GET /sessions/init/saml HTTP/1.1\r\nHost: sonar.example.com\r\n\r\n"
            f"HTTP/1.1 302 Found\r\nLocation: https://idp.example.org/sso?SAMLRequest={quote(req, safe='')}\r\n"
            "Set-Cookie: OAUTHSTATE=abc; Path=/\r\n\r\n"
            "POST /oauth2/callback/saml HTTP/1.1\r\nHost: sonar.example.com\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n\r\n"
            f"SAMLResponse={quote(resp, safe='')}\r\n"
            "HTTP/1.1 302 Found\r\nLocation: /sessions/unauthorized\r\n\r\n")


def test_sonarqube_causes_cite_the_capture_s_own_word():
    """A cause found in a raw HTTP capture points at 'message N', not at a HAR 'entry'."""
    from samlscan.flows import build_flows
    from samlscan.sonarqube import flow_cause

    (flow,) = build_flows(httpraw.conversation(_lost_state(), "login.txt"))
    code, why = flow_cause(flow)
    assert code == "relaystate-cookie-missing"
    assert "set at message 1" in why and "(message 2)" in why and "entry" not in why
