"""Binary files attached instead of the evidence (a screenshot, a PDF, an Outlook message, a Windows event
log, a network capture, a program) are named by their signature bytes, with what to give instead
(samlscan/binaryfiles.py), where they were 'read line by line' or 'no SAML message found'. Each file is
written here with its format's real header (PNG: a valid 1x1 image; pcap: libpcap's global header)."""
from __future__ import annotations

import json
import struct
import zlib

import pytest
from click.testing import CliRunner

from samlscan.cli import main


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


SAMPLES = {
    "login.png": (_png(), "a PNG image", "Export HAR"),
    "shot.jpg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(range(256)) * 8,
                 "a JPEG image", "Export HAR"),
    "ticket.pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\nstream\n" + bytes(range(256)) * 8,
                   "a PDF document", "does not read PDFs"),
    "mail.msg": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + b"\x3e\x00\x03\x00\xfe\xff" + bytes(490),
                 "a compound file that is no Outlook message", "Outlook Message Format"),  # (outlookmsg: test_msg52)
    # (an .evtx is read since, its events by pyevtx-rs: tests/test_evtx48.py, also how one is named without it)
    "trace.pcap": (struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1) + bytes(200), "a network capture",
                   "HTTPS in it is encrypted"),
    "trace.pcapng": (b"\x0a\x0d\x0d\x0a" + struct.pack("<I", 28) + struct.pack("<I", 0x1A2B3C4D) + bytes(200),
                     "a network capture", "HTTPS in it is encrypted"),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_check_names_a_binary_file_and_what_to_give_instead(tmp_path, name):
    data, what, instead = SAMPLES[name]
    path = tmp_path / name
    path.write_bytes(data)
    doc = json.loads(CliRunner().invoke(main, ["check", str(path), "--format", "json", "--fail-on", "never"]).stdout)
    (inp,) = doc["inputs"]
    (finding,) = doc["input_findings"]
    assert inp["status"] == "failed" and finding["code"] == "input-not-saml", doc
    assert finding["message_text"].startswith(f"this is {what}") and instead in finding["hint"], finding


def test_scan_of_a_folder_skips_each_binary_file_saying_what_it_is(tmp_path):
    for name, (data, _, _) in SAMPLES.items():
        (tmp_path / name).write_bytes(data)
    doc = json.loads(CliRunner().invoke(main, ["scan", str(tmp_path), "--format", "json", "--fail-on", "never",
                                               "--jobs", "1"]).stdout)
    reasons = {i["path"].rsplit("/", 1)[-1]: i["reason"] for i in doc["inputs"]}
    assert {name: i["status"] for name, i in ((i["path"].rsplit("/", 1)[-1], i) for i in doc["inputs"])} == \
        dict.fromkeys(SAMPLES, "skipped")
    for name, (_, what, _) in SAMPLES.items():
        assert reasons[name].startswith(f"this is {what}"), reasons[name]


@pytest.mark.parametrize("text", [
    "MZ is our realm's name\nnothing about a login here\n",  # (a text starting with a PE's 'MZ')
    "\n\r\r\nnotes after a blank line\n",  # (pcapng's block type, no byte-order magic)
])
def test_a_text_that_starts_like_a_binary_signature_is_not_called_one(tmp_path, text):
    path = tmp_path / "notes.txt"
    path.write_text(text, encoding="utf-8")
    doc = json.loads(CliRunner().invoke(main, ["check", str(path), "--format", "json", "--fail-on", "never"]).stdout)
    (finding,) = doc["input_findings"]
    assert not finding["message_text"].startswith("this is "), finding
