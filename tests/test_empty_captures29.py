"""A capture that holds nothing is an empty capture: a HAR of nothing but white space (the browser wrote
no JSON at all), as a 0-byte one, in `check`, in `scan` of a directory and inside an archive; a
SAML-tracer export of an empty window."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import pytest

from samlscan.walkpaths import blank


def _run(*args):
    p = subprocess.run([sys.executable, "-m", "samlscan", *args, "--format", "json"],
                       capture_output=True, text=True)
    assert "Traceback" not in p.stderr
    return json.loads(p.stdout)


def _inputs(report):
    """Each input's name -> (status, the codes of its input findings)."""
    codes = {}
    for f in report["input_findings"]:
        codes.setdefault(f["input"], []).append(f["code"])
    return {i["path"].rsplit("/", 1)[-1]: (i["status"], codes.get(i["path"], [])) for i in report["inputs"]}


@pytest.mark.parametrize("body", [b"  \n\n\t ", b"\xef\xbb\xbf\r\n"])
def test_blank_har_is_an_empty_capture(tmp_path, body):
    har = tmp_path / "login.har"
    har.write_bytes(body)
    report = _run("check", str(har))
    assert _inputs(report) == {"login.har": ("failed", ["input-capture-empty"])}
    assert "white space" in report["input_findings"][0]["message_text"]


def test_blank_har_in_a_directory_and_an_archive(tmp_path):
    (tmp_path / "a.har").write_bytes(b"\n \n")
    (tmp_path / "notes.txt").write_bytes(b"\n \n")  # no capture by its name: skipped as before
    with zipfile.ZipFile(tmp_path / "case.zip", "w") as z:
        z.writestr("export/b.har", "   ")
    got = _inputs(_run("scan", str(tmp_path)))
    assert got["a.har"] == ("failed", ["input-capture-empty"])
    assert got["b.har"] == ("failed", ["input-capture-empty"])
    assert got["notes.txt"][0] == "skipped"


def test_blank_is_the_whole_file_only():
    assert blank(b" \n", 2) and blank(b"\xef\xbb\xbf", 3)
    assert not blank(b" \n", 5000)  # white space at the head of a longer file says nothing
    assert not blank(b" {", 2)


def test_empty_tracer_export_is_an_empty_capture(tmp_path):
    """A SAML-tracer export of an empty window: no requests at all, its own fix (not DevTools')."""
    p = tmp_path / "trace.json"
    p.write_text('{"requests":[],"timestamp":"2026-11-30T03:00:00.000Z"}')
    report = _run("check", str(p))
    assert _inputs(report) == {"trace.json": ("failed", ["input-capture-empty"])}
    assert "SAML-tracer" in report["input_findings"][0]["hint"]


def test_tracer_export_with_requests_is_no_empty_capture(tmp_path):
    p = tmp_path / "trace.json"
    p.write_text('{"requests":[{"method":"GET","url":"https://sp.example.com/","requestId":"1",'
                 '"requestHeaders":[],"responseStatus":200}],"timestamp":"2026-11-30T03:00:00.000Z"}')
    report = _run("check", str(p))
    assert "input-capture-empty" not in _inputs(report)["trace.json"][1]
