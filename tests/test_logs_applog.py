"""SP application logs (samlscan/logs/applog.py): Spring Boot with Spring Security SAML2/OpenSAML,
java-saml in logback and log4j2 layouts, python3-saml in Flask and Django layouts."""
from __future__ import annotations

import json
from datetime import UTC

import pytest
from click.testing import CliRunner
from test_logs_common import (
    FIXTURES,
    PARIS,
    detected,
    embedded,
    events,
    read_head,
    records,
    utc,
)

from samlscan import prefilter
from samlscan.cli import main
from samlscan.logs import PARSERS, applog
from samlscan.logs.base import EmbeddedSaml

DIR = FIXTURES / "sp-app"
NOT_SAML = FIXTURES.parent / "not-saml" / "spring-boot-app.log"
SAMPLES = sorted(DIR.iterdir())


def failures(evs):
    return [(int(e.source.ref.split()[-1]), e.outcome, e.code) for e in evs if e.outcome != "info"]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_samples_are_read_as_sp_app_logs(path):
    assert detected(path) == "sp-app"


def test_plain_app_log_is_not_claimed():
    """A Spring Boot log with ERRORs, a JWT 'Invalid signature' and a /saml2/ URL names no SAML
    library: not this reader's, nor anybody's."""
    head = read_head(str(NOT_SAML))
    assert applog.PARSER.sniff(head) is False
    assert detected(NOT_SAML) is None


def test_registered_last_before_the_generic_finder():
    names = [p.name for p in PARSERS]
    assert names[-2:] == ["sp-app", "embedded"]


def test_idp_logs_on_opensaml_stay_with_their_readers():
    for path in (FIXTURES / "shibboleth" / "idp-process.log", FIXTURES / "keycloak" / "keycloak-quarkus.log"):
        assert applog.PARSER.sniff(read_head(str(path))) is False


def test_spring_boot3_failures_stack_trace_and_success():
    evs = events(records(DIR / "spring-boot3.log", PARIS))
    assert failures(evs) == [(7, "failure", "signature-invalid"), (8, "failure", "signature-invalid"),
                             (21, "failure", "audience-mismatch"), (22, "failure", "audience-mismatch"),
                             (30, "success", None)]
    by_line = {int(e.source.ref.split()[-1]): e for e in evs}
    # TRACE list of Saml2Errors: the Response ID and the object whose signature failed
    assert by_line[7].saml_ids == ("id219331775649282167252057856", "id504128464131700049861377533")
    assert by_line[7].raw_code == "invalid_signature"
    # the exception line of the stack trace under 'Failed to process authentication request'
    assert by_line[8].text == ("Failed to process authentication request: "
                               "Invalid signature for object [id504128464131700049861377533]")
    # OpenSAML's detail after Spring's 'Invalid assertion [..] for SAML response [..]:'
    assert by_line[22].saml_ids == ("_a7c1e0f9b2d34e5f", "_5c0ffee1d2")
    assert by_line[30].saml_ids == ("_3f9b2c7d1e",)
    assert by_line[31].outcome == "info" and by_line[31].ip == "203.0.113.77"
    assert all(e.product == "spring" and e.side == "sp" for e in evs)
    # +01:00 offsets: the same UTC time whatever --timezone says
    assert by_line[7].time == utc(2025, 3, 11, 8, 41, 5, 455000) and not by_line[7].local_time
    assert [e.time for e in events(records(DIR / "spring-boot3.log", UTC))] == [e.time for e in evs]
    assert 1 not in by_line and 4 not in by_line  # application and framework chatter: no events


def test_spring_boot2_zone_less_times_are_local():
    paris = events(records(DIR / "spring-boot2.log", PARIS))
    assert failures(paris) == [(3, "failure", "unknown-failure"), (4, "failure", "destination-mismatch")]
    assert paris[0].time == utc(2025, 3, 11, 8, 41, 5, 455000) and paris[0].local_time
    assert paris[1].saml_ids == ("id210660507729002125766252711",)
    in_utc = events(records(DIR / "spring-boot2.log", UTC))
    assert in_utc[0].time == utc(2025, 3, 11, 9, 41, 5, 455000)


def test_java_saml_logback_errors_dumps_and_flow():
    recs = records(DIR / "java-saml-logback.log", PARIS)
    evs = events(recs)
    assert failures(evs) == [(3, "failure", "audience-mismatch"), (4, "failure", "unknown-failure"),
                             (6, "failure", "audience-mismatch"), (12, "success", None)]
    by_line = {int(e.source.ref.split()[-1]): e for e in evs}
    assert by_line[4].raw_code == "invalid_response"
    # the app's own ERROR: the ValidationError of its stack trace names the cause
    assert by_line[6].text == ("SAML login failed: [invalid_response]: "
                               "sonarqube is not a valid audience for this Response")
    assert by_line[13].user == "dev.user1@example.com"
    assert all(e.product == "java-saml" for e in evs)
    # one request on one thread: the ERRORs and the dumped response share a flow ID
    dumps = embedded(recs)
    assert [d.source.ref for d in dumps] == ["line 5", "line 12"]
    assert dumps[0].value.startswith("PHNhbWwycDpSZXNwb25zZS") and dumps[0].product == "java-saml"
    assert dumps[0].time == utc(2025, 3, 11, 8, 41, 2, 612000)
    assert {by_line[n].request_id for n in (3, 4, 6)} == {dumps[0].request_id} != {None}
    assert by_line[12].request_id != by_line[3].request_id


def test_java_saml_log4j2_layout():
    evs = events(records(DIR / "java-saml-log4j2.log", PARIS))
    assert failures(evs) == [(2, "failure", "signature-invalid"), (3, "failure", "unknown-failure"),
                             (4, "failure", "recipient-mismatch"), (5, "failure", "unknown-failure")]
    assert evs[0].time == utc(2025, 3, 11, 8, 45, 12, 19000)


def test_python3_saml_flask():
    evs = events(records(DIR / "python3-saml-flask.log", PARIS))
    assert failures(evs) == [(2, "failure", "signature-invalid"), (4, "failure", "idp-configuration-error"),
                             (18, "failure", "inresponseto-mismatch")]
    assert all(e.product == "python3-saml" for e in evs)
    # the werkzeug access line after the ERROR is no part of its text
    assert evs[0].text == "SAML errors: ['invalid_response'] reason: Signature validation failed. SAML Response rejected"
    assert evs[0].raw_code == "invalid_response"
    # the traceback's last line is the cause
    assert evs[1].text.endswith(": SAML Response not found, Only supported HTTP_POST Binding")
    assert evs[2].saml_ids == ("ONELOGIN_4fee3b046395c4e751011e97f8900b5273d56685",
                               "ONELOGIN_809707f0030a5d00620c9d9df97f627afe9dcc24")
    assert evs[0].time == utc(2025, 3, 11, 8, 41, 5, 456000) and evs[0].local_time


def test_python3_saml_django():
    evs = events(records(DIR / "python3-saml-django.log", PARIS))
    # Django's own 'Bad Request' WARNING names no SAML text: no event
    assert failures(evs) == [(2, "failure", "destination-mismatch"), (4, "failure", "assertion-expired")]


def test_python3_saml_invalid_response_alone_is_not_spring_status(tmp_path):
    """'invalid_response' is Spring's code for a non-Success status, and python3-saml's for any
    refused response: a python3-saml app logging only the token is no status failure."""
    log = tmp_path / "app.log"
    log.write_text("[2025-03-11 09:41:05,456] ERROR in app: OneLogin_Saml2_Auth errors: ['invalid_response']\n")
    (ev,) = events(records(log, PARIS))
    assert (ev.product, ev.outcome, ev.code) == ("python3-saml", "failure", "unknown-failure")


def test_unknown_library_error_is_a_failure_only_when_it_is_a_validation_failure(tmp_path):
    log = tmp_path / "app.log"
    log.write_text(
        "2025-03-11 09:41:05.456 ERROR [http-nio-8080-exec-1] c.onelogin.saml2.authn.SamlResponse - "
        "Something new the catalog does not know\n"
        "2025-03-11 09:41:06.456 ERROR [http-nio-8080-exec-2] c.onelogin.saml2.Auth - "
        "processResponse error. invalid_response\n"
        "2025-03-11 09:41:07.456 WARN  [main] c.onelogin.saml2.settings.SettingsBuilder - "
        "Loading settings from onelogin.saml.properties\n")
    assert failures(events(records(log, PARIS))) == [(2, "failure", "unknown-failure")]


def test_prefiltered_read_gives_the_same_events(tmp_path):
    """Big logs reach the reader through the byte-level prefilter (samlscan/prefilter.py): the
    records it keeps give the same events as the whole file."""
    parser, pf = prefilter._log_with_prefilter((DIR / "spring-boot3.log").read_bytes())
    assert parser.name == "sp-app" and pf is prefilter.prefilters()["sp-app"]
    noise = "".join(f"2025-03-11T09:4{i % 10}:00.000+01:00  INFO 4711 --- [demo] [nio-8080-exec-1] "
                    f"c.e.demo.web.HomeController            : GET /home {i}\n" for i in range(200))
    for sample in SAMPLES:
        big = tmp_path / sample.name
        big.write_text(noise + sample.read_text() + noise)
        counter = [0]
        with open(big, "rb") as fh:
            kept = list(prefilter.prefiltered_lines(fh, 0, big.stat().st_size, pf, counter))
        assert len(kept) < counter[0]
        whole = _read(records(big, PARIS))
        fast = _read(parser.parse(kept, str(big), PARIS))
        assert fast == whole and whole, sample.name


def _read(recs) -> list[tuple]:
    """What a reader gives, for comparison: its events, and the SAML messages logged (a sample may
    hold only a message printed under its record: fixtures/gen_printed.py)."""
    recs = list(recs)
    return [(e.source, e.time, e.outcome, e.code, e.saml_ids, e.request_id) for e in events(recs)] + [
        (r.source, r.time, r.value, r.printed) for r in recs if isinstance(r, EmbeddedSaml)]


def _cli(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cli_check_spring_log_gives_failed_attempts_with_causes():
    r = _cli("check", "--format", "json", "--timezone", "Europe/Paris", str(DIR / "spring-boot3.log"))
    doc = json.loads(r.stdout)
    assert doc["inputs"][0]["kind"] == "log:sp-app" and doc["inputs"][0]["status"] == "scanned"
    got = [(a["time"], a["outcome"], a["root_cause"]) for a in doc["attempts"]]
    assert got == [("2025-03-11T08:41:05Z", "failure", "signature-invalid"),
                   ("2025-03-11T08:47:33Z", "failure", "audience-mismatch"),
                   ("2025-03-11T08:52:10Z", "success", None)]
    assert [e["ref"] for e in doc["attempts"][0]["evidence"]] == ["line 7", "line 8"]


def test_cli_scan_python_logs(tmp_path):
    for name in ("python3-saml-flask.log", "python3-saml-django.log"):
        (tmp_path / name).write_bytes((DIR / name).read_bytes())
    r = _cli("scan", "--format", "json", "--timezone", "Europe/Paris", str(tmp_path))
    doc = json.loads(r.stdout)
    assert {i["kind"] for i in doc["inputs"]} == {"log:sp-app"}
    causes = sorted((a["time"], a["root_cause"]) for a in doc["attempts"] if a["outcome"] == "failure")
    assert causes == [("2025-03-11T08:41:05Z", "destination-mismatch"), ("2025-03-11T08:41:05Z", "signature-invalid"),
                      ("2025-03-11T08:43:10Z", "idp-configuration-error"),
                      ("2025-03-11T08:44:02Z", "assertion-expired"),
                      ("2025-03-11T08:44:30Z", "inresponseto-mismatch")]


def test_cli_java_saml_dump_is_checked_as_a_message():
    """The response java-saml dumped at DEBUG is decoded and joined to the failure of its request."""
    r = _cli("check", "--format", "json", "--timezone", "Europe/Paris", str(DIR / "java-saml-logback.log"))
    doc = json.loads(r.stdout)
    assert [m["captured_at"] for m in doc["messages"]] == ["2025-03-11T08:41:02Z", "2025-03-11T08:44:10Z"]
    failed = [a for a in doc["attempts"] if a["outcome"] == "failure"]
    assert len(failed) == 1 and failed[0]["root_cause"] == "audience-mismatch"
    assert {e["ref"] for e in failed[0]["evidence"] if e["kind"] == "log"} >= {"line 3", "line 4", "line 6"}


def test_cli_plain_app_log_is_not_saml():
    """Read as an app log by its layout (its SAML lines could come later), none found: skipped with
    that reason, no finding (tests/test_latefirst.py)."""
    r = _cli("check", "--format", "json", str(NOT_SAML))
    doc = json.loads(r.stdout)
    assert [(i["status"], i["reason"]) for i in doc["inputs"]] == [("skipped", "an application log without a SAML line")]
    assert doc["attempts"] == []
    r = _cli("check", "--format", "jsonl", str(NOT_SAML))
    assert r.stdout.strip() == ""


def _attempts_of(tmp_path, text: str) -> list:
    log = tmp_path / "app.log"
    log.write_text(text)
    r = CliRunner().invoke(main, ["check", str(log), "--format", "json"])
    return [(a["outcome"], a["root_cause"], [e["ref"] for e in a["evidence"]])
            for a in json.loads(r.stdout)["attempts"]]


def test_two_logins_on_one_thread_within_a_second_stay_two(tmp_path):
    """A worker thread serves the next login at once: a record naming another Response ID, or a
    failure after the thread's success, starts a new flow (the success was lost in the failure)."""
    spring = ("2025-03-11T09:41:05.402+01:00 DEBUG 4711 --- [demo] [nio-8080-exec-4] "
              "o.s.s.s.p.s.a.OpenSaml4AuthenticationProvider : Successfully processed SAML Response "
              "[_resp_alice_0001]\n"
              "2025-03-11T09:41:05.950+01:00 DEBUG 4711 --- [demo] [nio-8080-exec-4] "
              "o.s.s.s.p.s.a.OpenSaml4AuthenticationProvider : Found 1 validation errors in SAML response "
              "[_resp_bob_0002]: [[invalid_signature] Invalid signature for object [_resp_bob_0002]]\n")
    assert _attempts_of(tmp_path, spring) == [("success", None, ["line 1"]),
                                             ("failure", "signature-invalid", ["line 2"])]
    javasaml = ("2025-03-11 09:44:10.233 DEBUG [http-nio-8080-exec-6] com.onelogin.saml2.Auth - "
                "processResponse success\n"
                "2025-03-11 09:44:10.933 ERROR [http-nio-8080-exec-6] c.onelogin.saml2.authn.SamlResponse - "
                "sonarqube is not a valid audience for this Response\n"
                "2025-03-11 09:44:10.934 ERROR [http-nio-8080-exec-6] com.onelogin.saml2.Auth - "
                "processResponse error. invalid_response\n")
    got = _attempts_of(tmp_path, javasaml)
    assert [(o, c) for o, c, _ in got] == [("success", None), ("failure", "audience-mismatch")]
    assert got[1][2] == ["line 2", "line 3"]  # the failure's own lines stay one login
