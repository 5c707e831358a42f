"""--format html against hostile evidence: a support engineer opens the page in a browser, and every
value in it (SAML fields, HAR URLs, headers, cookies, log lines, file names) is attacker-written."""
from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import urllib.parse
import zipfile
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from samlscan.config import build
from samlscan.correlate import correlate
from samlscan.engine import analyze
from samlscan.report import render
from samlscan.report.htmlout import render as render_html
from samlscan.report.redact import Redactor, personal_values

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--no-first-run", "--disable-component-update", "--disable-sync", "--enable-logging=stderr",
                  "--v=0"]
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium not installed")

# escaped for XML, so the parser hands the raw markup to samlscan as the field's value
A = ("&lt;img src=x onerror=document.title=&apos;PWN&apos;&gt;&quot;&apos;&lt;/script&gt;&lt;/style&gt;"
     "&lt;!--]]&gt;\u2028\u2029\u202eRLO\u202c")
RAW = "<img src=x onerror=document.title='PWN'>\"'</script></style><!--\u202e<svg onload=alert(1)>"
XML = f"""<?xml version="1.0"?>
<?xml-stylesheet href="javascript:alert(1)" <script>alert(9)</script>?>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
 xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_id{A}" Version="2.0"
 IssueInstant="2025-03-11T08:41:00Z" InResponseTo="_irt{A}" Destination="javascript:alert(1)//{A}">
 <!-- </pre></details><script>document.title='PWN'</script> alice.victim@corp.test -->
 <saml:Issuer>https://idp{A}.test/</saml:Issuer>
 <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder{A}"/>
  <samlp:StatusMessage>{A}</samlp:StatusMessage></samlp:Status>
 <saml:Assertion ID="_a{A}" Version="2.0" IssueInstant="2025-03-11T08:41:00Z">
  <saml:Issuer>https://idp{A}.test/</saml:Issuer>
  <saml:Subject><saml:NameID>alice.victim@corp.test</saml:NameID>
   <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData
    NotOnOrAfter="2025-03-11T08:46:00Z" Address="10.1.2.3"
    Recipient="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"/></saml:SubjectConfirmation></saml:Subject>
  <saml:Conditions NotBefore="2025-03-11T08:40:00Z" NotOnOrAfter="2025-03-11T08:46:00Z">
   <saml:AudienceRestriction><saml:Audience>https://sp{A}</saml:Audience></saml:AudienceRestriction>
  </saml:Conditions>
  <saml:AttributeStatement>
   <saml:Attribute Name="mail{A}"><saml:AttributeValue><![CDATA[<script>document.title='PWN'</script>]]>]]&gt;{A}</saml:AttributeValue></saml:Attribute>
   <saml:Attribute Name="email"><saml:AttributeValue>alice.victim@corp.test</saml:AttributeValue></saml:Attribute>
   <saml:Attribute Name="displayName"><saml:AttributeValue a="&quot;'&lt;x&gt;">Alice Victim</saml:AttributeValue></saml:Attribute>
  </saml:AttributeStatement>
 </saml:Assertion>
</samlp:Response>""".encode()


def _har() -> str:
    body = ("SAMLResponse=" + urllib.parse.quote(base64.b64encode(XML).decode())
            + "&RelayState=" + urllib.parse.quote("javascript:alert(1)" + RAW))
    entry = {"startedDateTime": "2025-03-11T08:41:00Z", "time": 1, "cache": {}, "timings": {"send": 0, "wait": 0, "receive": 0},
             "request": {"method": "POST", "url": "javascript:alert(1)//sp.test/saml/acs" + RAW, "httpVersion": "HTTP/1.1",
                         "headers": [{"name": "X-" + RAW, "value": RAW}],
                         "cookies": [{"name": "JSESSIONID" + RAW, "value": RAW}], "queryString": [],
                         "postData": {"mimeType": "application/x-www-form-urlencoded", "text": body},
                         "headersSize": -1, "bodySize": -1},
             "response": {"status": 302, "statusText": RAW, "httpVersion": "HTTP/1.1", "cookies": [],
                          "headers": [{"name": "Location", "value": "data:text/html,<script>alert(1)</script>"}],
                          "content": {"size": 0, "mimeType": "text/html", "text": "AADSTS50011: " + RAW},
                          "redirectURL": "javascript:alert(1)", "headersSize": -1, "bodySize": -1}}
    return json.dumps({"log": {"version": "1.2", "creator": {"name": RAW, "version": "1"}, "entries": [entry]}})


LOG = ("2025.03.11 09:41:07 WARN  web[7c1e{r}][o.s.s.a.AuthenticationError] Fail to callback authentication "
       "with 'saml' user={r}\x00\x1b[31m\n").format(r=RAW)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A report of a SAML file, a zip, a HAR and a log, all named and filled with markup."""
    d = tmp_path_factory.mktemp("hostile")
    (d / "<img src=x onerror=alert(1)>.xml").write_bytes(XML)
    (d / "photo\u202egnp.xml").write_bytes(XML)
    with zipfile.ZipFile(d / "b<img src=x onerror=alert(2)>.zip", "w") as z:
        z.writestr("in<script>alert(3)</script>.xml", XML)
    (d / "cap<svg onload=alert(5)>.har").write_text(_har(), encoding="utf-8")
    (d / "web<b>.log").write_text(LOG, encoding="utf-8")
    paths = sorted(str(p) for p in d.iterdir())
    return correlate(analyze(paths, build({}, ROOT / "fixtures" / "config" / "default.toml")))


ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "div", "span", "nav", "a", "main",
                "section", "h2", "p", "ul", "ol", "li", "code", "strong", "details", "summary", "dl", "dt", "dd",
                "table", "thead", "tbody", "tr", "th", "td", "pre", "mark", "footer"}
ALLOWED_ATTRS = {"class", "id", "title", "href", "open", "lang", "charset", "http-equiv", "content", "name",
                 "data-code"}


class _Markup(HTMLParser):
    """Every element or attribute the page template does not write, and every non-fragment link."""

    def __init__(self):
        super().__init__()
        self.foreign: list = []
        self.tags = 0

    def handle_starttag(self, tag, attrs):
        self.tags += 1
        if tag not in ALLOWED_TAGS:
            self.foreign.append(tag)
        for k, v in attrs:
            if k not in ALLOWED_ATTRS or (k == "href" and not (v or "").startswith("#")):
                self.foreign.append(f"{tag}@{k}={v!r}")


def _markup(text: str) -> _Markup:
    p = _Markup()
    p.feed(text)
    return p


def _chromium(page_text: str, tmp_path: Path) -> tuple[str, str]:
    page = tmp_path / "report.html"
    page.write_text(page_text, encoding="utf-8")
    cmd = [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, done.stderr


def test_every_hostile_field_stays_text(hostile):
    page = render(hostile, "html")
    assert page.count("&lt;img src=x onerror") >= 10 and "&lt;svg onload=alert(1)&gt;" in page
    found = _markup(page)
    assert found.foreign == []
    assert "javascript:alert" in page  # shown, as text, never as a link


_SHOWN_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff"
                              "\ud800-\udfff]")


def test_bidi_overrides_and_controls_are_shown_as_escapes(hostile):
    """'photo\\u202egnp.xml' displays as 'photoexe.png'; a NUL or an ANSI escape from a log line, a
    U+2028 from a NameID: the page shows each as its escape instead of letting it reorder or hide text."""
    page = render(hostile, "html")
    assert _SHOWN_INVISIBLE.search(page) is None
    assert "photo\\u202egnp.xml" in page and "\\u2028" in page and "\\x1b[31m" in page


def test_a_file_name_that_is_not_utf8_gives_a_page(tmp_path):
    """An undecodable byte of a file name (a Latin-1 name from a Windows zip) is a lone surrogate in
    Python: writing the page was a UnicodeEncodeError (an internal error, an empty report)."""
    (tmp_path / "caf\xe9.xml".encode("latin-1").decode("utf-8", "surrogateescape")).write_bytes(XML)
    report = analyze([str(p) for p in tmp_path.iterdir()], build({}, ROOT / "fixtures" / "config" / "default.toml"))
    page = render(report, "html")
    page.encode("utf-8")
    assert "caf\\udce9.xml" in page


def test_the_policy_allows_only_the_page_own_style(hostile):
    """'unsafe-inline' let a style attribute that slipped in lay a forged text over the report; the
    page's one <style> is allowed by its hash instead."""
    page = render(hostile, "html")
    page_csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page).group(1)
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in page_csp
    assert "default-src 'none'" in page_csp and "'unsafe-inline'" not in page_csp
    assert "img-src" not in page_csp and "script-src" not in page_csp  # default-src 'none' covers both


def test_report_notes_are_redacted(hostile):
    noted = replace(hostile, notes=("--timezone '/srv/alice.victim@corp.test/*=...' names no input",))
    page = render_html(noted, Redactor(personal_values(noted)))
    assert "alice.victim@corp.test" not in page


def test_redaction_masks_the_decoded_xml_view(hostile):
    page = render(hostile, "html", redact=True)
    for value in ("alice.victim@corp.test", "alice.victim%40corp.test", "10.1.2.3", "Alice Victim"):
        assert value not in page


@needs_chromium
def test_chromium_runs_nothing_and_shows_the_whole_page(hostile, tmp_path):
    """With the page's own policy: no CSP violation (its style hash is right, nothing else asks to
    run). Without it (a viewer that ignores the meta): the escaping alone holds, no payload adds
    an element or retitles the page, and the page does not end early."""
    page = render(hostile, "html")
    dom, log = _chromium(page, tmp_path)
    assert "Content Security Policy" not in log and "Content-Security-Policy" not in log
    bare = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
    dom, log = _chromium(bare, tmp_path)
    found = _markup(dom)
    assert found.foreign == [] and "CONSOLE" not in log
    assert "<title>samlscan report</title>" in dom and "</footer>" in dom
    assert dom.count('<details class="message"') == page.count('<details class="message"') >= 4


@pytest.mark.parametrize("fmt, to_file", [("json", True), ("csv", False), ("table", False), ("html", False)])
def test_every_format_writes_a_file_name_that_is_not_utf8(tmp_path, fmt, to_file):
    """The same name broke every format at the write (json, csv, sarif, table: 'internal error:
    UnicodeEncodeError ... surrogates not allowed'): the CLI writes it as its escape."""
    import os
    import sys

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "caf\xe9.xml".encode("latin-1").decode("utf-8", "surrogateescape")).write_bytes(XML)
    out = tmp_path / f"report.{fmt}"
    cmd = [sys.executable, "-m", "samlscan", "scan", str(folder), "--format", fmt, "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(cmd + (["-o", str(out)] if to_file else []), capture_output=True, env=env, timeout=60)
    assert done.returncode == 1, done.stderr.decode("utf-8", "replace")[-500:]  # errors found, no crash
    written = out.read_bytes() if to_file else done.stdout
    assert "caf\\udce9".encode() in written.replace(b"\\\\", b"\\")
    written.decode("utf-8")


def test_a_split_name_id_is_quoted_as_written_so_redact_masks_it(tmp_path):
    """The nameid-comment-injection text quoted the values with repr(): a NameID holding U+2028
    came out as '\\u2028...', which --redact no longer recognised as the value it masks."""
    import re

    from samlscan.config import Expectations
    from samlscan.engine import analyze

    xml = (Path(__file__).resolve().parents[1] / "fixtures" / "responses" / "defects" /
           "nameid-comment-injection.xml").read_text(encoding="utf-8")
    xml = re.sub(r"(<(?:\w+:)?NameID[^>]*>)", "\\1x\u2028", xml, count=1)  # (the signature breaks: no matter)
    path = tmp_path / "split.xml"
    path.write_text(xml, encoding="utf-8")
    (m,) = analyze([str(path)], Expectations()).messages
    (f,) = [f for f in m.findings if f.code == "nameid-comment-injection"]
    nid = m.message.assertions[0].name_id
    assert "\u2028" in nid.value and f"'{nid.value}'" in f.message_text
