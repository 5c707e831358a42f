"""Ninth review of the input readers: defects found by trying the shapes real tools write."""
from __future__ import annotations

import base64
import gzip
import json
import zipfile
from pathlib import Path

from click.testing import CliRunner

from samlscan.cli import main

ROOT = Path(__file__).resolve().parents[1] / "fixtures"
CONFIG = str(ROOT / "config" / "default.toml")
XML = (ROOT / "responses" / "valid" / "okta.xml").read_text()
B64 = base64.b64encode(XML.encode()).decode()
ACS = "https://sonar.example.com/oauth2/callback/saml"
PAGE = ("<html>\r\n<body onload=\"document.forms[0].submit()\">\r\n"
        f"<form method=\"post\" action=\"{ACS}\">\r\n"
        f"<input type=\"hidden\" name=\"SAMLResponse\" value=\"{B64}\"/>\r\n"
        "<input type=\"hidden\" name=\"RelayState\" value=\"abc\"/>\r\n</form>\r\n</body>\r\n</html>\r\n")


def _run(path: Path, *extra: str) -> dict:
    r = CliRunner().invoke(main, ["check", str(path), "--config", CONFIG, "--at", "2025-03-11T08:41:00Z",
                                  "--format", "json", *extra], catch_exceptions=False)
    assert r.exit_code in (0, 1), r.output
    return json.loads(r.stdout)


def _verified(msg: dict) -> bool:
    return bool(msg["signatures"]) and all(s["verified"] for s in msg["signatures"])


def _chunked(data: bytes, size: int = 1000) -> bytes:
    """RFC 9112 7.1: each chunk's size in hex, its data, CRLF; a zero-size chunk ends the body."""
    parts = [data[i:i + size] for i in range(0, len(data), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


_REQUEST = "GET /app/sso HTTP/1.1\r\nHost: idp.example.org\r\n\r\n"
_CHUNKED_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n"


# --- raw HTTP: bodies as Burp and Fiddler save them ----------------------------------------

def test_a_chunked_response_saved_raw_is_read_through_its_chunk_sizes(tmp_path):
    """Burp's and Fiddler's raw response keeps 'Transfer-Encoding: chunked': the chunk-size lines
    fell inside the auto-post form's SAMLResponse value (the value did not decode: 'Invalid bytes
    in character encoding'); also when the paste turned every CRLF into LF."""
    raw = _REQUEST + _CHUNKED_HEAD + _chunked(PAGE.encode()).decode()
    for name, text in (("crlf.txt", raw), ("lf.txt", raw.replace("\r\n", "\n"))):
        path = tmp_path / name
        path.write_bytes(text.encode())
        doc = _run(path)
        assert [(m["type"], m["ref"]) for m in doc["messages"]] == [("Response", "message 1/body")], name
        assert _verified(doc["messages"][0]) and not doc["input_findings"], name


def _saz(path: Path, response: bytes) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("raw/01_c.txt", _REQUEST)
        z.writestr("raw/01_s.txt", response)
        z.writestr("raw/01_m.xml", '<Session SID="1"><SessionTimers '
                   'ClientBeginRequest="2025-03-11T08:40:50.1234567+00:00"/></Session>')


def test_a_fiddler_session_with_a_gzip_and_chunked_page_is_read(tmp_path):
    """Fiddler saves the body as it came ('Response body is encoded. Click to decode.'): gzip
    inside chunks. It was decoded as UTF-8 text: the page's form was lost."""
    path = tmp_path / "login.saz"
    _saz(path, _CHUNKED_HEAD.replace("\r\n\r\n", "\r\nContent-Encoding: gzip\r\n\r\n").encode()
         + _chunked(gzip.compress(PAGE.encode()), 700))
    doc = _run(path)
    assert [(m["type"], m["ref"]) for m in doc["messages"]] == [("Response", "session 1/body")]
    assert _verified(doc["messages"][0])


def test_a_burp_item_with_a_gzip_response_is_read(tmp_path):
    """Burp's 'Save items' (base64) keeps a compressed response compressed."""
    resp = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n\r\n"
            + gzip.compress(PAGE.encode()))
    item = (f"<item><time>Tue Mar 11 08:40:50 UTC 2025</time><url><![CDATA[https://idp.example.org/app/sso]]></url>"
            f"<request base64=\"true\"><![CDATA[{base64.b64encode(_REQUEST.encode()).decode()}]]></request>"
            f"<response base64=\"true\"><![CDATA[{base64.b64encode(resp).decode()}]]></response></item>")
    path = tmp_path / "burp.xml"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE items [\n<!ELEMENT items (item*)>\n'
                    '<!ATTLIST items burpVersion CDATA "">\n]>\n'
                    f'<items burpVersion="2024.1.1" exportTime="Tue Mar 11 08:45:00 UTC 2025">\n{item}\n</items>\n')
    doc = _run(path)
    assert [(m["type"], m["ref"]) for m in doc["messages"]] == [("Response", "item 1/body")]
    assert _verified(doc["messages"][0])
