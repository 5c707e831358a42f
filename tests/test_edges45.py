"""Checks at the edges of the SAML specification (task edges45): responses built with samlgen (real xmlsec
signatures, our test keys), each edited before it is signed, judged as java-saml (SonarQube up to 10.x),
python3-saml and OpenSAML judge them. Each test pins one verdict that was wrong, with its passing case."""
from __future__ import annotations

import copy

from lxml import etree

from test_external_shapes import DEFAULT, GEN, B, S, analyze, by_code, signer

A = f"{{{S.NS_A}}}"
HOLDER_OF_KEY = "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key"


def _signed(edit, seed: str) -> bytes:
    """The standard Okta-style response (Response and Assertion signed), `edit`ed before signing."""
    root = B.build_response(GEN.response(seed, GEN.OKTA), GEN.OKTA)
    edit(root)
    for a in root.iter(A + "Assertion"):
        signer.add_template(a, GEN.OKTA)
    signer.add_template(root, GEN.OKTA)
    signer.sign_all(root, GEN.IDP)
    return etree.tostring(root)


def _confirmation_data(root):
    return next(root.iter(A + "SubjectConfirmationData"))


# --- InResponseTo on the confirmation, none on the Response ------------------------------------------

def _no_response_irt(root):
    del root.attrib["InResponseTo"]


def _unsolicited(root):
    del root.attrib["InResponseTo"]
    del _confirmation_data(root).attrib["InResponseTo"]


def test_a_confirmation_naming_a_request_the_response_does_not_is_no_error():
    """The SP libraries split on it: java-saml (SonarQube up to 10.x) refuses a bearer
    SubjectConfirmationData whose InResponseTo the Response does not carry ('inResponseTo != null &&
    !inResponseTo.equals(responseInResponseTo)'), python3-saml compares the two only when the Response has
    one, and Spring/OpenSAML (SonarQube 2025.1+) against the request it sent: no error for every SP."""
    res = analyze(_signed(_no_response_irt, "edges45-irt-scd-only"))
    assert by_code(res, "unsolicited-response") and not by_code(res, "inresponseto-mismatch")


def test_an_unsolicited_response_without_any_inresponseto_is_no_mismatch():
    res = analyze(_signed(_unsolicited, "edges45-irt-none"))
    assert by_code(res, "unsolicited-response") and not by_code(res, "inresponseto-mismatch")


# --- a holder-of-key confirmation beside the bearer one ----------------------------------------------

def _holder_of_key_beside(irt: str):
    def edit(root):
        bearer = _confirmation_data(root).getparent()
        other = copy.deepcopy(bearer)
        other.set("Method", HOLDER_OF_KEY)
        _confirmation_data(other).set("InResponseTo", irt)
        bearer.addprevious(other)
    return edit


def test_a_non_bearer_confirmation_inresponseto_is_not_judged():
    """java-saml skips every SubjectConfirmation whose Method is not bearer; SAML profiles 4.1.4.2 asks
    InResponseTo of the bearer confirmation only."""
    res = analyze(_signed(_holder_of_key_beside("_another_request"), "edges45-hok"))
    assert not by_code(res, "inresponseto-mismatch")


def test_a_bearer_confirmation_for_another_request_is_still_refused():
    def edit(root):
        _confirmation_data(root).set("InResponseTo", "_another_request")
    said = by_code(analyze(_signed(edit, "edges45-bearer-irt")), "inresponseto-mismatch")
    assert said and said[0].actual == "_another_request"
