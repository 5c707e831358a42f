"""Support case 23: OneLogin + SonarQube Server 2025 on Kubernetes: `kubectl logs --timestamps` of the
SonarQube pod (before and after its restart on a node whose clock is 9 min behind), the ingress-nginx
controller's log, a Safari Web Inspector HAR, OneLogin's error page pasted, two pasted responses and
SonarQube's api/settings/values (fixtures/gen_case23.py builds tests/data/case23/; truth.json is the
ground truth, README.md the gaps). Each login of truth.json is compared with samlscan's attempt in
the scan of the folder and in the scan of each file alone (with the settings)."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from case_util import ROOT, generator_check, refs, scan_case

CASE = ROOT / "tests" / "data" / "case23"
SETTINGS = str(CASE / "sonar-settings.json")
TRUTH = json.loads((CASE / "truth.json").read_text())["attempts"]
EVIDENCE = sorted(p.name for p in CASE.iterdir() if p.name not in ("truth.json", "sonar-settings.json",
                                                                     "README.md", "SOURCES.md"))


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def scan() -> dict:
    return scan_case(CASE, "UTC", "--exclude", "truth.json", "--exclude", "*.md")


_ALONE: dict[str, dict] = {}


def scan_alone(name: str) -> dict:
    """The scan of one evidence file with SonarQube's settings (the SP's configuration, not evidence)."""
    if name not in _ALONE:
        _ALONE[name] = scan_case(CASE / name, "UTC", "--sonar-settings", SETTINGS)
    return _ALONE[name]


def _attempt(doc: dict, want: dict, name: str | None = None) -> dict | None:
    """The attempt of the login: nearest its time (within 2 minutes; a file on a wrong clock: the time
    it says, truth's fourth item) of its user (SonarQube's auth.event names the login, the response
    the email) or of no user (an SP log's refusal names none: no login in its auth.event); a page with
    no time (OneLogin's) by its file."""
    said = want["alone"].get(name, [])
    at = _when(said[3] if len(said) > 3 else want["time"])
    near = [a for a in doc["attempts"] if a["user"] in (want["user"], want["login"], None) and a["time"]
            and abs((_when(a["time"]) - at).total_seconds()) <= 120]
    if near:
        return min(near, key=lambda a: abs((_when(a["time"]) - at).total_seconds()))
    untimed = [a for a in doc["attempts"] if a["time"] is None and name in {n for n, _ in refs(a)}]
    return untimed[0] if len(untimed) == 1 else None


def _verdict(a: dict | None) -> list | None:
    return [a["outcome"], a["root_cause"], a["side"]] if a else None


def _id(t: dict) -> str:
    return f"{t['time'][11:16]}-{t['user'].split('@')[0]}"


def _gap(want: dict, where: str):
    why = want["gaps"].get(where)
    return [pytest.mark.xfail(reason=why, strict=True)] if why else []


def test_generator_is_current():
    done = generator_check("gen_case23.py")
    assert done.returncode == 0, done.stderr


def test_the_ground_truth_has_every_kind_of_login_the_case_asks_for():
    causes = {t["root_cause"] for t in TRUTH}
    assert 10 <= len(TRUTH) <= 12 and sum(t["outcome"] == "success" for t in TRUTH) >= 3
    assert {"signature-cert-mismatch", "user-not-assigned", "login-attribute-missing", "destination-mismatch",
            "relaystate-cookie-missing", "assertion-replayed", "sp-clock-skew"} <= causes
    warned = {w for t in TRUTH for w in t["warnings"]}
    assert {"email-under-other-name", "group-attribute-missing"} <= warned


@pytest.mark.parametrize("want", [pytest.param(t, id=_id(t), marks=_gap(t, "folder")) for t in TRUTH])
def test_each_login_is_judged_as_the_ground_truth_says(scan, want):
    name = next(iter(want["alone"]), None)
    got = _attempt(scan, want, name)
    assert _verdict(got) == [want["outcome"], want["root_cause"], want["side"]], (want["story"], got)
    assert got["user"] in (want["user"], want["login"], None)


@pytest.mark.parametrize("want", [pytest.param(t, id=_id(t), marks=_gap(t, "fix")) for t in TRUTH
                                  if t["fix_names"]])
def test_each_fix_names_the_onelogin_screen_or_sonarqube_setting(scan, want):
    """A failure's fix, a success's warnings' hints (the login works: what to change is said there)."""
    got = _attempt(scan, want, next(iter(want["alone"]), None))
    if want["outcome"] == "failure":
        assert want["fix_names"] in (got["fix"] or ""), got["fix"]
    else:
        files = {name for name, _ in refs(got)}
        hints = [f["hint"] for m in scan["messages"] for f in m["findings"] if f["code"] in want["warnings"]
                 and Path(m["input"]).name in files]
        assert hints and all(want["fix_names"] in h for h in hints), hints


@pytest.mark.parametrize("want", [t for t in TRUTH if t["outcome"] == "success"], ids=_id)
def test_a_success_says_what_it_lost(scan, want):
    got = _attempt(scan, want)
    assert set(want["warnings"]) <= set(got["findings"]), got["findings"]
    if "group-attribute-missing" in want["warnings"]:
        assert any("groups are not synchronised" in n for n in got["notes"])


@pytest.mark.parametrize("want, name", [
    pytest.param(t, n, id=f"{_id(t)}-{n}", marks=_gap(t, n)) for t in TRUTH for n in t["alone"]])
def test_each_file_alone_judges_what_it_can_tell(want, name):
    got = _attempt(scan_alone(name), want, name)
    assert _verdict(got) == want["alone"][name][:3], (want["story"], got)


def test_every_evidence_file_is_read():
    doc = scan_case(CASE, "UTC", "--exclude", "truth.json")
    read = {Path(i["path"]).name: i for i in doc["inputs"]}
    assert all(read[n]["status"] == "scanned" for n in EVIDENCE), read
    assert read["ingress-nginx-controller.log"]["kind"] == "log:sonarqube-access"
    assert read["sonarqube-0-previous.log"]["kind"] == read["sonarqube-0.log"]["kind"] == "log:sonarqube"


def test_the_node_clock_behind_is_read_against_the_ingress_line_of_that_callback(scan):
    """oscar: SonarQube's refusal is stamped 10:37:14, 6 min before the NotBefore it quotes; the ingress
    controller (another node, its clock right) logged the POST at 10:46:14, after that NotBefore: two
    clocks agree, the pod's node is the odd one (clocks._proxy_witness). The refusal and the ingress
    line are then one request (link_request)."""
    want = next(t for t in TRUTH if t["user"].startswith("oscar"))
    got = _attempt(scan, want)
    assert "9 min behind the clock of ingress-nginx-controller.log (a proxy in front of the SP) at 2026-11-24 10:46:14" in got["fix"]
    assert "ingress-nginx-controller.log" in got["fix"]
    assert {n for n, _ in refs(got)} == {"sonarqube-0.log", "ingress-nginx-controller.log"}


def test_the_wrong_acs_is_onelogins_when_sonarqube_asked_for_its_own():
    """mia 09:52: SonarQube's AuthnRequest asked for https://sonar.acme.example/oauth2/callback/saml,
    its settings' ACS; OneLogin posted to the old host: OneLogin's stored ACS is stale (side idp),
    though only the host differs (attempts._acs_side)."""
    doc = scan_alone("safari-mia.har")
    got = next(a for a in doc["attempts"] if a["time"].startswith("2026-11-24T09:52"))
    assert (got["root_cause"], got["side"]) == ("destination-mismatch", "idp")
    assert "OneLogin: Applications > the app > Configuration > ACS Consumer URL" in got["fix"]


def test_without_the_settings_a_host_apart_stays_the_sps():
    """With no settings samlscan knows no ACS of the SP's own: a host apart keeps the code's side."""
    doc = scan_case(CASE / "safari-mia.har", "UTC")
    got = next(a for a in doc["attempts"] if a["time"].startswith("2026-11-24T09:52"))
    assert got["side"] != "idp"


# --- ingress-nginx's access line -------------------------------------------------------------------

LINE = ('198.51.100.40 - - [24/Nov/2026:08:58:05 +0000] "POST /oauth2/callback/saml HTTP/2.0" 302 0 '
        '"https://acme.onelogin.com/" "Mozilla/5.0 (Macintosh) Safari/605.1.15" 9021 0.008 '
        '[sonarqube-sonarqube-sonarqube-9000] [] 10.244.1.17:9000 0 0.008 302 f9a32f3d90f48c5623238dd8d290b8b9')


@pytest.mark.parametrize("line", [
    LINE,
    # two upstreams tried (a retry), their lists comma-separated
    LINE.replace("10.244.1.17:9000 0 0.008 302", "10.244.1.17:9000, 10.244.3.9:9000 0, 0 0.004, 0.004 502, 302"),
    # no upstream answered yet ('-'), an alternative upstream (canary) named
    LINE.replace("[] 10.244.1.17:9000 0 0.008 302", "[sonar-canary-9000] - - - -"),
])
def test_an_ingress_nginx_upstreaminfo_line_is_an_access_line(line):
    from samlscan.logs import sqaccess

    m = sqaccess._LINE.match(line)
    assert m is not None and m["target"] == "/oauth2/callback/saml" and m["status"] == "302"
    assert sqaccess.PARSER.sniff("I1124 07:00:03.500000       7 controller.go:213] reload\n" + line)


def test_a_line_with_free_text_after_the_user_agent_is_no_access_line():
    from samlscan.logs import sqaccess

    assert sqaccess._LINE.match(LINE.replace("9021 0.008", "see \"the docs\"")) is None


def test_the_email_under_another_name_hint_names_onelogins_parameters(scan):
    erik = [f for m in scan["messages"] if m["input"].endswith("erik-samlresponse.txt") for f in m["findings"]
            if f["code"] == "email-under-other-name"]
    assert erik and "Set sonar.auth.saml.user.email to User.email" in erik[0]["hint"]
    assert "OneLogin: Applications > the app > Parameters" in erik[0]["hint"]
