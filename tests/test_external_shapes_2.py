"""Shapes met in a second audit of third-party SAML samples (wai-saml2's Google, Entra, Okta and
TrustLogin captures, samlify, Sustainsys, gosaml2, hashicorp/cap's samltest.id (Shibboleth),
pagopa's SPID test IdP), rebuilt with samlgen (real xmlsec signatures, our test keys) or as small
unsigned XML. Each test pins one misreading found there:
- Issuer and Audience written with whitespace around them (SPID IdPs pretty-print them): trimmed
  silently, while java-saml and python3-saml compare the Issuer as written;
- IdP metadata whose KeyInfo/X509Certificate is not in the XML-DSig namespace (samlify's idpmeta):
  'no signing X509Certificate' while one is there;
- a ds:Signature whose SignedInfo has no Reference (samlify): 'points at no element';
- an Assertion without a Version attribute (Sustainsys): "Version is None".
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from lxml import etree

from samlscan.model import Severity

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import generate as GEN
from samlgen import build as B
from samlgen import scenario as S
from samlgen import signer
from test_external_shapes import DS, FIXTURES, NO_KEY, A, analyze, by_code

# --- Issuer and Audience with whitespace around them (SPID test IdP) -------------------------------

def _padded(where: str) -> bytes:
    """A response signed by our IdP key whose Response Issuer, Assertion Issuer or Audience text
    has line breaks and indentation around the value, as the SPID test IdP writes them."""
    style = GEN.OKTA
    root = B.build_response(GEN.response(f"padded-{where}", style), style)
    assertion = root.find(A + "Assertion")
    el = {"response-issuer": root.find(A + "Issuer"), "assertion-issuer": assertion.find(A + "Issuer"),
          "audience": assertion.find(f"{A}Conditions/{A}AudienceRestriction/{A}Audience")}[where]
    el.text = f"\n        {el.text}\n    "
    signer.add_template(assertion, style)
    signer.add_template(root, style)
    signer.sign_all(root, GEN.IDP)
    return etree.tostring(root)


@pytest.mark.parametrize("where,label", [("response-issuer", "Response"), ("assertion-issuer", "Assertion")])
def test_issuer_with_whitespace_around_is_said_to_fail_in_java_saml(where, label):
    res = analyze(_padded(where))
    assert all(s.verified for s in res.message.signatures)
    (f,) = by_code(res, "issuer-mismatch")
    assert f.severity == Severity.ERROR
    assert f"the {label} Issuer is '\\n        {S.IDP_ENTITY_ID}\\n    '" in f.message_text
    assert "only whitespace around it differs" in f.message_text and "java-saml" in f.message_text
    assert res.message.issuer == S.IDP_ENTITY_ID  # still read trimmed, as OpenSAML does


def test_audience_with_whitespace_around_is_a_warning_for_python3_saml():
    res = analyze(_padded("audience"))
    (f,) = by_code(res, "audience-mismatch")
    assert f.severity == Severity.WARNING and "python3-saml" in f.message_text
    assert res.message.assertions[0].audience_restrictions == (("sonarqube",),)


def test_issuer_and_audience_as_written_have_no_finding():
    res = analyze(GEN.okta("padded-none"))
    assert not by_code(res, "issuer-mismatch") and not by_code(res, "audience-mismatch")


def test_a_padded_issuer_of_another_idp_keeps_the_plain_mismatch():
    root = etree.fromstring(_padded("response-issuer"))
    root.find(A + "Issuer").text = "\n  https://other.example.org/idp\n"
    (f,) = by_code(analyze(etree.tostring(root)), "issuer-mismatch")
    assert "only whitespace" not in f.message_text and "https://other.example.org/idp" in f.message_text


# --- IdP metadata whose KeyInfo is not in the XML-DSig namespace (samlify's idpmeta.xml) ----------

def _metadata(key_info_ns: str) -> str:
    cert = "".join((FIXTURES / "keys" / "idp.crt").read_text().split("-----")[2].split())
    return f"""<EntityDescriptor entityID="{S.IDP_ENTITY_ID}" xmlns="urn:oasis:names:tc:SAML:2.0:metadata">
 <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
  <KeyDescriptor use="signing"><KeyInfo{key_info_ns}><X509Data><X509Certificate>{cert}</X509Certificate>
  </X509Data></KeyInfo></KeyDescriptor>
  <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.org/sso"/>
 </IDPSSODescriptor></EntityDescriptor>"""


def test_metadata_certificate_outside_the_dsig_namespace_is_named(tmp_path):
    from samlscan.config import NO_CERT, load_idp_metadata

    path = tmp_path / "idp.xml"
    path.write_text(_metadata(' xmlns:ns1="http://www.w3.org/2000/09/xmldsig#"'))
    why = load_idp_metadata(path)[NO_CERT]
    assert "X509Certificate in the namespace 'urn:oasis:names:tc:SAML:2.0:metadata'" in why
    assert "without a signing X509Certificate" not in why


def test_metadata_certificate_in_the_dsig_namespace_is_read(tmp_path):
    from samlscan.config import NO_CERT, load_idp_metadata

    path = tmp_path / "idp.xml"
    path.write_text(_metadata(' xmlns="http://www.w3.org/2000/09/xmldsig#"'))
    out = load_idp_metadata(path)
    assert NO_CERT not in out and len(out["idp_certs"]) == 1


# --- a ds:Signature whose SignedInfo has no Reference (samlify's signed_response_sha256.xml) -------

def test_signature_without_reference_says_it_signs_nothing():
    root = etree.fromstring(GEN.okta("no-reference"))
    for ref in root.iter(DS + "Reference"):
        ref.getparent().remove(ref)
    res = analyze(etree.tostring(root))
    found = by_code(res, "signature-reference-invalid")
    assert found and all("has no Reference in its SignedInfo" in f.message_text for f in found)
    assert not any("points at no element" in f.message_text for f in found)


def test_reference_to_a_missing_id_keeps_its_text():
    root = etree.fromstring(GEN.okta("dangling-reference"))
    next(root.iter(DS + "Reference")).set("URI", "#nowhere")
    found = by_code(analyze(etree.tostring(root)), "signature-reference-invalid")
    assert any("points at no element of this document" in f.message_text for f in found)


# --- an Assertion without a Version attribute (Sustainsys's minimal response) -------------------

def test_missing_version_is_said_missing():
    xml = (f'<samlp:Response xmlns:samlp="{S.NS_P}" xmlns:saml="{S.NS_A}" ID="x123" Version="2.0" '
           'IssueInstant="2023-10-14T13:46:32Z"><saml:Issuer>https://idp.example.com/Metadata</saml:Issuer>'
           '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
           '<saml:Assertion>\n</saml:Assertion></samlp:Response>').encode()
    (f,) = by_code(analyze(xml, NO_KEY), "version-unsupported")
    assert f.message_text == "the Assertion has no Version attribute"
    wrong = xml.replace(b"<saml:Assertion>", b'<saml:Assertion Version="1.1">')
    (g,) = by_code(analyze(wrong, NO_KEY), "version-unsupported")
    assert g.message_text == "Assertion Version is '1.1', not '2.0'"
