"""One damaged line does not lose a log (logs.undamaged, engine.sniff): a line of NULs (a crash, a disk
that lost a block), of control characters, of 200 random bytes or a UTF-16 fragment, at the first,
middle or last record of a sample's head, and the file still reads as its format, with the attempts
of the clean file (their line numbers past the damage shifted by its lines). Binary files stay
skipped as they were. The samples are the committed ones of tests/data; the damage is made here."""
from __future__ import annotations

import json
import random
import re
import zlib
from pathlib import Path

import pytest
from case_util import ROOT, scan_case

from samlscan import engine, logs

DATA = ROOT / "tests" / "data"

SAMPLES = {  # family -> (sample, malformed lines the damage adds: a JSON-lines reader counts the line
    # that is no record; a line reader takes it into the record before it or its prefilter skips it)
    "sonarqube-web": ("clocks25/web.log", 0),
    "keycloak": ("idplogs21/keycloak-test-log.log", 0),
    "shibboleth": ("case21/shibd.log", 0),
    "spring": ("docker27/spring.log", 0),
    "okta-jsonl": ("case10/okta-system-log.json", 1),
    "entra-jsonl": ("case15/SignIns_2026-02-03.json", 1),
    "sonarqube-access": ("sqaccess/access.log", 0),
    "traefik-access": ("traefik27/access-common.log", 0),
    "docker-json-file": ("wrapped21/shibd.docker-json.log", 1),
    "syslog-haproxy": ("proxyfmt32/haproxy-clf/haproxy.log", 0),
    "syslog3164-shibboleth": ("wrapped21/shibd.syslog3164.log", 0),
    "syslog5424-keycloak": ("wrapped21/keycloak-ansi.syslog5424.log", 0),
    "journal-iso-spring": ("wrapped21/spring-ansi.journal-iso.log", 0),
    "cri-shibboleth": ("wrapped21/shibd.cri.log", 0),
    "kubectl-spring": ("wrapped21/spring-ansi.kubectl-prefix.log", 0),
    "compose-shibboleth": ("wrapped21/shibd.compose.log", 0),
}
JSON_LINES = {"okta-jsonl", "entra-jsonl"}
"""Samples that are JSON arrays, read here as the JSON lines an export writes too (one record a line)."""
DAMAGE = {
    "nul": b"\x00" * 64,
    "controls": bytes(b for b in range(1, 32) if b not in b"\r\n"),  # (a line: its own bytes, no line end)
    # (its newlines make it three lines, a piece of 8 bytes between; a lone CR would be a line end to
    # the text reader and none to the prefilter: the line numbers the two give differ, damaged or not)
    "binary": random.Random(33).randbytes(200).replace(b"\r", b""),
    "utf16": "login failed for alice".encode("utf-16-le"),
}
WHERE = ("first", "middle", "last")


def _sample(family: str) -> bytes:
    data = (DATA / SAMPLES[family][0]).read_bytes()
    if family in JSON_LINES:
        data = "".join(json.dumps(record) + "\n" for record in json.loads(data)).encode()
    return data


def _record_starts(lines: list[bytes]) -> list[int]:
    """The lines that start as the first one does (a record's first line, not a stack trace's)."""
    return [i for i, line in enumerate(lines) if line[:1] == lines[0][:1]]


def _damaged(data: bytes, bad: bytes, where: str) -> tuple[bytes, int]:
    lines = data.split(b"\n")
    starts = _record_starts(lines)
    at = {"first": starts[0], "middle": starts[len(starts) // 2], "last": starts[-1]}[where]
    return b"\n".join([*lines[:at], bad, *lines[at:]]), at


def _shifted_back(attempts: list, at: int, added: int) -> list:
    """The damaged file's attempts with its line numbers past the damage as the clean file's."""
    def back(m: re.Match) -> str:
        no = int(m[2])
        return f"{m[1]}{no - added if no > at + added else no}"

    return json.loads(re.sub(r"\b(lines? )(\d+)", back, json.dumps(attempts)))


_CLEAN: dict[str, dict] = {}


def _clean(tmp_path_factory, family: str) -> dict:
    if family not in _CLEAN:
        folder = tmp_path_factory.mktemp("clean")
        (folder / Path(SAMPLES[family][0]).name).write_bytes(_sample(family))
        _CLEAN[family] = _without_folder(scan_case(folder, "UTC"), folder)
    return _CLEAN[family]


def _without_folder(doc: dict, folder: Path) -> dict:
    return json.loads(json.dumps(doc).replace(str(folder), "<dir>"))


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("damage", DAMAGE)
@pytest.mark.parametrize("family", SAMPLES)
def test_a_damaged_line_leaves_the_log_its_readers(tmp_path, tmp_path_factory, family, damage, where):
    sample, counted = SAMPLES[family]
    clean = _clean(tmp_path_factory, family)
    data, at = _damaged(_sample(family), DAMAGE[damage], where)
    (tmp_path / Path(sample).name).write_bytes(data)
    got = _without_folder(scan_case(tmp_path, "UTC"), tmp_path)
    was, now = clean["inputs"][0], got["inputs"][0]
    assert (now["kind"], now["status"]) == (was["kind"], "scanned")
    assert clean["attempts"], "a sample whose attempts are none proves nothing"
    added = len(DAMAGE[damage].split(b"\n"))
    assert _shifted_back(got["attempts"], at, added) == clean["attempts"]
    assert now.get("malformed_lines", 0) == was.get("malformed_lines", 0) + counted


@pytest.mark.parametrize("family", SAMPLES)
def test_two_jobs_read_the_damaged_log_as_one(tmp_path, family):
    sample = SAMPLES[family][0]
    data, _ = _damaged(_sample(family), DAMAGE["nul"], "middle")
    (tmp_path / Path(sample).name).write_bytes(data)
    one = scan_case(tmp_path, "UTC")
    two = scan_case(tmp_path, "UTC", "--jobs", "2")
    assert one["attempts"] and one["attempts"] == two["attempts"]
    assert one["inputs"] == two["inputs"]


def _pdf() -> bytes:
    """A small PDF: its objects are text lines, its content stream deflated bytes."""
    body = zlib.compress(b"BT /F1 12 Tf 72 712 Td (SAMLResponse login failed) Tj ET\n" * 40)
    return (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            b"4 0 obj\n<< /Length " + str(len(body)).encode() + b" /Filter /FlateDecode >>\nstream\n" + body
            + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")


def test_binary_files_are_still_skipped_as_no_log(tmp_path):
    (tmp_path / "login-error.png").write_bytes((DATA / "bundle28" / "ticket-4711" / "login-error.png").read_bytes())
    (tmp_path / "statement.pdf").write_bytes(_pdf())
    (tmp_path / "core").write_bytes(random.Random(7).randbytes(20000))
    for jobs in ("1", "2"):
        doc = scan_case(tmp_path, "UTC", "--jobs", jobs)
        assert {Path(i["path"]).name: (i["status"], i["reason"]) for i in doc["inputs"]} == {
            "login-error.png": ("skipped", "this is a PNG image, not text: no SAML message or log in it"),
            "statement.pdf": ("skipped", "this is a PDF document, not text: no SAML message or log in it"),
            "core": ("skipped", "no SAML message or known log format in it")}  # (no format's signature: binaryfiles)


A = "2025-03-11 08:41:00 INFO first line of the log"
B = "2025-03-11 08:41:01 INFO second line of the log"
NULS = "\x00" * 64


@pytest.mark.parametrize("head, kept", [
    (f"{A}\n{NULS}\n{B}\n", f"{A}\n{B}\n"),
    (f"{A}\n\x01\x02\nx7\n\ufffd\ufffd\n{B}\n", f"{A}\n{B}\n"),  # (a short piece between damaged lines)
    (f"{A}\nb \x00 c\n{B}\n", f"{A}\n{B}\n"),
    (f"{A}\n\x1b[31m{B}\x1b[0m\tx\x0c\n{B}\n", f"{A}\n\x1b[31m{B}\x1b[0m\tx\x0c\n{B}\n"),  # (colours, tab, FF)
    (f"{A}\n\x00\n{A}\n\x00\n{B}\n", f"{A}\n\x00\n{A}\n\x00\n{B}\n"),  # (damage every other line)
    ("\x00\x89PNG\x1a" * 40 + f"\n{A}\n{B}\n", "\x00\x89PNG\x1a" * 40 + f"\n{A}\n{B}\n"),  # (mostly damage)
])
def test_undamaged_drops_the_damaged_lines_of_a_head_that_is_text(head, kept):
    assert logs.undamaged(head) == kept


def test_the_sniff_of_a_syslog_file_with_a_nul_line_finds_its_reader():
    data, _ = _damaged((DATA / "proxyfmt32" / "haproxy-clf" / "haproxy.log").read_bytes(), DAMAGE["nul"], "middle")
    found = engine.sniff(data)
    assert found.kind == "log" and found.name == "haproxy-http"
