"""Support case 12's logins as one attempt each (tests/data/case12, fixtures/gen_case12.py): a
response samlscan cannot decrypt (its assertion encrypted to the SP key of before the rotation,
while sonar.properties holds the new one) still joins the SP's log line and the IdP's event of
its login, and samlscan's own decryption failure neither hides the SP's success nor outranks an
unsigned Response that Spring Security never decrypts."""
from __future__ import annotations

import json

from case_util import ROOT
from click.testing import CliRunner

from samlscan.cli import main

CASE = ROOT / "tests" / "data" / "case12"


def _run(*args: str) -> dict:
    res = CliRunner().invoke(main, [*args, "--format", "json", "--fail-on", "never"])
    return json.loads(res.stdout)


def _scan() -> list[dict]:
    return _run("scan", str(CASE))["attempts"]


def _at(attempts: list[dict], minute: str) -> list[dict]:
    return [a for a in attempts if a["time"] and a["time"][11:16] == minute]


def _refs(attempt: dict) -> set:
    return {(e["input"].rsplit("/", 1)[-1], e["ref"]) for e in attempt["evidence"]}


def test_one_attempt_per_login():
    """Seven attempts before: each HAR POST apart from the SP's log line of its login."""
    assert [a["time"][11:16] for a in _scan()] == ["08:05", "08:40", "09:41", "10:02"]


def test_a_login_the_sp_accepted_is_no_decryption_failure():
    """olga's response is encrypted to the SP key of before the rotation: samlscan, given the new
    key, cannot decrypt it, but SonarQube logged her login's success. One attempt, a success, and a
    note that the key samlscan was given is not the one the SP held then."""
    (olga,) = _at(_scan(), "08:05")
    assert olga["outcome"] == "success" and olga["root_cause"] is None
    assert {("safari-sonar.har", "entry 2"), ("web.log", "line 2"), ("auth0-logs.json", "line 71")} <= _refs(olga)
    assert any("not the one the SP held then" in n for n in olga["notes"])


def test_an_unsigned_response_is_the_cause_not_samlscans_decryption_failure():
    """paul's Response is unsigned around an encrypted assertion: Spring never decrypts it and logs
    'No assertions found in response.'. The HAR's POST and the log line were two attempts, the
    HAR's put down to decryption-failed."""
    (paul,) = _at(_scan(), "08:40")
    assert paul["root_cause"] == "response-signature-required"
    assert {("safari-sonar.har", "entry 6"), ("web.log", "line 11")} <= _refs(paul)
    assert '"signResponse": true' in paul["fix"]


def test_without_the_log_the_unsigned_response_still_outranks_the_decryption_failure():
    (paul,) = _at(_run("check", str(CASE / "safari-sonar.har"), "--sonar-settings",
                       str(CASE / "sonar.properties"))["attempts"], "08:40")
    assert paul["root_cause"] == "response-signature-required"
    assert any("decryption-failed" in n for n in paul["notes"])


def test_an_undecryptable_response_joins_the_logs_of_its_login():
    """rosa's response cannot be decrypted (no user in it); Auth0's success and SonarQube's
    refusal 0.2 s and 1.4 s later in the same login were another attempt."""
    (rosa,) = _at(_scan(), "09:41")
    assert rosa["user"] == "rosa.diaz@example.com" and rosa["root_cause"] == "decryption-failed"
    assert {("safari-sonar.har", "entry 10"), ("auth0-logs.json", "line 25"), ("web.log", "line 13")} <= _refs(rosa)


def test_decryption_failed_fix_says_where_auth0_takes_the_sp_certificate():
    (rosa,) = _at(_scan(), "09:41")
    assert "sonar.auth.saml.sp.certificate.secured" in rosa["fix"]
    assert '"encryptionCert"' in rosa["fix"] and '"encryptionPublicKey"' in rosa["fix"]
    # the HAR alone: Auth0 known by its Issuer (urn:<tenant>.auth0.com)
    (alone,) = _at(_run("check", str(CASE / "safari-sonar.har"), "--sonar-settings",
                        str(CASE / "sonar.properties"))["attempts"], "09:41")
    assert alone["root_cause"] == "decryption-failed" and '"encryptionCert"' in alone["fix"]


def test_decryption_failed_fix_names_no_auth0_setting_for_another_idp():
    fixtures = ROOT / "fixtures"
    (a,) = _run("check", str(fixtures / "responses/defects/decryption-failed.xml"), "--sp-key",
                str(fixtures / "keys/sp.key"), "--idp-cert", str(fixtures / "keys/idp.crt"))["attempts"]
    assert a["root_cause"] == "decryption-failed" and "Auth0" not in a["fix"]
