"""SonarQube web.log parser: text and JSON layouts, both SAML engines."""
from __future__ import annotations

import pytest

from samlscan.logs import sonarqube

from test_logs_common import (
    FIXTURES, PARIS, catalog_ready, embedded, events, malformed_lines,
    records, summary, utc,
)

DIR = FIXTURES / "sonarqube"


def test_java_saml_text_layout():
    recs = records(DIR / "web-javasaml.log", PARIS)
    evs = events(recs)
    assert [summary(e) for e in evs] == [
        (5, utc(2025, 3, 11, 8, 41, 2), "failure", None, None),
        (6, utc(2025, 3, 11, 8, 41, 2), "failure", None, None),
        (7, utc(2025, 3, 11, 8, 41, 2), "failure", None, "198.51.100.23"),
        (8, utc(2025, 3, 11, 8, 42, 30), "failure", None, None),
        (9, utc(2025, 3, 11, 8, 42, 30), "failure", None, "198.51.100.23"),  # XFF first address
        (11, utc(2025, 3, 11, 8, 44, 10), "info", None, None),
        (12, utc(2025, 3, 11, 8, 44, 10), "info", "dev.user1", None),
        (13, utc(2025, 3, 11, 8, 44, 10), "success", "dev.user1", "203.0.113.77"),
    ]
    assert all(e.local_time and e.side == "sp" and e.product == "sonarqube" for e in evs)
    assert [e.request_id for e in evs[:3]] == ["AZWEd1kLm9QzR2xP0wAB"] * 3
    assert evs[1].raw_code == "invalid_response"
    # 'Corp SSO' is the provider name, the login button's label: not the SP's name
    assert evs[2].app is None and "Corp SSO" in evs[2].text
    assert malformed_lines(recs) == ["line 10", "line 14"]
    (dump,) = embedded(recs)
    assert dump.source.ref == "line 4" and dump.value.startswith("PHNhbWxwOlJlc3BvbnNl")
    assert dump.time == utc(2025, 3, 11, 8, 41, 2)


def test_spring_text_layout_joins_stack_trace_cause():
    recs = records(DIR / "web-spring.log", PARIS)
    evs = {e.source.ref: e for e in events(recs)}
    warn = evs["line 3"]
    assert warn.outcome == "failure"
    assert warn.text.startswith("Fail to callback authentication with 'saml': ")
    assert "Invalid destination [https://sonarqube.example.com/oauth2/callback/saml]" in warn.text
    assert "IllegalStateException" not in warn.text  # the Caused by line wins
    assert warn.saml_ids == ("_8f2c41d0e5",)
    assert evs["line 11"].saml_ids == ("_a7c1e0f9b2d34e5f", "_5c0ffee1d2")
    assert evs["line 14"].ip == "203.0.113.77"
    assert evs["line 14"].time == utc(2025, 3, 11, 8, 52, 40)
    # the INFO request line and its unrelated trace are skipped; a cut line is Malformed
    assert "line 15" not in evs and malformed_lines(recs) == ["line 18"]


def test_json_layout():
    recs = records(DIR / "web-json.log", PARIS)
    evs = events(recs)
    assert [summary(e) for e in evs] == [
        (2, utc(2025, 3, 11, 8, 41, 7), "failure", None, None),
        (3, utc(2025, 3, 11, 8, 41, 7), "failure", None, "198.51.100.23"),
        (4, utc(2025, 3, 11, 8, 43, 10), "failure", "new.user@example.com", "203.0.113.78"),
    ]
    assert not any(e.local_time for e in evs)  # 'date' carries its offset
    assert evs[0].saml_ids == ("_5c0ffee1d2",)
    assert "Invalid signature for object" in evs[0].text
    assert malformed_lines(recs) == ["line 5"]


def test_local_time_follows_timezone():
    from datetime import timezone
    ev = events(records(DIR / "web-javasaml.log", timezone.utc))[0]
    assert ev.time == utc(2025, 3, 11, 9, 41, 2)


@pytest.mark.skipif(not catalog_ready(), reason="samlscan.catalog not available yet")
def test_codes_from_catalog():
    evs = {e.source.ref: e for e in events(records(DIR / "web-javasaml.log", PARIS))}
    assert evs["line 5"].code == "audience-mismatch"
    assert evs["line 7"].code == "audience-mismatch"
    assert evs["line 8"].code == "assertion-expired"
    assert evs["line 13"].code is None  # success
    spring = {e.source.ref: e for e in events(records(DIR / "web-spring.log", PARIS))}
    assert spring["line 3"].code == "destination-mismatch"
    assert spring["line 11"].code == "audience-mismatch"
    assert spring["line 14"].code == "relaystate-cookie-missing"
    js = {e.source.ref: e for e in events(records(DIR / "web-json.log", PARIS))}
    assert js["line 2"].code == "signature-invalid"
    assert js["line 4"].code == "signup-disabled"


@pytest.mark.parametrize("text,want", [
    ("Unable to find assertion for SAML Response [_r1] here", ("_r1",)),
    ("Invalid signature for SAML response [_r2]", ("_r2",)),
    ("Invalid assertion [_a1] for SAML response [_r3]", ("_a1", "_r3")),
    ("Invalid signature for object [_o1]: Signature cryptographic validation not successful", ("_o1",)),
    ("Failed to decrypt response [_d1]", ("_d1",)),
    ("Assertion [_a2] is expired", ("_a2",)),
    ("Validating that response ID '_r4' was not already used", ("_r4",)),
    ("Signature validation failed. SAML Response rejected", ()),
])
def test_saml_ids_named_in_a_record(text, want):
    """The literal test before the _SAML_IDS regex lets through every shape the regex reads."""
    assert sonarqube._derive("o.s.s.a.SamlAuthenticator", "ERROR", text, None, None, ())[3] == want
