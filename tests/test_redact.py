"""--redact's address patterns: IP addresses masked, times of day and code left alone."""
from __future__ import annotations

import pytest

from samlscan.report.redact import Redactor


@pytest.mark.parametrize("text", ["2001:db8::1", "fe80::1ff:fe23:4567:890a", "::1",
                                  "2001:0db8:0000:0000:0000:ff00:0042:8329", "203.0.113.7",
                                  "from [2001:db8:85a3::8a2e:370:7334] port 443"])
def test_addresses_are_masked(text):
    out = Redactor().text(text)
    assert "<ip:" in out
    assert not any(part in out for part in ("2001", "fe80", "203.0", "::1"))


@pytest.mark.parametrize("text", ["a login failed at 2025-03-11 09:47:33 UTC",
                                  "IssueInstant 2025-03-11T08:40:59Z is 1 h behind",
                                  "took 12:34 min", "std::string and Foo::bar", "a :: b"])
def test_times_and_code_are_not_taken_for_addresses(text):
    assert Redactor().text(text) == text


def test_values_are_masked_as_the_xml_listing_escapes_them_too():
    """`decode --redact` prints the decoded XML, where 'Anne & Bob <Smith>' is escaped."""
    red = Redactor(["Anne & Bob <Smith>", "R&D"])
    out = red.text('<AttributeValue>Anne &amp; Bob &lt;Smith&gt;</AttributeValue><v a="R&amp;D"/> R&D')
    assert "Anne" not in out and "R&amp;D" not in out and "R&D" not in out and out.count("<pii:") == 3
