"""Pastes that are not what they were taken for. A form body signed beside its message (SigAlg, Signature) is
the HTTP-POST-SimpleSign binding's when its value is plain base64 XML (SAML 2.0 SimpleSign binding 3.1: posted,
not deflated), not a redirect: it was refused as 'not DEFLATE-compressed'; a query whose value is deflated stays
the redirect binding's. A JSON Web Token (an OpenID Connect login's) is said to be one, not 'not base64'."""
from __future__ import annotations

import base64
import json
import zlib

from urllib.parse import quote

import pytest

from case_util import ROOT
from click.testing import CliRunner

from samlscan.cli import main

CONFIG = ROOT / "fixtures" / "config" / "default.toml"
SIG = ("&SigAlg=" + quote("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", safe="")
       + "&Signature=" + quote(base64.b64encode(b"\x07" * 256).decode(), safe=""))


def _check(tmp_path, text: str) -> dict:
    p = tmp_path / "paste.txt"
    p.write_text(text)
    res = CliRunner().invoke(main, ["check", str(p), "--config", str(CONFIG), "--format", "json", "-q",
                                    "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    return json.JSONDecoder().raw_decode(res.stdout)[0]


def test_a_simplesign_form_body_is_read_as_the_posted_response(tmp_path):
    xml = (ROOT / "fixtures" / "responses" / "valid" / "okta.xml").read_bytes()
    doc = _check(tmp_path, "SAMLResponse=" + quote(base64.b64encode(xml).decode(), safe="") + "&RelayState=r" + SIG)
    (m,) = doc["messages"]
    assert m["binding"] == "post" and not doc["input_findings"]
    assert all(s["verified"] for s in m["signatures"])


def test_a_deflated_value_signed_beside_it_stays_the_redirect_binding(tmp_path):
    xml = next((ROOT / "fixtures" / "requests").glob("*.xml")).read_bytes()
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = raw.compress(xml) + raw.flush()
    doc = _check(tmp_path, "SAMLRequest=" + quote(base64.b64encode(deflated).decode(), safe="") + SIG)
    (m,) = doc["messages"]
    assert m["binding"] == "redirect"


def test_plain_xml_in_a_redirect_url_is_still_refused(tmp_path):
    xml = (ROOT / "fixtures" / "responses" / "valid" / "okta.xml").read_bytes()
    doc = _check(tmp_path, "https://sonar.example.com/oauth2/callback/saml?SAMLResponse="
                 + quote(base64.b64encode(xml).decode(), safe="") + SIG)
    assert [f["code"] for f in doc["input_findings"]] == ["input-bad-deflate"]


def _jwt(claims: dict) -> str:
    part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")  # noqa: E731
    return f"{part({'alg': 'RS256', 'kid': 'k1'})}.{part(claims)}.c2lnbmF0dXJl"


@pytest.mark.parametrize("prefix", ["", "Bearer "])
def test_a_pasted_jwt_is_said_to_be_an_openid_connect_token(tmp_path, prefix):
    doc = _check(tmp_path, prefix + _jwt({"iss": "https://login.example.com/t1/v2.0", "aud": "app-1", "sub": "x"}) + "\n")
    (f,) = doc["input_findings"]
    assert f["code"] == "input-not-saml" and f["message_text"].startswith("a JSON Web Token")
    assert "iss 'https://login.example.com/t1/v2.0', aud 'app-1'" in f["message_text"]


def test_base64_that_is_no_jwt_is_not_said_to_be_one(tmp_path):
    doc = _check(tmp_path, "eyJ" + "A" * 40 + "\n")  # (no dots: one base64 value, not SAML)
    assert doc["input_findings"] and all("JSON Web Token" not in f["message_text"] for f in doc["input_findings"])
