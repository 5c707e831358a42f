"""A tenth audit with real third-party SAML (tests/data/external10; sources, commits and licenses in
its SOURCES.md), judged as the sources' own tests judge each sample (gosaml2's providertests):
- a PingFederate Response whose Assertion alone is signed (KeyInfo with the certificate), without
  Destination (PingFederate writes Destination only on signed Responses): accepted
  (agreement);
- OneLogin scenario 21, a signed Response issued before its signing certificate's notBefore:
  gosaml2 refuses it ('Cert is not valid at this time'); samlscan looked at notAfter only and
  called the login a success without a word about the certificate.
"""
from __future__ import annotations

from pathlib import Path

from external_util import analyze_sample

DATA = Path(__file__).resolve().parent / "data" / "external10"
CERT = "gosaml2-saml-test-nope-idp.crt"


def _codes(res) -> set[str]:
    return {f.code for f in res.findings}


def test_pingfed_signed_assertion_without_destination_is_accepted():
    """gosaml2 TestPingFedCasesLocally scenario 02: no error. The Assertion's signature (rsa-sha256,
    exclusive C14N, KeyInfo with the IdP certificate) verifies; no Destination is no finding."""
    res = analyze_sample(DATA, "gosaml2-pingfed-signed-assertion-no-destination.b64", idp_cert=CERT,
                         at="2017-09-02T23:50:09Z",
                         sp_entity_id="https://saml.test.nope/session/sso/saml/spentityid/hp24dqnpvq",
                         acs_url="https://saml.test.nope/session/sso/saml/acs/hp24dqnpvq",
                         idp_entity_id="https://saml.test.nope:9031/eid/sxpmrhbkzn")
    assert _codes(res) <= {"checks-skipped"}
    (sig,) = res.message.signatures
    assert sig.verified and sig.matched_cert is not None
    (assertion,) = res.message.assertions
    assert {a.name: a.values for a in assertion.attributes}["group"] == ("red,green,blue",)


ONELOGIN21 = "gosaml2-onelogin-scenario21-cert-not-yet-valid.b64"
ONELOGIN_FLAGS = {"sp_entity_id": "https://saml.sp.nope/session/sso/saml/spentityid/rq5jwkvb8z",
                  "acs_url": "https://saml.sp.nope/session/sso/saml/acs/rq5jwkvb8z",
                  "idp_entity_id": "https://saml.idp.nope/h9gkjzvb3e"}


def _cert_findings(res):
    return [f for f in res.findings if f.code == "cert-not-yet-valid"]


def test_signed_before_the_certificate_starts_is_said():
    """gosaml2 TestOneLoginCasesLocally scenario 21: 'Cert is not valid at this time' -- the Response
    (IssueInstant 2017-08-08T01:05:00Z) verifies with a certificate valid from 2017-08-08T17:42:27Z.
    RFC 5280 4.1.2.5: the validity period has two ends; samlscan checked notAfter only."""
    res = analyze_sample(DATA, ONELOGIN21, idp_cert=CERT, **ONELOGIN_FLAGS)
    (f,) = _cert_findings(res)
    assert f.actual == "notBefore 2017-08-08T17:42:27Z"
    assert f.expected == "valid at 2017-08-08T01:05:00Z"
    assert "saml.test.nope" in f.message_text
    (sig,) = res.message.signatures
    assert sig.verified  # the signature itself is good: only the certificate's period is wrong


def test_signed_after_the_certificate_starts_is_not_said():
    """The same Response judged after the certificate's start (as an SP whose clock is right would see
    a message sent then): no finding about the certificate."""
    res = analyze_sample(DATA, ONELOGIN21, idp_cert=CERT, at="2017-08-08T17:42:27Z",
                         **ONELOGIN_FLAGS)
    assert _cert_findings(res) == []

