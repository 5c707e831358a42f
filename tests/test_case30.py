"""Support case 30: SonarQube Server 2025.4 on Kubernetes behind ingress-nginx, Entra ID, the day an Entra
admin changed the app's claims (no 'emailaddress' claim, groups as object IDs, groups.link for a user in
more than 150 groups, a B2B guest): web.log and access.log in the pod's zone (Europe/Berlin), the ingress
controller's log (UTC), Entra's sign-ins (Graph JSON), a Chrome HAR, the Helm chart's values (the SAML
settings as SONAR_AUTH_SAML_* in the Kubernetes `env` list form) and the federation metadata
(fixtures/gen_case30.py builds tests/data/case30/; truth.json is the ground truth, README.md the gaps)."""
from __future__ import annotations

import json
from functools import cache

import pytest
from case_util import ROOT, folder_said, generator_check, scan_case

from test_case23 import _gap, _verdict  # noqa: E402  (the support cases' shared judging)
from test_case25 import _attempt, _id  # noqa: E402

CASE = ROOT / "tests" / "data" / "case30"
VALUES = CASE / "sonarqube-values.yaml"
TRUTH = json.loads((CASE / "truth.json").read_text())["attempts"]
ZONE = "Europe/Berlin"  # the pod's TZ (the chart's env): web.log and access.log are local


@pytest.fixture(scope="module")
def scan() -> dict:
    return scan_case(CASE, ZONE, "--exclude", "truth.json", "--exclude", "*.md")


@cache
def scan_alone(name: str) -> dict:
    """One evidence file with the chart's values as SonarQube's settings."""
    return scan_case(CASE / name, ZONE, "--sonar-settings", str(VALUES))


def test_the_generator_is_current_and_the_truth_has_every_kind_of_login():
    assert generator_check("gen_case30.py").returncode == 0
    assert len(TRUTH) >= 6 and sum(t["outcome"] == "success" for t in TRUTH) >= 4
    assert {"email-missing", "groups-overage-claim"} <= {w for t in TRUTH for w in t["warnings"]}
    assert any("#EXT#" in t["user"] for t in TRUTH)


def _told(got: dict, want: dict, aspect: str) -> bool:
    """Whether the folder's attempt tells the login's verdict, its warnings (they need the email and group
    settings of the Helm values' `env` items, unread before) or its fix's screen."""
    if aspect == "folder":
        return _verdict(got) == [want["outcome"], want["root_cause"], want["side"]]
    if aspect == "warnings":
        return set(want["warnings"]) <= set(got["findings"])
    if aspect == "ip":  # the browser's address, not the ingress controller's
        return got["ip"] == want["ip"]
    return want["fix_names"] in (got["fix"] or "")


ASPECTS = [(t, a) for t in TRUTH for a in ("folder", "warnings", "fix", "ip")
           if a in ("folder", "ip") or (a == "warnings" and t["warnings"]) or (a == "fix" and t["fix_names"])]


@pytest.mark.parametrize("want, aspect", [pytest.param(t, a, id=f"{_id(t)}-{a}", marks=_gap(t, a))
                                          for t, a in ASPECTS])
def test_the_folder_tells_each_login_as_the_ground_truth_says(scan, want, aspect):
    got = _attempt(scan, want)
    assert got is not None and _told(got, want, aspect), (want["story"], got)


@pytest.mark.parametrize("want, name", [pytest.param(t, n, id=f"{_id(t)}-{n}", marks=_gap(t, n))
                                        for t in TRUTH for n in t["alone"]])
def test_what_each_file_alone_tells(want, name):
    assert _verdict(_attempt(scan_alone(name), want, name)) == want["alone"][name][:3], want["story"]


def test_the_helm_values_are_read_as_sonarqube_settings(scan):
    """Failed before: 'no SAML message or known log format in it'."""
    said = folder_said(scan)
    assert any("sonarqube-values.yaml" in s and "SONAR_AUTH_SAML_*" in s for s in said), said


def test_the_guests_upn_is_not_offered_as_his_email(scan):
    """dave's UPN 'dave_partner.example#EXT#@fabrikam.onmicrosoft.com' (the 'name' claim) is no mailbox:
    before, samlscan said 'the email address is sent as ...claims/name' and told to point
    sonar.auth.saml.user.email at it (email-under-other-name)."""
    dave = next(t for t in TRUTH if "#EXT#" in t["user"])
    got = _attempt(scan, dave)
    assert "email-under-other-name" not in got["findings"] and "email-missing" in got["findings"], got
    said = [f["message_text"] for m in scan["messages"] for f in m["findings"]
            if f["code"] == "email-missing" and "#EXT#" in f["message_text"]]
    assert said and all("guest" in s and "user.mail" in s for s in said), said


def test_every_evidence_file_is_read_as_its_format(scan):
    kinds = {i["path"].rsplit("/", 1)[-1]: (i["status"], i["kind"]) for i in scan["inputs"]}
    names = ("web.log", "access.log", "ingress-nginx-controller.log", "SignIns_2026-12-10.json", "frank-chrome.har")
    assert {n: kinds.get(n, ("", ""))[0] for n in names} == dict.fromkeys(names, "scanned"), kinds
