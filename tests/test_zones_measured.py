"""An IdP log's hours measured, not only an SP log's: a log written in local time (Shibboleth's
idp-process.log) read as UTC, and an IdP clock running ahead for a while (a broken NTP), each said in a
note (tests/data/case13 and case14, made by fixtures/gen_case13.py and gen_case14.py)."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from samlscan.cli import main

ROOT = Path(__file__).resolve().parents[1]
CASE13 = ROOT / "tests" / "data" / "case13"
CASE14 = ROOT / "tests" / "data" / "case14"

_PROCESS = ("{t},000 - 10.0.0.{n} - INFO [net.shibboleth.idp.authn.impl.LDAPCredentialValidator:200] - "
            "Credential Validator ldap: Login by '{user}' succeeded")
_AUDIT = ("10.0.0.{n}|{t}.000Z|{t}.000Z|{user}|sonarqube|_{n:032x}|urn:oasis:names:tc:SAML:2.0:ac:classes:"
          "PasswordProtectedTransport|{t}.000Z|uid,mail|AAdz{n}|urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
          "|false|false||urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect|urn:oasis:names:tc:SAML:2.0:bindings:"
          "HTTP-POST||urn:oasis:names:tc:SAML:2.0:status:Success||_{n:031x}a|Mozilla/5.0")


def _scan(*args: str) -> dict:
    res = CliRunner().invoke(main, ["scan", *args, "--format", "json", "--jobs", "1", "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout)


def _notes(doc: dict, about: str) -> list[str]:
    return [n for n in doc["summary"]["notes"] if about in n]


def test_an_idp_log_in_local_time_is_measured_against_the_capture_and_the_audit_log():
    """case 13: idp-process.log is in Amsterdam time, idp-audit.log and the HAR in UTC. Its lines name
    the user only (no SAML ID), and its logins are an hour from the same users' elsewhere, beyond the
    10 minutes runs are paired in: nothing measured it, every line was read an hour late, unsaid."""
    doc = _scan(str(CASE13))
    (note,) = _notes(doc, "clock offset of " + str(CASE13 / "idp-process.log"))
    assert "about 1 h ahead (UTC+1) looks like a time zone" in note and "--timezone 'idp-process.log=+01:00'" in note
    # corrected: avdberg's login at the IdP is dated by the capture's clock, not an hour later
    assert not [a for a in doc["attempts"] if a["time"].startswith("2026-01-20T09:02")]
    process = str(CASE13 / "idp-process.log")
    assert [a for a in doc["attempts"] if a["time"].startswith("2026-01-20T08:02")
            and {"input": process, "kind": "log", "ref": "line 1"} in a["evidence"]]  # avdberg's login


def test_without_a_capture_a_local_idp_log_is_measured_against_a_zoned_one():
    """The same logs without the HAR: idp-audit.log's times carry 'Z', idp-process.log's none."""
    doc = _scan(str(CASE13), "--exclude", "*.har")
    (note,) = _notes(doc, "clock offset of " + str(CASE13 / "idp-process.log"))
    assert f"shares with {CASE13 / 'idp-audit.log'}" in note and "looks like a time zone" in note
    assert not _notes(doc, "clock offset of " + str(CASE13 / "idp-audit.log"))


def test_a_half_hour_zone_is_found_too(tmp_path):
    """India (UTC+05:30): any zone, not the sample's hour."""
    users = [("asha", 1), ("ravi", 2), ("meera", 3)]
    (tmp_path / "idp-process.log").write_text("".join(
        _PROCESS.format(t=f"2026-02-03 {15 + i}:{10 + i}:05", n=n, user=u) + "\n" for i, (u, n) in enumerate(users)))
    (tmp_path / "idp-audit.log").write_text("".join(
        _AUDIT.format(t=f"2026-02-03T{9 + i:02d}:{40 + i}:07", n=n, user=u) + "\n" for i, (u, n) in enumerate(users)))
    doc = _scan(str(tmp_path))
    (note,) = _notes(doc, "clock offset of " + str(tmp_path / "idp-process.log"))
    assert "+19798 s" in note and "--timezone 'idp-process.log=+05:30'" in note


def test_an_idp_log_seconds_from_the_capture_is_no_clock_offset():
    """Entra's sign-in log dates a sign-in's start, seconds before the response: measured by user it
    is 2 s 'behind', the user's own time at the IdP, which no note calls a clock."""
    doc = _scan(str(ROOT / "fixtures" / "scenarios" / "entra-javasaml"))
    assert not _notes(doc, "InteractiveSignIns.json")


def test_an_idp_clock_ahead_for_one_login_is_said_at_that_login():
    """case 14: the IdP's NTP broke for half an hour; lena's second response (IssueInstant 09:58:20)
    reached the browser at 09:48:21 and SimpleSAMLphp's line of it is at 09:58:20. The line names
    no user and no ID, and the log's other login seen by the capture agrees with it to the second,
    so no offset of the whole log exists: nothing said where the IdP's line of that login was."""
    doc = _scan(str(CASE14), "--sonar-settings", str(CASE14 / "sonar.properties"))
    (note,) = [n for n in _notes(doc, "simplesamlphp.log") if "without a zone" not in n]  # (zones30's own)
    assert note.startswith(f"{CASE14 / 'simplesamlphp.log'} [line 14] logs at 09:58:20 the response "
                           f"{CASE14 / 'firefox-lena.har'} [entry 6] received at 09:48:21")
    assert "ran 599 s ahead of the capture" in note
