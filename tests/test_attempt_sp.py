"""Which SP an attempt is about, and a fix in that SP's own words (not SonarQube's settings for a
login that failed at another application of the tenant)."""
from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from samlscan.cli import main
from samlscan.config import build
from samlscan.correlate import correlate
from samlscan.engine import analyze

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RESPONSE_ID = "id414131815852436948802568494"
ASSERTION_ID = "id508137079797731393010513813"
PORTAL_ACS = "https://portal.example.com/login/saml2/sso/auth0"
# a Spring Boot app's log (the portal's), in UTC
SPRING_LOG = (
    "2025-03-11 08:41:00.900 DEBUG 2231 --- [nio-8443-exec-3] .s.p.s.a.OpenSaml4AuthenticationProvider : "
    f"Found 1 validation errors in SAML response [{RESPONSE_ID}]\n"
    "2025-03-11 08:41:00.900 ERROR 2231 --- [nio-8443-exec-3] .portal.security.SamlLoginFailureHandler : "
    f"SAML login failed: Invalid assertion [{ASSERTION_ID}] for SAML response [{RESPONSE_ID}]: Condition "
    "'{urn:oasis:names:tc:SAML:2.0:assertion}AudienceRestriction' of type 'null' in assertion "
    f"'{ASSERTION_ID}' was not valid.: None of the audiences within Assertion '{ASSERTION_ID}' matched the "
    "list of valid audiances\n")


def _attempts(files, **settings):
    expect = replace(build({}, FIXTURES / "config/default.toml"), **settings)
    return correlate(analyze([str(f) for f in files], expect, tz=ZoneInfo("UTC"))).attempts


def _scan(case: str) -> dict:
    zone = json.loads((FIXTURES / "scenarios" / case / "expected.json").read_text())["timezone"]
    res = CliRunner().invoke(main, ["scan", str(FIXTURES / "scenarios" / case), "--format", "json",
                                    "--timezone", zone, "--jobs", "1", "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout)


def test_another_sps_failure_is_fixed_in_its_own_words_and_sonarqubes_in_sonarqubes():
    """auth0-javasaml: the Release Portal (Spring Boot) refuses Auth0's Audience; its fix named
    sonar.auth.saml.applicationId."""
    attempts = _scan("auth0-javasaml")["attempts"]
    (portal,) = [a for a in attempts if a["root_cause"] == "audience-mismatch"]
    assert "sonar" not in portal["fix"].lower()
    assert "spring.security.saml2.relyingparty.registration.<id>.entity-id" in portal["fix"]
    # SonarQube's own failures keep SonarQube's words
    (replay,) = [a for a in attempts if a["root_cause"] == "assertion-replayed"]
    assert "SonarQube" in replay["fix"]


def _request_from(issuer: str) -> str:
    """The AuthnRequest audience-mismatch.xml answers (unsigned), issued by `issuer`."""
    return ('<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
            'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_req_7f3a9c1e5b2d4f60" Version="2.0" '
            'IssueInstant="2025-03-11T08:40:50Z" Destination="https://idp.example.org/sso">'
            f'<saml:Issuer>{issuer}</saml:Issuer></samlp:AuthnRequest>')


def test_a_response_sent_to_another_sp_is_not_judged_against_the_configured_one(tmp_path):
    """The configured SP's ACS is on other.example.com: a response whose Audience and Destination
    name another host (sonar.example.com), answering that host's own AuthnRequest, went to another
    SP of the IdP; 'audience-mismatch against the configured SP' is not what happened to it."""
    shutil.copy(FIXTURES / "responses/defects/audience-mismatch.xml", tmp_path / "response.xml")
    (tmp_path / "request.xml").write_text(_request_from("https://sonar.example.com/saml2"))
    (a,) = _attempts([tmp_path / "request.xml", tmp_path / "response.xml"],
                     acs_url=PORTAL_ACS.replace("portal.", "other."))
    assert (a.outcome, a.root_cause) == ("unknown", None)
    assert a.sp == "https://sonar.example.com/saml2"  # the other SP, by its AuthnRequest's Issuer
    assert any("another SP than the one samlscan was given" in n and "audience-mismatch" in n for n in a.notes)


def test_without_evidence_of_another_sp_a_response_to_another_host_is_the_configured_sps(tmp_path):
    """An IdP that posts to an internal host name or an old URL of the SP, with a wrong entity ID:
    the configured SP's misconfiguration, judged as such (alone, or answering the SP's own
    request), not 'another SP' with its findings left out."""
    shutil.copy(FIXTURES / "responses/defects/audience-mismatch.xml", tmp_path / "response.xml")
    other = PORTAL_ACS.replace("portal.", "other.")
    (alone,) = _attempts([tmp_path / "response.xml"], acs_url=other)
    assert (alone.outcome, alone.root_cause) == ("failure", "audience-mismatch")
    assert alone.sp == "sonarqube"  # the SP it failed at, not the host it was wrongly sent to
    (tmp_path / "request.xml").write_text(_request_from("sonarqube"))
    (asked,) = _attempts([tmp_path / "request.xml", tmp_path / "response.xml"], acs_url=other)
    assert asked.outcome == "failure" and asked.sp == "sonarqube"


def test_that_sps_own_log_names_the_cause_and_the_fix_speaks_spring(tmp_path):
    shutil.copy(FIXTURES / "responses/defects/audience-mismatch.xml", tmp_path / "response.xml")
    (tmp_path / "portal.log").write_text(SPRING_LOG)
    (a,) = [a for a in _attempts([tmp_path / "response.xml", tmp_path / "portal.log"],
                                 acs_url="https://other.example.com/oauth2/callback/saml")
            if a.outcome == "failure"]
    assert a.root_cause == "audience-mismatch"
    assert "sonar" not in a.fix.lower() and "spring.security.saml2" in a.fix
    assert {e.input.rsplit("/", 1)[-1] for e in a.evidence} == {"response.xml", "portal.log"}


def test_an_audience_mismatch_names_the_sp_it_was_sent_to_not_the_wrong_audience(tmp_path):
    """SonarQube ('sonarqube') received a response for 'https://sonar.example.com/saml2': the
    attempt's SP is SonarQube, and the wrong Audience is no name of it."""
    shutil.copy(FIXTURES / "responses/defects/audience-mismatch.xml", tmp_path / "response.xml")
    (a,) = _attempts([tmp_path / "response.xml"])
    assert (a.outcome, a.root_cause) == ("failure", "audience-mismatch")
    assert a.sp == "sonarqube"
    assert "https://sonar.example.com/saml2" not in a.sp_aka
    assert "sonar.auth.saml.applicationId" in a.fix  # SonarQube's: its own words


def test_an_attempts_sp_is_its_entity_id_with_its_labels_as_aliases():
    """Auth0's log names the SP 'SonarQube' (its application's label) a line before SonarQube's copy
    of the response gives its entity ID: the entity ID is the SP, the label an alias."""
    attempts = _scan("auth0-javasaml")["attempts"]
    (chris,) = [a for a in attempts if a["user"] == "chris.lee@example.com"]
    assert chris["sp"] == "sonarqube"
