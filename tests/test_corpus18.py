"""samlscan on real samples of samlify and Spring Security (tests/data/corpus18; sources, licences and every
verdict in its SOURCES.md and verdicts.json): samlify's signed Response and AuthnRequests and its IdP
metadata, and the SSOCircle Response Spring Security's tests decode.

Each sample is checked with the settings of the test that judges it: samlscan's errors are the ones
verdicts.json lists, and each agrees with that project's verdict or the row says why not.
"""
from __future__ import annotations

import base64
import json
import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner

from external_util import analyze_sample, check_args, table_flags
from samlscan.cli import main
from test_corpus17 import _agrees_or_says_why, _errors

DATA = Path(__file__).resolve().parent / "data" / "corpus18"
TABLE = json.loads((DATA / "verdicts.json").read_text())
SAMPLES = TABLE["samples"]
DETACHED = "samlify-response_signed-66a629c.xml"
BY_ID = "samlify-signed_request_sha256.xml"
SSOCIRCLE = "spring-saml2-response-sso-circle.encoded"


def _staged(folder: Path, text: str, flags: dict):
    """The MessageResult of `text` saved in `folder` beside copies of the files its flags name."""
    (folder / "r.xml").write_text(text)
    for key in ("idp_cert", "sp_cert"):
        if key in flags:
            (folder / flags[key]).write_bytes((DATA / flags[key]).read_bytes())
    return analyze_sample(folder, "r.xml", **flags)


def _analyze(name: str, folder: Path = DATA, **flags):
    """analyze_sample, the URL-encoded form (a SAMLResponse parameter as the SP received it) decoded first."""
    if name.endswith(".encoded"):
        return _staged(folder, base64.b64decode(urllib.parse.unquote((DATA / name).read_text())).decode(), flags)
    return analyze_sample(DATA, name, **flags)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_errors_are_the_tables_and_agree_with_the_project_or_say_why(name, tmp_path):
    row = SAMPLES[name]
    errors = _errors(_analyze(name, tmp_path, **table_flags(TABLE, row)))
    assert errors == set(row["samlscan_errors"]), sorted(errors)
    assert _agrees_or_says_why(row, errors)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample_runs_through_the_cli_in_every_format_with_and_without_trust(name):
    """No traceback, no internal error, whatever the format and whether the test's certificate is given."""
    for fmt, flags in [(f, t) for f in ("json", "table", "csv") for t in ({}, table_flags(TABLE, SAMPLES[name]))]:
        res = CliRunner().invoke(main, check_args(DATA, name, flags, fmt) + ["--fail-on", "never"])
        assert res.exit_code == 0 and "Traceback" not in res.output, res.output
        assert "internal-error" not in res.output


def test_the_cli_reads_the_url_encoded_ssocircle_response_and_verifies_it():
    """The file as Spring's test holds it (URL-encoded base64, %0D%0A line breaks), not decoded by hand."""
    args = check_args(DATA, SSOCIRCLE, table_flags(TABLE, SAMPLES[SSOCIRCLE]))
    res = CliRunner().invoke(main, args + ["--fail-on", "error"])
    assert res.exit_code == 0, res.output
    (msg,) = json.loads(res.stdout)["messages"]
    assert msg["id"] == "s246d157446618e90e43fb79bdd4d9e9e19cf2c7c4"


def test_the_ssocircle_copy_is_exact_its_signature_verifies_with_its_certificate(tmp_path):
    res = _analyze(SSOCIRCLE, tmp_path, **table_flags(TABLE, SAMPLES[SSOCIRCLE]))
    assert [(s.parent, s.verified) for s in res.message.signatures] == [("Assertion", True)]
    assert res.message.in_response_to == "ARQ9a73ead-7dcf-45a8-89eb-26f3c9900c36"


def test_a_detached_signature_over_the_consumed_assertion_says_so():
    """samlify's response_signed: the ds:Signature sits in the Response after the Assertion it signs. It
    verifies and covers the very Assertion an SP consumes; SAML core 5.4.1 wants it enveloped, which
    java-saml, python3-saml, node-saml and OpenSAML enforce. The finding said only 'covers /Response/Assertion,
    not its own Response', its fix 'The SP must use only the element that the signature's Reference points
    at', which is what an SP would do here."""
    res = _analyze(DETACHED, **table_flags(TABLE, SAMPLES[DETACHED]))
    (f,) = [f for f in res.findings if f.code == "signature-wrapping"]
    assert f.severity.value == "error"
    assert "covers the assertion an SP consumes (/Response/Assertion)" in f.message_text
    assert "Found an invalid Signed Element" in f.message_text and "samlify" in f.message_text
    assert "inside the element it signs" in f.hint and "points at" not in f.hint
    assert [s.verified for s in res.message.signatures] == [True]


def test_a_verified_signature_over_another_element_than_the_consumed_one_keeps_the_wrapping_text(tmp_path):
    """The failing side: the same signature, the consumed Assertion now an unsigned copy placed first (the
    signed one moved after it): the verified signature no longer covers what an SP consumes."""
    text = (DATA / DETACHED).read_text()
    start = text.index("<saml:Assertion")
    end = text.index("</saml:Assertion>") + len("</saml:Assertion>")
    forged = text[start:end].replace('ID="_d71a3a8e9fcc45c9e9d248ef7049393fc8f04e5f75"', 'ID="_forged"')
    res = _staged(tmp_path, text[:start] + forged + text[start:], table_flags(TABLE, SAMPLES[DETACHED]))
    texts = [f.message_text for f in res.findings if f.code == "signature-wrapping"]
    assert texts and not any("covers the assertion an SP consumes" in t for t in texts)


@pytest.mark.parametrize("name, kind", [(BY_ID, "AuthnRequest"), ("samlify-response_signed_cert2.xml", "Response")])
def test_a_reference_to_a_non_saml_id_attribute_names_the_element_that_carries_it(name, kind):
    """samlify's signed_request_sha256 and response_signed_cert2: Reference '#_0' names the Issuer's 'Id'
    attribute (xml-crypto resolves Id, ID and id; SAML's is 'ID'). samlscan said it 'points at no element of
    this document'."""
    res = _analyze(name, **table_flags(TABLE, SAMPLES[name]))
    (f,) = [f for f in res.findings if f.code == "signature-reference-invalid"]
    assert f"/{kind}/Issuer carries it as 'Id' or 'id'" in f.message_text
    assert f"not the {kind}" in f.message_text and "points at no element of this document" not in f.message_text


def test_a_reference_to_no_element_at_all_still_says_so(tmp_path):
    """The other side: the fragment on no element under any spelling keeps the plain message."""
    text = (DATA / BY_ID).read_text().replace('Id="_0"', 'Name="_0"')
    res = _staged(tmp_path, text, table_flags(TABLE, SAMPLES[BY_ID]))
    (f,) = [f for f in res.findings if f.code == "signature-reference-invalid"]
    assert "points at no element of this document" in f.message_text


def test_metadata_whose_keyinfo_lacks_the_dsig_namespace_is_refused_in_one_line():
    """samlify reads idpmeta.xml's certificate by local name; samlscan, like java-saml, python3-saml and
    OpenSAML, finds none there and says why (exit 2, no traceback)."""
    res = CliRunner().invoke(main, ["check", str(DATA / DETACHED), "--idp-metadata", str(DATA / "samlify-idpmeta.xml")])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "urn:oasis:names:tc:SAML:2.0:metadata" in res.output and "--idp-cert" in res.output
