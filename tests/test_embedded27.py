"""SAML found inside a log line keeps its parameter and binding (fuzz22): a redirect URL's
SAMLRequest in an access or app log line is an HTTP-Redirect message whose query signature is
verified, not a SAMLResponse sent by HTTP-POST. The log lines are built here around the signed
redirect URL of fixtures/requests (fixtures/generate.py: sp.key, TEST-ONLY) and values of
fixtures/samlgen, each kept byte for byte."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.logs.embedded import find_embedded, find_values

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "fixtures"))

from samlgen import encoding, messages  # noqa: E402
from samlgen import keys as K  # noqa: E402

SIGNED_URL = (ROOT / "fixtures/requests/authnrequest-redirect-signed.txt").read_text().strip()
UNSIGNED_URL = (ROOT / "fixtures/requests/authnrequest-redirect.txt").read_text().strip()
LOGOUT_URL = (ROOT / "tests/data/external8/simplesamlphp-logout-request.url").read_text().strip()
SP_CERT = str(ROOT / "fixtures/keys/sp.crt")
IDP_CERT = str(ROOT / "fixtures/keys/idp.crt")
IDP_METADATA = str(ROOT / "fixtures/metadata/idp-metadata.xml")  # SSO: /sso Redirect only, /sso/post POST
AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:136.0) Gecko/20100101 Firefox/136.0"


def _path_and_query(url: str) -> str:
    return url.split("://", 1)[1].partition("/")[1] + url.split("://", 1)[1].partition("/")[2]


def nginx_line(request: str, referer: str = "-", second: int = 36) -> str:
    """nginx's combined layout (log_format combined)."""
    return (f'203.0.113.7 - - [10/Oct/2025:13:55:{second:02d} +0000] "{request} HTTP/1.1" 302 0 '
            f'"{referer}" "{AGENT}"')


def sonarqube_access_line(request: str, referer: str, rid: str) -> str:
    """SonarQube's access.log layout (fixtures/gen_sqaccess.py access_line)."""
    return (f'203.0.113.77 - - [10/Oct/2025:09:41:05 +0100] "{request} HTTP/1.1" 200 3355 "{referer}" '
            f'"{AGENT}" "{rid}" 12')


def _filler(lines: int) -> list[str]:
    """Access lines of other requests: over 64 KB, a log is no pasted URL (engine.sniff)."""
    return [nginx_line(f"GET /static/app{i}.js", second=i % 60) for i in range(lines)]


def _check(tmp_path: Path, text: str, *options: str, name: str = "in.log") -> dict:
    path = tmp_path / name
    path.write_text(text)
    res = CliRunner().invoke(main, ["check", str(path), "--format", "json", *options])
    assert res.exit_code in (0, 1), res.output
    return json.loads(res.stdout)


def _only_message(doc: dict) -> dict:
    (msg,) = doc["messages"]
    return msg


def _codes(msg: dict) -> list[str]:
    return [f["code"] for f in msg["findings"]]


# --- what find_values says of one line -------------------------------------------------------

def test_a_signed_redirect_url_in_an_access_line_is_a_redirect_saml_request():
    line = nginx_line("GET " + _path_and_query(SIGNED_URL))
    (f,) = find_values(line)
    assert (f.param, f.binding) == ("SAMLRequest", "redirect")
    assert f.query == _path_and_query(SIGNED_URL)  # the whole query, to verify its Signature over
    assert find_embedded(line) == [f.value]


def test_an_app_log_redirecting_line_keeps_the_absolute_url():
    line = f"2025-10-10 13:55:36,123 INFO [saml] Redirecting to {SIGNED_URL}"
    (f,) = find_values(line)
    assert (f.param, f.binding, f.query) == ("SAMLRequest", "redirect", SIGNED_URL)


def test_a_logout_request_url_is_a_redirect_saml_request():
    (f,) = find_values(f"INFO sending {LOGOUT_URL} now")
    assert (f.param, f.binding) == ("SAMLRequest", "redirect") and "Signature=" in f.query


def test_a_redirect_saml_response_keeps_its_name():
    url = encoding.redirect_url("https://sp.example.com/slo", "SAMLResponse", messages.logout_request(), None)
    (f,) = find_values(f"GET {url}")
    assert (f.param, f.binding) == ("SAMLResponse", "redirect")


def test_a_form_value_of_plain_base64_is_post():
    body = encoding.form_body("SAMLResponse", messages.authn_request(), "/home")
    (f,) = find_values(f"2025-10-10 13:55:36 DEBUG posted body: {body}")
    assert (f.param, f.binding, f.query) == ("SAMLResponse", "post", None)


def test_a_deflated_value_without_a_url_is_the_redirect_encoding():
    """Only HTTP-Redirect deflates (SAML bindings 3.4.4.1; POST is plain base64, 3.5.4)."""
    value = quote(encoding.b64(encoding.deflate_raw(messages.authn_request())), safe="")
    (f,) = find_values(f"2025-10-10 13:55:36 DEBUG received SAMLRequest={value}")
    assert (f.param, f.binding) == ("SAMLRequest", "redirect")


@pytest.mark.parametrize("line", [
    # plain base64 in a URL's query: the URL says GET, the encoding says POST
    "GET /sso?SAMLRequest=" + quote(encoding.b64(messages.authn_request()), safe="") + " HTTP/1.1",
    # base64 of neither XML nor DEFLATE (a truncated or mangled value)
    "DEBUG got SAMLRequest=QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkwMTIz",
], ids=["plain-in-url", "undecidable"])
def test_nothing_tells_the_binding_so_it_is_unknown(line):
    (f,) = find_values(line)
    assert f.binding == "unknown"


def test_dumps_without_a_name_are_named_by_their_root():
    """An AuthnRequest dumped without a parameter name is a SAMLRequest (readers29: it was taken for a
    SAMLResponse whatever its root)."""
    xml = messages.authn_request().decode()
    b64 = encoding.b64(messages.authn_request())
    assert [(f.param, f.binding) for f in find_values(f"DEBUG dump {xml} and {b64}")] == [
        ("SAMLRequest", "xml"), ("SAMLRequest", "post")]


# --- the whole reading: binding, query signature, binding-dependent checks -------------------

def test_a_signed_redirect_in_a_big_access_log_is_verified(tmp_path):
    text = "\n".join(_filler(700) + [nginx_line("GET " + _path_and_query(SIGNED_URL))]) + "\n"
    assert len(text) > 65536
    doc = _check(tmp_path, text, "--sp-cert", SP_CERT)
    assert doc["inputs"][0]["kind"] == "log:embedded"
    msg = _only_message(doc)
    assert msg["type"] == "AuthnRequest" and msg["binding"] == "redirect"
    assert msg["redirect_signature"]["verified"] is True


def test_a_redirect_signed_by_another_key_is_invalid(tmp_path):
    text = "\n".join(_filler(700) + [nginx_line("GET " + _path_and_query(SIGNED_URL))]) + "\n"
    msg = _only_message(_check(tmp_path, text, "--sp-cert", IDP_CERT))
    assert msg["redirect_signature"]["verified"] is False
    assert "request-signature-invalid" in _codes(msg)


def test_an_app_log_redirect_is_no_post_to_a_redirect_only_endpoint(tmp_path):
    """The old reading took it for an HTTP-POST AuthnRequest to the IdP's Redirect-only SSO URL
    (request-binding-unlisted) and never verified its query signature."""
    text = "".join(f"2025-10-10 13:55:3{i},123 INFO [web] request {i} served\n" for i in range(3))
    text += f"2025-10-10 13:55:36,123 INFO [saml] Redirecting to {SIGNED_URL}\n"
    doc = _check(tmp_path, text, "--sp-cert", SP_CERT, "--idp-metadata", IDP_METADATA)
    assert doc["inputs"][0]["kind"] == "log:embedded"
    msg = _only_message(doc)
    assert msg["binding"] == "redirect" and msg["relay_state"] is not None
    assert msg["redirect_signature"]["verified"] is True
    assert "request-binding-unlisted" not in _codes(msg)


def test_a_redirect_in_a_sonarqube_access_line(tmp_path):
    """The IdP's redirect URL as the Referer of SonarQube's next request, after the lines of
    tests/data/sqaccess/access.log (SonarQube's own layout)."""
    text = (ROOT / "tests/data/sqaccess/access.log").read_text()
    text += sonarqube_access_line("GET /sessions/unauthorized", SIGNED_URL, "AZWa7nq1Xk3pQm0AAAB9") + "\n"
    doc = _check(tmp_path, text, "--sp-cert", SP_CERT, name="access.log")
    assert doc["inputs"][0]["kind"] == "log:sonarqube-access"
    msg = _only_message(doc)
    assert (msg["type"], msg["binding"]) == ("AuthnRequest", "redirect")
    assert msg["redirect_signature"]["verified"] is True


def test_a_one_line_file_over_64_kb_keeps_the_binding(tmp_path):
    """A one-line file the sniff hands to the embedded reader (its SAML past the first 64 KB)."""
    text = "2025-10-10 13:55:36 INFO " + "x=1 " * 20000 + f"Redirecting to {SIGNED_URL}\n"
    doc = _check(tmp_path, text, "--sp-cert", SP_CERT)
    msg = _only_message(doc)
    assert msg["binding"] == "redirect" and msg["redirect_signature"]["verified"] is True


def test_an_unsigned_redirect_in_a_log_has_no_query_signature(tmp_path):
    text = "\n".join(_filler(700) + [nginx_line("GET " + _path_and_query(UNSIGNED_URL))]) + "\n"
    msg = _only_message(_check(tmp_path, text, "--sp-cert", SP_CERT))
    assert msg["binding"] == "redirect" and msg["redirect_signature"] is None


def test_a_signed_query_of_plain_base64_is_the_redirect_binding_done_wrong(tmp_path):
    """SigAlg and Signature travel beside the message only in HTTP-Redirect: its value must be
    deflated (SAML bindings 3.4.4.1); a plain base64 one is the sender's error, as for a pasted URL."""
    query = f"SAMLRequest={quote(encoding.b64(messages.authn_request()), safe='')}"
    query += f"&SigAlg={quote(encoding.SIGALG_RSA_SHA256, safe='')}"
    signature = K.load("sp").private_key.sign(query.encode(), encoding.padding.PKCS1v15(), encoding.hashes.SHA256())
    url = f"https://idp.example.org/sso?{query}&Signature={quote(encoding.b64(signature), safe='')}"
    text = "\n".join(_filler(700) + [nginx_line("GET " + _path_and_query(url))]) + "\n"
    doc = _check(tmp_path, text, "--sp-cert", SP_CERT)
    assert not doc["messages"]
    assert [f["code"] for f in doc["input_findings"]] == ["input-bad-deflate"]
    assert "not DEFLATE-compressed" in doc["input_findings"][0]["message_text"]
