"""An SP that is not SonarQube: its fix names the setting in the product's words once."""
from samlscan.correlate.attempts import _other_sp_fix


def test_a_fix_naming_the_products_setting_is_not_given_it_twice():
    fix = "Set the IdP certificate the SP trusts (idp.x509cert or x509certMulti) to the IdP's signing certificate."
    got = _other_sp_fix(fix, "signature-invalid", "python3-saml")
    assert got.count("idp.x509cert") == 1 and "settings.json" not in got


def test_a_fix_that_does_not_name_it_gets_the_products_setting():
    got = _other_sp_fix("Put the IdP's current signing certificate in the SP's settings.", "signature-invalid",
                        "python3-saml")
    assert got.endswith("(python3-saml settings.json: idp.x509cert).")
