"""IdP log readers against real samples from Elastic's integration tests (tests/data/idplogs21).

Each test checks every field the reader takes (time and zone, user, app, IP, outcome, code) against
what the sample says; the wrapper tests fail on a reader that sees only bare records."""
from __future__ import annotations

import json
from pathlib import Path

from test_logs_common import detected, events, malformed_lines, records, summary, utc

DATA = Path(__file__).parent / "data" / "idplogs21"


def _fields(ev) -> tuple:
    return summary(ev)[1:] + (ev.app, ev.code, ev.raw_code)


def _clean_events(path: Path, reader: str) -> list:
    """The events of `path`, which `reader` claims and reads without a malformed line."""
    assert detected(path) == reader
    recs = records(path)
    assert malformed_lines(recs) == []
    return events(recs)


def test_azure_monitor_records_of_every_category():
    evs = events(records(DATA / "azure-signinlogs-raw.log"))
    # createdDateTime 04:45:48.0729893-05:00 is time 09:45:48.0729893Z (to the microsecond)
    when = utc(2019, 10, 18, 9, 45, 48, 72989)
    assert [summary(e) for e in evs] == [
        (1, when, "info", "test@elastic.co", "81.2.69.144"),
    ] + [(n, when, "info", "c3813493-bf92-5123-2717-8a8b2979c38b", "81.2.69.144") for n in range(2, 6)]
    # 50140 ('Keep me signed in' interrupt) is a step of a login, not its failure
    assert {(e.raw_code, e.app, e.correlation_id, e.request_id) for e in evs} == {
        ("AADSTS50140", "Office 365", "8a4de8b5-095c-47d0-a96f-a75130c61d53",
         "8a4de8b5-095c-47d0-a96f-a75130c61d53")}


def _pipeline_events(tmp_path: Path, texts: list[str]) -> Path:
    """Elastic's pipeline-test input layout: {"events": [{"message": <original text>}, ...]}."""
    path = tmp_path / "test-events.json"
    path.write_text(json.dumps({"events": [{"message": t} for t in texts]}, indent=4))
    return path


def test_azure_records_in_pipeline_test_messages(tmp_path):
    lines = (DATA / "azure-signinlogs-raw.log").read_text().splitlines()
    # one message may hold several records, a line each (Elastic's Okta test does so)
    path = _pipeline_events(tmp_path, ["\n".join(lines[:3]), lines[3], lines[4]])
    evs = _clean_events(path, "entra")
    assert [e.user for e in evs] == ["test@elastic.co"] + ["c3813493-bf92-5123-2717-8a8b2979c38b"] * 4
    assert {e.time for e in evs} == {utc(2019, 10, 18, 9, 45, 48, 72989)}


def test_auth0_log_stream_entries_under_json():
    evs = _clean_events(DATA / "auth0-test-login-failure.json", "auth0")
    assert [_fields(e) for e in evs] == [
        (utc(2021, 11, 3, 3, 6, 5, 696000), "failure", None, "81.2.69.143",
         "aI61p8I8aFjmYRliLWgvM9ev97kCCNDB", "reply-url-mismatch", "f"),
        (utc(2021, 11, 3, 3, 6, 5, 699000), "failure", None, "81.2.69.143",
         "aI61p8I8aFjmYRliLWgvM9ev97kCCNDB", "reply-url-mismatch", "f"),
        (utc(2021, 11, 4, 0, 29, 50, 35000), "failure", None, "81.2.69.143",
         "All Applications", "unknown-failure", "f"),
        (utc(2021, 11, 3, 3, 7, 24, 384000), "failure", "neo@gmail.com", "81.2.69.143",
         "Default App", "idp-authentication-failed", "fu"),
        (utc(2021, 11, 3, 8, 25, 14, 466000), "failure", "new@test.com", "81.2.69.143",
         "Default App", "idp-authentication-failed", "fp"),
    ]
    assert evs[0].correlation_id == "90020211103030609732115389415260839021644201259064885298"
    assert [e.source.ref for e in evs] == ["line 3", "line 44", "line 86", "line 128", "line 154"]
    assert {e.side for e in evs} == {"idp"}


def _google_originals() -> list[str]:
    doc = json.loads((DATA / "google-saml-test-saml.log-expected.json").read_text())
    return [d["event"]["original"] for d in doc["expected"]]


def _google_check(evs) -> None:
    assert [_fields(e) for e in evs] == [
        (utc(2020, 10, 2, 15, 0, 0), "failure", "foo@bar.com", "67.43.156.13", "app",
         "app-not-found", "failure_app_not_configured_for_user"),
        (utc(2020, 10, 2, 15, 0, 1), "success", "foo@bar.com", "67.43.156.13", "app", None, None),
    ]


def test_google_activity_with_one_event_object(tmp_path):
    # Elastic's httpjson input splits an activity's events: `events` is one object, not a list
    path = tmp_path / "test-saml.log"
    path.write_text("".join(t + "\n" for t in _google_originals()))
    assert detected(path) == "google"
    _google_check(events(records(path)))


def test_google_activities_in_pipeline_test_messages(tmp_path):
    path = _pipeline_events(tmp_path, _google_originals())
    assert detected(path) == "google"
    _google_check(events(records(path)))


def test_keycloak_wildfly_events():
    evs = _clean_events(DATA / "keycloak-test-log.log", "keycloak")
    # WildFly console lines carry no date: no time, rather than a guessed day
    assert {e.time for e in evs} == {None}
    assert {(e.outcome, e.ip, e.side) for e in evs} == {("failure", "172.18.0.1", "idp")}
    by_line = {summary(e)[0]: (e.user, e.app, e.code, e.raw_code, e.request_id) for e in evs}
    assert len(by_line) == 15
    assert by_line[18] == (None, "test", "reply-url-mismatch", "invalid_redirect_uri", None)
    assert by_line[26] == ("admin", "test", "idp-authentication-failed", "invalid_user_credentials",
                           "3a76b735-e324-42b1-aa15-7c1f69f22eb8")
    assert by_line[27] == (None, "security-admin-console", "idp-authentication-failed",
                           "user_not_found", "f9d4300d-d052-4eb6-9aeb-e8fcf642a21f")
    assert by_line[28][0] == "asdf"


def test_a_message_only_record_that_wraps_no_log_is_no_log(tmp_path):
    path = _pipeline_events(tmp_path, ["hello", "world"])
    assert detected(path) is None


def _ecs_log(tmp_path: Path, *extra: dict) -> Path:
    """The real Keycloak 26.2.2 ECS log, then records in its layout (its last record's keys) with
    the given fields: Keycloak writes its events logger's lines so with
    --log-console-json-format=ecs (the sample itself has only start-up lines)."""
    lines = (DATA / "keycloak-test-ecs-log.log").read_text().splitlines()
    last = json.loads(lines[-1])
    added = [json.dumps({**last, **fields}, separators=(",", ":")) for fields in extra]
    path = tmp_path / "keycloak-ecs.log"
    path.write_text("\n".join(lines + added) + "\n")
    return path


def _ecs_event(message: str) -> dict:
    return {"@timestamp": "2025-05-01T01:20:42.120Z", "log.logger": "org.keycloak.events",
            "log.level": "WARN", "process.thread.name": "executor-thread-1", "message": message}


def _wildfly_body(line: int) -> str:
    """The events logger's message of a line of the WildFly sample (after '(thread) ')."""
    return (DATA / "keycloak-test-log.log").read_text().splitlines()[line - 1].split(") ", 1)[1]


def test_keycloak_ecs_log_is_keycloaks():
    assert detected(DATA / "keycloak-test-ecs-log.log") == "keycloak"
    assert events(records(DATA / "keycloak-test-ecs-log.log")) == []


def test_keycloak_ecs_event_fields(tmp_path):
    evs = _clean_events(_ecs_log(tmp_path, _ecs_event(_wildfly_body(26))), "keycloak")
    assert [_fields(e) for e in evs] == [
        (utc(2025, 5, 1, 1, 20, 42, 120000), "failure", "admin", "172.18.0.1", "test",
         "idp-authentication-failed", "invalid_user_credentials")]
    assert summary(evs[0])[0] == 19


def test_keycloak_ecs_events_beside_a_saml_dump(tmp_path):
    # a dumped message in the head must not hand the whole log to the generic dump reader
    dump = {**_ecs_event("SAML POST request: PHNhbWxwOkF1dGhuUmVxdWVzdCB4bWxuczpzYW1scD0idXJuOm9hc2lz"
                         "Om5hbWVzOnRjOlNBTUw6Mi4wOnByb3RvY29sIiBJRD0iX2ExIiBWZXJzaW9uPSIyLjAiLz4="),
            "log.logger": "org.keycloak.protocol.saml.SamlService", "log.level": "DEBUG"}
    path = _ecs_log(tmp_path, dump, _ecs_event(_wildfly_body(18)))
    assert detected(path) == "keycloak"
    evs = events(records(path))
    assert [(summary(e)[0], e.code, e.raw_code) for e in evs] == [
        (20, "reply-url-mismatch", "invalid_redirect_uri")]


def test_authentik_api_events():
    evs = _clean_events(DATA / "authentik-event-originals.jsonl", "authentik")
    assert [_fields(e) for e in evs] == [
        (utc(2024, 8, 7, 6, 28, 59, 565191), "info", "root@example.com", None, None, None,
         "policy_execution"),
        # a wrong password at authentik's identification stage: its own sign-in failed
        (utc(2024, 8, 7, 6, 29, 2, 402447), "failure", "root@example.com", "81.2.69.144", None,
         "idp-authentication-failed", "login_failed"),
        (utc(2024, 8, 7, 5, 19, 14, 97848), "success", "root@example.com", "81.2.69.144", None,
         None, "login"),
    ]
    assert evs[1].correlation_id == "e6818c31-e8ff-4bbf-95ac-3da9c53cb716"


def test_pingfederate_cef_audit_in_elastic_documents():
    path = DATA / "pingfederate-test-audit.json"
    assert detected(path) == "pingfederate"
    recs = records(path)
    # the last record is a bare CEF header ('UNKNOWN_TYPE', no extension): no time to place it
    assert malformed_lines(recs) == ["line 215"]
    evs = events(recs)
    # rt is the server's local time without a zone (read in --timezone, UTC here)
    assert [summary(e) + (e.app, e.request_id, e.raw_code, e.local_time) for e in evs] == [
        (2, utc(2012, 5, 18, 11, 41, 48, 452000), "info", "joe", "81.2.69.142", "sp:cloud:saml2",
         "ae14b5ce8", "AUTHN_SESSION_DELETED", True),
        (79, utc(2012, 5, 18, 11, 41, 48, 453000), "info", "moe", "81.2.69.142", None,
         "ae14b5cea", "AUTHN_SESSION_USED", True),
        (147, utc(2012, 5, 18, 11, 41, 48, 452000), "info", "moe", "81.2.69.142", None,
         "ae14b5ce9", "AUTHN_SESSION_DELETED", True),
    ]


def test_pingfederate_cef_sso_failure(tmp_path):
    doc = json.loads((DATA / "pingfederate-test-audit.json").read_text())
    first = doc["events"][0]["event"]["original"]
    # the sample's first record as an SSO that failed, behind a syslog header as a SIEM gets it
    sso = first.replace("|AUTHN_SESSION_DELETED|AUTHN_SESSION_DELETED|", "|SSO|SSO|").replace(
        "msg=success", "msg=failure")
    path = tmp_path / "pf-cef.log"
    path.write_text(f"<134>1 2012-05-18T11:41:49Z pf01 PingFederate - - - {sso}\n{first}\n")
    assert detected(path) == "pingfederate"
    evs = _clean_events(path, "pingfederate")
    assert [(e.outcome, e.code, e.side, e.user, e.app, e.request_id) for e in evs] == [
        ("failure", "unknown-failure", "idp", "joe", "sp:cloud:saml2", "ae14b5ce8"),
        ("info", None, "idp", "joe", "sp:cloud:saml2", "ae14b5ce8"),
    ]
