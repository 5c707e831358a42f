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
