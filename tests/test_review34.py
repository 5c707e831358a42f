"""A support engineer's review of session 34's changes (brief review34): what a user read that was
unclear, contradictory or miscounted, each fixed where it is said. Each test fails on the code
before its fix."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from test_reindented_other_signer import NEW, _reindented, _signed  # noqa: E402
from test_external_shapes import analyze, by_code  # noqa: E402

from samlscan.cli import main  # noqa: E402

_ENTRA_HEAD = "Date (UTC),Request ID,User,Username,Application,IP address,Status,Sign-in error code,Failure reason\n"


def _entra_row(date: str, rid: str, code: str) -> str:
    status = "Success" if code == "0" else "Failure"
    return f'"{date}",{rid},Alice,alice@contoso.com,SonarQube,203.0.113.5,{status},{code},\n'


# --- a re-indented copy signed by another key (case 28's erin) ------------------------------------

def test_the_reindented_note_of_a_copy_signed_by_another_key_does_not_say_nothing_to_fix():
    """erin's login failed for the key; the whitespace note beside it said 'Nothing to fix for the
    login' and, garbled, 'verifies with a key its KeyInfo carries, not a configured one once
    whitespace ... (the key is said on its own)'."""
    res = analyze(_reindented(_signed(NEW, "review34-other")))
    assert by_code(res, "signature-cert-mismatch")
    (note,) = by_code(res, "xml-reformatted")
    assert "Nothing to fix" not in note.hint and "signature-cert-mismatch" in note.hint, note.hint
    assert "once whitespace and line breaks are normalised it verifies, but only with a key its KeyInfo " \
           "carries" in note.message_text, note.message_text
    assert "said on its own" not in note.message_text


# --- counts: a reader's own note is no log event ---------------------------------------------------

def test_the_entra_day_month_note_is_not_counted_as_a_log_event(tmp_path):
    """A 2-row Entra CSV whose dates leave the order open said '3 log event(s)': its note counted."""
    log = tmp_path / "signins.csv"
    log.write_text(_ENTRA_HEAD + _entra_row("11/5/2026, 1:00:00 PM", "r1", "50105")
                   + _entra_row("11/6/2026, 1:00:00 PM", "r2", "0"))
    res = CliRunner().invoke(main, ["scan", str(log), "--jobs", "1", "--fail-on", "never"])
    assert "read month/day" in res.stdout  # (the note is still said)
    assert "; 0 message(s), 2 log event(s), 2 attempt(s);" in res.stderr, res.stderr


# --- a damaged line of an export: said where, not only counted in the JSON ---------------------

NUL_LINE = "\x00" * 64


def test_a_damaged_line_of_an_export_is_said_where_in_the_report(tmp_path):
    """The JSON's malformed_lines counted it; no format said a line was left out, or where."""
    log = tmp_path / "signins.csv"
    log.write_text(_ENTRA_HEAD + _entra_row("2026-11-05T13:00:00Z", "r1", "50105") + NUL_LINE + "\n"
                   + _entra_row("2026-11-06T13:00:00Z", "r2", "0"))
    for jobs in ("1", "2"):
        res = CliRunner().invoke(main, ["scan", str(log), "--jobs", jobs, "--fail-on", "never"])
        assert f"note: {log}: 1 record(s) could not be read and are left out (the first, line 3: a damaged " \
               "line (NULs, control characters or binary) in an Entra sign-in CSV, not a row of it); the rest " \
               "of it was read." in res.stdout, res.stdout
        assert "unreadable sign-in date" not in res.stdout


def test_a_clean_log_gets_no_unread_note(tmp_path):
    log = tmp_path / "signins.csv"
    log.write_text(_ENTRA_HEAD + _entra_row("2026-11-05T13:00:00Z", "r1", "50105"))
    res = CliRunner().invoke(main, ["scan", str(log), "--jobs", "1", "--fail-on", "never"])
    assert "could not be read" not in res.stdout and "user-not-assigned" in res.stdout


# --- fixes that named the wrong product ---------------------------------------------------------

def test_a_fix_names_the_attempts_idp_only_among_its_examples():
    from samlscan.catalog import for_idp
    fix = ("make the configured certificate the IdP's active signing certificate (AD FS: Set as Primary; "
           "Entra ID: Make certificate active; Okta: activate it on the application); x is already right")
    assert for_idp(fix, "cas") == "make the configured certificate the IdP's active signing certificate; " \
                                  "x is already right"
    assert for_idp(fix, "entra") == "make the configured certificate the IdP's active signing certificate " \
                                    "(Entra ID: Make certificate active); x is already right"
    assert for_idp(fix, None) == fix  # (no IdP known: every example stays)
    proxies = "reach the SP (Traefik: its router; AWS ALB: its targets; nginx: proxy_pass)"
    assert for_idp(proxies, "cas") == proxies  # (no IdP list: kept whole)
    one = "send the login (AD FS: the UPN claim)"  # (one IdP's clause: case 23's OneLogin was shown it; diff34)
    assert (for_idp(one, "onelogin"), for_idp(one, "adfs")) == ("send the login", one)


@pytest.fixture(scope="module")
def case28() -> dict:
    from case_util import ROOT, scan_case
    return scan_case(ROOT / "tests" / "data" / "case28", "UTC", "--exclude", "truth.json", "--exclude", "*.md")


def test_case28_erins_fix_names_no_other_idp_than_apereo_cas(case28):
    (erin,) = [a for a in case28["attempts"] if a["user"] == "erin"]
    assert erin["root_cause"] == "signature-cert-mismatch"
    assert "AD FS" not in erin["fix"] and "Okta" not in erin["fix"], erin["fix"]
    assert erin["fix"].startswith("Make the configured certificate the IdP's active signing certificate")


def test_the_proxy_answer_fix_leads_with_no_one_product():
    """An AWS ALB's 504 (case 28's dave) was told first of Traefik's router and entrypoint."""
    from samlscan.codes import SPECS
    fix = SPECS["proxy-answered-callback"].fix
    lead = fix.split(" (", 1)[0]
    assert "Traefik" not in lead and "router" not in lead and "entrypoint" not in lead, lead
    assert "AWS ALB: the target group's targets" in fix and "Traefik: the router and service" in fix


def test_the_expired_certificate_that_signed_erins_response_is_not_to_be_configured_in_the_sp(case28):
    """Beside the cert mismatch (the IdP signs with its old certificate, the SP holds the new one),
    cert-expired said 'Renew the IdP signing certificate and configure the new one in the SP ... the
    login still works there' of the KeyInfo certificate: the SP is right and the login failed."""
    (erin,) = [m for m in case28["messages"] if any(f["code"] == "signature-cert-mismatch" for f in m["findings"])]
    (expired,) = [f for f in erin["findings"] if f["code"] == "cert-expired"]
    assert "(KeyInfo)" in expired["message_text"]
    assert "configure the new one in the SP" not in expired["hint"] and "still works" not in expired["hint"]
    assert "not one the SP holds" in expired["hint"], expired["hint"]

