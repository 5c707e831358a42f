"""Shapes met in SAML evidence samlscan did not generate (other toolkits' test data, IdP dumps),
rebuilt here with samlgen (real xmlsec signatures and encryption) or as small unsigned XML.

Each test pins one misreading found by running samlscan on third-party samples:
- a ds:Signature outside the element it signs (node-saml: signature in samlp:Extensions);
- a Destination with a line break inside the attribute (java-saml's AD FS / OpenAM samples);
- durations of years said in minutes (test data copied years apart);
- an EncryptedAssertion (or its EncryptedData) given alone (pysaml2's okta_response.xml).
"""
from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest
import xmlsec
from lxml import etree

from samlscan.config import build
from samlscan.engine import analyze_raw
from samlscan.inputs.base import RawMessage
from samlscan.model import Source

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES))
import generate as GEN  # noqa: E402
from samlgen import build as B, signer, tamper  # noqa: E402
from samlgen import keys as K  # noqa: E402
from samlgen import scenario as S  # noqa: E402
from samlgen.render import Encryption, render  # noqa: E402

DEFAULT = build({}, FIXTURES / "config" / "default.toml")
WITH_SP_KEY = build({}, FIXTURES / "config" / "with-sp-key.toml")
NO_KEY = build({}, None)
A = f"{{{S.NS_A}}}"
P = f"{{{S.NS_P}}}"
DS = f"{{{S.NS_DS}}}"
RESPONSE_ONLY = replace(GEN.KEYCLOAK, sign_assertion=False)  # the Response alone is signed


def analyze(data: bytes, expect=DEFAULT):
    res = analyze_raw(RawMessage(Source("test"), "XML", data.decode(), "xml"), 0, expect)
    assert not hasattr(res, "code"), f"refused as input: {res}"
    return res


def by_code(res, code: str) -> list:
    return [f for f in res.findings if f.code == code]


# --- ds:Signature outside the element it signs ------------------------------------------------

def _response_signed_from(place: str) -> bytes:
    """A Response signed over its own ID, the ds:Signature put in samlp:Extensions (node-saml's
    'signature-in-extensions' sample) or, for the control, where SAML core 5.4.1 puts it."""
    root = B.build_response(GEN.response("ext-sig", RESPONSE_ONLY), RESPONSE_ONLY)
    sig = signer.add_template(root, RESPONSE_ONLY)
    if place == "extensions":
        ext = etree.Element(P + "Extensions")
        sig.addprevious(ext)
        ext.append(sig)
    ctx = xmlsec.SignatureContext()
    ctx.key = signer.xmlsec_key(GEN.IDP)
    ctx.register_id(root, "ID")
    ctx.sign(sig)
    return etree.tostring(root)


def test_signature_in_extensions_is_said_where_it_sits():
    res = analyze(_response_signed_from("extensions"))
    assert any(s.parent == "Extensions" and s.verified for s in res.message.signatures)
    missing = by_code(res, "signature-missing")
    assert missing, [f.code for f in res.findings]
    assert "<Extensions> (verifies)" in missing[0].message_text
    assert "neither the Response nor the Assertion carries a signature" != missing[0].message_text


def test_signature_in_its_place_is_not_missing():
    res = analyze(_response_signed_from("response"))
    assert not by_code(res, "signature-missing")
    assert res.message.signed


def test_no_signature_at_all_keeps_the_plain_text():
    data = render(GEN.response("unsigned", replace(RESPONSE_ONLY, sign_response=False)),
                  replace(RESPONSE_ONLY, sign_response=False), GEN.IDP)
    missing = by_code(analyze(data), "signature-missing")
    assert missing and missing[0].message_text == (
        "neither the Response nor the Assertion carries a signature")


# --- whitespace inside Destination ------------------------------------------------------------

def test_destination_with_line_break_is_not_called_a_trailing_slash():
    style = GEN.OKTA
    data = render(GEN.response("dest-nl", style, destination="\n" + S.ACS_URL), style, GEN.IDP)
    res = analyze(data)
    found = by_code(res, "destination-mismatch")
    assert found, [f.code for f in res.findings]
    assert "whitespace" in found[0].message_text
    assert "trailing slash" not in found[0].message_text


def test_destination_trailing_slash_still_says_so():
    style = GEN.OKTA
    data = render(GEN.response("dest-slash", style, destination=S.ACS_URL + "/"), style, GEN.IDP)
    found = by_code(analyze(data), "destination-mismatch")
    assert found and "only a trailing slash differs" in found[0].message_text


def test_exact_destination_has_no_finding():
    assert not by_code(analyze(GEN.okta("dest-ok")), "destination-mismatch")


# --- durations --------------------------------------------------------------------------------

def _unsigned(not_before: str, not_after: str) -> bytes:
    return f"""<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
 xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r" Version="2.0"
 IssueInstant="2015-08-31T08:54:06Z"><saml:Issuer>https://idp.example.org/saml2/idp</saml:Issuer>
 <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
 <saml:Assertion ID="_a" Version="2.0" IssueInstant="2015-08-31T08:54:06Z">
 <saml:Issuer>https://idp.example.org/saml2/idp</saml:Issuer>
 <saml:Subject><saml:NameID>u@example.com</saml:NameID></saml:Subject>
 <saml:Conditions NotBefore="{not_before}" NotOnOrAfter="{not_after}"/></saml:Assertion>
 </samlp:Response>""".encode()


def test_years_of_drift_are_said_in_days():
    res = analyze(_unsigned("2020-09-25T16:00:00Z", "2020-09-25T17:00:00Z"), NO_KEY)
    text = by_code(res, "assertion-not-yet-valid")[0].message_text
    assert " is 1852 d 7 h after " in text


def test_minutes_of_drift_stay_in_minutes():
    res = analyze(_unsigned("2015-08-31T09:00:00Z", "2015-08-31T10:00:00Z"), NO_KEY)
    text = by_code(res, "assertion-not-yet-valid")[0].message_text
    assert " is 5 min 54 s after " in text


# --- an EncryptedAssertion given alone ----------------------------------------------------------

def _encrypted_assertion_alone(bare_data: bool = False) -> bytes:
    """The EncryptedAssertion of a generated encrypted response, taken out as an SP log dumps it."""
    style = GEN.OKTA
    data = render(GEN.response("enc-alone", style), style, GEN.IDP, encryption=Encryption(K.load("sp")))
    enc = tamper.parse(data).find(A + "EncryptedAssertion")
    if bare_data:
        enc = enc.find(f"{{{S.NS_XENC}}}EncryptedData")
    return etree.tostring(enc)


def test_encrypted_assertion_alone_without_key_says_encrypted():
    res = analyze(_encrypted_assertion_alone(), DEFAULT)
    codes = {f.code for f in res.findings}
    assert "assertion-encrypted-no-key" in codes
    assert "version-unsupported" not in codes  # the Version is inside the ciphertext


def test_encrypted_assertion_alone_is_decrypted_and_verified_with_the_sp_key():
    res = analyze(_encrypted_assertion_alone(), WITH_SP_KEY)
    (a,) = res.message.assertions
    assert a.was_encrypted and a.signed
    assert a.name_id is not None and a.name_id.value == S.USER_EMAIL
    assert res.message.issuer == S.IDP_ENTITY_ID
    assert not by_code(res, "assertion-encrypted-no-key")


def test_bare_encrypted_data_is_decrypted_too():
    res = analyze(_encrypted_assertion_alone(bare_data=True), WITH_SP_KEY)
    (a,) = res.message.assertions
    assert a.was_encrypted and a.name_id.value == S.USER_EMAIL


def test_encrypted_assertion_with_the_wrong_key_fails_to_decrypt():
    other = build({"sp_key": str(FIXTURES / "keys" / "sp-other.key")},
                  FIXTURES / "config" / "default.toml")
    res = analyze(_encrypted_assertion_alone(), other)
    assert by_code(res, "decryption-failed")
    assert not res.message.assertions


# --- non-UTF-8 encodings declared by the IdP (Keycloak KEYCLOAK-3971) --------------------------

LATIN2_NAME = "ročéíöüßäöü"


def _latin2_doc(declared: str = "ISO-8859-2") -> str:
    return f"""<?xml version="1.0" encoding="{declared}"?>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
 xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r" Version="2.0"
 IssueInstant="2016-12-15T12:42:49Z"><saml:Issuer>http://localhost/realms/demo</saml:Issuer>
 <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
 <saml:Assertion ID="_a" Version="2.0" IssueInstant="2016-12-15T12:42:49Z">
 <saml:Issuer>http://localhost/realms/demo</saml:Issuer>
 <saml:Subject><saml:NameID>{LATIN2_NAME}</saml:NameID></saml:Subject></saml:Assertion>
 </samlp:Response>"""


def test_latin2_message_in_base64_is_read():
    import base64

    value = base64.b64encode(_latin2_doc().encode("iso-8859-2")).decode()
    res = analyze_raw(RawMessage(Source("test"), "SAMLResponse", value, "post"), 0, NO_KEY)
    assert not hasattr(res, "code"), res  # was: input-xml-malformed 'encoding not accepted'
    assert res.message.assertions[0].name_id.value == LATIN2_NAME


def test_utf7_message_is_still_refused():
    import base64

    value = base64.b64encode(_latin2_doc("UTF-7").encode("utf-7")).decode()
    res = analyze_raw(RawMessage(Source("test"), "SAMLResponse", value, "post"), 0, NO_KEY)
    assert getattr(res, "code", None) == "input-xml-malformed"


def test_xml_text_declaring_latin2_keeps_its_characters():
    res = analyze(_latin2_doc().encode(), NO_KEY)  # text already decoded (a pasted file)
    assert res.message.assertions[0].name_id.value == LATIN2_NAME


def test_xml_text_declaring_utf8_is_unchanged():
    res = analyze(_latin2_doc("UTF-8").encode(), NO_KEY)
    assert res.message.assertions[0].name_id.value == LATIN2_NAME


# --- audience-missing when there are no Conditions at all (Keycloak saml20-assertion-nil) ------

def test_audience_missing_says_there_are_no_conditions():
    res = analyze(_latin2_doc("UTF-8").encode(), NO_KEY)
    (f,) = by_code(res, "audience-missing")
    assert f.message_text == "the assertion has no Conditions, so no AudienceRestriction"


def test_audience_missing_with_empty_conditions_keeps_its_text():
    res = analyze(_unsigned("2015-08-31T08:00:00Z", "2015-08-31T10:00:00Z"), NO_KEY)
    (f,) = by_code(res, "audience-missing")
    assert f.message_text == "the assertion's Conditions carry no AudienceRestriction"


# --- a SAML message inside a SOAP envelope (artifact resolution, ECP, CAS SAML 1.1) ---------------

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"


def _no_declaration(message: bytes) -> bytes:
    return message.split(b"?>", 1)[1] if message.startswith(b"<?xml") else message


def _in_soap(message: bytes, ns: str = SOAP11, extra_body: str = "") -> bytes:
    body = _no_declaration(message)
    return (f'<?xml version="1.0"?><s:Envelope xmlns:s="{ns}"><s:Header/><s:Body>'.encode()
            + body + f"{extra_body}</s:Body></s:Envelope>".encode())


def test_signed_response_in_soap_is_read_and_verifies():
    res = analyze(_in_soap(GEN.okta("soap")))
    assert res.message.kind == "Response"
    assert res.message.signed and all(s.verified for s in res.message.signatures)
    assert res.message.assertions[0].name_id.value == S.USER_EMAIL


def test_soap12_envelope_is_opened_too():
    res = analyze(_in_soap(GEN.okta("soap12"), "http://www.w3.org/2003/05/soap-envelope"))
    assert res.message.kind == "Response"


def test_saml11_in_soap_is_called_saml_1():
    saml11 = (b'<saml1p:Response xmlns:saml1p="urn:oasis:names:tc:SAML:1.0:protocol" MajorVersion="1" '
              b'MinorVersion="1" ResponseID="_r" IssueInstant="2017-08-15T06:30:04Z"/>')
    res = analyze_raw(RawMessage(Source("test"), "XML", _in_soap(saml11).decode(), "xml"), 0, NO_KEY)
    assert res.code == "version-unsupported"


def test_soap_fault_is_not_saml():
    fault = b'<s:Fault xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><faultcode>s:Server</faultcode></s:Fault>'
    res = analyze_raw(RawMessage(Source("test"), "XML", _in_soap(fault).decode(), "xml"), 0, NO_KEY)
    assert res.code == "input-not-saml"


def test_soap_body_with_two_messages_is_not_guessed():
    two = _no_declaration(GEN.okta("soap-two"))
    res = analyze_raw(RawMessage(Source("test"), "XML", _in_soap(two, extra_body=two.decode()).decode(),
                                 "xml"), 0, NO_KEY)
    assert res.code == "input-not-saml"


# --- an Assertion inside saml:Advice (SAML core 2.6.1; proxying IdPs) -------------------------------

def _with_advice(signed_outer: bool = True, signed_inner: bool = False) -> bytes:
    """A response whose assertion carries another assertion in its saml:Advice, signed as asked."""
    style = GEN.OKTA_ASSERTION_ONLY
    root = B.build_response(GEN.response("advice", style), style)
    outer = root.find(A + "Assertion")
    inner = B.build_response(GEN.response("advice-inner", style), style).find(A + "Assertion")
    advice = etree.Element(A + "Advice")
    advice.append(inner)
    outer.find(A + "Conditions").addnext(advice)  # SAML core 2.3.3: Advice after Conditions
    if signed_inner:
        signer.add_template(inner, style)
    if signed_outer:
        signer.add_template(outer, style)
    signer.sign_all(root, GEN.IDP)
    return etree.tostring(root)


def test_advice_assertion_is_not_called_wrapping():
    res = analyze(_with_advice())
    assert not by_code(res, "signature-wrapping"), [f.message_text for f in res.findings]
    assert res.message.assertions[0].signed
    (multiple,) = by_code(res, "assertion-multiple")  # still true for java-saml/python3-saml
    assert "inside saml:Advice" in multiple.message_text


def test_signed_assertion_hidden_in_advice_of_an_unsigned_one_is_wrapping():
    res = analyze(_with_advice(signed_outer=False, signed_inner=True))
    assert by_code(res, "signature-wrapping")
    assert not res.message.assertions[0].signed


def test_assertion_elsewhere_is_still_wrapping():
    style = GEN.OKTA_ASSERTION_ONLY
    root = tamper.parse(render(GEN.response("elsewhere", style), style, GEN.IDP))
    status = root.find(P + "Status")
    extra = B.build_response(GEN.response("elsewhere-2", style), style).find(A + "Assertion")
    status.append(extra)  # not a place SAML puts an assertion
    res = analyze(etree.tostring(root))
    assert by_code(res, "signature-wrapping")


# --- signature values redacted to placeholders (Keycloak KEYCLOAK-6412 sample) ----------------------

def _redact_signature(data: bytes, which: str) -> bytes:
    root = tamper.parse(data)
    el = next(root.iter(DS + which))
    el.text = "[omitted]"
    return tamper.serialize(root)


def test_redacted_digest_value_is_not_called_changed_content():
    res = analyze(_redact_signature(GEN.okta("redacted-digest"), "DigestValue"))
    found = by_code(res, "signature-invalid")
    assert found and "placeholder" in found[0].message_text
    assert not any("content was changed" in f.message_text for f in found)


def test_redacted_signature_value_is_said_too():
    res = analyze(_redact_signature(GEN.okta("redacted-sigvalue"), "SignatureValue"))
    assert any("placeholder" in f.message_text for f in by_code(res, "signature-invalid"))


def test_an_emptied_signature_value_is_a_redaction_for_whoever_shared_it():
    """An empty SignatureValue (the ECP sample of the ninth audit) was 'not base64', and its attempt
    the IdP's to fix: whoever shared the message redacted it."""
    root = tamper.parse(GEN.okta("emptied-sigvalue"))
    next(root.iter(DS + "SignatureValue")).text = ""
    (f, *_) = by_code(analyze(tamper.serialize(root)), "signature-invalid")
    assert "empty, or not base64" in f.message_text and f.side == "user"


def test_changed_content_still_says_digest():
    root = tamper.parse(GEN.okta("changed"))
    next(root.iter(A + "NameID")).text = "someone.else@example.com"
    data = tamper.serialize(root)
    found = by_code(analyze(data), "signature-invalid")
    assert found and all("placeholder" not in f.message_text for f in found)
    assert any("digest" in f.message_text for f in found)


# --- several bearer SubjectConfirmations (java-saml's invalid_subjectconfirmation_multiple_issues) --

ACS = "https://sp.example.org/acs"


def _confirmations(*datas: str) -> bytes:
    scs = "".join(f'<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
                  f"<saml:SubjectConfirmationData {d}/></saml:SubjectConfirmation>" for d in datas)
    return f"""<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
 xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r" Version="2.0"
 IssueInstant="2011-06-17T14:54:14Z"><saml:Issuer>https://idp.example.org</saml:Issuer>
 <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
 <saml:Assertion ID="_a" Version="2.0" IssueInstant="2011-06-17T14:54:14Z">
 <saml:Issuer>https://idp.example.org</saml:Issuer>
 <saml:Subject><saml:NameID>u@example.com</saml:NameID>{scs}</saml:Subject>
 <saml:Conditions NotBefore="2011-06-17T14:50:00Z" NotOnOrAfter="2011-06-17T15:50:00Z"/></saml:Assertion>
 </samlp:Response>""".encode()


AT_ACS = build({"at": "2011-06-17T14:54:20Z", "acs_url": ACS}, None)
GOOD = f'NotOnOrAfter="2011-06-17T14:59:14Z" Recipient="{ACS}"'
EXPIRED = f'NotOnOrAfter="2010-06-17T14:53:44Z" Recipient="{ACS}"'


def test_one_good_bearer_confirmation_is_enough():
    res = analyze(_confirmations(EXPIRED, GOOD, 'NotOnOrAfter="2011-06-17T14:59:14Z" '
                                 'Recipient="https://other.example.org/acs"'), AT_ACS)
    assert not by_code(res, "subject-confirmation-expired")
    assert not by_code(res, "recipient-mismatch")


def test_no_usable_bearer_confirmation_says_why_each_fails():
    res = analyze(_confirmations(f'Recipient="{ACS}"', 'NotOnOrAfter="2120-06-17T14:53:44Z"', EXPIRED),
                  AT_ACS)
    (f,) = by_code(res, "subject-confirmation-expired")
    assert "none of the 3 bearer SubjectConfirmations is usable" in f.message_text
    assert "#1 no NotOnOrAfter" in f.message_text and "#2 no Recipient" in f.message_text


def test_single_expired_confirmation_keeps_its_text():
    (f,) = by_code(analyze(_confirmations(EXPIRED), AT_ACS), "subject-confirmation-expired")
    assert f.message_text.endswith("(--at)")


def _subject_response(subject_inner: str) -> bytes:
    return (f'<samlp:Response xmlns:samlp="{S.NS_P}" xmlns:saml="{S.NS_A}" ID="_r9" Version="2.0" '
            f'IssueInstant="2025-03-11T08:41:00Z"><saml:Issuer>{S.IDP_ENTITY_ID}</saml:Issuer>'
            f'<saml:Assertion ID="_a9" Version="2.0" IssueInstant="2025-03-11T08:41:00Z">'
            f'<saml:Issuer>{S.IDP_ENTITY_ID}</saml:Issuer><saml:Subject>{subject_inner}</saml:Subject>'
            '</saml:Assertion></samlp:Response>').encode()


def test_an_encrypted_nameid_is_said_to_be_unread_not_missing():
    """Keycloak's EncryptedID sample: the NameID showed as empty with no word about why."""
    encrypted = ('<saml:EncryptedID><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">'
                 '<xenc:CipherData><xenc:CipherValue>AAAA</xenc:CipherValue></xenc:CipherData>'
                 '</xenc:EncryptedData></saml:EncryptedID>')
    found = {f.code for f in analyze(_subject_response(encrypted)).findings}
    assert "nameid-encrypted" in found and "nameid-missing" not in found
    clear = {f.code for f in analyze(_subject_response("<saml:NameID>a@example.com</saml:NameID>")).findings}
    assert "nameid-encrypted" not in clear and "nameid-missing" not in clear


def _encrypted_name_id_response() -> bytes:
    """An assertion whose NameID the IdP encrypted for the SP (EncryptedID), then signed."""
    from samlgen import encryptor

    style = GEN.OKTA_ASSERTION_ONLY
    root = B.build_response(GEN.response("enc-nameid", style), style)
    name_id = root.find(f"{A}Assertion/{A}Subject/{A}NameID")
    encryptor.encrypt_assertion(name_id, K.load("sp"), encryptor.AES256_CBC, encryptor.RSA_OAEP,
                                "enc-nameid", "saml2", container="EncryptedID")
    signer.add_template(root.find(A + "Assertion"), style)
    signer.sign_all(root, GEN.IDP)
    return etree.tostring(root)


def test_an_encrypted_nameid_is_decrypted_with_the_sp_key_after_the_signature_is_verified():
    data = _encrypted_name_id_response()
    with_key = analyze(data, WITH_SP_KEY)
    (a,) = with_key.message.assertions
    assert a.signed and a.name_id.value == S.USER_EMAIL and not a.name_id.encrypted
    assert not by_code(with_key, "nameid-encrypted") and not by_code(with_key, "signature-invalid")
    without = analyze(data, DEFAULT)
    assert without.message.assertions[0].name_id.encrypted and by_code(without, "nameid-encrypted")


def _signature_before_issuer() -> bytes:
    """simplesamlphp/saml2's sample shape: the assertion's ds:Signature placed before its Issuer."""
    style = GEN.OKTA_ASSERTION_ONLY
    root = B.build_response(GEN.response("sig-first", style), style)
    assertion = root.find(A + "Assertion")
    sig = signer.add_template(assertion, style)
    assertion.remove(sig)
    assertion.insert(0, sig)  # before the Issuer; the enveloped transform does not care where
    signer.sign_all(root, GEN.IDP)
    return etree.tostring(root)


def test_a_signature_before_the_issuer_is_out_of_schema_order_but_still_verifies():
    res = analyze(_signature_before_issuer())
    (f,) = by_code(res, "schema-order-invalid")
    assert "/Response/Assertion" in f.message_text
    assert res.message.assertions[0].signed and not by_code(res, "signature-invalid")
    in_order = analyze(render(GEN.response("in-order", GEN.OKTA), GEN.OKTA, GEN.IDP))
    assert not by_code(in_order, "schema-order-invalid")


def test_a_rotated_key_behind_both_signatures_is_one_finding_naming_both():
    res = analyze((FIXTURES / "responses" / "defects" / "signature-cert-mismatch.xml").read_bytes())
    (f,) = by_code(res, "signature-cert-mismatch")
    assert "Response signature" in f.message_text and "Assertion signature" in f.message_text
    assert " were made by a key" in f.message_text


@pytest.mark.parametrize("got,said", [
    ("https://SONAR.example.com/oauth2/callback/saml", "only the letter case of the scheme or host differs"),
    ("HTTPS://sonar.example.com/oauth2/callback/saml", "only the letter case of the scheme or host differs"),
    ("https://sonar.example.com/oauth2/callback/saml?x=1", "the query differs"),
    ("https://sonar.example.com/oauth2/callback/saml#f", "the fragment differs"),
    ("https://sonar.example.com:443/oauth2/callback/saml", "only the way the port is written differs"),
    ("https://sonar.example.com:8443/oauth2/callback/saml", "the port differs"),
    ("https://sonar.example.com/oauth2/callback/saml/", "only a trailing slash differs"),
    ("https://sonar.example.com/oauth2/callback/SAML", "only the letter case of the path differs"),
    ("http://sonar.example.com/oauth2/callback/saml", "only the scheme differs"),
    ("https://other.example.com/oauth2/callback/saml", "the host differs"),
])
def test_url_difference_names_the_part_that_differs(got, said):
    """Every difference was 'only a trailing slash' once the hosts matched (review finding)."""
    from samlscan.checks.protocol import _url_difference

    text = _url_difference("https://sonar.example.com/oauth2/callback/saml", got)
    assert text.startswith(said), text
