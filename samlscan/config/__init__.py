"""What the SP expects: from flags, a TOML file, IdP metadata and SonarQube's own settings.

Precedence (highest first): command-line flags, the TOML file, SonarQube settings, IdP metadata.

Modules, lowest first (each imports only those above it):
- urls: what an SP's URL tells (SonarQube's ACS path, SonarQube Cloud, Keycloak broker and realm).
- names: the SP's settings in each product's own words (SonarQube Server and Cloud, other SPs).
- model: Expectations, the SP's side of the contract, and the SP profiles.
- files: reading a settings file's bytes and text; the keys a settings layer gives (NO_CERT, PINNED).
- times: --at and the logs' --timezone values.
- metadata: IdP metadata (entityID, certificates, SSO URLs) and aggregates of several IdPs.
- sysinfo: SonarQube's System Info file (api/system/info): its sections, version, cluster nodes.
- sonar: SonarQube's sonar.properties, api/settings/values JSON and System Info file.
- python3saml: python3-saml / php-saml settings.json.
- kinds: which settings file a file is, by its first bytes.
- tomlfile: finding and reading samlscan.toml.
- trust: the IdP certificates the SP holds; an aggregate's IdP by a message's Issuer.
- merge: build, the Expectations from all of the above.
"""
from __future__ import annotations

from samlscan.config.files import NO_CERT, PINNED
from samlscan.config.kinds import SETTINGS_KINDS, settings_kind
from samlscan.config.merge import build
from samlscan.config.metadata import (METADATA_KEY, aggregate_entities, aggregate_idp, aggregate_size,
                                      load_idp_metadata, rename_aggregate)
from samlscan.config.model import DEFAULT_SKEW, PROFILES, Expectations
from samlscan.config.names import (CLOUD_GIVEN, CLOUD_SETTING_NAMES, GENERIC_SETTING_NAMES, OTHER_SP_SETTING_NAMES,
                                   SONAR_SETTING_NAMES, other_sp_setting)
from samlscan.config.python3saml import load_python3_saml_settings
from samlscan.config.sonar import (LINE_START, SERVER_SONAR_LINE, SONAR_CERT, SONAR_IN_DATABASE, SONAR_SAML_LINE,
                                   load_sonar_settings, parse_properties)
from samlscan.config.times import parse_at
from samlscan.config.tomlfile import env_config_path, find_config
from samlscan.config.trust import for_issuer, listed_certs
from samlscan.config.urls import (SONAR_ACS_PATH, is_cloud, is_sonarqube_acs, keycloak_broker, keycloak_realm,
                                  made_for_cloud, on_sonarqube_acs_path)
from samlscan.errors import ConfigError  # (imported from here by callers that read settings)

__all__ = [
    "CLOUD_GIVEN", "CLOUD_SETTING_NAMES", "DEFAULT_SKEW", "GENERIC_SETTING_NAMES", "LINE_START", "METADATA_KEY",
    "NO_CERT", "OTHER_SP_SETTING_NAMES", "PINNED", "PROFILES", "SERVER_SONAR_LINE", "SETTINGS_KINDS",
    "SONAR_ACS_PATH", "SONAR_CERT", "SONAR_IN_DATABASE", "SONAR_SAML_LINE", "SONAR_SETTING_NAMES", "ConfigError",
    "Expectations", "aggregate_entities", "aggregate_idp", "aggregate_size", "build", "env_config_path",
    "find_config", "for_issuer", "is_cloud", "is_sonarqube_acs", "keycloak_broker", "keycloak_realm",
    "listed_certs", "load_idp_metadata", "load_python3_saml_settings", "load_sonar_settings", "made_for_cloud",
    "on_sonarqube_acs_path", "other_sp_setting", "parse_at", "parse_properties", "rename_aggregate", "settings_kind",
]
