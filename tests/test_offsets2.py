"""Clock offsets measured on logs alone: case 11's SonarQube web.log (its clock 4 minutes slow) and
Keycloak's logs, scanned without the browser's capture. The IdP's log is the reference then."""
from __future__ import annotations

import re
import shutil

import pytest
from case_util import ROOT, refs, scan_case

CASE11 = ROOT / "tests" / "data" / "case11"
LENA = {2: 4, 3: 6, 4: 8, 5: 10, 6: 12}
"""keycloak-server.log's line of each of lena's five LOGIN events: web.log's 'login success' line."""


def _folder(tmp_path, *names: str, keep=None):
    """A folder of case 11's files; `keep`: {name: predicate} keeping only the lines it accepts."""
    for name in names:
        shutil.copy(CASE11 / name, tmp_path / name)
    for name, wanted in (keep or {}).items():
        lines = (tmp_path / name).read_text(encoding="utf-8").splitlines(keepends=True)
        (tmp_path / name).write_text("".join(x for x in lines if wanted(x)), encoding="utf-8")
    return scan_case(tmp_path, "Europe/Berlin")


def _offset_notes(scan: dict) -> list[str]:
    return [n for n in scan["summary"]["notes"] if n.startswith("clock offset of")]


@pytest.fixture(scope="module")
def two_logs(tmp_path_factory) -> dict:
    return _folder(tmp_path_factory.mktemp("logs"), "keycloak-server.log", "web.log")


def test_an_sp_log_is_measured_against_the_idp_log_without_a_capture(two_logs):
    """Without a capture nothing was measured: lena's five web.log successes were attempts of their
    own at 08:56 (SonarQube's clock), no note gave the offset."""
    (note,) = _offset_notes(two_logs)
    assert "web.log: -239 s" in note and re.search(r"runs 239 s behind \S*keycloak-server\.log's ", note)
    assert "capture's" not in note and "no capture" in note
    assert not any(a["time"].startswith("2025-11-18T08:5") for a in two_logs["attempts"])


def test_each_round_of_a_login_loop_is_joined_to_its_own_idp_event(two_logs):
    """The 08:56:18 success (web.log line 12, the fifth round) was joined to the first round's
    Keycloak LOGIN (line 2); the SP's and the IdP's k-th rounds are one attempt each."""
    for kc, web in LENA.items():
        (a,) = [a for a in two_logs["attempts"] if ("keycloak-server.log", f"line {kc}") in refs(a)]
        assert refs(a) == {("keycloak-server.log", f"line {kc}"), ("web.log", f"line {web}")}
        assert a["user"] == "lena.vogel"
    ivo = [a for a in two_logs["attempts"] if a["user"] == "ivo.petrov"]
    assert len(ivo) == 1 and ivo[0]["time"] == "2025-11-18T09:41:30Z"  # dated by the IdP's clock


def test_two_idp_exports_and_the_sp_log_without_a_capture(tmp_path):
    """The whole case but the HAR: the two Keycloak exports keep one clock, web.log is measured
    against one of them."""
    scan = _folder(tmp_path, "keycloak-server.log", "keycloak-events.json", "keycloak-admin-events.json", "web.log")
    (note,) = _offset_notes(scan)
    assert "web.log: -239 s" in note and re.search(r"runs 239 s behind \S*keycloak-\S+'s ", note)
    assert not any(refs(a) <= {("web.log", f"line {n}") for n in range(1, 14)} for a in scan["attempts"])


def test_a_burst_of_other_size_is_no_pair(tmp_path):
    """Four SP successes against five IdP LOGINs within minutes: which is which is unknown, no pair
    (and ivo's login alone is one pair: no offset)."""
    scan = _folder(tmp_path, "keycloak-server.log", "web.log",
                   keep={"web.log": lambda x: "ab3d8f5b" not in x})
    assert not _offset_notes(scan)


def test_one_login_in_both_logs_measures_no_offset(tmp_path):
    """ivo's login alone, in the IdP's log and the SP's: one pair could be two logins 4 minutes
    apart; an offset is measured on 3 pairs, or 2 that agree."""
    scan = _folder(tmp_path, "keycloak-server.log", "web.log",
                   keep={"web.log": lambda x: "lena" not in x, "keycloak-server.log": lambda x: "lena" not in x})
    assert not _offset_notes(scan)
