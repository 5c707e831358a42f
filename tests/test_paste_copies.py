"""One message pasted more than once in one paste: the base64 value the browser posted and the XML a
decoder showed of it, a redirect URL twice and its decoded request. Parts that decode to the same
document are one message (design.md: each decoded message appears once in messages), the first
part in paste order, whose ref names the copies; a copy that differs (re-indented after signing,
another RelayState) stays a message of its own. The documents are the generator's (fixtures/ files
byte for byte, or samlgen output re-serialized or re-indented the way a tool does it)."""
from __future__ import annotations

import base64
import sys
import zlib
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from lxml import etree
from test_paste_shapes import ROOT, SP_KEY_CONFIG, _run, _verified

XML = (ROOT / "responses" / "valid" / "okta.xml").read_text()
DECLARED = (ROOT / "responses" / "encodings" / "okta-declaration.xml").read_text()
PRETTY = (ROOT / "responses" / "valid" / "okta-pretty-signed.xml").read_text()
REDIRECT = (ROOT / "requests" / "authnrequest-redirect-signed.txt").read_text().strip()
OKTA_ID = "id551454664850124839908035267"


def b64(data: str | bytes) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def _generator():
    sys.path.insert(0, str(ROOT))
    import generate

    return generate


def _messages(tmp_path, text: str) -> list[dict]:
    path = tmp_path / "paste.txt"
    path.write_text(text, newline="")
    doc = _run(path, SP_KEY_CONFIG)
    assert doc["inputs"][0]["status"] == "scanned" and not doc["input_findings"], doc["input_findings"]
    return doc["messages"]


# shape -> paste of one response twice: the first part is the message, the second its copy
COPIES = {
    "xml-then-base64": (f"decoded:\n{XML}\n\nposted:\n{b64(XML)}\n", "xml"),
    # the decoder showed it without the declaration the IdP wrote (not part of the document)
    "base64-with-declaration-then-xml": (f"SAMLResponse: {b64(DECLARED)}\n\ndecoded:\n{XML}\n", "post"),
    # the decoded copy saved with Windows line ends: the parser reads them as '\n' (XML 1.0 2.11)
    "base64-then-crlf-xml": (f"posted:\n{b64(PRETTY)}\n\ndecoded:\n" + PRETTY.replace("\n", "\r\n") + "\r\n",
                             "post"),
}


@pytest.mark.parametrize("shape", sorted(COPIES))
def test_a_response_pasted_twice_is_one_message(tmp_path, shape):
    text, binding = COPIES[shape]
    (msg,) = _messages(tmp_path, text)
    assert (msg["type"], msg["binding"], msg["ref"]) == ("Response", binding, "part 1 (also pasted as part 2)")
    assert _verified(msg)


def test_a_copy_reindented_after_signing_stays_a_message(tmp_path):
    """The XML as a viewer re-indented it no longer verifies: the user sees it beside the posted
    value (folding it would hide why a copy fails), while the identical decoded copy is folded."""
    _generator()
    from samlgen import tamper

    reindented = tamper.pretty(XML.encode()).decode()
    assert reindented != XML
    got = _messages(tmp_path, f"posted:\n{b64(XML)}\n\ndecoded:\n{XML}\n\nviewer:\n{reindented}\n")
    assert [(m["id"], m["ref"]) for m in got] == [(OKTA_ID, "part 1 (also pasted as part 2)"), (OKTA_ID, "part 3")]
    assert _verified(got[0]) and not _verified(got[1])
    assert "xml-reformatted" in {f["code"] for f in got[1]["findings"]}


def test_a_redirect_url_pasted_twice_and_its_decoded_request_are_one_message(tmp_path):
    value = dict(parse_qsl(urlsplit(REDIRECT).query))["SAMLRequest"]
    decoded = zlib.decompress(base64.b64decode(value), -15).decode()
    (msg,) = _messages(tmp_path, f"{REDIRECT}\n{REDIRECT}\n\nthe request, decoded:\n{decoded}\n")
    assert (msg["type"], msg["binding"], msg["ref"]) == ("AuthnRequest", "redirect",
                                                          "part 1 (also pasted as part 2, part 3)")
    assert msg["redirect_signature"]["verified"] is True


def test_a_copy_with_another_relay_state_stays_a_message(tmp_path):
    """The decoded XML adds nothing to the form body before it (folded, the RelayState kept); the
    same value posted with another RelayState is another POST."""
    body = f"SAMLResponse={quote(b64(XML), safe='')}"
    got = _messages(tmp_path, f"{body}&RelayState=abc\n\ndecoded:\n{XML}\n\nthen:\n{body}&RelayState=xyz\n")
    assert [(m["ref"], m["relay_state"]) for m in got] == [("part 1 (also pasted as part 2)", "abc"),
                                                          ("part 3", "xyz")]
    assert all(_verified(m) for m in got)


def test_a_latin1_response_and_the_text_a_decoder_showed_are_one_message(tmp_path):
    """The IdP declared ISO-8859-1 (Keycloak can): its bytes differ from the UTF-8 text of the
    decoded copy, the document read is the same."""
    gen = _generator()
    from samlgen import content as C

    attrs = gen.assertion("latin1-copy", gen.OKTA).attributes + (C.Attr("company", ("Se\u00e1n M\u00fcller",)),)
    data = etree.tostring(etree.fromstring(gen.okta("latin1-copy", attributes=attrs)), encoding="ISO-8859-1")
    assert b"encoding='ISO-8859-1'" in data and "Se\u00e1n".encode("latin-1") in data
    (msg,) = _messages(tmp_path, f"posted:\n{b64(data)}\n\ndecoded:\n{data.decode('latin-1')}\n")
    assert msg["ref"] == "part 1 (also pasted as part 2)" and _verified(msg)
    values = [v for a in msg["assertions"] for x in a["attributes"] if x["name"] == "company" for v in x["values"]]
    assert values == ["Se\u00e1n M\u00fcller"]


def test_the_xml_before_its_form_body_with_a_relay_state_is_one_message(tmp_path):
    """Order does not matter: a bare copy first, then the form body that carries the RelayState,
    is one message with that RelayState (it was two: the later part carried more)."""
    body = f"SAMLResponse={quote(b64(XML), safe='')}&RelayState=abc"
    got = _messages(tmp_path, f"decoded:\n{XML}\n\nposted:\n{body}\n")
    assert [(m["ref"], m["relay_state"]) for m in got] == [("part 2 (also pasted as part 1)", "abc")]
    assert _verified(got[0])
