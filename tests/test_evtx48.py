"""Windows event logs (.evtx) read in place (samlscan/evtxlog.py): the AD FS events of a binary event
log read as the same events exported as XML are (fixtures/gen_evtx48.py writes the .evtx files from
fixtures/logs/adfs/adfs-security-wevtutil.xml with samlgen/evtx.py); a damaged or unrelated event log
said so; without the parser, the file is named as before (binaryfiles)."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from case_util import generator_check
from samlscan import batch, evtxlog
from samlscan.batch import run_scan
from samlscan.config import Expectations

ROOT = Path(__file__).resolve().parent.parent
EVTX = ROOT / "fixtures" / "evtx48"
XML = ROOT / "fixtures" / "logs" / "adfs" / "adfs-security-wevtutil.xml"


def test_generator_reproduces_the_fixtures():
    res = generator_check("gen_evtx48.py")
    assert res.returncode == 0, res.stdout + res.stderr


def _scan(*paths: Path):
    return run_scan([str(p) for p in paths], Expectations(), jobs=1)


def _said(report) -> list[tuple]:
    """Each event as what it says, its place aside (an .evtx's 'line N' is its Nth event)."""
    return sorted((e.time, e.outcome, e.user, e.ip, e.app,
                   e.raw_code, e.code, e.correlation_id) for e in report.events)


def test_an_evtx_says_what_its_events_exported_as_xml_say():
    """The Security and AD FS/Admin logs' events, read from the binary files, equal the same events
    read from `wevtutil qe`'s XML (the XML's damaged event, which no .evtx holds, aside)."""
    from_evtx = _said(_scan(EVTX / "security.evtx", EVTX / "adfs-admin.evtx"))
    from_xml = _said(_scan(XML))
    assert len(from_evtx) == 3 and from_evtx == from_xml
    assert {e[1] for e in from_evtx} == {"success", "failure"}


def test_each_evtx_event_is_placed_at_its_line_in_record_order():
    report = _scan(EVTX / "security.evtx")
    [inp] = report.inputs
    assert (inp.status, inp.kind) == ("scanned", "evtx:log:adfs")
    refs = sorted(e.source.ref for e in report.events)
    assert refs == ["line 2", "line 3"]  # (record 1 of the file, the 403, is no sign-in event)


def test_the_admin_log_names_the_missing_relying_party_trust():
    [ev] = _scan(EVTX / "adfs-admin.evtx").events
    assert (ev.outcome, ev.raw_code, ev.code) == ("failure", "MSIS7007", "app-not-found")
    assert ev.app == "https://sonar-old.example.com/saml2"


def test_an_evtx_cut_short_is_said_damaged_with_how_to_export_it_again():
    report = _scan(EVTX / "cut-short.evtx")
    [inp] = report.inputs
    assert inp.status == "failed"
    [finding] = report.input_findings
    assert finding.code == "input-unreadable" and "no event that could be read" in finding.message_text
    assert finding.hint == evtxlog.DAMAGED


def test_an_evtx_without_adfs_events_is_said_so_and_skipped_in_a_folder(tmp_path):
    [finding] = _scan(EVTX / "system.evtx").input_findings
    assert (finding.code, finding.message_text, finding.hint) == ("input-not-saml", evtxlog.NO_SIGN_IN,
                                                                 evtxlog.NO_SIGN_IN_FIX)
    folder = tmp_path / "ticket"
    folder.mkdir()
    (folder / "system.evtx").write_bytes((EVTX / "system.evtx").read_bytes())
    (folder / "adfs.evtx").write_bytes((EVTX / "adfs-admin.evtx").read_bytes())
    report = _scan(folder)
    status = {Path(i.path).name: (i.status, i.reason) for i in report.inputs}
    assert status["system.evtx"] == ("skipped", evtxlog.NO_SIGN_IN)
    assert status["adfs.evtx"][0] == "scanned"


def test_an_evtx_in_a_zip_is_read_as_a_member(tmp_path):
    archive = tmp_path / "ticket.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(EVTX / "adfs-admin.evtx", "logs/adfs-admin.evtx")
    report = _scan(archive)
    [ev] = report.events
    assert ev.source.input == f"{archive}!logs/adfs-admin.evtx" and ev.code == "app-not-found"


def test_without_the_parser_an_evtx_is_named_and_how_to_export_it_said(monkeypatch):
    """(evtx is a dependency; an install without its wheel still says what the file is)"""
    monkeypatch.setattr(evtxlog, "readable", lambda: False)
    assert batch.container_kind((EVTX / "security.evtx").read_bytes()[:512]) is None
    [finding] = _scan(EVTX / "security.evtx").input_findings
    assert "a Windows event log (.evtx)" in finding.message_text and "wevtutil qe" in finding.hint


def test_text_that_starts_like_no_evtx_is_no_container():
    assert batch.container_kind(b"ElfFile") is None  # (no NUL: not the header's signature)
    assert batch.container_kind(b"ElfChnk\x00" + bytes(100)) is None


def test_check_and_redact_through_the_cli(tmp_path):
    """The CLI end to end: the failure's code in JSON, the user masked with --redact."""
    out = subprocess.run([sys.executable, "-m", "samlscan", "check", str(EVTX / "security.evtx"), "--format",
                          "json", "--fail-on", "never"], capture_output=True, text=True, check=True, cwd=ROOT)
    assert "CORP\\\\devuser1" in out.stdout and "198.51.100.23" in out.stdout
    redacted = subprocess.run([sys.executable, "-m", "samlscan", "check", str(EVTX / "security.evtx"), "--format",
                               "json", "--redact", "--fail-on", "never"], capture_output=True, text=True,
                              check=True, cwd=ROOT)
    doc = json.loads(redacted.stdout)
    assert doc["attempts"] and "devuser1" not in redacted.stdout and "198.51.100.23" not in redacted.stdout


@pytest.mark.parametrize("name", ["security.evtx", "adfs-admin.evtx", "cut-short.evtx", "system.evtx"])
def test_decode_names_an_evtx_and_points_at_check(name):
    got = subprocess.run([sys.executable, "-m", "samlscan", "decode", str(EVTX / name)], capture_output=True,
                         text=True, cwd=ROOT)
    assert got.returncode == 2 and "a Windows event log" in got.stderr and "samlscan check" in got.stderr
    assert "Traceback" not in got.stderr
