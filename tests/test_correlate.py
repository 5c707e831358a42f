"""Correlation: captured messages + SP and IdP logs -> login attempts with cause, side, fix, evidence."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from samlscan.config import build
from samlscan.correlate import correlate
from samlscan.engine import analyze

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RESPONSE_ID = "id414131815852436948802568494"
ASSERTION_ID = "id508137079797731393010513813"

# SonarQube's clock runs 95 s late (local time Europe/Paris); Okta is right.
SONAR_LOG = f"""\
2025.03.11 09:40:01 INFO  web[][o.s.s.a.SamlAuthenticator] SAML authentication is enabled
2025.03.11 09:39:30 INFO  web[][o.s.s.p.Platform] noise line
2025.03.11 09:39:25 WARN  web[7c1e2a90-4b7d-4c11-9d0e-2f6a5b3c8e01][o.s.s.a.AuthenticationError] Fail to callback authentication with 'saml'
org.springframework.security.saml2.provider.service.authentication.Saml2AuthenticationException: Invalid assertion [{ASSERTION_ID}] for SAML response [{RESPONSE_ID}]: Condition '{{urn:oasis:names:tc:SAML:2.0:assertion}}AudienceRestriction' of type 'null' in assertion '{ASSERTION_ID}' was not valid.: None of the audiences within Assertion '{ASSERTION_ID}' matched the list of valid audiances
2025.03.11 09:39:25 DEBUG web[7c1e2a90-4b7d-4c11-9d0e-2f6a5b3c8e01][auth.event] login failure [cause|Invalid assertion [{ASSERTION_ID}] for SAML response [{RESPONSE_ID}]][method|OAUTH2][provider|EXTERNAL|SAML][IP|10.20.0.5|198.51.100.23][login|]
2025.03.11 09:50:40 DEBUG web[0b9d8e6f-21aa-4f3c-8d2e-9a7c55e10b42][auth.event] login failure [cause|Cookie 'OAUTHSTATE' is missing][method|OAUTH2][provider|EXTERNAL|SAML][IP|10.20.0.5|203.0.113.77][login|]
2025.03.11 09:58:02 DEBUG web[5d5d8e6f-21aa-4f3c-8d2e-9a7c55e10b99][auth.event] login failure [cause|Email 'dev.user2@example.com' is already used][method|OAUTH2][provider|EXTERNAL|SAML][IP|10.20.0.5|203.0.113.80][login|devuser2]
"""

OKTA = [
    {"uuid": "a1", "published": "2025-03-11T08:40:59.000Z", "eventType": "user.authentication.sso",
     "actor": {"type": "User", "alternateId": "dev.user1@example.com"}, "client": {"ipAddress": "198.51.100.23"},
     "outcome": {"result": "SUCCESS"}, "target": [{"type": "AppInstance", "displayName": "SonarQube"}],
     "transaction": {"type": "WEB", "id": "TX1"}},
    {"uuid": "a2", "published": "2025-03-11T08:53:51.006Z", "eventType": "app.generic.unauth_app_access_attempt",
     "actor": {"alternateId": "contractor7@example.com"}, "client": {"ipAddress": "198.51.100.40"},
     "outcome": {"result": "FAILURE"}, "target": [{"type": "AppInstance", "displayName": "SonarQube"}],
     "transaction": {"type": "WEB", "id": "TX2"}},
]


@pytest.fixture()
def case_dir(tmp_path):
    shutil.copy(FIXTURES / "responses/defects/audience-mismatch.xml", tmp_path / "response.xml")
    (tmp_path / "web.log").write_text(SONAR_LOG)
    (tmp_path / "okta.json").write_text(json.dumps(OKTA))
    return tmp_path


def _attempts(case_dir):
    expect = build({}, FIXTURES / "config/default.toml")
    files = sorted(str(p) for p in case_dir.iterdir())
    return correlate(analyze(files, expect, tz=ZoneInfo("Europe/Paris"))).attempts


def test_attempts_have_cause_side_fix_and_evidence(case_dir):
    attempts = _attempts(case_dir)
    causes = [(a.outcome, a.root_cause) for a in attempts]
    assert ("failure", "audience-mismatch") in causes
    assert ("failure", "relaystate-cookie-missing") in causes
    assert ("failure", "user-not-assigned") in causes
    assert ("failure", "email-already-used") in causes
    audience = next(a for a in attempts if a.root_cause == "audience-mismatch")
    refs = {(Path(e.input).name, e.ref) for e in audience.evidence}
    # the captured response, both SonarQube lines of that callback, and Okta's SSO event join
    assert ("web.log", "line 3") in refs and ("web.log", "line 5") in refs
    assert any(name == "response.xml" for name, _ in refs)
    assert any(name == "okta.json" for name, _ in refs)
    assert audience.side == "idp" and "applicationId" in audience.fix
    assert audience.user == "dev.user1@example.com"


def test_clock_offset_is_measured_on_shared_ids_and_reported(case_dir):
    expect = build({}, FIXTURES / "config/default.toml")
    files = sorted(str(p) for p in case_dir.iterdir())
    notes = correlate(analyze(files, expect, tz=ZoneInfo("Europe/Paris"))).notes
    assert any("clock offset" in n and "web.log" in n and "-95 s" in n for n in notes), notes
    assert any("runs 95 s behind the capture's" in n for n in notes)  # whose clock, which way
    assert not any("time zone" in n for n in notes)  # 95 s is a slow clock, not a zone


def test_an_offset_of_whole_hours_suggests_the_time_zone(case_dir):
    expect = build({}, FIXTURES / "config/default.toml")
    files = sorted(str(p) for p in case_dir.iterdir())
    notes = correlate(analyze(files, expect)).notes  # web.log read as UTC: 1 h off, minus 95 s
    assert any("--timezone" in n for n in notes), notes


def test_separate_users_stay_separate_attempts(case_dir):
    attempts = _attempts(case_dir)
    users = [a.user for a in attempts if a.root_cause == "user-not-assigned"]
    assert users == ["contractor7@example.com"]
    assert len(attempts) == 4


def test_success_without_failure_is_a_success(tmp_path):
    (tmp_path / "okta.json").write_text(json.dumps(OKTA[:1]))
    attempts = _attempts(tmp_path)
    assert [(a.outcome, a.root_cause) for a in attempts] == [("success", None)]


SLACK = {"uuid": "a3", "published": "2025-03-11T09:20:00.000Z", "eventType": "user.authentication.sso",
         "actor": {"type": "User", "alternateId": "dev.user9@example.com"},
         "client": {"ipAddress": "198.51.100.99"}, "outcome": {"result": "SUCCESS"},
         "target": [{"type": "AppInstance", "displayName": "Slack"}], "transaction": {"type": "WEB", "id": "TX3"}}


def test_idp_sign_ins_to_other_applications_are_left_out_and_noted(case_dir):
    (case_dir / "okta.json").write_text(json.dumps(OKTA + [SLACK]))
    expect = build({}, FIXTURES / "config/default.toml")
    report = correlate(analyze(sorted(str(p) for p in case_dir.iterdir()), expect,
                               tz=ZoneInfo("Europe/Paris")))
    assert "dev.user9@example.com" not in {a.user for a in report.attempts}
    assert any("other applications left out: Slack (1)" in n for n in report.notes)
    assert len(report.attempts) == 4  # the SonarQube ones are all kept


def test_without_sp_side_evidence_no_application_is_left_out(tmp_path):
    (tmp_path / "okta.json").write_text(json.dumps(OKTA + [SLACK]))
    report = correlate(analyze([str(tmp_path / "okta.json")], build({}, FIXTURES / "config/default.toml")))
    assert {a.user for a in report.attempts} == {"dev.user1@example.com", "contractor7@example.com",
                                                 "dev.user9@example.com"}
    assert not any("other applications" in n for n in report.notes)
    assert any("sign-ins to 2 applications: SonarQube (2), Slack (1); pass --app" in n for n in report.notes)


def test_the_app_given_filters_an_idp_export_without_sp_side_evidence(tmp_path):
    (tmp_path / "okta.json").write_text(json.dumps(OKTA + [SLACK]))
    report = analyze([str(tmp_path / "okta.json")], build({}, FIXTURES / "config/default.toml"))
    kept = correlate(report, apps=("sonarqube",))  # Okta's app label, in any case
    assert {a.user for a in kept.attempts} == {"dev.user1@example.com", "contractor7@example.com"}
    assert any("other applications left out: Slack (1)" in n for n in kept.notes)
    # a name the IdP logs never use (an entity ID where Okta writes labels) leaves nothing out
    unknown = correlate(report, apps=("https://sonar.example.com/saml2",))
    assert len(unknown.attempts) == 3 and not any("other applications" in n for n in unknown.notes)


def test_a_generic_log_text_beside_the_one_it_wraps_is_not_listed_as_a_finding(tmp_path):
    """Spring's count-only 'Found 1 validation errors in SAML response [id]' (generic) and the
    validator's list naming the error, for one request: the attempt lists the real code only."""
    rid = "7c1e2a90-4b7d-4c11-9d0e-2f6a5b3c8e02"
    (tmp_path / "web.log").write_text(
        f"2025.03.11 09:41:07 DEBUG web[{rid}][o.s.s.s.p.s.a.OpenSaml4AuthenticationProvider] "
        "Found 1 validation errors in SAML response [_r9]\n"
        f"2025.03.11 09:41:07 DEBUG web[{rid}][o.s.a.s.SonarqubeSaml2ResponseValidator] Saml validation "
        "errors: [[invalid_destination] Invalid destination [https://sq.example.test/oauth2/callback/saml] "
        "for SAML response [_r9]]\n")
    (attempt,) = correlate(analyze([str(tmp_path / "web.log")], build({}, None))).attempts
    assert attempt.root_cause == "destination-mismatch"
    assert list(attempt.findings) == ["destination-mismatch"]


def test_the_line_naming_the_cause_says_who_must_act(tmp_path):
    """java-saml's 'The response has an empty Destination value' is the IdP's to fix (its catalog
    entry says so), though a destination-mismatch is usually the SP's base URL: the attempt's side
    was the code's ('sp'); a line whose entry agrees with the code keeps it."""
    (tmp_path / "web.log").write_text(
        "2024.05.02 10:15:01 ERROR web[AY1][c.o.s.a.SamlResponse] The response has an empty Destination value\n"
        "2024.05.02 10:15:01 ERROR web[AY1][o.s.s.a.AuthenticationError] processResponse error. invalid_response\n"
        "2024.05.02 10:16:01 ERROR web[AY2][c.o.s.a.SamlResponse] The response was received at "
        "https://sq.example.test/oauth2/callback/saml instead of https://old.example.test/oauth2/callback/saml\n")
    empty, moved = correlate(analyze([str(tmp_path / "web.log")], build({}, None))).attempts
    assert (empty.root_cause, empty.side) == ("destination-mismatch", "idp")
    assert "ACS (Reply) URL" in empty.fix  # the entry's own fix, not the code's 'make the URLs agree'
    assert (moved.root_cause, moved.side) == ("destination-mismatch", "sp")


def test_sp_side_names_are_no_idp_labels(tmp_path):
    """SonarQube's provider name ('Corp SSO') and Okta's label ('SonarQube') differ; the Okta
    lines join no SP-side evidence, so nothing says they are about another application."""
    (tmp_path / "web.log").write_text(
        "2025.03.11 10:58:02 DEBUG web[5d5d8e6f-21aa-4f3c-8d2e-9a7c55e10b99][auth.event] login failure "
        "[cause|Email 'dev.user2@example.com' is already used][method|OAUTH2][provider|EXTERNAL|Corp SSO]"
        "[IP|10.20.0.5|203.0.113.80][login|devuser2]\n")
    (tmp_path / "okta.json").write_text(json.dumps(OKTA))
    files = sorted(str(p) for p in tmp_path.iterdir())
    report = correlate(analyze(files, build({}, FIXTURES / "config/default.toml"), tz=ZoneInfo("Europe/Paris")))
    assert {"dev.user1@example.com", "contractor7@example.com"} <= {a.user for a in report.attempts}
    assert not any("other applications" in n for n in report.notes)


def test_an_attempt_lists_each_piece_of_evidence_once():
    """A captured POST is both a message and a step of its flow: one evidence line, not two."""
    from samlscan.engine import analyze as run

    cfg = FIXTURES / "scenarios" / "okta-spring" / "samlscan.toml"
    report = correlate(run([str(FIXTURES / "scenarios" / "okta-spring" / "chrome-morning.har")],
                           build({}, cfg)))
    assert report.attempts
    for a in report.attempts:
        assert len(a.evidence) == len(set(a.evidence)), a.evidence


def test_application_names_differing_only_in_case_are_one_application(tmp_path):
    lower = dict(SLACK, uuid="a4", published="2025-03-11T10:30:00.000Z",
                 actor={"type": "User", "alternateId": "dev.user4@example.com"},
                 transaction={"type": "WEB", "id": "TX4"},
                 target=[{"type": "AppInstance", "displayName": "sonarqube"}])
    (tmp_path / "okta.json").write_text(json.dumps(OKTA + [lower]))
    report = correlate(analyze([str(tmp_path / "okta.json")], build({}, FIXTURES / "config/default.toml")))
    assert not any("applications:" in n for n in report.notes)  # one app: SonarQube (3)
    (tmp_path / "okta.json").write_text(json.dumps(OKTA + [lower, SLACK]))
    report = correlate(analyze([str(tmp_path / "okta.json")], build({}, FIXTURES / "config/default.toml")))
    assert any("sign-ins to 2 applications: SonarQube (3), Slack (1)" in n for n in report.notes)


def test_causes_only_a_log_states_become_findings_at_their_line(case_dir):
    expect = build({}, FIXTURES / "config/default.toml")
    files = sorted(str(p) for p in case_dir.iterdir())
    report = correlate(analyze(files, expect, tz=ZoneInfo("Europe/Paris")))
    causes = {(f.code, Path(f.source.input).name, f.source.ref): f for f in report.cause_findings}
    assert ("relaystate-cookie-missing", "web.log", "line 6") in causes
    email = causes[("email-already-used", "web.log", "line 7")]
    assert email.severity.value == "error" and "devuser2" in email.message_text
    assert "Email 'dev.user2@example.com' is already used" in email.message_text and email.hint
    # the audience failure is stated by the captured response's own finding: not said twice
    assert "audience-mismatch" not in {code for code, _, _ in causes}
    assert any(f.code == "audience-mismatch" for f in report.all_findings())
    assert report.reported_findings() == report.all_findings() + list(report.cause_findings)
    # without the capture, only the log states it: then it is a finding of the log line
    (case_dir / "response.xml").unlink()
    alone = correlate(analyze(sorted(str(p) for p in case_dir.iterdir()), expect, tz=ZoneInfo("Europe/Paris")))
    assert ("audience-mismatch", "web.log", "line 3") in {
        (f.code, Path(f.source.input).name, f.source.ref) for f in alone.cause_findings}


def test_retries_in_one_idp_log_stay_separate_attempts(tmp_path):
    """Keycloak lines carry no flow ID: a wrong password and the successful retry 46 s later were
    chained by user into one failed attempt, and the success was lost."""
    line = ('2025-03-11 09:{t} WARN  [org.keycloak.events] (executor-thread-9) type="{type}", realmId="3c", '
            'realmName="corp", clientId="https://sonar.example.com/saml2", userId="9a8b", ipAddress="203.0.113.77", '
            '{error}auth_method="saml", username="dev.user1"\n')
    log = tmp_path / "server.log"
    log.write_text(line.format(t="12:44,503", type="LOGIN_ERROR", error='error="invalid_user_credentials", ')
                   + line.format(t="13:30,117", type="LOGIN", error=""))
    (fail, ok) = correlate(analyze([str(log)], build({}, None))).attempts
    assert (fail.outcome, fail.root_cause, ok.outcome) == ("failure", "idp-authentication-failed", "success")
    assert [e.ref for e in fail.evidence] == ["line 1"] and [e.ref for e in ok.evidence] == ["line 2"]


def _request_url(req_id: str, instant: str) -> str:
    import base64
    import urllib.parse
    import zlib

    xml = (f'<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="{req_id}" Version="2.0" '
           f'IssueInstant="{instant}" AssertionConsumerServiceURL="https://sonar.example.com/oauth2/callback/saml">'
           '<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">https://sonar.example.com/saml2</saml:Issuer>'
           '</samlp:AuthnRequest>').encode()
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    value = base64.b64encode(raw.compress(xml) + raw.flush()).decode()
    return f"https://idp.example.org/sso?SAMLRequest={urllib.parse.quote(value, safe='')}&RelayState=%2Fprojects"


def _response_post(resp_id: str, req_id: str, instant: str, user: str) -> str:
    import base64
    import urllib.parse

    xml = (f'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
           f'ID="{resp_id}" InResponseTo="{req_id}" IssueInstant="{instant}" Version="2.0">'
           '<saml:Issuer>https://idp.example.org</saml:Issuer><samlp:Status><samlp:StatusCode '
           'Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
           f'<saml:Assertion ID="{resp_id}a" IssueInstant="{instant}" Version="2.0"><saml:Issuer>https://idp.example.org'
           f'</saml:Issuer><saml:Subject><saml:NameID>{user}</saml:NameID></saml:Subject></saml:Assertion>'
           '</samlp:Response>').encode()
    return f"SAMLResponse={urllib.parse.quote(base64.b64encode(xml).decode(), safe='')}&RelayState=%2Fprojects"


def test_a_constant_relay_state_does_not_join_other_logins(tmp_path):
    """Many SPs send the same RelayState (the return URL) on every login: bob's request six hours
    later was attached to alice's attempt."""
    files = {"1-req.txt": _request_url("_req1", "2025-03-11T08:40:00Z"),
             "2-resp.txt": _response_post("_resp1", "_req1", "2025-03-11T08:41:00Z", "alice@example.com"),
             "3-req.txt": _request_url("_req2", "2025-03-11T15:00:00Z"),
             "4-resp.txt": _response_post("_resp2", "_req2", "2025-03-11T15:01:00Z", "bob@example.com")}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    report = correlate(analyze([str(tmp_path / n) for n in files], build({}, None)))
    assert sorted(sorted(e.ref for e in a.evidence) for a in report.attempts) == [
        ["_req1", "_resp1"], ["_req2", "_resp2"]]


def _adfs_case(tmp_path, second_issue: bool, other_app: bool = False):
    """The adfs-javasaml support case; `second_issue`: AD FS also issued a token to another user
    two seconds after samuel's (two candidates in one moment)."""
    import csv
    import re

    case = tmp_path / "adfs"
    shutil.copytree(FIXTURES / "scenarios" / "adfs-javasaml", case)
    for name in ("expected.json", "samlscan.toml"):  # the settings are read where they lie
        (case / name).unlink()
    sec = case / "adfs-security.csv"
    rows = list(csv.reader(sec.open(newline="")))
    if other_app:  # samuel's token was issued for Jira, not SonarQube
        (row,) = [r for r in rows if r[1] == "3/13/2025 9:09:00 AM"]
        row[5] = re.sub(r"<RelyingParty>[^<]*</RelyingParty>",
                        "<RelyingParty>https://jira.example.com/plugins/servlet/samlconsumer</RelyingParty>", row[5])
        with sec.open("w", newline="") as fh:
            csv.writer(fh, lineterminator="\r\n").writerows(rows)
    if second_issue:
        (row,) = [r for r in rows if r[1] == "3/13/2025 9:09:00 AM"]
        text = re.sub(r"Activity ID: [0-9a-f-]+", "Activity ID: 0b5e0c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d", row[5])
        other = [row[0], "3/13/2025 9:09:02 AM", *row[2:5], text.replace("samuel.ortiz", "zoe.adams")]
        rows.insert(rows.index(row) + 1, other)
        with sec.open("w", newline="") as fh:
            csv.writer(fh, lineterminator="\r\n").writerows(rows)
    files = sorted(str(p) for p in case.iterdir())
    cfg = FIXTURES / "scenarios" / "adfs-javasaml" / "samlscan.toml"
    report = correlate(analyze(files, build({}, cfg), tz=ZoneInfo("Europe/Paris")))
    (failed,) = [a for a in report.attempts if a.root_cause == "sp-configuration-error"]
    return failed


def test_an_issued_token_joins_the_one_userless_response_of_its_moment(tmp_path):
    """AD FS's 1200 names the user but no SAML ID, the response's NameID is encrypted: alone in
    the same moment, they are one login."""
    failed = _adfs_case(tmp_path, second_issue=False)
    assert failed.user == "samuel.ortiz@example.com"
    assert any(Path(e.input).name == "adfs-security.csv" for e in failed.evidence)


def test_two_issued_tokens_in_one_moment_join_nothing(tmp_path):
    failed = _adfs_case(tmp_path, second_issue=True)
    assert failed.user is None
    assert not any(Path(e.input).name == "adfs-security.csv" for e in failed.evidence)


def test_a_token_issued_for_another_application_joins_nothing(tmp_path):
    failed = _adfs_case(tmp_path, second_issue=False, other_app=True)
    assert failed.user is None
    assert not any(Path(e.input).name == "adfs-security.csv" for e in failed.evidence)


def test_the_sp_accepting_a_login_beats_samlscans_prediction():
    """The browser was let in (a 302 into the SP's pages) although, with the certificate samlscan
    was given, the response's signature does not verify: the login succeeded, and the attempt
    says why samlscan disagrees (other settings than the SP's)."""
    from click.testing import CliRunner

    from samlscan.cli import main

    har = FIXTURES / "captures" / "chrome-success.har"
    r = CliRunner().invoke(main, ["check", str(har), "--idp-cert", str(FIXTURES / "keys" / "attacker.crt"),
                                  "--format", "json"])
    doc = json.loads(r.stdout)
    assert any(f["code"] == "signature-cert-mismatch" for m in doc["messages"] for f in m["findings"])
    (attempt,) = doc["attempts"]
    assert attempt["outcome"] == "success" and attempt["root_cause"] is None
    assert "the SP accepted this login" in attempt["notes"][0] and "signature-cert-mismatch" in attempt["notes"][0]


def test_a_log_in_local_time_keeps_the_sps_own_verdicts():
    """java-saml's log in Paris time, read without --timezone: its dumped responses look expired
    when judged at the log's times read as UTC. The SP's success stays a success, and its own
    reason for the failure (audience) is the cause, the time findings noted."""
    from click.testing import CliRunner

    from samlscan.cli import main

    log = FIXTURES / "logs" / "sp-app" / "java-saml-logback.log"
    doc = json.loads(CliRunner().invoke(main, ["check", str(log), "--format", "json"]).stdout)
    got = [(a["outcome"], a["root_cause"]) for a in doc["attempts"]]
    assert got == [("failure", "audience-mismatch"), ("success", None)]
    assert "--timezone" in doc["attempts"][0]["notes"][-1] and "--timezone" in doc["attempts"][1]["notes"][0]


def test_a_long_deciding_line_is_quoted_cut_between_words(tmp_path):
    """The note quoted the first 300 characters whatever they cut ('for user rachel.ye'): it cuts
    between words now and says it cut."""
    line = ("2025-03-11T09:41:07.000Z ERROR 1 --- [main] o.s.s.s.p.s.OpenSaml4AuthenticationProvider : "
            "Invalid signature for object [_a7c1e0f9b2d34e5f] " + "x " * 120 + "for user rachel.yeats@corp.example\n")
    (tmp_path / "app.log").write_text(line)
    (attempt,) = correlate(analyze([str(tmp_path / "app.log")], build({}, None))).attempts
    note = attempt.notes[0]
    assert note.endswith(" ...") and "rachel" not in note


def test_replay_lines_do_not_set_a_logs_clock_offset():
    """A log's clock offset is the median over its lines that name a captured message's ID; the SP's
    replay refusals an hour later name it too, and two of them moved the whole log by an hour."""
    from datetime import timedelta

    from samlscan.correlate import clock_offsets
    from samlscan.model import LogEvent, Source

    report = analyze([str(FIXTURES / "responses" / "valid" / "okta.xml")], build({}, None))
    m = report.messages[0].message

    def line(seconds: int, code: str) -> LogEvent:
        return LogEvent(Source("web.log", f"line {seconds}"), m.issue_instant + timedelta(seconds=seconds),
                        "sonarqube", "sp", "failure", "x", code=code, saml_ids=(m.id,))

    events = [line(30, "signature-invalid"), line(3600, "assertion-replayed"), line(3605, "assertion-replayed")]
    assert clock_offsets(report.messages, events) == {"web.log": timedelta(seconds=30)}


def test_a_sonarqube_line_with_an_email_code_is_its_own_cause(tmp_path):
    """SonarQube's 'Mapping found for the property email, but the field mail is empty' is coded
    email-empty: the rule that makes a capture's email problems warnings beside SonarQube's log
    took the line's own code for one and called itself forever (RecursionError: no report at all)."""
    (tmp_path / "web.log").write_text(
        "2025.06.17 09:12:06 ERROR web[AZe2][o.s.a.s.SamlStatusChecker] Mapping found for the property email, "
        "but the field mail is empty in the SAML response.\n")
    (attempt,) = correlate(analyze([str(tmp_path / "web.log")], build({}, None))).attempts
    assert (attempt.outcome, attempt.root_cause) == ("failure", "email-empty")
