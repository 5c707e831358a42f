"""Log lines and error texts as real products print them, fifth audit: each excerpt is quoted
from a public source named above it (users, hosts, IDs and addresses replaced), and the test says
what samlscan must report for it: read at all, the product, the cause and the side."""
from __future__ import annotations

import json

import pytest

from samlscan.catalog import lookup
from test_real_log_shapes import _events  # (parser name, events) of a text read by its reader alone
from test_real_log_shapes_2 import _attempts, _check  # `samlscan check --format json`, its attempts


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
