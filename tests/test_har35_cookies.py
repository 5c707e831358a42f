"""A HAR without any cookie, read by what it says of itself (inputs/har/cookieproof): Chromium's
'Export HAR (sanitized)' (Chrome 130+'s default) leaves them out; Firefox, Safari, Charles, mitmproxy,
Fiddler, Playwright have no such mode, so there no cookie means pages that set none, unless a login
succeeded (the SP's session is a cookie), when a tool stripped them after the export.
Files: tests/data/har35 (fixtures/gen_har35.py; SOURCES.md)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from case_util import ROOT, generator_check

from samlscan.inputs import har

DATA = ROOT / "tests" / "data" / "har35"


def _said(name: str) -> list[str]:
    return [p.detail for p in har.read(str(DATA / name)).problems if p.code == "input-redacted"]


def test_generator_is_current():
    done = generator_check("gen_har35.py")
    assert done.returncode == 0, done.stderr


def test_chromes_sanitized_export_is_named_as_such():
    (said,) = _said("chrome-sanitized.har")
    assert said.startswith("no cookies in the capture") and "Chrome's 'Export HAR (sanitized)'" in said


@pytest.mark.parametrize("name,writer", [("firefox-stripped.har", "Firefox 133.0"),
                                         ("charles-stripped.har", "Charles Proxy 5.0")])
def test_a_writer_that_keeps_cookies_without_any_after_a_login_was_stripped_after_export(name, writer):
    """The login succeeded, so the SP set its session: the writer keeps cookies, so a tool removed them;
    it is no 'sanitized HAR' of Chrome's export."""
    (said,) = _said(name)
    assert f"{writer}'s HAR export keeps cookies" in said and "removed them" in said
    assert "Chrome" not in said


def test_the_same_export_with_its_cookies_says_nothing():
    assert _said("firefox.har") == []


def test_an_unknown_writer_without_cookies_is_still_called_sanitized():
    (said,) = _said("unknown-sanitized.har")
    assert said.startswith("no cookies in the capture (sanitized HAR)")


def test_a_firefox_capture_of_a_404_alone_is_no_sanitized_har():
    """Case 29's dan: Firefox's export of a 404 page that set no cookie (its login never started)."""
    assert _said(str(ROOT / "tests" / "data" / "case29" / "dan-firefox.har")) == []


def test_the_hint_is_the_codes_one_and_the_cli_says_the_writer():
    out = subprocess.run([sys.executable, "-m", "samlscan", "check", str(DATA / "firefox-stripped.har"),
                          "--format", "json", "--fail-on", "never"], capture_output=True, text=True, check=False)
    doc = json.JSONDecoder().raw_decode(out.stdout)[0]
    (f,) = [f for f in doc["input_findings"] if f["code"] == "input-redacted"]
    assert "Firefox 133.0" in f["message_text"]


def _causes(path) -> list:
    out = subprocess.run([sys.executable, "-m", "samlscan", "scan", str(path), "--format", "json"],
                         capture_output=True, text=True, check=False)
    return [(a["outcome"], a["root_cause"]) for a in json.JSONDecoder().raw_decode(out.stdout)[0]["attempts"]]


def test_safaris_empty_request_cookie_arrays_do_not_say_oauthstate_was_not_sent():
    """Safari writes `cookies: []` on every request (HARBuilder.js): no cookie listed, though SonarQube set
    OAUTHSTATE and JWT-SESSION and the browser loaded its pages again. Read as 'sent none', each refused
    login became relaystate-cookie-missing; the verdicts are case 12's, arrays or not."""
    assert _causes(DATA / "safari-sonar-arrays.har") == _causes(ROOT / "tests" / "data" / "case12" / "safari-sonar.har")
    assert ("failure", "relaystate-cookie-missing") not in _causes(DATA / "safari-sonar-arrays.har")
