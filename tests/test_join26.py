"""One login captured in several captures is one attempt (correlate/posts.py): the user's HAR and the
service desk's, one HAR exported twice, a HAR and a SAML-tracer export. A re-post minutes later (Back)
and two users' logins stay apart. Captures are built by fixtures/gen_captures.py around the signed
fixtures/responses (nothing hand-edited, nothing signed here)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from samlscan.config import build
from samlscan.correlate import correlate
from samlscan.engine import analyze

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES))
import gen_captures as gc  # noqa: E402

REQ = (b'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_req_7f3a9c1e5b2d4f60" '
       b'Version="2.0" IssueInstant="2025-03-11T08:40:57Z"/>')
OKTA = (FIXTURES / "responses/valid/okta.xml").read_bytes()
FAILING = (FIXTURES / "responses/defects/audience-mismatch.xml").read_bytes()


def _attempts(tmp_path, docs: dict):
    for name, doc in docs.items():
        (tmp_path / name).write_text(json.dumps(doc))
    report = analyze([str(tmp_path / n) for n in docs], build({}, FIXTURES / "config/default.toml"))
    return report, correlate(report).attempts


def _har(resp: bytes, t: float = 0, result: str = "/projects") -> dict:
    return gc.har(gc.noise(t - 1, 2) + gc.attempt(REQ, resp, "k3v9q2m0t7a1b2c3", t, result=result))


def _inputs(attempt) -> set:
    return {e.input.rsplit("/", 1)[-1] for e in attempt.evidence}


def test_two_hars_of_one_successful_login_are_one_attempt(tmp_path):
    _, attempts = _attempts(tmp_path, {"user.har": _har(OKTA), "servicedesk.har": _har(OKTA)})
    (attempt,) = attempts
    assert attempt.outcome == "success" and _inputs(attempt) == {"user.har", "servicedesk.har"}


def test_two_hars_of_one_failed_login_are_one_failed_attempt(tmp_path):
    doc = _har(FAILING, result="/sessions/unauthorized")
    _, attempts = _attempts(tmp_path, {"user.har": doc, "servicedesk.har": doc})
    (attempt,) = attempts
    assert attempt.outcome == "failure" and attempt.root_cause == "audience-mismatch"
    assert _inputs(attempt) == {"user.har", "servicedesk.har"}


def test_a_har_and_a_saml_tracer_export_of_one_session_are_one_attempt(tmp_path):
    """SAML-tracer writes no time per request: its POST is matched to the HAR's by order."""
    _, attempts = _attempts(tmp_path, {"login.har": _har(OKTA), "tracer.json": gc.tracer_export(REQ, OKTA)})
    (attempt,) = attempts
    assert _inputs(attempt) == {"login.har", "tracer.json"}


def test_the_back_button_five_minutes_later_stays_a_replay(tmp_path):
    """The response posted again 300 s later: two posts, two attempts (the second replayed), whether
    each post is in a HAR of its own or both HARs of the session hold both."""
    first, again = _har(OKTA), _har(OKTA, t=300)
    # Back re-sends the IdP's form alone: no new AuthnRequest (a whole session again, its AuthnRequest
    # too, is one login on a clock 300 s off: test_sameposts27)
    again["log"]["entries"] = again["log"]["entries"][4:]
    both = gc.har(first["log"]["entries"] + again["log"]["entries"])
    for docs in ({"first.har": first, "again.har": again}, {"user.har": both, "servicedesk.har": both}):
        report, attempts = _attempts(tmp_path, docs)
        assert len(attempts) == 2, [(_inputs(a), a.time) for a in attempts]
        assert [f.code for f in report.all_findings()].count("assertion-replayed") == 1
        assert [a for a in attempts if "assertion-replayed" in a.findings] == [attempts[1]]


def test_two_users_hars_at_the_same_moment_stay_two_attempts(tmp_path):
    """Two users behind one proxy, each with a HAR of their own login (case 24's AD FS responses from
    fixtures/gen_case24.py, signed with its TEST-ONLY keys), posted in the same second."""
    import gen_case24 as c24

    t = c24.utc(9, 5)
    docs = {}
    for name, who in (("one.har", "alice"), ("two.har", "dana")):
        req = c24.authn_request(who, t, c24.ACS)
        resp, _ = c24.response(who, who, t, c24.request_id(who))
        docs[name] = gc.har(gc.attempt(req, resp, "k3v9q2m0t7a1b2c3", 0))
    _, attempts = _attempts(tmp_path, docs)
    assert len(attempts) == 2 and {frozenset(_inputs(a)) for a in attempts} == {
        frozenset({"one.har"}), frozenset({"two.har"})}
