"""fuzz34: hostile signed messages that reach _reformatted's unconfigured-signer path (a re-indented copy
tried with the KeyInfo keys and the IdP metadata's certificates).

Every key a KeyInfo or the metadata listed cost one verification (one canonicalisation of the signed
element) on the message and again on each whitespace-normalised copy: a re-indented response whose
KeyInfo repeated certificates 1,000 times took 2.4 s, one of 5,000 elements with 300 published
certificates 4.8 s. A diagnosis now tries the first MAX_KEYS_TRIED distinct keys of each. Signed for
real with fixtures/samlgen; what is added (KeyInfo certificates, metadata) is outside what is signed.

Signature wrapping on a re-indented response never verified, but a signed Assertion moved under an unsigned
one was said to be only re-indented: a signature that verifies on the normalised copy now counts for
check_wrapping as one that verifies.
"""
from __future__ import annotations

import copy
import sys
import time
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import generate as GEN  # noqa: E402
from samlgen import build as B  # noqa: E402
from samlgen import keys as K  # noqa: E402
from samlgen import signer  # noqa: E402

from samlscan.certs import load_certs  # noqa: E402
from samlscan.sigverify import MAX_KEYS_TRIED, verify_document  # noqa: E402

STYLE = GEN.OKTA_ASSERTION_ONLY
A = "{urn:oasis:names:tc:SAML:2.0:assertion}"
DS = "{http://www.w3.org/2000/09/xmldsig#}"
NEW = K.load("idp-new")  # the signer: a key the SP does not hold
TRUSTED = tuple(load_certs(K.load("idp").cert_pem, "configured"))
OTHERS = [K.load(n) for n in ("attacker", "idp-weak", "idp-expired", "idp-expiring", "sp", "sp-other", "idp-enc")]


def _signed(seed: str, values: int, keyname: bool = False, pair=NEW) -> bytes:
    """A response whose Assertion (signed by `pair`) holds `values` AttributeValue elements."""
    root = B.build_response(GEN.response(seed, STYLE), STYLE)
    attr = etree.SubElement(root.find(A + "Assertion").find(A + "AttributeStatement"), A + "Attribute", Name="x")
    for i in range(values):  # (none: the Attribute empty)
        etree.SubElement(attr, A + "AttributeValue").text = str(i)
    sig = signer.add_template(root.find(A + "Assertion"), STYLE)
    if keyname:
        signer.key_value_only(sig, pair, "keyname")
    signer.sign_all(root, pair)
    return etree.tostring(root)


def _b64(pair) -> str:
    return "".join(line for line in pair.cert_pem.decode().splitlines() if "CERTIFICATE" not in line)


def _with_keyinfo_certs(data: bytes, pairs: list) -> bytes:
    """KeyInfo (unsigned) given these certificates before the signer's own."""
    root = etree.fromstring(data)
    x509 = next(root.iter(DS + "X509Data"))
    for pair in reversed(pairs):
        cert = etree.Element(DS + "X509Certificate")
        cert.text = _b64(pair)
        x509.insert(0, cert)
    return etree.tostring(root)


def _reindented(data: bytes) -> bytes:
    return etree.tostring(etree.fromstring(data, etree.XMLParser(remove_blank_text=True)), pretty_print=True)


def _timed(data: bytes, published=()):
    """The verification's result and the CPU seconds it took (this process's: xmlsec runs in it),
    not wall time, which other processes (xdist's other worker, a busy CI) stretch."""
    start = time.process_time()
    (result,) = verify_document(etree.fromstring(data), TRUSTED, published).signatures
    return result[1], time.process_time() - start


def test_a_keyinfo_repeating_certificates_costs_its_distinct_ones():
    data = _reindented(_with_keyinfo_certs(_signed("fz34-keyinfo", 5000), OTHERS * 60))
    info, took = _timed(data)
    # 420 certificates, 8 distinct: the signer's (last) still named; old code 2.4 s (0.14 s now)
    assert (info.verified, info.failure, info.reformatted) == (False, "cert-mismatch", True)
    assert took < 1.2, took


def test_metadata_listing_hundreds_of_certificates_costs_a_bounded_number():
    data = _reindented(_signed("fz34-published", 5000, keyname=True))
    published = tuple(c for p in OTHERS for c in load_certs(p.cert_pem, "idp metadata")) * 40
    info, took = _timed(data, published)  # old code 4.8 s (0.15 s now)
    assert (info.verified, info.failure, info.reformatted) == (False, "digest", False)
    assert took < 1.2, took
    # the signer published among them is still found (tried newest first, each once)
    info, _ = _timed(data, published + tuple(load_certs(NEW.cert_pem, "idp metadata")))
    assert (info.verified, info.failure, info.reformatted) == (False, "cert-mismatch", True)


def test_a_signer_behind_more_distinct_keys_than_are_tried_is_a_failure_never_verified():
    extra = [K.load("idp")] + OTHERS  # 8 distinct before the signer's, the configured one among them
    assert len(extra) == MAX_KEYS_TRIED
    info, _ = _timed(_reindented(_with_keyinfo_certs(_signed("fz34-ninth", 10), extra)))
    # (the old code tried all 9 and said foreign-key-beside-configured; a capped diagnosis says less,
    # a failure all the same)
    assert info.verified is False and info.failure in ("digest", "foreign-key-beside-configured")


def _wrapped_under_advice(data: bytes) -> bytes:
    """XSW: the signed Assertion moved into the Advice of an unsigned copy naming another user, which
    takes its place (the attack itself: what is signed is untouched)."""
    root = etree.fromstring(data)
    signed = root.find(A + "Assertion")
    evil = copy.deepcopy(signed)
    evil.remove(evil.find(DS + "Signature"))
    evil.set("ID", "_evil")
    for name in evil.iter(A + "NameID"):
        name.text = GEN.EVIL_EMAIL
    root.replace(signed, evil)
    etree.SubElement(evil, A + "Advice").append(signed)
    return etree.tostring(root)


def test_a_wrapping_of_a_reindented_response_is_still_a_wrapping():
    """Signed by the configured key: compact, xmlsec verifies the moved Assertion and check_wrapping
    says the consumed one is not it; re-indented, the signature verified only on a normalised copy
    and the finding was xml-reformatted alone ('not signed by a wrong key')."""
    from test_external_shapes import analyze, by_code

    data = _signed("fz34-xsw", 0, pair=GEN.IDP)
    for shown in (_wrapped_under_advice(data), _wrapped_under_advice(_reindented(data)),
                  _reindented(_wrapped_under_advice(data))):
        res = analyze(shown)
        assert by_code(res, "signature-wrapping"), [f.code for f in res.findings]
    assert not by_code(analyze(_reindented(data)), "signature-wrapping")  # re-indented alone is none


def test_the_normalised_copies_are_made_once_a_document(monkeypatch):
    """Each diagnosed signature deep-copied the whole document for each of the five variants: a 7 MB
    response of four re-indented assertions whose content changed took 5.3 s (1.8 s made once)."""
    from samlscan import sigverify

    root = etree.fromstring(_signed("fz34-once0", 50))
    for i in range(1, 4):
        root.append(etree.fromstring(_signed(f"fz34-once{i}", 50)).find(A + "Assertion"))
    for av in root.iter(A + "AttributeValue"):
        av.text += "!"  # (every signed assertion changed after signing: no variant verifies)
    made = []
    real = sigverify._normalised_copy
    monkeypatch.setattr(sigverify, "_normalised_copy", lambda r, v: made.append(v) or real(r, v))
    infos = [i for _, i in verify_document(etree.fromstring(_reindented(etree.tostring(root))), TRUSTED).signatures]
    assert [i.failure for i in infos] == ["digest"] * 4
    assert len(made) == len(set(made)) <= 5, made
