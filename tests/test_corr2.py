"""Correlation defects found by support cases 10 (Okta + SonarQube 10.x java-saml, Firefox HAR) and 11
(Keycloak + SonarQube 2025 Spring, JSON web.log 4 minutes slow, Chrome HAR with a login loop)."""
from __future__ import annotations

import json
import shutil

import pytest
from case_util import ROOT, refs, scan_case
from click.testing import CliRunner

from samlscan.cli import main

CASE10 = ROOT / "tests" / "data" / "case10"
CASE11 = ROOT / "tests" / "data" / "case11"


@pytest.fixture(scope="module")
def case11() -> dict:
    return scan_case(CASE11, "Europe/Berlin")


@pytest.fixture(scope="module")
def case10() -> dict:
    return scan_case(CASE10, "UTC")


def _at(scan: dict, time: str) -> dict:
    (a,) = [a for a in scan["attempts"] if a["time"] == time]
    return a


# --- 1. the clock offset of a log that names no SAML ID ----------------------------------------------

def test_an_sp_log_without_saml_ids_is_measured_on_the_logins_of_its_users(case11):
    """SonarQube Spring's 'login success' lines name no SAML ID: web.log's 4 minutes were never
    measured, lena's five successes were attempts of their own, the first round was dated 08:56:18
    (web.log's clock) and joined with the fifth round's success line, and no note gave the offset."""
    notes = [n for n in case11["summary"]["notes"] if n.startswith("clock offset of") and "web.log" in n]
    assert len(notes) == 1 and "-239 s" in notes[0] and "runs 239 s behind" in notes[0]
    assert not any(refs(a) <= {("web.log", f"line {n}") for n in range(1, 14)} for a in case11["attempts"])
    first = _at(case11, "2025-11-18T09:00:02Z")
    assert ("web.log", "line 4") in refs(first) and ("web.log", "line 12") not in refs(first)
    # (the fifth round, a login loop since kcflows, begins at its AuthnRequest, 09:00:17)
    assert ("web.log", "line 12") in refs(_at(case11, "2025-11-18T09:00:17Z"))
    ivo = _at(case11, "2025-11-18T09:41:30Z")  # dated by the capture, not by SonarQube's clock
    assert ivo["user"] == "ivo.petrov" and ("web.log", "line 13") in refs(ivo)
    assert not any(a["time"].startswith("2025-11-18T08:5") for a in case11["attempts"])


def test_one_login_alone_measures_no_offset(tmp_path):
    """One pair (ivo's login in the capture and in web.log, no IdP log) could be two logins 4 minutes
    apart: an offset is measured on 3 pairs, or 2 that agree."""
    for name in ("chrome-sonar.har", "web.log"):
        shutil.copy(CASE11 / name, tmp_path / name)
    with open(tmp_path / "web.log", encoding="utf-8") as fh:  # ivo's line only
        ivo = [line for line in fh if "ivo.petrov" in line or "Starting" in line]
    (tmp_path / "web.log").write_text("".join(ivo), encoding="utf-8")
    scan = scan_case(tmp_path, "Europe/Berlin")
    assert not any(n.startswith("clock offset of") for n in scan["summary"]["notes"])


# --- 2. one Keycloak event in two exports -----------------------------------------------------------

def test_one_keycloak_event_in_two_exports_is_one_attempt(case11):
    """marc's client_not_found in keycloak-server.log (line 7) and keycloak-events.json (line 22)
    were two app-not-found attempts."""
    found = [a for a in case11["attempts"] if a["root_cause"] == "app-not-found"]
    assert len(found) == 1
    assert {("keycloak-server.log", "line 7"), ("keycloak-events.json", "line 22")} <= refs(found[0])
    assert case11["summary"]["failures_by_cause"]["app-not-found"] == 1


# --- 3. an app-not-found event names no application -------------------------------------------------

def test_the_sps_wrong_entity_id_is_not_another_application(case11):
    """'the IdP logs hold sign-ins to 2 applications: sonarqube (6), https://sonar.example.com (2)':
    the second is the Issuer no Keycloak client has (client_not_found), not an application."""
    assert not any("applications" in n for n in case11["summary"]["notes"])


def test_an_app_not_found_event_is_kept_in_a_scan_of_logs(tmp_path):
    """Without the capture, the client_not_found event was left out as a sign-in to 'another
    application' (its clientId is no name the SP has at the IdP): it is the SP's own failure."""
    for name in ("keycloak-server.log", "web.log"):
        shutil.copy(CASE11 / name, tmp_path / name)
    scan = scan_case(tmp_path, "Europe/Berlin")
    assert [a["root_cause"] for a in scan["attempts"] if a["outcome"] == "failure"] == ["app-not-found"]
    assert not any("other applications" in n or "applications:" in n for n in scan["summary"]["notes"])


# --- 4./5. java-saml's destination check ------------------------------------------------------------

def test_java_saml_destination_refusal_is_explained_by_the_url_it_arrived_on(case10):
    """The note said java-saml's SonarQube (10.x) compares with sonar.core.serverBaseURL +
    /oauth2/callback/saml: that is Spring's (2025.1+); java-saml compares with the URL the request
    arrived on, rebuilt from X-Forwarded-Proto and Host."""
    (a,) = [a for a in case10["attempts"] if a["root_cause"] == "destination-mismatch"]
    (note,) = [n for n in a["notes"] if "compares" in n]
    assert "java-saml" in note and "X-Forwarded-Proto" in note and "arrived on" in note
    assert "sonar.core.serverBaseURL + /oauth2/callback/saml" not in note


def test_a_har_alone_gets_the_catalogs_fix_for_sonarqubes_error_text():
    """With the HAR alone, SonarQube's AUTHENTICATION-ERROR text ('The response was received at
    http://... instead of https://...') got the code's generic fix, not the catalog's proxy fix."""
    res = CliRunner().invoke(main, ["check", str(CASE10 / "firefox-carol.har"), "--format", "json",
                                    "--fail-on", "never"])
    (a,) = [a for a in json.loads(res.stdout)["attempts"] if a["outcome"] == "failure"]
    assert a["root_cause"] == "destination-mismatch"
    assert "X-Forwarded-Proto: https" in a["fix"] and "fix the proxy" in a["fix"]
    assert any("java-saml" in n for n in a["notes"])
