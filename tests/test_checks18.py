"""checks18: three signature and destination findings said for their own case (live recordings).

1. livenode assertion-signed-idp-new-key: the digest matched and only the SignatureValue failed, yet
   the fix was the generic 'if the digest failed ... if the signature value failed'.
2. livesspsp wrong-destination: a Destination on another path than the SP's ACS is the IdP's entry
   (side idp), a scheme, host or port apart stays the SP's base URL (side sp, case 10).
3. livenode sign-then-encrypt: samlify signed the Response before it swapped in the EncryptedAssertion;
   samlscan said signature-invalid without saying why.
Each test here failed on the code before (or guards the other half of its fix)."""
from __future__ import annotations

import base64
import json
from pathlib import Path

from click.testing import CliRunner

from external_util import analyze_sample
from samlscan.catalog import lookup, placeholder_values
from samlscan.cli import main
from samlscan.codes import SIGNED_BY_ANOTHER_KEY_FIX, STALE_ACS_FIX, spec

TESTS = Path(__file__).resolve().parent
NODE = TESTS / "data" / "livenode"
SSPSP = TESTS / "data" / "livesspsp"
KEYS = TESTS.parent / "fixtures" / "keys"
NODE_SP = {"idp_cert": str(KEYS / "idp.crt"), "sp_key": str(KEYS / "sp.key"), "sp_entity_id": "sonarqube",
           "acs_url": "https://sonar.example.com/oauth2/callback/saml", "at": "2026-01-15T10:01:00Z"}
SSP_ACS = "http://127.0.0.1:8766/module.php/saml/sp/saml2-acs.php/default-sp"
SSP_SP = {"idp_cert": str(KEYS / "idp.crt"), "sp_entity_id": "https://sp.example.net/ssp-sp",
          "acs_url": SSP_ACS, "at": "2026-11-29T13:32:45Z"}
SIGN_THEN_ENCRYPT = "messages/response-signed-encrypted-aes256-cbc-oaep-sign-then-encrypt.b64"


def _one(data: Path, name: str, code: str, **flags):
    (f,) = [f for f in analyze_sample(data, name, **flags).findings if f.code == code]
    return f


def _tampered(tmp_path: Path, name: str, old: str, new: str) -> str:
    """A copy of a recorded message with one value changed after signing (what samlscan must call
    changed content): written under tmp_path, the recording itself untouched."""
    xml = base64.b64decode((NODE / name).read_text()).decode()
    assert old in xml
    out = tmp_path / Path(name).name
    out.write_text(base64.b64encode(xml.replace(old, new, 1).encode()).decode())
    return out.name


# --- 1. intact content, another key ---------------------------------------------------------------

def test_a_matching_digest_under_another_key_says_so_and_what_to_compare():
    f = _one(NODE, "messages/assertion-signed-idp-new-key.b64", "signature-invalid", **NODE_SP)
    assert "digest matches" in f.message_text and "a wrong key (a rotated or another one) signed it" in f.message_text
    assert f.hint != spec("signature-invalid").fix and "If the digest failed" not in f.hint
    assert f.hint.startswith(SIGNED_BY_ANOTHER_KEY_FIX)  # the code's text lives in codes.py alone
    # samlify put the configured idp.crt in KeyInfo while idp-new.key signed: said, with the setting
    assert "KeyInfo carries the configured certificate itself" in f.hint
    assert "sonar.auth.saml.certificate.secured" in f.hint and f.side == "sp"


def test_a_changed_content_keeps_the_digest_explanation(tmp_path):
    name = _tampered(tmp_path, "messages/assertion-signed-sha256.b64", "jane.doe@example.com", "eve@example.com")
    f = _one(tmp_path, name, "signature-invalid", **{**NODE_SP, "idp_cert": str(KEYS / "idp.crt")})
    assert "digest of the signed content does not match" in f.message_text
    assert f.hint == spec("signature-invalid").fix and f.side is None


# --- 2. a Destination on another path -------------------------------------------------------------

def test_a_destination_on_another_path_is_the_idps_entry():
    f = _one(SSPSP, "wrong-destination.b64", "destination-mismatch", **SSP_SP)
    assert f.side == "idp"
    assert f.hint.startswith(STALE_ACS_FIX.format(want=SSP_ACS, got="https://sp.example.net/wrong/acs").rstrip("."))


def test_a_destination_apart_in_scheme_host_or_port_only_stays_the_sps_base_url():
    for acs in ("http://sp.example.net/wrong/acs", "https://internal-host:8443/wrong/acs/"):
        f = _one(SSPSP, "wrong-destination.b64", "destination-mismatch", **{**SSP_SP, "acs_url": acs})
        assert f.side is None and "another path" not in f.hint, acs  # the code's side: sp
        assert spec("destination-mismatch").side == "sp"


def test_the_scan_of_ssps_logged_refusal_says_the_idp_posts_to_another_path():
    """No --acs-url: SimpleSAMLphp's log line quotes both URLs (its catalog pattern's placeholders)."""
    res = CliRunner().invoke(main, ["scan", str(SSPSP), "--exclude", "record.py", "--format", "json",
                                    "--fail-on", "never"])
    (a,) = [a for a in json.loads(res.stdout)["attempts"] if a["root_cause"] == "destination-mismatch"]
    assert a["side"] == "idp"
    assert a["fix"].startswith(STALE_ACS_FIX.format(want=SSP_ACS, got="https://sp.example.net/wrong/acs").rstrip("."))
    assert "baseurlpath" not in a["fix"]  # the proxy advice is for a scheme, host or port apart


def test_placeholder_values_of_a_logged_line():
    ssp = ('Exception: Destination in response doesn\'t match the current URL. Destination is "https://a/x", '
           'current URL is "https://a/y".')
    assert placeholder_values(lookup(ssp, "simplesamlphp"), ssp) == {"destination": "https://a/x",
                                                                     "current": "https://a/y"}
    # a placeholder that ends the pattern stops at the log's own delimiters (SonarQube's web.log)
    java = ("The response was received at http://h/oauth2/callback/saml instead of "
            "https://h/oauth2/callback/saml][method|OAUTH2]")
    assert placeholder_values(lookup(java, "sonarqube"), java)["destination"] == "https://h/oauth2/callback/saml"
    assert placeholder_values(lookup(ssp, "simplesamlphp"), "nothing of it") == {}
    # python3-saml's reason in social-core's parentheses (python3-saml issue 83): a port apart, one path
    zulip = ("SAML login failed: ['invalid_response'] (The response was received at "
             "https://chat.example.com:80/complete/saml/ instead of https://chat.example.com/complete/saml/)")
    assert placeholder_values(lookup(zulip, "python3-saml"), zulip)["destination"].endswith("/complete/saml/")


# --- 3. signed before encrypting ------------------------------------------------------------------

def test_a_response_signed_before_its_assertion_was_encrypted_is_said_so():
    f = _one(NODE, SIGN_THEN_ENCRYPT, "signature-invalid", **NODE_SP)
    assert "signed the Response before it encrypted the Assertion" in f.message_text
    assert "encryptThenSign" in f.hint and f.side == "idp"
    res = analyze_sample(NODE, SIGN_THEN_ENCRYPT, **NODE_SP)
    assert "signed-before-encryption:_samlify_resp_19" in res.message.structure


def test_without_the_sp_key_it_cannot_be_proven_and_is_not_said():
    no_key = {k: v for k, v in NODE_SP.items() if k != "sp_key"}
    f = _one(NODE, SIGN_THEN_ENCRYPT, "signature-invalid", **no_key)
    assert "before it encrypted" not in f.message_text
    assert "digest of the signed content does not match" in f.message_text


def test_a_changed_response_that_was_signed_after_encrypting_is_not_blamed_on_the_order(tmp_path):
    name = _tampered(tmp_path, "messages/response-signed-encrypted-aes256-gcm-oaep-encrypt-then-sign.b64",
                     'InResponseTo="_sonar_req_17"', 'InResponseTo="_sonar_req_99"')
    f = _one(tmp_path, name, "signature-invalid", **NODE_SP)
    assert "before it encrypted" not in f.message_text
    assert "digest of the signed content does not match" in f.message_text


def test_a_response_signed_after_encrypting_verifies():
    res = analyze_sample(NODE, "messages/response-signed-encrypted-aes256-gcm-oaep-encrypt-then-sign.b64",
                         **NODE_SP)
    assert all(s.verified for s in res.message.signatures)
    assert not any(x.startswith("signed-before-encryption") for x in res.message.structure)
