"""SAML messages a log prints on lines of its own, under the record that logs them.

OpenSAML's PROTOCOL_MESSAGE logger (Shibboleth IdP's protocol message logging) writes its header
line, then the message pretty-printed on the lines after it; other stacks print a message the same
way. The files are fixtures/gen_printed.py's (fixtures/logs/<reader>/*-printed.log): generated signed responses
as such loggers print them.
"""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.logs import parse_file
from samlscan.logs.base import EmbeddedSaml
from samlscan.logs.embedded import find_embedded
from samlscan.prefilter import prefilters

ROOT = Path(__file__).resolve().parents[1]
PRINTED = ROOT / "fixtures" / "logs"
CONFIG = str(ROOT / "fixtures" / "config" / "default.toml")
CERT = str(ROOT / "fixtures" / "keys" / "idp.crt")
sys.path.insert(0, str(ROOT / "fixtures"))
import gen_printed  # noqa: E402


def _run(*args: str) -> dict:
    result = CliRunner().invoke(main, [*args, "--format", "json"], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def _codes(message: dict) -> list[str]:
    return sorted(f["code"] for f in message["findings"])


def test_the_printed_logs_are_the_generators_output():
    assert gen_printed.main(["--check", str(PRINTED)]) == 0


@pytest.mark.parametrize("name, kind, messages", [
    ("shibboleth/idp-process-printed.log", "log:shibboleth", 2), ("keycloak/server-printed.log", "log:keycloak", 1),
    ("sp-app/spring-boot3-printed.log", "log:sp-app", 1), ("sonarqube/web-printed.log", "log:sonarqube", 1)])
def test_a_message_printed_under_its_record_is_read_at_the_records_time(name, kind, messages):
    doc = _run("check", str(PRINTED / name), "--config", CONFIG)
    assert [(i["status"], i["kind"]) for i in doc["inputs"]] == [("scanned", kind)]
    assert len(doc["messages"]) == messages
    assert {m["captured_at"] for m in doc["messages"]} == {"2025-03-11T08:40:58Z"}  # the header's, not IssueInstant
    assert not [f for f in doc["input_findings"] if f["code"].startswith("input-")]


def test_without_at_the_printed_message_is_judged_at_the_logs_time():
    doc = _run("check", str(PRINTED / "shibboleth/idp-process-printed.log"), "--idp-cert", CERT)
    assert {m["evaluation_time_source"] for m in doc["messages"]} == {"capture"}


def test_a_message_printed_as_it_was_signed_verifies_byte_for_byte():
    first = _run("check", str(PRINTED / "shibboleth/idp-process-printed.log"), "--config", CONFIG)["messages"][0]
    assert [s["verified"] for s in first["signatures"]] == [True, True]
    assert _codes(first) == []


def test_a_message_the_logger_reindented_is_no_failure_of_the_login():
    doc = _run("scan", str(PRINTED / "sp-app/spring-boot3-printed.log"), "--config", CONFIG)
    (message,) = doc["messages"]
    assert _codes(message) == ["xml-reformatted-by-log", "xml-reformatted-by-log"]
    assert {f["severity"] for f in message["findings"]} == {"info"}
    assert [a["outcome"] for a in doc["attempts"]] == ["success"]


def test_the_same_reindented_message_given_as_a_file_is_a_rewritten_body(tmp_path):
    """Not printed by a log: what the SP got (a proxy, a copy tool) had its whitespace changed."""
    path = tmp_path / "response.xml"
    path.write_text(gen_printed.reindented("valid/okta.xml"))
    doc = _run("check", str(path), "--config", CONFIG)
    assert _codes(doc["messages"][0]) == ["xml-reformatted", "xml-reformatted"]
    assert [a["outcome"] for a in doc["attempts"]] == ["failure"]


def test_a_defect_printed_by_the_log_is_the_logins_failure_at_the_logs_time():
    doc = _run("scan", str(PRINTED / "keycloak/server-printed.log"), "--config", CONFIG)
    (message,) = doc["messages"]
    assert "audience-mismatch" in _codes(message)
    (attempt,) = doc["attempts"]
    assert (attempt["outcome"], attempt["root_cause"], attempt["time"]) == ("failure", "audience-mismatch",
                                                                       "2025-03-11T08:40:58Z")


@pytest.mark.parametrize("line", [
    "2025-03-11 08:40:58,250 DEBUG [org.keycloak.saml.SAMLRequestParser] (executor-thread-1) SAML Response: {xml}",
    "2025-03-11 08:40:58,250 - 198.51.100.23 - DEBUG [PROTOCOL_MESSAGE:116] - {xml}",
])
def test_a_message_on_the_records_own_line_takes_its_time(tmp_path, line):
    """Keycloak's and Shibboleth's one-line copies had no time (judged at their IssueInstant)."""
    xml = (ROOT / "fixtures" / "responses" / "valid" / "okta.xml").read_text().replace("\n", "")
    path = tmp_path / "idp.log"
    path.write_text(line.format(xml=xml) + "\n")
    (rec,) = [r for r in parse_file(str(path), timezone.utc) if isinstance(r, EmbeddedSaml)]
    assert rec.time == datetime(2025, 3, 11, 8, 40, 58, 250000, tzinfo=timezone.utc)
    assert not rec.printed


def test_a_declared_response_with_an_assertion_is_read_whole_from_one_line():
    """The span of '<?xml ...?>' ended at the first closing tag of any SAML element: the Assertion's."""
    xml = ('<?xml version="1.0" encoding="UTF-8"?><samlp:Response ID="r1"><saml:Assertion ID="a1">x'
           '</saml:Assertion></samlp:Response>')
    assert find_embedded(f"DEBUG SAMLResponse validated --> {xml} (took 3 ms)") == [xml]
    assert find_embedded(f"x <?xml version='1.0'?><md:EntityDescriptor/> y") == ["<?xml version='1.0'?><md:EntityDescriptor/> y"]


@pytest.mark.parametrize("line, starts", [
    (b"2025-03-11 08:40:58,250 - 10.1.2.3 - DEBUG [PROTOCOL_MESSAGE:116] - ", True),
    (b"10.1.2.3|2025-03-11T08:40:57.900Z|2025-03-11T08:40:59.002Z|devuser1|", True),
    (b"20250311T084058Z|urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect|_a1|", True),
    (b"5pANz0ezOnkDQeXbwXP3n5s/71+iN1XU8qK7P8E03nh8plrkeidBVd/TwRxpsN52", False),  # a printed SignatureValue
    (b"2025 was a good year", False),
])
def test_a_shibboleth_record_starts_at_a_time_or_an_audit_field(line, starts):
    assert bool(prefilters()["shibboleth"].record_start.match(line)) is starts


def test_a_printed_dump_that_never_ends_is_bounded(tmp_path):
    path = tmp_path / "idp-process.log"
    head = "2025-03-11 08:40:58,250 - 10.1.2.3 - DEBUG [PROTOCOL_MESSAGE:116] - \n"
    path.write_text(head + "<saml2p:Response ID='x'>\n" + "  <saml2:Attribute Name='a'/>\n" * 200_000)
    doc = _run("check", str(path), "--config", CONFIG)
    assert doc["inputs"][0]["status"] in ("scanned", "failed")
    assert all(f["code"] != "internal-error" for f in doc["input_findings"])


def test_the_table_says_the_reindented_copy_verifies_once_normalised():
    out = CliRunner().invoke(main, ["check", str(PRINTED / "sp-app/spring-boot3-printed.log"), "--config", CONFIG]).stdout
    assert "Response [rsa-sha256]: verifies once whitespace is normalised (the log printed" in out
    assert "INVALID" not in out


def test_a_declaration_on_the_records_line_and_the_message_below_are_one_value(tmp_path):
    """OpenSAML's PROTOCOL_MESSAGE may write the XML declaration on its header line: the header's
    half was read as a cut message (input-xml-malformed) beside the rest."""
    printed = gen_printed.reindented("valid/okta.xml")
    declaration, rest = printed.split("\n", 1)
    log = tmp_path / "idp-process.log"
    log.write_text("2025-03-11 08:40:58,120 - 198.51.100.23 - DEBUG [PROTOCOL_MESSAGE:116] - " + declaration + "\n"
                   + rest + "2025-03-11 08:40:59,002 - 198.51.100.23 - INFO [net.shibboleth.x:1] - done\n")
    doc = _run("check", str(log), "--config", CONFIG)
    assert [(m["captured_at"], _codes(m)) for m in doc["messages"]] == [
        ("2025-03-11T08:40:58Z", ["xml-reformatted-by-log", "xml-reformatted-by-log"])]
    assert not [f for f in doc["input_findings"] if f["code"].startswith("input-")]
