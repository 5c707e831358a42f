"""Log lines and error texts as real products print them, fourth audit: each excerpt is quoted
from a public source named above it (users, hosts, IDs and addresses replaced), and the test says
what samlscan must report for it: read at all, the product, the cause and the side."""
from __future__ import annotations

import json

import pytest

from samlscan.catalog import lookup
from test_real_log_shapes import _events  # (parser name, events) of a text read by its reader alone
from test_real_log_shapes_2 import _attempts, _check  # `samlscan check --format json`, its attempts


def _read_as(tmp_path, text: str, name: str = "x.log", kind: str = "log:sp-app") -> dict:
    """`samlscan check` of `text` as a file, which it must read as a log of `kind`."""
    doc = _check(tmp_path, text, name)
    assert doc["inputs"][0]["kind"] == kind
    return doc


# --- GitLab and other Rails apps: ruby-saml through omniauth-saml -----------------------------

# casdoor/casdoor PR 797: GitLab's application.log (Gitlab::AppLogger: '<UTC time>: <message>', no
# level) with OmniAuth's failure line; ruby-saml (soft = false) raised libxml2's schema error for a
# Response whose ds:Signature stood before its Issuer (the IdP's fault: the PR moved the Signature).
GITLAB_SCHEMA = (
    "2022-06-16T02:49:34.152Z: (saml) Authentication failure! invalid_ticket: OneLogin::RubySaml::ValidationError, "
    "1:0: ERROR: Element '{http://www.w3.org/2000/09/xmldsig#}Signature': This element is not expected.\n"
)

# department-of-veterans-affairs/caseflow-efolder issue 382: Ruby's Logger layout (omniauth's own
# logger), omniauth-saml's callback reached by a GET without a SAMLResponse; Sentry's lines after it.
RUBY_LOGGER = (
    '[VBAUSERNAME first.last@example.gov 376] Started GET "/auth/saml_callback" for 192.0.2.133 at 2017-02-09 12:00:03 -0500\n'
    "I, [2017-02-09T12:00:03.719976 #2693]  INFO -- omniauth: (samlva) Callback phase initiated.\n"
    "E, [2017-02-09T12:00:03.720242 #2693] ERROR -- omniauth: (samlva) Authentication failure! invalid_ticket: "
    "OmniAuth::Strategies::SAML::ValidationError, SAML response missing\n"
    "I, [2017-02-09T12:00:03.732732 #2693]  INFO -- sentry: ** [Raven] Sending event ea6ac3afef3e4494abfc56454b73fdbb to Sentry\n"
    "E, [2017-02-09T12:00:05.031711 #2693] ERROR -- sentry: ** [Raven] Unable to record event with remote Sentry "
    "server (NoMethodError - undefined method `[]' for nil:NilClass)\n"
)


def test_gitlab_application_log_is_read(tmp_path):
    doc = _read_as(tmp_path, GITLAB_SCHEMA)  # was input-not-saml
    assert _attempts(doc) == [("failure", "idp-configuration-error", "idp")]
    assert "Signature follows the Issuer" in doc["attempts"][0]["fix"]
    _, evs = _events(tmp_path, GITLAB_SCHEMA)
    assert [(e.product, e.time.hour, e.time.minute) for e in evs] == [("ruby-saml", 2, 49)]


def test_ruby_logger_layout_is_read(tmp_path):
    name, evs = _events(tmp_path, RUBY_LOGGER)
    assert name == "sp-app"
    assert [(e.product, e.outcome, e.time.hour, e.source.ref) for e in evs] == [
        ("ruby-saml", "failure", 12, "line 3")]  # Sentry's ERRORs are no SAML events
    doc = _read_as(tmp_path, RUBY_LOGGER)
    assert [a["outcome"] for a in doc["attempts"]] == ["failure"]
    assert "HTTP-POST" in doc["attempts"][0]["fix"]


# GitLab's application_json.log (doc/administration/logs.md: severity, time, correlation_id,
# message) with OmniAuth's line as GitLab logs it for a wrong idp_cert_fingerprint; GitLab's SAML
# troubleshooting page: 'If you use a idp_cert_fingerprint, it must be a SHA1 fingerprint'.
GITLAB_JSON = json.dumps({
    "severity": "ERROR", "time": "2024-03-05T10:11:12.345Z", "correlation_id": "01HR2ABCDEF0123456789",
    "message": "(saml) Authentication failure! invalid_ticket: OneLogin::RubySaml::ValidationError, Fingerprint mismatch",
}) + "\n"


def test_gitlab_json_log_names_the_fingerprint(tmp_path):
    doc = _read_as(tmp_path, GITLAB_JSON, "application_json.log")
    assert _attempts(doc) == [("failure", "signature-cert-mismatch", "sp")]
    assert "idp_cert_fingerprint" in doc["attempts"][0]["fix"] and "-sha1" in doc["attempts"][0]["fix"]
    assert doc["attempts"][0]["time"].startswith("2024-03-05T10:11:12")


def test_an_unknown_ruby_saml_text_is_still_a_failure(tmp_path):
    text = ("2024-03-05T10:11:12.345Z: (saml) Callback phase initiated.\n"
            "2024-03-05T10:11:12.350Z: (saml) Authentication failure! invalid_ticket: "
            "OneLogin::RubySaml::ValidationError, Something no release has said\n"
            "2024-03-05T10:11:13.000Z: User \"root\" (admin@example.com) was created\n")
    assert [(e.outcome, e.code) for e in _events(tmp_path, text)[1]] == [("failure", "unknown-failure")]


def test_a_gitlab_log_without_saml_is_not_claimed(tmp_path):
    name, _ = _events(tmp_path, "2024-03-05T10:11:13.000Z: User \"root\" (admin@example.com) was created\n"
                                "2024-03-05T10:11:14.000Z: (github) Callback phase initiated.\n")
    assert name != "sp-app"


# ruby-saml's texts (SAML-Toolkits/ruby-saml lib/onelogin/ruby-saml/response.rb, lib/xml_security.rb)
@pytest.mark.parametrize("text,code", [
    ("Fingerprint mismatch", "signature-cert-mismatch"),
    ("Key validation error", "signature-invalid"),
    ("Digest mismatch", "signature-invalid"),
    ("Invalid Signature on SAML Response", "signature-invalid"),
    ("Current time is on or after NotOnOrAfter condition (2024-03-05 10:11:12 UTC >= 2024-03-05 10:06:12 UTC)",
     "assertion-expired"),
    ("Current time is earlier than NotBefore condition (2024-03-05 10:11:12 UTC < 2024-03-05 10:16:12 UTC)",
     "assertion-not-yet-valid"),
    ("Invalid Audience. The audience https://sts.example.net/app, did not match the expected audience "
     "https://gitlab.example.com", "audience-mismatch"),
    ("Doesn't match the issuer, expected: <https://idp.example.org/idp>, but was: <https://idp2.example.org/idp>",
     "issuer-mismatch"),
    ("Certificate element missing in response (ds:X509Certificate) and not cert provided at settings",
     "sp-configuration-error"),
    ("SAML Response must contain 1 assertion", "assertion-multiple"),  # python3-saml's wording too
])
def test_ruby_saml_texts(text, code):
    line = f"(saml) Authentication failure! invalid_ticket: OneLogin::RubySaml::ValidationError, {text}"
    entry = lookup(line, "ruby-saml")
    assert entry is not None and entry.code == code


def test_ruby_saml_names_the_destination_first():
    """ruby-saml's 'received at X instead of Y' names the Destination first (java-saml names the URL
    the request arrived on first): its entry says so, and its fix names GitLab's callback."""
    entry = lookup("The response was received at https://gitlab.example.com/users/auth/saml/callback "
                   "instead of https://gitlab.internal:8080/users/auth/saml/callback", "ruby-saml")
    assert entry.product == "ruby-saml" and entry.code == "destination-mismatch"
    assert "Destination (first URL" in entry.explanation and "/users/auth/saml/callback" in entry.fix


# --- the Spring Security SAML extension 1.x (spring-security-saml2-core; ShinyProxy, structurizr) --

# oktadev/okta-spring-boot-saml-example issue 3 (the lines, wrapped by the reporter's terminal,
# joined): SAMLDefaultLogger's INFO line for a refused AuthNResponse; the thread asks how to raise
# responseSkew (spring-attic/spring-security-saml issue 206: the same trace).
SPRING_SAML_SKEW = (
    "2017-08-22 18:49:39.666  INFO 9936 --- [nio-8443-exec-3] o.s.security.saml.log.SAMLDefaultLogger  : "
    "AuthNRequest;SUCCESS;0:0:0:0:0:0:0:1;https://localhost:8443/saml/metadata;http://www.okta.com/exkbqngx2bcuIN4MK0h7;;;\n"
    "2017-08-22 18:53:55.516  INFO 9936 --- [nio-8443-exec-6] colMessageXMLSignatureSecurityPolicyRule : Validation of "
    "protocol message signature succeeded, message type: {urn:oasis:names:tc:SAML:2.0:protocol}Response\n"
    "2017-08-22 18:53:55.518  INFO 9936 --- [nio-8443-exec-6] o.s.security.saml.log.SAMLDefaultLogger  : "
    "AuthNResponse;FAILURE;0:0:0:0:0:0:0:1;https://localhost:8443/saml/metadata;http://www.okta.com/exkbqngx2bcuIN4MK0h7;;;"
    "org.opensaml.common.SAMLException: Response issue time is either too old or with date in the future, skew 60, "
    "time 2017-08-22T13:52:03.636Z\n"
    "        at org.springframework.security.saml.websso.WebSSOProfileConsumerImpl.processAuthenticationResponse("
    "WebSSOProfileConsumerImpl.java:126)\n"
    "        at org.springframework.security.saml.SAMLAuthenticationProvider.authenticate(SAMLAuthenticationProvider.java:82)\n"
)

# openanalytics/shinyproxy issue 192 (the line's prefix as Spring Boot 2 writes it; the reporter's
# own redactions kept): an outer proxy with another host name lost the session between the
# AuthnRequest and the Response.
SPRING_SAML_INRESPONSETO = (
    "2020-02-21 09:15:44.120  INFO 7 --- [  XNIO-1 task-9] o.s.security.saml.log.SAMLDefaultLogger  : "
    "AuthNResponse;FAILURE;****;https://app_identifier;https://saml_idp_server/idp/shibboleth;{cryptic_string_goes_here};;"
    "org.opensaml.common.SAMLException: InResponseToField of the Response doesn't correspond to sent message "
    "a4eed0g849d0b7030e89bfh89g0j7d\n"
)


def test_spring_saml_default_logger_failure_is_a_failed_login(tmp_path):
    doc = _read_as(tmp_path, SPRING_SAML_SKEW)
    assert _attempts(doc) == [("failure", "sp-clock-skew", "sp")]  # was no attempt at all
    assert "responseSkew" in doc["attempts"][0]["fix"]
    _, evs = _events(tmp_path, SPRING_SAML_SKEW)
    assert [(e.outcome, e.product, e.app) for e in evs] == [
        ("info", "spring", "https://localhost:8443/saml/metadata"),  # the AuthnRequest sent
        ("failure", "spring", "https://localhost:8443/saml/metadata")]


def test_spring_saml_lost_session_names_the_session(tmp_path):
    doc = _read_as(tmp_path, SPRING_SAML_INRESPONSETO)
    assert _attempts(doc) == [("failure", "inresponseto-mismatch", "sp")]
    assert "host name" in doc["attempts"][0]["fix"] and "SameSite" in doc["attempts"][0]["fix"]


def test_spring_saml_default_logger_success_names_the_user(tmp_path):
    """SAMLDefaultLogger's fields (spring-attic/spring-security-saml log/SAMLDefaultLogger.java):
    operation;result;client address;SP entity ID;IdP entity ID;NameID (or principal);message;error."""
    line = ("2017-08-22 18:55:01.002  INFO 9936 --- [nio-8443-exec-2] o.s.security.saml.log.SAMLDefaultLogger  : "
            "AuthNResponse;SUCCESS;198.51.100.7;https://localhost:8443/saml/metadata;"
            "http://www.okta.com/exkbqngx2bcuIN4MK0h7;jdoe@example.org;;\n")
    _, evs = _events(tmp_path, line + line.replace("jdoe@example.org", "anonymousUser").replace("SUCCESS", "FAILURE"))
    assert [(e.outcome, e.user, e.ip) for e in evs] == [
        ("success", "jdoe@example.org", "198.51.100.7"), ("failure", None, "198.51.100.7")]


# ulisesbocchio/spring-boot-security-saml issue 15: SAMLProcessingFilter logs at DEBUG and throws.
SPRING_SAML_DEBUG = (
    "2016-12-31 12:05:00.740 DEBUG 3290 --- [nio-8080-exec-1] o.o.c.b.decoding.BaseSAMLMessageDecoder  : "
    "SAML message intended destination endpoint matched recipient endpoint\n"
    "2016-12-31 12:05:00.741 DEBUG 3290 --- [nio-8080-exec-1] o.s.security.saml.SAMLProcessingFilter   : "
    "Incoming SAML message is invalid\n"
    "org.springframework.security.authentication.AuthenticationServiceException: Incoming SAML message is invalid\n"
    "\tat org.springframework.security.saml.SAMLProcessingFilter.attemptAuthentication(SAMLProcessingFilter.java:91) "
    "~[spring-security-saml2-core-1.0.2.RELEASE.jar!/:1.0.2.RELEASE]\n"
)


def test_a_saml_failure_thrown_at_debug_is_a_failure(tmp_path):
    _, evs = _events(tmp_path, SPRING_SAML_DEBUG)
    assert [(e.outcome, e.code) for e in evs if e.outcome != "info"] == [("failure", "unknown-failure")]


# structurizr/onpremises issue 8: log4j2's '[%-5level] %d [%t] %c{1} - %m' (the level first)
STRUCTURIZR = (
    "[DEBUG] 2022-11-14 12:57:52.184 [http-nio-8080-exec-1] FilterChainProxy - Securing POST /saml/SSO\n"
    "[DEBUG] 2022-11-14 12:57:52.184 [http-nio-8080-exec-1] SAMLProcessingFilter - Attempting SAML2 authentication "
    "using profile urn:oasis:names:tc:SAML:2.0:profiles:SSO:browser\n"
    "[INFO ] 2022-11-14 12:57:52.196 [http-nio-8080-exec-1] SAMLProtocolMessageXMLSignatureSecurityPolicyRule - SAML "
    "protocol message was not signed, skipping XML signature processing\n"
)


def test_the_level_first_layout_is_read(tmp_path):
    name, evs = _events(tmp_path, STRUCTURIZR)
    assert name == "sp-app"  # was not read at all
    assert [(e.outcome, e.product, e.time.minute) for e in evs] == [("info", "spring", 57)]
    failed = STRUCTURIZR + ("[ERROR] 2022-11-14 12:57:52.201 [http-nio-8080-exec-1] SAMLProcessingFilter - "
                            "Incoming SAML message is invalid\n"
                            "org.opensaml.common.SAMLException: Authentication statement is too old to be used "
                            "with value 2022-11-14T09:32:00.759Z\n")
    doc = _read_as(tmp_path, failed)
    assert [(a["outcome"], a["root_cause"]) for a in doc["attempts"]] == [("failure", "session-expired")]
    assert "maxAuthenticationAge" in doc["attempts"][0]["fix"]


# the extension's texts (spring-attic/spring-security-saml websso/WebSSOProfileConsumerImpl.java,
# AbstractProfileBase.java); quoted in vdenotaris/spring-boot-security-saml-sample issue 84,
# cBioPortal/cbioportal issue 9529 (both: Entra sessions older than maxAuthenticationAge),
# openanalytics/shinyproxy issues 247 and 342
@pytest.mark.parametrize("text,code", [
    ("Caused by: org.springframework.security.authentication.CredentialsExpiredException: Authentication statement is "
     "too old to be used with value 2020-08-31T09:32:00.759Z", "session-expired"),
    ("Caused by: org.opensaml.xml.security.SecurityException: SAML message intended destination endpoint did not "
     "match recipient endpoint", "destination-mismatch"),
    ("org.opensaml.common.SAMLException: Intended destination https://app.example.com/saml/SSO doesn't match any of "
     "the endpoint URLs on endpoint http://app.example.com:8080/saml/SSO", "destination-mismatch"),
    ("org.opensaml.common.SAMLException: Response has invalid status code urn:oasis:names:tc:SAML:2.0:status:Responder, "
     "status message is null", "status-not-success"),
    ("org.opensaml.xml.validation.ValidationException: Signature is not trusted or invalid", "signature-cert-mismatch"),
    ("org.opensaml.common.SAMLException: Local entity is not the intended audience of the assertion in at least one "
     "AudienceRestriction", "audience-mismatch"),
])
def test_spring_saml_extension_texts(text, code):
    entry = lookup(text, "spring")
    assert entry is not None and entry.code == code


# --- what the new layouts must not claim (a review of this audit) ---------------------------------

def test_a_note_with_numbered_lines_is_no_omniauth_log(tmp_path):
    """'(1) ...' lines in a ticket's notes started records of OmniAuth's '(<provider>) ' layout: the
    note was read as an app log, its pasted SAMLResponse lost and the note made a failed login.
    Only OmniAuth's own texts after '(<provider>) ' are its records."""
    import base64

    from pathlib import Path

    xml = (Path(__file__).resolve().parents[1] / "fixtures" / "responses" / "valid" / "okta.xml").read_bytes()
    note = ("Ticket 4711 - SAML login fails for all users\n"
            "(1) user opens https://sonar.example.com and is sent to the IdP\n"
            "(2) after the IdP, SonarQube shows 'You are not authorized'; web.log has "
            "com.onelogin.saml2.exception.ValidationError\n"
            f"SAMLResponse={base64.b64encode(xml).decode()}\n")
    doc = _check(tmp_path, note, "ticket.txt")
    assert doc["inputs"][0]["kind"] != "log:sp-app" and len(doc["messages"]) == 1
    assert "failure" not in [a["outcome"] for a in doc["attempts"]]


def test_pythons_colon_layout_keeps_its_level(tmp_path):
    """'%(asctime)s: %(levelname)s: %(name)s: %(message)s' was taken for GitLab's '<time>: message'
    (no level, so 'may have failed'): a DEBUG line naming ValidationError became a failed login and
    the INFO success that followed was not one."""
    _, evs = _events(tmp_path,
                     "2025-03-11 09:41:02,612: DEBUG: onelogin.saml2.response: retrying after ValidationError "
                     "in strict mode check, login continues\n"
                     "2025-03-11 09:41:03,100: INFO: onelogin.saml2.auth: processResponse success for "
                     "dev.user1@example.com\n")
    assert [e.outcome for e in evs if e.outcome != "info"] == ["success"]


def test_a_logout_failure_of_spring_saml_is_no_failed_login(tmp_path):
    """SAMLDefaultLogger logs every SAML operation; a LogoutRequest the IdP cannot take (no SLO
    endpoint) made a second, failed 'login'."""
    logger = "2017-08-22 {t}  INFO 9936 --- [nio-8443-exec-2] o.s.security.saml.log.SAMLDefaultLogger  : "
    doc = _read_as(tmp_path,
                   logger.format(t="18:55:01.002") + "AuthNResponse;SUCCESS;198.51.100.7;https://localhost:8443/saml/"
                   "metadata;http://www.okta.com/exk1;alice@example.com;;\n"
                   + logger.format(t="19:30:11.402") + "LogoutRequest;FAILURE;198.51.100.7;https://localhost:8443/"
                   "saml/metadata;http://www.okta.com/exk1;alice@example.com;;org.opensaml.saml2.metadata.provider."
                   "MetadataProviderException: IDP doesn't contain any SingleLogout endpoints\n")
    assert _attempts(doc) == [("success", None, None)]
