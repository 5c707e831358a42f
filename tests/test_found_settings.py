"""`samlscan scan DIR` with no trust option reads the IdP metadata and SP settings it finds in DIR
(a ticket's attachments) as if given with their option, when one file of a kind leaves no doubt
(samlscan/found.py); an option given always wins."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main

from case_util import folder_said
from samlscan.config import settings_kind

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "fixtures" / "scenarios" / "entra-proxy-spring"
GOOGLE = ROOT / "tests" / "data" / "case9" / "GoogleIDPMetadata.xml"
SP_METADATA = ROOT / "tests" / "data" / "metadata" / "ukfed-rm-sp-entity.xml"


@pytest.fixture
def ticket(tmp_path: Path) -> Path:
    """The entra-proxy-spring ticket's attachments, as a support engineer saves them."""
    folder = tmp_path / "ticket-1234"
    folder.mkdir()
    for f in CASE.iterdir():
        if f.name != "expected.json":
            shutil.copy(f, folder / f.name)
    return folder


def _scan(folder: Path, *extra: str) -> dict:
    res = CliRunner().invoke(main, ["scan", str(folder), "--format", "json", "--timezone", "Europe/Amsterdam",
                                    "--jobs", "1", "--fail-on", "never", *extra])
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout)


def _emil(doc: dict) -> dict:
    (a,) = [a for a in doc["attempts"] if (a["user"] or "").startswith("emil") and a["outcome"] == "failure"]
    return a


def _reasons(doc: dict) -> dict[str, tuple[str, str]]:
    return {Path(i["path"]).name: (i["status"], i.get("reason") or "") for i in doc["inputs"]}


def test_the_tickets_metadata_and_settings_judge_the_signature(ticket):
    """Emil's response is signed with Entra's new certificate, which the metadata lists and
    SonarQube does not hold: without the folder's settings the cause was signature-invalid."""
    doc = _scan(ticket)
    assert _emil(doc)["root_cause"] == "signature-cert-mismatch"
    assert f"read {ticket / 'SonarQube.xml'} as the IdP metadata (found in the scanned folder; " \
           "--idp-metadata chooses another)" in folder_said(doc)
    assert any(n.startswith(f"read {ticket / 'sonar-saml-settings.properties'} as the SonarQube settings")
               for n in folder_said(doc))
    reasons = _reasons(doc)
    for name in ("SonarQube.xml", "sonar-saml-settings.properties"):
        assert reasons[name][0] == "skipped" and reasons[name][1].startswith("read as settings")


def test_two_idp_metadata_files_leave_the_choice_to_the_user(ticket):
    shutil.copy(GOOGLE, ticket / "GoogleIDPMetadata.xml")
    doc = _scan(ticket)
    (note,) = [n for n in folder_said(doc) if "none of them was read" in n]
    assert "2 files found in the scanned folder are IdP metadata" in note and "--idp-metadata" in note
    assert str(ticket / "SonarQube.xml") in note and str(ticket / "GoogleIDPMetadata.xml") in note
    reasons = _reasons(doc)
    assert "give it with --idp-metadata" in reasons["SonarQube.xml"][1]
    assert reasons["sonar-saml-settings.properties"][1].startswith("read as settings")  # alone of its kind


def test_the_same_metadata_saved_twice_is_one_idp_and_sp_metadata_is_no_idp(ticket):
    shutil.copy(ticket / "SonarQube.xml", ticket / "FederationMetadata.xml")
    shutil.copy(SP_METADATA, ticket / "sp-metadata.xml")
    doc = _scan(ticket)
    assert _emil(doc)["root_cause"] == "signature-cert-mismatch"
    assert not [n for n in folder_said(doc) if "none of them was read" in n]


@pytest.mark.parametrize("option", [["--idp-metadata", str(GOOGLE)], ["--idp-cert", str(GOOGLE)]])
def test_a_trust_option_given_wins_over_every_file_found(ticket, option):
    if option[0] == "--idp-cert":  # (a certificate file: the metadata's own)
        cert = ticket.parent / "idp.pem"
        cert.write_text(_certificate_of(GOOGLE))
        option = ["--idp-cert", str(cert)]
    doc = _scan(ticket, *option)
    assert not [n for n in folder_said(doc) if "found in the scanned folder" in n]
    reasons = _reasons(doc)
    assert "give it with --idp-metadata" in reasons["SonarQube.xml"][1]
    assert "give them with --sonar-settings" in reasons["sonar-saml-settings.properties"][1]


def test_a_samlscan_toml_in_the_folder_is_the_users_choice(ticket):
    (ticket / "samlscan.toml").write_text('sp_entity_id = "sonarqube"\n')
    doc = _scan(ticket)
    assert not [n for n in folder_said(doc) if "found in the scanned folder" in n]
    assert "give it with --idp-metadata" in _reasons(doc)["SonarQube.xml"][1]


def test_a_flag_given_beside_found_settings_wins(ticket):
    doc = _scan(ticket, "--sp-entity-id", "https://other.example.com/sp")
    assert any("read" in n and "as the SonarQube settings" in n for n in folder_said(doc))
    assert any("audience" in f["code"] for m in doc["messages"] for f in m["findings"])


def test_python3_saml_settings_are_found_by_content(tmp_path):
    folder = tmp_path / "ticket"
    folder.mkdir()
    shutil.copy(CASE / "chrome-emil.har", folder / "capture.har")
    (folder / "saml-settings").write_text(json.dumps({  # (no .json: the content tells)
        "strict": True,
        "sp": {"entityId": "https://sonar.example.com", "assertionConsumerService": {
            "url": "https://sonar.example.com/oauth2/callback/saml"}},
        "idp": {"entityId": "https://sts.windows.net/9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d/",
                "x509cert": _certificate_of(CASE / "SonarQube.xml", -1)}}))
    doc = _scan(folder)
    assert f"read {folder / 'saml-settings'} as the python3-saml settings (found in the scanned folder; " \
           "--config chooses another)" in folder_said(doc)
    assert _reasons(doc)["saml-settings"][1].startswith("read as settings")


def _certificate_of(metadata: Path, which: int = 0) -> str:
    """A signing certificate of a metadata file, as PEM."""
    import re

    bodies = re.findall(r"X509Certificate>\s*([A-Za-z0-9+/=\s]+?)\s*<", metadata.read_text())
    return f"-----BEGIN CERTIFICATE-----\n{bodies[which]}\n-----END CERTIFICATE-----\n"


@pytest.mark.parametrize("head,kind", [
    (b'<?xml version="1.0"?>\n<!-- saved from the portal -->\n<md:EntityDescriptor xmlns:md="x" entityID="a">',
     "idp_metadata"),
    (b'\xef\xbb\xbf<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata">', "idp_metadata"),
    (b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">', None),
    (b"# SonarQube\nsonar.web.port=9000\n  sonar.auth.saml.enabled=true\n", "sonar_settings"),
    (b"sonar.projectKey=my-app\nsonar.sources=src\n", None),  # sonar-project.properties: no SAML
    (b"#sonar.auth.saml.enabled=true\n", None),  # commented out: SonarQube ignores it
    (b'{"settings": [{"key": "sonar.auth.saml.applicationId", "value": "sonarqube"}]}', "sonar_settings"),
    (b'{"log": {"entries": [{"response": {"content": {"text": "{\\"key\\": \\"sonar.auth.saml.x\\"}"}}}]}}', None),
    (b'{"strict": true, "sp": {"entityId": "x"}, "idp": {}}', "python3_saml_settings"),
])
def test_settings_kind_by_content(head, kind):
    assert settings_kind(head) == kind


@pytest.mark.parametrize("unit, count, tail", [(" ", 60000, "<x"), (" <!-- a -->", 3000, "<x"), ("<?", 20000, ""),
                                               ("<!-- -- - -> -->", 3000, "x"), ("<!DOCTYPE [", 3000, ""),
                                               ("\n\t", 30000, "<x")])
def test_settings_kind_is_linear_on_heads_that_are_not_metadata(unit, count, tail):
    # the prolog's loop once tried every split of its spaces and comments: 24 spaces took 0.7 s,
    # 100 comments never ended; every file of a scanned folder has its head read this way
    from growth_util import assert_linear

    assert settings_kind((unit * count + tail).encode()) is None
    assert_linear(lambda head: settings_kind(head.encode()), lambda n: unit * n + tail, count // 4)
