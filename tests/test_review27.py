"""review27: `samlscan check FILE` of one file, read as an SSO admin in an outage reads it.

- SimpleSAMLphp's 'Unhandled exception' page (an SP's ACS, recorded live in tests/data/livesspsp)
  was read as its wrapper 'UNHANDLEDEXCEPTION': cause unknown-failure, 'failures by IdP:
  simplesamlphp'. Its debug information holds the cause ('Caused by: Exception: Unable to validate
  Signature') and the SP's frames: the page now says what the same session's log line says.
- SimpleSAMLphp's login form come back with 'Incorrect username or password' (tests/data/livessp)
  was 'not a SAML message': it is the user's failed sign-in at the IdP.
- the --help texts: examples and exit codes for check, scan and explain.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.errorpages import read_page

DATA = Path(__file__).resolve().parent / "data"
SSP_SP = DATA / "livesspsp"


def _check_json(path: Path) -> dict:
    r = CliRunner().invoke(main, ["check", str(path), "--format", "json", "-q"])
    assert r.exit_code in (0, 1), r.output
    return json.loads(r.stdout)


# the cause each page's own session logged (SOURCES.md's table; simplesamlphp.log's 'Caused by:')
SP_PAGES = {
    "wrong-key.html": "signature-invalid",
    "wrong-audience.html": "audience-mismatch",
    "wrong-recipient.html": "recipient-mismatch",
    "wrong-destination.html": "destination-mismatch",
    "expired.html": "assertion-expired",
    "unsigned.html": "signature-missing",
}


@pytest.mark.parametrize("name,cause", sorted(SP_PAGES.items()))
def test_ssp_unhandled_exception_page_says_its_cause(name, cause):
    report = _check_json(SSP_SP / name)
    assert [a["root_cause"] for a in report["attempts"]] == [cause]
    summary = report["summary"]
    # the page is the SP's (its frames: modules/saml/www/sp/saml2-acs.php), not an IdP's
    assert summary["failures_by_sp"] == {"simplesamlphp": 1}
    assert "simplesamlphp" not in summary["failures_by_idp"]


def test_ssp_page_cause_is_the_log_lines_cause():
    """The page and the log of the same session say the same thing: the log's 'Caused by:' line."""
    page = read_page((SSP_SP / "wrong-key.html").read_text(encoding="utf-8"))
    assert page.text == "Caused by: Exception: Unable to validate Signature"
    assert page.side == "sp"
    assert page.request_id == "4c7b47b582"
    log = (SSP_SP / "simplesamlphp.log").read_text(encoding="utf-8")
    assert f"[{page.request_id}] {page.text}" in log


def test_ssp_idp_page_stays_the_idps():
    """The IdP's own page (no SP frame: MetadataNotFound of an unknown SP) keeps its side and text."""
    page = read_page((DATA / "livessp" / "unknown-sp.html").read_text(encoding="utf-8"))
    assert page.side == "idp"
    assert page.text.startswith("METADATANOTFOUND(")


def test_ssp_wrong_password_form_is_a_failed_sign_in():
    report = _check_json(DATA / "livessp" / "wrong-password.html")
    assert report["input_findings"] == []
    assert [(a["root_cause"], a["outcome"]) for a in report["attempts"]] == [("idp-authentication-failed", "failure")]
    assert report["summary"]["failures_by_idp"] == {"simplesamlphp": 1}


def test_ssp_login_form_without_error_is_no_page():
    """The same form before any error (its heading and fields only) is no failure."""
    html = (DATA / "livessp" / "wrong-password.html").read_text(encoding="utf-8")
    assert read_page(html) is not None
    assert read_page(html.replace("Incorrect username or password", "")) is None


def test_a_page_quoting_the_words_is_no_page():
    """Another site's 'Incorrect username or password' without SimpleSAMLphp's description."""
    text = "<html><body><h1>Sign in</h1><p>Incorrect username or password</p><p>Try again.</p></body></html>"
    assert read_page(text) is None


def _help(*args: str) -> str:
    r = CliRunner().invoke(main, [*args, "--help"])
    assert r.exit_code == 0
    return " ".join(r.stdout.split())


@pytest.mark.parametrize("command", ["check", "scan", "explain"])
def test_help_has_examples_and_exit_codes(command):
    text = _help(command)
    assert re.search(rf"Examples(, in a clone of samlscan \([^)]*\))?: samlscan {command} ", text)  # ('Examples, in a clone of samlscan ...:')
    assert "Exit 0:" in text and "2:" in text


def test_main_help_says_exit_codes():
    text = _help()
    assert "Exit codes (check, scan): 0 no finding at or above --fail-on" in text


@pytest.mark.parametrize("line", [
    ln.strip() for ln in (main.commands["check"].help + main.commands["scan"].help + main.commands["explain"].help
                          + main.help).splitlines() if ln.strip().startswith("samlscan ")])
def test_help_examples_parse(line):
    """Each example's options exist (click parses them; the files need not)."""
    args = line.split()[1:]
    if args[0] == "explain":
        r = CliRunner().invoke(main, [a.strip('"') for a in args[:2]])
        assert r.exit_code == 0, r.output
        return
    cmd = main.commands[args[0]]
    names = {o for p in cmd.params for o in p.opts}
    for a in args[1:]:
        if a.startswith("-") and a != "-":
            assert a in names, f"{line}: {a}"


# --- an AuthnRequest's ForceAuthn/IsPassive: the XML's words, never Python's None/True ---------

def _check_text(*paths: Path) -> str:
    r = CliRunner().invoke(main, ["check", *map(str, paths), "-q"])
    assert r.exit_code in (0, 1), r.output
    return r.stdout


def test_force_authn_not_set_is_no_python_none():
    text = _check_text(DATA / "livehar" / "status.pw-embed.har")
    assert "None" not in text
    assert "ForceAuthn/IsPassive  -/- (- = not set: false)" in text


def test_force_authn_true_as_the_xml_writes_it():
    root = Path(__file__).resolve().parents[1]
    text = _check_text(root / "fixtures" / "requests" / "authnrequest.xml",
                       DATA / "corpus17" / "keycloak-KEYCLOAK-7316-authnrequest-withTrueAttributes.xml")
    assert not re.search(r"\b(?:True|None)\b", text)
    assert "ForceAuthn/IsPassive  true/- (- = not set: false)" in text
    assert "ForceAuthn/IsPassive  true/true" in text
    assert "ForceAuthn=true, IsPassive=true" in " ".join(text.split())


# --- a settings file given as the evidence: the fix names its option, as the finding does --------

@pytest.mark.parametrize("path,option", [
    (DATA / "case10" / "sonar.properties", "--sonar-settings"),
    (DATA / "corpus16" / "feide-erlang-no.crt", "--idp-cert"),
    (DATA / "crewjam" / "onelogin-sp-example-idp-metadata.xml", "--idp-metadata"),
])
def test_settings_file_as_input_fix_names_its_option(path, option):
    (finding,) = _check_json(path)["input_findings"]
    assert finding["code"] == "input-not-saml"
    assert f"with {option}" in finding["message_text"]
    # the fix said 'Pass a SAMLResponse/SAMLRequest ...' beside 'give it with --idp-cert'
    assert finding["hint"].startswith(f"Give this file with {option}, ")


def test_sp_metadata_as_input_keeps_the_generic_fix():
    """An SP's metadata is no file of an option (its values go to --sp-entity-id and --acs-url)."""
    (finding,) = _check_json(DATA / "metadata" / "ukfed-rm-sp-entity.xml")["input_findings"]
    assert "--sp-entity-id" in finding["message_text"]
    assert not finding["hint"].startswith("Give this file")
