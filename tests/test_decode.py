"""Pasted evidence in the shapes people copy it: every one decodes to the same message."""
from __future__ import annotations

import base64
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest

from samlscan.config import Expectations
from samlscan.decode import decode_raw
from samlscan.engine import analyze
from samlscan.errors import InputError
from samlscan.inputs.base import RawMessage
from samlscan.inputs.blob import read_text, signed_octets
from samlscan.model import Source

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
XML = (FIXTURES / "responses/valid/okta.xml").read_bytes()
REQ = (FIXTURES / "requests/authnrequest.xml").read_bytes()
B64 = base64.b64encode(XML).decode()


def _deflate(data: bytes) -> str:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return base64.b64encode(c.compress(data) + c.flush()).decode()


def _ids(text: str) -> list[str]:
    raws, problems = read_text(text, "paste")
    assert not problems, problems
    return [decode_raw(r).get("ID") for r in raws]


@pytest.mark.parametrize("text", [
    B64,
    "\n".join(B64[i:i + 76] for i in range(0, len(B64), 76)),            # wrapped at 76
    B64.replace("+", "-").replace("/", "_").rstrip("="),                  # URL-safe, no padding
    quote(B64, safe=""),                                                   # percent-encoded
    quote(quote(B64, safe=""), safe=""),                                   # encoded twice
    f"SAMLResponse={quote(B64, safe='')}&RelayState=abc",                  # form body
    "  \t" + B64 + "\r\n",                                                 # stray whitespace
], ids=["plain", "wrapped", "urlsafe", "percent", "double-percent", "form", "whitespace"])
def test_response_encodings_decode_to_the_same_message(text):
    from samlscan.xmlsafe import parse_xml

    assert _ids(text) == [parse_xml(XML).get("ID")]


@pytest.mark.parametrize("sep", ["&", "&amp;"], ids=["url", "html-escaped"])
def test_redirect_url_with_its_relay_state(sep):
    url = f"https://idp.example.org/sso?SAMLRequest={quote(_deflate(REQ), safe='')}{sep}RelayState=xyz"
    raws, _ = read_text(url, "paste")
    assert [(r.param, r.binding, r.relay_state) for r in raws] == [("SAMLRequest", "redirect", "xyz")]
    assert decode_raw(raws[0]).get("ID") == "_req_3e8d1c6a9b2f4071"


def test_signed_octets_keep_the_raw_encoding_in_the_spec_order():
    url = "https://idp/sso?Signature=c2ln&SigAlg=rsa%2Dsha256&RelayState=a%20b&SAMLRequest=ZmFrZQ%3D%3D"
    assert signed_octets(url) == "SAMLRequest=ZmFrZQ%3D%3D&RelayState=a%20b&SigAlg=rsa%2Dsha256"


@pytest.mark.parametrize("value,code", [
    ("PHNhbWxwOlJlc3BvbnNl…truncated", "input-bad-base64"),
    ("[SAMLResponse redacted]", "input-redacted"),
    (base64.b64encode(b"\x00\x01 not deflate").decode(), "input-bad-deflate"),
])
def test_broken_values_are_coded_findings(value, code):
    with pytest.raises(InputError) as err:
        decode_raw(RawMessage(Source("paste"), "SAMLRequest", value, "redirect"))
    assert err.value.code == code


def test_a_pasted_file_with_no_saml_is_not_saml(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("the login failed again this morning, see ticket 4411\n")
    report = analyze([str(p)], Expectations())
    assert [f.code for f in report.all_findings()] == ["input-not-saml"]


@pytest.mark.parametrize("name,needle", [("metadata/idp-metadata.xml", "--idp-metadata"),
                                         ("keys/idp.crt", "--idp-cert"), ("keys/sp.key", "--sp-key")])
def test_a_file_given_in_the_wrong_place_says_where_it_belongs(name, needle):
    report = analyze([str(FIXTURES / name)], Expectations())
    [finding] = report.all_findings()
    assert finding.code == "input-not-saml" and needle in finding.message_text


def test_an_xml_file_in_the_single_byte_encoding_it_declares_keeps_its_characters(tmp_path):
    from datetime import timezone

    from samlscan.config import Expectations
    from samlscan.engine import analyze_file

    xml = ('<?xml version="1.0" encoding="ISO-8859-2"?><samlp:Response '
           'xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
           'ID="_r" Version="2.0" IssueInstant="2025-03-11T08:41:00Z"><saml:Assertion ID="_a" Version="2.0" '
           'IssueInstant="2025-03-11T08:41:00Z"><saml:Issuer>idp</saml:Issuer><saml:Subject><saml:NameID>'
           'Łukasz.Żółć@example.com</saml:NameID></saml:Subject></saml:Assertion></samlp:Response>')
    latin2 = tmp_path / "latin2.xml"
    latin2.write_bytes(xml.encode("iso-8859-2"))
    (msg,) = analyze_file(str(latin2), Expectations(), timezone.utc).messages
    assert msg.message.assertions[0].name_id.value == "Łukasz.Żółć@example.com"
    # the same bytes declared as UTF-8 are not UTF-8: replacement characters, no crash
    wrong = tmp_path / "wrong.xml"
    wrong.write_bytes(xml.replace("ISO-8859-2", "UTF-8").encode("iso-8859-2"))
    got = analyze_file(str(wrong), Expectations(), timezone.utc)
    assert got.input.status in ("scanned", "failed")


@pytest.mark.parametrize("sep", [" ", "\n", "\r\n", "\t", "\u00a0", "\u2003", "\u3000", "\x0b\x0c"])
def test_base64_with_any_whitespace_decodes(sep):
    """Whitespace of every kind (non-breaking and ideographic spaces from a mail client or a
    chat) is dropped, as re's \\s dropped it."""
    from samlscan.decode import b64decode_lenient

    wrapped = sep.join(B64[i:i + 64] for i in range(0, len(B64), 64))
    assert b64decode_lenient(f"{sep}{wrapped}{sep}") == XML
    urlsafe = B64.replace("+", "-").replace("/", "_").rstrip("=")
    assert b64decode_lenient(sep.join(urlsafe[i:i + 50] for i in range(0, len(urlsafe), 50))) == XML


@pytest.mark.parametrize("bad, named", [("PHNh$bWxw", "$"), ("PHNh\u00e9bWxw", "\u00e9"), ("PHNh.bWxw", "."),
                                        ("PHNh\u200bbWxw", "\u200b")])  # (a zero-width space is no whitespace)
def test_base64_names_the_first_character_that_is_not(bad, named):
    from samlscan.decode import b64decode_lenient

    with pytest.raises(InputError) as exc:
        b64decode_lenient(bad)
    assert exc.value.code == "input-bad-base64" and repr(named) in exc.value.detail


def test_a_pasted_error_text_is_explained_where_a_message_was_expected():
    """People paste the error they saw (an AADSTS page) where a SAML message was expected: the
    input is still not SAML, and says what the error means and how to fix it."""
    aad = ("AADSTS50011: The redirect URI 'https://sonar.example.com/oauth2/callback/saml' specified in the "
           "request does not match the redirect URIs configured for the application '0000'.")
    _, problems = read_text(aad, "pasted.txt")
    (p,) = problems
    assert p.code == "input-not-saml"
    assert "AADSTS50011" in p.detail and "reply-url-mismatch" in p.detail and "Fix:" in p.detail
    for text in ("hello, nothing to see here", "some words " * 2000 + aad,  # no error, or too long to be one
                 # what a review found explained: a success event, a CSV header naming a code (a word of
                 # a catalog entry is not enough)
                 '{"eventType": "user.authentication.sso", "outcome": {"result": "SUCCESS"}}',
                 "username,email,first_name,last_name,user_disabled\njdoe,jdoe@example.com,John,Doe,false\n"):
        (p,) = read_text(text, "pasted.txt")[1]
        assert p.detail.startswith("no SAML message found"), text
    (p,) = read_text("user_disabled\n", "pasted.txt")[1]  # a code pasted alone is one
    assert "keycloak error user_disabled" in p.detail
