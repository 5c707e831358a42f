"""An AuthnRequest whose SSO URL no server answered (Chrome's HAR: status 0, response._error, a net error
other than net::ERR_ABORTED): the flow says the browser did not reach the IdP and asks for no IdP error page,
which no browser got (samlscan/flows/unanswered.py). Case 31's erin: node 2's stale login URL."""
from __future__ import annotations

import json

from case_util import ROOT, scan_case

HAR = ROOT / "tests" / "data" / "case31" / "erin-chrome.har"


def _note(tmp_path, drop_error: bool = False) -> str:
    doc = json.loads(HAR.read_text())
    if drop_error:  # the same request as a capture saved while it was still loading: no _error
        doc["log"]["entries"][1]["response"].pop("_error")
    (tmp_path / "erin.har").write_text(json.dumps(doc))
    (attempt,) = scan_case(tmp_path / "erin.har", "UTC")["attempts"]
    return " ".join(attempt["notes"])


def test_an_sso_url_no_server_answered_is_said_so_and_no_idp_page_is_asked_for(tmp_path):
    note = _note(tmp_path)
    assert "adfs-old.corp.example.com" in note and "was not reached" in note and "net::ERR_NAME_NOT_RESOLVED" in note
    assert "sonar.auth.saml.loginUrl" in note and "error page" not in note, note


def test_a_request_without_a_net_error_still_asks_for_the_idps_page(tmp_path):
    note = _note(tmp_path, drop_error=True)
    assert "got no answer in the capture" in note and "error page's text" in note and "not reached" not in note
