"""The error catalog: well formed, and every message recognised from realistic pasted text."""
from __future__ import annotations

import re
import time

import pytest

from samlscan import catalog
from samlscan.catalog import CatalogEntry, entries, lookup, lookup_code
from samlscan.codes import SPECS

ENTRIES = entries()
SQ_OLD = "2023.06.02 14:05:19 ERROR web[AYh3kLm9QzR2xP0wAAAx][c.o.s.a.SamlResponse] "
SQ_NEW = ("2025.03.11 09:41:07 WARN  web[7c1e2a90-4b7d-4c11-9d0e-2f6a5b3c8e01][o.s.s.a.AuthenticationError] "
          "Fail to callback authentication with 'saml'\n"
          "org.springframework.security.saml2.provider.service.authentication.Saml2AuthenticationException: ")
PY_LOG = "[2025-03-11 08:41:02,117] ERROR in views: SAML errors ['invalid_response'], reason: "

# Realistic values for the placeholders of the patterns, by placeholder name.
VALUES = {
    "spEntityId": "https://sonar.example.com/saml2", "idpEntityId": "https://sts.windows.net/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/",
    "issuer": "http://www.okta.com/exk7sonarEXAMPLE", "currentUrl": "http://10.0.0.12:9000/oauth2/callback/saml",
    "destination": "https://sonar.example.com/oauth2/callback/saml", "statusCode": "urn:oasis:names:tc:SAML:2.0:status:Responder",
    "inResponseTo": "ONELOGIN_4fee3b046395c4e751011e97f8900b5273d56685", "requestId": "ONELOGIN_809707f0030a5d00620c9d9df97f627afe9dcc24",
    "responseId": "_8f2c41d0e5", "assertionId": "_a7c1e0f9b2d34e5f", "id": "_8f2c41d0e5", "element": "{urn:oasis:names:tc:SAML:2.0:assertion}Subject",
    "time": "2025-03-11T08:46:02.000Z", "email": "dev.user1@example.com", "provider": "saml",
    "attributeName": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name", "attrName": "Name",
    "algorithm": "http://www.w3.org/2000/09/xmldsig#rsa-sha1", "used": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password",
    "requested": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport", "uri": "https://sonar.example.com/oauth2/callback/saml",
    "identifier": "https://sonar.example.com/saml2", "tenant": "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
    "user": "dev.user1@example.com", "app": "SonarQube", "appId": "a1b2c3d4-0000-4000-8000-0123456789ab",
    "property": "sonar.auth.saml.user.email", "attribute": "mail", "groups": "[sonar-users, developers]",
    "rp": "https://sonar.example.com/saml2", "n": "6", "s": "11", "path": "/adfs/ls/", "sp": "https://sonar.example.com/saml2",
    "audiences": "[https://sonarqube.example.com/saml2]", "recipient": "https://sonar.example.com/saml2/acs",
    "url": "https://sonar.example.com/oauth2/callback/saml", "base64": "PHNhbWxwOlJlc3BvbnNlIHhtbG5zOnNhbWxwPQ==",
    "detail": "org.opensaml.xmlsec.signature.support.SignatureException: Reference URI did not point to parent ID",
    "condition": "{urn:oasis:names:tc:SAML:2.0:assertion}AudienceRestriction", "type": "null", "errors": "[invalid_assertion]",
    "param": "user.mail", "param2": "x",
}
PLACEHOLDER = re.compile(r"<([A-Za-z][A-Za-z0-9_ .:/-]{0,40})>")


def fill(pattern: str) -> str:
    return PLACEHOLDER.sub(lambda m: VALUES.get(m.group(1), "x-" + m.group(1)), pattern)


def _free_text(e: CatalogEntry) -> bool:
    """Bare short codes ('f', '364') are only recognised alone, by design."""
    return not (e.pattern.strip() == e.id and not catalog._TOKEN_ID.match(e.id))


def _eid(e: CatalogEntry) -> str:
    return f"{e.product}:{e.id}:{e.pattern[:40]}"


# --- well formed -----------------------------------------------------------------------------


def test_every_code_exists_in_codes_py():
    unknown = [(e.product, e.id, e.code) for e in ENTRIES if e.code not in SPECS]
    assert unknown == []


def test_no_duplicate_product_id_pattern():
    keys = [(e.product, e.id, e.pattern) for e in ENTRIES]
    assert len(keys) == len(set(keys))


def test_entries_are_complete():
    for e in ENTRIES:
        assert e.product in catalog.PRODUCTS, e
        assert e.pattern.strip() and e.explanation.strip(), e
        assert e.side in (None, "idp", "sp", "user", "network"), e


def test_coverage_of_required_sources():
    ids = {(e.product, e.id) for e in ENTRIES}
    java_nums = {a for e in ENTRIES if e.product == "java-saml" for a in e.aliases if a.isdigit()}
    assert {str(n) for n in range(50)} <= java_nums
    spring = {i for p, i in ids if p == "spring"}
    assert {"invalid_response", "invalid_in_response_to", "invalid_destination", "invalid_issuer", "malformed_response_data",
            "invalid_signature", "invalid_assertion", "subject_not_found", "decryption_error", "internal_validation_error",
            "username_not_found", "relying_party_registration_not_found", "unknown_response_class"} <= spring
    assert len({i for p, i in ids if p == "entra"}) >= 25


# --- every entry is recognised ---------------------------------------------------------------


@pytest.mark.parametrize("entry", [e for e in ENTRIES if _free_text(e)], ids=_eid)
def test_every_pattern_recognised_in_a_log_line(entry):
    text = "2025-03-11 08:41:02,551 ERROR [saml] " + fill(entry.pattern) + " (request 7c1e2a90)"
    assert lookup(text, product=entry.product) == entry


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.id], ids=_eid)
def test_every_id_found_alone_with_its_product(entry):
    found = lookup(entry.id, product=entry.product)
    assert found is not None and found.product == entry.product and found.id == entry.id


# --- realistic pasted texts -------------------------------------------------------------------

REALISTIC = [
    # java-saml, as SonarQube <= 10.x logs them
    ("js-audience", SQ_OLD + "https://sonar.example.com/saml2 is not a valid audience for this Response", None, "java-saml", "WRONG_AUDIENCE"),
    ("js-destination", SQ_OLD + "The response was received at http://sonar.example.com/oauth2/callback/saml instead of https://sonar.example.com/oauth2/callback/saml", None, "java-saml", "WRONG_DESTINATION"),
    ("js-issuer", SQ_OLD + "Invalid issuer in the Assertion/Response. Was 'https://sts.windows.net/0f1e2d3c/', but expected 'https://sts.windows.net/9a8b7c6d/'", None, "java-saml", "WRONG_ISSUER"),
    ("js-signature", SQ_OLD + "Signature validation failed. SAML Response rejected", None, "java-saml", "INVALID_SIGNATURE"),
    ("js-expired", SQ_OLD + "Could not validate timestamp: expired. Check system clock.", None, "java-saml", "ASSERTION_EXPIRED"),
    ("js-early", SQ_OLD + "Could not validate timestamp: not yet valid. Check system clock.", None, "java-saml", "ASSERTION_TOO_EARLY"),
    # the IdP's StatusMessage quoted in the status line names the cause (the user is not assigned)
    ("js-status", SQ_OLD + "The status code of the Response was not Success, was urn:oasis:names:tc:SAML:2.0:status:Responder -> AADSTS50105: not assigned", None, "entra", "AADSTS50105"),
    ("js-status-plain", SQ_OLD + "The status code of the Response was not Success, was urn:oasis:names:tc:SAML:2.0:status:Responder", None, "java-saml", "STATUS_CODE_IS_NOT_SUCCESS"),
    ("js-sc-recipient", SQ_OLD + "A valid SubjectConfirmation was not found on this Response: SubjectConfirmationData doesn't match a valid Recipient", None, "java-saml", "WRONG_SUBJECTCONFIRMATION"),
    ("js-sc-multi", "A valid SubjectConfirmation was not found on this Response: \n[0] SubjectConfirmationData is no longer valid, \n[1] SubjectConfirmationData doesn't contain a Recipient", "java-saml", "java-saml", "WRONG_SUBJECTCONFIRMATION"),
    ("js-auth-error", "2023.06.02 14:05:19 ERROR web[AYh3kLm9QzR2xP0wAAAx][c.o.saml2.Auth] processResponse error. invalid_response", None, "java-saml", "invalid_response"),
    ("js-no-key", SQ_OLD + "No private key available for decrypt, check settings", None, "java-saml", "PRIVATE_KEY_NOT_FOUND"),
    ("js-binding", "com.onelogin.saml2.exception.Error: SAML Response not found, Only supported HTTP_POST Binding", None, "java-saml", "SAML_RESPONSE_NOT_FOUND"),
    ("js-not-signed", SQ_OLD + "The Assertion of the Response is not signed and the SP requires it", None, "java-saml", "NO_SIGNED_ASSERTION"),
    ("js-sonar-cause", "login failure [cause|No Signature found. SAML Response rejected][method|OAUTH2][provider|EXTERNAL|Corp SSO][IP|10.20.0.5|198.51.100.23][login|]", "sonarqube", "java-saml", "NO_SIGNATURE_FOUND"),
    # python3-saml, as a Django/Flask app logs get_last_error_reason()
    ("py-issuer", PY_LOG + "Invalid issuer in the Assertion/Response (expected https://idp.example.org/idp/shibboleth, got https://idp2.example.org/idp/shibboleth)", None, "python3-saml", "WRONG_ISSUER"),
    ("py-status", PY_LOG + "The status code of the Response was not Success, was Responder -> Unable to encrypt assertion", "python3-saml", "python3-saml", "STATUS_CODE_IS_NOT_SUCCESS"),
    ("py-require", PY_LOG + "The Assertion of the Response is not signed and the SP require it", None, "python3-saml", "NO_SIGNED_ASSERTION"),
    ("py-sic", PY_LOG + "The SPNameQualifier value mistmatch the SP entityID value.", "python3-saml", "python3-saml", "SP_NAME_QUALIFIER_NAME_MISMATCH"),
    ("py-nameid", PY_LOG + "NameID not found in the assertion of the Response", None, "python3-saml", "NO_NAMEID"),
    ("py-deprecated", PY_LOG + "Deprecated signature algorithm found: http://www.w3.org/2000/09/xmldsig#rsa-sha1", None, "python3-saml", "DEPRECATED_SIGNATURE_METHOD"),
    ("py-authn-context", PY_LOG + 'The AuthnContext "urn:oasis:names:tc:SAML:2.0:ac:classes:Password" was not a requested context "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"', None, "python3-saml", "AUTHN_CONTEXT_MISMATCH"),
    ("py-no-attrs", PY_LOG + "There is no AttributeStatement on the Response", None, "python3-saml", "NO_ATTRIBUTESTATEMENT"),
    ("py-preferred", "Signature validation failed. SAML Response rejected", "python3-saml", "python3-saml", "INVALID_SIGNATURE"),
    # Spring Security / OpenSAML, as SonarQube 2025.1+ logs them
    ("sp-destination", SQ_NEW + "Invalid destination [https://sonarqube.example.com/oauth2/callback/saml] for SAML response [_8f2c41d0e5]", "sonarqube", "spring", "invalid_destination"),
    ("sp-issuer", SQ_NEW + "Invalid issuer [http://www.okta.com/exk7sonarEXAMPLE] for SAML response [_8f2c41d0e5]", "sonarqube", "spring", "invalid_issuer"),
    ("sp-status", SQ_NEW + "Invalid status [urn:oasis:names:tc:SAML:2.0:status:Requester] for SAML response [_8f2c41d0e5]", None, "spring", "invalid_response"),
    ("sp-unsigned", SQ_NEW + "Either the response or one of the assertions is unsigned. Please either sign the response or all of the assertions.", None, "spring", "invalid_signature"),
    ("sp-bad-sig", SQ_NEW + "Invalid signature for object [_8f2c41d0e5]", None, "spring", "invalid_signature"),
    ("sp-decrypt", SQ_NEW + "Did not decrypt response [_8f2c41d0e5] since it is not signed", None, "spring", "invalid_signature"),
    ("sp-no-assert", SQ_NEW + "No assertions found in response.", None, "spring", "malformed_response_data"),
    ("sp-subject", SQ_NEW + "Assertion [_a7c1e0f9b2d34e5f] is missing a subject", None, "spring", "subject_not_found"),
    ("sp-irt", "The response contained an InResponseTo attribute [ARQ1f2e3d] but no saved authentication request was found", None, "spring", "invalid_in_response_to"),
    ("os-audience", SQ_NEW + "Invalid assertion [_a1] for SAML response [_r1]: Condition '{urn:oasis:names:tc:SAML:2.0:assertion}AudienceRestriction' of type 'null' in assertion '_a1' was not valid.: None of the audiences within Assertion '_a1' matched the list of valid audiances", "sonarqube", "opensaml", "AudienceRestriction"),
    ("os-expired", SQ_NEW + "Invalid assertion [_a1] for SAML response [_r1]: Assertion '_a1' with NotOnOrAfter condition of '2025-03-11T08:46:02Z' is no longer valid", "spring", "opensaml", None),
    # SonarQube's own messages
    ("sq-oauthstate", "2025.03.11 09:52:40 DEBUG web[0b9d8e6f][auth.event] login failure [cause|Cookie 'OAUTHSTATE' is missing][method|OAUTH2][provider|EXTERNAL|SAML][IP|10.20.0.5|203.0.113.77][login|]", "sonarqube", "sonarqube", "OAUTHSTATE"),
    ("sq-email", "login failure [cause|Email 'dev.user1@example.com' is already used][method|OAUTH2]", "sonarqube", "sonarqube", None),
    ("sq-attr", SQ_NEW.split("\n")[0] + "\njava.lang.IllegalStateException: http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name is missing", "sonarqube", "sonarqube", None),
    ("sq-replay", "Saml2AuthenticationException: [response_id_already_used] A message with the same ID was already processed", None, "sonarqube", "response_id_already_used"),
    # IdP logs
    ("okta-unassigned", '{"eventType":"app.generic.unauth_app_access_attempt","actor":{"alternateId":"contractor7@example.com"},"outcome":{"result":"FAILURE"}}', "okta", "okta", "app.generic.unauth_app_access_attempt"),
    ("kc-redirect", '2025-03-11 09:40:58,117 WARN  [org.keycloak.events] (executor-thread-14) type="LOGIN_ERROR", realmId="3c1f9e2a", clientId="https://sonar.example.com/saml2", userId="null", ipAddress="203.0.113.77", error="invalid_redirect_uri"', "keycloak", "keycloak", "invalid_redirect_uri"),
    ("kc-password", "09:12:44,503 WARN  [org.keycloak.events] (default task-7) type=LOGIN_ERROR, realmId=corp, clientId=sonarqube, error=invalid_user_credentials, auth_method=saml", "keycloak", "keycloak", "invalid_user_credentials"),
    ("google-sp-id", '{"events":[{"type":"login","name":"login_failure","parameters":[{"name":"failure_type","value":"failure_invalid_sp_id"}]}]}', None, "google", "failure_invalid_sp_id"),
    ("auth0-nameid", '{"type":"f","description":"invalid_request: No attribute was found to generate the nameIdentifier.","client_name":"SonarQube"}', "auth0", "auth0", "f"),
    ("ssp-audience", "Mar 11 09:41:02 simplesamlphp ERROR [a91c3e07f2] This SP [https://sp.example.com/sp]  is not a valid audience for the assertion. Candidates were: [https://other.example.com]", None, "simplesamlphp", None),
]


@pytest.mark.parametrize("text,product,want_product,want_id", [r[1:] for r in REALISTIC], ids=[r[0] for r in REALISTIC])
def test_realistic_pasted_text(text, product, want_product, want_id):
    found = lookup(text, product=product)
    assert found is not None
    assert found.product == want_product
    if want_id is not None:
        assert found.id == want_id


AADSTS = [
    (50011, "The reply URL specified in the request does not match the reply URLs configured for the application: 'https://sonar.example.com/saml2'.", "reply-url-mismatch"),
    (700016, "Application with identifier 'https://sonar.example.com/saml2' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant.", "app-not-found"),
    (65005, "The app required resource access list does not contain apps discoverable by the resource.", "app-not-found"),
    (50105, "Your administrator has configured the application SonarQube ('a1b2c3d4-0000-4000-8000-0123456789ab') to block users unless they are specifically granted ('assigned') access to the application.", "user-not-assigned"),
    (50003, "Sign-in failed because of a missing signing key or certificate.", "idp-configuration-error"),
    (50146, "This app is required to be configured with an app-specific signing key.", "idp-configuration-error"),
    (50006, "Signature verification failed because of an invalid signature.", "request-invalid"),
    (50008, "SAML assertion is missing or misconfigured in the token.", "idp-configuration-error"),
    (50013, "Assertion is invalid because of various reasons.", "idp-configuration-error"),
    (50010, "Audience URI validation for the app failed since no token audiences were configured.", "idp-configuration-error"),
    (75005, "Microsoft Entra doesn't support the SAML request sent by the app for SSO.", "request-invalid"),
    (7500514, "A supported type of SAML response was not found.", "request-invalid"),
    (75008, "The request from the app was denied since the SAML request had an unexpected destination.", "request-invalid"),
    (75011, "The authentication method by which the user authenticated with the service doesn't match requested authentication method 'Password, ProtectedTransport'.", "request-invalid"),
    (75016, "SAML2 Authentication Request has invalid NameIdPolicy.", "request-invalid"),
    (75003, "The app returned an error related to unsupported binding.", "request-invalid"),
    (750054, "SAMLRequest or SAMLResponse must be present as query string parameters in HTTP request for SAML Redirect binding.", "request-invalid"),
    (7500529, "The value '1e2d3c4b' is not a valid SAML ID. The ID must not begin with a number.", "request-invalid"),
    (50034, "To sign into this application, the account must be added to the directory.", "idp-authentication-failed"),
    (51004, "The user account dev.user1@example.com does not exist in the directory.", "idp-authentication-failed"),
    (50057, "The user account is disabled.", "idp-authentication-failed"),
    (50126, "Error validating credentials due to invalid username or password.", "idp-authentication-failed"),
    (50076, "Due to a configuration change made by your administrator, you must use multi-factor authentication to access 'SonarQube'.", "idp-authentication-failed"),
    (50079, "Due to a configuration change made by your administrator, you are required to enroll in multi-factor authentication.", "idp-authentication-failed"),
    (50074, "Strong Authentication is required.", "idp-authentication-failed"),
    (53003, "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.", "idp-authentication-failed"),
    (50058, "A silent sign-in request was sent but no user is signed in.", "idp-authentication-failed"),
]


@pytest.mark.parametrize("num,message,code", AADSTS, ids=[f"AADSTS{a[0]}" for a in AADSTS])
def test_aadsts_error_page(num, message, code):
    page = (f"Sorry, but we're having trouble signing you in.\n\nAADSTS{num}: {message}\n"
            "Request Id: 3f6c1d2e-8a7b-4c5d-9e0f-1a2b3c4d5e6f\nCorrelation Id: a1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d\n"
            "Timestamp: 2025-03-11T08:41:03Z")
    found = lookup(page)
    assert found is not None and found.id == f"AADSTS{num}" and found.code == code
    assert lookup(f"AADSTS{num}").id == f"AADSTS{num}"
    assert lookup_code("entra", str(num)).id == f"AADSTS{num}"


@pytest.mark.parametrize("code", sorted({e.id for e in ENTRIES if e.product == "spring" and e.id}))
def test_spring_code_alone(code):
    found = lookup(code)
    assert found.product == "spring" and found.id == code


# --- things that must not match -------------------------------------------------------------

NOISE = [
    "203.0.113.77 - - [11/Mar/2025:08:41:02 +0000] \"GET /api/system/status HTTP/1.1\" 200 57 \"-\" \"curl/8.5.0\"",
    "2025.03.11 09:40:00 INFO  web[][o.s.p.ProcessEntryPoint] Web Server is operational",
    "2025-03-11T08:40:01.002Z INFO  [main] o.s.b.w.e.tomcat.TomcatWebServer: Tomcat started on port(s): 8080 (http)",
    "Mar 11 09:41:02 host systemd[1]: Started Daily apt download activities.",
    "[GC (Allocation Failure)  524288K->12345K(2010112K), 0.0123456 secs]",
    "2025-03-11 09:40:58,117 INFO  [org.keycloak.events] type=LOGIN, realmId=corp, clientId=sonarqube, userId=9a8b7c6d",
    "2025.03.11 09:41:07 DEBUG web[0b9d8e6f][auth.event] login success [method|OAUTH2][provider|EXTERNAL|SAML][IP|10.20.0.5|][login|devuser1]",
    "The quick brown fox jumps over the lazy dog",
    "f", "364", "26", "   ", "AADSTS", "invalid", "Login page rendered for user dev.user1",
    '{"eventType":"user.lifecycle.activate","outcome":{"result":"SUCCESS"}}',
]


@pytest.mark.parametrize("text", NOISE, ids=[f"noise{i}" for i in range(len(NOISE))])
def test_noise_matches_nothing(text):
    assert lookup(text) is None


def test_numbers_need_their_product():
    assert lookup("26") is None
    assert lookup("26", product="java-saml").id == "WRONG_AUDIENCE"
    assert lookup("364", product="adfs").id == "364"


@pytest.mark.parametrize("value", [None, b"Signature validation failed. SAML Response rejected", "", 42, b"\xff\xfe\x00"])
def test_bad_input_never_raises(value):
    result = lookup(value)  # type: ignore[arg-type]
    assert result is None or isinstance(result, CatalogEntry)
    assert lookup_code("entra", value) is None or isinstance(lookup_code("entra", value), CatalogEntry)  # type: ignore[arg-type]


# --- lookup_code ------------------------------------------------------------------------------


@pytest.mark.parametrize("product,raw,want_id,want_code", [
    ("java-saml", "26", "WRONG_AUDIENCE", "audience-mismatch"),
    ("java-saml", "WRONG_AUDIENCE", "WRONG_AUDIENCE", "audience-mismatch"),
    ("python3-saml", "46", "DEPRECATED_SIGNATURE_METHOD", "signature-weak-algorithm"),
    ("java-saml", "46", "NOT_SUPPORTED", "idp-configuration-error"),
    ("entra", "AADSTS50011", "AADSTS50011", "reply-url-mismatch"),
    ("entra", "InvalidReplyTo", "AADSTS50011", "reply-url-mismatch"),
    ("keycloak", "invalid_redirect_uri", "invalid_redirect_uri", "reply-url-mismatch"),
    ("google", "failure_app_not_configured_for_user", "failure_app_not_configured_for_user", "app-not-found"),
    ("okta", "app.generic.unauth_app_access_attempt", "app.generic.unauth_app_access_attempt", "user-not-assigned"),
    ("auth0", "fp", "fp", "idp-authentication-failed"),
    ("adfs", "1203", "1203", "idp-authentication-failed"),
    ("spring", "invalid_signature", "invalid_signature", "signature-invalid"),
])
def test_lookup_code(product, raw, want_id, want_code):
    found = lookup_code(product, raw)
    assert found is not None and found.id == want_id and found.code == want_code


@pytest.mark.parametrize("product,raw", [("entra", "12345678"), ("java-saml", "99"), ("okta", "50011"), ("nosuch", "26")])
def test_lookup_code_unknown(product, raw):
    assert lookup_code(product, raw) is None


def test_lookup_is_fast_on_non_matching_lines():
    line = "2025.03.11 09:41:07 INFO  web[7c1e2a90][o.s.s.p.ProcessEntryPoint] request /api/issues/search took 12ms"
    start = time.process_time()
    for i in range(3000):
        lookup(line + str(i))
    assert time.process_time() - start < 1.5


def test_a_pattern_is_compiled_only_when_a_text_holds_its_keyword():
    """Every process of a scan builds the index: compiling all ~800 patterns took 0.5 s of it."""
    from samlscan import catalog

    idx = catalog._index.__wrapped__()  # (a new index: the shared one holds earlier tests' compiles)
    text = ("AADSTS50011: The reply URL specified in the request does not match the reply URLs configured for "
            "the application: 'a1b2'")
    assert idx.compiled[-max(catalog._ranked(text, idx, None))[-1]].entry.id == "AADSTS50011"
    compiled = [c for c in idx.compiled if "regex" in vars(c)]
    assert 0 < len(compiled) < len(idx.compiled) / 10
    assert all(c.keyword in catalog._norm(text) for c in compiled if c.pieces)


def test_a_code_shared_by_several_entries_means_the_entry_for_the_code_itself():
    from samlscan import catalog

    shared = [e for e in ENTRIES if e.product == "auth0" and e.id == "f"]
    assert len(shared) > 1  # the bare code, and descriptions filed under it
    assert catalog.lookup_code("auth0", "f").pattern.strip() == "f"
    specific = next(e for e in shared if e.pattern.strip() != "f")
    assert catalog.lookup(specific.pattern, "auth0").code == specific.code


def test_keyword_automaton_and_plain_loop_find_the_same_entries():
    """The Aho-Corasick keyword pass is an optimisation: the loop over every keyword (used when
    ahocorasick_rs is missing) must rank the same entries for every pattern and realistic text."""
    idx = catalog._index()
    assert idx.keyword_finder is not None
    plain = catalog._Index(idx.compiled, idx.prefilter, idx.token_re, idx.by_token, idx.by_name)
    texts = [fill(e.pattern) for e in ENTRIES if _free_text(e)] + [r[1] for r in REALISTIC]
    texts += ["Reference URI did not point to parent ID and the audience is invalid", "nothing here"]
    hits = 0
    for text in texts:
        for product in (None, "sonarqube", "entra"):
            fast = catalog._pattern_matches(text, idx, product)
            assert fast == catalog._pattern_matches(text, plain, product), text
            hits += bool(fast)
    assert hits > len(texts)  # the comparison covered real matches, not only misses


@pytest.mark.parametrize("text", [
    # auth0.com/docs/troubleshoot/authentication-issues/saml-errors, as Auth0 shows them
    '{"error": "invalid_request", "error_description": "the connection was disabled"}',
    '{"invalid_request": "Default App for IdP-Initiated is not configured. Make sure to configure that '
    'from connection settings or include client_id in RelayState parameter."}',
])
def test_auth0_saml_connection_errors(text):
    hit = lookup(text)
    assert hit is not None and (hit.product, hit.code) == ("auth0", "idp-configuration-error") and hit.fix
    assert lookup("invalid_request") is None  # OAuth's generic error names no one cause


GOOGLE_ACS = ("Invalid request, ACS Url in request https://sonar.example.com/oauth2/callback/saml doesn't match "
              "configured ACS Url https://sonar.example.com/saml.")


@pytest.mark.parametrize("text", [
    GOOGLE_ACS,  # Google's StatusMessage (asasmoyo/yii2-saml issue 4 quotes it through php-saml)
    "The status code of the Response was not Success, was Requester->" + GOOGLE_ACS,  # java-saml, php-saml
    "The status code of the Response was not Success, was urn:oasis:names:tc:SAML:2.0:status:Requester -> "
    + GOOGLE_ACS,
])
def test_a_status_message_inside_a_status_line_names_the_cause(text):
    """The SP's status line wraps the IdP's StatusMessage: what the message says wins."""
    for product in (None, "sonarqube", "java-saml", "python3-saml"):
        hit = lookup(text, product)
        assert (hit.product, hit.code) == ("google", "reply-url-mismatch"), product


def test_a_status_line_without_a_known_message_stays_status_not_success():
    for text in ("The status code of the Response was not Success, was urn:oasis:names:tc:SAML:2.0:status:Responder",
                 "The status code of the Response was not Success, was Responder -> Contact your administrator",
                 # an SP library's own words quoted back by the IdP are no refusal of the SP's
                 "The status code of the Response was not Success, was Requester -> Failed to verify signature "
                 "on the AuthnRequest",
                 "The status code of the Response was not Success, was Requester -> Invalid issuer in the "
                 "Assertion/Response"):
        assert lookup(text, "sonarqube").code == "status-not-success", text


@pytest.mark.parametrize("message, code", [
    ("AADSTS75011: Authentication method 'X509, MultiFactor' by which the user authenticated with the service "
     "doesn't match requested authentication method 'Password, ProtectedTransport'.", "request-invalid"),
    ("AADSTS50105: The signed in user 'u@example.com' is not assigned to a role for the application.",
     "user-not-assigned"),
])
def test_an_entra_status_message_inside_a_status_line_names_the_cause(message, code):
    for wrapped in (f"The status code of the Response was not Success, was urn:oasis:names:tc:SAML:2.0:status:"
                    f"Requester -> {message}", f"The status code of the Response was not Success, was Requester->{message}"):
        hit = lookup(wrapped, "sonarqube")
        assert (hit.product, hit.code) == ("entra", code)


@pytest.mark.parametrize("message, product, code", [
    ("Passive authentication not supported.", "simplesamlphp", "idp-authentication-failed"),  # SimpleSAMLphp as IdP
    ("Request was not signed correctly", "pysaml2", "request-signature-invalid"),  # pysaml2 as IdP
])
def test_a_status_message_of_an_idp_that_is_also_an_sp_library_names_its_cause(message, product, code):
    hit = lookup(f"The status code of the Response was not Success, was Responder -> {message}", "sonarqube")
    assert (hit.product, hit.code) == (product, code)


@pytest.mark.parametrize("text, product", [
    ("Invalid requester.", "keycloak"), ("Error: LOCKED_OUT", "okta"), ("user is blocked", "auth0"),
    ("Okta: INVALID_CREDENTIALS for user x", "okta"), ("AADSTS50011", "entra"),
    # the shapes a review found no longer explained: the code first, a label of a few words, the
    # code as an error's value, SimpleSAMLphp's exception with its status after the placeholder
    ("LOCKED_OUT: The user account is locked", "okta"), ("Okta error: LOCKED_OUT", "okta"),
    ("Failure reason: INVALID_CREDENTIALS", "okta"), ("type=LOGIN_ERROR, error=user_not_found", "keycloak"),
    ('{"error":"access_denied","error_description":"user is blocked"}', None),
    ("sspmod_saml_Error: Responder/AuthnFailed", "simplesamlphp"),
])
def test_a_short_error_pasted_alone_is_explained(text, product):
    """A one-line error is the error itself: a short pattern or a code in it names it (a word of
    a longer text, such as a CSV header, does not)."""
    hit = catalog.lookup_error(text)
    assert hit is not None and product in (None, hit.product), text


@pytest.mark.parametrize("text", [
    "id,email,user_disabled,created_at", "Login is missing in the navbar after the redesign",
    "The user is blocked by the corporate firewall",
    "user_disabled.png", "expired_code.txt", "RESPONSE_EXPIRED.log", "docs/invalid_signature.md",
    # codes of 20 characters and more are codes too, not an error's sentence
    "docs/invalid_redirect_uri.md", "id,email,user_temporarily_disabled,created_at", "invalid_user_credentials.log",
    "How do I configure invalid_redirect_uri handling in our gateway?",
])
def test_ordinary_short_text_is_no_pasted_error(text):
    """A short line that merely contains an error's words or code (a sentence, a CSV header, a
    file name) is not that error (a review found each of these explained)."""
    assert catalog.lookup_error(text) is None


def test_an_idp_refusing_an_expired_request_blames_the_sps_clock():
    """AADSTS76026 in the status line is the SP's clock (sp-clock-skew), an IdP's refusal with the
    SP's fix: only an SP configuration error quoted by the IdP stays the IdP's."""
    text = ("The status code of the Response was not Success, was urn:oasis:names:tc:SAML:2.0:status:Requester -> "
            "AADSTS76026: IssueTime in an SAML2 Authentication Request is expired.")
    assert lookup(text, "sonarqube").code == "sp-clock-skew"


def test_an_sp_configuration_error_quoted_in_a_status_line_stays_the_idps():
    """SimpleSAMLphp proxying sends its own exception as the StatusMessage: an SP-configuration
    entry inside it is the IdP's problem (status-not-success), not the SonarQube admin's."""
    text = ("The status code of the Response was not Success, was urn:oasis:names:tc:SAML:2.0:status:Responder -> "
            "SimpleSAML\\Error\\Exception: Could not find the metadata of an IdP with entity ID "
            "'https://upstream.example.org/idp'")
    assert lookup(text, "sonarqube").code == "status-not-success"
