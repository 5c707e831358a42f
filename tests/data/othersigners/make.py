"""Make the SAML Responses of tests/data/othersigners, signed by two XML-DSig implementations that are
not samlscan's generator: signxml (Python, lxml + cryptography) and the xmlsec1 command line.

Run with a throwaway venv that has signxml (never a samlscan dependency), from this folder:
    /tmp/venv-other/bin/python make.py
It writes the throwaway keys (once: kept when present), every sample, and manifest.json (how each was
made and what `xmlsec1 --verify` with the IdP certificate says about it). See SOURCES.md.
"""
from __future__ import annotations

import datetime
import json
import re
import subprocess
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod, XMLSigner

HERE = Path(__file__).resolve().parent
DS = "http://www.w3.org/2000/09/xmldsig#"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
ISSUED = "2026-01-15T10:00:00Z"
SP, ACS, IDP = "https://sonar.example.com/saml", "https://sonar.example.com/oauth2/callback/saml", "https://idp.example.com/saml"

KEYS = {  # name -> key factory (throwaway keys, made once and committed beside the samples)
    "rsa2048": lambda: rsa.generate_private_key(65537, 2048),
    "rsa3072": lambda: rsa.generate_private_key(65537, 3072),
    "rsa1024": lambda: rsa.generate_private_key(65537, 1024),
    "ecp256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "ecp384": lambda: ec.generate_private_key(ec.SECP384R1()),
    "other2048": lambda: rsa.generate_private_key(65537, 2048),  # a key nobody configured
}


def make_keys():
    for name, factory in KEYS.items():
        key_file, cert_file = HERE / f"{name}.key", HERE / f"{name}.crt"
        if key_file.exists() and cert_file.exists():
            continue
        key = factory()
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"othersigners {name} (test only)")])
        cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc))
                .not_valid_after(datetime.datetime(2035, 1, 1, tzinfo=datetime.timezone.utc))
                .sign(key, hashes.SHA256()))
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


# ---- unsigned templates in four IdP styles (prefixes and element layout as those IdPs write them) ----

STYLES = {
    # Okta: saml2p/saml2 prefixes, Response signed (or Assertion)
    "okta": dict(p="saml2p", a="saml2", rid="id1234567890okta", aid="id0987654321okta"),
    # Entra ID: samlp prefix, the Assertion in the default namespace, IDs starting '_'
    "entra": dict(p="samlp", a=None, rid="_9b2c5d1e-0000-4000-8000-00000000entra", aid="_3f1a7c2b-0000-4000-8000-0000000entra"),
    # AD FS: samlp, Assertion in the default namespace declared on it
    "adfs": dict(p="samlp", a=None, rid="_adfs-response-0001", aid="_adfs-assertion-0001"),
    # Keycloak: samlp/saml prefixes, IDs 'ID_<uuid>'
    "keycloak": dict(p="samlp", a="saml", rid="ID_1b0e5d3c-0000-4000-8000-000000keycloak", aid="ID_2c1f6e4d-0000-4000-8000-000000keycloak"),
}


def template(style: str, response_sig: str = "", assertion_sig: str = "") -> str:
    """A Response as the IdP style writes it; `*_sig` is put right after the element's Issuer (SAML core
    5.4.1 / the schema's place)."""
    s = STYLES[style]
    p, a = s["p"], s["a"]
    q = f"{a}:" if a else ""
    assertion_ns = f'xmlns:{a}="{SAML}"' if a else f'xmlns="{SAML}"'
    root_ns = f'xmlns:{p}="{SAMLP}"' + (f" {assertion_ns}" if a else "")
    own_ns = "" if a else f" {assertion_ns}"
    issuer = f"<{a}:Issuer>{IDP}</{a}:Issuer>" if a else f'<Issuer xmlns="{SAML}">{IDP}</Issuer>'
    return (
        f'<{p}:Response {root_ns} ID="{s["rid"]}" Version="2.0" IssueInstant="{ISSUED}" Destination="{ACS}">'
        f'{issuer}{response_sig}'
        f'<{p}:Status><{p}:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></{p}:Status>'
        f'<{q}Assertion{own_ns} ID="{s["aid"]}" Version="2.0" IssueInstant="{ISSUED}">'
        f'<{q}Issuer>{IDP}</{q}Issuer>{assertion_sig}'
        f'<{q}Subject><{q}NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">'
        f'jane.doe@example.com</{q}NameID>'
        f'<{q}SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
        f'<{q}SubjectConfirmationData NotOnOrAfter="2026-01-15T10:05:00Z" Recipient="{ACS}"/>'
        f'</{q}SubjectConfirmation></{q}Subject>'
        f'<{q}Conditions NotBefore="2026-01-15T09:55:00Z" NotOnOrAfter="2026-01-15T11:00:00Z">'
        f'<{q}AudienceRestriction><{q}Audience>{SP}</{q}Audience></{q}AudienceRestriction></{q}Conditions>'
        f'<{q}AuthnStatement AuthnInstant="{ISSUED}" SessionIndex="{s["aid"]}">'
        f'<{q}AuthnContext><{q}AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:'
        f'PasswordProtectedTransport</{q}AuthnContextClassRef></{q}AuthnContext></{q}AuthnStatement>'
        f'<{q}AttributeStatement><{q}Attribute Name="email"><{q}AttributeValue>jane.doe@example.com'
        f'</{q}AttributeValue></{q}Attribute></{q}AttributeStatement>'
        f'</{q}Assertion></{p}:Response>')


# ---- xmlsec1 --sign over a ds:Signature template -------------------------------------------------

C14N = {
    "exc": "http://www.w3.org/2001/10/xml-exc-c14n#",
    "exc-comments": "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
    "inc": "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "inc-comments": "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
    "inc11": "http://www.w3.org/2006/12/xml-c14n11",
}
SIG_ALGS = {
    "rsa-sha1": "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    "rsa-sha256": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "rsa-sha384": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    "rsa-sha512": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    "ecdsa-sha1": "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1",
    "ecdsa-sha256": "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    "ecdsa-sha384": "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
}
DIGESTS = {
    "sha1": "http://www.w3.org/2000/09/xmldsig#sha1",
    "sha256": "http://www.w3.org/2001/04/xmlenc#sha256",
    "sha384": "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "sha512": "http://www.w3.org/2001/04/xmlenc#sha512",
}
KEYINFO = {
    "x509": "<{d}KeyInfo><{d}X509Data><{d}X509Certificate/></{d}X509Data></{d}KeyInfo>",
    "keyvalue": "<{d}KeyInfo><{d}KeyValue/></{d}KeyInfo>",
    "keyname": "<{d}KeyInfo><{d}KeyName/></{d}KeyInfo>",
    "none": "",
}


def sig_template(ref_id: str, sig="rsa-sha256", digest="sha256", si_c14n="exc", ref_c14n="exc",
                 keyinfo="x509", prefix="ds", prefixes: str | None = None) -> str:
    """A ds:Signature template xmlsec1 fills in: SignedInfo with CanonicalizationMethod `si_c14n`, one
    enveloped Reference whose C14N transform is `ref_c14n` (with InclusiveNamespaces `prefixes`)."""
    d = f"{prefix}:" if prefix else ""
    decl = f'xmlns:{prefix}="{DS}"' if prefix else f'xmlns="{DS}"'
    inc = (f'<ec:InclusiveNamespaces xmlns:ec="{C14N["exc"]}" PrefixList="{prefixes}"/>'
           if prefixes is not None else "")
    return (f'<{d}Signature {decl}><{d}SignedInfo>'
            f'<{d}CanonicalizationMethod Algorithm="{C14N[si_c14n]}"/>'
            f'<{d}SignatureMethod Algorithm="{SIG_ALGS[sig]}"/>'
            f'<{d}Reference URI="#{ref_id}"><{d}Transforms>'
            f'<{d}Transform Algorithm="{DS}enveloped-signature"/>'
            f'<{d}Transform Algorithm="{C14N[ref_c14n]}">{inc}</{d}Transform></{d}Transforms>'
            f'<{d}DigestMethod Algorithm="{DIGESTS[digest]}"/><{d}DigestValue/></{d}Reference></{d}SignedInfo>'
            f'<{d}SignatureValue/>{KEYINFO[keyinfo].format(d=d)}</{d}Signature>')


def xmlsec1_sign(text: str, key: str, xpath: str) -> str:
    """`xmlsec1 --sign` of the ds:Signature template at `xpath`, the SAML ID attributes declared."""
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp, "in.xml"), Path(tmp, "out.xml")
        src.write_text(text)
        res = subprocess.run(["xmlsec1", "--sign", "--privkey-pem:" + key, f"{HERE / key}.key,{HERE / key}.crt",
                        "--id-attr:ID", f"{SAMLP}:Response", "--id-attr:ID", f"{SAML}:Assertion",
                        "--node-xpath", xpath, "--output", str(out), str(src)],
                             capture_output=True, text=True)
        if res.returncode:
            raise RuntimeError(res.stderr.strip().splitlines()[-1])
        return out.read_text()


RESPONSE_SIG = "(//*[local-name()='Response']/*[local-name()='Signature'])[1]"
ASSERTION_SIG = "(//*[local-name()='Assertion']/*[local-name()='Signature'])[1]"


def xmlsec1_sample(style="okta", where="response", key="rsa2048", **tmpl) -> str:
    s = STYLES[style]
    rs = sig_template(s["rid"], **tmpl) if where in ("response", "both") else ""
    as_ = sig_template(s["aid"], **tmpl) if where in ("assertion", "both") else ""
    text = template(style, rs, as_)
    if as_:  # the inner one first: the Response's digest covers the signed Assertion
        text = xmlsec1_sign(text, key, ASSERTION_SIG)
    if rs:
        text = xmlsec1_sign(text, key, RESPONSE_SIG)
    return text


# ---- signxml ------------------------------------------------------------------------------------

SX_C14N = {"exc": CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
           "exc-comments": CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0_WITH_COMMENTS,
           "inc": CanonicalizationMethod.CANONICAL_XML_1_0,
           "inc-comments": CanonicalizationMethod.CANONICAL_XML_1_0_WITH_COMMENTS,
           "inc11": CanonicalizationMethod.CANONICAL_XML_1_1}
SX_SIG = {"rsa-sha256": SignatureMethod.RSA_SHA256, "rsa-sha384": SignatureMethod.RSA_SHA384,
          "rsa-sha512": SignatureMethod.RSA_SHA512, "ecdsa-sha256": SignatureMethod.ECDSA_SHA256,
          "ecdsa-sha384": SignatureMethod.ECDSA_SHA384, "ecdsa-sha512": SignatureMethod.ECDSA_SHA512,
          "rsa-pss-sha256": SignatureMethod.SHA256_RSA_MGF1}
SX_DIGEST = {"sha256": DigestAlgorithm.SHA256, "sha384": DigestAlgorithm.SHA384, "sha512": DigestAlgorithm.SHA512}
PLACEHOLDER = f'<ds:Signature xmlns:ds="{DS}" Id="placeholder"/>'


def signxml_sample(style="okta", where="response", key="rsa2048", sig="rsa-sha256", digest="sha256", c14n="exc",
                   keyinfo="x509", placed=True, default_ns=False, embed=False) -> str:
    """signxml's enveloped signature. `placed`: a placeholder after the Issuer (signxml's documented way
    to choose the place); otherwise signxml's default, the last child of the signed root. `embed`: the
    Assertion signed as a document of its own, then put into the Response (what IdPs built on signxml
    do)."""
    s = STYLES[style]
    signer = XMLSigner(signature_algorithm=SX_SIG[sig], digest_algorithm=SX_DIGEST[digest], c14n_algorithm=SX_C14N[c14n])
    if default_ns:
        signer.namespaces = {None: DS}
    private = (HERE / f"{key}.key").read_bytes()
    cert = (HERE / f"{key}.crt").read_bytes().decode() if keyinfo == "x509" else None
    if where == "assertion" and embed:
        doc = etree.fromstring(template(style))
        a = next(el for el in doc.iter() if el.get("ID") == s["aid"])
        standalone = etree.fromstring(etree.tostring(a))
        signed = signer.sign(standalone, key=private, cert=cert, reference_uri="#" + s["aid"])
        doc.replace(a, signed)
        return etree.tostring(doc).decode()
    text = template(style, PLACEHOLDER if placed and where == "response" else "",
                    PLACEHOLDER if placed and where == "assertion" else "")
    doc = etree.fromstring(text)
    ref = s["rid"] if where == "response" else s["aid"]
    if where == "assertion" and not placed:  # signxml appends to the element it signs
        a = next(el for el in doc.iter() if el.get("ID") == s["aid"])
        a.append(etree.fromstring(PLACEHOLDER))
    signed = signer.sign(doc, key=private, cert=cert, reference_uri="#" + ref)
    return etree.tostring(signed).decode()


# ---- what happens to a signed message after signing ------------------------------------------

def pretty(text: str) -> str:
    """Re-indented after signing (a proxy or a person 'tidying' the XML): breaks every signature."""
    parser = etree.XMLParser(remove_blank_text=True)
    return etree.tostring(etree.fromstring(text.encode(), parser), pretty_print=True).decode()


def swap_algorithm_name(text: str) -> str:
    """Nothing but the ds prefix renamed in the output (not a re-sign): the SignedInfo changes."""
    return text.replace("ds:", "dsig:").replace("xmlns:ds=", "xmlns:dsig=")


# ---- the samples ------------------------------------------------------------------------------

SAMPLES = {
    # xmlsec1: algorithms and canonicalizations
    "x-okta-rsa2048-sha256-exc.xml": ("xmlsec1", dict()),
    "x-okta-rsa2048-sha1.xml": ("xmlsec1", dict(sig="rsa-sha1", digest="sha1")),
    "x-okta-rsa2048-sha256sig-sha1digest.xml": ("xmlsec1", dict(digest="sha1")),
    "x-okta-rsa2048-sha1sig-sha256digest.xml": ("xmlsec1", dict(sig="rsa-sha1")),
    "x-okta-rsa2048-sha384.xml": ("xmlsec1", dict(sig="rsa-sha384", digest="sha384")),
    "x-okta-rsa2048-sha512.xml": ("xmlsec1", dict(sig="rsa-sha512", digest="sha512")),
    "x-okta-rsa3072-sha256.xml": ("xmlsec1", dict(key="rsa3072")),
    "x-okta-rsa1024-sha256.xml": ("xmlsec1", dict(key="rsa1024")),
    "x-entra-inc-c14n.xml": ("xmlsec1", dict(style="entra", si_c14n="inc", ref_c14n="inc")),
    "x-entra-inc-comments.xml": ("xmlsec1", dict(style="entra", si_c14n="inc-comments", ref_c14n="inc-comments")),
    "x-entra-exc-comments.xml": ("xmlsec1", dict(style="entra", si_c14n="exc-comments", ref_c14n="exc-comments")),
    "x-entra-c14n11.xml": ("xmlsec1", dict(style="entra", si_c14n="inc11", ref_c14n="inc11")),
    "x-adfs-si-exc-ref-inc.xml": ("xmlsec1", dict(style="adfs", where="assertion", si_c14n="exc", ref_c14n="inc")),
    "x-adfs-si-inc-ref-exc.xml": ("xmlsec1", dict(style="adfs", where="assertion", si_c14n="inc", ref_c14n="exc")),
    "x-keycloak-prefixlist.xml": ("xmlsec1", dict(style="keycloak", prefixes="samlp saml")),
    "x-keycloak-prefixlist-default.xml": ("xmlsec1", dict(style="keycloak", where="assertion", prefixes="#default xs")),
    # xmlsec1: keys, KeyInfo shapes, namespace of ds
    "x-okta-ecp256-sha256.xml": ("xmlsec1", dict(key="ecp256", sig="ecdsa-sha256")),
    "x-okta-ecp384-sha384.xml": ("xmlsec1", dict(key="ecp384", sig="ecdsa-sha384", digest="sha384")),
    "x-okta-ecp256-sha1.xml": ("xmlsec1", dict(key="ecp256", sig="ecdsa-sha1", digest="sha1")),
    "x-okta-ecp256-sha1sig-sha256digest.xml": ("xmlsec1", dict(key="ecp256", sig="ecdsa-sha1")),
    "x-okta-keyvalue-rsa.xml": ("xmlsec1", dict(keyinfo="keyvalue")),
    "x-okta-keyvalue-ec.xml": ("xmlsec1", dict(keyinfo="keyvalue", key="ecp256", sig="ecdsa-sha256")),
    "x-okta-keyname.xml": ("xmlsec1", dict(keyinfo="keyname")),
    "x-okta-nokeyinfo.xml": ("xmlsec1", dict(keyinfo="none")),
    "x-okta-ds-default-ns.xml": ("xmlsec1", dict(prefix=None)),
    "x-okta-assertion.xml": ("xmlsec1", dict(where="assertion")),
    "x-keycloak-both.xml": ("xmlsec1", dict(style="keycloak", where="both")),
    "x-okta-other-key.xml": ("xmlsec1", dict(key="other2048")),
    "x-okta-other-key-nokeyinfo.xml": ("xmlsec1", dict(key="other2048", keyinfo="none")),
    "x-okta-other-key-keyvalue.xml": ("xmlsec1", dict(key="other2048", keyinfo="keyvalue")),
    "x-okta-other-ec-key.xml": ("xmlsec1", dict(key="ecp384", sig="ecdsa-sha256")),
    # signxml
    "s-okta-response-placed.xml": ("signxml", dict()),
    "s-okta-response-default-place.xml": ("signxml", dict(placed=False)),
    "s-okta-assertion-placed.xml": ("signxml", dict(where="assertion")),
    "s-okta-assertion-default-place.xml": ("signxml", dict(where="assertion", placed=False)),
    "s-keycloak-assertion-embedded-exc.xml": ("signxml", dict(style="keycloak", where="assertion", embed=True)),
    "s-okta-assertion-embedded-inc.xml": ("signxml", dict(where="assertion", embed=True, c14n="inc")),
    "s-entra-inc-comments.xml": ("signxml", dict(style="entra", c14n="inc-comments")),
    "s-entra-c14n11.xml": ("signxml", dict(style="entra", c14n="inc11")),
    "s-okta-ecp256.xml": ("signxml", dict(key="ecp256", sig="ecdsa-sha256")),
    "s-okta-ecp384-sha512.xml": ("signxml", dict(key="ecp384", sig="ecdsa-sha384", digest="sha512")),
    "s-okta-rsa3072-sha512.xml": ("signxml", dict(key="rsa3072", sig="rsa-sha512", digest="sha512")),
    "s-okta-rsa-pss.xml": ("signxml", dict(sig="rsa-pss-sha256")),
    "s-okta-keyvalue.xml": ("signxml", dict(keyinfo="keyvalue")),
    "s-okta-keyvalue-ec.xml": ("signxml", dict(keyinfo="keyvalue", key="ecp256", sig="ecdsa-sha256")),
    "s-adfs-ds-default-ns.xml": ("signxml", dict(style="adfs", where="assertion", default_ns=True)),
    "s-okta-ds-default-ns.xml": ("signxml", dict(default_ns=True)),
    "s-okta-other-key.xml": ("signxml", dict(key="other2048")),
}
AFTER = {  # sample -> (made from, what was done to it after signing)
    "x-okta-pretty-printed.xml": ("x-okta-rsa2048-sha256-exc.xml", pretty),
    "s-okta-pretty-printed.xml": ("s-okta-response-placed.xml", pretty),
    "x-okta-ds-renamed.xml": ("x-okta-rsa2048-sha256-exc.xml", swap_algorithm_name),
}


def xmlsec1_verify(name: str, cert: str = "rsa2048.crt") -> bool:
    """xmlsec1's verdict on every signature of the sample (each by its node) with the IdP certificate
    only (KeyInfo ignored: --enabled-key-data none trusts no key the message carries)."""
    text = (HERE / name).read_text()
    doc = etree.fromstring(text.encode())
    sigs = list(doc.iter(f"{{{DS}}}Signature"))
    for n in range(1, len(sigs) + 1):
        res = subprocess.run(["xmlsec1", "--verify", "--pubkey-cert-pem", str(HERE / cert), "--enabled-key-data",
                              "x509", "--id-attr:ID", f"{SAMLP}:Response", "--id-attr:ID", f"{SAML}:Assertion",
                              "--node-xpath", f"(//*[local-name()='Signature'])[{n}]", str(HERE / name)],
                             capture_output=True, text=True)
        if res.returncode != 0:
            return False
    return bool(sigs)


def main():
    make_keys()
    manifest = {}
    for name, (tool, opts) in SAMPLES.items():
        try:
            text = xmlsec1_sample(**opts) if tool == "xmlsec1" else signxml_sample(**opts)
        except RuntimeError as exc:  # a variant the tool cannot make: said in the manifest, no sample
            print(name, "refused:", exc)
            continue
        (HERE / name).write_text(text)
        manifest[name] = dict(tool=tool, **opts)
    for name, (source, step) in AFTER.items():
        (HERE / name).write_text(step((HERE / source).read_text()))
        manifest[name] = dict(from_=source, after=step.__name__)
    for name, entry in manifest.items():
        key = entry.get("key") or manifest.get(entry.get("from_", ""), {}).get("key") or "rsa2048"
        entry["xmlsec1_verifies_with_own_cert"] = xmlsec1_verify(name, f"{key}.crt")
        entry["xmlsec1_verifies_with_idp_cert"] = xmlsec1_verify(name)
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
