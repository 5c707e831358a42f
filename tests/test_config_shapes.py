"""Configuration inputs in the shapes IdP consoles and SonarQube admins really hand out.

Structures follow real files (Entra ID / AD FS FederationMetadata.xml, Okta, Shibboleth, Keycloak
descriptors, InCommon-style aggregates, openssl/PowerShell certificate files, sonar.properties and
SonarQube 9.9/2025 api/settings/values JSON, python3-saml settings.json); every certificate in them
is one of OUR test certificates, so "verifies with this metadata" is checked with real signatures
(fixtures/responses: okta.xml is signed by idp.key, signature-cert-mismatch.xml by idp-new.key,
signature-cert-mismatch-encryption-key.xml by idp-enc.key).
"""
from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from samlscan.certs import load_certs
from samlscan.config import build, parse_properties
from samlscan.engine import analyze_raw
from samlscan.errors import ConfigError
from samlscan.inputs.base import RawMessage
from samlscan.model import Source

ROOT = Path(__file__).resolve().parents[1]
KEYS = ROOT / "fixtures" / "keys"
RESPONSES = ROOT / "fixtures" / "responses"
AT = "2025-03-11T08:41:02Z"
IDP_ID = "https://idp.example.org/saml2/idp"


def body(name: str) -> str:
    """The base64 body of a test certificate, on one line (as metadata and SonarQube store it)."""
    return "".join((KEYS / f"{name}.crt").read_text().split("-----")[2].split())


def sha1(name: str) -> str:
    return load_certs((KEYS / f"{name}.crt").read_bytes(), name)[0].info.sha1


def trusted(expect) -> list[str]:
    names = {sha1(n): n for n in ("idp", "idp-new", "idp-enc", "sp", "attacker")}
    return [names.get(c.info.sha1, c.info.subject) for c in expect.idp_certs]


def verified(expect, response: str) -> list:
    data = (RESPONSES / response).read_text()
    res = analyze_raw(RawMessage(Source(response), "XML", data, "xml"), 0, expect)
    return [s.verified for s in res.message.signatures]


def write(tmp_path, name: str, data) -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def meta(tmp_path, text, name="metadata.xml", **flags):
    return build({"idp_metadata": [str(write(tmp_path, name, text))], "at": AT, **flags}, None)


def kd(cert: str, use: str | None = None, extra: str = "") -> str:
    attr = f' use="{use}"' if use else ""
    return (f'<md:KeyDescriptor{attr}><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">{extra}'
            f"<ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
            "</md:KeyDescriptor>")


def entity(entity_id: str, *kds: str, role: str = "IDPSSODescriptor") -> str:
    return (f'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity_id}">'
            f'<md:{role} protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{"".join(kds)}'
            f'<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
            f'Location="{entity_id}/sso"/></md:{role}></md:EntityDescriptor>')


# --- Entra ID / AD FS federation metadata --------------------------------------------------------

def entra(signature_cert: str, idp_certs: list[str]) -> str:
    """Entra's federationmetadata.xml: default namespace, an enveloped ds:Signature whose KeyInfo
    carries a certificate, WS-Fed RoleDescriptors (xsi:type) with their own keys, then the
    IDPSSODescriptor, one KeyDescriptor per certificate during a rollover."""
    ki = '<KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{}</X509Certificate></X509Data></KeyInfo>'
    idp_kds = "".join(f'<KeyDescriptor use="signing">{ki.format(c)}</KeyDescriptor>' for c in idp_certs)
    return (
        '<?xml version="1.0" encoding="utf-8"?><EntityDescriptor ID="_e1" entityID="https://sts.windows.net/t/" '
        'xmlns="urn:oasis:names:tc:SAML:2.0:metadata"><Signature xmlns="http://www.w3.org/2000/09/xmldsig#">'
        '<SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
        '<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><Reference URI="#_e1">'
        '<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue>AA==</DigestValue>'
        f'</Reference></SignedInfo><SignatureValue>AA==</SignatureValue>{ki.format(signature_cert)}</Signature>\n'
        '<RoleDescriptor xsi:type="fed:SecurityTokenServiceType" protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706">'
        f'<KeyDescriptor use="signing">{ki.format(signature_cert)}</KeyDescriptor></RoleDescriptor>\n'
        f'<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{idp_kds}'
        '<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        'Location="https://login.microsoftonline.com/t/saml2"/></IDPSSODescriptor></EntityDescriptor>')


def test_entra_rollover_metadata_trusts_every_idp_signing_cert(tmp_path):
    e = meta(tmp_path, entra(body("attacker"), [body("idp-new"), body("idp")]))
    assert trusted(e) == ["idp-new", "idp"]
    assert verified(e, "valid/okta.xml") == [True, True]
    assert verified(e, "valid/okta-rotated-cert.xml") == [True, True]


def test_entra_metadata_signature_and_wsfed_role_keys_are_not_idp_signing_keys(tmp_path):
    e = meta(tmp_path, entra(body("idp-new"), [body("idp")]))
    assert trusted(e) == ["idp"]
    assert verified(e, "defects/signature-cert-mismatch.xml") == [False, False]  # signed by idp-new


@pytest.mark.parametrize("encode", [
    pytest.param(lambda t: b"\xef\xbb\xbf" + t.replace("\n", "\r\n").encode(), id="utf8-bom-crlf"),
    pytest.param(lambda t: t.replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16"), id="utf16-bom"),
    pytest.param(lambda t: ("\r\n  " + t).encode(), id="blank-lines-before-declaration"),
    pytest.param(lambda t: ("<!-- saved from the portal -->\n" + t.split("?>", 1)[1]).encode(), id="leading-comment"),
])
def test_metadata_as_saved_by_browsers_and_powershell_is_read(tmp_path, encode):
    e = meta(tmp_path, encode(entra(body("attacker"), [body("idp")])))
    assert trusted(e) == ["idp"]
    assert verified(e, "valid/okta.xml") == [True, True]


def test_metadata_with_bad_xml_still_fails_clearly(tmp_path):
    with pytest.raises(ConfigError, match="metadata.xml: unusable IdP metadata: not well-formed"):
        meta(tmp_path, entra(body("idp"), [body("idp")])[:-20])


def test_adfs_encryption_key_is_not_a_signing_key(tmp_path):
    """AD FS lists use="encryption" first, and an SPSSODescriptor with the same entity ID."""
    text = entity("http://adfs.example.com/adfs/services/trust", kd(body("idp-enc"), "encryption"),
                  kd(body("idp"), "signing"))
    text = text.replace("</md:EntityDescriptor>", '<md:SPSSODescriptor protocolSupportEnumeration='
                        f'"urn:oasis:names:tc:SAML:2.0:protocol">{kd(body("sp"), "signing")}</md:SPSSODescriptor>'
                        "</md:EntityDescriptor>")
    e = meta(tmp_path, text)
    assert trusted(e) == ["idp"]
    assert verified(e, "valid/okta.xml") == [True, True]
    assert verified(e, "defects/signature-cert-mismatch-encryption-key.xml") == [False, False]


def test_encryption_only_metadata_is_an_error_not_a_silent_skip(tmp_path):
    text = entity("http://www.okta.com/exk1", kd(body("idp-enc"), "encryption"))
    with pytest.raises(ConfigError, match=r"metadata.xml: no signing certificate for IdP http://www.okta.com/exk1 "
                                          r"\(its KeyDescriptors are encryption .*--idp-cert"):
        meta(tmp_path, text)
    e = meta(tmp_path, text, idp_cert=[str(KEYS / "idp.crt")])  # the certificate given beside it
    assert trusted(e) == ["idp"]


# --- Okta, Shibboleth, Keycloak --------------------------------------------------------------------

def test_okta_keydescriptor_without_use_is_a_signing_key(tmp_path):
    e = meta(tmp_path, entity("http://www.okta.com/exk1", kd(body("idp"))))
    assert trusted(e) == ["idp"] and e.idp_entity_id == "http://www.okta.com/exk1"
    assert verified(e, "valid/okta.xml") == [True, True]


def test_shibboleth_metadata_with_scope_keyname_and_indented_cert(tmp_path):
    lines = body("idp")
    indented = "\n" + "\n".join(" " * 28 + lines[i:i + 64] for i in range(0, len(lines), 64)) + "\n" + " " * 24
    idp = entity("https://idp.example.org/idp/shibboleth",
                 '<md:Extensions><shibmd:Scope xmlns:shibmd="urn:mace:shibboleth:metadata:1.0" regexp="false">'
                 "example.org</shibmd:Scope></md:Extensions>",
                 kd(indented, extra="<ds:KeyName>idp.example.org</ds:KeyName>"))
    # the AttributeAuthorityDescriptor signs attribute queries, not logins
    idp = idp.replace("</md:EntityDescriptor>", '<md:AttributeAuthorityDescriptor protocolSupportEnumeration='
                      f'"urn:oasis:names:tc:SAML:2.0:protocol">{kd(body("idp-new"))}</md:AttributeAuthorityDescriptor>'
                      "</md:EntityDescriptor>")
    e = meta(tmp_path, '<?xml version="1.0" encoding="UTF-8"?>\n<!-- example -->\n' + idp)
    assert trusted(e) == ["idp"]
    assert verified(e, "valid/okta.xml") == [True, True]
    assert verified(e, "defects/signature-cert-mismatch.xml") == [False, False]


def test_broken_certificate_in_metadata_names_the_entity(tmp_path):
    text = entity("https://kc.example.com/realms/corp", kd(body("idp")[:-40], "signing"))
    with pytest.raises(ConfigError, match=r"entity https://kc.example.com/realms/corp: KeyDescriptor #1 .*unreadable"):
        meta(tmp_path, text)


@pytest.mark.parametrize("text,why", [
    (entity("https://sonar.example.com", kd(body("sp")), role="SPSSODescriptor"), "service provider's metadata"),
    ("<html><body>Sign in to your account</body></html>", "root element is <html>"),
])
def test_metadata_without_idp_says_what_it_is(tmp_path, text, why):
    with pytest.raises(ConfigError, match=why):
        meta(tmp_path, text)


def test_certificate_given_as_metadata_points_to_idp_cert(tmp_path):
    with pytest.raises(ConfigError, match="this looks like a certificate: give it with --idp-cert"):
        meta(tmp_path, (KEYS / "idp.crt").read_text())


# --- aggregates (InCommon / eduGAIN style) --------------------------------------------------------

def aggregate() -> str:
    return ('<?xml version="1.0"?><md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" Name="fed">'
            + entity("https://sp.example.net/shibboleth", kd(body("sp")), role="SPSSODescriptor")
            + '<md:EntitiesDescriptor Name="sub">' + entity("https://idp.other.edu/idp", kd(body("idp-new")))
            + entity(IDP_ID, kd(body("idp"))) + "</md:EntitiesDescriptor></md:EntitiesDescriptor>")


def test_aggregate_picks_the_idp_named_by_idp_entity_id(tmp_path):
    e = meta(tmp_path, aggregate(), idp_entity_id=IDP_ID)
    assert trusted(e) == ["idp"] and e.idp_sso_urls == (IDP_ID + "/sso",)
    assert verified(e, "valid/okta.xml") == [True, True]


def test_aggregate_picks_the_idp_named_by_sonarqube_provider_id(tmp_path):
    props = write(tmp_path, "sonar.properties", f"sonar.auth.saml.providerId={IDP_ID}\n")
    e = meta(tmp_path, aggregate(), sonar_settings=[str(props)])
    assert trusted(e) == ["idp"]


def test_aggregate_without_a_choice_serves_each_message_its_issuers_idp(tmp_path):
    e = meta(tmp_path, aggregate())
    assert trusted(e) == [] and len(e.idp_aggregates) == 1
    assert verified(e, "valid/okta.xml") == [True, True]  # its Issuer is the aggregate's idp.example.org
    with pytest.raises(ConfigError, match=r"2 IdPs in this metadata \(https://idp.other.edu/idp, "
                                          r"https://idp.example.org/saml2/idp\); none of them is 'https://nope'"):
        meta(tmp_path, aggregate(), idp_entity_id="https://nope")


def test_federation_aggregate_over_a_message_size_is_read(tmp_path):
    """InCommon/eduGAIN aggregates are tens of MB: beyond a SAML message's 8 MiB bound."""
    from samlscan.xmlsafe import MAX_XML_BYTES

    sps = "".join(entity(f"https://sp{i}.example.net/shibboleth", kd(body("sp")), role="SPSSODescriptor")
                  for i in range(MAX_XML_BYTES // 1500))
    text = aggregate().replace('Name="fed">', 'Name="fed">' + sps, 1)
    assert len(text.encode()) > MAX_XML_BYTES
    e = meta(tmp_path, text, idp_entity_id=IDP_ID)
    assert trusted(e) == ["idp"] and verified(e, "valid/okta.xml") == [True, True]


def test_single_idp_is_used_even_when_the_configured_entity_id_differs(tmp_path):
    """A wrong providerId is a finding (issuer mismatch), not a reason to drop the certificate."""
    e = meta(tmp_path, entity("http://www.okta.com/exk1", kd(body("idp"))), idp_entity_id="https://wrong")
    assert trusted(e) == ["idp"] and e.idp_entity_id == "https://wrong"


# --- certificate files -----------------------------------------------------------------------------

PEM = (KEYS / "idp.crt").read_text()
DER = base64.b64decode(body("idp"))


def wrapped(width: int) -> str:
    b = body("idp")
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(b[i:i + width] for i in range(0, len(b), width)) + \
        "\n-----END CERTIFICATE-----\n"


@pytest.mark.parametrize("data", [
    pytest.param(PEM, id="pem"),
    pytest.param(PEM.replace("\n", "\r\n"), id="pem-crlf"),
    pytest.param(wrapped(76), id="wrapped-76"),
    pytest.param(body("idp"), id="bare-base64-one-line"),
    pytest.param(f"-----BEGIN CERTIFICATE-----{body('idp')}-----END CERTIFICATE-----", id="pem-one-line"),
    pytest.param("Bag Attributes\n    localKeyID: 01 00 00 00\n    friendlyName: idp\nsubject=CN = idp.example.org\n"
                 "issuer=CN = idp.example.org\n" + PEM, id="pkcs12-bag-attributes"),
    pytest.param(PEM.replace("BEGIN CERTIFICATE", "BEGIN X509 CERTIFICATE")
                 .replace("END CERTIFICATE", "END X509 CERTIFICATE"), id="x509-certificate-label"),
    pytest.param(PEM.encode("utf-16"), id="powershell-utf16"),
    pytest.param(DER, id="der"),
    pytest.param(DER + b"\r\n", id="der-with-trailing-newline"),
    pytest.param("-----BEGIN CERTIFICATE-----\\n" + wrapped(64).split("-----")[2].strip().replace("\n", "\\n")
                 + "\\n-----END CERTIFICATE-----", id="json-escaped-newlines"),
])
def test_certificate_file_shapes_verify(tmp_path, data):
    e = build({"idp_cert": [str(write(tmp_path, "idp.cer", data))], "at": AT}, None)
    assert trusted(e) == ["idp"]
    assert verified(e, "valid/okta.xml") == [True, True]


def test_chain_file_trusts_each_certificate(tmp_path):
    path = write(tmp_path, "chain.pem", PEM + (KEYS / "idp-new.crt").read_text())
    e = build({"idp_cert": [str(path)], "at": AT}, None)
    assert trusted(e) == ["idp", "idp-new"]
    assert verified(e, "valid/okta-rotated-cert.xml") == [True, True]


def _private_keys() -> list:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key((KEYS / "idp.key").read_bytes(), None)
    pkcs1 = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                              serialization.NoEncryption())
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return [(KEYS / "idp.key").read_bytes(), pkcs1, der, base64.b64encode(der)]


@pytest.mark.parametrize("index", range(4), ids=["pkcs8-pem", "pkcs1-pem", "pkcs8-der", "bare-base64"])
def test_private_key_is_refused_and_never_printed(tmp_path, index):
    data = _private_keys()[index]
    with pytest.raises(ConfigError) as err:
        build({"idp_cert": [str(write(tmp_path, "key.pem", data))]}, None)
    text = str(err.value)
    assert "this is a private key, not a certificate" in text
    secret = base64.b64encode(_private_keys()[2]).decode()
    assert all(secret[i:i + 16] not in text for i in range(0, len(secret) - 16, 16))


def test_public_key_is_refused_clearly(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    pub = x509.load_pem_x509_certificate(PEM.encode()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(ConfigError, match="bare public key, not an X.509 certificate"):
        build({"idp_cert": [str(write(tmp_path, "pub.pem", pub))]}, None)


def test_truncated_certificate_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="unreadable certificate"):
        build({"idp_cert": [str(write(tmp_path, "cut.pem", wrapped(64)[:-200] + "\n-----END CERTIFICATE-----\n"))]}, None)


# --- SonarQube settings ----------------------------------------------------------------------------

HEAD = ("sonar.core.serverBaseURL=https://sonar.example.com\nsonar.auth.saml.enabled=true\n"
        f"sonar.auth.saml.providerId={IDP_ID}\n")
KEY = "sonar.auth.saml.certificate.secured"


def sonar(tmp_path, text, name="sonar.properties", **flags):
    return build({"sonar_settings": [str(write(tmp_path, name, text))], "at": AT, **flags}, None)


def lines64(text: str) -> list[str]:
    return [text[i:i + 64] for i in range(0, len(text), 64)]


@pytest.mark.parametrize("value", [
    pytest.param(body("idp"), id="one-line"),
    pytest.param("-----BEGIN CERTIFICATE-----\\n" + "\\n".join(lines64(body("idp"))) + "\\n-----END CERTIFICATE-----",
                 id="backslash-n-escapes"),
    pytest.param("-----BEGIN CERTIFICATE-----\\\n" + "\\\n".join("    " + l for l in lines64(body("idp")))
                 + "\\\n-----END CERTIFICATE-----", id="continuation-lines-with-headers"),
    pytest.param("\\\n".join(lines64(body("idp"))), id="continuation-lines-no-headers"),
])
def test_sonar_properties_certificate_shapes_verify(tmp_path, value):
    e = sonar(tmp_path, (HEAD + f"{KEY}={value}\n").replace("\n", "\r\n"))
    assert trusted(e) == ["idp"] and e.idp_entity_id == IDP_ID
    assert e.acs_url == "https://sonar.example.com/oauth2/callback/saml"
    assert verified(e, "valid/okta.xml") == [True, True]


def test_sonar_properties_pem_pasted_on_several_lines_is_explained(tmp_path):
    text = HEAD + f"{KEY}=-----BEGIN CERTIFICATE-----\n" + "\n".join(lines64(body("idp"))) + "\n-----END CERTIFICATE-----\n"
    with pytest.raises(ConfigError, match=f"sonar.properties: {KEY} stops after its first line"):
        sonar(tmp_path, text)


def test_sonar_certificate_is_the_first_one_only(tmp_path):
    """java-saml (SonarQube's SAML library) loads one certificate from the setting."""
    chain = (PEM + (KEYS / "idp-new.crt").read_text()).replace("\n", "\\n")
    e = sonar(tmp_path, HEAD + f"{KEY}={chain}\n")
    assert trusted(e) == ["idp"]
    assert verified(e, "valid/okta-rotated-cert.xml") == [False, False]


def test_properties_are_read_as_java_reads_them():
    text = ("# comment \\\nsonar.a : one\nsonar.b\ttwo\n  sonar.c=x\\\\\nsonar.d=\\u0041\\=\\:\n"
            "! other comment\nsonar.e=multi\\\n   line\n")
    assert parse_properties(text) == {"sonar.a": "one", "sonar.b": "two", "sonar.c": "x\\",
                                      "sonar.d": "A=:", "sonar.e": "multiline"}


def values_json(with_cert: bool) -> str:
    """api/settings/values: before 9.1 secured values came back; 9.9 LTS and 2025 list their keys in
    setSecuredSettings only (ValuesAction changelog 9.1)."""
    settings = [{"key": "sonar.core.serverBaseURL", "value": "https://sonar.example.com", "inherited": False},
                {"key": "sonar.auth.saml.applicationId", "value": "sonarqube", "inherited": False},
                {"key": "sonar.auth.saml.providerId", "value": IDP_ID, "inherited": False},
                {"key": "sonar.auth.saml.user.email", "value": "email", "inherited": False},
                {"key": "sonar.auth.saml.signature.enabled", "value": "false", "inherited": True}]
    doc: dict = {"settings": settings}
    if with_cert:
        settings.append({"key": KEY, "value": body("idp"), "inherited": False})
    else:
        doc["setSecuredSettings"] = [KEY, "sonar.auth.saml.sp.privateKey.secured"]
    return json.dumps(doc, indent=2)


def test_settings_values_json_with_the_certificate_verifies(tmp_path):
    e = sonar(tmp_path, values_json(True), name="values.json")
    assert trusted(e) == ["idp"] and e.email_attribute == "email"
    assert verified(e, "valid/okta.xml") == [True, True]


def test_settings_values_json_of_9_9_says_the_certificate_is_not_in_it(tmp_path):
    with pytest.raises(ConfigError, match=f"values.json: SonarQube does not return {KEY} .*setSecuredSettings"):
        sonar(tmp_path, values_json(False), name="values.json")
    e = sonar(tmp_path, values_json(False), name="values.json", idp_cert=[str(KEYS / "idp.crt")])
    assert trusted(e) == ["idp"] and e.idp_entity_id == IDP_ID
    assert verified(e, "valid/okta.xml") == [True, True]


def test_sonar_sp_key_and_certificate_are_read(tmp_path):
    key = "".join((KEYS / "sp.key").read_text().split("-----")[2].split())  # body only, as SonarQube stores it
    e = sonar(tmp_path, HEAD + f"{KEY}={body('idp')}\nsonar.auth.saml.sp.privateKey.secured={key}\n"
              f"sonar.auth.saml.sp.certificate.secured={body('sp')}\n")
    assert len(e.sp_keys) == 1 and [c.info.sha1 for c in e.sp_certs] == [sha1("sp")]
    with pytest.raises(ConfigError, match="sp.privateKey.secured: not a readable"):
        sonar(tmp_path, HEAD + f"sonar.auth.saml.sp.privateKey.secured={key[:100]}\n")


# --- python3-saml ----------------------------------------------------------------------------------

def test_python3_saml_settings_with_multi_certs(tmp_path):
    doc = {"strict": True, "sp": {"entityId": "sonarqube", "x509cert": "", "privateKey": ""},
           "idp": {"entityId": IDP_ID, "x509cert": "",
                   "x509certMulti": {"signing": [body("idp-new"), PEM], "encryption": [body("idp-enc")]}}}
    e = build({"at": AT}, write(tmp_path, "settings.json", json.dumps(doc)))
    assert trusted(e) == ["idp-new", "idp"]
    assert verified(e, "valid/okta.xml") == [True, True]


def test_python3_saml_fingerprint_only_is_explained(tmp_path):
    doc = {"sp": {"entityId": "sonarqube"}, "idp": {"entityId": IDP_ID, "certFingerprint": "AA:35:18"}}
    with pytest.raises(ConfigError, match="idp.certFingerprint names a certificate .* a fingerprint alone cannot verify"):
        build({}, write(tmp_path, "settings.json", json.dumps(doc)))


def test_python3_saml_advanced_settings_is_not_the_settings_file(tmp_path):
    doc = {"security": {"wantAssertionsSigned": True}, "contactPerson": {}, "organization": {}}
    with pytest.raises(ConfigError, match="no 'sp' or 'idp' object .*give settings.json"):
        build({}, write(tmp_path, "advanced_settings.json", json.dumps(doc)))
