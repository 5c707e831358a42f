"""Fuzzing round 23: hostile input on the day's new code (SONAR_* environment variables of a
docker-compose.yml or env_file, the clocks of many captures sharing an AuthnRequest, Traefik's access
log, Docker's 16 KiB parts). Every input ends with a finding or a skip, no traceback; time is judged by
growth between two sizes (tests/growth_util.py), never as an absolute time."""
from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from growth_util import assert_linear

from samlscan.config.sonar import env_settings


# --- config/sonar.py env_settings: values as the container gets them (config/envvalue.py) -------------------

@pytest.mark.parametrize("text, key, want", [
    # a quoted YAML value with a comment after it (the old reader kept the quotes: '"true"')
    ('environment:\n  SONAR_AUTH_SAML_ENABLED: "true" # SAML on\n', "sonar.auth.saml.enabled", "true"),
    ("environment:\n  SONAR_AUTH_SAML_ENABLED: 'true'  # on\n", "sonar.auth.saml.enabled", "true"),
    # a list item quoted whole (the old reader kept the closing quote: 'true"')
    ('environment:\n  - "SONAR_AUTH_SAML_ENABLED=true"\n', "sonar.auth.saml.enabled", "true"),
    ("environment:\n  - 'SONAR_AUTH_SAML_APPLICATIONID=sonar # qube'\n", "sonar.auth.saml.applicationId",
     "sonar # qube"),
    # YAML escapes in double quotes, '' in single quotes
    ('SONAR_AUTH_SAML_PROVIDERNAME: "Okta \\"prod\\""\n', "sonar.auth.saml.providerName", 'Okta "prod"'),
    ("SONAR_AUTH_SAML_PROVIDERNAME: 'Bob''s IdP'\n", "sonar.auth.saml.providerName", "Bob's IdP"),
    # an anchor and its alias (YAML 1.2.2 7.1; the old reader gave '&on true' and '*on')
    ("x:\n  SONAR_AUTH_SAML_ENABLED: &on true\n  SONAR_AUTH_SAML_SIGNATURE_ENABLED: *on\n",
     "sonar.auth.saml.signature.enabled", "true"),
    ("x:\n  SONAR_AUTH_SAML_ENABLED: &on true\n  SONAR_AUTH_SAML_SIGNATURE_ENABLED: *on\n",
     "sonar.auth.saml.enabled", "true"),
    # a '#' inside a value is no comment; ' #' after an unquoted one is
    ("SONAR_AUTH_SAML_LOGINURL=https://idp.example/sso#saml\n", "sonar.auth.saml.loginUrl",
     "https://idp.example/sso#saml"),
    ("SONAR_AUTH_SAML_LOGINURL: https://idp.example/sso # the IdP\n", "sonar.auth.saml.loginUrl",
     "https://idp.example/sso"),
    # CRLF, export, a list item
    ("export SONAR_AUTH_SAML_PROVIDERID=https://idp.example\r\nexport FOO\r\n", "sonar.auth.saml.providerId",
     "https://idp.example"),
    ("    - SONAR_AUTH_SAML_PROVIDERID=https://idp.example\n", "sonar.auth.saml.providerId", "https://idp.example"),
])
def test_an_environment_value_is_what_the_container_gets(text, key, want):
    assert env_settings(text).get(key) == want, env_settings(text)


def test_a_block_scalar_value_is_its_lines_not_its_indicator():
    """Fails on the old code: `SONAR_AUTH_SAML_CERTIFICATE_SECURED: |` gave the certificate '|' (YAML
    1.2.2 8.1: the value is the more indented lines below); '>' folds them, '-' drops the last line end."""
    body = ["MIIBszCCARygAwIBAgIUTEST", "ONLYabcdef0123456789"]
    for style, want in (("|", "\n".join(body) + "\n"), ("|-", "\n".join(body)), (">-", " ".join(body))):
        text = ("services:\n  sonarqube:\n    environment:\n"
                f"      SONAR_AUTH_SAML_CERTIFICATE_SECURED: {style}\n"
                + "".join(f"        {b}\n" for b in body)
                + "\n      SONAR_AUTH_SAML_ENABLED: \"true\"\n")
        got = env_settings(text)
        assert got.get("sonar.auth.saml.certificate.secured") == want, (style, got)
        assert got.get("sonar.auth.saml.enabled") == "true", got


def test_an_alias_of_no_anchor_and_a_variable_without_value_set_nothing():
    assert env_settings("SONAR_AUTH_SAML_ENABLED: *nowhere\nexport SONAR_AUTH_SAML_PROVIDERID\n") == {}


def test_env_settings_grow_linearly_with_hostile_lines():
    """100,000 lines of every shape above (block scalars, anchors, quotes, unicode keys, '#')."""
    shapes = ['SONAR_AUTH_SAML_ENABLED: "tr#ue" # c', "- 'SONAR_AUTH_SAML_APPLICATIONID=a''b'",
              "SONAR_AUTH_SAML_CERTIFICATE_SECURED: >+\n  a\n\n  b", "ÜSONAR_AUTH_SAML_ENABLED: x",
              "SONAR_AUTH_SAML_USER_LOGIN: &a" + " x" * 20, "SONAR_AUTH_SAML_USER_NAME: *a",
              'SONAR_AUTH_SAML_USER_EMAIL: "' + "\\" * 41, "export SONAR_AUTH_SAML_GROUP_NAME"]
    make = lambda n: "\r\n".join(shapes[i % len(shapes)] for i in range(n))  # noqa: E731
    assert_linear(env_settings, make, 25_000)
