"""Differential test over java-saml's own test responses (tests/data/javasaml; sources in SOURCES.md).

java-saml is what SonarQube up to 10.x runs, so its verdict is SonarQube's. verdicts.json transcribes,
per sample, the test of AuthnResponseTest.java that judges it: its settings (config.*.properties),
java-saml's verdict and error text, the time. Every sample is run through `samlscan check` with those
settings: no traceback, exit code 1 (java-saml refuses them all), and samlscan's errors are what the
table says: the cause java-saml's text names (through the catalog, as `samlscan explain` maps it), or
a disagreement the table states and explains.
"""
from __future__ import annotations

import base64
import json
import re
import tempfile
from pathlib import Path

import pytest
import xmlsec
from lxml import etree

from external_util import (FILES, analyze_sample, assert_attack_refused, assert_library_verdict, error_codes,
                           run_check, table_flags)
from samlscan.catalog import lookup

DATA = Path(__file__).resolve().parent / "data" / "javasaml"
TABLE = json.loads((DATA / "verdicts.json").read_text())
SAMPLES = TABLE["samples"]


def _flags(name: str) -> dict:
    return table_flags(TABLE, SAMPLES[name])


def _check(name: str, fmt: str = "json"):
    return run_check(DATA, name, _flags(name), fmt)


def _errors(name: str) -> set[str]:
    return error_codes(DATA, name, **_flags(name))


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_check_runs_and_refuses_as_java_saml_does(name):
    result = _check(name)
    assert result.exit_code == (0 if SAMPLES[name]["java_saml_valid"] else 1), result.output


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_verdict_agrees_or_the_disagreement_is_explained(name):
    assert_library_verdict(SAMPLES[name], _errors(name), "java_saml", "java-saml")


@pytest.mark.parametrize("name", sorted(n for n, v in SAMPLES.items() if v.get("attack")))
def test_attacks_never_verify_as_a_valid_login(name):
    """A wrapping, concealed, doubled or spoofed signature never yields a verified Response: none covers
    the Response element (one may verify over another element: encrypted_new_attack's Response signature
    covers a LogoutResponse in StatusDetail)."""
    assert_attack_refused(DATA, name, _flags(name))


def test_copies_are_exact_where_a_signature_is_genuine():
    """The Assertion signatures of the attack samples were made by the IdP: they verify, which proves
    the transcription byte-exact (the attacks move or wrap them, never re-sign)."""
    for name in ("response_with_doubled_signed_assertion.xml", "response_with_concealed_signed_assertion.xml",
                 "response_with_spoofed_response_signature.xml", "triple_signed_response.xml.base64",
                 "signed_assertion_response_with_2_assertions.xml.base64", "response_namespaces.xml.base64",
                 "response_adfs1.xml.base64", "signed_assertion_response_with_2_assertions_differrent_order.xml.base64"):
        sigs = analyze_sample(DATA, name, **_flags(name)).message.signatures
        assert any(s.parent == "Assertion" and s.verified for s in sigs), name


def test_the_spoofed_holder_is_named_by_its_namespace():
    """java-saml, php-saml and python3-saml compare a signature's holder as '{namespace}local'
    (SamlResponse.processSignedElements): the <saml:Response> in samlp:Extensions is no Response."""
    name = "response_with_spoofed_response_signature.xml"
    sigs = analyze_sample(DATA, name, **_flags(name)).message.signatures
    assert sorted(s.parent for s in sigs) == ["Assertion", "{urn:oasis:names:tc:SAML:2.0:assertion}Response"]


UNSIGNED_WITH_FOREIGN_RESPONSE = """<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
 xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"
 ID="_r1" Version="2.0" IssueInstant="2014-02-19T01:37:01Z" Destination="https://sp.example/acs">
 <saml:Issuer>https://idp.example</saml:Issuer>
 <samlp:Extensions><{prefix}:Response ID="fake"><ds:Signature><ds:SignedInfo>
  <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
  <ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
  <ds:Reference URI="#fake"><ds:Transforms>
   <ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></ds:Transforms>
   <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
   <ds:DigestValue>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</ds:DigestValue></ds:Reference>
 </ds:SignedInfo><ds:SignatureValue>AAAA</ds:SignatureValue></ds:Signature></{prefix}:Response>
 </samlp:Extensions>
 <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
 <saml:Assertion ID="_a1" Version="2.0" IssueInstant="2014-02-19T01:37:01Z">
  <saml:Issuer>https://idp.example</saml:Issuer>
  <saml:Subject><saml:NameID>someone@example.org</saml:NameID></saml:Subject>
 </saml:Assertion>
</samlp:Response>"""


@pytest.mark.parametrize("prefix", ["saml", "samlp"])
def test_a_signature_on_a_foreign_response_does_not_sign_the_message(tmp_path, prefix):
    """A ds:Signature on a <saml:Response> (assertion namespace) is no Response signature: the message
    is unsigned (signature-missing), as java-saml says ('Invalid Signature Element
    {urn:oasis:names:tc:SAML:2.0:assertion}Response'). A <samlp:Response> nested in Extensions is a
    real Response element, so that one stays named 'Response' (its placement is another matter)."""
    (tmp_path / "m.xml").write_text(UNSIGNED_WITH_FOREIGN_RESPONSE.replace("{prefix}", prefix))
    res = analyze_sample(tmp_path, "m.xml", at="2014-02-19T01:37:30Z")
    codes = {f.code for f in res.findings if f.severity.value == "error"}
    if prefix == "saml":
        assert "signature-missing" in codes, sorted(codes)
        assert [s.parent for s in res.message.signatures] == ["{urn:oasis:names:tc:SAML:2.0:assertion}Response"]
    else:
        assert [s.parent for s in res.message.signatures] == ["Response"]


def test_the_encrypted_attack_is_copied_exactly_and_decrypts():
    """encrypted_new_attack.xml: its Response signature verifies with the certificate java-saml pins by
    fingerprint and its EncryptedAssertion decrypts with the published SP key (config.newattack)."""
    name = "encrypted_new_attack.xml"
    msg = analyze_sample(DATA, name, **_flags(name)).message
    assert [(s.parent, s.verified, s.signed_path) for s in msg.signatures] == [
        ("Response", True, "/Response/Status/StatusDetail/LogoutResponse")]
    assert [a.was_encrypted for a in msg.assertions] == [True]


def test_an_unpaired_in_response_to_is_refused_as_java_saml_does(tmp_path):
    """invalid_unpaired_inresponsesto.xml (testIsValidSubjectConfirmation_unmatchedInResponseTo, which
    signs it at run time): the Response answers 'unpaired', its bearer SubjectConfirmationData carries
    no InResponseTo. java-saml: 'A valid SubjectConfirmation was not found on this Response:
    SubjectConfirmationData has an invalid InResponseTo value'; samlscan said nothing. The control
    pairs them."""
    name = "invalid_unpaired_inresponsesto.xml"
    flags = dict(sp_entity_id=TABLE["settings"]["my"]["sp_entity_id"], acs_url=TABLE["settings"]["my"]["acs_url"],
                 at="2011-06-17T14:54:30Z")
    found = [f for f in analyze_sample(DATA, name, **flags).findings if f.code == "inresponseto-mismatch"]
    assert len(found) == 1 and "no InResponseTo" in found[0].message_text
    paired = (DATA / name).read_text().replace('<saml:SubjectConfirmationData ',
                                               '<saml:SubjectConfirmationData InResponseTo="unpaired" ')
    (tmp_path / name).write_text(paired)
    assert not [f for f in analyze_sample(tmp_path, name, **flags).findings if f.code == "inresponseto-mismatch"]
    cause = lookup("A valid SubjectConfirmation was not found on this Response: SubjectConfirmationData has an "
                   "invalid InResponseTo value", "java-saml")
    assert cause is not None and cause.code == "inresponseto-mismatch"


def test_a_java_saml_multiple_issue_list_names_each_incomplete_confirmation():
    """invalid_subjectconfirmation_multiple_issues.xml: three bearer SubjectConfirmations, #1 without
    NotOnOrAfter, #2 without Recipient, #3 complete but expired. java-saml lists the three ('[0]
    SubjectConfirmationData doesn't contain a NotOnOrAfter attribute, [1] ... Recipient, [2] ... no
    longer valid'), and `explain` maps that text to subject-confirmation-missing; samlscan said only
    subject-confirmation-expired (one complete bearer kept check_bearer_confirmation quiet)."""
    name = "invalid_subjectconfirmation_multiple_issues.xml"
    res = analyze_sample(DATA, name, **_flags(name))
    missing = [f for f in res.findings if f.code == "subject-confirmation-missing"]
    assert len(missing) == 1 and "NotOnOrAfter (#1); Recipient (#2)" in missing[0].message_text
    assert lookup(SAMPLES[name]["java_saml_error"], "java-saml").code == "subject-confirmation-missing"


def test_one_usable_confirmation_beside_incomplete_ones_is_enough(tmp_path):
    """SAML profiles 4.1.4.3: one usable bearer confirmation confirms the subject; the incomplete ones
    beside it are no error (java-saml accepts it). The control of the test above, same file with #3's
    NotOnOrAfter in the future and the elements' prefix changed."""
    text = (DATA / "invalid_subjectconfirmation_multiple_issues.xml").read_text()
    text = text.replace('NotOnOrAfter="2010-06-17T14:53:44Z"', 'NotOnOrAfter="2120-06-17T14:53:44Z"')
    text = text.replace("saml:", "s2:").replace("xmlns:saml=", "xmlns:s2=")
    (tmp_path / "m.xml").write_text(text)
    flags = {k: v for k, v in _flags("invalid_subjectconfirmation_multiple_issues.xml").items() if k not in FILES}
    res = analyze_sample(tmp_path, "m.xml", **flags)
    codes = {f.code for f in res.findings if f.severity.value == "error"}
    assert codes == {"signature-missing"}, sorted(codes)


def test_the_login_of_two_assertions_is_the_signed_ones_user():
    """signed_assertion_response_with_2_assertions (and java-saml's getNameId): the user is the signed
    Assertion's NameID, never the unsigned 'wrong_value' beside it."""
    name = "signed_assertion_response_with_2_assertions.xml.base64"
    result = _check(name, "json")
    assert "492882615acf31c8096b627245d76ae53036c090" in result.output
    users = {a["user"] for a in json.loads(result.output[:result.output.rindex("}") + 1]).get("attempts", [])}
    assert users == {"492882615acf31c8096b627245d76ae53036c090"}, users


def test_the_doubled_assertion_signature_is_a_genuine_one_twice():
    """signed_assertion_response_with_2signatures: the Assertion holds the same ds:Signature twice, so
    neither verifies (each covers the other); with the second removed in memory the first verifies with
    config.my's IdP certificate, which proves the copy exact and the failure the doubling's alone."""
    name = "signed_assertion_response_with_2signatures.xml.base64"
    raw = base64.b64decode((DATA / name).read_text()).decode()
    first, second = re.finditer(r"<ds:Signature .*?</ds:Signature>", raw, re.S)
    assert first.group() == second.group()
    assert [s.verified for s in analyze_sample(DATA, name, **_flags(name)).message.signatures] == [False, False]
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "one.xml").write_text(raw[:second.start()] + raw[second.end():])
        sigs = analyze_sample(Path(tmp), "one.xml", idp_cert=str(DATA / "my.idp.crt"), at=_flags(name)["at"])
    assert [(s.parent, s.verified) for s in sigs.message.signatures] == [("Assertion", True)]


@pytest.mark.parametrize("name, signed", [("signed_message_encrypted_assertion.xml.base64", ["Response"]),
                                          ("double_signed_encrypted_assertion.xml.base64", ["Response", "Assertion"])])
def test_the_encrypted_valid_samples_are_java_saml_s_copies_and_decrypt(name, signed):
    """java-saml's signed_message_encrypted_assertion and double_signed_encrypted_assertion (not
    python3-saml's files of the same names): their signatures verify with config.my's IdP certificate
    (the Assertion's once decrypted) and the Assertion decrypts with config.my's SP key
    (testIsValid_signedResponseEncryptedAssertion and testIsValid_doubleSignedEncrypted accept them)."""
    msg = analyze_sample(DATA, name, **_flags(name)).message
    assert [(s.parent, s.verified) for s in msg.signatures] == [(p, True) for p in signed]
    assert [a.was_encrypted for a in msg.assertions] == [True]


def _signed_as_java_saml_does(xml: bytes) -> bytes:
    """The message signed over its Response, RSA-SHA1, as java-saml's loadSignMessageAndEncode signs
    it (Util.addSign) with config.my's SP key, whose certificate is config.my's IdP certificate."""
    root = etree.fromstring(xml)
    sig = xmlsec.template.create(root, xmlsec.Transform.EXCL_C14N, xmlsec.Transform.RSA_SHA1, ns="ds")
    root.insert(1, sig)  # after the Issuer (SAML core 5.4.1)
    ref = xmlsec.template.add_reference(sig, xmlsec.Transform.SHA1, uri="#" + root.get("ID"))
    xmlsec.template.add_transform(ref, xmlsec.Transform.ENVELOPED)
    xmlsec.template.add_transform(ref, xmlsec.Transform.EXCL_C14N)
    xmlsec.template.x509_data_add_certificate(xmlsec.template.add_x509_data(xmlsec.template.ensure_key_info(sig)))
    ctx = xmlsec.SignatureContext()
    ctx.key = xmlsec.Key.from_file(str(DATA / "my.sp.key"), xmlsec.KeyFormat.PEM)
    ctx.key.load_cert_from_file(str(DATA / "my.idp.crt"), xmlsec.KeyFormat.PEM)
    ctx.register_id(root, "ID")
    ctx.sign(sig)
    return etree.tostring(root)


def test_the_idp_initiated_response_signed_as_java_saml_does_is_accepted(tmp_path):
    """valid_idp_initiated_response.xml (testIsValid_multipleThreads: config.my, wantMessagesSigned,
    no request ID): no InResponseTo, a NameID whose SPNameQualifier ('hello.com') is not the SP's
    entity ID. java-saml accepts it; samlscan must raise no error (SAML core 2.2.3: SPNameQualifier
    only qualifies the name; profiles 4.1.5: an unsolicited response carries no InResponseTo)."""
    (tmp_path / "m.xml").write_bytes(_signed_as_java_saml_does((DATA / "valid_idp_initiated_response.xml").read_bytes()))
    flags = {k: v for k, v in TABLE["settings"]["my"].items() if k != "config"}
    flags["idp_cert"] = str(DATA / flags["idp_cert"])
    res = analyze_sample(tmp_path, "m.xml", at="2011-06-17T14:54:30Z", **flags)
    assert [(s.parent, s.verified) for s in res.message.signatures] == [("Response", True)]
    assert not [f.code for f in res.findings if f.severity.value == "error"]
    assert "unsolicited-response" in {f.code for f in res.findings}


def test_the_login_of_two_assertions_is_the_signed_ones_user_in_either_order():
    """..._differrent_order: the unsigned Assertion ('wrong_value') first, the signed one second; the
    attempt showed the first's user (java-saml's testOnlyRetrieveAssertionWithIDThatMatchesSignatureReference
    expects the signed one's NameID)."""
    result = _check("signed_assertion_response_with_2_assertions_differrent_order.xml.base64", "json")
    users = {a["user"] for a in json.loads(result.output[:result.output.rindex("}") + 1]).get("attempts", [])}
    assert users == {"492882615acf31c8096b627245d76ae53036c090"}, users


@pytest.mark.parametrize("name, signed", [("valid_response.xml.base64", ["Response", "Assertion"]),
                                          ("valid_response_with_namequalifier.xml.base64", ["Response", "Assertion"]),
                                          ("double_signed_response.xml.base64", ["Response", "Assertion"]),
                                          ("response_encrypted_nameid.xml.base64", ["Response"])])
def test_java_saml_s_own_valid_responses_are_exact_copies(name, signed):
    """Part 5: java-saml's valid_response*, double_signed_response and response_encrypted_nameid (not
    python3-saml's files of the same names): every signature verifies with config.my's IdP certificate,
    which proves the copy exact, and none raises an error (the table says so too)."""
    res = analyze_sample(DATA, name, **_flags(name))
    assert [(s.parent, s.verified) for s in res.message.signatures] == [(p, True) for p in signed]


def test_java_saml_s_valid_encrypted_assertion_decrypts_and_is_unsigned():
    """valid_encrypted_assertion (java-saml's, 6040 characters): it decrypts with config.my's SP key, and
    nothing in it is signed; java-saml's AuthTest refuses it ('Invalid issuer in the Assertion/Response')."""
    name = "valid_encrypted_assertion.xml.base64"
    msg = analyze_sample(DATA, name, **_flags(name)).message
    assert [a.was_encrypted for a in msg.assertions] == [True] and not msg.signatures


def test_a_subject_whose_confirmation_comes_before_its_identifier_is_out_of_schema_order():
    """response_encrypted_nameid: <saml:Subject> holds its SubjectConfirmation before the EncryptedID.
    SAML core 2.4.1.1: the identifier comes first, then the confirmations; the schema validation of
    java-saml in strict mode (SonarQube's) refuses it ('Not match the saml-schema-protocol-2.0.xsd'),
    and only AuthTest's setStrict(false) lets it through. samlscan said nothing."""
    name = "response_encrypted_nameid.xml.base64"
    (f,) = [f for f in analyze_sample(DATA, name, **_flags(name)).findings if f.code == "schema-order-invalid"]
    assert "/Response/Assertion/Subject" in f.message_text
    assert (f.expected, f.actual) == ("EncryptedID, then SubjectConfirmation", "SubjectConfirmation, then EncryptedID")


def _moved(text: str, prefix: str, parent: str, child: str, before: str) -> str:
    """The message with `child` of `parent` moved before its sibling `before`, every element under
    `prefix` instead of saml:."""
    root = etree.fromstring(text.replace("saml:", prefix + ":").replace("xmlns:saml=", f"xmlns:{prefix}="))
    ns = "{urn:oasis:names:tc:SAML:2.0:assertion}"
    holder = root.find(f".//{ns}{parent}")
    holder.find(ns + before).addprevious(holder.find(ns + child))
    return etree.tostring(root).decode()


@pytest.mark.parametrize("prefix, parent, child, before", [
    ("s2", "Subject", "SubjectConfirmation", "NameID"),
    ("a", "Assertion", "Conditions", "Subject"),
    ("saml2", "Assertion", "AttributeStatement", "AuthnStatement"),
])
def test_schema_order_holds_for_any_prefix_and_sequence(tmp_path, prefix, parent, child, before):
    """The general case of the test above: any namespace prefix, any of the sequences an SP validates
    (SAML core 2.3.3, 2.4.1.1). AuthnStatement and AttributeStatement are one choice, in any order."""
    text = (DATA / "invalid_subjectconfirmation_no_notonorafter.xml").read_text()
    flags = {k: v for k, v in _flags("invalid_subjectconfirmation_no_notonorafter.xml").items() if k not in FILES}
    (tmp_path / "m.xml").write_text(_moved(text, prefix, parent, child, before))
    found = [f for f in analyze_sample(tmp_path, "m.xml", **flags).findings if f.code == "schema-order-invalid"]
    if child == "AttributeStatement":
        assert not found
    else:
        assert [(f.expected, f.actual) for f in found] == [(f"{before}, then {child}", f"{child}, then {before}")]
    (tmp_path / "m.xml").write_text(text)
    assert not [f for f in analyze_sample(tmp_path, "m.xml", **flags).findings if f.code == "schema-order-invalid"]


def test_the_html_report_marks_the_two_elements_out_of_order():
    """The HTML report marked every Signature and Issuer for any schema-order finding; the Subject's
    is about its EncryptedID and SubjectConfirmation."""
    from samlscan.report.htmlout import highlights

    name = "response_encrypted_nameid.xml.base64"
    (f,) = [f for f in analyze_sample(DATA, name, **_flags(name)).findings if f.code == "schema-order-invalid"]
    root = etree.fromstring(base64.b64decode((DATA / name).read_text()))
    marked = {el.tag.rpartition("}")[2] for el, codes in highlights(root, [f])[0].items()}
    assert marked == {"EncryptedID", "SubjectConfirmation"}
