"""SonarQube's SAML Authentication Test page saved from the browser (samlscan/logs/sonartest.py; fixtures from
fixtures/gen_sonartest52.py): what an admin's 'Test Configuration' showed, read as SonarQube's own word on the
login, with the attributes the response held beside a mapping error. It was 'no SAML message found'."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from generated_util import assert_generator_writes

from samlscan.cli import main
from samlscan.logs.sonartest import PARSER, page_status

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "fixtures" / "sonartest52"


def _report(*args: str) -> dict:
    got = CliRunner().invoke(main, [*args, "--format", "json", "--fail-on", "never"])
    assert got.exit_code == 0, got.output
    return json.loads(got.stdout)


def test_the_fixtures_are_what_the_generator_writes(tmp_path, monkeypatch):
    assert_generator_writes("gen_sonartest52", tmp_path, monkeypatch)


def test_a_mapping_error_is_the_attempts_cause_with_the_attributes_the_response_held():
    report = _report("check", str(PAGES / "test-mapping-error.html"))
    assert report["inputs"][0]["status"] == "scanned"
    (attempt,) = report["attempts"]
    assert (attempt["outcome"], attempt["root_cause"], attempt["side"]) == ("failure", "login-attribute-missing", "idp")
    said = " ".join(attempt["notes"])
    assert "sonar.auth.saml.user.login, the field login is not available" in said
    assert "the response's attributes: http://schemas.microsoft.com/ws/2008/06/identity/claims/groups" in said


def test_an_engine_error_of_the_older_layout_is_read_from_the_script():
    report = _report("check", str(PAGES / "test-engine-error.html"))
    (attempt,) = report["attempts"]
    assert (attempt["outcome"], attempt["root_cause"]) == ("failure", "signature-invalid")
    assert "The response's 'Destination' was not checked" in " ".join(attempt["notes"])  # (its \\' read as ')


def test_a_success_is_the_mapped_logins_and_each_warning_a_note():
    report = _report("check", str(PAGES / "test-success-warning.html"))
    (attempt,) = report["attempts"]
    assert (attempt["outcome"], attempt["user"]) == ("success", "dev.user1")
    notes = [n for n in report["summary"]["notes"] if "SAML Authentication Test warns" in n]
    assert len(notes) == 1 and "sonar.auth.saml.group.name, the field groups is not available" in notes[0]
    assert "the response's attributes: email, login, name" in notes[0]


def test_the_template_itself_or_broken_data_is_no_event(tmp_path):
    """SonarQube's template before it is filled, data that is no base64, JSON that is no object: no event,
    no crash (the file is skipped as holding no SAML evidence)."""
    head = "<html><head><title>SAML Authentication Test</title></head><body>"
    pages = {"template.html": head + '<div id="response" data-response="%SAML_AUTHENTICATION_STATUS%"></div>'
                              "<script>const status = %STATUS%;</script></body></html>",
             "notbase64.html": head + '<div id="response" data-response="!!!!"></div></body></html>',
             "array.html": head + f'<div data-response="{base64.b64encode(b"[1, 2]").decode()}"></div></body></html>',
             "notjson.html": head + f'<div data-response="{base64.b64encode(b"{nope").decode()}"></div></body></html>'}
    for name, page in pages.items():
        (tmp_path / name).write_text(page)
        assert page_status(page) is None or not list(PARSER.parse(enumerate(page.splitlines(), 1), name, None))
    report = _report("scan", str(tmp_path))
    assert report["summary"]["inputs"] == 4 and report["summary"]["failed"] == 0
    assert not report["attempts"]


def test_the_scripts_arrays_keep_their_texts_whole():
    page = ("<title>SAML Authentication Test</title><script>const status = 'error'; const attributes = {};"
            " const mappings = {}; const errors = ['a\\'], b', 'c\\\\d'];\nconst warnings = [];</script>")
    assert page_status(page) == {"status": "error", "errors": ["a'], b", "c\\\\d"], "warnings": [],
                                 "availableAttributes": {}, "mappedAttributes": {}}


@pytest.mark.parametrize("head", ["<title>SAML Authentication Test</title>", "const status = 'x'",
                                  "<h1>SAML Authentication Test</h1> Errors"])
def test_only_the_test_page_is_sniffed(head):
    assert not PARSER.sniff(head)


def test_a_sarif_result_points_at_the_line_of_the_pages_data():
    got = CliRunner().invoke(main, ["check", str(PAGES / "test-mapping-error.html"), "--format", "sarif",
                                    "--fail-on", "never"])
    (result,) = json.loads(got.stdout)["runs"][0]["results"]
    lines = (PAGES / "test-mapping-error.html").read_text().splitlines()
    line = result["locations"][0]["physicalLocation"]["region"]["startLine"]
    assert "data-response=" in lines[line - 1]


def test_data_of_other_types_is_no_message():
    data = base64.b64encode(json.dumps({"status": "error", "errors": [None, 3, " ", "Fail to callback"],
                                        "mappedAttributes": {"User login value": [None]}}).encode()).decode()
    page = f'<title>SAML Authentication Test</title><div id="response" data-response="{data}"></div>'
    (event,) = PARSER.parse(enumerate(page.splitlines(), 1), "page.html", None)
    assert (event.outcome, event.text, event.user) == ("failure", "Fail to callback", None)
