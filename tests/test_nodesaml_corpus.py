"""Differential test over node-saml's signature samples (tests/data/nodesaml; sources in SOURCES.md).

node-saml is the SP engine of @node-saml/passport-saml (Strapi, Outline, Wiki.js...). Its samples sit in
directories that are its verdicts (test/static/signatures/valid, invalid); verdicts.json transcribes, per
sample, the settings its test gives (test/test-signatures.spec.ts), node-saml's verdict and error text,
and samlscan's errors. Every sample runs through `samlscan check`: no traceback, samlscan's exit code,
its errors the cause node-saml's text names (through the catalog, as `samlscan explain` maps it) or a
disagreement the table explains; no attack comes out as a verified login.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from external_util import (analyze_sample, assert_attack_refused, assert_cause_or_explained, error_codes,
                           run_check, table_flags)
from samlscan.catalog import lookup
from samlscan.cli import main

DATA = Path(__file__).resolve().parent / "data" / "nodesaml"
TABLE = json.loads((DATA / "verdicts.json").read_text())
SAMPLES = TABLE["samples"]
FLAGS = {name: table_flags(TABLE, verdict) for name, verdict in SAMPLES.items()}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_check_agrees_with_node_saml_or_the_disagreement_is_explained(name):
    verdict = SAMPLES[name]
    result = run_check(DATA, name, FLAGS[name])
    assert result.exit_code == (1 if verdict["samlscan_errors"] else 0), result.output
    errors = error_codes(DATA, name, **FLAGS[name])
    assert errors == set(verdict["samlscan_errors"]), sorted(errors)
    other = verdict.get("disagreement")
    if verdict["node_saml_valid"]:
        assert errors == ({other["finding"]} if other else set()) and (not other or other["why"])
    elif verdict["node_saml_error"] is None:
        assert errors and verdict["unlocated"]
    else:
        cause = lookup(verdict["node_saml_error"], "node-saml")
        assert cause is not None and cause.product == "node-saml", verdict["node_saml_error"]
        assert_cause_or_explained(cause.code, errors, verdict)


@pytest.mark.parametrize("name", sorted(n for n, v in SAMPLES.items() if v.get("attack") and "/response." in n))
def test_attacks_never_verify_as_a_valid_login(name):
    assert_attack_refused(DATA, name, FLAGS[name])


def test_the_copies_are_exact():
    """The genuine signatures verify with cert.pem (node-saml's test/static/cert.pem, the key of its
    pub.pem): the transcription is byte-exact (the moved ones too: a Response holding the Assertion's
    signature, a LogoutRequest's in its Extensions)."""
    for name, paths in (("valid/response.root-unsigned.assertion-signed.1advice-signed.xml",
                         ["/Response/Assertion/Advice/Assertion", "/Response/Assertion"]),
                        ("valid/response.root-signed.assertion-unsigned-13-signature.xml", ["/Response"]),
                        ("invalid/response.root-carries-assertion-signature.assertion-unsigned.xml",
                         ["/Response/Assertion"]),
                        ("invalid/logoutrequest.root-signed.signature-in-extensions.xml", ["/LogoutRequest"])):
        sigs = analyze_sample(DATA, name, **FLAGS[name]).message.signatures
        assert [(s.signed_path, s.verified) for s in sigs] == [(p, True) for p in paths], name


def _signed_header(name: str) -> str:
    out = run_check(DATA, name, FLAGS[name], fmt="table").output
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Signed"))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith(" "))
    return " ".join(line.strip() for line in lines[start:end])


def test_the_header_says_a_signed_advice_assertion_is_not_the_one_an_sp_reads():
    """The Advice assertion's signature is evidence the IdP passes along (SAML core 2.6.1), not a
    wrapping: the header names it as the Advice assertion and sends the reader to no finding there is
    not (it said 'see signature-wrapping', and samlscan raises none here)."""
    name = "valid/response.root-unsigned.assertion-signed.1advice-signed.xml"
    header = _signed_header(name)
    assert "it covers the Advice assertion /Response/Assertion/Advice/Assertion" in header
    assert "signature-wrapping" not in header
    assert "signature-wrapping" not in error_codes(DATA, name, **FLAGS[name])


def test_the_header_says_a_signature_covers_another_element_than_its_holder():
    """A Response holding the Assertion's signature: 'Response: verified' alone read as a signed
    Response; the header says what it covers."""
    header = _signed_header("invalid/response.root-carries-assertion-signature.assertion-unsigned.xml")
    assert "Response [rsa-sha1]: verified" in header
    assert "it covers /Response/Assertion, not the Response that holds it" in header


def test_a_logout_request_signed_from_its_extensions_is_refused():
    """node-saml refuses a LogoutRequest whose only signature sits in samlp:Extensions ('Invalid
    signature on documentElement'): it verifies over the whole message, but no SP looks for it there.
    samlscan said nothing (exit 0)."""
    name = "invalid/logoutrequest.root-signed.signature-in-extensions.xml"
    assert error_codes(DATA, name, **FLAGS[name]) == {"signature-misplaced"}
    assert "not the Extensions that holds it" in _signed_header(name)


NODE_SAML_TEXTS = [
    # (a text as node-saml throws it, the samlscan code it means); source: node-saml src/xml.ts
    # validateXmlSignatureForCert (its guards before xml-crypto verifies).
    ("Invalid signature: ID cannot refer to more than one element", "signature-wrapping"),
    ("Invalid signature: Referenced node does not refer to it's parent element", "signature-wrapping"),
    ("Invalid signature: Referenced node does not refer to its parent element", "signature-wrapping"),
    ("ref URI included quote character ' or \". Not a valid ID, and not allowed", "signature-reference-invalid"),
    ("signature reference uri not found", "signature-reference-invalid"),
    ("Only 1 signed references should be present in signature", "signature-reference-invalid"),
    ("Invalid document signature", "signature-missing"),
    ("Invalid signature", "signature-invalid"),
    ("Invalid signature: multiple assertions", "assertion-multiple"),
    ("SAML assertion expired: clocks skewed too much", "assertion-expired"),
]


@pytest.mark.parametrize("text, code", NODE_SAML_TEXTS)
def test_node_saml_s_error_texts_map_to_their_cause(text, code):
    cause = lookup(text, "node-saml")
    assert cause is not None and cause.code == code, (text, cause)


def test_explain_names_a_duplicate_id_as_wrapping():
    result = CliRunner().invoke(main, ["explain", "Invalid signature: ID cannot refer to more than one element"])
    assert result.exit_code == 0 and "node-saml" in result.output and "signature-wrapping" in result.output
