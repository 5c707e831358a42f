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


def test_an_app_google_answers_for_others_is_not_enabled_for_this_user():
    """tom (OU /Contractors): Google's app_not_configured_for_user, which its documentation puts down
    to the Entity ID; but Google issued responses to the same SP entity ID for lisa and jan: the app
    is off for tom's organizational unit. The fix led with 'make the Entity ID exactly the Issuer'."""
    a = _attempts()["2024-12-31T09:20:44Z"]
    assert (a["outcome"], a["root_cause"], a["side"]) == ("failure", "user-not-assigned", "idp")
    assert "User access, ON for the user's organizational unit" in a["fix"] and "Entity ID" not in a["fix"]
    assert any("same SP entity ID 'sonarqube'" in n for n in a["notes"])


def test_the_pasted_page_without_time_or_user_joins_the_one_login_it_is_of():
    """google-error.txt (no time, no user) was a failed attempt of its own beside tom's, whose HAR
    step and audit row state the same failure."""
    attempts = scan_case(CASE, "Europe/Berlin")["attempts"]
    assert all(a["time"] for a in attempts)
    assert any(n.endswith("google-error.txt") for n, _ in refs(_attempts()["2024-12-31T09:20:44Z"]))


def test_a_working_login_that_loses_the_email_says_so():
    """jan: sonar.auth.saml.user.email names 'mail', Google sends 'email': the login works and the
    account gets no email; only the findings table said it."""
    jan = _attempts()["2024-12-31T10:02:30Z"]
    assert jan["outcome"] == "success" and any("gets no email" in n for n in jan["notes"])


def test_two_untimed_pages_of_the_same_failure_join_no_attempt(tmp_path):
    """Two pasted 403 pages alike (no time, no user): which one is tom's is not known, so neither
    joins his attempt (the one dated failure of that code)."""
    import shutil
    import zipfile

    with zipfile.ZipFile(CASE / "ticket-attachments.zip") as z:
        z.extractall(tmp_path)
    shutil.copy(tmp_path / "google-error.txt", tmp_path / "google-error-2.txt")
    tom = {a["time"]: a for a in scan_case(tmp_path, "Europe/Berlin")["attempts"]}["2024-12-31T09:20:44Z"]
    assert not any("google-error" in n for n, _ in refs(tom))
