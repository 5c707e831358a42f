"""A WS-Federation sign-in (wa=wsignin1.0, wresult: WS-Federation 1.2 13.2.3) at a SAML 2.0 SP: at SonarQube's
ACS (or Cloud) it is the failed login's cause, wsfed-unsupported (java-saml's 'SAML Response not found, Only
supported HTTP_POST Binding'); at an SP that takes WS-Fed (Shibboleth's ADFS handler) or with no place known
(a pasted wresult or form body) it is the info wsfed-signin. Its checks-skipped no longer asks for a Response
that WS-Federation never sends; a SAML 1.1 token is version-unsupported on every path. Fixtures:
fixtures/gen_wsfed48.py (fixtures/wsfed48)."""
from __future__ import annotations

import json

import pytest
from case_util import ROOT, generator_check
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.config.urls import saml_post_only, server_base_names
from samlscan.wsfed import verdict

FIX = ROOT / "fixtures" / "wsfed48"
OLD = ROOT / "fixtures" / "wsfed46"
CONFIG = ROOT / "fixtures" / "config" / "default.toml"


def _json(path, *extra: str) -> dict:
    res = CliRunner().invoke(main, ["check", str(path), "--config", str(CONFIG), "--format", "json", "-q",
                                    "--fail-on", "never", *extra])
    assert res.exit_code == 0, res.output[-2000:]
    return json.JSONDecoder().raw_decode(res.stdout)[0]


def _codes(doc: dict) -> list[str]:
    return [f["code"] for m in doc["messages"] for f in m["findings"]] + [f["code"] for f in doc["input_findings"]]


def test_the_fixtures_are_current():
    done = generator_check("gen_wsfed48.py")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("name", ["sonarqube-idp-init.har", "sonarqube-sp-init.har", "sonarqube-tracer.json"])
def test_a_wsfed_sign_in_at_sonarqubes_acs_is_the_failed_logins_cause(name):
    doc = _json(FIX / name)
    (a,) = doc["attempts"]  # one attempt: the flow carries the token, which joins the token's piece to it
    assert (a["outcome"], a["root_cause"], a["side"]) == ("failure", "wsfed-unsupported", "idp")
    assert "SAML Assertion Consumer Endpoint" in a["fix"] and "Entra ID" in a["fix"]
    # its user, IdP and SP as a Response's: the token's NameID, Issuer and Audience
    assert (a["user"], a["idp"]) == ("dev.user1@example.com", "https://idp.example.org/saml2/idp"), a
    (m,) = [m for m in doc["messages"] if m["type"] == "Assertion"]  # the token itself is still read and verified
    assert [s["verified"] for s in m["signatures"]] == [True]
    (f,) = [f for f in m["findings"] if f["code"] == "wsfed-unsupported"]
    assert f["severity"] == "error" and "/oauth2/callback/saml" in f["message_text"]


def test_the_same_login_as_a_samlresponse_is_not_judged_for_wsfed():
    doc = _json(FIX / "sonarqube-samlresponse.har")
    assert not [c for c in _codes(doc) if c.startswith("wsfed-")]
    (a,) = doc["attempts"]
    assert a["outcome"] == "success" and a["root_cause"] is None


def test_an_sp_that_takes_wsfed_gets_the_fact_not_the_error():
    doc = _json(FIX / "shibboleth-adfs.har")
    assert [c for c in _codes(doc) if c.startswith("wsfed-")] == ["wsfed-signin"]
    (a,) = doc["attempts"]
    assert a["outcome"] == "success" and a["root_cause"] is None and a["user"] == "dev.user1@example.com"


@pytest.mark.parametrize("path", [OLD / "wsignin-form-body.txt", OLD / "rstr-wstrust2005.xml",
                                  OLD / "rstrc-wstrust13.xml"])
def test_a_pasted_sign_in_gets_only_the_info(path):
    doc = _json(path)
    (m,) = doc["messages"]
    assert [(f["code"], f["severity"]) for f in m["findings"]] == [("wsfed-signin", "info"), ("checks-skipped", "info")]
    said = {f["code"]: f for f in m["findings"]}
    assert "SAML 2.0 SP (SonarQube) refuses it" in said["wsfed-signin"]["message_text"]
    skipped = said["checks-skipped"]
    assert "bare Assertion" not in skipped["message_text"] and "WS-Federation 1.2 13.2.3" in skipped["message_text"]
    assert "Pass the missing settings" not in skipped["hint"]


def test_a_plain_bare_assertion_still_asks_for_its_response():
    doc = _json(ROOT / "fixtures" / "responses" / "valid" / "okta.xml")  # (a Response: no wsfed code either)
    assert not [c for c in _codes(doc) if c.startswith("wsfed-")]


@pytest.mark.parametrize("name", ["saml11-rstr.xml", "saml11-form-body.txt", "saml11-sonarqube.har"])
def test_a_saml11_token_is_version_unsupported_on_every_path(name):
    doc = _json(FIX / name)
    (f,) = [f for f in doc["input_findings"] if f["code"] == "version-unsupported"]
    assert "SAML 1.1 Assertion" in f["message_text"] and "WS-Federation sign-in" in f["message_text"]
    if name.endswith(".har"):  # the capture says where it went: SonarQube's ACS refused it
        (a,) = doc["attempts"]
        assert (a["outcome"], a["root_cause"]) == ("failure", "wsfed-unsupported")


def test_only_sonarqubes_acs_and_cloud_take_saml_posts_only():
    assert saml_post_only("https://sonar.example.com/sq/oauth2/callback/saml/?x=1")
    assert saml_post_only("https://sonarcloud.io/sessions/sso")
    for url in ("https://wiki.example.edu/Shibboleth.sso/ADFS", "https://sonar.example.com/", None, ""):
        assert not saml_post_only(url)
    assert verdict("https://sonarqube.us/x?wctx=secret")[0] == "wsfed-unsupported"
    assert "secret" not in verdict("https://wiki.example.edu/Shibboleth.sso/ADFS?wctx=secret")[1]
    assert verdict(None)[0] == "wsfed-signin"


def test_the_sp_base_url_is_a_name_of_the_sp_only_at_sonarqubes_acs():
    assert server_base_names("https://sonar.example.com/sq/oauth2/callback/saml") == (
        "https://sonar.example.com/sq", "https://sonar.example.com/sq/")
    for acs in ("https://wiki.example.edu/Shibboleth.sso/SAML2/POST", "https://sonarcloud.io/sessions/sso", None):
        assert server_base_names(acs) == ()


def test_redact_holds_for_the_wsfed_findings():
    doc = _json(FIX / "sonarqube-tracer.json", "--redact")
    text = json.dumps(doc)
    assert "dev.user1@example.com" not in text and "devuser1" not in text
    assert doc["attempts"][0]["user"] not in (None, "dev.user1@example.com")  # (named now, and masked)
    assert "wsfed-unsupported" in _codes(doc) and doc["attempts"][0]["root_cause"] == "wsfed-unsupported"


def test_a_token_response_without_one_token_says_so(tmp_path):
    body = tmp_path / "empty.txt"
    body.write_text("wa=wsignin1.0&wresult=%3Ct:RequestSecurityTokenResponse+xmlns:t%3D%22"
                    "http://schemas.xmlsoap.org/ws/2005/02/trust%22/%3E\n")
    doc = _json(body)
    (f,) = doc["input_findings"]
    assert f["code"] == "input-not-saml" and "holds no one token" in f["message_text"]
    body.write_text("wa=wsignin1.0&wresult=%3CRequestSecurityTokenResponse/%3E\n")  # (no WS-Trust namespace)
    (f,) = _json(body)["input_findings"]
    assert f["code"] == "input-not-saml" and "WS-Federation" not in f["message_text"]
