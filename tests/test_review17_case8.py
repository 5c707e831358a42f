"""Review 17 (case 8's answers against its story, fixtures/gen_case8.py): one login that an IdP
refused and the SP logged as an error status is one attempt; one IdP is one row of the summary."""
from __future__ import annotations

import json
import shutil

from case_util import ROOT, refs, scan_case
from click.testing import CliRunner

from samlscan.cli import main

CASE8 = ROOT / "tests" / "data" / "case8"
DJANGO_SP = "https://app.example.com/saml/metadata/"


def _with(doc: dict, ref: tuple[str, str]) -> list[dict]:
    return [a for a in doc["attempts"] if ref in refs(a)]


def test_idp_refusal_and_the_sps_error_status_are_one_login():
    """Carol at the Django app, 10:05:40: AD FS's event 321 (MSIS7070) and django-app.log's
    'not Success, was Responder' a second later were two failed attempts (the second's SP
    'python3-saml', its library): one login, the IdP's cause, the SP by its entity ID."""
    doc = scan_case(CASE8, "Europe/Paris")
    (attempt,) = _with(doc, ("django-app.log", "line 6"))
    assert ("adfs-admin-saved.xml", "line 32") in refs(attempt)
    assert attempt["root_cause"] == "request-invalid" and attempt["side"] == "idp"
    assert attempt["sp"] == DJANGO_SP
    assert len(doc["attempts"]) == 8
    assert "python3-saml" not in doc["summary"]["failures_by_sp"]


def test_two_error_statuses_in_one_moment_stay_apart_from_the_refusal(tmp_path):
    """Two SP lines of an error status within seconds of one IdP refusal: which one is its answer
    is not known, none is joined to it."""
    folder = tmp_path / "case8"
    shutil.copytree(CASE8, folder)
    log = folder / "django-app.log"
    lines = log.read_text().splitlines()
    lines.append(lines[5].replace("11:05:41,400", "11:05:44,100"))
    log.write_text("\n".join(lines) + "\n")
    doc = scan_case(folder, "Europe/Paris")
    (refusal,) = _with(doc, ("adfs-admin-saved.xml", "line 32"))
    assert not {r for r in refs(refusal) if r[0] == "django-app.log"}


def test_one_adfs_is_one_row_of_failures_by_idp():
    """'failures by IdP: adfs 3, unknown 3, http://adfs.example.com/adfs/services/trust 2': AD FS's
    event log names the product only; the run's one AD FS Issuer is that IdP."""
    doc = scan_case(CASE8, "Europe/Paris")
    by_idp = doc["summary"]["failures_by_idp"]
    assert "adfs" not in by_idp
    assert by_idp["http://adfs.example.com/adfs/services/trust"] == 5


def test_a_product_of_two_entity_ids_is_not_guessed():
    from samlscan.report.document import _product_id

    one = {"http://adfs.example.com/adfs/services/trust", "https://sonar.example.com"}
    two = one | {"http://sts.other.example/adfs/services/trust"}
    assert _product_id("adfs", one) == "http://adfs.example.com/adfs/services/trust"
    assert _product_id("adfs", two) == "adfs"
    assert _product_id("okta", one) == "okta"


def _zone_notes(doc: dict, log: str) -> list[str]:
    return [n for n in doc["summary"]["notes"] if n.startswith(str(CASE8 / log)) and "IssueInstant" in n]


def test_a_log_quoting_responses_an_hour_after_issue_is_said_local():
    """web.log (Paris time) read as UTC: it dumps responses (java-saml DEBUG) logged 1 h after their
    IssueInstant, which is UTC (SAML core 1.3.3). That was read as UTC with no word; said once."""
    res = CliRunner().invoke(main, ["scan", str(CASE8), "--format", "json", "--jobs", "1", "--fail-on", "never"])
    doc = json.loads(res.stdout)
    (note,) = _zone_notes(doc, "web.log")
    assert "1 h after their IssueInstant" in note and "--timezone 'web.log=<its zone>'" in note
    assert not _zone_notes(doc, "django-app.log")  # (it quotes no response: nothing tells its zone)
    assert not _zone_notes(scan_case(CASE8, "Europe/Paris"), "web.log")
