"""Lasso (Entr'ouvert; inside mod_auth_mellon and Authentic2) as IdP makes SAML 2.0 POST login responses,
and Lasso as SP judges each (processAuthnResponseMsg, then acceptSso). Run with the system python3 that
has Debian's python3-lasso: `/usr/bin/python3 tests/data/lasso26/make.py` (see SOURCES.md). Writes
messages/<name>.b64 (login.msgBody, unedited), metadata/*.xml (written here) and verdicts.json."""
import base64
import datetime as dt
import json
import subprocess
from pathlib import Path

import lasso

HERE = Path(__file__).resolve().parent
KEYS = HERE.parent.parent.parent / "fixtures" / "keys"
IDP = "https://idp.example.org/idp/saml2/metadata"  # Authentic2's IdP entity: <base>/idp/saml2/metadata
SP = "https://wiki.example.org/mellon/metadata"      # mod_auth_mellon's: <MellonEndpointPath>/metadata
ACS = "https://wiki.example.org/mellon/postResponse"


def pem_body(name):
    return "".join(l for l in (KEYS / name).read_text().splitlines() if "-----" not in l)


def idp_metadata(cert):
    return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{IDP}">
 <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
  <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{pem_body(cert)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
  <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.org/idp/saml2/sso"/>
 </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""


def sp_metadata(entity, acs, enc_cert="sp.crt"):
    return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity}">
 <md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
  <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{pem_body("sp.crt")}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
  <md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{pem_body(enc_cert)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
  <md:AssertionConsumerService index="0" isDefault="true" Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{acs}"/>
 </md:SPSSODescriptor>
</md:EntityDescriptor>
"""


def write(name, text):
    path = HERE / "metadata" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return str(path)


def z(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


SAMPLES = {
    # name: (what, IdP key, sig method, SP metadata at the IdP (entity, acs, enc cert), encrypt, window, authn ok)
    "default-rsa-sha256": ("Lasso's defaults (RSA-SHA256 since 2.7)", "idp", "sha256", (SP, ACS, "sp.crt"), False, None, True),
    "rsa-sha1": ("signature_method RSA-SHA1", "idp", "sha1", (SP, ACS, "sp.crt"), False, None, True),
    "rsa-sha512": ("signature_method RSA-SHA512", "idp", "sha512", (SP, ACS, "sp.crt"), False, None, True),
    "encrypted-assertion": ("ENCRYPTION_MODE_ASSERTION to sp.crt", "idp", "sha256", (SP, ACS, "sp.crt"), True, None, True),
    "encrypted-other-sp-cert": ("encrypted to sp-other.crt (the IdP holds a stale SP certificate)", "idp", "sha256",
                                (SP, ACS, "sp-other.crt"), True, None, True),
    "wrong-key": ("signed with attacker.key; the SP's IdP metadata holds idp.crt", "attacker", "sha256",
                  (SP, ACS, "sp.crt"), False, None, True),
    "wrong-audience": ("the IdP knows the SP as urn:wiki.example.org (another entity ID)", "idp", "sha256",
                       ("urn:wiki.example.org", ACS, "sp.crt"), False, None, True),
    "wrong-acs": ("the IdP's SP metadata has another ACS URL", "idp", "sha256",
                  (SP, "https://wiki.example.org/secret/postResponse", "sp.crt"), False, None, True),
    "expired": ("buildAssertion window that ended 10 minutes before the SP reads it", "idp", "sha256",
                (SP, ACS, "sp.crt"), False, (-20, -10), True),
    "authn-failed": ("validateRequestMsg(False, ...): the user did not authenticate", "idp", "sha256",
                     (SP, ACS, "sp.crt"), False, None, False),
}
METHODS = {"sha1": lasso.SIGNATURE_METHOD_RSA_SHA1, "sha256": lasso.SIGNATURE_METHOD_RSA_SHA256,
           "sha512": lasso.SIGNATURE_METHOD_RSA_SHA512}


def idp_server(name, key, method, sp_entity, acs, enc_cert, encrypt):
    server = lasso.Server(write("idp.xml", idp_metadata("idp.crt")), str(KEYS / f"{key}.key"), None,
                          str(KEYS / f"{key}.crt"))
    server.signatureMethod = METHODS[method]
    server.addProvider(lasso.PROVIDER_ROLE_SP, write(f"sp-at-idp-{name}.xml",
                                                     sp_metadata(sp_entity, acs, enc_cert)))
    if encrypt:
        server.providers[sp_entity].setEncryptionMode(lasso.ENCRYPTION_MODE_ASSERTION)
    return server


def sp_server():
    server = lasso.Server(write("sp.xml", sp_metadata(SP, ACS)), str(KEYS / "sp.key"), None, str(KEYS / "sp.crt"))
    server.addProvider(lasso.PROVIDER_ROLE_IDP, write("idp.xml", idp_metadata("idp.crt")))
    server.setEncryptionPrivateKey(str(KEYS / "sp.key"))
    return server


def judge(body):
    """Lasso as SP (what mod_auth_mellon calls): its verdict and error text, verbatim."""
    login = lasso.Login(sp_server())
    try:
        login.processAuthnResponseMsg(body)
        login.acceptSso()
    except lasso.Error as err:
        return {"valid": False, "error": f"{type(err).__name__}: {err}", "code": err.code}
    return {"valid": True, "error": None, "name_id": login.nameIdentifier.content}


def main():
    out = {"about": f"Lasso IdP ({IDP}) POST login responses for a mod_auth_mellon SP ({SP}, ACS {ACS}), "
                    "judged by Lasso as SP; see SOURCES.md",
           "versions": {"lasso": subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "liblasso3"],
                                                capture_output=True, text=True).stdout,
                        "python3-lasso": subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "python3-lasso"],
                                                        capture_output=True, text=True).stdout},
           "idp": IDP, "sp": SP, "acs": ACS, "samples": {}}
    for name, (what, key, method, (ent, acs, enc), encrypt, window, ok) in SAMPLES.items():
        login = lasso.Login(idp_server(name, key, method, ent, acs, enc, encrypt))
        login.initIdpInitiatedAuthnRequest(ent)
        login.request.nameIdPolicy.format = lasso.SAML2_NAME_IDENTIFIER_FORMAT_PERSISTENT
        login.request.nameIdPolicy.allowCreate = True
        login.request.protocolBinding = lasso.SAML2_METADATA_BINDING_POST
        login.processAuthnRequestMsg(None)
        try:
            login.validateRequestMsg(ok, True)
        except lasso.LoginRequestDeniedError:  # Lasso raises it and still sets the Response's status
            assert not ok
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        start, end = (now + dt.timedelta(minutes=w) for w in (window or (-1, 5)))
        if ok:
            login.buildAssertion(lasso.SAML_AUTHENTICATION_METHOD_PASSWORD, z(now), None, z(start), z(end))
        login.buildAuthnResponseMsg()
        (HERE / "messages" / f"{name}.b64").write_text(login.msgBody + "\n")
        out["samples"][f"messages/{name}.b64"] = {
            "made_with": {"what": what, "key": key, "signature_method": method, "sp_entity_at_idp": ent,
                          "acs_at_idp": acs, "encrypt_to": enc if encrypt else None, "authenticated": ok},
            "posted_to": login.msgUrl, "made_at": z(now), "lasso_sp": judge(login.msgBody)}
    (HERE / "verdicts.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
