"""The settings a scan finds in its folder (samlscan/found.py), their rough edges: a file that looks
like IdP metadata and cannot be read, SonarQube's settings export without its certificate, what
--quiet CSV/JSON lines say of them, and an aggregate read once."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from samlscan.cli import main

from case_util import folder_said

from test_found_settings import GOOGLE, SP_METADATA, ticket  # noqa: F401 (the fixture: entra-proxy-spring's files)

PROPERTIES = "sonar-saml-settings.properties"


def _run(folder: Path, *extra: str):
    res = CliRunner().invoke(main, ["scan", str(folder), "--timezone", "Europe/Amsterdam", "--jobs", "1",
                                    "--fail-on", "never", *extra])
    assert res.exit_code == 0, res.output[-2000:]
    return res


def _doc(folder: Path, *extra: str) -> dict:
    return json.loads(_run(folder, "--format", "json", *extra).stdout)


def _notes(folder: Path, marker: str) -> list[str]:
    return [n for n in folder_said(_doc(folder)) if marker in n]


def test_idp_metadata_its_loader_refuses_gets_a_note(ticket):
    """A metadata file with a DOCTYPE (refused, never resolved), or cut off, was recognised as IdP
    metadata and then dropped without a word: the user only saw the XML error on that input."""
    body = GOOGLE.read_bytes().split(b"?>", 1)[1]
    (ticket / "SonarQube.xml").unlink()
    (ticket / "doctype.xml").write_bytes(b'<?xml version="1.0"?>\n<!DOCTYPE md:EntityDescriptor>' + body)
    notes = _notes(ticket, "looks like IdP metadata but was not read")
    assert notes == [f"{ticket / 'doctype.xml'} looks like IdP metadata but was not read: unusable IdP metadata: "
                     + notes[0].split("unusable IdP metadata: ", 1)[1]]
    assert "DOCTYPE" in notes[0] or "DTD" in notes[0]
    (ticket / "doctype.xml").unlink()
    (ticket / "cut.xml").write_bytes(GOOGLE.read_bytes()[:700])
    (note,) = _notes(ticket, "looks like IdP metadata but was not read")
    assert note.startswith(f"{ticket / 'cut.xml'} looks like IdP metadata but was not read: unusable IdP metadata")


def test_sp_metadata_is_another_kind_of_file_and_gets_no_note(ticket):
    shutil.copy(SP_METADATA, ticket / "sp-metadata.xml")
    assert _notes(ticket, "not read") == []


def _values_json(ticket: Path, **changed: str) -> Path:
    """The ticket's SAML settings as api/settings/values gives them: the IdP certificate listed in
    setSecuredSettings only (SonarQube 9.1+ never returns a secured value)."""
    pairs = dict(line.split("=", 1) for line in (ticket / PROPERTIES).read_text().splitlines()
                 if line and not line.startswith("#"))
    pairs.update(changed)
    path = ticket / "values.json"
    path.write_text(json.dumps({
        "settings": [{"key": k, "value": v, "inherited": False} for k, v in pairs.items() if "secured" not in k],
        "setSecuredSettings": ["sonar.auth.saml.certificate.secured"]}))
    for name in (PROPERTIES, "SonarQube.xml"):
        (ticket / name).unlink()
    return path


def _codes(doc: dict) -> set[str]:
    return {f["code"] for m in doc["messages"] for f in m["findings"]}


def test_a_settings_export_without_its_certificate_is_read_for_the_rest(ticket):
    """Alone in the folder it was not read at all: its SP entity ID, provider ID and attribute
    settings were lost with the certificate SonarQube's API hides."""
    values = _values_json(ticket, **{"sonar.auth.saml.applicationId": "sonarqube-other"})
    doc = _doc(ticket)
    notes = folder_said(doc)
    assert f"read {values} as the SonarQube settings (found in the scanned folder; --sonar-settings chooses " \
           "another)" in notes
    (note,) = [n for n in notes if "does not give the IdP certificate" in n]
    assert "setSecuredSettings" in note and "--idp-cert" in note and f"beside --sonar-settings {values}" in note
    assert "audience-mismatch" in _codes(doc)  # its applicationId is what the SP expects
    assert not [n for n in notes if " not read: " in n]


def test_a_settings_export_beside_metadata_still_says_sonarqube_holds_another_certificate(ticket):
    """With the folder's metadata the signatures are checked, against the metadata's certificates,
    not the one SonarQube holds: the note still says so."""
    shutil.copy(ticket / "SonarQube.xml", ticket.parent / "SonarQube.xml")
    _values_json(ticket)
    shutil.copy(ticket.parent / "SonarQube.xml", ticket / "SonarQube.xml")
    assert len(_notes(ticket, "does not give the IdP certificate the SP holds")) == 1


def _aggregate(path: Path, *metadata: Path) -> Path:
    """A federation's aggregate: an EntitiesDescriptor of the IdPs' EntityDescriptors."""
    from lxml import etree

    md = "urn:oasis:names:tc:SAML:2.0:metadata"
    root = etree.Element(f"{{{md}}}EntitiesDescriptor", nsmap={"md": md})
    for m in metadata:
        root.append(etree.fromstring(m.read_bytes()))
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return path


def test_an_aggregate_found_in_the_folder_is_parsed_once(ticket, monkeypatch):
    """found.py read the aggregate to know what it is, then config.build read it again: a federation's
    60 MB aggregate was parsed twice (a script building one measured 2 x the time)."""
    import samlscan.xmlsafe as xmlsafe

    aggregate = _aggregate(ticket / "federation.xml", GOOGLE, ticket / "SonarQube.xml")
    (ticket / "SonarQube.xml").unlink()
    size, whole = aggregate.stat().st_size, []
    parse = xmlsafe.parse_xml

    def counted(data, *args, **kwargs):  # (the real parser: only counted)
        whole.extend([1] if len(data) >= size else [])
        return parse(data, *args, **kwargs)

    monkeypatch.setattr(xmlsafe, "parse_xml", counted)
    doc = _doc(ticket)
    assert f"read {aggregate} as the IdP metadata (found in the scanned folder; --idp-metadata chooses " \
           "another)" in folder_said(doc)
    (emil,) = [a for a in doc["attempts"] if (a["user"] or "").startswith("emil") and a["outcome"] == "failure"]
    assert emil["root_cause"] == "signature-cert-mismatch"  # the providerId picked Entra in the aggregate
    assert len(whole) == 1


def test_an_aggregate_changed_since_it_was_read_is_read_again(tmp_path):
    from samlscan.config import load_idp_metadata

    aggregate = _aggregate(tmp_path / "federation.xml", GOOGLE, GOOGLE)
    assert load_idp_metadata(aggregate) == {"idp_aggregates": (str(aggregate),)}
    _aggregate(aggregate, GOOGLE, SP_METADATA)  # one IdP now, beside an SP
    assert load_idp_metadata(aggregate)["idp_entity_id"] == "https://accounts.google.com/o/saml2?idpid=C03k9sonar"


def test_quiet_csv_and_json_lines_say_which_settings_were_read(ticket):
    """Notes go to stderr, which --quiet silences, and CSV and JSON lines have no place for them:
    nothing told that the folder's settings had changed the findings. An info finding at each
    file read does, in every format, and --fail-on info counts it."""
    res = CliRunner().invoke(main, ["scan", str(ticket), "--jobs", "1", "--quiet", "--format", "jsonl",
                                    "--fail-on", "info"])
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    found = {r["input"]: r for r in rows if r["code"] == "settings-found"}
    assert set(found) == {str(ticket / "SonarQube.xml"), str(ticket / PROPERTIES)}
    assert found[str(ticket / "SonarQube.xml")]["severity"] == "info"
    assert found[str(ticket / "SonarQube.xml")]["message_text"].startswith(f"read {ticket / 'SonarQube.xml'} as "
                                                                           "the IdP metadata")
    csv = CliRunner().invoke(main, ["scan", str(ticket), "--jobs", "1", "--quiet", "--format", "csv",
                                    "--fail-on", "never"])
    assert csv.stderr == "" and csv.stdout.count(",settings-found,info,") == 2


def test_settings_given_with_their_option_are_no_settings_found(ticket):
    res = _run(ticket, "--format", "jsonl", "--idp-metadata", str(ticket / "SonarQube.xml"))
    assert "settings-found" not in res.stdout
