"""samlify IdP responses judged by node-saml's SP and by samlscan (tests/data/livenode; SOURCES.md).

make.js made each message with samlify 2.13 (signed Response / Assertion / both, RSA-SHA1/256/512 and
RSASSA-PSS, the Assertion encrypted with every xml-encryption block cipher, OAEP or PKCS#1 v1.5 key
transport, misconfigurations) and recorded node-saml 5.1's verdict and error text under five settings.
Here each runs through samlscan with the same settings, for real (xmlsec decrypts and verifies): its
verdict agrees with node-saml's, node-saml's error text maps through the catalog to samlscan's cause,
or the disagreement is one of DISAGREE, each with its reason.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from external_util import analyze_sample, assert_text_maps, run_check
from samlscan.catalog import lookup

DATA = Path(__file__).resolve().parent / "data" / "livenode"
KEYS = Path(__file__).resolve().parent.parent / "fixtures" / "keys"
TABLE = json.loads((DATA / "verdicts.json").read_text())
SAMPLES = TABLE["samples"]
RIGHT = {"idp_cert": str(KEYS / "idp.crt"), "sp_key": str(KEYS / "sp.key"), "sp_entity_id": "sonarqube",
         "acs_url": "https://sonar.example.com/oauth2/callback/saml", "at": "2026-01-15T10:01:00Z"}
FLAGS = {"right": RIGHT, "wrong_cert": dict(RIGHT, idp_cert=str(KEYS / "attacker.crt")),
         "wrong_audience": dict(RIGHT, sp_entity_id="https://sonar.example.com"),
         "expired": dict(RIGHT, at="2026-01-15T10:10:00Z")}
"""samlscan's flags for node-saml's settings (make.js SETTINGS). node-saml's 'defaults' (Response AND
Assertion signed) has no samlscan counterpart: only its texts are mapped (test_every_text_maps)."""
SAME_CAUSE = {"signature-invalid": {"signature-invalid", "signature-cert-mismatch"}}
"""node-saml says 'Invalid signature' both when the signature is broken and when it verifies with
another certificate than idpCert; samlscan tells the two apart (signature-cert-mismatch: the KeyInfo
certificate verifies it and is not the configured one)."""
DISAGREE = {
    ("both-signed-wrong-acs", "right"): (
        "destination-mismatch", "node-saml never compares Destination or SubjectConfirmationData/@Recipient "
        "with callbackUrl (src/saml.ts writes Destination only into its own requests); SAML profiles 4.1.4.5 "
        "and SonarQube's java-saml require them to be the ACS URL"),
    ("assertion-signed-encrypted-aes256-cbc-rsa1_5", "right"): (
        None, "Node.js (since CVE-2023-46809) cannot open an rsa-1_5 EncryptedKey, xmlsec (samlscan) can: "
        "samlscan decrypts it and warns (encryption-rsa1_5), the login is valid for SonarQube"),
}


def _errors(name: str, flags: dict) -> set[str]:
    return {f.code for f in analyze_sample(DATA, name, **flags).findings if f.severity.value == "error"}


CASES = [(n, s) for n in sorted(SAMPLES) for s in FLAGS]


@pytest.mark.parametrize("name,setting", CASES)
def test_samlscan_agrees_with_node_saml(name, setting):
    verdict = SAMPLES[name]["node_saml"][setting]
    errors = _errors(name, FLAGS[setting])
    short = name.split("/")[1].removesuffix(".b64")
    other = DISAGREE.get((short, setting))
    if other is not None:
        finding, why = other
        assert why and errors == ({finding} if finding else set()), sorted(errors)
        return
    if verdict["valid"]:
        assert not errors, sorted(errors)
        return
    cause = lookup(verdict["error"], "node-saml")
    rsa1_5 = "RSA_PKCS1_PADDING" in verdict["error"]
    assert cause is not None, verdict["error"]
    if rsa1_5:  # node-saml stops at decryption; samlscan decrypts, then judges the setting's own fault
        assert {f.code for f in analyze_sample(DATA, name, **FLAGS[setting]).findings} >= {cause.code}
        return
    assert errors & SAME_CAUSE.get(cause.code, {cause.code}), (verdict["error"], sorted(errors))


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_no_traceback_and_the_exit_code_follows_the_errors(name):
    errors = _errors(name, RIGHT)
    args = {k: v for k, v in RIGHT.items()}
    assert run_check(DATA, name, args).exit_code == (1 if errors else 0)


@pytest.mark.parametrize("name", sorted(n for n in SAMPLES if SAMPLES[n]["made_with"].get("data")))
def test_every_encrypted_one_decrypts_with_the_sp_key(name):
    """aes128/256-cbc, aes128/256-gcm, tripledes-cbc; rsa-oaep-mgf1p and rsa-1_5, as xml-encryption writes them."""
    res = analyze_sample(DATA, name, **RIGHT)
    assert res.message.assertions and all(a.was_encrypted for a in res.message.assertions)
    assert "decryption-failed" not in {f.code for f in res.findings}


def test_rsa1_5_key_transport_is_warned_and_oaep_is_not():
    """xml-encryption's rsa-1_5 EncryptedKey (inside EncryptedData/KeyInfo) is found before decryption
    replaces it; the warning is the cause node-saml's Node.js text names."""
    codes = {f.code for f in analyze_sample(DATA, "messages/assertion-signed-encrypted-aes256-cbc-rsa1_5.b64",
                                            **RIGHT).findings}
    assert "encryption-rsa1_5" in codes
    for name in SAMPLES:
        if SAMPLES[name]["made_with"].get("data") and "rsa1_5" not in name:
            assert "encryption-rsa1_5" not in {f.code for f in analyze_sample(DATA, name, **RIGHT).findings}
    no_key = {k: v for k, v in RIGHT.items() if k != "sp_key"}
    assert "encryption-rsa1_5" in {f.code for f in analyze_sample(
        DATA, "messages/assertion-signed-encrypted-aes256-cbc-rsa1_5.b64", **no_key).findings}


def test_every_text_maps():
    """Each error text node-saml wrote maps to node-saml's catalog entry for the cause."""
    want = {"Invalid document signature": "signature-missing", "Invalid signature": "signature-invalid",
            "Invalid signature from encrypted assertion": "signature-invalid",
            "SAML assertion expired: clocks skewed too much": "assertion-expired",
            "RSA_PKCS1_PADDING is no longer supported for private decryption, this can be reverted with "
            "--security-revert=CVE-2023-46809": "encryption-rsa1_5"}
    texts = {v["error"] for row in SAMPLES.values() for v in row["node_saml"].values() if v["error"]}
    for text in texts:
        assert_text_maps(text, "node-saml", "audience-mismatch" if "audience mismatch" in text else want[text])


def test_signatures_verify_for_real():
    """Every algorithm samlify signs with verifies with idp.crt; a PSS signature too."""
    for name in ("response-signed-sha1", "assertion-signed-sha512", "both-signed-sha256-mgf1"):
        sigs = analyze_sample(DATA, f"messages/{name}.b64", **RIGHT).message.signatures
        assert sigs and all(s.verified for s in sigs), name


def test_signing_before_encrypting_breaks_the_response_signature():
    """samlify without encryptThenSign signs the Response, then swaps in the EncryptedAssertion."""
    name = "messages/response-signed-encrypted-aes256-cbc-oaep-sign-then-encrypt.b64"
    assert "signature-invalid" in _errors(name, RIGHT)
    assert not _errors("messages/response-signed-encrypted-aes256-gcm-oaep-encrypt-then-sign.b64", RIGHT)
