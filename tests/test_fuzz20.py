"""Fuzzing round 20: the leftovers of round 19 (8-bit colour codes, redacted signature values of a real
length, a long table cell at one column, impossible zone offsets, a long catalog placeholder) and new
hostile input: HAR exports of other tools, XML with huge attribute counts and deep nesting, a message
spread over many form fields, a repeated query parameter. Every input ends with a finding or a skip, no
traceback; growth is compared between two sizes (tests/growth_util.py), never an absolute time.
"""
from __future__ import annotations

from datetime import timezone
from pathlib import Path

import pytest

from growth_util import assert_linear

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


# --- ansi: the 8-bit CSI -------------------------------------------------------------------------------

@pytest.mark.parametrize("csi", ["\x9b", "\x1b["], ids=["c1", "esc"])
def test_a_console_coloured_with_the_8bit_csi_reads_as_the_plain_log(tmp_path, csi):
    """Fails on the old code (c1): a console coloured with the one-byte CSI (ECMA-48 5.3, 0x9B; U+009B
    in UTF-8 text, as some terminals and a Latin-1 copy write it) kept its codes before every time: no
    line of Spring Boot's log was read."""
    from samlscan import logs
    from samlscan.model import LogEvent

    def events(path):
        return [(e.time, e.text) for e in logs.parse_file(str(path), timezone.utc) if isinstance(e, LogEvent)]

    coloured = (DATA / "console20" / "spring-boot3-ansi.log").read_text()
    path = tmp_path / "console.log"
    path.write_text(coloured.replace("\x1b[", csi))
    plain = events(ROOT / "fixtures" / "logs" / "sp-app" / "spring-boot3.log")
    assert plain and events(path) == plain
