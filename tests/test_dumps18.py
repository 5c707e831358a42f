"""Whole SAML messages printed over many lines in a log no reader claims (fixtures/gen_dumps18.py).

The embedded reader read each line on its own: the '<?xml ...?>' line alone, then the root's line,
were cut messages (input-xml-malformed) and the input failed. A document is now one value from the
line that opens it to its root's closing tag, at the time of the line announcing it.
"""
from __future__ import annotations

import io
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan import prefilter
from samlscan.cli import main
from samlscan.logs.base import EmbeddedSaml
from samlscan.logs.embedded import PARSER

ROOT = Path(__file__).resolve().parents[1]
CONSOLE = ROOT / "fixtures" / "logs" / "embedded" / "console-printed.log"
CONFIG = str(ROOT / "fixtures" / "config" / "default.toml")
sys.path.insert(0, str(ROOT / "fixtures"))
import gen_dumps18  # noqa: E402
import gen_printed  # noqa: E402

T58 = datetime(2025, 3, 11, 8, 40, 58, tzinfo=timezone.utc)


def _run(cmd: str, path: Path) -> dict:
    result = CliRunner().invoke(main, [cmd, str(path), "--config", CONFIG, "--format", "json"],
                                catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def _records(lines) -> list[EmbeddedSaml]:
    return [r for r in PARSER.parse(lines, "x.log", timezone.utc) if isinstance(r, EmbeddedSaml)]


def test_the_log_is_the_generators_output():
    assert gen_dumps18.main(["--check", str(ROOT / "fixtures" / "logs")]) == 0


def test_a_printed_document_is_one_message_at_the_announcing_lines_time():
    recs = _records(enumerate(CONSOLE.read_text().split("\n"), 1))
    assert [(r.source.ref, r.time, r.printed) for r in recs] == [
        ("line 4", T58, True), ("line 134", T58, True), ("line 265", T58.replace(second=59), True)]
    assert recs[0].value == gen_printed.as_signed("valid/okta-pretty-signed.xml").rstrip("\n")


def test_a_console_log_printing_responses_is_read_whole_without_a_false_failure():
    doc = _run("scan", CONSOLE)
    assert [(i["status"], i["kind"]) for i in doc["inputs"]] == [("scanned", "log:embedded")]
    assert not [f for f in doc["input_findings"] if f["code"].startswith("input-")]
    as_signed, reindented, defect = doc["messages"]
    assert [s["verified"] for s in as_signed["signatures"]] == [True, True] and not as_signed["findings"]
    assert {(f["code"], f["severity"]) for f in reindented["findings"]} == {("xml-reformatted-by-log", "info")}
    assert "audience-mismatch" in {f["code"] for f in defect["findings"]}
    assert [(a["outcome"], a["root_cause"]) for a in doc["attempts"]] == [
        ("failure", "audience-mismatch")]


def test_a_document_on_a_timed_line_takes_that_lines_time_and_is_not_printed():
    xml = gen_printed.as_signed("valid/okta-pretty-signed.xml").rstrip("\n")
    text = f"2025-03-11 08:40:58 got: {xml}\n2025-03-11 08:40:59 done"
    (rec,) = _records(enumerate(text.split("\n"), 1))
    assert (rec.time, rec.printed, rec.value) == (T58, False, xml)


def test_a_document_that_never_closes_ends_at_the_next_timed_line():
    text = ("2025-03-11 08:40:58 got:\n<samlp:Response xmlns:samlp='urn:oasis:names:tc:SAML:2.0:protocol' ID='a'>\n"
            "  <saml:Issuer>x</saml:Issuer>\n2025-03-11 08:40:59 <samlp:Response ID='b'/>\n")
    recs = _records(enumerate(text.split("\n"), 1))
    assert [(r.source.ref, r.value[:16]) for r in recs] == [("line 2", "<samlp:Response "), ("line 4", "<samlp:Response ")]
    assert recs[0].value.endswith("</saml:Issuer>")


def _big(tmp_path: Path) -> bytes:
    filler = "".join(f"2025-03-11 08:40:{i % 60:02d} GET /static/app.js 200\n" for i in range(3000))
    return (filler + CONSOLE.read_text() + filler).encode()


@pytest.mark.parametrize("use_ac", [True, False])
@pytest.mark.parametrize("block", [prefilter.BLOCK, 64 * 1024, 150 * 1024])
def test_the_prefilter_keeps_a_printed_documents_lines(tmp_path, monkeypatch, use_ac, block):
    """A big text in no layout is prefiltered a line at a time: a document's base64 and element
    lines hold no keep literal, and were dropped (blocks of 64 KiB and 150 KiB cut a document)."""
    monkeypatch.setattr(prefilter, "USE_AC", use_ac)
    monkeypatch.setattr(prefilter, "BLOCK", block)
    data = _big(tmp_path)
    whole = _records(enumerate(data.decode().split("\n"), 1))
    lines = prefilter.prefiltered_lines(io.BytesIO(data), 0, len(data), prefilter._ANY_LINE, [0])
    kept = _records(lines)
    assert [(r.source.ref, r.time, r.printed, r.value) for r in kept] == [
        (r.source.ref, r.time, r.printed, r.value) for r in whole]
    assert len(kept) == 3 and all(r.time is not None for r in kept)


def test_a_big_console_log_is_read_as_a_log_through_the_prefilter(tmp_path):
    path = tmp_path / "console.log"
    data = _big(tmp_path)
    path.write_bytes(data * (9 * 1024 * 1024 // len(data) + 1))  # over batch.BIG_TEXT (8 MiB)
    doc = _run("scan", path)
    assert [(i["status"], i["kind"]) for i in doc["inputs"]] == [("scanned", "log:embedded")]
    assert not [f for f in doc["input_findings"] if f["code"].startswith("input-")]
    assert {m["captured_at"] for m in doc["messages"]} <= {"2025-03-11T08:40:58Z", "2025-03-11T08:40:59Z"}
    assert all(s["verified"] or m["findings"] for m in doc["messages"] for s in m["signatures"])
