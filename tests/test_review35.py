"""A new SSO admin's first hour with samlscan (brief review35): what a user met that did not say
what to do, each fixed where it is said. Each test fails on the code before its fix."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from samlscan.cli import main

ROOT = Path(__file__).resolve().parents[1]
OKTA = str(ROOT / "fixtures/responses/valid/okta.xml")


def _run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, list(args), input=stdin)


def test_a_metadata_url_given_as_idp_metadata_is_told_to_download_it():
    """It said 'https:/idp.example.org/metadata: cannot read IdP metadata: No such file or directory'
    (the URL garbled by Path, nothing said of what to do)."""
    res = _run("check", "--idp-metadata", "https://idp.example.org/app/exk1/sso/saml/metadata", OKTA)
    assert res.exit_code == 2, res.output
    assert "https://idp.example.org/app/exk1/sso/saml/metadata: a URL, not a file" in res.output, res.output
    assert "download it first (curl -fsSo idp-metadata.xml" in res.output, res.output


def test_a_certificate_url_is_told_the_same_and_a_missing_file_is_still_no_url():
    res = _run("check", "--idp-cert", "http://idp.example.org/cert.pem", OKTA)
    assert res.exit_code == 2 and "http://idp.example.org/cert.pem: a URL, not a file" in res.output, res.output
    res = _run("check", "--idp-cert", "nosuch-dir/idp.pem", OKTA)
    assert res.exit_code == 2 and "a URL" not in res.output and "cannot read IdP certificate" in res.output


def _unreadable_fix(arg: str) -> str:
    res = _run("check", "--format", "json", arg)
    assert res.exit_code == 2, res.output
    doc = json.loads(res.output[res.output.index("{"):res.output.rindex("}") + 1])
    (finding,) = doc["input_findings"]
    assert finding["code"] == "input-unreadable"
    return finding["hint"]


def test_a_windows_path_is_told_to_give_this_machines_path():
    """Its fix said 'a damaged file must be copied, or asked for, again'."""
    assert "Windows path" in _unreadable_fix(r"C:\Users\admin\Downloads\response.xml")


def test_a_pasted_redirect_url_and_a_missing_file_each_get_their_own_fix():
    assert "pipe it (pbpaste | samlscan check -)" in _unreadable_fix(
        "https://idp.example.org/sso?SAMLRequest=fVLLbsIwEPyVyHfyAvqwkkgUVBWJthGkPfSCHGcDVh07eJ2W")
    fix = _unreadable_fix("no-such-response.xml")
    assert "No file or folder has this name" in fix and "damaged" not in fix and "Windows" not in fix


def test_output_into_a_missing_folder_is_refused_before_the_scan(tmp_path):
    """It scanned the whole case first, then said 'cannot write: No such file or directory'."""
    out = tmp_path / "reports" / "case.json"
    res = _run("scan", "-o", str(out), "--format", "json", str(ROOT / "fixtures/responses/valid"))
    assert res.exit_code == 2
    assert f"the folder {out.parent} does not exist: create it (mkdir -p {out.parent})" in res.output, res.output
    assert "input(s)" not in res.output  # nothing was read
    out.parent.mkdir()
    assert _run("scan", "-o", str(out), "--format", "json", str(ROOT / "fixtures/responses/valid")).exit_code == 0
    assert json.loads(out.read_text())


def test_csv_links_a_raw_xml_messages_findings_to_its_attempt():
    """The attempt and root_cause columns were empty for every finding of a raw XML, base64 or
    pasted message (its attempt's evidence names it by its ID, the finding by its file)."""
    import csv
    import io

    res = _run("check", "--config", str(ROOT / "fixtures/config/default.toml"), "--format", "csv",
               str(ROOT / "fixtures/responses/defects/email-nameid-mismatch.xml"),
               str(ROOT / "fixtures/responses/defects/audience-mismatch.xml"))
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(res.output[:res.output.index("samlscan:")]))}
    assert rows["audience-mismatch"]["attempt"] == "2" and rows["audience-mismatch"]["root_cause"] == "audience-mismatch"
    assert rows["email-nameid-mismatch"]["attempt"] == "1" and rows["email-nameid-mismatch"]["root_cause"] == ""


def test_a_code_of_several_products_says_what_each_means():
    """'samlscan explain invalid_signature' gave Spring's meaning (the IdP's response fails at the
    SP) alone: a Keycloak admin, whose invalid_signature is the SP's AuthnRequest failing at the
    IdP, read the opposite direction."""
    res = _run("explain", "invalid_signature")
    assert res.exit_code == 0
    assert res.output.startswith("spring invalid_signature"), res.output
    also = res.output[res.output.index("invalid_signature is also a code of:"):]
    assert "keycloak: Keycloak: the AuthnRequest signature does not verify" in " ".join(also.split())
    assert "is also a code of" not in _run("explain", "AADSTS50011").output


def test_a_config_url_and_a_sanitize_output_folder_are_said_as_the_others(tmp_path):
    """--config https://... said 'no such file'; `sanitize -o` into a missing folder sanitized, then
    said 'cannot write' (review35's two left-overs)."""
    res = _run("check", "--config", "https://wiki.example.org/samlscan.toml", OKTA)
    assert res.exit_code == 2
    assert "a URL, not a file" in res.output and "curl -fsSo samlscan.toml" in res.output, res.output
    assert "no such file" in _run("check", "--config", str(tmp_path / "absent.toml"), OKTA).output
    har = str(ROOT / "fixtures/captures/chrome-success.har")
    out = tmp_path / "clean" / "login.har"
    res = _run("sanitize", har, "-o", str(out))
    assert res.exit_code == 2 and f"the folder {out.parent} does not exist" in res.output, res.output
    copy = tmp_path / "copy.har"  # (a copy: a regression would overwrite it, not the fixture)
    copy.write_bytes(Path(har).read_bytes())
    res = _run("sanitize", str(copy), "-o", str(copy))
    assert res.exit_code == 2 and "would overwrite it" in res.output, res.output
    assert copy.read_bytes() == Path(har).read_bytes()
    out.parent.mkdir()
    assert _run("sanitize", har, "-o", str(out)).exit_code == 0 and json.loads(out.read_text())["log"]
