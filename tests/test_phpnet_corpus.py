"""Differential test over simplesamlphp/saml2's own test messages (tests/data/phpnet; sources in SOURCES.md).

verdicts.json transcribes, per SimpleSAMLphp test, the sample, the key it verifies with, SimpleSAMLphp's
verdict and error text. Each runs through `samlscan check`: no traceback, the exit code of samlscan's
verdict, its errors the cause SimpleSAMLphp's text names (through the catalog) or the listed reason;
none of these attacks comes out as a verified login.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from external_util import (analyze_sample, assert_attack_refused, assert_library_verdict, error_codes, run_check,
                           table_flags)

DATA = Path(__file__).resolve().parent / "data" / "phpnet"
TABLE = json.loads((DATA / "verdicts.json").read_text())
CASES = TABLE["cases"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_check_agrees_with_simplesamlphp_or_the_disagreement_is_explained(case):
    verdict = CASES[case]
    flags = table_flags(TABLE, verdict)
    result = run_check(DATA, verdict["file"], flags)
    assert result.exit_code == (1 if verdict["samlscan_errors"] else 0), result.output
    errors = error_codes(DATA, verdict["file"], **flags)
    assert_library_verdict(verdict, errors, "simplesamlphp", "simplesamlphp")
    assert_attack_refused(DATA, verdict["file"], flags)


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
