"""samlscan.splice: which prefixes lxml re-binds when an SP splices a decrypted assertion into the
Response (python3-saml's _decrypt_assertion), checked against lxml itself."""
from __future__ import annotations

from lxml import etree

from samlscan.splice import rebound_prefixes

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"


def _response(decls: str) -> etree._Element:
    return etree.fromstring(f'<samlp:Response xmlns:samlp="{SAMLP}" {decls}>'
                            f'<x:EncryptedAssertion xmlns:x="{SAML}"/></samlp:Response>')


def _assertion(head: str, signed: bool = True) -> etree._Element:
    sig = f'<ds:Signature xmlns:ds="{DS}"/>' if signed else ""
    name = head.split()[0]
    return etree.fromstring(f'<{head}>{sig}<{name.replace("Assertion", "Issuer")}>i</{name.replace("Assertion", "Issuer")}></{name}>')


def _spliced_prefix(resp, plain) -> str | None:
    """What lxml really does: python3-saml's xml.replace(EncryptedAssertion, decrypted)."""
    resp.replace(resp[0], plain)
    return resp[0].prefix


def test_own_prefix_rebound_to_the_responses():
    resp = _response(f'xmlns:saml="{SAML}"')
    plain = _assertion(f'enc:Assertion xmlns:enc="{SAML}" ID="a1"')
    assert rebound_prefixes(resp, plain) == ((SAML, "enc", "saml"),)
    assert _spliced_prefix(resp, plain) == "saml"


def test_default_namespace_rebound_to_a_prefix():
    resp = _response(f'xmlns:saml2="{SAML}"')
    plain = _assertion(f'Assertion xmlns="{SAML}" ID="a1"')
    assert rebound_prefixes(resp, plain) == ((SAML, "", "saml2"),)
    assert _spliced_prefix(resp, plain) == "saml2"


def test_same_prefix_or_unbound_namespace_is_kept():
    for decls, head in ((f'xmlns:saml="{SAML}"', f'saml:Assertion xmlns:saml="{SAML}" ID="a1"'),
                        ("", f'saml2:Assertion xmlns:saml2="{SAML}" ID="a1"')):
        resp, plain = _response(decls), _assertion(head)
        want = plain.prefix
        assert rebound_prefixes(resp, plain) == ()
        assert _spliced_prefix(resp, plain) == want


def test_unsigned_assertion_is_not_flagged():
    resp = _response(f'xmlns:saml="{SAML}"')
    assert rebound_prefixes(resp, _assertion(f'enc:Assertion xmlns:enc="{SAML}"', signed=False)) == ()


def test_declared_but_unused_prefix_is_not_flagged():
    resp = _response(f'xmlns:saml="{SAML}" xmlns:d="{DS}"')
    plain = _assertion(f'saml:Assertion xmlns:saml="{SAML}" xmlns:unused="{SAML}" ID="a1"')
    assert rebound_prefixes(resp, plain) == ()
