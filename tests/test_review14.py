"""Review of the day's work (review14): inferences that fired where they should not, on real shapes.
Responses are built with samlgen and signed for real (the test IdP key)."""
from __future__ import annotations

import json

import sys
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import generate as GEN  # noqa: E402
from samlgen import build as B  # noqa: E402
from samlgen import signer  # noqa: E402
from test_external_shapes import DEFAULT, A, analyze, by_code  # noqa: E402


def _renamed(names: dict[str, str], style=GEN.OKTA) -> bytes:
    """A signed response whose attributes are renamed as `names` says (old Name -> new Name) and
    listed in that order, before the others."""
    root = B.build_response(GEN.response("renamed-" + "-".join(sorted(names)), style), style)
    attrs = {a.get("Name"): a for a in root.iter(A + "Attribute")}
    for i, (old, new) in enumerate(names.items()):
        attr = attrs[old]
        attr.set("Name", new)
        attr.getparent().insert(i, attr)
    signer.template_for(root, style)
    signer.sign_all(root, GEN.IDP)
    return etree.tostring(root)


# --- sonar.auth.saml.user.login=email: the email under another name is the one to point at -----------

def test_an_email_login_setting_points_at_the_mail_attribute_not_the_uid_before_it():
    """Shibboleth's attribute-resolver sends uid and mail (eduPerson / inetOrgPerson OIDs), in
    whatever order its attribute filter lists them. With the SP's login attribute 'email', the
    attribute to point it at is mail (the same information under another name), not uid: samlscan
    took the first alias in the assertion's order, so a uid before mail was named."""
    data = _renamed({"login": "urn:oid:0.9.2342.19200300.100.1.1",  # uid, first in the assertion
                     "email": "urn:oid:0.9.2342.19200300.100.1.3"})  # mail
    expect = replace(DEFAULT, profile="generic", login_attribute="email", email_attribute="email")
    res = analyze(data, expect)
    assert all(s.verified for s in res.message.signatures)
    (f,) = by_code(res, "login-attribute-missing")
    assert f.actual == "urn:oid:0.9.2342.19200300.100.1.3", f.message_text


# --- a properties file without SAML lines: which file it is -----------------------------------------

# the sample sonar-project.properties of SonarQube's SonarScanner docs
# (docs.sonarqube.org/latest/analysis/scan/sonarscanner/, copied into many READMEs): a scanner's file
SCANNER_PROPERTIES = """# must be unique in a given SonarQube instance
sonar.projectKey=my:project

# --- optional properties ---

# defaults to project key
#sonar.projectName=My project
# defaults to 'not provided'
#sonar.projectVersion=1.0

# Path is relative to the sonar-project.properties file. Defaults to .
#sonar.sources=.

# Encoding of the source code. Default is default system encoding
#sonar.sourceEncoding=UTF-8
"""
# a server's conf/sonar.properties in use: the stock file's commented lines and the database set
# (SonarQube's install docs: sonar.jdbc.username/password/url are the lines every install sets)
SERVER_PROPERTIES = """# DATABASE
sonar.jdbc.username=sonarqube
sonar.jdbc.password=changeit
sonar.jdbc.url=jdbc:postgresql://db.corp.example/sonarqube
#sonar.jdbc.maxActive=60
# WEB SERVER
#sonar.web.host=0.0.0.0
#sonar.web.context=
#sonar.web.port=9000
"""


def _skip_reason(tmp_path: Path, name: str, text: str) -> str:
    from click.testing import CliRunner

    from samlscan.cli import main

    (tmp_path / name).write_text(text)
    res = CliRunner().invoke(main, ["check", str(tmp_path / name), "--format", "json"])
    (f,) = json.loads(res.stdout)["input_findings"]
    return f["message_text"]


def test_a_scanners_sonar_project_properties_is_not_called_the_servers_settings(tmp_path):
    """Its four commented sonar. lines made it 'SonarQube's sonar.properties with every sonar. line
    commented out', though its sonar.projectKey is set and a scanner's file holds no server setting."""
    why = _skip_reason(tmp_path, "sonar-project.properties", SCANNER_PROPERTIES)
    assert "sonar.properties" not in why.replace("sonar-project.properties", "")
    assert "commented out" not in why


def test_a_sonar_properties_in_use_is_not_said_all_commented_out(tmp_path):
    """An install's sonar.properties sets its database: 'every sonar. line commented out' was false;
    the point (SAML is set in the UI, kept in the database) stays."""
    why = _skip_reason(tmp_path, "sonar.properties", SERVER_PROPERTIES)
    assert "commented out" not in why
    assert "without a sonar.auth.saml. setting" in why and "api/settings/values" in why


def test_a_sonar_properties_in_use_given_as_settings_says_where_saml_is_kept(tmp_path):
    """Given with --sonar-settings, its database lines made it SonarQube's settings with every SAML
    default (the SP entity ID 'sonarqube', no certificate: every trust check skipped, an Audience
    set in the UI a mismatch); with no line set, it said 'every sonar. line commented out'."""
    from samlscan.config import build
    from samlscan.errors import ConfigError

    path = tmp_path / "sonar.properties"
    for text in (SERVER_PROPERTIES, "sonar.jdbc.username=sonarqube\nsonar.jdbc.url=jdbc:h2:tcp://localhost\n"):
        path.write_text(text)
        with pytest.raises(ConfigError) as err:
            build({"sonar_settings": str(path)}, None)
        assert "commented out" not in str(err.value) and "in its database" in str(err.value)


# --- Keycloak's admin events: a client scope's SAML mapper changes every client's assertion ---------

def test_a_change_to_a_client_scopes_saml_mapper_is_a_timeline_note():
    """Keycloak's SAML clients take role_list's 'role list' mapper from the client scope (realm >
    Client scopes > role_list > Mappers); turning its 'Single Role Attribute' on or off changes every
    SAML client's Role attributes. Its admin event (resourceType PROTOCOL_MAPPER, resourcePath
    client-scopes/{id}/protocol-mappers/models/{id}: keycloak's AdminEventPaths
    .clientScopeProtocolMapperPath, as its ClientScopeProtocolMapperTest asserts) was plain info,
    as a client's own mapper was a note; an OIDC scope's mapper stays info."""
    from test_kcflows import _admin, _read

    from samlscan.logs.base import TIMELINE_NOTE

    where = "client-scopes/1c0f/protocol-mappers/models/9a2e"
    saml = json.dumps({"name": "role list", "protocol": "saml", "protocolMapper": "saml-role-list-mapper",
                       "config": {"single": "true", "attribute.name": "Role"}})
    (ev,) = _read([_admin(resourceType="PROTOCOL_MAPPER", resourcePath=where, representation=saml)])
    assert ev.raw_code == TIMELINE_NOTE and "client scope 1c0f" in ev.text
    oidc = json.dumps({"name": "full name", "protocol": "openid-connect", "protocolMapper": "oidc-full-name-mapper"})
    (other,) = _read([_admin(resourceType="PROTOCOL_MAPPER", resourcePath=where, representation=oidc)])
    assert other.raw_code is None


def test_an_attribute_named_user_email_by_another_idp_gets_no_okta_advice():
    # 'user.email' is Okta's expression typed as a Name only in an Okta assertion (its Issuer
    # http://www.okta.com/...): another IdP may name an attribute so, and has no Attribute Statements
    data = _renamed({"email": "user.email"})
    expect = replace(DEFAULT, profile="generic", login_attribute="email", email_attribute="email")
    res = analyze(data, expect)
    assert res.message.issuer and "okta" not in res.message.issuer
    (f,) = by_code(res, "login-attribute-missing")
    assert f.actual == "user.email" and "Okta" not in f.message_text and "Okta" not in (f.hint or "")
