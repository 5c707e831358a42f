"""Support case 27: SonarQube Server 2025.4 on two nodes behind a load balancer, Microsoft Entra ID; every
log comes out of the customer's SIEM: Splunk's `outputcsv` CSV and REST JSON export, a Kibana Discover
CSV, Elasticsearch hits as NDJSON (one event a web.log line, newest first, the two nodes interleaved,
each node on its own clock), Entra's SigninLogs exported from Log Analytics, an Edge HAR, sonar.properties
(fixtures/gen_case27.py builds tests/data/case27/; truth.json is the ground truth, README.md the gaps).
Each login of truth.json is compared with samlscan's attempt in the scan of the folder and in the scan
of each file alone (with sonar.properties)."""
from __future__ import annotations

import json
from functools import cache

import pytest
from case_util import ROOT, generator_check, scan_case

from test_case23 import _gap, _verdict  # noqa: E402  (the support cases' shared judging)
from test_case25 import _attempt, _id  # noqa: E402

CASE = ROOT / "tests" / "data" / "case27"
SETTINGS = CASE / "sonar.properties"
TRUTH = json.loads((CASE / "truth.json").read_text())["attempts"]
ZONE = "Europe/Berlin"  # the servers' zone, as the customer said: web.log's times are local


@pytest.fixture(scope="module")
def scan() -> dict:
    return scan_case(CASE, ZONE, "--exclude", "truth.json", "--exclude", "*.md")


@pytest.fixture(scope="module")
def logs() -> dict:
    """The SIEM's exports and Entra's sign-ins alone: no HAR to measure a node's clock against."""
    return scan_case(CASE, ZONE, "--exclude", "truth.json", "--exclude", "*.md", "--exclude", "*.har")


@cache
def scan_alone(name: str) -> dict:
    """One evidence file with SonarQube's settings."""
    return scan_case(CASE / name, ZONE, "--sonar-settings", str(SETTINGS))


def test_generator_is_current():
    done = generator_check("gen_case27.py")
    assert done.returncode == 0, done.stderr


def test_the_ground_truth_has_every_kind_of_login_the_case_asks_for():
    causes = {t["root_cause"] for t in TRUTH}
    assert {"user-not-assigned", "login-attribute-missing", "sp-clock-skew"} <= causes
    assert {w for t in TRUTH for w in t["warnings"]} == {"group-attribute-missing", "group-values-are-ids"}
    assert sum(t["outcome"] == "success" for t in TRUTH) >= 2


@pytest.mark.parametrize("want", [pytest.param(t, id=_id(t), marks=_gap(t, "folder")) for t in TRUTH])
def test_each_login_is_judged_as_the_ground_truth_says(scan, want):
    got = _attempt(scan, want)
    assert _verdict(got) == [want["outcome"], want["root_cause"], want["side"]], (want["story"], got)


@pytest.mark.parametrize("want", [pytest.param(t, id=_id(t), marks=_gap(t, "logs")) for t in TRUTH])
def test_each_login_is_judged_from_the_logs_alone(logs, want):
    """Every login but dave's has no HAR: the logs tell it; dave's refusal is sq-app-02's, whose clock is
    told by its lines against sq-app-01's and Entra's."""
    got = _attempt(logs, want)
    assert _verdict(got) == [want["outcome"], want["root_cause"], want["side"]], (want["story"], got)


@pytest.mark.parametrize("want", [pytest.param(t, id=_id(t), marks=_gap(t, "warnings")) for t in TRUTH
                                  if t["warnings"]])
def test_each_warning_of_a_working_login_is_found(scan, want):
    got = _attempt(scan, want)
    assert set(want["warnings"]) <= set(got["findings"]), got


@pytest.mark.parametrize("want", [pytest.param(t, id=_id(t), marks=_gap(t, "fix")) for t in TRUTH
                                  if t["fix_names"] and t["outcome"] == "failure"])
def test_each_fix_names_the_setting_or_screen(scan, want):
    got = _attempt(scan, want)
    assert want["fix_names"] in (got["fix"] or ""), got["fix"]


@pytest.mark.parametrize("want, name", [
    pytest.param(t, n, id=f"{_id(t)}-{n}", marks=_gap(t, n)) for t in TRUTH for n in t["alone"]])
def test_each_file_alone_judges_what_it_can_tell(want, name):
    assert _verdict(_attempt(scan_alone(name), want, name)) == want["alone"][name][:3], want["story"]


def test_every_evidence_file_is_read_as_its_format(scan):
    kinds = {i["path"].rsplit("/", 1)[-1]: (i["status"], i["kind"]) for i in scan["inputs"]}
    names = ("splunk-outputcsv.csv", "splunk-export.json", "kibana-discover.csv", "elastic-hits.ndjson",
             "entra-signinlogs.csv", "dave-edge.har")
    assert {n: kinds.get(n) for n in names} == {
        "splunk-outputcsv.csv": ("scanned", "log:sonarqube"), "splunk-export.json": ("scanned", "log:sonarqube"),
        "kibana-discover.csv": ("scanned", "log:sonarqube"), "elastic-hits.ndjson": ("scanned", "log:sonarqube"),
        "entra-signinlogs.csv": ("scanned", "log:entra"), "dave-edge.har": ("scanned", "har")}


def test_a_working_login_whose_groups_are_object_ids_says_they_are_not_synchronised(scan):
    """SonarQube matches groups by name (sonar.auth.saml.group.name is set here): a login whose group
    values are Entra object IDs works with no group, said beside the finding (correlate.causes
    _GROUPS_UNSYNCED), as a lost group claim is."""
    by_ids = [a for a in scan["attempts"] if "group-values-are-ids" in a["findings"] and a["outcome"] == "success"]
    assert by_ids
    assert all("the login works but groups are not synchronised (group-values-are-ids)" in a["notes"]
               for a in by_ids), by_ids
