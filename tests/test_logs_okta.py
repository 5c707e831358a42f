"""Okta System Log parser: JSON array, JSON lines, event-hook envelope."""
from __future__ import annotations

import pytest

from test_logs_common import (
    FIXTURES, catalog_ready, events, malformed_lines, records, summary, utc,
)

DIR = FIXTURES / "okta"


def test_system_log_array():
    recs = records(DIR / "system-log.json")
    evs = events(recs)
    assert [summary(e) for e in evs] == [
        (2, utc(2025, 3, 11, 8, 41, 5, 412000), "success", "dev.user1@example.com", "203.0.113.77"),
        (19, utc(2025, 3, 11, 8, 43, 51, 6000), "failure", "contractor7@example.com",
         "198.51.100.40"),
        (30, utc(2025, 3, 11, 8, 44, 2, 250000), "failure", "dev.user2@example.com", "192.0.2.44"),
    ]
    assert [e.correlation_id for e in evs] == [
        "Z9AbCdEfGh12345678", "ZaQ1wS2eD3rF4tG5yH", "ZbW2eR3tY4uI5oP6aS"]
    assert evs[0].request_id == "Z9AbCdEfGh12345678" and evs[0].app == "SonarQube"
    assert evs[1].raw_code == "app.generic.unauth_app_access_attempt"
    assert "User not assigned to app" in evs[1].text
    assert all(e.side == "idp" and not e.local_time for e in evs)
    assert malformed_lines(recs) == ["line 42"]


def test_json_lines_and_noise():
    recs = records(DIR / "system-log.jsonl")
    assert [summary(e) for e in events(recs)] == [
        (1, utc(2025, 3, 11, 8, 45, 10, 1000), "info", "dev.user1@example.com", "203.0.113.77"),
        (3, utc(2025, 3, 11, 8, 45, 14, 730000), "success", "dev.user1@example.com",
         "203.0.113.77"),
    ]
    assert malformed_lines(recs) == ["line 2"]


def test_event_hook_envelope():
    (ev,) = events(records(DIR / "event-hook.json"))
    assert summary(ev) == (9, utc(2025, 3, 11, 8, 46, 30, 500000), "failure",
                           "dev.user3@example.com", "198.51.100.61")


@pytest.mark.skipif(not catalog_ready(), reason="samlscan.catalog not available yet")
def test_codes():
    evs = events(records(DIR / "system-log.json"))
    assert [e.code for e in evs] == [None, "user-not-assigned", "idp-authentication-failed"]
