"""signature-weak-algorithm's fix names the SHA-256 algorithm of the signing key's kind, as its
'expected' does: an EC key's owner is told ECDSA-SHA256, not RSA-SHA256 (which needs another key).
Samples: tests/data/othersigners (signxml / xmlsec1, see its SOURCES.md)."""
from __future__ import annotations

import pytest

from external_util import analyze_sample
from test_othersigners import DATA, _flags


def _weak(name):
    res = analyze_sample(DATA, name, **_flags(name))
    return [f for f in res.findings if f.code == "signature-weak-algorithm"]


@pytest.mark.parametrize("name", ["x-okta-ecp256-sha1.xml", "x-okta-ecp256-sha1sig-sha256digest.xml"])
def test_an_ec_key_is_told_ecdsa_sha256(name):
    weak = _weak(name)
    assert weak and all("xmldsig-more#ecdsa-sha256" in f.expected for f in weak)
    assert all("ECDSA-SHA256" in f.hint and "RSA-SHA256" not in f.hint for f in weak), [f.hint for f in weak]


@pytest.mark.parametrize("name", ["x-okta-rsa2048-sha1.xml", "x-okta-rsa2048-sha256sig-sha1digest.xml"])
def test_an_rsa_key_is_still_told_rsa_sha256(name):
    weak = _weak(name)
    assert weak and all("RSA-SHA256" in f.hint and "ECDSA" not in f.hint for f in weak)
