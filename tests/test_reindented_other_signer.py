"""A response re-indented after signing (a log's pretty-printed dump: OpenSAML's PROTOCOL_MESSAGE logger,
SimpleSAMLphp's XML::formatXMLString) and signed by a certificate the SP does not hold.

The whitespace-normalised copies were tried with the configured keys only, so such a copy was
'signature-invalid' (the digest fails on the bytes as given) instead of what the untouched message says:
a certificate mismatch, naming the signer (its KeyInfo certificate, or the IdP metadata's published one),
plus the re-indented note (support case 28, erin). Signed for real with fixtures/samlgen; re-indenting
changes whitespace between elements only (XML-DSig 4.5.4.1), a changed value must still fail.
"""
from __future__ import annotations

import sys
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import generate as GEN  # noqa: E402
from samlgen import build as B  # noqa: E402
from samlgen import keys as K  # noqa: E402
from samlgen import signer  # noqa: E402
from samlgen.render import render  # noqa: E402
from test_external_shapes import DEFAULT, by_code, analyze  # noqa: E402

from samlscan.certs import load_certs  # noqa: E402
from samlscan.sigverify import verify_document  # noqa: E402

STYLE = GEN.OKTA_ASSERTION_ONLY
A = "{urn:oasis:names:tc:SAML:2.0:assertion}"
NEW = K.load("idp-new")  # a key the SP does not hold (the IdP's rotated one)
TRUSTED = tuple(load_certs(K.load("idp").cert_pem, "configured"))
PUBLISHED = tuple(load_certs(NEW.cert_pem, "idp metadata"))


def _signed(pair, seed: str) -> bytes:
    return render(GEN.response(seed, STYLE), STYLE, pair)


def _keyname_only(pair, seed: str) -> bytes:
    """Signed by `pair`, its KeyInfo holding a ds:KeyName alone: only the metadata can name the signer."""
    root = B.build_response(GEN.response(seed, STYLE), STYLE)
    sig = signer.add_template(root.find(A + "Assertion"), STYLE)
    signer.key_value_only(sig, pair, "keyname")
    signer.sign_all(root, pair)
    return etree.tostring(root)


def _reindented(data: bytes) -> bytes:
    """As a pretty-printing logger prints it (fixtures/gen_printed.reindented)."""
    root = etree.fromstring(data, etree.XMLParser(remove_blank_text=True))
    return etree.tostring(root, pretty_print=True)


def _changed_value(data: bytes) -> bytes:
    """Re-indented, and one attribute value changed (what no whitespace normalisation may excuse)."""
    text = _reindented(data).decode()
    assert text.count(GEN.S.USER_EMAIL) >= 1
    return text.replace(GEN.S.USER_EMAIL, GEN.EVIL_EMAIL).encode()


def _sig(data: bytes, published=()):
    (result,) = verify_document(etree.fromstring(data), TRUSTED, published).signatures
    return result[1]


def test_reindented_and_signed_by_the_configured_key_is_the_reindented_note_only():
    info = _sig(_reindented(_signed(GEN.IDP, "ri-trusted")))
    assert (info.verified, info.reformatted) == (False, True) and info.failure == "digest"
    res = analyze(_reindented(_signed(GEN.IDP, "ri-trusted")))
    assert by_code(res, "xml-reformatted") and not by_code(res, "signature-cert-mismatch")
    assert not by_code(res, "signature-invalid")


def test_reindented_and_signed_by_an_untrusted_keyinfo_certificate_is_a_cert_mismatch():
    data = _reindented(_signed(NEW, "ri-new"))
    info = _sig(data)
    assert (info.verified, info.failure, info.reformatted) == (False, "cert-mismatch", True)
    res = analyze(data)
    (mismatch,) = by_code(res, "signature-cert-mismatch")
    assert load_certs(NEW.cert_pem, "x")[0].info.sha256 in mismatch.actual
    (note,) = by_code(res, "xml-reformatted")
    assert "a key its KeyInfo carries" in note.message_text and "not signed by a wrong key" not in note.message_text
    assert not by_code(res, "signature-invalid")


def test_compact_and_signed_by_an_untrusted_certificate_is_unchanged():
    info = _sig(_signed(NEW, "ri-compact"))
    assert (info.verified, info.failure, info.reformatted) == (False, "cert-mismatch", False)
    res = analyze(_signed(NEW, "ri-compact"))
    assert by_code(res, "signature-cert-mismatch") and not by_code(res, "xml-reformatted")


def test_a_changed_value_in_a_reindented_copy_stays_invalid_whoever_signed():
    for pair in (NEW, GEN.IDP):
        data = _changed_value(_signed(pair, "ri-changed"))
        info = _sig(data, PUBLISHED)
        assert (info.verified, info.failure, info.reformatted) == (False, "digest", False), pair.name
        res = analyze(data)
        assert by_code(res, "signature-invalid") and not by_code(res, "signature-cert-mismatch")
        assert not by_code(res, "xml-reformatted")


def test_reindented_with_a_keyname_only_is_named_by_the_published_certificate():
    data = _reindented(_keyname_only(NEW, "ri-keyname"))
    info = _sig(data, PUBLISHED)
    assert (info.verified, info.failure, info.reformatted) == (False, "cert-mismatch", True)
    assert info.published_signer == PUBLISHED[0].info
    # without the metadata nothing names a signer: the digest fails on the bytes as given
    bare = _sig(data)
    assert (bare.failure, bare.reformatted, bare.published_signer) == ("digest", False, None)


def test_a_changed_value_with_a_keyname_only_is_not_excused_by_the_published_certificate():
    data = _changed_value(_keyname_only(NEW, "ri-keyname-changed"))
    info = _sig(data, PUBLISHED)
    assert (info.failure, info.reformatted, info.published_signer) == ("digest", False, None)


def test_the_default_expectations_hold_the_configured_key_only():
    """(the analyze() cases above rely on it: the rotated key is no configured one)"""
    assert [c.info.sha256 for c in DEFAULT.idp_certs] == [TRUSTED[0].info.sha256]


def test_the_table_says_a_reindented_copy_signed_by_another_key_is_invalid_not_verified():
    """Case 28's CloudWatch export: four pretty-printed dumps signed by the configured key verify once
    re-indented; erin's, signed by CAS's restored key, is 'INVALID (cert-mismatch)', not 'verifies once
    whitespace is normalised' (which it said while the copy verified only with the unconfigured key)."""
    import subprocess
    case = Path(__file__).resolve().parent / "data" / "case28"
    out = subprocess.run([sys.executable, "-m", "samlscan", "scan", str(case / "filter-log-events.json"),
                          str(case / "sonar.properties"), "--timezone", "UTC", "--format", "table", "--details"],
                         capture_output=True, text=True).stdout
    states = [line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("Signed ")]
    assert len(states) == 5
    assert states.count("INVALID (cert-mismatch)") == 1
    assert sum(s.startswith("verifies once whitespace is normalised") for s in states) == 4
