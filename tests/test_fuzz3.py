"""Inputs the mutation fuzzer's third round (the code paths added since its second: private keys
removed from log text and the HTML view, --redact's name rules, the raw HTTP/Burp readers, redirect
signatures, flows' rules) made samlscan misbehave with; each is minimised here and must now end fast
(this process's CPU time, sized so that the old code blew the bound by 10x or more), with the same
result as before."""
from __future__ import annotations

import base64
import json
import time

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.privatekeys import REMOVED, without_private_keys


def timed(fn, *args):
    start = time.process_time()  # (this process's CPU: a shared machine's load does not count)
    out = fn(*args)
    return out, time.process_time() - start


def _response(status_message: str) -> str:
    return ('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r1" Version="2.0" '
            'IssueInstant="2025-03-11T08:41:00Z" Destination="https://sonar.example.com/oauth2/callback/saml">'
            '<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">https://idp.example.org</saml:Issuer>'
            '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"/>'
            f'<samlp:StatusMessage>{status_message}</samlp:StatusMessage></samlp:Status></samlp:Response>')


# --- privatekeys: every key-shaped start was read to the end of the 16,384-character window ---------

_SMALL = base64.b64encode(b"\x30\x60\x02\x01\x00\x00\x00\x00\x00").decode()
"""A DER SEQUENCE of 98 bytes holding INTEGER 0 first ('MGACAQAA...'): key-shaped, too small for a key."""
_CUT = base64.b64encode(b"\x30\x82\x04\xbd\x02\x01\x00\x00\x00").decode() + "="
"""A PKCS #8 key's first 12 base64 characters, then base64's padding: a start cut short at once."""


@pytest.mark.parametrize("text", [_SMALL * 8000, (_SMALL + "\n") * 8000, (_SMALL + "\\n") * 8000, _CUT * 8000])
def test_key_shaped_starts_are_read_only_as_far_as_their_size(text):
    """Each start read the window (and cleaned it of line breaks) before its DER length turned it
    down, or read past base64's '=' to the window's end: 100 kB of them took 5-7 s of CPU (a log
    line, a text node of the HTML report's XML view); a run of them is no key and stays."""
    out, seconds = timed(without_private_keys, text)
    assert out == text and seconds < 0.5


def test_a_key_after_key_shaped_starts_is_still_removed():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    der = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    key = base64.b64encode(der).decode()
    out, seconds = timed(without_private_keys, _CUT * 3000 + " privateKey=" + key + " end")
    assert key[20:80] not in out and out.endswith(f"privateKey={REMOVED} end") and seconds < 0.5


def test_the_html_view_of_a_message_full_of_key_shaped_starts_ends(tmp_path):
    path = tmp_path / "response.xml"
    path.write_text(_response(_SMALL * 8000))
    r, seconds = timed(CliRunner().invoke, main, ["check", str(path), "--format", "html", "-q"])
    assert r.exit_code == 1 and "<html" in r.stdout and seconds < 2, (seconds, r.output[-300:])
