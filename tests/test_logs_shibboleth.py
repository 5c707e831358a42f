"""Shibboleth IdP parser: audit log (v4/v5, v3, custom format) and process log."""
from __future__ import annotations

from test_logs_common import FIXTURES, PARIS, events, malformed_lines, records, summary, utc

DIR = FIXTURES / "shibboleth"


def test_audit_v4_default_format():
    recs = records(DIR / "idp-audit.log")
    evs = events(recs)
    assert [summary(e) for e in evs] == [
        (1, utc(2025, 3, 11, 8, 41, 1, 377000), "success", "devuser1", "198.51.100.23"),
        (2, utc(2025, 3, 11, 8, 42, 10, 210000), "failure", None, "203.0.113.77"),
    ]
    assert evs[0].saml_ids == ("_a7c1e0f9b2d34e5f",)
    assert evs[0].app == "https://sonar.example.com/saml2"
    assert evs[1].raw_code == "RequestDenied"
    assert malformed_lines(recs) == ["line 3"]


def test_audit_v3_format():
    (ev,) = events(records(DIR / "idp-audit-v3.log"))
    assert summary(ev) == (1, utc(2025, 3, 11, 8, 41, 1), "success", "devuser1", None)
    assert ev.saml_ids == ("_a7c1e0f9b2d34e5f", "_5c0ffee1d2", "_4e1d2c3b4a5f")


def test_audit_custom_format(tmp_path):
    from samlscan.logs.shibboleth import ShibbolethParser
    log = tmp_path / "audit.log"
    log.write_text("2025-03-11T08:41:01Z|devuser9|192.0.2.99|_abc123|"
                   "urn:oasis:names:tc:SAML:2.0:status:Success\n")
    parser = ShibbolethParser("%T|%u|%a|%i|%S")
    (ev,) = events(parser.parse([(1, log.read_text().rstrip())], str(log), PARIS))
    assert (ev.user, ev.ip, ev.saml_ids, ev.outcome) == ("devuser9", "192.0.2.99", ("_abc123",),
                                                        "success")


def test_process_log():
    recs = records(DIR / "idp-process.log", PARIS)
    evs = events(recs)
    assert [summary(e) for e in evs] == [
        (2, utc(2025, 3, 11, 8, 41, 0, 950000), "success", "devuser1", "198.51.100.23"),
        (3, utc(2025, 3, 11, 8, 42, 3, 120000), "failure", "devuser2", "203.0.113.77"),
        (4, utc(2025, 3, 11, 8, 42, 10, 118000), "failure", None, "203.0.113.77"),
        (5, utc(2025, 3, 11, 8, 42, 10, 120000), "failure", None, "203.0.113.77"),
    ]
    assert all(e.local_time for e in evs)
    assert malformed_lines(recs) == ["line 8"]
