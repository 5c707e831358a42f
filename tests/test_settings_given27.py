"""A JSON settings file given to `check` as the evidence says what it is and which option takes it."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from samlscan.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _finding(path: Path) -> dict:
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json", "-q"])
    (f,) = [f for f in json.loads(result.stdout)["input_findings"] if f["code"] == "input-not-saml"]
    return {"message": f["message_text"], "fix": f["hint"]}


def test_sonarqube_settings_json_is_named_with_its_option():
    f = _finding(ROOT / "fixtures" / "config" / "sonar-settings.json")
    assert "these are the SonarQube settings" in f["message"] and "--sonar-settings" in f["message"]
    assert f["fix"].startswith("Give this file with --sonar-settings")


def test_python3_saml_settings_json_is_named_with_its_option(tmp_path):
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"strict": True, "sp": {"entityId": "https://sp.example/metadata"},
                                    "idp": {"entityId": "https://idp.example/metadata"}}))
    f = _finding(settings)
    assert "python3-saml settings" in f["message"] and f["fix"].startswith("Give this file with --config")


def test_other_json_stays_no_saml_message(tmp_path):
    other = tmp_path / "package.json"
    other.write_text(json.dumps({"name": "x", "version": "1.0.0"}))
    f = _finding(other)
    assert "settings" not in f["message"] and f["fix"].startswith("Pass a SAMLResponse")
