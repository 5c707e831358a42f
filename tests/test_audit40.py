"""Real excerpts of SP and IdP SAML failures samlscan had not seen (Mattermost's plain and JSON logs
and its page, Keycloak's server.log events and broker, Jira's SSO 2.0 log, Atlassian Access, Moodle
auth_saml2 through SimpleSAMLphp's xmlseclibs, Grafana's and Okta's docs), quoted verbatim from
public pages (fixtures/audit40/SOURCES.md names each one's page), and what `samlscan check` makes of each."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.excerpt_util import assert_accounted_for, assert_checked_and_scanned, assert_error_named, error_named

HERE = Path(__file__).resolve().parent.parent / "fixtures" / "audit40"

# file -> (input kind, attempts); None for the kind: not read (the input 'failed')
VERDICTS = {
    # Mattermost's plain console lines (mattermost#29767): two lines of one request, one attempt;
    # unread before audit40
    "mattermost-uid-attribute-missing.log": ("log:goapps", [("failure", "login-attribute-missing", "idp")]),
    # a pretty-printed mlog record pasted without its braces: one field a line, no record to read
    "mattermost-unrecognized-issuer.json": ("log:goapps", []),
    "mattermost-page-attributes.txt": (None, []),
    # the broker's redirect-binding check with several IdP certificates (keycloak#15011)
    "kc-broker-key-locator.log": ("log:keycloak", [("failure", "signature-cert-mismatch", "sp")]),
    "kc-events-client-not-found.log": ("log:keycloak", [("failure", "app-not-found", "idp")]),
    # the quoted event layout behind a terminal's '[[C' garbage: read as a JSON array, nothing read
    "kc-events-quoted-client-not-found.log": ("log:keycloak", []),
    "jira-unexpected-inresponseto.log": (None, []),
    # Atlassian Access's backend text: named as its own since audit42
    "atlassian-access-certificate-aps.txt": (None, []),
    # Moodle's error box, cut off after its opening tags: read for its words since audit42 (test_audit41)
    "moodle-failure-signing-data.html": ("xml", []),
    "moodle-failure-signing-bad-decrypt.txt": (None, []),
    # Grafana (Enterprise): its docs' key error, named as its own since audit42
    "grafana-doc-asn1-tags.txt": (None, []),
    # Okta's doc row with its ${...} placeholders
    "okta-doc-unable-validate-assertion.txt": (None, []),
}


def test_every_fixture_has_a_verdict_and_a_source():
    assert_accounted_for(HERE, VERDICTS)


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_check_verdict_and_scan(name):
    assert_checked_and_scanned(HERE / name, *VERDICTS[name])


# an error text that is no SAML message, named by its product (or error id) and code; the last two
# were unknown before audit40
EXPLAINED = {
    "jira-unexpected-inresponseto.log": ("WRONG_INRESPONSETO", "inresponseto-mismatch"),
    "mattermost-page-attributes.txt": ("gosaml2", "login-attribute-missing"),
    "moodle-failure-signing-bad-decrypt.txt": ("simplesamlphp", "sp-configuration-error"),
}


@pytest.mark.parametrize("name", sorted(EXPLAINED))
def test_the_error_is_named(name):
    assert_error_named(HERE / name, *EXPLAINED[name])


@pytest.mark.parametrize("name, said, code", [
    # their products' own entries since audit42 (nothing was named before)
    ("atlassian-access-certificate-aps.txt", "an error text of atlassian", "signature-cert-mismatch"),
    ("grafana-doc-asn1-tags.txt", "an error text of grafana", "sp-configuration-error"),
])
def test_a_products_own_text_is_named(name, said, code):
    assert_error_named(HERE / name, said, code)


def test_mattermost_plain_line_is_read_and_an_unrelated_one_is_not(tmp_path):
    """Mattermost's plain layout (level [time] msg key=value): a SAML failure line is one attempt
    with its time, request id and address; a line of the same layout about nothing SAML is no event."""
    from datetime import datetime, timezone

    from samlscan.logs.goapps import PARSER

    saml = ('error [2025-01-07 09:23:34.934 +01:00] Failed to complete SAML login  caller="web/saml.go:132" '
            'path=/login/sso/saml request_id=abc123 ip_addr="::1" user_id= method=POST error="SamlInterfaceImpl.DoLogin: '
            'SAML login was unsuccessful because one of the attributes is incorrect. Please contact your System '
            'Administrator., email attribute is missing"')
    other = 'info [2025-01-07 09:23:35.000 +01:00] Server is listening on [::]:8065  caller="app/server.go:1" address=[::]:8065'
    assert PARSER.sniff(saml + "\n" + other)
    (event,) = list(PARSER.parse([(1, saml), (2, other)], "mm.log", timezone.utc))
    assert event.code == "login-attribute-missing"
    assert event.time == datetime(2025, 1, 7, 8, 23, 34, 934000, tzinfo=timezone.utc)
    assert event.request_id == "abc123" and event.ip == "::1"
    assert not PARSER.sniff(other.replace("info [", "information ["))


def test_shibboleth_establish_security_names_the_usual_causes_but_no_code():
    from samlscan.catalog import lookup

    entry = lookup("Unable to establish security of incoming assertion", "shibboleth")
    assert entry.code == "unknown-failure"
    for cause in ("signature could not be verified", "Message expired", "key decryption keys"):
        assert cause in entry.explanation
