"""Failures by IdP / by SP: one row per party, whatever name each attempt knows it by."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

from click.testing import CliRunner

from samlscan.cli import main
from samlscan.engine import MessageResult, Report
from samlscan.model import Attempt, Evidence
from samlscan.report.attempts_table import render_attempts
from samlscan.report.document import party_counts, summary

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OKTA = "http://www.okta.com/exk123"
ENTRA = "https://sts.windows.net/9a8b7c6d/"
SP = "https://sonar.example.com/saml2"


def _response(issuer, audience=SP):
    """What party_counts reads of a captured response: its Issuer and Audience."""
    assertion = SimpleNamespace(issuer=issuer, audience_restrictions=((audience,),))
    return MessageResult(SimpleNamespace(kind="Response", issuer=issuer, assertions=(assertion,)), (), "capture")


def _attempt(i, idp=None, sp=None, idp_aka=(), sp_aka=(), outcome="failure"):
    return Attempt(time=datetime(2025, 3, 11, 9, i, tzinfo=timezone.utc), user=f"u{i}", outcome=outcome,
                   root_cause="audience-mismatch" if outcome == "failure" else None, side=None, fix=None,
                   findings=(), evidence=(Evidence("x.log", "log", f"line {i}"),), idp=idp, sp=sp,
                   idp_aka=tuple(idp_aka), sp_aka=tuple(sp_aka))


def _report(attempts, messages=(_response(OKTA), _response(ENTRA))):
    return Report((), tuple(messages), (), attempts=tuple(attempts))


def test_one_idp_named_four_ways_is_one_row_and_another_idp_stays_apart():
    report = _report([
        _attempt(0, OKTA, idp_aka=("okta",)),       # a capture and the Okta log: both names known
        _attempt(1, "okta"),                         # only the Okta System Log saw it
        _attempt(2, OKTA.upper()),                   # another letter case
        _attempt(3, "Okta"),
        _attempt(4, ENTRA, idp_aka=("entra",)),      # a genuinely different IdP
        _attempt(5, OKTA, outcome="success"),        # successes are not counted
    ])
    assert party_counts(report, "idp") == {OKTA: 4, ENTRA: 1}


def test_one_sp_by_entity_id_display_name_and_product_is_one_row():
    report = _report([
        # the IdP log named the app first: the entity ID still keys the attempt
        _attempt(0, sp="SonarQube Prod", sp_aka=(SP, "sonarqube")),
        _attempt(1, sp="SonarQube Prod"),            # only the IdP log (its display name)
        _attempt(2, sp="sonarqube"),                 # only the SP's own log (its product)
        _attempt(3, sp=SP),
        _attempt(4, sp="https://jira.example.com/saml", sp_aka=("Jira",)),
        _attempt(5),                                 # nobody named it
    ], messages=(_response(OKTA), _response(OKTA, "https://jira.example.com/saml")))
    assert party_counts(report, "sp") == {SP: 4, "https://jira.example.com/saml": 1, "unknown": 1}


def test_a_product_name_beside_two_tenants_is_not_guessed():
    a, b = "http://www.okta.com/exkAAA", "http://www.okta.com/exkBBB"
    report = _report([_attempt(0, a, idp_aka=("okta",)), _attempt(1, b, idp_aka=("okta",)), _attempt(2, "okta"),
                      _attempt(3, a, idp_aka=("okta",))],
                     messages=(_response(a), _response(b)))
    assert party_counts(report, "idp") == {a: 2, b: 1, "okta": 1}


def test_json_and_text_show_the_same_tally():
    report = _report([_attempt(0, OKTA, idp_aka=("okta",)), _attempt(1, "okta"), _attempt(2, ENTRA)])
    assert summary(report)["failures_by_idp"] == {OKTA: 2, ENTRA: 1}
    text = render_attempts(report)
    assert f"failures by IdP:   {OKTA} 2, {ENTRA} 1" in text.splitlines()


def test_a_scan_counts_the_idp_once_though_its_attempts_name_it_two_ways():
    """okta-spring: the captured logins name Okta by its entity ID, those only Okta's System Log
    saw by its product (names32: each attempt names it by that ID now, its label 'Okta (<ID>)'); an
    attempt names SonarQube by its entity ID 'sonarqube' whenever one of its
    pieces gives it, though Okta's line calls it 'SonarQube' (its app label) first."""
    res = CliRunner().invoke(main, ["scan", str(FIXTURES / "scenarios" / "okta-spring"), "--format", "json",
                                    "--jobs", "1", "--fail-on", "never"])
    doc = json.loads(res.stdout)
    failures = [a for a in doc["attempts"] if a["outcome"] == "failure"]
    assert {a["idp"] for a in failures} == {"http://www.okta.com/exk7sonarEXAMPLE"}
    assert {a["idp_name"] for a in failures} == {"Okta (http://www.okta.com/exk7sonarEXAMPLE)"}
    assert doc["summary"]["failures_by_idp"] == {"http://www.okta.com/exk7sonarEXAMPLE": len(failures)}
    named = [a for a in failures if a["sp"]]
    assert {a["sp"] for a in named} == {"sonarqube"}
    assert doc["summary"]["failures_by_sp"] == {"sonarqube": len(named), "unknown": len(failures) - len(named)}
