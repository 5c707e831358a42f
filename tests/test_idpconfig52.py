"""Keycloak's configuration of the SP, exported from its admin console (samlscan/idpapps.py; fixtures from
fixtures/gen_idpconfig52.py), compared with the SP's settings: a wrong Client ID, an ACS URL outside the Valid
redirect URIs, a login attribute no mapper sends are found before any login was captured. It was 'no SAML
message found'."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from generated_util import assert_generator_writes

from samlscan.cli import main
from samlscan.idpapps import IdpApp, read_exports, redirect_allowed

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT / "fixtures" / "idpconfig52"
CONFIG = ROOT / "fixtures" / "config" / "default.toml"


def _report(*args: str) -> dict:
    got = CliRunner().invoke(main, [*args, "--format", "json", "--fail-on", "never"])
    assert got.exit_code == 0, got.output
    return json.loads(got.stdout)


def _found(report: dict) -> list[tuple[str, str]]:
    return [(f["code"], f["severity"]) for f in report["input_findings"]]


def test_the_fixtures_are_what_the_generator_writes(tmp_path, monkeypatch):
    assert_generator_writes("gen_idpconfig52", tmp_path, monkeypatch)


def test_a_client_that_matches_the_settings_has_no_finding():
    report = _report("check", str(EXPORTS / "keycloak-client-sonarqube.json"), "--config", str(CONFIG))
    assert report["inputs"][0]["status"] == "scanned" and report["inputs"][0]["kind"] == "idp-config:keycloak"
    assert _found(report) == []


def test_a_misconfigured_client_says_what_keycloak_refuses_and_which_setting_to_change():
    report = _report("check", str(EXPORTS / "keycloak-client-misconfigured.json"), "--config", str(CONFIG))
    assert _found(report) == [("reply-url-mismatch", "error"), ("login-attribute-missing", "error"),
                              ("name-attribute-missing", "error"), ("group-attribute-missing", "warning")]
    texts = {f["code"]: f["message_text"] for f in report["input_findings"]}
    assert ("its Valid redirect URIs: https://sonar.example.com/saml2/*; the SP's ACS URL is "
            "'https://sonar.example.com/oauth2/callback/saml'") in texts["reply-url-mismatch"]
    assert "'login' that sonar.auth.saml.user.login names (they send: email, Role)" in texts["login-attribute-missing"]


def test_a_client_of_another_id_is_app_not_found():
    report = _report("check", str(EXPORTS / "keycloak-client-renamed.json"), "--config", str(CONFIG))
    (found,) = report["input_findings"]
    assert found["code"] == "app-not-found" and "'Unknown login requester.'" in found["message_text"]
    assert found["hint"] == ("Make 'sonarqube' the app's Client ID in Keycloak, or set sonar.auth.saml.applicationId "
                             "to its own.")


def test_a_realm_export_is_compared_by_the_sps_own_client():
    assert _found(_report("check", str(EXPORTS / "keycloak-realm-export.json"), "--config", str(CONFIG))) == []
    report = _report("check", str(EXPORTS / "keycloak-realm-export.json"), "--sp-entity-id", "https://sonar.example.com")
    (found,) = report["input_findings"]
    assert found["code"] == "app-not-found"
    assert "no SAML client's Client ID ('jenkins', 'sonarqube')" in found["message_text"]  # (not grafana's: OIDC)


def test_without_settings_an_export_is_skipped_with_its_reason():
    report = _report("check", str(EXPORTS / "keycloak-client-misconfigured.json"))
    (read,) = report["inputs"]
    assert read["status"] == "skipped" and "no SP settings to compare it with" in read["reason"]


def test_a_tickets_folder_compares_the_export_with_the_sp_settings_beside_it(tmp_path):
    shutil.copy(ROOT / "fixtures" / "config" / "sonar.properties", tmp_path)
    shutil.copy(EXPORTS / "keycloak-client-misconfigured.json", tmp_path)
    report = _report("scan", str(tmp_path))
    assert ("reply-url-mismatch", "error") in _found(report) and ("settings-found", "info") in _found(report)


def test_other_json_is_no_export():
    assert read_exports(json.dumps({"clientId": "grafana", "protocol": "openid-connect"})) is None
    assert read_exports("[1, 2]") is None and read_exports("{nope") is None
    assert read_exports(json.dumps({"clients": "none", "clientId": 3, "protocol": "saml"})) is None


def test_mappers_of_other_client_scopes_leave_the_attributes_unknown():
    doc = {"clientId": "sonarqube", "protocol": "saml", "protocolMappers": [],
           "defaultClientScopes": ["role_list", "corp-saml-attributes"]}
    (app,) = read_exports(json.dumps(doc))
    assert app.attributes is None


@pytest.mark.parametrize("uris, root, want", [
    (("https://sonar.example.com/oauth2/callback/saml",), None, True),
    (("https://sonar.example.com/*",), None, True),
    (("https://sonar.example.com/oauth2/callback/saml/*",), None, True),  # (its stem without the '/')
    (("*",), None, True),
    (("/oauth2/*",), "https://sonar.example.com", True),
    (("/oauth2/*",), None, None),  # (relative, and no root URL to read it against)
    ((), None, None),
    (("https://sonar.example.com/saml2/*", "https://other.example.com/oauth2/callback/saml"), None, False),
    (("https://SONAR.example.com/oauth2/*",), None, True),  # (hosts compared in lower case)
    (("https://sonar.example.com/OAUTH2/*",), None, False),  # (paths as they are)
])
def test_redirect_uris_are_matched_as_keycloak_matches_them(uris, root, want):
    app = IdpApp("keycloak", "c", ("sonarqube",), uris, root, None)
    assert redirect_allowed("https://sonar.example.com/oauth2/callback/saml", app) is want


@pytest.mark.parametrize("name", ["entra-manifest-sonarqube.json", "entra-manifest-legacy.json"])
def test_an_entra_manifest_that_matches_has_no_finding(name):
    """Microsoft Graph's format (web.redirectUris) and Azure AD Graph's (replyUrlsWithType); a host in capitals."""
    report = _report("check", str(EXPORTS / name), "--config", str(CONFIG))
    assert report["inputs"][0]["kind"] == "idp-config:entra" and _found(report) == []


def test_an_entra_reply_url_apart_by_a_slash_is_aadsts50011():
    report = _report("check", str(EXPORTS / "entra-manifest-misconfigured.json"), "--config", str(CONFIG))
    (found,) = report["input_findings"]
    assert found["code"] == "reply-url-mismatch" and "(AADSTS50011)" in found["message_text"]
    assert "its Reply URLs: https://sonar.example.com/oauth2/callback/saml/;" in found["message_text"]


def test_an_entra_app_without_the_sp_entity_id_is_aadsts700016():
    report = _report("check", str(EXPORTS / "entra-manifest-default-identifier.json"), "--config", str(CONFIG))
    (found,) = report["input_findings"]
    assert found["code"] == "app-not-found" and "AADSTS700016" in found["message_text"]
    assert found["hint"] == ("Make 'sonarqube' the app's Identifier URI in Entra ID, or set "
                             "sonar.auth.saml.applicationId to its own.")


def test_an_okta_app_that_matches_has_no_finding():
    report = _report("check", str(EXPORTS / "okta-app-sonarqube.json"), "--config", str(CONFIG))
    assert report["inputs"][0]["kind"] == "idp-config:okta" and _found(report) == []


def test_an_okta_app_posting_elsewhere_and_missing_statements():
    report = _report("check", str(EXPORTS / "okta-app-misconfigured.json"), "--config", str(CONFIG))
    assert _found(report) == [("acs-path-wrong", "error"), ("login-attribute-missing", "error"),
                              ("name-attribute-missing", "error")]  # (its Recipient is its SSO URL: said once)
    texts = {f["code"]: f["message_text"] for f in report["input_findings"]}
    assert "its Single sign-on URL: https://sonar.example.com/oauth2/callback;" in texts["acs-path-wrong"]
    assert "(they send: email, firstName, groups)" in texts["login-attribute-missing"]


def test_an_okta_audience_not_the_sp_entity_id_is_audience_mismatch():
    report = _report("check", str(EXPORTS / "okta-app-other-audience.json"), "--config", str(CONFIG))
    (found,) = report["input_findings"]
    assert found["code"] == "audience-mismatch" and "Audience URI (SP Entity ID): 'https://sonar.example.com'" in \
        found["message_text"]


def test_an_okta_destination_set_apart_from_its_sso_url(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "fixtures"))
    import gen_idpconfig52

    app = gen_idpconfig52.okta_app("sonarqube", "https://sonar.example.com/oauth2/callback/saml", ["login", "name"],
                                   destination="https://old-sonar.example.com/oauth2/callback/saml")
    (tmp_path / "okta.json").write_text(json.dumps(app))
    report = _report("check", str(tmp_path / "okta.json"), "--config", str(CONFIG))
    assert [c for c, _ in _found(report)] == ["destination-mismatch", "email-missing"]
