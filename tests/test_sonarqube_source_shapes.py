"""web.log lines in the exact shapes SonarSource/sonarqube's own code writes them (2025 engine:
Spring Security SAML2; the format strings are quoted from the source files named per test),
filled with synthetic values. Each fix has the shape it was wrong for and a neighbour it must keep."""
from __future__ import annotations

from datetime import timezone

import pytest

from samlscan.logs.base import Record
from samlscan.logs.sonarqube import PARSER
from samlscan.model import LogEvent

RID = "7c1e2a90-4b7d-4c11-9d0e-2f6a5b3c8e01"


def _read(*lines: str) -> list[Record]:
    return list(PARSER.parse(list(enumerate(lines, 1)), "web.log", timezone.utc))


def _line(level: str, logger: str, msg: str) -> str:
    # LogbackHelper: %d{yyyy.MM.dd HH:mm:ss} %-5level web[%X{HTTP_REQUEST_ID}][%logger{20}] %msg
    return f"2025.03.11 09:41:07 {level:<5} web[{RID}][{logger}] {msg}"


def _one(*lines: str) -> LogEvent:
    recs = _read(*lines)
    assert len(recs) == 1 and isinstance(recs[0], LogEvent), recs
    return recs[0]


# --- SonarqubeSaml2ResponseValidator: LOGGER.debug("Saml validation errors: {}", errors) --------
# server/sonar-auth-saml/src/main/java/org/sonar/auth/saml/SonarqubeSaml2ResponseValidator.java;
# List<Saml2Error>.toString() = '[' + '[code] description' joined by ', ' + ']' (Saml2Error.toString)

VALIDATOR = "o.s.a.s.SonarqubeSaml2ResponseValidator"


def test_empty_validation_error_list_is_no_failure():
    ev = _one(_line("DEBUG", VALIDATOR, "Saml validation errors: []"))
    assert ev.outcome == "info" and ev.code is None


def test_validation_error_list_with_an_error_is_a_failure_with_its_cause():
    ev = _one(_line("DEBUG", VALIDATOR, "Saml validation errors: [[invalid_destination] Invalid "
                    "destination [https://sq.example.test/oauth2/callback/saml] for SAML response [_r9]]"))
    assert ev.outcome == "failure" and ev.code == "destination-mismatch"
    assert ev.saml_ids == ("_r9",)


def test_replayed_response_id_in_the_validation_list():
    # SamlMessageIdChecker: new Saml2Error("response_id_already_used", "A message with the same ID ...")
    ev = _one(_line("DEBUG", VALIDATOR, "Saml validation errors: [[response_id_already_used] "
                    "A message with the same ID was already processed]"))
    assert ev.outcome == "failure" and ev.code == "assertion-replayed"


def test_successful_login_after_an_empty_validation_list_is_not_a_failed_attempt(tmp_path):
    """The empty list is logged on every callback; it made every successful 2025 login a failure."""
    from samlscan.config import build
    from samlscan.correlate import correlate
    from samlscan.engine import analyze

    log = tmp_path / "web.log"
    log.write_text("\n".join([
        _line("DEBUG", VALIDATOR, "Saml validation errors: []"),
        _line("DEBUG", "auth.event", "login success [method|OAUTH2][provider|EXTERNAL|SAML]"
                                     "[IP|10.0.0.1|203.0.113.5][login|alice]"),
    ]) + "\n")
    report = correlate(analyze([str(log)], build({}, None), tz=timezone.utc))
    assert [a.outcome for a in report.attempts] == ["success"]


# --- OpenSaml4AuthenticationProvider (spring-security) DEBUG/TRACE lines -----------------------

PROVIDER = "o.s.s.s.p.s.a.OpenSaml4AuthenticationProvider"


def test_successfully_processed_response_ties_the_request_to_its_response_id():
    ev = _one(_line("DEBUG", PROVIDER, "Successfully processed SAML Response [_ok42]"))
    assert ev.outcome == "info" and ev.saml_ids == ("_ok42",)


def test_found_validation_errors_with_trace_list_names_the_cause():
    ev = _one(_line("DEBUG", PROVIDER, "Found 1 validation errors in SAML response [_r1]: "
                    "[[invalid_issuer] Invalid issuer [https://idp.example.test] for SAML response [_r1]]"))
    assert ev.outcome == "failure" and ev.code == "issuer-mismatch" and ev.saml_ids == ("_r1",)


def test_message_id_checker_trace_names_the_response_id():
    # SamlMessageIdChecker: LOGGER.trace("Validating that response ID '{}' was not already used", id)
    ev = _one(_line("TRACE", "o.s.a.s.SamlMessageIdChecker",
                    "Validating that response ID '_id7' was not already used"))
    assert ev.outcome == "info" and ev.saml_ids == ("_id7",)


# --- AuthenticationError WARN + stack trace (OAuth2CallbackFilter catch (Exception e)) ----------

def test_spring_exception_under_the_callback_warning():
    ev = _one(
        _line("WARN", "o.s.s.a.AuthenticationError", "Fail to callback authentication with 'saml'"),
        "org.springframework.security.saml2.provider.service.authentication.Saml2AuthenticationException:"
        " Invalid signature for object [_r5]",
        "\tat org.springframework.security.saml2.provider.service.authentication."
        "OpenSaml4AuthenticationProvider.authenticate(OpenSaml4AuthenticationProvider.java:1)")
    assert ev.outcome == "failure" and ev.code == "signature-invalid" and ev.saml_ids == ("_r5",)


def test_missing_attribute_from_principal_converter():
    # PrincipalToUserIdentityConverter: new IllegalStateException("%s is missing".formatted(attribute))
    ev = _one(
        _line("WARN", "o.s.s.a.AuthenticationError", "Fail to callback authentication with 'saml'"),
        "java.lang.IllegalStateException: urn:oid:0.9.2342.19200300.100.1.1 is missing")
    assert ev.code == "login-attribute-missing"


# --- auth.event (AuthenticationEventImpl) -------------------------------------------------------
# server/sonar-webserver-auth/src/main/java/org/sonar/server/authentication/event/AuthenticationEventImpl.java

def test_logout_failure_has_no_login_field_and_is_read():
    # LOGGER.debug("logout failure [error|{}][IP|{}|{}]", ...): no [login|..] segment
    ev = _one(_line("DEBUG", "auth.event", "logout failure [error|Token expired][IP|10.0.0.1|198.51.100.4]"))
    assert ev.outcome == "info" and ev.ip == "198.51.100.4" and ev.user is None


def test_auth_event_without_ip_segment_is_still_malformed():
    recs = _read(_line("DEBUG", "auth.event", "logout failure [error|Token expired]"))
    assert len(recs) == 1 and not isinstance(recs[0], LogEvent)


def test_logout_success_is_info():
    ev = _one(_line("DEBUG", "auth.event", "logout success [IP|10.0.0.1|][login|alice]"))
    assert ev.outcome == "info" and ev.user == "alice"


@pytest.mark.parametrize("cause, code", [
    ("Email 'bob@example.test' is already used", "email-already-used"),
    ("User signup disabled for provider 'saml'", "signup-disabled"),
    ("Cookie 'OAUTHSTATE' is missing", "relaystate-cookie-missing"),
    ("CSRF state value is invalid", "relaystate-cookie-missing"),
    ("No account found for this user. As the instance is managed, make sure to provision the user "
     "from your IDP.", "user-not-provisioned"),
])
def test_login_failure_causes(cause, code):
    ev = _one(_line("DEBUG", "auth.event", f"login failure [cause|{cause}][method|OAUTH2]"
                                           f"[provider|EXTERNAL|Corp SSO][IP|10.0.0.1|][login|bob]"))
    # the provider name is the login button's label, not the SP: no app
    assert (ev.outcome, ev.code, ev.user, ev.app, ev.ip) == ("failure", code, "bob", None, "10.0.0.1")


def test_login_failure_cause_with_a_line_break_continues_on_the_next_line():
    # loginFailure logs e.getMessage() without sanitizeLog: a '\n' in it splits the record
    ev = _one(_line("DEBUG", "auth.event", "login failure [cause|Email 'bob@example.test'"),
              " is already used][method|OAUTH2][provider|EXTERNAL|SAML][IP|10.0.0.1|][login|bob]")
    assert ev.outcome == "failure" and ev.user == "bob" and ev.code == "email-already-used"


def test_unterminated_auth_event_without_continuation_stays_malformed():
    recs = _read(_line("DEBUG", "auth.event", "login failure [cause|Email 'bob@example.test'"))
    assert len(recs) == 1 and not isinstance(recs[0], LogEvent)


def test_json_layout_message_with_carriage_return_in_the_cause():
    import json
    obj = {"process": "web", "HTTP_REQUEST_ID": RID, "instant": 1741682467000,
           "date": "2025-03-11T09:41:07+01:00", "severity": "DEBUG", "logger": "auth.event",
           "message": "login failure [cause|CSRF state\rvalue is invalid][method|OAUTH2]"
                      "[provider|EXTERNAL|SAML][IP|10.0.0.1|][login|]"}
    ev = _one(json.dumps(obj))
    assert ev.outcome == "failure" and ev.code == "relaystate-cookie-missing"
