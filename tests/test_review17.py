"""Review 17: false alarms of the last hour's merged work (AuthnRequest app-not-found, ...)."""
from __future__ import annotations

import json
import shutil

from case_util import ROOT, scan_case
from click.testing import CliRunner

from samlscan.cli import main

CASE15 = ROOT / "tests" / "data" / "case15"

JENKINS_REQUEST = (
    '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
    'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_jenkins1" Version="2.0" '
    'IssueInstant="2026-02-03T09:40:00Z" Destination="{dest}" '
    'ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
    'AssertionConsumerServiceURL="https://jenkins.contoso.example/securityRealm/finishLogin">'
    '<saml:Issuer>https://jenkins.contoso.example/</saml:Issuer></samlp:AuthnRequest>')
"""Another application's AuthnRequest (the Jenkins SAML plugin's ACS): a browser capture or a
support folder holds every application the user signed in to, not only the SP of the settings."""


def _codes(doc: dict, name: str) -> set[str]:
    return {f["code"] for m in doc["messages"] if m["input"].endswith(name) for f in m["findings"]}


def test_another_sps_request_beside_the_settings_is_no_app_not_found(tmp_path):
    """SonarQube's settings in the folder and Jenkins' request to Keycloak's shared endpoint (another
    IdP host, another ACS host): it was an ERROR app-not-found, a failed login 'fix SonarQube's
    applicationId'. Carla's own request of case 15 stays app-not-found."""
    folder = tmp_path / "case"
    shutil.copytree(CASE15, folder)
    (folder / "jenkins-keycloak.xml").write_text(JENKINS_REQUEST.format(
        dest="https://kc.contoso.example/realms/corp/protocol/saml"))
    (folder / "jenkins-entra.xml").write_text(JENKINS_REQUEST.format(
        dest="https://login.microsoftonline.com/9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d/saml2").replace(
        "_jenkins1", "_jenkins2"))
    doc = scan_case(folder, "UTC")
    assert "app-not-found" not in _codes(doc, "jenkins-keycloak.xml")
    assert "app-not-found" not in _codes(doc, "jenkins-entra.xml")  # same IdP, Jenkins' own ACS
    attempts = {a["time"]: a for a in doc["attempts"]}
    assert attempts["2026-02-03T09:34:02Z"]["root_cause"] == "app-not-found"
    assert not any(a["root_cause"] == "app-not-found" for t, a in attempts.items() if t != "2026-02-03T09:34:02Z")


def test_app_not_found_fix_names_the_setting_of_the_sp_in_use(tmp_path):
    """Without SonarQube's settings the fix told to change 'SonarQube's sonar.auth.saml.applicationId'."""
    req = tmp_path / "req.xml"
    req.write_text(JENKINS_REQUEST.format(
        dest="https://login.microsoftonline.com/9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d/saml2"))
    res = CliRunner().invoke(main, ["check", str(req), "--format", "json", "--fail-on", "never",
                                    "--sp-entity-id", "jenkins"])
    found = [f for m in json.loads(res.stdout)["messages"] for f in m["findings"] if f["code"] == "app-not-found"]
    assert found and "SonarQube" not in found[0]["hint"] and "--sp-entity-id" in found[0]["hint"]
