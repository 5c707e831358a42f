"""An SP whose clock is AHEAD, told from its own 'expired' refusal (clocks._read_refusals, the mirror
of skew22's): Spring's 'NotOnOrAfter condition of <time> is no longer valid' stamped 12 min after the
browser posted the response within its window is sp-clock-skew, side sp, with the minutes; the same
refusal of a response re-posted after its window stays assertion-expired; without a witness of
either clock nothing is blamed on the SP; the SP's own HTTP Date answering the POST measures its
clock either way (tests/data/clocks24, fixtures/gen_clocks24.py)."""
from __future__ import annotations

import shutil

import pytest
from case_util import ROOT, generator_check, scan_case

CASE = ROOT / "tests" / "data" / "clocks24"
CERT = str(ROOT / "fixtures" / "keys" / "idp.crt")


def _scan(tmp_path, *names: str) -> list[dict]:
    for n in names:
        shutil.copy(CASE / n, tmp_path / n)
    return scan_case(tmp_path, "UTC", "--idp-cert", CERT, "--app", "Ops")["attempts"]


def _of(attempts, user):
    return [(a["outcome"], a["root_cause"], a["side"]) for a in attempts if a["user"] == user]


def test_the_generator_is_current():
    assert generator_check("gen_clocks24.py").returncode == 0


def test_sp_ahead_confirmed_by_the_capture_of_the_post(tmp_path):
    attempts = _scan(tmp_path, "ahead.har", "ops-ahead.log", "okta-ahead.json")
    dina = next(a for a in attempts if a["user"] == "dina@example.com")
    assert (dina["outcome"], dina["root_cause"], dina["side"]) == ("failure", "sp-clock-skew", "sp")
    assert "The SP's clock was 12 min ahead of the browser's clock (the capture's)" in dina["fix"]
    assert "after the NotOnOrAfter 08:31:31" in dina["fix"] and "the capture of this login" in dina["fix"]


def test_a_late_re_post_stays_expired(tmp_path):
    """fay's response posted again 12 min after her success (the capture shows the late POST): the
    SP's clock is right, the refusal is its code's."""
    attempts = _scan(tmp_path, "late.har", "ops-late.log", "okta-late.json")
    assert _of(attempts, "fay@example.com") == [("success", None, None), ("failure", "assertion-expired", "idp")]
    assert not any(a["root_cause"] == "sp-clock-skew" for a in attempts)


def test_sp_ahead_confirmed_by_the_idp_log(tmp_path):
    """dina's post not captured: Okta's log (confirmed by carl's captured logins) issued her response
    12 min before the refusal; the SP's records after its clock step (carl's) stay where they are."""
    attempts = _scan(tmp_path, "carl.har", "ops-ahead.log", "okta-ahead.json")
    dina = next(a for a in attempts if a["user"] == "dina@example.com")
    assert (dina["root_cause"], dina["side"]) == ("sp-clock-skew", "sp")
    assert "12 min ahead" in dina["fix"] and "measured against the captures" in dina["fix"]
    assert [a["time"] for a in attempts if a["user"] == "carl@example.com"] == [
        "2026-06-02T08:33:10Z", "2026-06-02T08:45:20Z"]
    assert _of(attempts, "carl@example.com") == [("success", None, None)] * 2


@pytest.mark.parametrize("name, way", [("date", "ahead of"), ("behind", "behind")])
def test_the_sps_own_date_header_is_a_witness(tmp_path, name, way):
    """The ops host 7 min off, its app allowing 1 min: the refusal is stamped 2 min past the window's
    edge (within our skew: it reads no clock alone); its HTTP Date answering the POST, 7 min off
    Okta's and its CDN's, measures it: the fix says by how much and in which direction."""
    attempts = _scan(tmp_path, f"{name}.har", f"ops-{name}.log")
    ben = [a for a in attempts if a["user"] == "ben@example.com"]
    assert [(a["root_cause"], a["side"]) for a in ben] == [("sp-clock-skew", "sp")]
    assert f"its HTTP Date answering the POST was 7 min {way} the other servers'" in ben[0]["fix"]


def test_a_late_re_post_without_a_capture_stays_expired(tmp_path):
    """The SP's success of that login lies by Okta's issue: the IdP login is the SP's, the refusal a
    second use of it."""
    attempts = _scan(tmp_path, "ops-late.log", "okta-late.json")
    assert not any(a["root_cause"] == "sp-clock-skew" for a in attempts)
    assert any(a["root_cause"] == "assertion-expired" for a in attempts)


def test_no_witness_blames_no_clock(tmp_path):
    """The Okta log and the SP log alone: the SP ahead or a late post, nothing tells: the refusal stays
    its code's, its fix naming both."""
    attempts = _scan(tmp_path, "ops-ahead.log", "okta-ahead.json")
    refused = [a for a in attempts if a["outcome"] == "failure"]
    assert [a["root_cause"] for a in refused] == ["assertion-expired"]
    assert "clock is wrong" in refused[0]["fix"] and "used too late" in refused[0]["fix"]


def test_an_expiry_within_the_skew_is_no_reading():
    """A refusal stamped within SKEW of the NotOnOrAfter it quotes reads no clock (a slow post)."""
    from datetime import timedelta
    from dataclasses import replace

    from samlscan.correlate.clocks import SKEW, _reading, quoted_instant
    from samlscan.engine import collect
    from datetime import timezone

    e = next(x for x in collect(str(CASE / "ops-ahead.log"), timezone.utc).events if x.code == "assertion-expired")
    instant = quoted_instant(e)
    assert _reading(e, {}, {}) == ("after", instant, e.saml_ids)
    assert _reading(replace(e, time=instant + SKEW), {}, {}) is None
    assert _reading(replace(e, time=instant + SKEW + timedelta(seconds=1)), {}, {}) == ("after", instant, e.saml_ids)
