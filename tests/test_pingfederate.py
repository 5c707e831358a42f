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


def _audit_line(text: str, tmp_path) -> list[LogEvent]:
    path = tmp_path / "audit.log"
    path.write_text(text + "\n", encoding="utf-8")
    return [e for e in parse_file(str(path), timezone.utc) if isinstance(e, LogEvent)]


def test_a_pipe_in_the_description_is_kept_and_appended_fields_shift_nothing(tmp_path):
    """The description was cut at its first '|' (every pipe split a field); responsetime (all
    digits) ends it, and what an admin appended after it is extra, not part of it."""
    (ev,) = _audit_line(
        "2025-03-11 09:40:58,117| tid:KrQZICn7532ys.iGyO5gE2Sq0GS| SSO| dev.user1| 203.0.113.77 | App| "
        "https://sp.example/saml2| SAML20| sso.example.org| IdP| failure| HTMLFormAdapter| "
        "Request denied | policy a|b | 87| HTMLFormAdapter| dev.user1@example.org", tmp_path)
    assert ev.text == "SSO failure: Request denied | policy a|b"
    assert (ev.user, ev.app, ev.outcome, ev.saml_ids) == ("dev.user1", "https://sp.example/saml2", "failure", ())


def test_server_log_line_with_an_impossible_date_is_malformed_as_in_audit_log(tmp_path):
    """It became a failure event without a time; audit.log counts such a line malformed."""
    path = tmp_path / "server.log"
    path.write_text((DATA / "server.log").read_text(encoding="utf-8").replace("2025-03-11 09:43:52,940",
                                                                             "2025-13-45 09:43:52,940"))
    got = list(parse_file(str(path), timezone.utc))
    assert [type(e).__name__ for e in got] == ["Malformed", "LogEvent"]
    assert all(e.time for e in got if isinstance(e, LogEvent))


def test_appended_saml_ids_join_the_captured_response_by_id(tmp_path):
    """%X{requestid}, %X{responseid} appended after responsetime (no header names them): the SSO
    line, logged an hour off by a server clock set wrong and with no subject, is part of anna's
    attempt by the response's ID and InResponseTo (case 16's HAR), not by time or user."""
    line = ("2026-02-10 10:02:13,500| tid:KrQZICn7532ys.iGyO5gE2Sq0GS| XRXqXS5lNAt-a._Xx6pS7kF0V6l| SSO| | "
            "192.0.2.31 | SonarQube Cloud| https://sonarcloud.io/saml2/metadata/contoso| SAML20| "
            "sso.contoso.example| IdP| success| HTMLFormAdapter| | 41| _475f2835-6f94-cf1e-6200-dee4a12974b5| "
            "o0I2mbadzdNIr.uBLQdmOHKNCNp| HTMLFormAdapter")
    (ev,) = _audit_line(line, tmp_path)
    assert ev.saml_ids == ("_475f2835-6f94-cf1e-6200-dee4a12974b5", "o0I2mbadzdNIr.uBLQdmOHKNCNp")
    (tmp_path / "chrome.har").write_bytes((CASE16 / "chrome-sonarcloud.har").read_bytes())
    attempts = {a["time"]: a for a in scan_case(tmp_path, "UTC")["attempts"]}
    assert ("audit.log", "line 1") in refs(attempts["2026-02-10T09:02:11Z"])
