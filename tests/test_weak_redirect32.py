"""signature-weak-algorithm on a redirect-binding Signature: 'expected' is the SigAlg's SHA-256 of the
same key kind (ECDSA-SHA256 for ecdsa-sha1, as the POST signatures' expected says), and SimpleSAMLphp's
clause of its fix is true for an EC key too. The query strings are signed for real here with keys
made for the test (never stored); the AuthnRequest is fixtures/captures/chrome-success.har's."""
from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from samlscan.checks.base import in_idp
from samlscan.config import build
from samlscan.engine import analyze

ROOT = Path(__file__).resolve().parents[1]
MORE, DSIG = "http://www.w3.org/2001/04/xmldsig-more#", "http://www.w3.org/2000/09/xmldsig#"
SSP_ISSUER = "https://idp.example.org/simplesaml/saml2/idp/metadata.php"


def _signed_url(sig_alg: str) -> str:
    url = json.loads((ROOT / "fixtures" / "captures" / "chrome-success.har").read_text())["log"]["entries"][3]["request"]["url"]
    base, query = url.split("?", 1)
    request = re.search(r"SAMLRequest=[^&]+", query).group(0)
    octets = f"{request}&SigAlg={quote(sig_alg, safe='')}"  # SAML bindings 3.4.4.1
    if "ecdsa" in sig_alg:
        sig = ec.generate_private_key(ec.SECP256R1()).sign(octets.encode(), ec.ECDSA(hashes.SHA1()))
    else:
        sig = rsa.generate_private_key(65537, 2048).sign(octets.encode(), padding.PKCS1v15(), hashes.SHA1())
    return f"{base}?{octets}&Signature={quote(base64.b64encode(sig).decode(), safe='')}"


@pytest.mark.parametrize("sig_alg, strong", [(MORE + "ecdsa-sha1", MORE + "ecdsa-sha256"),
                                             (DSIG + "rsa-sha1", MORE + "rsa-sha256")])
def test_a_weak_sigalg_expects_the_sha256_of_its_own_key_kind(tmp_path, sig_alg, strong):
    path = tmp_path / "redirect.txt"
    path.write_text(_signed_url(sig_alg) + "\n")
    report = analyze([str(path)], build({}, None))
    weak = [f for m in report.messages for f in m.findings if f.code == "signature-weak-algorithm"]
    assert weak and all(f.expected == strong and f.actual == sig_alg for f in weak), [(f.expected, f.actual) for f in weak]


def test_simplesamlphp_clause_does_not_send_an_ec_key_to_rsa_sha256():
    hint = in_idp("Configure the IdP to sign with ECDSA-SHA256 and digest with SHA-256.",
                  "signature-weak-algorithm", SSP_ISSUER)
    assert "SimpleSAMLphp: signature.algorithm" in hint
    # what to set is the key kind's algorithm; RSA-SHA256 (and leaving it unset) only for an RSA key
    assert re.search(r"set to http\S*rsa-sha256", hint) is None, hint
    assert "signing key's kind" in hint and re.search(r"RSA key[^;]*rsa-sha256", hint), hint
