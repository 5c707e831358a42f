"""SARIF regions of raw XML inputs: the line and column where the message's element starts, read
from the file's own text; none for a message decoded from base64 or carried in a SOAP envelope."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import jsonschema

from samlscan.config import build
from samlscan.correlate import correlate
from samlscan.engine import analyze
from samlscan.report.regions import root_start
from samlscan.report.sarifout import sarif_log

ROOT = Path(__file__).resolve().parents[1]
DEFECTS = ROOT / "fixtures" / "responses" / "defects"
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\n<!-- saved <by> hand -->\n\n'


def _log(*paths):
    expect = build({}, ROOT / "fixtures" / "config" / "default.toml")
    log = sarif_log(correlate(analyze([str(p) for p in paths], expect)))
    assert list(jsonschema.Draft4Validator(SCHEMA).iter_errors(log)) == []
    return log


def _regions(log):
    return {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].rsplit("/", 1)[-1]):
            r["locations"][0]["physicalLocation"].get("region") for r in log["runs"][0]["results"]}


def test_a_raw_xml_file_anchors_its_findings_at_the_message_element(tmp_path):
    plain = DEFECTS / "audience-mismatch.xml"
    data = plain.read_bytes()
    # the same document after a prolog, its root's start tag going on over two lines
    tag_end = data.index(b" ID=")
    moved = tmp_path / "moved.xml"
    moved.write_bytes(PROLOG.encode() + b"  " + data[:tag_end] + b"\n   " + data[tag_end:])
    regions = _regions(_log(plain, moved))
    assert regions[("audience-mismatch", "audience-mismatch.xml")] == {"startLine": 1, "startColumn": 1}
    # libxml2's sourceline would say 5 (where the start tag ends): the tag starts on line 4, column 3
    assert regions[("audience-mismatch", "moved.xml")] == {"startLine": 4, "startColumn": 3}


def test_no_region_for_a_message_decoded_from_base64(tmp_path):
    b64 = tmp_path / "pasted.b64"
    b64.write_bytes(base64.b64encode((DEFECTS / "audience-mismatch.xml").read_bytes()))
    regions = _regions(_log(b64))
    assert ("audience-mismatch", "pasted.b64") in regions
    assert regions[("audience-mismatch", "pasted.b64")] is None


def test_no_region_for_a_message_inside_a_soap_envelope(tmp_path):
    data = (DEFECTS / "audience-mismatch.xml").read_bytes()
    soap = tmp_path / "soap.xml"
    soap.write_bytes(b'<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>\n'
                     + data + b"\n</S:Body></S:Envelope>")
    regions = _regions(_log(soap))
    assert regions[("audience-mismatch", "soap.xml")] is None


def test_root_start_counts_code_points_and_skips_comments_holding_tags():
    assert root_start('<!-- <a> -->\n\u00e9<!--x--><r/>'.encode()) is None  # text before the root: not a prolog
    assert root_start('<?pi ? x?><!-- <a> --> <r/>'.encode()) == (0, 24)
    assert root_start('\n<!-- \u00e9\u00e9 --><r/>'.encode()) == (1, 12)  # columns in code points, not bytes
    assert root_start('\ufeff<r/>'.encode()) == (0, 1)
