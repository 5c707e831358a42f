"""A capture asks errorpages.read_page of every response body; the catalog's anchor (its page IdPs'
texts, one IGNORECASE alternation: ~250 ms a MB) is searched only when one of those IdPs' readers is
asked, as find_idp_error asks only Shibboleth's and SimpleSAMLphp's of a host no catalog IdP has."""
from __future__ import annotations

import pytest

from samlscan import errorpages
from samlscan.errorpages import CATALOG_PAGE_IDPS, read_page
from samlscan.flows.idppages import PAGE_ONLY_IDPS

_SCRIPT = "function f(a) { return a + 1; }\n" * 2000


def _no_catalog_anchor():
    raise AssertionError("the catalog's anchor was searched")


def test_a_body_asked_of_the_page_only_idps_is_not_searched_for_catalog_texts(monkeypatch):
    monkeypatch.setattr(errorpages, "_catalog_anchor", _no_catalog_anchor)
    assert read_page(_SCRIPT, PAGE_ONLY_IDPS) is None


@pytest.mark.parametrize("products", [None, (CATALOG_PAGE_IDPS[0],), (*PAGE_ONLY_IDPS, CATALOG_PAGE_IDPS[-1])])
def test_a_catalog_idps_reader_still_searches_its_texts(monkeypatch, products):
    asked = []
    real = errorpages._catalog_anchor

    def spy():
        asked.append(True)
        return real()

    monkeypatch.setattr(errorpages, "_catalog_anchor", spy)
    assert read_page(_SCRIPT, products) is None
    assert asked, products
