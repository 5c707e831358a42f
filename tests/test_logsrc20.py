"""Log wordings checked against the products' own source (tests/data/logsrc20/SOURCES.md names the
file and function of each text): Shibboleth SP's shibd.log refusals and the checks logged before
them (cpp-opensaml, cpp-sp), Spring Security's logout validators and signature texts."""
from __future__ import annotations

from pathlib import Path

import pytest

from samlscan.catalog import lookup
from test_real_log_shapes import _events  # (parser name, events) of a text read by its reader alone
from test_real_log_shapes_2 import _attempts, _check  # `samlscan check --format json`, its attempts

ROOT = Path(__file__).resolve().parents[1]
REFUSALS = ROOT / "fixtures" / "logs" / "shibboleth" / "shibd-refusals.log"


# --- Shibboleth SP: a refusal's cause is the check its thread logged before it ------------------

def test_shibd_refusals_one_failure_each_with_the_failed_check(tmp_path):
    name, evs = _events(tmp_path, REFUSALS.read_text())
    assert name == "shibboleth"
    # was: unknown-failure for the audience (the thrown text was not catalogued), two failures for
    # the replay (its ERROR line and the refusal), unknown-failure for the bearer check, and a
    # failure for thread 8, whose dropped assertion was no refusal (SAML2Consumer.cpp goes on)
    assert [(e.outcome, e.code, e.side, e.source.ref) for e in evs] == [
        ("failure", "audience-mismatch", "sp", "line 6"),
        ("failure", "assertion-replayed", "sp", "line 10"),
        ("failure", "recipient-mismatch", "sp", "line 14"),
    ]


def test_shibd_refusals_are_three_attempts(tmp_path):
    doc = _check(tmp_path, REFUSALS.read_text())
    assert doc["inputs"][0]["kind"] == "log:shibboleth"
    assert [a[1] for a in _attempts(doc)] == ["audience-mismatch", "assertion-replayed", "recipient-mismatch"]


def test_shibd_check_without_its_refusal_is_still_a_failure(tmp_path):
    """A log cut after the failed check's ERROR line: the check alone still says the login failed."""
    cut = "".join(REFUSALS.read_text().splitlines(keepends=True)[:12])
    _, evs = _events(tmp_path, cut)
    assert [(e.code, e.source.ref) for e in evs] == [
        ("audience-mismatch", "line 6"), ("assertion-replayed", "line 10"), ("recipient-mismatch", "line 12")]


def test_shibd_check_of_another_thread_is_not_taken(tmp_path):
    text = (
        "2025-03-11 08:42:10 ERROR OpenSAML.SecurityPolicyRule.BearerConfirmation [7] [default]: "
        "bearer confirmation has expired\n"
        "2025-03-11 08:42:10 WARN Shibboleth.SSO.SAML2 [9] [default]: error processing incoming assertion: "
        "Assertion contains an unacceptable AudienceRestriction.\n")
    _, evs = _events(tmp_path, text)
    assert sorted((e.code, e.source.ref) for e in evs) == [
        ("audience-mismatch", "line 2"), ("subject-confirmation-expired", "line 1")]


SHIBBOLETH_SP = [
    # cpp-opensaml saml/binding/impl/MessageFlowRule.cpp
    ("Rejecting replayed message ID (_5c0ffee1d2).", "assertion-replayed"),
    ("Message rejected, was issued in the future.", "sp-clock-skew"),
    ("Message expired, was issued too long ago.", "sp-clock-skew"),
    # cpp-opensaml saml/saml2/profile/impl/Assertion20Validator.cpp
    ("Assertion contains an unacceptable AudienceRestriction.",
     "audience-mismatch"),
    ("Assertion is not yet valid.", "assertion-not-yet-valid"),
    ("Assertion is no longer valid.", "assertion-expired"),
    # cpp-opensaml saml/saml2/profile/impl/BearerConfirmationRule.cpp (ERROR lines)
    ("bearer confirmation failed with request correlation mismatch", "inresponseto-mismatch"),
    ("bearer confirmation not yet valid", "assertion-not-yet-valid"),
    ("assertion is missing bearer SubjectConfirmation", "subject-confirmation-missing"),
    # cpp-sp shibsp/handler/impl/SAML2Consumer.cpp
    ("Incoming message contained no SAML assertions.", "assertion-missing"),
    ("The incoming assertion was unsigned, violating local security policy.",
     "signature-missing"),
    ("failed to decrypt assertion: Unable to decrypt the data.", "decryption-failed"),
]


# --- Spring Security: logout validators and the redirect signature -----------------------------

SPRING = [
    # logout/BaseOpenSamlLogoutRequestValidator.java, BaseOpenSamlLogoutResponseValidator.java
    ("Failed to find issuer in LogoutRequest", "issuer-missing"),
    ("Failed to find issuer in LogoutResponse", "issuer-missing"),
    ("Failed to match issuer to configured issuer", "issuer-mismatch"),
    ("Failed to find destination in LogoutResponse", "logout-destination-mismatch"),
    ("Failed to match destination to configured destination", "logout-destination-mismatch"),
    ("Failed to find subject in LogoutRequest", "nameid-missing"),
    ("Failed to match subject in LogoutRequest with currently logged in user", "request-invalid"),
    ("Response indicated logout failed", "status-not-success"),
    ("LogoutResponse InResponseTo doesn't match ID of associated LogoutRequest", "inresponseto-mismatch"),
    # OpenSamlVerificationUtils.java / OpenSaml4Template.java
    ("Missing signature algorithm for object [_8f2c41d0e5]", "signature-missing"),
]


def test_spring_invalid_signature_with_profile_colon_is_the_same_entry():
    """The profile validator's failure adds ': ' to the text (OpenSamlVerificationUtils)."""
    entry = lookup("Invalid signature for object [_8f2c41d0e5]: ", "spring")
    assert (entry.product, entry.code) == ("spring", "signature-invalid")


# --- ruby-saml 1.13.0 and omniauth-saml 2.1.0 (Debian's packages of them) -----------------------

RUBY_SAML = [
    # lib/xml_security.rb
    ("Certificate of the Signature element does not match provided certificate", "signature-cert-mismatch"),
    ("Digest mismatch. Duplicated ID found", "signature-wrapping"),  # was 'Digest mismatch': signature-invalid
    ("Document Certificate Error", "idp-configuration-error"),
    # lib/onelogin/ruby-saml/saml_message.rb, settings.rb
    ("XML load failed: 1:1: FATAL: Start tag expected, '<' not found", "input-xml-malformed"),
    ("Encoded SAML Message exceeds 250000 bytes, so was rejected", "input-too-large"),
    ("The SP certificate expired.", "sp-configuration-error"),
]
OMNIAUTH_SAML = [  # lib/omniauth/strategies/saml.rb
    ("Non-existent fingerprint", "signature-cert-mismatch"),
    ("SAML failed to process LogoutRequest", "unknown-failure"),
    ("SAML logout response/request missing", "unknown-failure"),
]
TEXTS = (  # (product, what the text follows in a log line, text, our code)
    [("shibboleth", "error processing incoming assertion: ", t, c) for t, c in SHIBBOLETH_SP]
    + [("spring", "org.springframework.security.saml2.core.Saml2Exception: ", t, c) for t, c in SPRING]
    + [("ruby-saml", "OneLogin::RubySaml::ValidationError, ", t, c) for t, c in RUBY_SAML]
    + [("ruby-saml", "OmniAuth::Strategies::SAML::ValidationError, ", t, c) for t, c in OMNIAUTH_SAML])


@pytest.mark.parametrize("product,prefix,text,code", TEXTS)
def test_texts_read_in_the_products_source(product, prefix, text, code):
    entry = lookup(prefix + text, product)
    assert (entry.product, entry.code) == (product, code)


def test_omniauth_failure_line_with_cert_text_is_the_cert(tmp_path):
    """OmniAuth's fail! log line (strategy.rb: 'Authentication failure! <key>: <class>, <message>') with
    ruby-saml's text (soft = false: the first error is raised), in Rails' default logger layout."""
    line = ("E, [2025-03-11T08:40:59.210114 #4711] ERROR -- omniauth: (saml) Authentication failure! invalid_ticket: "
            "OneLogin::RubySaml::ValidationError, Certificate of the Signature element does not match provided "
            "certificate\n")
    _, evs = _events(tmp_path, line)
    assert [(e.outcome, e.code) for e in evs] == [("failure", "signature-cert-mismatch")]


# --- php-saml (SAML-Toolkits/php-saml src/Saml2/Response.php) ---------------------------------

def test_php_saml_audience_text_is_an_audience_mismatch(tmp_path):
    """php-saml words WRONG_AUDIENCE its own way ("Invalid audience for this Response (expected '<sp>',
    got '<audiences>')"; python3-saml says '<sp> is not a valid audience for this Response'); a PHP app
    logs $auth->getErrors() and getLastErrorReason() through Monolog."""
    text = (
        "[2025-03-11T08:40:59.110000+00:00] app.ERROR: SAML login failed: invalid_response [] []\n"
        "[2025-03-11T08:40:59.110100+00:00] app.ERROR: Invalid audience for this Response (expected "
        "'https://app.example.com/saml/metadata', got 'https://other.example.com') [] []\n")
    _, evs = _events(tmp_path, text)
    assert [(e.outcome, e.code) for e in evs] == [("failure", "audience-mismatch")]


def test_php_saml_unsupported_encrypted_nameid_text():
    text = ("OneLogin\\Saml2\\ValidationError: Unsigned SAML Response that contains a signed and encrypted "
            "Assertion with encrypted nameId is not supported.")
    assert lookup(text, "python3-saml").code == "idp-configuration-error"


# --- Java OpenSAML's HTTPPostDecoder, as Spring apps log it ----------------------------------

def test_opensaml_post_decoder_trace_dump_is_read(tmp_path):
    """java-opensaml HTTPPostDecoder.getBase64DecodedMessage logs the XML at TRACE ('Decoded SAML
    message:\\n{}'); its DEBUG 'Decoded SAML message' (no colon) comes after unmarshalling, with no XML.
    spring-boot34-printed.log is written so (fixtures/gen_printed.post_decoder): one message, from the
    TRACE record, not from the base64 parameter logged before it nor from the DEBUG line after it."""
    text = (ROOT / "fixtures" / "logs" / "sp-app" / "spring-boot34-printed.log").read_text()
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.endswith("HTTPPostDecoder         : Decoded SAML message:"))
    assert " TRACE " in lines[header] and lines[header + 1].startswith("<?xml")
    assert any(" DEBUG " in line and line.endswith(": Decoded SAML message") for line in lines[header:])
    doc = _check(tmp_path, text)
    assert doc["inputs"][0]["kind"] == "log:sp-app"
    assert [m["type"] for m in doc["messages"]] == ["Response"]
    assert doc["input_findings"] == []
