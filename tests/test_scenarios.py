"""Issue 5 acceptance: held-out-style cases (HARs + SonarQube web.log + Okta/Entra log) are turned
into attempts whose outcome and root cause match >= 90% of the joins a person makes, each with its
evidence lines. Cases and their expected.json come from fixtures/gen_scenarios.py.

An expected attempt matches the produced attempt of the same user, within 5 minutes, that shares
the most evidence refs with it (one produced attempt per expected one). Attempts marked
"known_gap" in expected.json are real samlscan bugs reported to the lead: they count as misses in
the rate, and the gap tests fail once they are fixed (then drop the mark).
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CASES = sorted(p.name for p in (FIXTURES / "scenarios").iterdir() if (p / "expected.json").is_file())
WINDOW = timedelta(minutes=5)
_cache: dict[str, dict] = {}


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _scan(case: str) -> dict:
    if case not in _cache:
        zone = _expected(case)["timezone"]  # the servers' zone, as the case's note gives it
        res = CliRunner().invoke(main, ["scan", str(FIXTURES / "scenarios" / case), "--format", "json",
                                        "--timezone", zone, "--jobs", "1", "--fail-on", "never"])
        assert res.exit_code == 0, res.output[-2000:]
        _cache[case] = json.loads(res.stdout)
    return _cache[case]


def _expected(case: str) -> dict:
    return json.loads((FIXTURES / "scenarios" / case / "expected.json").read_text())


def _refs(attempt: dict) -> set[tuple[str, str]]:
    return {(Path(e["input"]).name, str(e["ref"])) for e in attempt["evidence"]}


def match(expected: list[dict], produced: list[dict]) -> list[tuple[dict, dict | None]]:
    """Pair each expected attempt with at most one produced attempt: same user, time within the
    window, most shared evidence refs (then the closest in time); greedy, best pairs first."""
    scored = []
    for i, e in enumerate(expected):
        for j, p in enumerate(produced):
            if (p.get("user") or "").lower() != (e["user"] or "").lower() or not p.get("time"):
                continue
            gap = abs(_when(p["time"]) - _when(e["time"]))
            if gap > WINDOW:
                continue
            overlap = len(_refs(e) & _refs(p))
            if overlap:
                scored.append((-overlap, gap, i, j))
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for _, _, i, j in sorted(scored):
        if i not in pairs and j not in used:
            pairs[i] = j
            used.add(j)
    return [(e, produced[pairs[i]] if i in pairs else None) for i, e in enumerate(expected)]


def verdict(e: dict, p: dict | None) -> str | None:
    """None when the produced attempt agrees with the expected one, else what differs."""
    if p is None:
        return "no produced attempt for this user/time/evidence"
    if (p["outcome"], p["root_cause"]) != (e["outcome"], e["root_cause"]):
        return f"got {p['outcome']}/{p['root_cause']}"
    missing = sorted(_refs(e) - _refs(p))
    if missing:
        return "evidence missing: " + ", ".join(f"{f} {r}" for f, r in missing)
    return None


def _table(rows) -> str:
    out = [f"{'time':20} {'user':28} {'expected':36} problem"]
    for e, why in rows:
        exp = f"{e['outcome']}/{e['root_cause']}"
        gap = " [known gap]" if e.get("known_gap") else ""
        out.append(f"{e['time']:20} {e['user'] or '-':28} {exp:36} {why}{gap}")
    return "\n".join(out)


def _gaps_block(request, case: str, what: str, counts: bool = False) -> None:
    """Strict xfail while known gaps keep `what` from passing: the acceptance bar is not lowered,
    and the test turns red (XPASS) once the lead's fixes make it pass. `counts`: only gaps that
    change the failure counts (not those marked "gap_kind": "join", whose cause is found right but
    not joined with the user's other evidence)."""
    gaps = [e for e in _expected(case)["attempts"] if e.get("known_gap")
            and not (counts and e.get("gap_kind") == "join")]
    if gaps:
        request.applymarker(pytest.mark.xfail(
            strict=True, reason=f"{case}: {len(gaps)} known gap(s) in expected.json break {what}"))


@pytest.mark.parametrize("case", CASES)
def test_attempts_match_known_joins(case, request):
    exp = _expected(case)["attempts"]
    if sum(1 for e in exp if not e.get("known_gap")) / len(exp) < 0.9:
        _gaps_block(request, case, "the 90% match rate")
    pairs = match(exp, _scan(case)["attempts"])
    problems = [(e, why) for e, p in pairs if (why := verdict(e, p))]
    rate = 1 - len(problems) / len(exp)
    assert rate >= 0.9, f"{case}: {rate:.0%} of {len(exp)} known joins match\n" + _table(problems)


@pytest.mark.parametrize("case", CASES)
def test_every_non_gap_attempt_matches_with_its_evidence(case):
    exp = _expected(case)["attempts"]
    pairs = match(exp, _scan(case)["attempts"])
    problems = [(e, why) for e, p in pairs if not e.get("known_gap") and (why := verdict(e, p))]
    assert not problems, f"{case}:\n" + _table(problems)


@pytest.mark.parametrize("case", CASES)
def test_known_gaps_still_differ(case):
    """A known gap that starts matching means the lead fixed it: remove its mark in the generator."""
    exp = _expected(case)["attempts"]
    fixed = [e for e, p in match(exp, _scan(case)["attempts"]) if e.get("known_gap") and verdict(e, p) is None]
    assert not fixed, "fixed, drop known_gap: " + ", ".join(f"{e['time']} {e['user']}" for e in fixed)


@pytest.mark.parametrize("case", CASES)
def test_summary_failures_by_cause(case, request):
    _gaps_block(request, case, "the failure counts", counts=True)
    want = _expected(case)["summary"]["failures_by_cause"]
    got = _scan(case)["summary"]["failures_by_cause"]
    assert got == want, f"{case}: failures by cause differ\n expected {want}\n got      {got}"


@pytest.mark.parametrize("case", CASES)
def test_every_input_is_scanned(case):
    inputs = _scan(case)["inputs"]
    names = {Path(i["path"]).name: i["status"] for i in inputs}
    for name in ("web.log", "expected.json"):
        assert name in names
    assert all(s == "scanned" for n, s in names.items() if n.endswith((".har", ".log", ".jsonl"))), names


# --- the matcher itself can fail --------------------------------------------------------------------

def _att(user, t, outcome, cause, refs):
    return {"user": user, "time": t, "outcome": outcome, "root_cause": cause,
            "evidence": [{"input": f, "ref": r} for f, r in refs]}


def test_matcher_pairs_by_user_time_and_evidence():
    e = [_att("a@x", "2025-03-12T09:00:00Z", "failure", "audience-mismatch", [("h.har", "entry 3")])]
    good = _att("A@x", "2025-03-12T09:01:00Z", "failure", "audience-mismatch", [("/d/h.har", "entry 3"), ("w", "line 1")])
    assert verdict(e[0], match(e, [good])[0][1]) is None
    wrong_cause = dict(good, root_cause="signature-invalid")
    assert "got failure/signature-invalid" in verdict(e[0], match(e, [wrong_cause])[0][1])
    other_user = dict(good, user="b@x")
    assert match(e, [other_user])[0][1] is None
    too_late = dict(good, time="2025-03-12T09:06:00Z")
    assert match(e, [too_late])[0][1] is None
    no_shared_ref = _att("a@x", "2025-03-12T09:00:00Z", "failure", "audience-mismatch", [("h.har", "entry 4")])
    assert match(e, [no_shared_ref])[0][1] is None


def test_matcher_reports_missing_evidence_and_uses_each_attempt_once():
    e = [_att("a@x", "2025-03-12T09:00:00Z", "success", None, [("h.har", "entry 3"), ("web.log", "line 9")]),
         _att("a@x", "2025-03-12T09:00:03Z", "failure", "assertion-replayed", [("h.har", "entry 4")])]
    one = _att("a@x", "2025-03-12T09:00:00Z", "success", None, [("h.har", "entry 3"), ("h.har", "entry 4")])
    pairs = match(e, [one])
    assert pairs[0][1] is one and pairs[1][1] is None
    assert verdict(*pairs[0]) == "evidence missing: web.log line 9"


def test_generator_output_is_committed_and_deterministic():
    res = subprocess.run([sys.executable, str(FIXTURES / "gen_scenarios.py"), "--check"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr


def test_without_timezone_the_verdicts_hold_and_the_zone_is_said():
    """web.log written in Paris time but read as UTC: the SAML copies in it were judged an hour
    off (accepted logins called expired). Its offset to the captures is whole hours: they are
    judged with that zone removed, and the note says to pass --timezone (review finding)."""
    res = CliRunner().invoke(main, ["scan", str(FIXTURES / "scenarios" / "entra-javasaml"), "--format", "json",
                                    "--jobs", "1", "--fail-on", "never"])
    doc = json.loads(res.stdout)
    got = [(a["user"], a["outcome"], a["root_cause"]) for a in doc["attempts"]]
    want = [(a["user"], a["outcome"], a["root_cause"]) for a in _expected("entra-javasaml")["attempts"]]
    assert got == want
    assert any("looks like a time zone: pass --timezone" in n for n in doc["summary"]["notes"])
    logged = [m for m in doc["messages"] if m["input"].endswith("web.log")]
    assert logged and all(m["evaluation_time_source"].startswith("log time +1 h") for m in logged)
    # the note names the value to pass; passed, web.log is read in its zone and nothing is left to say
    (given,) = re.findall(r"--timezone '([^']+)'", " ".join(doc["summary"]["notes"]))
    assert given == "web.log=+01:00"
    res = CliRunner().invoke(main, ["scan", str(FIXTURES / "scenarios" / "entra-javasaml"), "--format", "json",
                                    "--jobs", "1", "--fail-on", "never", "--timezone", given])
    again = json.loads(res.stdout)
    assert [(a["user"], a["outcome"], a["root_cause"]) for a in again["attempts"]] == want
    assert not any("time zone" in n for n in again["summary"]["notes"])
    assert not any(m["evaluation_time_source"].startswith("log time +") for m in again["messages"])


# --- okta-proxy-spring: SonarQube 2025 behind a TLS proxy, Okta sending the email as 'user.email' ---

PROXY = "okta-proxy-spring"


def _proxy_attempt(user: str, outcome: str | None = None, after: str = "") -> dict:
    return next(a for a in _scan(PROXY)["attempts"] if a["user"] == user and a["time"] >= after
                and (outcome is None or a["outcome"] == outcome))


def test_sonarqube_log_makes_the_email_mapping_a_warning_not_the_cause():
    """SonarQube Server logs in without an email (it reads the attribute only when present): with
    its web.log in the attempt, Okta's 'user.email' is no refusal cause even when samlscan was not
    given --profile sonarqube. It was: lena's login, refused for its Destination, was put down to
    the email, and the summary counted an email failure nobody had."""
    lena = _proxy_attempt("lena.vogel@example.com")
    assert (lena["outcome"], lena["root_cause"], lena["side"]) == ("failure", "destination-mismatch", "sp")
    assert "serverBaseURL" in lena["fix"]
    assert "email-under-other-name" in lena["findings"]  # still reported, as a warning
    assert "email-under-other-name" not in _scan(PROXY)["summary"]["failures_by_cause"]


def test_sonarqube_accepted_login_is_not_disputed_by_its_email_mapping():
    """paul and nora got in: no note that 'the SP runs with other settings' because of the email."""
    for user in ("paul.richter@example.com", "nora.keller@example.com"):
        ok = _proxy_attempt(user, "success")
        assert not any("accepted this login" in n for n in ok["notes"]), ok["notes"]


def test_signup_disabled_is_named_over_the_email_mapping():
    """greta: no account, sign-up off. SonarQube skips its email check without an email and logs
    the sign-up refusal; a right email mapping alone would not let her in."""
    greta = _proxy_attempt("greta.weiss@example.com")
    assert (greta["root_cause"], greta["side"]) == ("signup-disabled", "sp")


def test_replay_an_hour_later_is_its_own_attempt_naming_the_captured_response():
    """The SP log names the Response ID of paul's captured login an hour later (another request,
    another IP): it was joined to paul's login by that ID, which turned his success into a replay
    failure and left the replay out. Now: paul's login succeeds, and the replay is its own attempt
    with paul's name, citing where the response was captured."""
    login = _proxy_attempt("paul.richter@example.com", "success")
    assert not any(e["input"].endswith("web.log") and e["ref"] == "line 50" for e in login["evidence"])
    replay = _proxy_attempt("paul.richter@example.com", "failure")
    assert replay["time"].startswith("2025-06-17T08:51")
    assert replay["root_cause"] == "assertion-replayed"
    assert replay["idp"] == "http://www.okta.com/exk9proxyEXAMPLE"
    assert any(e["input"].endswith("chrome-paul.har") for e in replay["evidence"])
    assert any("captured at" in n and "chrome-paul.har" in n and "63 min earlier" in n for n in replay["notes"])


def test_double_post_within_a_second_stays_two_attempts():
    nora = [a for a in _scan(PROXY)["attempts"] if a["user"] == "nora.keller@example.com"]
    assert sorted((a["outcome"], a["root_cause"]) for a in nora) == [("failure", "assertion-replayed"),
                                                                     ("success", None)]
    assert not any("captured at" in n for a in nora for n in a["notes"])


def test_cookie_set_over_http_is_named_for_the_login_started_on_http():
    tom = _proxy_attempt("tom.berger@example.com")
    assert tom["root_cause"] == "relaystate-cookie-missing"
    assert any("set over http" in n for n in tom["notes"])


def test_destination_refusal_names_the_acs_the_sp_asked_for():
    """samlscan's settings are the admin's after the fix (https): the response passes its check, and
    the note asked whether the SP runs with other settings. The capture says which: SonarQube's own
    AuthnRequest asked for the http:// ACS (its serverBaseURL then)."""
    lena = _proxy_attempt("lena.vogel@example.com")
    (note,) = [n for n in lena["notes"] if "the SP log reports destination-mismatch" in n]
    assert "asks for ACS http://sonar.example.com/oauth2/callback/saml" in note
    assert "chrome-lena.har [entry 4]" in note and "sonar.core.serverBaseURL" in note
