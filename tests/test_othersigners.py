"""Messages signed by two XML-DSig implementations other than our generator (tests/data/othersigners,
made by make.py there with signxml and `xmlsec1 --sign`; SOURCES.md). Each is run through `samlscan check`
with the certificate a real SP would hold and the message's own time; the table says the verdict a real SP
gives and the error and warning codes samlscan must say for it (no traceback, nothing else)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from external_util import analyze_sample, run_check

DATA = Path(__file__).resolve().parent / "data" / "othersigners"
MANIFEST = json.loads((DATA / "manifest.json").read_text())
AT = "2026-01-15T10:00:30Z"
SP = dict(sp_entity_id="https://sonar.example.com/saml", acs_url="https://sonar.example.com/oauth2/callback/saml")

VERIFIED, INVALID, WEAK, MISMATCH, MISPLACED = "verified", "signature-invalid", "weak", "cert-mismatch", "misplaced"
TABLE = {
    # name: (the SP's certificate, the verdict a real SP gives, samlscan's error and warning codes)
    "x-okta-rsa2048-sha256-exc.xml": ("rsa2048", VERIFIED, set()),
    "x-okta-rsa2048-sha1.xml": ("rsa2048", WEAK, {"signature-weak-algorithm"}),
    "x-okta-rsa2048-sha256sig-sha1digest.xml": ("rsa2048", WEAK, {"signature-weak-algorithm"}),
    "x-okta-rsa2048-sha1sig-sha256digest.xml": ("rsa2048", WEAK, {"signature-weak-algorithm"}),
    "x-okta-rsa2048-sha384.xml": ("rsa2048", VERIFIED, set()),
    "x-okta-rsa2048-sha512.xml": ("rsa2048", VERIFIED, set()),
    "x-okta-rsa3072-sha256.xml": ("rsa3072", VERIFIED, set()),
    "x-okta-rsa1024-sha256.xml": ("rsa1024", WEAK, {"signature-weak-key"}),
    # inclusive C14N as the Reference's transform: java-saml verifies it, OpenSAML (Spring) refuses it
    # (outside SAML core 5.4.4): a warning
    "x-entra-inc-c14n.xml": ("rsa2048", VERIFIED, {"signature-transform-inclusive"}),
    "x-entra-inc-comments.xml": ("rsa2048", VERIFIED, {"signature-transform-inclusive"}),
    "x-entra-exc-comments.xml": ("rsa2048", VERIFIED, set()),
    "x-entra-c14n11.xml": ("rsa2048", VERIFIED, {"signature-transform-inclusive"}),
    # SignedInfo canonicalized one way, the Reference another: legal (XML-DSig 4.4.1 / 4.4.3.1 are separate)
    "x-adfs-si-exc-ref-inc.xml": ("rsa2048", VERIFIED, {"signature-transform-inclusive"}),
    "x-adfs-si-inc-ref-exc.xml": ("rsa2048", VERIFIED, set()),
    "x-keycloak-prefixlist.xml": ("rsa2048", VERIFIED, set()),
    "x-keycloak-prefixlist-default.xml": ("rsa2048", VERIFIED, set()),
    # ECDSA: a 256-bit EC key is no weak key (NIST SP 800-57: P-256 ~ 128-bit security, RSA-3072's)
    "x-okta-ecp256-sha256.xml": ("ecp256", VERIFIED, set()),
    "x-okta-ecp384-sha384.xml": ("ecp384", VERIFIED, set()),
    "x-okta-ecp256-sha1.xml": ("ecp256", WEAK, {"signature-weak-algorithm"}),
    "x-okta-ecp256-sha1sig-sha256digest.xml": ("ecp256", WEAK, {"signature-weak-algorithm"}),
    "x-okta-keyvalue-rsa.xml": ("rsa2048", VERIFIED, set()),
    "x-okta-keyname.xml": ("rsa2048", VERIFIED, set()),
    "x-okta-nokeyinfo.xml": ("rsa2048", VERIFIED, set()),
    "x-okta-ds-default-ns.xml": ("rsa2048", VERIFIED, set()),
    "x-okta-assertion.xml": ("rsa2048", VERIFIED, set()),
    "x-keycloak-both.xml": ("rsa2048", VERIFIED, set()),
    "x-okta-other-key.xml": ("rsa2048", MISMATCH, {"signature-cert-mismatch"}),
    "x-okta-other-key-keyvalue.xml": ("rsa2048", MISMATCH, {"signature-cert-mismatch"}),
    "x-okta-other-ec-key.xml": ("rsa2048", MISMATCH, {"signature-cert-mismatch"}),
    # no key in KeyInfo, the signer's RSA key as long as the configured one: nothing tells another key from
    # a changed SignedInfo, so samlscan says 'signature-invalid: wrong key, or SignedInfo changed' (a real SP
    # says 'invalid signature' too)
    "x-okta-other-key-nokeyinfo.xml": ("rsa2048", INVALID, {"signature-invalid"}),
    "x-okta-pretty-printed.xml": ("rsa2048", INVALID, {"xml-reformatted"}),
    "x-okta-ds-renamed.xml": ("rsa2048", INVALID, {"signature-invalid"}),
    "s-okta-response-placed.xml": ("rsa2048", VERIFIED, set()),
    # signxml's default place (no placeholder) is the signed element's last child: the signature verifies,
    # Spring/OpenSAML accept it; java-saml's schema check (SonarQube <= 10) refuses it
    "s-okta-response-default-place.xml": ("rsa2048", MISPLACED, {"schema-order-invalid"}),
    "s-okta-assertion-placed.xml": ("rsa2048", VERIFIED, set()),
    "s-okta-assertion-default-place.xml": ("rsa2048", MISPLACED, {"schema-order-invalid"}),
    "s-keycloak-assertion-embedded-exc.xml": ("rsa2048", MISPLACED, {"schema-order-invalid"}),
    # inclusive C14N signed standalone, then embedded: verifies here only because the Response declares
    # no namespace the Assertion does not (okta style: both on the root, inherited by the standalone copy)
    "s-okta-assertion-embedded-inc.xml": ("rsa2048", MISPLACED,
                                          {"schema-order-invalid", "signature-transform-inclusive"}),
    "s-entra-inc-comments.xml": ("rsa2048", VERIFIED, {"signature-transform-inclusive"}),
    "s-entra-c14n11.xml": ("rsa2048", VERIFIED, {"signature-transform-inclusive"}),
    "s-okta-ecp256.xml": ("ecp256", VERIFIED, set()),
    "s-okta-ecp384-sha512.xml": ("ecp384", VERIFIED, set()),
    "s-okta-rsa3072-sha512.xml": ("rsa3072", VERIFIED, set()),
    # RSASSA-PSS (XML-DSig 1.1 / RFC 6931 sha256-rsa-MGF1): libxmlsec1 1.3 verifies it (xmlsec1 1.2.37 has no PSS)
    "s-okta-rsa-pss.xml": ("rsa2048", VERIFIED, set()),
    "s-okta-keyvalue.xml": ("rsa2048", VERIFIED, set()),
    "s-okta-keyvalue-ec.xml": ("ecp256", VERIFIED, set()),
    # signxml 5.2 with namespaces={None: ds} into a placeholder writes SignatureValue and KeyInfo in the
    # enclosing default namespace: a broken signature (signxml's own verifier refuses its schema)
    "s-okta-ds-default-ns.xml": ("rsa2048", INVALID, {"signature-invalid"}),
    "s-adfs-ds-default-ns.xml": ("rsa2048", INVALID, {"signature-invalid"}),
    "s-okta-other-key.xml": ("rsa2048", MISMATCH, {"signature-cert-mismatch"}),
    "s-okta-pretty-printed.xml": ("rsa2048", INVALID, {"xml-reformatted"}),
}


def _flags(name: str) -> dict:
    return dict(SP, idp_cert=TABLE[name][0] + ".crt", at=AT)


def test_the_table_holds_every_sample():
    assert set(TABLE) == set(MANIFEST) == {p.name for p in DATA.glob("*.xml")}


@pytest.mark.parametrize("name", sorted(TABLE))
def test_check_gives_a_real_sps_verdict(name):
    cert, verdict, codes = TABLE[name]
    result = run_check(DATA, name, _flags(name))
    errors = {c for c in codes if c not in ("signature-weak-algorithm", "signature-weak-key", "schema-order-invalid",
                                               "signature-transform-inclusive")}
    assert result.exit_code == (1 if errors else 0), result.output
    res = analyze_sample(DATA, name, **_flags(name))
    assert {f.code for f in res.findings if f.severity.value in ("error", "warning")} == codes
    assert all(s.verified for s in res.message.signatures) == (verdict in (VERIFIED, WEAK, MISPLACED))


@pytest.mark.parametrize("name", sorted(n for n, v in TABLE.items() if v[1] in (VERIFIED, WEAK, MISPLACED)))
def test_xmlsec1_agrees_on_what_verifies(name):
    """make.py asked `xmlsec1 --verify` with the signer's certificate: what samlscan verifies, it verified
    (RSA-PSS aside: xmlsec1 1.2.37 has no PSS transform)."""
    assert MANIFEST[name]["xmlsec1_verifies_with_own_cert"] or name == "s-okta-rsa-pss.xml"


@pytest.mark.parametrize("name", sorted(n for n, v in TABLE.items() if v[1] == INVALID))
def test_what_xmlsec1_refuses_samlscan_refuses(name):
    assert not MANIFEST[name]["xmlsec1_verifies_with_idp_cert"] or name == "x-okta-other-key-nokeyinfo.xml"


def test_a_weak_ecdsa_sha1_signature_is_said_with_a_sha256_digest():
    """ecdsa-sha1 (RFC 4051 2.3.6) over a SHA-256 digest: the signature hashes SignedInfo with SHA-1, as
    weak as rsa-sha1; samlscan said nothing (its list of weak algorithms knew only RSA/DSA SHA-1)."""
    res = analyze_sample(DATA, "x-okta-ecp256-sha1sig-sha256digest.xml", **_flags("x-okta-ecp256-sha1sig-sha256digest.xml"))
    weak = [f for f in res.findings if f.code == "signature-weak-algorithm"]
    assert len(weak) == 1 and "ecdsa-sha1" in weak[0].message_text


@pytest.mark.parametrize("name", ["s-okta-ds-default-ns.xml", "s-adfs-ds-default-ns.xml"])
def test_a_signature_without_its_signature_value_is_malformed_not_redacted(name):
    """signxml's default-namespace output lacks a ds:SignatureValue: samlscan said the values were
    redacted ('a placeholder such as [omitted]'), sending the user after whoever shared the message."""
    res = analyze_sample(DATA, name, **_flags(name))
    assert [s.failure for s in res.message.signatures] == ["malformed"]
    texts = [f.message_text for f in res.findings if f.code == "signature-invalid"]
    assert len(texts) == 1 and "malformed" in texts[0] and "redacted before" not in texts[0]
