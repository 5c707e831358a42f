"""SonarQube Cloud gives its SP entity ID and ACS URL: fixes do not ask its customer to set them."""
from __future__ import annotations

import json

from click.testing import CliRunner

from samlscan.cli import main

CLOUD_ACS = "https://sonarcloud.io/oauth2/callback/saml"


def test_cloud_audience_fix_does_not_ask_to_change_clouds_own_identity_id():
    """SonarQube Cloud's setup assistant gives its Service Provider Identity ID to copy into the IdP
    (docs.sonarsource.com/sonarqube-cloud, 'Using the setup assistant', step 1): a customer cannot
    set it, so 'or set the Service Provider Identity ID ... to <the Audience>' was an impossible fix."""
    res = CliRunner().invoke(main, ["check", "fixtures/responses/defects/audience-mismatch.xml",
                                    "--sp-entity-id", "sonarqube", "--acs-url", CLOUD_ACS, "--format", "jsonl",
                                    "--fail-on", "never"])
    found = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    hints = [f["hint"] for f in found if f.get("code") == "audience-mismatch"]
    assert hints and all("Service Provider Identity ID" not in h for h in hints)
    assert all("Identifier (Entity ID) to sonarqube" in h for h in hints)
