"""HAR as current producers write it (tests/data/har20, from fixtures/gen_har20.py).

Each file is one signed login in one producer's shape (Chrome/Edge full and sanitized, Firefox,
Safari, Charles, Fiddler, mitmproxy, Playwright embed/omit/attach, puppeteer-har, HAR 1.1, the log
object without its wrapper, a bare entries array). Every one must be recognised as a HAR and give
the same messages, times (startedDateTime with its zone) and flow outcome as Chrome's, and
`sanitize` must keep that diagnosis.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from samlscan import engine
from samlscan.flows import build_flows
from samlscan.inputs import har
from samlscan.sanitize import sanitize_har

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "har20"
SHAPES = sorted(p.name for p in DATA.glob("*.har")) + ["playwright-attach/login.har"]


def summary(path: Path) -> tuple:
    cap = har.read(str(path))
    msgs = [(m.param, har.digest(m.value), m.binding, m.captured_at, m.relay_state, m.url)
            for m in cap.messages]
    flows = [(f.outcome, f.request_id, f.in_response_to, f.time) for f in build_flows(cap)]
    return msgs, flows


@pytest.fixture(scope="module")
def baseline():
    msgs, flows = summary(DATA / "chrome-full.har")
    assert [m[:3] for m in msgs] == [("SAMLRequest", msgs[0][1], "redirect"), ("SAMLResponse", msgs[1][1], "post")]
    assert [f[0] for f in flows] == ["success"]
    return msgs, flows


@pytest.mark.parametrize("name", SHAPES)
def test_each_producer_is_read_as_a_har(name):
    head = (DATA / name).read_bytes()[:64 * 1024]
    found = engine.sniff(head)
    assert (found.kind, found.name) == ("capture", "har")


@pytest.mark.parametrize("name", SHAPES)
def test_each_producer_gives_chromes_messages_times_and_outcome(name, baseline):
    assert summary(DATA / name) == baseline


@pytest.mark.parametrize("name", SHAPES)
def test_sanitize_keeps_each_producers_diagnosis(tmp_path, name, baseline):
    src = DATA / name
    if name.startswith("playwright-attach"):  # side files stay beside the HAR they belong to
        out = src.parent / "sanitized.har.tmp"
    else:
        out = tmp_path / "out.har"
    try:
        sanitize_har(str(src), str(out), False)
        doc = json.loads(out.read_text())
        assert isinstance(doc, dict) and isinstance(doc["log"]["entries"], list)
        assert summary(out) == baseline
    finally:
        if out.parent == src.parent:
            out.unlink(missing_ok=True)


def test_times_keep_their_zone(baseline):
    """Firefox/Charles/Fiddler write local time with its offset, mitmproxy '+00:00': one instant."""
    firefox = json.loads((DATA / "firefox.har").read_text())
    assert firefox["log"]["entries"][0]["startedDateTime"].endswith("+01:00")
    at = [m[3] for m in baseline[0]]
    for name in ("firefox.har", "charles.har", "fiddler.har", "mitmproxy.har"):
        assert [m[3] for m in summary(DATA / name)[0]] == at


def test_generator_is_deterministic(tmp_path):
    sys.path.insert(0, str(ROOT / "fixtures"))
    import gen_har20

    for path in gen_har20.write(tmp_path):
        rel = path.relative_to(tmp_path)
        assert path.read_bytes() == (DATA / rel).read_bytes(), rel


_ENTRY = (b'{"startedDateTime": "2025-03-11T09:40:58.500+01:00", "request": {"method": "GET", "url": '
          b'"https://sp/"}, "response": {"status": 200}}')


@pytest.mark.parametrize("layout,head", [
    (("log", "entries"), b'\xef\xbb\xbf{"log": {"version": "1.1", "entries": ['),
    (("entries",), b'{"version": "1.2", "creator": {"name": "WebInspector"}, "pages": [], "entries": [' + _ENTRY),
    ((), b'[\n  ' + _ENTRY + b',\n  {"startedDateTime": "2025'),
    ((), b'[{"_initiator": {"type": "other", "stack": {}}, ' + _ENTRY[1:]),
])
def test_where_the_entries_are(layout, head):
    assert har.entries_path(head) == layout
    assert har.sniff(head)


@pytest.mark.parametrize("head", [
    b'[{"name": "a", "value": "b"}]',  # a JSON list that is no HAR
    # an Auth0 log event: a request with a method, but no HAR entry
    b'[{"date": "2025-03-18T14:03:00Z", "type": "sapi", "details": {"request": {"method": "post", '
    b'"path": "/api/v2/keys/signing/rotate"}}, "startedDateTime": "2025-03-18T14:03:00Z"}]',
    b'[' + _ENTRY[:60],  # the first entry not whole in the head: not claimed
    b'{"entries": [{"id": 1, "title": "x"}]}',  # an object listing entries of something else
    b'{"requests": [{"requestId": "1", "timestamp": 1, "url": "https://sp/acs"}]}',  # SAML-tracer
    b'{"1": {"request_url": "https://sp/acs", "response_status": 200, "startedDateTime": "x"}}',
])
def test_other_json_is_not_a_har(head):
    assert har.entries_path(head) is None and not har.sniff(head)


@pytest.mark.parametrize("name", ["bare-log.har", "bare-entries.har"])
def test_a_bare_capture_is_checked_at_its_capture_times(name):
    """Read as a paste before, the messages were judged with no capture time and no flow."""
    out = subprocess.run([sys.executable, "-m", "samlscan", "check", str(DATA / name)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode in (0, 1), out.stderr
    assert "no capture time known" not in out.stdout
    assert "entry 4" in out.stdout


_ENTRA_TEXT = ("AADSTS50011: The redirect URI 'https://sonar.example.com/oauth2/callback/saml' specified in "
               "the request does not match the redirect URIs configured for the application.")


@pytest.mark.parametrize("mime,read", [("application/javascript", False), ("text/css", False),
                                       ("image/svg+xml", False), ("text/html", True),
                                       ("x-unknown", True), ("", True)])
def test_scripts_styles_and_images_are_not_read_as_pages(tmp_path, baseline, mime, read):
    """An IdP's script bundle holds its error catalogue: no error page (and a 200 MB HAR is its
    bundles: 20 MB of scripts took 7.5 s in the error-page readers, 0.4 s once skipped)."""
    doc = json.loads((DATA / "chrome-full.har").read_text())
    entry = json.loads(json.dumps(doc["log"]["entries"][0]))
    entry["startedDateTime"] = "2025-03-11T08:41:03.000Z"
    entry["request"]["url"] = "https://login.microsoftonline.com/common/saml2"
    page = f"<html><body><div id=\"errorMessage\">{_ENTRA_TEXT}</div></body></html>"
    entry["response"]["content"] = {"size": len(page), "mimeType": mime, "text": page}
    doc["log"]["entries"].append(entry)
    path = tmp_path / "c.har"
    path.write_text(json.dumps(doc))
    cap = har.read(str(path))
    errors = [ex.idp_error for ex in cap.exchanges if ex.idp_error is not None]
    assert [e.code for e in errors] == (["AADSTS50011"] if read else [])
    assert summary(path)[0] == baseline[0]
