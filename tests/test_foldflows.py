"""The SP's answer folded into the ACS POST entry of a capture (tests/data/case12/safari-sonar.har,
fixtures/gen_case12.py: Auth0 + SonarQube 2025.1, a Safari HAR whose POST entries at the ACS URL hold
SonarQube's final page). Every flow said "the SP's answer is not in the capture".

The page text reaches flows through Exchange.page (flows.answer_page), set by the HAR reader. The
tests that need it give each exchange answer_page of its own entry's body, the one line the reader
lacks, and read /sessions/unauthorized with the reader's own read_entry.
"""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
from case_util import ROOT

from samlscan.flows import Page, answer_page, build_flows
from samlscan.inputs import har

HAR = ROOT / "tests" / "data" / "case12" / "safari-sonar.har"


def _entries() -> list[dict]:
    return json.loads(HAR.read_text())["log"]["entries"]


def _text(i: int) -> str | None:
    return har.body_text(_entries()[i]["response"].get("content"))


def _with_pages(capture):
    """The capture with each exchange's page read from its own entry (what the reader should do)."""
    return replace(capture, exchanges=tuple(replace(ex, page=answer_page(_text(ex.entry))) for ex in capture.exchanges))


def _without_pages(capture):
    """The capture as a reader that keeps no page text gives it (so these tests hold either way)."""
    return replace(capture, exchanges=tuple(replace(ex, page=None) for ex in capture.exchanges))


def test_a_session_cookie_on_the_acs_page_is_a_success():
    """olga: the POST entry at the ACS answers 200 and sets JWT-SESSION (SonarQube's session token,
    set only for a signed-in user)."""
    olga = build_flows(har.read(str(HAR)))[0]
    assert olga.outcome == "success"
    assert "set JWT-SESSION" in olga.reason and "not in the capture" not in olga.reason


def test_the_refused_logins_are_no_longer_a_missing_answer():
    """paul, rosa, sven without the page (nor the refusal page loaded after it, which the reader
    keeps: test_the_unauthorized_page_loaded_right_after_is_a_failure): still unknown (no cookie, no
    page), but the reason says what the capture holds (a 200 page without a session cookie), not
    that the answer is missing."""
    capture = _without_pages(har.read(str(HAR)))
    capture = replace(capture, exchanges=tuple(ex for ex in capture.exchanges if ex.leg != "sp-result"))
    for f in build_flows(capture)[1:]:
        assert f.outcome == "unknown"
        assert f.reason.startswith("the SP answered the POST with a page (HTTP 200) without setting a session cookie")


def test_sonarqubes_unauthorized_page_is_read():
    assert answer_page(_text(6)) == Page("refused", None)
    assert answer_page(_text(2)) == Page("page")  # olga's: SonarQube's page, nothing refused
    assert answer_page(_text(1)).kind == "auto-post"  # Auth0's page posting the response
    # sonar-web Unauthorized.tsx: <p id="unauthorized">, then 'Reason:' (a <br /> in 10.x) and the reason
    page = ('<div id="nonav"><p id="unauthorized">You&#39;re not authorized to access this page. Please contact '
            'the administrator.</p><p class="sw-mt-4">Reason:<br /> User is not active</p></div>')
    assert answer_page(page) == Page("refused", "User is not active")
    assert answer_page('<form method="post"><input type="password" name="password"></form>').kind == "login"
    assert answer_page("<html><head><title>Error 500</title></head></html>") == Page("error", "Error 500")
    assert answer_page("") is None and answer_page(None) is None


def test_the_acs_page_that_refuses_is_a_failure():
    """With the page: paul, rosa and sven fail on SonarQube's 'not authorized' page; olga succeeds."""
    flows = build_flows(_with_pages(har.read(str(HAR))))
    assert [f.outcome for f in flows] == ["success", "failure", "failure", "failure"]
    assert all(f.reason == "the SP answered the POST with a page (HTTP 200) saying the user is not "
               "authorized (no reason on the page)" for f in flows[1:])


def test_the_unauthorized_page_loaded_right_after_is_a_failure():
    """Without the page text, the GET /sessions/unauthorized right after the POST (entries 7, 11,
    15, read as the reader reads a page it follows) is SonarQube's refusal."""
    capture = _without_pages(har.read(str(HAR)))
    capture = replace(capture, exchanges=tuple(ex for ex in capture.exchanges if ex.leg != "sp-result"))
    entries = _entries()
    extra = [replace(har.read_entry(entries[i], i, str(HAR), {entries[i]["request"]["url"]: None})[1], page=None)
             for i in (7, 11, 15)]
    exchanges = sorted(capture.exchanges + tuple(extra), key=lambda ex: ex.entry)
    flows = build_flows(replace(capture, exchanges=tuple(exchanges)))
    assert [f.outcome for f in flows] == ["success", "failure", "failure", "failure"]
    assert flows[1].reason.endswith("then the browser loaded /sessions/unauthorized, the SP's refusal page "
                                    "(no public reason captured)")
    # a visit to the page long after the login is the user's, not the SP's answer
    late = replace(extra[0], time=extra[0].time.replace(hour=extra[0].time.hour + 1))
    exchanges = sorted(capture.exchanges + (late,), key=lambda ex: ex.entry)
    assert build_flows(replace(capture, exchanges=tuple(exchanges)))[1].outcome == "unknown"


def test_an_auto_post_or_login_page_at_the_acs_is_no_success():
    """A 200 at the ACS whose page submits a form by itself (the login goes on elsewhere) or asks for
    a password is no success, even with a session cookie set; a plain page with another SP's cookie
    is, and that cookie without the page says nothing sure."""
    capture = _with_pages(har.read(str(HAR)))
    acs = capture.exchanges[2]
    assert acs.entry == 2 and acs.set_cookies == ("JWT-SESSION",)

    def olga(**changes):
        exchanges = (*capture.exchanges[:2], replace(acs, **changes), *capture.exchanges[3:])
        return build_flows(replace(capture, exchanges=exchanges))[0]

    form = olga(page=answer_page(_text(1)))
    assert form.outcome == "unknown" and "a form it submits by itself" in form.reason
    assert olga(page=Page("login")).outcome == "unknown"
    assert olga(set_cookies=("connect.sid",)).outcome == "success"
    blind = olga(set_cookies=("connect.sid",), page=None)
    assert blind.outcome == "unknown" and "the page is not in the capture" in blind.reason
    # SonarQube deletes its state cookie at the callback whatever the outcome: no session
    assert olga(set_cookies=("OAUTHSTATE",)).outcome == "unknown"


def test_a_folded_chain_ending_on_a_refusal_or_login_page_is_no_success():
    """Safari's folded entry at the page the SP's redirects ended on (its URL moved off the ACS):
    that page's refusal is a failure and a login form no success, wherever it is."""
    capture = _with_pages(har.read(str(HAR)))
    acs = capture.exchanges[2]
    assert acs.folded

    def olga(page):
        moved = replace(acs, url="https://sonar.example.com/projects", page=page)
        return build_flows(replace(capture, exchanges=(*capture.exchanges[:2], moved, *capture.exchanges[3:])))[0]

    assert olga(Page("page")).outcome == "success"
    refused = olga(answer_page(_text(6)))
    assert refused.outcome == "failure" and "not authorized" in refused.reason and "Safari" in refused.reason
    assert olga(Page("login")).outcome == "unknown"


def test_the_har_reader_passes_the_page():
    """read_entry sets page=answer_page(text): the HAR alone says paul, rosa and sven failed."""
    assert [f.outcome for f in build_flows(har.read(str(HAR)))] == ["success", "failure", "failure", "failure"]


def test_a_cookie_the_capture_does_not_record_is_not_said_lost(tmp_path):
    # this HAR has no cookies arrays and no Cookie headers on its requests (it records no request
    # cookies at all): OAUTHSTATE set at the login's start and not listed with the POST says nothing,
    # so the refused logins keep their own causes instead of relaystate-cookie-missing
    from samlscan.sonarqube import flow_cause

    def causes(path) -> list:
        return [(flow_cause(f) or ("",))[0] for f in build_flows(har.read(str(path)))]

    assert "relaystate-cookie-missing" not in causes(HAR)
    doc = json.loads(HAR.read_text())
    for e in doc["log"]["entries"]:  # Safari's own shape (HARBuilder.js): an empty array on each request
        e["request"].setdefault("cookies", [])
    (tmp_path / "arrays.har").write_text(json.dumps(doc))
    assert "relaystate-cookie-missing" not in causes(tmp_path / "arrays.har")  # (har35: still unrecorded)
    # the same capture recording a cookie its first request sent: its POST's empty list is a cookie not sent
    doc["log"]["entries"][0]["request"]["cookies"] = [{"name": "sonar.lang", "value": "en"}]
    (tmp_path / "cookies.har").write_text(json.dumps(doc))
    assert "relaystate-cookie-missing" in causes(tmp_path / "cookies.har")
