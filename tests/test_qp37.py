"""A SAMLResponse mailed and copied from the e-mail's source, quoted-printable: a base64 value without
padding has no '=' for the encoder to escape as '=3D', only soft line breaks ('=' ending every line but
the last, RFC 2045 6.7): read as one value, its signature verifying (paste._soft_broken). Encoded here
by Python's own quopri, as a mail client does."""
from __future__ import annotations

import base64
import json
import quopri
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main

ROOT = Path(__file__).resolve().parents[1] / "fixtures"
CONFIG = str(ROOT / "config" / "default.toml")


def _unpadded(name: str) -> str:
    """The response's base64 without padding: newlines after its root element (outside what is signed)."""
    xml = (ROOT / "responses" / "valid" / name).read_bytes().rstrip(b"\n")
    while len(xml) % 3:
        xml += b"\n"
    return base64.b64encode(xml).decode()


def _check(tmp_path, text: str) -> dict:
    path = tmp_path / "mail.txt"
    path.write_text(text, encoding="utf-8")
    res = CliRunner().invoke(main, ["check", str(path), "--config", CONFIG, "--format", "json", "--fail-on", "never"])
    return json.loads(res.stdout)


@pytest.mark.parametrize("name", ["okta.xml", "entra.xml"])
def test_a_quoted_printable_base64_value_without_padding_reads_as_one_message(tmp_path, name):
    value = _unpadded(name)
    mailed = quopri.encodestring(value.encode()).decode()
    assert "=3D" not in mailed and mailed.count("=\n") >= 2  # (soft breaks only)
    doc = _check(tmp_path, mailed)
    (msg,) = doc["messages"]
    assert [s["verified"] for s in msg["signatures"]] and all(s["verified"] for s in msg["signatures"]), msg
    assert not doc["input_findings"]


def test_base64_values_ending_in_padding_one_a_line_stay_apart(tmp_path):
    values = [base64.b64encode((ROOT / "responses" / "valid" / n).read_bytes()).decode() for n in ("adfs.xml", "entra.xml")]
    assert all(v.endswith("=") for v in values)
    doc = _check(tmp_path, "\n".join(values) + "\n")
    assert len(doc["messages"]) == 2
