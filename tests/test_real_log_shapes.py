"""Log lines and error texts in the shape real products print them (checked against product
source and public bug reports); hosts, users and IDs here are invented."""
from __future__ import annotations

from datetime import timezone

import pytest

from samlscan import logs
from samlscan.catalog import lookup
from samlscan.logs.base import Malformed


def _events(tmp_path, text: str, name: str = "x.log"):
    """(parser name, failure/success/info events) of `text` read as a log file, as check does."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    parser = logs.detect(logs.read_head(str(path)))
    if parser is None:
        return None, []
    recs = list(logs.parse_file(str(path), timezone.utc, parser))
    return parser.name, [r for r in recs if not isinstance(r, Malformed) and hasattr(r, "outcome")]


# --- SonarQube: wrong ACS path or SAML disabled (AuthenticationFilter) ----------------------

SQ_NO_KEY = ("2018.09.24 11:58:23 ERROR web[AWYMTZVq0onP1Ft3AAAA][o.s.s.a.AuthenticationError] "
             "No provider key found in URI\n")
SQ_BAD_KEY = ("2018.09.24 12:00:00 WARN  web[AWYMTZVq0onP1Ft3AAAD][o.s.s.a.AuthenticationError] "
              "Failed to retrieve IdentityProvider for key '{key}'\n"
              "java.lang.IllegalArgumentException: Identity provider {key} does not exist or is not enabled\n"
              "\tat org.sonar.server.authentication.IdentityProviderRepository.getEnabledByKey(IdentityProviderRepository.java:50)\n")


def test_sonarqube_callback_without_provider_key_is_a_wrong_acs_url(tmp_path):
    name, evs = _events(tmp_path, SQ_NO_KEY)
    assert name == "sonarqube"
    assert [(e.outcome, e.code) for e in evs] == [("failure", "acs-path-wrong")]


@pytest.mark.parametrize("key,code", [("sonarqube", "acs-path-wrong"),
                                      ("saml", "sp-configuration-error")])
def test_sonarqube_provider_not_enabled(tmp_path, key, code):
    _, evs = _events(tmp_path, SQ_BAD_KEY.format(key=key))
    assert [(e.outcome, e.code) for e in evs] == [("failure", code)]


def test_sonarqube_other_authentication_error_stays_uncoded(tmp_path):
    _, evs = _events(tmp_path, SQ_NO_KEY.replace("No provider key found in URI", "Something else broke"))
    assert [(e.outcome, e.code) for e in evs] == [("failure", None)]


@pytest.mark.parametrize("text,entry_pattern", [
    ("No provider key found in URI", "No provider key found in URI"),
    ("Identity provider sonarqube does not exist or is not enabled",
     "Identity provider <key> does not exist or is not enabled"),
    ("Failed to retrieve IdentityProvider for key 'saml'", "Failed to retrieve IdentityProvider for key '<key>'"),
])
def test_sonarqube_texts_explained(text, entry_pattern):
    found = lookup(text)
    assert found is not None and found.pattern == entry_pattern


# --- SimpleSAMLphp: PHP date 'M j' has no leading zero ('Feb 2') --------------------------

SSP_ONE_DIGIT = (
    "Feb 2 11:37:03 simplesamlphp INFO [920a453d00] Received SAML 2.0 Response from: 'https://idp.example.org'\n"
    "Feb 2 11:37:03 simplesamlphp ERROR [920a453d00] SimpleSAML\\Error\\Error: UNHANDLEDEXCEPTION\n"
    "Feb 2 11:37:03 simplesamlphp ERROR [920a453d00] Backtrace:\n"
    "Feb 2 11:37:03 simplesamlphp ERROR [920a453d00] 0 [builtin] (N/A)\n"
    "Feb 2 11:37:03 simplesamlphp ERROR [920a453d00] Caused by: SimpleSAML\\Module\\saml\\Error: Responder/NoPassive: Passive authentication not supported.\n"
)


def test_simplesamlphp_single_digit_day_is_read(tmp_path):
    name, evs = _events(tmp_path, SSP_ONE_DIGIT)
    assert name == "simplesamlphp"
    assert [(e.outcome, e.time.month, e.time.day, e.time.hour) for e in evs] == [
        ("info", 2, 2, 11), ("failure", 2, 2, 11)]  # UNHANDLEDEXCEPTION: the echo of its cause
    assert evs[1].code == "idp-authentication-failed"
    assert {e.request_id for e in evs} == {"920a453d00"}


def test_simplesamlphp_two_digit_and_padded_days_still_read(tmp_path):
    for day in ("12", " 2"):
        _, evs = _events(tmp_path, SSP_ONE_DIGIT.replace("Feb 2 ", f"Feb {day} "))
        assert [e.time.day for e in evs] == [int(day)] * 2


def test_simplesamlphp_not_a_date_is_not_read(tmp_path):
    name, _ = _events(tmp_path, SSP_ONE_DIGIT.replace("Feb 2 ", "Feb x "))
    assert name != "simplesamlphp"


@pytest.mark.parametrize("text,code", [
    ("Caused by: sspmod_saml_Error: Responder", "status-not-success"),
    ("SimpleSAML\\Module\\saml\\Error: Requester/InvalidNameIDPolicy", "request-invalid"),
    ("Caused by: Exception: saml20-idp-remote/'https://adfs.example.org/adfs/services/trust': "
     "Unable to load certificate/public key from file \"/etc/ssp/cert/idp.cer\".", "sp-configuration-error"),
])
def test_simplesamlphp_texts(text, code):
    assert lookup(text, "simplesamlphp").code == code


# --- Keycloak: SAML service/broker errors next to the event lines ---------------------------

KC_SAMLSERVICE = ("2024-04-16 10:00:00,000 ERROR [org.keycloak.protocol.saml.SamlService] (executor-thread-6) "
                  "request validation failed: org.keycloak.common.VerificationException: SigAlg was null\n")
KC_BROKER = ("2022-10-19 10:46:55,654 ERROR [org.keycloak.broker.saml.SAMLEndpoint] (default task-343) "
             "validation failed: org.keycloak.common.VerificationException: "
             "org.keycloak.common.VerificationException: Invalid key locator for signature verification\n"
             "\tat org.keycloak.protocol.saml.SamlProtocolUtils.verifyRedirectSignature(SamlProtocolUtils.java:189)\n")


def test_keycloak_samlservice_error_is_a_failure(tmp_path):
    name, evs = _events(tmp_path, KC_SAMLSERVICE)
    assert name == "keycloak"
    assert [(e.outcome, e.code, e.time.hour) for e in evs] == [("failure", "request-signature-missing", 10)]


def test_keycloak_broker_error_names_the_key_problem(tmp_path):
    _, evs = _events(tmp_path, KC_BROKER)
    assert [(e.outcome, e.code) for e in evs] == [("failure", "signature-cert-mismatch")]


def test_keycloak_saml_info_and_other_categories_are_not_events(tmp_path):
    text = (KC_SAMLSERVICE.replace(" ERROR ", " INFO  ")
            + "2024-04-16 10:00:01,000 ERROR [org.keycloak.services] (executor-thread-6) something\n"
            + "2024-04-16 10:00:02,000 WARN  [org.keycloak.events] (executor-thread-6) type=LOGIN_ERROR, "
              "realmId=corp, clientId=https://sonar.example.com/saml2, userId=null, ipAddress=192.0.2.1, "
              "error=invalid_signature\n")
    _, evs = _events(tmp_path, text)
    assert [(e.outcome, e.raw_code) for e in evs] == [("failure", "invalid_signature")]


def test_keycloak_json_console_saml_error(tmp_path):
    line = ('{"timestamp":"2024-04-16T10:00:00.000+02:00","level":"ERROR",'
            '"loggerName":"org.keycloak.protocol.saml.SamlService","message":'
            '"request validation failed: org.keycloak.common.VerificationException: Signature was null"}\n')
    name, evs = _events(tmp_path, line)
    assert name == "keycloak"
    assert [(e.outcome, e.code, e.time.hour) for e in evs] == [("failure", "request-signature-missing", 8)]


# --- Shibboleth SP and Okta inbound federation texts ----------------------------------------

@pytest.mark.parametrize("text,code", [
    ("opensaml::SecurityPolicyException: Message expired, was issued too long ago.", "sp-clock-skew"),
    ("Message was signed, but signature could not be verified.", "signature-cert-mismatch"),
    ("Unable to locate metadata for identity provider (https://idp.example.org/idp/shibboleth)", "sp-configuration-error"),
    ("Authenticate user via IDP = failure: Unable to match the transformed username.", "user-not-provisioned"),
])
def test_other_products_texts(text, code):
    found = lookup(text)
    assert found is not None and found.code == code


def test_unrelated_text_is_not_explained():
    assert lookup("Unable to locate the coffee machine") is None
