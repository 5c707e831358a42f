"""samlscan on more real third-party samples (tests/data/corpus17; sources, licences and every verdict in
its SOURCES.md and verdicts.json): the ruby-saml responses gosaml2 keeps in its testdata/corpus that
corpus16 did not take (StarfieldTMS, a KeyInfo-less OneLogin Response, missing Issuer and Conditions, a
wrong SPNameQualifier, a self-closed Audience).

Each sample is checked with the settings of the test that judges it: samlscan's errors are the ones
verdicts.json lists, and each agrees with that project's verdict or the row says why not.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from external_util import analyze_sample, check_args, table_flags
from samlscan.cli import main

DATA = Path(__file__).resolve().parent / "data" / "corpus17"
TABLE = json.loads((DATA / "verdicts.json").read_text())
SAMPLES = TABLE["samples"]
PITBULK = table_flags(TABLE, SAMPLES["gosaml2corpus-rubysaml-invalid_wrong_spnamequalifier.xml"])


def _errors(res) -> set[str]:
    return {f.code for f in res.findings if f.severity.value == "error"}


def _agrees_or_says_why(row: dict, errors: set[str]) -> bool:
    """The project's verdict (valid: no error) holds, or the row says why it is not compared."""
    valid = row["project_valid"]
    reason = row.get("unjudged") if valid is None else row.get("disagreement")
    return bool(reason) or (bool(errors) is (not valid) and bool(row["why"]))


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_errors_are_the_tables_and_agree_with_the_project_or_say_why(name):
    row = SAMPLES[name]
    errors = _errors(analyze_sample(DATA, name, **table_flags(TABLE, row)))
    assert errors == set(row["samlscan_errors"]), sorted(errors)
    assert _agrees_or_says_why(row, errors)


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.parametrize("fmt", ["json", "table"])
def test_every_sample_runs_through_the_cli_with_and_without_trust(name, fmt):
    for flags in ({}, table_flags(TABLE, SAMPLES[name])):
        res = CliRunner().invoke(main, check_args(DATA, name, flags, fmt) + ["--fail-on", "never"])
        assert res.exit_code == 0, res.output
        assert "Traceback" not in res.output and "internal-error" not in res.output
    res = CliRunner().invoke(main, ["decode", str(DATA / name)])
    assert res.exit_code == 0 and "Traceback" not in res.output


@pytest.mark.parametrize("name", ["gosaml2corpus-rubysaml-starfield_response.xml",
                                  "gosaml2corpus-rubysaml-response_without_reference_uri.xml",
                                  "gosaml2corpus-rubysaml-valid_response_without_x509certificate.xml",
                                  "gosaml2corpus-rubysaml-invalid_wrong_spnamequalifier.xml"])
def test_the_copies_are_exact_their_signatures_verify_with_the_trusted_certificate(name):
    res = analyze_sample(DATA, name, **table_flags(TABLE, SAMPLES[name]))
    assert res.message.signed and "signature-invalid" not in {f.code for f in res.findings}


def test_starfield_is_refused_before_its_window_as_ruby_saml_does():
    """ruby-saml 'fail before response is valid' (2012-11-20 17:55 UTC < NotBefore 2012-11-28 17:53:45)."""
    row = SAMPLES["gosaml2corpus-rubysaml-starfield_response.xml"]
    flags = table_flags(TABLE, row) | {"at": "2012-11-20T17:55:00Z"}
    assert "assertion-not-yet-valid" in _errors(analyze_sample(DATA, "gosaml2corpus-rubysaml-starfield_response.xml",
                                                               **flags))


def test_a_nameid_made_for_another_sp_is_named_with_the_toolkits_refusal():
    """ruby-saml's invalids/wrong_spnamequalifier: the NameID's SPNameQualifier is not the SP entity ID.
    ruby-saml, java-saml and python3-saml refuse it ('The SPNameQualifier value mistmatch the SP entityID
    value.', which the catalog explains as audience-mismatch); samlscan had no check reading it."""
    res = analyze_sample(DATA, "gosaml2corpus-rubysaml-invalid_wrong_spnamequalifier.xml", **PITBULK)
    (f,) = [f for f in res.findings if f.code == "audience-mismatch"]
    assert "SPNameQualifier 'wrong-sp-entityid'" in f.message_text and f.actual == "wrong-sp-entityid"


def test_a_nameid_qualified_for_this_sp_or_without_a_configured_sp_is_quiet():
    """The passing side: the same IdP's NameID whose SPNameQualifier is the SP, and any NameID when no
    SP entity ID is configured."""
    res = analyze_sample(DATA, "gosaml2corpus-rubysaml-invalid_no_issuer_assertion.xml", **PITBULK)
    assert "audience-mismatch" not in {f.code for f in res.findings}
    bare = {k: v for k, v in PITBULK.items() if k != "sp_entity_id"}
    res = analyze_sample(DATA, "gosaml2corpus-rubysaml-invalid_wrong_spnamequalifier.xml", **bare)
    assert "audience-mismatch" not in {f.code for f in res.findings}


def test_an_empty_audience_says_it_is_empty_and_who_accepts_it():
    """<saml:Audience/> (ruby-saml's response_audience_self_closed_tag): the message was "Audience ''
    does not include the SP entity ID", with no word that the element is empty nor that java-saml,
    python3-saml and ruby-saml drop an empty Audience (and accept) while OpenSAML refuses."""
    name = "gosaml2corpus-rubysaml-response_audience_self_closed_tag.xml"
    res = analyze_sample(DATA, name, **table_flags(TABLE, SAMPLES[name]))
    (f,) = [f for f in res.findings if f.code == "audience-mismatch" and "Audience ''" in f.message_text]
    assert "the Audience element is empty" in f.message_text
    assert "ruby-saml ignore an empty Audience" in f.message_text and "OpenSAML" in f.message_text


def test_a_foreign_spnamequalifier_is_a_warning_that_names_the_refusal():
    """The severity is a warning on purpose (see verdicts.json): java-saml's isValid() and OpenSAML pass
    it, while ruby-saml, and java-saml/python3-saml when the SP reads the NameID, refuse it."""
    res = analyze_sample(DATA, "gosaml2corpus-rubysaml-invalid_wrong_spnamequalifier.xml", **PITBULK)
    (f,) = [f for f in res.findings if f.code == "audience-mismatch"]
    assert f.severity.value == "warning" and "java-saml (SonarQube)" in f.message_text


def test_an_empty_nameid_element_is_an_error_unlike_a_nameid_left_out():
    """ruby-saml's invalids/empty_nameid (<saml:NameID Format=".."/>, both signatures intact): ruby-saml,
    java-saml and python3-saml (strict) refuse 'An empty NameID value found'; samlscan only warned."""
    name = "gosaml2corpus-rubysaml-invalid_empty_nameid.xml"
    res = analyze_sample(DATA, name, **table_flags(TABLE, SAMPLES[name]))
    (f,) = [f for f in res.findings if f.code == "nameid-missing"]
    assert f.severity.value == "error" and "An empty NameID value found" in f.message_text
    assert all(s.verified for s in res.message.signatures)


@pytest.mark.parametrize("name", [
    "gosaml2corpus-rubysaml-unsigned_message_encrypted_assertion_without_saml_namespace.xml",
    "gosaml2corpus-rubysaml-unsigned_message_aes256gcm_encrypted_signed_assertion.xml",
    "gosaml2corpus-rubysaml-unsigned_message_des192_encrypted_signed_assertion.xml"])
def test_an_encrypted_assertion_without_its_own_saml_prefix_decrypts_and_is_read(name):
    """ruby-saml's 'no saml namespace on the Assertion Element that is inside the EncryptedAssertion':
    the decrypted Assertion uses the prefix only the Response declares; with the key it is read and its
    signature verifies (aes128-cbc, and aes256-gcm of XML Encryption 1.1); without it samlscan says the
    key is missing, not an error."""
    flags = table_flags(TABLE, SAMPLES[name])
    res = analyze_sample(DATA, name, **flags)
    assert res.message.assertions[0].name_id.value == "_ce3d2948b4cf20146dee0a0b3dd6f69b6cf86f62d7"
    assert [(s.parent, s.failure) for s in res.message.signatures] == [("Assertion", None)]
    assert "signature-invalid" not in {f.code for f in res.findings}
    bare = analyze_sample(DATA, name, **{k: v for k, v in flags.items() if k != "sp_key"})
    assert "assertion-encrypted-no-key" in {f.code for f in bare.findings} and not _errors(bare)


def test_a_logout_request_with_its_extensions_after_the_nameid_is_out_of_schema_order():
    """Keycloak's KEYCLOAK-4552 sample: SAML core 3.7.1 puts RequestAbstractType's Extensions before the
    NameID; schema order was checked for responses only. The fix speaks to the request's sender."""
    res = analyze_sample(DATA, "keycloak-KEYCLOAK-4552-aslo-logout-request-via-extension.xml")
    (f,) = [f for f in res.findings if f.code == "schema-order-invalid"]
    assert f.actual == "NameID, then Extensions" and "LogoutRequest's sender (https://sp/)" in f.hint


def test_a_logout_request_in_schema_order_says_nothing_of_order(tmp_path):
    """The passing side: the same request with its Extensions moved before the NameID."""
    text = (DATA / "keycloak-KEYCLOAK-4552-aslo-logout-request-via-extension.xml").read_text()
    start, end = text.index("  <samlp:Extensions>"), text.index("</samlp:Extensions>\n") + len("</samlp:Extensions>\n")
    block = text[start:end]
    text = text.replace(block, "").replace("  <saml:NameID", block + "  <saml:NameID")
    (tmp_path / "r.xml").write_text(text)
    res = analyze_sample(tmp_path, "r.xml")
    assert res.message.kind == "LogoutRequest"
    assert "schema-order-invalid" not in {f.code for f in res.findings}


def test_a_logout_request_pretty_printed_after_signing_is_named_so():
    """Keycloak's saml20-signed-logout-request: xmlsec1 fails it as stored; samlscan finds that it
    verifies with its RSAKeyValue once whitespace is normalised (xml-reformatted), not a wrong key."""
    res = analyze_sample(DATA, "keycloak-saml20-signed-logout-request.xml")
    assert [(s.parent, s.reformatted) for s in res.message.signatures] == [("LogoutRequest", True)]
    assert _errors(res) == {"xml-reformatted"}


def test_an_assertion_whose_keyinfo_certificate_was_truncated_is_read_and_named():
    """Keycloak's saml20-assertion-advice (Salesforce's documented example): the X509Certificate holds
    '[Certificate truncated for readability...]'; the Issuer and NameID span lines."""
    res = analyze_sample(DATA, "keycloak-saml20-assertion-advice.xml")
    a = res.message.assertions[0]
    assert (res.message.issuer or a.issuer) == "https://www.salesforce.com"
    assert a.name_id.value == "saml01@salesforce.com"
    assert [s.verified for s in res.message.signatures] == [None] and not _errors(res)
