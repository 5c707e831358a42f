"""Shapes met in a third audit of third-party SAML samples (ruby-saml's test/responses, node-saml's
test/static, crewjam/saml's testdata, pysaml2's tests), rebuilt with samlgen (real xmlsec
signatures, our test keys) or as small unsigned XML. Each test pins one misreading found there.
"""
from __future__ import annotations

import sys
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import generate as GEN
from samlgen import build as B
from samlgen import scenario as S
from samlgen import signer
from test_external_shapes import NO_KEY, P, analyze, by_code

from samlscan.report.table import header_rows

# --- a Response resolved by artifact, inside its ArtifactResponse -----------------------------------

def _artifact_response(sign_envelope: bool = True, sign_inner: bool = True) -> bytes:
    """crewjam/saml's TestParseXMLArtifactResponse_response shape (a samltest.id Shibboleth IdP):
    soap:Envelope / samlp:ArtifactResponse (signed) / samlp:Response (signed); SAML core 3.5.2."""
    inner = B.build_response(GEN.response("artifact", GEN.KEYCLOAK), GEN.KEYCLOAK)
    envelope = etree.Element(P + "ArtifactResponse", nsmap={"saml2p": S.NS_P},
                             ID="_artifact-envelope", Version="2.0", IssueInstant="2025-03-11T08:41:01Z",
                             InResponseTo="_artifact-resolve")
    issuer = etree.SubElement(envelope, f"{{{S.NS_A}}}Issuer")
    issuer.text = S.IDP_ENTITY_ID
    status = etree.SubElement(envelope, P + "Status")
    etree.SubElement(status, P + "StatusCode", Value="urn:oasis:names:tc:SAML:2.0:status:Success")
    envelope.append(inner)  # before signing: lxml re-prefixes what it moves into the envelope
    if sign_inner:
        signer.add_template(inner, GEN.KEYCLOAK)
    if sign_envelope:
        signer.add_template(envelope, GEN.KEYCLOAK)
    signer.sign_all(envelope, GEN.IDP)  # the Response first, then the envelope over it
    body = etree.tostring(envelope).decode()
    return ('<soap11:Envelope xmlns:soap11="http://schemas.xmlsoap.org/soap/envelope/"><soap11:Body>'
            f"{body}</soap11:Body></soap11:Envelope>").encode()


def test_the_response_inside_an_artifact_response_is_read_and_checked():
    res = analyze(_artifact_response())
    m = res.message
    assert m.kind == "Response"  # was: an ArtifactResponse with no findings, its Response unread
    assert m.assertions[0].name_id.value == S.USER_EMAIL
    assert {s.parent for s in m.signatures if s.verified} == {"ArtifactResponse", "Response"}
    assert not by_code(res, "signature-invalid") and not by_code(res, "signature-wrapping")
    assert "in ArtifactResponse _artifact-envelope" in dict(header_rows(res))["Type"]


def test_a_signed_artifact_response_protects_an_unsigned_response():
    """SAML profiles 4.1.3.5: only a Response that crosses the browser must carry signatures."""
    res = analyze(_artifact_response(sign_inner=False))
    assert not by_code(res, "signature-missing") and not by_code(res, "signature-wrapping")
    unsigned = analyze(_artifact_response(sign_envelope=False, sign_inner=False))
    assert by_code(unsigned, "signature-missing")


def test_a_failed_artifact_resolution_is_still_the_artifact_response():
    xml = (f'<samlp:ArtifactResponse xmlns:samlp="{S.NS_P}" ID="_x" Version="2.0" '
           'IssueInstant="2025-03-11T08:41:01Z"><samlp:Status><samlp:StatusCode '
           'Value="urn:oasis:names:tc:SAML:2.0:status:Requester"/></samlp:Status></samlp:ArtifactResponse>')
    res = analyze(xml.encode(), NO_KEY)
    assert res.message.kind == "ArtifactResponse" and by_code(res, "status-not-success")


# --- a LogoutRequest: its NotOnOrAfter, and a signature made by the SP ------------------------------

def _logout_request(not_on_or_after: str | None, signed_by=None) -> bytes:
    """node-saml's logout_request_with_bad_expiration.xml shape: an SP's LogoutRequest with a
    NotOnOrAfter (SAML core 3.7.1), signed by the SP's key as node-saml signs it."""
    from samlgen import keys as K
    from samlgen import messages

    root = etree.fromstring(messages.logout_request())
    if not_on_or_after:
        root.set("NotOnOrAfter", not_on_or_after)
    if signed_by:
        signer.add_template(root, GEN.OKTA)
        signer.sign_all(root, K.load(signed_by))
    return etree.tostring(root)


def test_an_expired_logout_request_is_said_expired():
    res = analyze(_logout_request("2025-03-11T08:30:00Z"))  # DEFAULT judges at 08:41:02
    (f,) = by_code(res, "request-expired")
    assert "NotOnOrAfter 2025-03-11T08:30:00Z passed 11 min 2 s before 2025-03-11T08:41:02Z" in f.message_text


def test_a_logout_request_within_its_window_or_without_one_has_no_expiry_finding():
    assert not by_code(analyze(_logout_request("2025-03-11T08:40:00Z")), "request-expired")  # in the skew
    assert not by_code(analyze(_logout_request(None)), "request-expired")


def test_a_logout_request_signed_by_the_sp_is_not_called_invalid():
    res = analyze(_logout_request(None, signed_by="sp"))
    (sig,) = res.message.signatures
    assert sig.verified is None  # its Issuer is the SP: only the SP's certificate could verify it
    signed = dict(header_rows(res))["Signed"]
    assert "INVALID" not in signed and "--sp-cert" in signed


def test_a_tampered_response_is_still_invalid_in_the_table():
    root = etree.fromstring(GEN.okta("table-invalid"))
    next(root.iter(f"{{{S.NS_A}}}NameID")).text = "someone.else@example.com"
    assert "INVALID (digest)" in dict(header_rows(analyze(etree.tostring(root))))["Signed"]


# --- a Destination or Recipient that is not a URL (ruby-saml's templated test responses) ------------

def test_a_destination_that_is_not_a_url_is_said_so():
    from samlscan.checks.protocol import _url_difference

    want = "https://sonar.example.com/oauth2/callback/saml"
    text = _url_difference(want, "{recipient}")
    assert "'{recipient}' is not an absolute URL" in text and ":// vs" not in text
    assert "not an absolute URL" in _url_difference(want, "/oauth2/callback/saml")
    assert _url_difference(want, "http://sonar.example.com/oauth2/callback/saml").startswith(
        "only the scheme differs")


def test_the_finding_of_a_templated_destination_says_it_is_not_a_url():
    root = etree.fromstring(GEN.okta("templated"))
    root.set("Destination", "{recipient}")  # the Response signature breaks: not what is asserted
    (f,) = by_code(analyze(etree.tostring(root)), "destination-mismatch")
    assert "is not an absolute URL" in f.message_text


# --- an HTTP-Redirect value that was never deflated ---------------------------------------------------

def test_a_redirect_value_of_plain_xml_says_it_was_not_deflated():
    import base64

    from samlgen import messages

    from samlscan.engine import analyze_raw
    from samlscan.inputs.base import RawMessage
    from samlscan.model import Source

    plain = base64.b64encode(messages.authn_request()).decode()
    res = analyze_raw(RawMessage(Source("test"), "SAMLRequest", plain, "redirect"), 0, NO_KEY)
    assert res.code == "input-bad-deflate"
    assert "base64 of plain XML, not DEFLATE-compressed" in res.message_text
    assert "incorrect header check" not in res.message_text
    garbage = base64.b64encode(b"\x00\x01not deflate").decode()
    other = analyze_raw(RawMessage(Source("test"), "SAMLRequest", garbage, "redirect"), 0, NO_KEY)
    assert other.code == "input-bad-deflate" and "plain XML" not in other.message_text
