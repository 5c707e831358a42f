"""Correlation causes and fixes that depend on the settings samlscan was given (branch corrfix)."""
from __future__ import annotations

# --- a check's hint beside the catalog's IdP console path ------------------------------------------

def test_the_missing_login_attribute_with_the_folders_settings_still_says_where_in_googles_console():
    """case 9's 09:12 login (Google Workspace; SonarQube's 'email is missing'): with the folder's
    sonar.properties and metadata read, the check of the logged response names the exact claim and
    setting ('add the claim 'email' ... or set sonar.auth.saml.user.login'), and that hint replaced the
    catalog's fix, losing where Google's admin acts (the SAML app's Attribute mapping). Both now."""
    from case_util import ROOT, scan_case

    doc = scan_case(ROOT / "tests" / "data" / "case9", "Europe/Berlin")
    (a,) = [a for a in doc["attempts"] if a["time"] == "2025-09-16T09:12:02Z"]
    assert (a["root_cause"], a["side"]) == ("login-attribute-missing", "idp")
    assert "'email'" in a["fix"] and "sonar.auth.saml.user.login" in a["fix"]
    assert "Google Workspace: the SAML app's Attribute mapping" in a["fix"]
    assert "Okta" not in a["fix"] and "AD FS" not in a["fix"]  # only the attempt's own IdP


def test_a_fix_naming_several_idps_gives_each_its_own_clause():
    from samlscan.catalog import idp_part

    fix = "Send it (Google Workspace: the app's Attribute mapping; Okta: attribute statements), or set X."
    assert idp_part(fix, "google") == "Google Workspace: the app's Attribute mapping"
    assert idp_part(fix, "okta") == "Okta: attribute statements"
    assert idp_part(fix, "entra") is None and idp_part(fix, None) is None
