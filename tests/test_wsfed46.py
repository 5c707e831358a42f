"""A WS-Federation sign-in (wa=wsignin1.0) carries its SAML assertion in a WS-Trust RequestSecurityTokenResponse
(wresult; WS-Federation 1.2 13.2.3): the assertion is read and checked as a bare Assertion, from the XML, the
posted form body and a HAR; before, the XML was 'not a SAML protocol message' and the form body 'no SAML message'.
Fixtures: fixtures/gen_wsfed46.py (fixtures/wsfed46)."""
from __future__ import annotations

import json

import pytest
from case_util import ROOT, generator_check
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.xmlsafe import parse_xml

FIX = ROOT / "fixtures" / "wsfed46"
CONFIG = ROOT / "fixtures" / "config" / "default.toml"


def _json(path) -> dict:
    res = CliRunner().invoke(main, ["check", str(path), "--config", str(CONFIG), "--format", "json", "-q",
                                    "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    return json.JSONDecoder().raw_decode(res.stdout)[0]


def test_the_fixtures_are_current():
    done = generator_check("gen_wsfed46.py")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("name", ["rstr-wstrust2005.xml", "rstrc-wstrust13.xml", "wsignin-form-body.txt",
                                  "wsignin.har"])
def test_the_assertion_a_wsfed_sign_in_carries_is_checked(name):
    doc = _json(FIX / name)
    (m,) = doc["messages"]
    assert m["type"] == "Assertion" and m["issuer"] == "https://idp.example.org/saml2/idp"
    assert [s["verified"] for s in m["signatures"]] == [True]
    # (the HAR's POST is now a login flow, its WS-Fed leg answered by the app's redirect: a Firefox export
    # without the session cookie that followed is said to be sanitized; nothing else is said of the input)
    assert [f["code"] for f in doc["input_findings"]] == (["input-redacted"] if name.endswith(".har") else [])


def test_a_token_response_of_two_tokens_or_none_is_left_as_it_is():
    one = (FIX / "rstr-wstrust2005.xml").read_text()
    start, end = one.index("<t:RequestedSecurityToken>"), one.index("</t:RequestedSecurityToken>")
    token = one[start + len("<t:RequestedSecurityToken>"):end]
    for body in (token + token, ""):
        root = parse_xml((one[:start] + f"<t:RequestedSecurityToken>{body}" + one[end:]).encode())
        assert root.tag.endswith("}RequestSecurityTokenResponse")
