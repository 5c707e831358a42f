"""Fuzzing round 19: what the last merges of the day do under hostile and look-alike input: the sniff of
a file's lines after an over-long first line (engine.sniff_file, short_lines), the planning of big logs
(batch._ranges), zlib heads, IIS's W3C logs, clock readings and scoped identifiers. Every input ends with
a finding or a skip, no traceback; growth is compared between two sizes (tests/growth_util.py), never an
absolute time.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from samlscan import batch
from samlscan.config import Expectations

IIS_HEAD = ("#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: 2026-11-25 09:00:00\n"
            "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) "
            "cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n")
IIS_LINE = ("2026-11-25 09:14:03 10.0.0.5 GET /sessions/init/saml return_to=%2F 443 - 203.0.113.7 Mozilla/5.0 - "
            "302 0 0 12\n")


def _read(path: Path):
    """(kind, finding codes, events counted) of each result of one input, as the scan reads it."""
    return [(r.input.kind, [f.code for f in r.findings], r.input.events)
            for r in batch._analyze_any(str(path), str(path), Expectations(), None)]


# --- prefilter: UTF-16 logs -------------------------------------------------------------------------

@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("first", [0, 40000, 70000])
def test_a_utf16_log_is_read_whole_with_or_without_its_bom(tmp_path, codec, first):
    """Fails on the old code: a UTF-16 log without a BOM (iconv -t UTF-16LE, .NET's Encoding.Unicode), or
    with one before a first line longer than the sniff's head (its lines after it sniffed, past the BOM),
    was read through the byte prefilter, whose ASCII keys no UTF-16 line holds: 0 of its 1,000 requests."""
    path = tmp_path / "u_ex261125.log"
    path.write_bytes(("x" * first + "\n" * bool(first) + IIS_HEAD + IIS_LINE * 1000).encode(codec))
    got = _read(path)
    assert got == [("log:iis-w3c", [], 1000)], got
