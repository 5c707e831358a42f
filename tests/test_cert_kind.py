"""An encryption certificate where the signing one belongs, told apart from a rotation.

The IdP metadata lists a KeyDescriptor use="signing" and one use="encryption" (SAML metadata
2.4.1.1). Two support cases were both called 'the IdP most likely rotated its signing certificate':
- the SP holds the IdP's ENCRYPTION certificate (the admin copied the wrong KeyDescriptor into
  SonarQube's sonar.auth.saml.certificate.secured) while the message verifies with the signing one;
  and with --idp-metadata beside it the message even passed: the metadata's signing certificate was
  trusted beside the configured one, so the SP's mistake never showed;
- the IdP signs with the certificate its metadata lists for encryption (the IdP's to fix).
Responses are signed for real by samlgen with the committed test keys (fixtures/keys: idp.key
signs, idp-enc.key is the IdP's encryption key); metadata and SonarQube settings are written by
samlgen into tmp_path.
"""
from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES))
import generate as GEN  # noqa: E402
from samlgen import configs, messages  # noqa: E402
from samlgen import keys as K  # noqa: E402
from samlgen.render import render  # noqa: E402

from samlscan.config import build  # noqa: E402
from samlscan.correlate import correlate  # noqa: E402
from samlscan.engine import analyze as analyze_files  # noqa: E402

AT = "2025-03-11T08:41:02Z"
IDP, ENC, NEW = K.load("idp"), K.load("idp-enc"), K.load("idp-new")
SONAR = "sonar.auth.saml.certificate.secured"


def _sha1(pair: K.KeyPair) -> str:
    from cryptography.hazmat.primitives import hashes

    return ":".join(f"{b:02X}" for b in pair.cert.fingerprint(hashes.SHA1()))


def _expect(tmp_path, signing=(IDP,), encryption=(ENC,), sonar_cert=None, idp_cert=None):
    """Expectations from IdP metadata (signing and encryption KeyDescriptors), plus SonarQube
    settings holding `sonar_cert` or an --idp-cert file of `idp_cert`."""
    flags: dict = {"at": AT}
    if signing or encryption:
        md = tmp_path / "idp-metadata.xml"
        md.write_bytes(messages.idp_metadata(signing, encryption))
        flags["idp_metadata"] = [str(md)]
    if sonar_cert is not None:
        props = tmp_path / "sonar.properties"
        props.write_bytes(configs.sonar_properties(configs.sonar_settings(sonar_cert)))
        flags["sonar_settings"] = [str(props)]
    if idp_cert is not None:
        crt = tmp_path / f"{idp_cert.name}.crt"
        crt.write_bytes(idp_cert.cert_pem)
        flags["idp_cert"] = [str(crt)]
    return build(flags, None)


def _run(tmp_path, expect, signer: K.KeyPair = IDP, seed: str = "cert-kind"):
    path = tmp_path / f"{seed}.xml"
    path.write_bytes(render(GEN.response(seed, GEN.OKTA), GEN.OKTA, signer))
    rep = correlate(analyze_files([str(path)], expect))
    (res,) = rep.messages
    return res, rep.attempts


def _mismatch(res):
    found = [f for f in res.findings if f.code == "signature-cert-mismatch"]
    assert len(found) == 1, [(f.code, f.message_text) for f in res.findings]
    return found[0]


# --- the SP holds the IdP's encryption certificate ----------------------------------------------

def test_sonarqube_holding_the_encryption_certificate_is_said_with_its_fix(tmp_path):
    res, attempts = _run(tmp_path, _expect(tmp_path, sonar_cert=ENC))
    assert not any(s.verified for s in res.message.signatures)  # as SonarQube judges it
    f = _mismatch(res)
    assert "rotated" not in f.message_text
    assert 'publishes for encryption (KeyDescriptor use="encryption")' in f.message_text
    assert f"(SHA-1 {_sha1(ENC)}) is the one" in f.message_text
    assert "verifies with the metadata's signing certificate" in f.message_text and _sha1(IDP) in f.message_text
    assert f.hint.startswith("Paste the IdP's signing certificate") and SONAR in f.hint and _sha1(IDP) in f.hint
    assert f.side is None  # the SP's to fix: the code's own side
    (attempt,) = attempts
    assert attempt.root_cause == "signature-cert-mismatch" and attempt.side == "sp"
    assert SONAR in attempt.fix


def test_idp_cert_flag_holding_the_encryption_certificate_is_said_too(tmp_path):
    """The hint names where the certificate goes: SonarQube's setting for a response sent to its
    ACS (engine._as_receiver), the flag under --profile generic."""
    f = _mismatch(_run(tmp_path, _expect(tmp_path, idp_cert=ENC))[0])
    assert "publishes for encryption" in f.message_text and "sonar.auth.saml.certificate.secured" in f.hint
    generic = replace(_expect(tmp_path, idp_cert=ENC), profile="generic")
    f = _mismatch(_run(tmp_path, generic)[0])
    assert "publishes for encryption" in f.message_text and "--idp-cert" in f.hint


def test_the_right_certificate_beside_the_same_metadata_verifies(tmp_path):
    """Control: SonarQube holding the signing certificate; the metadata changes nothing."""
    res, _ = _run(tmp_path, _expect(tmp_path, sonar_cert=IDP))
    assert all(s.verified for s in res.message.signatures)
    assert not [f for f in res.findings if f.code.startswith("signature-")]


def test_the_certificate_the_sp_holds_is_named_where_the_sp_holds_it(tmp_path):
    """The metadata lists the certificate SonarQube holds too: it was named 'from <metadata>
    KeyDescriptor #1', not from sonar.auth.saml.certificate.secured (noticed with case 7)."""
    (held,) = _expect(tmp_path, sonar_cert=IDP).idp_certs
    assert "sonar.properties" in held.info.origin and SONAR in held.info.origin


def test_metadata_signing_certificates_are_still_trusted_beside_another_configured_one(tmp_path):
    """Control: the rollover case (an older certificate configured, the metadata's new one trusted
    beside it) is unchanged: only a configured ENCRYPTION certificate stops that."""
    expect = _expect(tmp_path, signing=(IDP, NEW), idp_cert=IDP)
    res, _ = _run(tmp_path, expect, signer=NEW)
    assert all(s.verified for s in res.message.signatures)


def test_sonarqube_holding_the_old_certificate_beside_the_current_metadata_fails_as_sonarqube_does(tmp_path):
    """The most common failure: the IdP rotated and published its new certificate, SonarQube still
    holds the old one. SonarQube trusts only its setting, so the message fails as it does there
    (given the metadata beside the settings, it passed); the metadata names the certificate."""
    for signing in ((NEW,), (IDP, NEW)):  # the metadata after the rotation, or during its rollover
        res, attempts = _run(tmp_path, _expect(tmp_path, signing=signing, encryption=(), sonar_cert=IDP), signer=NEW)
        assert not any(s.verified for s in res.message.signatures)
        f = _mismatch(res)
        assert "The IdP metadata publishes that certificate for signing" in f.message_text
        assert _sha1(NEW) in f.message_text and _sha1(NEW) in f.hint and SONAR in f.hint
        assert f.side is None
        (attempt,) = attempts
        assert (attempt.outcome, attempt.root_cause, attempt.side) == ("failure", "signature-cert-mismatch", "sp")


def test_sonarqube_holding_the_current_certificate_beside_the_metadata_verifies(tmp_path):
    """Control: the setting is right; the metadata changes nothing."""
    res, _ = _run(tmp_path, _expect(tmp_path, signing=(IDP, NEW), encryption=(), sonar_cert=NEW), signer=NEW)
    assert all(s.verified for s in res.message.signatures)


def test_without_metadata_an_encryption_certificate_cannot_be_told(tmp_path):
    """Control: nothing says the configured certificate is an encryption one: a rotation, as before."""
    f = _mismatch(_run(tmp_path, _expect(tmp_path, signing=(), encryption=(), idp_cert=ENC))[0])
    assert "rotated its signing certificate" in f.message_text and "encryption" not in f.message_text


# --- the IdP signs with its encryption certificate ----------------------------------------------

def test_idp_signing_with_its_encryption_certificate_is_the_idps_to_fix(tmp_path):
    res, attempts = _run(tmp_path, _expect(tmp_path, sonar_cert=IDP), signer=ENC)
    f = _mismatch(res)
    assert "rotated" not in f.message_text
    assert "the IdP signs with its encryption certificate instead of its signing certificate" in f.message_text
    assert _sha1(IDP) in f.message_text
    assert "Make the IdP sign with the certificate its metadata publishes for signing" in f.hint
    assert SONAR in f.hint  # ... and not to 'fix' it by configuring the encryption one
    assert f.side == "idp"
    (attempt,) = attempts
    assert attempt.side == "idp"


def test_the_rollover_fixture_signed_by_the_encryption_key_says_so():
    """fixtures/responses/defects/signature-cert-mismatch-encryption-key.xml, judged as its
    manifest entry says (config/rollover.toml)."""
    expect = build({}, FIXTURES / "config" / "rollover.toml")
    rep = analyze_files([str(FIXTURES / "responses" / "defects" / "signature-cert-mismatch-encryption-key.xml")],
                        expect)
    f = _mismatch(rep.messages[0])
    assert "signs with its encryption certificate instead of its signing certificates" in f.message_text
    assert f.side == "idp"


def test_a_key_the_metadata_does_not_list_for_encryption_is_a_rotation(tmp_path):
    """Control: signed by the new key, which this metadata does not list at all."""
    f = _mismatch(_run(tmp_path, _expect(tmp_path, sonar_cert=IDP), signer=NEW)[0])
    assert "rotated its signing certificate" in f.message_text and "encryption" not in f.message_text
    assert f.side is None


def test_an_unreadable_encryption_certificate_does_not_refuse_the_metadata(tmp_path):
    md = tmp_path / "idp-metadata.xml"
    md.write_bytes(messages.idp_metadata((IDP,), (ENC,)).replace(ENC.cert_b64[:60].encode(), b"!!!!"))
    expect = build({"idp_metadata": [str(md)], "at": AT}, None)
    assert [c.info.sha1 for c in expect.idp_certs] == [_sha1(IDP)]
    assert expect.metadata_certs("encryption") == ()


def test_the_idps_logout_request_signed_by_its_encryption_key_says_so_too(tmp_path):
    """An IdP-initiated LogoutRequest is judged by the same rule as a Response (it had its own
    'the IdP most likely rotated' text)."""

    from lxml import etree
    from samlgen import signer as sign

    def logout(pair: K.KeyPair):
        path = tmp_path / f"logout-{pair.name}.xml"
        root = etree.fromstring(
            '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
            'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_lq1" Version="2.0" '
            'IssueInstant="2025-03-11T09:15:00Z" Destination="https://sonar.example.com/saml/slo">'
            '<saml:Issuer>https://idp.example.org/saml2/idp</saml:Issuer>'
            '<saml:NameID>jdoe</saml:NameID></samlp:LogoutRequest>')
        sign.add_template(root, replace(GEN.OKTA, signature_method="rsa-sha256", digest_method="sha256"))
        sign.sign_all(root, pair)
        path.write_bytes(etree.tostring(root))
        (res,) = analyze_files([str(path)], _expect(tmp_path, sonar_cert=IDP)).messages
        return res

    f = _mismatch(logout(ENC))
    assert "of the IdP's LogoutRequest does not verify" in f.message_text
    assert "the IdP signs with its encryption certificate" in f.message_text and f.side == "idp"
    g = _mismatch(logout(NEW))  # control: a key the metadata does not list
    assert "rotated its signing certificate" in g.message_text and g.side is None


# --- python3-saml's settings.json: what it trusts is what its settings say ---------------------

def _p3_body(pair: K.KeyPair) -> str:
    return "".join(pair.cert_pem.decode().split("-----")[2].split())


def _p3_run(tmp_path, idp: dict, metadata=(), signer=NEW):
    import json

    from samlgen import scenario as S

    s = tmp_path / "settings.json"
    s.write_text(json.dumps({"sp": {"entityId": S.SP_ENTITY_ID,
                                    "assertionConsumerService": {"url": S.SP_BASE_URL + "/oauth2/callback/saml"}},
                             "idp": {"entityId": S.IDP_ENTITY_ID, **idp}}))
    flags: dict = {"at": AT}
    if metadata:
        md = tmp_path / "md.xml"
        md.write_bytes(messages.idp_metadata(metadata, ()))
        flags["idp_metadata"] = [str(md)]
    res, _ = _run(tmp_path, build(flags, s), signer=signer)
    return [s.verified for s in res.message.signatures]


def test_python3_saml_multicerts_replace_x509cert(tmp_path):
    """x509certMulti's signing certificates are the ones it verifies with; x509cert is then ignored
    (OneLogin_Saml2_Response.is_valid passes them as multicerts): samlscan trusted both."""
    assert not any(_p3_run(tmp_path, {"x509cert": _p3_body(NEW), "x509certMulti": {"signing": [_p3_body(IDP)]}}))
    assert all(_p3_run(tmp_path, {"x509cert": _p3_body(IDP), "x509certMulti": {"signing": [_p3_body(NEW)]}}))


def test_python3_saml_cert_fingerprint_trusts_only_that_certificate(tmp_path):
    import hashlib

    import pytest
    from cryptography.hazmat.primitives.serialization import Encoding

    from samlscan.errors import ConfigError

    def fp(pair):
        return ":".join(f"{b:02X}" for b in hashlib.sha1(pair.cert.public_bytes(Encoding.DER)).digest())

    assert all(_p3_run(tmp_path, {"certFingerprint": fp(NEW)}, metadata=(IDP, NEW)))
    # the metadata's other signing certificate is not trusted beside the pinned one
    assert not any(_p3_run(tmp_path, {"certFingerprint": fp(IDP)}, metadata=(IDP, NEW)))
    with pytest.raises(ConfigError, match="matches none of the IdP certificates"):  # it pins the old one
        _p3_run(tmp_path, {"certFingerprint": fp(IDP)}, metadata=(NEW,))
    with pytest.raises(ConfigError, match="fingerprint alone cannot verify"):  # nothing gives a certificate
        _p3_run(tmp_path, {"certFingerprint": fp(NEW)})


def _signed_without_keyinfo_certificate(pair: K.KeyPair, kind: str) -> bytes:
    """An Okta-style response whose Assertion signature's KeyInfo holds a KeyName or a bare RSA
    key value, no certificate (Keycloak's KeyName-only KeyInfo, some AD FS configurations)."""
    from lxml import etree
    from samlgen import build as B
    from samlgen import signer

    root = B.build_response(GEN.response(f"kv-{kind}", GEN.OKTA), GEN.OKTA)
    sig = signer.add_template(root.find("{urn:oasis:names:tc:SAML:2.0:assertion}Assertion"), GEN.OKTA)
    signer.key_value_only(sig, pair, kind)
    signer.sign_all(root, pair)
    return etree.tostring(root)


@pytest.mark.parametrize("kind", ["keyname", "rsa"])
def test_the_metadata_names_a_signer_that_keyinfo_does_not_show(tmp_path, kind):
    """SonarQube holds the old certificate, the IdP signs with the new one its metadata publishes,
    and KeyInfo shows no certificate: the finding names the metadata's certificate to paste (a
    KeyName-only signature was 'the SignatureValue does not verify', blamed on the IdP)."""
    path = tmp_path / "m.xml"
    path.write_bytes(_signed_without_keyinfo_certificate(NEW, kind))
    rep = correlate(analyze_files([str(path)], _expect(tmp_path, signing=(NEW,), encryption=(), sonar_cert=IDP)))
    (res,) = rep.messages
    f = _mismatch(res)
    assert _sha1(NEW) in f.message_text and _sha1(NEW) in f.hint and SONAR in f.hint
    (attempt,) = rep.attempts
    assert (attempt.root_cause, attempt.side) == ("signature-cert-mismatch", "sp")
    # without the metadata nothing names it (a KeyName alone cannot tell a wrong key from a changed
    # SignedInfo)
    rep = correlate(analyze_files([str(path)], _expect(tmp_path, signing=(), encryption=(), sonar_cert=IDP)))
    assert not any(_sha1(NEW) in f.message_text + (f.hint or "") for f in rep.messages[0].findings)


def test_the_newest_published_certificate_is_named_when_two_share_the_key(tmp_path):
    """A renewal keeps the key: both the expired certificate and its successor verify the
    signature; the one to configure is the valid one, whatever the metadata's order (the first
    listed was named: an expired one made the IdP 'still sign with its old certificate')."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    cert = (x509.CertificateBuilder().subject_name(NEW.cert.subject).issuer_name(NEW.cert.subject)
            .public_key(NEW.private_key.public_key()).serial_number(4242)
            .not_valid_before(datetime.datetime(2023, 1, 1)).not_valid_after(datetime.datetime(2024, 1, 1))
            .sign(NEW.private_key, hashes.SHA256()))
    expired = K.KeyPair("new-expired", NEW.key_pem, cert.public_bytes(serialization.Encoding.PEM))
    path = tmp_path / "m.xml"
    path.write_bytes(_signed_without_keyinfo_certificate(NEW, "keyname"))
    for order in ((expired, NEW), (NEW, expired)):
        (res,) = analyze_files([str(path)], _expect(tmp_path, signing=order, encryption=(), sonar_cert=IDP)).messages
        f = _mismatch(res)
        assert f"Paste the metadata's signing certificate" in f.hint and _sha1(NEW) in f.hint and f.side is None


def test_python3_saml_fingerprint_algorithm_is_read_as_python3_saml_reads_it(tmp_path):
    """Exactly sha256, sha384 or sha512 (python3-saml's calculate_x509_fingerprint), anything else
    is sha1: 'SHA256' with a SHA-256 pin matches nothing there."""
    import hashlib

    import pytest
    from cryptography.hazmat.primitives.serialization import Encoding

    from samlscan.errors import ConfigError

    der = NEW.cert.public_bytes(Encoding.DER)
    assert all(_p3_run(tmp_path, {"certFingerprint": hashlib.sha256(der).hexdigest(),
                                  "certFingerprintAlgorithm": "sha256"}, metadata=(NEW,)))
    with pytest.raises(ConfigError, match="matches none"):
        _p3_run(tmp_path, {"certFingerprint": hashlib.sha256(der).hexdigest(), "certFingerprintAlgorithm": "SHA256"},
                metadata=(NEW,))
    assert all(_p3_run(tmp_path, {"certFingerprint": hashlib.sha1(der).hexdigest(), "certFingerprintAlgorithm": "sha-256"},
                       metadata=(NEW,)))


def test_python3_saml_fingerprint_of_the_metadata_encryption_certificate_is_trusted(tmp_path):
    """python3-saml trusts the certificate its fingerprint names, whatever the metadata lists it for."""
    import hashlib

    from cryptography.hazmat.primitives.serialization import Encoding

    import json

    from samlgen import scenario as S

    s = tmp_path / "settings.json"
    s.write_text(json.dumps({"sp": {"entityId": S.SP_ENTITY_ID},
                             "idp": {"entityId": S.IDP_ENTITY_ID,
                                     "certFingerprint": hashlib.sha1(ENC.cert.public_bytes(Encoding.DER)).hexdigest()}}))
    md = tmp_path / "md.xml"
    md.write_bytes(messages.idp_metadata((IDP,), (ENC,)))
    res, _ = _run(tmp_path, build({"at": AT, "idp_metadata": [str(md)]}, s), signer=ENC)
    assert all(s.verified for s in res.message.signatures)


@pytest.mark.parametrize("style, configured", [
    ("ENTRA", "https://login.microsoftonline.com/9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d/v2.0"),  # one tenant
    ("ENTRA", "https://login.windows.net/9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d/"),
    ("OKTA", "http://idp.example.org/saml2/idp"),  # the scheme differs (AD FS's http/https mix-up)
    ("OKTA", "https://idp.example.org:443/saml2/idp"),  # a default port
])
def test_a_rotation_is_not_another_idp_for_another_spelling_of_its_issuer(tmp_path, style, configured):
    """Entra's two issuer forms of one tenant, or another scheme, are the same IdP: a new key is
    its rotation, not 'another IdP signed it' (a review found these told as another IdP)."""
    crt = tmp_path / "old.crt"
    crt.write_bytes(IDP.cert_pem)
    path = tmp_path / "m.xml"
    path.write_bytes(render(GEN.response("spelling", getattr(GEN, style)), getattr(GEN, style), NEW))
    expect = build({"at": AT, "idp_cert": [str(crt)], "idp_entity_id": configured}, None)
    (res,) = analyze_files([str(path)], expect).messages
    f = _mismatch(res)
    assert "another IdP" not in f.message_text and "rotated" in f.message_text


def test_a_signer_the_configured_metadata_lists_is_the_idps_own_whatever_the_issuer(tmp_path):
    """The metadata given publishes the certificate: the configured IdP rotated, even when the
    SonarQube providerId spells its entity ID otherwise."""

    expect = _expect(tmp_path, signing=(NEW,), encryption=(), sonar_cert=IDP)
    expect = type(expect)(**{**expect.__dict__, "idp_entity_id": "https://idp.example.org/other"})
    res, _ = _run(tmp_path, expect, signer=NEW)
    f = _mismatch(res)
    assert "The IdP metadata publishes that certificate for signing" in f.message_text
    assert "another IdP" not in f.message_text
