"""One paste holding messages of different encodings: a support engineer's notes with the redirect
URL, the decoded XML, the base64 value and a form body, with prose between them. Every message is
read (the XML used to hide the others), in the order of the paste ('part N'), each signature still
verifying; a message pasted both as base64 and as its decoded XML is one message, not a replay. The
signed messages are fixtures/ files used byte for byte (an assertion is cut out whole, as a copy
from a decoded response is)."""
from __future__ import annotations

import base64
import html
import json
import re
import time
from urllib.parse import quote

import pytest
from test_paste_shapes import ROOT, SP_KEY_CONFIG, _run, _verified

from samlscan.inputs import paste

XML = (ROOT / "responses" / "valid" / "okta.xml").read_text()
PRETTY = (ROOT / "responses" / "valid" / "okta-pretty-signed.xml").read_text()
KC = (ROOT / "responses" / "valid" / "keycloak.xml").read_text()
ADFS = (ROOT / "responses" / "valid" / "adfs.xml").read_text()
REQUEST_XML = (ROOT / "requests" / "authnrequest.xml").read_text()
REDIRECT = (ROOT / "requests" / "authnrequest-redirect-signed.txt").read_text().strip()
ASSERTION = re.search(r"<saml2:Assertion .*?</saml2:Assertion>", XML, re.DOTALL).group()


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def wrapped(value: str, width: int = 76) -> str:
    return "\n".join(value[i:i + width] for i in range(0, len(value), width))


BODY = f"SAMLResponse={quote(b64(XML), safe='')}&RelayState=abc"

# shape -> (paste, [(type, binding) in paste order])
MIXED = {
    "url-then-xml": (f"AuthnRequest URL: {REDIRECT}\n\nResponse decoded:\n{XML}\n",
                     [("AuthnRequest", "redirect"), ("Response", "xml")]),
    "form-body-then-assertion": (f"SAMLResponse={b64(KC)}\n\nand the assertion:\n{ASSERTION}\n",
                                 [("Response", "post"), ("Assertion", "xml")]),
    "xml-then-url": (f"{KC}\n\nthe request was {REDIRECT}\n",
                     [("Response", "xml"), ("AuthnRequest", "redirect")]),
    "xml-then-b64": (f"{KC}\n\nthe ADFS one, raw:\n{wrapped(b64(ADFS))}\n",
                     [("Response", "xml"), ("Response", "post")]),
    "url-xml-b64-form-body": ((f"1. the browser went to {REDIRECT}\n\n2. Keycloak answered\n{KC}\n\n"
                              f"3. ADFS (base64):\n{wrapped(b64(ADFS))}\n\n4. Okta's POST body: {BODY}\n"),
                              [("AuthnRequest", "redirect"), ("Response", "xml"), ("Response", "post"),
                               ("Response", "post")]),
    "two-xml-with-prose-and-b64": ((f"the request:\n{REQUEST_XML}\nthen the IdP answered:\n{PRETTY}\n"
                                   f"and ADFS, as the browser posted it:\n{b64(ADFS)}\nthanks\n"),
                                   [("AuthnRequest", "xml"), ("Response", "xml"), ("Response", "post")]),
    "xml-in-a-log-line": ((f"2025-03-11 09:41:02,117 DEBUG received SAML message: {KC} from 203.0.113.7\n"
                          f"before that the browser was sent to\n{REDIRECT}\n"),
                          [("Response", "xml"), ("AuthnRequest", "redirect")]),
    "json-escaped-xml-then-b64": (json.dumps(KC)[1:-1].replace("/", "\\/") + f"\n\nSAMLResponse: {b64(ADFS)}\n",
                                  [("Response", "xml"), ("Response", "post")]),
    "b64-then-json-escaped-xml": (f"SAMLResponse:\n{wrapped(b64(ADFS))}\n\nfrom the log:\n"
                                  + json.dumps(KC)[1:-1] + "\n",
                                  [("Response", "post"), ("Response", "xml")]),
    "html-escaped-xml-then-b64": (html.escape(KC) + f"\n\nResponse (base64): {b64(ADFS)}\n",
                                  [("Response", "xml"), ("Response", "post")]),
    "url-then-b64-in-prose": (f"AuthnRequest URL: {REDIRECT}\n\nResponse (base64):\n{wrapped(b64(KC))}\n",
                              [("AuthnRequest", "redirect"), ("Response", "post")]),
    "url-then-fenced-xml": (f"Request: {REDIRECT}\n\n```xml\n{KC}\n```\n",
                            [("AuthnRequest", "redirect"), ("Response", "xml")]),
}


@pytest.mark.parametrize("shape", sorted(MIXED))
def test_every_message_of_a_mixed_paste_is_read(tmp_path, shape):
    text, expected = MIXED[shape]
    path = tmp_path / "paste.txt"
    path.write_text(text, newline="")
    doc = _run(path, SP_KEY_CONFIG)
    assert doc["inputs"][0]["status"] == "scanned" and not doc["input_findings"], doc["input_findings"]
    got = [(m["type"], m["binding"]) for m in doc["messages"]]
    assert got == expected
    assert [m["ref"] for m in doc["messages"]] == [f"part {i}" for i in range(1, len(expected) + 1)]
    for m in doc["messages"]:
        if m["type"] in ("Response", "Assertion"):
            assert _verified(m), (m["ref"], m["signatures"])
        elif m["binding"] == "redirect":
            assert m["redirect_signature"]["verified"] is True


def test_a_form_body_in_prose_keeps_its_relay_state(tmp_path):
    path = tmp_path / "paste.txt"
    path.write_text(MIXED["url-xml-b64-form-body"][0])
    last = _run(path, SP_KEY_CONFIG)["messages"][-1]
    assert last["relay_state"] == "abc" and _verified(last)


@pytest.mark.parametrize("encode", [lambda x: wrapped(b64(x)), lambda x: f"SAMLResponse={quote(b64(x), safe='')}"],
                         ids=["base64", "form-body"])
def test_one_message_pasted_as_value_and_as_xml_is_one_message(tmp_path, encode):
    """The value the browser posted and the XML a decoder showed: two copies of one POST that
    decode to the same document, so one message (design.md: each decoded message appears once),
    the first part, verified, its ref naming the copy; not two uses (a false assertion-replayed)."""
    path = tmp_path / "paste.txt"
    path.write_text(f"posted:\n{encode(XML)}\n\ndecoded:\n{XML}\n")
    doc = _run(path, SP_KEY_CONFIG)
    assert [(m["type"], m["id"], m["binding"], m["ref"]) for m in doc["messages"]] == [
        ("Response", "id551454664850124839908035267", "post", "part 1 (also pasted as part 2)")]
    assert _verified(doc["messages"][0])
    assert not any(f["code"] == "assertion-replayed" for f in doc["input_findings"])
    assert not any("assertion-replayed" in a["findings"] for a in doc["attempts"])


def test_the_fast_paths_still_take_a_plain_message():
    """One XML document or one base64 value is still no paste (no step, no split)."""
    for text in (XML, PRETTY, b64(XML), wrapped(b64(XML)) + "\n"):
        assert paste.read(text, "x") is None


# --- hostile mixes: linear, bounded -----------------------------------------------------------

def _timed(text: str):
    start = time.process_time()
    got = paste.read(text, "x")
    return got, time.process_time() - start


def test_a_5mb_paste_of_short_lines_around_a_document_is_linear():
    """Every short line is base64-like or names a parameter, around one XML document: the gaps
    are scanned once, line by line."""
    lines = "PHNhbWxw\nSAMLResponse=PHNh\nok\nQUJD=\n" * 75_000  # ~2.7 MB each side: ~5 MB
    got, seconds = _timed(lines + XML + "\n" + lines)
    assert seconds < 2
    assert got is not None and 1 <= len(got[0]) <= paste.MAX_PIECES


def test_ten_thousand_tiny_documents_with_values_between_are_bounded():
    piece = '<Response ID="r"></Response>\nPHNhbWxwOlJlc3BvbnNlIElEPSJyIj48L3NhbWxwOlJlc3BvbnNlPg==\n'
    got, seconds = _timed(piece * 10_000 + f"SAMLResponse={b64(XML)}\n")
    assert seconds < 2
    raws, problems, _ = got
    assert len(raws) <= paste.MAX_PIECES and any(p.code == "input-too-large" for p in problems)
