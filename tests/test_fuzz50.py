"""fuzz50: what the thirty-third session's mutation campaigns and pathological shapes broke or stalled.

- A certificate whose public key is of an algorithm cryptography does not know (a fuzzed KeyInfo certificate's
  rsaEncryption OID turned by one byte, 1.2.840.113549.1.1.1 -> 1.2.880...; GOST or SM2 the same):
  UnsupportedAlgorithm, no ValueError, failed the input as internal-error. It is read now (its key named by
  OID), xmlsec makes no key of it, and the signature is judged with the other keys.
- A HAR postData 'params' that is no array; a comment or PI among a Reference's Transforms.
- One long line: thousands of SAML parameters (quadratic), long values matched by regexes that kept
  backtracking state per character (memory), a head of HTML comments without a page (never ended).

Signed responses come from fixtures/samlgen (fixtures/responses/valid/okta.xml); what a test changes is outside
what is signed (XML-DSig 4.5: KeyInfo is not covered by an enveloped signature's SignedInfo) or is the point.
"""
from __future__ import annotations

import base64
import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from samlgen import keys as K  # noqa: E402
from test_external_shapes import DEFAULT, analyze, by_code  # noqa: E402

from samlscan.certs import load_certs  # noqa: E402
from samlscan.sigverify import _key  # noqa: E402

VALID = Path(__file__).resolve().parents[1] / "fixtures" / "responses" / "valid" / "okta.xml"
DS = "{http://www.w3.org/2000/09/xmldsig#}"
RSA_OID = bytes.fromhex("06092a864886f70d010101")  # 1.2.840.113549.1.1.1, rsaEncryption (RFC 8017 A.1)
ODD_OID = bytes.fromhex("06092a867086f70d010101")  # 1.2.880.113549.1.1.1: no algorithm anyone knows


def _odd_key(der: bytes) -> bytes:
    assert der.count(RSA_OID) == 1
    return der.replace(RSA_OID, ODD_OID)


def _odd_pem(pem: bytes) -> bytes:
    der = base64.b64decode(b"".join(line for line in pem.splitlines() if b"CERTIFICATE" not in line))
    return b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(_odd_key(der)) + b"-----END CERTIFICATE-----\n"


def _with_odd_keyinfo_cert(data: bytes) -> bytes:
    """The Response's own signature's KeyInfo certificates changed (the Assertion's are inside what
    the Response's signature covers)."""
    root = etree.fromstring(data)
    els = list(root.find(DS + "Signature").iter(DS + "X509Certificate"))
    assert els
    for el in els:
        el.text = base64.b64encode(_odd_key(base64.b64decode("".join(el.text.split())))).decode()
    return etree.tostring(root)


def test_a_keyinfo_certificate_of_an_unknown_key_algorithm_leaves_the_configured_key_to_verify():
    res = analyze(_with_odd_keyinfo_cert(VALID.read_bytes()))
    assert not by_code(res, "internal-error")
    assert res.message.signatures and all(s.verified for s in res.message.signatures)


def test_without_a_configured_key_the_same_response_fails_its_signature_not_samlscan():
    res = analyze(_with_odd_keyinfo_cert(VALID.read_bytes()), replace(DEFAULT, idp_certs=(), idp_aggregates=()))
    assert not by_code(res, "internal-error")
    assert not any(s.verified for s in res.message.signatures)
    # said for what it is: a key samlscan cannot use, not 'a wrong key' (the Assertion's, untouched, verifies
    # with its own KeyInfo)
    (said,) = by_code(res, "signature-invalid")
    assert "of an algorithm samlscan (xmlsec) cannot use" in said.message_text
    assert "unsupported key algorithm 1.2.880.113549.1.1.1" in said.message_text
    assert said.actual == "a key of an unsupported algorithm" and "RSA or EC certificate" in said.hint
    plain = analyze(VALID.read_bytes().replace(b"dev.user1@", b"dev.user2@"),
                    replace(DEFAULT, idp_certs=(), idp_aggregates=()))
    assert not any("cannot use" in f.message_text for f in by_code(plain, "signature-invalid"))


def test_a_configured_certificate_of_an_unknown_key_algorithm_is_read_and_verifies_nothing():
    (odd,) = load_certs(_odd_pem(K.load("idp").cert_pem), "--idp-cert")
    assert odd.info.key_type == "unsupported key algorithm 1.2.880.113549.1.1.1" and odd.info.key_bits is None
    assert _key(odd) is None
    (plain,) = load_certs(K.load("idp").cert_pem, "--idp-cert")
    assert (plain.info.key_type, plain.info.key_bits) == ("RSA", 2048) and _key(plain) is not None
    res = analyze(VALID.read_bytes(), replace(DEFAULT, idp_certs=(odd,)))
    assert not by_code(res, "internal-error")
    assert not any(s.verified for s in res.message.signatures)


# --- a HAR whose postData 'params' is no array ------------------------------------------------------

HAR = Path(__file__).resolve().parents[1] / "fixtures" / "captures" / "chrome-success.har"


def _har_with_params(tmp_path, params) -> Path:
    har = json.loads(HAR.read_text())
    posts = [e["request"]["postData"] for e in har["log"]["entries"] if e["request"].get("postData")]
    assert posts
    for post in posts:
        post["params"] = params
    out = tmp_path / "capture.har"
    out.write_text(json.dumps(har))
    return out


def _scanned(path: Path) -> dict:
    from click.testing import CliRunner

    from samlscan.cli import main

    got = CliRunner().invoke(main, ["check", str(path), "--format", "json", "--fail-on", "never",
                                    "--config", str(HAR.parents[1] / "config" / "default.toml")])
    assert got.exit_code == 0, got.output
    return json.loads(got.stdout)


@pytest.mark.parametrize("params", [1e308, -1, True, "SAMLResponse=x", {"name": "SAMLResponse"}])
def test_a_har_params_of_another_type_is_read_as_none_the_body_text_still_read(tmp_path, params):
    """A fuzzed HAR (params: 1e308) failed the input with "'float' object is not iterable"; its
    postData text still holds the SAMLResponse, which is read."""
    got = _scanned(_har_with_params(tmp_path, params))
    assert not [f for f in got["input_findings"] if f["code"] == "internal-error"]
    assert len(got["messages"]) == len(_scanned(HAR)["messages"]) >= 1


# --- a comment among a Reference's Transforms ----------------------------------------------------

def _with_transforms_comment(data: bytes, where: str) -> bytes:
    """A comment (or PI) put first in the Response signature's Transforms: inside SignedInfo, which
    exclusive C14N without comments canonicalizes without it (C14N 1.0 1.1, Exc-C14N 3)."""
    root = etree.fromstring(data)
    transforms = root.find(f"{DS}Signature/{DS}SignedInfo/{DS}Reference/{DS}Transforms")
    transforms.insert(0, etree.Comment(" fuzz ") if where == "comment" else etree.ProcessingInstruction("fuzz"))
    return etree.tostring(root)


@pytest.mark.parametrize("where", ["comment", "pi"])
def test_a_comment_among_the_transforms_is_no_internal_error(where):
    """A fuzzed response with a comment in its Transforms failed the input ("'NoneType' object has
    no attribute 'startswith'": lxml's get() of a comment, with a default, is None): the digest
    diagnosis now skips what is no element."""
    data = _with_transforms_comment(VALID.read_bytes(), where)
    res = analyze(data)
    assert not by_code(res, "internal-error"), [f.code for f in res.findings]
    # C14N drops a comment, keeps a PI (Canonical XML 1.0 2.3): SignedInfo unchanged, or changed
    assert [(s.verified, s.failure) for s in res.message.signatures][0] == (
        (True, None) if where == "comment" else (False, "signed-info-changed"))
    # (the content after the signature changed: diagnosed, never verified)
    broken = analyze(data.replace(b"dev.user1@example.com", b"dev.user2@example.com"))
    assert not by_code(broken, "internal-error") and not all(s.verified for s in broken.message.signatures)


# --- one long line: per-parameter and per-character costs -----------------------------------------

def test_a_line_of_thousands_of_saml_parameters_is_read_in_linear_time():
    """8,000 'SAMLResponse=' values joined by '&' (a 1 MB line) took 150 s: each value searched its
    whole query run for SigAlg/Signature again (_named). Each run is read once now (0.1 s)."""
    import time

    from samlscan.logs.embedded import find_values

    line = "&".join("SAMLResponse=" + "A" * 100 for _ in range(8000))
    start = time.process_time()
    found = find_values(line)
    assert len(found) == 8000 and {f.binding for f in found} == {"unknown"}
    assert time.process_time() - start < 5  # (150 s before)


def _peak_mb(fn) -> float:
    import tracemalloc

    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


LONG = 2_000_000


@pytest.mark.parametrize("module, name, text", [
    ("samlscan.inputs.blob", "_RUN", "A" * LONG),
    ("samlscan.inputs.blob", "_QUERY_PARAM", "SAMLResponse=" + "A" * LONG),
    ("samlscan.sanitize", "_JSON_PAIR", '"text": "' + "A" * LONG + '"'),
    ("samlscan.logs.loki", "_LABEL", 'msg="' + "A" * LONG + '"'),
    ("samlscan.logs.keycloak", "_PAIR", 'error="' + "A" * LONG + '"'),
    ("samlscan.config.kinds", "_METADATA_ROOT", "<!--" + "A" * LONG + "--><EntityDescriptor "),
    ("samlscan.privatekeys", "_RUN_AT", "MII" + "A" * LONG),
    ("samlscan.privatekeys", "_PEM", "-----BEGIN PRIVATE KEY-----\n" + "QUJD" * (LONG // 4) + " y"),
])
def test_a_long_value_is_matched_without_state_per_character(module, name, text):
    """A regex repeating a group of alternatives one character at a time keeps ~120 bytes of
    backtracking state per repetition: a 10 MB SAMLResponse pasted as a form body took 1.2 GB, a 4 MB
    response in base64 705 MB where its XML took 188; a lazy loop the same (privatekeys._PEM: 2 MB
    after a BEGIN line, 240 MB). The patterns now take a stretch of characters per repetition,
    possessively (Python 3.11's *+), and match the same."""
    import importlib

    pattern = getattr(importlib.import_module(module), name)
    got = []
    assert _peak_mb(lambda: got.append(pattern.search(text))) < 10  # (240 MB each before)
    assert got[0] is not None and got[0].end() >= LONG


def test_the_prolog_before_a_root_is_matched_without_state_per_character():
    from samlscan.report.regions import _PROLOG

    data = b"<?xml version='1.0'?><!--" + b"-" * 3 + b"x" * LONG + b"--><Response/>"
    got = []
    assert _peak_mb(lambda: got.append(_PROLOG.match(data))) < 10
    assert got[0] is not None and data[got[0].end() - 1:got[0].end() + 8] == b"<Response"


@pytest.mark.parametrize("text, end", [
    ("SAMLResponse=[SAMLResponse redacted] rest", "[SAMLResponse redacted]"),
    ("SAMLResponse=abc[x y]def&RelayState=1 HTTP/1.1", "abc[x y]def&RelayState=1"),
    ("SAMLRequest=<samlrequest>&x=1 y", "<samlrequest>&x=1"),
    ("SAMLRequest=a[b\"c d", "a[b"),
])
def test_a_run_ends_where_it_did(text, end):
    """The run (blob._RUN) from a parameter's name: its end as before the rewrite (bracketed and
    angled placeholders kept whole, a lone '[' a character of the run)."""
    from samlscan.inputs.blob import _RUN

    assert _RUN.match(text).end() == text.index(end) + len(end)


def test_a_head_of_comments_without_a_page_ends():
    """2,000 HTML comments and then no page (a 16 KB head) never ended: the comments' lazy bodies
    could span each other, and the loop tried every grouping (blob._HTML_START)."""
    import time

    from samlscan.inputs.blob import _html_not_saml

    start = time.process_time()
    assert not _html_not_saml("<!--x-->" * 300_000 + "<html><form><input name=SAMLResponse value=abc></form>")
    assert time.process_time() - start < 5
    assert _html_not_saml("<!-- a -- b --> \n<!---->\n<HTML><body>Sign-in failed</body></html>")
    assert not _html_not_saml("<!-- a --><samlp:Response xmlns:samlp='urn:oasis:names:tc:SAML:2.0:protocol'/>")
    assert not _html_not_saml("<!-- unclosed <html><body>x</body></html>")


def test_a_configured_certificate_of_an_unknown_key_algorithm_is_said_when_read(tmp_path):
    """Said among the run's notes from the start (fuzz50 left it silent until a signature failed)."""
    from click.testing import CliRunner

    from samlscan.cli import main

    odd, plain = tmp_path / "odd.pem", tmp_path / "plain.pem"
    odd.write_bytes(_odd_pem(K.load("idp").cert_pem))
    plain.write_bytes(K.load("idp").cert_pem)
    notes = {}
    for cert in (odd, plain):
        got = CliRunner().invoke(main, ["check", str(VALID), "--idp-cert", str(cert), "--format", "json",
                                        "--fail-on", "never"])
        notes[cert.name] = [n for n in json.loads(got.stdout)["summary"]["notes"] if "cannot verify signatures with" in n]
    assert notes["plain.pem"] == []
    (said,) = notes["odd.pem"]
    assert said.startswith(f"{odd}: the IdP certificate ") and "(unsupported key algorithm 1.2.880.113549.1.1.1)" in said
