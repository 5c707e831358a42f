"""samlscan on real messages of generators not read before (tests/data/corpus23; sources and every verdict in its
SOURCES.md and verdicts.json): omniauth-saml's (Ruby) spec responses and logout request, OpenSAML 2's (Java) signed
AuthnRequest with two References and exc-c14n WithComments, and C++ OpenSAML's signed assertion.

Each sample is checked with the settings of the project's test (verdicts.json); then the failing sides: a changed
copy fails its digest, a clock past the window with no skew refuses what a 60 s skew accepts, and a request or logout
message whose times are not UTC 'Z' is named so (SAML core 1.3.3), as a Response already was.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from external_util import analyze_sample, assert_clean_in_every_format, edited_copy, table_flags
from test_corpus17 import _agrees_or_says_why, _errors

DATA = Path(__file__).resolve().parent / "data" / "corpus23"
TABLE = json.loads((DATA / "verdicts.json").read_text())
SAMPLES = TABLE["samples"]
OMNI, LOGOUT = "omniauth-saml-example_response.xml", "omniauth-saml-example_logout_request.xml"
REQUEST, ASSERTION = "opensaml2-Signed-AuthnRequest.xml", "cpp-opensaml-SAML2Assertion.xml"
NOT_UTC = "time-not-utc"


def _file(row_name: str) -> str:
    return SAMPLES[row_name].get("file", row_name)


def _flags(row_name: str) -> dict:
    return table_flags(TABLE, SAMPLES[row_name])


def _edited(tmp_path: Path, name: str, old: str, new: str) -> Path:
    return edited_copy(DATA, tmp_path, name, old, new)


def _run(row_name: str, data: Path = DATA, **more):
    return analyze_sample(data, _file(row_name), **dict(_flags(row_name), **more))


@pytest.mark.parametrize("row_name", sorted(SAMPLES))
def test_each_rows_errors_agree_with_the_project_or_say_why_and_the_cli_runs_clean_in_every_format(row_name):
    row, name, flags = SAMPLES[row_name], _file(row_name), _flags(row_name)
    found = _errors(analyze_sample(DATA, name, **flags))
    assert sorted(found) == sorted(row["samlscan_errors"]) and _agrees_or_says_why(row, found)
    assert_clean_in_every_format(DATA, name, flags)


@pytest.mark.parametrize("name, parents", [(OMNI, ["Response", "Assertion"]), (REQUEST, ["AuthnRequest"]),
                                           (ASSERTION, ["Assertion"])])
def test_the_copies_are_exact_their_signatures_verify_with_the_trusted_key(name, parents):
    assert [(s.parent, s.verified) for s in _run(name).message.signatures] == [(p, True) for p in parents]


def test_a_changed_attribute_fails_the_assertion_digest_of_omniauths_response(tmp_path):
    data = _edited(tmp_path, OMNI, ">user@example.com<", ">mallory@example.com<")
    sigs = {s.parent: (s.verified, s.failure) for s in _run(OMNI, data).message.signatures}
    assert sigs["Assertion"] == (False, "digest")


def test_a_comment_added_to_opensamls_request_is_outside_its_digest_and_a_changed_issuer_is_not(tmp_path):
    """URI="#abc123" yields the element without its comments (XML-DSig 4.3.3.3), so exc-c14n WithComments has
    none to keep: a comment added after signing still verifies (xmlsec1 agrees); the Issuer changed does not."""
    commented = _edited(tmp_path / "c", REQUEST, "</samlp:AuthnRequest>", "<!-- added --></samlp:AuthnRequest>")
    assert [s.verified for s in _run(REQUEST, commented).message.signatures] == [True]
    changed = _edited(tmp_path / "i", REQUEST, ">SomeCoolIssuer<", ">SomeOtherIssuer<")
    assert [(s.verified, s.failure) for s in _run(REQUEST, changed).message.signatures] == [(False, "digest")]


def test_the_stale_response_is_refused_without_skew_and_accepted_with_sixty_seconds_as_omniauth_does():
    assert _errors(_run("omniauth-saml-example_response-stale")) == {"assertion-expired", "subject-confirmation-expired"}
    drift = _run("omniauth-saml-example_response-drift60")
    assert not _errors(drift) and "subject-confirmation-drift" in {f.code for f in drift.findings}


def test_a_logout_request_without_a_zone_is_named_and_addressed_to_its_sender():
    """SAML core 1.3.3 holds for every SAML time; the check ran on Responses and Assertions only."""
    (f,) = [f for f in _run(LOGOUT).findings if f.code == NOT_UTC]
    assert "/LogoutRequest@IssueInstant 2016-05-25T12:32:48 is written without a zone" in f.message_text
    assert f.hint.startswith("Make the IdP write SAML times")  # its Issuer is the configured IdP
    (g,) = [g for g in _run(LOGOUT, idp_entity_id="https://other.example.org").findings if g.code == NOT_UTC]
    assert "LogoutRequest's sender (https://idp.sso.example.com/metadata/29490)" in g.hint and g.side is None


def test_a_logout_request_in_utc_says_nothing_of_its_zone(tmp_path):
    data = _edited(tmp_path, LOGOUT, 'IssueInstant="2016-05-25T12:32:48"', 'IssueInstant="2016-05-25T12:32:48Z"')
    assert NOT_UTC not in {f.code for f in _run(LOGOUT, data).findings}


def test_an_authn_request_with_an_offset_is_the_sps_to_fix(tmp_path):
    """An AuthnRequest is the SP's (SAML core 3.4.1): the fix is addressed to it; the changed copy fails its digest."""
    data = _edited(tmp_path, REQUEST, 'IssueInstant="2007-06-18T05:17:13.568Z"',
                   'IssueInstant="2007-06-18T07:17:13.568+02:00"')
    (f,) = [f for f in _run(REQUEST, data).findings if f.code == NOT_UTC]
    assert f.side == "sp" and "AuthnRequest's sender (SomeCoolIssuer)" in f.hint
    assert "read as 2007-06-18T05:17:13Z" in f.message_text


def test_a_logout_request_whose_issue_instant_is_no_time_is_an_error(tmp_path):
    data = _edited(tmp_path, LOGOUT, 'IssueInstant="2016-05-25T12:32:48"', 'IssueInstant="yesterday"')
    (f,) = [f for f in _run(LOGOUT, data).findings if f.code == "input-xml-malformed"]
    assert f.message_text == "LogoutRequest IssueInstant is not an xs:dateTime"
