"""Log lines and error texts as real products print them, second audit: each excerpt is quoted
from a public source named above it (users, hosts, IDs and addresses replaced), and the test says
what samlscan must report for it: read at all, the product, the cause and the side."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from samlscan.catalog import lookup
from samlscan.cli import main
from test_real_log_shapes import _events  # (parser name, events) of a text read by its reader alone


def _check(tmp_path, text: str, name: str = "x.log") -> dict:
    """`samlscan check FILE --format json`, as a user runs it (prefilter, correlation and all)."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return json.loads(result.stdout)


def _attempts(doc: dict) -> list[tuple]:
    return [(a["outcome"], a["root_cause"], a["side"]) for a in doc["attempts"]]


# --- pysaml2 (djangosaml2, django-saml2-auth, the pysaml2 examples) --------------------------

# pysaml2's example SP logs '%(asctime)s %(name)s:%(levelname)s %(message)s': IdentityPython/pysaml2
# issue 490 (spx.log); the two ERROR lines are entity._parse_response's and client_base's for one
# failure, as djangosaml2 issues 111 and 324 quote them ('Signature Error: ...', 'XML parse error: ...').
PYSAML2_EXAMPLE = (
    "2018-02-11 19:40:08,988 root:INFO Server starting\n"
    "2018-02-11 19:40:28,115 root:INFO Chosen IdP: 'https://idp.example.org/idp.xml'\n"
    "2018-02-11 19:41:02,530 saml2.entity:ERROR Signature Error: Signature missing for response\n"
    "2018-02-11 19:41:02,531 saml2.client_base:ERROR XML parse error: Signature missing for response\n"
)


def test_pysaml2_example_layout_is_one_unsigned_response_failure(tmp_path):
    doc = _check(tmp_path, PYSAML2_EXAMPLE)
    assert doc["inputs"][0]["kind"] == "log:sp-app"
    assert _attempts(doc) == [("failure", "signature-missing", "idp")]  # one login, not two
    _, evs = _events(tmp_path, PYSAML2_EXAMPLE)
    assert {e.product for e in evs} == {"pysaml2"}
    assert [(e.outcome, e.code) for e in evs] == [("failure", "signature-missing"), ("info", None)]


@pytest.mark.parametrize("text", [
    # one logger, two users a second apart (Flask's default layout)
    "[2024-05-02 10:11:12,345] ERROR in views: SAML login failed for alice@example.com: ['invalid_response'] "
    "(Signature validation failed. SAML Response rejected)\n"
    "[2024-05-02 10:11:12,845] ERROR in views: SAML login failed for bob@example.com: ['invalid_response'] "
    "(Signature validation failed. SAML Response rejected)\n",
    # pysaml2's entity logger, two responses 0.4 s apart
    "2018-02-11 19:41:02,530 saml2.entity:ERROR Signature Error: Signature missing for response\n"
    "2018-02-11 19:41:02,930 saml2.entity:ERROR Signature Error: Signature missing for response\n",
])
def test_two_failures_of_one_logger_are_two_logins(tmp_path, text):
    """Only another logger echoes a failure (client_base re-raising entity's): two lines of one
    logger within a second are two failed logins (a review found them merged into one)."""
    doc = _check(tmp_path, text)
    assert [a["outcome"] for a in doc["attempts"]] == ["failure", "failure"]
    assert doc["inputs"][0]["events"] == 2


# logging.basicConfig's default layout (no time) with the same pysaml2 lines (djangosaml2 issue 324)
PYSAML2_BASIC = (
    "ERROR:saml2.entity:Signature Error: Signature missing for response\n"
    "ERROR:saml2.client_base:XML parse error: Signature missing for response\n"
)


def test_python_default_logging_layout_is_read(tmp_path):
    doc = _check(tmp_path, PYSAML2_BASIC)
    assert doc["inputs"][0]["kind"] == "log:sp-app"
    assert _attempts(doc) == [("failure", "signature-missing", "idp")]


# grafana-cold-storage/django-saml2-auth issue 370: '[time] [LEVEL] [logger.function] message';
# xmlsec1 failing with one certificate is not yet a failure (pysaml2 tries the others).
DJANGO_SAML2_AUTH = (
    "[2025-07-10 10:05:01,884] [DEBUG] [saml2.sigver._run_xmlsec] xmlsec command: /usr/bin/xmlsec1 --verify "
    "--enabled-reference-uris empty,same-doc --enabled-key-data raw-x509-cert --pubkey-cert-pem /tmp/tmpa.pem "
    "--id-attr:ID urn:oasis:names:tc:SAML:2.0:assertion:Assertion --node-id _36f297b0 --output /tmp/tmpb.xml /tmp/tmpc.xml\n"
    "[2025-07-10 10:05:01,895] [ERROR] [saml2.sigver._run_xmlsec] returncode=1\n"
    "error=func=xmlSecOpenSSLEvpSignatureVerify:file=evp_signatures.c:line=368:obj=rsa-sha256:subj=unknown:"
    "error=18:data do not match:details=EVP_VerifyFinal: signature does not verify\n"
    "FAIL\n"
    "[2025-07-10 10:05:01,895] [ERROR] [saml2.sigver._check_signature] check_sig: ['/usr/bin/xmlsec1', '--verify']\n"
)


def test_bracketed_layout_names_pysaml2(tmp_path):
    name, evs = _events(tmp_path, DJANGO_SAML2_AUTH)
    assert name == "sp-app"
    assert {e.product for e in evs} == {"pysaml2"}
    assert all(e.outcome == "info" for e in evs)
    then = DJANGO_SAML2_AUTH + ("[2025-07-10 10:05:01,896] [ERROR] [saml2.entity._parse_response] "
                                "Signature Error: Failed to verify signature\n")
    # the SP's to fix: the catalog's fix loads the IdP's current certificate into the SP (case 7)
    assert _attempts(_check(tmp_path, then)) == [("failure", "signature-invalid", "sp")]


# A Django traceback ending in pysaml2's exception (class and text from pysaml2's response.py)
PYSAML2_TRACEBACK = (
    "2024-05-02 10:11:12,345 - django.request - ERROR - Internal Server Error: /saml2/acs/\n"
    "Traceback (most recent call last):\n"
    '  File "/usr/lib/python3/dist-packages/saml2/response.py", line 545, in loads\n'
    '    raise UnsolicitedResponse(f"Unsolicited response: {self.in_response_to}")\n'
    "saml2.response.UnsolicitedResponse: Unsolicited response: id-Hx3dK2lqgQ9Zp0a1c\n"
)


def test_pysaml2_traceback_names_the_cause(tmp_path):
    name, evs = _events(tmp_path, PYSAML2_TRACEBACK)
    assert name == "sp-app"
    assert [(e.product, e.outcome, e.code) for e in evs] == [("pysaml2", "failure", "inresponseto-mismatch")]


# pysaml2's exception texts (IdentityPython/pysaml2 src/saml2/response.py, sigver.py, validate.py
# at 7.5; djangosaml2 issue 396 for the schema one)
@pytest.mark.parametrize("text,code", [
    ("saml2.sigver.SignatureError: Signature missing for response", "signature-missing"),
    ("saml2.sigver.SignatureError: Signature missing for assertion", "signature-missing"),
    ("saml2.sigver.SignatureError: Failed to verify signature", "signature-invalid"),
    ("Signature Error: {'message': 'Signature verification failed. Invalid document format.', 'ID': "
     "'_3f6c1d2e', 'issuer': 'https://idp.example.org/idp'}", "idp-configuration-error"),
    ("saml2.validate.ResponseLifetimeExceed: Can't use response, too old (now=2024-01-31T13:40:00Z + "
     "slack=0 > not_on_or_after=2024-01-31T13:38:23Z", "assertion-expired"),
    ("saml2.validate.ToEarly: Can't use response yet: (now=2024-01-31T12:38:00Z + slack=0) <= "
     "notbefore=2024-01-31T12:38:23Z", "assertion-not-yet-valid"),
    ("Exception: AudienceRestrictions conditions not satisfied! (Local entity_id=https://sp.example.com/saml2/metadata/)",
     "audience-mismatch"),
    ("destination 'http://sp.example.com/saml2/acs/' not in return addresses '['https://sp.example.com/saml2/acs/']'",
     "destination-mismatch"),
    ("saml2.response.VerificationError: No valid recipient", "recipient-mismatch"),
    ("Exception: Combination of session id and requestURI I don't recall", "inresponseto-mismatch"),
    ("saml2.response.StatusAuthnFailed: Unsuccessful operation: <ns0:Status>...</ns0:Status>\n"
     "Authentication failed from urn:oasis:names:tc:SAML:2.0:status:AuthnFailed", "status-not-success"),
    ("Unknown system entity: https://idp.example.org/idp", "sp-configuration-error"),
])
def test_pysaml2_texts(text, code):
    found = lookup(text, "pysaml2")
    assert found is not None and (found.product, found.code) == ("pysaml2", code)


# --- OpenSAML's received-endpoint check (Spring Security SAML 1.x behind a proxy) ------------

# johannestang/shinyproxy-lb README.md (Spring Boot layout, OpenSAML 2 logger shortened)
SHINYPROXY = ("2019-10-14 09:23:05.704 ERROR 1 --- [  XNIO-2 task-2] o.o.c.b.decoding.BaseSAMLMessageDecoder  : "
              "SAML message intended destination endpoint 'https://app.example.com/saml/SSO' did not match "
              "the recipient endpoint 'http://app.example.com/saml/SSO'\n")


def test_opensaml_destination_endpoint_is_a_destination_mismatch(tmp_path):
    doc = _check(tmp_path, SHINYPROXY)
    assert doc["inputs"][0]["kind"] == "log:sp-app"
    assert _attempts(doc) == [("failure", "destination-mismatch", "sp")]


def test_opensaml2_decoder_under_a_short_logger_is_read(tmp_path):
    # log4j's %c{2} ('decoding.BaseSAMLMessageDecoder'), same text as above
    line = ("2013-02-01 11:31:30,997 ERROR [http-8080-9] decoding.BaseSAMLMessageDecoder.checkEndpointURI "
            "(BaseSAMLMessageDecoder.java:215) - SAML message intended destination endpoint "
            "'https://example.com/app/saml/SSO' did not match the recipient endpoint "
            "'https://example.com:80/app/saml/SSO'\n")
    name, evs = _events(tmp_path, line)
    assert name == "sp-app"
    assert [(e.product, e.outcome, e.code) for e in evs] == [("opensaml", "failure", "destination-mismatch")]


# --- Keycloak as SAML broker (SP of an external IdP) -----------------------------------------

# sventorben/keycloak-home-idp-discovery issue 420
KC_BROKER_SIG = (
    "2024-09-04 15:47:12,056 ERROR [org.keycloak.broker.saml.SAMLEndpoint] (executor-thread-14) validation "
    "failed: org.keycloak.common.VerificationException: Invalid signature on document\n"
    "        at org.keycloak.protocol.saml.SamlProtocolUtils.verifyDocumentSignature(SamlProtocolUtils.java:96)\n"
)


def test_keycloak_broker_invalid_signature_names_the_idp_certificate(tmp_path):
    doc = _check(tmp_path, KC_BROKER_SIG)
    assert doc["inputs"][0]["kind"] == "log:keycloak"
    assert _attempts(doc) == [("failure", "signature-cert-mismatch", "sp")]


def test_keycloak_samlservice_invalid_document_signature_is_the_sp_request():
    # Keycloak as IdP: the client's POSTed AuthnRequest (SamlService, same VerificationException)
    text = ("request validation failed: org.keycloak.common.VerificationException: "
            "Invalid signature on document")
    assert lookup(text, "keycloak").code == "request-signature-invalid"


# keycloak/keycloak issue 43123 (26.0.8): the broker's event type for a refused IdP response
KC_IDP_RESPONSE = (
    '2025-10-01 09:12:44,503 WARN  [org.keycloak.events] (executor-thread-97) type="IDENTITY_PROVIDER_RESPONSE_ERROR", '
    'realmId="3c1f9e2a-0000-4000-8000-000000000001", realmName="acme", clientId="null", userId="null", '
    'sessionId="null", ipAddress="203.0.113.77", error="invalid_signature", identity_provider="corp-idp"\n'
)


def test_keycloak_identity_provider_response_error_is_a_failure(tmp_path):
    _, evs = _events(tmp_path, KC_IDP_RESPONSE)
    assert [(e.outcome, e.code, e.raw_code) for e in evs] == [("failure", "signature-cert-mismatch", "invalid_signature")]
    assert _attempts(_check(tmp_path, KC_IDP_RESPONSE)) == [("failure", "signature-cert-mismatch", "sp")]


# keycloak/keycloak issue 9229 (WildFly console, Keycloak 15): the client's request signature;
# unchanged by this audit, kept as a shape that must stay read.
KC_WILDFLY = ("10:20:23,335 WARN  [org.keycloak.events] (default task-74) type=LOGIN_ERROR, realmId=master, "
              "clientId=null, userId=null, ipAddress=192.0.2.1, error=invalid_signature\n")


def test_keycloak_wildfly_login_error_stays_the_sp_request(tmp_path):
    assert _attempts(_check(tmp_path, KC_WILDFLY)) == [("failure", "request-invalid", "sp")]


# --- Shibboleth IdP v3: an SP without metadata is logged at INFO ------------------------------

# ConsortiumGARR/idem-tutorials, IdP HOWTO troubleshooting ('SAMLMetadataLookupHandler'): v3's
# stock pattern has no address, and the handler logs at INFO.
SHIB_NO_METADATA = (
    "2018-03-05 13:38:13,259 - INFO [org.opensaml.saml.common.binding.impl.SAMLMetadataLookupHandler:128] - "
    "Message Handler:  No metadata returned for https://sp.example.org/shibboleth in role "
    "{urn:oasis:names:tc:SAML:2.0:metadata}SPSSODescriptor with protocol urn:oasis:names:tc:SAML:2.0:protocol\n"
)


def test_shibboleth_info_no_metadata_is_an_unknown_sp(tmp_path):
    name, evs = _events(tmp_path, SHIB_NO_METADATA)
    assert name == "shibboleth"
    assert [(e.outcome, e.code) for e in evs] == [("failure", "app-not-found")]


def test_shibboleth_no_metadata_reaches_the_reader_through_the_prefilter(tmp_path):
    """As a user runs it: the INFO line passes the byte prefilter (which keeps WARN/ERROR)."""
    noise = "2018-03-05 13:38:12,100 - INFO [net.shibboleth.idp.Foo:1] - Started\n" * 3
    assert _attempts(_check(tmp_path, noise + SHIB_NO_METADATA)) == [("failure", "app-not-found", "idp")]


def test_shibboleth_other_info_lines_stay_chatter(tmp_path):
    text = SHIB_NO_METADATA.replace("SPSSODescriptor", "IDPSSODescriptor")
    name, evs = _events(tmp_path, text)
    assert name == "shibboleth" and evs == []
