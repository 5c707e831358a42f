"""An SP whose clock is behind, told from its own refusal (clocks._read_refusals): Spring's 'NotBefore
condition of <time> is not yet valid' on the ops host of case21 (tests/data/case21: its clock stepped
11 min back mid-log) reads the SP's clock against the IdP's; a witness of the IdP's clock (a capture,
another SP log) makes it sp-clock-skew, side sp; without one both clocks stay in doubt; an IdP log
measured ahead of the captures leaves the SP's clock right (the IdP's NotBefore was ahead)."""
from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from case_util import ROOT, scan_case

CASE = ROOT / "tests" / "data" / "case21"
CERT = str(ROOT / "fixtures" / "keys" / "idp.crt")


def _dina(tmp_path, *names: str) -> dict:
    for n in names:
        shutil.copy(CASE / n, tmp_path / n)
    scan = scan_case(tmp_path, "UTC", "--idp-cert", CERT, "--app", "Ops")
    return next(a for a in scan["attempts"] if a["user"] == "dina@example.com")


def test_sp_behind_confirmed_by_a_capture_is_sp_clock_skew(tmp_path):
    dina = _dina(tmp_path, "okta-system-log.json", "ops-console.log", "firefox-ana.har", "portal.zhar")
    assert (dina["outcome"], dina["root_cause"], dina["side"]) == ("failure", "sp-clock-skew", "sp")
    assert "The SP's clock was 11 min behind the IdP's at 2026-06-02 08:26:31 UTC" in dina["fix"]


def test_no_witness_says_both_clocks(tmp_path):
    """The Okta log and the ops log alone: nothing says which clock is off, so nothing is moved or
    blamed on the SP: the refusal stays its code's (the IdP ahead or the SP behind: sync both)."""
    for n in ("okta-system-log.json", "ops-console.log"):
        shutil.copy(CASE / n, tmp_path / n)
    scan = scan_case(tmp_path, "UTC", "--idp-cert", CERT, "--app", "Ops")
    alone = [a for a in scan["attempts"] if a["user"] is None]
    assert [(a["root_cause"], a["side"], a["time"]) for a in alone] == [
        ("assertion-not-yet-valid", "idp", "2026-06-02T08:15:32Z")]
    assert "sync both with NTP" in alone[0]["fix"]
    assert not any(a["root_cause"] == "sp-clock-skew" for a in scan["attempts"])


def _events(*names: str):
    from samlscan.engine import collect
    from datetime import timezone

    return [e for n in names for e in collect(str(CASE / n), timezone.utc).events
            if e.outcome in ("failure", "success")]


@pytest.mark.parametrize("okta_ahead, stepped", [(timedelta(0), True), (timedelta(minutes=11), False)])
def test_an_idp_ahead_of_the_captures_leaves_the_sp_clock_right(okta_ahead, stepped):
    """Okta's log measured 11 min ahead of the captures: its NotBefore was ahead too, the SP's stamp
    agrees with the login's real time, nothing is shifted or blamed on the SP."""
    from samlscan.correlate.clocks import Offsets, _read_refusals

    events = _events("okta-system-log.json", "ops-console.log")
    okta = next(e.source.input for e in events if e.side == "idp")
    ops = next(e.source.input for e in events if e.side == "sp")
    out = _read_refusals(Offsets({okta: okta_ahead}), events, {okta: {"capture"}}, {})
    assert (ops in out.steps) == stepped
    if stepped:  # only the run after the clock step moves (carl's success before it stays)
        assert set(out.steps[ops]) == {"line 6", "line 7"}
        assert round(out.steps[ops]["line 6"][0].total_seconds() / 60) == -11
        assert {v[0] for _, v in out.steps[ops].values() if v} == {"sp-clock-skew"}


@pytest.mark.parametrize("captured_at, behind", [("08:26:31", 11), ("08:16:30", None)])
def test_a_capture_of_the_refused_login_is_the_witness(captured_at, behind):
    """The refusal names the captured assertion's ID: the capture's time is the login's, whatever the IdP
    log says (keycloak-spring: Keycloak's clock ahead at that login only, SonarQube 130 s slow: within
    the skew, the IdP's NotBefore was the one ahead)."""
    from datetime import datetime

    from samlscan.correlate.clocks import Offsets, _read_refusals

    events = _events("okta-system-log.json", "ops-console.log")
    ops = next(e.source.input for e in events if e.side == "sp")
    seen = {"id572169575821499874158632149": [datetime.fromisoformat(f"2026-06-02T{captured_at}+00:00")]}
    out = _read_refusals(Offsets(), events, {}, seen)  # (no IdP log confirmed: the capture alone decides)
    if behind is None:
        assert ops not in out.steps
    else:
        fixes = [v[1] for _, v in out.steps[ops].values() if v]
        assert fixes and all(f"{behind} min behind" in f and "the capture of this login" in f for f in fixes)


def test_the_steps_survive_pickling():
    """The measured offsets may cross to another process: the steps go with them."""
    import pickle

    from samlscan.correlate.clocks import Offsets

    s = Offsets({"a.log": timedelta(seconds=3)}, {"a.log": "idp.log"}, {"a.log": {"line 6": (timedelta(minutes=-11), None)}})
    back = pickle.loads(pickle.dumps(s))
    assert back == s and back.against == s.against and back.steps == s.steps
