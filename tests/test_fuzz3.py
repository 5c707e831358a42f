"""Inputs the mutation fuzzer's third round (the code paths added since its second: private keys
removed from log text and the HTML view, --redact's name rules, the raw HTTP/Burp readers, redirect
signatures, flows' rules) made samlscan misbehave with; each is minimised here and must now end fast
(this process's CPU time, sized so that the old code blew the bound by 10x or more), with the same
result as before."""
from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.privatekeys import REMOVED, without_private_keys
from samlscan.report.redact import Redactor


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


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
    assert seconds < 2  # (linear: 0.3-0.55 s of CPU for the first on a slow 2-core VM, by the minute; quadratic: 4-100 s)
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


# --- flows: every response compared with every request, every exchange searched per flow --------

def _login_har(path, logins: int) -> None:
    """A capture of `logins` tries: the AuthnRequest sent to the IdP, its Response posted back."""
    import zlib
    from urllib.parse import quote

    def entry(n, method, url, status, body=None, location=None):
        e = {"startedDateTime": f"2025-03-11T{8 + n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000Z", "time": 1,
             "request": {"method": method, "url": url, "headers": [], "queryString": [], "cookies": []},
             "response": {"status": status, "headers": [{"name": "Location", "value": location}] if location else [],
                          "cookies": [], "content": {"size": 0, "mimeType": "text/html"}}}
        if body:
            e["request"]["postData"] = {"mimeType": "application/x-www-form-urlencoded", "text": body}
        return e

    entries = []
    for i in range(logins):
        deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
        request = deflate.compress(
            f'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_q{i}" Version="2.0" '
            'IssueInstant="2025-03-11T08:40:50Z" Destination="https://idp.example.org/sso"/>'.encode()) + deflate.flush()
        response = (f'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r{i}" '
                    f'InResponseTo="_q{i}" Version="2.0" IssueInstant="2025-03-11T08:41:00Z"/>')
        entries += [entry(2 * i, "GET", "https://idp.example.org/sso?SAMLRequest="
                          + quote(base64.b64encode(request).decode(), safe="") + f"&RelayState=rs{i}", 200),
                    entry(2 * i + 1, "POST", "https://sonar.example.com/oauth2/callback/saml", 302,
                          "SAMLResponse=" + quote(base64.b64encode(response.encode()).decode(), safe="")
                          + f"&RelayState=rs{i}", "https://sonar.example.com/sessions/unauthorized")]
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}))


def test_the_flows_of_a_capture_of_many_logins_are_built_in_linear_time(tmp_path):
    """A capture of 1,500 logins: each response was paired by comparing it with every request, and
    each flow searched every exchange for its values (and list.index compared exchanges field by
    field): 10 s of CPU for the flows alone, 20 s for 2,000 logins; each response still answers its
    own request."""
    from samlscan.flows import build_flows
    from samlscan.inputs import har

    path = tmp_path / "logins.har"
    _login_har(path, 1500)
    capture = har.read(str(path))
    flows, seconds = timed(build_flows, capture)
    assert seconds < 1.5
    assert len(flows) == 1500 and all(f.request_id == f.in_response_to == f"_q{i}" for i, f in enumerate(flows))
    assert {(f.outcome, f.reason) for f in flows} == {
        ("failure", "redirected to /sessions/unauthorized (no public reason captured)")}


# --- certificates: PEM blocks sought with a lazy BEGIN(.+?)END ------------------------------------

def test_a_certificate_file_of_begin_lines_without_end_is_refused_in_linear_time(tmp_path):
    """Each '-----BEGIN CERTIFICATE-----' was scanned to the file's end for its END line: a
    170 kB --idp-cert file of BEGIN lines took 6 s of CPU before saying it holds no certificate."""
    path = tmp_path / "idp.pem"
    path.write_bytes(b"-----BEGIN CERTIFICATE-----x" * 6000)
    response = tmp_path / "response.xml"
    response.write_text(_response("no"))
    r, seconds = timed(CliRunner().invoke, main, ["check", str(response), "--idp-cert", str(path), "-q"])
    assert r.exit_code == 2 and "no certificate found" in r.output and seconds < 1, (seconds, r.output[-300:])


def test_pem_blocks_are_the_ones_found_before():
    from samlscan.certs import der_from_text

    pem = (FIXTURES / "keys" / "idp.crt").read_bytes()
    other = pem.replace(b"CERTIFICATE", b"X509 CERTIFICATE")
    assert der_from_text(b"log " + pem + b" and " + other) == der_from_text(pem) * 2
    # a BEGIN before them runs to the first END: that block is unreadable, the second is read
    assert der_from_text(b"-----BEGIN CERTIFICATE----- " + pem + other) == der_from_text(pem)


# --- a lone surrogate ('\udcff', valid JSON) in a capture, a JSON log or a pasted JSON document ---

def _no_internal_error(path, *more):
    for fmt in ("json", "table", "html"):
        r = CliRunner().invoke(main, ["check", str(path), "--format", fmt, "-q", *more])
        assert r.exit_code in (0, 1) and r.exception is None or isinstance(r.exception, SystemExit), r.output[-500:]
        assert "UnicodeEncodeError" not in r.output, (fmt, r.output[-500:])
    return json.loads(CliRunner().invoke(main, ["check", str(path), "--format", "json", "-q", *more]).stdout)


def test_a_har_value_with_a_lone_surrogate_is_read(tmp_path):
    """JSON may escape a lone surrogate (JSON.stringify writes one a page's script made): the HAR
    reader's fingerprint of the value encoded it as UTF-8, and the whole capture was an internal
    error; now its other values are read and the broken one is reported as undecodable."""
    har = json.loads((FIXTURES / "captures" / "multi-flow-retry.har").read_text())
    entry = har["log"]["entries"][1]
    entry["request"]["url"] = entry["request"]["url"].replace("SAMLRequest=", "SAMLRequest=\udcff", 1)
    path = tmp_path / "surrogate.har"
    path.write_text(json.dumps(har))  # (ensure_ascii: written as the escape '\udcff')
    doc = _no_internal_error(path, "--redact")
    assert doc["inputs"][0]["status"] == "scanned" and len(doc["messages"]) >= 3


@pytest.mark.parametrize("text", ["Invalid signature on SAML Response \udcff",
                                  "Signature validation failed. SAML Response rejected \udcff"])
def test_a_log_text_with_a_lone_surrogate_is_looked_up(text):
    """The catalog's keyword automaton takes UTF-8: a JSON log line's '\\udcff' (CloudWatch's
    filter-log-events export of a line) made every such event an internal error."""
    from samlscan import catalog

    assert catalog.lookup(text).code == "signature-invalid"


@pytest.mark.parametrize("member", ['"SAMLResponse": "PHNhbWxw\\udcffOlJlc3BvbnNl"',
                                    '"saml": "<samlp:Response xmlns:samlp=\\"urn:oasis:names:tc:SAML:2.0:protocol\\" '
                                    'ID=\\"_r1\\" Version=\\"2.0\\">\\udcff</samlp:Response>"'])
def test_a_pasted_json_document_with_a_lone_surrogate_is_reported(tmp_path, member):
    """A pasted JSON document's SAMLResponse was URL-encoded, and its XML encoded, as UTF-8: an
    internal error; now the message is reported as unreadable."""
    path = tmp_path / "pasted.txt"
    path.write_text('{"level": "DEBUG", ' + member + "}")
    doc = _no_internal_error(path)
    assert "internal-error" not in json.dumps(doc)


# --- raw HTTP whose lines end in a bare CR --------------------------------------------------------

def test_a_raw_http_conversation_with_cr_line_ends_is_a_capture(tmp_path):
    """Saved with CR line ends only, the conversation was one line: no HTTP message was seen, its
    IdP page was read as a form, the POST to the ACS and its 500 were lost (one message, outcome
    unknown); it is read as with CRLF."""
    from test_paste_shapes import ACS, RAW_PAGE, RAW_POST, REDIRECT

    text = (f"GET {REDIRECT} HTTP/1.1\r\nHost: idp.example.org\r\n\r\n{RAW_PAGE}\r\n\r\n"
            + RAW_POST.replace("POST /oauth2/callback/saml", f"POST {ACS}")
            + "\r\n\r\nHTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")
    docs = []
    for name, ends in (("crlf.txt", "\r\n"), ("cr.txt", "\r")):
        path = tmp_path / name
        path.write_bytes(text.replace("\r\n", ends).encode())
        docs.append(json.loads(CliRunner().invoke(main, ["check", str(path), "--format", "json", "-q"]).stdout))
    for doc in docs:
        assert doc["inputs"][0]["kind"] == "http"
        assert [(m["type"], m["binding"]) for m in doc["messages"]] == [("AuthnRequest", "redirect"), ("Response", "post")]
        assert [a["outcome"] for a in doc["attempts"]] == ["failure"]
