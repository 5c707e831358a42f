"""Without --profile, a message SonarQube took is judged by SonarQube's rules (engine._as_receiver).

A scan of a SonarQube case without --profile listed a missing email as an error and named the
generic flags (--email-attribute) in its hints, although SonarQube Server logs in without an email
and its attempt was judged as SonarQube does (noticed with the sixth support case). The evidence
says which SP took a message: SonarQube's web.log holds a copy of it, or it went to SonarQube's ACS
path (sonar.core.serverBaseURL + /oauth2/callback/saml). Responses are signed for real by samlgen.
"""
from __future__ import annotations

import base64
import json
import sys
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import generate as GEN  # noqa: E402
from samlgen import scenario as S  # noqa: E402
from test_external_shapes import analyze, by_code  # noqa: E402

from samlscan.cli import main  # noqa: E402
from samlscan.config import PROFILES, build  # noqa: E402

OTHER_ACS = "https://app.example.com/saml/acs"
EXPECT = build({"email_attribute": "email", "at": "2025-03-11T08:41:02Z"}, None)


def _without_email(destination: str | None, recipient: str | None = S.ACS_URL) -> bytes:
    seed = f"no-email-{destination}-{recipient}"
    attrs = GEN.with_attrs(GEN.okta_attributes(), email=None)
    a = GEN.assertion(seed, GEN.OKTA, attributes=attrs, recipient=recipient)
    return GEN.render(GEN.response(seed, GEN.OKTA, (a,), destination=destination), GEN.OKTA, GEN.IDP)


def _email_finding(data: bytes, expect=EXPECT):
    (f,) = by_code(analyze(data, expect), "email-missing")
    return f


def test_a_response_sent_to_sonarqubes_acs_is_judged_as_sonarqube_judges_it():
    f = _email_finding(_without_email(S.ACS_URL))
    assert f.severity.value == "warning" and "without an email" in f.message_text
    assert "sonar.auth.saml.user.email" in f.hint


def test_a_response_without_destination_is_placed_by_its_recipient():
    f = _email_finding(_without_email(None, recipient=S.ACS_URL + "/"))
    assert f.severity.value == "warning"


def test_a_response_sent_to_another_sp_is_judged_as_any_sp_would():
    f = _email_finding(_without_email(OTHER_ACS, recipient=OTHER_ACS))
    assert f.severity.value == "error" and "--email-attribute" in f.hint


def test_profile_generic_turns_the_inference_off():
    f = _email_finding(_without_email(S.ACS_URL), replace(EXPECT, profile="generic"))
    assert f.severity.value == "error" and "--email-attribute" in f.hint


def test_a_copy_in_sonarqubes_log_is_judged_as_sonarqube_wherever_it_was_addressed(tmp_path):
    """java-saml's DEBUG dump in web.log: SonarQube received it, whatever its Destination says."""
    b64 = base64.b64encode(_without_email(OTHER_ACS, recipient=OTHER_ACS)).decode()
    log = tmp_path / "web.log"
    log.write_text("2025.03.11 08:41:02 DEBUG web[AZWEd1kLm9Qz000001AD][c.o.saml2.Auth] "
                   f"SAMLResponse invalid --> {b64}\n")
    def severity(*flags) -> str:
        out = CliRunner().invoke(main, ["check", str(log), "--email-attribute", "email", "--format", "json",
                                        "--fail-on", "never", *flags])
        assert out.exit_code == 0, out.output
        (found,) = [f for f in json.loads(out.stdout)["messages"][0]["findings"] if f["code"] == "email-missing"]
        return found["severity"]

    assert severity() == "warning"
    assert severity("--profile", "generic") == "error"


def test_the_cli_offers_the_profiles_config_knows():
    out = CliRunner().invoke(main, ["check", "--help"])
    assert all(p in out.output for p in PROFILES)
    bad = CliRunner().invoke(main, ["check", "x.xml", "--profile", "shibboleth"])
    assert bad.exit_code == 2 and "shibboleth" in bad.output


def test_a_response_to_a_server_acs_is_judged_as_any_sp_when_the_configured_acs_is_sonarqube_cloud():
    """--acs-url on sonarcloud.io, the response sent to a Server-shaped ACS (the IdP's stale URL of
    a self-managed SonarQube, case 16): it was judged by SonarQube Server's rules (email optional,
    sonar.auth.saml.user.email named), which Cloud, needing the email, does not follow."""
    f = _email_finding(_without_email(S.ACS_URL), replace(EXPECT, acs_url="https://sonarcloud.io/oauth2/callback/saml"))
    assert f.severity.value == "error" and "sonar." not in f.hint and "SSO & Provisioning" in f.hint
