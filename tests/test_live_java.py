"""SAML signed by the JDK's own XML security, judged by the JDK and by samlscan (tests/data/livejava; SOURCES.md).

SignSaml.java signed each Response with javax.xml.crypto (Keycloak's and Shibboleth IdP's layouts: dsig:/ds:
prefixes, KeyName + X509Data, exc-c14n with PrefixList "xsd", base64 wrapped with &#13;, rsa-sha1/sha256),
encrypted Assertions to sp.crt (aes128-cbc, aes256-gcm, rsa-oaep-mgf1p), and recorded XMLSignature.validate's
verdict for every signature with idp.crt and attacker.crt, secureValidation off and on. Here samlscan verifies
(and decrypts) each for real with xmlsec and must agree.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from external_util import analyze_sample, assert_text_maps, run_check

DATA = Path(__file__).resolve().parent / "data" / "livejava"
KEYS = Path(__file__).resolve().parent.parent / "fixtures" / "keys"
SAMPLES = {**json.loads((DATA / "verdicts.json").read_text())["samples"],
           **json.loads((DATA / "verdicts-ignorelinebreaks.json").read_text())["samples"]}
RIGHT = {"idp_cert": str(KEYS / "idp.crt"), "sp_key": str(KEYS / "sp.key"), "sp_entity_id": "sonarqube",
         "acs_url": "https://sonar.example.com/oauth2/callback/saml", "at": "2026-01-15T10:01:00Z"}
WRONG = dict(RIGHT, idp_cert=str(KEYS / "attacker.crt"))
SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"


def _result(name: str, flags: dict):
    return analyze_sample(DATA, name, **flags)


def _errors(name: str, flags: dict) -> set[str]:
    return {f.code for f in _result(name, flags).findings if f.severity.value == "error"}


CASES = [(n, el, crt) for n in sorted(SAMPLES) for el in SAMPLES[n]["jdk"] for crt in ("idp", "attacker")]


@pytest.mark.parametrize("name,element,crt", CASES)
def test_each_signature_verifies_as_the_jdk_says(name, element, crt):
    """samlscan's verdict on each signed element (the Assertion after decryption) is the JDK's with
    secureValidation off, for the right and for a wrong configured certificate."""
    jdk = SAMPLES[name]["jdk"][element][f"{crt}.crt/secureValidation=off"]
    sigs = [s for s in _result(name, RIGHT if crt == "idp" else WRONG).message.signatures if s.parent == element]
    assert len(sigs) == 1, sigs
    assert sigs[0].verified is jdk["valid"], (sigs[0].failure, jdk)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_the_findings_follow_the_jdk(name):
    """Valid with idp.crt: no error; the other keys: signature-cert-mismatch (the KeyInfo certificate verifies
    it); changed after signing (the JDK: SignatureValue holds, a Reference does not): signature-invalid."""
    made, jdk = SAMPLES[name]["made_with"], SAMPLES[name]["jdk"]
    errors = _errors(name, RIGHT)
    right = [v["idp.crt/secureValidation=off"] for v in jdk.values()]
    if all(v["valid"] for v in right):
        assert not errors, sorted(errors)
    elif made["tampered"]:
        assert all(v["signature_value"] and not v["references"] for v in right)
        assert errors == {"signature-invalid"}, sorted(errors)
    else:
        assert made["key"] in ("attacker", "idp-new") and all(v["signature_value"] is False for v in right)
        assert errors == {"signature-cert-mismatch"}, sorted(errors)
    assert run_check(DATA, name, RIGHT).exit_code == (1 if errors else 0)


@pytest.mark.parametrize("name", sorted(n for n in SAMPLES if SAMPLES[n]["made_with"]["key"] in ("attacker", "idp-new")))
def test_another_key_verifies_with_its_own_certificate(name):
    """The JDK validates the attacker's signature with attacker.crt; so does samlscan given that certificate."""
    key = SAMPLES[name]["made_with"]["key"]
    sigs = _result(name, dict(RIGHT, idp_cert=str(KEYS / f"{key}.crt"))).message.signatures
    assert sigs and all(s.verified for s in sigs)
    if key == "attacker":
        assert all(v["attacker.crt/secureValidation=off"]["valid"] for v in SAMPLES[name]["jdk"].values())


@pytest.mark.parametrize("name", sorted(n for n in SAMPLES if SAMPLES[n]["made_with"]["enc"]))
def test_every_encrypted_one_decrypts_with_the_sp_key(name):
    res = _result(name, RIGHT)
    assert res.message.assertions and all(a.was_encrypted for a in res.message.assertions)
    assert "decryption-failed" not in {f.code for f in res.findings}
    no_key = {k: v for k, v in RIGHT.items() if k != "sp_key"}
    assert not any(s.parent == "Assertion" for s in _result(name, no_key).message.signatures)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_secure_validation_refuses_sha1_and_samlscan_warns(name):
    """JDK 17's secureValidation refuses rsa-sha1 before checking anything (JDK-8259709); samlscan verifies
    it and warns signature-weak-algorithm, the cause the JDK's text maps to; sha256 is accepted by both."""
    jdk = SAMPLES[name]["jdk"]
    codes = {f.code for f in _result(name, RIGHT).findings}
    on = [v["idp.crt/secureValidation=on"] for v in jdk.values()]
    if SAMPLES[name]["made_with"]["alg"] == SHA1:
        assert all(not v["valid"] and "secure validation" in v["error"] for v in on)
        assert "signature-weak-algorithm" in codes
        for v in on:
            assert_text_maps(v["error"], "keycloak", "signature-weak-algorithm")
    else:
        assert [v["valid"] for v in on] == [v["valid"] for v in (x["idp.crt/secureValidation=off"] for x in jdk.values())]
        assert "signature-weak-algorithm" not in codes


def test_the_quirks_are_in_the_recorded_files():
    """What the files must hold for these tests to mean anything: &#13; in the wrapped base64 (JDK 17's
    default), none with ignoreLineBreaks, the dsig:/ds: prefixes and Shibboleth's PrefixList."""
    text = {n: (DATA / n).read_text() for n in SAMPLES}
    assert all("&#13;" in t for n, t in text.items() if "ignorelinebreaks" not in n)
    assert all("&#13;" not in t for n, t in text.items() if "ignorelinebreaks" in n)
    assert all("<dsig:Signature" in t and "<dsig:KeyName>" in t for n, t in text.items() if "keycloak" in n)
    assert all('PrefixList="xsd"' in t and "<ds:Signature" in t for n, t in text.items() if "shibboleth" in n and "encrypted" not in n)
