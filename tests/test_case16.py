"""Support case 16: PingFederate + SonarQube Cloud, a Chrome HAR and the IdP's audit.log
(tests/data/case16, made by fixtures/gen_case16.py; sources in tests/data/case16/SOURCES.md)."""
from __future__ import annotations

import json

from case_util import ROOT, generator_check, refs, scan_case

from samlscan.config import Expectations
from samlscan.inputs.har import read_entry

CASE = ROOT / "tests" / "data" / "case16"
HAR = CASE / "chrome-sonarcloud.har"
CLOUD_ACS = "https://sonarcloud.io/oauth2/callback/saml"


def _attempts(*args) -> dict[str, dict]:
    return {a["time"]: a for a in scan_case(CASE, "UTC", *args)["attempts"]}


def test_generator_is_current():
    done = generator_check("gen_case16.py")
    assert done.returncode == 0, done.stderr


def test_chrome_net_error_on_the_acs_post_is_a_failed_attempt():
    """dave (IdP-initiated): PingFederate posted to its connection's old default ACS, a retired host;
    Chrome recorded status 0 and response._error net::ERR_NAME_NOT_RESOLVED. The attempt was
    'unknown' with no cause (the ACS's answer 'not in the capture')."""
    a = _attempts()["2026-02-10T10:21:30Z"]
    assert (a["outcome"], a["root_cause"], a["side"]) == ("failure", "acs-path-wrong", "idp")
    assert any("net::ERR_NAME_NOT_RESOLVED" in n for n in a["notes"])
    assert ("chrome-sonarcloud.har", "entry 13") in refs(a)


def test_chrome_net_error_is_read_and_aborted_is_no_failure():
    entry = json.loads(HAR.read_text())["log"]["entries"][13]
    _, ex, _, _ = read_entry(entry, 13, str(HAR), {})
    assert (ex.status, ex.net_error) == (0, "net::ERR_NAME_NOT_RESOLVED")
    from samlscan.flows import unreached

    assert unreached(ex)
    entry["response"]["_error"] = "net::ERR_ABORTED"  # the user navigated away: not the server's doing
    _, ex, _, _ = read_entry(entry, 13, str(HAR), {})
    assert not unreached(ex)


def test_cloud_settings_are_named_as_sonarqube_cloud_names_them():
    """With --acs-url on sonarcloud.io, fixes named samlscan's flags ('set it in --idp-cert') or
    SonarQube Server's sonar.core.serverBaseURL / sonar.auth.saml.certificate.secured, which a Cloud
    customer does not have."""
    e = Expectations(acs_url=CLOUD_ACS, profile="sonarqube")
    for what in ("acs_url", "idp_cert", "sp_entity_id", "login_attribute"):
        assert "SSO & Provisioning" in e.setting_name(what) and "sonar." not in e.setting_name(what)
    assert Expectations(acs_url="https://sonar.example.com/oauth2/callback/saml",
                        profile="sonarqube").setting_name("idp_cert") == "sonar.auth.saml.certificate.secured"


def test_rotated_pingfederate_certificate_fix_names_the_cloud_setting():
    """carla: signed with PingFederate's new key; the Cloud enterprise holds the old certificate."""
    a = _attempts("--acs-url", CLOUD_ACS, "--idp-cert", str(CASE / "pingfederate-old.crt"))["2026-02-10T10:04:05Z"]
    assert (a["outcome"], a["root_cause"], a["side"]) == ("failure", "signature-cert-mismatch", "sp")
    assert "IdP certificate in SonarQube Cloud's SSO configuration" in a["fix"]
    assert "--idp-cert" not in a["fix"]


def test_an_unexplained_refusal_of_a_response_issued_off_the_capture_time_is_put_down_to_clock_skew():
    """emma: SonarQube Cloud refused the login with no public reason; the response was issued 6 min
    after the capture's time (PingFederate's clock ahead): the attempt was unknown-failure beside a
    clock-skew warning."""
    a = _attempts()["2026-02-10T10:40:02Z"]
    assert (a["outcome"], a["root_cause"]) == ("failure", "clock-skew")
    assert any("the likely cause" in n for n in a["notes"])


def test_an_unexplained_refusal_by_sonarqube_cloud_does_not_send_the_user_to_web_log():
    """ben: Cloud's customers have no web.log: the fix named it ('auth.event lines need DEBUG')."""
    fix = _attempts()["2026-02-10T09:24:40Z"]["fix"]
    assert "web.log" not in fix and "SonarQube Cloud" in fix and "--email-attribute" in fix


def test_an_idp_known_by_its_sso_url_alone_is_named_in_the_fix(tmp_path):
    """The HAR alone (no audit.log): PingFederate's Issuer is free text, but its SSO URL
    (/idp/SSO.saml2) names the product: the rollover's fix names its console path."""
    import shutil

    shutil.copy(HAR, tmp_path / HAR.name)
    doc = scan_case(tmp_path, "UTC", "--acs-url", CLOUD_ACS, "--idp-cert", str(CASE / "pingfederate-old.crt"))
    carla = next(a for a in doc["attempts"] if a["time"] == "2026-02-10T10:04:05Z")
    assert carla["root_cause"] == "signature-cert-mismatch"
    assert "PingFederate: Applications > Integration > SP Connections" in carla["fix"]


def test_the_idp_log_line_of_a_response_issued_minutes_off_joins_its_attempt():
    """emma: PingFederate's clock ran 6 min ahead: its audit.log SSO line (10:46:04, the response's
    IssueInstant) was an attempt of its own, a success beside her refused login."""
    attempts = _attempts()
    assert [t for t, a in attempts.items() if a["user"] == "emma.visser"] == ["2026-02-10T10:40:02Z"]
    emma = attempts["2026-02-10T10:40:02Z"]
    assert emma["outcome"] == "failure" and ("audit.log", "line 15") in refs(emma)


def test_a_stale_acs_at_the_idp_of_a_cloud_sp_is_fixed_in_clouds_words():
    """dave: the response, made for SonarQube Cloud (its Audience), went to an old Server's ACS. The fix
    said 'sonar.core.serverBaseURL + /oauth2/callback/saml', a setting Cloud's customers do not have."""
    for args in ((), ("--acs-url", CLOUD_ACS)):
        a = _attempts(*args)["2026-02-10T10:21:30Z"]
        assert (a["root_cause"], a["side"]) == ("acs-path-wrong", "idp")
        assert "Single Sign-On URL of SonarQube Cloud's SSO configuration" in a["fix"]
        assert "serverBaseURL" not in a["fix"]



def test_a_wrong_acs_path_of_a_cloud_sp_names_clouds_single_sign_on_url():
    """flow_cause's why named Server's '.../oauth2/callback/saml' for a Cloud SP too."""
    from test_case9 import _exchange, _flow

    from samlscan.sonarqube import flow_cause

    typo = _flow(_exchange(1, "POST", "https://sonarcloud.io/oauth2/calback/saml", 404, "acs-post"))
    assert "Single Sign-On URL" in flow_cause(typo, cloud=True)[1]
    assert ".../oauth2/callback/saml" in flow_cause(typo)[1]
