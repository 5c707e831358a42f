"""IdP metadata read as the federation tools read it (metadata25): a SAML 1.x-only IDPSSODescriptor
trusts no key for SAML 2.0; validUntil '24:00:00' is read and an unreadable validUntil or
cacheDuration is said; the own validUntil of an IdP inside an aggregate is said; the metadata's own
signature is said (verifies or not with --idp-cert, or not checked); a KeyDescriptor use="encryption"
key verifies nothing; an AuthnRequest sent by one binding to the URL listed for the other is
request-binding-unlisted. Metadata is built here around the TEST-ONLY keys of fixtures/keys, or read
as stored (tests/data/metadata23: Entra's signed file)."""
from __future__ import annotations

import base64
import sys
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

import pytest
import xmlsec
from lxml import etree

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES))
import generate as GEN  # noqa: E402
from samlgen import encoding  # noqa: E402
from samlgen import keys as K  # noqa: E402
from samlgen import messages  # noqa: E402
from samlgen import scenario as S  # noqa: E402
from samlgen.render import render  # noqa: E402
from samlgen.signer import sign_all  # noqa: E402

from samlscan.config import build, load_idp_metadata  # noqa: E402
from samlscan.config.metadata import NOTES, VALID_UNTIL  # noqa: E402
from samlscan.engine import analyze as analyze_files  # noqa: E402
from samlscan.errors import ConfigError  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
ENTRA_FILE = DATA / "metadata23" / "entra-common-federationmetadata.xml"
MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"
DS = "{http://www.w3.org/2000/09/xmldsig#}"
AT = S.iso(S.EVAL_TIME)
IDP, ATTACKER, ENC = K.load("idp"), K.load("idp-new"), K.load("idp-enc")
SAML1 = "urn:oasis:names:tc:SAML:1.1:protocol urn:mace:shibboleth:1.0"


def _metadata(signing=(IDP,), encryption=()) -> etree._Element:
    return etree.fromstring(messages.idp_metadata(tuple(signing), tuple(encryption)))


def _write(tmp_path: Path, root, name: str = "idp.xml") -> Path:
    path = tmp_path / name
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))
    return path


def _cert_file(tmp_path: Path, pair: K.KeyPair) -> str:
    path = tmp_path / f"{pair.name}.crt"
    path.write_bytes(pair.cert_pem)
    return str(path)


def _verified(tmp_path: Path, signer: K.KeyPair, **flags) -> list:
    response = tmp_path / f"response-{signer.name}.xml"
    response.write_bytes(render(GEN.response("metadata25", GEN.KEYCLOAK), GEN.KEYCLOAK, signer))
    (res,) = analyze_files([str(response)], build({"at": AT, **flags}, None)).messages
    return [s.verified for s in res.message.signatures]


def _saml1_role(root, pair: K.KeyPair):
    """A second IDPSSODescriptor for SAML 1.1 only (a Shibboleth IdP's legacy role) with `pair`'s key."""
    role = etree.SubElement(root, MD + "IDPSSODescriptor", protocolSupportEnumeration=SAML1)
    kd = etree.SubElement(role, MD + "KeyDescriptor", use="signing")
    x = etree.SubElement(etree.SubElement(etree.SubElement(kd, DS + "KeyInfo"), DS + "X509Data"), DS + "X509Certificate")
    x.text = pair.cert_b64
    etree.SubElement(role, MD + "SingleSignOnService", Binding="urn:mace:shibboleth:1.0:profiles:AuthnRequest",
                     Location="https://idp.example.org/idp/profile/Shibboleth/SSO")
    return role


# --- protocolSupportEnumeration ----------------------------------------------------------------------

def test_saml1_only_role_keys_verify_no_saml2_response(tmp_path):
    """Two IDPSSODescriptors (metadata 2.4.1 allows several): the SAML 1.1-only one's key is not
    trusted for a SAML 2.0 Response, the SAML 2.0 one's is; a note says why."""
    root = _metadata()
    _saml1_role(root, ATTACKER)
    md = _write(tmp_path, root)
    meta = load_idp_metadata(md)
    assert [c.der for c in meta["idp_certs"]] == [base64.b64decode(IDP.cert_b64)]
    assert any("support only urn:mace:shibboleth:1.0" in n for n in meta[NOTES])
    assert _verified(tmp_path, ATTACKER, idp_metadata=[str(md)]) == [False]
    assert _verified(tmp_path, IDP, idp_metadata=[str(md)]) == [True]


def test_metadata_of_a_saml1_only_idp_gives_no_certificate(tmp_path):
    root = _metadata()
    root.remove(root.find(MD + "IDPSSODescriptor"))
    _saml1_role(root, IDP)
    with pytest.raises(ConfigError, match="supports no SAML 2.0"):
        build({"idp_metadata": [str(_write(tmp_path, root))]}, None)


# --- validUntil and cacheDuration --------------------------------------------------------------------

def test_valid_until_at_24_00_is_the_next_midnight(tmp_path):
    root = _metadata()
    root.set("validUntil", "2020-01-01T24:00:00Z")  # XML Schema 2 3.2.7: the end of that day
    meta = load_idp_metadata(_write(tmp_path, root))
    assert meta[VALID_UNTIL][0] == datetime(2020, 1, 2, tzinfo=timezone.utc)
    (note,) = [n for n in build({"idp_metadata": [str(_write(tmp_path, root))], "at": AT}, None).contradictions
               if "expired" in n]
    assert "2020-01-01T24:00:00Z" in note


@pytest.mark.parametrize("attribute, value, said", [
    ("validUntil", "next tuesday", True), ("validUntil", "2030-01-01T00:00:00Z", False),
    ("cacheDuration", "6 hours", True), ("cacheDuration", "PT6H", False), ("cacheDuration", "P", True)])
def test_unreadable_valid_until_or_cache_duration_is_said(tmp_path, attribute, value, said):
    root = _metadata()
    root.find(MD + "IDPSSODescriptor").set(attribute, value)
    notes = build({"idp_metadata": [str(_write(tmp_path, root))], "at": AT}, None).contradictions
    assert any(f"{attribute} {value!r}" in n for n in notes) is said


def _aggregate(tmp_path: Path, own_until: str | None) -> Path:
    """An EntitiesDescriptor of two IdPs; the first EntityDescriptor has its own validUntil."""
    agg = etree.Element(MD + "EntitiesDescriptor", nsmap={"md": MD[1:-1], "ds": DS[1:-1]})
    for n, name in enumerate(("https://idp-a.example.org/idp", "https://idp-b.example.org/idp")):
        ed = _metadata()
        ed.set("entityID", name)
        if n == 0 and own_until:
            ed.set("validUntil", own_until)
        agg.append(ed)
    return _write(tmp_path, agg, "aggregate.xml")


def test_nested_valid_until_of_an_aggregates_idp_is_said_when_none_is_chosen(tmp_path):
    agg = str(_aggregate(tmp_path, "2011-06-01T00:00:00Z"))
    expect = build({"idp_metadata": [agg], "at": AT}, None)
    assert expect.idp_aggregates == (agg,)
    (note,) = [n for n in expect.contradictions if "validUntil" in n]
    assert "1 of its IdPs" in note and "https://idp-a.example.org/idp" in note and "idp-b" not in note
    assert not [n for n in build({"idp_metadata": [str(_aggregate(tmp_path, "2999-01-01T00:00:00Z"))], "at": AT},
                                 None).contradictions if "validUntil" in n]


# --- use="encryption" --------------------------------------------------------------------------------

def test_encryption_key_verifies_no_signature(tmp_path):
    md = str(_write(tmp_path, _metadata(signing=(IDP,), encryption=(ENC,))))
    assert _verified(tmp_path, ENC, idp_metadata=[md]) == [False]
    assert _verified(tmp_path, IDP, idp_metadata=[md]) == [True]


# --- the metadata's own signature --------------------------------------------------------------------

def _signed(tmp_path: Path, pair: K.KeyPair) -> Path:
    root = _metadata()
    root.set("ID", "_metadata25")
    sig = xmlsec.template.create(root, xmlsec.Transform.EXCL_C14N, xmlsec.Transform.RSA_SHA256, ns="ds")
    root.insert(0, sig)
    ref = xmlsec.template.add_reference(sig, xmlsec.Transform.SHA256, uri="#_metadata25")
    xmlsec.template.add_transform(ref, xmlsec.Transform.ENVELOPED)
    xmlsec.template.add_transform(ref, xmlsec.Transform.EXCL_C14N)
    xmlsec.template.x509_data_add_certificate(xmlsec.template.add_x509_data(xmlsec.template.ensure_key_info(sig)))
    sign_all(root, pair)
    return _write(tmp_path, root, "signed.xml")


@pytest.mark.parametrize("given, said", [("idp", "and verifies with"), ("idp-new", "does not verify"),
                                         (None, "did not check it")])
def test_signed_metadata_is_said_verified_or_not(tmp_path, given, said):
    md = str(_signed(tmp_path, IDP))
    flags = {"idp_metadata": [md], "at": AT, **({"idp_cert": [_cert_file(tmp_path, K.load(given))]} if given else {})}
    (note,) = [n for n in build(flags, None).contradictions if "is signed" in n]
    assert said in note


def test_unsigned_metadata_says_nothing_of_a_signature(tmp_path):
    md = str(_write(tmp_path, _metadata()))
    assert not [n for n in build({"idp_metadata": [md], "idp_cert": [_cert_file(tmp_path, IDP)]}, None).contradictions
                if "signed" in n]


def test_entras_stored_metadata_verifies_with_its_signing_certificate(tmp_path):
    """Microsoft's file as downloaded: its ds:Signature verifies with the certificate it names."""
    root = etree.fromstring(ENTRA_FILE.read_bytes())
    b64 = "".join(root.find(DS + "Signature").find(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate").itertext())
    pem = tmp_path / "entra.crt"
    pem.write_text("-----BEGIN CERTIFICATE-----\n" + "".join(b64.split()) + "\n-----END CERTIFICATE-----\n")
    (note,) = [n for n in build({"idp_metadata": [str(ENTRA_FILE)], "idp_cert": [str(pem)]}, None).contradictions
               if "is signed" in n]
    assert "and verifies with" in note


# --- request-binding-unlisted -------------------------------------------------------------------------

def _redirect_to(tmp_path: Path, url: str) -> Path:
    deflated = base64.b64encode(encoding.deflate_raw(messages.authn_request())).decode()
    path = tmp_path / "request.txt"
    path.write_text(url + "?" + urlencode({"SAMLRequest": deflated}) + "\n")
    return path


@pytest.mark.parametrize("url, flagged", [(S.IDP_SSO_POST, True), (S.IDP_SSO_REDIRECT, False),
                                          ("https://idp.example.org/idp/profile/SAML2/Redirect/SSO", False)])
def test_request_redirected_to_the_post_only_url(tmp_path, url, flagged):
    """Redirected to the URL listed for HTTP-POST only: flagged; to the Redirect one, or to a URL the
    metadata does not list at all (another matter than the binding), not."""
    md = str(_write(tmp_path, _metadata()))
    report = analyze_files([str(_redirect_to(tmp_path, url))], build({"idp_metadata": [md], "at": AT}, None))
    codes = [f.code for m in report.messages for f in m.findings]
    assert ("request-binding-unlisted" in codes) is flagged, codes
    if flagged:
        (f,) = [f for m in report.messages for f in m.findings if f.code == "request-binding-unlisted"]
        assert f.expected == S.IDP_SSO_REDIRECT and "HTTP-POST only" in f.message_text


def test_one_url_for_both_bindings_is_not_flagged(tmp_path):
    """Entra and Okta list one URL for HTTP-Redirect and HTTP-POST."""
    root = _metadata()
    for s in root.iter(MD + "SingleSignOnService"):
        s.set("Location", S.IDP_SSO_POST)
    md = str(_write(tmp_path, root))
    report = analyze_files([str(_redirect_to(tmp_path, S.IDP_SSO_POST))], build({"idp_metadata": [md], "at": AT}, None))
    assert "request-binding-unlisted" not in [f.code for m in report.messages for f in m.findings]
