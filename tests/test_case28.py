"""Support case 28: SonarQube Server 2025.4 on AWS ECS behind an Application Load Balancer, Apereo CAS 7
as the SAML2 IdP: the ALB's access log objects as S3 stores them (.log.gz), SonarQube's stdout from
CloudWatch Logs (`aws logs filter-log-events` JSON), CAS's audit trail and cas.log, CAS's IdP metadata,
sonar.properties, a Chrome HAR (fixtures/gen_case28.py builds tests/data/case28/; truth.json is the
ground truth). Each login of truth.json is compared with samlscan's attempt in the scan of the folder
and in the scan of each file alone (with sonar.properties)."""
from __future__ import annotations

import gzip
import json
from functools import cache

import pytest
from case_util import ROOT, generator_check, scan_case

from samlscan.logs import awsalb
from test_case23 import _gap, _verdict  # noqa: E402  (the support cases' shared judging)
from test_case25 import _attempt, _id  # noqa: E402

CASE = ROOT / "tests" / "data" / "case28"
SETTINGS = CASE / "sonar.properties"
TRUTH = json.loads((CASE / "truth.json").read_text())["attempts"]
ZONE = "UTC"  # Fargate tasks and CAS's container run in UTC


@cache
def scan_of(name: str | None = None) -> dict:
    """The folder (name None), or one evidence file with SonarQube's settings."""
    if name is None:
        return scan_case(CASE, ZONE, "--exclude", "truth.json", "--exclude", "*.md")
    return scan_case(CASE / name, ZONE, "--sonar-settings", str(SETTINGS))


def test_generator_is_current():
    done = generator_check("gen_case28.py")
    assert done.returncode == 0, done.stderr


def test_the_ground_truth_has_every_kind_of_login_the_case_asks_for():
    causes = {t["root_cause"] for t in TRUTH}
    assert {"app-not-found", "proxy-answered-callback", "signature-cert-mismatch"} <= causes
    assert {w for t in TRUTH for w in t["warnings"]} == {"email-under-other-name", "cert-expired"}
    assert sum(t["outcome"] == "success" for t in TRUTH) >= 2


def _checks():
    """(what is judged, the login, the file alone) of every claim truth.json makes, each marked with its gap."""
    for t in TRUTH:
        yield "verdict", t, None
        if t["warnings"]:
            yield "warnings", t, None
        if t["fix_names"] and t["outcome"] == "failure":
            yield "fix", t, None
        yield from (("alone", t, n) for n in t["alone"])


@pytest.mark.parametrize("what, want, name", [
    pytest.param(w, t, n, id=f"{w}-{_id(t)}" + (f"-{n}" if n else ""),
                 marks=_gap(t, n or {"verdict": "folder"}.get(w, w))) for w, t, n in _checks()])
def test_each_claim_of_the_ground_truth(what, want, name):
    """The folder's verdict of each login, its warnings, the fix's wording; each file alone's verdict."""
    got = _attempt(scan_of(name), want, name)
    if what == "warnings":
        assert set(want["warnings"]) <= set(got["findings"]), got
    elif what == "fix":
        assert want["fix_names"] in (got["fix"] or ""), got["fix"]
    else:
        right = want["alone"][name][:3] if name else [want["outcome"], want["root_cause"], want["side"]]
        assert _verdict(got) == right, (want["story"], got)


def test_every_evidence_file_is_read_as_its_format():
    kinds = {i["path"].rsplit("/", 1)[-1]: (i["status"], i["kind"]) for i in scan_of()["inputs"]}
    assert {n: kinds.get(n) for n in ("filter-log-events.json", "cas_audit.log", "cas.log", "dave-chrome.har")} == {
        "filter-log-events.json": ("scanned", "log:sonarqube"), "cas_audit.log": ("scanned", "log:cas"),
        "cas.log": ("scanned", "log:cas"), "dave-chrome.har": ("scanned", "har")}
    objects = [k for n, k in kinds.items() if n.endswith(".log.gz")]
    assert objects and set(objects) == {("scanned", "gzip:log:aws-alb-access")}


def test_the_albs_504_is_timed_when_the_request_came_not_when_the_timeout_ended():
    """AWS's `time` is when the response left: the idle timeout's 504 is logged 60 s after the POST came
    (request_creation_time); the login's time is the latter."""
    lines = [line for p in sorted(CASE.glob("*.log.gz"))
             for line in gzip.decompress(p.read_bytes()).decode().splitlines() if " 504 - " in line]
    assert len(lines) == 1
    r = awsalb.read(1, lines[0])
    assert r is not None and r.time.isoformat() == "2026-12-04T09:30:46+00:00", r
    no_created = lines[0].split(" 0 2026-12-04T", 1)[0] + ' 0 -'
    assert awsalb.read(1, no_created).time.isoformat().startswith("2026-12-04T09:31:46")


def test_dave_s_timeout_is_the_proxy_s_answer_in_the_albs_objects_alone():
    name = "123456789012_elasticloadbalancing_eu-west-1_app.sonar-alb.5e1f0c2a9b8d7e6f_20261204T0935Z_10.0.1.23_bd5f5018.log.gz"
    got = [a for a in scan_of(name)["attempts"] if a["outcome"] == "failure"]
    assert [(a["time"], a["root_cause"], a["side"]) for a in got] == [
        ("2026-12-04T09:30:46Z", "proxy-answered-callback", "network")]


def test_the_albs_504_is_dave_s_attempt_not_a_second_failed_login():
    """The ALB's own 504 line (client 198.51.100.64, no user) is the callback of dave's attempt: the HAR's
    POST of that second, SonarQube's 'login success' of that client 75 s later (correlate/link_request's
    _link_proxy_answers); one failed login of that cause, not two."""
    assert scan_of()["summary"]["failures_by_cause"] == {
        "proxy-answered-callback": 1, "app-not-found": 1, "signature-cert-mismatch": 1}
    dave = [a for a in scan_of()["attempts"] if a["ip"] == "198.51.100.64"]
    assert [(a["user"], a["outcome"], a["root_cause"]) for a in dave] == [("dave", "failure", "proxy-answered-callback")]
    assert any(e["input"].endswith("bd5f5018.log.gz") for e in dave[0]["evidence"])


def test_without_the_har_the_albs_504_joins_the_sp_lines_of_its_client_within_the_proxys_wait():
    """No capture: SonarQube's lines of that client after the ALB's line (its 'login success' at 09:32:01)
    name the attempt whose callback the ALB answered; dave's login failed for him, whatever the SP finished."""
    got = scan_case(CASE, ZONE, "--exclude", "truth.json", "--exclude", "*.md", "--exclude", "dave-chrome.har")
    dave = [a for a in got["attempts"] if a["ip"] == "198.51.100.64"]
    assert [(a["user"], a["outcome"], a["root_cause"]) for a in dave] == [("dave", "failure", "proxy-answered-callback")]
