"""CLI review 14 (a support engineer's day): odd but valid-looking options and config values end
in one clear line and exit 2, never an internal error or a silent nonsense value."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from case_util import ROOT
from samlscan.cli import main

VALID = ROOT / "fixtures" / "responses" / "valid" / "adfs.xml"
OKTA_LOG = ROOT / "fixtures" / "logs" / "okta" / "system-log.jsonl"


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _config(tmp_path, body: str):
    path = tmp_path / "samlscan.toml"
    path.write_text(body + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("body, said", [
    ('expiry_window_days = "abc"', "expiry_window_days must be a whole number of days"),  # was: internal error
    ("expiry_window_days = -3", "expiry_window_days must be a whole number of days"),
    ("clock_skew = -10", "clock_skew must be a whole number of seconds"),
    ("clock_skew = true", "clock_skew must be a whole number of seconds"),
    ("clock_skew = 1.5", "clock_skew must be a whole number of seconds"),
    ('sp_entity_id = ["a", "b"]', "sp_entity_id must be a string"),
    ("at = 12", "samlscan.toml: at: '12' is not an ISO-8601 time"),
])
def test_bad_config_value_is_one_line_naming_file_and_key(tmp_path, body, said):
    config = _config(tmp_path, body)
    r = _run("check", "--config", config, VALID)
    assert r.exit_code == 2, r.output
    assert said in r.output and "internal error" not in r.output
    assert str(config) in r.output  # which file to fix


def test_good_config_counts_still_read(tmp_path):
    config = _config(tmp_path, 'clock_skew = "0"\nexpiry_window_days = 0')
    r = _run("check", "--config", config, "--format", "json", "-q", VALID)
    assert r.exit_code in (0, 1) and json.loads(r.stdout)["schema"] == "samlscan/1"


def test_app_in_toml_is_a_known_setting_as_the_readme_says(tmp_path):
    """README: --app ... 'from a TOML file (same keys in snake_case)'; it was refused as unknown."""
    config = _config(tmp_path, 'app = ["sonarqube"]')
    r = _run("check", "--config", config, "--format", "json", "-q", OKTA_LOG)
    assert r.exit_code in (0, 1), r.output
    assert "unknown setting" not in r.output


def test_app_in_toml_leaves_other_apps_out(tmp_path):
    """The TOML's app filters IdP sign-ins as --app does (same note, same count)."""
    flag = _run("check", "--app", "nothing-like-this", "--format", "json", "-q", OKTA_LOG)
    toml = _run("check", "--config", _config(tmp_path, 'app = "nothing-like-this"'), "--format", "json", "-q",
                OKTA_LOG)
    assert json.loads(flag.stdout)["summary"] == json.loads(toml.stdout)["summary"]


@pytest.mark.parametrize("args, said", [
    (("check", "--clock-skew", "-5", VALID), "'-5' is negative: give seconds (300) or minutes (5m)"),
    (("scan", "--jobs", "-1", VALID), "is not in the range x>=0"),
])
def test_negative_counts_on_the_command_line_are_usage_errors(args, said):
    r = _run(*args)
    assert r.exit_code == 2
    assert said in r.output


def test_scan_jobs_zero_is_the_default():
    assert _run("scan", "--jobs", "0", "-q", VALID).exit_code in (0, 1)


def test_sanitize_of_a_directory_says_it_is_one(tmp_path):
    r = _run("sanitize", "-o", tmp_path / "out.har", ROOT / "fixtures" / "captures")
    assert r.exit_code == 2
    assert "is a directory: sanitize takes one HAR file" in r.output
    assert "no such file" not in r.output


@pytest.mark.parametrize("typed", ["AUDIENCE-MISMATCH", "audience_mismatch", "Audience Mismatch"])
def test_explain_takes_a_code_in_any_case_or_separator(typed):
    r = _run("explain", typed)
    assert r.exit_code == 0
    assert r.stdout.startswith("audience-mismatch (error")


@pytest.mark.parametrize("typed", ["", "   "])
def test_explain_of_nothing_asks_for_a_code_on_stderr(typed):
    r = _run("explain", typed)
    assert r.exit_code == 2
    assert r.stdout == ""
    assert "give a finding code" in r.stderr and "Did you mean" not in r.stderr


def test_explain_unknown_goes_to_stderr():
    r = _run("explain", "frobnicated widget")
    assert r.exit_code == 2 and r.stdout == ""
    assert "no finding code or known error text matches" in r.stderr


def test_decode_of_an_archive_says_to_unpack_or_check(tmp_path):
    """A zip of a ticket's attachments was read as a paste: 'no SAML message found ... (read as
    bash $'...' quoting)'. It says what the file is and which command reads it."""
    import zipfile

    archive = tmp_path / "ticket.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(VALID, "adfs.xml")
    r = _run("decode", archive)
    assert r.exit_code == 2 and r.stdout == ""
    assert "a zip file" in r.stderr and "samlscan check" in r.stderr and "quoting" not in r.stderr


def test_decode_of_nothing_decodable_says_so_on_stderr(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    r = _run("decode", empty)
    assert r.exit_code == 2 and r.stdout == ""
    assert "input-not-saml" in r.stderr


def test_decode_of_a_message_stays_on_stdout():
    r = _run("decode", VALID)
    assert r.exit_code == 0 and "<samlp:Response" in r.stdout and r.stderr == ""


WEB_LOG = ROOT / "fixtures" / "logs" / "sonarqube" / "web-javasaml.log"


@pytest.mark.parametrize("glob, captured", [
    ("", "2025-03-11T09:41:02Z"),  # its times read as UTC
    ("web-javasaml.log", "2025-03-11T08:41:02Z"),
    ("sonarqube/*", "2025-03-11T08:41:02Z"),  # a glob with folders: the path's last folders
    ("logs/sonarqube/*.log", "2025-03-11T08:41:02Z"),
    ("okta/*", "2025-03-11T09:41:02Z"),
])
def test_timezone_glob_with_folders_names_the_log_by_its_last_folders(glob, captured):
    """'--timezone sonarqube/*=Europe/Paris' named no input given by an absolute path (or found in a
    scanned folder): a note said so and the log was read as UTC."""
    zone = ("--timezone", f"{glob}=Europe/Paris") if glob else ()
    r = _run("check", *zone, "--format", "json", "-q", WEB_LOG.resolve())
    doc = json.loads(r.stdout)
    assert doc["messages"][0]["captured_at"] == captured
    assert any("names no input" in n for n in doc["summary"]["notes"]) == (glob == "okta/*")


@pytest.mark.parametrize("command", ["check", "scan"])
def test_output_naming_an_input_is_refused_and_the_input_kept(tmp_path, command):
    """'check mine.xml -o mine.xml' replaced the user's evidence with the report, exit 0."""
    mine = tmp_path / "mine.xml"
    mine.write_bytes(VALID.read_bytes())
    r = _run(command, mine, "-o", tmp_path / "." / "mine.xml")
    assert r.exit_code == 2
    assert "the report would overwrite it" in r.output
    assert mine.read_bytes() == VALID.read_bytes()


def test_output_beside_the_input_is_written(tmp_path):
    mine = tmp_path / "mine.xml"
    mine.write_bytes(VALID.read_bytes())
    r = _run("check", mine, "-o", tmp_path / "report.txt", "-q")
    assert r.exit_code == 0 and "Response" in (tmp_path / "report.txt").read_text()


def test_sp_cert_given_a_private_key_asks_for_the_sps_certificate():
    """The --sp-cert message asked for 'the IdP's signing certificate'."""
    r = _run("check", "--sp-cert", ROOT / "fixtures" / "keys" / "sp.key",
             ROOT / "fixtures" / "requests" / "authnrequest-redirect-signed.txt")
    assert r.exit_code == 2
    assert "give the SP's own certificate" in r.output and "IdP" not in r.output
    assert "PRIVATE KEY" not in r.output  # never quoted


def test_idp_cert_given_a_private_key_still_asks_for_the_idps():
    r = _run("check", "--idp-cert", ROOT / "fixtures" / "keys" / "idp.key", VALID)
    assert r.exit_code == 2 and "give the IdP's signing certificate" in r.output


def test_sanitize_to_dash_writes_stdout_not_a_file_named_dash(tmp_path, monkeypatch):
    """'-o -' made a file named '-' (every other '-' of the CLI is stdin/stdout)."""
    monkeypatch.chdir(tmp_path)
    r = _run("sanitize", "-o", "-", ROOT / "fixtures" / "captures" / "chrome-with-secrets.har")
    assert r.exit_code == 0, r.output
    assert not (tmp_path / "-").exists()
    assert len(json.loads(r.stdout)["log"]["entries"]) == 6
    assert "wrote 6 entries to stdout" in r.stderr
    assert list(tmp_path.iterdir()) == []  # (no temporary file left behind here)


def test_check_to_dash_writes_stdout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = _run("check", "-o", "-", "--format", "json", "-q", VALID)
    assert r.exit_code == 0 and json.loads(r.stdout)["schema"] == "samlscan/1"
    assert not (tmp_path / "-").exists()


def test_every_code_explains_as_listed_and_typed_with_underscores():
    """(The code 'encryption-rsa1_5' holds a '_' of its own: typed as listed it must still match.)"""
    from samlscan.codes import all_specs

    for spec in all_specs():
        for typed in (spec.code, spec.code.upper().replace("-", "_")):
            r = _run("explain", typed)
            assert r.exit_code == 0 and r.stdout.startswith(spec.code + " ("), typed


def test_stdin_named_twice_is_a_usage_error():
    """'check - -': the second reading of stdin was empty, a 'failed' input-not-saml finding."""
    r = CliRunner().invoke(main, ["check", "-", "-"], input=VALID.read_text())
    assert r.exit_code == 2 and "'-' (stdin) is given more than once" in r.output


@pytest.mark.parametrize("encode", [
    lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),  # Notepad's / PowerShell 5's 'UTF-8' (a BOM)
    lambda text: text.encode("utf-16"),  # Notepad's 'Unicode'
])
def test_toml_config_saved_by_notepad_is_read(tmp_path, encode):
    """A BOM made 'invalid TOML: Invalid statement (at line 1, column 1)'; the settings files
    (sonar.properties, settings.json) were already read in these encodings."""
    config = tmp_path / "samlscan.toml"
    config.write_bytes(encode('sp_entity_id = "not-the-audience"\n'))
    r = _run("check", "--config", config, "--format", "json", "-q", VALID)
    assert r.exit_code == 1, r.output
    assert "audience-mismatch" in json.loads(r.stdout)["summary"]["by_code"]
