"""Settings found in a scanned folder (samlscan/found.py): IdP metadata that contradicts the SP's
settings read beside it, the skip reasons of SP settings left unread, settings files saved as UTF-16
without a BOM; and metadata named by its namespace, not by its root's local name."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.config import load_sonar_settings, settings_kind

DATA = Path(__file__).resolve().parent / "data"
GOOGLE = DATA / "case9" / "GoogleIDPMetadata.xml"  # entityID https://accounts.google.com/o/saml2?idpid=C03k9sonar
CASE10 = DATA / "case10"  # sonar.properties: providerId http://www.okta.com/exkb10sonarCORP
SONAR_JSON = DATA / "case8" / "sonar-settings.json"  # SonarQube's api/settings/values


def _scan(folder: Path, *extra: str) -> dict:
    res = CliRunner().invoke(main, ["scan", str(folder), "--format", "json", "--jobs", "1", "--fail-on", "never",
                                    *extra])
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout)


def _found(doc: dict) -> dict[str, str]:
    """The settings-found findings, by the name of the file each is at."""
    return {Path(f["input"]).name: f["message_text"] for f in doc["input_findings"]
            if f["code"] == "settings-found"}


def _reasons(doc: dict) -> dict[str, str]:
    return {Path(i["path"]).name: i.get("reason") or "" for i in doc["inputs"] if i["status"] == "skipped"}


def _beside_google(tmp_path: Path, name: str, text: str) -> dict[str, str]:
    """The settings-found findings of a folder holding Google's metadata and the SP settings `text`."""
    folder = tmp_path / "ticket"
    folder.mkdir()
    shutil.copy(GOOGLE, folder / GOOGLE.name)
    (folder / name).write_text(text)
    return _found(_scan(folder))


@pytest.fixture
def case10(tmp_path: Path) -> Path:
    folder = tmp_path / "ticket"
    shutil.copytree(CASE10, folder)
    return folder


def test_metadata_of_another_idp_beside_sonarqube_settings_is_said(case10):
    shutil.copy(GOOGLE, case10 / GOOGLE.name)
    said = _found(_scan(case10))[GOOGLE.name]
    assert "it contradicts" in said and "sonar.properties" in said
    assert "its entityID 'https://accounts.google.com/o/saml2?idpid=C03k9sonar' is not the IdP the SP names " \
           "(sonar.auth.saml.providerId 'http://www.okta.com/exkb10sonarCORP')" in said
    assert "the certificate the SP holds (sonar.auth.saml.certificate.secured: " in said
    assert "is not one it publishes for signing" in said


def test_metadata_contradicting_python3_saml_settings_is_said(tmp_path):
    held = load_sonar_settings(CASE10 / "sonar.properties")["idp_certs"][0]  # (another IdP's certificate)
    body = "".join(held.pem().decode().splitlines()[1:-1])
    said = _beside_google(tmp_path, "settings.json", json.dumps({
        "sp": {"entityId": "https://sp.example.org/metadata",
               "assertionConsumerService": {"url": "https://sp.example.org/acs"}},
        "idp": {"entityId": "https://idp.example.org/other", "x509cert": body}}))[GOOGLE.name]
    assert "(idp.entityId 'https://idp.example.org/other')" in said
    assert "the certificate the SP holds (idp.x509cert: " in said


def test_metadata_that_agrees_with_the_settings_is_no_contradiction(tmp_path):
    found = _beside_google(tmp_path, "sonar.properties", "sonar.auth.saml.enabled=true\n"
                           "sonar.auth.saml.applicationId=sonarqube\n"
                           "sonar.auth.saml.providerId=https://accounts.google.com/o/saml2?idpid=C03k9sonar\n")
    assert set(found) == {GOOGLE.name, "sonar.properties"}
    assert not [m for m in found.values() if "contradicts" in m]


def test_two_sonarqube_settings_are_both_skipped_as_what_they_are(tmp_path):
    folder = tmp_path / "ticket"
    folder.mkdir()
    shutil.copy(CASE10 / "sonar.properties", folder / "sonar.properties")
    shutil.copy(SONAR_JSON, folder / "sonar-settings.json")
    shutil.copy(CASE10 / "web.log", folder / "web.log")
    reasons = _reasons(_scan(folder))
    assert reasons["sonar-settings.json"] == reasons["sonar.properties"]
    assert reasons["sonar.properties"].startswith("these are the SonarQube settings, not a SAML message, not read: ")
    assert "only when it is the one file of its kind there" in reasons["sonar.properties"]
    assert reasons["sonar.properties"].endswith("give them with --sonar-settings")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("source, kind", [(GOOGLE, "idp_metadata"), (CASE10 / "sonar.properties", "sonar_settings"),
                                          (SONAR_JSON, "sonar_settings")])
def test_settings_saved_as_utf16_without_a_bom_are_recognised(source, kind, codec):
    data = source.read_bytes().decode("utf-8-sig").encode(codec)
    assert not data.startswith((b"\xff\xfe", b"\xfe\xff"))
    assert settings_kind(data[:4096]) == kind


def test_a_folder_with_utf16_settings_without_a_bom_reads_them(case10):
    path = case10 / "sonar.properties"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16-le"))
    (case10 / GOOGLE.name).write_bytes(GOOGLE.read_text(encoding="utf-8").encode("utf-16-le"))
    assert set(_found(_scan(case10))) == {GOOGLE.name, "sonar.properties"}


def test_an_entity_descriptor_outside_the_metadata_namespace_is_not_called_metadata(tmp_path):
    bogus = tmp_path / "bogus.xml"
    bogus.write_text('<EntityDescriptor xmlns="urn:bogus" entityID="x"/>')
    real = tmp_path / "real.xml"
    real.write_text('<m:EntityDescriptor xmlns:m="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x">'
                    '<m:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/>'
                    '</m:EntityDescriptor>')
    said = {}
    for path in (bogus, real):
        res = CliRunner().invoke(main, ["check", str(path), "--format", "json", "--fail-on", "never"])
        said[path.name] = " ".join(f["message_text"] for f in json.loads(res.stdout)["input_findings"])
    assert "this is SAML metadata" not in said["bogus.xml"]
    assert "the XML root is <{urn:bogus}EntityDescriptor>, not a SAML protocol message" in said["bogus.xml"]
    assert "this is SAML metadata, give it with --idp-metadata" in said["real.xml"]


def test_an_sp_metadata_file_is_not_called_the_idps(tmp_path):
    """A service provider's metadata (SPSSODescriptor only, the UK federation's sample) was told to go
    to --idp-metadata, which refuses it; it is the SP's: what the IdP must hold of the SP."""
    sp = Path(__file__).parent / "data" / "metadata" / "ukfed-rm-sp-entity.xml"
    out = CliRunner().invoke(main, ["check", str(sp), "--format", "jsonl"]).stdout
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert "service provider's SAML metadata" in row["message_text"] and "--idp-metadata" not in row["message_text"]
    shutil.copy(sp, tmp_path / "sp.xml")
    doc = json.loads(CliRunner().invoke(main, ["scan", str(tmp_path), "--format", "json"]).stdout)
    (entry,) = doc["inputs"]
    assert entry["status"] == "skipped" and "--sp-entity-id" in entry["reason"]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-16"])
def test_an_idp_certificate_saved_as_utf16_is_read_with_or_without_a_bom(tmp_path, codec):
    """`--idp-cert` read a PEM saved as UTF-16 only with its BOM (PowerShell 5.1's `>`); .NET's
    Encoding.Unicode bytes, iconv -t UTF-16LE and Java's UnicodeLittleUnmarked write none."""
    from samlscan.certs import load_certs

    pem = (Path(__file__).resolve().parent.parent / "fixtures" / "keys" / "idp.crt").read_text()
    path = tmp_path / "idp.crt"
    path.write_bytes(pem.encode(codec))
    (cert,) = load_certs(path.read_bytes(), str(path), from_file=True)
    assert cert.der == load_certs(pem.encode(), "pem", from_file=True)[0].der
