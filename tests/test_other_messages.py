"""LogoutRequest, LogoutResponse and AuthnRequest: their status and their signature algorithms."""
from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from lxml import etree

from samlscan.config import build
from samlscan.engine import analyze_raw
from samlscan.inputs.base import RawMessage
from samlscan.model import Source

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES))
import generate as GEN  # noqa: E402
from samlgen import signer  # noqa: E402

DEFAULT = build({}, FIXTURES / "config" / "default.toml")


def codes(data: bytes) -> list[str]:
    res = analyze_raw(RawMessage(Source("test"), "XML", data.decode(), "xml"), 0, DEFAULT)
    return [f.code for f in res.findings]


def logout_response(status: str) -> bytes:
    return (b'<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
            b'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_lr1" Version="2.0" '
            b'IssueInstant="2025-03-11T09:15:01Z" InResponseTo="_logout_2b7d9e4f1a3c5e60">'
            b'<saml:Issuer>https://idp.example.org/saml2/idp</saml:Issuer><samlp:Status>'
            b'<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:' + status.encode() +
            b'"/></samlp:Status></samlp:LogoutResponse>')


def test_a_failed_logout_response_says_so():
    assert "status-not-success" in codes(logout_response("Responder"))
    assert "status-not-success" not in codes(logout_response("Success"))


def _signed_request(method: str, digest: str) -> bytes:
    root = etree.fromstring((FIXTURES / "requests" / "authnrequest.xml").read_bytes())
    style = replace(GEN.OKTA, signature_method=method, digest_method=digest)
    signer.add_template(root, style)
    signer.sign_all(root, GEN.IDP)
    return etree.tostring(root)


def test_a_request_signed_with_sha1_is_flagged_and_sha256_is_not():
    assert "signature-weak-algorithm" in codes(_signed_request("rsa-sha1", "sha1"))
    found = codes(_signed_request("rsa-sha256", "sha256"))
    assert "signature-weak-algorithm" not in found and "request-issued" in found
    assert "checks-skipped" not in found  # response settings say nothing about a request


def test_a_bare_assertion_says_which_response_checks_could_not_run():
    from samlgen.render import render_assertion

    xml = render_assertion(GEN.response("bare", GEN.OKTA).assertions[0], GEN.OKTA)
    res = analyze_raw(RawMessage(Source("test"), "XML", xml.decode(), "xml"), 0, DEFAULT)
    (skipped,) = [f for f in res.findings if f.code == "checks-skipped"]
    assert "bare Assertion" in skipped.message_text
    assert not any(f.severity.value == "error" for f in res.findings)


def _request_text(**attrs: str) -> str:
    """The fixture AuthnRequest (unsigned) with its ACS attributes replaced by `attrs`."""
    root = etree.fromstring((FIXTURES / "requests" / "authnrequest.xml").read_bytes())
    for name in ("AssertionConsumerServiceURL", "ProtocolBinding"):
        del root.attrib[name]
    for name, value in attrs.items():
        root.set(name, value)
    res = analyze_raw(RawMessage(Source("test"), "XML", etree.tostring(root).decode(), "xml"), 0, DEFAULT)
    (issued,) = [f for f in res.findings if f.code == "request-issued"]
    return issued.message_text


POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
ACS = "https://sonar.example.com/oauth2/callback/saml"


def test_a_request_giving_both_the_acs_url_and_its_index_is_flagged():
    """SAML core 3.4.1: AssertionConsumerServiceIndex is mutually exclusive with the URL and binding."""
    both = _request_text(AssertionConsumerServiceURL=ACS, AssertionConsumerServiceIndex="0")
    assert "3.4.1" in both and "AssertionConsumerServiceURL" in both
    assert "3.4.1" in _request_text(ProtocolBinding=POST, AssertionConsumerServiceIndex="1")
    index_only = _request_text(AssertionConsumerServiceIndex="1")
    assert "ACS index 1" in index_only and "Note:" not in index_only
    assert "Note:" not in _request_text(AssertionConsumerServiceURL=ACS, ProtocolBinding=POST)


def test_a_request_asking_for_the_response_by_redirect_is_flagged():
    """SAML profiles 4.1.2: the Response of Web Browser SSO is never sent by HTTP-Redirect."""
    text = _request_text(AssertionConsumerServiceURL=ACS,
                         ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect")
    assert "binding HTTP-Redirect" in text and "4.1.2" in text
    for allowed in ("HTTP-Artifact", "HTTP-POST-SimpleSign"):  # the Shibboleth SP offers SimpleSign
        assert "4.1.2" not in _request_text(AssertionConsumerServiceURL=ACS,
                                            ProtocolBinding=f"urn:oasis:names:tc:SAML:2.0:bindings:{allowed}")


LOGOUT_REQUEST = (
    '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
    'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_lq1" Version="2.0" '
    'IssueInstant="2025-03-11T09:15:00Z" Destination="https://sonar.example.com/saml/slo">'
    '<saml:Issuer>https://idp.example.org/saml2/idp</saml:Issuer>'
    '<saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">jdoe.persistent.7781</saml:NameID>'
    '<samlp:SessionIndex>_sess_1</samlp:SessionIndex><samlp:SessionIndex>_sess_2</samlp:SessionIndex>'
    '</samlp:LogoutRequest>')


def test_a_logout_request_says_whose_sessions_end_and_redact_masks_it(tmp_path):
    """Its NameID and SessionIndex values were shown nowhere (only its XML held them)."""
    import json

    from click.testing import CliRunner

    from samlscan.cli import main

    path = tmp_path / "logout.xml"
    path.write_text(LOGOUT_REQUEST)
    table = CliRunner().invoke(main, ["check", str(path), "--fail-on", "never"]).stdout
    assert "jdoe.persistent.7781" in table and "_sess_1, _sess_2" in table
    res = CliRunner().invoke(main, ["scan", str(tmp_path), "--format", "json", "--fail-on", "never"])
    (msg,) = json.loads(res.stdout)["messages"]
    assert msg["logout_request"] == {"name_id": "jdoe.persistent.7781", "session_indexes": ["_sess_1", "_sess_2"]}
    for fmt in ("json", "table", "csv"):  # a scan keeps no decoded XML: the NameID is known from the model
        out = CliRunner().invoke(main, ["scan", str(tmp_path), "--format", fmt, "--redact", "--fail-on", "never"]).stdout
        assert "jdoe.persistent.7781" not in out, fmt


def _sp_signed_request(key: str = "sp", tamper: bool = False) -> str:
    """The fixture AuthnRequest signed by the SP's key (as an SP sends it by POST binding)."""
    from samlgen import keys as K

    root = etree.fromstring((FIXTURES / "requests" / "authnrequest.xml").read_bytes())
    style = replace(GEN.OKTA, signature_method="rsa-sha256", digest_method="sha256")
    signer.add_template(root, style)
    signer.sign_all(root, K.load(key))
    data = etree.tostring(root).decode()
    return data.replace("ForceAuthn=\"true\"", "ForceAuthn=\"false\"") if tamper else data


def _request_result(data: str, sp_cert: bool):
    expect = replace(DEFAULT, sp_certs=build({"sp_cert": [str(FIXTURES / "keys" / "sp.crt")]}, None).sp_certs
                     if sp_cert else ())
    return analyze_raw(RawMessage(Source("test"), "XML", data, "xml"), 0, expect)


def test_a_request_signed_by_the_sp_is_verified_with_the_sp_certificate():
    """Requests were verified against the IdP certificates only: an SP-signed AuthnRequest could
    never verify, and a wrong or changed one said nothing."""
    from samlscan.report.table import header_rows

    good = _request_result(_sp_signed_request(), sp_cert=True)
    assert [s.verified for s in good.message.signatures] == [True]
    assert "request-signature-invalid" not in {f.code for f in good.findings}
    assert "verified with" in dict(header_rows(good))["Signed"]
    other_key = _request_result(_sp_signed_request("sp-other"), sp_cert=True)
    (bad,) = [f for f in other_key.findings if f.code == "request-signature-invalid"]
    assert "another key" in bad.message_text
    changed = _request_result(_sp_signed_request(tamper=True), sp_cert=True)
    assert any(f.code == "request-signature-invalid" and "changed after signing" in f.message_text
               for f in changed.findings)
    # without the SP's certificate nothing can be said of its key, and the table says what to give
    unknown = _request_result(_sp_signed_request(), sp_cert=False)
    assert "request-signature-invalid" not in {f.code for f in unknown.findings}
    assert "--sp-cert" in dict(header_rows(unknown))["Signed"]


def test_a_request_whose_signer_wrote_a_broken_signature_is_said_so():
    """A SignatureValue outside the ds namespace (signxml's default-namespace output): the request
    got no finding at all (only Responses' signatures knew 'malformed')."""
    root = etree.fromstring(_sp_signed_request().encode())
    value = root.find(".//{http://www.w3.org/2000/09/xmldsig#}SignatureValue")
    value.tag = "{urn:oasis:names:tc:SAML:2.0:protocol}SignatureValue"
    res = _request_result(etree.tostring(root).decode(), sp_cert=True)
    (bad,) = [f for f in res.findings if f.code == "request-signature-invalid"]
    assert "malformed" in bad.message_text and bad.side == "sp"


def test_the_idps_logout_request_is_verified_with_the_idp_certificate():
    """An IdP-initiated LogoutRequest signed by a rotated IdP key said nothing (requests' keys were
    not judged); one signed by the configured key verifies."""
    from samlgen import keys as K

    def signed(key: str) -> str:
        root = etree.fromstring(LOGOUT_REQUEST.encode())
        signer.add_template(root, replace(GEN.OKTA, signature_method="rsa-sha256", digest_method="sha256"))
        signer.sign_all(root, K.load(key))
        return etree.tostring(root).decode()

    def result(key: str):
        return analyze_raw(RawMessage(Source("test"), "XML", signed(key), "xml"), 0, DEFAULT)

    good = result("idp")
    assert [s.verified for s in good.message.signatures] == [True]
    assert not {"signature-cert-mismatch", "request-signature-invalid"} & {f.code for f in good.findings}
    rotated = result("idp-new")
    assert "signature-cert-mismatch" in {f.code for f in rotated.findings}


def test_redirect_logout_messages_are_verified_with_their_senders_certificate(tmp_path):
    """The IdP's LogoutRequest comes as SAMLRequest and the SP's LogoutResponse as SAMLResponse:
    the redirect signature was checked by parameter name (a SAMLRequest only with the SP's keys),
    so both correct signatures were called invalid, and the SP was blamed for the IdP's."""
    from samlgen import keys as K
    from samlgen.encoding import signed_redirect_url

    from samlscan.engine import analyze

    sp_logout_response = LOGOUT_REQUEST.replace("LogoutRequest", "LogoutResponse").replace(
        "https://idp.example.org/saml2/idp</saml:Issuer>", "sonarqube</saml:Issuer>")
    cases = {"idp-logout.txt": ("SAMLRequest", LOGOUT_REQUEST, "idp"),
             "sp-logout.txt": ("SAMLResponse", sp_logout_response, "sp")}
    expect = replace(DEFAULT, sp_certs=build({"sp_cert": [str(FIXTURES / "keys" / "sp.crt")]}, None).sp_certs)
    for name, (param, xml, key) in cases.items():
        (tmp_path / name).write_text(signed_redirect_url("https://x.example/slo", param, xml.encode(), None,
                                                         K.load(key)))
        report = analyze([str(tmp_path / name)], expect)
        (m,) = report.messages
        assert m.message.redirect_signature.verified is True, name
        assert not {"request-signature-invalid", "redirect-signature-invalid"} & {f.code for f in m.findings}
    (tmp_path / "forged.txt").write_text(signed_redirect_url("https://x.example/slo", "SAMLRequest",
                                                             LOGOUT_REQUEST.encode(), None, K.load("attacker")))
    (m,) = analyze([str(tmp_path / "forged.txt")], expect).messages
    (bad,) = [f for f in m.findings if f.code == "redirect-signature-invalid"]  # the IdP's: not the SP's fault
    assert bad.message_text.endswith("with the configured IdP certificates")
