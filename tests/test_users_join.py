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
