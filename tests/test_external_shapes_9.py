"""A ninth audit with real third-party SAML (tests/data/external9; sources, commits and licenses in
its SOURCES.md), judged as the sources' own tests judge each sample:
- saml2aws's Shibboleth ECP response (a SOAP envelope whose Header holds the ECP profile's
  <ecp:Response> block beside the <saml2p:Response> in its Body, signature values redacted by the
  repository): one Response, the header block no message of its own;
- simplesamlphp/saml2's signed Response with an EncryptedAssertion made by SimpleSAMLphp's
  xml-security library, whose EncryptionMethod is that library's spelling of AES-256-GCM
  ('http://www.w3.org/2009xmlenc11#aes256-gcm', a '/' missing): SimpleSAMLphp decrypts it, SPs on
  xmlsec or Santuario do not know the algorithm, and samlscan says so instead of blaming the key;
- Keycloak's Response declared and written in ISO-8859-2 (agreement: the NameID reads the same);
- simplesamlphp/saml2's signed Assertion with a comment inside its NameID (an explained
  disagreement: the library accepts it, samlscan reports the comment as an attack shape).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from click.testing import CliRunner

from samlscan.cli import main
from samlscan.config import build
from samlscan.engine import analyze

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES))
import generate as GEN  # noqa: E402
from samlgen import keys as K  # noqa: E402
from samlgen.render import Encryption, render  # noqa: E402

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


# --- SimpleSAMLphp's xml-security writes AES-256-GCM as 'http://www.w3.org/2009xmlenc11#aes256-gcm' ---

SSP_GCM = "http://www.w3.org/2009xmlenc11#aes256-gcm"
SSP_SAMPLE = DATA / "simplesamlphp-saml2-encrypted-aes256gcm-misspelled.xml"
SP_KEY = str(FIXTURES / "keys" / "sp.key")


def _decryption_failed(path: Path, sp_key: str):
    report = analyze([str(path)], build({"sp_key": [sp_key], "at": "2025-03-11T08:41:00Z"}, None))
    (msg,) = report.messages
    (found,) = [f for f in msg.findings if f.code == "decryption-failed"]
    return found


def test_simplesamlphp_misspelled_gcm_is_named_not_blamed_on_the_key():
    """simplesamlphp/saml2's own sample (its test decrypts it with its key, not published in the
    index): whatever key the SP holds, no xmlsec-based SP knows this algorithm. samlscan said
    'sp.key cannot open the EncryptedKey: the IdP encrypted the assertion for another SP key' and
    asked for the SP's current certificate: the wrong cause and the wrong fix."""
    found = _decryption_failed(SSP_SAMPLE, SP_KEY)
    assert SSP_GCM in found.message_text and "SimpleSAMLphp" in found.message_text
    assert "'http://www.w3.org/2009/xmlenc11#aes256-gcm'" in found.message_text
    assert "another SP key" not in found.message_text
    assert "standard algorithm" in found.hint and "certificate" not in found.hint


def _gcm256_response(tmp_path: Path, algorithm: str) -> Path:
    """A response encrypted for the fixtures' SP key with AES-256-GCM, its EncryptionMethod
    written `algorithm` (signed after encryption, as SimpleSAMLphp signs)."""
    style = GEN.KEYCLOAK
    data = render(GEN.response("ssp-gcm", style), style, GEN.IDP,
                  encryption=Encryption(K.load("sp"), data_method=algorithm))
    path = tmp_path / "gcm.xml"
    path.write_bytes(data)
    return path


def test_misspelled_gcm_with_the_right_key_is_not_called_damaged(tmp_path):
    """With the very key the assertion was encrypted for, xmlsec still fails (unknown algorithm):
    samlscan said the key 'opens the EncryptedKey, but ... the encrypted content was changed or
    cut', with the fix 'give the IdP the SP's current certificate'."""
    found = _decryption_failed(_gcm256_response(tmp_path, SSP_GCM), SP_KEY)
    assert SSP_GCM in found.message_text and "changed or cut" not in found.message_text
    assert "standard algorithm" in found.hint


def test_standard_gcm_256_decrypts(tmp_path):
    """The same response with the standard identifier decrypts with the same key."""
    report = analyze([str(_gcm256_response(tmp_path, "http://www.w3.org/2009/xmlenc11#aes256-gcm"))],
                     build({"sp_key": [SP_KEY]}, None))
    (msg,) = report.messages
    assert [a.was_encrypted for a in msg.message.assertions] == [True]
    assert "decryption-failed" not in {f.code for f in msg.findings}


def test_damaged_ciphertext_with_the_right_key_is_not_blamed_on_the_certificate(tmp_path):
    """When the SP key opens the EncryptedKey and the content does not decrypt, the key is right:
    the fix was still 'give the IdP the SP's current certificate'. (The damage is made by code,
    on a response of our own keys.)"""
    path = _gcm256_response(tmp_path, "http://www.w3.org/2009/xmlenc11#aes256-gcm")
    text = path.read_text(encoding="utf-8")
    value = text.rindex("</xenc:CipherValue>") - 8
    path.write_text(text[:value] + ("A" if text[value] != "A" else "B") + text[value + 1:], encoding="utf-8")
    found = _decryption_failed(path, SP_KEY)
    assert "opens the EncryptedKey" in found.message_text
    assert "right one" in found.hint and "current certificate" not in found.hint


# --- agreements and explained disagreements ------------------------------------------------------

def test_keycloak_latin2_declared_response_reads_its_name():
    """Keycloak's KEYCLOAK-3971 test data: a Response whose XML declaration says ISO-8859-2, its
    bytes Latin-2; Keycloak's parser reads the NameID 'ročéíöüßäöü', and so does samlscan, as a
    file and as the base64 form value a browser would post."""
    import base64

    path = DATA / "keycloak-latin2-declared-response.xml"
    expect = build({"at": "2016-12-15T12:43:00Z"}, None)
    (msg,) = analyze([str(path)], expect).messages
    assert msg.message.assertions[0].name_id.value == "ročéíöüßäöü"
    report = _stdin(base64.b64encode(path.read_bytes()).decode(), "--at", "2016-12-15T12:43:00Z")
    assert report["messages"][0]["assertions"][0]["name_id"] == "ročéíöüßäöü"


def test_simplesamlphp_comment_in_signed_name_id_is_explained():
    """simplesamlphp/saml2 `testCommentsInSignedAssertion` (Duo PSA-2017-003): the assertion
    verifies with its test key (exclusive C14N drops the comment, so this file's DigestValue is the
    one of signedassertion.xml) and the library reads 'SomeNameIDValue'. samlscan reads the same
    value, and still reports nameid-comment-injection as an ERROR: that disagreement is on purpose.
    No IdP writes a comment inside a NameID; a careful SP reads the whole text, as SimpleSAMLphp
    does, but a naive one reads 'SomeNameID' (CVE-2017-11427 and its kin), so the message is the
    shape of an attack on the SPs that read it naively. (The signing certificate is not in the
    index: the signature is not verified here.)"""
    expect = build({"at": "2011-08-31T08:51:05Z"}, None)
    (msg,) = analyze([str(DATA / "simplesamlphp-saml2-signedassertion-with-comments.xml")], expect).messages
    assert msg.message.assertions[0].name_id.value == "SomeNameIDValue"
    (found,) = [f for f in msg.findings if f.code == "nameid-comment-injection"]
    assert found.actual == "SomeNameID"
