"""Log lines and error texts as real products print them, third audit (Okta, Entra, AD FS,
python3-saml apps, Keycloak's server log): each excerpt is quoted from a public source named above
it (users, hosts, IDs and addresses replaced), and the test says what samlscan must report for it:
read at all, the product, the cause and the side."""
from __future__ import annotations

import json

import pytest

from samlscan.catalog import lookup, lookup_code
from test_real_log_shapes import _events  # (parser name, events) of a text read by its reader alone
from test_real_log_shapes_2 import _attempts, _check


# --- Keycloak: the SAML error line and the event line of one request are one attempt ----------

# keycloak/keycloak issue 9229 (WildFly console, Keycloak 15.1): SamlService refuses the client's
# redirect signature (the SP signs with a 4096-bit key, the client holds a 2048-bit certificate),
# its stack trace, then the LOGIN_ERROR the same worker thread writes 4 ms later. The first line's
# wording is SamlService's 'request validation failed: <exception>' (Infisical issue 1690).
KC_WILDFLY_PAIR = (
    "10:20:23,331 ERROR [org.keycloak.protocol.saml.SamlService] (default task-74) request validation failed: "
    "org.keycloak.common.VerificationException: java.security.SignatureException: Signature length not "
    "correct: got 512 but was expecting 256\n"
    "\tat org.keycloak.keycloak-services@15.1.0//org.keycloak.protocol.saml.SamlProtocolUtils.verifyRedirectSignature(SamlProtocolUtils.java:185)\n"
    "Caused by: java.security.SignatureException: Signature length not correct: got 512 but was expecting 256\n"
    "\tat java.base/sun.security.rsa.RSASignature.engineVerify(RSASignature.java:212)\n"
    "\t... 78 more\n"
    "\n"
    "10:20:23,335 WARN  [org.keycloak.events] (default task-74) type=LOGIN_ERROR, realmId=master, "
    "clientId=null, userId=null, ipAddress=192.0.2.1, error=invalid_signature\n"
)

# Infisical/infisical issue 1690 (Keycloak 24.0.2, Quarkus layout): an unsigned AuthnRequest to a
# client that requires signatures; the event line in 24's quoted layout (keycloak issue 35732).
KC_QUARKUS_PAIR = (
    "2024-04-16 10:00:00,000 ERROR [org.keycloak.protocol.saml.SamlService] (executor-thread-6) request "
    "validation failed: org.keycloak.common.VerificationException: SigAlg was null\n"
    '2024-04-16 10:00:00,002 WARN  [org.keycloak.events] (executor-thread-6) type="LOGIN_ERROR", '
    'realmId="3c1f9e2a-0000-4000-8000-000000000001", realmName="corp", clientId="https://app.example.com", '
    'userId="null", sessionId="null", ipAddress="192.0.2.1", error="invalid_signature"\n'
)


@pytest.mark.parametrize("text,cause", [(KC_WILDFLY_PAIR, "request-signature-invalid"),
                                        (KC_QUARKUS_PAIR, "request-signature-missing")])
def test_keycloak_saml_error_and_its_event_are_one_attempt(tmp_path, text, cause):
    doc = _check(tmp_path, text)
    assert doc["inputs"][0]["kind"] == "log:keycloak"
    assert _attempts(doc) == [("failure", cause, "sp")]  # was two attempts (the event's: request-invalid)
    assert len(doc["attempts"][0]["evidence"]) == 2


def test_keycloak_join_names_the_client_on_both_events(tmp_path):
    _, evs = _events(tmp_path, KC_QUARKUS_PAIR)
    assert [e.outcome for e in evs] == ["failure", "failure"]
    assert evs[0].correlation_id is not None and evs[0].correlation_id == evs[1].correlation_id
    assert evs[0].app == "https://app.example.com" and evs[0].ip == "192.0.2.1"


_ERR = ("2024-04-16 10:00:00,000 ERROR [org.keycloak.protocol.saml.SamlService] (executor-thread-6) "
        "request validation failed: org.keycloak.common.VerificationException: SigAlg was null\n")
_EVENT = ('{time} WARN  [org.keycloak.events] ({thread}) type="LOGIN_ERROR", realmId="corp", '
          'clientId="https://other.example.com", userId="null", ipAddress="198.51.100.9", error="{error}"\n')


@pytest.mark.parametrize("between,time,thread,error", [
    # the worker thread served another request in between (thread reuse)
    ("2024-04-16 10:00:00,100 INFO  [org.keycloak.services] (executor-thread-6) something else\n",
     "2024-04-16 10:00:00,200", "executor-thread-6", "invalid_signature"),
    ("", "2024-04-16 10:00:01,500", "executor-thread-6", "invalid_signature"),  # over a second later
    ("", "2024-04-16 10:00:00,002", "executor-thread-7", "invalid_signature"),  # another thread
    ("", "2024-04-16 10:00:00,002", "executor-thread-6", "invalid_user_credentials"),  # no SAML refusal
])
def test_keycloak_join_is_strict(tmp_path, between, time, thread, error):
    _, evs = _events(tmp_path, _ERR + between + _EVENT.format(time=time, thread=thread, error=error))
    fails = [e for e in evs if e.outcome == "failure"]
    assert len(fails) == 2 and fails[0].correlation_id is None and fails[1].correlation_id is None
    assert fails[1].code != "request-signature-missing"  # the event keeps its own cause


def test_keycloak_join_keeps_the_lines_in_order(tmp_path):
    other = ('2024-04-16 10:00:00,001 WARN  [org.keycloak.events] (executor-thread-9) type="LOGIN_ERROR", '
             'realmId="corp", clientId="x", userId="u1", ipAddress="203.0.113.5", error="invalid_user_credentials"\n')
    _, evs = _events(tmp_path, KC_QUARKUS_PAIR.replace("\n2024", "\n" + other + "2024", 1))
    assert [e.source.ref for e in evs] == ["line 1", "line 2", "line 3"]
    assert evs[0].correlation_id is not None and evs[0].correlation_id == evs[2].correlation_id
    assert evs[1].correlation_id is None


def test_keycloak_signature_length_text_is_a_wrong_sp_certificate():
    text = ("request validation failed: org.keycloak.common.VerificationException: java.security."
            "SignatureException: Signature length not correct: got 512 but was expecting 256")
    assert lookup(text, "keycloak").code == "request-signature-invalid"


# --- AD FS: Event Viewer's 'Copy Details as Text', and the MSIS texts of a missing ACS -----------

# TechNet wiki 3362 'AD FS 2.0: Sign-In Fails and Event 364 is Logged Showing
# Microsoft.IdentityServer.Protocols.Saml.NoAuthenticationContextException: MSIS7012' (AD FS 2.0
# layout: 'AD FS 2.0/Admin', values not aligned, no 'Description:' line)
ADFS2_364 = (
    "Log Name: AD FS 2.0/Admin\n"
    "Source: AD FS 2.0\n"
    "Date: 6/5/2011 1:32:58 PM\n"
    "Event ID: 364\n"
    "Task Category: None\n"
    "Level: Error\n"
    "Keywords: AD FS\n"
    "Encountered error during federation passive request.\n"
    "\n"
    "Additional Data\n"
    "\n"
    "Exception details:\n"
    "Microsoft.IdentityServer.Protocols.Saml.NoAuthenticationContextException: MSIS7012: An error occurred "
    "while processing the request. Contact your administrator for details.\n"
    "at Microsoft.IdentityServer.Web.FederationPassiveAuthentication.BuildSignInResponseForProtocolResponse("
    "FederationPassiveContext federationPassiveContext)\n"
)

# fangli/django-saml2-auth issue 148 (the event's text), under the header block of Event Viewer's
# copy as the MicrosoftDocs AD FS troubleshooting articles show it ('AD FS/Admin', aligned values).
ADFS_364_RP = (
    "Log Name:      AD FS/Admin\n"
    "Source:        AD FS\n"
    "Date:          9/23/2020 10:15:42 AM\n"
    "Event ID:      364\n"
    "Task Category: None\n"
    "Level:         Error\n"
    "Keywords:      AD FS\n"
    "User:          CORP\\svc-adfs\n"
    "Computer:      adfs01.corp.example.com\n"
    "Description:\n"
    "Encountered error during federation passive request. \n"
    "\n"
    "Additional Data \n"
    "\n"
    "Protocol Name: \n"
    "Saml \n"
    "\n"
    "Relying Party: \n"
    "https://sp.example.com/saml2_auth/acs/ \n"
    "\n"
    "Exception details: \n"
    "Microsoft.IdentityServer.Web.InvalidScopeException: MSIS7007: The requested relying party trust "
    "'https://sp.example.com/saml2_auth/acs/' is unspecified or unsupported. If a relying party trust was "
    "specified, it is possible that you do not have permission to access the trust relying party. Contact "
    "your administrator for details.\n"
    "   at Microsoft.IdentityServer.Web.Protocols.Saml.SamlSignInContext.ValidateCore()\n"
)


def test_adfs_event_viewer_text_copy_is_read(tmp_path):
    doc = _check(tmp_path, ADFS2_364)
    assert doc["inputs"][0]["kind"] == "log:adfs"  # was input-not-saml
    assert _attempts(doc) == [("failure", "idp-configuration-error", "idp")]  # not the bare 364
    _, evs = _events(tmp_path, ADFS2_364)
    assert "NoAuthenticationContextException: MSIS7012" in evs[0].text


def test_adfs_text_copy_names_the_relying_party_and_time(tmp_path):
    doc = _check(tmp_path, ADFS_364_RP)
    assert _attempts(doc) == [("failure", "app-not-found", "idp")]
    _, evs = _events(tmp_path, ADFS_364_RP + "\n" + ADFS2_364)  # two events pasted in a row
    assert [(e.app, e.time.month, e.time.day, e.time.hour) for e in evs] == [
        ("https://sp.example.com/saml2_auth/acs/", 9, 23, 10), (None, 6, 5, 13)]


def test_other_text_is_not_taken_for_an_adfs_event(tmp_path):
    text = "Log Name: Application\nSource: MyApp\nEvent ID: 364\nDescription:\nsomething\n"
    name, _ = _events(tmp_path, text)
    assert name != "adfs"


@pytest.mark.parametrize("text", [
    # simplesamlphp/simplesamlphp issue 1098 (event 364 exception details)
    "Microsoft.IdentityServer.Service.Policy.PolicyServer.Engine.MissingAssertionConsumerServicesPolicyException: "
    "MSIS3077: The AssertionConsumerServices property is not configured for relying party trust "
    "'http://sp.example.nl/saml/module.php/saml/sp/metadata.php/default-sp'.",
    # simplesamlphp/simplesamlphp issue 1667 (AD FS error page)
    "Error details: MSIS3200: No AssertionConsumerService is configured on the relying party trust "
    "'https://sp.example.nl/sp/metadata/default-sp' that is a prefix match of the AssertionConsumerService "
    "URL 'https://demo.sp.example.nl/module.php/saml/sp/assertionConsumerService/default-sp' specified by the request.",
    # redhook62/adfsmfa issue 60: the Italian error page; the MSIS code is the same in every language
    "Error details: MSIS3110: impossibile trovare un oggetto AssertionConsumerService configurato "
    "nell'attendibilità del componente 'http://adfs.example.com/adfs/services/trust' che corrisponda ai "
    "parametri della richiesta: AssertionConsumerServiceIndex=, AssertionConsumerServiceUrl='', ProtocolBinding=''.",
    # node-saml/passport-saml issue 371
    'The relying party "https://example.com/saml/consume" is not configured with SAML Assertion Consumer Services',
])
def test_adfs_missing_acs_texts_are_the_reply_url(text):
    entry = lookup(text, "adfs")
    assert entry is not None and entry.code == "reply-url-mismatch" and entry.side == "idp"
    assert "Assertion Consumer" in entry.fix


# --- Entra ID --------------------------------------------------------------------------------

# MicrosoftDocs/azure-docs issue 54937 (Slack, the Entra error page); getsentry/sentry-docs PR 3884:
# for a SAML app it is the Identifier (Entity ID) that does not match, e.g. a missing trailing slash.
AADSTS650056 = (
    "Sorry, but we’re having trouble signing you in.\n\n"
    "AADSTS650056: Misconfigured application. This could be due to one of the following: the client has not "
    "listed any permissions for 'AAD Graph' in the requested permissions in the client's application "
    "registration. Or, the admin has not consented in the tenant. Or, check the application identifier in the "
    "request to ensure it matches the configured client application identifier. Or, check the certificate in "
    "the request to ensure it's valid. Please contact your admin to fix the configuration or consent on behalf "
    "of the tenant. Client app ID: 00000000-0000-0000-0000-000000000000.")


def test_aadsts650056_is_the_identifier(tmp_path):
    entry = lookup(AADSTS650056)
    assert entry is not None and entry.code == "app-not-found" and "Identifier" in entry.fix
    assert lookup_code("entra", "650056") is entry
    # a sign-in log (Graph JSON) with that error code
    line = json.dumps({"id": "3f6c1d2e-0000-4000-8000-000000000001", "createdDateTime": "2021-06-17T13:51:10Z",
                       "userPrincipalName": "dev.user1@example.com", "appDisplayName": "Slack",
                       "ipAddress": "198.51.100.23", "correlationId": "a1b2c3d4-0000-4000-8000-000000000002",
                       "status": {"errorCode": 650056, "failureReason": "Misconfigured application."}})
    assert _attempts(_check(tmp_path, line + "\n", "signins.json")) == [("failure", "app-not-found", "idp")]


# --- Okta as SP (inbound federation): the System Log's texts ----------------------------------

@pytest.mark.parametrize("text,code", [
    # support.okta.com 'The digital signature in the SAML response did not validate with the
    # Identity Provider's certificate' (Entra as IdP, Okta as SP)
    ("The digital signature in the SAML response did not validate with the Identity Provider's certificate",
     "signature-cert-mismatch"),
    # support.okta.com 'Explanation of Suspicious Activity Events (Single Sign On)'
    ("A SAML Assertion with the same ID [id2864719340] has already been processed by Okta for a previous "
     "request.", "assertion-replayed"),
    ("Unable to validate SAML Response [ID=id98765] - 'InResponseTo=_a1b2c3' does not match the ID of a SAML "
     "authentication request sent from Okta.", "inresponseto-mismatch"),
])
def test_okta_inbound_saml_texts(text, code):
    entry = lookup(text, "okta")
    assert entry is not None and entry.product == "okta" and entry.code == code


# The event's shape: SEKOIA-IO/automation-library okta_modules tests (a real auth_via_IDP event);
# its failure as support.okta.com quotes it: 'Authenticate user via IDP FAILURE: Unable to
# validate incoming SAML Assertion'.
OKTA_VIA_IDP = json.dumps({
    "uuid": "7a353625-99c9-435b-a4b6-b1137a5e6edb",
    "actor": {"id": "2pHxMaUZr2yoej9R2Lsf4", "type": "SystemPrincipal", "alternateId": "system@okta.com",
              "displayName": "Okta System"},
    "client": {"zone": "null", "device": "Computer", "ipAddress": "203.0.113.4"},
    "target": [{"id": "kdYO9RZnIHNhV6vii333b", "type": "AppInstance", "alternateId": "Org2org",
                "displayName": "SAML 2.0 IdP"},
               {"id": "eWiaLPtSTpjyy1BIwNFXg", "type": "User", "alternateId": "john.doe@example.org",
                "displayName": "John Doe"}],
    "outcome": {"reason": "Unable to validate incoming SAML Assertion", "result": "FAILURE"},
    "severity": "WARN", "eventType": "user.authentication.auth_via_IDP",
    "published": "2022-11-15T08:04:22.213Z", "transaction": {"id": "jI80snAs0ZMym5tvc8Jbp", "type": "WEB"},
    "displayMessage": "Authenticate user via IDP", "legacyEventType": "core.user_auth.idp.saml.login_failed",
}) + "\n"


def test_okta_inbound_assertion_refusal_is_a_failure_that_says_why_not(tmp_path):
    name, evs = _events(tmp_path, OKTA_VIA_IDP, "okta.json")
    assert name == "okta"
    assert [(e.outcome, e.code, e.app) for e in evs] == [("failure", "unknown-failure", "SAML 2.0 IdP")]
    entry = lookup("Authenticate user via IDP: Unable to validate incoming SAML Assertion", "okta")
    assert entry.pattern == "Unable to validate incoming SAML Assertion"  # explained, not the bare event type


# --- python3-saml behind python-social-auth (Zulip) -------------------------------------------

# SAML-Toolkits/python3-saml issue 83 (Zulip 5.1 behind a load balancer): social-core logs
# get_errors() and get_last_error_reason() at INFO.
ZULIP = ("2022-04-04 18:42:44.864 INFO [zulip.auth.saml] AuthFailed: Authentication failed: SAML login "
         "failed: ['invalid_response'] (The response was received at https://chat.example.com:80/complete/saml/ "
         "instead of https://chat.example.com/complete/saml/)\n")


def test_python3_saml_errors_list_at_info_is_read(tmp_path):
    doc = _check(tmp_path, ZULIP)
    assert doc["inputs"][0]["kind"] == "log:sp-app"  # was input-not-saml
    assert _attempts(doc) == [("failure", "destination-mismatch", "sp")]
    _, evs = _events(tmp_path, ZULIP)
    assert [e.product for e in evs] == ["python3-saml"]


def test_a_plain_info_line_stays_unread(tmp_path):
    text = ("2022-04-04 18:42:44.864 INFO [zulip.auth.saml] Redirecting to the SAML IdP\n"
            "2022-04-04 18:42:45.001 INFO [zulip.auth] AuthFailed: ['invalid_response']\n")
    name, evs = _events(tmp_path, text)
    assert name != "sp-app" or not [e for e in evs if e.outcome == "failure"]


def test_a_refused_request_without_its_event_line_is_handed_out_soon(tmp_path):
    """Errors of SamlService with no events line after them (events logged elsewhere) wait at most
    _JOIN_LINES lines each: the reader does not hold every record to the end of the log."""
    from datetime import timezone

    from samlscan.logs import keycloak

    consumed = [0]

    def lines(n):
        no = 0
        for i in range(n):
            for j in range(150):
                no += 1
                consumed[0] = no
                t = (i * 150 + j) // 10
                ts = f"2025-03-11 {8 + t // 3600 % 10:02d}:{t // 60 % 60:02d}:{t % 60:02d},{j * 6 % 1000:03d}"
                if j == 0:
                    yield no, (f"{ts} WARN  [org.keycloak.protocol.saml.SamlService] (executor-thread-{i % 7}) "
                               "request validation failed: org.keycloak.common.VerificationException: "
                               "Invalid signature on document")
                else:
                    yield no, f"{ts} INFO  [org.keycloak.services] (executor-thread-{i % 7 + 10}) other {j}"

    records = keycloak.KeycloakParser().parse(lines(100), "server.log", timezone.utc)
    next(records)
    assert consumed[0] <= 2 * 150 + keycloak._JOIN_LINES
    assert 1 + sum(1 for _ in records) == 100
