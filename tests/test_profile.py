"""Rules of the SAML 2.0 Web SSO profile and the XML-DSig signature profile, each with a message that
breaks it and one that keeps it: built by samlgen (real xmlsec signatures) or taken from the
third-party samples in tests/data (their SOURCES.md).

- SAML profiles 4.1.4.2: the Response's Issuer and its Assertions' Issuers name the one issuing IdP
  (issuer-inconsistent, said without --idp-entity-id);
- SAML core 5.4.4: a SAML signature's Transforms are enveloped-signature and exclusive C14N alone
  (signature-transform-invalid; inclusive C14N, which leaves nothing out, signature-transform-inclusive;
  SignatureInfo.transforms).
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from lxml import etree

from samlscan.config import build
from test_external_shapes import GEN, NO_KEY as NO_CONFIG, B, S, analyze, by_code, render, signer

DATA = Path(__file__).resolve().parent / "data"
NODESAML_CERT = build({"idp_cert": [str(DATA / "nodesaml" / "cert.pem")]}, None)
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
XPATH = "http://www.w3.org/TR/1999/REC-xpath-19991116"
INCLUSIVE = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"


# --- SAML profiles 4.1.4.2: one issuing IdP ------------------------------------------------------

def _issued(response_issuer: str, assertion_issuer: str, style=GEN.OKTA) -> bytes:
    content = GEN.response("issuers", style, (GEN.assertion("issuers", style, issuer=assertion_issuer),),
                           issuer=response_issuer)
    return render(content, style, GEN.IDP)


def test_issuers_that_differ_are_said_without_an_expected_entity_id():
    res = analyze(_issued(S.IDP_ENTITY_ID, "https://other-idp.example.org"), NO_CONFIG)
    found = by_code(res, "issuer-inconsistent")
    assert len(found) == 1, [f.code for f in res.findings]
    assert S.IDP_ENTITY_ID in found[0].message_text and "https://other-idp.example.org" in found[0].message_text
    assert found[0].severity.value == "error"


def test_issuers_that_differ_in_another_idp_style_are_said_too():
    """Entra writes every element in a default namespace, without a prefix."""
    res = analyze(_issued("https://other-idp.example.org", S.ENTRA_ISSUER, GEN.ENTRA), NO_CONFIG)
    assert by_code(res, "issuer-inconsistent"), [f.code for f in res.findings]


def test_one_issuer_throughout_is_not_inconsistent():
    res = analyze(_issued(S.IDP_ENTITY_ID, S.IDP_ENTITY_ID), NO_CONFIG)
    assert not by_code(res, "issuer-inconsistent")


def test_with_an_expected_entity_id_issuer_mismatch_names_the_wrong_one_alone():
    res = analyze(_issued(S.IDP_ENTITY_ID, "https://other-idp.example.org"))
    mismatch = by_code(res, "issuer-mismatch")
    assert [f.actual for f in mismatch] == ["https://other-idp.example.org"]
    assert not by_code(res, "issuer-inconsistent")


def test_simplesamlphp_sample_with_two_issuers():
    """simplesamlphp/saml2's unsignedresponse_with_signedassertion.xml: Response Issuer
    'https://IdentityProvider.com', Assertion Issuer 'Provider'."""
    data = (DATA / "phpnet2" / "unsignedresponse_with_signedassertion.xml").read_bytes()
    found = by_code(analyze(data, NO_CONFIG), "issuer-inconsistent")
    assert len(found) == 1
    assert "'https://IdentityProvider.com'" in found[0].message_text and "'Provider'" in found[0].message_text


# --- SAML core 5.4.4: enveloped-signature and exclusive C14N only ------------------------------

def _signed_with(transforms: tuple[str, ...] | None, style=GEN.KEYCLOAK) -> bytes:
    """A Response signed (really) by samlgen, its Reference's Transforms replaced by `transforms`
    (an XPath one with an expression that keeps everything) before signing; None: samlgen's own."""
    root = B.build_response(GEN.response("transforms", style), style)
    sig = signer.add_template(root, style)
    if transforms is not None:
        # compared by tag: lxml's find and iter miss the Transforms element xmlsec's template made
        holder = next(e for e in sig.iter() if e.tag == f"{{{S.NS_DS}}}Transforms")
        holder.clear()
        for algorithm in transforms:
            t = etree.SubElement(holder, f"{{{S.NS_DS}}}Transform", Algorithm=algorithm)
            if algorithm == XPATH:
                etree.SubElement(t, f"{{{S.NS_DS}}}XPath").text = "not(ancestor-or-self::dummy)"
    signer.sign_all(root, GEN.IDP)
    return etree.tostring(root)


def test_the_transforms_are_read_in_order():
    res = analyze(_signed_with(None))
    assert [s.transforms for s in res.message.signatures] == [(ENVELOPED, EXC_C14N)]


def test_the_standard_transforms_are_no_finding():
    res = analyze(_signed_with(None))
    assert res.message.signed
    assert not by_code(res, "signature-transform-invalid")


def test_inclusive_namespaces_keep_the_transform_in_the_profile():
    style = replace(GEN.KEYCLOAK, inclusive_prefixes=("xs",))
    res = analyze(_signed_with(None, style))
    assert not by_code(res, "signature-transform-invalid")


def test_an_xpath_transform_is_outside_the_profile_even_when_the_signature_verifies():
    res = analyze(_signed_with((ENVELOPED, EXC_C14N, XPATH)))
    sig = res.message.signatures[0]
    assert sig.verified and sig.transforms == (ENVELOPED, EXC_C14N, XPATH)
    found = by_code(res, "signature-transform-invalid")
    assert len(found) == 1 and XPATH in found[0].message_text
    assert found[0].severity.value == "error"


def test_an_xpath_transform_alone_beside_enveloped_is_outside_the_profile():
    res = analyze(_signed_with((ENVELOPED, XPATH)))
    assert res.message.signatures[0].verified
    assert by_code(res, "signature-transform-invalid") and not by_code(res, "signature-transform-inclusive")


def test_inclusive_c14n_is_a_warning_not_an_error():
    """It leaves nothing out of the digest: java-saml, python3-saml and node-saml verify it; OpenSAML
    (Spring, SonarQube 25.1+) refuses any transform outside 5.4.4."""
    res = analyze(_signed_with((ENVELOPED, INCLUSIVE)))
    assert res.message.signed
    found = by_code(res, "signature-transform-inclusive")
    assert len(found) == 1 and found[0].severity.value == "warning" and INCLUSIVE in found[0].message_text
    assert not by_code(res, "signature-transform-invalid")


def test_node_saml_sample_with_three_transforms():
    """passport-saml's response.root-signed-transforms.assertion-unsigned.xml: enveloped-signature
    twice, then exclusive C14N (node-saml: 'Invalid signature, too many transforms')."""
    data = (DATA / "nodesaml" / "invalid" / "response.root-signed-transforms.assertion-unsigned.xml").read_bytes()
    res = analyze(data, NODESAML_CERT)
    assert res.message.signatures[0].transforms == (ENVELOPED, ENVELOPED, EXC_C14N)
    found = by_code(res, "signature-transform-invalid")
    assert len(found) == 1 and "3 Transforms" in found[0].message_text


def test_a_second_root_leaning_on_the_first_ones_namespaces_is_one_malformed_document(tmp_path):
    """node-saml's CVE-2022-39299 sample: a signed Response, then a second root whose Assertion uses
    the first one's 'saml' prefix. samlscan split it into two parts and said '[part 1] Response ...
    verified'; every XML parser an SP runs refuses the bytes ('Extra content at the end of the
    document'), as samlscan does for their base64."""
    import base64
    import json

    from click.testing import CliRunner

    from samlscan.cli import main

    sample = DATA / "nodesaml" / "invalid" / "response.root-signed.multiple-root-elements.xml"
    encoded = tmp_path / "sample.b64"
    encoded.write_text(base64.b64encode(sample.read_bytes()).decode())
    for path in (sample, encoded):
        res = CliRunner().invoke(main, ["check", str(path), "--idp-cert", str(DATA / "nodesaml" / "cert.pem"),
                                        "--format", "json", "--fail-on", "never"])
        doc = json.loads(res.stdout)
        assert not doc["messages"], path
        assert [f["code"] for f in doc["input_findings"]] == ["input-xml-malformed"]
        assert "Extra content at the end of the document" in doc["input_findings"][0]["message_text"]
