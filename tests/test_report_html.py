"""--format html: one self-contained page; hostile XML stays text; renders in headless Chromium."""
from __future__ import annotations

import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from samlscan.config import build
from samlscan.correlate import correlate
from samlscan.engine import analyze
from samlscan.report import render
from samlscan.report.document import document
from samlscan.report.htmlout import xml_html
from samlscan.report.redact import Redactor

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
DEFECTS = FIXTURES / "responses" / "defects"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--no-first-run", "--disable-component-update", "--disable-sync"]

HOSTILE = b"""<x:Response xmlns:x="urn:oasis:names:tc:SAML:2.0:protocol"
 xmlns:y="urn:oasis:names:tc:SAML:2.0:assertion" ID="_h1" Version="2.0" IssueInstant="2025-03-11T08:41:00Z"
 Destination="https://evil.example/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">
 <y:Issuer>https://idp.example.org/saml2/idp</y:Issuer>
 <y:Assertion ID="_a1" Version="2.0" IssueInstant="2025-03-11T08:41:00Z">
  <y:Issuer>&lt;img src=x onerror=alert(2)&gt;</y:Issuer>
  <y:Subject><y:NameID>victim@example.com<!--</pre><script>alert(3)</script>-->.evil</y:NameID></y:Subject>
 </y:Assertion>
</x:Response>"""


class _Tags(HTMLParser):
    """Collects start tags and the data-code of every element with class 'finding'."""

    def __init__(self):
        super().__init__()
        self.tags: Counter = Counter()
        self.codes: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] += 1
        if "finding" in (a.get("class") or "").split():
            self.codes.append(a.get("data-code"))
        for key in ("src", "href"):
            if a.get(key) and not a[key].startswith("#"):
                self.external.append(a[key])


def _tags(text: str) -> _Tags:
    p = _Tags()
    p.feed(text)
    return p


def _expect():
    return build({}, FIXTURES / "config" / "default.toml")


@pytest.fixture(scope="module")
def fixtures_report():
    paths = sorted(str(p) for p in DEFECTS.glob("*.xml"))
    return correlate(analyze(paths, _expect()))


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "hostile.xml"
    path.write_bytes(HOSTILE)
    return analyze([str(path)], _expect())


def test_hostile_xml_is_escaped(hostile_report):
    assert hostile_report.messages and hostile_report.messages[0].message.xml
    out = render(hostile_report, "html")
    tags = _tags(out)
    assert tags.tags["script"] == 0 and tags.tags["img"] == 0
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out  # shown as text, in the attribute value
    assert "&lt;img src=x onerror=alert(2)&gt;" in out
    assert "&lt;/pre&gt;&lt;script&gt;alert(3)" in out  # inside the comment, still text


def test_the_tag_check_does_see_a_raw_script():
    assert _tags('<pre><span title="x"></span><script>alert(1)</script></pre>').tags["script"] == 1


def test_page_is_self_contained(fixtures_report):
    out = render(fixtures_report, "html")
    tags = _tags(out)
    assert tags.external == []
    assert tags.tags["link"] == 0 and tags.tags["script"] == 0 and tags.tags["iframe"] == 0
    assert "@import" not in out and "url(" not in out
    assert "Content-Security-Policy" in out and "default-src 'none'" in out


def test_finding_codes_in_page_equal_the_json_report(fixtures_report):
    doc = document(fixtures_report)
    expected = [f["code"] for m in doc["messages"] for f in m["findings"]] + \
        [f["code"] for f in doc["input_findings"]]
    assert Counter(_tags(render(fixtures_report, "html")).codes) == Counter(expected)


def test_offending_nodes_are_highlighted(fixtures_report):
    r = next(r for r in fixtures_report.messages if any(f.code == "audience-mismatch" for f in r.findings))
    shown = xml_html(r.message.xml, r.findings, lambda s: s)
    marked = shown.split('<mark class="hl" title="')
    audience = [m for m in marked[1:] if m.startswith("audience-mismatch") or "audience-mismatch" in m[:80]]
    assert any("Audience</span>" in m.split("</mark>")[0] for m in audience)
    # without findings nothing is marked
    assert "<mark" not in xml_html(r.message.xml, (), lambda s: s)


def test_highlight_works_with_any_prefix(hostile_report):
    from samlscan.model import Finding, Severity

    f = Finding("nameid-comment-injection", Severity.ERROR, "x")
    shown = xml_html(HOSTILE, [f], lambda s: s)
    assert '<mark class="hl" title="nameid-comment-injection"><span class="t">&lt;y:NameID' in shown


def test_empty_xml_is_omitted():
    assert xml_html(b"", (), lambda s: s) == ""


def test_redaction_holds_in_html(hostile_report):
    assert "victim@example.com" in render(hostile_report, "html")
    from samlscan.report.htmlout import render as render_html

    assert "victim@example.com" not in render_html(hostile_report, Redactor({"victim@example.com"}))


def _dump_dom(html_text: str, tmp_path: Path) -> str:
    page = tmp_path / "report.html"
    page.write_text(html_text, encoding="utf-8")
    cmd = [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium not installed (apt-get install -y chromium)")
def test_renders_in_chromium_with_the_json_codes(fixtures_report, hostile_report, tmp_path):
    dom = _dump_dom(render(fixtures_report, "html"), tmp_path)
    parsed = _tags(dom)
    assert parsed.tags["main"] == 1 and parsed.tags["section"] >= 4
    doc = document(fixtures_report)
    expected = [f["code"] for m in doc["messages"] for f in m["findings"]] + \
        [f["code"] for f in doc["input_findings"]]
    assert Counter(parsed.codes) == Counter(expected)
    hostile_dom = _dump_dom(render(hostile_report, "html"), tmp_path)
    assert _tags(hostile_dom).tags["script"] == 0 and _tags(hostile_dom).tags["img"] == 0


def test_a_huge_scan_gives_a_bounded_page_that_says_what_it_leaves_out(fixtures_report, monkeypatch):
    from dataclasses import replace

    from samlscan.report import htmlout

    # the small report of the fixtures is listed whole (the test above compares it with the JSON)
    assert "not listed here" not in render(fixtures_report, "html")
    monkeypatch.setattr(htmlout, "MAX_MESSAGES_SHOWN", 10)
    monkeypatch.setattr(htmlout, "MAX_ATTEMPTS_SHOWN", 20)
    monkeypatch.setattr(htmlout, "FOLDED_PER_CODE", 5)
    copies = htmlout.MAX_MESSAGES_SHOWN // max(1, len(fixtures_report.messages)) + 3
    attempts = fixtures_report.attempts * (htmlout.MAX_ATTEMPTS_SHOWN // max(1, len(fixtures_report.attempts)) + 2)
    big = replace(fixtures_report, messages=fixtures_report.messages * copies, attempts=attempts)
    page = render(big, "html")
    parsed = _tags(page)
    codes = {f.code for r in big.messages for f in r.findings} | {f.code for f in big.input_findings}
    assert set(parsed.codes) == codes  # every code still has its group
    assert len(parsed.codes) < sum(len(r.findings) for r in big.messages)
    shown = page.count('<details class="message"')
    assert htmlout.MAX_MESSAGES_SHOWN <= shown <= htmlout.MAX_MESSAGES_SHOWN + len(codes) * htmlout.SHOWN_PER_CODE
    assert page.count('<li class="attempt') <= htmlout.MAX_ATTEMPTS_SHOWN
    assert f"{len(big.messages) - shown} more not listed here" in page
    assert f"{len(attempts) - htmlout.MAX_ATTEMPTS_SHOWN} more not listed here" in page
    # every link to a message's XML lands on a message that is in the page
    targets = {a.split('"')[0] for a in page.split('href="#msg-')[1:]}
    assert targets and all(f'id="msg-{t}"' in page for t in targets)
