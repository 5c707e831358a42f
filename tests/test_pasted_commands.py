"""A POST copied from the browser's developer tools as a command ('Copy as cURL', 'Copy as
PowerShell', 'Copy as fetch') or as a raw HTTP request, pasted into a file: its SAMLResponse is read
and verified like the form body itself. The signed response comes from fixtures/ (generated)."""
from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from samlscan.cli import main

ROOT = Path(__file__).resolve().parents[1]
CONFIG = str(ROOT / "fixtures" / "config" / "default.toml")
ACS = "https://sonar.example.com/oauth2/callback/saml"


def _body() -> str:
    b64 = base64.b64encode((ROOT / "fixtures" / "responses" / "valid" / "okta.xml").read_bytes()).decode()
    return f"SAMLResponse={quote(b64, safe='')}&RelayState=abc"


PASTES = {
    "curl-bash": lambda body: (f"curl '{ACS}' \\\n  -H 'content-type: application/x-www-form-urlencoded' \\\n"
                               f"  --data-raw '{body}'\n"),
    "curl-data-quoted": lambda body: f'curl -X POST "{ACS}" -d "{body}"\n',
    "powershell": lambda body: (f'Invoke-WebRequest -UseBasicParsing -Uri "{ACS}" `\n-Method "POST" `\n'
                                f'-ContentType "application/x-www-form-urlencoded" `\n-Body "{body}"\n'),
    "fetch": lambda body: (f'fetch("{ACS}", {{\n  "headers": {{"content-type": "application/x-www-form-urlencoded"}},\n'
                           f'  "body": "{body}",\n  "method": "POST"\n}});\n'),
    "raw-http": lambda body: (f"POST /oauth2/callback/saml HTTP/1.1\r\nHost: sonar.example.com\r\n"
                              f"Content-Type: application/x-www-form-urlencoded\r\n\r\n{body}"),
}


def _json(path: Path) -> dict:
    r = CliRunner().invoke(main, ["check", str(path), "--config", CONFIG, "--at", "2025-03-11T08:41:00Z",
                                  "--format", "json"], catch_exceptions=False)
    return json.loads(r.stdout)


@pytest.mark.parametrize("shape", sorted(PASTES))
def test_copied_request_is_read_and_verified(tmp_path, shape):
    path = tmp_path / "pasted.txt"
    path.write_text(PASTES[shape](_body()))
    doc = _json(path)
    assert doc["inputs"][0]["status"] == "scanned"
    (msg,) = doc["messages"]
    assert msg["type"] == "Response" and msg["binding"] == "post" and msg["relay_state"] == "abc"
    assert [a["outcome"] for a in doc["attempts"]] == ["success"]


def test_an_empty_value_says_so(tmp_path):
    path = tmp_path / "pasted.txt"
    path.write_text(f"curl '{ACS}' --data-raw 'SAMLResponse=&RelayState=abc'\n")
    doc = _json(path)
    (f,) = doc["input_findings"]
    assert f["code"] == "input-bad-base64" and "empty" in f["message_text"]


def test_a_parameter_name_inside_a_longer_word_is_not_the_parameter(tmp_path):
    path = tmp_path / "pasted.txt"
    path.write_text("x-SAMLResponse=PHNhbWw+ and mySAMLRequest=abc\n")
    doc = _json(path)
    assert doc["messages"] == [] and doc["inputs"][0]["status"] == "failed"


def test_a_log_without_login_lines_is_skipped_with_its_reason(tmp_path):
    """An IdP log that reads cleanly but holds no login is skipped, saying so (batch accounting:
    scanned, skipped with a reason, or failed with a finding), as every IdP reader's is."""
    lines = [line for line in (ROOT / "fixtures/logs/authentik/server.log").read_text().splitlines()
             if "Created Event" not in line]
    assert lines
    path = tmp_path / "server.log"
    path.write_text("\n".join(lines) + "\n")
    doc = _json(path)
    (inp,) = doc["inputs"]
    assert doc["input_findings"] == []
    assert inp["status"] == "skipped" and inp["reason"] == "an authentik event log with no login event"


def test_a_body_after_a_url_with_a_query_is_still_a_post(tmp_path):
    path = tmp_path / "pasted.txt"
    path.write_text(PASTES["curl-bash"](_body()).replace("/saml'", "/saml?tenant=1'"))
    doc = _json(path)
    assert [m["binding"] for m in doc["messages"]] == ["post"] and not doc["input_findings"]


def test_a_raw_get_request_is_the_redirect_binding(tmp_path):
    url = (ROOT / "fixtures" / "requests" / "authnrequest-redirect.txt").read_text().strip()
    query = url.split("?", 1)[1]
    path = tmp_path / "pasted.txt"
    path.write_text(f"GET /sso?{query} HTTP/1.1\r\nHost: idp.example.com\r\nAccept: text/html\r\n\r\n")
    doc = _json(path)
    assert [(m["type"], m["binding"]) for m in doc["messages"]] == [("AuthnRequest", "redirect")]
