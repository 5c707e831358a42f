"""`samlscan explain` of two error texts users paste that it did not know (thirty-fourth session)."""
from __future__ import annotations

import pytest

from samlscan.catalog import lookup, lookup_pasted
from samlscan.explain import explain_text


@pytest.mark.parametrize("text", [
    "AADSTS900236: The SAML authentication request property 'Subject' is not supported and must not be set.",
    "The SAML authentication request property 'ProxyCount' is not supported and must not be set",
])
def test_entras_unsupported_authnrequest_property_is_the_sps_request(text):
    """Entra's text (reference-aadsts-error-codes, InvalidRequestSamlPropertyUnsupported): the SP's AuthnRequest
    holds an element Entra refuses; the fix names the element to remove."""
    entry = lookup_pasted(text)
    assert (entry.product, entry.id, entry.code, entry.side) == ("entra", "AADSTS900236", "request-invalid", "sp")
    said, found = explain_text(text)
    assert found and "Remove the named element from the SP's AuthnRequest" in " ".join(said.split())


@pytest.mark.parametrize("text, want", [
    ("Invalid requester", "invalidRequesterMessage"),
    ("Unknown login requester", "unknownLoginRequesterMessage"),
    ("Invalid requester.", "invalidRequesterMessage"),
])
def test_a_page_sentence_quoted_without_its_period_is_known(text, want):
    """Keycloak's page says 'Invalid requester.'; issue titles and tickets quote it without the period."""
    assert lookup_pasted(text).id == want


def test_a_text_without_its_period_is_not_looked_up_with_one_outside_explain():
    """Only a pasted text gets the second try: a log line's text is matched as it is."""
    assert lookup("Invalid requester") is None
    assert lookup_pasted("no such error text at all") is None
