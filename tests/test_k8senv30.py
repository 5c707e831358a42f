"""SONAR_AUTH_SAML_* given in a Kubernetes container's `env` list (a Helm chart's values, a pod spec:
core/v1 EnvVar `- name:` / `value:`), read as SonarQube's settings (samlscan/config/envvalue.py,
samlscan/config/sonar.py); support case 30 found it unread."""
from __future__ import annotations

from samlscan.config.envvalue import env_entries
from samlscan.config.kinds import settings_kind
from samlscan.config.sonar import SONAR_SAML_ENV, env_settings

HELM = """env:
  - name: TZ
    value: Europe/Berlin
  - name: SONAR_AUTH_SAML_USER_EMAIL
    value: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"  # the claim
  - value: 'true'
    name: SONAR_AUTH_SAML_ENABLED
  - name: SONAR_AUTH_SAML_CERTIFICATE_SECURED
    valueFrom:
      secretKeyRef:
        name: sonar-saml
        key: value
  - name: SONAR_AUTH_SAML_GROUP_NAME
    value: |-
      groups
"""


def test_each_env_item_is_one_variable_whichever_key_comes_first():
    assert env_settings(HELM) == {
        "sonar.auth.saml.user.email": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "sonar.auth.saml.enabled": "true", "sonar.auth.saml.group.name": "groups"}


def test_a_value_from_a_secret_gives_no_value_and_no_stray_pair():
    got = dict(env_entries(HELM))
    assert "SONAR_AUTH_SAML_CERTIFICATE_SECURED" not in got and got["TZ"] == "Europe/Berlin"


def test_the_kubernetes_form_is_recognised_as_settings():
    assert SONAR_SAML_ENV.search(HELM) and settings_kind(HELM.encode()) == "sonar_settings"
    assert SONAR_SAML_ENV.search("  - name: SONAR_AUTH_SAML_ENABLED # on\n")
    assert not SONAR_SAML_ENV.search("  - name: SONAR_AUTH_SAML_ENABLED_NOTE is a word\n")
    assert not SONAR_SAML_ENV.search("  - name: TZ\n    value: SONAR_AUTH_SAML_ENABLED\n")


def test_compose_forms_are_read_as_before():
    text = 'environment:\n  - SONAR_AUTH_SAML_ENABLED=true\n  SONAR_AUTH_SAML_USER_LOGIN: "login"\n  name: x\n'
    assert env_settings(text) == {"sonar.auth.saml.enabled": "true", "sonar.auth.saml.user.login": "login"}
