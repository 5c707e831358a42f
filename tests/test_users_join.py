"""Who an attempt's user is, and an IdP's log lines joined to the login they belong to (support
cases 13 and 14: Shibboleth IdP 5 and SimpleSAMLphp with SonarQube; tests/data/case13, case14).

A transient NameID ('AAdzZWNy...', '_e22f...') was the attempt's user although the response
carried the SP's login attribute and the logs named the user; the IdP's 'Login by X succeeded'
and SimpleSAMLphp's STAT line stood as success attempts of their own beside the SP's refusal; and
Spring's signature refusal of an RSA-SHA1 response that verifies was 'configure the certificate'.
"""
from __future__ import annotations

import json
from pathlib import Path

from case_util import ROOT, scan_case
from click.testing import CliRunner

from samlscan.cli import main

CASE13 = ROOT / "tests" / "data" / "case13"
CASE14 = ROOT / "tests" / "data" / "case14"
ZONE13 = "idp-process.log=Europe/Amsterdam"
TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"


def _scan(*args) -> dict:
    res = CliRunner().invoke(main, ["scan", *map(str, args), "--format", "json", "--jobs", "1", "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout)


def _case14(*extra) -> dict:
    return _scan(CASE14, "--sonar-settings", CASE14 / "sonar.properties", *extra)


def _inputs(attempt: dict) -> set[str]:
    return {Path(e["input"]).name for e in attempt["evidence"]}


def _at(doc: dict, time: str) -> dict:
    return next(a for a in doc["attempts"] if a["time"] == time)


# 1. the user


def test_the_sp_login_attribute_names_the_user_not_the_transient_nameid():
    """SimpleSAMLphp sends a transient NameID; SonarQube logs in by uid
    (sonar.auth.saml.user.login): paul's refused login showed '_4067c43b...'."""
    doc = _case14()
    assert [a["user"] for a in doc["attempts"] if a["user"]] == [
        "olgaberg", "lenavoss", "paulkent", "lenavoss", "olgaberg"]


def test_the_idp_logs_user_names_it_when_the_login_attribute_is_missing():
    """Shibboleth's transient NameID: ben's response lacks the login attribute (mail filtered
    out), and the IdP's audit log names him; every attempt showed 'AAdzZWNy...'."""
    doc = scan_case(CASE13, ZONE13)
    users = {a["user"] for a in doc["attempts"]}
    assert {"avdberg", "bjansen", "dbakker", "evisser"} <= users
    assert not any(u and u.startswith("AAdzZWNy") for u in users)


def test_the_transient_nameid_stays_where_nothing_better_exists():
    doc = _scan(CASE14 / "paul-response.xml")
    (paul,) = doc["attempts"]
    assert paul["user"] == "_4067c43b77731c9e64f794ca05bee90f"


def test_redact_masks_the_name_shown_instead():
    out = CliRunner().invoke(main, ["scan", str(CASE14), "--sonar-settings", str(CASE14 / "sonar.properties"),
                                    "--redact", "--jobs", "1", "--fail-on", "never"]).output
    assert "paulkent" not in out and "olgaberg" not in out and "<pii:" in out


# 2. IdP lines joined to their login


def test_an_idp_authentication_success_joins_the_login_the_sp_refused():
    """'Login by 'bjansen' succeeded' 3 s before SonarQube's refusal of his response was a success
    attempt of its own; the IdP authenticated him, the SP refused: one failed login."""
    doc = scan_case(CASE13, ZONE13)
    ben = [a for a in doc["attempts"] if a["user"] == "bjansen"]
    assert len(ben) == 1 and ben[0]["outcome"] == "failure"
    assert {"idp-process.log", "idp-audit.log", "chrome-sonar.har", "web.log"} <= _inputs(ben[0])
    # no IdP authentication line stands alone: each is the start of its login
    assert not [a for a in doc["attempts"] if _inputs(a) == {"idp-process.log"} and a["outcome"] == "success"]


def test_a_process_log_refusal_and_its_audit_line_are_one_attempt():
    """dave: the process log's InvalidNameIDPolicy (no user), the audit line a moment later (his
    name), and his authentication 3 s before were three attempts."""
    doc = scan_case(CASE13, ZONE13)
    (dave,) = [a for a in doc["attempts"] if a["user"] == "dbakker"]
    assert dave["outcome"] == "failure" and dave["root_cause"] == "request-invalid"
    lines = {(Path(e["input"]).name, e["ref"]) for e in dave["evidence"]}
    assert {("idp-process.log", "line 6"), ("idp-process.log", "line 7"), ("idp-audit.log", "line 3")} <= lines


def _process_log(path: Path, *lines: tuple[str, str, str]) -> None:
    path.write_text("".join(f"2026-01-20 {t} - {ip} - INFO [net.shibboleth.idp.authn.impl.LDAPCredentialValidator:200]"
                            f" - Credential Validator ldap: Login by '{user}' succeeded\n" for t, ip, user in lines))


def _audit(ip: str, t: str, user: str) -> str:
    """An IdP 5 audit line of a refused request (the default format's fields, as in case 13)."""
    return (f"{ip}|2026-01-20T{t}Z|2026-01-20T{t}Z|{user}|sonarqube|||||||false|false||"
            "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect|urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST|"
            "InvalidNameIDPolicy|urn:oasis:names:tc:SAML:2.0:status:Requester|"
            f"urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy|_{user}{t[:2]}{t[3:5]}|Mozilla/5.0\n")


def test_an_authentication_joins_only_the_same_clients_next_decision(tmp_path):
    """Not for one fixture's shape: another user behind the same IP, a refusal before the
    authentication (the user's next try), or one a minute later are attempts of their own."""
    _process_log(tmp_path / "idp-process.log", ("09:00:00,000", "192.0.2.7", "kim"),
                 ("09:10:05,000", "192.0.2.8", "lou"), ("09:20:00,000", "192.0.2.9", "max"))
    (tmp_path / "idp-audit.log").write_text(
        _audit("192.0.2.7", "09:00:02.000", "kim")  # kim, 2 s after her authentication: hers
        + _audit("192.0.2.8", "09:10:03.000", "lou")  # before lou's authentication: his earlier try
        + _audit("192.0.2.9", "09:21:00.000", "max")  # a minute after: not the same request
        + _audit("192.0.2.7", "09:30:00.000", "ned"))
    got = sorted((a["time"][11:19], a["user"], a["outcome"], len(a["evidence"])) for a in _scan(tmp_path)["attempts"])
    assert got == [("09:00:00", "kim", "failure", 2), ("09:10:03", "lou", "failure", 1),
                   ("09:10:05", "lou", "success", 1), ("09:20:00", "max", "success", 1),
                   ("09:21:00", "max", "failure", 1), ("09:30:00", "ned", "failure", 1)]


def test_simplesamlphps_stat_line_joins_the_sp_refusal_of_that_moment():
    """STAT saml20-idp-SSO names no user: it stood as a 'success' with user '-' beside lena's
    refused login; the IdP issuing is no success when the SP refused."""
    doc = _case14()
    lena = _at(doc, "2025-12-09T08:52:03Z")
    assert lena["outcome"] == "failure" and "simplesamlphp.log" in _inputs(lena)
    # (its 09:58:20 line is the issue of lena's second response, the IdP's clock 10 min ahead: joined
    # to that login by the response's IssueInstant, test_corrfollow)
    assert not [a["time"] for a in doc["attempts"] if _inputs(a) == {"simplesamlphp.log"}]


# 3. Spring's signature refusal of a SHA-1 response


def test_springs_refusal_of_a_sha1_signature_that_verifies_is_the_weak_algorithm():
    """paul, 09:14: SonarQube 2025 (Spring, OpenSAML 4) said 'Invalid signature for object' of a
    response that verifies with the configured certificate and is signed with RSA-SHA1. The cause
    was signature-invalid with 'Configure the IdP's current signing certificate'."""
    paul = _at(_case14(), "2025-12-09T09:14:40Z")
    assert paul["root_cause"] == "signature-weak-algorithm" and paul["side"] == "idp"
    assert "SHA-256" in paul["fix"] and "certificate.secured" not in paul["fix"]
    assert any("OpenSAML 4" in n for n in paul["notes"])
