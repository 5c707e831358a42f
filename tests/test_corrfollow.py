"""Correlation follow-ups (corrfollow): an SP log's code that samlscan's own finding confirms under
another name, the line a derived cause was read from, a response's login attribute joined to a
login name, and an IdP's anonymous issue that the SP never saw.

Responses are made by fixtures/samlgen and signed with the TEST-ONLY IdP key; HARs by
fixtures/gen_captures.py's builders; the SP log lines are the catalog's texts (java-saml
SamlResponse.java, Keycloak's event logger)."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from lxml import etree

from samlscan.cli import main
from samlscan.config import build
from samlscan.correlate import correlate
from samlscan.engine import analyze

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES))
import gen_captures as G  # noqa: E402
import generate as GEN  # noqa: E402
from samlgen import scenario as S  # noqa: E402
from samlgen.content import NameId  # noqa: E402
from samlgen.render import render  # noqa: E402

import test_stray_signature as STRAY  # noqa: E402  (its signing of stray signatures, reused)

CASE14 = Path(__file__).resolve().parent / "data" / "case14"
REQUEST = (FIXTURES / "requests/authnrequest.xml").read_bytes()
WRONG_ACS = "https://sonar.example.com:9000/oauth2/callback/saml"


def _attempts(tmp_path: Path, response: bytes, log_name: str, log: str, result="/sessions/unauthorized"):
    """The attempts of one HAR login posting `response` (08:41:02Z) and one log line, judged with
    the standard scenario's settings; the log's times are Paris local time."""
    tmp_path.mkdir(exist_ok=True)
    entries = G.attempt(REQUEST, response, "k3v9q2m0t7a1b2c3", 0, result=result)
    (tmp_path / "login.har").write_text(json.dumps(G.har(entries)))
    (tmp_path / log_name).write_text(log + "\n")
    expect = build({}, FIXTURES / "config/default.toml")
    report = analyze(sorted(str(p) for p in tmp_path.iterdir()), expect, tz=ZoneInfo("Europe/Paris"))
    return correlate(report, expect=expect).attempts


def _java_saml(text: str) -> str:
    """SonarQube 10.x's web.log line of java-saml's refusal."""
    return f"2025.03.11 09:41:02 ERROR web[AYh3kLm9QzR2xP0wAAAx][c.o.s.a.SamlResponse] {text}"


def _scan(*args) -> dict:
    res = CliRunner().invoke(main, ["scan", *map(str, args), "--format", "json", "--jobs", "1", "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout)


# 1. the SP's code, confirmed by samlscan's finding under another name


def test_a_recipient_refusal_is_confirmed_by_the_destination_finding_that_folds_it(tmp_path):
    """One wrong ACS at the IdP: Destination and Recipient name the same URL, and samlscan says it
    once, as destination-mismatch (fold_recipient). java-saml's 'doesn't match a valid Recipient'
    added 'the SP log says recipient-mismatch but the captured response shows destination-mismatch'."""
    seed = "corrfollow-acs"
    response = render(GEN.response(seed, GEN.OKTA, (GEN.assertion(seed, GEN.OKTA, recipient=WRONG_ACS),),
                                   destination=WRONG_ACS), GEN.OKTA, GEN.IDP)
    (a,) = _attempts(tmp_path, response, "web.log", _java_saml("SubjectConfirmationData doesn't match a valid Recipient"))
    assert (a.outcome, a.root_cause) == ("failure", "destination-mismatch")
    assert "recipient-mismatch" in a.findings
    assert not any("but the captured response shows" in n for n in a.notes), a.notes


def _stray_over_response() -> bytes:
    """The Response's own enveloped signature moved into samlp:Extensions, the only signature:
    samlscan's signature-missing; java-saml's 'Invalid Signature Element ...Extensions'."""
    root = STRAY.B.build_response(STRAY.GEN.response("corrfollow-stray-only", STRAY.STYLE), STRAY.STYLE)
    sig = STRAY.signer.add_template(root, STRAY.STYLE)
    STRAY._extensions(root).append(sig)
    STRAY._sign(root, [sig])
    return etree.tostring(root)


def test_java_samls_wrong_signed_element_is_confirmed_by_the_layout_samlscan_names(tmp_path):
    """java-saml's WRONG_SIGNED_ELEMENT maps to signature-wrapping (the catalog); samlscan names the
    layout signature-misplaced (a stray signature beside the Assertion's) or signature-missing (the
    stray one alone). Both added a note that the SP and the response disagree."""
    said = "Invalid Signature Element {urn:example:ext}Token SAML Response rejected"
    (a,) = _attempts(tmp_path / "beside", STRAY._message("extensions-element"), "web.log", _java_saml(said))
    assert (a.root_cause, "signature-wrapping" in a.findings) == ("signature-misplaced", True)
    assert not any("but the captured response shows" in n for n in a.notes), a.notes

    said = "Invalid Signature Element {urn:oasis:names:tc:SAML:2.0:protocol}Extensions SAML Response rejected"
    (a,) = _attempts(tmp_path / "alone", _stray_over_response(), "web.log", _java_saml(said))
    assert (a.root_cause, "signature-wrapping" in a.findings) == ("signature-missing", True)
    assert not any("but the captured response shows" in n for n in a.notes), a.notes


# 2. the line a cause was read from is the attempt's decisive one


def test_springs_signature_line_is_the_decisive_one_of_the_sha1_cause():
    """paul, 09:14 (case 14): the cause signature-weak-algorithm is read from Spring's 'Invalid
    signature for object' (signature-invalid): no line was quoted, and nothing was decisive."""
    paul = next(a for a in _scan(CASE14, "--sonar-settings", CASE14 / "sonar.properties")["attempts"]
                if a["time"] == "2025-12-09T09:14:40Z")
    assert paul["root_cause"] == "signature-weak-algorithm"
    assert paul["notes"][0].startswith(str(CASE14 / "web.log")) and "Invalid signature for object" in paul["notes"][0]
    assert any("SHA-1" in n for n in paul["notes"][1:])  # the rule's own note stays


def test_a_generic_line_explained_by_the_response_is_the_decisive_one(tmp_path):
    """SonarQube 2025's 'No assertions found in response.' (assertion-missing) of an encrypted
    assertion in an unsigned Response: the cause response-signature-required is read from it."""
    line = ("2025.03.11 09:41:03 DEBUG web[AZWEd1kLm9QzR2xP0wAB][auth.event] login failure [cause|No assertions "
            "found in response.][method|OAUTH2][provider|EXTERNAL|SAML][IP|10.20.0.5|198.51.100.23][login|]")
    entries = G.attempt(REQUEST, (FIXTURES / "responses/defects/response-signature-required.xml").read_bytes(),
                        "k3v9q2m0t7a1b2c3", 0, result="/sessions/unauthorized")
    (tmp_path / "login.har").write_text(json.dumps(G.har(entries)))
    (tmp_path / "web.log").write_text(line + "\n")
    expect = build({}, FIXTURES / "config/with-sp-key.toml")
    (a,) = correlate(analyze(sorted(str(p) for p in tmp_path.iterdir()), expect,
                             tz=ZoneInfo("Europe/Paris")), expect=expect).attempts
    assert a.root_cause == "response-signature-required"
    assert a.decisive is not None and a.decisive.input.endswith("web.log")
    assert "No assertions found" in a.notes[0] and any("shows why" in n for n in a.notes[1:])


# 3. the login attribute joins a login name


def test_a_responses_login_attribute_email_joins_the_idps_login_name(tmp_path):
    """The NameID is a persistent handle; the SP logs in by the email attribute; Keycloak names the
    username, the email's local part, a second before the POST. They were two attempts."""
    seed = "corrfollow-login-email"
    attrs = GEN.with_attrs(GEN.okta_attributes(), login=(S.USER_EMAIL,))
    assertion = GEN.assertion(seed, GEN.OKTA, attributes=attrs, name_id=NameId(S.ENTRA_NAMEID, S.NAMEID_PERSISTENT))
    response = render(GEN.response(seed, GEN.OKTA, (assertion,)), GEN.OKTA, GEN.IDP)
    login = ('2025-03-11 09:41:01,201 DEBUG [org.keycloak.events] (executor-thread-9) type="LOGIN", '
             'realmId="3c1f9e2a-7b6d-4e5f-9a8b-1c2d3e4f5a6b", realmName="corp", clientId="sonarqube", '
             'userId="9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", sessionId="7e6d5c4b-3a29-4180-b7a6-958473625140", '
             f'ipAddress="203.0.113.77", auth_method="saml", username="{S.USER_EMAIL.split("@")[0]}"')
    (a,) = _attempts(tmp_path, response, "keycloak.log", login, result="/projects")
    assert a.user == S.USER_EMAIL and a.outcome == "success"
    assert {Path(e.input).name for e in a.evidence} == {"login.har", "keycloak.log"}


# 4. an IdP's anonymous issue the SP never saw


def test_an_anonymous_idp_issue_the_sp_never_saw_is_no_success(tmp_path):
    """case 14's simplesamlphp.log line 14 (a STAT saml20-idp-SSO line, no user) without the HAR
    whose response it issued: nothing of SonarQube's log joined to it, it stood as a 'success' with
    user '-'."""
    for name in ("simplesamlphp.log", "web.log", "sonar.properties"):
        (tmp_path / name).write_bytes((CASE14 / name).read_bytes())
    doc = _scan(tmp_path, "--sonar-settings", tmp_path / "sonar.properties")
    alone = next(a for a in doc["attempts"] if a["time"] == "2025-12-09T09:58:20Z")
    assert (alone["outcome"], alone["user"]) == ("unknown", None)
    assert any(n.startswith("issued, not seen at the SP") for n in alone["notes"])


def test_the_idp_line_of_a_response_issued_minutes_off_joins_the_login_it_issued():
    """With the HAR, line 14 is the issue of lena's second response (its IssueInstant 09:58:20, the
    IdP's clock 10 min ahead): part of her refused login, no attempt of its own (it was one, and
    the note said where its line was)."""
    doc = _scan(CASE14, "--sonar-settings", CASE14 / "sonar.properties")
    assert "2025-12-09T09:58:20Z" not in {a["time"] for a in doc["attempts"]}
    lena = next(a for a in doc["attempts"] if a["time"] == "2025-12-09T09:48:20Z")
    assert lena["outcome"] == "failure" and ("simplesamlphp.log", "line 14") in {
        (e["input"].rsplit("/", 1)[-1], e["ref"]) for e in lena["evidence"]}
    assert [a["outcome"] for a in doc["attempts"]].count("success") == 2  # olga's two logins


def test_an_idp_log_alone_keeps_its_sign_ins(tmp_path):
    """Without SP evidence the IdP's word is all there is: its issues stay successes."""
    (tmp_path / "simplesamlphp.log").write_text((CASE14 / "simplesamlphp.log").read_text())
    assert [a["outcome"] for a in _scan(tmp_path)["attempts"]] == ["success"] * 5


# 5. SHA-1 at a Spring SP: the note says what is known


def test_the_sha1_note_does_not_claim_opensaml_refuses_it_by_default():
    """OpenSAML 4's default SignatureValidationConfiguration excludes only MD5; Java 17+'s
    rsa-sha1 ban is the JDK's own XMLDSig's (Keycloak), which OpenSAML (Santuario) does not use.
    The note said OpenSAML 4 'refuses by default'; the check stays a warning."""
    doc = _scan(CASE14, "--sonar-settings", CASE14 / "sonar.properties")
    paul = next(a for a in doc["attempts"] if a["time"] == "2025-12-09T09:14:40Z")
    note = next(n for n in paul["notes"] if "SHA-1" in n)
    assert "refuses by default" not in note and "only MD5" in note and "Java 17" in note
    levels = {f["severity"] for m in doc["messages"] for f in m["findings"] if f["code"] == "signature-weak-algorithm"}
    assert levels == {"warning"}


def test_lines_of_one_second_are_ordered_by_number_not_as_text():
    """Lena's 08:52 refusal (case 14): SonarQube's lines 3 and 12 in one second; 'line 12' sorted
    before 'line 3' as text, and the attempt quoted the later line as the decisive one."""
    from case_util import ROOT

    case = ROOT / "tests" / "data" / "case14"
    res = CliRunner().invoke(main, ["scan", str(case), "--sonar-settings", str(case / "sonar.properties"),
                                    "--format", "json"])
    (lena,) = [a for a in json.loads(res.stdout)["attempts"] if a["time"].startswith("2025-12-09T08:52")]
    assert lena["notes"][0].startswith(f"{case / 'web.log'} [line 3]: ")


def _case14_scan():
    from case_util import ROOT
    from samlscan.batch import run_scan

    case = ROOT / "tests" / "data" / "case14"
    expect = build({"sonar_settings": str(case / "sonar.properties")}, None)
    return case, run_scan([str(case)], expect)


def test_an_unreadable_response_is_no_named_users_issuing_line():
    """A response whose assertion cannot be read (encrypted without the SP key) was matched to an IdP
    line naming any user at its IssueInstant: whose response it is cannot be told then."""
    from dataclasses import replace

    from samlscan.correlate.apart import _issuing_line

    _, report = _case14_scan()
    m = next(r.message for r in report.messages if r.message.kind == "Response" and r.message.captured_at
             and abs(r.message.issue_instant - r.message.captured_at).total_seconds() > 500)
    line = next(e for e in report.events if e.side == "idp" and e.time == m.issue_instant)
    named = replace(line, user="someone")
    assert _issuing_line(m, [line], [line.time]) is line  # a line naming no user: the response's
    assert _issuing_line(replace(m, assertions=()), [named], [named.time]) is None


def test_a_response_held_twice_is_said_once_at_its_issuing_line():
    """The HAR's response and a saved copy of it (same ID) gave the same IdP-clock note twice."""
    from dataclasses import replace

    from samlscan.correlate.apart import _issued_apart

    _, report = _case14_scan()
    skewed = [r for r in report.messages if r.message.kind == "Response" and r.message.captured_at
              and abs(r.message.issue_instant - r.message.captured_at).total_seconds() > 500]
    copy = replace(skewed[0], message=replace(skewed[0].message, source=replace(skewed[0].message.source,
                                                                                 input="saved-copy.xml")))
    events = [e for e in report.events if e.outcome in ("failure", "success")]
    assert len(_issued_apart(skewed, events, {})) == 1
    assert len(_issued_apart([*skewed, copy], events, {})) == 1
