"""samlscan sanitize: secrets out, SAML and the cookies the diagnosis reads kept, PII masked."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import gen_captures as gc  # noqa: E402

from samlscan.cli import main  # noqa: E402
from samlscan.errors import InputError  # noqa: E402
from samlscan.inputs import har  # noqa: E402
from samlscan.sanitize import clean_pairs, is_secret_name, sanitize_har, Tally  # noqa: E402
from test_har import REQ, RESP  # noqa: E402

SECRETS = ("Corr3ct", "492817", "squ_4f3e2d1c0b9a8f7e", "cHJveHk6c2VjcmV0", "node01x9a8b7c6d5e4f3",
           "eyJhbGciOiJIUzI1NiJ9", "a1b2c3d4e5f6a7b8", "_7c1e2a9012ab")


def run(tmp_path, doc, redact=False):
    src, dst = tmp_path / "in.har", tmp_path / "out.har"
    src.write_text(json.dumps(doc))
    lines = sanitize_har(str(src), str(dst), redact)
    return src.read_text(), dst.read_text(), lines


def test_secrets_removed(tmp_path):
    before, after, lines = run(tmp_path, gc.secrets_har(REQ, RESP))
    assert all(s in before for s in SECRETS)
    assert [s for s in SECRETS if s in after] == []
    assert '"Authorization"' not in after and '"Proxy-Authorization"' not in after
    assert any("j_password" in line and "otp" in line for line in lines)


def test_saml_values_kept_byte_for_byte(tmp_path):
    _, after, _ = run(tmp_path, gc.secrets_har(REQ, RESP))
    a, b = har.read(str(tmp_path / "in.har")), har.read(str(tmp_path / "out.har"))
    assert [(m.source.ref, m.value, m.signed_query, m.relay_state) for m in a.messages] == \
           [(m.source.ref, m.value, m.signed_query, m.relay_state) for m in b.messages]
    assert len(b.messages) == 2


def test_saml_cookie_names_kept_with_values_replaced(tmp_path):
    doc = gc.firefox_har(REQ, RESP)
    _, after, lines = run(tmp_path, doc)
    out = json.loads(after)["log"]["entries"]
    assert out[0]["response"]["cookies"][0] == {**doc["log"]["entries"][0]["response"]["cookies"][0],
                                                "value": "[redacted]"}
    assert "OAUTHSTATE=[redacted]" in json.dumps(out)
    assert "f00dfeed" not in json.dumps([e["request"]["headers"] for e in out])
    cap = har.read(str(tmp_path / "out.har"))
    assert cap.exchanges[2].auth_error.startswith("You're not authorized")  # kept: the reason
    assert not any("no cookies" in p.detail for p in cap.problems)
    assert any("OAUTHSTATE" in line for line in lines)


def test_other_cookies_dropped_entirely(tmp_path):
    _, after, _ = run(tmp_path, gc.secrets_har(REQ, RESP))
    assert "JWT-SESSION" not in after and "JSESSIONID" not in after


@pytest.mark.parametrize("name,secret", [("password", True), ("j_password", True), ("pwd", True),
                                         ("otp", True), ("code", True), ("client_secret", True),
                                         ("id_token", True), ("X-Api-Key", True),
                                         ("SAMLResponse", False), ("RelayState", False),
                                         ("Signature", False), ("return_to", False),
                                         ("execution", False)])
def test_secret_names(name, secret):
    assert is_secret_name(name) is secret


def test_pairs_rewrite_only_secrets():
    t = Tally()
    q = "SAMLRequest=a%2Bb&pass=hunter2&RelayState=x&Signature=c%3D%3D"
    assert clean_pairs(q, t, None, "redirect") == \
        "SAMLRequest=a%2Bb&pass=%5Bredacted%5D&RelayState=x&Signature=c%3D%3D"
    assert t.fields == {"pass"}


def test_redact_masks_saml_pii_and_says_signatures_break(tmp_path):
    _, after, lines = run(tmp_path, gc.firefox_har(REQ, gc_resp()), redact=True)
    assert "dev.user1@example.com" not in after
    cap = har.read(str(tmp_path / "out.har"))
    from samlscan.decode import decode_bytes

    xml = decode_bytes([m for m in cap.messages if m.param == "SAMLResponse"][0]).decode()
    assert "@redacted.invalid" in xml and "dev.user1" not in xml
    assert any("no longer verify" in line for line in lines)
    # without --redact the personal data stays (the sanitizer is not a redactor by default)
    _, plain, plain_lines = run(tmp_path, gc.firefox_har(REQ, gc_resp()))
    assert not any("no longer verify" in line for line in plain_lines)


def gc_resp() -> bytes:
    return (b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
            b'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r9" InResponseTo="_req1" '
            b'Version="2.0"><saml:Assertion ID="_a9"><saml:Subject><saml:NameID>dev.user1@example.com'
            b'</saml:NameID></saml:Subject></saml:Assertion></samlp:Response>')


def test_big_bodies_left_out_streaming(tmp_path):
    doc = gc.chrome_har(REQ, RESP)
    doc["log"]["entries"][0]["response"]["content"] = {"mimeType": "video/mp4", "encoding": "base64",
                                                       "text": "A" * (har.MAX_STRING + 10)}
    _, after, lines = run(tmp_path, doc)
    assert len(after) < 200_000 and any("left out 1" in line for line in lines)
    assert len(har.read(str(tmp_path / "out.har")).messages) == 2


def test_not_a_har_is_an_input_error(tmp_path):
    p = tmp_path / "x.json"
    p.write_text('{"hello": 1}')
    with pytest.raises(InputError):
        sanitize_har(str(p), str(tmp_path / "o.har"), False)
    assert not (tmp_path / "o.har").exists()
    with pytest.raises(InputError):
        sanitize_har(str(tmp_path / "missing.har"), str(tmp_path / "o.har"), False)


def test_cli_prints_summary_on_stderr(tmp_path):
    src = tmp_path / "in.har"
    src.write_text(json.dumps(gc.secrets_har(REQ, RESP)))
    res = CliRunner().invoke(main, ["sanitize", str(src), "-o", str(tmp_path / "o.har")])
    assert res.exit_code == 0 and res.stdout == ""
    assert "removed 2 Authorization/Proxy-Authorization header(s)" in res.stderr
    bad = CliRunner().invoke(main, ["sanitize", str(tmp_path / "nope.har"), "-o", str(tmp_path / "o2")])
    assert bad.exit_code == 2


def test_redact_keeps_the_soap_envelope_of_a_wrapped_message():
    from samlscan.sanitize import SamlMasker, Tally

    soap = ('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
            '<samlp:ArtifactResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x" Version="2.0" '
            'IssueInstant="2025-03-11T08:41:00Z"><saml:NameID xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">'
            'alice@example.com</saml:NameID></samlp:ArtifactResponse></s:Body></s:Envelope>')
    masked = SamlMasker(Tally()).value(soap, "post")
    assert masked.startswith("<s:Envelope") and "</s:Body>" in masked
    assert "alice@example.com" not in masked and "ArtifactResponse" in masked


def test_passwords_in_url_userinfo_are_removed():
    """https://user:password@host/ in a URL, a Location or a Referer kept the password (review
    finding); the rest of the URL, its SAML parameters included, stays as it was."""
    from samlscan.sanitize import clean_headers, clean_url

    tally = Tally()
    assert clean_url("https://bob:S3cret@idp.example.org/login?SAMLRequest=abc%2B", tally, None) == \
        "https://idp.example.org/login?SAMLRequest=abc%2B"
    headers = clean_headers([{"name": "Referer", "value": "https://bob:S3cret@sp.example.com/"},
                             {"name": "Location", "value": "http://u:p@idp.example.org/sso"}], tally, None, "")
    assert [h["value"] for h in headers] == ["https://sp.example.com/", "http://idp.example.org/sso"]
    assert tally.counts["url-credentials"] == 3
    assert clean_url("https://idp.example.org/a@b", tally, None) == "https://idp.example.org/a@b"
