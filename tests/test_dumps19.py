"""Products' own message logging (fixtures/gen_dumps19.py), each read at its record's time as that
product's, without a false signature failure.

Changed behaviour (each test below fails on the code before it):
- Keycloak's TRACE 'SAML Response Document: ' + DocumentUtil.asString(doc) keeps the document's line
  breaks: the record's line was read alone (input-xml-malformed) and no attempt was made;
- a Rails log (omniauth-saml's SAMLResponse in the controller's Parameters line) gave its messages
  no time: Ruby Logger's head was not a time, and Rails' default SimpleFormatter writes one only in
  the request's 'Started POST ... at <time>' line.
"""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.logs.base import EmbeddedSaml
from samlscan.logs.embedded import PARSER

ROOT = Path(__file__).resolve().parents[1]
LOGS = ROOT / "fixtures" / "logs"
CONFIG = str(ROOT / "fixtures" / "config" / "default.toml")
sys.path.insert(0, str(ROOT / "fixtures"))
import gen_dumps19  # noqa: E402

T58 = "2025-03-11T08:40:58Z"
T59 = "2025-03-11T08:40:59Z"


def _scan(path: Path) -> dict:
    result = CliRunner().invoke(main, ["scan", str(path), "--config", CONFIG, "--format", "json"],
                                catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def _read(doc: dict) -> list[tuple]:
    """(time, signatures verified, finding codes) of each message."""
    return [(m["captured_at"], [s["verified"] for s in m["signatures"]], {f["code"] for f in m["findings"]})
            for m in doc["messages"]]


def test_the_logs_are_the_generators_output():
    assert gen_dumps19.main(["--check", str(LOGS)]) == 0


@pytest.mark.parametrize("name, kind", [
    ("keycloak/server-trace.log", "log:keycloak"),
    ("shibboleth/shibd-debug.log", "log:shibboleth"),
    ("embedded/php-saml-monolog.log", "log:embedded"),
])
def test_a_message_logged_as_received_verifies_at_its_records_time(name, kind):
    """Copies of the bytes received (as signed, line breaks and all): every signature verifies."""
    doc = _scan(LOGS / name)
    assert [(i["status"], i["kind"]) for i in doc["inputs"]] == [("scanned", kind)]
    assert not [f for f in doc["input_findings"] if f["code"].startswith("input-")]
    assert _read(doc) == [(T58, [True, True], set()), (T58, [True, True], set()),
                          (T59, [True, True], {"audience-mismatch"})]
    assert [(a["outcome"], a["root_cause"]) for a in doc["attempts"]][-1:] == [("failure", "audience-mismatch")]


def test_keycloak_trace_documents_are_one_value_each_at_their_records_line():
    doc = _scan(LOGS / "keycloak" / "server-trace.log")
    lines = (LOGS / "keycloak" / "server-trace.log").read_text().split("\n")
    at = [f"line {n}" for n, line in enumerate(lines, 1) if "SAML Response Document: " in line]
    assert [m["ref"] for m in doc["messages"]] == at and len(at) == 3


def test_a_keycloak_document_that_never_closes_ends_at_the_next_record():
    from samlscan.logs.keycloak import KeycloakParser
    text = ("2025-03-11 08:40:58,250 TRACE [org.keycloak.saml] (executor-thread-7) SAML Response Document: "
            "<samlp:Response xmlns:samlp='urn:oasis:names:tc:SAML:2.0:protocol' ID='a'>\n  <x/>\n"
            "2025-03-11 08:40:59,000 INFO  [org.keycloak.services] (executor-thread-7) done\n")
    recs = [r for r in KeycloakParser().parse(enumerate(text.split("\n"), 1), "x.log", timezone.utc)
            if isinstance(r, EmbeddedSaml)]
    assert [(r.source.ref, r.value) for r in recs] == [
        ("line 1", "<samlp:Response xmlns:samlp='urn:oasis:names:tc:SAML:2.0:protocol' ID='a'>\n  <x/>")]
    assert recs[0].time == datetime(2025, 3, 11, 8, 40, 58, 250000, tzinfo=timezone.utc) and not recs[0].printed


@pytest.mark.parametrize("name", ["rails-omniauth-saml.log", "rails-omniauth-saml-plain.log"])
def test_a_rails_callbacks_saml_response_is_read_at_its_requests_time(name):
    doc = _scan(LOGS / "embedded" / name)
    assert [(i["status"], i["kind"]) for i in doc["inputs"]] == [("scanned", "log:embedded")]
    assert _read(doc) == [(T58, [True, True], set()), (T59, [True, True], {"audience-mismatch"})]
    assert [(a["outcome"], a["root_cause"]) for a in doc["attempts"]] == [("failure", "audience-mismatch")]


def _times(text: str) -> list:
    return [r.time for r in PARSER.parse(enumerate(text.split("\n"), 1), "x.log", timezone.utc)
            if isinstance(r, EmbeddedSaml)]


B64 = "PHNhbWxwOlJlc3BvbnNlIHhtbG5zOnNhbWxwPSJ1cm46b2FzaXM6bmFtZXM6dGM6U0FNTDoyLjA6cHJvdG9jb2wiIElEPSJhIi8+"


def test_a_rails_line_takes_the_time_of_its_own_requests_tags():
    """Two requests interleaved (puma threads): each Parameters line its own request's time."""
    text = ('[r1] Started POST "/auth/saml/callback" for 10.0.0.1 at 2025-03-11 08:40:58 +0100\n'
            '[r2] Started POST "/auth/saml/callback" for 10.0.0.2 at 2025-03-11 08:40:59 +0000\n'
            '[r1]   Parameters: {"SAMLResponse"=>"%s"}\n'
            '[r2]   Parameters: {"SAMLResponse"=>"%s"}\n' % (B64, B64))
    assert _times(text) == [datetime(2025, 3, 11, 7, 40, 58, tzinfo=timezone.utc),
                            datetime(2025, 3, 11, 8, 40, 59, tzinfo=timezone.utc)]


def test_a_line_of_no_request_has_no_time():
    assert _times('[r9]   Parameters: {"SAMLResponse"=>"%s"}\n' % B64) == [None]
    text = ('[r1] Started POST "/x" for 10.0.0.1 at 2025-03-11 08:40:58 +0000\n'
            '[r2]   Parameters: {"SAMLResponse"=>"%s"}\n' % B64)
    assert _times(text) == [None]


def test_ruby_loggers_head_is_a_time_and_ends_a_printed_document():
    text = ("I, [2025-03-11T08:40:58.100233 #4711]  INFO -- : got:\n"
            "<samlp:Response xmlns:samlp='urn:oasis:names:tc:SAML:2.0:protocol' ID='a'>\n"
            "I, [2025-03-11T08:40:59.000000 #4711]  INFO -- : got %s\n" % B64)
    recs = [r for r in PARSER.parse(enumerate(text.split("\n"), 1), "x.log", timezone.utc)
            if isinstance(r, EmbeddedSaml)]
    assert [(r.source.ref, r.time) for r in recs] == [
        ("line 2", datetime(2025, 3, 11, 8, 40, 58, 100233, tzinfo=timezone.utc)),
        ("line 3", datetime(2025, 3, 11, 8, 40, 59, tzinfo=timezone.utc))]


def test_spring_boot_34_console_prints_a_message_read_as_the_logs_copy():
    doc = _scan(LOGS / "sp-app" / "spring-boot34-printed.log")
    assert [(i["status"], i["kind"]) for i in doc["inputs"]] == [("scanned", "log:sp-app")]
    ((time, _, codes),) = _read(doc)
    assert (time, codes) == (T58, {"xml-reformatted-by-log"})
    assert {f["severity"] for m in doc["messages"] for f in m["findings"]} == {"info"}


def test_the_requests_remembered_are_bounded_to_the_recent_ones():
    """A month of a Rails log names millions of requests: only the last RECENT_REQUESTS are kept
    (a callback's Parameters line follows its 'Started' line within a few lines)."""
    from samlscan.logs.embedded import RECENT_REQUESTS

    started = "".join(f'[r{k}] Started GET "/x" for 10.0.0.1 at 2025-03-11 08:40:58 +0000\n'
                      for k in range(RECENT_REQUESTS + 10))
    text = started + "".join(f'[r{k}]   Parameters: {{"SAMLResponse"=>"{B64}"}}\n'
                             for k in (0, RECENT_REQUESTS + 9))
    assert _times(text) == [None, datetime(2025, 3, 11, 8, 40, 58, tzinfo=timezone.utc)]
