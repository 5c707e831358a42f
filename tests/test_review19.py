"""review19: today's new evidence (SimpleSAMLphp's SP log, printed messages) scanned with every
--format and --redact."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.report.redact import Redactor, addresses_in

ROOT = Path(__file__).resolve().parent.parent
LIVESSPSP = ROOT / "tests" / "data" / "livesspsp"
FORMATS = ("table", "json", "jsonl", "sarif", "csv", "html")


def _scan(path: Path, fmt: str) -> str:
    res = CliRunner().invoke(main, ["scan", str(path), "--format", fmt, "--redact", "-q", "--fail-on", "never"])
    assert res.exit_code == 0, res.output
    return res.output


@pytest.mark.parametrize("text", [
    "Make the IdP's ACS/Reply URL equal the SP's ACS URL (SAML profiles 4.1.4.2)",
    "(SAML profiles 4.1.4.1, 4.4.4.1, 4.4.4.2)",
    "its Destination (SAML core 3.2.2 and 2.4.1.2)",
    "a curve ECKeyValue names (XML-DSig 1.1 4.5.2.3)",
    "attribute urn:oid:2.5.4.42 is missing",
    "attribute urn:oid:1.3.6.1.4.1.5923.1.1.1.7 is missing",
    "version 1.2.3.4.5",
])
def test_a_spec_section_or_an_oid_is_no_ip_address(text):
    # was: 'SAML profiles <ip:72f7c4d7eb>' in the recipient-mismatch fix, 'urn:oid:<ip:...>'
    assert Redactor().text(text) == text
    assert not addresses_in(text)


@pytest.mark.parametrize("text, address", [
    ("login from 10.0.0.5.", "10.0.0.5"),
    ("client 10.0.0.5, 10.0.0.6", "10.0.0.6"),
    ("http://127.0.0.1:8766/module.php/saml/sp/saml2-acs.php/default-sp", "127.0.0.1"),
    ("ip=198.51.100.23", "198.51.100.23"),
    ("from core 10.0.0.5", "10.0.0.5"),
])
def test_an_address_is_still_masked(text, address):
    out = Redactor().text(text)
    assert address not in out and "<ip:" in out
    assert address in addresses_in(text)


def test_the_tables_failures_by_sp_line_masks_an_address():
    # SimpleSAMLphp's 'current URL is http://127.0.0.1:8766/...' names the SP: the JSON's summary
    # masked it, the table's 'failures by SP' line printed it
    out = _scan(LIVESSPSP, "table")
    line = next(x for x in out.splitlines() if x.startswith("failures by SP:"))
    assert "127.0.0.1" not in line and "<ip:" in line


@pytest.mark.parametrize("fmt", FORMATS)
def test_livesspsp_redacted_in_every_format(fmt):
    out = _scan(LIVESSPSP, fmt)
    for value in ("dev.user1", "127.0.0.1"):
        assert value not in out, (fmt, value)
    # the recipient-mismatch fix cites its section, unmasked
    assert "SAML profiles 4.1.4.2" in out
