"""samlscan on real messages of generators not read before (tests/data/corpus24; sources and every verdict in its
SOURCES.md and verdicts.json): a Shibboleth IdP's signed Response with an EncryptedAssertion from
swedenconnect/opensaml-addons' tests and its bad-digest copy, omniauth-saml's (Ruby) custom-attribute,
empty-NameID and logout responses, and the responses Sustainsys.Saml2's (.NET) writer tests expect.

Each sample is checked with the settings of the project's test (verdicts.json); then the failing sides: a changed
byte of the encrypted assertion fails the Response digest, the custom-attribute response's assertion signature is
the broken one, and a Logout message whose Issuer is neither the IdP nor the SP is named (SAML profiles 4.4.4),
as java-saml, python3-saml and ruby-saml refuse it.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from external_util import analyze_row, analyze_sample, assert_table_row, edited_copy
from test_corpus17 import _agrees_or_says_why, _errors

DATA = Path(__file__).resolve().parent / "data" / "corpus24"
CORPUS23 = DATA.parent / "corpus23"
TABLE = json.loads((DATA / "verdicts.json").read_text())
SAMPLES = TABLE["samples"]
SHIB, CUSTOM = "swedenconnect-signed-response.xml", "omniauth-saml-custom_attributes.xml"
NO_NAME, LOGOUT = "omniauth-saml-no_name_id.xml", "omniauth-saml-example_logout_response.xml"
WRITTEN = "sustainsys-WriteSamlResponse_CompleteSuccess.xml"
IDP = "https://idp.sso.example.com/metadata/29490"
OTHER_IDP = "https://other-idp.example.org"
SP = "https://sp.example.com/saml/metadata"


def _run(row_name: str, data: Path = DATA, **more):
    return analyze_row(TABLE, row_name, data, **more)


@pytest.mark.parametrize("row_name", sorted(SAMPLES))
def test_each_rows_errors_agree_with_the_project_or_say_why_and_the_cli_runs_clean_in_every_format(row_name):
    assert_table_row(DATA, TABLE, row_name, _agrees_or_says_why)


@pytest.mark.parametrize("name, parents", [(SHIB, ["Response"]), (NO_NAME, ["Response", "Assertion"])])
def test_the_copies_are_exact_their_signatures_verify_with_the_trusted_key(name, parents):
    assert [(s.parent, s.verified) for s in _run(name).message.signatures] == [(p, True) for p in parents]


def test_the_response_signature_covers_the_encrypted_assertion(tmp_path):
    """XML-Enc 3.1: the CipherValue is the EncryptedAssertion's content, inside the signed Response: one
    character changed fails the Response digest."""
    data = edited_copy(DATA, tmp_path, SHIB, "kDFxIk7ShI6lE1wbjP", "kDFxIk7ShI6lE1wbjQ")
    assert [(s.verified, s.failure) for s in _run(SHIB, data).message.signatures] == [(False, "digest")]


def test_the_custom_attribute_responses_assertion_signature_is_the_broken_one():
    """The Response digest covers the assertion as stored (so the copy is exact); the assertion's own fails."""
    sigs = {s.parent: (s.verified, s.failure) for s in _run(CUSTOM).message.signatures}
    assert sigs == {"Response": (True, None), "Assertion": (False, "digest")}
    (f,) = [f for f in _run(CUSTOM).findings if f.code == "signature-invalid"]
    assert "the Assertion signature (Reference '#pfxe689248c-47f0-1e59-d2bb-546563043b6c')" in f.message_text


def test_a_filled_name_id_is_no_longer_missing(tmp_path):
    """The empty NameID is what omniauth-saml refuses; the changed copy fails its digests, as it should."""
    data = edited_copy(DATA, tmp_path, NO_NAME, "<saml:NameID></saml:NameID>", "<saml:NameID>u</saml:NameID>")
    assert "nameid-missing" not in _errors(_run(NO_NAME, data))
    assert "nameid-missing" in _errors(_run(NO_NAME))


def test_a_logout_response_from_another_idp_is_an_issuer_mismatch():
    """SAML profiles 4.4.4.2: its Issuer names the responder; java-saml: 'Invalid issuer in the Logout Response.
    Was ..., but expected ...'. The check ran on Responses only."""
    (f,) = [f for f in _run(LOGOUT, idp_entity_id=OTHER_IDP, sp_entity_id=SP).findings if f.code == "issuer-mismatch"]
    assert f.severity.value == "error" and (f.expected, f.actual) == (OTHER_IDP, IDP)
    assert "the LogoutResponse Issuer is 'https://idp.sso.example.com/metadata/29490'" in f.message_text
    assert "Invalid issuer in the Logout Response" in f.message_text


def test_a_logout_message_from_the_configured_idp_or_from_the_sp_itself_is_no_mismatch():
    assert "issuer-mismatch" not in {f.code for f in _run(LOGOUT).findings}
    own = _run(LOGOUT, idp_entity_id=OTHER_IDP, sp_entity_id=IDP)  # the SP's own answer names the SP
    assert "issuer-mismatch" not in {f.code for f in own.findings}
    # without the SP's entity ID, an SP's own logout message cannot be told from another IdP's: not said
    assert "issuer-mismatch" not in {f.code for f in _run(LOGOUT, idp_entity_id=OTHER_IDP).findings}


def test_a_logout_request_from_another_idp_is_an_issuer_mismatch_too():
    request = "omniauth-saml-example_logout_request.xml"
    found = analyze_sample(CORPUS23, request, idp_entity_id=OTHER_IDP, sp_entity_id=SP, at="2016-05-25T12:33:00Z").findings
    (f,) = [f for f in found if f.code == "issuer-mismatch"]
    assert "Invalid issuer in the Logout Request" in f.message_text and f.actual == IDP
    same = analyze_sample(CORPUS23, request, idp_entity_id=IDP, sp_entity_id=SP, at="2016-05-25T12:33:00Z").findings
    assert "issuer-mismatch" not in {g.code for g in same}


def test_the_writers_assertion_version_is_what_samlscan_refuses(tmp_path):
    """SAML core 2.3.3: an Assertion's Version is '2.0'; Sustainsys' writer test writes '2.42'."""
    (f,) = [f for f in _run(WRITTEN).findings if f.code == "version-unsupported"]
    assert f.actual == "2.42"
    data = edited_copy(DATA, tmp_path, WRITTEN, 'Version="2.42"', 'Version="2.0"')
    assert "version-unsupported" not in _errors(_run(WRITTEN, data))


def test_a_key_of_another_sp_cannot_open_the_shibboleth_assertion_and_the_finding_names_its_certificate():
    """XML-Enc 3.5.1: the EncryptedKey's KeyInfo names the SP certificate it was wrapped for (CN=Litsec SP,
    whose key is not published); a project fixture key is not it."""
    key = Path(__file__).resolve().parent.parent / "fixtures" / "keys" / "attacker.key"
    (f,) = [f for f in _run(SHIB, sp_key=str(key)).findings if f.code == "decryption-failed"]
    assert "CN=Litsec SP" in f.message_text and f.severity.value == "error"
    assert "decryption-failed" not in {g.code for g in _run(SHIB).findings}  # no key: said as a warning only
