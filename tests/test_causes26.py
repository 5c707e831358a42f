"""A capture's refused login gets the cause its evidence can tell (samlscan/correlate/attempts.py
_refused_callback, causes.py _engine_refused, pieces.request_engine): the SP's own answer to the ACS
POST refusing it without a reason is sp-refused-callback (an error), as an access log's is; an error
of the captured message is the cause instead; a warning the SP's engine refuses (Spring's
response-signature-required, the engine known by its 'ARQ' AuthnRequest ID) is the cause. Each test
fails on the code before (a capture's unexplained refusal was unknown-failure, a warning)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main

FIX = Path(__file__).resolve().parents[1] / "fixtures"
DATA = Path(__file__).resolve().parent / "data"
sys.path.insert(0, str(FIX))
import gen_captures as gc  # noqa: E402

SETTINGS = ["--sp-entity-id", "sonarqube", "--acs-url", "https://sonar.example.com/oauth2/callback/saml",
            "--idp-metadata", str(FIX / "metadata" / "idp-metadata.xml")]
CASE25 = DATA / "case25"


def _check(path: Path, *args: str) -> tuple[int, dict]:
    got = CliRunner().invoke(main, ["check", str(path), *args, "--format", "json", "--fail-on", "error"])
    assert got.exit_code in (0, 1), got.output
    return got.exit_code, json.loads(got.stdout)


def _har(tmp_path: Path, name: str, entries: list[dict]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(gc.har(entries)))
    return path


def _refused(result: str = "/", status: int | None = None) -> list[dict]:
    """One SP-initiated login (a signed valid response of the fixtures) whose SP answered the POST
    with a redirect to `result`, or with HTTP `status` and no redirect (its result page dropped)."""
    req, resp = gc._pick_pair(FIX)
    entries = gc.attempt(req, resp, "5c10c4be12345678", 0, result=result)
    if status is not None:
        answer = entries[2]["response"]
        answer.update(status=status, headers=[], redirectURL="")
        entries = entries[:3]
    return entries


@pytest.mark.parametrize("result,status,said", [
    ("/sessions/unauthorized", None, "/sessions/unauthorized"),  # SonarQube's, the cookie sanitized away
    ("/login?error", None, "/login?error"),  # Spring's failure handler
    ("/", 500, "HTTP 500"),  # an exception
    ("/", 403, "HTTP 403"),
])
def test_the_sps_unexplained_refusal_of_the_post_is_sp_refused_callback(tmp_path, result, status, said):
    code, report = _check(_har(tmp_path, "refused.har", _refused(result, status)), *SETTINGS)
    (attempt,) = report["attempts"]
    assert attempt["outcome"] == "failure" and attempt["root_cause"] == "sp-refused-callback"
    assert attempt["side"] == "sp"
    assert "web.log" in attempt["fix"] and "2025-03-11 08:40:59 UTC" in attempt["fix"]
    assert any(said in n for n in attempt["notes"])
    (finding,) = report["cause_findings"]
    assert finding["code"] == "sp-refused-callback" and finding["severity"] == "error"
    assert code == 1  # --fail-on error no longer passes a failed login


def test_an_error_of_the_captured_message_is_the_cause_not_the_refusal(tmp_path):
    """The same refused POST: alone, the SP's refusal; with an SP entity ID the response's Audience
    does not name, that finding explains the refusal and is the cause."""
    path = _har(tmp_path, "refused.har", _refused("/sessions/unauthorized"))
    _, alone = _check(path, *SETTINGS)
    assert [a["root_cause"] for a in alone["attempts"]] == ["sp-refused-callback"]
    _, other = _check(path, *SETTINGS, "--sp-entity-id", "another-sp")
    (attempt,) = other["attempts"]
    assert attempt["root_cause"] == "audience-mismatch" and attempt["side"] == "idp"
    assert not other["cause_findings"]  # the message's own finding says it


def test_case25_monday_har_alone_names_response_signature_required():
    """erin 07:50: an unsigned Response around an EncryptedAssertion (a warning: java-saml takes it)
    refused by SonarQube 2025.1, whose AuthnRequest ID 'ARQ...' is Spring Security's: Spring decrypts
    only inside a signed Response, so the finding is the cause (it was unknown-failure)."""
    code, report = _check(CASE25 / "chrome-erin-monday.har", "--sonar-settings", str(CASE25 / "sonar.properties"))
    erin = next(a for a in report["attempts"] if a["time"].startswith("2026-11-30T07:50"))
    assert erin["outcome"] == "failure" and erin["root_cause"] == "response-signature-required"
    assert erin["side"] == "idp" and "Sign response" in erin["fix"]
    assert any("ARQbd8a126a-b43c-e636-b4c9-9e6fc81c1b6c is Spring Security's" in n for n in erin["notes"])
    (finding,) = report["cause_findings"]
    assert (finding["code"], finding["severity"], finding["ref"]) == ("response-signature-required", "error", "entry 3")
    assert code == 1


def test_the_warning_is_no_cause_when_the_engine_is_unknown(tmp_path):
    """The same HAR without SonarQube's AuthnRequest (the capture started at the IdP): nothing says
    the SP runs Spring, and java-saml, python3-saml, pysaml2 and others take an unsigned Response
    around a signed assertion: the refusal stays the SP's, unexplained. (Entries dropped from the
    capture; the signed response is posted as it was.)"""
    doc = json.loads((CASE25 / "chrome-erin-monday.har").read_text())
    doc["log"]["entries"] = [e for e in doc["log"]["entries"] if "SAMLRequest=" not in json.dumps(e)]
    path = tmp_path / "no-request.har"
    path.write_text(json.dumps(doc))
    _, report = _check(path, "--sonar-settings", str(CASE25 / "sonar.properties"))
    erin = next(a for a in report["attempts"] if a["outcome"] == "failure")
    assert erin["root_cause"] == "sp-refused-callback"
    assert "response-signature-required" in erin["findings"]


def test_a_bodiless_post_refused_is_the_sps_refusal_too():
    """case23 mia: Safari left the re-post's body out; SonarQube's redirect to /sessions/unauthorized
    is its answer to that POST to its ACS (Flow.acs_post)."""
    _, report = _check(DATA / "case23" / "safari-mia.har")
    (mia,) = [a for a in report["attempts"] if a["time"].startswith("2026-11-24T10:08")]
    assert mia["outcome"] == "failure" and mia["root_cause"] == "sp-refused-callback" and mia["side"] == "sp"


@pytest.mark.parametrize("request_id,engine", [
    ("ARQ4e1b2c3-8d9e-4f0a-b1c2-d3e4f5a6b7c8", "spring"),  # Spring: UUID.randomUUID().toString().substring(1)
    ("ARQbd8a126a-b43c-e636-b4c9-9e6fc81c1b6c", "spring"),  # a whole UUID after 'ARQ'
    ("ONELOGIN_4e1b2c3d8d9e4f0ab1c2d3e4f5a6b7c8", None),
    ("_4e1b2c3d8d9e4f0ab1c2d3e4f5a6b7c8", None),
    ("ARQ-not-a-uuid", None),
    (None, None),
])
def test_request_engine_reads_springs_authnrequest_id(request_id, engine):
    from samlscan.correlate.pieces import request_engine

    assert request_engine(request_id) == engine
