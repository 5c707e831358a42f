"""Support case 12's smaller defects (tests/data/case12, made by fixtures/gen_case12.py).

- Safari's HAR export leaves a form POST's body out (WebKit HARBuilder.js writes `postData` only
  when the resource kept request data); samlscan called it redaction and advised exporting again
  without redacting, with a Chrome setting.
- Spring Security's text for an encrypted assertion in an unsigned Response: 'Did not decrypt
  response [..] since it is not signed' (5.8.x, 6.x), not only 5.5.x's 'No assertions found'.
"""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone

import pytest
from case_util import ROOT
from click.testing import CliRunner

from samlscan.catalog import lookup
from samlscan.cli import main
from samlscan.codes import SPECS
from samlscan.inputs import har
from samlscan.model import Severity

CASE = ROOT / "tests" / "data" / "case12"
POSTS_TO_ACS = ("POST", "https://sonar.example.com/oauth2/callback/saml")


def _problems(doc: dict, tmp_path) -> list:
    path = tmp_path / "capture.har"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return list(har.read(str(path)).problems)


def _safari() -> dict:
    return json.loads((CASE / "safari-sonar.har").read_text(encoding="utf-8"))


def _is_acs_post(entry: dict) -> bool:
    return (entry["request"]["method"], entry["request"]["url"]) == POSTS_TO_ACS


@pytest.mark.parametrize("post_data", ["mime type only", "absent"])
def test_a_safari_post_read_from_the_idps_page_is_an_info_that_names_safaris_export(tmp_path, post_data):
    """Each bodiless POST of the Safari capture: its SAMLResponse is read from Auth0's auto-post
    page, so nothing is lost; it was a warning telling to export without redacting (Chrome 130+).
    HARBuilder.js writes no `postData` at all when it has no request data ('absent')."""
    doc = _safari()
    for e in doc["log"]["entries"]:
        if post_data == "absent":
            e["request"].pop("postData", None)
    problems = _problems(doc, tmp_path)
    assert len(problems) == 4
    for p in problems:
        spec = SPECS[p.code]
        assert (p.code, spec.severity) == ("input-body-from-page", Severity.INFO)
        assert "Safari" in p.detail and "auto-submit form" in p.detail
        assert "Chrome 130" not in spec.fix and "redact" not in spec.fix
        assert "Chrome or Edge" in spec.fix and "page posted" in spec.fix


def test_a_safari_post_with_no_page_to_read_from_is_a_warning_that_names_safaris_export(tmp_path):
    """The IdP's pages not in the capture: what was posted is lost, and it is Safari's export that
    lost it (no export setting brings it back; another browser does)."""
    doc = _safari()
    doc["log"]["entries"] = [e for e in doc["log"]["entries"] if _is_acs_post(e)]
    problems = _problems(doc, tmp_path)
    assert [p.code for p in problems] == ["input-body-not-exported"] * 4
    spec = SPECS["input-body-not-exported"]
    assert spec.severity == Severity.WARNING and "Safari" in spec.summary
    assert "Chrome 130" not in spec.fix and "another browser" in spec.fix


def test_a_bodiless_post_of_another_browser_read_from_the_page_is_an_info_too(tmp_path):
    """Without Safari's `_fetchType` (Firefox, Playwright without bodies): the value read from the
    IdP's page loses nothing either, and no sanitizer replaced it: an info, not input-redacted with
    Chrome's export advice; the problem's text does not name Safari."""
    doc = _safari()
    for e in doc["log"]["entries"]:
        e.pop("_fetchType", None)
    problems = _problems(doc, tmp_path)
    assert {p.code for p in problems} == {"input-body-from-page"}
    assert not any("Safari" in p.detail for p in problems)


def test_springs_did_not_decrypt_text_is_response_signature_required():
    """Spring Security 5.8.x/6.x (SonarQube 2025.1+) reports 'Did not decrypt response [..] since it
    is not signed' first; it was mapped to signature-missing (neither element signed), whose fix
    is not the one: the Response must be signed around the encrypted assertion."""
    hit = lookup("Saml2AuthenticationException: Did not decrypt response [_9af3fe43] since it is not signed")
    assert hit is not None and hit.code == "response-signature-required" and hit.fix is None
    summary = SPECS["response-signature-required"].summary
    assert "Did not decrypt response" in summary and "No assertions found in response" in summary


def test_the_scenario_generators_auth0_response_serves_case_12(tmp_path):
    """gen_case12 wrote Auth0's response again (the same shape as gen_scenarios.auth0_response)
    only to set the tenant's Issuer and encrypt the assertion; auth0_response takes both now."""
    sys.path.insert(0, str(ROOT / "fixtures"))
    import gen_scenarios as G
    from samlgen import keys as K
    from samlgen.encryptor import AES256_CBC, RSA_OAEP
    from samlgen.render import Encryption

    t = datetime(2025, 12, 9, 8, 5, 11, tzinfo=timezone.utc)
    enc = Encryption(K.load("sp"), data_method=AES256_CBC, key_method=RSA_OAEP)
    xml, rid, _ = G.auth0_response("t|olga", G.User("olga.berg@example.com", "Olga Berg", "203.0.113.71"), t,
                                   "_req", K.load("idp"), issuer="urn:sonar-corp.eu.auth0.com", encryption=enc)
    path = tmp_path / "response.xml"
    path.write_bytes(xml)
    res = CliRunner().invoke(main, ["check", str(path), "--format", "json", "--fail-on", "never"])
    (msg,) = json.loads(res.stdout)["messages"]
    codes = {f["code"] for f in msg["findings"]}
    assert msg["issuer"] == "urn:sonar-corp.eu.auth0.com" and msg["id"] == rid
    assert "assertion-encrypted-no-key" in codes
