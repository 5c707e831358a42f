"""A logged Destination refusal whose two URLs differ only in a base path is the SP's URL, not a stale
ACS entry at the IdP (nextcloud/user_saml#215, fixtures/audit41); of a text the OneLogin toolkits share,
the product's own engine's entry is the one read (Nextcloud runs php-saml)."""
import pytest

from samlscan.catalog import lookup
from samlscan.checks.protocol import acs_path_apart, base_path_apart

RECEIVED = ("The response was received at http://localhost/acs instead of "
            "http://localhost/server/index.php/apps/user_saml/saml/acs")


@pytest.mark.parametrize("want, got, base", [
    ("http://localhost/acs", "http://localhost/server/index.php/apps/user_saml/saml/acs", True),
    ("https://h/sonar/oauth2/callback/saml", "https://h/oauth2/callback/saml/", True),
    ("https://sp/module.php/saml/sp/saml2-acs.php/default-sp", "https://sp/wrong/acs", False),
    ("https://sp/acs", "https://sp/backup-acs", False),  # (a path that merely ends with the same letters)
    ("https://sp/acs", "https://sp/acs/", False),  # (the same path)
    ("https://sp/", "https://sp/acs", False),  # (the root is no route)
])
def test_a_base_path_apart_is_one_route_under_two_bases(want, got, base):
    assert base_path_apart(want, got) is base
    assert acs_path_apart(want, got) or not base


def test_a_text_every_onelogin_toolkit_writes_is_read_as_the_products_engines():
    assert lookup(RECEIVED, "nextcloud").product == "php-saml"
    assert lookup(RECEIVED, "php-saml").product == "php-saml"
    assert lookup(RECEIVED).product == "java-saml"  # (no context: SonarQube's engine first, as before)
