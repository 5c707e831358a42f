"""HARs recorded by a real Chromium (tests/data/livehar, SOURCES.md): Playwright's recordHar
(full, minimal, and a .zip with the bodies attached) and sitespeed.io's chrome-har built from
DevTools protocol events, of SonarQube logins against the local rig of record.py. Every message
was signed with our TEST-ONLY keys at recording time: its windows hold at the capture's time only,
so each check below proves samlscan judges them at the HAR entry's time, not now."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.errorpages import read_page
from samlscan.inputs import har

DATA = Path(__file__).resolve().parent / "data" / "livehar"
CONFIG = str(DATA / "samlscan.toml")
RECORDERS = ("pw-embed.har", "pw-minimal.har", "pw-zip.zip", "chrome-har.har")
# scenario -> (the Response's findings (errors/warnings), attempt outcome, root cause, side,
#              SonarQube's AUTHENTICATION-ERROR cookie (record.py's java-saml text))
EXPECT = {
    "good": ((), "success", None, None, None),
    "wrongkey": (("signature-cert-mismatch",), "failure", "signature-cert-mismatch", "sp",
                 "Signature validation failed. SAML Response rejected"),
    "audience": (("audience-mismatch",), "failure", "audience-mismatch", "idp",
                 "sonarqube is not a valid audience for this Response"),
    "status": (("status-not-success",), "failure", "user-not-assigned", "idp",
               "The status code of the Response was not Success, was urn:oasis:names:tc:SAML:2.0:status:Responder"
               " -> User is not assigned to this application"),
}
CASES = [(s, r) for s in EXPECT for r in RECORDERS]


def run(*args: str) -> tuple[int, dict | str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    out = result.output
    return result.exit_code, (json.loads(out[out.index("{"):]) if "--format" in args else out)


def check(name: str, *extra: str) -> tuple[int, dict]:
    return run("check", "--config", CONFIG, "--format", "json", "-q", *extra, str(DATA / name))


@pytest.mark.parametrize("scenario,recorder", CASES)
def test_each_real_har_gives_its_scenario_findings_and_attempt(scenario, recorder):
    codes, outcome, cause, side, _ = EXPECT[scenario]
    code, doc = check(f"{scenario}.{recorder}")
    assert code == (0 if outcome == "success" else 1)
    kinds = [(m["type"], m["binding"]) for m in doc["messages"]]
    assert kinds == [("AuthnRequest", "redirect"), ("Response", "post")]  # each once, whatever the writer
    request, response = doc["messages"]
    assert response["in_response_to"] == request["id"]
    assert sorted(f["code"] for f in response["findings"] if f["severity"] != "info") == sorted(codes)
    (attempt,) = doc["attempts"]
    assert (attempt["outcome"], attempt["root_cause"], attempt["side"]) == (outcome, cause, side)


@pytest.mark.parametrize("scenario,recorder", [c for c in CASES if c[0] != "status"])
def test_signatures_are_verified_with_the_configured_test_certificate(scenario, recorder):
    _, doc = check(f"{scenario}.{recorder}")
    sigs = doc["messages"][1]["signatures"]
    assert [s["element"] for s in sigs] == ["Response", "Assertion"]
    if scenario == "wrongkey":  # signed with idp-new.key: idp.crt must not verify it
        assert not any(s["verified"] for s in sigs)
    else:
        assert all(s["verified"] and s["matched_certificate"]["origin"].endswith("fixtures/keys/idp.crt")
                   for s in sigs)


@pytest.mark.parametrize("recorder", RECORDERS)
def test_times_are_judged_at_the_entry_time_and_fail_at_another(recorder):
    """Valid at capture time (no time finding); the same file judged a day later is expired."""
    _, doc = check(f"good.{recorder}")
    response = doc["messages"][1]
    assert response["evaluation_time_source"] == "capture"
    entries = har.read(str(DATA / f"good.{recorder}")) if recorder.endswith(".har") else None
    if entries is not None:
        (sent,) = [m for m in entries.messages if m.param == "SAMLResponse"]
        assert response["captured_at"] == sent.captured_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    later = response["issue_instant"].replace("T", " ")[:10]
    _, doc2 = check(f"good.{recorder}", "--at", f"{later}T23:59:59Z".replace(" ", ""))
    codes = {f["code"] for f in doc2["messages"][1]["findings"]}
    assert codes & {"assertion-expired", "subject-confirmation-expired"}, codes


@pytest.mark.parametrize("scenario,recorder", [c for c in CASES if c[0] != "good"])
def test_sonarqube_answer_is_read_cookie_and_unauthorized_redirect(scenario, recorder):
    name = f"{scenario}.{recorder}"
    code, out = run("flows", str(DATA / name))
    assert "FAILURE - " + EXPECT[scenario][4] in out
    assert "AUTHENTICATION-ERROR: " in out and "/sessions/unauthorized" in out


@pytest.mark.parametrize("recorder", RECORDERS)
def test_good_login_is_success_with_sonarqube_session(recorder):
    _, out = run("flows", str(DATA / f"good.{recorder}"))
    assert "SUCCESS" in out and "/sessions/unauthorized" not in out


@pytest.mark.parametrize("scenario,recorder", [("good", r) for r in RECORDERS] + [("audience", "chrome-har.har")])
def test_redact_masks_emails_nameids_and_ips(scenario, recorder):
    _, plain = check(f"{scenario}.{recorder}")
    _, masked = check(f"{scenario}.{recorder}", "--redact")
    plain_text, masked_text = json.dumps(plain), json.dumps(masked)
    for secret in ("dev.user1@example.com", "127.0.0.1", "devuser1", "Dev User One"):
        assert secret in plain_text  # the test can fail: the value is there unredacted
        assert secret not in masked_text, secret
    assert masked["attempts"][0]["user"].startswith("<email:")


@pytest.mark.parametrize("only", [(), ("--include", "*.har", "--include", "*.zip")])
def test_scan_of_the_folder_finds_every_attempt_and_no_other(only):
    """The folder's own record.py quotes SonarQube's page sentence in its source: no attempt of its
    own (before: an 'unknown-failure' read from the script as a SonarQube error page)."""
    code, doc = run("scan", "--format", "json", "-q", *only, str(DATA))  # (its samlscan.toml found there)
    assert code == 1
    causes = sorted((a["outcome"], a["root_cause"] or "-") for a in doc["attempts"])
    assert causes == sorted([("success", "-")] * 4 + [("failure", "signature-cert-mismatch")] * 4
                            + [("failure", "audience-mismatch")] * 4 + [("failure", "user-not-assigned")] * 4)


def test_chrome_har_puts_a_redirects_headers_on_the_next_hop():
    """The evidence for har.redirect_target: chrome-har wrote the 302's Location (and Set-Cookie)
    on the IdP page's 200 as well; read as a redirect it was a second AuthnRequest."""
    doc = json.loads((DATA / "good.chrome-har.har").read_text())
    idp_page = doc["log"]["entries"][1]["response"]
    assert idp_page["status"] == 200
    assert any(h["name"].lower() == "location" for h in idp_page["headers"])
    cap = har.read(str(DATA / "good.chrome-har.har"))
    assert [m.source.ref for m in cap.messages if m.param == "SAMLRequest"] == ["entry 1"]


@pytest.mark.parametrize("text,page", [
    ("You're not authorized to access this page. Please contact the administrator.", True),
    ("You're not authorized to access this page. Please contact the administrator. Reason: Cookie 'OAUTHSTATE' "
     "is missing", True),
    ("<h1>You're not authorized to access this page.</h1><p>Reason: x</p>", True),
    ('body = page("SonarQube", "<h1>You\'re not authorized to access this page. "\n"Please contact."))', False),
    ("You're not authorized to access this page, said the screen, so I logged in again", False),
])
def test_sonarqube_page_is_its_sentence_on_a_line_of_its_own(text, page):
    assert (read_page(text) is not None) is page
