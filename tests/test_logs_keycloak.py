"""Keycloak event parser: Quarkus/WildFly text, old/new body layouts, JSON, admin API."""
from __future__ import annotations

import pytest

from test_logs_common import (
    FIXTURES, PARIS, catalog_ready, events, malformed_lines, records, summary, utc,
)

DIR = FIXTURES / "keycloak"


def test_quarkus_new_layout():
    recs = records(DIR / "keycloak-quarkus.log", PARIS)
    evs = events(recs)
    assert [summary(e) for e in evs] == [
        (2, utc(2025, 3, 11, 8, 40, 58, 117000), "failure", None, "203.0.113.77"),
        (3, utc(2025, 3, 11, 8, 41, 20, 542000), "failure", "dev.user1", "203.0.113.77"),
        (4, utc(2025, 3, 11, 8, 41, 35, 901000), "success", "dev.user1", "203.0.113.77"),
    ]
    assert [e.raw_code for e in evs] == ["invalid_redirect_uri", "invalid_user_credentials", None]
    assert all(e.local_time and e.app == "https://sonar.example.com/saml2" for e in evs)
    assert evs[1].request_id == "4f3e2d1c-0b9a-4876-a5b4-c3d2e1f0a9b8"
    assert evs[2].correlation_id == "7e6d5c4b-3a29-4180-b7a6-958473625140"
    assert malformed_lines(recs) == ["line 7", "line 8"]


def test_wildfly_old_layout_date_from_file_name():
    evs = events(records(DIR / "server.log.2025-03-11", PARIS))
    assert [summary(e) for e in evs] == [
        (2, utc(2025, 3, 11, 8, 12, 44, 503000), "failure", "dev.user1", "192.0.2.15"),
        (3, utc(2025, 3, 11, 8, 41, 2, 118000), "failure", None, "192.0.2.15"),
    ]
    assert evs[1].raw_code == "invalid_signature" and evs[1].app == "sonarqube"
    assert "reason='Invalid signature on document'" in evs[1].text


def test_json_logging_and_admin_events():
    recs = records(DIR / "keycloak-json.log", PARIS)
    assert [summary(e) for e in events(recs)] == [
        (1, utc(2025, 3, 11, 8, 40, 58, 117000), "failure", None, "203.0.113.77")]
    assert events(recs)[0].local_time is False  # the timestamp has its offset
    assert malformed_lines(recs) == ["line 3"]
    evs = events(records(DIR / "admin-events.json"))
    assert [summary(e) for e in evs] == [
        (2, utc(2025, 3, 11, 8, 40, 58, 117000), "failure", None, "203.0.113.77"),
        (3, utc(2025, 3, 11, 8, 41, 35, 901000), "success", "dev.user1", "203.0.113.77"),
    ]
    assert evs[0].raw_code == "invalid_saml_document"


@pytest.mark.skipif(not catalog_ready(), reason="samlscan.catalog not available yet")
def test_codes():
    evs = events(records(DIR / "keycloak-quarkus.log", PARIS))
    assert [e.code for e in evs] == ["reply-url-mismatch", "idp-authentication-failed", None]


@pytest.mark.parametrize("etype,error,outcome", [
    ("LOGIN_ERROR", "invalid_user_credentials", "failure"),
    ("IDENTITY_PROVIDER_LOGIN_ERROR", "identity_provider_login_failure", "failure"),
    ("LOGIN", None, "success"),
    ("REFRESH_TOKEN_ERROR", "invalid_token", "info"),
    ("LOGOUT_ERROR", "invalid_token", "info"),
    ("CODE_TO_TOKEN_ERROR", "invalid_code", "info"),
    ("CODE_TO_TOKEN", None, "info"),
])
def test_only_browser_login_events_are_login_outcomes(tmp_path, etype, error, outcome):
    """OIDC clients of the same realm log REFRESH_TOKEN_ERROR, LOGOUT_ERROR...: they were failed
    logins without a cause (review finding)."""
    err = f'error="{error}", ' if error else ""
    path = tmp_path / "server.log"
    path.write_text(f'2025-03-11 09:12:44,503 WARN  [org.keycloak.events] (executor-thread-9) type="{etype}", '
                    f'realmId="3c", clientId="grafana", userId="9a8b", ipAddress="203.0.113.77", {err}'
                    'username="dev.user1"\n')
    (e,) = events(records(path))
    assert e.outcome == outcome
