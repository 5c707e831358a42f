"""Support case 8: SonarQube 9.9 (java-saml) + AD FS 2019, logs only (tests/data/case8, made by
fixtures/gen_case8.py; sources in tests/data/case8/SOURCES.md).

What a support engineer needs from the scan: one attempt per login however many exports of the AD
FS/Admin log are attached, the relying party each AD FS event names, each failure's cause and fix
for AD FS and SonarQube 9.9, and the second SP's (python3-saml) traffic kept apart from SonarQube's.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from case_util import ROOT, generator_check, refs as _refs, scan_case
from click.testing import CliRunner
from test_logs_common import PARIS, events, records

from samlscan.cli import main

CASE = ROOT / "tests" / "data" / "case8"


def _scan(*extra: str) -> dict:
    return scan_case(CASE, "Europe/Paris", *extra)


UNSET = ("--exclude", "FederationMetadata.xml", "--exclude", "sonar-settings.json")
"""The case read as its logs alone: the folder's metadata and settings, found, would be read as
settings (found.py), and these tests are about what the logs say without them."""


@pytest.fixture(scope="module")
def scan() -> dict:
    return _scan(*UNSET)


def test_generator_is_current():
    done = generator_check("gen_case8.py")
    assert done.returncode == 0, done.stderr


# --- the AD FS/Admin log exported three ways ---------------------------------------------------

def test_one_attempt_per_adfs_event_across_the_three_exports(scan):
    """Event Viewer's XML writes the ActivityID in capitals, Get-WinEvent's CSV (its ActivityId
    column) in small letters: the same event was three attempts (two before the CSV's column was
    read at all)."""
    by_time = {}
    for a in scan["attempts"]:
        by_time.setdefault(a["time"], []).append(a)
    assert len(by_time["2025-03-18T08:05:10Z"]) == 1
    assert _refs(by_time["2025-03-18T08:05:10Z"][0]) == {
        ("adfs-admin-copied.txt", "line 1"), ("adfs-admin-saved.xml", "line 5"),
        ("adfs-admin-winevent.csv", "line 28")}
    assert len(by_time["2025-03-18T08:20:44Z"]) == 1
    assert len(by_time["2025-03-18T10:05:40Z"]) == 1


def test_winevent_csv_reads_the_activityid_column():
    evs = events(records(CASE / "adfs-admin-winevent.csv", PARIS))
    by_code = {e.raw_code: e for e in evs}
    assert by_code["MSIS7007"].correlation_id == by_code["MSIS7007"].correlation_id.lower()
    xml = {e.raw_code: e for e in events(records(CASE / "adfs-admin-saved.xml"))}
    assert {c: e.correlation_id for c, e in by_code.items()} == {c: e.correlation_id for c, e in xml.items()}


def test_rendering_info_does_not_repeat_the_exception():
    """'Save As' XML carries the message twice (EventData and RenderingInfo): the text listed the
    MSIS7065 exception twice."""
    ev = next(e for e in events(records(CASE / "adfs-admin-saved.xml")) if e.raw_code == "MSIS7065")
    assert ev.text.count("MSIS7065") == 1


def test_relying_party_of_each_event(scan):
    """An empty 'Relying Party:' took the next word ('Exception' of 'Exception details:') as the SP;
    a 321 names it after 'Requestor:'; MSIS7007 names the identifier the SP asked for."""
    apps = {e.raw_code: e.app for e in events(records(CASE / "adfs-admin-copied.txt", PARIS))}
    assert apps == {"MSIS7007": "https://sonar.example.com", "MSIS7070": "https://app.example.com/saml/metadata/"}
    csv = {e.raw_code: e.app for e in events(records(CASE / "adfs-admin-winevent.csv", PARIS))}
    assert csv["MSIS7065"] is None  # a bookmark of /adfs/ls/: no relying party
    assert "Exception" not in {a["sp"] for a in scan["attempts"]}


# --- causes and fixes ------------------------------------------------------------------------------

def _by_time(doc: dict) -> dict[str, dict]:
    return {a["time"]: a for a in doc["attempts"]}


def test_msis7007_fix_is_about_the_relying_party_trust(scan):
    """The generic fix spoke of 'the IdP application ... in the right tenant' (Entra's words)."""
    a = _by_time(scan)["2025-03-18T08:05:10Z"]
    assert (a["root_cause"], a["side"], a["sp"]) == ("app-not-found", "idp", "https://sonar.example.com")
    assert "relying party trust" in a["fix"] and "tenant" not in a["fix"]


def test_msis7065_is_not_an_authnrequest_problem(scan):
    """No SAML message reached /adfs/ls/ (a bookmark): it was 'request-invalid, check the
    AuthnRequest: its Issuer, ACS URL, NameIDPolicy and signature', blamed on the SP."""
    a = _by_time(scan)["2025-03-18T08:20:44Z"]
    assert (a["root_cause"], a["side"], a["sp"]) == ("wrong-login-url", "user", None)
    assert "AuthnRequest" not in a["fix"]


def test_sonarqube_99_missing_login_attribute(scan):
    """SonarQube 9.9's requireNonNull('<claim> is missing') after java-saml accepted the response:
    it was 'sp-internal-error, read the stack trace'."""
    a = _by_time(scan)["2025-03-18T10:05:39Z"]
    assert (a["user"], a["root_cause"]) == ("carol.martin@example.com", "login-attribute-missing")
    assert "sonar.auth.saml.user.login" in a["fix"]


# --- java-saml's dumps in web.log ----------------------------------------------------------------

def test_multiline_xml_dumps_are_read_whole(scan):
    """java-saml's 'SAMLResponse invalid --> <xml>' goes on over the lines of the IdP's wrapped
    base64: only the first line was read, three input-xml-malformed errors ('copy the message
    again') and the dumps lost."""
    assert not [f for f in scan["input_findings"] if f["code"] == "input-xml-malformed"]
    dave = next(a for a in scan["attempts"] if a["user"] == "dave.leroy@example.com")
    assert ("web.log", "line 17") in _refs(dave)  # the XML dump, 23 lines long


def test_continuation_of_a_dump_is_not_a_stack_trace(tmp_path):
    """A dump's continuation lines belong to the dump; the next record is read as before."""
    xml = (CASE / "web.log").read_text().split("\n")
    start = next(i for i, ln in enumerate(xml) if "SAMLResponse invalid -->" in ln)
    end = next(i for i in range(start + 1, len(xml)) if xml[i].startswith("2025."))
    text = "\n".join(xml[start:end + 3]) + "\n"
    (tmp_path / "web.log").write_text(text)
    doc = json.loads(CliRunner().invoke(main, ["scan", str(tmp_path), "--format", "json", "--jobs", "1",
                                               "--fail-on", "never"]).stdout)
    assert [m["ref"] for m in doc["messages"]] == ["line 1"] and not doc["input_findings"]
    assert [a["root_cause"] for a in doc["attempts"]] == ["signature-invalid"]


def test_java_saml_dumps_each_response_once(scan):
    """SamlResponse's XML dump and Auth's ' --> <base64>' are one response: every finding of the
    three responses was counted twice ('signature-cert-mismatch 6')."""
    assert len(scan["messages"]) == 3
    assert len({m["id"] for m in scan["messages"]}) == 3
    full = _scan("--sonar-settings", str(CASE / "sonar-settings.json"),
                 "--idp-metadata", str(CASE / "FederationMetadata.xml"))
    # the three responses' findings once each, and the cause finding of 10:04's refusal, known from
    # web.log only (no dump before the restart): the metadata's signing certificate SonarQube lacks
    assert full["summary"]["by_code"]["signature-cert-mismatch"] == 4
    assert [f["ref"] for f in full["cause_findings"] if f["code"] == "signature-cert-mismatch"] == ["line 13"]


# --- follow-ups in the correlation (after the case's report) -----------------------------------

def test_a_logged_signature_refusal_names_the_metadata_certificate_the_dump_verifies_with():
    """dave's response, dumped by java-saml beside its 'Signature validation failed', verifies with
    the token-signing certificate AD FS's metadata lists after its rollover: that is the certificate
    SonarQube lacks, and the fix names it (it said 'download the IdP's current certificate')."""
    doc = _scan("--idp-metadata", str(CASE / "FederationMetadata.xml"))
    (dave,) = [a for a in doc["attempts"] if (a["user"] or "").startswith("dave") and a["outcome"] == "failure"]
    assert dave["root_cause"] == "signature-cert-mismatch"  # (the SP holds another: test_case19's dave)
    assert "verifies with the IdP metadata's signing certificate" in dave["fix"]
    assert "SHA-1 78:B3:6F:DA:0A:D8:0D:F2:6A:5A:A5:08:28:1B:0C:52:8B:2C:1D:8F" in dave["fix"]


def test_without_metadata_the_fix_names_no_certificate(scan):
    (dave,) = [a for a in scan["attempts"] if (a["user"] or "").startswith("dave") and a["outcome"] == "failure"]
    assert dave["root_cause"] == "signature-invalid" and "verifies with" not in dave["fix"]


def test_exports_in_local_time_beside_the_utc_one_are_named_with_the_option(scan):
    """Without --timezone the CSV and the text copy (local time, no zone) were read as UTC, an hour
    off the XML export (UTC) for the same Activity IDs, and nothing said so."""
    res = CliRunner().invoke(main, ["scan", str(CASE), "--format", "json", "--jobs", "1", "--fail-on", "never"])
    apart = [n for n in json.loads(res.stdout)["summary"]["notes"] if "apart: its times are local" in n]
    assert len(apart) == 2 and all("adfs-admin-saved.xml 1 h apart" in n for n in apart)
    assert any("--timezone 'adfs-admin-winevent.csv=<its zone>'" in n for n in apart)
    assert not [n for n in scan["summary"]["notes"] if "apart" in n]  # read with --timezone Europe/Paris
