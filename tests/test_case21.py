"""Support case 21: one Okta org and four SPs (php-saml in Laravel and in Symfony, Spring Boot with a
coloured console, a Shibboleth SP), a Firefox HAR, a mitmproxy .zhar and the Okta System Log
(fixtures/gen_case21.py builds tests/data/case21/; truth.json is the ground truth, README.md the
disagreements). Each login of truth.json is compared with samlscan's attempt: user, time, outcome,
root cause, side."""
from __future__ import annotations

import json
from datetime import datetime

import pytest
from case_util import ROOT, generator_check, refs, scan_case

CASE = ROOT / "tests" / "data" / "case21"
CERT = str(ROOT / "fixtures" / "keys" / "idp.crt")
APPS = ("--app", "Wiki", "--app", "Billing", "--app", "Ops", "--app", "Portal")
TRUTH = json.loads((CASE / "truth.json").read_text())["attempts"]


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def scan() -> dict:
    return scan_case(CASE, "UTC", "--idp-cert", CERT, "--exclude", "truth.json", *APPS)


def _attempt(scan: dict, want: dict) -> dict | None:
    """The attempt of the login's user nearest its time, within 2 minutes."""
    near = [a for a in scan["attempts"] if a["user"] == want["user"] and a["time"]
            and abs((_when(a["time"]) - _when(want["time"])).total_seconds()) <= 120]
    return min(near, key=lambda a: abs((_when(a["time"]) - _when(want["time"])).total_seconds()), default=None)


def _verdict(a: dict | None) -> tuple:
    return (a["outcome"], a["root_cause"], a["side"]) if a else None


def test_generator_is_current():
    done = generator_check("gen_case21.py")
    assert done.returncode == 0, done.stderr


def test_the_ground_truth_has_every_kind_of_login_the_case_asks_for():
    causes = {t["root_cause"] for t in TRUTH}
    assert 8 <= len(TRUTH) <= 12 and sum(t["outcome"] == "success" for t in TRUTH) >= 3
    assert {"audience-mismatch", "assertion-replayed", "signature-cert-mismatch", "sp-clock-skew",
            "user-not-assigned", "idp-authentication-failed", "recipient-mismatch"} <= causes


@pytest.mark.parametrize("want", TRUTH, ids=lambda t: f"{t['time'][11:16]}-{t['user'].split('@')[0]}")
def test_each_login_is_judged_as_the_ground_truth_says(scan, want):
    got = _attempt(scan, want)
    assert _verdict(got) == (want["outcome"], want["root_cause"], want["side"]), (want["story"], got)


def test_the_sp_clock_behind_is_read_from_its_refusal(scan):
    """README.md: Spring's refusal on the ops host's stepped-back clock reads its clock against the
    NotBefore it quotes (clocks._read_refusals): dina's login, sp-clock-skew, side sp, with the offset."""
    want = next(t for t in TRUTH if t["user"].startswith("dina"))
    got = _attempt(scan, want)
    assert _verdict(got) == ("failure", "sp-clock-skew", "sp"), got
    assert "11 min behind the IdP's at 2026-06-02 08:26:31" in got["fix"]
    assert ("ops-console.log", "line 6") in refs(got)


def test_no_anonymous_attempt(scan):
    """php-saml's verdicts (no user, no ID) joined the response their log printed just before; shibd's
    replay refusal joined the re-post; Spring's refusal on the ops host's wrong clock joined dina's login."""
    assert [a for a in scan["attempts"] if a["user"] is None] == []
    assert len(scan["attempts"]) == len(TRUTH)


def test_php_saml_verdicts_join_the_response_their_log_printed(scan):
    ben = _attempt(scan, next(t for t in TRUTH if t["user"].startswith("ben")))
    assert {("symfony-prod.log", "line 1"), ("symfony-prod.log", "line 2")} <= refs(ben)
    ana = _attempt(scan, TRUTH[-1])
    assert {("laravel.log", "line 49"), ("laravel.log", "line 96"), ("firefox-ana.har", "entry 5")} <= refs(ana)


def test_a_redirect_to_the_login_page_with_an_error_is_no_success(scan):
    """The wiki's ACS answered the rotated-key response with 302 /login?error=saml: that was 'redirected
    to /login', a success the SP's own log contradicted."""
    ana = _attempt(scan, TRUTH[-1])
    assert ana["outcome"] == "failure" and not any("SP accepted this login" in n for n in ana.get("notes", []))


def test_the_re_post_is_its_own_try_and_the_idp_line_stays_with_the_login(scan):
    fay = [a for a in scan["attempts"] if a["user"] == "fay@example.com"]
    assert [(a["time"], a["outcome"]) for a in fay] == [("2026-06-02T08:40:12Z", "success"),
                                                       ("2026-06-02T08:41:30Z", "failure")]
    assert ("okta-system-log.json", "line 208") in refs(fay[0]) and ("shibd.log", "line 4") in refs(fay[1])
    assert not any("ran 77 s behind" in n for n in scan["summary"]["notes"])


def test_without_app_names_the_ops_refusal_keeps_its_app_and_the_note_asks_for_app(scan):
    """Nothing on the Spring side names Okta's 'Ops' app, but its refusal joins dina's Ops sign-in (its
    clock read against the NotBefore it quotes): Ops is an SP of the scan, so no sign-in is left out as
    another application's; the IdP log's four apps are said, with --app to choose (README.md)."""
    bare = scan_case(CASE, "UTC", "--idp-cert", CERT, "--exclude", "truth.json")
    assert any("pass --app with the SP's name" in n and "Ops (3)" in n for n in bare["summary"]["notes"])
    dina = _attempt(bare, next(t for t in TRUTH if t["user"].startswith("dina")))
    assert _verdict(dina) == ("failure", "sp-clock-skew", "sp")


@pytest.mark.parametrize("location, outcome", [
    ("/login?error", "failure"),                      # Spring Security's default failure URL
    ("https://wiki.example.com/login?error=saml", "failure"),
    ("/app?foo=1&Error=x", "failure"),
    ("/dashboard?errors_seen=1", "success"),          # a parameter that only starts with 'error'
    ("/dashboard", "success"),
    ("https://idp.example.org/fail?error=x", "unknown"),  # another host: not the SP's own word
])
def test_an_error_parameter_on_the_sps_own_page_is_a_failure(location, outcome):
    from samlscan.flows.outcome import _redirect_outcome
    assert _redirect_outcome("https://wiki.example.com/saml/acs", location)[0] == outcome
