"""Correlation causes and fixes that depend on the settings samlscan was given (branch corrfix).

A login known only from the SP's log ("Invalid signature for object [...]": Spring Security's
invalid_signature in SonarQube 2025's web.log) says the SP's key did not verify the signature; with
the SP's own settings (certificate A) and the IdP metadata publishing a newer signing certificate B,
the cause is that the SP lacks B (signature-cert-mismatch), and the fix names B.
"""
from __future__ import annotations

import base64
from pathlib import Path

import pytest

from samlscan.batch import run_scan
from samlscan.config import build
from samlscan.correlate import correlate, measured_offsets
from samlscan.zones import parse_zones

CASE = Path(__file__).resolve().parents[1] / "fixtures" / "scenarios" / "entra-proxy-spring"
METADATA = str(CASE / "SonarQube.xml")
SETTINGS = str(CASE / "sonar-saml-settings.properties")
NEW_SHA1 = "78:B3:6F:DA:0A:D8:0D:F2:6A:5A:A5:08:28:1B:0C:52:8B:2C:1D:8F"
"""The metadata's KeyDescriptor #1: the certificate Entra signs with since 06:15 (the SP holds #2)."""


def _fay(flags: dict):
    expect = build({**flags, "profile": "sonarqube", "timezone": ("Europe/Paris",)}, None)
    # (run_scan reads no settings of its own: only those given, as the CLI finds or is given them)
    report = run_scan([str(CASE)], expect, jobs=1, tz=parse_zones(expect.timezones))
    done = correlate(report, offsets=measured_offsets(report), expect=expect)
    (a,) = [a for a in done.attempts if (a.user or "").startswith("fay.")]
    return a


def test_a_logged_signature_refusal_is_the_certificate_the_sp_lacks_when_the_metadata_shows_it():
    fay = _fay({"sonar_settings": SETTINGS, "idp_metadata": METADATA})
    assert (fay.outcome, fay.root_cause, fay.side) == ("failure", "signature-cert-mismatch", "sp")
    assert NEW_SHA1 in fay.fix and "sonar.auth.saml.certificate.secured" in fay.fix
    assert any("signature-invalid" in n and NEW_SHA1 in n for n in fay.notes)


def test_without_the_metadata_or_the_sp_settings_the_refusal_stays_signature_invalid():
    assert _fay({"sonar_settings": SETTINGS}).root_cause == "signature-invalid"
    # the metadata alone: its certificates are trusted, nothing says what the SP holds
    assert _fay({"idp_metadata": METADATA}).root_cause == "signature-invalid"


def test_an_sp_holding_the_newest_certificate_the_metadata_lists_stays_signature_invalid(tmp_path):
    """The metadata lists the old certificate beside the new one (a rollover): an SP holding the new
    one lacks only the old, which the IdP no longer signs with."""
    expect = build({"idp_metadata": METADATA}, None)
    (new,) = [c for c in expect.metadata_certs("signing") if c.info.sha1 == NEW_SHA1]
    text = Path(SETTINGS).read_text()
    line = next(x for x in text.splitlines() if x.startswith("sonar.auth.saml.certificate.secured="))
    settings = tmp_path / "sonar.properties"
    settings.write_text(text.replace(line, "sonar.auth.saml.certificate.secured="
                                     + base64.b64encode(new.der).decode()))
    assert _fay({"sonar_settings": str(settings), "idp_metadata": METADATA}).root_cause == "signature-invalid"


# --- a check's hint beside the catalog's IdP console path ------------------------------------------

def test_the_missing_login_attribute_with_the_folders_settings_still_says_where_in_googles_console():
    """case 9's 09:12 login (Google Workspace; SonarQube's 'email is missing'): with the folder's
    sonar.properties and metadata read, the check of the logged response names the exact claim and
    setting ('add the claim 'email' ... or set sonar.auth.saml.user.login'), and that hint replaced the
    catalog's fix, losing where Google's admin acts (the SAML app's Attribute mapping). Both now."""
    from case_util import ROOT, scan_case

    doc = scan_case(ROOT / "tests" / "data" / "case9", "Europe/Berlin")
    (a,) = [a for a in doc["attempts"] if a["time"] == "2025-09-16T09:12:02Z"]
    assert (a["root_cause"], a["side"]) == ("login-attribute-missing", "idp")
    assert "'email'" in a["fix"] and "sonar.auth.saml.user.login" in a["fix"]
    assert "Google Workspace: the SAML app's Attribute mapping" in a["fix"]
    assert "Okta" not in a["fix"] and "AD FS" not in a["fix"]  # only the attempt's own IdP


def test_a_fix_naming_several_idps_gives_each_its_own_clause():
    from samlscan.catalog import idp_part

    fix = "Send it (Google Workspace: the app's Attribute mapping; Okta: attribute statements), or set X."
    assert idp_part(fix, "google") == "Google Workspace: the app's Attribute mapping"
    assert idp_part(fix, "okta") == "Okta: attribute statements"
    assert idp_part(fix, "entra") is None and idp_part(fix, None) is None


def test_another_apps_logged_refusal_is_not_judged_by_sonarqubes_settings(tmp_path):
    # a Spring Boot app's log beside SonarQube's settings: its 'Invalid signature for object [..]'
    # says nothing of which certificate SonarQube holds, so it stays the app's own signature-invalid
    log = tmp_path / "app.log"
    log.write_bytes((Path(__file__).resolve().parents[1] / "fixtures/logs/sp-app/spring-boot3.log").read_bytes())
    expect = build({"sonar_settings": SETTINGS, "idp_metadata": METADATA, "profile": "sonarqube"}, None)
    report = run_scan([str(log)], expect, jobs=1)
    done = correlate(report, offsets=measured_offsets(report), expect=expect)
    refused = [a for a in done.attempts if "invalid_signature" in " ".join(a.notes) or
               a.root_cause in ("signature-invalid", "signature-cert-mismatch")]
    assert refused and all(a.root_cause == "signature-invalid" for a in refused)
    assert not any(NEW_SHA1 in (a.fix or "") for a in refused)


def test_a_rollovers_next_certificate_alone_is_a_note_not_the_cause():
    # the metadata lists the certificate the SP holds and a newer one: a rollover publishes the next
    # certificate before the IdP signs with it (Shibboleth's IdPKeyRollover, AD FS's secondary), so
    # without a message that verifies with the newer one, a logged refusal is not blamed on it
    expect = build({"sonar_settings": SETTINGS, "idp_metadata": METADATA, "profile": "sonarqube",
                    "timezone": ("Europe/Paris",)}, None)
    report = run_scan([str(CASE)], expect, exclude=("*.har",), jobs=1, tz=parse_zones(expect.timezones))
    done = correlate(report, offsets=measured_offsets(report), expect=expect)
    # (without the capture web.log's clock is not measured: its refusals are attempts of their own)
    refused = [a for a in done.attempts if any(e.input.endswith("web.log") for e in a.evidence)
               and a.outcome == "failure"]
    assert refused and all(a.root_cause == "signature-invalid" and NEW_SHA1 not in (a.fix or "") for a in refused)
    assert all(any(NEW_SHA1 in n and "if the IdP signs with it already" in n for n in a.notes) for a in refused)
