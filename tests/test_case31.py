"""Support case 31: SonarQube Server 9.9 LTS Data Center Edition (java-saml, two application nodes behind a
load balancer) and AD FS 2019, with the attachments admins send today: AD FS's own event logs as .evtx
(AD FS/Admin 364 with MSIS7007, Security 1200/1203), the cluster's System Info file (one node with a stale
-Dsonar.auth.saml.loginUrl), a Chrome net-export with raw bytes of a WS-Federation sign-in, a HAR, both
nodes' web.logs (Europe/Paris) and the federation metadata (fixtures/gen_case31.py builds
tests/data/case31/; truth.json is the ground truth, README.md the gaps)."""
from __future__ import annotations

import json
from functools import cache

import pytest
from case_util import ROOT, folder_said, generator_check, scan_case

from test_case23 import _gap, _verdict  # noqa: E402  (the support cases' shared judging)
from test_case25 import _attempt, _id  # noqa: E402

CASE = ROOT / "tests" / "data" / "case31"
SYSINFO = CASE / "sonarqube-system-info.json"
METADATA = CASE / "FederationMetadata.xml"
TRUTH = json.loads((CASE / "truth.json").read_text())["attempts"]
ZONE = "Europe/Paris"  # the nodes' zone: both web.logs are local


@pytest.fixture(scope="module")
def scan() -> dict:
    return scan_case(CASE, ZONE, "--exclude", "truth.json", "--exclude", "*.md")


@cache
def scan_alone(name: str) -> dict:
    """One evidence file with the System Info as SonarQube's settings and AD FS's metadata."""
    return scan_case(CASE / name, ZONE, "--sonar-settings", str(SYSINFO), "--idp-metadata", str(METADATA))


def test_the_generator_is_current_and_the_truth_has_every_kind_of_login():
    assert generator_check("gen_case31.py").returncode == 0
    assert len(TRUTH) == 6 and sum(t["outcome"] == "success" for t in TRUTH) == 2
    assert {"app-not-found", "wsfed-unsupported", "idp-authentication-failed", "sonar-nodes-disagree"} == \
        {t["root_cause"] for t in TRUTH if t["outcome"] == "failure"}
    assert {t["side"] for t in TRUTH if t["outcome"] == "failure"} == {"idp", "user", "sp"}


def _told(got: dict, want: dict, aspect: str) -> bool:
    """Whether the folder's attempt tells the login's verdict or its fix's screen or setting."""
    if aspect == "folder":
        return _verdict(got) == [want["outcome"], want["root_cause"], want["side"]]
    return want["fix_names"] in (got["fix"] or "")


ASPECTS = [(t, a) for t in TRUTH for a in ("folder", "fix") if a == "folder" or t["fix_names"]]


@pytest.mark.parametrize("want, aspect", [pytest.param(t, a, id=f"{_id(t)}-{a}", marks=_gap(t, a))
                                          for t, a in ASPECTS])
def test_the_folder_tells_each_login_as_the_ground_truth_says(scan, want, aspect):
    got = _attempt(scan, want)
    assert got is not None and _told(got, want, aspect), (want["story"], got)


@pytest.mark.parametrize("want, name", [pytest.param(t, n, id=f"{_id(t)}-{n}", marks=_gap(t, n))
                                        for t in TRUTH for n in t["alone"]])
def test_what_each_file_alone_tells(want, name):
    assert _verdict(_attempt(scan_alone(name), want, name)) == want["alone"][name][:3], want["story"]


def test_the_wsfed_sign_in_is_the_cause_of_java_samls_missing_samlresponse(scan):
    """Failed before: the folder's verdict was java-saml's catalog entry (idp-configuration-error: 'make the
    IdP post the response with the HTTP-POST binding') although the net-export shows the wresult; the
    capture's wsfed-unsupported now explains node 2's log line, as the log says which line it read."""
    bob = next(t for t in TRUTH if t["root_cause"] == "wsfed-unsupported")
    got = _attempt(scan, bob)
    assert got["root_cause"] == "wsfed-unsupported" and "Endpoints" in got["fix"], got
    assert any("says idp-configuration-error" in n and "wsfed-unsupported" in n for n in got["notes"]), got["notes"]
    # (AD FS's 1200 for the WS-Federation trust is his sign-in: the wresult's token names him, its Audience
    # the trust's identifier, so it joins his attempt)
    assert {e["input"].rsplit("/", 1)[-1] for e in got["evidence"]} == {"bob-netexport.json", "web-sonar-app-2.log",
                                                                        "Security.evtx"}
    assert got["user"] == bob["user"]


def test_the_wsfed_trusts_sign_in_is_not_another_application(scan):
    """Failed before: bob's attempt named no user and AD FS's 1200 for the WS-Federation trust (identifier
    https://sonar.example.com/, SonarQube's own base URL) was counted among 'other applications'."""
    for said in (scan, scan_alone("Security.evtx")):  # (alone: the SP's base URL names the trust as the SP's)
        notes = " ".join(said["summary"]["notes"])
        assert "urn:federation:MicrosoftOnline (1)" in notes and "sonar.example.com/ (1)" not in notes, notes
    bob = next(t for t in TRUTH if t["root_cause"] == "wsfed-unsupported")
    assert _attempt(scan_alone("Security.evtx"), bob)["user"] == bob["user"]


def test_the_system_infos_node_disagreement_is_reported(scan):
    said = [f["message_text"] for f in scan["input_findings"] if f["code"] == "sonar-nodes-disagree"]
    assert said == ["the application nodes hold sonar.auth.saml.loginUrl apart: sonar-app-1 "
                    "'https://adfs.example.com/adfs/ls/'; sonar-app-2 'https://adfs-old.corp.example.com/adfs/ls/'"]
    assert any("sonarqube-system-info.json" in s and "System Info" in s for s in folder_said(scan)), folder_said(scan)


def test_the_other_trusts_sign_ins_are_left_out_by_name(scan):
    """AD FS's 1200 events of other relying parties (Microsoft Online, Jira) are no SonarQube login."""
    notes = " ".join(scan["summary"]["notes"])
    assert "urn:federation:MicrosoftOnline (1)" in notes and "jira.example.com" in notes, notes


def test_every_evidence_file_is_read_as_its_format(scan):
    kinds = {i["path"].rsplit("/", 1)[-1]: (i["status"], i["kind"]) for i in scan["inputs"]}
    assert {n: kinds.get(n) for n in ("AD FS-Admin.evtx", "Security.evtx", "bob-netexport.json", "erin-chrome.har",
                                      "web-sonar-app-1.log", "web-sonar-app-2.log")} == {
        "AD FS-Admin.evtx": ("scanned", "evtx:log:adfs"), "Security.evtx": ("scanned", "evtx:log:adfs"),
        "bob-netexport.json": ("scanned", "chrome-netlog"), "erin-chrome.har": ("scanned", "har"),
        "web-sonar-app-1.log": ("scanned", "log:sonarqube"), "web-sonar-app-2.log": ("scanned", "log:sonarqube")}


def test_redact_holds_on_the_case(scan):
    """--redact masks every user's address, name and IP the plain scan shows (the .evtx's AuditBase,
    web.log's auth.event, the wresult's token)."""
    redacted = json.dumps(scan_case(CASE, ZONE, "--exclude", "truth.json", "--exclude", "*.md", "--redact"))
    plain = json.dumps(scan)
    shown = [v for t in TRUTH for v in (t["user"], t["ip"], t["user"].split("@")[0]) if v in plain]
    assert shown and not [v for v in shown if v in redacted], [v for v in shown if v in redacted]
