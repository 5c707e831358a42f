"""samlscan on real messages of generators not read before (tests/data/corpus25; sources and every verdict in its
SOURCES.md and verdicts.json): AD FS responses and a SimpleSAMLphp SP's LogoutRequest from lightSAML's (PHP) sample
resources, and an OpenSSO response from spring-security-saml's (Java) tests whose assertion <Signature> is in an
https namespace, not XML-DSig's.

Each sample is checked with the settings of the project's test (verdicts.json); then the failing sides: a changed
claim fails the AD FS assertion digest, and a Signature outside XML-DSig's namespace is named as such (XML-DSig 4),
while the same message with no Signature element at all keeps the plain wording.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from external_util import analyze_row, assert_table_row, edited_copy
from test_corpus17 import _agrees_or_says_why, _errors

DATA = Path(__file__).resolve().parent / "data" / "corpus25"
TABLE = json.loads((DATA / "verdicts.json").read_text())
SAMPLES = TABLE["samples"]
ADFS, NO_NAME = "lightsaml-adfs-response01.xml", "lightsaml-adfs-response03.xml"
OPENSSO = "springsaml-opensso-SAMLResponse.xml"


def _run(row_name: str, data: Path = DATA, **more):
    return analyze_row(TABLE, row_name, data, **more)


@pytest.mark.parametrize("row_name", sorted(SAMPLES))
def test_each_rows_errors_agree_with_the_project_or_say_why_and_the_cli_runs_clean_in_every_format(row_name):
    assert_table_row(DATA, TABLE, row_name, _agrees_or_says_why)


@pytest.mark.parametrize("name", [ADFS, "lightsaml-adfs-response02.xml", NO_NAME])
def test_the_adfs_copies_are_exact_their_assertion_signatures_verify_with_the_trusted_key(name):
    assert [(s.parent, s.verified) for s in _run(name).message.signatures] == [("Assertion", True)]


def test_a_changed_claim_fails_the_adfs_assertion_digest(tmp_path):
    data = edited_copy(DATA, tmp_path, ADFS, "<AttributeValue>bos@bead.loc<", "<AttributeValue>eve@bead.loc<")
    assert [(s.verified, s.failure) for s in _run(ADFS, data).message.signatures] == [(False, "digest")]
    assert "signature-invalid" in _errors(_run(ADFS, data))


def test_the_assertion_without_name_id_is_said():
    assert "nameid-missing" in {f.code for f in _run(NO_NAME).findings}
    assert "nameid-missing" not in {f.code for f in _run(ADFS).findings}


def test_a_signature_outside_the_xml_dsig_namespace_is_named_not_just_missing():
    """XML-DSig 4: a Signature is one only in http://www.w3.org/2000/09/xmldsig#; OpenSSO's sample is in the https
    namespace, which no verifier reads. The finding used to say only 'no ds:Signature'."""
    (f,) = [f for f in _run(OPENSSO).findings if f.code == "signature-missing"]
    assert f.severity.value == "error"
    assert "the Assertion's <Signature> is in the namespace 'https://www.w3.org/2000/09/xmldsig#'" in f.message_text
    assert "(XML-DSig 4)" in f.message_text and "http rewritten to https" in f.message_text
    assert f.actual == "<Signature> in https://www.w3.org/2000/09/xmldsig#"


def test_a_message_with_no_signature_element_keeps_the_plain_wording(tmp_path):
    start = '<Signature xmlns="https://www.w3.org/2000/09/xmldsig#">'
    data = edited_copy(DATA, tmp_path, OPENSSO, start, start)
    text = (data / OPENSSO).read_text()
    (data / OPENSSO).write_text(text[:text.index(start)] + text[text.index("</Signature>") + len("</Signature>"):])
    (f,) = [f for f in _run(OPENSSO, data).findings if f.code == "signature-missing"]
    assert f.actual == "no ds:Signature" and "namespace" not in f.message_text


def test_a_foreign_signature_in_another_namespace_names_that_namespace(tmp_path):
    """Any namespace, any prefix: the holder and the namespace as written."""
    data = edited_copy(DATA, tmp_path, OPENSSO, '<Signature xmlns="https://www.w3.org/2000/09/xmldsig#">',
                       '<x:Signature xmlns:x="urn:example:not-dsig" xmlns="https://www.w3.org/2000/09/xmldsig#">')
    sample = data / OPENSSO
    sample.write_text(sample.read_text().replace("</Signature>", "</x:Signature>"))
    (f,) = [f for f in _run(OPENSSO, data).findings if f.code == "signature-missing"]
    assert "the Assertion's <Signature> is in the namespace 'urn:example:not-dsig'" in f.message_text
    assert "http rewritten" not in f.message_text


def test_a_signature_in_no_namespace_says_so(tmp_path):
    """(Its namespace was read from the tag's second character on: 'ignature'.)"""
    data = edited_copy(DATA, tmp_path, OPENSSO, '<Signature xmlns="https://www.w3.org/2000/09/xmldsig#">',
                       '<Signature xmlns="">')
    (f,) = [f for f in _run(OPENSSO, data).findings if f.code == "signature-missing"]
    assert "the Assertion's <Signature> is in no namespace" in f.message_text and f.actual == "<Signature> in no namespace"
