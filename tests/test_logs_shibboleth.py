"""Shibboleth IdP parser: audit log (v4/v5, v3, custom format) and process log."""
from __future__ import annotations

from pathlib import Path

from test_logs_common import FIXTURES, PARIS, detected, events, malformed_lines, records, summary, utc

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
        (5, utc(2025, 3, 11, 8, 42, 10, 120000), "info", None, "203.0.113.77"),  # line 4's echo
    ]
    assert evs[3].raw_code == "MessageAuthenticationError"
    assert all(e.local_time for e in evs)
    assert malformed_lines(recs) == ["line 7"]


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


# OpenSAML's LogEvent: log.warn("A non-proceed event occurred while processing the request: {}")
_NON_PROCEED = ("WARN", "org.opensaml.profile.action.impl.LogEvent",
                "A non-proceed event occurred while processing the request: {}")


def _process_log(tmp_path, lines) -> Path:
    path = tmp_path / "idp-process.log"
    path.write_text("".join(f"2025-03-11 09:42:{s} - {addr} - {level} [{logger}:101] - {msg}\n"
                            for s, addr, level, logger, msg in lines))
    return path


def test_a_non_proceed_event_is_the_echo_of_the_failure_before_it(tmp_path):
    """The non-proceed line ending a failed request was a second failed attempt beside the WARN
    that named the cause (gap): it is that failure's echo, counted but not an attempt."""
    level, logger, msg = _NON_PROCEED
    path = _process_log(tmp_path, [
        ("10,118", "203.0.113.77", "WARN", "org.opensaml.saml.common.binding.security.impl."
         "MessageLifetimeSecurityHandler", "Message Handler: Message was rejected due to issue instant expiration"),
        ("10,121", "203.0.113.77", level, logger, msg.format("MessageExpired")),
        ("11,000", "198.51.100.23", "INFO", "net.shibboleth.idp.authn.impl.ValidateUsernamePasswordAgainstLDAP",
         "Profile Action ValidateUsernamePasswordAgainstLDAP: Login by 'bob' failed"),
        ("11,004", "198.51.100.23", level, logger, msg.format("AccountLocked")),
    ])
    got = [(e.outcome, e.code, e.user, e.raw_code) for e in events(records(path, PARIS))]
    assert got == [("failure", "sp-clock-skew", None, None), ("info", None, None, "MessageExpired"),
                   ("failure", "idp-authentication-failed", "bob", None), ("info", None, "bob", "AccountLocked")]
    from test_correlate_idp_user import _attempts

    assert [(a["outcome"], a["root_cause"]) for a in _attempts(path)] == [
        ("failure", "sp-clock-skew"), ("failure", "idp-authentication-failed")]


def test_a_non_proceed_event_alone_is_the_failure_its_event_names(tmp_path):
    """With no earlier line of its request saying why (other address, or too long before), the
    event ID is the cause."""
    level, logger, msg = _NON_PROCEED
    path = _process_log(tmp_path, [
        ("10,118", "203.0.113.77", "WARN", "org.opensaml.saml.common.binding.security.impl."
         "MessageReplaySecurityHandler", "Message Handler: Replay detected of message '_1c2d'"),
        ("10,120", "192.0.2.9", level, logger, msg.format("RelyingPartyNotRegistered")),
        ("30,000", "203.0.113.77", level, logger, msg.format("SomethingNew")),
    ])
    got = [(e.outcome, e.code, e.raw_code) for e in events(records(path, PARIS))]
    assert got == [("failure", "assertion-replayed", None),
                   ("failure", "app-not-found", "RelyingPartyNotRegistered"),
                   ("failure", "unknown-failure", "SomethingNew")]


def test_a_v3_process_log_without_the_client_address(tmp_path):
    """v3's stock pattern `%date{ISO8601} - %level [%logger:%line] - %msg` was not read at all."""
    path = tmp_path / "idp-process.log"
    path.write_text(
        "2016-12-13 19:28:02,318 - WARN [org.opensaml.saml.common.binding.security.impl."
        "MessageLifetimeSecurityHandler:155] - Message Handler: Message was rejected due to issue instant expiration\n"
        "2016-12-13 19:28:02,322 - WARN [org.opensaml.profile.action.impl.LogEvent:105] - "
        "A non-proceed event occurred while processing the request: MessageExpired\n")
    assert detected(path) == "shibboleth"
    assert [(e.outcome, e.code, e.ip) for e in events(records(path, PARIS))] == [
        ("failure", "sp-clock-skew", None), ("info", None, None)]


def test_the_prefilter_keeps_a_non_proceed_line_after_a_skipped_one_and_never_starts_there(tmp_path):
    """A range starting at a non-proceed line would read it without the failure it echoes; kept
    as a continuation, it must not go with a skipped line before it."""
    from samlscan import prefilter

    pf = prefilter.prefilters()["shibboleth"]
    echo = ("2025-03-11 09:42:10,120 - 192.0.2.9 - WARN [org.opensaml.profile.action.impl.LogEvent:101] - "
            "A non-proceed event occurred while processing the request: RelyingPartyNotRegistered")
    path = tmp_path / "idp-process.log"
    path.write_bytes(b"2025-03-11 09:42:10,100 - 192.0.2.9 - INFO [net.shibboleth.idp.X:1] - chatter\n"
                     + echo.encode() + b"\n\tat org.opensaml.Y(Y.java:1)\n")
    with open(path, "rb") as fh:
        assert list(prefilter.prefiltered_lines(fh, 0, path.stat().st_size, pf, [0])) == [
            (2, echo), (3, "\tat org.opensaml.Y(Y.java:1)")]
    assert [bool(pf.record_start.match(line)) for line in path.read_bytes().splitlines()] == [True, False, False]


def test_interleaved_failures_without_addresses_each_take_their_own_echo(tmp_path):
    """v3 (no address) or one NAT: two failures, then their two echoes. Only the last failure
    was remembered: the first echo took bob's failure (and his name), the second became an
    attempt of its own."""
    path = tmp_path / "idp-process.log"
    path.write_text(
        "2016-12-13 19:28:02,318 - WARN [org.opensaml.saml.common.binding.security.impl."
        "MessageLifetimeSecurityHandler:155] - Message Handler: Message was rejected due to issue instant expiration\n"
        "2016-12-13 19:28:02,320 - INFO [net.shibboleth.idp.authn.impl.ValidateUsernamePasswordAgainstLDAP:152] - "
        "Profile Action ValidateUsernamePasswordAgainstLDAP: Login by 'bob' failed\n"
        "2016-12-13 19:28:02,322 - WARN [org.opensaml.profile.action.impl.LogEvent:105] - "
        "A non-proceed event occurred while processing the request: MessageExpired\n"
        "2016-12-13 19:28:02,324 - WARN [org.opensaml.profile.action.impl.LogEvent:105] - "
        "A non-proceed event occurred while processing the request: InvalidCredentials\n")
    got = [(e.outcome, e.code, e.user, e.raw_code) for e in events(records(path, PARIS))]
    assert got == [("failure", "sp-clock-skew", None, None), ("failure", "idp-authentication-failed", "bob", None),
                   ("info", None, None, "MessageExpired"), ("info", None, "bob", "InvalidCredentials")]


def test_many_addresses_each_with_a_failure_and_its_echo(tmp_path):
    """Past 4,096 addresses the memory of failures is halved; an address whose failure was used
    up by its echo broke that sort (IndexError: an internal error on a big process log)."""
    path = tmp_path / "idp-process.log"
    with open(path, "w") as fh:
        for n in range(4200):
            addr = f"10.{n // 65536}.{n // 256 % 256}.{n % 256}"
            fh.write(f"2025-03-11 09:42:10,{n % 1000:03d} - {addr} - INFO [net.shibboleth.idp.authn.impl."
                     f"ValidateUsernamePasswordAgainstLDAP:152] - Profile Action ValidateUsernamePasswordAgainstLDAP: "
                     f"Login by 'u{n}' failed\n"
                     f"2025-03-11 09:42:10,{n % 1000:03d} - {addr} - WARN [org.opensaml.profile.action.impl."
                     "LogEvent:101] - A non-proceed event occurred while processing the request: InvalidCredentials\n")
    evs = events(records(path, PARIS))
    assert [e.outcome for e in evs].count("failure") == 4200 and [e.outcome for e in evs].count("info") == 4200
