"""OpenSAML 4/5 validator texts as SonarQube 2025.1+ (Spring Security SAML2 on OpenSAML 4) and Spring Boot
apps (OpenSaml5AuthenticationProvider) log them, read by the readers and the error catalog.

The texts are quoted from OpenSAML's SAML20AssertionValidator (4.1+: IssueInstant, Issuer, Version, unknown
Conditions) and AbstractSubjectConfirmationValidator (5.x: 'SubjectConfirmationData/@Recipient ...'), and its
xmlsec Decrypter; Spring wraps them as 'Invalid assertion [<id>] for SAML response [<id>]: <text>'
(BaseOpenSamlAuthenticationProvider.createAssertionValidator). Values are synthetic."""
from __future__ import annotations

from datetime import timezone

import pytest

from samlscan.logs.applog import PARSER as APPLOG
from samlscan.logs.sonarqube import PARSER as SONARQUBE
from samlscan.model import LogEvent

RID = "7c1e2a90-4b7d-4c11-9d0e-2f6a5b3c8e01"
WRAP = "Invalid assertion [_a1] for SAML response [_r1]: "

# (OpenSAML's validation failure message, the samlscan code it means)
OPENSAML_TEXTS = [
    ("SubjectConfirmationData/@Recipient for assertion '_a1' did not match any valid recipients: "
     "[https://sq.example.test/oauth2/callback/saml]", "recipient-mismatch"),
    ("SubjectConfirmationData/@InResponseTo for assertion '_a1' did not match the valid value: null",
     "inresponseto-mismatch"),
    ("SubjectConfirmationData in assertion '_a1', with NotBefore condition of '2025-03-11T09:50:00Z' "
     "is not yet valid", "assertion-not-yet-valid"),
    ("SubjectConfirmationData, in assertion '_a1', with NotOnOrAfter condition of '2025-03-11T09:30:00Z' "
     "is no longer valid", "subject-confirmation-expired"),
    ("Assertion IssueInstant was invalid, expired", "sp-clock-skew"),
    ("Assertion IssueInstant was invalid, issued in future", "sp-clock-skew"),
    ("Assertion Issuer was missing and was required", "issuer-missing"),
    ("Assertion '_a1' is not a SAML 2.0 version Assertion", "version-unsupported"),
    ("Assertion '_a1' did not contain the required IssueInstant", "idp-configuration-error"),
    ("Unknown Condition '{urn:example:cond}Geo' of type 'null' in assertion '_a1'", "idp-configuration-error"),
]
# OpenSAML 4 wordings that already had their entries: must keep their codes.
KEPT = [
    ("Subject confirmation recipient for asertion '_a1' did not match any valid recipients", "recipient-mismatch"),
    ("Subject confirmation, in assertion '_a1', with NotOnOrAfter condition of '2025-03-11T09:30:00Z' "
     "is no longer valid", "subject-confirmation-expired"),
]
# A detail no entry names: the record stays a failure without a specific cause.
UNNAMED = "Assertion '_a1' was rejected by a custom validator"
GENERIC = {None, "unknown-failure", "sp-internal-error"}


def _web_log(*lines: str) -> list:
    return list(SONARQUBE.parse(list(enumerate(lines, 1)), "web.log", timezone.utc))


def _sq(level: str, logger: str, msg: str) -> str:
    # SonarQube LogbackHelper: %d{yyyy.MM.dd HH:mm:ss} %-5level web[%X{HTTP_REQUEST_ID}][%logger{20}] %msg
    return f"2025.03.11 09:41:07 {level:<5} web[{RID}][{logger}] {msg}"


def _sonarqube_callback_failure(detail: str) -> LogEvent:
    """AuthenticationError.handleError: LOGGER.warn("Fail to callback authentication with '{}'", e) and the
    Saml2AuthenticationException's stack trace (SonarQube 2025.1+)."""
    recs = _web_log(
        _sq("WARN", "o.s.s.a.AuthenticationError", "Fail to callback authentication with 'saml'"),
        "org.springframework.security.saml2.provider.service.authentication.Saml2AuthenticationException: "
        + WRAP + detail,
        "\tat org.springframework.security.saml2.provider.service.authentication."
        "OpenSaml4AuthenticationProvider.authenticate(OpenSaml4AuthenticationProvider.java:476)")
    events = [r for r in recs if isinstance(r, LogEvent)]
    assert len(events) == 1, recs
    return events[0]


def _spring_boot_trace(detail: str) -> LogEvent:
    """Spring Boot 3 default console layout; BaseOpenSamlAuthenticationProvider logs the errors at TRACE:
    'Found <n> validation errors in SAML response [<id>]: ' + List<Saml2Error> ('[code] description')."""
    line = ("2025-03-11T09:41:07.123+01:00 TRACE 4711 --- [demo] [nio-8080-exec-3] "
            "o.s.s.s.p.s.a.OpenSaml5AuthenticationProvider : Found 1 validation errors in SAML response "
            f"[_r1]: [[invalid_assertion] {WRAP}{detail}]")
    recs = [r for r in APPLOG.parse([(1, line)], "app.log", timezone.utc) if isinstance(r, LogEvent)]
    assert len(recs) == 1, recs
    return recs[0]


@pytest.mark.parametrize("detail,code", OPENSAML_TEXTS + KEPT)
def test_sonarqube_web_log_callback_failure_names_the_opensaml_cause(detail, code):
    ev = _sonarqube_callback_failure(detail)
    assert ev.outcome == "failure" and ev.code == code


@pytest.mark.parametrize("detail,code", OPENSAML_TEXTS + KEPT)
def test_spring_boot_trace_line_names_the_opensaml_cause(detail, code):
    ev = _spring_boot_trace(detail)
    assert ev.outcome == "failure" and ev.code == code


def test_an_unnamed_assertion_detail_stays_without_a_specific_cause():
    assert _sonarqube_callback_failure(UNNAMED).code in GENERIC
    assert _spring_boot_trace(UNNAMED).code in GENERIC


# --- OpenSAML's own loggers in SonarQube's web.log (%logger{20} shortens org.opensaml.* to o.o.*) ---------

def test_opensaml_decrypter_error_in_web_log_is_a_decryption_failure():
    # org.opensaml.xmlsec.encryption.support.Decrypter.decryptDataToDOM: log.error(...) before
    # throwing DecryptionException("Failed to decrypt EncryptedData")
    recs = _web_log(_sq("ERROR", "o.o.x.e.s.Decrypter",
                        "Failed to decrypt EncryptedData using either EncryptedData KeyInfoCredentialResolver "
                        "or EncryptedKeyResolver + EncryptedKey KeyInfoCredentialResolver"))
    assert [(r.outcome, r.code) for r in recs] == [("failure", "decryption-failed")]


def test_opensaml_debug_line_is_no_failure():
    recs = _web_log(_sq("DEBUG", "o.o.x.s.s.SignatureValidator",
                        "Attempting to validate signature using key from supplied credential"))
    assert all(not isinstance(r, LogEvent) or r.outcome != "failure" for r in recs)


def test_a_warn_of_an_unrelated_o_o_logger_outside_opensaml_is_not_read():
    # only OpenSAML's core/security/xmlsec packages (o.o.c., o.o.s., o.o.x.) are SAML's; a WARN of
    # another org.o* library that names no SAML stays out of the login's records
    assert _web_log(_sq("WARN", "o.o.e.PolicyFactory", "Unknown policy element ignored")) == []


@pytest.mark.parametrize("msg", [
    "Assertion IssueInstant was expired: IssueInstant: '2025-03-11T09:20:00.000Z', "
    "expiration: '2025-03-11T09:30:00.000Z', now: '2025-03-11T09:41:07.918Z'",
    "Assertion was not yet valid: IssueInstant: '2025-03-11T09:50:00.000Z', latest valid: '2025-03-11T09:46:07.918Z'",
])
def test_saml20_assertion_validator_issue_instant_warnings_are_clock_skew(msg):
    # SAML20AssertionValidator.validateIssueInstant: log.warn(...) (OpenSAML 4.1+)
    recs = _web_log(_sq("WARN", "o.o.s.s.a.SAML20AssertionValidator", msg))
    assert [(r.outcome, r.code) for r in recs] == [("failure", "sp-clock-skew")]


# --- Spring Security's ACS filter: its exception message carries the description only, not the code ------

def _spring_boot_filter_failure(message: str) -> LogEvent:
    # AbstractAuthenticationProcessingFilter.unsuccessfulAuthentication:
    # logger.trace("Failed to process authentication request", failed) and the stack trace
    lines = ["2025-03-11T09:41:07.123+01:00 TRACE 4711 --- [demo] [nio-8080-exec-3] "
             "o.s.s.s.p.s.w.a.Saml2WebSsoAuthenticationFilter : Failed to process authentication request",
             "org.springframework.security.saml2.provider.service.authentication.Saml2AuthenticationException: "
             + message,
             "\tat org.springframework.security.saml2.provider.service.web.authentication."
             "Saml2WebSsoAuthenticationFilter.attemptAuthentication(Saml2WebSsoAuthenticationFilter.java:116)"]
    recs = [r for r in APPLOG.parse(list(enumerate(lines, 1)), "app.log", timezone.utc) if isinstance(r, LogEvent)]
    assert len(recs) == 1, recs
    return recs[0]


def test_no_relying_party_registration_found_is_an_sp_configuration_error():
    ev = _spring_boot_filter_failure("No relying party registration found")
    assert ev.outcome == "failure" and ev.code == "sp-configuration-error"


def test_the_filter_failure_keeps_the_cause_of_another_spring_text():
    ev = _spring_boot_filter_failure("Invalid destination [https://app.example.test/acs] for SAML response [_r1]")
    assert ev.outcome == "failure" and ev.code == "destination-mismatch"


# --- simplesamlphp/saml2's assertion Processor in an app's PHP error log ----------------------------------
# Assertion\Processor::validateAssertion throws InvalidSubjectConfirmationException('Invalid
# SubjectConfirmation in Assertion, errors: "<the validators' errors>"'); PHP's error_log layout.

def _php_uncaught(exception: str, message: str) -> LogEvent:
    line = (f"[11-Mar-2025 09:41:07 UTC] PHP Fatal error:  Uncaught SimpleSAML\\SAML2\\{exception}: {message} "
            "in /var/www/app/vendor/simplesamlphp/saml2/src/SAML2/Assertion/Processor.php:150")
    recs = [r for r in APPLOG.parse([(1, line)], "php_errors.log", timezone.utc) if isinstance(r, LogEvent)]
    assert len(recs) == 1, recs
    return recs[0]


SUBJECT_CONFIRMATION = "Assertion\\Exception\\InvalidSubjectConfirmationException"


@pytest.mark.parametrize("error,code", [
    ('InResponseTo in SubjectConfirmationData ("_req2") does not match the Response InResponseTo ("_req1")',
     "inresponseto-mismatch"),
    ('Recipient in SubjectConfirmationData ("https://app.example.test/acs") does not match the current '
     'destination ("https://app.example.test/saml/acs")', "recipient-mismatch"),
    ("NotOnOrAfter in SubjectConfirmationData is in the past", "subject-confirmation-expired"),
    ("NotBefore in SubjectConfirmationData is in the future", "assertion-not-yet-valid"),
    ("Invalid Method on SubjectConfirmation, current;y only Bearer (urn:oasis:names:tc:SAML:2.0:cm:bearer) "
     "is supported", "subject-confirmation-missing"),
])
def test_saml2_library_subject_confirmation_errors(error, code):
    ev = _php_uncaught(SUBJECT_CONFIRMATION, f'Invalid SubjectConfirmation in Assertion, errors: "{error}"')
    assert ev.outcome == "failure" and ev.code == code


def test_saml2_library_invalid_assertion_signature():
    ev = _php_uncaught("Response\\Exception\\InvalidSignatureException",
                       'The assertion with id "_a1" does not have a valid signature')
    assert ev.outcome == "failure" and ev.code == "signature-invalid"


def test_saml2_library_assertion_error_already_named_keeps_its_code():
    ev = _php_uncaught("Assertion\\Exception\\InvalidAssertionException",
                       'Invalid Assertion in SAML Response, errors: "Received an assertion that has expired. '
                       'Check clock synchronization on IdP and SP."')
    assert ev.outcome == "failure" and ev.code == "assertion-expired"


# --- SonarQube's public message of a managed instance (UserRegistrarImpl.setPublicMessage) ----------------
# It is never logged (auth.event logs the message 'No account found for this user. ...'): it reaches the
# user through the AUTHENTICATION-ERROR cookie and /sessions/unauthorized, pasted as the page reads.

UNAUTHORIZED_PAGE = "You're not authorized to access this page. Please contact the administrator."


def test_unauthorized_page_reason_of_a_managed_instance_is_user_not_provisioned():
    from samlscan.explain import explain_text

    text, found = explain_text(UNAUTHORIZED_PAGE + "\nReason:\nYou have no account on SonarQube. Please make sure "
                               "with your administrator that your account is provisioned.")
    assert found and "user-not-provisioned" in text


def test_unauthorized_page_reason_of_email_in_use_keeps_its_code():
    from samlscan.explain import explain_text

    text, found = explain_text(UNAUTHORIZED_PAGE + "\nReason:\nThis account is already associated with another "
                               "authentication method. Sign in using the current authentication method, or contact "
                               "your administrator to transfer your account to a different authentication method.")
    assert found and "email-already-used" in text and "user-not-provisioned" not in text
