"""Differential test over crewjam/saml's own test responses (tests/data/crewjam; sources in SOURCES.md).

crewjam/saml is the SP engine of Grafana (its fork grafana/saml) and Zitadel. verdicts.json transcribes,
per crewjam test, the sample, the ServiceProvider settings and clock the test fixes, crewjam's verdict and
its InvalidResponseError.PrivateErr text. Every case runs through `samlscan check` with those settings: no
traceback, the exit code of samlscan's verdict, and samlscan's errors are the cause crewjam's text names
(through the catalog, as `samlscan explain` maps it) or a disagreement the table explains. The XSW
permutations and the injected comments never come out as a verified login.
"""
from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from external_util import (FILES, analyze_sample, assert_attack_refused, assert_library_verdict, assert_text_maps,
                           error_codes, run_check, table_flags)
from samlscan.cli import main

DATA = Path(__file__).resolve().parent / "data" / "crewjam"
TABLE = json.loads((DATA / "verdicts.json").read_text())
CASES = TABLE["cases"]


def _sample(case: str, tmp_path: Path) -> tuple[Path, str, dict]:
    """The folder, file name and flags of a case. A case with a 'mutation' is the string replacement
    crewjam's test applies to a response stored elsewhere (TestSPRejectsInjectedComment), or the one that
    made its golden file from it (TestSPResponseWithNoIssuer: 'length' checks the result), written to
    tmp_path; its file flags then name the files in DATA."""
    verdict = CASES[case]
    flags = table_flags(TABLE, verdict)
    if "mutation" not in verdict:
        return DATA, verdict["file"], flags
    text = (DATA / verdict["file"]).read_text(encoding="utf-8")
    if verdict["file"].endswith(".b64"):
        text = base64.b64decode(text).decode("utf-8")
    for old, new in verdict["mutation"]:
        assert old in text, (case, old)
        text = text.replace(old, new, 1)
    assert len(text) == verdict.get("length", len(text)), "not the document crewjam's test stores"
    (tmp_path / f"{case}.xml").write_text(text, encoding="utf-8")
    flags = {k: (str(DATA / v) if k in FILES else v) for k, v in flags.items()}
    return tmp_path, f"{case}.xml", flags


@pytest.mark.parametrize("case", sorted(CASES))
def test_check_agrees_with_crewjam_or_the_disagreement_is_explained(case, tmp_path):
    verdict = CASES[case]
    data, name, flags = _sample(case, tmp_path)
    result = run_check(data, name, flags)
    assert result.exit_code == (1 if verdict["samlscan_errors"] else 0), result.output
    assert_library_verdict(verdict, error_codes(data, name, **flags), "crewjam", "crewjam")


@pytest.mark.parametrize("case", sorted(c for c, v in CASES.items() if v.get("attack")))
def test_attacks_never_verify_as_a_valid_login(case, tmp_path):
    """XSW 1-9 and CVE-2018-7340's comment: errors, and no verified signature covers the Response."""
    assert_attack_refused(*_sample(case, tmp_path))


def test_the_detached_signature_of_xsw2_verifies_but_covers_the_wrapped_response():
    """The copy is byte-exact: XSW2's detached signature verifies with the OneLogin certificate, over the
    inner Response, which is not the message."""
    res = analyze_sample(DATA, "xsw2.b64", **table_flags(TABLE, CASES["xsw2"]))
    assert [(s.verified, s.signed_path) for s in res.message.signatures] == [(True, "/Response/Response")]


def test_a_response_moved_into_its_own_signature_is_a_digest_failure():
    """XSW1: the signed Response moved inside its ds:Signature. The enveloped-signature transform drops the
    whole Signature (XML-DSig 6.6.4), so nothing is left to digest: a digest failure, not a SignedInfo
    'edited after signing' (the SignedInfo and SignatureValue are OneLogin's, untouched)."""
    res = analyze_sample(DATA, "xsw1.b64", **table_flags(TABLE, CASES["xsw1"]))
    assert [(s.verified, s.failure) for s in res.message.signatures] == [(False, "digest")]


CREWJAM_TEXTS = [
    # (a text as Grafana logs it: InvalidResponseError.PrivateErr, the samlscan code it means);
    # source: crewjam/saml service_provider.go, goxmldsig validate.go, xmlenc.
    ("cannot validate signature on Response: Missing signature referencing the top-level element",
     "signature-reference-invalid"),
    ("cannot validate signature on Assertion: Signature could not be verified", "signature-invalid"),
    ("cannot validate signature on Response: Could not verify certificate against trusted certs",
     "signature-cert-mismatch"),
    ("cannot validate signature on ArtifactResponse: Cert is not valid at this time", "cert-expired"),
    ("cannot validate signature on Response: cannot find any signing certificate in the IDP SSO descriptor",
     "sp-configuration-error"),
    ("signature element not present", "signature-missing"),
    ("either the Response or Assertion must be signed", "signature-missing"),
    ("response IssueInstant expired at 2015-12-01 01:57:51.375 +0000 UTC", "sp-clock-skew"),
    ("assertion invalid: expired on 2015-12-01 01:57:51.375 +0000 UTC", "sp-clock-skew"),
    ("`InResponseTo` does not match any of the possible request IDs (expected [])", "relaystate-cookie-missing"),
    ("`InResponseTo` does not match any of the possible request IDs (expected [wrongRequestID])",
     "inresponseto-mismatch"),
    ("assertion SubjectConfirmation one of the possible request IDs ([any request id])", "inresponseto-mismatch"),
    ('response Issuer does not match the IDP metadata (expected "http://snakeoil.com")', "issuer-mismatch"),
    ('assertion invalid: issuer is not "https://idp.testshib.org/idp/shibboleth"', "issuer-mismatch"),
    ('`Destination` does not match AcsURL (expected "https://wrong/saml2/acs", actual '
     '"https://15661444.ngrok.io/saml2/acs")', "destination-mismatch"),
    ("assertion SubjectConfirmation Recipient is not https://15661444.ngrok.io/saml2/acs", "recipient-mismatch"),
    ("assertion SubjectConfirmationData is expired", "subject-confirmation-expired"),
    ("assertion Conditions is not yet valid", "assertion-not-yet-valid"),
    ("assertion Conditions is expired", "assertion-expired"),
    ('assertion Conditions AudienceRestriction does not contain "https://15661444.ngrok.io/saml2/metadata"',
     "audience-mismatch"),
    ("expected at least one valid Assertion, none found", "assertion-missing"),
    ("failed to decrypt EncryptedAssertion: certificate does not match provided key", "decryption-failed"),
    ("failed to decrypt key from response: crypto/rsa: decryption error", "decryption-failed"),
    ("cannot parse base64: illegal base64 data at input byte 0", "input-bad-base64"),
    ("cannot unmarshal response: expected element type <Response> but have <hello>", "input-not-saml"),
    ("invalid xml: XML syntax error on line 1: unexpected EOF", "input-xml-malformed"),
]


@pytest.mark.parametrize("text, code", CREWJAM_TEXTS)
def test_crewjam_s_error_texts_map_to_their_cause(text, code):
    assert_text_maps(text, "crewjam", code)


def test_explain_names_crewjam_in_a_log_line():
    """A log line that quotes the private error among other words (an app's logfmt line, quotes escaped):
    `samlscan explain` finds crewjam's cause in it."""
    line = ('level=error msg="saml login failed" error="assertion invalid: assertion Conditions '
            'AudienceRestriction does not contain \\"https://app.example.com/saml/metadata\\""')
    result = CliRunner().invoke(main, ["explain", line])
    assert result.exit_code == 0 and "crewjam" in result.output and "Audience" in result.output


def test_the_forged_subject_is_never_a_verified_one():
    """TestMultipleAssertions: the only Assertion a verified signature covers names rkinder, never the
    forged admin@evil.com that reuses its ID."""
    res = analyze_sample(DATA, "multiple-assertions.xml", **table_flags(TABLE, CASES["multiple_assertions"]))
    assert {a.name_id.value for a in res.message.assertions if a.signed} == {"rkinder@secureworks.com"}
