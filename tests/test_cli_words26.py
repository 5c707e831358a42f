"""One wording for a missing input in every command, and --clock-skew as a duration."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from samlscan.cli import main

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VALID = str(ROOT / "fixtures" / "responses" / "valid" / "adfs.xml")  # its bearer window ends 08:46:00Z
CONFIG = str(ROOT / "fixtures" / "config" / "default.toml")


def _run(*args):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("command", [("check",), ("scan",), ("decode",), ("flows",), ("sanitize", "-o", "-")])
def test_a_missing_input_is_said_alike_by_every_command(command):
    r = _run(*command, "/nonexistent/login.har")
    assert r.exit_code == 2
    assert "samlscan: no such file or directory: /nonexistent/login.har" in r.output


@pytest.mark.parametrize("given, seconds", [("300", 300), ("300s", 300), ("5m", 300), ("5 min", 300),
                                            ("1h", 3600), ("0", 0)])
def test_clock_skew_takes_seconds_or_minutes(given, seconds):
    from samlscan.cli import Seconds

    assert Seconds().convert(given, None, None) == seconds


@pytest.mark.parametrize("given", ["5x", "-5", "", "1.5m", "5m30", "\u0663h"])  # (Arabic-Indic 3: no ASCII digit)
def test_clock_skew_refuses_what_is_no_duration(given):
    r = _run("check", "--clock-skew", given, VALID)
    assert r.exit_code == 2
    assert "give seconds (300) or minutes (5m)" in r.output


def test_clock_skew_in_minutes_judges_as_in_seconds():
    def codes(skew):  # judged 90 s after the window's end
        r = _run("check", "--config", CONFIG, "--at", "2025-03-11T08:47:30Z", "--clock-skew", skew,
                 "--format", "jsonl", "-q", VALID)
        return {json.loads(line)["code"] for line in r.stdout.splitlines()}

    assert "subject-confirmation-expired" in codes("60") == codes("1m")
    assert "subject-confirmation-expired" not in codes("2m") == codes("120")


@pytest.mark.parametrize("hint, said", [
    ("pass --sp-key with the SP's private key (PEM)", "Pass --sp-key with the SP's private key (PEM)"),
    ("nothing to fix", "Nothing to fix"),
    ("java-saml and python3-saml reject it", "java-saml and python3-saml reject it"),  # a name stays as written
    ("sonar.auth.saml.user.email must be 'mail'", "sonar.auth.saml.user.email must be 'mail'"),
    ("okta: the app's profile", "okta: the app's profile"),
])
def test_a_checks_fix_is_a_sentence_as_the_catalogs_are(hint, said):
    from samlscan.checks.base import finding
    from samlscan.model import SamlMessage, Source

    msg = SamlMessage(source=Source("x"), index=0, kind="Response", id="_r", in_response_to=None, version="2.0",
                      issue_instant=None, destination=None, issuer=None)
    assert finding(msg, "assertion-encrypted-no-key", "text", hint=hint).hint == said
