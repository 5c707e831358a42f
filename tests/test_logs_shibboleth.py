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


def test_process_log_housekeeping_warnings_are_no_failed_logins(tmp_path):
    """Every WARN/ERROR of a Shibboleth logger was a failed login (metadata refresh, an expired
    session) and real failures had no code (review finding)."""
    head = "2025-03-11 09:42:{s},118 - 203.0.113.77 - {level} [{logger}:1] - "
    lines = [
        ("10", "WARN", "org.opensaml.saml.metadata.resolver.impl.FileBackedHTTPMetadataResolver",
         "Metadata Resolver FileBackedHTTPMetadataResolver sp-metadata: error fetching metadata from URL"),
        ("11", "WARN", "net.shibboleth.idp.session.impl.StorageBackedSessionManager", "Session expired"),
        ("12", "INFO", "net.shibboleth.idp.authn.impl.ValidateUsernamePasswordAgainstLDAP",
         "Profile Action ValidateUsernamePasswordAgainstLDAP: Login by 'alice' failed"),
        ("13", "WARN", "org.opensaml.saml.common.binding.security.impl.MessageReplaySecurityHandler",
         "Message Handler: Replay detected of message '_1c2d' in replay cache 'sp' from issuer 'https://sp'"),
        ("14", "WARN", "org.opensaml.saml.common.binding.security.impl.MessageLifetimeSecurityHandler",
         "Message Handler: Message was rejected due to issue instant expiration"),
    ]
    path = tmp_path / "idp-process.log"
    path.write_text("".join(head.format(s=s, level=lv, logger=lg) + msg + "\n" for s, lv, lg, msg in lines))
    got = [(e.outcome, e.code) for e in events(records(path, PARIS))]
    assert got == [("info", None), ("info", None), ("failure", "idp-authentication-failed"),
                   ("failure", "assertion-replayed"), ("failure", "sp-clock-skew")]
