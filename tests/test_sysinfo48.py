"""SonarQube's System Info file (Download System Information, api/system/info) read as SonarQube's settings:
the same Expectations as the equivalent sonar.properties, its masked certificate not a certificate, the
version's SAML engine, a cluster's nodes holding a SAML setting apart (sonar-nodes-disagree), found in a
scanned folder by content, and a scenario scanned with it gives the verdicts of its own settings.
Fixtures: fixtures/gen_sysinfo48.py (fixtures/sysinfo48)."""
from __future__ import annotations

import json
import shutil
from dataclasses import replace

import pytest
from case_util import ROOT, generator_check, scan_case
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.config import ConfigError, build, load_sonar_settings, settings_kind
from samlscan.config.files import NO_CERT
from samlscan.config.sysinfo import node_disagreements, spring_engine
from samlscan.errors import OtherKind

FIX = ROOT / "fixtures" / "sysinfo48"
V99, V2025, DCE = (FIX / f"sonarqube-{v}-system-info.json" for v in ("9.9", "2025.1", "dce"))
OKTA = ROOT / "fixtures" / "scenarios" / "okta-spring"
IDP_CRT = str(ROOT / "fixtures" / "keys" / "idp.crt")
MASK = "xxxxxxxx"


def _same(expect):
    """Expectations without what names the files they came from."""
    return replace(expect, sources=(), contradictions=())


def test_the_fixtures_are_current():
    done = generator_check("gen_sysinfo48.py")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("info, properties, added", [
    (V99, ROOT / "fixtures" / "config" / "sonar.properties", {}),
    (V2025, FIX / "okta-spring.properties", {"clock_skew": 300}),
    (DCE, FIX / "okta-spring.properties", {"clock_skew": 300}),
])
def test_read_as_the_equivalent_sonar_properties(info, properties, added):
    from_info = build({"sonar_settings": [str(info)], "idp_cert": [IDP_CRT]}, None)
    from_props = build({"sonar_settings": [str(properties)], "idp_cert": [IDP_CRT]}, None)
    assert from_info.profile == "sonarqube" and from_info.acs_url == "https://sonar.example.com/oauth2/callback/saml"
    # the properties' own certificate (fixtures/config/sonar.properties holds one) is the one given here
    assert _same(replace(from_info, nodes_apart=())) == _same(replace(from_props, idp_certs=from_info.idp_certs,
                                                                      **added))


def test_the_engine_by_version_sets_the_skew(tmp_path):
    assert build({"sonar_settings": [str(V99)], "idp_cert": [IDP_CRT]}, None).clock_skew == 180  # java-saml
    assert build({"sonar_settings": [str(V2025)], "idp_cert": [IDP_CRT]}, None).clock_skew == 300  # Spring
    assert build({"sonar_settings": [str(V2025)], "idp_cert": [IDP_CRT], "clock_skew": 60}, None).clock_skew == 60
    doc = json.loads(DCE.read_text())  # a cluster's nodes on two releases (an upgrade half done): no one engine
    doc["Application Nodes"][1]["System"]["Version"] = "10.8.1.101195"
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps(doc))
    layer = load_sonar_settings(mixed)
    assert "clock_skew" not in layer and "SonarQube 2025.1.0.102418 and 10.8.1.101195" in layer["settings_notes"][0]
    assert [spring_engine(v) for v in ("9.9.4.87374", "10.8.1.101195", "2025.1.0.102418", "2026.1", "", None)] \
        == [False, False, True, True, None, None]


def test_a_masked_certificate_is_no_certificate():
    layer = load_sonar_settings(V99)
    assert not layer.get("idp_certs") and not layer.get("sp_certs") and not layer.get("sp_keys")
    assert "--idp-cert" in layer[NO_CERT] and MASK not in layer[NO_CERT]
    with pytest.raises(ConfigError) as exc:  # given alone, it is said, not taken as 'no certificate to check'
        build({"sonar_settings": [str(V99)]}, None)
    assert "System Info file does not hold the IdP certificate" in str(exc.value) and MASK not in str(exc.value)
    # the sonar.properties it stands for holds its certificate: read as one
    assert load_sonar_settings(ROOT / "fixtures" / "config" / "sonar.properties")["idp_certs"]


def test_recognised_by_content_not_by_name(tmp_path):
    for path in (V99, V2025, DCE):
        renamed = tmp_path / "attachment-3.json"
        shutil.copy(path, renamed)
        assert settings_kind(renamed.read_bytes()) == "sonar_settings"
    assert settings_kind((FIX / "not-sonarqube-system.json").read_bytes()) is None
    # a HAR that downloaded it holds it as an escaped response text: a capture, not the file
    har = {"log": {"version": "1.2", "entries": [{"request": {"method": "GET", "url":
           "https://sonar.example.com/api/system/info"}, "response": {"status": 200, "content": {
           "mimeType": "application/json", "text": V2025.read_text()}}}]}}
    assert settings_kind(json.dumps(har).encode()) is None
    with pytest.raises(OtherKind):
        load_sonar_settings(FIX / "not-sonarqube-system.json")
    with pytest.raises(OtherKind, match="SAML is not set up on that server"):
        load_sonar_settings(FIX / "saml-off-system-info.json")


def test_a_cut_file_is_said_without_a_traceback(tmp_path):
    cut = tmp_path / "system-info.json"
    cut.write_bytes(V2025.read_bytes()[:3000])
    res = CliRunner().invoke(main, ["check", str(OKTA / "chrome-morning.har"), "--sonar-settings", str(cut),
                                    "--idp-cert", IDP_CRT, "-q"])
    assert res.exit_code == 2 and "not valid JSON" in res.output and "Traceback" not in res.output


def test_nodes_that_disagree_are_a_warning():
    res = CliRunner().invoke(main, ["check", str(OKTA / "chrome-morning.har"), "--sonar-settings", str(DCE),
                                    "--idp-cert", IDP_CRT, "--format", "json", "-q", "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    (found,) = [f for f in json.loads(res.stdout)["input_findings"] if f["code"] == "sonar-nodes-disagree"]
    assert found["severity"] == "warning" and found["input"].endswith(DCE.name)
    assert "sonar.auth.saml.loginUrl" in found["message_text"] and "sonar-app-2" in found["message_text"]
    assert "exk1oldEXAMPLE" in found["message_text"]
    doc = json.loads(DCE.read_text())
    settings = doc["Settings"]
    assert len(node_disagreements(doc, settings)) == 1
    for node in doc["Application Nodes"]:  # the node's own value made the same: nothing apart
        node["Web JVM Properties"].pop("sonar.auth.saml.loginUrl", None)
    assert node_disagreements(doc, settings) == []
    alone = CliRunner().invoke(main, ["check", str(OKTA / "chrome-morning.har"), "--sonar-settings", str(V2025),
                                      "--idp-cert", IDP_CRT, "--format", "json", "-q", "--fail-on", "never"])
    assert "sonar-nodes-disagree" not in alone.stdout


def _copy(tmp_path, *extra):
    case = tmp_path / "okta-spring"
    shutil.copytree(OKTA, case, ignore=shutil.ignore_patterns("samlscan.toml", "expected.json"))
    for path in extra:
        shutil.copy(path, case)
    return case


def test_found_in_a_scanned_folder(tmp_path):
    case = _copy(tmp_path, V2025)
    doc = scan_case(case, "Europe/Paris")
    (found,) = [f for f in doc["input_findings"] if f["code"] == "settings-found"]
    assert found["input"].endswith(V2025.name) and "SonarQube settings" in found["message_text"]
    notes = " ".join(doc["summary"]["notes"])
    assert "does not hold the IdP certificate" in notes and "SonarQube 2025.1.0.102418" in notes
    assert MASK not in json.dumps(doc)
    other = _copy(tmp_path / "other", FIX / "not-sonarqube-system.json")
    assert not [f for f in scan_case(other, "Europe/Paris")["input_findings"] if f["code"] == "settings-found"]


def _verdicts(doc: dict) -> tuple:
    return (sorted((a["outcome"], a["root_cause"]) for a in doc["attempts"]),
            sorted(f["code"] for m in doc["messages"] for f in m["findings"]),
            sorted(f["code"] for f in doc["input_findings"]))


def test_a_scenario_with_its_system_info_gives_the_same_verdicts(tmp_path):
    case = _copy(tmp_path)
    own = scan_case(case, "Europe/Paris", "--config", str(OKTA / "samlscan.toml"))
    props = scan_case(case, "Europe/Paris", "--sonar-settings", str(FIX / "okta-spring.properties"),
                      "--idp-cert", IDP_CRT)
    info = scan_case(case, "Europe/Paris", "--sonar-settings", str(V2025), "--idp-cert", IDP_CRT)
    assert _verdicts(info) == _verdicts(props) == _verdicts(own)
    assert ("failure", "audience-mismatch") in _verdicts(info)[0]


def test_redact_holds(tmp_path):
    case = _copy(tmp_path)
    for fmt in ("json", "table", "csv"):
        res = CliRunner().invoke(main, ["scan", str(case), "--sonar-settings", str(DCE), "--idp-cert", IDP_CRT,
                                        "--timezone", "Europe/Paris", "--format", fmt, "--redact", "--jobs", "1",
                                        "--fail-on", "never", "-q"])
        assert res.exit_code == 0, res.output[-2000:]
        assert "sonar-nodes-disagree" in res.stdout
        assert "alice.martin@example.com" not in res.stdout and "10.20.0." not in res.stdout
        assert MASK not in res.stdout
