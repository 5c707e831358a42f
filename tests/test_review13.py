"""Review of the settings a scan reads from the folder it scans (samlscan/found.py): what a ticket's
folder really holds (a second copy of a settings file, a SonarQube export without its certificate)
and where the notes that say so go."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main

from case_util import folder_said

from test_found_settings import ticket  # noqa: F401 (the fixture: the entra-proxy-spring ticket's files)

PROPERTIES = "sonar-saml-settings.properties"


def _scan(folder: Path, *extra: str) -> str:
    res = CliRunner().invoke(main, ["scan", str(folder), "--timezone", "Europe/Amsterdam", "--jobs", "1",
                                    "--fail-on", "never", *extra])
    assert res.exit_code == 0, res.output[-2000:]
    return res.stdout


def _doc(folder: Path, *extra: str) -> dict:
    return json.loads(_scan(folder, "--format", "json", *extra))


def _emil_cause(doc: dict) -> str:
    (a,) = [a for a in doc["attempts"] if (a["user"] or "").startswith("emil") and a["outcome"] == "failure"]
    return a["root_cause"]


def test_a_sonar_properties_beside_its_saml_lines_is_one_sp(ticket):
    """The whole sonar.properties (port, JDBC URL...) beside the SAML lines typed into the ticket: the
    same SAML settings, other bytes. Compared byte for byte they were two SPs to choose from and
    neither was read (emil stayed signature-invalid); the settings they give are what is compared."""
    whole = "sonar.web.port=9000\nsonar.jdbc.url=jdbc:postgresql://db/sonar\n" + (ticket / PROPERTIES).read_text()
    (ticket / "sonar.properties").write_text(whole)
    doc = _doc(ticket)
    assert not [n for n in folder_said(doc) if "none of them was read" in n]
    assert _emil_cause(doc) == "signature-cert-mismatch"
    read = [n for n in folder_said(doc) if "as the SonarQube settings" in n]
    assert len(read) == 1


def test_two_sonar_properties_with_other_saml_settings_are_still_a_choice(ticket):
    other = (ticket / PROPERTIES).read_text().replace("applicationId=sonarqube", "applicationId=sonar-test")
    (ticket / "sonar-test.properties").write_text(other)
    doc = _doc(ticket)
    (note,) = [n for n in folder_said(doc) if "none of them was read" in n]
    assert "2 files found in the scanned folder are SP settings" in note


def test_a_settings_export_without_its_certificate_says_how_to_give_it_with_the_folders_files(ticket):
    """api/settings/values lists sonar.auth.saml.certificate.secured in setSecuredSettings only. The
    note's advice ('give the same certificate with --idp-cert') turned the folder's reading off when
    followed: it says to give the export with its option too. (Alone it is now read for the SP's
    other settings, test_found2; the advice stays in the note that says its certificate is hidden.)"""
    pairs = dict(line.split("=", 1) for line in (ticket / PROPERTIES).read_text().splitlines()
                 if line and not line.startswith("#"))
    (ticket / "values.json").write_text(json.dumps({
        "settings": [{"key": k, "value": v, "inherited": False} for k, v in pairs.items() if "secured" not in k],
        "setSecuredSettings": ["sonar.auth.saml.certificate.secured"]}))
    for name in (PROPERTIES, "SonarQube.xml"):
        (ticket / name).unlink()
    (note,) = [n for n in folder_said(_doc(ticket)) if "does not give the IdP certificate" in n]
    assert f"beside --sonar-settings {ticket / 'values.json'}" in note and "--idp-cert" in note


def _sarif_results(folder: Path) -> list[str]:
    (run,) = json.loads(_scan(folder, "--format", "sarif"))["runs"]
    return [r["message"]["text"] for r in run["results"] if r["ruleId"] == "settings-found"]


def test_sarif_tells_the_settings_read_from_the_folder_where_its_viewers_look(ticket):
    """A SARIF viewer shows a run's results (and an invocation's notifications); the run's
    properties it does not. The file read is its settings-found result, said once (final2)."""
    said = (f"read {ticket / 'SonarQube.xml'} as the IdP metadata (found in the scanned folder; "
            "--idp-metadata chooses another)")
    assert said in _sarif_results(ticket)
    assert _scan(ticket, "--format", "sarif").count(said) == 1


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_format_without_notes_says_the_settings_read_in_its_rows(ticket, fmt):
    """CSV and JSON lines are one finding per row: the settings read from the folder are their
    settings-found rows, and stderr does not say them again (it did, as a note: final2)."""
    res = CliRunner().invoke(main, ["scan", str(ticket), "--jobs", "1", "--fail-on", "never", "--format", fmt])
    assert f"read {ticket / 'SonarQube.xml'} as the IdP metadata" not in res.stderr
    rows = [line for line in res.stdout.splitlines() if "found in the scanned folder" in line]
    assert rows and all("settings-found" in line for line in rows)
    quiet = CliRunner().invoke(main, ["scan", str(ticket), "--jobs", "1", "--fail-on", "never", "--format", fmt,
                                      "--quiet"])
    assert quiet.stderr == ""


STOCK_PROPERTIES = ("# DATABASE\n#sonar.jdbc.username=\n#sonar.jdbc.password=\n"
                    "#sonar.jdbc.url=jdbc:postgresql://localhost/sonarqube\n# WEB SERVER\n"
                    "#sonar.web.host=0.0.0.0\n#sonar.web.port=9000\n")


def test_a_stock_sonar_properties_says_where_sonarqube_keeps_its_saml_settings(tmp_path):
    # the sonar.properties a ticket attaches is usually SonarQube's stock file, every line a comment:
    # the SAML settings made in the UI live in SonarQube's database, which its api/settings/values gives
    (tmp_path / "sonar.properties").write_text(STOCK_PROPERTIES)
    doc = _doc(tmp_path)
    (inp,) = doc["inputs"]
    assert inp["status"] == "skipped"
    assert "without a sonar.auth.saml. setting" in inp["reason"] and "api/settings/values" in inp["reason"]
    res = CliRunner().invoke(main, ["check", str(tmp_path / "sonar.properties"), "--format", "json"])
    (f,) = json.loads(res.stdout)["input_findings"]
    assert f["code"] == "input-not-saml" and "--sonar-settings" in f["message_text"]
