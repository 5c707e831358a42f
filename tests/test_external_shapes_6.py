"""A sixth audit with real third-party SAML (not rebuilt): the documents of tests/data/external6 as
found (sources, commits and licenses in its SOURCES.md), each checked with its own signer's
certificate or IdP metadata and judged with --at inside its long-past window, as the source's own
tests judge them with a fixed clock. Each test pins samlscan's verdict on one sample:
- three real Okta responses (app exkppsa1qwuFV4D7z0h7, 2020) from crewjam/saml, encrypted for
  crewjam's test key (AES-256-CBC, RSA-OAEP, the EncryptedKey beside the EncryptedData, reached by
  a RetrievalMethod): the Response signed, the Assertion signed inside the encryption, and both;
- a SimpleSAMLphp response (passport-wsfed-saml2's present samlresponse_utf8.txt): Response and
  encrypted Assertion signed (RSA-SHA1), 'Doë' read as UTF-8 from inside the encryption;
- a SecureWorks IdP response whose two signatures carry only an RSAKeyValue (the Modulus wrapped
  with line feeds), verified with the IdP metadata's certificate;
- an AD FS response (sso.hq.scireum.com, no NameID) and a 'logind' response under the same Issuer
  (SignatureValue and certificate wrapped, IssueInstant="") from scireum/sirius-web;
- a Keycloak response (realm master, dsig: prefix, KeyName + certificate + RSAKeyValue, one
  Attribute element a role) from Sourcegraph's SAML tests.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from external_util import analyze_sample


DATA = Path(__file__).resolve().parent / "data" / "external6"


def _analyze(name: str, **flags):
    return analyze_sample(DATA, name, **flags)


def _codes(res) -> set[str]:
    return {f.code for f in res.findings} - {"checks-skipped"}


def _attrs(a) -> dict:
    return {x.name: x.values for x in a.attributes}


OKTA = {"idp_metadata": "okta-exkppsa1qwuFV4D7z0h7-idp-metadata.xml", "sp_key": "crewjam-saml-test.key",
        "sp_entity_id": "http://localhost:8000/saml/metadata", "acs_url": "http://localhost:8000/saml/acs",
        "idp_entity_id": "http://www.okta.com/exkppsa1qwuFV4D7z0h7"}
OKTA_SIGNER = "89:5F:56:4E:04:D3:9E:8A:A2:80:1D:93:82:12:F2:A5:7E:3F:44:CF"  # CN=dev-513394


@pytest.mark.parametrize("name, at, request_id, signed, codes", [
    # crewjam/saml TestSPCanHandleOktaSignedResponseEncryptedAssertion
    ("okta-signed-response-encrypted-assertion.b64", "2020-03-03T19:24:28Z",
     "id-a7364d1e4432aa9085a7a8bd824ea2fa8fa8f684", ("Response",), set()),
    # TestSPCanHandleOktaResponseEncryptedSignedAssertion: the Response itself is unsigned (true:
    # Spring SPs want it signed when the assertion is encrypted)
    ("okta-response-encrypted-signed-assertion.b64", "2020-03-03T19:31:55Z",
     "id-6d976cdde8e76df5df0a8ff58148fc0b7ec6796d", ("Assertion",), {"response-signature-required"}),
    # TestSPCanHandleOktaResponseEncryptedAssertionBothSigned
    ("okta-response-encrypted-assertion-both-signed.b64", "2020-03-03T19:40:54Z",
     "id-953d4cab69ff475c5901d12e585b0bb15a7b85fe", ("Response", "Assertion"), set()),
])
def test_okta_encrypted_responses_decrypt_and_verify(name, at, request_id, signed, codes):
    res = _analyze(name, at=at, request_id=request_id, **OKTA)
    m = res.message
    assert m.issuer == "http://www.okta.com/exkppsa1qwuFV4D7z0h7"
    assert m.destination == "http://localhost:8000/saml/acs"
    assert tuple(s.parent for s in m.signatures) == signed
    for sig in m.signatures:
        assert sig.verified is True and sig.failure is None
        assert sig.signature_algorithm == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
        assert sig.matched_cert.sha1 == OKTA_SIGNER
    (a,) = m.assertions
    assert a.was_encrypted and a.signed
    assert sorted(a.signed_by) == sorted(signed)
    # as the crewjam tests expect: NameID and the one attribute
    assert a.name_id.value == "testuser@testrsc.com"
    assert _attrs(a) == {"Username": ("FixedValue",)}
    assert a.audience_restrictions == (("http://localhost:8000/saml/metadata",),)
    assert _codes(res) == codes


def test_okta_encrypted_key_beside_the_data_names_the_sp_certificate_for_another_key():
    # the EncryptedKey stands beside the EncryptedData (a RetrievalMethod points at it): a key that
    # does not open it is told with the SP certificate the IdP encrypted for
    flags = dict(OKTA, sp_key="auth0-test.key")
    res = _analyze("okta-signed-response-encrypted-assertion.b64", at="2020-03-03T19:24:28Z", **flags)
    (f,) = [f for f in res.findings if f.code == "decryption-failed"]
    assert "cannot open the EncryptedKey" in f.message_text and "CN=localhost" in f.message_text
    (sig,) = res.message.signatures
    assert sig.verified is True  # the Response signature still verifies


SSP = {"idp_cert": "simplesamlphp-localhost-idp.crt", "sp_key": "auth0-test.key", "at": "2017-11-16T23:57:31Z",
       "sp_entity_id": "urn:auth0:login0:simplephp", "acs_url": "https://login0.myauth0.com/login/callback",
       "idp_entity_id": "http://localhost:8080/simplesaml/saml2/idp/metadata.php",
       "request_id": "_317e26c1b83bb3e8cedc", "email_attribute": "urn:oid:0.9.2342.19200300.100.1.3"}


def test_simplesamlphp_doe_encrypted_and_signed_reads_utf8():
    res = _analyze("simplesamlphp-doe-utf8-encrypted.b64", **SSP)
    m = res.message
    assert [(s.parent, s.verified) for s in m.signatures] == [("Response", True), ("Assertion", True)]
    (a,) = m.assertions
    assert a.was_encrypted and sorted(a.signed_by) == ["Assertion", "Response"]
    # as passport-wsfed-saml2's samlp.functional.tests.js expects
    assert a.name_id.value == "_98f3625b1c12bdbda1842b868eee10cdb61385b270"
    values = _attrs(a)
    assert values["urn:oid:2.5.4.4"] == ("Doë",)
    assert values["urn:oid:1.3.6.1.4.1.5923.1.1.1.1"] == ("group1", "group2", "group3")
    assert values["urn:oid:0.9.2342.19200300.100.1.3"] == ("john.doe@example.com",)
    assert _codes(res) == {"signature-weak-algorithm"}  # RSA-SHA1, as signed


def test_secureworks_rsakeyvalue_signatures_verify_with_the_metadata_certificate():
    res = _analyze("secureworks-rsakeyvalue-response.xml", idp_metadata="secureworks-idp-metadata.xml",
                   at="2017-04-21T13:12:51Z", request_id="id-3992f74e652d89c3cf1efd6c7e472abaac9bc917",
                   sp_entity_id="https://preview.docrocket-ross.test.octolabs.io/saml/metadata",
                   acs_url="https://preview.docrocket-ross.test.octolabs.io/saml/acs")
    m = res.message
    assert m.issuer == "https://idp.secureworks.com/SAML2"
    assert [(s.parent, s.verified) for s in m.signatures] == [("Response", True), ("Assertion", True)]
    for sig in m.signatures:
        assert not sig.embedded_certs and "RSAKeyValue" in sig.keyinfo_key.holds
        assert "idp.secureworks.com-signature" in sig.matched_cert.subject
    (a,) = m.assertions
    assert a.name_id.value == "rkinder@secureworks.com"  # crewjam/saml accepts it (no error)
    # its bearer SubjectConfirmationData has a NotBefore, which SAML profiles 4.1.4.2 forbids (a warning:
    # Apache CXF refuses it, java-saml and crewjam/saml accept it once reached)
    assert _codes(res) == {"signature-weak-algorithm", "subject-confirmation-not-before"}


SCIREUM = "https://sso.hq.scireum.com/adfs/services/trust"


def test_adfs_response_without_nameid_verifies_with_its_signing_certificate():
    res = _analyze("adfs-scireum-response.xml", idp_cert="adfs-scireum-idp.crt", at="2022-05-12T11:17:30Z",
                   idp_entity_id=SCIREUM, sp_entity_id="memoio-staging",
                   acs_url="https://memoio.staging.scireum.com/saml/login", request_id="identifier_1652354198578")
    m = res.message
    assert m.issuer == SCIREUM
    (sig,) = m.signatures
    assert sig.parent == "Assertion" and sig.verified is True
    # the fingerprint scireum/sirius-web's SamlTest expects
    assert sig.matched_cert.sha1.replace(":", "").lower() == "c5fbeb487860c8e3cbe56409617021d01be371ff"
    (a,) = m.assertions
    assert a.name_id is None
    assert _attrs(a)["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"] == ("Jakob Vogel",)
    assert _codes(res) == {"nameid-missing"}  # true: the Subject carries only a SubjectConfirmation


def test_logind_response_verifies_and_its_empty_issue_instant_is_told():
    res = _analyze("logind-scireum-response.xml", idp_cert="logind-scireum-idp.crt", at="2022-05-12T11:07:30Z",
                   idp_entity_id=SCIREUM, sp_entity_id="sellsite-test",
                   acs_url="https://sellsite.test.scireum.com/saml/login", request_id="identifier_1652353644351")
    m = res.message
    (sig,) = m.signatures
    assert sig.verified is True  # SignatureValue and certificate wrapped with line feeds
    assert sig.matched_cert.sha1.replace(":", "").lower() == "71038506714cb316a8cb6500b26551b1c29375ce"
    (a,) = m.assertions
    assert a.name_id.value == "jge@scireum.de"
    role = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"
    assert _attrs(a)[role][1] == "permission-manage-custom-folders"
    # both true: IssueInstant="" is no xs:dateTime, and the Destination (memoio) is not the
    # Recipient (sellsite) the assertion was issued for
    assert _codes(res) == {"input-xml-malformed", "destination-mismatch"}


def test_keycloak_response_signed_with_keyname_certificate_and_key_value():
    res = _analyze("keycloak-master-response.xml", idp_cert="keycloak-master-idp.crt", at="2018-05-20T17:12:06Z",
                   idp_entity_id="http://localhost:3220/auth/realms/master",
                   sp_entity_id="http://localhost:3080/.auth/saml/metadata",
                   acs_url="http://localhost:3080/.auth/saml/acs", request_id="_b5744ff7-7066-4db6-a19f-baa925227c8a",
                   email_attribute="urn:oid:1.2.840.113549.1.9.1", login_attribute="urn:oid:1.2.840.113549.1.9.1")
    m = res.message
    (sig,) = m.signatures
    assert sig.parent == "Response" and sig.verified is True
    (a,) = m.assertions
    # as Sourcegraph's TestReadAuthnResponse expects
    assert a.name_id.value == "G-58956f28-7bf5-448d-923a-bd39438c2a9e"
    values = _attrs(a)
    assert values["urn:oid:1.2.840.113549.1.9.1"] == ("bob@example.com",)
    assert (values["urn:oid:2.5.4.42"], values["urn:oid:2.5.4.4"]) == (("Bob",), ("Yang",))
    assert sum(x.name == "Role" for x in a.attributes) == 24
    # true: Keycloak writes one Attribute element per role; java-saml and python3-saml refuse that
    assert _codes(res) == {"attribute-duplicate-name"}
