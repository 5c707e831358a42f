"""Fixes that name where in the attempt's IdP product to act (codes.IDP_WHERE), one wrong ACS said
once, and Shibboleth's error page in a capture (support cases 13 and 14)."""
from __future__ import annotations

import base64
import json

from case_util import ROOT, scan_case

from samlscan.checks import protocol
from samlscan.checks.base import issuer_product
from samlscan.flows import find_idp_error
from samlscan.model import Finding, Severity

CASE13, CASE14 = ROOT / "tests" / "data" / "case13", ROOT / "tests" / "data" / "case14"
ZONE13 = "idp-process.log=Europe/Amsterdam"


def _case14() -> dict:
    return scan_case(CASE14, "UTC", "--sonar-settings", str(CASE14 / "sonar.properties"))


def _findings(doc: dict, code: str) -> list[dict]:
    return [f for m in doc["messages"] for f in m["findings"] if f["code"] == code]


def test_default_issuers_name_simplesamlphp_keycloak_and_adfs():
    assert issuer_product("https://idp.corp.example/simplesaml/module.php/saml/idp/metadata") == "simplesamlphp"
    assert issuer_product("https://idp.example.org/simplesaml/saml2/idp/metadata.php") == "simplesamlphp"
    assert issuer_product("https://sso.example.org/saml2/idp/metadata.php") == "simplesamlphp"
    assert issuer_product("https://keycloak.mydomain.dev/realms/master") == "keycloak"
    assert issuer_product("http://localhost:8080/auth/realms/master") == "keycloak"
    assert issuer_product("http://fs.corp.example/adfs/services/trust") == "adfs"
    assert issuer_product("https://sso.example.org/saml2/idp") is None


def test_sha1_from_simplesamlphp_names_its_signature_algorithm_setting():
    hints = {f["hint"] for f in _findings(_case14(), "signature-weak-algorithm")}
    assert hints and all("SimpleSAMLphp: signature.algorithm" in h and "saml20-sp-remote.php" in h
                         and "xmldsig-more#rsa-sha256" in h for h in hints)
    assert not any("AD FS" in h or "Keycloak" in h for h in hints)  # the attempt's IdP's clause only


def test_wrong_acs_at_simplesamlphp_is_one_error_naming_its_setting():
    """Login (b): the IdP fell back to a stale AssertionConsumerService, so Destination and
    Recipient name the same wrong URL: one destination-mismatch saying both, at the IdP's setting."""
    doc = _case14()
    dest = _findings(doc, "destination-mismatch")
    assert len(dest) == 1 and not _findings(doc, "recipient-mismatch")
    assert "Recipient names the same URL" in dest[0]["message_text"]
    assert "SimpleSAMLphp: the AssertionConsumerService" in dest[0]["hint"]
    lena = next(a for a in doc["attempts"] if a["root_cause"] == "destination-mismatch")
    assert "SimpleSAMLphp: the AssertionConsumerService" in lena["fix"]


def _f(code: str, actual: str, ref: str = "#1") -> Finding:
    return Finding(code, Severity.ERROR, f"{code} text", "https://sp/acs", actual, None, None, ref)


def test_fold_keeps_a_recipient_that_names_another_url():
    dest, same, other = (_f("destination-mismatch", "https://old/acs"), _f("recipient-mismatch", "https://old/acs"),
                         _f("recipient-mismatch", "https://third/acs"))
    folded = protocol.fold_recipient([dest, same, other])
    assert [f.code for f in folded] == ["destination-mismatch", "recipient-mismatch"]
    assert folded[1] is other and "Recipient names the same URL" in folded[0].message_text
    assert protocol.fold_recipient([same]) == [same]  # the Recipient check alone still reports it


def _har_body(name: str, index: int) -> tuple[str, str, int]:
    entry = json.loads((CASE13 / name).read_text())["log"]["entries"][index]
    content = entry["response"]["content"]
    text = content.get("text", "")
    if content.get("encoding") == "base64":
        text = base64.b64decode(text).decode("utf-8", "replace")
    return text, entry["request"]["url"], entry["response"]["status"]


def test_shibboleth_error_page_in_a_har_is_the_idps_error():
    doc = json.loads((CASE13 / "chrome-sonar.har").read_text())
    pages = [i for i, e in enumerate(doc["log"]["entries"])
             if "Unsupported Request" in e["response"]["content"].get("text", "")]
    assert pages
    err = find_idp_error(*_har_body("chrome-sonar.har", pages[0]))
    assert err is not None and err.product == "shibboleth" and "Unsupported Request" in err.message


def test_case13_cara_leg_joins_the_idp_log_as_app_not_found():
    doc = scan_case(CASE13, ZONE13, "--sonar-settings", str(CASE13 / "sonar.properties"))
    cara = [a for a in doc["attempts"] if a["root_cause"] == "app-not-found"]
    assert len(cara) == 1
    inputs = {e["input"].rsplit("/", 1)[-1] for e in cara[0]["evidence"]}
    assert inputs == {"chrome-sonar.har", "idp-process.log"} and cara[0]["idp_name"].startswith("Shibboleth (")


def test_a_fix_naming_the_idps_place_already_gets_no_second_clause():
    """Okta's own catalog fix says 'in Okta (Applications > the app > Assignments)': IDP_WHERE's 'Okta:
    Applications > the app > Assignments > Assign to People ...' after it said the place twice (ux43)."""
    from samlscan.catalog import with_idp_part
    from samlscan.codes import IDP_WHERE

    named = "Assign the user (or one of their groups) to the application in Okta (Applications > the app > Assignments)."
    assert with_idp_part(named, IDP_WHERE["user-not-assigned"], "okta") == named
    for bare in ("Assign the user to the application.", "Assign the user to the application in Okta."):
        assert with_idp_part(bare, IDP_WHERE["user-not-assigned"], "okta") == \
            bare.rstrip(".") + "; Okta: Applications > the app > Assignments > Assign to People or Assign to Groups."
