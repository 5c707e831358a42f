"""samlscan on real messages of generators not read before (tests/data/corpus26; sources and every verdict in its
SOURCES.md and verdicts.json): a TestShib Response with an EncryptedAssertion from lightSAML's sample resources, tried
with lightSAML's published test key; mehcode/python-saml's signed Response and ArtifactResponse, whose Reference has
no URI; java-opensaml2's SAML 1.1 TestResponse.

Each sample is checked with the settings of the project's test (verdicts.json); then the failing sides: the missing
URI is named (XML-DSig 4.4.3.1, SAML core 5.4.2) while a URI naming nothing keeps the plain wording, and a SAML 1.x
message is named by its MajorVersion and MinorVersion.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from external_util import analyze_row, assert_table_row, edited_copy
from samlscan.engine import analyze_raw
from samlscan.inputs.base import RawMessage
from samlscan.model import Source
from test_corpus17 import _agrees_or_says_why
from test_external_shapes import NO_KEY

DATA = Path(__file__).resolve().parent / "data" / "corpus26"
TABLE = json.loads((DATA / "verdicts.json").read_text())
SAMPLES = TABLE["samples"]
ENCRYPTED, RESPONSE = "lightsaml-testshib-encryptedAssertion01.xml", "mehcode-saml-response-signed.xml"
ARTIFACT, SAML11 = "mehcode-artifact-response-signed.xml", "opensaml2-saml11-TestResponse.xml"


def _run(row_name: str, data: Path = DATA, **more):
    return analyze_row(TABLE, row_name, data, **more)


def _finding(res, code: str):
    (f,) = [f for f in res.findings if f.code == code]
    return f


def _refusal(data: Path, name: str):
    raw = (data / name).read_bytes().decode("utf-8")
    return analyze_raw(RawMessage(Source(name), "XML", raw, "xml"), 0, NO_KEY)


@pytest.mark.parametrize("row_name", sorted(SAMPLES))
def test_each_rows_errors_agree_with_the_project_or_say_why_and_the_cli_runs_clean_in_every_format(row_name):
    assert_table_row(DATA, TABLE, row_name, _agrees_or_says_why)


def test_the_published_key_is_not_the_one_the_testshib_assertion_was_encrypted_for():
    f = _finding(_run(ENCRYPTED), "decryption-failed")
    assert "another SP key (certificate CN=mt.evo.loc,O=AerialShip,ST=Belgrade,C=RS)" in f.message_text
    assert _run(ENCRYPTED).message.encrypted_assertion_count == 1


@pytest.mark.parametrize("name", [RESPONSE, ARTIFACT, "mehcode-logout-response-signed.xml",
                                  "mehcode-logout-request-signed.xml", "mehcode-authentication-request-signed.xml"])
def test_a_reference_without_uri_is_named_as_such(name):
    """XML-DSig 4.4.3.1: URI omitted leaves the object to the application; SAML core 5.4.2 wants '#'+ID.
    The finding used to say the signature 'points at no element of this document'."""
    f = _finding(_run(name), "signature-reference-invalid")
    assert f.severity.value == "error"
    assert "Reference has no URI attribute" in f.message_text and "XML-DSig 4.4.3.1" in f.message_text
    assert f.actual == "no URI attribute"
    assert f.expected == "#" + _run(name).message.signatures[0].parent_id


def test_a_reference_uri_naming_nothing_keeps_the_plain_wording(tmp_path):
    data = edited_copy(DATA, tmp_path, RESPONSE, "<Reference>", '<Reference URI="#nowhere">')
    f = _finding(_run(RESPONSE, data), "signature-reference-invalid")
    assert f.message_text.endswith("points at no element of this document") and f.actual == "#nowhere"


def test_a_reference_to_the_response_is_not_a_reference_finding(tmp_path):
    data = edited_copy(DATA, tmp_path, RESPONSE, "<Reference>", '<Reference URI="#identifier_2">')
    assert "signature-reference-invalid" not in {f.code for f in _run(RESPONSE, data).findings}


def test_the_saml11_response_is_refused_in_one_line_naming_its_version():
    """SAML 1.0 and 1.1 share the urn:oasis:names:tc:SAML:1.0 namespaces: MajorVersion and MinorVersion
    (SAML 1.1 core, "SAML Versioning") say which; it used to be 'a SAML 1.x message'."""
    res = _refusal(DATA, SAML11)
    assert res.code == TABLE["refused"][SAML11]["code"] == "version-unsupported"
    assert "this is a SAML 1.1 Response (MajorVersion 1, MinorVersion 1), not SAML 2.0" in res.message_text
    assert "\n" not in res.message_text


def test_a_saml10_message_is_called_saml_10_and_one_without_versions_saml_1x(tmp_path):
    text = (DATA / SAML11).read_bytes().decode()
    assert text.count('MinorVersion="1"') == 2  # (the Response's, then the Assertion's)
    (tmp_path / SAML11).write_bytes(text.replace('MinorVersion="1"', 'MinorVersion="0"', 1).encode())
    assert "a SAML 1.0 Response (MajorVersion 1, MinorVersion 0)" in _refusal(tmp_path, SAML11).message_text
    (tmp_path / SAML11).write_bytes(text.replace('MajorVersion="1"', "", 1).encode())
    assert "this is a SAML 1.x Response, not SAML 2.0" in _refusal(tmp_path, SAML11).message_text


def test_a_hostile_version_or_name_is_cut_in_the_refusal(tmp_path):
    """The message's own MajorVersion (and root name) may be of any length: the line quotes 40 characters."""
    text = (DATA / SAML11).read_bytes().decode()
    (tmp_path / SAML11).write_bytes(text.replace('MajorVersion="1"', f'MajorVersion="{"9" * 100_000}"', 1).encode())
    said = _refusal(tmp_path, SAML11).message_text
    assert f"a SAML 1.x Response (MajorVersion {'9' * 40}..., MinorVersion 1)" in said and len(said) < 1000
