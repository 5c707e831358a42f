"""review21: today's new evidence (php-saml, Monolog, console captures, Shibboleth SP refusals, width20's
CJK names, the new catalog texts) scanned as a support engineer would, in every format and with
--redact: what was wrong, held here."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from samlscan.catalog import entries
from samlscan.codes import SPECS
from samlscan.explain import explain_text
from samlscan.report.redact import Redactor

ROOT = Path(__file__).resolve().parent.parent
KC_CJK = ROOT / "tests" / "data" / "width20" / "keycloak-cjk.log"
REFUSALS = ROOT / "fixtures" / "logs" / "shibboleth" / "shibd-refusals.log"
FORMATS = ("table", "json", "jsonl", "sarif", "csv", "html")


def _samlscan(*args):
    return subprocess.run([sys.executable, "-m", "samlscan", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})


# --- --redact: a CJK name of two characters is a name ----------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_redact_masks_two_character_cjk_names_in_every_format(fmt):
    """张伟 (two ideographs, four columns) was left as it was in the table, CSV, JSONL and JSON: a
    known value had to be three code points long."""
    out = _samlscan("check", "--redact", "--format", fmt, KC_CJK).stdout
    assert "<pii:" in out or "&lt;pii:" in out
    for name in ("山田太郎", "张伟", "김민준", "mallory", "203.0.113."):
        assert name not in out, (fmt, name)


def test_redact_short_values_by_display_width():
    r = Redactor(["张伟", "王", "en", "Bob"])
    assert "张伟" not in r.text("a login of 张伟 failed")
    assert r.text("lang en, 王 ok") == "lang en, 王 ok"  # (two columns: no one's in particular)
    assert "Bob" not in r.text("user Bob")


def test_redact_masks_a_cjk_name_inside_cjk_text():
    """Chinese, Japanese and Korean run words together: a known name inside a sentence had 'word'
    characters on both sides and was left as it was ('用户张伟登录失败')."""
    r = Redactor(["张伟", "山田太郎", "김민준", "山田太郎@例え.jp", "dev"])
    for text, name in (("用户张伟登录失败", "张伟"), ("ユーザー山田太郎のログインに失敗しました", "山田太郎"),
                       ("사용자김민준로그인실패", "김민준"), ("ユーザー山田太郎@例え.jpのログイン", "例え")):
        assert name not in r.text(text), text
    assert r.text("developer dev.x x-dev") == "developer dev.x x-dev"  # (Latin words keep their edges)


# --- the catalog: who acts and what to do agree ----------------------------------------------------

def test_an_entry_that_names_another_side_than_its_code_has_its_own_fix():
    """An entry whose side is not its code's showed the code's fix, written for the other side:
    Shibboleth's audience refusal said 'side sp' and 'Make the IdP's Audience ...'; a disabled
    Entra or Keycloak account 'side idp' and 'The user must sign in correctly'."""
    wrong = [(e.product, e.pattern) for e in entries()
             if e.side and SPECS[e.code].side and e.side != SPECS[e.code].side and not e.fix]
    assert wrong == []


def test_explain_says_who_acts_as_the_entry_does():
    text, found = explain_text("AADSTS50057: The user account is disabled.")
    assert found
    assert "Usually fixed by: the IdP admin" in text and "Usually fixed by: the user" not in text
    assert "enable the account" in text


def test_shibboleth_audience_refusal_is_the_idps_to_fix_with_shibboleths_words():
    doc = json.loads(_samlscan("check", "--format", "json", REFUSALS).stdout)
    audience = [a for a in doc["attempts"] if a["root_cause"] == "audience-mismatch"]
    assert len(audience) == 1
    assert audience[0]["side"] == "idp"
    assert "shibboleth2.xml" in audience[0]["fix"] and "SonarQube" not in audience[0]["fix"]


def test_php_saml_audience_fix_names_its_setting_once():
    """The catalog's '(php-saml settings: sp.entityId)' and the attempt's generic '(the SP's entity
    ID)' stood side by side: php-saml's settings are named where every SP's are (config.names)."""
    log = ROOT / "tests" / "data" / "phpsaml20" / "laravel-context.log"
    doc = json.loads(_samlscan("check", "--format", "json", log).stdout)
    fix = next(a["fix"] for a in doc["attempts"] if a["root_cause"] == "audience-mismatch")
    assert fix.count("sp.entityId") == 1 and "the SP's entity ID" not in fix


def test_shibboleth_recipient_fix_names_shibboleth2_xml():
    doc = json.loads(_samlscan("check", "--format", "json", REFUSALS).stdout)
    fix = next(a["fix"] for a in doc["attempts"] if a["root_cause"] == "recipient-mismatch")
    assert "Shibboleth.sso/SAML2/POST" in fix and "(the SP's ACS URL)" not in fix


# --- today's catalog texts: a fix for the message they are about -----------------------------------

_LOGIN_WORDS = ("login", "assertion", "AuthnRequest")


def test_a_logout_text_never_gets_a_login_fix():
    """Spring's logout validators' texts fell back to their codes' fixes, written for a login:
    'Response indicated logout failed' said 'the IdP refused to issue an assertion', a LogoutRequest
    for another user 'Check the AuthnRequest', a LogoutResponse for another request 'retry the login'."""
    wrong = [(e.product, e.pattern) for e in entries()
             if "logout" in (e.pattern + " " + e.explanation).lower() and not e.fix
             and any(w in SPECS[e.code].fix for w in _LOGIN_WORDS)]
    assert wrong == []


@pytest.mark.parametrize("text", [
    "SAML Response not found, Only supported HTTP_POST Binding",  # console20's python3-saml capture
    "Document Certificate Error",
    "The SP certificate expired.",
    "SAML logout response/request missing",
    "SAML failed to process LogoutRequest",
    "Failed to find subject in LogoutRequest",
])
def test_todays_texts_say_what_to_change(text):
    """Each fell back to a placeholder ('... as the log message says', 'Read the evidence lines')."""
    out, found = explain_text(text)
    head = out.split("samlscan code:")[0]
    assert found and "Fix: " in head
    assert "as the log message says" not in head and "Read the evidence lines" not in head


def test_acs_reached_without_a_response_names_the_post_lost_on_the_way():
    log = ROOT / "tests" / "data" / "console20" / "python3-saml-flask-colorlog.log"
    doc = json.loads(_samlscan("check", "--format", "json", log).stdout)
    fix = next(a["fix"] for a in doc["attempts"] if a["root_cause"] == "idp-configuration-error")
    assert "HTTP-POST" in fix and "GET" in fix and "sonar" not in fix.lower()


def test_a_one_line_copy_is_told_as_one_line():
    """Monolog's one-line copies (the 'line-breaks' variant) were told 'a logger that prints a
    message on lines of its own re-indents it', which is not what happened to them."""
    log = ROOT / "tests" / "data" / "monolog20" / "symfony-oneline.log"
    rows = [json.loads(line) for line in _samlscan("check", "--format", "jsonl", log).stdout.splitlines()]
    hints = {r["hint"] for r in rows if r["code"] == "xml-reformatted-by-log"}
    assert hints and all("Monolog's LineFormatter" in h and "on one line" in h for h in hints)


def test_a_redirected_request_asking_for_a_posted_response_says_which_is_which():
    """mitmproxy's capture: 'AuthnRequest ... (HTTP-Redirect binding)' above a finding that said
    'binding HTTP-POST': the ProtocolBinding asked for the response, not the request's own."""
    har = ROOT / "tests" / "data" / "har20" / "mitmproxy.har"
    rows = [json.loads(line) for line in _samlscan("check", "--format", "jsonl", har).stdout.splitlines()]
    text = next(r["message_text"] for r in rows if r["code"] == "request-issued")
    assert "response binding HTTP-POST" in text and ", binding HTTP-POST" not in text


# --- Shibboleth SP: a refusal shows what its thread's failed check said ----------------------------

def test_shibd_refusal_quotes_its_failed_check():
    """The refusal's text is only what OpenSAML threw ('Unable to locate satisfiable bearer
    SubjectConfirmation'); the ERROR line before it says which check failed and what it refused
    (the Audience sent), and the report showed neither."""
    doc = json.loads(_samlscan("check", "--format", "json", REFUSALS).stdout)
    notes = {a["root_cause"]: " ".join(a["notes"]) for a in doc["attempts"]}
    assert "(line 4: unacceptable AudienceRestriction in assertion (https://other.example.com/shibboleth))" \
        in notes["audience-mismatch"]
    assert "line 12: bearer confirmation failed with recipient mismatch" in notes["recipient-mismatch"]
    assert "line 9: replay detected" in notes["assertion-replayed"]


def test_shibd_audience_check_alone_is_an_audience_failure(tmp_path):
    """A log cut after the audience check's ERROR line (its refusal not written yet)."""
    cut = tmp_path / "shibd.log"
    cut.write_text("".join(REFUSALS.read_text().splitlines(keepends=True)[:4]))
    doc = json.loads(_samlscan("check", "--format", "json", cut).stdout)
    assert [a["root_cause"] for a in doc["attempts"]] == ["audience-mismatch"]


def test_a_refusal_that_was_right_is_not_told_to_refuse():
    """ruby-saml's 'Digest mismatch. Duplicated ID found' is ruby-saml refusing a wrapping shape; it
    got signature-wrapping's 'Reject the response' for the SP admin, who has nothing left to do."""
    out, _ = explain_text("Digest mismatch. Duplicated ID found")
    head = out.split("samlscan code:")[0]
    assert "Fix: ruby-saml refused it, as it should" in head and "SAML core 1.3.4" in " ".join(head.split())
    assert "Usually fixed by: the IdP admin" in out
