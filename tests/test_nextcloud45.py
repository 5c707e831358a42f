"""Nextcloud's log (nextcloud.log, JSON lines) read as evidence of its user_saml app's logins
(samlscan/logs/nextcloud.py; fixtures/gen_nextcloud45.py writes fixtures/logs/nextcloud/)."""
from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from samlscan.logs import detect, parse_file
from samlscan.logs.base import EmbeddedSaml, Malformed
from samlscan.model import LogEvent
from tests.excerpt_util import run_json

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
HERE = FIXTURES / "logs" / "nextcloud"
AUDIT41 = FIXTURES / "audit41" / "nextcloud-json-received-at.log"


def _utc(*args) -> str:
    return datetime(*args, tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# file -> (outcome, root cause, user, time of the attempt in UTC: the log's +01:00 an hour on)
CASES = {
    "destination-mismatch.log": ("failure", "destination-mismatch", None, _utc(2026, 3, 3, 9, 0)),
    "signature-invalid.log": ("failure", "signature-invalid", None, _utc(2026, 3, 3, 9, 5)),
    "audience-mismatch.log": ("failure", "audience-mismatch", None, _utc(2026, 3, 3, 9, 10)),
    "not-provisioned.log": ("failure", "signup-disabled", "dan", _utc(2026, 3, 3, 9, 15)),
    "uid-attribute-missing.log": ("failure", "login-attribute-missing", None, _utc(2026, 3, 3, 9, 20)),
    "success.log": ("success", None, None, _utc(2026, 3, 3, 9, 25)),
}


def _attempts(doc: dict) -> list[tuple]:
    return [(a["outcome"], a["root_cause"], a["user"], a["time"]) for a in doc["attempts"]]


def test_the_fixtures_are_the_generators():
    run = subprocess.run([sys.executable, str(FIXTURES / "gen_nextcloud45.py"), "--check"], capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert {p.name for p in HERE.iterdir()} == set(CASES) | {"other-apps.log"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_login_is_one_attempt_with_its_cause_user_and_time(name):
    doc = run_json("check", HERE / name)
    (inp,) = doc["inputs"]
    assert (inp["kind"], inp["status"]) == ("log:nextcloud", "scanned")
    assert _attempts(doc) == [CASES[name]]


def test_a_requests_lines_are_one_attempt_by_its_req_id():
    """php-saml's 'invalid_response', its reason and 'Auth failed' share the request's reqId: one
    attempt, its client IP the record's remoteAddr; the other app's line of that minute is no event."""
    events = [r for r in parse_file(str(HERE / "destination-mismatch.log"), timezone.utc) if isinstance(r, LogEvent)]
    assert [e.outcome for e in events] == ["failure", "failure", "info"]
    assert {e.request_id for e in events} == {"Ab3dQ9kLmN0pQrStUvW1"}
    assert {(e.product, e.side, e.ip) for e in events} == {("nextcloud", "sp", "203.0.113.10")}
    assert events[1].code == "destination-mismatch"


def test_other_apps_lines_make_no_attempt():
    """cron, core's refusal of a password login, PHP notices: not a SAML login's evidence."""
    doc = run_json("check", HERE / "other-apps.log")
    (inp,) = doc["inputs"]
    assert (inp["kind"], inp["status"]) == ("log:nextcloud", "skipped") and not doc["attempts"]
    assert not [r for r in parse_file(str(HERE / "other-apps.log"), timezone.utc)]


def test_the_real_excerpt_is_read_as_a_log():
    """user_saml PR 215's two records: read as Nextcloud's log, not 'no SAML message here'."""
    doc = run_json("check", AUDIT41)
    (inp,) = doc["inputs"]
    assert inp["kind"] == "log:nextcloud" and inp["status"] == "scanned"
    assert not any("no SAML message here" in f["message_text"] for f in doc["input_findings"])
    assert [(a["outcome"], a["root_cause"], a["time"]) for a in doc["attempts"]] == [
        ("failure", "destination-mismatch", _utc(2018, 5, 25, 14, 5, 33))]


def _line(message, level=3, app="user_saml", time="2026-03-03T10:00:00+01:00", req="R1", **extra) -> str:
    rec = {"reqId": req, "level": level, "time": time, "remoteAddr": "198.51.100.7", "user": "--", "app": app,
           "method": "POST", "url": "/index.php/apps/user_saml/saml/acs", "message": message,
           "userAgent": "x", "version": "28.0.1.1", **extra}
    return json.dumps(rec) + "\n"


def _records(tmp_path, text: str, tz=timezone.utc) -> list:
    path = tmp_path / "nextcloud.log"
    path.write_text(text)
    return list(parse_file(str(path), tz))


def test_a_broken_line_is_said_and_the_rest_read(tmp_path):
    text = _line("invalid_response") + '{"reqId":"R2","level":3,"time":"2026-03\n' + _line(
        "Signature validation failed. SAML Response rejected", req="R3")
    records = _records(tmp_path, text)
    assert [type(r) for r in records] == [LogEvent, Malformed, LogEvent]
    assert records[2].code == "signature-invalid" and records[1].source.ref == "line 2"


def test_a_1mb_message_and_deep_json_end_without_traceback(tmp_path):
    """A megabyte's message is read (one event); a line of JSON nested beyond any parser's depth is
    one malformed line, and the CLI says so in a line, no traceback."""
    big = "The response was received at http://a/acs instead of http://b/" + "x" * (1024 * 1024)
    deep = '{"a":' * 200_000 + "1" + "}" * 200_000 + "\n"
    path = tmp_path / "nextcloud.log"
    path.write_text(_line("invalid_response") + deep + _line(big, req="R2"))
    records = list(parse_file(str(path), timezone.utc))
    events = [r for r in records if isinstance(r, LogEvent)]
    assert len(events) == 2 and events[1].code == "destination-mismatch"
    assert any(isinstance(r, Malformed) for r in records)
    doc = run_json("check", path)
    assert doc["inputs"][0]["kind"] == "log:nextcloud"


def test_nested_exceptions_name_their_causes(tmp_path):
    """Nextcloud 25+ puts the exception beside the message; older releases log the exception object
    as the message itself. Either way its Previous causes are read (a bounded number of them)."""
    inner = {"Exception": "OneLogin\\Saml2\\ValidationError", "Message": "Signature validation failed. SAML Response "
             "rejected", "Code": 42}
    deep = inner
    for i in range(50):
        deep = {"Exception": "Exception", "Message": f"wrapper {i}", "Previous": deep}
    old = {"Exception": "OneLogin\\Saml2\\Error", "Message": "Invalid array settings: idp_entityId_not_found",
           "Code": 0, "Trace": [], "File": "/x.php", "Line": 1, "CustomMessage": "--"}
    text = (_line("Auth error", exception={"Exception": "RuntimeException", "Message": "outer", "Previous": inner})
            + _line("x", exception=deep, req="R2") + _line(old, app="index", req="R3"))
    first, second, third = _records(tmp_path, text)
    assert "OneLogin\\Saml2\\ValidationError: Signature validation failed" in first.text
    assert first.code == "signature-invalid"
    assert second.text.count("wrapper") < 10
    assert third.text.startswith("Invalid array settings") and third.outcome == "failure"


def test_only_user_saml_and_php_saml_lines_are_read(tmp_path):
    """Another app's line at the ACS is still the request's (user_saml's debug lines name no app);
    another app's elsewhere is not, nor a php-saml text another app happens to log."""
    text = (_line("Attributes send by the IDP: {}", level=0, app="no app in context")
            + _line("Signature validation failed. SAML Response rejected", app="files", req="R2",
                    url="/remote.php/dav/files/a.txt"))
    records = _records(tmp_path, text)
    assert len(records) == 1 and records[0].outcome == "info"


def test_a_logout_error_is_no_failed_login(tmp_path):
    text = _line("invalid_logout_request").replace("saml/acs", "saml/sls")
    (event,) = _records(tmp_path, text)
    assert event.outcome == "info"


def test_a_custom_logdateformat_is_read_in_the_given_zone(tmp_path):
    """logdateformat 'F d, Y H:i:s' (nextcloud/server issue 20173) has no zone: its logtimezone is the
    reader's --timezone; the default ATOM format carries its offset."""
    (event,) = _records(tmp_path, _line("invalid_response", time="March 26, 2020 07:20:39"), ZoneInfo("Europe/Berlin"))
    assert event.time == datetime(2020, 3, 26, 6, 20, 39, tzinfo=timezone.utc) and event.local_time
    (event,) = _records(tmp_path, _line("invalid_response", time="2020-03-26T07:20:39-05:00"))
    assert event.time == datetime(2020, 3, 26, 12, 20, 39, tzinfo=timezone.utc) and not event.local_time


def test_a_saml_message_in_a_line_is_decoded(tmp_path):
    """A SAMLResponse a line quotes (a debug line, an SLO redirect's URL) is read as in any log's line."""
    xml = (FIXTURES / "responses" / "valid" / "okta.xml").read_bytes()
    value = base64.b64encode(xml).decode()
    # (four lines: up to three with one SAMLResponse= are read as a pasted request, engine._log_of)
    text = (_line("Cookie was not present", level=0, req="R6") + _line("Cookie was not present", level=0, req="R7")
            + _line("Invalid auth payload", level=0, req="R8")
            + _line(f"SAMLResponse={value}", level=0, req="R9"))
    records = _records(tmp_path, text)
    (dump,) = [r for r in records if isinstance(r, EmbeddedSaml)]
    assert dump.request_id == "R9" and base64.b64decode(dump.value) == xml
    doc = run_json("check", tmp_path / "nextcloud.log")
    assert doc["inputs"][0]["kind"] == "log:nextcloud"


def test_detected_by_content_not_by_name(tmp_path):
    path = tmp_path / "export.txt"
    path.write_text((HERE / "signature-invalid.log").read_text())
    assert detect(path.read_text()).name == "nextcloud"
    assert detect('{"level":"info","time":"2026-03-03T10:00:00Z","message":"hello"}\n') is None or \
        detect('{"level":"info","time":"2026-03-03T10:00:00Z","message":"hello"}\n').name != "nextcloud"


@pytest.mark.parametrize("text, product, code", [
    ("Auto provisioning not allowed and user 9CE2EB29-ADFC-8986-ECC2-2B2C72899CA2 does not exist", "nextcloud",
     "signup-disabled"),
    ('IDP parameter for the UID (Email) not found. Possible parameters are: ["http:\\/\\/schemas.xmlsoap.org'
     '\\/ws\\/2005\\/05\\/identity\\/claims\\/upn"]', "nextcloud", "login-attribute-missing"),
    ("No InResponseTo at the Response, but it was provided the requestId related to the AuthNRequest sent by "
     "the SP: ONELOGIN_e40f79f35f16d5ce674e5342399c0bf0", "php-saml", "unsolicited-response"),
])
def test_user_saml_texts_are_catalogued(text, product, code):
    """user_saml's own texts (nextcloud/user_saml issue 510, nextcloud/server issue 19264) and php-saml's
    InResponseTo text as user_saml logs it (issue 477)."""
    from samlscan.catalog import lookup

    entry = lookup(text, "nextcloud")
    assert entry is not None and (entry.product, entry.code) == (product, code) and entry.fix
