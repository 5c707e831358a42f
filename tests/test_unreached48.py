"""An AuthnRequest whose SSO URL no server answered (Chrome's HAR: status 0, response._error, a net error
other than net::ERR_ABORTED): the login failed there, idp-sso-unreachable (samlscan/flows/build.py,
sonarqube.flow_cause), its fix naming the SP's login URL, and no IdP error page, which no browser got, is asked
for (samlscan/flows/unanswered.py). Case 31's erin: node 2's stale login URL."""
from __future__ import annotations

import json

from case_util import ROOT, scan_case

HAR = ROOT / "tests" / "data" / "case31" / "erin-chrome.har"


def _attempt(tmp_path, drop_error: bool = False) -> dict:
    doc = json.loads(HAR.read_text())
    if drop_error:  # the same request as a capture saved while it was still loading: no _error
        doc["log"]["entries"][1]["response"].pop("_error")
    (tmp_path / "erin.har").write_text(json.dumps(doc))
    (attempt,) = scan_case(tmp_path / "erin.har", "UTC")["attempts"]
    return attempt


def _note(tmp_path, drop_error: bool = False) -> str:
    return " ".join(_attempt(tmp_path, drop_error)["notes"])


def test_an_sso_url_no_server_answered_fails_the_login_there_and_no_idp_page_is_asked_for(tmp_path):
    attempt = _attempt(tmp_path)
    assert (attempt["outcome"], attempt["root_cause"], attempt["side"]) == ("failure", "idp-sso-unreachable", "sp")
    note = " ".join(attempt["notes"])
    assert "adfs-old.corp.example.com" in note and "reached no server" in note and "net::ERR_NAME_NOT_RESOLVED" in note
    assert "sonar.auth.saml.loginUrl" in attempt["fix"] and "error page" not in note, attempt


def test_a_request_without_a_net_error_still_asks_for_the_idps_page(tmp_path):
    note = _note(tmp_path, drop_error=True)
    assert "got no answer in the capture" in note and "error page's text" in note and "not reached" not in note
