"""IdP metadata, SonarQube settings and certificates as people hand them to samlscan, checked with
real signed responses (tests/data/external5: Google Workspace and OneLogin responses with their own
IdP metadata, crewjam/saml) and real federation entities (tests/data/metadata, SOURCES.md):
- a federation aggregate made of real entity shapes: the configured IdP is picked (without one,
  each response's Issuer picks its own), and only its signing keys are trusted, not those of every
  IdP of the federation;
- certificates as exported or pasted: a PKCS #7 .p7b (DER and PEM, Windows' certificate export
  and `openssl crl2pkcs7`), and base64 with the no-break spaces, zero-width spaces and curly quotes
  a web page, a mail or Word leaves in it (UTF-8 or Windows-1252);
- a PKCS #12 keystore given as the certificate, refused as what it is;
- a file given as SonarQube settings that holds no setting (the settings page copied as text);
- SonarQube and python3-saml settings saved as UTF-16 by Windows PowerShell.
"""
from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from external_util import analyze_sample

from samlscan.certs import load_certs
from samlscan.config import build, load_idp_metadata
from samlscan.errors import ConfigError

DATA = Path(__file__).resolve().parent / "data"
EXT5 = DATA / "external5"
META = DATA / "metadata"

GOOGLE_ID = "https://accounts.google.com/o/saml2?idpid=C02dfl1r1"
ONELOGIN_ID = "https://app.onelogin.com/saml/metadata/503983"
GOOGLE = {"at": "2016-01-05T16:55:39Z", "sp_entity_id": "https://29ee6d2e.ngrok.io/saml/metadata",
          "acs_url": "https://29ee6d2e.ngrok.io/saml/acs", "request_id": "id-fd419a5ab0472645427f8e07d87a3a5dd0b2e9a6"}
ONELOGIN = {"at": "2016-01-05T17:53:12Z", "sp_entity_id": "https://29ee6d2e.ngrok.io/saml/metadata",
            "acs_url": "https://29ee6d2e.ngrok.io/saml/acs", "request_id": "id-d40c15c104b52691eccf0a2a5c8a15595be75423"}


def _entity(path: Path) -> str:
    """A stored EntityDescriptor without its XML declaration, to go inside an aggregate."""
    return re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", path.read_text(encoding="utf-8"))


def _aggregate(tmp_path: Path) -> Path:
    """An InCommon/eduGAIN-style EntitiesDescriptor of real entities: a Shibboleth IdP of the CAFe
    federation, a UK federation SP, and the Google and OneLogin IdPs of the stored responses, in a
    nested EntitiesDescriptor as some federations group them."""
    text = ('<?xml version="1.0" encoding="UTF-8"?>\n<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
            'Name="urn:mace:example:federation">\n' + _entity(META / "cafe-ifrr-idp-entity.xml")
            + _entity(EXT5 / "onelogin-503983-idp-metadata.xml") + '<md:EntitiesDescriptor Name="sub">'
            + _entity(META / "ukfed-rm-sp-entity.xml") + _entity(EXT5 / "google-workspace-idp-metadata.xml")
            + "</md:EntitiesDescriptor></md:EntitiesDescriptor>\n")
    path = tmp_path / "aggregate.xml"
    path.write_text(text, encoding="utf-8")
    return path


def _signers(path: Path) -> list[str]:
    return [c.info.sha1 for c in load_certs(path.read_bytes(), path.name, from_file=True)]


def _verified(name: str, flags: dict, **config) -> list:
    res = analyze_sample(EXT5, name, **flags, **config)
    return [s.verified for s in res.message.signatures]


# --- federation aggregates ------------------------------------------------------------------------

@pytest.mark.parametrize("chosen, trusted_sample, other_sample", [
    (GOOGLE_ID, ("google-workspace-response.b64", GOOGLE), ("onelogin-503983-response.b64", ONELOGIN)),
    (ONELOGIN_ID, ("onelogin-503983-response.b64", ONELOGIN), ("google-workspace-response.b64", GOOGLE)),
])
def test_aggregate_trusts_the_configured_idps_keys_only(tmp_path, chosen, trusted_sample, other_sample):
    agg = str(_aggregate(tmp_path))
    meta = load_idp_metadata(Path(agg), chosen)
    assert meta["idp_entity_id"] == chosen
    own = EXT5 / ("google-workspace-idp-metadata.xml" if chosen == GOOGLE_ID else "onelogin-503983-idp-metadata.xml")
    assert [c.info.sha1 for c in meta["idp_certs"]] == [c.info.sha1 for c in load_idp_metadata(own)["idp_certs"]]
    name, flags = trusted_sample
    assert _verified(name, flags, idp_metadata=agg, idp_entity_id=chosen) == [True]
    name, flags = other_sample  # another IdP of the same federation: its key is not trusted
    assert _verified(name, flags, idp_metadata=agg, idp_entity_id=chosen) == [False]


def test_aggregate_with_a_configured_idp_it_lacks_names_them(tmp_path):
    with pytest.raises(ConfigError, match=r"3 IdPs in this metadata \(https://idp-cafe.ifrr.edu.br/idp/shibboleth, "
                                          r".*none of them is 'https://idp.example.org'"):
        build({"idp_metadata": [str(_aggregate(tmp_path))], "idp_entity_id": "https://idp.example.org"}, None)


@pytest.mark.parametrize("sample, flags", [("google-workspace-response.b64", GOOGLE),
                                           ("onelogin-503983-response.b64", ONELOGIN)])
def test_aggregate_without_a_configured_idp_judges_each_response_by_its_issuers_keys(tmp_path, sample, flags):
    """It was refused ('say which with --idp-entity-id'): a support engineer with a federation's
    aggregate and responses of several IdPs had to cut the file. Each Issuer picks its IdP now,
    whose keys alone are trusted; the issuer check passes, nothing says trust was not checked."""
    import samlscan.config

    agg = str(_aggregate(tmp_path))
    res = analyze_sample(EXT5, sample, **flags, idp_metadata=agg)
    assert [s.verified for s in res.message.signatures] == [True]
    assert not [f for f in res.findings if f.code == "issuer-mismatch" or "signature trust" in f.message_text]
    samlscan.config.metadata._AGGREGATES.clear()  # a spawned worker reads the file again
    assert samlscan.config.aggregate_idp(agg, res.message.issuer)["idp_entity_id"] == res.message.issuer


def test_a_response_from_an_idp_the_aggregate_lacks_is_said_so(tmp_path):
    agg = tmp_path / "without-onelogin.xml"
    agg.write_text('<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">'
                   + _entity(META / "cafe-ifrr-idp-entity.xml") + _entity(EXT5 / "google-workspace-idp-metadata.xml")
                   + "</md:EntitiesDescriptor>", encoding="utf-8")
    res = analyze_sample(EXT5, "onelogin-503983-response.b64", **ONELOGIN, idp_metadata=str(agg))
    assert [s.verified for s in res.message.signatures] != [True]
    (f,) = [f for f in res.findings if f.code == "issuer-mismatch"]
    assert f.actual == ONELOGIN_ID and "without-onelogin.xml (2 IdPs)" in f.message_text
    assert any("the Issuer is no IdP of the metadata given" in f.message_text for f in res.findings)


def test_scan_workers_pick_each_responses_idp_from_the_aggregate(tmp_path):
    """The aggregate's IdPs live in the process that read the settings; forked workers inherit
    them (Expectations carry the path only: they travel with every unit)."""
    import json
    import subprocess
    import sys

    agg = _aggregate(tmp_path)
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    for i in range(4):  # 8 files: two units, two processes
        for name in ("google-workspace-response.b64", "onelogin-503983-response.b64"):
            (evidence / f"{i}-{name}").write_bytes((EXT5 / name).read_bytes())
    out = subprocess.run([sys.executable, "-m", "samlscan", "scan", str(evidence), "--idp-metadata", str(agg),
                          "--jobs", "2", "--format", "json", "--fail-on", "never"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    messages = json.loads(out.stdout)["messages"]
    assert len(messages) == 8
    assert all(s["verified"] is True for m in messages for s in m["signatures"])


def test_aggregate_over_the_metadata_bound_says_how_to_get_one_entity(tmp_path, monkeypatch):
    import samlscan.xmlsafe

    agg = _aggregate(tmp_path)
    monkeypatch.setattr(samlscan.xmlsafe, "MAX_METADATA_BYTES", agg.stat().st_size - 1)
    with pytest.raises(ConfigError, match=r"aggregate.xml: unusable IdP metadata: XML document of \d+ bytes is over "
                                          r"the \d+ byte limit; a federation aggregate\? save only the IdP's "
                                          r"EntityDescriptor .*MDQ"):
        load_idp_metadata(agg, GOOGLE_ID)


# --- certificates as exported and pasted ----------------------------------------------------------

def _google_pem() -> bytes:
    (cert,) = load_idp_metadata(EXT5 / "google-workspace-idp-metadata.xml")["idp_certs"]
    return cert.pem()


def _p7b(*pems: bytes, pem: bool) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

    certs = [x509.load_pem_x509_certificate(p) for p in pems]
    return pkcs7.serialize_certificates(certs, Encoding.PEM if pem else Encoding.DER)


@pytest.mark.parametrize("pem", [False, True], ids=["p7b-der", "p7b-pem"])
def test_pkcs7_export_of_the_idp_certificate_verifies(tmp_path, pem):
    """Windows' certificate export offers 'Cryptographic Message Syntax Standard - PKCS #7
    Certificates (.P7B)'; it was refused as 'damaged' (DER) or 'no certificate found' (PEM)."""
    path = tmp_path / "google.p7b"
    path.write_bytes(_p7b(_google_pem(), pem=pem))
    assert _verified("google-workspace-response.b64", GOOGLE, idp_cert=str(path)) == [True]


def test_pkcs7_bundle_trusts_each_certificate_it_holds(tmp_path):
    onelogin = load_idp_metadata(EXT5 / "onelogin-503983-idp-metadata.xml")["idp_certs"][0].pem()
    path = tmp_path / "chain.p7b"
    path.write_bytes(_p7b(onelogin, _google_pem(), pem=False))
    assert len(_signers(path)) == 2
    assert _verified("google-workspace-response.b64", GOOGLE, idp_cert=str(path)) == [True]
    assert _verified("onelogin-503983-response.b64", ONELOGIN, idp_cert=str(path)) == [True]


def _body(pem: bytes) -> str:
    return "".join(pem.decode().split("-----")[2].split())


@pytest.mark.parametrize("text, encoding", [
    # curly quotes around the base64, as a mail client or Word writes a quoted value
    (lambda b: f"\u201c{b}\u201d\r\n", "cp1252"),
    (lambda b: f"\u201c{b}\u201d\r\n", "utf-8"),
    # a PEM copied from a web page: no-break spaces where its line breaks were
    (lambda b: "-----BEGIN CERTIFICATE-----\u00a0" + "\u00a0".join(b[i:i + 64] for i in range(0, len(b), 64))
     + "\u00a0-----END CERTIFICATE-----", "utf-8"),
    (lambda b: "-----BEGIN CERTIFICATE-----\u00a0" + b + "\u00a0-----END CERTIFICATE-----", "cp1252"),
    # zero-width spaces a rich-text editor put inside the long base64 line
    (lambda b: b[:100] + "\u200b" + b[100:700] + "\u200b" + b[700:], "utf-8"),
], ids=["cp1252-quotes", "utf8-quotes", "nbsp-lines", "cp1252-nbsp", "zero-width-spaces"])
def test_certificate_pasted_with_non_ascii_around_it_verifies(tmp_path, text, encoding):
    path = tmp_path / "idp.cer"
    path.write_bytes(text(_body(_google_pem())).encode(encoding))
    assert _verified("google-workspace-response.b64", GOOGLE, idp_cert=str(path)) == [True]


@pytest.mark.parametrize("text", [
    lambda b: f"Certificate: {b}\n",                                   # a label before the body
    lambda b: "X.509 Certificate\n" + "\n".join(b[i:i + 64] for i in range(0, len(b), 64)),
    lambda b: f"SHA-1 fingerprint: AB:CD\nCertificate:\n{b}\n",       # more lines of a console page
], ids=["label", "heading-and-lines", "console-page"])
def test_certificate_body_after_a_label_verifies(tmp_path, text):
    """A body copied with its label from an IdP's console was 'no certificate found'."""
    path = tmp_path / "idp.txt"
    path.write_text(text(_body(_google_pem())))
    assert _verified("google-workspace-response.b64", GOOGLE, idp_cert=str(path)) == [True]


def test_sonar_certificate_pasted_with_no_break_spaces_verifies(tmp_path):
    body = _body(_google_pem())
    value = "-----BEGIN CERTIFICATE-----\u00a0" + body + "\u00a0-----END CERTIFICATE-----"
    path = tmp_path / "sonar.properties"
    path.write_text(f"sonar.auth.saml.providerId={GOOGLE_ID}\nsonar.auth.saml.certificate.secured={value}\n",
                    encoding="utf-8")
    assert _verified("google-workspace-response.b64", GOOGLE, sonar_settings=str(path)) == [True]


# --- SonarQube settings that are not settings -----------------------------------------------------

PAGE_10 = """SAML
Application ID
sonarqube
Provider ID
https://accounts.google.com/o/saml2?idpid=C02dfl1r1
SAML login url
https://accounts.google.com/o/saml2/idp?idpid=C02dfl1r1
Identity provider certificate
SAML user login attribute
login
"""
"""The fields of SonarQube 10.x/2025's SAML configuration form (the 'UI Name' column of the SAML
overview page of its docs), as a copy of the page gives them."""

PAGE_9 = """Enabled
Enable SAML users to login. Value is ignored if provider ID, login url, certificate are not defined.
Key: sonar.auth.saml.enabled
Application ID
The identifier used on the Identity Provider for registering SonarQube.
Key: sonar.auth.saml.applicationId
"""
"""SonarQube 9.9's General Settings page shows 'Key: sonar.auth.saml...' under each setting."""


@pytest.mark.parametrize("text, page", [(PAGE_10, True), (PAGE_9, True), ("hello\nworld\n", False)],
                         ids=["page-10", "page-9", "other-text"])
def test_settings_file_without_a_setting_is_refused_not_read_as_defaults(tmp_path, text, page):
    """It was read as 'SonarQube with every default': no certificate, so every trust check was
    skipped with 'no IdP certificate: ... --sonar-settings' although the file was given."""
    path = tmp_path / "settings.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        build({"sonar_settings": [str(path)]}, None)
    message = str(err.value)
    assert message.startswith(f"{path}: no SonarQube setting in this file")
    assert ("settings page copied as text" in message) is page
    assert "api/settings/values" in message and "--idp-cert" in message


def test_pkcs12_keystore_is_refused_as_one_not_as_a_damaged_certificate(tmp_path):
    """A .pfx/.p12 (a Windows 'Personal Information Exchange' export, a Keycloak or Shibboleth
    keystore) was 'unreadable certificate (the base64 or DER is damaged...)'."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    keys = Path(__file__).resolve().parents[1] / "fixtures" / "keys"
    key = serialization.load_pem_private_key((keys / "idp.key").read_bytes(), None)
    cert = x509.load_pem_x509_certificate((keys / "idp.crt").read_bytes())
    path = tmp_path / "idp.pfx"
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"idp", key, cert, None, serialization.BestAvailableEncryption(b"secret")))
    with pytest.raises(ConfigError, match=r"idp.pfx: this is a PKCS #12 keystore \(.pfx/.p12\), which usually "
                                          r"holds the private key too: .*-nokeys"):
        build({"idp_cert": [str(path)]}, None)


# --- settings saved by Windows PowerShell ---------------------------------------------------------

def _values_json() -> str:
    """api/settings/values as SonarQube returns it (before 9.1 the secured value came back too)."""
    import json

    return json.dumps({"settings": [
        {"key": "sonar.core.serverBaseURL", "value": "https://29ee6d2e.ngrok.io", "inherited": False},
        {"key": "sonar.auth.saml.providerId", "value": GOOGLE_ID, "inherited": False},
        {"key": "sonar.auth.saml.certificate.secured", "value": _body(_google_pem()), "inherited": False}]},
        indent=2)


@pytest.mark.parametrize("name, text", [
    ("values.json", _values_json),
    ("sonar.properties", lambda: f"sonar.auth.saml.providerId={GOOGLE_ID}\nsonar.auth.saml.certificate.secured="
                                 f"{_body(_google_pem())}\n"),
], ids=["values-json", "sonar-properties"])
def test_sonar_settings_saved_as_utf16_by_powershell_are_read(tmp_path, name, text):
    """Windows PowerShell 5.1 writes `>` and Out-File as UTF-16LE with a BOM: such a file was read as
    mojibake, hence 'every default' (no certificate, every trust check skipped)."""
    path = tmp_path / name
    path.write_bytes(text().replace("\n", "\r\n").encode("utf-16"))
    assert _verified("google-workspace-response.b64", GOOGLE, sonar_settings=str(path)) == [True]


def test_python3_saml_settings_saved_as_utf16_are_read(tmp_path):
    import json

    path = tmp_path / "settings.json"
    doc = {"sp": {"entityId": GOOGLE["sp_entity_id"]}, "idp": {"entityId": GOOGLE_ID, "x509cert": _body(_google_pem())}}
    path.write_bytes(json.dumps(doc, indent=2).encode("utf-16"))
    e = build({}, path)
    assert e.idp_entity_id == GOOGLE_ID
    assert [c.pem() for c in e.idp_certs] == [_google_pem()]


def _p7b_body() -> str:
    return "".join(_p7b(_google_pem(), pem=True).decode().split("-----")[2].split())


@pytest.mark.parametrize("setting", [
    lambda b: ("sonar.properties", f"sonar.auth.saml.providerId={GOOGLE_ID}\nsonar.auth.saml.certificate.secured={b}\n",
               "sonar_settings", "sonar.auth.saml.certificate.secured"),
    lambda b: ("settings.json", '{"idp": {"entityId": "%s", "x509cert": "%s"}}' % (GOOGLE_ID, b), None, "idp.x509cert"),
], ids=["sonarqube", "python3-saml"])
def test_pkcs7_pasted_into_an_sp_certificate_setting_is_refused_as_the_sp_refuses_it(tmp_path, setting):
    """java-saml's Util.loadCert and python3-saml read one X.509 certificate from the setting: a
    .p7b's base64 there fails in the SP, so its certificate must not verify here."""
    name, text, flag, key = setting(_p7b_body())
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"{name}: {re.escape(key)}: this is a PKCS #7 bundle \(.p7b\)"):
        build({flag: [str(path)]} if flag else {}, None if flag else path)


# --- what the lenient readings must not trust (a review of the above) -----------------------------

def test_a_document_given_as_the_certificate_is_refused_not_mined_for_one(tmp_path):
    """The body search took the first 'MII' out of any text: a response given as --idp-cert made
    its own signer trusted ('verified'), and a rollover metadata file its first certificate only."""
    response = base64.b64decode(re.sub(rb"\s+", b"", (EXT5 / "google-workspace-response.b64").read_bytes()))
    path = tmp_path / "response.xml"
    path.write_bytes(response)
    with pytest.raises(ConfigError, match="XML document, not a certificate"):
        load_certs(path.read_bytes(), str(path), from_file=True)
    two = tmp_path / "two.txt"
    body = _body(_google_pem())
    two.write_text(f"Certificate: {body}\nOld certificate: {body}\n")
    with pytest.raises(ConfigError, match="no certificate found"):
        load_certs(two.read_bytes(), str(two), from_file=True)


def test_sp_settings_hold_one_certificate_as_the_sp_reads_it(tmp_path):
    """A value an SP or metadata holds is read as that SP reads it: a label before the body or a
    PKCS #7 bundle in a metadata X509Certificate are refused (they were trusted), and python3-saml,
    which cannot load a certificate with no-break spaces in it, is said to."""
    import json

    body = _body(_google_pem())
    for value in (f"Certificate: {body}", f"{body[:100]}\u00a0{body[100:]}"):
        path = tmp_path / "settings.json"
        path.write_text(json.dumps({"idp": {"entityId": GOOGLE_ID, "x509cert": value}}), encoding="utf-8")
        with pytest.raises(ConfigError, match="no certificate found|python3-saml cannot read"):
            build({}, path)
    bundle = base64.b64encode(_p7b(_google_pem(), pem=False)).decode()
    metadata = (EXT5 / "google-workspace-idp-metadata.xml").read_text(encoding="utf-8")
    metadata = re.sub(r"(<(?:ds:)?X509Certificate>)[^<]+", lambda m: m.group(1) + bundle, metadata, count=1)
    path = tmp_path / "md.xml"
    path.write_text(metadata, encoding="utf-8")
    with pytest.raises(ConfigError, match="unreadable certificate"):
        load_idp_metadata(path)


def test_a_chain_p7b_is_read_without_warnings(tmp_path, recwarn):
    """`openssl crl2pkcs7` writes the certificates' SET unsorted (BER): cryptography warned on stderr."""
    onelogin = load_idp_metadata(EXT5 / "onelogin-503983-idp-metadata.xml")["idp_certs"][0]
    google = load_idp_metadata(EXT5 / "google-workspace-idp-metadata.xml")["idp_certs"][0]
    der = _p7b(google.pem(), onelogin.pem(), pem=False)  # cryptography writes the SET OF sorted (DER)
    pair = next(a + b for a, b in ((google.der, onelogin.der), (onelogin.der, google.der)) if a + b in der)
    half = len(google.der) if pair.startswith(google.der) else len(onelogin.der)
    unsorted = der.replace(pair, pair[half:] + pair[:half])  # the same SET the other way round: BER only
    path = tmp_path / "chain.p7b"
    path.write_bytes(unsorted)
    assert len(load_certs(path.read_bytes(), str(path), from_file=True)) == 2
    assert not [w for w in recwarn if "BER" in str(w.message)]


def test_a_commented_sonar_properties_says_so(tmp_path):
    path = tmp_path / "sonar.properties"
    path.write_text("# sonar.auth.saml.enabled=true\n#sonar.auth.saml.providerId=https://idp\n")
    with pytest.raises(ConfigError, match="no sonar.auth.saml. setting is set in it"):
        build({"sonar_settings": str(path)}, None)


@pytest.mark.parametrize("name, text", [
    ("values.json", '{"settings": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    ("settings.json", '{"idp": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    ("samlscan.toml", "a = " + "[" * 100_000 + "]" * 100_000 + "\n"),
])
def test_settings_nested_past_the_parsers_limit_are_a_config_error(tmp_path, name, text):
    """A RecursionError was an internal error."""
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ConfigError):
        build({"sonar_settings": str(path)} if name == "values.json" else {}, None if name == "values.json" else path)
