"""Whole SAML messages logged by products whose message logging is on (fixtures/gen_dumps17.py).

SimpleSAMLphp's debugSAMLMessage logs a message one DEBUG record per line of formatXMLString's
output; pysaml2's 'XML: %s' logs it as received, its line breaks going on under the record.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.logs import parse_file
from samlscan.logs.base import EmbeddedSaml
from samlscan.logs.embedded import cut_xml
from samlscan.logs.simplesamlphp import SimpleSamlPhpParser
from samlscan.prefilter import prefilters

ROOT = Path(__file__).resolve().parents[1]
DUMPS = ROOT / "fixtures" / "logs"
SSP_LOG = DUMPS / "simplesamlphp" / "simplesamlphp-debug-saml.log"
PYSAML2_LOG = DUMPS / "sp-app" / "pysaml2-xml-dump.log"
CONFIG = str(ROOT / "fixtures" / "config" / "default.toml")
SSP_HOME = Path("/usr/share/simplesamlphp")
sys.path.insert(0, str(ROOT / "fixtures"))
import gen_dumps17  # noqa: E402


def _run(cmd: str, path: Path) -> dict:
    result = CliRunner().invoke(main, [cmd, str(path), "--config", CONFIG, "--format", "json"],
                                catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def _ssp_log(tmp_path: Path) -> Path:
    """The SimpleSAMLphp log, dated so its yearless times fall in 2025 (the reader takes the year
    from the file's modification time)."""
    path = tmp_path / "simplesamlphp.log"
    shutil.copy(SSP_LOG, path)
    stamp = datetime(2025, 3, 12, tzinfo=timezone.utc).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def _ssp_records(text: str) -> list[EmbeddedSaml]:
    lines = enumerate(text.split("\n"), 1)
    return [r for r in SimpleSamlPhpParser(2025).parse(lines, "x.log", timezone.utc) if isinstance(r, EmbeddedSaml)]


def test_the_logs_are_the_generators_output():
    assert gen_dumps17.main(["--check", str(DUMPS)]) == 0


@pytest.mark.skipif(shutil.which("php") is None or not (SSP_HOME / "vendor" / "autoload.php").exists(),
                    reason="php-cli and simplesamlphp are not installed")
@pytest.mark.parametrize("name", ["valid/okta.xml", "valid/okta-pretty-signed.xml", "defects/audience-mismatch.xml",
                                  "valid/shibboleth-cbc-rsa15.xml"])
def test_the_generators_formatting_is_simplesamlphps_own(name):
    script = ("require '%s/vendor/autoload.php'; echo \\SimpleSAML\\Utils\\XML::formatXMLString("
              "file_get_contents($argv[1]));" % SSP_HOME)
    real = subprocess.run(["php", "-r", script, str(ROOT / "fixtures" / "responses" / name)],
                          capture_output=True, text=True, check=True, timeout=60).stdout
    assert gen_dumps17.ssp_formatted(name) == real


def test_simplesamlphp_records_of_one_message_are_one_message_at_the_heads_time():
    recs = _ssp_records(SSP_LOG.read_text())
    assert [(r.source.ref, r.time, r.product, r.printed) for r in recs] == [
        ("line 2", datetime(2025, 3, 11, 8, 40, 58, tzinfo=timezone.utc), "simplesamlphp", True),
        ("line 131", datetime(2025, 3, 11, 8, 40, 59, tzinfo=timezone.utc), "simplesamlphp", True)]
    assert recs[0].value == gen_dumps17.ssp_formatted("valid/okta.xml")  # (another session's line left out)


def test_a_simplesamlphp_log_with_message_debugging_is_read_whole(tmp_path):
    doc = _run("scan", _ssp_log(tmp_path))
    assert [(i["status"], i["kind"]) for i in doc["inputs"]] == [("scanned", "log:simplesamlphp")]
    assert not [f for f in doc["input_findings"] if f["code"].startswith("input-")]
    assert [m["captured_at"] for m in doc["messages"]] == ["2025-03-11T08:40:58Z", "2025-03-11T08:40:59Z"]
    assert "audience-mismatch" in {f["code"] for f in doc["messages"][1]["findings"]}
    reformatted = [f for f in doc["messages"][0]["findings"] if f["code"] == "xml-reformatted-by-log"]
    assert [f["severity"] for f in reformatted] and {f["severity"] for f in reformatted} == {"info"}


def test_simplesamlphps_copy_of_a_valid_response_is_no_signature_failure(tmp_path):
    """formatXMLString trims text: the X509Certificate's final line break inside the Assertion is
    gone, so the Response signature's digest failed even once whitespace was normalised."""
    doc = _run("scan", _ssp_log(tmp_path))
    valid, wrong_audience = doc["messages"]
    assert {f["code"] for f in valid["findings"]} == {"xml-reformatted-by-log"}
    assert {f["code"] for f in wrong_audience["findings"]} == {"xml-reformatted-by-log", "audience-mismatch"}


def test_a_head_with_no_message_after_it_loses_no_record():
    text = ("Mar 11 08:40:58 simplesamlphp DEBUG [t1] Received message:\n"
            "Mar 11 08:40:58 simplesamlphp ERROR [t1] SimpleSAML\\Error\\Error: UNHANDLEDEXCEPTION\n")
    lines = enumerate(text.split("\n"), 1)
    recs = list(SimpleSamlPhpParser(2025).parse(lines, "x.log", timezone.utc))
    assert [(type(r).__name__, r.outcome) for r in recs] == [("LogEvent", "failure")]


@pytest.mark.parametrize("line, starts", [
    (b"Mar 11 08:40:58 simplesamlphp DEBUG [a9] fzZ+GnY5eGRnI8CjZo18tWRWechnpXukJrRCLvV74IUg1/dGAVbAOKT/154vkl+u\n", False),
    (b"Mar 11 08:40:58 simplesamlphp DEBUG [a9] 4BufXke7iD8oaIvaf13sAA==</ds:SignatureValue>\n", False),
    (b"Mar 11 08:40:58 simplesamlphp DEBUG [a9]   <ds:SignatureValue>LZ/y7ddHk0LTfvSUh+lr5S\n", True),
    (b"Mar 11 08:40:58 simplesamlphp INFO [a9] Loading state\n", True),
])
def test_a_wrapped_base64_line_goes_with_the_record_above_it(line, starts):
    assert bool(prefilters()["simplesamlphp"].record_start.match(line)) is starts


def test_pysaml2s_message_with_line_breaks_is_read_whole_and_verifies():
    doc = _run("scan", PYSAML2_LOG)
    assert not [f for f in doc["input_findings"] if f["code"].startswith("input-")]
    assert [(m["captured_at"], [s["verified"] for s in m["signatures"]]) for m in doc["messages"]] == [
        ("2025-03-11T08:40:58Z", [True, True])] * 2
    assert [a["outcome"] for a in doc["attempts"]] == ["success"]
    recs = [r for r in parse_file(str(PYSAML2_LOG), timezone.utc) if isinstance(r, EmbeddedSaml)]
    assert [(r.product, r.printed) for r in recs] == [("pysaml2", False)] * 2


@pytest.mark.parametrize("text, cut", [
    ("XML: <ns0:Response ID='a'><ns1:Issuer>x</ns1:Issuer><ds:SignatureValue>AAAA", True),
    ("XML: <?xml version='1.0'?>\n<Response ID='a'>", True),
    ("XML: <ns0:Response ID='a'><ns1:Issuer>x</ns1:Issuer></ns0:Response>", False),
    ("XML: <samlp:Response ID='a'/>", False),
    ("no XML here", False),
])
def test_cut_xml(text, cut):
    assert cut_xml(text) is cut
