"""Files that are no SAML evidence are not failed inputs of a folder's scan (found scanning /etc and
/usr/share/doc: 80 inputs failed, 15 of them no SAML at all).

A one-line setting ('QT_ACCESSIBILITY=1'), a list of paths or hashes is written in base64's letters:
it was decoded as a SAMLResponse and failed with input-bad-base64 ('it was probably truncated'). A
README or HOWTO starting with markup ('<DRAFT!>', a Markdown '<!--- -->') failed as not well-formed
XML, and a program over BIG_TEXT was read as a log in no known layout. They are input-not-saml now
(skipped when walked, said as such when named), while a message that is truncated or damaged keeps
its precise finding.
"""
from __future__ import annotations

import base64
import gzip
import json
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.decode import may_be_encoded_message

FIXTURES = Path(__file__).parents[1] / "fixtures"
XML = (FIXTURES / "responses" / "valid" / "okta.xml").read_bytes()
B64 = base64.b64encode(XML).decode()


def _deflated(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


NOT_SAML = {
    "qt.conf": "QT_ACCESSIBILITY=1\n",
    "setuid-baseline": "/usr/bin/chage\n/usr/bin/chfn\n/usr/lib/openssh/ssh-keysign\n",
    "blocked.certs": "Algorithm=SHA-256\n" + "03DB9E5E79FE6117177F81C11595AF598CB176AF766290DBCEB2C318B32E39A2\n" * 3,
    "npmrc": "cafile=/etc/ssl/certs/ca-certificates.crt\n",
    "keys.txt": "<DRAFT!>\n\tHOWTO keys\n\n1. Introduction\n",
    "README.md": "<!--- a comment -- with two hyphens -->\n# Title\n\nSome text.\n",
    "catalog": ('<?xml version="1.0"?>\n<!DOCTYPE catalog PUBLIC "-//OASIS//DTD XML Catalogs V1.0//EN"\n'
                '  "file:///usr/share/xml/schema/xml-core/catalog.dtd">\n'
                '<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog"/>\n'),
    "xmltodict.md": "# xmltodict\n\n" + "Some words on a line.\n" * 140 + (
        "```python\n>>> print(unparse(mydict, pretty=True))\n"
        '<?xml version="1.0" encoding="utf-8"?>\n<response>\n\t<status>good</status>\n</response>\n```\n'),
    "junitxml.pyc": b"\xa7\r\r\n\x00\x00\x00\x00" + bytes(8) + b"\xe3\x00 yield '<?xml version=\"1.0\"?>\\n'\n",
}
"""Names and texts of files that hold no SAML message (shapes met in /etc and /usr/share/doc)."""

DAMAGED = {
    "truncated.b64": (B64[:600] + "\n", "input-xml-malformed"),
    "dotted.b64": (B64[:400] + "." + B64[400:] + "\n", "input-bad-base64"),
    "odd-length.b64": (B64[:401] + "\n", "input-bad-base64"),
    "deflated-cut.txt": (base64.b64encode(_deflated(XML))[:301].decode() + "\n", "input-bad-base64"),
    "broken.xml": (XML.decode()[:700], "input-xml-malformed"),
}
"""A SAML message cut short or damaged, and the finding it keeps."""


def _write(folder: Path, texts: dict) -> None:
    for name, text in texts.items():
        (folder / name).write_bytes(text if isinstance(text, bytes) else text.encode())


def _scan(*args: str) -> tuple[int, list[dict], str]:
    got = CliRunner().invoke(main, ["scan", *args, "--format", "jsonl", "-o", "-"])
    lines = [json.loads(line) for line in got.stdout.splitlines() if line.startswith("{")]
    return got.exit_code, lines, got.output


def test_a_folder_of_files_without_saml_is_scanned_without_a_failure(tmp_path):
    _write(tmp_path, NOT_SAML)
    code, findings, output = _scan(str(tmp_path))
    assert findings == [] and code == 0, output
    assert f"{len(NOT_SAML)} input(s): 0 scanned, {len(NOT_SAML)} skipped, 0 failed" in output


def test_a_damaged_message_in_the_same_folder_keeps_its_precise_finding(tmp_path):
    _write(tmp_path, {**NOT_SAML, **{name: text for name, (text, _) in DAMAGED.items()}})
    code, findings, output = _scan(str(tmp_path))
    got = {Path(f["input"]).name: f["code"] for f in findings}
    assert got == {name: want for name, (_, want) in DAMAGED.items()}, output
    assert code == 1


@pytest.mark.parametrize("name, code, said", [
    ("qt.conf", "input-not-saml", "a token written in base64's letters"),
    ("README.md", "input-not-saml", "markup that is not well-formed XML"),
    ("catalog", "input-dtd-forbidden", "the XML declares a DOCTYPE or entities; refused and not resolved; it names no SAML"),
    ("junitxml.pyc", "input-not-saml", "this is compiled Python (.pyc)"),
])
def test_a_named_file_without_saml_says_what_it_is(tmp_path, name, code, said):
    """Named, the file keeps its finding; a DOCTYPE its own code (an attack is one whatever it names)."""
    _write(tmp_path, {name: NOT_SAML[name]})
    got = CliRunner().invoke(main, ["check", str(tmp_path / name), "--format", "jsonl", "-o", "-", "--fail-on", "never"])
    (finding,) = [json.loads(line) for line in got.stdout.splitlines() if line.startswith("{")]
    assert finding["code"] == code and finding["message_text"].startswith(said)
    assert "no SAML message" in finding["message_text"]


@pytest.mark.parametrize("value", [
    B64,
    B64[:120],  # (cut short: its start still decodes to XML)
    base64.b64encode(XML.decode().encode("utf-16")).decode(),
    base64.b64encode(_deflated(XML)).decode()[:200],  # (the redirect binding's value, cut)
    base64.b64encode(gzip.compress(XML, mtime=0)).decode(),
    base64.b64encode(zlib.compress(XML)).decode(),
    base64.b64encode(B64.encode()).decode(),  # (encoded twice)
    "%22" + B64.replace("+", "%2B"),  # (a quote before it, percent-encoded)
    B64.replace("+", " "),  # (a form value unquoted with '+' read as a space, as decode_bytes takes it)
])
def test_an_encoded_message_may_be_one(value):
    assert may_be_encoded_message(value)


@pytest.mark.parametrize("value", [
    "QT_ACCESSIBILITY=1", "/usr/lib/x86_64-linux-gnu/libfakeroot", "03DB9E5E79FE6117177F81C11595AF598CB176AF766290DB",
    "cafile=/etc/ssl/certs/ca-certificates.crt", "A" * 400,
])
def test_a_token_in_base64_letters_is_none(value):
    assert not may_be_encoded_message(value)


def test_a_big_program_is_said_to_be_one_not_read_as_a_log(tmp_path):
    """A program over BIG_TEXT (node's binary in /etc/alternatives) was read as a log in no known layout:
    the XML declaration in one of its strings was a malformed message at 'line 148991'."""
    from samlscan.batch import BIG_TEXT

    program = tmp_path / "node"
    filler = b"\x00" * 64 + b"usage: node [options]\n  yield '<?xml version=\"1.0\" encoding=\"utf-8\"?>\\n';\n"
    program.write_bytes(b"\x7fELF\x02\x01\x01" + filler * (BIG_TEXT // len(filler) + 2))
    code, findings, output = _scan(str(tmp_path))
    assert findings == [] and code == 0 and "1 skipped" in output, output
    code, findings, output = _scan(str(program))
    assert [(f["code"], f["message_text"]) for f in findings] == [
        ("input-not-saml", "this is a program (an executable or a Java class), not text: no SAML message or log in it")]


ARCHIVES = {"logs.7z": b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(200), "logs.rar": b"Rar!\x1a\x07\x01\x00" + bytes(200),
            "old.rar": b"Rar!\x1a\x07\x00" + bytes(200), "web.log.zst": b"\x28\xb5\x2f\xfd\x24\x00" + bytes(50),
            "bundle.cab": b"MSCF\x00\x00\x00\x00" + bytes(200)}
"""Archives samlscan does not open, by their signature bytes (7-Zip, RAR 5 and 4, Zstandard, cabinet)."""


def test_an_archive_samlscan_does_not_open_is_said_to_be_one_not_to_hold_no_saml(tmp_path):
    """A support case's logs packed with 7-Zip or RAR were 'no SAML message or known log format in it'."""
    _write(tmp_path, ARCHIVES)
    got = CliRunner().invoke(main, ["scan", str(tmp_path), "--format", "json", "--fail-on", "never"])
    reasons = {Path(i["path"]).name: (i["status"], i["reason"]) for i in json.loads(got.stdout)["inputs"]}
    assert {name: status for name, (status, _) in reasons.items()} == {name: "skipped" for name in ARCHIVES}
    assert all(r.endswith("which samlscan does not open: extract it and scan the folder") for _, r in reasons.values())
    assert reasons["logs.7z"][1].startswith("this is a 7-Zip archive")
    got = CliRunner().invoke(main, ["check", str(tmp_path / "logs.rar"), "--format", "jsonl", "-o", "-",
                                    "--fail-on", "never"])
    (finding,) = [json.loads(line) for line in got.stdout.splitlines() if line.startswith("{")]
    assert finding["code"] == "input-not-saml" and "extract it (7-Zip opens all of these)" in finding["hint"]
