"""A seventh audit with real third-party SAML (not rebuilt): the documents of tests/data/external7 as
found (sources, commits and licenses in its SOURCES.md), each checked with its signer's certificate
and judged with --at at its own IssueInstant, as the sources' tests judge them with a fixed clock:
- samltest.id (a Shibboleth IdP, 2023) from hashicorp/cap: Response signed, InclusiveNamespaces xsd;
- SSOCircle (OpenAM, 2019) from Spring Security: the form value as posted (URL-encoded base64 with
  %0D%0A line ends), Assertion signed;
- OneLogin app 371755 (2014) from passport-saml's captured responses: Destination, Recipient and
  Audience are OneLogin's unfilled '{recipient}' / '{audience}' template variables;
- Entra ID (2022) from tercen/saml, and Entra's LogoutRequest/LogoutResponse as Microsoft documents them;
- a CANARIE Shibboleth response pysaml2 keeps pretty-printed (whitespace inside Issuer and Audience);
- Salesforce's signed AuthnRequest (2011) from django-saml2-idp's tests: its SignedInfo is not the
  one signed (the key is right: the RSA block decodes);
- Oracle Access Manager (JPL, 2016) from mattermost/xml-roundtrip-validator: signed, no KeyInfo.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from external_util import analyze_sample

from samlscan.config import build
from samlscan.engine import analyze

DATA = Path(__file__).resolve().parent / "data" / "external7"


def _analyze(name: str, **flags):
    return analyze_sample(DATA, name, **flags)


def _codes(res) -> set[str]:
    return {f.code for f in res.findings} - {"checks-skipped"}


def _finding(res, code):
    (f,) = [f for f in res.findings if f.code == code]
    return f


def _verified_once(m, parent: str):
    """The message's one signature, verified over `parent`, and its one assertion."""
    (sig,) = m.signatures
    assert (sig.parent, sig.verified) == (parent, True)
    (a,) = m.assertions
    return sig, a


# --- samltest.id (Shibboleth IdP), hashicorp/cap saml/response_test.go -------------------------------

SAMLTEST = {"idp_cert": "samltest-id-idp.crt", "sp_entity_id": "http://saml.julz/example",
            "acs_url": "http://localhost:8000/saml/acs", "idp_entity_id": "https://samltest.id/saml/idp"}


def test_samltest_shibboleth_response_reads_as_caps_success_case():
    # cap's "success" case: clock 2023-08-25 14:33:53, request bc5a5baa-...: accepted, NameID
    # msmith@samltest.id, Assertion ID _35ea90b7...
    res = _analyze("samltest-id-shibboleth-response.b64", at="2023-08-25T14:33:53Z",
                   request_id="bc5a5baa-94e0-58a8-872c-e51491d2b3ee", **SAMLTEST)
    m = res.message
    assert m.issuer == "https://samltest.id/saml/idp"
    assert m.destination == "http://localhost:8000/saml/acs"
    sig, a = _verified_once(m, "Response")
    assert sig.matched_cert.sha1 == "E7:6B:5E:8E:6E:1E:28:C4:7C:8A:3B:46:2D:D0:41:37:CA:5C:6E:1E"
    assert a.id == "_35ea90b711d6f385345f0dbdd7d0ed5b"
    assert a.name_id.value == "msmith@samltest.id"
    attrs = {x.name: x.values for x in a.attributes}
    assert attrs["urn:oid:1.3.6.1.4.1.5923.1.1.1.7"] == ("Ambassador", "None")
    assert attrs["urn:oid:2.16.840.1.113730.3.1.241"] == ("Morty Smith",)
    assert _codes(res) == set()


def test_samltest_shibboleth_response_fails_as_caps_error_cases():
    # cap's "err-in-response-to" and "expired" cases: the same response, another request or today
    other = _analyze("samltest-id-shibboleth-response.b64", at="2023-08-25T14:33:53Z",
                     request_id="invalid-request-id", **SAMLTEST)
    assert _codes(other) == {"inresponseto-mismatch"}
    late = _analyze("samltest-id-shibboleth-response.b64", at="2026-01-01T00:00:00Z",
                    request_id="bc5a5baa-94e0-58a8-872c-e51491d2b3ee", **SAMLTEST)
    assert {"assertion-expired", "subject-confirmation-expired"} <= _codes(late)


# --- SSOCircle (OpenAM), Spring Security saml2-response-sso-circle.encoded ---------------------------

def test_ssocircle_form_value_decodes_and_its_assertion_signature_verifies():
    # the file is the SAMLResponse form value as posted (URL-encoded, %0D%0A-wrapped base64); Spring's
    # test only decodes it (InResponseTo ARQ9a73ead-..., ID s246d157..., Issuer https://idp.ssocircle.com)
    expect = build({"idp_cert": str(DATA / "ssocircle-idp.crt"), "idp_entity_id": "https://idp.ssocircle.com",
                    "sp_entity_id": "http://localhost:8080/saml2/service-provider-metadata/ssocircle",
                    "acs_url": "http://localhost:8080/login/saml2/sso/ssocircle", "at": "2019-12-19T17:31:24Z",
                    "request_id": "ARQ9a73ead-7dcf-45a8-89eb-26f3c9900c36",
                    "email_attribute": "EmailAddress"}, None)
    (res,) = analyze([str(DATA / "ssocircle-response.urlencoded")], expect).messages
    m = res.message
    assert m.id == "s246d157446618e90e43fb79bdd4d9e9e19cf2c7c4"
    assert m.in_response_to == "ARQ9a73ead-7dcf-45a8-89eb-26f3c9900c36"
    sig, a = _verified_once(m, "Assertion")
    assert sig.matched_cert.subject == "CN=idp.ssocircle.com,O=SSOCircle,C=DE"
    assert a.name_id.value == "fhanikpivotal"
    assert {x.name: x.values for x in a.attributes}["EmailAddress"] == ("fhanik@pivotal.io",)
    assert _codes(res) == {"signature-weak-algorithm"}  # RSA-SHA1, as SSOCircle signed in 2019


# --- OneLogin app 371755, passport-saml test/tests.js captured responses ---------------------------

ONELOGIN = {"idp_cert": "onelogin-371755-idp.crt", "at": "2014-05-28T00:16:08Z",
            "request_id": "_a6fc46be84e1e3cf3c50"}


def test_onelogin_response_verifies_with_its_account_certificate():
    # passport-saml 'Onelogin -- valid config should succeed' (cert TEST_CERT, mockDate 2014-05-28
    # 00:16:08): accepted, NameID ploer@...; passport-saml checks neither audience nor destination
    res = _analyze("onelogin-371755-placeholders-response.b64", **ONELOGIN)
    m = res.message
    assert m.issuer == "https://app.onelogin.com/saml/metadata/371755"
    sig, a = _verified_once(m, "Assertion")
    assert sig.matched_cert.subject.startswith("CN=OneLogin Account 42349")
    assert a.name_id.value == "ploer@subspacesw.com"
    # 'Onelogin -- invalid cert (from Okta case) should fail' is the same bytes with Okta's
    # certificate: a signer other than the configured one, as here with samltest.id's
    wrong = _analyze("onelogin-371755-placeholders-response.b64", **{**ONELOGIN, "idp_cert": "samltest-id-idp.crt"})
    assert "signature-cert-mismatch" in _codes(wrong)


def test_an_audience_that_is_a_template_variable_is_not_offered_as_the_sp_entity_id():
    # OneLogin wrote '{audience}' and '{recipient}' (its application's fields left empty). The SP is
    # right to refuse; the fix is the IdP's field, never '--sp-entity-id {audience}' (the old hint)
    res = _analyze("onelogin-371755-placeholders-response.b64", sp_entity_id="onelogin_saml",
                   acs_url="http://localhost/login/callback", **ONELOGIN)
    aud = _finding(res, "audience-mismatch")
    assert "unfilled template variable" in aud.message_text
    assert "{audience}" not in aud.hint and "sp-entity-id" not in aud.hint
    assert "onelogin_saml" in aud.hint
    # '{recipient}' in both the Destination and the Recipient: one IdP field, said once
    dest = _finding(res, "destination-mismatch").message_text
    assert "unfilled template" in dest and "Recipient names the same URL" in dest
    assert "recipient-mismatch" not in _codes(res)


def test_unfilled_templates_are_refused_without_the_sps_own_values():
    """No SP accepts '{audience}' or '{recipient}': they are errors also when samlscan was not told
    the SP's entity ID or ACS URL (the login was a success), and the attempt's SP is not named
    after them ('failures by SP: {recipient}')."""
    from samlscan.correlate import correlate

    res = _analyze("onelogin-371755-placeholders-response.b64", **ONELOGIN)
    assert "recipient-mismatch" not in _codes(res)  # the same '{recipient}' as the Destination: said in it
    for code, value in (("audience-mismatch", "{audience}"), ("destination-mismatch", "{recipient}")):
        f = _finding(res, code)
        assert (f.actual, f.expected) == (value, None) and "unfilled template variable" in f.message_text
        assert f.hint.startswith("Fill in the IdP application's") and f.side == "idp"
    report = analyze([str(DATA / "onelogin-371755-placeholders-response.b64")],
                     build({"idp_cert": [str(DATA / ONELOGIN["idp_cert"])], "at": ONELOGIN["at"]}, None))
    (attempt,) = correlate(report).attempts
    assert (attempt.outcome, attempt.root_cause, attempt.sp) == ("failure", "audience-mismatch", None)


def test_a_real_audience_beside_the_mismatch_is_still_offered():
    # the Entra response's own Audience is an entity ID: adopting it stays a fix
    res = _analyze("entra-tercen-response.xml", idp_cert="entra-tercen-idp.crt", sp_entity_id="dummy",
                   at="2022-02-23T17:49:18.872Z")
    assert "set the SP's entity ID (samlscan's --sp-entity-id) to https://devpg.tercen.com/_service/sso/auth/saml" in \
        _finding(res, "audience-mismatch").hint


# --- Entra ID, tercen/saml test/response/azure_ad_response_raw.xml ---------------------------------

ENTRA = {"idp_cert": "entra-tercen-idp.crt",
         "idp_entity_id": "https://sts.windows.net/5b5c94c6-14cf-42da-85bc-4e08722b253b/",
         "sp_entity_id": "https://devpg.tercen.com/_service/sso/auth/saml",
         "acs_url": "https://devpg.tercen.com/_service/sso/auth/saml"}


def test_entra_response_reads_as_tercens_test_expects():
    # tercen/saml test/saml_test.dart: valid with its issuer and audience when time is not checked
    res = _analyze("entra-tercen-response.xml", at="2022-02-23T17:49:18.872Z",
                   request_id="id6491e192-e2d9-4970-ab03-e38ffda6e033", **ENTRA)
    m = res.message
    sig, a = _verified_once(m, "Assertion")
    assert sig.signature_algorithm == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    assert sig.matched_cert.subject == "CN=Microsoft Azure Federated SSO Certificate"
    assert a.name_id.value == "test@alexandremaurelgmail.onmicrosoft.com"
    assert {x.name: x.values for x in a.attributes}[
        "http://schemas.microsoft.com/identity/claims/displayname"] == ("test",)
    assert _codes(res) == set()
    # ... and invalid with issuer 'dummy', audience 'dummy', or the time checked (today)
    assert _codes(_analyze("entra-tercen-response.xml", at="2022-02-23T17:49:18.872Z",
                           **{**ENTRA, "idp_entity_id": "dummy"})) == {"issuer-mismatch"}
    assert _codes(_analyze("entra-tercen-response.xml", at="2022-02-23T17:49:18.872Z",
                           **{**ENTRA, "sp_entity_id": "dummy"})) == {"audience-mismatch"}


def test_an_expired_window_names_the_evaluation_time_in_one_sentence():
    # 'passed 1738 d 5 h before at 2026-11-28T00:00:00Z (--at)': 'before at' read wrong
    res = _analyze("entra-tercen-response.xml", at="2026-11-28T00:00:00Z", **ENTRA)
    text = _finding(res, "assertion-expired").message_text
    assert "before 2026-11-28T00:00:00Z (--at), allowing 180 s of clock skew" in text
    assert "before at" not in text


def test_entra_documented_logout_messages_read_cleanly():
    # Microsoft's single sign-out protocol page: the SP's LogoutRequest, Entra's LogoutResponse
    req = _analyze("entra-docs-logout-request.xml", sp_entity_id="https://www.workaad.com")
    assert (req.message.kind, req.message.issuer) == ("LogoutRequest", "https://www.workaad.com")
    assert req.message.logout_name_id == "Uz2Pqz1X7pxe4XLWxV9KJQ+n59d573SepSAkuYKSde8="
    assert req.message.session_indexes == ()  # every session of the subject
    assert _codes(req) == set()
    resp = _analyze("entra-docs-logout-response.xml",
                    idp_entity_id="https://sts.windows.net/82869000-6ad1-48f0-8171-272ed18796e9/",
                    request_id="iddce91f96e56747b5ace6d2e2aa9d4f8c")
    assert (resp.message.kind, resp.message.status.code) == (
        "LogoutResponse", "urn:oasis:names:tc:SAML:2.0:status:Success")
    assert _codes(resp) == set()


# --- CANARIE Shibboleth, pysaml2 tests/attribute_response.xml ---------------------------------------

def test_pretty_printed_shibboleth_response_is_judged_per_sp():
    # pysaml2's test_other_response accepts it (pysaml2 strips the text and does not require a
    # signature in that test). samlscan says what stricter SPs do, by design: no signature at all,
    # the Issuer with line breaks around it (java-saml, python3-saml), the padded Audience
    # (python3-saml only: a warning); the values themselves read trimmed
    res = _analyze("canarie-shibboleth-response-pysaml2.xml", at="2014-09-14T21:01:32.081Z",
                   idp_entity_id="https://idp.canarie.ca/idp/shibboleth",
                   sp_entity_id="urn:mace:example.com:saml:roland:sp",
                   acs_url="https://myreviewroom.com/saml2/acs/",
                   request_id="id-f4d370f3d03650f3ec0da694e2348bfe")
    assert _codes(res) == {"signature-missing", "issuer-mismatch", "audience-mismatch"}
    assert _finding(res, "audience-mismatch").severity.value == "warning"
    a = res.message.assertions[0]
    assert a.name_id.value == "_f6224ef32bb60b146e88463aab04aa6a"
    assert {x.name: x.values for x in a.attributes}["urn:oid:0.9.2342.19200300.100.1.3"] == (
        "Chris.Phillips@canarie.ca",)


# --- Salesforce's signed AuthnRequest, django-saml2-idp tests/salesforce.py -------------------------

SALESFORCE = {"sp_cert": "salesforce-sp.crt", "sp_entity_id": "https://saml.salesforce.com"}


def test_salesforce_authnrequest_signed_info_changed_is_not_called_another_key():
    # the digest of the AuthnRequest matches and the SignatureValue decodes with the very key of the
    # certificate it carries (the one given as --sp-cert) into a SHA-1 DigestInfo of other bytes:
    # the SignedInfo is not the one signed. It was told 'the SP signs with another key'.
    res = _analyze("salesforce-signed-authnrequest.xml", **SALESFORCE)
    (sig,) = res.message.signatures
    assert (sig.verified, sig.failure) == (False, "signed-info-changed")
    f = _finding(res, "request-signature-invalid")
    assert "over another SignedInfo" in f.message_text
    assert "another key" not in f.message_text.replace("not signed by a wrong key", "")
    assert "no certificate change helps" in f.hint


def test_a_wrong_key_is_still_a_wrong_key():
    # OAM's 1024-bit signature against another 1024-bit certificate (Salesforce's): nothing decodes,
    # and without KeyInfo nothing tells a wrong key from a changed SignedInfo
    res = _analyze("oam-jpl-response-no-keyinfo.xml", idp_cert="salesforce-sp.crt", at="2016-12-12T16:54:35Z")
    (sig,) = res.message.signatures
    assert sig.failure == "signature-value"
    assert "wrong key" in _finding(res, "signature-invalid").message_text


def test_a_signature_value_of_another_length_than_the_configured_key_is_another_key():
    """OAM sends no KeyInfo; its 1024-bit SignatureValue cannot come from samltest.id's 2048-bit key
    (RFC 8017 8.2.1: the signature is as long as the modulus): another key made it, the certificate
    to replace (it was 'wrong key, or SignedInfo/SignatureValue changed')."""
    res = _analyze("oam-jpl-response-no-keyinfo.xml", idp_cert="samltest-id-idp.crt", at="2016-12-12T16:54:35Z")
    (sig,) = res.message.signatures
    assert (sig.failure, sig.key_bits) == ("cert-mismatch", 1024)
    f = _finding(res, "signature-cert-mismatch")
    assert f.actual.startswith("a 1024-bit key") and "signature-invalid" not in _codes(res)
    assert "signature-weak-key" in _codes(res)


def test_weak_crypto_of_an_sp_signed_request_is_the_sps_to_fix():
    # RSA-SHA1 and a 1024-bit key in Salesforce's AuthnRequest: 'configure the IdP' sent the admin
    # to the wrong product
    res = _analyze("salesforce-signed-authnrequest.xml", **SALESFORCE)
    for code in ("signature-weak-algorithm", "signature-weak-key"):
        f = _finding(res, code)
        assert f.hint.startswith("Configure the SP") or f.hint.startswith("Give the SP")
        assert "IdP" not in f.hint and f.side == "sp"
    # an IdP's message keeps the IdP's fix
    idp = _finding(_analyze("oam-jpl-response-no-keyinfo.xml", at="2016-12-12T16:54:35Z"),
                   "signature-weak-algorithm")
    assert "IdP" in idp.hint and idp.side is None


# --- Oracle Access Manager, mattermost/xml-roundtrip-validator validator_test.go ---------------------

def test_oam_response_without_keyinfo_is_not_verified_without_a_certificate():
    # OAM signs the Assertion and sends no KeyInfo: nothing to verify with until the IdP's
    # certificate is configured; the rest of the response reads as the SP (JSAuth) expects
    res = _analyze("oam-jpl-response-no-keyinfo.xml", at="2016-12-12T16:54:35Z", sp_entity_id="JSAuth",
                   acs_url="http://127.0.0.1:5556/callback",
                   idp_entity_id="https://deaoam-dev02.jpl.nasa.gov:14101/oam/fed",
                   request_id="_e66b3a98-831c-4c96-5706-b63fe0549624")
    (sig,) = res.message.signatures
    assert (sig.parent, sig.verified, sig.failure, sig.embedded_certs) == ("Assertion", None, "no-key", ())
    assert res.message.assertions[0].name_id.value == "pkieu"
    assert _codes(res) == {"signature-weak-algorithm"}


# --- the RSA diagnosis on hostile or unchecked signatures (review of the seventh audit) ------------

def _pkcs1_block(n: int, digest: bytes) -> int:
    """EMSA-PKCS1-v1_5 (RFC 8017 9.2) of a SHA-256 digest, as an integer below n."""
    info = bytes.fromhex("3031300d060960864801650304020105000420") + digest
    k = (n.bit_length() + 7) // 8
    return int.from_bytes(b"\x00\x01" + b"\xff" * (k - len(info) - 3) + b"\x00" + info, "big")


def test_the_rsa_diagnosis_skips_keys_no_signer_uses():
    """A message's own KeyInfo may carry an RSA key with a huge public exponent: the diagnosis's
    pow() then ran for minutes (a 21 KB response took 40 s). Such keys are skipped, as OpenSSL
    refuses them; an ordinary key over the same modulus still decodes its own signature."""
    import base64
    import hashlib
    import math

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from lxml import etree

    from samlscan.sigverify import _rsa_signed_by

    priv = rsa.generate_private_key(65537, 1024).private_numbers()
    n, phi = priv.p * priv.q, (priv.p - 1) * (priv.q - 1)

    def signature_and_key(e: int):
        d = pow(e, -1, phi)
        value = pow(_pkcs1_block(n, hashlib.sha256(b"SignedInfo").digest()), d, n)
        sig = etree.fromstring(f'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignatureValue>'
                               f'{base64.b64encode(value.to_bytes(128, "big")).decode()}</ds:SignatureValue>'
                               '</ds:Signature>')
        spki = rsa.RSAPublicNumbers(e, n).public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return sig, spki

    sig, spki = signature_and_key(65537)
    assert _rsa_signed_by(sig, [spki]) is True
    huge = (1 << 100) + 1
    while math.gcd(huge, phi) != 1:
        huge += 2
    sig, spki = signature_and_key(huge)
    assert _rsa_signed_by(sig, [spki]) is False


def test_an_unchecked_digest_is_not_said_to_match(tmp_path):
    """A Reference with an XPath transform samlscan does not recompute, and its content changed
    after signing: it was 'the digest of the signed content matches ... the SignedInfo was edited'
    (signed-info-changed, 'no certificate change helps'); the digest is unknown, so is which part."""
    import xmlsec
    from lxml import etree

    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    root = etree.parse(str(fixtures / "responses" / "valid" / "okta.xml")).getroot()
    ds = "{http://www.w3.org/2000/09/xmldsig#}"
    for old in list(root.iter(ds + "Signature")):
        old.getparent().remove(old)
    sig = xmlsec.template.create(root, xmlsec.Transform.EXCL_C14N, xmlsec.Transform.RSA_SHA256, ns="ds")
    root.insert(1, sig)
    ref = xmlsec.template.add_reference(sig, xmlsec.Transform.SHA256, uri="#" + root.get("ID"))
    xmlsec.template.add_transform(ref, xmlsec.Transform.ENVELOPED)
    xpath = xmlsec.template.add_transform(ref, xmlsec.Transform.XPATH)
    etree.SubElement(xpath, ds + "XPath").text = "not(self::text()[normalize-space()=''])"
    xmlsec.template.add_transform(ref, xmlsec.Transform.EXCL_C14N)
    xmlsec.template.add_x509_data(xmlsec.template.ensure_key_info(sig))
    ctx = xmlsec.SignatureContext()
    ctx.key = xmlsec.Key.from_file(str(fixtures / "keys" / "idp.key"), xmlsec.KeyFormat.PEM)
    ctx.key.load_cert_from_file(str(fixtures / "keys" / "idp.crt"), xmlsec.KeyFormat.PEM)
    ctx.register_id(root, "ID")
    ctx.sign(sig)
    name_id = next(root.iter("{urn:oasis:names:tc:SAML:2.0:assertion}NameID"))
    name_id.text = "attacker@example.com"
    path = tmp_path / "tampered.xml"
    path.write_bytes(etree.tostring(root))
    res = analyze_sample(tmp_path, "tampered.xml", idp_cert=str(fixtures / "keys" / "idp.crt"),
                         at="2025-03-11T08:41:02Z")
    (sig_info,) = res.message.signatures
    assert sig_info.failure == "signature-value-unchecked"
    text = _finding(res, "signature-invalid").message_text
    assert "cannot recompute" in text and "digest matches" not in text


@pytest.mark.parametrize("value, template", [
    ("{audience}", True), ("{{ sp_entity_id }}", True), ("${audience}", True), ("%AUDIENCE%", True),
    ("{{.Audience}}", True), ("#{audience}", True),
    ("{12345678-1234-1234-1234-123456789abc}", False), ("https://sp.example.com/saml%2Fmetadata", False),
    ("urn:amazon:webservices", False), ("spn:00000000-0000-0000-0000-000000000000", False),
])
def test_template_variables_are_told_from_entity_ids(value, template):
    from samlscan.checks.protocol import is_template_variable

    assert is_template_variable(value) is template


def test_a_cut_signature_value_is_not_another_keys(tmp_path):
    """A SignatureValue of 200 bytes is no modulus size: the value is damaged, not made by 'a
    1600-bit key' (and no weak-key warning follows from its length)."""
    import base64
    import re

    text = (DATA / "oam-jpl-response-no-keyinfo.xml").read_text(encoding="utf-8")
    value = re.search(r"<(\w+:)?SignatureValue>([^<]+)</", text)
    raw = base64.b64decode(re.sub(r"\s+", "", value.group(2)))
    for cut in (raw[:100], raw[:-1]):  # 800 bits; 1016 bits, a leading zero octet dropped, stays 1024
        path = tmp_path / "cut.xml"
        path.write_text(text.replace(value.group(2), base64.b64encode(cut).decode()), encoding="utf-8")
        res = analyze_sample(tmp_path, "cut.xml", idp_cert=str(DATA / "samltest-id-idp.crt"), at="2016-12-12T16:54:35Z")
        (sig,) = res.message.signatures
        if len(cut) == 100:
            assert sig.failure != "cert-mismatch" and "signature-weak-key" not in _codes(res)
        else:
            assert (sig.failure, sig.key_bits) == ("cert-mismatch", 1024)
