"""Log lines and error texts as real products print them, fifth audit: each excerpt is quoted
from a public source named above it (users, hosts, IDs and addresses replaced), and the test says
what samlscan must report for it: read at all, the product, the cause and the side."""
from __future__ import annotations

import pytest

from samlscan.catalog import lookup
from test_real_log_shapes import _events  # (parser name, events) of a text read by its reader alone
from test_real_log_shapes_2 import _attempts, _check  # `samlscan check --format json`, its attempts
from test_real_log_shapes_3 import ADFS_364_RP  # an AD FS event as Event Viewer's 'Copy as text' gives it


# --- Keycloak's JSON console layout (KC_LOG_CONSOLE_OUTPUT=json) --------------------------------

# The record's fields as keycloak/keycloak issue 31860 quotes a Keycloak 25 events record
# (timestamp, sequence, loggerClassName, loggerName, level, message, threadName, threadId, mdc, ndc,
# hostName, processName, processId); SamlService's refusal of Infisical issue 1690 (Keycloak 24:
# 'request validation failed: org.keycloak.common.VerificationException: SigAlg was null' in the
# text layout) as that layout writes it: SamlService calls logger.error("request validation
# failed", e), so the message is those words alone and the exception is the record's `exception`
# (jboss-logmanager StructuredFormatter: exceptionType, message, causedBy).
KC_JSON_PAIR = (
    '{"timestamp":"2024-04-16T10:00:00.000+02:00","sequence":9837,"loggerClassName":"org.jboss.logging.Logger",'
    '"loggerName":"org.keycloak.protocol.saml.SamlService","level":"ERROR","message":"request validation failed",'
    '"threadName":"executor-thread-6","threadId":28,"mdc":{},"ndc":"","hostName":"kc.example.lan",'
    '"processName":"QuarkusEntryPoint","processId":2649028,"exception":{"refId":1,'
    '"exceptionType":"org.keycloak.common.VerificationException","message":"SigAlg was null","frames":'
    '[{"class":"org.keycloak.protocol.saml.SamlProtocolUtils","method":"verifyRedirectSignature","line":170}]}}\n'
    '{"timestamp":"2024-04-16T10:00:00.002+02:00","sequence":9838,"loggerClassName":"org.jboss.logging.Logger",'
    '"loggerName":"org.keycloak.events","level":"WARN","message":"type=\\"LOGIN_ERROR\\", '
    'realmId=\\"3c1f9e2a-0000-4000-8000-000000000001\\", realmName=\\"corp\\", clientId=\\"https://app.example.com\\", '
    'userId=\\"null\\", ipAddress=\\"192.0.2.1\\", error=\\"invalid_signature\\"","threadName":"executor-thread-6",'
    '"threadId":28,"mdc":{},"ndc":"","hostName":"kc.example.lan","processName":"QuarkusEntryPoint","processId":2649028}\n'
)


def test_keycloak_json_error_and_its_event_are_one_attempt(tmp_path):
    doc = _check(tmp_path, KC_JSON_PAIR)
    assert doc["inputs"][0]["kind"] == "log:keycloak"
    # was two attempts, both 'request-invalid': the exception's text was not read, nor the thread
    assert _attempts(doc) == [("failure", "request-signature-missing", "sp")]
    assert len(doc["attempts"][0]["evidence"]) == 2


def test_keycloak_json_join_is_by_thread(tmp_path):
    other = KC_JSON_PAIR.replace('"threadName":"executor-thread-6","threadId":28,"mdc":{},"ndc":"","hostName":"kc.example.lan","processName":"QuarkusEntryPoint","processId":2649028}\n',
                                 '"threadName":"executor-thread-9","threadId":31,"mdc":{},"ndc":"","hostName":"kc.example.lan","processName":"QuarkusEntryPoint","processId":2649028}\n')
    assert other != KC_JSON_PAIR
    _, evs = _events(tmp_path, other)
    assert [e.outcome for e in evs] == ["failure", "failure"]
    assert evs[0].correlation_id is None or evs[0].correlation_id != evs[1].correlation_id


def test_keycloak_json_formatted_stack_trace_names_the_cause(tmp_path):
    line = ('{"timestamp":"2024-04-16T10:00:00.000+02:00","loggerName":"org.keycloak.broker.saml.SAMLEndpoint",'
            '"level":"ERROR","message":"validation failed","threadName":"executor-thread-2",'
            '"stackTrace":"org.keycloak.common.VerificationException: Invalid signature on document\\n\\tat '
            'org.keycloak.protocol.saml.SamlProtocolUtils.verifyDocumentSignature(SamlProtocolUtils.java:80)\\n"}\n')
    _, evs = _events(tmp_path, line)
    assert [(e.outcome, e.code) for e in evs] == [("failure", "signature-cert-mismatch")]  # the IdP signs with another key


# --- node-saml / passport-saml in Node apps' JSON logs -----------------------------------------

# OpenCTI-Platform/opencti issue 11809 ('solved'): `docker compose logs` of OpenCTI (winston JSON)
# with the failure and its cause beside it; node-saml 4+ wants the Response signed
# (wantAuthnResponseSigned, true by default), the IdP signed only the Assertion. (Our copy of the
# issue is cut after '"version":"': the record is closed here.)
OPENCTI_COMPOSE = (
    'opencti_1                     | {"category":"APP","cause":{"code":"UNKNOWN_ERROR","message":"Invalid document '
    'signature","name":"Error","stack":"Error: Invalid document signature\\n    at SAML.validatePostResponseAsync '
    '(/opt/opencti/build/back.js:1164:1735)\\n    at process.processTicksAndRejections (node:internal/process/'
    'task_queues:105:5)"},"level":"error","message":"Error auth provider callback","provider":"saml","source":'
    '"backend","timestamp":"2025-07-28T06:32:06.403Z","version":""}\n'
)
# OpenCTI-Platform/opencti PR 6504 (OpenCTI 6.0.8 after moving to @node-saml/passport-saml 4):
# the error list of the same failure, the library's frame named by its package path
OPENCTI_ERRORS = (
    '{"category":"APP","errors":[{"attributes":{"genre":"TECHNICAL","http_status":500},"message":"Invalid document '
    'signature","name":"UNKNOWN_ERROR","stack":"UNKNOWN_ERROR: Invalid document signature\\n    at error (/opt/'
    'opencti/build/src/config/errors.js:8:10)\\n    at UnknownError (/opt/opencti/build/src/config/errors.js:76:47)'
    '\\n    at Object._logWithError (/opt/opencti/build/src/config/conf.js:331:23)\\n    at Object.error (/opt/'
    'opencti/build/src/config/conf.js:341:48)\\n    at /opt/opencti/build/src/http/httpPlatform.js:401:14\\n    at '
    'processTicksAndRejections (node:internal/process/task_queues:95:5)"},{"message":"Invalid document signature",'
    '"name":"Error","stack":"Error: Invalid document signature\\n    at EIn.validatePostResponseAsync (/opt/opencti/'
    'build/node_modules/@node-saml/node-saml/src/saml.ts:696:15)\\n    at processTicksAndRejections (node:internal/'
    'process/task_queues:95:5)"}],"level":"error","message":"Platform unmanaged direct error","provider":"saml",'
    '"timestamp":"2024-03-28T08:17:54.340Z","version":"6.0.8"}\n'
)
# yu-i-i/overleaf-cep issue 14 (authentik as IdP): Overleaf's bunyan record (numeric level 50,
# serialized `err`, the request with the client's address). Our copy is cut after the `msg`: the
# record is closed with bunyan's `time` and `v`.
OVERLEAF = (
    '{"name":"web","hostname":"13a749ed710f","pid":209,"level":50,"err":{"message":"Invalid document signature",'
    '"name":"Error","stack":"Error: Invalid document signature\\n    at SAML.validatePostResponseAsync (/overleaf/'
    'node_modules/@node-saml/node-saml/lib/saml.js:511:23)\\n    at process.processTicksAndRejections (node:internal/'
    'process/task_queues:95:5)","info":{}},"responseTimeMs":18,"req":{"method":"POST","url":"/saml/login/callback",'
    '"remoteAddress":"192.168.7.2","headers":{"user-agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) '
    'Gecko/20100101 Firefox/133.0","content-length":"8043"}},"res":{"statusCode":500,"headers":{"content-length":'
    '"680"}},"msg":"POST /saml/login/callback","time":"2024-12-23T10:15:00.000Z","v":0}\n'
)


@pytest.mark.parametrize("text", [OPENCTI_COMPOSE, OPENCTI_ERRORS, OVERLEAF], ids=["compose", "errors", "bunyan"])
def test_node_saml_json_failure_is_read(tmp_path, text):
    doc = _check(tmp_path, text)  # was input-not-saml
    assert doc["inputs"][0]["kind"] == "log:sp-app"
    assert _attempts(doc) == [("failure", "signature-missing", "sp")]
    assert "wantAuthnResponseSigned: false" in doc["attempts"][0]["fix"]


def test_node_saml_json_event_fields(tmp_path):
    got = []
    for text in (OPENCTI_COMPOSE, OPENCTI_ERRORS, OVERLEAF):
        name, evs = _events(tmp_path, text)
        assert name == "sp-app"
        got += [(e.product, e.outcome, e.time.isoformat()[:19], e.ip, e.text) for e in evs]
    assert got == [
        ("node-saml", "failure", "2025-07-28T06:32:06", None, "Error auth provider callback: Invalid document signature"),
        ("node-saml", "failure", "2024-03-28T08:17:54", None, "Platform unmanaged direct error: Invalid document signature"),
        ("node-saml", "failure", "2024-12-23T10:15:00", "192.168.7.2", "POST /saml/login/callback: Invalid document signature")]


def test_a_json_log_without_saml_is_not_claimed(tmp_path):
    text = OVERLEAF.replace("@node-saml/node-saml/lib/saml.js", "express/lib/router.js").replace(
        "SAML.validatePostResponseAsync", "Router.handle").replace("/saml/login/callback", "/login")
    name, _ = _events(tmp_path, text)
    assert name != "sp-app"


# node-saml's texts (node-saml/node-saml src/saml.ts; the clock ones also in passport-saml 1.x-3.x)
@pytest.mark.parametrize("text,code,side", [
    ("Invalid document signature", "signature-missing", "sp"),
    ("Invalid signature", "signature-invalid", "sp"),
    ("Invalid signature: multiple assertions", "assertion-multiple", "idp"),
    ("SAML assertion not yet valid", "assertion-not-yet-valid", None),
    ("SAML assertion expired: clocks skewed too much", "assertion-expired", None),
    ("SAML assertion expired: assertion too old", "assertion-expired", "sp"),
    ("SAML assertion audience mismatch", "audience-mismatch", None),
    ("Missing SAML assertion", "assertion-missing", None),
    ("SAML provider returned Responder error: unspecified", "status-not-success", "idp"),
    ("InResponseTo is not valid", "inresponseto-mismatch", "sp"),
    ("No decryption key for encrypted SAML response", "assertion-encrypted-no-key", "sp"),
])
def test_node_saml_texts(text, code, side):
    entry = lookup(f"Error: {text}", "node-saml")
    assert (entry.product, entry.code, entry.side) == ("node-saml", code, side)


# --- Shibboleth SP (shibd.log) and IdP (idp-process.log) -------------------------------------------

# FusionAuth/fusionauth-issues issue 240 (samltest.id's SP refusing FusionAuth's response): shibd.log
# lines in shibd.logger's layout ('%d %p %c %x: %m', NDC '[thread] [application]'); the refusal's
# text as samltest.id's FAQ quotes it ('WARN Shibboleth.SSO.SAML2: error processing incoming
# assertion: Message was signed, but signature could not be verified'), in that layout.
SHIBD = (
    "2019-08-07 23:27:10 DEBUG Shibboleth.SSO.SAML2 [2527] [default]: processing message against SAML 2.0 SSO profile\n"
    "2019-08-07 23:27:10 DEBUG Shibboleth.SSO.SAML2 [2527] [default]: extracting issuer from SAML 2.0 assertion\n"
    "2019-08-07 23:27:10 WARN Shibboleth.SSO.SAML2 [2527] [default]: error processing incoming assertion: "
    "Message was signed, but signature could not be verified.\n"
)


def test_shibd_log_refusal_is_the_sps_failure(tmp_path):
    doc = _check(tmp_path, SHIBD)  # was input-not-saml (only a pasted text of shibboleth)
    assert doc["inputs"][0]["kind"] == "log:shibboleth"
    assert _attempts(doc) == [("failure", "signature-cert-mismatch", "sp")]
    _, evs = _events(tmp_path, SHIBD)
    assert [(e.outcome, e.side, e.time.hour, e.source.ref) for e in evs] == [("failure", "sp", 23, "line 3")]


def test_shibd_log_unknown_refusal_is_still_a_failure(tmp_path):
    text = SHIBD.replace("Message was signed, but signature could not be verified.", "something new")
    _, evs = _events(tmp_path, text)
    assert [(e.outcome, e.code) for e in evs] == [("failure", "unknown-failure")]


# GluuFederation/oxTrust issue 477 (Shibboleth IdP 3 in Gluu): the three lines of one refused
# AuthnRequest of an SP the IdP has no metadata for; v3.0-3.2's LogEvent says 'An error event'.
GLUU = (
    "2017-02-03 15:16:00,425 - INFO [org.opensaml.saml.common.binding.impl.SAMLMetadataLookupHandler:128] - "
    "Message Handler:  No metadata returned for https://sp.example.org/shibboleth in role "
    "{urn:oasis:names:tc:SAML:2.0:metadata}SPSSODescriptor with protocol urn:oasis:names:tc:SAML:2.0:protocol\n"
    "2017-02-03 15:16:00,433 - WARN [net.shibboleth.idp.profile.impl.SelectProfileConfiguration:111] - Profile "
    "Action SelectProfileConfiguration: Profile http://shibboleth.net/ns/profiles/saml2/sso/browser is not "
    "available for relying party configuration shibboleth.UnverifiedRelyingParty\n"
    "2017-02-03 15:16:00,442 - WARN [org.opensaml.profile.action.impl.LogEvent:76] - An error event occurred "
    "while processing the request: InvalidProfileConfiguration\n"
)


def test_shibboleth_idp_unknown_sp_fix_is_the_idps_metadata(tmp_path):
    doc = _check(tmp_path, GLUU)
    assert _attempts(doc) == [("failure", "app-not-found", "idp")]
    assert "metadata-providers.xml" in doc["attempts"][0]["fix"]  # was Entra's 'Identifier ... tenant'


@pytest.mark.parametrize("start,want", [
    (1, [("failure", "app-not-found"), ("info", None)]),  # (the IdP logs at WARN: no INFO line)
    (2, [("failure", "idp-configuration-error")]),
])
def test_shibboleth_idp_refusal_without_the_info_line_is_a_failure(tmp_path, start, want):
    text = "".join(GLUU.splitlines(True)[start:])
    _, evs = _events(tmp_path, text)
    assert [(e.outcome, e.code) for e in evs] == want  # were all info: no failure at all


# --- Keycloak as SAML broker: the event's reason names the external IdP's response ------------

# keycloak/keycloak issue 11178 (Keycloak 17): the broker refused an external IdP's signed Response
# without a Destination; the event as logged (its error= was invalid_logout_response by a bug, the
# issue's expected one invalid_saml_response), then the same event in 24's quoted layout.
KC_BROKER_NO_DEST = (
    "2022-04-07 10:00:00,000 TRACE [org.keycloak.events] (default task-539) type=IDENTITY_PROVIDER_RESPONSE_ERROR, "
    "realmId=myrealm, clientId=null, userId=null, ipAddress=192.0.2.10, error={error}, "
    "reason=missing_required_destination, requestUri=https://kc.example.org/realms/myrealm/broker/idp/endpoint\n"
)
KC_BROKER_QUOTED = (
    '2024-04-16 10:00:00,002 WARN  [org.keycloak.events] (executor-thread-6) type="IDENTITY_PROVIDER_RESPONSE_ERROR", '
    'realmId="3c1f9e2a-0000-4000-8000-000000000001", realmName="corp", clientId="null", userId="null", '
    'ipAddress="192.0.2.1", error="invalid_saml_response", reason="{reason}"\n'
)


@pytest.mark.parametrize("text,cause,side,words", [
    (KC_BROKER_NO_DEST.format(error="invalid_logout_response"), "destination-mismatch", "idp", "put a Destination"),
    (KC_BROKER_NO_DEST.format(error="invalid_saml_response"), "destination-mismatch", "idp", "put a Destination"),
    (KC_BROKER_QUOTED.format(reason="invalid_destination"), "destination-mismatch", None, "/broker/<alias>/endpoint"),
])
def test_keycloak_broker_reason_is_the_external_idps_response(tmp_path, text, cause, side, words):
    doc = _check(tmp_path, text)
    # was request-invalid, 'Check the AuthnRequest: ...' (the codes' meaning for a client's request)
    assert [(a["outcome"], a["root_cause"]) for a in doc["attempts"]] == [("failure", cause)]
    assert side is None or doc["attempts"][0]["side"] == side
    assert words in doc["attempts"][0]["fix"]


def test_keycloak_reason_of_a_client_request_stays_the_request(tmp_path):
    text = KC_BROKER_QUOTED.format(reason="invalid_destination").replace(
        "IDENTITY_PROVIDER_RESPONSE_ERROR", "LOGIN_ERROR").replace("invalid_saml_response", "invalid_saml_authn_request")
    _, evs = _events(tmp_path, text)
    assert [(e.outcome, e.code) for e in evs] == [("failure", "request-invalid")]


# --- Entra's error pages: fixes that help the person in the thread ------------------------------

@pytest.mark.parametrize("text,words", [
    # scaler-tech/laravel-saml2 issue 114: resolved by setting the app's login URL to its own URL
    ("AADSTS750054: SAMLRequest or SAMLResponse must be present as query string parameters in HTTP request "
     "for SAML Redirect binding.", "login URL"),
    # kasmtech/workspaces-issues issue 131: resolved by not sending RequestedAuthnContext
    ("AADSTS75011: Authentication method 'X509, MultiFactor' by which the user authenticated with the service "
     "doesn't match requested authentication method 'Password, ProtectedTransport'. Contact the KASM SSO "
     "application owner.", "RequestedAuthnContext"),
])
def test_entra_request_errors_say_what_to_change(text, words):
    entry = lookup(text)
    assert entry.product == "entra" and entry.side == "sp"
    assert words in (entry.fix or "")  # was no fix: 'Check the AuthnRequest: ...'


# --- Google Workspace's SAML runtime errors (support.google.com/a/answer/6301076) ----------------

@pytest.mark.parametrize("text,code,words", [
    # the article: 'Verify that the value in the saml:Issuer tag in the SAMLRequest matches the Entity ID
    # value configured in the SAML Service Provider Details section ... This value is case-sensitive.'
    ("403 app_not_configured_for_user", "app-not-found", "Entity ID"),
    # community.genesys.com 'Google Workspace SSO': the error as the user reported it
    ("This error \"app_not_configured_for_user\" is coming from Google", "app-not-found", "Entity ID"),
    ("403 app_not_enabled_for_user", "user-not-assigned", "User access"),
    ("403 app_not_configured", "app-not-found", "Entity ID"),
])
def test_google_runtime_errors(text, code, words):
    entry = lookup(text)  # the page's codes were unknown (only the Reports API's failure_* names)
    assert (entry.product, entry.code, entry.side) == ("google", code, "idp")
    assert words in entry.fix


# --- SimpleSAMLphp (1.x and 2.x) ------------------------------------------------------------------

# simplesamlphp/simplesamlphp issue 2001 (2.x error page; resolved by trusted.url.domains) as the
# log writes the cause, and catalyst/moodle-auth_saml2 issue 307 (the SP behind a proxy computes
# ':80' in its own URL)
SSP_URL_NOT_ALLOWED = (
    "Mar 12 10:01:02 simplesamlphp ERROR [7eea171dfa] SimpleSAML\\Error\\Error: UNHANDLEDEXCEPTION\n"
    "Mar 12 10:01:02 simplesamlphp ERROR [7eea171dfa] Backtrace:\n"
    "Mar 12 10:01:02 simplesamlphp ERROR [7eea171dfa] 2 public/_include.php:28 (SimpleSAML_exception_handler)\n"
    "Mar 12 10:01:02 simplesamlphp ERROR [7eea171dfa] 0 [builtin] (N/A)\n"
    "Mar 12 10:01:02 simplesamlphp ERROR [7eea171dfa] Caused by: SimpleSAML\\Error\\Exception: URL not allowed: "
    "https://2023.aulaweb.example.it/login/index.php\n"
    "Mar 12 10:01:02 simplesamlphp ERROR [7eea171dfa] Backtrace:\n"
    "Mar 12 10:01:02 simplesamlphp ERROR [7eea171dfa] 6 src/SimpleSAML/Utils/HTTP.php:431 "
    "(SimpleSAML\\Utils\\HTTP::checkURLAllowed)\n"
)


def test_simplesamlphp_url_not_allowed_names_trusted_domains(tmp_path):
    doc = _check(tmp_path, SSP_URL_NOT_ALLOWED)
    assert doc["inputs"][0]["kind"] == "log:simplesamlphp"
    assert _attempts(doc) == [("failure", "sp-configuration-error", "sp")]  # was unknown-failure
    assert "trusted.url.domains" in doc["attempts"][0]["fix"]


def test_simplesamlphp_destination_behind_a_proxy():
    entry = lookup('SAML2 exception: Destination in response doesn\'t match the current URL. Destination is '
                   '"https://moodle.example.net/auth/saml2/sp/saml2-acs.php/moodle.example.net", current URL is '
                   '"https://moodle.example.net:80/auth/saml2/sp/saml2-acs.php/moodle.example.net".')
    assert (entry.product, entry.code, entry.side) == ("simplesamlphp", "destination-mismatch", "sp")
    assert "baseurlpath" in entry.fix


# --- AD FS: events whose text was unknown --------------------------------------------------------

# x500.co.uk 'ADFS: The SAML authentication request had a NameID Policy that could not be satisfied'
# (event 321 of AD FS 2012 R2, a Drupal/SimpleSAMLphp SP asking for a transient NameID), under
# Event Viewer's header block as earlier audits quote it; resolved by a claim rule issuing Name ID.
ADFS_321 = (
    ADFS_364_RP.split("Description:\n")[0].replace("9/23/2020 10:15:42 AM", "3/6/2018 11:02:13 AM")
    .replace("Event ID:      364", "Event ID:      321") + "Description:\n"
    "The SAML authentication request had a NameID Policy that could not be satisfied. Requestor: \n"
    "Name identifier format: urn:oasis:names:tc:SAML:2.0:nameid-format:transient SPNameQualifier: \n"
    "Exception details: \n"
    "MSIS7070: The SAML request contained a NameIDPolicy that was not satisfied by the issued token. Requested "
    "NameIDPolicy: AllowCreate: True Format: urn:oasis:names:tc:SAML:2.0:nameid-format:transient SPNameQualifier: . "
    "Actual NameID properties: null.\n"
    "This request failed.\n"
    "User Action\n"
    "Use the AD FS Management snap-in to configure the configuration that emits the required name identifier.\n"
)


def test_adfs_321_names_the_claim_rule(tmp_path):
    doc = _check(tmp_path, ADFS_321)
    assert doc["inputs"][0]["kind"] == "log:adfs"
    assert _attempts(doc) == [("failure", "request-invalid", "idp")]
    assert "claim rule" in doc["attempts"][0]["fix"]  # was 'Check the AuthnRequest: ...'


@pytest.mark.parametrize("text,code,words", [
    # SAML-Toolkits/java-saml issue 152, MicrosoftDocs/azure-docs issue 15732
    ("SAML request is not signed with expected signature algorithm. SAML request is signed with signature algorithm "
     "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256 . Expected signature algorithm is "
     "http://www.w3.org/2000/09/xmldsig#rsa-sha1", "request-signature-invalid", "Secure hash algorithm"),
    # SAML-Toolkits/python-saml issue 180
    ("MSIS1016: Relying party trust 'https://sp.example.com/api/saml/metadata/' indicates that authentication "
     "requests sent by this relying party will be signed but no signature present.", "request-signature-missing",
     "SignedSamlRequestsRequired"),
    # catalyst/moodle-auth_saml2 issue 33 (resolved by 'redirect.sign' => true)
    ("Error message: MSIS1014: SAML LogoutRequest and LogoutResponse messages must be signed when using SAML HTTP "
     "Redirect or HTTP POST binding.", "request-signature-missing", "redirect.sign"),
])
def test_adfs_request_signature_texts(text, code, words):
    entry = lookup(text)
    assert (entry.product, entry.code) == ("adfs", code)
    assert words in entry.fix


# --- Auth0 as SP: a SAML connection's failed login ------------------------------------------------

# auth0/docs (articles/applications): a tenant log 'f' event of a samlp connection, as the
# dashboard's raw view shows it; community.auth0.com 'SAML SSO invalid thumbprint error' (91165):
# upload the IdP's current certificate to the connection.
AUTH0_THUMBPRINT = """{
  "date": "2016-10-04T15:27:38.509Z",
  "type": "f",
  "description": "Invalid thumbprint (configured: 634AB4651FCA2F623563BE32EDA32DE565219118. calculated: BDEBFBFBA786C2D97F2125274793E32643358E81)",
  "connection": "SSOCircle",
  "connection_id": "con_T60D5poVozRmw77h",
  "client_id": "UEsQCe4RVHYDSQ2zlLWIAHSqDhpsYyTG",
  "client_name": "N/A",
  "ip": "198.51.100.158",
  "user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_6) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/53.0.2785.143 Safari/537.36",
  "strategy": "samlp",
  "strategy_type": "enterprise"
}
"""


def test_auth0_invalid_thumbprint_is_the_connections_certificate(tmp_path):
    doc = _check(tmp_path, AUTH0_THUMBPRINT, "log.json")
    assert doc["inputs"][0]["kind"] == "log:auth0"
    assert _attempts(doc) == [("failure", "signature-cert-mismatch", "sp")]  # was unknown-failure
    assert "X.509 Signing Certificate" in doc["attempts"][0]["fix"]


# a SUNET setup script (sunet-cdn-manager, Keycloak brokering a SATOSA IdP) quoting the broker's
# line when SATOSA filtered out the configured principal attribute (subject-id)
KC_NO_PRINCIPAL = ("2025-08-29 21:23:16,670 ERROR [org.keycloak.broker.saml.SAMLEndpoint] (executor-thread-5) no "
                   "principal in assertion; expected: ATTRIBUTE(urn:oasis:names:tc:SAML:attribute:subject-id)\n")


def test_keycloak_broker_missing_principal_names_the_attribute(tmp_path):
    doc = _check(tmp_path, KC_NO_PRINCIPAL)
    assert _attempts(doc) == [("failure", "login-attribute-missing", "idp")]  # was no cause, no fix
    assert "Principal type" in doc["attempts"][0]["fix"]


def test_keycloak_broker_refusal_event_alone_points_at_the_endpoint_line(tmp_path):
    doc = _check(tmp_path, KC_BROKER_QUOTED.replace(', reason="{reason}"', ""))
    # was request-invalid, 'Check the AuthnRequest' (no AuthnRequest was involved); the broker entry's
    # fix (read SAMLEndpoint's line) is not shown yet: correlate.causes._catalog_entry passes over entries
    # whose code is unknown-failure
    assert [(a["outcome"], a["root_cause"]) for a in doc["attempts"]] == [("failure", "unknown-failure")]
    assert "AuthnRequest" not in doc["attempts"][0]["fix"]


def test_the_broker_events_own_entry_gives_its_fix_when_its_code_is_unknown_failure(tmp_path):
    """Keycloak's IDENTITY_PROVIDER_RESPONSE_ERROR with error=invalid_saml_response alone: the
    reader keeps its own entry (unknown-failure: the SAMLEndpoint line says why), but the attempt's
    fix and side were looked up by the text ('invalid_saml_response' names request-invalid), which
    is not the cause: 'Read the evidence lines.' and no side."""
    doc = _check(tmp_path, '2025-03-11 09:40:58,117 WARN  [org.keycloak.events] (executor-thread-6) '
                           'type="IDENTITY_PROVIDER_RESPONSE_ERROR", realmId="r", clientId="null", userId="null", '
                           'ipAddress="203.0.113.77", error="invalid_saml_response"\n')
    assert _attempts(doc) == [("failure", "unknown-failure", "idp")]
    assert "SAMLEndpoint" in doc["attempts"][0]["fix"]


def test_two_refusals_for_two_sps_from_one_address_are_two(tmp_path):
    """One address (a NAT, a user trying two applications) refused for sp-a, then sp-b two seconds
    later: the second was taken for the first's echo and sp-b never reported."""
    line = ("2024-05-02 10:00:0{s},100 - 198.51.100.7 - INFO [org.opensaml.saml.common.binding.impl."
            "SAMLMetadataLookupHandler:128] - Message Handler:  No metadata returned for https://{sp}.example.com "
            "in role {{urn:oasis:names:tc:SAML:2.0:metadata}}SPSSODescriptor with protocol "
            "urn:oasis:names:tc:SAML:2.0:protocol\n")
    _, evs = _events(tmp_path, line.format(s=1, sp="sp-a") + line.format(s=3, sp="sp-b"))
    assert [(e.outcome, e.code) for e in evs] == [("failure", "app-not-found")] * 2


# --- a review of the JSON record path (node-saml apps' winston/pino/bunyan logs) ----------------

def _records(tmp_path, text: str, name: str = "x.log", parser=None):
    """(parser name, every record) of `text` read as a log file by its reader alone (`parser`, or
    the one sniffing picks)."""
    from datetime import timezone

    from samlscan import logs

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    parser = parser or logs.detect(logs.read_head(str(path)))
    return (parser.name if parser else None), list(logs.parse_file(str(path), timezone.utc, parser))


_EXPIRED = OVERLEAF.replace("Invalid document signature", "SAML assertion expired: clocks skewed too much").replace(
    "2024-12-23T10:15:00", "2024-12-23T10:20:00")


@pytest.mark.parametrize("size", [1_100_000, 17_000_000], ids=["read", "too-long"])
def test_a_json_record_over_a_mib_hides_no_record_after_it(tmp_path, size):
    """parse_file hands a line over 1 MiB in chunks: the reader kept the first (cut inside a
    string) and the JSON scanner swallowed every line after it, silently. A long record is read
    (up to MAX_TEXT_LINE, 16 MiB) or reported, and the next lines are read."""
    from samlscan.logs._common import MAX_TEXT_LINE
    from samlscan.logs.base import Malformed

    long = OVERLEAF.replace('"info":{}', '"info":{"body":"' + "A" * size + '"}')
    name, recs = _records(tmp_path, OVERLEAF + long + _EXPIRED)
    assert name == "sp-app"
    got = [(r.source.ref, r.code if hasattr(r, "code") else type(r).__name__) for r in recs]
    second = "signature-missing" if size < MAX_TEXT_LINE else "Malformed"
    assert got == [("line 1", "signature-missing"), ("line 2", second), ("line 3", "assertion-expired")]
    assert all(not isinstance(r, Malformed) or "larger than" in r.reason for r in recs)


def test_a_keycloak_json_record_over_a_mib_hides_no_record_after_it(tmp_path):
    event = KC_JSON_PAIR.splitlines()[1] + "\n"
    long = event.replace('error=\\"invalid_signature\\"', 'error=\\"invalid_signature\\", detail=\\"'
                         + "A" * 1_200_000 + '\\"')
    last = event.replace("192.0.2.1", "192.0.2.2")
    name, recs = _records(tmp_path, event + long + last)
    assert name == "keycloak"
    assert [(r.source.ref, type(r).__name__, getattr(r, "ip", None)) for r in recs] == [
        ("line 1", "LogEvent", "192.0.2.1"), ("line 2", "LogEvent", "192.0.2.1"), ("line 3", "LogEvent", "192.0.2.2")]


@pytest.mark.parametrize("level", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_a_json_level_not_a_finite_number_is_unknown(tmp_path, level):
    """Python's JSON parser takes NaN, Infinity and 1e400 (inf): int() of them raised, and the
    whole log was an internal error. Such a level is unknown (INFO): the record's failure, named
    by node-saml's frame, is still read."""
    doc = _check(tmp_path, OVERLEAF.replace('"level":50', f'"level":{level}'))
    assert doc["inputs"][0]["kind"] == "log:sp-app" and doc["inputs"][0]["status"] == "scanned"
    assert _attempts(doc) == [("failure", "signature-missing", "sp")]


def test_a_saml_message_in_any_field_of_a_json_record_is_read(tmp_path):
    """pino-http logs the request beside the message (`req.body.SAMLResponse`): only `msg` was
    searched, and the message the embedded-log reader found in the line was lost once the line was
    read as a JSON record."""
    import base64
    from pathlib import Path

    from samlscan.logs.base import EmbeddedSaml

    xml = (Path(__file__).resolve().parents[1] / "fixtures" / "responses" / "valid" / "okta.xml").read_bytes()
    pino = ('{"level":30,"time":1734948900000,"msg":"request completed","req":{"method":"POST","url":'
            '"/saml/login/callback","body":{"SAMLResponse":"' + base64.b64encode(xml).decode() + '"}}}\n')
    name, recs = _records(tmp_path, OVERLEAF + pino)
    assert name == "sp-app"
    assert [(r.source.ref, type(r).__name__) for r in recs] == [("line 1", "LogEvent"), ("line 2", "EmbeddedSaml")]
    assert isinstance(recs[1], EmbeddedSaml) and recs[1].time is not None
    doc = _check(tmp_path, OVERLEAF + pino)
    assert len(doc["messages"]) == 1 and doc["inputs"][0]["events"] == 1


NPM_BANNER = "\n> overleaf-web@0.1.4 start\n> node app.mjs\n\n"
"""What `docker logs` of a Node app started by `npm start` begins with (npm's lifecycle banner)."""


@pytest.mark.parametrize("before", [NPM_BANNER, "Listening on port 3000\n" + OVERLEAF.replace(
    "@node-saml/node-saml/lib/saml.js", "express/lib/router.js").replace("SAML.validatePostResponseAsync", "x")],
    ids=["npm-banner", "other-record-first"])
def test_a_json_log_after_other_lines_is_read(tmp_path, before):
    """The reader took a log for JSON only when its first line was: after npm's banner it read the
    records as text lines (none), and sniffing looked at them only when the head began with '{'.
    Each line is taken for what it is."""
    doc = _check(tmp_path, before + OVERLEAF + _EXPIRED)
    assert doc["inputs"][0]["kind"] == "log:sp-app"
    assert sorted(a[:2] for a in _attempts(doc)) == [("failure", "assertion-expired"), ("failure", "signature-missing")]


def test_text_and_json_records_of_one_log_are_both_read(tmp_path):
    text = ("2024-12-23T10:14:00.000Z ERROR 1 --- [main] o.s.s.s.p.s.OpenSaml4AuthenticationProvider : "
            "Invalid signature for object [id123]\n")
    name, recs = _records(tmp_path, text + OVERLEAF)
    assert name == "sp-app"
    assert [(r.source.ref, r.product, r.outcome) for r in recs] == [
        ("line 1", "spring", "failure"), ("line 2", "node-saml", "failure")]


def test_a_long_errors_array_is_read_in_bounded_time(tmp_path):
    """`todo[:0] = err` with `todo.pop(0)` was quadratic: 200,000 items in `errors` took seconds a
    record. The items visited are capped (the errors worth reading come first)."""
    import json
    import time

    from samlscan.logs import applog

    junk = ",".join(['{"code":1}'] * 200_000)
    record = OPENCTI_ERRORS.replace('}],"level"', "}," + junk + '],"level"', 1)
    assert record != OPENCTI_ERRORS
    obj = json.loads(record)
    start = time.process_time()
    assert applog._json_errors(obj) == ["UNKNOWN_ERROR: Invalid document signature", "Error: Invalid document signature"]
    assert time.process_time() - start < 0.5  # (was 7 s)
    _, recs = _records(tmp_path, record * 2, parser=applog.PARSER)  # (a line past the sniffed head)
    assert [(r.outcome, r.code) for r in recs] == [("failure", "signature-missing")] * 2
