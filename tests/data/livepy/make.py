"""Record pysaml2 (live IdP) login responses and python3-saml's (live SP) verdicts on them.

Run in a throwaway venv (see SOURCES.md): python tests/data/livepy/make.py
Writes <case>.xml (each Response as pysaml2 returned it, unedited), sp-metadata.xml and
verdicts.json. Keys are the repository's TEST-ONLY keys in fixtures/keys/.
"""
from __future__ import annotations

import base64
import json
import pathlib
import tempfile

import saml2
from saml2 import saml, samlp
from saml2.config import IdPConfig
from saml2.server import Server
from saml2.authn_context import INTERNETPROTOCOLPASSWORD
from saml2.saml import (NAMEID_FORMAT_EMAILADDRESS, NAMEID_FORMAT_PERSISTENT,
                        NAMEID_FORMAT_TRANSIENT, NameID)
from saml2.xmldsig import (DIGEST_SHA1, DIGEST_SHA256, SIG_RSA_SHA1, SIG_RSA_SHA256)
import onelogin.saml2.utils as ol_utils
from onelogin.saml2.response import OneLogin_Saml2_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[2]
KEYS = ROOT / "fixtures" / "keys"
IDP = "https://idp.example.com/idp"
SP = "sonarqube"
OTHER_SP = "https://sonar.example.com"   # a second SP entity: the wrong-audience case
ACS = "https://sonar.example.com/oauth2/callback/saml"
REQ = "id-sonar-0123456789abcdef"


def _pem_body(path: pathlib.Path) -> str:
    return "".join(l for l in path.read_text().splitlines() if "-----" not in l)


def sp_metadata() -> str:
    cert = _pem_body(KEYS / "sp.crt")
    ents = []
    for ent in (SP, OTHER_SP):
        ents.append(f"""<md:EntityDescriptor entityID="{ent}">
 <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
  <md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
  <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{ACS}" index="0"/>
 </md:SPSSODescriptor>
</md:EntityDescriptor>""")
    return ('<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
            'xmlns:ds="http://www.w3.org/2000/09/xmldsig#">\n' + "\n".join(ents) + "\n</md:EntitiesDescriptor>\n")


def idp_server(key: str, crt: str) -> Server:
    conf = IdPConfig()
    conf.load({
        "entityid": IDP,
        "key_file": str(KEYS / key), "cert_file": str(KEYS / crt),
        "encryption_keypairs": [{"key_file": str(KEYS / key), "cert_file": str(KEYS / crt)}],
        "metadata": {"local": [str(HERE / "sp-metadata.xml")]},
        "service": {"idp": {
            "endpoints": {"single_sign_on_service": [(IDP + "/sso", saml2.BINDING_HTTP_REDIRECT)]},
            "policy": {"default": {"lifetime": {"minutes": 15},
                                   "name_form": saml.NAME_FORMAT_BASIC}},
            "name_id_format": [NAMEID_FORMAT_EMAILADDRESS, NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT],
        }},
        "xmlsec_binary": "/usr/bin/xmlsec1",
    })
    return Server(config=conf)


GOOD_ATTRS = {"login": ["alice"], "name": ["Alice Liddell"], "email": ["alice@example.com"],
              "groups": ["sonar-users", "sonar-administrators"]}
MISNAMED = {"uid": ["alice"], "displayName": ["Alice Liddell"], "mail": ["alice@example.com"],
            "memberOf": ["sonar-users"]}
NAMEIDS = {"email": (NAMEID_FORMAT_EMAILADDRESS, "alice@example.com"),
           "persistent": (NAMEID_FORMAT_PERSISTENT, "3f2a9c1e-7d4b-4e8a-9b1c-5d6e7f8a9b0c"),
           "transient": (NAMEID_FORMAT_TRANSIENT, "_4c8d2e1f0a9b")}

# case -> keyword arguments of create_authn_response (+ our own: nameid, attrs, key, audience)
CASES = {
    "resp-sha256": dict(sign_response=True, sign_assertion=False),
    "assert-sha256": dict(sign_response=False, sign_assertion=True),
    "both-sha256": dict(sign_response=True, sign_assertion=True),
    "resp-sha1": dict(sign_response=True, sign_assertion=False, alg="sha1"),
    "assert-sha1": dict(sign_response=False, sign_assertion=True, alg="sha1"),
    "both-sha1": dict(sign_response=True, sign_assertion=True, alg="sha1"),
    "unsigned": dict(sign_response=False, sign_assertion=False),
    "enc-assert-signed": dict(sign_response=False, sign_assertion=True, encrypt_assertion=True),
    "enc-resp-signed": dict(sign_response=True, sign_assertion=False, encrypt_assertion=True),
    "enc-both-signed": dict(sign_response=True, sign_assertion=True, encrypt_assertion=True),
    # the attributes in an EncryptedAssertion inside saml:Advice (pysaml2's PEFIM layout)
    "advice-attrs": dict(sign_response=True, sign_assertion=True, encrypted_advice_attributes=True,
                         pefim=True),
    "nameid-persistent": dict(sign_response=True, sign_assertion=True, nameid="persistent"),
    "nameid-transient": dict(sign_response=True, sign_assertion=True, nameid="transient"),
    "attrs-misnamed": dict(sign_response=True, sign_assertion=True, attrs=MISNAMED),
    "attrs-none": dict(sign_response=True, sign_assertion=True, attrs={}),
    "wrong-audience": dict(sign_response=True, sign_assertion=True, audience=OTHER_SP),
    "other-key": dict(sign_response=True, sign_assertion=True, key="attacker"),
}

# settings name -> changes to the right python3-saml settings
SETTINGS = {
    "right": {},
    "want-assertions-signed": {"security": {"wantAssertionsSigned": True}},
    "want-messages-signed": {"security": {"wantMessagesSigned": True}},
    "reject-sha1": {"security": {"rejectDeprecatedAlgorithm": True}},
    "other-idp-cert": {"idp": {"x509cert": _pem_body(KEYS / "idp-new.crt")}},
    "other-sp-entity": {"sp": {"entityId": "sonarqube-prod"}},
    "other-sp-key": {"sp": {"privateKey": (KEYS / "sp-other.key").read_text()}},
    # the right settings, judged at another time (seconds after the IssueInstant; pysaml2 gives
    # 15 minutes, python3-saml allows ALLOWED_CLOCK_DRIFT = 300 s either way)
    "early-4m": {"now": -240},
    "early-6m": {"now": -360},
    "late-19m": {"now": 19 * 60},
    "late-21m": {"now": 21 * 60},
}
NOW_AFTER_ISSUE = 5
"""Seconds after the IssueInstant at which python3-saml judges, unless a SETTINGS entry says."""


def settings(change: dict) -> OneLogin_Saml2_Settings:
    base = {
        "strict": True, "debug": False,
        "sp": {"entityId": SP, "assertionConsumerService": {"url": ACS, "binding": saml2.BINDING_HTTP_POST},
               "NameIDFormat": NAMEID_FORMAT_EMAILADDRESS,
               "x509cert": _pem_body(KEYS / "sp.crt"), "privateKey": (KEYS / "sp.key").read_text()},
        "idp": {"entityId": IDP, "singleSignOnService": {"url": IDP + "/sso", "binding": saml2.BINDING_HTTP_REDIRECT},
                "x509cert": _pem_body(KEYS / "idp.crt")},
        "security": {"wantAssertionsSigned": False, "wantMessagesSigned": False},
    }
    for part, vals in change.items():
        if part != "now":
            base[part] = {**base[part], **vals}
    return OneLogin_Saml2_Settings(base, sp_validation_only=True)


REQUEST_DATA = {"https": "on", "http_host": "sonar.example.com", "script_name": "/oauth2/callback/saml",
                "get_data": {}, "post_data": {}}


def judge(xml: str, issued: str) -> dict:
    issued_at = ol_utils.OneLogin_Saml2_Utils.parse_SAML_to_time(issued)
    b64 = base64.b64encode(xml.encode()).decode()
    out = {}
    for name, change in SETTINGS.items():
        frozen = issued_at + change.get("now", NOW_AFTER_ISSUE)
        ol_utils.OneLogin_Saml2_Utils.now = staticmethod(lambda: frozen)   # the recording only
        try:   # python3-saml decrypts in the constructor
            resp = OneLogin_Saml2_Response(settings(change), b64)
            ok = bool(resp.is_valid(REQUEST_DATA, request_id=REQ, raise_exceptions=False))
        except Exception as exc:   # it raises (xmlsec.Error) on an undecryptable assertion
            ok, err = False, f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}"   # as a traceback ends
        else:
            err = resp.get_error()
        out[name] = {"valid": ok, "error": None if ok else err,
                     "now": ol_utils.OneLogin_Saml2_Utils.parse_time_to_SAML(frozen)}
    return out


def make(server: Server, case: str, kw: dict) -> str:
    kw = dict(kw)
    alg = kw.pop("alg", "sha256")
    fmt, value = NAMEIDS[kw.pop("nameid", "email")]
    attrs = kw.pop("attrs", GOOD_ATTRS)
    audience = kw.pop("audience", SP)
    if kw.pop("key", None):
        server = idp_server("attacker.key", "attacker.crt")
    return str(server.create_authn_response(
        identity=attrs, in_response_to=REQ, destination=ACS, sp_entity_id=audience,
        name_id=NameID(format=fmt, text=value, sp_name_qualifier=audience, name_qualifier=IDP),
        authn={"class_ref": INTERNETPROTOCOLPASSWORD, "authn_auth": IDP},
        sign_alg=SIG_RSA_SHA1 if alg == "sha1" else SIG_RSA_SHA256,
        digest_alg=DIGEST_SHA1 if alg == "sha1" else DIGEST_SHA256, **kw))


def issue_instant(xml: str) -> str:
    return samlp.response_from_string(xml).issue_instant


def main() -> None:
    (HERE / "sp-metadata.xml").write_text(sp_metadata())
    server = idp_server("idp.key", "idp.crt")
    verdicts = {}
    messages = {case: make(server, case, kw) for case, kw in CASES.items()}
    messages["error-status"] = str(server.create_error_response(
        REQ, ACS, (samlp.STATUS_AUTHN_FAILED, "user alice is not allowed to use sonarqube"),
        sign=True, sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256))
    for case, xml in messages.items():
        (HERE / f"{case}.xml").write_text(xml)
        issued = issue_instant(xml)
        verdicts[case] = {"file": f"{case}.xml", "issue_instant": issued, "python3_saml": judge(xml, issued)}
    (HERE / "verdicts.json").write_text(json.dumps(verdicts, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
