"""IdP metadata as the products publish it (tests/data/metadata23, SOURCES.md): what samlscan reads
from it (entity ID, SSO endpoints of each binding, signing certificates) and how it says what it
cannot use.
- Microsoft Entra ID's federationmetadata.xml (signed, WS-Fed RoleDescriptors, four rollover
  certificates), Okta's (indented base64), MLEAProxy's: read as stored;
- the Entra file's shape rebuilt around the TEST-ONLY key of fixtures/keys (its RoleDescriptors
  holding another key): a response samlgen signs with the IdPSSODescriptor's key verifies, one
  signed with the RoleDescriptors' key does not;
- a BOM, comments (before the root, and inside the X509Certificate), other prefixes, blanks and
  &#13; inside the base64;
- validUntil in the past: said in a note (against --at, else now), not refused;
- SP metadata, or WS-Fed-only metadata, given as the IdP's: one line, exit 2;
- an aggregate of these IdPs: the response's Issuer picks its IdP.
"""
from __future__ import annotations

import base64
import re
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES))
import generate as GEN  # noqa: E402
from samlgen import keys as K  # noqa: E402
from samlgen import messages  # noqa: E402
from samlgen import scenario as S  # noqa: E402
from samlgen.render import render  # noqa: E402

from samlscan.config import build, load_idp_metadata  # noqa: E402
from samlscan.engine import analyze as analyze_files  # noqa: E402
from samlscan.errors import ConfigError  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
M23 = DATA / "metadata23"
ENTRA_FILE = M23 / "entra-common-federationmetadata.xml"
MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"
DS = "{http://www.w3.org/2000/09/xmldsig#}"
AT = S.iso(S.EVAL_TIME)
IDP, NEW, ATTACKER = K.load("idp"), K.load("idp-new"), K.load("attacker")
POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"


def _sha1(der: bytes) -> str:
    import hashlib

    return ":".join(f"{b:02X}" for b in hashlib.sha1(der).digest())


def _b64(pair: K.KeyPair) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding

    return base64.b64encode(pair.cert.public_bytes(Encoding.DER)).decode()


def _certs_of(root, role: str) -> list[str]:
    """SHA-1 of every X509Certificate of the `role` elements of a metadata tree, in order."""
    return [_sha1(base64.b64decode("".join(x.itertext())))
            for r in root.iter(MD + role) for x in r.iter(DS + "X509Certificate")]


def _signers(meta: dict) -> list[str]:
    return [c.info.sha1 for c in meta["idp_certs"]]


# --- the real files, as stored ---------------------------------------------------------------------

def test_entra_metadata_gives_the_idpssodescriptors_four_certificates_and_both_bindings():
    """Entra: the entity ID, the IDPSSODescriptor's four signing certificates (a rollover set) in
    their order, its Redirect and POST endpoints (one URL); the RoleDescriptors' KeyDescriptors and
    the document signature's KeyInfo are read from nowhere else."""
    root = etree.fromstring(ENTRA_FILE.read_bytes())
    meta = load_idp_metadata(ENTRA_FILE)
    assert meta["idp_entity_id"] == "https://sts.windows.net/{tenantid}/"
    assert meta["idp_sso_urls"] == ("https://login.microsoftonline.com/common/saml2",)  # Redirect and POST
    assert _signers(meta) == _certs_of(root, "IDPSSODescriptor") and len(_signers(meta)) == 4
    assert [u for u, _ in meta["idp_metadata_certs"]] == ["signing"] * 4
    assert "no_cert_reason" not in meta


def test_okta_metadata_with_indented_base64():
    meta = load_idp_metadata(M23 / "okta-saml-kit.xml")
    assert meta["idp_entity_id"] == "http://www.okta.com/exk8dx3jilpueVzpU0h7"
    sso = "https://dev-989848.oktapreview.com/app/ciscodev843126_portal_1/exk8dx3jilpueVzpU0h7/sso/saml"
    assert meta["idp_sso_urls"] == (sso,)  # POST and Redirect: one URL
    (cert,) = meta["idp_certs"]
    assert "CN=dev-989848" in cert.info.subject and "O=Okta" in cert.info.subject


def test_mleaproxy_metadata_with_one_redirect_endpoint():
    meta = load_idp_metadata(M23 / "mleaproxy-idp-metadata.xml")
    assert meta["idp_entity_id"] == "http://localhost:8080/saml/idp"
    assert meta["idp_sso_urls"] == ("http://localhost:8080/saml/auth",)
    (cert,) = meta["idp_certs"]
    assert "CN=SAML Signing Certificate" in cert.info.subject


def test_shibboleth_saml1_endpoint_is_no_saml2_login_url():
    """A Shibboleth IdP of the CAFe federation (tests/data/metadata) lists SAML 2 POST-SimpleSign,
    POST, Redirect and the SAML 1 'urn:mace:shibboleth:1.0:profiles:AuthnRequest' endpoint: the
    last takes no SAML 2.0 AuthnRequest."""
    meta = load_idp_metadata(DATA / "metadata" / "cafe-ifrr-idp-entity.xml")
    base = "https://idp-cafe.ifrr.edu.br/idp/profile/"
    assert meta["idp_sso_urls"] == tuple(base + p for p in ("SAML2/POST-SimpleSign/SSO", "SAML2/POST/SSO",
                                                            "SAML2/Redirect/SSO"))


# --- the Entra shape around our TEST key ------------------------------------------------------------

def _entra_shaped(tmp_path: Path, idp_keys=(NEW, IDP), role_key=ATTACKER, name: str = "entra-test.xml") -> Path:
    """The real Entra file's tree with our keys: the tenant's entity ID, the IDPSSODescriptor's
    first certificates replaced by `idp_keys` (Microsoft's others kept: a rollover set), every
    RoleDescriptor certificate replaced by `role_key`; the document signature is dropped (it no
    longer covers the tree). Written into tmp_path: the stored file is never changed."""
    root = etree.fromstring(ENTRA_FILE.read_bytes())
    root.set("entityID", S.ENTRA_ISSUER)
    root.remove(root.find(DS + "Signature"))
    for role in root.iter(MD + "RoleDescriptor"):
        for x in role.iter(DS + "X509Certificate"):
            x.text = _b64(role_key)
    for x, pair in zip(root.find(MD + "IDPSSODescriptor").iter(DS + "X509Certificate"), idp_keys):
        x.text = _b64(pair)
    path = tmp_path / name
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))
    return path


def _entra_response(tmp_path: Path, signer: K.KeyPair, seed: str = "metadata23") -> Path:
    path = tmp_path / f"{seed}-{signer.name}.xml"
    path.write_bytes(render(GEN.response(seed, GEN.ENTRA), GEN.ENTRA, signer))
    return path


def _verified(response: Path, **flags) -> list[bool]:
    (res,) = analyze_files([str(response)], build({"at": AT, **flags}, None)).messages
    return [s.verified for s in res.message.signatures]


@pytest.mark.parametrize("signer, verifies", [(IDP, True), (NEW, True), (ATTACKER, False)])
def test_response_verifies_only_with_the_idpssodescriptors_keys(tmp_path, signer, verifies):
    """Signed by a key of the IDPSSODescriptor (either of the rollover pair): verified; signed by
    the key only the WS-Fed RoleDescriptors list: not (those keys sign WS-Fed tokens, not SAML)."""
    md = _entra_shaped(tmp_path)
    meta = load_idp_metadata(md)
    assert meta["idp_entity_id"] == S.ENTRA_ISSUER
    assert _sha1(base64.b64decode(_b64(ATTACKER))) not in _signers(meta)
    assert _verified(_entra_response(tmp_path, signer), idp_metadata=[str(md)]) == [verifies]


def test_role_descriptor_only_metadata_is_refused_with_one_line(tmp_path):
    """The WS-Fed part of the Entra file alone (its IDPSSODescriptor removed): not an IdP's SAML
    metadata, said so, exit 2."""
    root = etree.fromstring(ENTRA_FILE.read_bytes())
    root.remove(root.find(MD + "IDPSSODescriptor"))
    path = tmp_path / "wsfed-only.xml"
    path.write_bytes(etree.tostring(root))
    with pytest.raises(ConfigError, match="WS-Federation RoleDescriptors only"):
        load_idp_metadata(path)


# --- how files arrive: BOM, comments, prefixes, blanks in base64 -----------------------------------

def _generated() -> bytes:
    return messages.idp_metadata((IDP,))


def _variants() -> dict[str, bytes]:
    src = _generated()
    body = src.split(b"?>", 1)[1]
    b64 = _b64(IDP).encode()
    wrapped = b"\r\n\t ".join(b64[i:i + 64] for i in range(0, len(b64), 64))
    return {
        "bom": b"\xef\xbb\xbf" + src,
        "comment-before-root": b'<?xml version="1.0"?>\n<!-- saved from the IdP portal -->\n' + body.lstrip(),
        "comments-in-certificate": src.replace(b64, b"<!-- signing -->" + b64[:100] + b"<!-- cut -->" + b64[100:]),
        "other-prefixes": body.replace(b"md:", b"saml2md:").replace(b"xmlns:md=", b"xmlns:saml2md=")
                              .replace(b"ds:", b"dsig:").replace(b"xmlns:ds=", b"xmlns:dsig="),
        "default-namespaces": re.sub(rb"<(/?)md:", rb"<\1", body).replace(b"xmlns:md=", b"xmlns="),
        "blanks-in-base64": src.replace(b64, b"\n    " + wrapped + b"&#13;\n    "),
    }


@pytest.mark.parametrize("shape", sorted(_variants()))
def test_metadata_as_saved_reads_the_same(tmp_path, shape):
    """Each variant gives what the generated file gives: entity ID, SSO URLs, the one certificate.
    (A comment inside the X509Certificate left only the text before it: 'no certificate found'.)"""
    want = load_idp_metadata(_write(tmp_path, "plain.xml", _generated()))
    got = load_idp_metadata(_write(tmp_path, f"{shape}.xml", _variants()[shape]))
    assert got["idp_entity_id"] == want["idp_entity_id"] == S.IDP_ENTITY_ID
    assert got["idp_sso_urls"] == want["idp_sso_urls"] == (S.IDP_SSO_REDIRECT, S.IDP_SSO_POST)
    assert _signers(got) == _signers(want) and len(_signers(got)) == 1


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_comment_split_certificate_verifies_a_signed_response(tmp_path):
    md = _write(tmp_path, "md.xml", _variants()["comments-in-certificate"])
    resp = tmp_path / "okta.xml"
    resp.write_bytes(render(GEN.response("metadata23-okta", GEN.OKTA), GEN.OKTA, IDP))
    verified = _verified(resp, idp_metadata=[str(md)])  # (Okta's style signs Response and Assertion)
    assert verified and all(verified)


# --- validUntil ------------------------------------------------------------------------------------

def _expired_notes(expect) -> list[str]:
    return [n for n in expect.contradictions if "expired" in n and "validUntil" in n]


@pytest.mark.parametrize("where", ["EntityDescriptor", "IDPSSODescriptor"])
def test_past_valid_until_is_said_not_refused(tmp_path, where):
    src = _generated().replace(f"<md:{where} ".encode(), f'<md:{where} validUntil="2010-01-01T00:00:00Z" '.encode(), 1)
    md = _write(tmp_path, "old.xml", src)
    expect = build({"idp_metadata": [str(md)], "at": AT}, None)
    (note,) = _expired_notes(expect)
    assert f"its {where}'s validUntil is 2010-01-01T00:00:00Z" in note and "before --at" in note
    assert str(md) in note
    assert len(expect.idp_certs) == 1  # still used
    # before validUntil: nothing to say
    assert not _expired_notes(build({"idp_metadata": [str(md)], "at": "2009-12-31T00:00:00Z"}, None))


def test_future_valid_until_says_nothing(tmp_path):
    src = _generated().replace(b"<md:EntityDescriptor ", b'<md:EntityDescriptor validUntil="2070-08-31T14:30:09Z" ', 1)
    assert not _expired_notes(build({"idp_metadata": [str(_write(tmp_path, "md.xml", src))], "at": AT}, None))


def test_past_valid_until_without_at_is_judged_now(tmp_path):
    src = _generated().replace(b"<md:EntityDescriptor ", b'<md:EntityDescriptor validUntil="2010-01-01T00:00:00Z" ', 1)
    (note,) = _expired_notes(build({"idp_metadata": [str(_write(tmp_path, "md.xml", src))]}, None))
    assert "before now" in note


def _aggregate(tmp_path: Path, inner_until: str | None = None, outer_until: str | None = None) -> Path:
    """An eduGAIN-style aggregate: the Entra-shaped IdP in a nested EntitiesDescriptor (with
    `inner_until`), beside the real Okta and MLEAProxy entities (under `outer_until`)."""
    def entity(path: Path) -> bytes:
        return re.sub(rb"^\s*<\?xml[^>]*\?>\s*", b"", path.read_bytes())

    def until(value):
        return f' validUntil="{value}"'.encode() if value else b""

    text = (b'<?xml version="1.0" encoding="UTF-8"?>\n<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"'
            + until(outer_until) + b' Name="urn:example:federation">\n'
            + entity(M23 / "okta-saml-kit.xml") + b'<md:EntitiesDescriptor Name="cloud"' + until(inner_until) + b">"
            + entity(_entra_shaped(tmp_path)) + b"</md:EntitiesDescriptor>"
            + entity(M23 / "mleaproxy-idp-metadata.xml") + b"</md:EntitiesDescriptor>\n")
    return _write(tmp_path, "aggregate.xml", text)


def test_nested_entities_descriptors_valid_until_bounds_its_idp(tmp_path):
    agg = str(_aggregate(tmp_path, inner_until="2011-06-01T00:00:00Z"))
    (note,) = _expired_notes(build({"idp_metadata": [agg], "idp_entity_id": S.ENTRA_ISSUER, "at": AT}, None))
    assert "its EntitiesDescriptor's validUntil is 2011-06-01T00:00:00Z" in note
    # the other IdPs of the aggregate are not under that EntitiesDescriptor
    okta = "http://www.okta.com/exk8dx3jilpueVzpU0h7"
    assert not _expired_notes(build({"idp_metadata": [agg], "idp_entity_id": okta, "at": AT}, None))


def test_aggregates_own_valid_until_is_said_when_the_issuer_picks_the_idp(tmp_path):
    agg = str(_aggregate(tmp_path, outer_until="2012-01-01T00:00:00Z"))
    expect = build({"idp_metadata": [agg], "at": AT}, None)
    assert expect.idp_aggregates == (agg,)
    (note,) = _expired_notes(expect)
    assert "2012-01-01T00:00:00Z" in note


@pytest.mark.parametrize("entity_id", [None, S.ENTRA_ISSUER])
def test_streamed_aggregate_keeps_the_valid_until_of_what_surrounds_each_idp(tmp_path, monkeypatch, entity_id):
    """An aggregate larger than a message is read entity by entity (xmlsafe.iter_complete): the
    validUntil of the EntitiesDescriptors around an IdP is kept all the same."""
    from samlscan import xmlsafe
    from samlscan.config.metadata import VALID_UNTIL

    agg = _aggregate(tmp_path, inner_until="2011-06-01T00:00:00Z", outer_until="2012-01-01T00:00:00Z")
    whole = load_idp_metadata(agg, entity_id)
    monkeypatch.setattr(xmlsafe, "MAX_XML_BYTES", 1024)
    streamed = load_idp_metadata(_write(tmp_path, "copy.xml", agg.read_bytes()), entity_id)
    assert whole[VALID_UNTIL] == streamed[VALID_UNTIL]
    assert whole[VALID_UNTIL][1] == ("2011-06-01T00:00:00Z" if entity_id else "2012-01-01T00:00:00Z")


# --- an aggregate: the Issuer picks ----------------------------------------------------------------

def test_aggregate_issuer_picks_the_entra_shaped_idp(tmp_path):
    agg = str(_aggregate(tmp_path))
    resp = _entra_response(tmp_path, IDP)
    assert _verified(resp, idp_metadata=[agg]) == [True]
    # the Okta IdP of the same aggregate configured: its key is not the signer's
    okta = "http://www.okta.com/exk8dx3jilpueVzpU0h7"
    assert _verified(resp, idp_metadata=[agg], idp_entity_id=okta) == [False]
    # the RoleDescriptors' key is no IdP's key in the aggregate either
    assert _verified(_entra_response(tmp_path, ATTACKER), idp_metadata=[agg]) == [False]


# --- the command line ---------------------------------------------------------------------------

def _cli(*args: str) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.run([sys.executable, "-m", "samlscan", "check", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_sp_metadata_as_idp_metadata_is_one_line_and_exit_2(tmp_path):
    resp = _entra_response(tmp_path, IDP)
    out = _cli("--idp-metadata", str(DATA / "metadata" / "ukfed-rm-sp-entity.xml"), "--at", AT, str(resp))
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "service provider's metadata, not the IdP's" in lines[0]
    assert "Traceback" not in out.stderr


def test_expired_metadata_is_a_note_in_the_report_and_the_response_still_verifies(tmp_path):
    md = _entra_shaped(tmp_path)
    text = md.read_bytes().replace(b"<EntityDescriptor ", b'<EntityDescriptor validUntil="2020-01-01T00:00:00Z" ', 1)
    md.write_bytes(text)
    out = _cli("--idp-metadata", str(md), "--at", AT, str(_entra_response(tmp_path, IDP)))
    assert out.returncode != 2, out.stderr
    assert "validUntil is 2020-01-01T00:00:00Z" in out.stdout
    assert _verified(_entra_response(tmp_path, IDP), idp_metadata=[str(md)]) == [True]
