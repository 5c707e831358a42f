"""Review 15: what the last hour's merges still got wrong."""
from __future__ import annotations

import pytest

from samlscan.config import SONAR_IN_DATABASE, ConfigError, load_sonar_settings


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
