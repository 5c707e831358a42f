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
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from external_util import (analyze_sample, assert_attack_refused, assert_cause_or_explained, assert_text_maps,
                           error_codes, run_check, table_flags)
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
                        ("invalid/logoutrequest.root-signed.signature-in-extensions.xml", ["/LogoutRequest"]),
                        ("valid/response.root-signed.assertion-unsigned.sha256-rsa-mgf1.xml", ["/Response"]),
                        ("valid/response.root-signed-2references.assertion-signed.xml",
                         ["/Response", "/Response/Assertion"]),
                        ("invalid/response.root-signed-2references.assertion-unsigned.xml", ["/Response"]),
                        ("static/logout_request_with_bad_expiration.xml", ["/LogoutRequest"])):
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
    # its guard on the Transforms (src/xml.ts validateSignature; src/saml.ts in older versions)
    ("Invalid signature, too many transforms", "signature-transform-invalid"),
    ("Invalid document signature", "signature-missing"),
    ("Invalid signature", "signature-invalid"),
    ("Invalid signature: multiple assertions", "assertion-multiple"),
    ("SAML assertion expired: clocks skewed too much", "assertion-expired"),
    # src/saml.ts on the bearer SubjectConfirmations (its 'multiple SubjectConfirmation' tests)
    ("InResponseTo does not match subjectInResponseTo", "inresponseto-mismatch"),
    ("No valid subject confirmation found among those available in the SAML assertion", "subject-confirmation-expired"),
]


@pytest.mark.parametrize("text, code", NODE_SAML_TEXTS)
def test_node_saml_s_error_texts_map_to_their_cause(text, code):
    assert_text_maps(text, "node-saml", code)


def test_explain_names_a_duplicate_id_as_wrapping():
    result = CliRunner().invoke(main, ["explain", "Invalid signature: ID cannot refer to more than one element"])
    assert result.exit_code == 0 and "node-saml" in result.output and "signature-wrapping" in result.output


def test_an_advice_assertion_s_times_are_named_by_their_own_path():
    """The Advice assertion's times are written with '+00:00' like the outer one's: time-not-utc
    named both 'Assertion@IssueInstant', 'Conditions@NotBefore'... (the last path step only), so each
    came twice under the outer assertion's name. Each is now named by its path."""
    name = "valid/response.root-unsigned.assertion-signed.1advice-signed.xml"
    (note,) = [f.message_text for f in analyze_sample(DATA, name, **FLAGS[name]).findings
               if f.code == "time-not-utc"]
    labels = re.findall(r"(\S+@\w+) \S+ is written", note)
    assert len(labels) == len(set(labels)) == 11, labels
    for where in ("/Response/Assertion/Advice/Assertion@IssueInstant",
                  "/Response/Assertion/Advice/Assertion/Conditions@NotBefore",
                  "/Response/Assertion/Advice/Assertion/AuthnStatement@AuthnInstant",
                  "/Response/Assertion@IssueInstant", "/Response/Assertion/AuthnStatement@AuthnInstant"):
        assert where in labels, labels


def test_a_signature_held_elsewhere_than_its_target_signs_nothing():
    """java-saml and python3-saml (processSignedElements: the Reference URI must be '#' + the ID of the
    signature's parent, 'Found an invalid Signed Element'), node-saml ('Referenced node does not refer
    to it's parent element') and OpenSAML (SAMLSignatureProfileValidator) accept a signature only as
    the child of the element it signs (SAML core 5.4.1). samlscan's `signed` counted any verified
    signature over the element or an ancestor: a Response holding the Assertion's signature made the
    Assertion 'signed_by: [Response]', a LogoutRequest signed from its Extensions 'signed'."""
    name = "invalid/response.root-carries-assertion-signature.assertion-unsigned.xml"
    msg = analyze_sample(DATA, name, **FLAGS[name]).message
    assert [(a.path, a.signed, a.signed_by) for a in msg.assertions] == [("/Response/Assertion", False, ())]
    assert not msg.signed
    name = "invalid/logoutrequest.root-signed.signature-in-extensions.xml"
    assert not analyze_sample(DATA, name, **FLAGS[name]).message.signed
    # a signature that is its target's own child still signs it, and the Response's signs its assertions
    name = "valid/response.root-signed.assertion-unsigned-13-signature.xml"
    msg = analyze_sample(DATA, name, **FLAGS[name]).message
    assert msg.signed and [(a.signed, a.signed_by) for a in msg.assertions] == [(True, ("Response",))]


def test_a_second_reference_is_no_wrapping():
    """node-saml's root-signed-2references samples: the Response's genuine signature names the Response
    and, in a second Reference, its Assertion. samlscan called it signature-wrapping, 'covers /Response,
    not its own Response': it covers its own Response; what SPs refuse is the second Reference (node-saml:
    'Only 1 signed references should be present in signature'; SAML core 5.4.2)."""
    for name in ("invalid/response.root-signed-2references.assertion-unsigned.xml",
                 "valid/response.root-signed-2references.assertion-signed.xml"):
        (note,) = [f for f in analyze_sample(DATA, name, **FLAGS[name]).findings if f.severity.value == "error"]
        assert note.code == "signature-reference-invalid", note
        assert "carries 2 References" in note.message_text and "not its own" not in note.message_text


def test_a_signed_info_edited_after_signing_is_not_blamed_on_the_content():
    """passport-saml's root-signed-transforms sample: a second enveloped-signature Transform written into
    the SignedInfo after signing. The content's digest still matches, but samlscan's recomputation
    removed the Signature together with the whitespace after it (lxml's remove() takes an element's
    tail; the enveloped transform removes the element only), so it said 'the content was changed after
    signing'. It now says the SignedInfo was edited."""
    name = "invalid/response.root-signed-transforms.assertion-unsigned.xml"
    (sig,) = analyze_sample(DATA, name, **FLAGS[name]).message.signatures
    assert (sig.verified, sig.failure) == (False, "signed-info-changed")


def test_a_logout_request_whose_reference_names_nothing_is_refused():
    """node-saml's logoutrequest.root-signed.reference-uri-without-hash (invalid): the Reference URI is
    the ID without '#', so the signature signs nothing. samlscan reported it for a Response
    (signature-reference-invalid) but, for a LogoutRequest, check_sender_signature skipped the failure
    and the request passed with a warning only (exit 0)."""
    name = "invalid/logoutrequest.root-signed.reference-uri-without-hash.xml"
    assert error_codes(DATA, name, **FLAGS[name]) == {"signature-reference-invalid"}
    assert run_check(DATA, name, FLAGS[name]).exit_code == 1


MULTI = "static/response.root-signed.message-signed-double-subjectconfirmation.xml"


def test_one_bearer_confirmation_that_holds_is_enough():
    """node-saml's double-subjectconfirmation sample: four bearer SubjectConfirmations, the third for
    request _e8df3fe5f04237d25670, still good at 2020-09-24T16:00Z. node-saml takes the first one whose
    times hold and checks its InResponseTo ('multiple SubjectConfirmation should validate'); java-saml and
    python3-saml take any that passes every check (SAML profiles 4.1.4.3). samlscan raised
    inresponseto-mismatch for the others (one with no InResponseTo, one for _...671), so the login failed."""
    flags = dict(FLAGS[MULTI], acs_url="https://evil-corp.madness.com/sso/callback")
    errors = error_codes(DATA, MULTI, **flags)
    assert "inresponseto-mismatch" not in errors and "subject-confirmation-expired" not in errors, errors


def test_no_bearer_confirmation_holds_a_day_later():
    """At 2020-09-25T16:00Z the third has expired and the fourth answers another request: node-saml
    refuses ('InResponseTo does not match subjectInResponseTo'), and samlscan names both, each
    confirmation's fault listed (an InResponseTo that differs is one now)."""
    res = analyze_sample(DATA, MULTI, **dict(FLAGS[MULTI], at="2020-09-25T16:00:00Z"))
    errors = {f.code: f.message_text for f in res.findings if f.severity.value == "error"}
    assert {"inresponseto-mismatch", "subject-confirmation-expired"} <= set(errors), errors
    assert "#4 Recipient" not in errors["subject-confirmation-expired"]
    assert "#4 InResponseTo _e8df3fe5f04237d25671" in errors["subject-confirmation-expired"]
