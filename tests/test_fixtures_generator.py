"""The fixture generator: reproducible output, a consistent manifest, and real cryptography.

Signatures are checked with xmlsec directly (not samlscan's verifier), with the certificate each
manifest entry's config names, so these tests prove what the fixtures are, independently of the
code that will analyse them.
"""
from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, unquote

import pytest
import xmlsec
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from samlscan.codes import SPECS
from samlscan.model import Severity

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
GENERATE = FIXTURES / "generate.py"
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text())
NS_DS = "http://www.w3.org/2000/09/xmldsig#"
NS_XENC = "http://www.w3.org/2001/04/xmlenc#"
NS_A = "urn:oasis:names:tc:SAML:2.0:assertion"
NS_P = "urn:oasis:names:tc:SAML:2.0:protocol"
NS_MD = "urn:oasis:names:tc:SAML:2.0:metadata"
BROKEN_SIGNATURE = {"signature-invalid", "xml-reformatted", "signature-cert-mismatch"}
# Fixtures whose files are valid encodings of the same response or valid styles.
VALID_DIRS = ("responses/valid/", "responses/encodings/")

sys.path.insert(0, str(FIXTURES))
import generate  # noqa: E402
from samlgen import encryptor, keys  # noqa: E402


def _ids(entries):
    return [e["file"] for e in entries]


def _run_generate(*args: str) -> subprocess.CompletedProcess:
    """The real command line (used once; the other runs stay in-process for speed)."""
    return subprocess.run([sys.executable, str(GENERATE), *args], capture_output=True, text=True,
                          timeout=120)


def _main(capsys, *args: str) -> tuple[int, str]:
    code = generate.main(list(args))
    return code, capsys.readouterr().err


# --- Helpers: decode, configured keys, verify ---------------------------------------------------

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          remove_blank_text=False)


def decode(path: Path) -> bytes:
    """XML bytes of a fixture: raw XML, base64 (any alphabet, wrapped) or a form body."""
    text = path.read_bytes()
    if text.lstrip().startswith(b"<"):
        return text
    s = text.decode().strip()
    if "SAMLResponse=" in s:
        s = parse_qs(s)["SAMLResponse"][0]
    s = re.sub(r"\s+", "", s).replace("-", "+").replace("_", "/")
    return base64.b64decode(s + "=" * (-len(s) % 4), validate=True)


def parse(data: bytes):
    return etree.fromstring(data, _PARSER)


def config_of(entry) -> tuple[Path, dict]:
    path = FIXTURES / entry["config"]
    return path, tomllib.loads(path.read_text())


def configured_certs(entry) -> list[bytes]:
    """PEM certificates the config trusts for signing: idp_cert files and metadata signing keys."""
    path, cfg = config_of(entry)
    pems = [(path.parent / p).read_bytes() for p in cfg.get("idp_cert", [])]
    if "idp_metadata" in cfg:
        md = parse((path.parent / cfg["idp_metadata"]).read_bytes())
        for kd in md.iter(f"{{{NS_MD}}}KeyDescriptor"):
            if kd.get("use") in (None, "signing"):
                b64 = "".join(kd.findtext(f".//{{{NS_DS}}}X509Certificate").split())
                cert = x509.load_der_x509_certificate(base64.b64decode(b64))
                pems.append(cert.public_bytes(serialization.Encoding.PEM))
    if "sonar_settings" in cfg:
        pems.append(_sonar_cert(path.parent / cfg["sonar_settings"]))
    return pems


def _sonar_cert(path: Path) -> bytes:
    """sonar.auth.saml.certificate.secured from sonar.properties or api/settings/values JSON."""
    key = "sonar.auth.saml.certificate.secured"
    if path.suffix == ".json":
        settings = json.loads(path.read_text())["settings"]
        value = next(s["value"] for s in settings if s["key"] == key)
    else:
        value = next(line.split("=", 1)[1] for line in path.read_text().splitlines()
                     if line.startswith(key + "="))
    body = "".join(value.replace("-----BEGIN CERTIFICATE-----", "")
                   .replace("-----END CERTIFICATE-----", "").split())
    cert = x509.load_der_x509_certificate(base64.b64decode(body))
    return cert.public_bytes(serialization.Encoding.PEM)


def verify_signature(root, sig, cert_pem: bytes) -> bool:
    """xmlsec verification of one ds:Signature with one certificate."""
    ctx = xmlsec.SignatureContext()
    ctx.key = xmlsec.Key.from_memory(cert_pem, xmlsec.KeyFormat.CERT_PEM)
    for el in root.iter():
        if isinstance(el.tag, str) and el.get("ID"):
            ctx.register_id(el, "ID")
    try:
        ctx.verify(sig)
        return True
    except xmlsec.Error:
        return False


def signatures(root):
    return list(root.iter(f"{{{NS_DS}}}Signature"))


def verifies_with_any(root, sig, pems) -> bool:
    return any(verify_signature(root, sig, pem) for pem in pems)


def decrypt_all(root, key_pem: bytes) -> int:
    """Decrypt every EncryptedData in place with xmlsec; returns how many."""
    manager = xmlsec.KeysManager()
    manager.add_key(xmlsec.Key.from_memory(key_pem, xmlsec.KeyFormat.PEM, None))
    n = 0
    for ed in list(root.iter(f"{{{NS_XENC}}}EncryptedData")):
        xmlsec.EncryptionContext(manager).decrypt(ed)
        n += 1
    return n


# --- Generator ------------------------------------------------------------------------------------

def test_generate_check_passes_on_committed_output():
    proc = _run_generate("--check")
    assert proc.returncode == 0, proc.stderr


@pytest.fixture()
def fixture_copy(tmp_path):
    """A copy of the generated folders, for --check to judge."""
    for d in ("responses", "requests", "config", "metadata"):
        shutil.copytree(FIXTURES / d, tmp_path / d)
    shutil.copy(FIXTURES / "manifest.json", tmp_path / "manifest.json")
    return tmp_path


def test_generate_check_passes_on_identical_copy(fixture_copy, capsys):
    assert _main(capsys, "--check", "--out", str(fixture_copy))[0] == 0


def test_generate_check_fails_on_changed_file(fixture_copy, capsys):
    target = fixture_copy / "responses/valid/okta.xml"
    target.write_bytes(target.read_bytes().replace(b"devuser1", b"devuser2"))
    code, err = _main(capsys, "--check", "--out", str(fixture_copy))
    assert code == 1
    assert "differs: responses/valid/okta.xml" in err


def test_generate_check_fails_on_stale_and_missing_files(fixture_copy, capsys):
    (fixture_copy / "responses/defects/old-defect.xml").write_text("<x/>")
    (fixture_copy / "config/entra.toml").unlink()
    code, err = _main(capsys, "--check", "--out", str(fixture_copy))
    assert code == 1
    assert "stale (not generated): responses/defects/old-defect.xml" in err
    assert "missing: config/entra.toml" in err


def test_generate_writes_then_check_passes(tmp_path, capsys):
    assert _main(capsys, "--out", str(tmp_path))[0] == 0
    assert (tmp_path / "manifest.json").is_file()
    assert _main(capsys, "--check", "--out", str(tmp_path))[0] == 0


def test_generation_is_deterministic():
    first, second = generate.generate(), generate.generate()
    assert first.files == second.files


# --- Manifest -------------------------------------------------------------------------------------

def missing_files(entries, root: Path) -> list[str]:
    return [p for e in entries for p in (e["file"], e["config"]) if not (root / p).is_file()]


def bad_codes(entries) -> list[str]:
    """Codes that are unknown, or listed under the wrong severity key."""
    out = []
    for e in entries:
        for code in e["expect"]:
            if code not in SPECS or SPECS[code].severity == Severity.INFO:
                out.append(f"{e['file']}: {code}")
        for code in e.get("expect_info", []):
            if code not in SPECS or SPECS[code].severity != Severity.INFO:
                out.append(f"{e['file']}: {code}")
    return out


def test_every_manifest_file_and_config_exists():
    assert missing_files(MANIFEST, FIXTURES) == []


def test_missing_manifest_file_is_detected():
    fake = [{"file": "responses/nope.xml", "config": "config/default.toml", "expect": []}]
    assert missing_files(fake, FIXTURES) == ["responses/nope.xml"]


def test_manifest_codes_are_known_and_at_the_right_severity():
    assert bad_codes(MANIFEST) == []


def test_bad_manifest_codes_are_detected():
    fake = [{"file": "f", "config": "c", "expect": ["no-such-code", "unsolicited-response"],
             "expect_info": ["audience-mismatch"]}]
    assert bad_codes(fake) == ["f: no-such-code", "f: unsolicited-response", "f: audience-mismatch"]


def test_manifest_covers_every_finding_code_of_the_brief():
    listed = {c for e in MANIFEST for c in (*e["expect"], *e.get("expect_info", []))}
    brief = {
        "status-not-success", "issuer-mismatch", "issuer-missing", "destination-mismatch",
        "recipient-mismatch", "audience-mismatch", "audience-missing", "inresponseto-mismatch",
        "unsolicited-response", "assertion-missing", "assertion-multiple", "version-unsupported",
        "assertion-expired", "assertion-not-yet-valid", "subject-confirmation-expired",
        "session-expired", "clock-skew", "signature-missing", "signature-invalid",
        "signature-cert-mismatch", "signature-weak-algorithm", "signature-weak-key",
        "cert-expired", "cert-expiring-soon", "xml-reformatted", "signature-wrapping",
        "nameid-comment-injection", "assertion-encrypted-no-key", "decryption-failed",
        "email-missing", "email-under-other-name", "email-empty", "email-multivalued",
        "email-invalid-format", "email-nameid-mismatch", "login-attribute-missing",
        "name-attribute-missing", "group-attribute-missing", "groups-overage-claim",
        "attribute-duplicate-name", "input-bad-base64", "input-bad-deflate",
        "input-xml-malformed", "input-dtd-forbidden", "input-not-saml", "input-redacted",
    }
    assert brief - listed == set()


# --- Real signatures ------------------------------------------------------------------------------

VALID = [e for e in MANIFEST if e["file"].startswith(VALID_DIRS)]
BROKEN = [e for e in MANIFEST if BROKEN_SIGNATURE & set(e["expect"])]


@pytest.mark.parametrize("entry", VALID, ids=_ids(VALID))
def test_valid_response_verifies_with_configured_cert(entry):
    root = parse(decode(FIXTURES / entry["file"]))
    sigs = signatures(root)
    assert sigs, "a valid style must be signed"
    pems = configured_certs(entry)
    for sig in sigs:
        parent = sig.getparent()
        ref = sig.find(f".//{{{NS_DS}}}Reference").get("URI")
        assert ref == "#" + parent.get("ID"), "SAML core 5.4.2: the signature covers its parent"
        assert verifies_with_any(root, sig, pems)


@pytest.mark.parametrize("entry", VALID, ids=_ids(VALID))
def test_valid_response_does_not_verify_with_attacker_cert(entry):
    root = parse(decode(FIXTURES / entry["file"]))
    attacker = keys.load("attacker").cert_pem
    assert not any(verify_signature(root, sig, attacker) for sig in signatures(root))


@pytest.mark.parametrize("entry", BROKEN, ids=_ids(BROKEN))
def test_tampered_response_does_not_verify(entry):
    root = parse(decode(FIXTURES / entry["file"]))
    pems = configured_certs(entry)
    assert not all(verifies_with_any(root, sig, pems) for sig in signatures(root))


def test_cert_mismatch_verifies_with_the_key_that_signed_it():
    root = parse((FIXTURES / "responses/defects/signature-cert-mismatch.xml").read_bytes())
    new = keys.load("idp-new").cert_pem
    assert all(verify_signature(root, sig, new) for sig in signatures(root))


def test_rollover_metadata_does_not_offer_the_encryption_key_for_signing():
    entry = {"config": "config/rollover.toml"}
    pems = configured_certs(entry)
    assert keys.load("idp-new").cert_pem in pems
    assert keys.load("idp-enc").cert_pem not in pems


@pytest.mark.parametrize("layout", ["extensions", "sibling"])
def test_wrapping_signature_verifies_but_covers_another_assertion(layout):
    root = parse((FIXTURES / f"responses/defects/signature-wrapping-{layout}.xml").read_bytes())
    consumed = root.find(f"{{{NS_A}}}Assertion")  # what an SP reading Response/Assertion takes
    [sig] = signatures(root)
    assert verify_signature(root, sig, keys.load("idp").cert_pem)
    assert sig.getparent() is not consumed
    assert consumed.find(f"{{{NS_DS}}}Signature") is None


def test_comment_injection_still_verifies():
    root = parse((FIXTURES / "responses/defects/nameid-comment-injection.xml").read_bytes())
    name_id = root.find(f".//{{{NS_A}}}NameID")
    assert name_id.text == "dev.user1@example.com"  # the first text node only
    assert "".join(name_id.itertext()) == "dev.user1@example.com.evil.test"
    assert all(verify_signature(root, s, keys.load("idp").cert_pem) for s in signatures(root))


# --- Real encryption ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["shibboleth-gcm-oaep", "shibboleth-cbc-rsa15"])
def test_encrypted_assertion_decrypts_with_sp_key(name):
    root = parse((FIXTURES / f"responses/valid/{name}.xml").read_bytes())
    assert decrypt_all(root, keys.load("sp").key_pem) == 1
    assertion = root.find(f".//{{{NS_A}}}Assertion")
    assert assertion.findtext(f".//{{{NS_A}}}NameID") == "dev.user1@example.com"


def test_encrypted_for_other_sp_does_not_decrypt_with_sp_key():
    data = (FIXTURES / "responses/defects/decryption-failed.xml").read_bytes()
    with pytest.raises(xmlsec.Error):
        decrypt_all(parse(data), keys.load("sp").key_pem)
    assert decrypt_all(parse(data), keys.load("sp-other").key_pem) == 1


def test_seeded_oaep_is_standard_oaep():
    sp = keys.load("sp")
    wrapped = encryptor.rsa_encrypt(sp, b"k" * 16, encryptor.RSA_OAEP, "unit")
    oaep = padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None)
    assert sp.private_key.decrypt(wrapped, oaep) == b"k" * 16
    with pytest.raises(ValueError):
        keys.load("sp-other").private_key.decrypt(wrapped, oaep)


# --- Redirect binding -----------------------------------------------------------------------------

SIGNED_REDIRECT = FIXTURES / "requests/authnrequest-redirect-signed.txt"


def _redirect_parts(url: str) -> tuple[bytes, bytes]:
    query = url.strip().split("?", 1)[1]
    signed, sig = query.split("&Signature=")
    return signed.encode(), base64.b64decode(unquote(sig))


def test_signed_redirect_verifies_with_sp_cert():
    signed, sig = _redirect_parts(SIGNED_REDIRECT.read_text())
    keys.load("sp").cert.public_key().verify(sig, signed, padding.PKCS1v15(), hashes.SHA256())


def test_signed_redirect_fails_when_relaystate_changes():
    signed, sig = _redirect_parts(SIGNED_REDIRECT.read_text())
    changed = re.sub(rb"RelayState=[^&]*", b"RelayState=other", signed)
    with pytest.raises(InvalidSignature):
        keys.load("sp").cert.public_key().verify(sig, changed, padding.PKCS1v15(), hashes.SHA256())


# --- Keys -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,bits,not_after", [
    ("idp", 2048, "2034-01-01"), ("idp-expired", 2048, "2025-01-01"),
    ("idp-expiring", 2048, "2025-03-25"), ("idp-weak", 1024, "2034-01-01"),
])
def test_committed_keys_match_the_brief(name, bits, not_after):
    pair = keys.load(name)
    assert pair.cert.public_key().key_size == bits
    assert pair.cert.not_valid_after_utc.date().isoformat() == not_after
    assert pair.private_key.public_key().public_numbers() == pair.cert.public_key().public_numbers()
