"""A fifth audit with real third-party SAML (not rebuilt): the documents of tests/data/external5 as
found (sources, commits and licenses in its SOURCES.md), each checked with its own signer's
certificate or IdP metadata and judged with --at inside its long-past window, as the source's own
tests judge them with a fixed clock. Each test pins samlscan's verdict on one sample:
- a SWITCH AAI Shibboleth IdP (aai-logon.ethz.ch) Response: unsigned, an EncryptedAssertion
  (AES-128-CBC, RSA-OAEP, the SP certificate in the EncryptedKey) whose Assertion is signed
  (RSA-SHA1, InclusiveNamespaces PrefixList "xs"): decrypted, verified, 'Müller' read as UTF-8;
- OneLogin (app 503983): a signed Response (RSA-SHA1) verified with the IdP metadata;
- Google Workspace: a signed Response (RSA-SHA256, SignatureValue wrapped with line feeds, an
  X509SubjectName beside the certificate), empty attributes read as such;
- the TestShib IdP: an EncryptedAssertion whose Assertion is signed (RSA-SHA256), decrypted with
  crewjam/saml's test key, a NameID inside an AttributeValue (eduPersonTargetedID) read;
- the OneLogin response checked with Google's metadata: the certificate mismatch is no rotation
  (it said 'the SP was switched to the new certificate before the IdP was' and sent the admin to
  activate a certificate in the IdP, comparing the dates of two IdPs' certificates).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from external_util import analyze_sample


DATA = Path(__file__).resolve().parent / "data" / "external5"


def _analyze(name: str, **flags):
    return analyze_sample(DATA, name, **flags)


def _codes(res) -> set[str]:
    return {f.code for f in res.findings}


def _attrs(a) -> dict:
    return {x.name: x.values for x in a.attributes}


ETH = {"at": "2014-04-11T11:35:30Z", "sp_entity_id": "urn:auth0:fmi-test",
       "acs_url": "https://fmi-test.auth0.com/login/callback",
       "idp_entity_id": "https://aai-logon.ethz.ch/idp/shibboleth", "request_id": "_37f0262dafe6baeafa8b",
       "email_attribute": "urn:oid:0.9.2342.19200300.100.1.3"}


def test_switch_aai_shibboleth_encrypted_assertion_decrypts_and_verifies():
    res = _analyze("shibboleth-ethz-encrypted.b64", idp_cert="ethz-idp.crt",
                   sp_key="passport-wsfed-saml2-test-decryption.key", **ETH)
    m = res.message
    assert m.issuer == "https://aai-logon.ethz.ch/idp/shibboleth"
    (sig,) = m.signatures
    assert sig.parent == "Assertion" and sig.verified is True and sig.failure is None
    (a,) = m.assertions
    assert a.was_encrypted and a.signed
    assert a.name_id.value == "_89841b346092548fd44097a1e7c426a4"
    assert a.audience_restrictions == (("urn:auth0:fmi-test",),)
    values = _attrs(a)
    assert values["urn:oid:2.5.4.4"] == ("Müller",)  # UTF-8 inside the encrypted content
    assert values["urn:oid:1.3.6.1.4.1.5923.1.1.1.1"] == ("member", "staff", "student")
    assert values["urn:oid:0.9.2342.19200300.100.1.3"] == ("marius.mueller@bsse.ethz.ch",)
    # both true: the Response itself is unsigned (Spring SPs refuse it), RSA-SHA1
    assert _codes(res) - {"checks-skipped"} == {"response-signature-required", "signature-weak-algorithm"}


def test_switch_aai_shibboleth_with_another_sp_key_says_the_key_cannot_open_it():
    res = _analyze("shibboleth-ethz-encrypted.b64", idp_cert="ethz-idp.crt", sp_key="crewjam-saml-test.key", **ETH)
    (f,) = [f for f in res.findings if f.code == "decryption-failed"]
    assert "cannot open the EncryptedKey" in f.message_text and "CN=fmi-test.auth0.com" in f.message_text


ONELOGIN = {"idp_metadata": "onelogin-503983-idp-metadata.xml", "at": "2016-01-05T17:53:12Z",
            "sp_entity_id": "https://29ee6d2e.ngrok.io/saml/metadata", "acs_url": "https://29ee6d2e.ngrok.io/saml/acs",
            "request_id": "id-d40c15c104b52691eccf0a2a5c8a15595be75423", "email_attribute": "User.email"}


GOOGLE = {"idp_metadata": "google-workspace-idp-metadata.xml", "at": "2016-01-05T16:55:39Z",
          "sp_entity_id": "https://29ee6d2e.ngrok.io/saml/metadata", "acs_url": "https://29ee6d2e.ngrok.io/saml/acs",
          "request_id": "id-fd419a5ab0472645427f8e07d87a3a5dd0b2e9a6", "login_attribute": "firstName"}


@pytest.mark.parametrize("name, flags, issuer, name_id, attrs, codes", [
    # as crewjam/saml's TestSPCanHandleOneloginResponse expects; RSA-SHA1, as signed
    ("onelogin-503983-response.b64", ONELOGIN, "https://app.onelogin.com/saml/metadata/503983", "ross@kndr.org",
     {"User.email": ("ross@kndr.org",), "memberOf": ("",), "User.LastName": ("Kinder",),
      "PersonImmutableID": ("",), "User.FirstName": ("Ross",)}, {"signature-weak-algorithm"}),
    # as TestSPCanHandlePlaintextResponse expects: three attributes without a value
    ("google-workspace-response.b64", GOOGLE, "https://accounts.google.com/o/saml2?idpid=C02dfl1r1",
     "ross@octolabs.io", {"phone": (), "address": (), "jobTitle": (), "firstName": ("Ross",),
                          "lastName": ("Kinder",)}, set()),
])
def test_signed_response_verifies_with_its_idp_metadata(name, flags, issuer, name_id, attrs, codes):
    res = _analyze(name, **flags)
    m = res.message
    (sig,) = m.signatures
    assert sig.parent == "Response" and sig.verified is True
    assert m.issuer == issuer
    (a,) = m.assertions
    assert a.signed_by == ("Response",)  # both sign the Response only
    assert a.name_id.value == name_id
    assert a.audience_restrictions == ((flags["sp_entity_id"],),)
    assert _attrs(a) == attrs
    assert _codes(res) - {"checks-skipped"} == codes


TESTSHIB = {"idp_cert": "testshib-idp.crt", "at": "2015-12-01T01:57:09Z",
            "sp_entity_id": "https://15661444.ngrok.io/saml2/metadata", "acs_url": "https://15661444.ngrok.io/saml2/acs",
            "idp_entity_id": "https://idp.testshib.org/idp/shibboleth",
            "request_id": "id-9e61753d64e928af5a7a341a97f420c9",
            "email_attribute": "urn:oid:1.3.6.1.4.1.5923.1.1.1.6"}


def test_testshib_encrypted_signed_assertion_decrypts_and_verifies():
    res = _analyze("testshib-encrypted-response.xml", sp_key="crewjam-saml-test.key", **TESTSHIB)
    (sig,) = res.message.signatures
    assert sig.parent == "Assertion" and sig.verified is True
    (a,) = res.message.assertions
    assert a.was_encrypted and a.signed
    values = _attrs(a)
    assert values["urn:oid:1.3.6.1.4.1.5923.1.1.1.6"] == ("myself@testshib.org",)
    assert values["urn:oid:1.3.6.1.4.1.5923.1.1.1.9"] == ("Member@testshib.org", "Staff@testshib.org")
    assert values["urn:oid:1.3.6.1.4.1.5923.1.1.1.10"] == ("8F+M9ovyaYNwCId0pVkVsnZYRDo=",)  # a NameID inside
    assert _codes(res) - {"checks-skipped"} == {"response-signature-required"}


def test_another_idps_certificate_is_not_called_a_rotation():
    flags = dict(ONELOGIN, idp_metadata="google-workspace-idp-metadata.xml")
    res = _analyze("onelogin-503983-response.b64", **flags)
    (f,) = [f for f in res.findings if f.code == "signature-cert-mismatch"]
    assert "is not the configured IdP" in f.message_text
    assert "https://app.onelogin.com/saml/metadata/503983" in f.message_text
    assert "switched" not in f.message_text and "activate" not in f.hint
    assert f.side is None
    assert "issuer-mismatch" in _codes(res)


def test_a_rotation_at_the_configured_idp_is_still_told():
    # the same IdP (its Issuer as configured, but for a trailing slash) signing with a certificate the
    # SP does not hold keeps the rotation story
    flags = dict(ONELOGIN, idp_metadata="google-workspace-idp-metadata.xml",
                 idp_entity_id="https://app.onelogin.com/saml/metadata/503983/")
    res = _analyze("onelogin-503983-response.b64", **flags)
    (f,) = [f for f in res.findings if f.code == "signature-cert-mismatch"]
    assert "is not the configured IdP" not in f.message_text
