"""IdP exports from public samples (tests/data/idplogs22, tests/data/idplogs21), and how an IdP
log reads when nothing in it is a login or none of it can be read.

A JSON export with a syntax error is failed at its real line and column (it was 'line 1', the
column counted over the whole document); an IdP log with no login in it is skipped with its
reason, not failed (design.md: scanned, skipped + reason, or failed + finding)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.logs.base import Malformed
from test_logs_common import catalog_ready, detected, events, malformed_lines, records, summary, utc

DATA = Path(__file__).parent / "data" / "idplogs22"
DATA21 = Path(__file__).parent / "data" / "idplogs21"
GRAPH = DATA / "graph-list-signins-example1.json"
OKTA = DATA / "okta-system-events-head3.log"


def _json_report(tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "report.json"
    result = CliRunner().invoke(main, [*args, "--format", "json", "--fail-on", "never", "--output", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text())


def _reasons(recs) -> list[str]:
    return [r.reason for r in recs if isinstance(r, Malformed)]


# --- a JSON document with a syntax error ---------------------------------------------------

def test_graph_example_trailing_comma_is_named_at_its_line_and_column():
    # Microsoft's own List signIns example: '},' before ']' at line 64 (json: line 64 column 15)
    assert detected(GRAPH) == "entra"
    recs = records(GRAPH)
    assert events(recs) == [] and malformed_lines(recs) == ["line 64"]
    assert _reasons(recs) == ["invalid JSON at line 64 column 15: Expecting value"]


def test_graph_example_mended_reads_every_field(tmp_path):
    text = GRAPH.read_text()
    mended = tmp_path / "signins.json"
    mended.write_text(text.replace('},\n              ]', '}\n              ]'))
    recs = records(mended)
    assert malformed_lines(recs) == []
    (ev,) = events(recs)
    # createdDateTime 19:15:41.6195833Z: UTC, to the microsecond
    assert summary(ev) == (5, utc(2020, 3, 13, 19, 15, 41, 619583), "success", "testaccount1@contoso.com",
                           "131.107.159.37")
    assert (ev.app, ev.code, ev.correlation_id, ev.request_id, ev.side) == (
        "Graph explorer", None, "d79f5bee-5860-4832-928f-3133e22ae912",
        "66ea54eb-6301-4ee5-be62-ff5a759b0100", "idp")


def test_a_json_document_that_cannot_be_read_fails_with_where_and_why(tmp_path):
    doc = _json_report(tmp_path, "check", str(GRAPH))
    (inp,) = doc["inputs"]
    assert (inp["status"], inp["kind"], inp["malformed_lines"]) == ("failed", "log:entra", 1)
    assert "invalid JSON at line 64 column 15" in inp["reason"]
    out = tmp_path / "findings.jsonl"
    result = CliRunner().invoke(main, ["check", str(GRAPH), "--format", "jsonl", "--output", str(out)],
                                catch_exceptions=False)
    (finding,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert finding["code"] == "input-log-malformed" and finding["severity"] == "error"
    assert result.exit_code == 1


@pytest.mark.parametrize("text", [
    # an array element that starts mid-line: its column counts from the line's start
    '[{"eventType": "a", "published": "x", "actor": {}},\n {"eventType": "b",\n  "published": "y",}]\n',
    # one object a line (the fast path): the line's own column, after its indentation
    '{"eventType": "a", "published": "x", "actor": {}}\n  {"eventType": "b", "actor": {},}\n',
    # a wrapper object whose broken part is outside any record
    '{"value": [\n  {"eventType": "a", "published": "x", "actor": {}}\n ],\n "next": tru}\n',
    # a record that is one over-long line of its own
    '[\n {"eventType": "a", "published": "x", "displayMessage": "' + "x" * 300_000 + '",}\n]\n',
])
def test_json_errors_are_placed_where_json_itself_places_them(tmp_path, text):
    path = tmp_path / "okta.json"
    path.write_text(text)
    with pytest.raises(json.JSONDecodeError) as exc:
        json.loads(text if not text.startswith("{\"eventType") else text.splitlines()[1])
    err = exc.value
    line = err.lineno if not text.startswith('{"eventType') else 2
    recs = [r for r in records(path) if isinstance(r, Malformed)]
    assert [(r.source.ref, r.reason) for r in recs] == [
        (f"line {line}", f"invalid JSON at line {line} column {err.colno}: {err.msg}")]


# --- an IdP log with no login in it ----------------------------------------------------------

def test_an_idp_log_without_a_login_is_skipped_with_its_reason(tmp_path):
    # Keycloak 26's start-up lines only: read, nothing about a login (it was 'failed')
    doc = _json_report(tmp_path, "scan", str(DATA21 / "keycloak-test-ecs-log.log"))
    (inp,) = doc["inputs"]
    assert (inp["status"], inp["kind"]) == ("skipped", "log:keycloak")
    assert inp["reason"] == "a Keycloak log with no login event (org.keycloak.events)"


def test_an_empty_okta_export_is_skipped_not_failed(tmp_path):
    path = tmp_path / "okta-logs.json"
    path.write_text('{"data": {"events": []}, "eventType": "com.okta.event_hook", "published": "x", '
                    '"actor": {}}\n')
    assert detected(path) == "okta"
    (inp,) = _json_report(tmp_path, "check", str(path))["inputs"]
    assert (inp["status"], inp["reason"]) == ("skipped", "an Okta System Log with no sign-in event")


def test_okta_session_events_only_are_scanned_as_info(tmp_path):
    # Okta's own sign-in and its policy: steps of a login, no app's SSO; the log is read
    evs = events(records(OKTA))
    assert [(summary(e), e.raw_code, e.correlation_id) for e in evs] == [
        ((1, utc(2020, 2, 14, 22, 18, 51, 843000), "info", "username@elastic.co", "175.16.199.1"),
         "user.session.end", "XkccyyMli2Uay2I93ZgRzQAAB0c"),
        ((2, utc(2020, 2, 14, 20, 18, 57, 718000), "info", "xxxxxx@elastic.co", "175.16.199.1"),
         "user.session.start", "XkcAsWb8WjwDP76xh@1v8wAABp0"),
        ((3, utc(2020, 2, 14, 20, 18, 57, 762000), "info", "xxxxxx@elastic.co", "175.16.199.1"),
         "policy.evaluate_sign_on", "XkcAsWb8WjwDP76xh@1v8wAABp0"),
    ]
    (inp,) = _json_report(tmp_path, "scan", str(OKTA))["inputs"]
    assert (inp["status"], inp["events"]) == ("scanned", 3)


# --- failure reasons -> codes and sides ------------------------------------------------------

def _okta_variant(tmp_path: Path, event_type: str, reason: str, target=None) -> list:
    """The sample's user.session.start record as another event type that failed (its other fields
    as Okta wrote them)."""
    rec = json.loads(OKTA.read_text().splitlines()[1])
    rec.update(eventType=event_type, outcome={"reason": reason, "result": "FAILURE"}, target=target)
    path = tmp_path / "okta.log"
    path.write_text(json.dumps(rec, separators=(",", ":")) + "\n")
    return events(records(path))


@pytest.mark.skipif(not catalog_ready(), reason="error catalog not available")
@pytest.mark.parametrize("event_type, reason, code", [
    # Okta as SP (inbound federation), support.okta.com's System Log texts
    ("user.authentication.auth_via_IDP", "Unable to transform email to username", "email-missing"),
    ("user.authentication.auth_via_IDP", "Unable to match the transformed username",
     "user-not-provisioned"),
    ("user.authentication.auth_via_IDP", "Something Okta has not said before", "unknown-failure"),
])
def test_okta_as_sp_reasons(tmp_path, event_type, reason, code):
    (ev,) = _okta_variant(tmp_path, event_type, reason)
    assert (ev.outcome, ev.code, ev.raw_code, ev.user) == ("failure", code, event_type, "xxxxxx@elastic.co")
    assert ev.text.endswith(reason)


@pytest.mark.skipif(not catalog_ready(), reason="error catalog not available")
def test_okta_sso_failure_names_the_app(tmp_path):
    app = [{"alternateId": "sonarqube", "displayName": "SonarQube", "id": "0oa1", "type": "AppInstance"}]
    (ev,) = _okta_variant(tmp_path, "user.authentication.sso", "User is not assigned to this application",
                          app)
    assert (ev.outcome, ev.code, ev.app, ev.time) == ("failure", "user-not-assigned", "SonarQube",
                                                      utc(2020, 2, 14, 20, 18, 57, 718000))


def _auth0_with(tmp_path: Path, description: str) -> list:
    doc = json.loads((DATA21 / "auth0-test-login-failure.json").read_text())
    first = doc["events"][0]["json"]
    first["data"]["description"] = description
    path = tmp_path / "auth0.json"
    path.write_text(json.dumps({"events": [{"json": first}]}, indent=4))
    return events(records(path))


@pytest.mark.skipif(not catalog_ready(), reason="error catalog not available")
@pytest.mark.parametrize("description, code", [
    ("no connections enabled for the client", "idp-configuration-error"),
    ("the connection was not found", "idp-configuration-error"),
    ("the connection was disabled", "idp-configuration-error"),
    ("something else went wrong", "unknown-failure"),
])
def test_auth0_connection_not_enabled(tmp_path, description, code):
    (ev,) = _auth0_with(tmp_path, description)
    assert (ev.outcome, ev.code, ev.raw_code, ev.app) == ("failure", code, "f", "aI61p8I8aFjmYRliLWgvM9ev97kCCNDB")


@pytest.mark.skipif(not catalog_ready(), reason="error catalog not available")
def test_google_app_not_configured_is_an_unknown_entity_id_and_not_enabled_is_assignment():
    # support.google.com/a/answer/6301076: app_not_configured_for_user -> the SAMLRequest's Issuer
    # is not the Entity ID of the SAML app; app_not_enabled_for_user -> the app is off for the user
    from samlscan import catalog

    got = {raw: (catalog.lookup_code("google", raw).code, catalog.lookup_code("google", raw).side)
           for raw in ("failure_app_not_configured_for_user", "failure_app_not_enabled_for_user")}
    assert got == {"failure_app_not_configured_for_user": ("app-not-found", "idp"),
                   "failure_app_not_enabled_for_user": ("user-not-assigned", "idp")}
