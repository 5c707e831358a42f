"""Entra ID sign-in parser: Graph JSON, Azure Monitor export, portal CSV (new and old)."""
from __future__ import annotations

import pytest

from test_logs_common import (
    FIXTURES, catalog_ready, events, malformed_lines, records, summary, utc,
)

DIR = FIXTURES / "entra"


def test_graph_json_value_wrapper():
    evs = events(records(DIR / "signins-graph.json"))
    assert [summary(e)[1:] for e in evs] == [
        (utc(2025, 3, 11, 8, 41, 3), "failure", "dev.user1@example.com", "198.51.100.23"),
        (utc(2025, 3, 11, 8, 42, 40), "success", "dev.user1@example.com", "198.51.100.23"),
        (utc(2025, 3, 11, 8, 44, 12), "failure", "contractor7@example.com", "198.51.100.40"),
    ]
    assert [e.raw_code for e in evs] == ["AADSTS50011", None, "AADSTS50105"]
    assert evs[0].request_id == "3f6c1d2e-9a8b-4c7d-8e6f-5a4b3c2d1e0f"
    assert evs[0].correlation_id == "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
    assert evs[0].app == "SonarQube"


def test_azure_monitor_records():
    evs = events(records(DIR / "signins-azmon.json"))
    assert [summary(e) for e in evs] == [
        (2, utc(2025, 3, 11, 8, 41, 3, 123456), "failure", "dev.user1@example.com", "203.0.113.77"),
        (3, utc(2025, 3, 11, 8, 48, 9), "success", "dev.user1@example.com", "203.0.113.77"),
    ]
    assert evs[0].raw_code == "AADSTS700016"
    assert evs[1].correlation_id == "e5f6a7b8-c9d0-4e1f-8a2b-3c4d5e6f7a81"


def test_portal_csv_loose_headers():
    recs = records(DIR / "InteractiveSignIns_2025-03-11_2025-03-12.csv")
    evs = events(recs)
    assert [summary(e) for e in evs] == [
        (2, utc(2025, 3, 11, 8, 41, 3), "failure", "dev.user1@example.com", "198.51.100.23"),
        (3, utc(2025, 3, 11, 8, 43, 30), "info", "dev.user1@example.com", "198.51.100.23"),
        (4, utc(2025, 3, 11, 8, 44, 5), "success", "dev.user1@example.com", "198.51.100.23"),
    ]
    assert [e.raw_code for e in evs] == ["AADSTS50011", "AADSTS50074", None]
    assert evs[0].request_id == "3f6c1d2e-9a8b-4c7d-8e6f-5a4b3c2d1e0f"
    assert evs[0].app == "SonarQube"  # 'Application ID ' (trailing space) is not 'Application'
    assert malformed_lines(recs) == ["line 5"]


def test_old_csv_locale_dates():
    evs = [e for e in events(records(DIR / "signins-old-locale.csv")) if e.outcome != "info"]  # (+ a note: 3/11?)
    assert [summary(e) for e in evs] == [
        (2, utc(2025, 3, 11, 8, 41, 3), "failure", "dev.user1@example.com", "198.51.100.23"),
        (3, utc(2025, 3, 11, 8, 45, 10), "success", "dev.user1@example.com", "198.51.100.23"),
    ]


@pytest.mark.skipif(not catalog_ready(), reason="samlscan.catalog not available yet")
def test_codes():
    evs = events(records(DIR / "signins-graph.json"))
    assert [e.code for e in evs] == ["reply-url-mismatch", None, "user-not-assigned"]
    assert events(records(DIR / "signins-azmon.json"))[0].code == "app-not-found"


def test_the_legacy_portal_export_without_ids_is_read(tmp_path):
    """The older portal download (CreatedDateTime, UserPrincipalName, AppDisplayName, ..., Status):
    no request or correlation ID, US-style dates."""
    from samlscan.logs import detect
    from samlscan.logs.entra import PARSER

    text = ("CreatedDateTime,UserPrincipalName,UserDisplayName,AppDisplayName,IPAddress,City,Country,"
            "Device,Browser,OS,Status,RiskState,RiskLevelDuringSignIn,RiskLevelAggregated,"
            "ConditionalAccessStatus\n"
            "3/13/2025 1:02:00 PM,grace.hopper@example.com,Grace Hopper,SonarQube,203.0.113.9,Paris,FR,,"
            "Edge,Windows,Failure,none,none,none,notApplied\n"
            "3/13/2025 1:03:20 PM,grace.hopper@example.com,Grace Hopper,SonarQube,203.0.113.9,Paris,FR,,"
            "Edge,Windows,Success,none,none,none,notApplied\n")
    assert detect(text) is PARSER
    evs = [r for r in PARSER.parse(enumerate(text.splitlines(), 1), "SignInLogs.csv", None)
           if hasattr(r, "outcome")]
    assert [(e.time.isoformat(), e.user, e.app, e.outcome) for e in evs] == [
        ("2025-03-13T13:02:00+00:00", "grace.hopper@example.com", "SonarQube", "failure"),
        ("2025-03-13T13:03:20+00:00", "grace.hopper@example.com", "SonarQube", "success")]
    # a CSV with the same dates and users but no application and status is no sign-in log
    assert detect("CreatedDateTime,UserPrincipalName,Title\n3/13/2025 1:02:00 PM,a@b.c,x\n") is not PARSER
