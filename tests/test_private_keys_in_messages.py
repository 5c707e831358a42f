"""A private key inside a SAML message's own values (a StatusMessage, a NameID, an attribute value:
an IdP or a test harness echoing its configuration) was printed in every format without --redact;
samlscan never prints a private key (found by the third fuzzing round). The key is the fixtures'
test SP key, as PEM and as bare base64 (python3-saml's settings hold it so)."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main

KEY = (Path(__file__).resolve().parents[1] / "fixtures" / "keys" / "sp.key").read_text()
BODY = "".join(line for line in KEY.splitlines() if not line.startswith("-----"))


def _response(tmp_path) -> Path:
    path = tmp_path / "key-in-values.xml"
    path.write_text(
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0" '
        'IssueInstant="2025-03-11T08:41:00Z"><saml:Issuer>https://idp.example.org</saml:Issuer>'
        '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"/>'
        f'<samlp:StatusMessage>{KEY}</samlp:StatusMessage></samlp:Status>'
        '<saml:Assertion ID="_a1" Version="2.0" IssueInstant="2025-03-11T08:41:00Z">'
        f'<saml:Issuer>https://idp.example.org</saml:Issuer><saml:Subject><saml:NameID>{BODY}</saml:NameID>'
        '</saml:Subject><saml:AttributeStatement><saml:Attribute Name="note">'
        f'<saml:AttributeValue>settings: {KEY}</saml:AttributeValue></saml:Attribute>'
        '</saml:AttributeStatement></saml:Assertion></samlp:Response>')
    return path


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv", "sarif", "html"])
def test_a_key_in_a_messages_values_is_never_printed(tmp_path, fmt):
    out = CliRunner().invoke(main, ["check", str(_response(tmp_path)), "--format", fmt, "--fail-on", "never"])
    assert out.exit_code == 0, out.output[-500:]
    assert BODY[:40] not in out.output and BODY[-40:] not in out.output
    assert "[private key removed by samlscan]" in out.output or fmt in ("jsonl", "csv", "sarif")


@pytest.mark.parametrize("fmt", ["table", "json", "html"])
def test_a_key_in_an_issuer_audience_or_authn_context_is_never_printed(tmp_path, fmt):
    """Only free-text values were cleaned (the last review): an Issuer, an Audience or an
    AuthnContextClassRef holding a key (padded, as a pretty-printer leaves it) printed it."""
    path = tmp_path / "key-in-names.xml"
    path.write_text(
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r2" Version="2.0" '
        f'IssueInstant="2025-03-11T08:41:00Z"><saml:Issuer>\n  {BODY}\n</saml:Issuer>'
        '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
        '<saml:Assertion ID="_a2" Version="2.0" IssueInstant="2025-03-11T08:41:00Z">'
        f'<saml:Issuer>{BODY}</saml:Issuer><saml:Subject><saml:NameID>u@example.com</saml:NameID></saml:Subject>'
        f'<saml:Conditions><saml:AudienceRestriction><saml:Audience>{BODY}</saml:Audience>'
        '</saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="2025-03-11T08:41:00Z">'
        f'<saml:AuthnContext><saml:AuthnContextClassRef>{BODY}</saml:AuthnContextClassRef></saml:AuthnContext>'
        '</saml:AuthnStatement></saml:Assertion></samlp:Response>')
    out = CliRunner().invoke(main, ["check", str(path), "--format", fmt, "--fail-on", "never",
                                    "--idp-entity-id", "https://idp.example.org", "--sp-entity-id", "sonarqube"])
    assert out.exit_code == 0, out.output[-500:]
    assert BODY[:40] not in out.output and BODY[-40:] not in out.output
