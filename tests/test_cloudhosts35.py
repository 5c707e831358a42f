"""config.urls.is_cloud: SonarQube Cloud's hosts, however a URL spells them, and only them."""
import pytest

from samlscan.config.urls import is_cloud


@pytest.mark.parametrize("url", ["https://sonarcloud.io/sso/saml2/acs", "https://SonarCloud.IO/x",
                                 "https://sonarcloud.io./x", "https://sonarqube.us./x", "https://api.sonarqube.us/x"])
def test_clouds_hosts_are_cloud(url):
    assert is_cloud(url)


@pytest.mark.parametrize("url", [None, "", "https://evil-sonarcloud.io/x", "https://sonarcloud.io.evil.com/x",
                                 "https://sonar.example.com/oauth2/callback/saml", "https://[x", "sonarcloud.io"])
def test_other_hosts_and_no_url_are_not(url):
    assert not is_cloud(url)
