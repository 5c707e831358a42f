"""A ninth audit with real third-party SAML (tests/data/external9; sources, commits and licenses in
its SOURCES.md), judged as the sources' own tests judge each sample:
- saml2aws's Shibboleth ECP response (a SOAP envelope whose Header holds the ECP profile's
  <ecp:Response> block beside the <saml2p:Response> in its Body, signature values redacted by the
  repository): one Response, the header block no message of its own.
"""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from samlscan.cli import main
from samlscan.config import build
from samlscan.engine import analyze

DATA = Path(__file__).resolve().parent / "data" / "external9"
FILES = ("idp_cert", "idp_metadata", "sp_key")


def _expect(**flags):
    return build({k: ([str(DATA / v)] if k == "idp_cert" else str(DATA / v) if k in FILES else v)
                  for k, v in flags.items()}, None)


def _stdin(text: str, *flags: str) -> dict:
    """`samlscan check -` with the text pasted: the JSON report."""
    r = CliRunner().invoke(main, ["check", "-", "--format", "json", *flags], input=text, catch_exceptions=False)
    return json.loads(r.stdout)


# --- a Shibboleth IdP's ECP (PAOS) response, saml2aws's testdata ---------------------------------

ECP = DATA / "shibboleth-ecp-soap-response-redacted.xml"
ECP_FLAGS = {"at": "2019-05-29T20:25:00Z", "acs_url": "https://signin.aws.amazon.com/saml",
             "sp_entity_id": "urn:amazon:webservices"}


def test_ecp_envelope_is_one_response_not_two_parts():
    """SAML ECP profile 4.2.4.5: the IdP's SOAP envelope carries an <ecp:Response> header block
    (AssertionConsumerServiceURL, soap11:mustUnderstand) and the <samlp:Response> in its Body.
    saml2aws reads the Body's Response from it. samlscan took the header block for a second pasted
    message ('part 1'), cut it out of its envelope and reported it as malformed XML (its soap11:
    prefix undeclared there): an ERROR about a message that is not one."""
    report = analyze([str(ECP)], _expect(**ECP_FLAGS))
    assert [f.code for f in report.input_findings] == []
    (msg,) = report.messages
    assert (msg.message.kind, msg.message.id) == ("Response", "_97d546a4d62e9e15de832793371005c9")
    assert msg.message.source.ref is None  # the file's one message, not 'part 2'
    assert msg.message.issuer == "urn:mace:incommon:example.com"
    (assertion,) = msg.message.assertions
    roles = {a.name: a.values for a in assertion.attributes}["https://aws.amazon.com/SAML/Attributes/Role"]
    assert roles == ("arn:aws:iam::123456789003:saml-provider/idp.example.com,"
                     "arn:aws:iam::123456789003:role/administrator",)


def test_ecp_envelope_pasted_is_one_response():
    """The same envelope pasted on stdin (read by the paste reader first)."""
    report = _stdin(ECP.read_text(encoding="utf-8"), "--at", "2019-05-29T20:25:00Z")
    assert [m["id"] for m in report["messages"]] == ["_97d546a4d62e9e15de832793371005c9"]
    assert "input-xml-malformed" not in json.dumps(report)


def test_ecp_redacted_signatures_are_said_to_be_redacted():
    """The repository emptied every DigestValue, SignatureValue and X509Certificate: with a
    certificate given, both signatures are reported as redacted (not as a wrong key)."""
    report = analyze([str(ECP)], _expect(idp_cert="../external7/samltest-id-idp.crt", **ECP_FLAGS))
    (msg,) = report.messages
    sigs = [f for f in msg.findings if f.code == "signature-invalid"]
    assert len(sigs) == 2 and all("redacted" in f.message_text for f in sigs)
