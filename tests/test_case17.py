"""Support case 17: Google Workspace + SonarQube Server 9.9 LTS (java-saml), one zip of attachments
(tests/data/case17/ticket-attachments.zip, made by fixtures/gen_case17.py; sources in
tests/data/case17/SOURCES.md)."""
from __future__ import annotations

from case_util import ROOT, generator_check, refs, scan_case

CASE = ROOT / "tests" / "data" / "case17"


def _attempts(*args) -> dict:
    return {a["time"]: a for a in scan_case(CASE, "Europe/Berlin", *args)["attempts"]}


def test_generator_is_current():
    done = generator_check("gen_case17.py")
    assert done.returncode == 0, done.stderr


def test_every_file_of_the_zip_is_read():
    names = {e[0] for a in _attempts().values() for e in refs(a)}
    assert {"sonar.example.com.har", "saml-log-events.csv", "google-error.txt", "web.log",
            "web.log.1.gz"} <= {n.rsplit("!", 1)[-1].rsplit("/", 1)[-1] for n in names}


def test_http_acs_at_google_and_sonarqube_names_both_settings():
    """mia: Google's ACS URL and serverBaseURL were both http:// behind the TLS proxy (java-saml:
    'received at https://... instead of http://...'): the fix names both, and where Google takes it."""
    a = _attempts()["2024-12-31T09:41:09Z"]
    assert (a["outcome"], a["root_cause"]) == ("failure", "destination-mismatch")
    assert "sonar.core.serverBaseURL" in a["fix"] and "Service provider details > ACS URL" in a["fix"]
