"""inputs28: three input-handling gaps of review28's support bundle (tests/data/bundle28).

1. an empty HAR (0 bytes, or no entries) is an export that failed: input-capture-empty, not a skip;
2. input-unreadable says each situation's own fix (read rights, a link loop, damaged data);
3. an Office document (docx, xlsx, pptx, odt) is one input: its text read as a paste.
Every sample is written here (zips of XML built by zipfile; no signed file is edited: the pasted
SAMLResponse is bundle28's erin-friday-samlresponse.txt, a HAR's form value)."""
from __future__ import annotations

import errno
import gzip
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from samlscan import archives, batch
from samlscan.codes import spec
from samlscan.config import Expectations
from samlscan.unreadable import CORRUPT, LINK_LOOP, NO_READ_RIGHTS, fix_for

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "tests" / "data" / "bundle28" / "ticket-4711"
PASTED = (BUNDLE / "erin-friday-samlresponse.txt").read_bytes().decode("utf-16").strip()
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _run(cmd: str, *args: str, prefix=()) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([*prefix, sys.executable, "-m", "samlscan", cmd, *args, "--format", "json",
                        "--fail-on", "never"], capture_output=True, text=True, env=env, timeout=300)
    assert "Traceback" not in r.stderr, r.stderr
    return json.loads(r.stdout)


def _inputs(doc: dict) -> dict:
    return {Path(i["path"]).name: i for i in doc["inputs"]}


def _findings(doc: dict, name: str) -> list[dict]:
    return [f for f in doc["input_findings"] if Path(f["input"]).name == name]


# --- 1. an empty capture ---------------------------------------------------------------------

NO_ENTRIES = {"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
                      "pages": [], "entries": []}}


def test_an_empty_har_named_to_check_says_to_export_again(tmp_path):
    (tmp_path / "capture.har").write_bytes(b"")
    (tmp_path / "none.har").write_text(json.dumps(NO_ENTRIES))
    for name in ("capture.har", "none.har"):
        doc = _run("check", str(tmp_path / name))
        [f] = _findings(doc, name)
        assert f["code"] == "input-capture-empty" and f["severity"] == "warning"
        assert "Preserve log" in f["hint"] and "Export HAR" in f["hint"]
        assert _inputs(doc)[name]["status"] == "failed"


def test_scan_gives_an_empty_har_a_finding_and_skips_other_empty_files(tmp_path):
    (tmp_path / "capture.har").write_bytes(b"")
    (tmp_path / "CAPTURE2.HAR").write_bytes(b"")
    (tmp_path / "none.har").write_text(json.dumps(NO_ENTRIES))
    (tmp_path / "notes.txt").write_bytes(b"")
    with zipfile.ZipFile(tmp_path / "att.zip", "w") as zf:
        zf.writestr("inner.har", b"")
    doc = _run("scan", str(tmp_path))
    got = _inputs(doc)
    for name in ("capture.har", "CAPTURE2.HAR", "none.har"):
        assert got[name]["status"] == "failed"
        assert [f["code"] for f in _findings(doc, name)] == ["input-capture-empty"]
    assert got["notes.txt"]["status"] == "skipped" and got["notes.txt"]["reason"] == "empty file"
    member = str(tmp_path / "att.zip") + "!inner.har"
    assert any(f["input"] == member and f["code"] == "input-capture-empty" for f in doc["input_findings"])


def test_a_har_with_entries_and_no_saml_is_no_empty_capture():
    doc = _run("check", str(BUNDLE / "chrome-erin-monday.har"))
    assert not any(f["code"] == "input-capture-empty" for f in doc["input_findings"])
    assert _inputs(doc)["chrome-erin-monday.har"]["status"] == "scanned"


# --- 2. each unreadable input its own fix -----------------------------------------------------

def test_the_codes_own_fix_is_general():
    assert "compressed" not in spec("input-unreadable").fix


def test_a_link_loop_is_told_of_links_not_of_compressed_data(tmp_path):
    (tmp_path / "self.log").symlink_to("self.log")
    doc = _run("scan", str(tmp_path))
    [f] = _findings(doc, "self.log")
    assert f["code"] == "input-unreadable" and f["hint"] == LINK_LOOP


def test_damaged_compressed_data_says_to_ask_for_it_again(tmp_path):
    data = gzip.compress(b"x" * 100000)
    (tmp_path / "web.log.gz").write_bytes(data[:20] + b"\xff" * 40 + data[60:])
    doc = _run("check", str(tmp_path / "web.log.gz"))
    [f] = _findings(doc, "web.log.gz")
    assert f["code"] == "input-unreadable" and f["hint"] == CORRUPT


def test_fix_for_names_read_rights_and_loops_only():
    assert fix_for(PermissionError(errno.EACCES, "Permission denied")) == NO_READ_RIGHTS
    assert fix_for(OSError(errno.EPERM, "Operation not permitted")) == NO_READ_RIGHTS
    assert fix_for(OSError(errno.ELOOP, "Too many levels of symbolic links")) == LINK_LOOP
    assert fix_for(OSError(errno.EIO, "Input/output error")) is None


def _without_root_reading() -> tuple[str, ...]:
    """The command prefix that runs samlscan without root's right to read any file."""
    if os.geteuid() != 0:
        return ()
    if shutil.which("setpriv"):  # (the capabilities that let root read a file without read rights)
        return ("setpriv", "--bounding-set=-dac_override,-dac_read_search")
    pytest.skip("root, and no setpriv to drop CAP_DAC_OVERRIDE")


def test_a_file_without_read_rights_is_told_of_read_rights(tmp_path):
    (tmp_path / "ce.log").write_text("2026.11.30 07:50:00 INFO web[][o.s.s.p.Platform] up\n")
    (tmp_path / "ce.log").chmod(0)
    prefix = _without_root_reading()
    for cmd, path in (("scan", tmp_path), ("check", tmp_path / "ce.log")):
        doc = _run(cmd, str(path), prefix=prefix)
        [f] = _findings(doc, "ce.log")
        assert f["code"] == "input-unreadable" and "Permission denied" in f["message_text"]
        assert f["hint"] == NO_READ_RIGHTS


# --- 3. Office documents ------------------------------------------------------------------------

def _docx(path: Path, *paragraphs: str, runs_split: bool = False) -> Path:
    def para(text: str) -> str:
        if runs_split and len(text) > 10:  # Word cuts a paragraph into runs anywhere (spell check, edits)
            parts = [text[:7], text[7:]]
        else:
            parts = [text]
        return "<w:p>" + "".join(f"<w:r><w:t>{p}</w:t></w:r>" for p in parts) + "</w:p>"

    body = "".join(para(p) for p in paragraphs)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                                           'package/2006/content-types"/>')
        zf.writestr("word/styles.xml", f'<w:styles xmlns:w="{W}"><w:style><w:name w:val="x"/></w:style></w:styles>')
        zf.writestr("word/document.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                                         f'<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>')
    return path


def test_a_docx_with_a_pasted_response_is_one_input_read_as_a_paste(tmp_path):
    doc = _run("scan", str(_docx(tmp_path / "notes.docx", "Erin's login on Friday failed, the response:",
                                 PASTED, runs_split=True)))
    assert [Path(i["path"]).name for i in doc["inputs"]] == ["notes.docx"]  # no members of its own
    [i] = doc["inputs"]
    assert i["status"] == "scanned" and i["messages"] == 1 and i["kind"].startswith("docx:")
    assert doc["messages"][0]["input"] == str(tmp_path / "notes.docx")


def test_a_docx_without_saml_is_skipped_as_an_office_document(tmp_path):
    doc = _run("scan", str(_docx(tmp_path / "upgrade.docx", "Upgrade to 2025.1 LTA on Saturday.")))
    [i] = doc["inputs"]
    assert i["status"] == "skipped" and i["reason"] == "an Office document without SAML"
    assert doc["input_findings"] == []


def test_a_docx_with_a_pasted_error_says_what_the_error_means(tmp_path):
    doc = _run("check", str(_docx(tmp_path / "err.docx", "AADSTS50011: The redirect URI "
                                  "'https://sonar.example.com/oauth2/callback/saml' specified in the request "
                                  "does not match the redirect URIs configured")))
    [f] = doc["input_findings"]
    assert f["code"] == "input-not-saml" and "reply-url-mismatch" in f["message_text"]


def _zip(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return path


CT = '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


@pytest.mark.parametrize("name,members", [
    ("book.xlsx", {"[Content_Types].xml": CT, "xl/workbook.xml": "<workbook/>",
                   "xl/sharedStrings.xml": '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                           f"<si><t>Erin's note:</t></si><si><t>{PASTED}</t></si></sst>"}),
    ("deck.pptx", {"[Content_Types].xml": CT, "ppt/presentation.xml": "<p/>",
                   "ppt/slides/slide1.xml": '<p:sld xmlns:p="urn:p" xmlns:a="http://schemas.openxmlformats.org/'
                                            f'drawingml/2006/main"><a:p><a:r><a:t>{PASTED}</a:t></a:r></a:p></p:sld>'}),
    ("notes.odt", {"mimetype": "application/vnd.oasis.opendocument.text", "content.xml":
                   '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                   'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
                   f'<text:p>The response: <text:span>{PASTED}</text:span></text:p></office:text></office:body>'
                   '</office:document-content>'}),
])
def test_every_office_kind_is_read_as_its_text(tmp_path, name, members):
    doc = _run("check", str(_zip(tmp_path / name, members)))
    [i] = doc["inputs"]
    assert i["status"] == "scanned" and i["messages"] == 1


def test_a_zip_with_content_types_but_no_document_stays_an_archive(tmp_path):
    """A NuGet package has '[Content_Types].xml' too: no document part, no Office document."""
    path = _zip(tmp_path / "pkg.zip", {"[Content_Types].xml": CT, "lib/readme.txt": PASTED})
    doc = _run("scan", str(path))
    status = {i["path"]: i["status"] for i in doc["inputs"]}
    assert [i.get("kind") for i in doc["inputs"] if i["path"] == str(path)] == ["archive:zip"]
    assert status[str(path) + "!lib/readme.txt"] == "scanned"


def test_a_document_part_that_inflates_past_its_bound_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(archives, "INFLATE_MIN", 1 << 20)  # (the bound's floor: 64 MB of test data otherwise)
    path = _docx(tmp_path / "bomb.docx", "a" * (4 << 20))
    report = batch.run_scan([str(path)], Expectations(), jobs=1)
    assert [(f.code, f.source.input) for f in report.input_findings] == [("input-too-large", str(path))]


def test_a_document_part_with_a_doctype_is_refused(tmp_path):
    path = _zip(tmp_path / "x.docx", {"[Content_Types].xml": CT, "word/document.xml":
                                      '<!DOCTYPE d [<!ENTITY e "x">]><w:document xmlns:w="' + W + '"/>'})
    doc = _run("check", str(path))
    assert [(f["code"], f["input"]) for f in doc["input_findings"]] == [("input-dtd-forbidden", str(path))]


def test_a_document_part_cut_short_is_a_damaged_file(tmp_path):
    path = _zip(tmp_path / "x.docx", {"[Content_Types].xml": CT,
                                      "word/document.xml": f'<w:document xmlns:w="{W}"><w:body><w:p>'})
    doc = _run("check", str(path))
    [f] = doc["input_findings"]
    assert f["code"] == "input-unreadable" and f["hint"] == CORRUPT
