"""One login, every capture format: the same verdict. Four logins (fixtures/gen_capfmt49.py: an SP-initiated
success, a signature failure, Entra's AADSTS50011 page, a lost OAUTHSTATE cookie), each rendered from one
description into every format samlscan reads, are scanned once each; their attempts (outcome, root cause,
side, user, time to the second) and their messages' verdicts (finding codes, signatures verified) must
agree with the Chrome HAR's, except for the differences documented in DIFFERENCES, each asserted as what
that format says instead.

Before: a Charles session (.chlsj, .chlsx) and a Chrome net-export never said a request sent no cookie (the
HAR reader took their requests' cookies as not recorded), so a lost OAUTHSTATE was sp-refused-callback there."""
from __future__ import annotations

import json

import pytest
from case_util import ROOT, generator_check

from click.testing import CliRunner

from samlscan.cli import main

FIX = ROOT / "fixtures" / "capfmt49"
CONFIG = ROOT / "fixtures" / "config" / "default.toml"
LOGINS = ("success", "sigfail", "idperror", "cookielost")
FORMATS = ("chrome.har", "chrome-sanitized.har", "firefox.har", "safari.har", "mitmproxy.har", "charles.har",
           "fiddler.har", "playwright.har", "chrome-har.har",
           "tracer.json", "chromepanel.json", "burp.xml", "fiddler.saz", "chlsj", "chlsx", "netlog.json",
           "paste.txt")
REFERENCE = "chrome.har"
EXPECTED = {  # (outcome, root cause, side, user) of the login's one attempt
    "success": ("success", None, None, "dev.user1@example.com"),
    "sigfail": ("failure", "signature-cert-mismatch", "sp", "dev.user1@example.com"),
    "idperror": ("failure", "reply-url-mismatch", "idp", None),
    "cookielost": ("failure", "relaystate-cookie-missing", "sp", "dev.user1@example.com"),
}
DIFFERENCES = {
    # SAML-tracer keeps no capture time per request (src/SAMLTraceIO.js; inputs/tracer.py): the attempt is
    # dated by its first message's IssueInstant, and the messages' captured_at is null
    ("tracer.json", "*"): "no capture time",
    # nor does a paste of raw HTTP messages (inputs/httpraw.py; these responses carry no Date header)
    ("paste.txt", "*"): "no capture time",
    # SAML-tracer keeps no page (response bodies): the IdP's error page is not in it, and it says so
    ("tracer.json", "idperror"): "no page",
    # Chrome's default 'Export HAR (sanitized)' leaves every cookie out (devtools-frontend Log.ts): the lost
    # OAUTHSTATE cannot be told; the SP's refusal stays unexplained, and the input-redacted note says why
    ("chrome-sanitized.har", "cookielost"): "no cookies",
}


def _verdict(path) -> dict:
    """`samlscan check --format json` of one file, in this process (the CLI's own path: archives too)."""
    done = CliRunner().invoke(main, ["check", "--config", str(CONFIG), "--format", "json", "-q", "--fail-on", "never",
                                     str(path)], catch_exceptions=False)
    assert done.exit_code == 0, done.output[-2000:]
    return json.loads(done.stdout)


HEADERS_ONLY = "netlog-default.json"
"""Chrome's net-export in its default mode keeps headers, not bodies, and strips cookie values
(net_log_capture_mode.h): no Response, no AUTHENTICATION-ERROR, no OAUTHSTATE; compared on its own."""
HEADERS_ONLY_ATTEMPT = {  # what it can tell: the outcome of the SP's redirect, never a cause it cannot see
    "success": ("success", None, None, None),
    "sigfail": ("failure", "sp-refused-callback", "sp", None),
    "idperror": ("unknown", None, None, None),
    "cookielost": ("failure", "sp-refused-callback", "sp", None),
}


@pytest.fixture(scope="module")
def docs() -> dict[tuple[str, str], dict]:
    """Every file scanned once."""
    return {(login, fmt): _verdict(FIX / f"{login}.{fmt}") for login in LOGINS for fmt in FORMATS + (HEADERS_ONLY,)}


def _attempt(doc: dict) -> tuple:
    [a] = doc["attempts"]
    return a["outcome"], a["root_cause"], a["side"], a["user"]


def _messages(doc: dict) -> list[tuple]:
    return [(m["type"], m["id"], sorted(f["code"] for f in m["findings"]),
             [s.get("verified") for s in m.get("signatures") or []]) for m in doc["messages"]]


def test_the_fixtures_are_current():
    done = generator_check("gen_capfmt49.py")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("login", LOGINS)
def test_the_reference_capture_gives_the_login_s_verdict(docs, login):
    doc = docs[(login, REFERENCE)]
    assert _attempt(doc) == EXPECTED[login]
    assert doc["input_findings"] == []
    resp = [m for m in _messages(doc) if m[0] == "Response"]
    if login == "idperror":
        assert resp == []
    else:
        [(_, _, codes, verified)] = resp
        assert verified == ([False, False] if login == "sigfail" else [True, True])
        assert codes == (["signature-cert-mismatch"] if login == "sigfail" else [])


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != REFERENCE])
@pytest.mark.parametrize("login", LOGINS)
def test_every_format_gives_the_same_verdict(docs, login, fmt):
    ref, doc = docs[(login, REFERENCE)], docs[(login, fmt)]
    assert [i["status"] for i in doc["inputs"]] == ["scanned"]
    assert _messages(doc) == _messages(ref)
    differs = DIFFERENCES.get((fmt, login))
    [a], [r] = doc["attempts"], ref["attempts"]
    if differs == "no page":  # (what the format says instead: the page is not kept, ask for it)
        assert (a["outcome"], a["root_cause"]) == ("unknown", None)
        assert any("SAML-tracer exports keep no page" in n and "AADSTS" in n for n in a["notes"]), a["notes"]
    elif differs == "no cookies":
        assert a["root_cause"] not in ("relaystate-cookie-missing", None) and a["outcome"] == "failure"
        assert a["root_cause"] == "sp-refused-callback", a  # (not another cause: the refusal stays unexplained)
        assert "OAUTHSTATE" in (a["fix"] or "")
        [note] = [f for f in doc["input_findings"] if f["code"] == "input-redacted"]
        assert "OAUTHSTATE and AUTHENTICATION-ERROR cannot be checked" in note["message_text"]
    else:
        assert _attempt(doc) == _attempt(ref) == EXPECTED[login]
    if DIFFERENCES.get((fmt, "*")) == "no capture time":
        assert all(m["captured_at"] is None for m in doc["messages"])
        first = min(m["issue_instant"] for m in doc["messages"] if m.get("issue_instant"))
        assert a["time"][:19] == first[:19]
    else:
        assert a["time"][:19] == r["time"][:19]
        assert [m["captured_at"][:19] for m in doc["messages"]] == [m["captured_at"][:19] for m in ref["messages"]]
    if fmt == "chrome-sanitized.har":
        assert [f["code"] for f in doc["input_findings"]] == ["input-redacted"]
    else:
        assert doc["input_findings"] == []


def test_a_format_that_drops_cookies_says_so_on_every_login(docs):
    """Only formats without cookies may miss the lost OAUTHSTATE: every other one names it."""
    named = {fmt for fmt in FORMATS if _attempt(docs[("cookielost", fmt)])[1] == "relaystate-cookie-missing"}
    assert set(FORMATS) - named == {"chrome-sanitized.har"}


@pytest.mark.parametrize("login", LOGINS)
def test_a_headers_only_net_export_says_what_it_cannot_see(docs, login):
    ref, doc = docs[(login, REFERENCE)], docs[(login, HEADERS_ONLY)]
    assert _attempt(doc) == HEADERS_ONLY_ATTEMPT[login]
    assert _messages(doc) == [m for m in _messages(ref) if m[0] == "AuthnRequest"]
    assert doc["attempts"][0]["time"][:19] == ref["attempts"][0]["time"][:19]
    said = {f["code"]: f["message_text"] for f in doc["input_findings"]}
    assert "net-export strips Cookie and Set-Cookie" in said.pop("input-redacted")
    if login == "idperror":  # (no POST: the IdP's page, not kept, is what it asks for)
        [note] = doc["attempts"][0]["notes"]
        assert "Chrome's net-export keeps a page's bytes only when 'Include raw bytes'" in note and "AADSTS" in note
    else:
        assert "'Include raw bytes'" in said.pop("input-body-not-captured")
    assert said == {}
