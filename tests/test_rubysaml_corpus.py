"""Differential test over ruby-saml's own test responses (tests/data/rubysaml; sources in SOURCES.md).

ruby-saml is the SP engine of GitLab, Discourse, Mastodon and omniauth-saml. verdicts.json transcribes,
per ruby-saml test, the sample it loads, its settings (test_helper.rb, response_test.rb), ruby-saml's
verdict and error text, the time. Every case runs through `samlscan check` with those settings: no
traceback, the exit code of samlscan's verdict, and samlscan's errors are the cause ruby-saml's text
names (through the catalog, as `samlscan explain` maps it) or a disagreement the table explains.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from external_util import analyze_sample, error_codes, run_check, table_flags
from samlscan.catalog import lookup
from samlscan.cli import main

DATA = Path(__file__).resolve().parent / "data" / "rubysaml"
TABLE = json.loads((DATA / "verdicts.json").read_text())
CASES = TABLE["cases"]


def _flags(case: str) -> dict:
    return table_flags(TABLE, CASES[case])


def _errors(case: str) -> set[str]:
    return error_codes(DATA, CASES[case]["file"], **_flags(case))


@pytest.mark.parametrize("case", sorted(CASES))
def test_check_agrees_with_ruby_saml_or_the_disagreement_is_explained(case):
    """`samlscan check` with the test's settings: no traceback, samlscan's exit code, and its errors are
    ruby-saml's cause (plus the table's 'also') or the disagreement the table explains."""
    verdict = CASES[case]
    result = run_check(DATA, verdict["file"], _flags(case))
    assert result.exit_code == (1 if verdict["samlscan_errors"] else 0), result.output
    errors = _errors(case)
    assert errors == set(verdict["samlscan_errors"]), sorted(errors)
    other = verdict.get("disagreement")
    if verdict["ruby_saml_valid"]:
        assert errors == ({other["finding"]} if other else set()) and (not other or other["why"])
        return
    cause = lookup(verdict["ruby_saml_error"], "ruby-saml")
    assert cause is not None, verdict["ruby_saml_error"]
    assert cause.code in errors
    assert set(verdict.get("also", {})) == errors - {cause.code}
    assert all(verdict.get("also", {}).values())


def test_the_copies_are_exact():
    """Both samples' Response signatures verify with ruby-saml2.crt, the certificate ruby-saml's tests
    pin by fingerprint: the transcription is byte-exact."""
    for case in ("valid_response", "expired_response"):
        sigs = analyze_sample(DATA, CASES[case]["file"], **_flags(case)).message.signatures
        assert [(s.parent, s.verified) for s in sigs] == [("Response", True)], case


RUBY_SAML_TEXTS = [
    # (a text as an app log carries it, the samlscan code it means); source: ruby-saml
    # lib/onelogin/ruby-saml/response.rb (0.x raises the bare time texts, 1.x appends the times).
    ("Current time is on or after NotOnOrAfter condition", "assertion-expired"),
    ("Current time is on or after NotOnOrAfter condition (2024-05-02 10:00:00 UTC >= 2024-05-02 09:05:00 UTC + 5s)",
     "assertion-expired"),
    ("Current time is earlier than NotBefore condition", "assertion-not-yet-valid"),
    ("Current time is earlier than NotBefore condition (2024-05-02 10:00:00 UTC < 2024-05-02 10:05:00 UTC)",
     "assertion-not-yet-valid"),
    # validate_signed_elements: no ds:Signature at all (an unsigned Response), or three or more.
    ("Found an unexpected number of Signature Element. SAML Response rejected", "signature-missing"),
    ("The attributes have expired, based on the SessionNotOnOrAfter of the AuthnStatement of this Response",
     "session-expired"),
    ("Signed element id #pfx41d8ef22-e612-8c50-9960-1b16f15741b3 is not found", "signature-reference-invalid"),
    ("Signed element id #_a1 is found more than once", "signature-wrapping"),
    ("IdP x509 certificate expired", "cert-expired"),
    ("Invalid Signature on SAML Response", "signature-invalid"),
    (("The status code of the Response was not Success, was Requester => NoAuthnContext -> AuthnRequest without "
      "an authentication context."), "status-not-success"),
    (("Invalid Audience. The audience https://someone.example.com/audience, did not match the expected audience "
      "invalid"), "audience-mismatch"),
    (("The InResponseTo of the Response: _fc4a34b0-7efb-012e-caae-782bcb13bb38, does not match the ID of the "
      "AuthNRequest sent by the SP: invalid_request_id"), "inresponseto-mismatch"),
    ("SAML Response must contain 1 assertion", "assertion-multiple"),
    ("The response was received at https://a.example/acs instead of https://b.example/acs", "destination-mismatch"),
    ("Doesn't match the issuer, expected: <https://idp.example>, but was: <https://other.example>",
     "issuer-mismatch"),
    # validate_response_state / validate_success_status without a single StatusCode (status_code is
    # nil, utils.rb status_error_msg appends nothing), decrypt_element without an SP key.
    ("Blank response", "unknown-failure"),
    ("No settings on response", "sp-configuration-error"),
    ("The status code of the Response was not Success", "idp-configuration-error"),
    ("An EncryptedID found and no SP private key found on the settings to decrypt it", "sp-configuration-error"),
    # logoutresponse.rb and slo_logoutrequest.rb (the SP's single-logout endpoint).
    ("The status code of the Logout Response was not Success, was Responder -> Unknown session",
     "status-not-success"),
    ("The status code of the Logout Response was not Success", "idp-configuration-error"),
    ("Invalid SAML Logout Response. Not match the saml-schema-protocol-2.0.xsd", "idp-configuration-error"),
    ("Invalid SAML Logout Request. Not match the saml-schema-protocol-2.0.xsd", "idp-configuration-error"),
    ("Blank logout response", "unknown-failure"),
    ("Blank logout request", "unknown-failure"),
    ("No settings on logout response", "sp-configuration-error"),
    ("No sp_entity_id in settings of the logout response", "sp-configuration-error"),
    ("No fingerprint or certificate on settings of the logout response", "sp-configuration-error"),
    (("The InResponseTo of the Logout Response: ONELOGIN_21df91a8, does not match the ID of the Logout Request "
      "sent by the SP: _a1b2"), "inresponseto-mismatch"),
    ("Invalid Signature on Logout Response", "redirect-signature-invalid"),
    ("Invalid Signature on Logout Request", "redirect-signature-invalid"),
    ("Missing ID attribute on Logout Request", "id-missing"),
    ("Current time is on or after NotOnOrAfter (2024-05-02 10:00:00 UTC >= 2024-05-02 09:05:00 UTC)",
     "request-expired"),
]


@pytest.mark.parametrize("text, code", RUBY_SAML_TEXTS)
def test_ruby_saml_s_error_texts_map_to_their_cause(text, code):
    cause = lookup(text, "ruby-saml")
    assert cause is not None and cause.code == code, (text, cause)


def test_explain_tells_a_missing_status_code_from_a_refusal():
    """ruby-saml's bare status text means no single StatusCode (the IdP's message is malformed), not a
    refusal: `samlscan explain` must not send the reader to the IdP's status."""
    result = CliRunner().invoke(main, ["explain", "The status code of the Response was not Success"])
    assert result.exit_code == 0 and "ruby-saml" in result.output and "StatusCode" in result.output


def test_explain_names_the_cause_of_a_bare_ruby_saml_expiry():
    """`samlscan explain` on ruby-saml 0.x's raised text (omniauth-saml logs the ValidationError's message)."""
    result = CliRunner().invoke(main, ["explain", "Current time is on or after NotOnOrAfter condition"])
    assert result.exit_code == 0 and "ruby-saml" in result.output and "NotOnOrAfter" in result.output
