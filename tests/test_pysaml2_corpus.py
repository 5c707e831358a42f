"""Differential test over pysaml2's own test responses (tests/data/pysaml2; sources in SOURCES.md).

pysaml2 is the SAML engine of SATOSA and djangosaml2. verdicts.json transcribes, per sample, the
pysaml2 test that judges it: its settings (tests/server_conf.py...), pysaml2's verdict and error, the
time. Every sample is run through `samlscan check` with those settings: no traceback, the exit code
of samlscan's own verdict, and samlscan's errors are what the table says: the cause pysaml2's text
names (through the catalog, as `samlscan explain` maps it), or a disagreement the table explains.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from external_util import (analyze_sample, assert_attack_refused, assert_library_verdict, error_codes, run_check,
                           table_flags)
from samlscan.catalog import lookup

DATA = Path(__file__).resolve().parent / "data" / "pysaml2"
TABLE = json.loads((DATA / "verdicts.json").read_text())
SAMPLES = TABLE["samples"]


def _flags(name: str) -> dict:
    return table_flags(TABLE, SAMPLES[name])


def _errors(name: str) -> set[str]:
    return error_codes(DATA, name, **_flags(name))


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_check_runs_and_exits_with_its_verdict(name):
    result = run_check(DATA, name, _flags(name))
    assert result.exit_code == (1 if SAMPLES[name]["samlscan_errors"] else 0), result.output


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_verdict_agrees_or_the_disagreement_is_explained(name):
    assert_library_verdict(SAMPLES[name], _errors(name), "pysaml2", "pysaml2")


@pytest.mark.parametrize("name", sorted(n for n, v in SAMPLES.items() if v.get("attack")))
def test_attacks_never_verify_as_a_valid_login(name):
    assert_attack_refused(DATA, name, _flags(name))


def test_the_wrapped_signature_is_genuine():
    """saml2_response_xsw.xml: the signature in the spoofed Assertion verifies with the IdP's metadata
    certificate (idp.xml), over the Assertion hidden in <XSW_ATTACK>: the copy is byte-exact, and the
    attack moves a real signature, never re-signs."""
    name = "saml2_response_xsw.xml"
    sigs = analyze_sample(DATA, name, **_flags(name)).message.signatures
    assert [(s.parent, s.verified, s.signed_path) for s in sigs] == [
        ("Assertion", True, "/Response/XSW_ATTACK/Assertion")]


@pytest.mark.parametrize("text, code", [
    ("SignatureError", "unknown-failure"),
    ("saml2.sigver.SignatureError: Failed to verify signature", "signature-invalid"),
    ("saml2.sigver.SignatureError: Signature missing for assertion", "signature-missing"),
    ("saml2.sigver.SignatureError: Signature missing for response", "signature-missing"),
])
def test_pysaml2_s_signature_error_alone_names_no_cause(text, code):
    """pysaml2 raises SignatureError for a missing signature and for one that fails (test_41's
    test_false_sign and test_xsw raise it for an invalid and a wrapped one): the bare class name
    mapped to 'Signature missing for response' (signature-missing), the first entry of the id. It now
    maps to the entry written for the class itself, which says the text after it tells which."""
    found = lookup(text)
    assert found is not None and found.product == "pysaml2" and found.code == code, found


def test_a_bare_id_of_one_product_still_prefers_that_product_s_specific_text():
    """The entry written for an id wins only among its own product's entries of that id: Spring's
    'invalid_signature' alone is still Spring's first text, not Keycloak's plain 'invalid_signature'."""
    found = lookup("invalid_signature")
    assert found.product == "spring" and found.code == "signature-invalid"


def _satosa_line(error: str) -> str:
    """A SATOSA log line: lu.LOG_FMT ('[{id}] {message}') around the dict authn_response logs."""
    return "[urn:uuid:5f1c] " + str({"message": "Authentication failed", "error": error})


@pytest.mark.parametrize("text, code", [
    # pysaml2 src/saml2/s_utils.py STATUSCODE2EXCEPTION: the class names the second-level status.
    ("StatusRequestDenied", "idp-authentication-failed"),
    ("StatusAuthnFailed", "idp-authentication-failed"),
    ("StatusUnknownPrincipal", "idp-authentication-failed"),
    ("StatusNoPassive", "idp-authentication-failed"),
    ("StatusNoAuthnContext", "request-invalid"),
    ("StatusInvalidNameidPolicy", "request-invalid"),
    ("StatusRequestUnsupported", "request-invalid"),
    ("StatusError", "status-not-success"),
    # SATOSA src/satosa/backends/saml2.py authn_response, as its LOG_FMT line carries the dict.
    *((_satosa_line(error), code) for error, code in [
        ("Received AuthN response without a SATOSA session cookie", "unknown-failure"),
        ("SAML Response not found in context.request", "unknown-failure"),
        ("No corresponding request with id: id-4b2cdd1c5e0f", "inresponseto-mismatch"),
        ("Response state query param did not match relay state for request", "unknown-failure"),
    ]),
])
def test_pysaml2_and_satosa_texts_map_to_their_cause(text, code):
    """pysaml2's status exception classes and SATOSA's SAML-backend refusals matched nothing."""
    found = lookup(text, "pysaml2")
    assert found is not None and found.product == "pysaml2" and found.code == code, (text, found)
