"""Error texts as people paste them: typographic quotes from a forum or a word processor ("key ‘saml’"),
and lines a terminal wrapped at its column, cutting a word ('does not exist o' / 'r is not enabled'):
`samlscan explain` and `check`'s input-not-saml hint still name the error (catalog._rejoined)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.catalog import lookup_error, lookup_pasted
from samlscan.cli import main

AUDIT = Path(__file__).resolve().parent.parent / "fixtures" / "audit36"
WRAPPED = ("java.lang.IllegalArgumentException: Identity provider sonarqube does not exist o\n"
           "r is not enabled\nat org.sonar.server.authentication.IdentityProviderRepository.getEnabled")
"""(as fixtures/audit36/sq-provider-not-enabled.txt's second line: cut at 80 columns)"""


@pytest.mark.parametrize("text, pattern", [
    ("Failed to retrieve IdentityProvider for key \u2018saml\u2019", "Failed to retrieve IdentityProvider for key '<key>'"),
    ("Failed to retrieve IdentityProvider for key 'saml'", "Failed to retrieve IdentityProvider for key '<key>'"),
    (WRAPPED, "Identity provider <key> does not exist or is not enabled"),
])
def test_explain_reads_typographic_quotes_and_wrapped_lines(text, pattern):
    res = CliRunner().invoke(main, ["explain", text])
    assert res.exit_code == 0, res.output
    assert res.output.startswith(f"sonarqube: {pattern}\n"), res.output[:300]


@pytest.mark.parametrize("text", [
    "Identity provider x does not exist o\nr is not enabled",  # (narrower than any terminal: its own breaks)
    "Identity provider sonarqube does not exist o\nr is not enabled, said the server at its login page",
])  # (the longest line last: no line was cut at the column)
def test_a_text_whose_lines_were_not_wrapped_is_not_rejoined(text):
    assert lookup_pasted(text) is None


@pytest.mark.parametrize("text", ["   ", "\n\n", "x" * 90])
def test_a_blank_or_one_line_text_is_looked_up_once(text):
    assert lookup_pasted(text) is None  # (nothing to rejoin: on the old code a blank one raised ValueError)


def test_a_text_that_matches_as_given_keeps_its_match():
    text = "Signature validation failed. SAML Response rejected\n" + "x" * 70 + "\nlong tail line " + "y" * 55
    assert lookup_pasted(text).pattern == "Signature validation failed. SAML Response rejected"


def test_check_of_the_wrapped_paste_names_the_error():
    doc = json.loads(CliRunner().invoke(main, ["check", str(AUDIT / "sq-provider-not-enabled.txt"), "--format", "json",
                                               "--fail-on", "never"]).stdout)
    (inp,) = doc["inputs"]
    assert inp["status"] == "failed" and "this is an error text of sonarqube (acs-path-wrong)" in inp["reason"], inp
    assert lookup_error(WRAPPED).code == "acs-path-wrong"
