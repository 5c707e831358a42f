"""An ACS POST a capture shows answered 502, 503 or 504 is the proxy's own answer (RFC 9110 15.6.3-15.6.5,
as the access logs read it: sqaccess.GATEWAY): proxy-answered-callback, side network; a 500 is the SP's.
Case 28's Chrome HAR (the ALB's 504) with its status set to each."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

CASE = Path(__file__).parent / "data" / "case28"


def _cause_with_status(status: int, tmp_path) -> tuple:
    har = json.loads((CASE / "dave-chrome.har").read_text(encoding="utf-8"))
    post = next(e for e in har["log"]["entries"] if e["request"]["method"] == "POST")
    post["response"]["status"] = status  # (the HTTP answer only: the signed SAMLResponse is untouched)
    path = tmp_path / f"acs-{status}.har"
    path.write_text(json.dumps(har), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "samlscan", "scan", str(path), "--sonar-settings",
                          str(CASE / "sonar.properties"), "--timezone", "UTC", "--format", "json",
                          "--fail-on", "never"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    (attempt,) = json.loads(run.stdout)["attempts"]
    return attempt["outcome"], attempt["root_cause"], attempt["side"]


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_gateway_status_at_the_acs_is_the_proxys_answer(status, tmp_path):
    assert _cause_with_status(status, tmp_path) == ("failure", "proxy-answered-callback", "network")


def test_a_500_is_not_taken_for_the_proxys(tmp_path):
    outcome, cause, _ = _cause_with_status(500, tmp_path)
    assert outcome == "failure" and cause != "proxy-answered-callback"


def _callback_events(status: str):
    from samlscan.logs.sqaccess import PARSER

    line = (f'203.0.113.9 - - [04/Dec/2026:09:30:46 +0000] "POST /oauth2/callback/saml HTTP/1.1" {status} 150 '
            '"https://cas.acme.example/" "Mozilla/5.0"')
    return [e for e in PARSER.parse([(1, line)], "access.log", None) if getattr(e, "outcome", None) == "failure"]


@pytest.mark.parametrize("status", ["502", "503", "504"])
def test_a_combined_access_line_of_a_gateway_status_is_the_proxys_answer(status):
    (event,) = _callback_events(status)  # (SonarQube's own access.log holds none: it is nginx's, Apache's)
    assert event.code == "proxy-answered-callback"
    assert ("may still have handled" in event.text) == (status == "504")


def test_a_combined_access_line_of_a_500_is_the_sps_refusal():
    (event,) = _callback_events("500")
    assert event.code != "proxy-answered-callback" and "an HTTP error" in event.text
