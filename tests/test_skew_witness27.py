"""clocks27: every sp-clock-skew fix names the clock it was measured against. A refusal read against
the capture of its own POST says the browser's (the capture's) clock, one read against a proxy's line
of the callback says that proxy's log, one read against an IdP log confirmed by the captures says the
IdP's; a fix from the capture's HTTP Date headers says the capture's other servers, never 'the IdP's'
(before, every path said 'N min behind the IdP's', whoever the witness was). Recorded data of
clocks24 (capture), case23 (ingress-nginx), case21 (an IdP log confirmed by captures) and the
chrome-sp-clock-behind capture of fixtures/gen_captures.py."""
from __future__ import annotations

import json
import shutil

from case_util import ROOT, scan_case
from click.testing import CliRunner

from samlscan.cli import main

CERT = str(ROOT / "fixtures" / "keys" / "idp.crt")


def _attempt(tmp_path, case: str, names: tuple[str, ...], user: str) -> dict:
    for n in names:
        shutil.copy(ROOT / "tests" / "data" / case / n, tmp_path / n)
    scan = scan_case(tmp_path, "UTC", "--idp-cert", CERT, "--app", "Ops")
    return next(a for a in scan["attempts"] if a["user"] == user and a["outcome"] == "failure")


def test_read_against_the_capture_names_the_browsers_clock(tmp_path):
    dina = _attempt(tmp_path, "clocks24", ("ahead.har", "ops-ahead.log", "okta-ahead.json"), "dina@example.com")
    assert dina["root_cause"] == "sp-clock-skew"
    assert "12 min ahead of the browser's clock (the capture's) at" in dina["fix"]
    assert "the IdP's" not in dina["fix"]


def test_read_against_an_idp_log_the_captures_confirm_names_the_idps_clock(tmp_path):
    dina = _attempt(tmp_path, "case21", ("okta-system-log.json", "ops-console.log", "firefox-ana.har",
                                          "portal.zhar"), "dina@example.com")
    assert dina["root_cause"] == "sp-clock-skew"
    assert "11 min behind the IdP's at" in dina["fix"] and "measured against the captures" in dina["fix"]


def test_read_against_a_proxys_line_names_the_proxys_clock():
    scan = scan_case(ROOT / "tests" / "data" / "case23", "UTC", "--exclude", "truth.json", "--exclude", "*.md")
    (oscar,) = [a for a in scan["attempts"] if a["root_cause"] == "sp-clock-skew" and "10:46:14" in a["fix"]]
    assert oscar["root_cause"] == "sp-clock-skew"
    assert "9 min behind the clock of ingress-nginx-controller.log (a proxy in front of the SP)" in oscar["fix"]
    assert "the IdP's" not in oscar["fix"]


def test_the_date_header_fix_and_note_name_the_captures_servers():
    path = ROOT / "fixtures" / "captures" / "chrome-sp-clock-behind.har"
    got = CliRunner().invoke(main, ["check", str(path), "--sp-entity-id", "sonarqube", "--acs-url",
                                    "https://sonar.example.com/oauth2/callback/saml", "--idp-metadata",
                                    str(ROOT / "fixtures" / "metadata" / "idp-metadata.xml"), "--format", "json"])
    (attempt,) = json.loads(got.stdout)["attempts"]
    assert attempt["root_cause"] == "sp-clock-skew"
    said = " ".join([attempt["fix"], *attempt["notes"]])
    assert "the capture's other servers'" in said and "the IdP's" not in said
