"""Differential test over simplesamlphp/saml2's and Sustainsys/Saml2's own test messages (tests/data/phpnet,
tests/data/phpnet2; sources in each SOURCES.md).

Each verdicts.json transcribes, per sample, the library that judged it, the settings its test uses, that
library's verdict and error text. Each runs through `samlscan check`: no traceback, the exit code of samlscan's
verdict, its errors the cause the library's text names (through the catalog) or the listed reason; no attack
sample comes out as a verified login.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from external_util import (analyze_sample, assert_attack_refused, assert_library_verdict, error_codes, run_check,
                           table_flags)

HERE = Path(__file__).resolve().parent / "data"
DATA = HERE / "phpnet"
TABLES = {name: json.loads((HERE / name / "verdicts.json").read_text()) for name in ("phpnet", "phpnet2")}
TABLE = TABLES["phpnet"]
CASES = TABLE["cases"]


@pytest.mark.parametrize("folder, case", [(f, c) for f, t in TABLES.items() for c in sorted(t["cases"])])
def test_check_agrees_with_the_library_or_the_disagreement_is_explained(folder, case):
    table, data = TABLES[folder], HERE / folder
    verdict = table["cases"][case]
    flags = table_flags(table, verdict)
    result = run_check(data, verdict["file"], flags)
    assert result.exit_code == (1 if verdict["samlscan_errors"] else 0), result.output
    errors = error_codes(data, verdict["file"], **flags)
    assert_library_verdict(verdict, errors, verdict["library"], verdict["library"])
    if verdict["attack"]:
        assert_attack_refused(data, verdict["file"], flags)


def test_a_signed_element_c14n_cannot_read_is_a_refused_signature_not_a_crash():
    """CVE-2025-66475: a relative namespace URI in scope makes libxml2's C14N fail. samlscan crashed
    (internal-error, C14NError) while diagnosing why the signature did not verify; now the signature
    is refused and says why, even with the sample's own KeyInfo key trusted."""
    flags = table_flags(TABLE, CASES["cve_2025_66475"])
    res = analyze_sample(DATA, "CVE-2025-66475.xml", **flags)
    (sig,) = res.message.signatures
    assert sig.verified is False and sig.failure == "uncanonicalizable"
    text = " ".join(f.message_text for f in res.findings if f.code == "signature-invalid")
    assert "canonicalized" in text and "relative" in text


SIMPLESAMLPHP_TEXTS = [
    # (a text as SimpleSAMLphp's log or exception page carries it, the samlscan code it means)
    ("Reference validation failed", "signature-invalid"),
    ("Exception: Reference validation failed", "signature-invalid"),
    ("SimpleSAML\\XMLSecurity\\Exception\\ReferenceValidationFailedException: Reference does not point to given "
     "element.", "signature-reference-invalid"),
    ("SimpleSAML\\XMLSecurity\\Exception\\CanonicalizationFailedException", "signature-invalid"),
    ("Unable to validate Signature", "signature-invalid"),
]


@pytest.mark.parametrize("text, code", SIMPLESAMLPHP_TEXTS)
def test_simplesamlphp_error_texts_map_to_their_cause(text, code):
    from samlscan.catalog import lookup

    cause = lookup(text, "simplesamlphp")
    assert cause is not None and cause.code == code and cause.product == "simplesamlphp", (text, cause)


SUSTAINSYS_TEXTS = [
    # (a Sustainsys.Saml2 exception message, the samlscan code it means)
    ("No reference found in Xml signature, it doesn't validate the Xml data.", "signature-reference-invalid"),
    ("Multiple references for Xml signatures are not allowed.", "signature-reference-invalid"),
    ("The SAML Response is not signed and contains unsigned Assertions. Response cannot be trusted.",
     "signature-missing"),
    ("Required attribute Version not found on saml:AuthnRequest.", "version-unsupported"),
    ("Required attribute ID not found on saml2:Assertion.", "id-missing"),
]


@pytest.mark.parametrize("text, code", SUSTAINSYS_TEXTS)
def test_sustainsys_error_texts_map_to_their_cause(text, code):
    """Sustainsys.Saml2's refusals as its tests quote them: 'No reference found ...' and the v3 reader's
    'Required attribute ... not found' were looked up in vain; the others were already known."""
    from samlscan.catalog import lookup

    cause = lookup(text, "sustainsys")
    assert cause is not None and cause.code == code and cause.product == "sustainsys", (text, cause)


REQUEST_NO_VERSION_NO_ID = {
    # SAML core 3.2.1 (RequestAbstractType) and 3.2.2 (StatusResponseType): ID and Version are required
    "AuthnRequest": '<p:AuthnRequest xmlns:p="urn:oasis:names:tc:SAML:2.0:protocol" '
                    'xmlns:a="urn:oasis:names:tc:SAML:2.0:assertion" IssueInstant="2023-11-24T22:44:14Z">'
                    '<a:Issuer>https://sp.example.com/Metadata</a:Issuer></p:AuthnRequest>',
    "LogoutRequest": '<LogoutRequest xmlns="urn:oasis:names:tc:SAML:2.0:protocol" IssueInstant="2023-11-24T22:44:14Z">'
                     '<Issuer xmlns="urn:oasis:names:tc:SAML:2.0:assertion">https://sp.example.com/Metadata</Issuer>'
                     '<NameID xmlns="urn:oasis:names:tc:SAML:2.0:assertion">u</NameID></LogoutRequest>',
    "LogoutResponse": '<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
                      'IssueInstant="2023-11-24T22:44:14Z"><samlp:Status><samlp:StatusCode '
                      'Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:LogoutResponse>',
}


@pytest.mark.parametrize("kind", sorted(REQUEST_NO_VERSION_NO_ID))
def test_a_request_or_logout_message_without_version_or_id_is_refused(kind, tmp_path):
    """Sustainsys ReadAuthnRequest_Error: an AuthnRequest without Version. samlscan checked Version and ID
    on Responses and Assertions only, and passed such a request (or a LogoutRequest/LogoutResponse) that
    every SAML library refuses; now each says what is missing."""
    (tmp_path / "m.xml").write_text(REQUEST_NO_VERSION_NO_ID[kind])
    texts = {f.code: f.message_text for f in analyze_sample(tmp_path, "m.xml").findings}
    assert texts["version-unsupported"] == f"the {kind} has no Version attribute"
    assert texts["id-missing"] == f"the {kind} has no ID attribute"


def test_an_authn_request_without_issuer_says_so_not_none():
    """The AuthnRequest summary printed Python's None for an absent Issuer ('Issuer None')."""
    res = analyze_sample(HERE / "phpnet2", "ReadAuthnRequest_Error.xml")
    (text,) = [f.message_text for f in res.findings if f.code == "request-issued"]
    assert "no Issuer" in text and "None" not in text
