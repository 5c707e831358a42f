"""samlscan on real third-party samples not read before (tests/data/corpus16; sources, licences and every
verdict in its SOURCES.md and verdicts.json): ruby-saml's own test responses and the ruby-saml samples
gosaml2 keeps in its testdata/corpus (hostile node-splitting, duplicated and misplaced signatures).

Each stored sample is checked with the settings of the suite that judges it: samlscan's errors are the
ones verdicts.json lists, and each agrees with that project's verdict or the row says why not.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from external_util import analyze_sample, check_args
from samlscan.cli import main

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "corpus16"
TABLE = json.loads((DATA / "verdicts.json").read_text())
SAMPLES = TABLE["samples"]
PARSED = sorted(name for name, row in SAMPLES.items() if "refused_as" not in row)

sys.path.insert(0, str(ROOT / "fixtures"))
import generate as GEN  # noqa: E402
from samlgen import build, signer  # noqa: E402


def _flags(row: dict) -> dict:
    return {k: v for k, v in TABLE["settings"][row["settings"]].items() if k != "config"} | {"at": row["at"]}


def _errors(res) -> set[str]:
    return {f.code for f in res.findings if f.severity.value == "error"}


@pytest.mark.parametrize("name", PARSED)
def test_errors_are_the_tables_and_agree_with_the_project_or_say_why(name):
    row = SAMPLES[name]
    errors = _errors(analyze_sample(DATA, name, **_flags(row)))
    assert errors == set(row["samlscan_errors"]), sorted(errors)
    valid = row["project_valid"]
    if valid is None:
        assert row["unjudged"]
    elif row.get("disagreement"):
        assert row["disagreement"]
    else:
        assert bool(errors) is (not valid)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample_runs_through_the_cli_without_a_traceback(name):
    row = SAMPLES[name]
    flags = {} if "refused_as" in row else _flags(row)
    res = CliRunner().invoke(main, check_args(DATA, name, flags) + ["--fail-on", "never"])
    assert "Traceback" not in res.output and "internal-error" not in res.output
    if "refused_as" in row:
        assert res.exit_code == 0 and row["refused_as"] in res.output


def test_a_response_holding_two_signatures_says_so_once_not_content_changed():
    """ruby-saml's invalids/multiple_signed (gosaml2 corpus): the Response holds its ds:Signature twice.
    The enveloped transform removes only the signature being checked, so each sees the other and fails
    its digest; ruby-saml, java-saml and python3-saml refuse it 'Duplicated ID. SAML Response rejected'.
    samlscan said twice that 'the content was changed after signing' (a proxy, tampering)."""
    name = "gosaml2corpus-rubysaml-invalid_multiple_signed.xml"
    res = analyze_sample(DATA, name, **_flags(SAMPLES[name]))
    invalid = [f for f in res.findings if f.code == "signature-invalid"]
    assert len(invalid) == 1
    assert "holds 2 ds:Signature elements" in invalid[0].message_text
    assert "Duplicated ID. SAML Response rejected" in invalid[0].message_text
    assert "changed after signing" not in invalid[0].message_text


def test_an_assertion_signed_twice_in_the_default_namespace_is_named_the_same_way(tmp_path):
    """The general case: an Entra-style Assertion (SAML and ds in the default namespace, no prefix)
    whose IdP ran its signing step twice: the first signature now covers the second and fails its
    digest, the second verifies. One finding names the Assertion and its two signatures."""
    root = build.build_response(GEN.response("signed-twice", GEN.ENTRA), GEN.ENTRA)
    (assertion,) = root.iter("{urn:oasis:names:tc:SAML:2.0:assertion}Assertion")
    signer.add_template(assertion, GEN.ENTRA)
    signer.sign_all(root, GEN.IDP)
    signer.add_template(assertion, GEN.ENTRA)
    signer.sign_all(root, GEN.IDP)
    (tmp_path / "twice.xml").write_bytes(etree.tostring(root))
    res = analyze_sample(tmp_path, "twice.xml", idp_cert=str(ROOT / "fixtures" / "keys" / "idp.crt"))
    assert sorted(s.verified for s in res.message.signatures) == [False, True]
    (invalid,) = [f for f in res.findings if f.code == "signature-invalid"]
    assert f"the Assertion (ID {assertion.get('ID')!r}) holds 2 ds:Signature elements" in invalid.message_text


def test_one_signature_per_element_keeps_the_content_changed_diagnosis():
    """The CDATA node-splitting sample (one Response signature, its NameID text changed): the digest
    failure is still said as a change after signing, not as a doubled signature."""
    name = "gosaml2corpus-hostile-rubysaml_node_text_attack3.xml"
    res = analyze_sample(DATA, name, **_flags(SAMPLES[name]))
    (invalid,) = [f for f in res.findings if f.code == "signature-invalid"]
    assert "changed after signing" in invalid.message_text and "ds:Signature elements" not in invalid.message_text


def test_a_stray_signature_that_verifies_with_its_keyinfo_is_not_said_unverified():
    """ruby-saml's response_invalid_signed_element: the Response's signature inside samlp:Status. With no
    IdP certificate configured, signature-misplaced said it 'was not verified (no key to check it)', and
    '(ID None, ...)' for the Status, which has no ID, while the Signed line said intact with its own
    KeyInfo certificate."""
    name = "gosaml2corpus-rubysaml-invalid_response_invalid_signed_element.xml"
    res = analyze_sample(DATA, name, at=SAMPLES[name]["at"])
    (stray,) = [f for f in res.findings if f.code == "signature-misplaced"]
    assert "held by <Status> (covering /Response) verifies with the key in its own KeyInfo" in stray.message_text
    trusted = analyze_sample(DATA, name, **_flags(SAMPLES[name]))
    (stray,) = [f for f in trusted.findings if f.code == "signature-misplaced"]
    assert "held by <Status> (covering /Response) verifies, beside" in stray.message_text
