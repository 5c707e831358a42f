"""Support case 24: AD FS 2022 + SonarQube Server 10.x (java-saml) on Windows behind IIS with ARR: the
proxy site's W3C log, SonarQube's web.log, the AD FS/Admin log, a sanitized Edge HAR and SonarQube's
api/settings/values (fixtures/gen_case24.py builds tests/data/case24/; truth.json is the ground truth,
README.md the gaps). Each login of truth.json is compared with samlscan's attempt in the scan of the
folder and in the scan of each file alone (with the settings)."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from case_util import ROOT, generator_check, refs, scan_case

from test_case23 import _gap, _verdict, _when  # noqa: E402  (the support cases' shared judging)

CASE = ROOT / "tests" / "data" / "case24"
TRUTH = json.loads((CASE / "truth.json").read_text())["attempts"]
EVIDENCE = sorted(p.name for p in CASE.iterdir() if p.suffix not in (".md",) and p.name not in
                  ("truth.json", "sonar-settings.json"))


@pytest.fixture(scope="module")
def scan() -> dict:
    return scan_case(CASE, "UTC", "--exclude", "truth.json", "--exclude", "*.md")


@cache
def scan_alone(name: str) -> dict:
    """The scan of one evidence file with SonarQube's settings (the SP's configuration, not evidence)."""
    return scan_case(CASE / name, "UTC", "--sonar-settings", str(CASE / "sonar-settings.json"))


def _whose(a: dict, want: dict) -> bool:
    """The attempt names the login's user: the email (the response), the login, AD FS's DOMAIN\\login,
    or no one (an access line)."""
    user = a["user"]
    return user is None or user in (want["user"], want["login"]) or user.rsplit("\\", 1)[-1] == want["login"]


def _attempt(doc: dict, want: dict, name: str | None = None) -> dict | None:
    """The attempt of the login nearest its time (within 2 minutes; a file on a wrong clock: the time
    it says, the fourth item of its 'alone' verdict; the folder: 'folder_time' when its attempt carries
    another than the true one, a gap) of its user, one naming the user before an access line's."""
    said = want["alone"].get(name, []) if name else []
    at = _when(said[3] if len(said) > 3 else want.get("folder_time") if name is None and want.get("folder_time")
               else want["time"])
    near = [a for a in doc["attempts"] if _whose(a, want) and a["time"]
            and abs((_when(a["time"]) - at).total_seconds()) <= 120]
    return min(near, key=lambda a: (abs((_when(a["time"]) - at).total_seconds()), a["user"] is None)) if near else None


def _id(t: dict) -> str:
    return f"{t['time'][11:16]}-{t['login']}"


def test_generator_is_current():
    done = generator_check("gen_case24.py")
    assert done.returncode == 0, done.stderr


def test_the_ground_truth_has_every_kind_of_login_the_case_asks_for():
    causes = {t["root_cause"] for t in TRUTH}
    assert 7 <= len(TRUTH) <= 9 and sum(t["outcome"] == "success" for t in TRUTH) >= 3
    assert {"signature-cert-mismatch", "user-not-assigned", "destination-mismatch", "sp-clock-skew"} <= causes
    warned = {w for t in TRUTH for w in t["warnings"]}
    assert {"email-under-other-name", "group-attribute-missing"} <= warned


@pytest.mark.parametrize("want", [pytest.param(t, id=_id(t), marks=_gap(t, "folder")) for t in TRUTH])
def test_each_login_is_judged_as_the_ground_truth_says(scan, want):
    got = _attempt(scan, want)
    assert _verdict(got) == [want["outcome"], want["root_cause"], want["side"]], (want["story"], got)


@pytest.mark.parametrize("want", [pytest.param(t, id=_id(t), marks=_gap(t, "fix")) for t in TRUTH
                                  if t["fix_names"]])
def test_each_fix_names_the_ad_fs_screen_or_sonarqube_setting(scan, want):
    said = _what_to_change(scan, _attempt(scan, want), want)
    assert said and all(want["fix_names"] in text for text in said), said


def _what_to_change(scan: dict, got: dict, want: dict) -> list[str]:
    """A failure's fix; a success's warnings' hints in the files of its attempt (the login works:
    what to change is said there)."""
    if want["outcome"] == "failure":
        return [got["fix"] or ""]
    files = {name for name, _ in refs(got)}
    return [f["hint"] for m in scan["messages"] if Path(m["input"]).name in files
            for f in m["findings"] if f["code"] in want["warnings"]]


@pytest.mark.parametrize("want", [t for t in TRUTH if t["outcome"] == "success"], ids=_id)
def test_a_success_says_what_it_lost(scan, want):
    got = _attempt(scan, want)
    assert set(want["warnings"]) <= set(got["findings"]), got["findings"]


@pytest.mark.parametrize("want, name", [
    pytest.param(t, n, id=f"{_id(t)}-{n}", marks=_gap(t, n)) for t in TRUTH for n in t["alone"]])
def test_each_file_alone_judges_what_it_can_tell(want, name):
    assert _verdict(_attempt(scan_alone(name), want, name)) == want["alone"][name][:3], want["story"]


def test_every_evidence_file_is_read_as_its_format(scan):
    kinds = {Path(i["path"]).name: (i["status"], i["kind"]) for i in scan["inputs"]}
    assert {n: kinds.get(n) for n in EVIDENCE} == {
        "adfs-admin.xml": ("scanned", "log:adfs"), "edge-servicedesk.har": ("scanned", "har"),
        "u_ex261125.log": ("scanned", "log:iis-w3c"), "web.log": ("scanned", "log:sonarqube")}


def test_the_sonarqube_host_behind_is_read_from_java_samls_dump_against_the_har(scan):
    """frank 09:45: java-saml's refusal quotes no instant; the copy of the response it dumped in the
    same second gives the NotBefore (09:45:22) and the response ID, whose capture in the Edge HAR was
    posted at 09:45:22: sonar01's clock (09:37:22) is 8 min behind (clocks._dumped_instant). Before,
    the refusal read as the IdP's clock ahead (assertion-not-yet-valid, side idp)."""
    want = next(t for t in TRUTH if t["login"] == "frank")
    got = _attempt(scan, want)
    assert (got["root_cause"], got["side"]) == ("sp-clock-skew", "sp")
    assert "8 min behind the browser's clock (the capture's) at 2026-11-25 09:45:22" in got["fix"]
    assert {"edge-servicedesk.har", "web.log", "u_ex261125.log"} <= {n for n, _ in refs(got)}


def test_the_clock_behind_login_carries_the_true_time(scan):
    want = next(t for t in TRUTH if t["login"] == "frank")
    got = _attempt(scan, want)
    assert got["time"] == want["time"]


def test_the_wrong_destination_behind_iis_names_arrs_forwarded_proto(scan):
    """dana 09:10: 'received at http://.. instead of https://..': SonarQube 10.x rebuilds the URL from
    X-Forwarded-Proto, which ARR does not send unless URL Rewrite sets HTTP_X_FORWARDED_PROTO."""
    want = next(t for t in TRUTH if t["login"] == "dana")
    got = _attempt(scan, want)
    assert "HTTP_X_FORWARDED_PROTO" in got["fix"] and "sonar.core.serverBaseURL" in got["fix"]


def test_the_iis_lines_of_each_sonarqube_login_join_it(scan):
    """Each login SonarQube logged has its IIS callback line in its attempt (not an attempt of its own)."""
    for want in TRUTH:
        if "u_ex261125.log" in want["alone"] and "web.log" in want["alone"]:
            got = _attempt(scan, want)
            assert "u_ex261125.log" in {n for n, _ in refs(got)}, want["story"]
