"""More IdP products told by their default Issuer (checks.base._IDP_ISSUERS), each with its own clause
in the fixes (codes.IDP_WHERE): Oracle Access Manager, authentik, ForgeRock AM, WSO2 Identity Server,
Cloudflare Access and SPID's IdPs; Shibboleth's, Entra's and PingOne's other Issuer shapes; and other
SPs' settings in their own words (config.OTHER_SP_SETTING_NAMES): OpenSAML, ruby-saml, crewjam/saml,
gosaml2, pysaml2, node-saml, Sustainsys.Saml2, ITfoxtec and Salesforce, whose fixes ended in generic
words ('the SP's entity ID').

Responses are made by fixtures/samlgen with each product's Issuer (Response and Assertion), signed for
real with the TEST-ONLY IdP key and judged with that Issuer as the IdP entity ID, so the only errors are
the ones each test makes. Each Issuer is one seen in real responses or the product's documentation
(see the comments of checks.base._IDP_ISSUER_FORMS)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.catalog import IDP_NAMES, idp_part
from samlscan.checks.base import issuer_product
from samlscan.checks.request import issuer_lookup_idp
from samlscan.cli import main
from samlscan.codes import IDP_WHERE
from samlscan.config.names import GENERIC_SETTING_NAMES, OTHER_SP_SETTING_NAMES, other_sp_setting
from samlscan.correlate.attempts import _other_sp_fix

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES))
import generate as GEN  # noqa: E402
from test_idpnames21 import _check, _response  # noqa: E402  (a response the Issuer signed, the TEST-ONLY key)

ISSUERS = {
    # a real OAM response's NameQualifier (host:port), and gosaml2's own OAM test data
    "oracle-oam": "https://deaoam-dev02.jpl.nasa.gov:14101/oam/fed",
    "authentik": "authentik",
    "forgerock": "http://openam.example.com:8080/openam",
    "wso2": "localhost",
    "cloudflare": "https://team.cloudflareaccess.com/cdn-cgi/access/sso/saml/"
                  "b3f58a2b414e0b51d45c8c2af26fccca0e27c63763c426fa52f98dcf0b3b3bfd",
    "spid": "https://spid-testenv2:8088",
}
"""One default Issuer of each newly told product."""

MORE_SHAPES = {
    "https://am.example.com/am": "forgerock",  # AM 7's deployment path
    "https://login.example.com:7777/oam/fed/": "oracle-oam",
    "https://acme.cloudflareaccess.com": "cloudflare",
    "https://posteid.poste.it": "spid",
    "https://identity.infocert.it": "spid",
    "https://id.lepida.it/idp/shibboleth": "spid",  # a SPID IdP that runs Shibboleth
    "http://idp.example.org:8080/idp/shibboleth": "shibboleth",
    "https://idp.example.org/idp/shibboleth/": "shibboleth",
    "https://login.microsoftonline.com/0a7af83d-4ed9-4510-93cd-506fe835f69a/v2.0": "entra",
    "https://login.microsoftonline.us/0a7af83d-4ed9-4510-93cd-506fe835f69a/v2.0": "entra",
    "https://auth.pingone.ca/0a7af83d-4ed9-4510-93cd-506fe835f69a": "pingone",
    "https://auth.pingone.asia/0a7af83d-4ed9-4510-93cd-506fe835f69a": "pingone",
    "https://auth.pingone.com.au/0a7af83d-4ed9-4510-93cd-506fe835f69a": "pingone",
}
"""Other shapes the products' Issuers take (each read as no product, or another, before)."""

LOOK_ALIKES = (
    "https://evil.example/oam/fed/extra",
    "https://team.cloudflareaccess.com.evil.example",
    "https://evil.example/team.cloudflareaccess.com/cdn-cgi/access/sso/saml/abc",
    "https://posteid.poste.it.evil.example",
    "https://evil.example/posteid.poste.it",
    "authentik.evil.example",
    "localhost.evil.example",
    "https://evil.example/am/extra",
    "https://login.microsoftonline.com/not-a-tenant/v2.0",
    "https://login.microsoftonline.com.evil.example/0a7af83d-4ed9-4510-93cd-506fe835f69a/v2.0",
    "https://auth.pingone.evil/0a7af83d-4ed9-4510-93cd-506fe835f69a",
    "ftp://idp.example.org/idp/shibboleth",
)

CLAUSE_CODES = ("email-missing", "destination-mismatch", "signature-cert-mismatch", "audience-mismatch",
                "user-not-assigned")
"""Where the admin releases an attribute, fixes the ACS URL, gives the signing certificate, sets the
SP entity ID (Audience) and lets a user in."""
NO_ASSIGNMENT = {("oracle-oam", "user-not-assigned"), ("spid", "user-not-assigned")}
"""Products with no per-application assignment: OAM's federation admits whom its authentication policy
does, a SPID IdP every citizen with an identity."""


@pytest.mark.parametrize("product", sorted(ISSUERS))
def test_each_default_issuer_names_its_product(product):
    assert issuer_product(ISSUERS[product]) == product


@pytest.mark.parametrize("issuer", sorted(MORE_SHAPES))
def test_other_issuer_shapes_name_their_product(issuer):
    assert issuer_product(issuer) == MORE_SHAPES[issuer]


@pytest.mark.parametrize("issuer", LOOK_ALIKES)
def test_look_alike_issuers_name_no_product(issuer):
    assert issuer_product(issuer) is None


@pytest.mark.parametrize("product", sorted(ISSUERS))
@pytest.mark.parametrize("code", CLAUSE_CODES)
def test_each_product_has_its_clause_for_each_fix(product, code):
    clause = idp_part(IDP_WHERE[code], product)
    if (product, code) in NO_ASSIGNMENT:
        assert clause is None
        return
    assert clause and clause.startswith(IDP_NAMES[product] + ": ") and len(clause) > 40, (product, code)


SHARED_SSO = {
    "https://ssodev2.jpl.nasa.gov/oamfed/idp/samlv20": "oracle-oam",
    "https://login.example.com:14101/oamfed/idp/samlv20?SAMLRequest=x": "oracle-oam",
    "https://idp.ssocircle.com:443/sso/SSORedirect/metaAlias/publicidp": "forgerock",
    "http://am.example.com:8080/openam/SSOPOST/metaAlias/sub/idp": "forgerock",
    "https://localhost:9443/samlsso": "wso2",
    "https://is.example.com/t/acme/samlsso?SAMLRequest=x": "wso2",
    "https://identity.infocert.it/spid/samlsso": None,  # SPID's InfoCert, not WSO2
    "https://evil.example/oamfed/idp/samlv20/extra": None,
    "https://evil.example/app/samlsso": None,
}
"""Shared SSO endpoints that choose the SP by the request's Issuer (checks.request._ISSUER_LOOKUP)."""


@pytest.mark.parametrize("url", sorted(SHARED_SSO))
def test_shared_sso_endpoints_name_their_product(url):
    assert issuer_lookup_idp(url) == SHARED_SSO[url]


def _run(args: list[str]) -> dict:
    res = CliRunner().invoke(main, [*args, "--config", str(FIXTURES / "config/default.toml"), "--format", "json",
                                    "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout)


CASES = {
    "audience-mismatch": {"audiences": ("https://other.example/sp",)},
    "email-missing": {"attributes": tuple(a for a in GEN.okta_attributes() if a.name != "email")},
}
"""What each generated response gets wrong: the Audience (the product's entity ID field), the email
attribute (where the product releases it)."""
JUDGED = [(ISSUERS[p], p, code) for p in sorted(ISSUERS) for code in CASES] + [
    (issuer, MORE_SHAPES[issuer], "email-missing") for issuer in
    ("http://idp.example.org:8080/idp/shibboleth",
     "https://login.microsoftonline.com/0a7af83d-4ed9-4510-93cd-506fe835f69a/v2.0")]


@pytest.mark.parametrize("issuer, product, code", JUDGED)
def test_a_signed_responses_fault_names_where_in_its_product_to_fix_it(tmp_path, issuer, product, code):
    found = _check(tmp_path, issuer, f"idps25-{code}-{product}", **CASES[code])
    (hit,) = [f for f in found if f["code"] == code]
    assert idp_part(IDP_WHERE[code], product) in hit["hint"]
    others = [n for p, n in IDP_NAMES.items() if p != product]
    assert not any(f"{n}:" in hit["hint"] for n in others), hit["hint"]  # the response's IdP's clause only
    assert not [f for f in found if f["code"] in ("signature-invalid", "issuer-mismatch")]


@pytest.mark.parametrize("product", ["oracle-oam", "authentik", "cloudflare"])
def test_a_scans_attempt_says_where_in_the_product_to_set_the_entity_id(tmp_path, product):
    """correlate's attempt: its IdP named by the Issuer, its fix ends with that product's clause."""
    path = _response(tmp_path, ISSUERS[product], f"idps25-scan-{product}", audiences=("https://other.example/sp",))
    doc = _run(["scan", str(path), "--idp-entity-id", ISSUERS[product], "--jobs", "1"])
    (attempt,) = doc["attempts"]
    assert attempt["root_cause"] == "audience-mismatch"
    assert idp_part(IDP_WHERE["audience-mismatch"], product) in attempt["fix"]


# -- other SPs' settings in their own words --

SPS = ("opensaml", "ruby-saml", "crewjam", "gosaml2", "pysaml2", "node-saml", "sustainsys", "itfoxtec", "salesforce")
_GENERIC_ENDS = tuple(f"({words})." for words in GENERIC_SETTING_NAMES.values())


@pytest.mark.parametrize("product", SPS)
@pytest.mark.parametrize("what", ["sp_entity_id", "acs_url", "idp_entity_id", "idp_cert"])
def test_each_sp_names_its_own_setting(product, what):
    label, names = OTHER_SP_SETTING_NAMES[product]
    assert other_sp_setting(product, what) == f"{label}: {names[what]}"
    assert other_sp_setting(product, what) != GENERIC_SETTING_NAMES[what]


@pytest.mark.parametrize("product", SPS)
def test_a_hint_naming_no_setting_is_told_the_sps_own(product):
    fixed = _other_sp_fix("Make the IdP's Audience equal the SP entity ID.", "audience-mismatch", product)
    assert not fixed.endswith(_GENERIC_ENDS), fixed
    assert fixed.endswith(f"({other_sp_setting(product, 'sp_entity_id')}).")


LOG_LINES = {
    "ruby-saml": ("2026-03-02T10:15:04.123Z ERROR -- omniauth: (saml) Authentication failure! invalid_ticket: "
                  "OneLogin::RubySaml::ValidationError, Invalid Audience. The audience https://other.example/sp, "
                  "did not match the expected audience https://gitlab.example.com/users/auth/saml/metadata",
                  "audience-mismatch", "sp_entity_id"),
    "gosaml2": ("2026-03-02T10:15:04.123Z ERROR github.com/russellhaering/gosaml2 error validating response: "
                "Unrecognized Issuer value, Expected: https://idp.example.com/metadata, Actual: https://other.example/idp",
                "issuer-mismatch", "idp_entity_id"),
}
"""An SP log line of each shape its reader knows (applog), the cause it says and the setting it is about."""


@pytest.mark.parametrize("product", sorted(LOG_LINES))
def test_an_attempt_of_that_sp_ends_with_its_setting(tmp_path, product):
    line, cause, what = LOG_LINES[product]
    log = tmp_path / f"{product}.log"
    log.write_text(line + "\n")
    res = CliRunner().invoke(main, ["scan", "-q", "-j", "1", "--fail-on", "never", "--format", "json", str(log)])
    assert res.exit_code == 0, res.output[-2000:]
    (attempt,) = json.loads(res.stdout)["attempts"]
    assert attempt["root_cause"] == cause
    assert attempt["fix"].endswith(f"({other_sp_setting(product, what)})."), attempt["fix"]
    assert not attempt["fix"].endswith(_GENERIC_ENDS)
