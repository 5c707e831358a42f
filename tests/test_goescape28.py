"""SAML in JSON log lines whose encoder escapes '&', '<', '>' (Go's encoding/json: '\\u0026',
'\\u003c', '\\u003e') or also '+', '"', "'" (.NET's System.Text.Json: '\\u002B', '\\u0022', upper-case
hex): the line's JSON escapes are undone before the SAML search (logs/embedded.py _json_decoded).
On the raw line a redirect query ran on past its escaped '&' (binding 'unknown', its Signature not
read), an XML dump had no '<' to open it and a base64 value ended at its first escaped '+'.
The lines are built here around the signed redirect URL of fixtures/requests (sp.key, TEST-ONLY)
and the signed response fixtures/responses/valid/okta.xml, each kept byte for byte."""
from __future__ import annotations

import base64
import json
from datetime import timezone
from pathlib import Path

import pytest

from samlscan.logs.embedded import PARSER, find_values

ROOT = Path(__file__).resolve().parent.parent
SIGNED_URL = (ROOT / "fixtures/requests/authnrequest-redirect-signed.txt").read_text().strip()
RESPONSE = (ROOT / "fixtures/responses/valid/okta.xml").read_text()


def go_json(obj: dict) -> str:
    """json.Marshal's output: '<', '>', '&' escaped in every string (encoding/json HTMLEscape)."""
    text = json.dumps(obj, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def net_json(obj: dict) -> str:
    """System.Text.Json's (JavaScriptEncoder.Default): also '"', "'", '+' and '`', hex in upper case."""
    text = json.dumps(obj, separators=(",", ":")).replace('\\"', "\\u0022")
    for char in "<>&'+`":
        text = text.replace(char, f"\\u{ord(char):04X}")
    return text


def logrus_line(msg: str, encode=go_json) -> str:
    return encode({"level": "info", "msg": msg, "time": "2025-10-10T13:55:36Z"})


def test_the_generators_escape_as_the_encoders_do():
    line = logrus_line(f"Redirecting to {SIGNED_URL} {RESPONSE}")
    assert "&" not in line and "<" not in line and "\\u0026SigAlg=" in line and "\\u003csaml2p:Response" in line
    dotnet = net_json({"m": 'a<b>&"+'})
    assert dotnet == '{"m":"a\\u003Cb\\u003E\\u0026\\u0022\\u002B"}' and json.loads(dotnet)["m"] == 'a<b>&"+'


@pytest.mark.parametrize("encode", [go_json, net_json], ids=["go", "dotnet"])
def test_a_signed_redirect_url_keeps_its_whole_query(encode):
    (f,) = find_values(logrus_line(f"Redirecting to {SIGNED_URL}", encode))
    assert (f.param, f.binding) == ("SAMLRequest", "redirect")
    assert f.query == SIGNED_URL  # the octets its Signature covers (SAML bindings 3.4.4.1)
    assert "&" not in f.value and "\\" not in f.value


@pytest.mark.parametrize("encode", [go_json, net_json], ids=["go", "dotnet"])
def test_an_xml_response_dump_is_read_whole(encode):
    (f,) = find_values(logrus_line(f"SAML response received: {RESPONSE}", encode))
    assert f.binding == "xml"
    assert f.value == RESPONSE.strip()  # byte for byte, as signed: its signature can verify


def test_a_dotnet_base64_value_is_not_cut_at_an_escaped_plus():
    value = base64.b64encode(RESPONSE.encode()).decode()
    assert "+" in value
    (f,) = find_values(net_json({"Message": "SAML form posted", "SAMLResponse": value}))
    assert f.value == value and f.binding == "post"


def test_a_line_without_such_escapes_reads_as_before():
    """Monolog's JSON context ('\\"' only): the XML as json_unescaped gave it, the text around it raw."""
    line = '[2025-10-10 13:55:36] saml.DEBUG: got {"xml":"' + RESPONSE.strip().replace('"', '\\"') + '"} C:\\new'
    (f,) = find_values(line)
    assert f.value == RESPONSE.strip()
    plain = f"2025-10-10 13:55:36,123 INFO [saml] Redirecting to {SIGNED_URL}"
    (g,) = find_values(plain)
    assert g.query == SIGNED_URL


def test_an_escaped_backslash_is_not_read_as_an_escape():
    """'\\\\u0026' is a backslash then 'u0026' in the string: no '&' (RFC 8259 section 7)."""
    line = go_json({"msg": f"Redirecting to {SIGNED_URL}", "path": "C:\\u0026x"})
    (f,) = find_values(line)
    assert f.query == SIGNED_URL
    assert "C:\\u0026x" in line.replace("\\\\", "\\")


def _records(lines: list[str]):
    return list(PARSER.parse(enumerate(lines, 1), "go.log", timezone.utc))


def test_the_embedded_reader_gives_the_redirect_and_the_dump():
    lines = [go_json({"level": "info", "msg": f"served /static/app{i}.js"}) for i in range(3)]
    lines += [logrus_line(f"Redirecting to {SIGNED_URL}"), logrus_line(f"SAML dump {RESPONSE}")]
    redirect, dump = _records(lines)
    assert (redirect.source.ref, redirect.binding, redirect.query) == ("line 4", "redirect", SIGNED_URL)
    assert (dump.source.ref, dump.binding, dump.value) == ("line 5", "xml", RESPONSE.strip())
