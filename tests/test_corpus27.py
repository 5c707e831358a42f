"""samlscan on real messages of generators not read before (tests/data/corpus27; sources and every verdict in its
SOURCES.md and verdicts.json): Keycloak's stored OneLogin php-saml and Keycloak Responses whose EncryptedAssertion
uses rsa-1_5 key transport, ECAS's (Apereo CAS) Response with a redacted signature, Lasso's Google Apps AuthnRequest
and SourceID's Liberty ID-FF 1.2 response.

Each sample is checked with the settings of the project's test (verdicts.json); then the failing sides: an rsa-1_5
EncryptedKey that the given key does not open is named so (RFC 8017 7.2.2: OpenSSL's implicit rejection makes xmlsec
"open" it with a random key), with no libxml2 noise on stderr, while the right key still decrypts.
"""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from external_util import analyze_row, analyze_sample, assert_table_row
from samlscan.xmlsafe import DS
from test_corpus17 import _agrees_or_says_why
from test_corpus26 import _finding, _refusal

DATA = Path(__file__).resolve().parent / "data" / "corpus27"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TABLE = json.loads((DATA / "verdicts.json").read_text())
SAMPLES = TABLE["samples"]
ONELOGIN, KEYCLOAK = "keycloak-KEYCLOAK-4489-encrypted-assertion-with-newlines.xml", \
    "keycloak-saml20-encrypted-signed-redirect-response.xml"
SOURCEID = "lasso-sourceid-login-response.xml"


@pytest.mark.parametrize("row_name", sorted(SAMPLES))
def test_each_rows_errors_agree_with_the_project_or_say_why_and_the_cli_runs_clean_in_every_format(row_name):
    assert_table_row(DATA, TABLE, row_name, _agrees_or_says_why)


@pytest.mark.parametrize("name", [ONELOGIN, KEYCLOAK])
def test_an_rsa1_5_key_the_given_key_cannot_open_is_named_so(name):
    """The EncryptedKey does not decrypt to a PKCS#1 v1.5 block under this key (RFC 8017 7.2.2); it used to be
    'opens the EncryptedKey, but the EncryptedData does not decrypt with it (the encrypted content was changed or cut)'."""
    f = _finding(analyze_row(TABLE, name, DATA), "decryption-failed")
    assert "my.sp.key cannot open the EncryptedKey: the IdP encrypted the assertion for another SP key" in f.message_text
    assert "opens the EncryptedKey" not in f.message_text and "changed or cut" not in (f.hint or "")


def test_a_key_that_does_not_open_the_key_leaves_nothing_on_stderr():
    """xmlsec used to decrypt with the random key OpenSSL substitutes and parse the garbage: libxml2 wrote some 300
    lines of parser errors on stderr. Run as a process, since the noise is written by C code."""
    row = SAMPLES[ONELOGIN]
    out = subprocess.run([sys.executable, "-m", "samlscan", "check", str(DATA / ONELOGIN), "--sp-key",
                          str(DATA / TABLE["settings"]["onelogin-enc"]["sp_key"]), "--at", row["at"], "--format", "json"],
                         capture_output=True, text=True, env=dict(os.environ), timeout=120)
    assert out.returncode == 1 and json.loads(out.stdout)["summary"]["by_code"]["decryption-failed"] == 1
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("samlscan: 1 input(s)"), out.stderr[:500]


def test_the_right_key_still_decrypts_an_rsa1_5_assertion():
    """The passing side: the fixtures' Shibboleth-layout Response with rsa-1_5 key transport, with its SP key."""
    res = analyze_sample(FIXTURES / "responses" / "valid", "shibboleth-cbc-rsa15.xml",
                         sp_key="../../keys/sp.key", at="2025-03-11T08:41:02Z")
    assert "decryption-failed" not in {f.code for f in res.findings}
    assert res.message.assertions and res.message.encrypted_assertion_count == 1


def test_the_sourceid_response_is_refused_in_one_line_naming_liberty_id_ff():
    """Its Response is SAML 1.1; the lib namespace it declares (used only in xsi:type='lib:AssertionType') says
    Liberty ID-FF 1.2. It used to be named 'a SAML 1.1 Response' only."""
    res = _refusal(DATA, SOURCEID)
    assert res.code == TABLE["refused"][SOURCEID]["code"] == "version-unsupported"
    assert ("this is a SAML 1.1 Response (MajorVersion 1, MinorVersion 1) of Liberty ID-FF 1.2 (urn:liberty:iff:2003-08),"
            " not SAML 2.0") in res.message_text
    assert "\n" not in res.message_text


def test_liberty_is_named_from_its_elements_too_and_a_plain_saml11_response_is_not(tmp_path):
    text = (DATA / SOURCEID).read_text()
    moved = text.replace(' xmlns:lib="urn:liberty:iff:2003-08"', "", 1).replace(
        "<saml:Conditions", '<lib:Extension xmlns:lib="urn:liberty:iff:2003-08"/><saml:Conditions', 1)
    (tmp_path / SOURCEID).write_text(moved)
    assert "of Liberty ID-FF 1.2" in _refusal(tmp_path, SOURCEID).message_text
    plain = _refusal(DATA.parent / "corpus26", "opensaml2-saml11-TestResponse.xml").message_text
    assert "a SAML 1.1 Response (MajorVersion 1, MinorVersion 1), not SAML 2.0" in plain and "Liberty" not in plain


def test_the_redacted_ecas_signature_is_said_to_be_redacted():
    name = "keycloak-KEYCLOAK-6412-response-with-proxy-restriction.xml"
    f = _finding(analyze_row(TABLE, name, DATA), "signature-invalid")
    assert "'[omitted]'" in f.message_text and "redacted" in f.message_text


def test_the_eidas_request_was_changed_after_its_signer_signed_it():
    """The SignedInfo's rsa-sha512 value verifies with the request's own KeyInfo certificate (the stored signature
    is the signer's), yet the digest of the request is another: samlscan says the content changed after signing."""
    name = "wso2-sample_eidas_request.xml"
    res = analyze_row(TABLE, name, DATA)
    (sig,) = res.message.signatures
    assert sig.failure == "digest" and not sig.verified
    assert "changed after signing" in _finding(res, "request-signature-invalid").message_text
    root = etree.parse(str(DATA / name)).getroot()
    der = base64.b64decode("".join(root.findtext(f".//{DS}X509Certificate").split()))
    signed_info = etree.tostring(root.find(f".//{DS}SignedInfo"), method="c14n", exclusive=True)
    x509.load_der_x509_certificate(der).public_key().verify(
        base64.b64decode(root.findtext(f".//{DS}SignatureValue")), signed_info, padding.PKCS1v15(), hashes.SHA512())
