"""A SAML message a php-saml app logs through Monolog's LineFormatter without
allowInlineLineBreaks (Symfony's default): every line break became a space, so the copy is on one
line (fixtures/gen_monolog20.py writes tests/data/monolog20/).

Changed behaviour (the tests marked so fail on the code before it): such a copy of a valid response
was signature-invalid (a false failed login); it is xml-reformatted-by-log (info), while a copy of a
response changed after signing stays signature-invalid.
"""
from __future__ import annotations

import sys
from pathlib import Path

from lxml import etree
from test_dumps19 import _scan

from samlscan import sigverify
from samlscan.logs.embedded import flattened

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "monolog20"
RESPONSES = ROOT / "fixtures" / "responses"
sys.path.insert(0, str(ROOT / "fixtures"))
import gen_monolog20  # noqa: E402

T58 = "2025-03-11T08:40:58Z"
T59 = "2025-03-11T08:40:59Z"


def _read(doc: dict) -> list[tuple]:
    return [(m["captured_at"], sorted(f["code"] for f in m["findings"])) for m in doc["messages"]]


def test_the_logs_are_the_generators_output():
    assert gen_monolog20.main(["--check", str(DATA)]) == 0


def test_the_log_holds_each_message_on_one_line():
    lines = (DATA / "symfony-oneline.log").read_text().splitlines()
    assert len(lines) == 8 and all(line.startswith("[2025-03-11T08:40:") for line in lines)
    assert '<?xml version="1.0"?> <saml2p:Response' in lines[1]


def test_one_line_copies_of_valid_responses_are_reformatted_by_the_log():
    """Fails on the old code: each was signature-invalid."""
    doc = _scan(DATA / "symfony-oneline.log")
    assert [(i["status"], i["kind"]) for i in doc["inputs"]] == [("scanned", "log:embedded")]
    assert _read(doc) == [
        (T58, ["xml-reformatted-by-log", "xml-reformatted-by-log"]),  # signed indented
        (T58, ["xml-reformatted-by-log"]),  # compact: only the Response's signature covers wrapped base64
        (T58, ["signature-invalid", "signature-invalid"]),  # changed after signing
        (T59, ["audience-mismatch", "xml-reformatted-by-log"]),
    ]


def test_a_tampered_one_line_copy_stays_signature_invalid():
    doc = _scan(DATA / "symfony-oneline.log")
    tampered = doc["messages"][2]
    assert [s["verified"] for s in tampered["signatures"]] == [False, False]
    assert [a["outcome"] for a in doc["attempts"]] == ["failure"]
    assert doc["attempts"][0]["root_cause"] == "signature-invalid"


def _root(name: str, one_line: bool):
    text = (RESPONSES / name).read_text()
    return etree.fromstring((gen_monolog20.one_line(text) if one_line else text).encode())


def test_line_breaks_put_back_only_where_whitespace_carries_no_value():
    """The variant restores a flattened valid response byte for byte where it matters, and changes
    no text but whitespace between tags and inside base64 values."""
    flat = _root("valid/okta-pretty-signed.xml", True)
    copy = sigverify._line_breaks_copy(flat)
    original = _root("valid/okta-pretty-signed.xml", False)
    assert etree.tostring(copy, method="c14n") == etree.tostring(original, method="c14n")
    assert sigverify._line_breaks_copy(_root("valid/okta.xml", False)) is None  # nothing flattened


def test_a_value_with_a_space_is_left_as_it_is():
    """A signed value whose own text holds spaces (an attribute value, a NameID) keeps them: the
    variant touches no leaf but base64 ones."""
    root = etree.fromstring(b'<r xmlns:ds="http://www.w3.org/2000/09/xmldsig#"> <a>Dev User One</a>'
                            b' <ds:SignatureValue>AAAA BBBB </ds:SignatureValue></r>')
    copy = sigverify._line_breaks_copy(root)
    assert copy.text == "\n" and copy[0].text == "Dev User One" and copy[0].tail == "\n"
    assert copy[1].text == "AAAA\nBBBB\n"


def test_flattened_tells_a_one_line_log_copy():
    assert flattened('<samlp:Response ID="x"> <saml:Issuer>i</saml:Issuer></samlp:Response>')
    assert flattened("<Response><ds:SignatureValue>AAAA BBBB</ds:SignatureValue></Response>")
    assert not flattened('<samlp:Response ID="x"><saml:Issuer>i</saml:Issuer></samlp:Response>')
    assert not flattened("<Response>\n  <Issuer>i</Issuer>\n</Response>")
    assert not flattened("PHNhbWxwOlJlc3BvbnNl")


def test_the_finding_says_the_log_wrote_the_message_on_one_line():
    doc = _scan(DATA / "symfony-oneline.log")
    texts = {f["message_text"] for f in doc["messages"][0]["findings"]}
    assert texts and all(t.endswith("re-indented or on one line") for t in texts)


def test_a_response_logged_as_context_is_the_json_strings_value():
    """Monolog's context is JSON: the XML's quotes escaped, its line breaks the escape '\\n' (which
    replaceNewlines leaves alone), so unescaped it is the response byte for byte. Fails on the old
    code: each copy was input-xml-malformed (the escaped prolog ended the value at the Assertion)."""
    doc = _scan(DATA / "symfony-context.log")
    assert not doc["input_findings"]
    assert [[s["verified"] for s in m["signatures"]] for m in doc["messages"]] == [[True, True], [False, False]]
    assert _read(doc) == [(T58, []), (T58, ["signature-invalid", "signature-invalid"])]


def test_xml_not_in_a_json_string_is_left_as_it_is():
    from samlscan.logs.embedded import find_embedded
    line = 'msg <samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="a\\"b"></samlp:Response>'
    assert find_embedded(line) == [line[4:]]
