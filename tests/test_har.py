"""HAR reader: where SAML values are found, their times, refs and problems; bounded memory."""
from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import gen_captures as gc  # noqa: E402

from samlscan.inputs import har  # noqa: E402

REQ = (b'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_req1" '
       b'Version="2.0" IssueInstant="2025-03-11T08:40:57Z"/>')
# '?>>' gives base64 with '+' and '/' so percent-encoding matters
RESP = (b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_resp1" '
        b'InResponseTo="_req1" Version="2.0"><!-- ?>>?>> --></samlp:Response>')
RESP_B64 = base64.b64encode(RESP).decode()


def write(tmp_path, doc, name="c.har") -> str:
    p = tmp_path / name
    p.write_text(json.dumps(doc))
    return str(p)


def test_payload_has_plus_and_slash():
    assert "+" in RESP_B64 and "/" in RESP_B64


def test_chrome_capture_messages(tmp_path):
    cap = har.read(write(tmp_path, gc.chrome_har(REQ, RESP)))
    assert cap.entries == 6
    assert [(m.param, m.binding, m.source.ref) for m in cap.messages] == [
        ("SAMLRequest", "redirect", "entry 3"), ("SAMLResponse", "post", "entry 4")]
    req, resp = cap.messages
    assert resp.value == RESP_B64  # params (still encoded) and text agree: one message
    assert req.relay_state == resp.relay_state == "k3v9q2m0t7a1b2c3"
    assert resp.captured_at == gc.T0 + timedelta(seconds=2.5)
    assert resp.captured_at.utcoffset() == timedelta(0)
    assert resp.url == gc.ACS and req.url.startswith(gc.IDP)
    assert cap.problems == ()


def test_firefox_local_time_is_converted_to_utc(tmp_path):
    doc = gc.firefox_har(REQ, RESP)
    assert doc["log"]["entries"][2]["startedDateTime"].endswith("+01:00")
    cap = har.read(write(tmp_path, doc))
    assert [m.source.ref for m in cap.messages] == ["entry 1", "entry 2"]
    assert cap.messages[1].captured_at == gc.T0 + timedelta(seconds=2.5)
    assert cap.messages[1].captured_at.tzinfo is not None
    assert cap.messages[1].value == RESP_B64


def test_page_form_is_kept_when_post_is_missing(tmp_path):
    doc = gc.firefox_har(REQ, RESP)  # base64-encoded body
    del doc["log"]["entries"][2:]
    cap = har.read(write(tmp_path, doc))
    body = [m for m in cap.messages if m.param == "SAMLResponse"]
    assert [(m.source.ref, m.value, m.relay_state, m.url) for m in body] == [
        ("entry 1/body", RESP_B64, "f00dfeed12345678", gc.ACS)]


def test_location_request_kept_when_idp_get_missing(tmp_path):
    doc = gc.chrome_har(REQ, RESP)
    del doc["log"]["entries"][3]
    cap = har.read(write(tmp_path, doc))
    assert [m.source.ref for m in cap.messages] == ["entry 2/Location", "entry 3"]


def test_signed_query_is_raw_substring(tmp_path):
    url = (gc.IDP + "?SAMLRequest=" + gc.quote(gc.deflate_b64(REQ), safe="") +
           "&RelayState=a%2Bb&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256"
           "&Signature=c2ln%2Bbg%3D%3D")
    doc = gc.har([gc._entry(gc._t(0), "GET", url)])
    (m,) = har.read(write(tmp_path, doc)).messages
    assert m.signed_query == url.split("?", 1)[1].split("&Signature=")[0]
    assert m.sig_alg == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    assert m.signature == "c2ln+bg==" and m.relay_state == "a+b"


def test_unsigned_redirect_has_no_signed_query(tmp_path):
    cap = har.read(write(tmp_path, gc.chrome_har(REQ, RESP)))
    assert cap.messages[0].signed_query is None and cap.messages[0].sig_alg is None


def test_decoded_text_keeps_plus(tmp_path):
    doc = gc.firefox_har(REQ, RESP)
    doc["log"]["entries"][2]["request"]["postData"]["text"] = f"SAMLResponse={RESP_B64}&RelayState=x"
    cap = har.read(write(tmp_path, doc))
    assert cap.messages[-1].value == RESP_B64


def test_sanitized_har_is_redacted_not_bad_base64(tmp_path):
    cap = har.read(write(tmp_path, gc.sanitized_har(REQ)))
    assert [m.param for m in cap.messages] == ["SAMLRequest"]
    codes = [(p.code, p.source.ref) for p in cap.problems]
    assert ("input-redacted", "entry 2") in codes  # the POST body placeholder
    assert ("input-redacted", None) in codes  # no cookies anywhere
    assert all(c == "input-redacted" for c, _ in codes)


def test_missing_post_body_is_reported(tmp_path):
    doc = gc.chrome_har(REQ, RESP)
    del doc["log"]["entries"][4]["request"]["postData"]
    cap = har.read(write(tmp_path, doc))
    # (the IdP's page posted it: read from there, an info: nothing was redacted)
    assert ("input-body-from-page", "entry 4") in [(p.code, p.source.ref) for p in cap.problems]


def test_truncated_har_keeps_complete_entries(tmp_path):
    text = json.dumps(gc.chrome_har(REQ, RESP))
    p = tmp_path / "t.har"
    p.write_text(text[: text.index('"method": "POST"')])
    cap = har.read(str(p))
    # the POST is cut off, so the IdP page's form is the only trace of the response
    assert [(m.param, m.source.ref) for m in cap.messages] == [
        ("SAMLRequest", "entry 3"), ("SAMLResponse", "entry 3/body")]
    assert [pr.code for pr in cap.problems] == ["input-unreadable"]


def test_not_a_har(tmp_path):
    p = tmp_path / "x.har"
    p.write_text('{"something": []}')
    assert [pr.code for pr in har.read(str(p)).problems] == ["input-not-saml"]
    assert [pr.code for pr in har.read(str(tmp_path / "missing.har")).problems] == ["input-unreadable"]


def test_sniff():
    assert har.sniff(json.dumps(gc.chrome_har(REQ, RESP)).encode()[:4096])
    assert har.sniff(b'\xef\xbb\xbf{\n  "log": {\n    "version": "1.2",')
    assert not har.sniff(json.dumps(gc.tracer_export(REQ, RESP)).encode()[:4096])
    assert not har.sniff(b"<samlp:Response/>")


def test_idp_error_exchange(tmp_path):
    cap = har.read(write(tmp_path, gc.entra_error_har(REQ)))
    ex = cap.exchanges[-1]
    assert ex.leg == "idp-error" and ex.idp_error.code == "AADSTS50011"
    assert ex.idp_error.request_id == "5f3c2a10-8b7e-4d21-9c3a-7e6f5d4c3b2a"
    assert ex.idp_error.correlation_id == "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d"


BIG = r"""
import base64, json, os, resource, sys
sys.path.insert(0, sys.argv[2])
import gen_captures as gc
path = sys.argv[1]
with open(path, "w") as f:
    f.write('{"log":{"version":"1.2","creator":{"name":"x"},"entries":[')
    blob = base64.b64encode(os.urandom(3_000_000)).decode()
    small = [json.dumps(e) for e in gc.noise(0, 400)]
    first = True
    for i in range(13):
        for e in [json.dumps(gc._entry(gc._t(i), "GET", "https://cdn.example.com/v%d" % i,
                   content={"mimeType": "video/mp4", "text": blob, "encoding": "base64"}))] + small:
            f.write(("" if first else ",") + e); first = False
        if i == 6:
            for e in gc.attempt(base64.b64decode(sys.argv[3]), base64.b64decode(sys.argv[4]), "r", 9):
                f.write("," + json.dumps(e))
    f.write("]}}")
size = os.path.getsize(path)
del blob, small
import gc as _gc; _gc.collect()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
from samlscan.inputs import har
cap = har.read(path)
print(json.dumps({"size": size, "entries": cap.entries, "messages": len(cap.messages),
                  "before_kb": before,
                  "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def test_50mb_har_bounded_memory(tmp_path):
    fixtures = str(Path(gc.__file__).parent)
    out = subprocess.run([sys.executable, "-c", BIG, str(tmp_path / "big.har"), fixtures,
                          base64.b64encode(REQ).decode(), base64.b64encode(RESP).decode()],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)
    assert r["size"] > 50_000_000
    assert r["entries"] == 13 * 401 + 4 and r["messages"] == 2
    # json.load of this file alone would need several times its size; allow ~40 MB of growth
    # (ru_maxrss is in KiB on Linux) over what writing it and importing cost.
    growth_mb = (r["peak_kb"] - r["before_kb"]) / 1024
    assert growth_mb < 40, growth_mb


def test_htmlform_extract_unescapes_entities():
    from samlscan.inputs.htmlform import extract
    from samlscan.model import Source

    page = gc.idp_page(RESP_B64, "a&b", action="/acs").replace("/acs", "https://sp.example.com/acs")
    assert "&amp;" in page
    (m,) = extract(page, Source("page.html"))
    assert (m.value, m.relay_state, m.url, m.source.ref) == (RESP_B64, "a&b",
                                                           "https://sp.example.com/acs", "form 0")
    assert extract("<html><form><input name='x' value='y'></form></html>", Source("p")) == ()


def test_a_raw_plus_in_a_base64_query_value_stays_a_plus():
    """A HAR redirect whose SAMLRequest carries '+' unescaped decoded to a space (then dropped by
    base64: a corrupted message), where the same URL pasted decoded right (review finding)."""
    from samlscan.inputs.har import split_query

    got = {n: v for n, _, v in split_query("SAMLRequest=fZBB+T8M%3D&Signature=a+b%2Bc&RelayState=%2Fa+b")}
    assert got == {"SAMLRequest": "fZBB+T8M=", "Signature": "a+b+c", "RelayState": "/a b"}


def test_multipart_form_body_is_read():
    """Chrome records no params for multipart/form-data: the SAMLResponse of such a POST was lost
    without a word (review finding). RFC 7578 parts, CRLF line ends, boundary from the mimeType."""
    from samlscan.inputs.har import multipart_fields

    body = ('------WebKitFormBoundaryX7\r\nContent-Disposition: form-data; name="SAMLResponse"\r\n\r\n'
            'PHNhbWxwOlJlc3BvbnNl+/=\r\n------WebKitFormBoundaryX7\r\nContent-Disposition: form-data; '
            'name="RelayState"\r\n\r\n/projects?a=1&b=2\r\n------WebKitFormBoundaryX7--\r\n')
    mime = "multipart/form-data; boundary=----WebKitFormBoundaryX7"
    want = [("SAMLResponse", "PHNhbWxwOlJlc3BvbnNl+/="), ("RelayState", "/projects?a=1&b=2")]
    assert multipart_fields(body, mime) == want
    assert multipart_fields(body, "") == want  # the boundary read from the first line
