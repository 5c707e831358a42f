"""Support case 26: SonarQube Server 2025.4 (Spring Security SAML2) in Docker Compose behind Traefik,
JumpCloud as the IdP: `docker compose logs` of sonarqube and traefik, Traefik's JSON access log,
JumpCloud's Directory Insights export, a sanitized HAR and a HAR saved without 'Preserve log',
docker-compose.yml (the SAML settings as SONAR_AUTH_SAML_* variables) and JumpCloud's metadata
(fixtures/gen_case26.py builds tests/data/case26/; truth.json is the ground truth, README.md the gaps).
Each login of truth.json is compared with samlscan's attempt in the scan of the folder and in the scan
of each file alone (with docker-compose.yml as the SonarQube settings)."""
from __future__ import annotations

import json
from functools import cache

import pytest
from case_util import ROOT, generator_check, scan_case

from test_case23 import _gap, _verdict  # noqa: E402  (the support cases' shared judging)
from test_case25 import _attempt, _id  # noqa: E402

from samlscan.config import load_sonar_settings

CASE = ROOT / "tests" / "data" / "case26"
COMPOSE = CASE / "docker-compose.yml"
TRUTH = json.loads((CASE / "truth.json").read_text())["attempts"]


@pytest.fixture(scope="module")
def scan() -> dict:
    return scan_case(CASE, "UTC", "--exclude", "truth.json", "--exclude", "*.md")


@cache
def scan_alone(name: str) -> dict:
    """One evidence file with SonarQube's settings as the customer keeps them (docker-compose.yml)."""
    return scan_case(CASE / name, "UTC", "--sonar-settings", str(COMPOSE))


def test_generator_is_current():
    done = generator_check("gen_case26.py")
    assert done.returncode == 0, done.stderr


def test_the_ground_truth_has_every_kind_of_login_the_case_asks_for():
    causes = {t["root_cause"] for t in TRUTH}
    assert {"user-not-assigned", "destination-mismatch", "signature-cert-mismatch", "proxy-answered-callback"} <= causes
    assert {w for t in TRUTH for w in t["warnings"]} == {"email-under-other-name"}
    assert sum(t["outcome"] == "success" for t in TRUTH) >= 2


@pytest.mark.parametrize("want", [pytest.param(t, id=_id(t), marks=_gap(t, "folder")) for t in TRUTH])
def test_each_login_is_judged_as_the_ground_truth_says(scan, want):
    got = _attempt(scan, want)
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
    assert {n: kinds.get(n) for n in ("docker-compose-logs.txt", "jumpcloud-directory-insights.json",
                                      "carol-sanitized.har", "traefik-access.log")} == {
        "traefik-access.log": ("scanned", "log:traefik-access"),
        "docker-compose-logs.txt": ("scanned", "log:sonarqube"),
        "jumpcloud-directory-insights.json": ("scanned", "log:jumpcloud"), "carol-sanitized.har": ("scanned", "har")}


def test_docker_compose_environment_is_read_as_sonarqube_settings():
    """SONAR_AUTH_SAML_* variables of docker-compose.yml are SonarQube's settings (the old IdP
    certificate, the email attribute 'email'): refused before as 'no sonar.auth.saml. key'."""
    got = load_sonar_settings(COMPOSE)
    assert (got["sp_entity_id"], got["idp_entity_id"], got["email_attribute"], got["login_attribute"]) == (
        "sonarqube", "JumpCloud-sonarqube", "email", "login")
    assert got["acs_url"] == "https://sonar.contoso-labs.example/oauth2/callback/saml"
    assert got["idp_sso_urls"] == ("https://sso.jumpcloud.com/saml2/sonarqube",)
    assert len(got["idp_certs"]) == 1


@pytest.mark.parametrize("text, want", [
    ("environment:\n  - SONAR_AUTH_SAML_APPLICATIONID=sq-prod\n  - SONAR_AUTH_SAML_USER_EMAIL=mail\n",
     {"sp_entity_id": "sq-prod", "email_attribute": "mail"}),
    ("export SONAR_AUTH_SAML_PROVIDERID='https://idp.example/x'  \nSONAR_AUTH_SAML_USER_LOGIN=uid # the uid\n",
     {"idp_entity_id": "https://idp.example/x", "login_attribute": "uid", "sp_entity_id": "sonarqube"}),
    ('  "SONAR_AUTH_SAML_GROUP_NAME": "memberOf"\n  SONAR_AUTH_SAML_UNKNOWN_THING: x\n',
     {"group_attribute": "memberOf", "sp_entity_id": "sonarqube"}),
], ids=["compose-list", "env-file", "quoted-key"])
def test_each_form_of_environment_variable_is_read(tmp_path, text, want):
    f = tmp_path / "sonar.env"
    f.write_text(text)
    got = load_sonar_settings(f)
    assert {k: got[k] for k in want} == want


def test_environment_settings_come_with_a_note(tmp_path):
    """SonarQube applies SONAR_AUTH_SAML_* only to keys its sonar.properties sets too: samlscan says it
    judged with the file's values; a sonar.properties of the same settings gets no such note."""
    from samlscan.config import build

    env = tmp_path / "sonar.env"
    env.write_text("SONAR_AUTH_SAML_APPLICATIONID=sq-prod\nSONAR_AUTH_SAML_USER_EMAIL=mail\n")
    props = tmp_path / "sonar.properties"
    props.write_text("sonar.auth.saml.applicationId=sq-prod\nsonar.auth.saml.user.email=mail\n")
    flags = {"idp_cert": [], "idp_metadata": [], "sp_key": [], "at": None}
    from_env = build({**flags, "sonar_settings": [str(env)]}, None, certless=True)
    from_file = build({**flags, "sonar_settings": [str(props)]}, None, certless=True)
    assert from_env.sp_entity_id == from_file.sp_entity_id == "sq-prod"
    assert [n for n in from_env.contradictions if "Administration > Authentication > SAML" in n]
    assert not [n for n in from_file.contradictions if "environment variable" in n]
