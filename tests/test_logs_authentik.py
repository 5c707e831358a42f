"""authentik event parser."""
from __future__ import annotations

from test_logs_common import FIXTURES, events, records, summary, utc

DIR = FIXTURES / "authentik"


def test_api_results():
    evs = events(records(DIR / "events.json"))
    assert [summary(e) for e in evs] == [
        (2, utc(2025, 3, 11, 8, 41, 1, 220000), "failure", "devuser1", "203.0.113.77"),
        (3, utc(2025, 3, 11, 8, 42, 15, 4000), "success", "dev.user1@example.com", "203.0.113.77"),
        (4, utc(2025, 3, 11, 8, 43, 2, 500000), "failure", "dev.user1@example.com",
         "203.0.113.77"),
    ]
    assert [e.raw_code for e in evs] == ["login_failed", "authorize_application",
                                         "property_mapping_exception"]
    assert evs[1].app == "SonarQube" and evs[0].app is None
