"""PingFederate: its audit.log and server.log (tests/data/pingfederate, SOURCES.md there), its SSO
endpoints as an IdP product, and case 16's audit.log joined to the Chrome HAR's attempts."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from case_util import ROOT, refs, scan_case

from samlscan.flows import idp_at
from samlscan.logs import detect, parse_file, read_head
from samlscan.model import LogEvent

DATA = ROOT / "tests" / "data" / "pingfederate"
CASE16 = ROOT / "tests" / "data" / "case16"


def _events(name: str, tz=timezone.utc) -> list[LogEvent]:
    return [e for e in parse_file(str(DATA / name), tz) if isinstance(e, LogEvent)]


def test_audit_log_is_recognised_in_both_default_layouts():
    """It was skipped as 'no SAML message or known log format'; Shibboleth's audit reader (pipes too)
    must not take it."""
    for name in ("audit-pf11.log", "audit-pf12.log", "server.log"):
        parser = detect(read_head(str(DATA / name)))
        assert parser is not None and parser.name == "pingfederate", name
    assert detect(read_head(str(CASE16 / "audit.log"))).name == "pingfederate"


def test_audit_fields_outcomes_and_local_time():
    """Before 11.3 (no transactionid): a failed AUTHN_ATTEMPT is the user's failed sign-in, the SSO
    success the assertion for the SP connection (app = its Partner's Entity ID), 'inprogress' and
    the adapter's success are no outcome of the SP's login; %d is the server's local time."""
    ev = _events("audit-pf11.log", ZoneInfo("Europe/Berlin"))
    assert [(e.outcome, e.code, e.raw_code) for e in ev] == [
        ("failure", "idp-authentication-failed", "AUTHN_ATTEMPT"), ("info", None, "AUTHN_ATTEMPT"),
        ("success", None, "SSO"), ("info", None, "AUTHN_ATTEMPT")]
    sso = ev[2]
    assert (sso.user, sso.ip, sso.app, sso.request_id, sso.side) == (
        "dev.user1", "203.0.113.77", "https://sonar.example.com/saml2", "LFcUz_Kyuqp4RcRrdnB2YS72Z3g", "idp")
    assert sso.local_time and sso.time == datetime(2025, 3, 11, 8, 41, 3, 520000, tzinfo=timezone.utc)


def test_transaction_id_layout_shifts_the_fields():
    """PingFederate 11.3+: %X{transactionid} after the tracking ID; the event is one field later."""
    fail, sso = _events("audit-pf12.log")
    assert (fail.outcome, fail.code, fail.user) == ("failure", "idp-authentication-failed", "dev.user1")
    assert (sso.outcome, sso.app, sso.request_id, sso.correlation_id) == (
        "success", "https://sonar.example.com/saml2", "KrQZICn7532ys.iGyO5gE2Sq0GS", "XRXqXS5lNAt-a._Xx6pS7kF0V6l")


def test_server_log_errors_are_failures_of_their_tracking_id():
    """The documented server.log errors: a binding the SP connection does not allow, an adapter's
    failure; DEBUG chatter and the 'Caused by' line are not events."""
    ev = _events("server.log")
    assert [(e.outcome, e.code, e.request_id) for e in ev] == [
        ("failure", "idp-configuration-error", "V3IwuUsy8PQp-9ZbE9UfUjOEo9c"),
        ("failure", "idp-configuration-error", "Qm1x8V3a-ZpW2yTtR9uKc0bHn4d")]
    assert "is not enabled for (SP)" in ev[0].text


def test_pingfederate_sso_endpoints_name_the_idp():
    """Its Issuer is whatever the admin typed; its endpoints are fixed."""
    assert idp_at("https://sso.contoso.example/idp/SSO.saml2?SAMLRequest=abc") == "pingfederate"
    assert idp_at("https://sso.contoso.example/idp/startSSO.ping?PartnerSpId=x") == "pingfederate"
    assert idp_at("https://sso.contoso.example/idp/other.saml2") is None


def test_case16_attempts_join_the_audit_log_and_fixes_name_pingfederate():
    """dave (IdP-initiated to the connection's old default ACS): the audit.log's SSO line (same user,
    same second) is part of the attempt, and the fix says where PingFederate keeps the ACS URL."""
    attempts = {a["time"]: a for a in scan_case(CASE16, "UTC")["attempts"]}
    dave = attempts["2026-02-10T10:21:30Z"]
    assert ("audit.log", "line 12") in refs(dave)
    assert dave["root_cause"] == "acs-path-wrong"
    assert "PingFederate: Applications > Integration > SP Connections" in dave["fix"]
    assert "Assertion Consumer Service URL" in dave["fix"]
    anna = attempts["2026-02-10T09:02:11Z"]
    assert ("audit.log", "line 3") in refs(anna)


def test_audit_time_is_read_in_the_given_zone():
    ev = _events("audit-pf12.log", timezone(timedelta(hours=-5)))
    assert ev[0].time == datetime(2025, 3, 11, 14, 40, 58, 117000, tzinfo=timezone.utc)
