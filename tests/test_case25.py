"""Support case 25: SonarQube Server 9.9 LTA (java-saml) upgraded to 2025.1 LTA (Spring Security SAML2)
over a weekend, Duo SSO as the IdP: one web.log across the upgrade, Duo's authentication log, Chrome
HARs from before and after, the new server's sonar.properties and Duo's metadata
(fixtures/gen_case25.py builds tests/data/case25/; truth.json is the ground truth, README.md the
gaps). Each login of truth.json is compared with samlscan's attempt in the scan of the folder and in
the scan of each file alone (with sonar.properties)."""
from __future__ import annotations

import json
from functools import cache

import pytest
from case_util import ROOT, generator_check, scan_case

from test_case23 import _gap, _verdict, _when  # noqa: E402  (the support cases' shared judging)

CASE = ROOT / "tests" / "data" / "case25"
TRUTH = json.loads((CASE / "truth.json").read_text())["attempts"]


@pytest.fixture(scope="module")
def scan() -> dict:
    return scan_case(CASE, "UTC", "--exclude", "truth.json", "--exclude", "*.md")


@cache
def scan_alone(name: str) -> dict:
    """One evidence file with SonarQube's settings (the SP's configuration, not evidence)."""
    return scan_case(CASE / name, "UTC", "--sonar-settings", str(CASE / "sonar.properties"))


def _attempt(doc: dict, want: dict, name: str | None = None) -> dict | None:
    """The attempt of the login's user (or of no one named) nearest its time, within 2 minutes (a file
    on a wrong clock: the time it says, the fourth item of its 'alone' verdict)."""
    said = want["alone"].get(name, []) if name else []
    when = _when(said[3] if len(said) > 3 else want["time"])
    near = [a for a in doc["attempts"] if a["user"] in (None, want["user"], want["login"]) and a["time"]
            and abs((_when(a["time"]) - when).total_seconds()) <= 120]
    return min(near, key=lambda a: (abs((_when(a["time"]) - when).total_seconds()), a["user"] is None)) \
        if near else None


def _id(t: dict) -> str:
    return f"{t['time'][8:10]}T{t['time'][11:16]}-{t['login']}"


def test_generator_is_current():
    done = generator_check("gen_case25.py")
    assert done.returncode == 0, done.stderr


def test_the_ground_truth_has_every_kind_of_login_the_case_asks_for():
    causes = {t["root_cause"] for t in TRUTH}
    assert {"response-signature-required", "user-not-assigned", "sp-clock-skew", "assertion-replayed"} <= causes
    erin = [t["outcome"] for t in TRUTH if t["login"] == "erin"]
    assert erin == ["success", "failure", "success"]  # works on 9.9, fails on 2025.1, works once fixed


@pytest.mark.parametrize("want", [pytest.param(t, id=_id(t), marks=_gap(t, "folder")) for t in TRUTH])
def test_each_login_is_judged_as_the_ground_truth_says(scan, want):
    got = _attempt(scan, want)
    assert _verdict(got) == [want["outcome"], want["root_cause"], want["side"]], (want["story"], got)


@pytest.mark.parametrize("want", [pytest.param(t, id=_id(t), marks=_gap(t, "fix")) for t in TRUTH
                                  if t["fix_names"] and t["outcome"] == "failure"])
def test_each_fix_names_the_duo_screen_or_what_to_do(scan, want):
    got = _attempt(scan, want)
    assert want["fix_names"] in (got["fix"] or ""), got["fix"]


@pytest.mark.parametrize("want, name", [
    pytest.param(t, n, id=f"{_id(t)}-{n}", marks=_gap(t, n)) for t in TRUTH for n in t["alone"]])
def test_each_file_alone_judges_what_it_can_tell(want, name):
    assert _verdict(_attempt(scan_alone(name), want, name)) == want["alone"][name][:3], want["story"]


def test_every_evidence_file_is_read_as_its_format(scan):
    kinds = {i["path"].rsplit("/", 1)[-1]: (i["status"], i["kind"]) for i in scan["inputs"]}
    assert {n: kinds.get(n) for n in ("web.log", "duo-authentication-log.json", "chrome-erin-friday.har",
                                      "chrome-erin-monday.har")} == {
        "web.log": ("scanned", "log:sonarqube"), "duo-authentication-log.json": ("scanned", "log:duo"),
        "chrome-erin-friday.har": ("scanned", "har"), "chrome-erin-monday.har": ("scanned", "har")}
