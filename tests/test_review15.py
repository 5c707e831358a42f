"""Review 15: what the last hour's merges still got wrong."""
from __future__ import annotations

import pytest

from case_util import ROOT
from samlscan.config import SONAR_IN_DATABASE, ConfigError, load_sonar_settings

ROOT_CASE12 = ROOT / "tests" / "data" / "case12"


def test_a_server_sonar_properties_with_its_base_url_only_is_no_saml_settings(tmp_path):
    # sonar.core.serverBaseURL is a general setting a server's own file may hold beside its database
    # (SonarQube's docs: Administration > General or sonar.properties); the SAML settings made in the
    # UI stay in the database. Read as SAML settings, the SP's entity ID became the default
    # 'sonarqube' and the IdP certificate went unchecked, with no word of it.
    path = tmp_path / "sonar.properties"
    path.write_text("sonar.jdbc.url=jdbc:postgresql://db/sonar\nsonar.jdbc.username=sonar\n"
                    "#sonar.web.port=9000\nsonar.core.serverBaseURL=https://sonar.corp.example\n")
    with pytest.raises(ConfigError) as err:
        load_sonar_settings(path)
    assert "sonar.auth.saml." in str(err.value) and SONAR_IN_DATABASE in str(err.value)


# --- correlation: the rules of case 12 where another SP or engine is in play -------------------------

def _case12_with(tmp_path, paul_lines: list[str]) -> list[dict]:
    """Case 12's folder with paul's web.log record (lines 3-11) replaced by `paul_lines`."""
    import json
    import shutil

    from click.testing import CliRunner

    from case_util import ROOT
    from samlscan.cli import main

    case = ROOT / "tests" / "data" / "case12"
    for f in case.iterdir():
        shutil.copy(f, tmp_path)
    lines = (case / "web.log").read_text().splitlines(keepends=True)
    (tmp_path / "web.log").write_text("".join(lines[:2] + [x + "\n" for x in paul_lines] + lines[11:]))
    res = CliRunner().invoke(main, ["scan", str(tmp_path), "--format", "json", "--fail-on", "never"])
    return [a for a in json.loads(res.stdout)["attempts"] if a["time"][11:16] == "08:40"]


def test_an_unsigned_response_is_no_cause_for_an_sp_that_decrypts_it(tmp_path):
    # java-saml (SonarQube 10.x) decrypts an assertion inside an unsigned Response: Spring's stop
    # before decrypting (_STOPPED_BEFORE) is no reason for its refusal, samlscan's decryption failure is
    (paul,) = _case12_with(tmp_path, [
        "2025.12.09 08:40:04 ERROR web[3ba05fc7-ba18-9f37-68be-175fc4bdb051][c.o.saml2.Auth] "
        "processResponse error. invalid_response"])
    assert paul["root_cause"] == "decryption-failed", paul


def test_springs_refusal_still_names_the_unsigned_response(tmp_path):
    (paul,) = _case12_with(tmp_path, [
        "2025.12.09 08:40:04 WARN  web[3ba05fc7-ba18-9f37-68be-175fc4bdb051][o.s.s.a.AuthenticationError] "
        "Fail to callback authentication with 'saml': Saml2AuthenticationException: Did not decrypt "
        "response [_x] since it is not signed"])
    assert paul["root_cause"] == "response-signature-required", paul


def test_another_apps_refusal_a_second_later_is_not_the_outcome_of_a_post_to_sonarqube(tmp_path):
    # the HAR's undecryptable POST went to SonarQube's ACS; with paul's web.log record gone, a Flask
    # app's python3-saml refusal at the same second is another SP's login, not this POST's outcome
    # (_link_unread_response compared no SP)
    _case12_with(tmp_path, [])
    (tmp_path / "app.log").write_text(
        "[2025-12-09 08:40:04,120] ERROR in app: SAML errors: ['invalid_response'] reason: "
        "Signature validation failed. SAML Response rejected\n")
    import json

    from click.testing import CliRunner

    from samlscan.cli import main

    res = CliRunner().invoke(main, ["scan", str(tmp_path), "--format", "json", "--fail-on", "never"])
    at_0840 = [a for a in json.loads(res.stdout)["attempts"] if a["time"][11:16] == "08:40"]
    assert at_0840 and not any({e["input"].rsplit("/", 1)[-1] for e in a["evidence"]} >= {"safari-sonar.har", "app.log"}
                               for a in at_0840), at_0840
