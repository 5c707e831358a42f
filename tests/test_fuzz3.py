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
from samlscan.report.redact import Redactor


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


# --- --redact's name rules: quadratic in a subject's length ---------------------------------------

@pytest.mark.parametrize("text", [
    "CN=Jane Roe," * 20_000,  # each CN= read its whole subject (to the text's ends) for an O=: 100 s
    "CN=Jane" + " " * 20_000 + "x",  # 'TYPE=' after spaces sought from each space: 4 s
    "SN=Roe" + "\t" * 20_000 + "!",
    "~a:" * 20_000,  # a user:password@ sought from each '~' to the text's end: 9 s
])
def test_redacting_a_long_subject_is_linear(text):
    out, seconds = timed(Redactor().text, text)
    assert seconds < 0.5
    assert "Jane Roe" not in out and "<pii:" in out if text.startswith("CN=Jane Roe") else True


def test_a_cut_email_at_the_end_of_a_long_word_is_found_in_linear_time():
    """The last word of a text (a known email cut short by a quote) was sought with '\\Z' from each
    character of a 20,000-character word: 1.6 s; a cut address is still masked."""
    redactor = Redactor(["jane.roe@corp.example", "198.51.100.7"])
    out, seconds = timed(redactor.text, "a" * 20_000 + " !")
    assert seconds < 0.1 and out == "a" * 20_000 + " !"
    assert redactor.text("x" * 20_000 + " for jane.roe@corp") == "x" * 20_000 + " for " + \
        redactor.text("jane.roe@corp.example")


@pytest.mark.parametrize("subject, masked", [
    ("CN=Red Hat,O=Red Hat\\, Inc.", False),
    ("CN=Red Hat,O=Red Hat,Inc.", False),
    ("CN=Ann Lee,O=Ann Leeds Ltd", True),
    ("CN=Jane Roe,O=Jane Roe", True),
    ("CN=Jane Roe,O=Jane Roe Hat\\,Inc", True),  # ('Hat,Inc' is one word, not a company's)
    ("CN=Jane Roe;O=Jane Roe Ltd", True),  # (another subject)
    ("CN=Jane Roe,O=Jane Roe Consulting Ltd|CN=Ann Lee,O=Ann Lee Ltd", False),
])
def test_a_common_name_is_a_companys_as_before(subject, masked):
    out = Redactor().text(subject)
    assert ("<pii:" in out.split(",O=")[0]) is masked, out


def test_check_redact_of_a_status_message_of_many_subjects_ends(tmp_path):
    path = tmp_path / "response.xml"
    path.write_text(_response("CN=Jane Roe," * 20_000))
    for fmt in ("json", "csv"):
        r, seconds = timed(CliRunner().invoke, main, ["check", str(path), "--redact", "--format", fmt, "-q"])
        assert r.exit_code == 1 and seconds < 5 and "Jane Roe" not in r.stdout, (fmt, seconds)
        if fmt == "json":
            json.loads(r.stdout)
