"""`samlscan scan ticket.zip` (or a folder holding it) with no trust option reads the IdP metadata
and SP settings among the archive's top-level members as found settings (samlscan/found.py,
archives.settings_members), named by their label 'ticket.zip!SonarQube.xml', never by the
temporary file they were inflated to for the loaders."""
from __future__ import annotations

import json
import tarfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main

from case_util import folder_said

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "fixtures" / "scenarios" / "entra-proxy-spring"
GOOGLE = ROOT / "tests" / "data" / "case9" / "GoogleIDPMetadata.xml"
SETTINGS = ("SonarQube.xml", "sonar-saml-settings.properties")


def _attachments() -> list[Path]:
    return [f for f in sorted(CASE.iterdir()) if f.name != "expected.json"]


def _zip(path: Path, files: list[Path]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in files:
            zf.write(f, f.name)
    return path


def _tgz(path: Path, files: list[Path]) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for f in files:
            tf.add(f, f.name)
    return path


def _scan(target: Path, *extra: str) -> tuple[dict, str]:
    res = CliRunner().invoke(main, ["scan", str(target), "--format", "json", "--timezone", "Europe/Amsterdam",
                                    "--jobs", "1", "--fail-on", "never", *extra])
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout), res.stdout


def _emil(doc: dict) -> dict:
    (a,) = [a for a in doc["attempts"] if (a["user"] or "").startswith("emil") and a["outcome"] == "failure"]
    return a


def _reasons(doc: dict) -> dict[str, tuple[str, str]]:
    return {i["path"]: (i["status"], i.get("reason") or "") for i in doc["inputs"]}


@pytest.mark.parametrize("pack,name,in_folder", [(_zip, "ticket.zip", False), (_tgz, "ticket.tar.gz", True)])
def test_the_settings_members_of_a_ticket_archive_are_read(tmp_path, pack, name, in_folder):
    """Emil's response is signed with Entra's new certificate, which the metadata lists and
    SonarQube does not hold: read from the archive, the cause is that, not signature-invalid."""
    folder = tmp_path / "ticket-1234"
    folder.mkdir()
    archive = pack(folder / name, _attachments())
    doc, text = _scan(folder if in_folder else archive)
    assert _emil(doc)["root_cause"] == "signature-cert-mismatch"
    notes = folder_said(doc)
    assert f"read {archive}!SonarQube.xml as the IdP metadata (found in the scanned folder; " \
           "--idp-metadata chooses another)" in notes
    assert any(n.startswith(f"read {archive}!sonar-saml-settings.properties as the SonarQube settings")
               for n in notes)
    reasons = _reasons(doc)
    for member in SETTINGS:
        assert reasons[f"{archive}!{member}"] == ("skipped", "read as settings (configuration, IdP metadata "
                                                              "or SP settings)")
    assert "samlscan-settings" not in text  # (the temporary files are never named)


def test_two_metadata_members_leave_the_choice_to_the_user(tmp_path):
    archive = _zip(tmp_path / "ticket.zip", _attachments() + [GOOGLE])
    doc, _ = _scan(archive)
    (note,) = [n for n in folder_said(doc) if "none of them was read" in n]
    assert "2 files found in the scanned folder are IdP metadata" in note and "--idp-metadata" in note
    assert f"{archive}!SonarQube.xml" in note and f"{archive}!GoogleIDPMetadata.xml" in note
    reasons = _reasons(doc)
    assert "give it with --idp-metadata" in reasons[f"{archive}!SonarQube.xml"][1]
    assert reasons[f"{archive}!sonar-saml-settings.properties"][1].startswith("read as settings")


def test_a_trust_option_given_turns_the_archives_settings_off(tmp_path):
    archive = _zip(tmp_path / "ticket.zip", _attachments())
    doc, _ = _scan(archive, "--sonar-settings", str(CASE / "sonar-saml-settings.properties"))
    assert not [n for n in folder_said(doc) if "found in the scanned folder" in n]
    reasons = _reasons(doc)
    assert "give it with --idp-metadata" in reasons[f"{archive}!SonarQube.xml"][1]
    assert "give them with --sonar-settings" in reasons[f"{archive}!sonar-saml-settings.properties"][1]


def test_an_archive_inside_the_archive_is_not_looked_into_for_settings(tmp_path):
    """Only the top level: a nested archive would be inflated whole just to look for settings."""
    inner = _zip(tmp_path / "settings.zip", [CASE / name for name in SETTINGS])
    archive = _zip(tmp_path / "ticket.zip", [f for f in _attachments() if f.name not in SETTINGS] + [inner])
    doc, _ = _scan(archive)
    assert not [n for n in folder_said(doc) if "found in the scanned folder" in n]
    assert "give it with --idp-metadata" in _reasons(doc)[f"{archive}!settings.zip!SonarQube.xml"][1]


def test_a_refused_member_is_named_by_its_label(tmp_path):
    """SonarQube's api/settings/values hides the certificate: the loader's reason quotes the file
    it read, the inflated member, which the note names by its label. (It is read now for the SP's
    other settings, test_found2: the note says its certificate is hidden.)"""
    values = tmp_path / "values.json"
    values.write_text(json.dumps({"settings": [{"key": "sonar.auth.saml.applicationId", "value": "sonarqube"}],
                                  "setSecuredSettings": ["sonar.auth.saml.certificate.secured"]}))
    archive = _zip(tmp_path / "ticket.zip", [CASE / "chrome-emil.har", values])
    doc, text = _scan(archive)
    (note,) = [n for n in folder_said(doc) if "does not give the IdP certificate" in n]
    assert note.startswith(f"{archive}!values.json (found in the scanned folder) does not give the IdP certificate "
                           "the SP holds, so no signature is checked against it: SonarQube does not return "
                           "sonar.auth.saml.certificate.secured")
    assert f"beside --sonar-settings {archive}!values.json (extracted from its archive)" in note
    assert "samlscan-settings" not in text
