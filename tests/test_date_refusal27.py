"""clocks27: the SP's HTTP Date and its own time refusal disagree on which way its clock is off.

tests/data/clocks27 (fixtures/gen_clocks27.py): ben's fresh response refused by Spring as 'not yet
valid' (the ops host 7 min behind), while the capture's Date headers of ops.example.com, written by a
proxy in front of it, say 7 min ahead. The Date alone made the capture step sp-clock-skew, '7 min ahead',
and won silently. pieces.date_against_refusal keeps the refusal (what the SP did with its own clock)
and says which witness says what; where they agree, nothing changes (clocks24's date.har)."""
from __future__ import annotations

from datetime import timedelta, timezone

import pytest
from case_util import ROOT, generator_check, scan_case

from samlscan.config import build
from samlscan.correlate.pieces import _event_piece, _flow_piece, date_against_refusal
from samlscan.engine import analyze

CASE = ROOT / "tests" / "data" / "clocks27"
CERT = str(ROOT / "fixtures" / "keys" / "idp.crt")


def test_the_generator_is_current():
    assert generator_check("gen_clocks27.py").returncode == 0


def _pieces(*paths):
    report = analyze([str(p) for p in paths], build({"idp_cert": CERT}, None), timezone.utc)
    events = [_event_piece(e, timedelta(0), {}) for e in report.events if e.outcome in ("failure", "success")]
    flows = [p for f in report.flows if (p := _flow_piece(f, set(), {})) is not None]
    return events + flows


def test_a_date_ahead_against_a_not_yet_valid_refusal_keeps_the_refusal_and_says_both():
    members = _pieces(CASE / "proxy.har", CASE / "ops-proxy.log")
    (dated,) = [p for p in members if p.dated is not None]
    assert dated.log_code == "sp-clock-skew" and abs(dated.dated - timedelta(minutes=7)) <= timedelta(seconds=2)
    kept, note = date_against_refusal(members)
    assert note is not None and "7 min ahead of the capture's other servers'" in note
    assert "assertion-not-yet-valid" in note and "its clock was behind" in note and "proxy" in note
    assert not any(p.log_code == "sp-clock-skew" or (p.hints and "sp-clock-skew" in p.hints) for p in kept)
    assert any(p.log_code == "assertion-not-yet-valid" for p in kept)


@pytest.mark.parametrize("name", ["date", "behind"])
def test_a_date_and_a_refusal_that_agree_are_left_alone(name):
    data = ROOT / "tests" / "data" / "clocks24"
    members = _pieces(data / f"{name}.har", data / f"ops-{name}.log")
    assert any(p.dated is not None for p in members)
    assert date_against_refusal(members) == (members, None)


def test_the_scan_keeps_the_refusal_and_notes_the_disagreement():
    (ben,) = scan_case(CASE, "UTC", "--idp-cert", CERT, "--app", "Ops")["attempts"]
    assert ben["root_cause"] == "assertion-not-yet-valid"
    assert any("HTTP Date answering the POST" in n and "refusal is what the SP did" in n for n in ben["notes"])
