"""A failure an SP log states in words no catalog entry knows is unknown-failure at its line (it had
no code: JSON lines, CSV and SARIF left it out and --fail-on warning passed it); sp-refused-callback is
an access log's or a capture's answer only, never the SP's own log line."""
from __future__ import annotations

import json

from click.testing import CliRunner

from samlscan.cli import main

WEB_LOG = (
    "2025.03.11 08:09:13 WARN  web[AZWEd1kLm9Qz000004B1][o.s.s.a.AuthenticationError] Fail to callback\n"
    "org.sonar.server.authentication.event.AuthenticationException: Fail to callback\n"
    "\tat org.sonar.auth.saml.SamlIdentityProvider.callback(SamlIdentityProvider.java:101)\n"
    "Caused by: org.example.UnheardOfException: the frobnicator refused the widget\n"
    "2025.03.11 08:09:13 DEBUG web[AZWEd1kLm9Qz000004B1][auth.event] login failure [cause|Fail to callback]"
    "[method|OAUTH2][provider|EXTERNAL|Corp SSO][IP|10.20.0.5|198.51.100.222][login|]\n"
)


def _scan(tmp_path, *extra):
    log = tmp_path / "web.log"
    log.write_text(WEB_LOG)
    return CliRunner().invoke(main, ["scan", str(log), "-q", *extra])


def test_an_unknown_reason_in_the_sps_log_is_unknown_failure_at_its_line(tmp_path):
    r = _scan(tmp_path, "--format", "jsonl", "--fail-on", "never")
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(x["code"], x["ref"]) for x in rows] == [("unknown-failure", "line 1")]
    assert "the frobnicator refused the widget" in rows[0]["message_text"]


def test_it_is_a_warning_that_fail_on_warning_sees(tmp_path):
    assert _scan(tmp_path, "--format", "jsonl", "--fail-on", "warning").exit_code == 1
    assert _scan(tmp_path, "--format", "jsonl", "--fail-on", "error").exit_code == 0


def test_the_attempt_names_it(tmp_path):
    doc = json.loads(_scan(tmp_path, "--format", "json", "--fail-on", "never").stdout)
    (attempt,) = doc["attempts"]
    assert (attempt["outcome"], attempt["root_cause"]) == ("failure", "unknown-failure")


def test_a_time_in_other_digits_or_of_any_length_is_no_time():
    """xs:dateTime's digits are ASCII (XML Schema 2 3.2.7): fullwidth '２０２５' is no year, and a run of
    10,000 '1's is no time (fromisoformat read it as 1111-11-11) (fuzz21's report)."""
    from samlscan.saml import parse_saml_time, parse_time

    for parse in (parse_time, parse_saml_time):
        assert parse("２０２５-03-11T08:41:00Z") is None
        assert parse("2025-03-11T08:41:00Z") is not None
    assert parse_time("1" * 10000) is None
