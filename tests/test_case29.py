"""Support case 29: SonarQube Cloud (US region, sonarqube.us) + JumpCloud: three Chrome HARs, a Firefox
HAR, JumpCloud's Directory Insights export, a response pasted from SAML-tracer, the certificate Cloud's
SSO configuration holds and JumpCloud's metadata (fixtures/gen_case29.py builds tests/data/case29/;
truth.json is the ground truth). Each login of truth.json is compared with samlscan's attempt in the
scan of the folder and in the scan of each file alone, with the certificate Cloud holds (--idp-cert)."""
from __future__ import annotations

import json
from functools import cache

import pytest
from case_util import ROOT, generator_check, scan_case

from test_case23 import _gap, _verdict  # noqa: E402  (the support cases' shared judging)
from test_case25 import _attempt, _id  # noqa: E402

from samlscan.config import Expectations

CASE = ROOT / "tests" / "data" / "case29"
CERT = CASE / "sonarcloud-idp-certificate.pem"
TRUTH = json.loads((CASE / "truth.json").read_text())["attempts"]
ALONE = [(t, name) for t in TRUTH for name in t["alone"]]


@pytest.fixture(scope="module")
def scan() -> dict:
    return scan_case(CASE, "UTC", "--exclude", "truth.json", "--exclude", "*.md", "--idp-cert", str(CERT))


@cache
def scan_alone(name: str) -> dict:
    return scan_case(CASE / name, "UTC", "--idp-cert", str(CERT), "--app", "SonarQube Cloud")


def test_generator_is_current():
    done = generator_check("gen_case29.py")
    assert done.returncode == 0, done.stderr


def test_the_ground_truth_has_every_kind_of_login_the_case_asks_for():
    causes = {t["root_cause"] for t in TRUTH}
    assert {"user-not-assigned", "multiple-sign-on-urls", "wrong-login-url", "signature-cert-mismatch"} <= causes
    assert len({t["login"] for t in TRUTH}) >= 5 and any(t["outcome"] == "success" for t in TRUTH)


@pytest.mark.parametrize("want", [pytest.param(t, id=_id(t), marks=_gap(t, "folder")) for t in TRUTH])
def test_each_login_is_judged_as_the_ground_truth_says(scan, want):
    got = _attempt(scan, want)
    assert _verdict(got) == [want["outcome"], want["root_cause"], want["side"]], (want["story"], got)
    if want["fix_names"]:
        assert want["fix_names"] in got["fix"], got["fix"]


@pytest.mark.parametrize("want,name", [pytest.param(t, n, id=f"{_id(t)}-{n}") for t, n in ALONE])
def test_each_file_alone_says_what_it_can(want, name):
    got = _attempt(scan_alone(name), want, name)
    assert _verdict(got) == want["alone"][name][:3], (name, want["story"], got)


def test_only_the_logins_of_the_ticket_are_attempts(scan):
    """The Directory Insights export holds Slack sign-ons, user-portal and admin logins too."""
    assert len(scan["attempts"]) == len(TRUTH)
    assert [_attempt(scan, t) for t in TRUTH] == scan["attempts"]


def test_a_rollover_at_the_idp_is_fixed_in_clouds_settings_without_acs_url(scan):
    """erin, frank: the response's Destination and Audience are on sonarqube.us: the SP is SonarQube
    Cloud. Without --acs-url the fix said 'the SP's IdP signing certificate setting (samlscan's
    --idp-cert)', words a Cloud customer finds nowhere."""
    for t in (t for t in TRUTH if t["root_cause"] == "signature-cert-mismatch"):
        fix = _attempt(scan, t)["fix"]
        assert "IdP certificate in SonarQube Cloud's SSO configuration" in fix and "--idp-cert" not in fix


def test_a_cloud_login_url_of_the_wrong_region_names_the_regions(scan):
    """dan: a 404 at sonarcloud.io's /sessions/init/saml (the EU region; the enterprise is on the US
    one): the fix was the generic 'Use the login URL and enterprise key the SP shows'."""
    dan = next(t for t in TRUTH if t["login"] == "dan")
    fix = _attempt(scan, dan)["fix"]
    assert "sonarcloud.io is the EU region" in fix and "sonarqube.us" in fix


def test_several_acs_urls_at_jumpcloud_name_its_screen(scan):
    """carol: Cloud's 403 (several sign-on URLs): the fix did not say where JumpCloud keeps them."""
    carol = next(t for t in TRUTH if t["login"] == "carol")
    assert "the Custom SAML App > SSO > ACS URLs must hold the SP's Single Sign-On URL alone" in _attempt(scan, carol)["fix"]


def _check_fix(path, cert) -> str:
    """The hint of the signature-cert-mismatch finding of `samlscan check <path> --idp-cert <cert>`."""
    from click.testing import CliRunner

    from samlscan.cli import main

    res = CliRunner().invoke(main, ["check", str(path), "--idp-cert", str(cert), "--format", "json", "--fail-on",
                                    "never"])
    assert res.exit_code == 0, res.output[-2000:]
    found = [f for m in json.loads(res.stdout)["messages"] for f in m["findings"]
             if f["code"] == "signature-cert-mismatch"]
    assert found, res.stdout[:2000]
    return found[0]["hint"]


def test_check_of_a_response_made_for_cloud_names_clouds_setting():
    """`check` of erin's pasted response alone: made for SonarQube Cloud (Destination, Audience)."""
    hint = _check_fix(CASE / "erin-samlresponse.txt", CERT)
    assert "SonarQube Cloud's SSO configuration" in hint and "--idp-cert" not in hint


def test_check_of_a_response_made_for_server_keeps_servers_setting():
    """The counterpart: case 26's response went to a SonarQube Server ACS; checked against another
    certificate, its fix names sonar.auth.saml.certificate.secured, not Cloud's configuration."""
    hint = _check_fix(ROOT / "tests" / "data" / "case26" / "carol-sanitized.har", ROOT / "fixtures" / "keys" / "idp-new.crt")
    assert "sonar.auth.saml.certificate.secured" in hint and "SonarQube Cloud" not in hint


def test_cloud_by_the_message_names_clouds_settings_and_gives_its_acs():
    e = Expectations(cloud=True)
    assert e.on_cloud and not e.settable("acs_url") and "SSO & Provisioning" in e.setting_name("idp_cert")
    plain = Expectations()
    assert not plain.on_cloud and plain.settable("acs_url") and "--idp-cert" in plain.setting_name("idp_cert")


def test_a_firefox_har_whose_pages_set_no_cookie_is_not_called_sanitized():
    said = [f["message_text"] for f in scan_alone("dan-firefox.har")["input_findings"]]
    assert not any("sanitized HAR" in s for s in said), said
