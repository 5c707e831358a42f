"""A ds:Signature that verifies, held by an element other than the Response or an Assertion, beside a
correctly signed Assertion (audit 11, part 2). java-saml (SonarQube up to 10.x), python3-saml and
php-saml refuse it: SamlResponse.processSignedElements walks every //ds:Signature and throws 'Invalid
Signature Element {ns}local SAML Response rejected'. samlscan said nothing. Messages are made by our
generator and signed with the IdP's real key (fixtures/keys/idp.key)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import xmlsec
from lxml import etree

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES))
import generate as GEN  # noqa: E402
from samlgen import build as B  # noqa: E402
from samlgen import signer  # noqa: E402

from external_util import analyze_sample  # noqa: E402
from samlscan.catalog import lookup  # noqa: E402

A, P = "{urn:oasis:names:tc:SAML:2.0:assertion}", "{urn:oasis:names:tc:SAML:2.0:protocol}"
STYLE = GEN.OKTA_ASSERTION_ONLY
AT = "2025-03-11T08:41:02Z"


def _sign(root, sigs) -> None:
    """Sign `sigs` in this order with the IdP key, every ID of the document resolvable."""
    for sig in sigs:
        ctx = xmlsec.SignatureContext()
        ctx.key = signer.xmlsec_key(GEN.IDP)
        for el in root.iter():
            if el.get("ID"):
                ctx.register_id(el, "ID")
        ctx.sign(sig)


def _extensions(root):
    ext = etree.Element(P + "Extensions")
    root.insert(list(root).index(root.find(A + "Issuer")) + 1, ext)
    return ext


def _message(stray: str) -> bytes:
    """An Okta-style Response whose Assertion is signed, plus a verifying stray signature `stray`."""
    root = B.build_response(GEN.response("stray-" + stray, STYLE), STYLE)
    assertion = root.find(A + "Assertion")
    own = signer.add_template(assertion, STYLE)
    if stray == "none":
        _sign(root, [own])
    elif stray == "extensions-over-response":  # enveloped: removes itself wherever it sits
        sig = signer.add_template(root, STYLE)
        _extensions(root).append(sig)
        _sign(root, [own, sig])
    elif stray == "extensions-element":
        token = etree.SubElement(_extensions(root), "{urn:example:ext}Token", ID="_ext1")
        sig = signer.add_template(token, STYLE)
        _sign(root, [own, sig])
    elif stray == "attribute-value":  # inside the signed Assertion: signed before it
        value = assertion.find(f".//{A}AttributeValue")
        token = etree.SubElement(value, "{urn:example:ext}Token", ID="_val1")
        _sign(root, [signer.add_template(token, STYLE), own])
    return etree.tostring(root)


def _run(tmp_path, stray: str):
    (tmp_path / "m.xml").write_bytes(_message(stray))
    return analyze_sample(tmp_path, "m.xml", idp_cert=str(FIXTURES / "keys" / "idp.crt"), at=AT)


@pytest.mark.parametrize("stray,holder", [("extensions-over-response", "Extensions"),
                                          ("extensions-element", "Token"), ("attribute-value", "Token")])
def test_a_verifying_stray_signature_is_reported(tmp_path, stray, holder):
    res = _run(tmp_path, stray)
    assert sorted((s.parent, s.verified) for s in res.message.signatures) == [("Assertion", True), (holder, True)]
    errors = [f for f in res.findings if f.severity.value == "error"]
    assert [f.code for f in errors] == ["signature-misplaced"]
    assert f"<{holder}>" in errors[0].message_text and "Invalid Signature Element" in errors[0].message_text


def test_the_correctly_signed_message_alone_passes(tmp_path):
    res = _run(tmp_path, "none")
    assert [s.verified for s in res.message.signatures] == [True]
    assert not [f for f in res.findings if f.severity.value == "error"]


def test_java_saml_text_for_it_names_the_finding():
    """The catalog's WRONG_SIGNED_ELEMENT explanation names what samlscan reports for each layout."""
    entry = lookup("Invalid Signature Element {urn:example:ext}Token SAML Response rejected", "java-saml")
    assert entry is not None
    for code in ("signature-misplaced", "signature-missing", "signature-wrapping"):
        assert code in entry.explanation, code
