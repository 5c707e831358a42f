"""samlscan on real messages of generators not read before (tests/data/corpus22; sources and every verdict in its
SOURCES.md and verdicts.json): samael's (Rust) test vectors, among them an ECDSA P-256 response, and unity-idm
samly2's (Java) UVOS response with its signature-wrapping copy.

Each sample is checked with the settings of the project's test (verdicts.json); then the failing sides: a changed
copy fails its digest, and the weak-algorithm finding asks for the SHA-256 of the same key, for the weak part only.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from external_util import analyze_sample, assert_clean_in_every_format, edited_copy, table_flags
from test_corpus17 import _agrees_or_says_why, _errors

DATA = Path(__file__).resolve().parent / "data" / "corpus22"
TABLE = json.loads((DATA / "verdicts.json").read_text())
SAMPLES = TABLE["samples"]
IDP2, ECDSA = "samael-response_signed_by_idp_2.xml", "samael-response_signed_by_idp_ecdsa.xml"
UVOS, XSW1, XSW2 = "samly2-signedResponse.xml", "samly2-signedResponse-xsw1.xml", "samly2-signedResponse-xsw2.xml"
WEAK = "signature-weak-algorithm"


def _file(row_name: str) -> str:
    return SAMPLES[row_name].get("file", row_name)


def _flags(row_name: str) -> dict:
    return table_flags(TABLE, SAMPLES[row_name])


def _run(row_name: str, data: Path = DATA):
    return analyze_sample(data, _file(row_name), **_flags(row_name))


def _edited(tmp_path: Path, name: str, old: str, new: str) -> Path:
    return edited_copy(DATA, tmp_path, name, old, new)


@pytest.mark.parametrize("row_name", sorted(SAMPLES))
def test_each_samples_errors_are_its_rows_which_agree_with_the_project_or_say_why(row_name):
    row = SAMPLES[row_name]
    found = _errors(_run(row_name))
    assert sorted(found) == sorted(row["samlscan_errors"]) and _agrees_or_says_why(row, found)


@pytest.mark.parametrize("row_name", sorted(SAMPLES))
def test_each_sample_runs_clean_through_the_cli_in_every_format(row_name):
    assert_clean_in_every_format(DATA, _file(row_name), _flags(row_name))


@pytest.mark.parametrize("name", [IDP2, ECDSA, UVOS])
def test_the_copies_are_exact_their_signatures_verify_with_the_trusted_key(name):
    assert [s.verified for s in _run(name).message.signatures] == [True]


def test_a_changed_attribute_fails_the_ecdsa_digest(tmp_path):
    data = _edited(tmp_path, ECDSA, ">test@example.com<", ">mallory@example.com<")
    (sig,) = _run(ECDSA, data).message.signatures
    assert (sig.verified, sig.failure) == (False, "digest")


def test_samael_refused_the_response_under_another_idps_key_and_so_does_samlscan():
    (sig,) = _run("samael-response_signed_by_idp_2-wrong-key").message.signatures
    assert (sig.verified, sig.failure) == (False, "cert-mismatch")


def test_an_ecdsa_signature_with_a_sha1_digest_is_asked_for_a_sha256_digest_not_for_rsa():
    """ecdsa-sha256 is no weakness: 'expected' named rsa-sha256 too, which sends an EC key's owner to RSA."""
    (f,) = [f for f in _run(ECDSA).findings if f.code == WEAK]
    assert (f.expected, f.actual) == ("http://www.w3.org/2001/04/xmlenc#sha256", "http://www.w3.org/2000/09/xmldsig#sha1")


def test_an_rsa_sha1_signature_is_still_asked_for_rsa_sha256_and_a_sha256_digest():
    (f,) = [f for f in _run(IDP2).findings if f.code == WEAK]
    assert f.expected == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256 and http://www.w3.org/2001/04/xmlenc#sha256"


def test_an_ecdsa_sha1_signature_is_asked_for_ecdsa_sha256(tmp_path):
    """The other side: an EC signature method that is itself SHA-1 is asked for its SHA-256 (RFC 4051 2.3.6);
    the copy is changed, so its digest fails too, and the finding still reads the algorithms."""
    data = _edited(tmp_path, ECDSA, "xmldsig-more#ecdsa-sha256", "xmldsig-more#ecdsa-sha1")
    (f,) = [f for f in _run(ECDSA, data).findings if f.code == WEAK]
    assert f.expected == ("http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256 and "
                          "http://www.w3.org/2001/04/xmlenc#sha256")


def test_the_authn_requests_digest_alone_is_weak():
    (f,) = [f for f in _run("samael-authn_request.xml").findings if f.code == WEAK]
    assert f.expected == "http://www.w3.org/2001/04/xmlenc#sha256"


def test_samaels_logout_request_has_its_session_index_before_the_name_id():
    res = _run("samael-logout_request.xml")
    assert "schema-order-invalid" in {f.code for f in res.findings}


def test_the_uvos_holder_of_key_assertion_is_read_and_only_lacks_a_bearer_confirmation():
    res = _run(UVOS)
    (a,) = res.message.assertions
    groups = {x.name: tuple(v.strip() for v in x.values) for x in a.attributes}["urn:SAML:voprofile:group"]
    assert groups == ("/chemomentum-VO", "/chemomentum-VO/testbed", "/chemomentum-VO/testbed/users")
    assert _errors(res) == {"subject-confirmation-missing"}


@pytest.mark.parametrize("name", [XSW1, XSW2])
def test_the_wrapped_uvos_copies_cover_nothing_the_sp_would_use(name):
    res = _run(name)
    assert [s.verified for s in res.message.signatures] == [False]
    assert "signature-wrapping" in _errors(res)


def test_samaels_three_attribute_statements_are_all_read_under_two_verified_signatures():
    res = _run("samael-multi_saml_response_signed_2.xml")
    assert [(s.parent, s.verified) for s in res.message.signatures] == [("Response", True), ("Assertion", True)]
    (a,) = res.message.assertions
    assert {x.name: x.values for x in a.attributes} == {
        "email": ("thing@thing.com",), "first_name": ("Test",), "last_name": ("User",)}
