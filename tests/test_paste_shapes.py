"""SAML evidence in the shapes support engineers paste it into a file: copied from developer tools
as a command (Windows cmd carets, bash $'...', PowerShell, fetch), from a proxy (Burp XML export,
raw HTTP, a Fiddler .saz), with decoration (Markdown fences, e-mail quoting, line numbers,
quoted-printable, smart quotes, JSON or HTML escaping, form-data views), in UTF-16 or with a BOM,
and several messages in one paste. Each is built from a signed fixture (the bytes wrapped the way
a copy wraps them, never edited): the message is read and its signature still verifies."""
from __future__ import annotations

import base64
import html
import json
import re
import time
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from lxml import etree

from samlscan.cli import main
from samlscan.inputs import paste

ROOT = Path(__file__).resolve().parents[1] / "fixtures"
CONFIG = str(ROOT / "config" / "default.toml")
SP_KEY_CONFIG = str(ROOT / "config" / "with-sp-key.toml")
XML = (ROOT / "responses" / "valid" / "okta.xml").read_text()
B64 = base64.b64encode(XML.encode()).decode()
BODY = f"SAMLResponse={quote(B64, safe='')}&RelayState=abc"
ACS = "https://sonar.example.com/oauth2/callback/saml"
REDIRECT = (ROOT / "requests" / "authnrequest-redirect-signed.txt").read_text().strip()
REQUEST_XML = (ROOT / "requests" / "authnrequest.xml").read_text()
BOUNDARY = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
MULTIPART = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="SAMLResponse"\r\n\r\n{B64}\r\n'
             f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="RelayState"\r\n\r\nabc\r\n--{BOUNDARY}--\r\n')
RAW_POST = (f"POST /oauth2/callback/saml HTTP/1.1\r\nHost: sonar.example.com\r\nCookie: JSESSIONID=1A2B\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\n\r\n{BODY}")
IDP_PAGE = (f'<html><body onload="document.forms[0].submit()"><form method="post" action="{ACS}">'
            f'<input type="hidden" name="SAMLResponse" value="{B64}"/>'
            '<input type="hidden" name="RelayState" value="abc"/></form></body></html>')
RAW_PAGE = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n{IDP_PAGE}"


# The escaping of Chromium DevTools' 'Copy as cURL (cmd)' (escapeStringWin), its ~2020 variant
# (plain '"' and '&' left alone when the value has no line break), Firefox's older one ('"%"'),
# and 'Copy as cURL (bash)' (ANSI-C $'...' when the value holds a quote or a control character).
def _cmd(s: str, old: bool = False) -> str:
    quote_chars = '^"' if not old or re.search(r"[\r\n]", s) else '"'
    s = s.replace("\\", "\\\\").replace('"', '\\"')
    s = re.sub(r"[^a-zA-Z0-9\s_\-:=+~'/.,?;()*`%s]" % ("&" if old else ""), lambda m: "^" + m.group(), s)
    s = re.sub(r"%(?=[a-zA-Z0-9_])", "%^", s)
    return quote_chars + re.sub(r"\r?\n", "^\n\n", s) + quote_chars


def _cmd_firefox_old(s: str) -> str:
    return '"' + s.replace('"', '""').replace("%", '"%"').replace("\\", "\\\\") + '"'


def _ansi_c(s: str) -> str:
    s = s.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
    return "$'" + s + "'"


def _curl(esc, body: str, ctype: str = "application/x-www-form-urlencoded", sep: str = " \\\n  ") -> str:
    return "curl " + sep.join([esc(ACS), "-H " + esc("content-type: " + ctype),
                               "-H " + esc("cookie: JSESSIONID=1A2B; OAUTHSTATE=xyz%3D"),
                               "--data-raw " + esc(body)]) + "\n"


MULTI_CT = "multipart/form-data; boundary=" + BOUNDARY
PS_MULTI = MULTIPART.replace('"', '`"').replace("\r\n", "$([char]13)$([char]10)")

# shape -> (text, RelayState expected)
ONE_RESPONSE = {
    "curl-cmd-chrome": (_curl(_cmd, BODY, sep=" ^\n  "), "abc"),
    "curl-cmd-chrome-2020": (_curl(lambda s: _cmd(s, old=True), BODY, sep=" ^\n  "), "abc"),
    "curl-cmd-firefox-old": (_curl(_cmd_firefox_old, BODY, sep=" ^\n  "), "abc"),
    "curl-cmd-multipart": (_curl(_cmd, MULTIPART, MULTI_CT, sep=" ^\n  "), "abc"),
    "curl-bash-ansi-c-multipart": (_curl(_ansi_c, MULTIPART, MULTI_CT), "abc"),
    "powershell-multipart": (f'Invoke-WebRequest -UseBasicParsing -Uri "{ACS}" `\n-Method "POST" `\n'
                             f'-ContentType "{MULTI_CT}" `\n'
                             f'-Body ([System.Text.Encoding]::UTF8.GetBytes("{PS_MULTI}"))\n', "abc"),
    "fetch-multipart": (f'fetch("{ACS}", {{\n  "headers": {{"content-type": "{MULTI_CT}"}},\n'
                        f'  "body": {json.dumps(MULTIPART)},\n  "method": "POST"\n}});\n', "abc"),
    "copy-post-data-multipart": (MULTIPART, "abc"),
    "firefox-copy-all-form-data": (json.dumps({"Form data": {"SAMLResponse": B64, "RelayState": "abc"}},
                                              indent=2), "abc"),
    "json-api-escaped-slashes": (json.dumps({"SAMLResponse": B64, "RelayState": "abc"}).replace("/", "\\/"), "abc"),
    "json-log-xml": (json.dumps({"level": "DEBUG", "saml": XML}).replace("/", "\\/"), None),
    "xml-json-escaped": (json.dumps(XML)[1:-1].replace("/", "\\/"), None),
    "xml-html-entities": (html.escape(XML, quote=False), None),
    "xml-html-entities-in-page": ("<html><body><pre>" + html.escape(XML) + "</pre></body></html>", None),
    "raw-http-idp-page": (RAW_PAGE, "abc"),
    "markdown-fence-xml": ("Here is the response:\n\n```xml\n" + XML + "\n```\n\nThanks!\n", None),
    "markdown-fence-b64": ("```\n" + B64 + "\n```\n", None),
    "xml-in-prose": ("The IdP sent this: " + XML + " and the SP refused it.\n", None),
    "email-quoted-b64": ("On Tue, Mar 11, 2025 Bob wrote:\n"
                         + "".join("> " + B64[i:i + 76] + "\n" for i in range(0, len(B64), 76)), None),
    "email-quoted-xml": ("".join("> " + line + "\n" for line in XML.split("\n")), None),
    "b64-between-prose": ("Hi,\nthe SAMLResponse is\n\n" + "\n".join(B64[i:i + 76] for i in range(0, len(B64), 76))
                          + "\n\nRegards,\nBob\n", None),
    "line-numbered-b64": ("".join(f"{n + 1:>4}  {B64[i:i + 64]}\n" for n, i in enumerate(range(0, len(B64), 64))), None),
    "form-data-colon": (f"SAMLResponse: {B64}\nRelayState: abc\n", "abc"),
    "payload-view-two-lines": (f"SAMLResponse\n{B64}\nRelayState\nabc\n", "abc"),
    "payload-view-tab": (f"SAMLResponse\t{B64}\nRelayState\tabc\n", "abc"),
    "smart-quotes-value": (f"SAMLResponse=\u201c{B64}\u201d", None),
    "smart-quotes-b64": (f"\u201c{B64}\u201d", None),
    "quoted-b64": (f'"{B64}"', None),
    "raw-b64-form-body-ending-in-plus": (f"SAMLResponse={B64}", None),
}


def _run(path: Path, config: str = CONFIG) -> dict:
    r = CliRunner().invoke(main, ["check", str(path), "--config", config, "--at", "2025-03-11T08:41:00Z",
                                  "--format", "json"], catch_exceptions=False)
    assert r.exit_code in (0, 1), r.output
    return json.loads(r.stdout)


def _verified(msg: dict) -> bool:
    return bool(msg["signatures"]) and all(s["verified"] for s in msg["signatures"])


@pytest.mark.parametrize("shape", sorted(ONE_RESPONSE))
def test_one_pasted_response_is_read_and_verifies(tmp_path, shape):
    text, relay = ONE_RESPONSE[shape]
    assert B64.endswith("+") or shape != "raw-b64-form-body-ending-in-plus"
    path = tmp_path / "pasted.txt"
    path.write_text(text, newline="")
    doc = _run(path)
    assert doc["inputs"][0]["status"] == "scanned", doc["input_findings"]
    (msg,) = doc["messages"]
    assert msg["type"] == "Response" and _verified(msg)
    if relay is not None:
        assert msg["relay_state"] == relay
    assert not doc["input_findings"]


@pytest.mark.parametrize("data", [
    ("\ufeff" + B64 + "\r\n").encode("utf-8"),                      # UTF-8 with a BOM
    ("\ufeff" + B64 + "\r\n").encode("utf-16-le"),                  # Notepad 'Unicode', PowerShell 5 '>'
    (B64 + "\r\n").encode("utf-16-le"),                             # UTF-16 without a BOM
    (B64 + "\r\n").encode("utf-16-be"),
    ("\ufeff" + _curl(_cmd, BODY, sep=" ^\n  ")).encode("utf-16-le"),
], ids=["utf8-bom", "utf16le-bom", "utf16le-no-bom", "utf16be-no-bom", "utf16-curl-cmd"])
def test_encodings_of_a_saved_paste(tmp_path, data):
    path = tmp_path / "pasted.txt"
    path.write_bytes(data)
    (msg,) = _run(path)["messages"]
    assert _verified(msg)


@pytest.mark.parametrize("text", [
    "\n".join(REDIRECT[i:i + 72] for i in range(0, len(REDIRECT), 72)) + "\n",
    "".join("> " + REDIRECT[i:i + 72] + "\n" for i in range(0, len(REDIRECT), 72)),
    "<" + REDIRECT + ">\n",
    "".join(REDIRECT.replace("=", "=3D")[i:i + 75] + "=\n" for i in range(0, len(REDIRECT.replace("=", "=3D")), 75)),
], ids=["broken-over-lines", "quoted-and-broken", "angle-brackets", "quoted-printable"])
def test_a_redirect_url_from_an_email_keeps_its_signature(tmp_path, text):
    path = tmp_path / "pasted.txt"
    path.write_text(text)
    (msg,) = _run(path, SP_KEY_CONFIG)["messages"]
    assert msg["type"] == "AuthnRequest" and msg["binding"] == "redirect"
    assert msg["redirect_signature"]["verified"] is True


MANY = {
    "xml-request-then-response": REQUEST_XML + "\n" + XML + "\n",
    "b64-request-then-response": base64.b64encode(REQUEST_XML.encode()).decode() + "\n\n" + B64 + "\n",
    "labelled-request-and-response": ("SAMLRequest:\n" + base64.b64encode(REQUEST_XML.encode()).decode()
                                      + "\n\nSAMLResponse:\n" + B64 + "\n"),
    "redirect-url-then-form-body": REDIRECT + "\n\n" + BODY + "\n",
    "http-conversation": (f"GET {REDIRECT[len('https://idp.example.org'):]} HTTP/1.1\r\nHost: idp.example.org\r\n\r\n"
                          + RAW_PAGE + "\r\n\r\n" + RAW_POST + "\r\n"),
}


@pytest.mark.parametrize("shape", sorted(MANY))
def test_several_messages_in_one_paste(tmp_path, shape):
    path = tmp_path / "pasted.txt"
    path.write_text(MANY[shape], newline="")
    doc = _run(path)
    assert [m["type"] for m in doc["messages"]] == ["AuthnRequest", "Response"]
    assert _verified(doc["messages"][1]) and not doc["input_findings"]  # the page's form is the POST's copy
    if shape in ("redirect-url-then-form-body", "http-conversation"):
        assert [m["binding"] for m in doc["messages"]] == ["redirect", "post"]


_BURP_HEAD = """<?xml version="1.0"?>
<!DOCTYPE items [
<!ELEMENT items (item*)>
<!ATTLIST items burpVersion CDATA "">
<!ELEMENT request (#PCDATA)>
<!ATTLIST request base64 (true|false) "false">
]>
<items burpVersion="2024.1.1.4" exportTime="Tue Mar 11 09:45:00 CET 2025">
"""


def burp_export(when: str, request: str, encoded: bool, status: int, response: str) -> str:
    """Burp's export of one POST to the ACS at `when` (its <time>), the response base64."""
    return _BURP_HEAD + f"""  <item>
    <time>{when}</time>
    <url><![CDATA[{ACS}]]></url>
    <method><![CDATA[POST]]></method>
    <request base64="{str(encoded).lower()}"><![CDATA[{request}]]></request>
    <status>{status}</status>
    <response base64="true"><![CDATA[{response}]]></response>
  </item>
</items>
"""


@pytest.mark.parametrize("encoded", [True, False])
def test_burp_save_items_export(tmp_path, encoded):
    """Burp's XML export declares a DTD: it is read as a capture, never given to the XML parser."""
    request = base64.b64encode(RAW_POST.encode()).decode() if encoded else RAW_POST
    response = base64.b64encode(b"HTTP/1.1 302 Found\r\nLocation: /projects\r\n\r\n").decode()
    path = tmp_path / "burp.xml"
    path.write_text(burp_export("Tue Mar 11 09:41:02 CET 2025", request, encoded, 302, response))
    r = CliRunner().invoke(main, ["check", str(path), "--config", CONFIG, "--format", "json"])
    doc = json.loads(r.stdout)
    (msg,) = doc["messages"]
    assert doc["inputs"][0]["kind"] == "burp" and _verified(msg) and msg["relay_state"] == "abc"
    assert msg["captured_at"] == "2025-03-11T08:41:02Z"  # CET read as +01:00
    flows = CliRunner().invoke(main, ["flows", str(path), "--format", "json"])
    assert flows.exit_code == 0, flows.output
    (doc,) = json.loads(flows.stdout)["inputs"]
    assert doc["kind"] == "burp" and [f["outcome"] for f in doc["flows"]] == ["success"]


def test_fiddler_saz_is_one_capture(tmp_path):
    """The IdP's auto-post page (03_s) and the browser's POST of it (02_c) are one message, not a
    replay across two archive members."""
    path = tmp_path / "login.saz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("_index.htm", "<html><body>Fiddler Session Archive</body></html>")
        z.writestr("raw/01_c.txt", f"GET {REDIRECT} HTTP/1.1\r\nHost: idp.example.org\r\n\r\n")
        z.writestr("raw/01_m.xml", '<Session SID="1"><SessionTimers ClientBeginRequest="2025-03-11T08:40:50.1234567+00:00"/></Session>')
        z.writestr("raw/02_c.txt", "GET https://idp.example.org/app HTTP/1.1\r\nHost: idp.example.org\r\n\r\n")
        z.writestr("raw/02_s.txt", RAW_PAGE)
        z.writestr("raw/03_c.txt", RAW_POST.replace("POST /oauth2/callback/saml", f"POST {ACS}"))
        z.writestr("raw/03_s.txt", "HTTP/1.1 302 Found\r\nLocation: /projects\r\n\r\n")
        z.writestr("raw/03_m.xml", '<Session SID="3"><SessionTimers ClientBeginRequest="2025-03-11T08:41:02.0000000+00:00"/></Session>')
    doc = _run(path)
    assert [(i["kind"], i["status"]) for i in doc["inputs"]] == [("fiddler-saz", "scanned")]
    assert [(m["type"], m["binding"], m["ref"]) for m in doc["messages"]] == [
        ("AuthnRequest", "redirect", "session 1"), ("Response", "post", "session 3")]
    assert _verified(doc["messages"][1]) and not doc["input_findings"]
    assert doc["messages"][0]["captured_at"].startswith("2025-03-11T08:40:50")


def test_a_decorated_paste_that_cannot_be_decoded_says_why(tmp_path):
    path = tmp_path / "pasted.txt"
    path.write_text("```\n" + B64[:1001] + "\n```\n")
    (f,) = _run(path)["input_findings"]
    assert f["code"] == "input-bad-base64" and "truncated" in f["message_text"] and f["hint"]


def test_a_log_with_saml_lines_is_still_a_log(tmp_path):
    path = tmp_path / "app.log"
    path.write_text(f"2025-03-11T08:41:02Z INFO received SAMLResponse={quote(B64, safe='')}\n"
                    "2025-03-11T08:41:02Z INFO login ok\n2025-03-11T08:41:02Z INFO session created\n"
                    f"2025-03-11T08:41:03Z INFO received SAMLResponse={quote(B64, safe='')}\n")
    doc = _run(path)
    assert doc["inputs"][0]["kind"] == "log:embedded" and len(doc["messages"]) == 2
    assert doc["messages"][0]["captured_at"] == "2025-03-11T08:41:02Z"


@pytest.mark.parametrize("junk", [
    "> " * 2_000_000, "\n" * 3_000_000, "<samlp:Response " * 200_000, "$'" + "a" * 3_000_000,
    "SAMLResponse:\n" + "QUJD\n" * 600_000, "&lt;samlp:Response " * 200_000,
    "POST /x HTTP/1.1\r\n\r\nSAMLResponse=" + "\n" * 2_000_000 + "x", "curl ^\"" + "^%" * 1_500_000,
    '{"a": [' + ",".join(['"PHNhbWw6' + "A" * 50 + '"'] * 80_000) + "]}",
], ids=["quotes", "newlines", "open-roots", "ansi-c", "labels", "escaped-roots", "http", "cmd", "json"])
def test_hostile_pastes_are_bounded(junk):
    start = time.process_time()
    got = paste.read(junk, "x")
    assert time.process_time() - start < 5
    assert got is None or len(got[0]) <= paste.MAX_PIECES


def test_typographic_quotes_inside_a_signed_xml_message_are_kept(tmp_path):
    """A value with “smart quotes” is part of the signed bytes: the paste steps that strip them
    around a pasted value must not touch an XML message (its signature broke)."""
    import sys

    sys.path.insert(0, str(ROOT))
    import generate as GEN
    from samlgen import content as C

    base = GEN.assertion("smart-quotes", GEN.OKTA)
    attrs = base.attributes + (C.Attr("company", ("\u201cACME\u201d \u2018Corp\u2019",)),)
    # serialized as UTF-8 by lxml, as an IdP does (our generator writes &#8220;): the same
    # infoset, so the same canonical bytes and a valid signature
    data = etree.tostring(etree.fromstring(GEN.okta("smart-quotes", attributes=attrs)), encoding="UTF-8")
    assert "\u201cACME\u201d".encode() in data
    for name, text in (("plain.xml", data.decode()), ("quoted.xml", "\u201c" + data.decode() + "\u201d")):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        (msg,) = _run(path)["messages"]
        assert _verified(msg), name
        assert paste.read(data.decode(), str(path)) is None  # one plain document: nothing taken off


def test_plain_inputs_are_left_to_the_blob_reader():
    """One XML document or one base64 value (one line, or wrapped at one width) takes no step:
    nothing to take off, and a batch of plain files pays nothing for the paste shapes."""
    wrapped = "\r\n".join(B64[i:i + 76] for i in range(0, len(B64), 76)) + "\r\n"
    for text in (B64, wrapped, base64.b64decode(B64).decode()):
        assert paste.read(text, "x") is None
    # the field names of a payload view are base64 letters too: not one plain value
    assert paste.read(f"SAMLResponse\n{B64}\nRelayState\nabc\n", "x") is not None


# --- review findings ------------------------------------------------------------------------

def test_a_small_log_with_one_saml_line_stays_a_log(tmp_path):
    """Its lines' times date the message (it was read as one pasted request, judged at its
    IssueInstant, with no line reference)."""
    body = (ROOT / "responses" / "encodings" / "okta-form-body.txt").read_text().strip()
    path = tmp_path / "app.log"
    path.write_text("2025-03-11T08:40:59Z INFO app start\n2025-03-11T08:41:00Z INFO app GET /login\n"
                    f"2025-03-11T08:50:01Z INFO app received POST /acs {body}\n"
                    "2025-03-11T08:50:02Z WARN app login failed for \u201cdev.user1\u201d\n")
    r = CliRunner().invoke(main, ["check", str(path), "--config", CONFIG, "--format", "json"])
    doc = json.loads(r.stdout)
    assert doc["inputs"][0]["kind"].startswith("log:")
    (msg,) = doc["messages"]
    assert msg["ref"] == "line 3" and msg["captured_at"] == "2025-03-11T08:50:01Z"


def test_fiddler_saz_answer_of_the_acs_decides_the_flow(tmp_path):
    """A 500 from the ACS in a .saz is a failed login (the session refs did not find their
    exchange: the attempt said success)."""
    path = tmp_path / "login.saz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("raw/01_c.txt", f"GET {REDIRECT} HTTP/1.1\r\nHost: idp.example.org\r\n\r\n")
        z.writestr("raw/03_c.txt", RAW_POST.replace("POST /oauth2/callback/saml", f"POST {ACS}"))
        z.writestr("raw/03_s.txt", "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")
    doc = _run(path)
    assert [a["outcome"] for a in doc["attempts"]] == ["failure"]
    # `flows` reads the archive too (it said: not a capture)
    res = CliRunner().invoke(main, ["flows", str(path), "--format", "json"])
    assert res.exit_code == 0, res.output
    (flow,) = json.loads(res.stdout)["inputs"][0]["flows"]
    assert flow["outcome"] == "failure" and "500" in flow["reason"]


def test_line_numbers_keep_the_indentation_of_a_signed_pretty_message(tmp_path):
    """`cat -n` puts a tab after each number: only it is taken off (the XML's own indentation,
    inside the signed element, was eaten: signature-invalid)."""
    xml = (ROOT / "responses" / "valid" / "okta-pretty-signed.xml").read_text()
    path = tmp_path / "numbered.txt"
    path.write_text("".join(f"{n:6d}\t{line}\n" for n, line in enumerate(xml.splitlines(), 1)))
    (msg,) = _run(path)["messages"]
    assert _verified(msg)


def test_an_escaped_message_keeps_its_typographic_quotes(tmp_path):
    """HTML-escaped XML with O’Brien in a signed value: the quote is part of the signed bytes."""
    import sys

    sys.path.insert(0, str(ROOT))
    import generate as GEN
    from samlgen import content as C

    attrs = GEN.assertion("obrien", GEN.OKTA).attributes + (C.Attr("name", ("Se\u00e1n O\u2019Brien",)),)
    data = etree.tostring(etree.fromstring(GEN.okta("obrien", attributes=attrs)), encoding="UTF-8").decode()
    path = tmp_path / "escaped.txt"
    path.write_text(html.escape(data), encoding="utf-8")
    (msg,) = _run(path)["messages"]
    assert _verified(msg)


def test_a_url_and_a_form_body_on_consecutive_lines_are_two_messages(tmp_path):
    """A line that starts another URL or form body is not the rest of a wrapped one."""
    url = (ROOT / "requests" / "authnrequest-redirect-signed.txt").read_text().strip()
    body = (ROOT / "responses" / "encodings" / "okta-form-body.txt").read_text().strip()
    path = tmp_path / "two.txt"
    path.write_text(f"{url}\n{body}\n")
    assert sorted(m["type"] for m in _run(path)["messages"]) == ["AuthnRequest", "Response"]


def test_the_same_value_pasted_twice_is_one_message(tmp_path):
    """(Two copies were two uses of one response: a false assertion-replayed.)"""
    path = tmp_path / "twice.txt"
    path.write_text(f"first try:\n\n{B64}\n\nsecond try:\n\n{B64}\n")
    doc = _run(path)
    assert len(doc["messages"]) == 1
    assert not any(f["code"] == "assertion-replayed" for f in doc["input_findings"])


@pytest.mark.parametrize("bom", ["", "\ufeff"], ids=["utf-8", "utf-8-bom"])
@pytest.mark.parametrize("padding", [0, 100_000], ids=["small", "over-64KB"])
def test_a_raw_http_conversation_is_a_capture_at_any_size(tmp_path, padding, bom):
    """GET of the redirect, the IdP's page, the POST to the ACS and its 500: a capture whose
    flow fails on the 500, the redirect binding and RelayState kept (over 64 KB it was read as a
    log: the request as POST binding, RelayState lost, the response twice; under it, the 500 was
    not seen and the login was a success). Saved with a BOM (Notepad's UTF-8), check read it as
    a paste (its first character not a request line's) while flows took it."""
    page = RAW_PAGE.replace("</form>", "<script>" + "x" * padding + "</script></form>")
    path = tmp_path / "conversation.txt"
    path.write_text(f"{bom}GET {REDIRECT} HTTP/1.1\r\nHost: idp.example.org\r\n\r\n{page}\r\n\r\n"
                    + RAW_POST.replace("POST /oauth2/callback/saml", f"POST {ACS}")
                    + "\r\n\r\nHTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")
    doc = _run(path)
    assert doc["inputs"][0]["kind"] == "http"
    assert [(m["type"], m["binding"]) for m in doc["messages"]] == [("AuthnRequest", "redirect"), ("Response", "post")]
    assert doc["messages"][1]["relay_state"] == "abc"
    assert [a["outcome"] for a in doc["attempts"]] == ["failure"]
    flows = CliRunner().invoke(main, ["flows", str(path), "--format", "json"])
    (got,) = json.loads(flows.stdout)["inputs"]
    assert got["kind"] == "http" and [f["outcome"] for f in got["flows"]] == ["failure"]


def test_a_password_protected_saz_says_so(tmp_path):
    """(It said 'no SAML message found', as if the archive were empty.) The members are marked
    encrypted (general purpose flag bit 0, APPNOTE 4.4.4); they are never read."""
    path = tmp_path / "locked.saz"
    with zipfile.ZipFile(path, "w") as z:
        for name in ("raw/01_c.txt", "raw/01_s.txt"):
            z.writestr(name, b"\x00" * 64)
    data = bytearray(path.read_bytes())  # zipfile writes no encrypted member: set the flag bit
    for sig, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # local and central headers
        pos = data.find(sig)
        while pos >= 0:
            data[pos + at] |= 0x1
            pos = data.find(sig, pos + 4)
    path.write_bytes(bytes(data))
    doc = _run(path)
    (f,) = doc["input_findings"]
    assert f["code"] == "input-unreadable" and "password-protected" in f["message_text"]


def test_a_saz_with_a_corrupt_member_says_so_in_check_and_flows(tmp_path):
    """A deflate stream with an invalid block type: `flows` stopped with 'internal error' (zlib's
    error was not caught), `check` said the member is corrupt: both say it now, one way."""
    path = tmp_path / "broken.saz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("raw/01_c.txt", "GET https://idp.example.org/sso HTTP/1.1\r\n\r\n" + "x" * 4000)
    data = bytearray(path.read_bytes())
    start = data.find(b"PK\x03\x04") + 30 + len("raw/01_c.txt")
    data[start] = 0xFF  # BTYPE 11: reserved (RFC 1951 3.2.3)
    path.write_bytes(bytes(data))
    doc = _run(path)
    assert [f["code"] for f in doc["input_findings"]] == ["input-unreadable"]
    res = CliRunner().invoke(main, ["flows", str(path)])
    assert res.exit_code != 0 and "internal error" not in res.output and "corrupt zip member" in res.output


@pytest.mark.parametrize("text, placeholder", [
    ("Lasso error: [-409] Unsupported protocol profile, referer: <samlurl>saml2/idp/SSOService.php"
     "?SAMLRequest=<samlrequest>&RelayState=<machinename>%2Fauth", "<samlrequest>"),
    ("https://idp.example.org/sso?SAMLRequest=<SAMLRequest>", "<SAMLRequest>"),
    ("SAMLResponse=<base64 response> (copied from the tracer)", "<base64 response>"),
])
def test_a_value_replaced_by_an_angled_name_is_a_placeholder_not_an_empty_value(tmp_path, text, placeholder):
    """A forum post's redaction ('SAMLRequest=<samlrequest>'): the value ended at its '<' and was
    called empty, 'nothing was copied after the parameter name', where it was replaced on purpose."""
    path = tmp_path / "pasted.txt"
    path.write_text(text + "\n")
    (problem,) = [f for f in _run(path)["input_findings"] if f["code"].startswith("input-")]
    assert problem["code"] == "input-redacted" and repr(placeholder) in problem["message_text"]


@pytest.mark.parametrize("text", ["https://idp.example.org/sso?SAMLRequest=&RelayState=x",
                                  "https://idp.example.org/sso?SAMLRequest=<a href='x'>"])
def test_an_empty_value_is_still_called_empty(tmp_path, text):
    path = tmp_path / "pasted.txt"
    path.write_text(text + "\n")
    (problem,) = [f for f in _run(path)["input_findings"] if f["code"].startswith("input-")]
    assert problem["code"] == "input-bad-base64" and "the value is empty" in problem["message_text"]
