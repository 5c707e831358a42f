"""A live SimpleSAMLphp 1.19.7 SP (saml:SP) refusing our generator's responses
(tests/data/livesspsp, see its SOURCES.md): its file log and error pages turn into failures with
their cause, side and fix, its real error texts map to our codes, and `samlscan check` of each
response it was sent agrees with its verdict."""
from __future__ import annotations

import json
from datetime import timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.logs.simplesamlphp import PARSER
from samlscan.model import LogEvent

DIR = Path(__file__).parent / "data" / "livesspsp"
IDP_LOG = Path(__file__).parent / "data" / "livessp" / "simplesamlphp.log"
KEYS = Path(__file__).parents[1] / "fixtures" / "keys"
SP = ["--sp-entity-id", "https://sp.example.net/ssp-sp",
      "--acs-url", "http://127.0.0.1:8766/module.php/saml/sp/saml2-acs.php/default-sp",
      "--idp-cert", str(KEYS / "idp.crt"), "--at", "2026-11-29T13:32:45Z"]  # just after the recording
# variant -> (SSP's verdict: the code of its log line or None = accepted, what `check` finds)
VERDICTS = {
    "good": (None, set()),
    # SSP only says the signature failed; we also say why: another key signed it
    "wrong-key": ("signature-invalid", {"signature-cert-mismatch"}),
    "wrong-audience": ("audience-mismatch", {"audience-mismatch"}),
    "wrong-recipient": ("recipient-mismatch", {"recipient-mismatch"}),
    "wrong-destination": ("destination-mismatch", {"destination-mismatch"}),
    # SSP stops at its first check (the assertion's NotOnOrAfter); we report every check
    "expired": ("assertion-expired", {"assertion-expired", "subject-confirmation-expired"}),
    "unsigned": ("signature-missing", {"signature-missing"}),
    "status-responder": ("status-not-success", {"status-not-success"}),
    # SSP 1.19 accepts unsolicited responses (no enable_unsolicited switch before 2.0): so do we
    # (an info), and a response whose state the SP lost it only warns about, then accepts
    "unsolicited": (None, set()),
    "state-lost": (None, set()),
}


def _json(*args: str) -> dict:
    result = CliRunner().invoke(main, [*args, "--format", "json", "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("variant", sorted(VERDICTS))
def test_check_agrees_with_ssps_verdict(variant):
    (message,) = _json("check", str(DIR / f"{variant}.b64"), *SP)["messages"]
    errors = {f["code"] for f in message["findings"] if f["severity"] == "error"}
    assert errors == VERDICTS[variant][1]
    assert bool(errors) == (VERDICTS[variant][0] is not None)


def _attempts() -> list[dict]:
    return _json("scan", str(DIR), "--exclude", "record.py")["attempts"]


def test_scan_gives_each_logged_refusal_its_cause_side_and_fix():
    by_page = {}
    for a in _attempts():
        inputs = {Path(e["input"]).name for e in a["evidence"]}
        if "simplesamlphp.log" in inputs:
            pages = [n for n in inputs if n.endswith(".html")]
            by_page[pages[0][:-5] if pages else None] = a
    refused = {v: code for v, (code, _) in VERDICTS.items() if code}
    assert set(by_page) - {None} == set(refused)
    for variant, code in refused.items():
        a = by_page[variant]
        assert (a["outcome"], a["root_cause"]) == ("failure", code), variant
        assert a["side"] in ("idp", "sp") and a["fix"], variant
    # the state-lost warning names no page: SSP went on and accepted the response (a note, no
    # failed attempt: simplesamlphp._went_on)
    assert None not in by_page


def test_scan_joins_each_log_refusal_with_the_response_it_refused():
    """SimpleSAMLphp's SP logs a refusal with no SAML ID or user: it joins the response pasted
    beside it by the moment (link_moment._moment_side), the only one that near."""
    for a in _attempts():
        names = {Path(e["input"]).name for e in a["evidence"]}
        if "simplesamlphp.log" in names and any(n.endswith(".html") for n in names):
            assert any(n.endswith(".b64") for n in names), names


def _log_failures(path: Path) -> list[LogEvent]:
    lines = enumerate(path.read_text().splitlines(), 1)
    return [r for r in PARSER.parse(lines, str(path), timezone.utc)
            if isinstance(r, LogEvent) and r.outcome == "failure"]


def test_the_exceptions_frames_say_the_sp_threw_them():
    """The ACS's exceptions are the SP's (its frames: saml2-acs.php, Message::processResponse)."""
    thrown = [e for e in _log_failures(DIR / "simplesamlphp.log") if e.text.startswith("Caused by:")]
    assert len(thrown) == 7 and {e.side for e in thrown} == {"sp"}


def test_an_idps_exception_stays_the_idps():
    (unknown_sp,) = [e for e in _log_failures(IDP_LOG) if "METADATANOTFOUND" in e.text]
    assert unknown_sp.side == "idp"  # its frames are the IdP's (SSOService.php, IdP\SAML2)


def _real_errors() -> list[str]:
    """The texts of SSP's refusals, and of its state-lost warning (a note: SSP went on)."""
    lines = enumerate((DIR / "simplesamlphp.log").read_text().splitlines(), 1)
    said = [r for r in PARSER.parse(lines, str(DIR / "simplesamlphp.log"), timezone.utc)
            if isinstance(r, LogEvent) and (r.outcome == "failure" or r.code)]
    return [e.text.split(": ", 1)[1] if e.text.startswith("Caused by:") else e.text for e in said]


@pytest.mark.parametrize("code", sorted({c for c, _ in VERDICTS.values() if c}
                                        | {"relaystate-cookie-missing"}))
def test_explain_maps_each_real_error_text_to_its_code(code):
    texts = _real_errors()
    assert len(texts) == 8
    found = [t for t in texts if f"samlscan code:\n{code} (" in CliRunner().invoke(main, ["explain", t]).output]
    assert len(found) == 1, (code, texts)


@pytest.mark.parametrize("reason, code", [
    ("NotOnOrAfter in SubjectConfirmationData is in the past: 1795958000", "subject-confirmation-expired"),
    ("NotBefore in SubjectConfirmationData is in the future: 1795958000", "assertion-not-yet-valid"),
    ("InResponseTo in SubjectConfirmationData does not match the Response. Response has '_a', "
     "SubjectConfirmationData has '_b'.", "inresponseto-mismatch"),
    ("No SubjectConfirmationData provided", "subject-confirmation-missing"),
])
def test_explain_knows_ssp_119s_other_subject_confirmation_reasons(reason, code):
    """The other reasons 1.19's processAssertion gives (modules/saml/lib/Message.php)."""
    text = f"SimpleSAML\\Error\\Exception: Error validating SubjectConfirmation in Assertion: {reason}"
    assert f"samlscan code:\n{code} (" in CliRunner().invoke(main, ["explain", text]).output
