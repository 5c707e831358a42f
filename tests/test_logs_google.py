"""Google Workspace SAML activity parser."""
from __future__ import annotations

import pytest

from test_logs_common import FIXTURES, catalog_ready, events, records, summary, utc

DIR = FIXTURES / "google"


def test_reports_activities():
    evs = events(records(DIR / "saml-activities.json"))
    assert [summary(e) for e in evs] == [
        (4, utc(2025, 3, 11, 8, 41, 2), "failure", "dev.user1@example.com", "203.0.113.77"),
        (5, utc(2025, 3, 11, 8, 44, 20), "success", "dev.user1@example.com", "203.0.113.77"),
    ]
    assert evs[0].raw_code == "failure_invalid_sp_id" and evs[0].app == "SonarQube"
    assert evs[1].raw_code is None


@pytest.mark.skipif(not catalog_ready(), reason="samlscan.catalog not available yet")
def test_codes():
    assert events(records(DIR / "saml-activities.json"))[0].code == "app-not-found"
