"""A live SimpleSAMLphp 1.19.7 IdP's own output (tests/data/livessp, see its SOURCES.md): its signed
responses are verified for real against its metadata, and its file log turns into login attempts."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main

DIR = Path(__file__).parent / "data" / "livessp"
KEYS = Path(__file__).parents[1] / "fixtures" / "keys"
AT = "2026-11-29T13:17:00Z"  # a few seconds after SSP issued them (SOURCES.md)
SONAR = ["--sp-entity-id", "sonarqube", "--acs-url", "https://sonar.example.com/oauth2/callback/saml",
         "--login-attribute", "login", "--name-attribute", "name", "--email-attribute", "email",
         "--group-attribute", "groups", "--at", AT, "--idp-metadata", str(DIR / "metadata.xml")]


def _run(*args: str) -> dict:
    result = CliRunner().invoke(main, [*args, *SONAR, "--format", "json", "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _check(variant: str, *extra: str) -> tuple[dict, set[str]]:
    report = _run("check", str(DIR / f"{variant}.b64"), *extra)
    (message,) = report["messages"]
    return message, {f["code"] for f in message["findings"]}


@pytest.mark.parametrize("variant, extra, codes", [
    ("good", (), set()),
    ("acs-not-in-metadata", (), set()),  # SSP answered at the SP's default ACS: nothing to refuse
    ("encrypted", ("--sp-key", str(KEYS / "sp.key")), set()),
    ("mail-not-email", (), {"email-under-other-name", "group-attribute-missing"}),
    ("transient", (), {"login-attribute-missing", "group-attribute-missing"}),
])
def test_each_variant_gets_its_findings_and_a_verified_signature(variant, extra, codes):
    message, found = _check(variant, *extra)
    assert found == codes
    text = json.dumps(message)
    assert "verified" in text and "D8:47:5B:00:09:04:BB:99" in text  # fixtures/keys/idp.crt


def test_the_encrypted_assertion_needs_the_sp_key():
    _, found = _check("encrypted")
    assert found and not found & {"email-under-other-name", "login-attribute-missing"}


def test_another_certificate_does_not_verify_ssps_signature():
    result = CliRunner().invoke(main, ["check", str(DIR / "good.b64"), "--sp-entity-id", "sonarqube",
                                       "--at", AT, "--idp-cert", str(KEYS / "attacker.crt"),
                                       "--format", "json", "--fail-on", "never"])
    (message,) = json.loads(result.stdout)["messages"]
    assert any(f["severity"] == "error" and "sig" in f["code"] for f in message["findings"])


def _parse_log():
    from samlscan.logs import _open_text, iter_lines
    from samlscan.logs.simplesamlphp import SimpleSamlPhpParser
    from samlscan.model import LogEvent
    path = DIR / "simplesamlphp.log"
    with _open_text(str(path)) as fh:
        recs = list(SimpleSamlPhpParser(year=2026).parse(iter_lines(fh), str(path), __import__(
            "datetime").timezone.utc))
    return [r for r in recs if isinstance(r, LogEvent)]


def test_ssps_log_gives_one_success_a_response_with_the_user_who_logged_in():
    """'saml20-idp-SSO-first' marks the SP's first login of the session, beside 'saml20-idp-SSO':
    one response, not two; the NameID is 'NA' there, the user is in the auth source's line."""
    successes = [e for e in _parse_log() if e.outcome == "success"]
    assert len(successes) == 5
    assert {(e.app, e.user) for e in successes} == {("sonarqube", "alice")}


def test_a_wrong_password_is_a_failure_of_the_idp_login():
    failures = [(e.code, e.request_id) for e in _parse_log() if e.outcome == "failure"]
    assert ("idp-authentication-failed", "3845a0ccfc") in failures
    assert ("app-not-found", "e13a9abb59") in failures


def test_scan_joins_the_log_with_the_responses_and_names_each_cause():
    report = _run("scan", str(DIR), "--exclude", "record.py", "--exclude", "*.md",
                  "--sp-key", str(KEYS / "sp.key"))
    attempts = report["attempts"]
    by_cause = {a["root_cause"]: a for a in attempts if a["outcome"] == "failure"}
    assert by_cause["app-not-found"]["side"] == "idp"
    assert {e["input"].rsplit("/", 1)[-1] for e in by_cause["app-not-found"]["evidence"]} == {
        "simplesamlphp.log", "unknown-sp.html"}
    assert by_cause["idp-authentication-failed"]["side"] == "user"
    assert by_cause["login-attribute-missing"]["side"] == "idp"
    good = next(a for a in attempts if any(e["input"].endswith("good.b64") for e in a["evidence"]))
    assert good["outcome"] == "success" and good["user"] == "alice"
    assert any(e["input"].endswith("simplesamlphp.log") for e in good["evidence"])
