"""Case 7: SonarQube Server 2025.1 (Spring engine) behind a TLS proxy, Entra ID as IdP, on the
morning of the upgrade (fixtures/gen_scenarios.py, case_entra_proxy). The customer's evidence:
one sanitized Chrome HAR with Entra's own login pages, web.log at DEBUG (the VM's clock 250 s
fast), the Entra sign-in log downloaded as CSV and as JSON, the app's Federation Metadata XML
(two signing certificates during the rollover) and the SAML settings typed into the ticket.

Judged as a support engineer reads the first screen: per attempt the cause, the side that acts
and the exact fix; the attempts joined across the HAR, web.log and both Entra exports.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main

CASE = Path(__file__).resolve().parents[1] / "fixtures" / "scenarios" / "entra-proxy-spring"
HAR = CASE / "chrome-emil.har"
SETTINGS = ["--profile", "sonarqube", "--sonar-settings", str(CASE / "sonar-saml-settings.properties"),
            "--idp-metadata", str(CASE / "SonarQube.xml")]
UNSET = ("--exclude", "SonarQube.xml", "--exclude", "*.properties")
"""The folder without its settings files (found, they would be read as settings: found.py)."""
CLAIM_EMAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"


def _run(*args: str) -> dict:
    jobs = ["--jobs", "1"] if args[0] == "scan" else []
    res = CliRunner().invoke(main, [*args, "--format", "json", "--timezone", "Europe/Amsterdam", *jobs,
                                    "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def scan_with_ticket() -> dict:
    return _run("scan", str(CASE), *SETTINGS)


def _attempt(doc: dict, user: str) -> dict:
    (a,) = [a for a in doc["attempts"] if (a["user"] or "").startswith(user)]
    return a


def _findings(doc: dict, code: str) -> list[dict]:
    return [f for m in doc["messages"] for f in m["findings"] if f["code"] == code]


# --- what samlscan got wrong ------------------------------------------------------------------------

def test_a_logged_spring_signature_refusal_is_the_sp_admins_to_fix(scan_with_ticket):
    """fay's login is known only from web.log ('Invalid signature for object [..]') and Entra's
    success: the fix samlscan gives is SonarQube's setting (configure the IdP's current
    certificate in sonar.auth.saml.certificate.secured), yet the side said 'idp' (the Entra
    admin), who has nothing to change. Every catalog entry whose fix is to configure the IdP's
    certificate in the SP now says the SP's side."""
    fay = _attempt(scan_with_ticket, "fay.")
    assert (fay["outcome"], fay["root_cause"]) == ("failure", "signature-cert-mismatch")
    assert "sonar.auth.saml.certificate.secured" in fay["fix"]
    assert fay["side"] == "sp"


def test_the_email_claim_finding_names_the_claim_without_repeating_every_attribute(scan_with_ticket):
    """Entra sends the email as the emailaddress claim URI while SonarQube reads 'email': the
    finding named the claim, then repeated all ten attributes of the assertion ('Received: ...'),
    twenty lines of every report row saying again what the message header lists."""
    (f,) = _findings(scan_with_ticket, "email-under-other-name")
    assert f["expected"] == "email" and f["actual"] == CLAIM_EMAIL
    assert f["hint"].startswith(f"Set sonar.auth.saml.user.email to {CLAIM_EMAIL}")
    assert "Received" not in f["message_text"]
    assert "objectidentifier" not in f["message_text"]


def test_a_missing_email_still_lists_what_was_received():
    """Without a candidate under another name the received attributes are the only lead."""
    res = CliRunner().invoke(main, ["check", str(CASE.parents[1] / "responses" / "defects" / "email-missing.xml"),
                                    "--config", str(CASE.parents[1] / "config" / "default.toml"),
                                    "--format", "json", "--fail-on", "never"])
    doc = json.loads(res.stdout)
    (f,) = _findings(doc, "email-missing")
    assert "Received: " in f["message_text"]


def test_a_har_without_cookies_says_how_to_export_them():
    """Chrome 130+ exports HARs sanitized by default: no Cookie or Set-Cookie, so OAUTHSTATE cannot
    be checked. The fix said to export 'without redacting SAML values', which the customer did
    already (the SAMLResponse is there): it now says which Chrome setting keeps the cookies."""
    doc = _run("check", str(HAR))
    (f,) = [f for f in doc["input_findings"] if f["code"] == "input-redacted"]
    assert f["message_text"].startswith("no cookies in the capture")
    assert "'Allow to generate HAR with sensitive data'" in f["hint"]


# --- what it gets right (kept right) ----------------------------------------------------------------

def test_the_har_user_fails_on_the_old_certificate_with_the_exact_fix(scan_with_ticket):
    """emil's response carries three problems (the new signing certificate, the email under the
    claim URI, the groups.link overage): the cause is the certificate, SonarQube's to fix, with the
    metadata's new certificate named by its SHA-1; the other two stay warnings of the attempt."""
    emil = _attempt(scan_with_ticket, "emil.")
    assert (emil["outcome"], emil["root_cause"], emil["side"]) == ("failure", "signature-cert-mismatch", "sp")
    assert "sonar.auth.saml.certificate.secured" in emil["fix"]
    assert "78:B3:6F:DA:0A:D8:0D:F2:6A:5A:A5:08:28:1B:0C:52:8B:2C:1D:8F" in emil["fix"]
    assert {"email-under-other-name", "groups-overage-claim"} <= set(emil["findings"])
    files = {Path(e["input"]).name for e in emil["evidence"]}
    assert files == {"chrome-emil.har", "web.log", "InteractiveSignIns_2025-10-07_2025-10-07.csv",
                     "InteractiveSignIns_2025-10-07_2025-10-07.json"}


def test_both_entra_exports_make_one_attempt_per_sign_in(scan_with_ticket):
    """The CSV and the JSON download hold the same sign-ins: one attempt each, both rows in it;
    sign-ins to Teams and Exchange Online are left out and counted."""
    users = [a["user"] for a in scan_with_ticket["attempts"]]
    assert len(users) == len(set(users)) == 7
    notes = " ".join(scan_with_ticket["summary"]["notes"])
    assert "Office 365 Exchange Online (1), Microsoft Teams (1)" in notes
    causes = scan_with_ticket["summary"]["failures_by_cause"]
    assert causes == {"reply-url-mismatch": 2, "signature-cert-mismatch": 2, "idp-authentication-failed": 1}


def test_the_fast_sonarqube_clock_is_measured_and_blamed_for_nothing(scan_with_ticket):
    """web.log runs 250 s ahead (past java-saml's 180 s, within Spring's 300 s): measured on the
    shared IDs, corrected for the joins, and no attempt is put down to the clock."""
    notes = " ".join(scan_with_ticket["summary"]["notes"])
    assert "web.log: +249 s" in notes
    assert not any(a["root_cause"] in ("sp-clock-skew", "clock-skew") for a in scan_with_ticket["attempts"])


def test_redact_masks_the_users_in_every_attempt():
    doc = _run("scan", str(CASE), *SETTINGS, "--redact")
    text = json.dumps(doc["attempts"]) + json.dumps(doc["messages"])
    for secret in ("emil.dekker@example.com", "Dekker", "192.0.2.75", "Autumn2025"):
        assert secret not in text


def test_sonarqube_is_not_told_to_configure_both_certificates():
    """Given only the ticket's settings, the fix for the rotated certificate said 'during a
    rollover configure both': sonar.auth.saml.certificate.secured holds one certificate
    (SamlCertificateConverter decodes a single one), so the admin cannot; the new one replaces it."""
    doc = _run("check", str(HAR), "--profile", "sonarqube",
               "--sonar-settings", str(CASE / "sonar-saml-settings.properties"))
    (f,) = _findings(doc, "signature-cert-mismatch")
    assert "sonar.auth.saml.certificate.secured" in f["hint"]
    assert "configure both" not in f["hint"]
    assert "replace the old one" in f["hint"]


# --- what the case's report found in the correlation and the walk (fixed after it) -------------

def test_lost_groups_are_no_cause_sonarqube_server_refuses_a_login_for():
    """emil's HAR alone: SonarQube refused the POST without a public reason and the response carries
    Entra's groups overage claim. The attempt was 'group-sync-failed' (the IdP's, 'make group names
    match'): SonarQube Server logs in without groups, so that is no cause; the note says where to
    look instead."""
    (a,) = _run("check", str(HAR))["attempts"]
    assert a["outcome"] == "failure" and a["root_cause"] != "group-sync-failed"
    assert any("which SonarQube Server does not refuse a login for" in n for n in a["notes"])


def test_a_certificate_the_sp_does_not_hold_confirms_its_logged_signature_refusal():
    """web.log says signature-invalid, the capture shows signature-cert-mismatch: the same refusal,
    not a disagreement ('the SP log says ... but the captured response shows ...')."""
    emil = _attempt(_run("check", str(HAR), str(CASE / "web.log"), *SETTINGS), "emil")
    assert emil["root_cause"] == "signature-cert-mismatch"
    assert not [n for n in emil["notes"] if "but the captured response shows" in n]


def test_a_logged_signature_refusal_without_certificates_is_not_said_to_pass():
    """Without any IdP certificate the signature's trust was never judged: 'the captured response
    passes that check here' was false."""
    emil = _attempt(_run("scan", str(CASE), *UNSET), "emil")
    assert not [n for n in emil["notes"] if "passes that check" in n]
    assert any("could not judge the signature, no IdP certificate was given" in n for n in emil["notes"])


def test_the_metadata_in_the_case_folder_says_how_to_give_it_beside_a_trust_option():
    """Given --sonar-settings, the folder's metadata is not read as settings: the reader says how."""
    inputs = {Path(i["path"]).name: i for i in _run(
        "scan", str(CASE), "--sonar-settings", str(CASE / "sonar-saml-settings.properties"))["inputs"]}
    assert inputs["SonarQube.xml"]["status"] == "skipped"
    assert "give it with --idp-metadata" in inputs["SonarQube.xml"]["reason"]
    assert "read as settings" in inputs["sonar-saml-settings.properties"]["reason"]


def test_with_the_metadata_alone_the_refused_signature_names_the_certificate_to_configure():
    """Without the ticket's settings, emil's response verifies with the metadata's new certificate
    while Spring refused its signature: SonarQube holds another one; the note said 'does the SP run
    with other settings?' and the fix named no certificate."""
    emil = _attempt(_run("check", str(HAR), str(CASE / "web.log"), "--idp-metadata", str(CASE / "SonarQube.xml")),
                    "emil")
    # (the SP's refusal of a response that verifies with the metadata's certificate: it holds another,
    # signature-cert-mismatch since the thirteenth session; it was the log's own signature-invalid)
    assert emil["root_cause"] == "signature-cert-mismatch"
    assert any("verifies with the IdP metadata's signing certificate" in n and "the SP holds another one" in n
               for n in emil["notes"])
    assert "SHA-1 78:B3:6F:DA" in emil["fix"]
