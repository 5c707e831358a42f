"""IdP products told by their default Issuer (checks.base._IDP_ISSUERS) and by their shared SSO
endpoint (checks.request._ISSUER_LOOKUP), each with its own clause in the fixes (codes.IDP_WHERE):
OneLogin, AWS IAM Identity Center, PingOne, Duo, Salesforce and Zoho Directory; and by an
application's own SSO URL (flows.idp_at): OneLogin, Duo, AWS IAM Identity Center and JumpCloud, whose
Issuer is whatever its admin typed.

Responses are made by fixtures/samlgen with each product's Issuer shape (Response and Assertion)
and signed for real with the TEST-ONLY IdP key; samlscan judges them with that Issuer as the IdP
entity ID, so the only errors are the ones each test makes."""
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
from samlscan.flows import idp_at

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES))
import generate as GEN  # noqa: E402
from samlgen import scenario as S  # noqa: E402
from samlgen.render import render  # noqa: E402

ISSUERS = {
    "onelogin": "https://app.onelogin.com/saml/metadata/487043",
    "aws-identity-center": "https://portal.sso.us-east-2.amazonaws.com/saml/assertion/"
                           "NDc2MDk3OTk3MTUxX2lucy0yYzdiMGZkMGUxYzhkYzZh",
    "pingone": "https://auth.pingone.com/0a7af83d-4ed9-4510-93cd-506fe835f69a",
    "duo": "https://sso-4ccc589b.sso.duosecurity.com/saml2/sp/DIQVOPC5SS7M2W0Z0AJU/metadata",
    "salesforce": "https://acme.my.salesforce.com",
    "zoho": "https://accounts.zoho.com",
}
"""One default Issuer of each product, as its documentation or a real app's metadata shows it."""

LOOK_ALIKES = (
    "https://app.onelogin.com.evil.example/saml/metadata/487043",
    "https://evil.example/app.onelogin.com/saml/metadata/487043",
    "http://app.onelogin.com/saml/metadata/487043",
    "https://portal.sso.us-east-2.amazonaws.com.evil.example/saml/assertion/abc",
    "https://portal.sso.us-east-2.evil.example/saml/assertion/abc",
    "https://auth.pingone.com.evil.example/0a7af83d-4ed9-4510-93cd-506fe835f69a",
    "https://auth.pingone.com/not-an-environment",
    "https://sso-4ccc589b.sso.duosecurity.com.evil.example/saml2/sp/DIQVOPC5SS7M2W0Z0AJU/metadata",
    "https://acme.my.salesforce.com.evil.example",
    "https://my.salesforce.com.evil.example/acme",
    "https://accounts.zoho.com.evil.example",
    "https://accounts.zoho.com/evil",
)

CLAUSE_CODES = ("email-missing", "destination-mismatch", "signature-cert-mismatch", "audience-mismatch",
                "user-not-assigned")
"""Where the admin releases an attribute, fixes the ACS URL, gives the signing certificate, sets the
SP entity ID (Audience) and assigns users."""


@pytest.mark.parametrize("product", sorted(ISSUERS))
def test_each_default_issuer_names_its_product(product):
    assert issuer_product(ISSUERS[product]) == product


@pytest.mark.parametrize("issuer", LOOK_ALIKES)
def test_look_alike_issuers_name_no_product(issuer):
    assert issuer_product(issuer) is None


@pytest.mark.parametrize("product", sorted({*ISSUERS, "jumpcloud"}))
@pytest.mark.parametrize("code", CLAUSE_CODES)
def test_each_product_has_its_clause_for_each_fix(product, code):
    clause = idp_part(IDP_WHERE[code], product)
    assert clause and clause.startswith(IDP_NAMES[product] + ": ") and ">" in clause, (product, code)


def test_shared_sso_endpoints_choose_the_application_by_issuer():
    env = "0a7af83d-4ed9-4510-93cd-506fe835f69a"
    assert issuer_lookup_idp(f"https://auth.pingone.com/{env}/saml20/idp/sso?SAMLRequest=x") == "pingone"
    assert issuer_lookup_idp(f"https://auth.pingone.eu/{env}/saml20/idp/sso") == "pingone"
    assert issuer_lookup_idp("https://acme.my.salesforce.com/idp/endpoint/HttpRedirect") == "salesforce"
    assert issuer_lookup_idp("https://acme.my.salesforce.com/idp/endpoint/HttpPost") == "salesforce"
    assert issuer_lookup_idp(f"https://auth.pingone.com.evil.example/{env}/saml20/idp/sso") is None
    assert issuer_lookup_idp("https://acme.my.salesforce.com.evil.example/idp/endpoint/HttpPost") is None
    # OneLogin's SSO URL is the application's own: no lookup by Issuer
    assert issuer_lookup_idp("https://acme.onelogin.com/trust/saml2/http-post/sso/487043") is None


SSO_URLS = {
    "https://acme.onelogin.com/trust/saml2/http-post/sso/487043": "onelogin",
    "https://sso-4ccc589b.sso.duosecurity.com/saml2/sp/DIQVOPC5SS7M2W0Z0AJU/sso": "duo",
    "https://portal.sso.us-east-2.amazonaws.com/saml/assertion/NDc2MDk3OTk3MTUxX2lucy0yYzdiMGZkMGUxYzhkYzZh":
        "aws-identity-center",
    "https://sso.jumpcloud.com/saml2/firmex": "jumpcloud",
    "https://acme.onelogin.com.evil.example/trust/saml2/http-post/sso/487043": None,
    "https://sso-4ccc589b.sso.duosecurity.com.evil.example/saml2/sp/DIQ/sso": None,
    "https://portal.sso.us-east-2.amazonaws.com.evil.example/saml/assertion/abc": None,
    "https://sso.jumpcloud.com.evil.example/saml2/firmex": None,
    "https://evil.example/sso.jumpcloud.com/saml2/firmex": None,
}


@pytest.mark.parametrize("url", sorted(SSO_URLS))
def test_an_applications_own_sso_url_names_its_product(url):
    assert idp_at(url) == SSO_URLS[url]


def _response(tmp_path: Path, issuer: str, seed: str, **assertion_changes) -> Path:
    """A response that `issuer` signed (the TEST-ONLY key), with `assertion_changes`."""
    style = GEN.OKTA
    content = GEN.response(seed, style, (GEN.assertion(seed, style, issuer=issuer, **assertion_changes),),
                           issuer=issuer)
    path = tmp_path / f"{seed}.xml"
    path.write_bytes(render(content, style, GEN.IDP))
    return path


def _check(tmp_path: Path, issuer: str, seed: str, **assertion_changes) -> list[dict]:
    """The findings of a response that `issuer` signed (the TEST-ONLY key), with `assertion_changes`,
    judged with `issuer` as the IdP entity ID."""
    path = _response(tmp_path, issuer, seed, **assertion_changes)
    res = CliRunner().invoke(main, ["check", str(path), "--config", str(FIXTURES / "config/default.toml"),
                                    "--idp-entity-id", issuer, "--format", "json", "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    doc = json.loads(res.stdout)
    return [f for m in doc["messages"] for f in m["findings"]]


@pytest.mark.parametrize("product", sorted(ISSUERS))
def test_a_wrong_audience_names_the_products_entity_id_field(tmp_path, product):
    found = _check(tmp_path, ISSUERS[product], f"idpnames21-aud-{product}", audiences=("https://other.example/sp",))
    (hit,) = [f for f in found if f["code"] == "audience-mismatch"]
    assert idp_part(IDP_WHERE["audience-mismatch"], product) in hit["hint"]
    others = [n for p, n in IDP_NAMES.items() if p != product]
    assert not any(f"{n}:" in hit["hint"] for n in others), hit["hint"]  # the response's IdP's clause only
    assert not [f for f in found if f["code"] in ("signature-invalid", "issuer-mismatch")]


@pytest.mark.parametrize("product", sorted(ISSUERS))
def test_a_missing_email_names_where_the_product_releases_it(tmp_path, product):
    found = _check(tmp_path, ISSUERS[product], f"idpnames21-mail-{product}",
                   attributes=tuple(a for a in GEN.okta_attributes() if a.name != "email"))
    (hit,) = [f for f in found if f["code"] == "email-missing"]
    assert idp_part(IDP_WHERE["email-missing"], product) in hit["hint"]


def test_a_look_alike_issuer_gets_no_products_clause(tmp_path):
    found = _check(tmp_path, LOOK_ALIKES[0], "idpnames21-aud-evil", audiences=("https://other.example/sp",))
    (hit,) = [f for f in found if f["code"] == "audience-mismatch"]
    assert not any(f"{n}:" in hit["hint"] for n in IDP_NAMES.values()), hit["hint"]
    assert S.SP_ENTITY_ID in hit["hint"]


@pytest.mark.parametrize("product", ["onelogin", "pingone"])
def test_a_scans_attempt_says_where_in_the_product_to_set_the_entity_id(tmp_path, product):
    """correlate's attempt: its IdP named by the Issuer, its fix ends with that product's clause."""
    path = _response(tmp_path, ISSUERS[product], f"idpnames21-scan-{product}", audiences=("https://other.example/sp",))
    res = CliRunner().invoke(main, ["scan", str(path), "--config", str(FIXTURES / "config/default.toml"),
                                    "--idp-entity-id", ISSUERS[product], "--format", "json", "--jobs", "1",
                                    "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    (attempt,) = json.loads(res.stdout)["attempts"]
    assert attempt["root_cause"] == "audience-mismatch"
    assert idp_part(IDP_WHERE["audience-mismatch"], product) in attempt["fix"]

