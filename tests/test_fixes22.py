"""fixes22: every catalog text gets a fix that says what to change, where. An entry without a fix of
its own shows its code's (codes.SPECS); that is only right when the code's fix is neither a
placeholder nor written for another product's settings."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from samlscan.catalog import entries
from samlscan.codes import SPECS
from samlscan.explain import explain_text

ROOT = Path(__file__).resolve().parent.parent

_PLACEHOLDERS = ("as the log message says", "Read the evidence lines", "Read the SP's stack trace")
"""Fixes that say nothing of what to change: sp-/idp-configuration-error's, unknown-failure's,
sp-internal-error's."""

_SONARQUBE_OWN = frozenset({"sonarqube", "java-saml", "spring", "opensaml"})
"""SonarQube Server and the engines whose texts it logs (catalog._FAMILY): its settings are theirs."""

_SONAR_SETTING = re.compile(r"sonar\.[a-z]|serverBaseURL|OAUTHSTATE")
_SONAR_ASIDE = re.compile(r"\s*\([^()]*SonarQube[^()]*\)")
"""A code's fix names SonarQube's settings as an example in an aside ('(SonarQube: sonar.auth...)'),
which an attempt of another SP drops (correlate.attempts._without_sonarqube); outside one, the
fix is written for SonarQube ('serve the SP over https with a consistent serverBaseURL')."""

ALLOWED: dict[tuple[str, str], str] = {}
"""(product, pattern) of an entry whose code's fix is right for it although the rule flags it, and why.
Empty: each flagged entry has a fix of its own."""


def _why_not_its_codes_fix(entry) -> str | None:
    fix = SPECS[entry.code].fix
    if any(p in fix for p in _PLACEHOLDERS):
        return "placeholder"
    if entry.product not in _SONARQUBE_OWN and _SONAR_SETTING.search(_SONAR_ASIDE.sub("", fix)):
        return "SonarQube's settings"
    return None


def _flagged():
    return [(e.product, e.pattern, why) for e in entries()
            if not e.fix and (why := _why_not_its_codes_fix(e)) and (e.product, e.pattern) not in ALLOWED]


def test_every_entry_without_a_fix_has_a_code_fix_that_fits_it():
    """69 entries showed 'Fix the SP's SAML settings as the log message says', 'Read the evidence
    lines' or 'Read the SP's stack trace', and Keycloak's and SimpleSAMLphp's lost cookies
    SonarQube's 'consistent serverBaseURL'."""
    assert _flagged() == []


def test_the_rule_flags_what_it_is_about():
    """(the test above cannot pass for want of candidates)"""
    flagged = [e for e in entries() if _why_not_its_codes_fix(e)]
    assert {e.code for e in flagged} >= {"idp-configuration-error", "sp-configuration-error", "unknown-failure",
                                         "sp-internal-error", "relaystate-cookie-missing"}
    assert all(e.fix for e in flagged if (e.product, e.pattern) not in ALLOWED)
    assert not any(_why_not_its_codes_fix(e) for e in entries()
                   if e.product == "sonarqube" and e.code == "relaystate-cookie-missing")  # (its own settings)


def test_allowlist_is_current():
    keys = {(e.product, e.pattern): e for e in entries()}
    for key, reason in ALLOWED.items():
        assert key in keys and reason and not keys[key].fix and _why_not_its_codes_fix(keys[key]), key


def test_a_fix_of_its_own_is_short_and_imperative():
    """One or two sentences, no placeholder, never another SP's settings."""
    for e in entries():
        if not e.fix:
            continue
        assert not any(p in e.fix for p in _PLACEHOLDERS), (e.product, e.pattern)
        if e.product not in _SONARQUBE_OWN | {"sonarqube-cloud"}:
            assert not _SONAR_SETTING.search(_SONAR_ASIDE.sub("", e.fix)), (e.product, e.pattern)


@pytest.mark.parametrize("text, product, words", [  # (product: whose text it is)
    ("State information lost", "simplesamlphp", ("session.cookie.samesite", "store.type")),
    ("client_disabled", "keycloak", ("Clients > the SAML client", "Enabled")),
    ("AADSTS50010", "entra", ("Basic SAML Configuration", "Identifier (Entity ID)")),
    ("AADSTS50003", "entra", ("SAML Certificates", "active")),
    ("relying_party_registration_not_found", "spring", ("/login/saml2/sso/{registrationId}",
                                                      "spring.security.saml2.relyingparty.registration.<id>")),
    ("The assertion of the Response is not encrypted and the SP require it", "python3-saml",
     ("security.wantAssertionsEncrypted",)),
    ("Identity provider certificate is missing", "sonarqube", ("sonar.auth.saml.certificate.secured",)),
    ("MSIS7042: The same client browser session has made '6' requests in the last '11' seconds.", "adfs",
     ("EnableLoopDetection",)),
    ("Missing Status on response", "java-saml", ("StatusCode", "SAML core 3.2.2")),
])
def test_explain_names_the_setting(text, product, words):
    out, found = explain_text(text)
    head = out.split("samlscan code:")[0]
    assert found and "Fix: " in head
    flat = " ".join(head.split())
    assert head.split()[0].rstrip(":") == product, (text, head.split()[0])
    for w in words:
        assert w in flat, (text, w)
    for p in _PLACEHOLDERS:
        assert p not in flat


def _check_json(path):
    run = subprocess.run([sys.executable, "-m", "samlscan", "check", "--format", "json", str(path)],
                         capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return json.loads(run.stdout)


_KC_EVENT = ("09:12:44,503 WARN  [org.keycloak.events] (default task-7) type=LOGIN_ERROR, realmId=corp, "
             "clientId=sonarqube, userId=null, ipAddress=192.0.2.15, error={error}, auth_method=saml\n")
"""A Keycloak event line as fixtures/logs/keycloak/server.log.2025-03-11 has them."""


def test_keycloak_lost_cookie_is_keycloaks_with_keycloaks_words(tmp_path):
    """It said side sp and 'serve the SP over https with a consistent serverBaseURL' (SonarQube's
    setting) for Keycloak's own AUTH_SESSION_ID cookie."""
    log = tmp_path / "server.log"
    log.write_text(_KC_EVENT.format(error="cookie_not_found"))
    (attempt,) = _check_json(log)["attempts"]
    assert attempt["root_cause"] == "relaystate-cookie-missing" and attempt["side"] == "idp"
    assert "--hostname" in attempt["fix"] and "serverBaseURL" not in attempt["fix"]


def test_keycloak_disabled_client_says_where_to_enable_it(tmp_path):
    log = tmp_path / "server.log"
    log.write_text(_KC_EVENT.format(error="client_disabled"))
    (attempt,) = _check_json(log)["attempts"]
    assert attempt["root_cause"] == "idp-configuration-error"
    assert "Enabled" in attempt["fix"] and "as the log message says" not in attempt["fix"]
