"""A form body signed beside its message (SigAlg, Signature) is the HTTP-POST-SimpleSign binding's when its
value is plain base64 XML (SAML 2.0 SimpleSign binding 3.1: posted, not deflated), not a redirect: pasted,
it was refused as 'not DEFLATE-compressed'. A query whose value is deflated stays the redirect binding's."""
from __future__ import annotations

import base64
import json
import zlib
from urllib.parse import quote

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
