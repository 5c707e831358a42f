"""A log whose lines end in a lone CR (classic Mac OS line ends) reads as the same log: the
prefilter split lines on LF only, and each such file came out as one over-long line (fuzz round 8:
case 13's idp-process.log gave 1 event of 9, its web.log none of 11)."""
from pathlib import Path

import pytest

from samlscan.config import Expectations
from samlscan.batch import run_scan

CASE13 = Path(__file__).parent / "data" / "case13"


def _events(path: Path) -> list[tuple]:
    rep = run_scan([str(path)], Expectations(), jobs=1)  # (the reading of check and scan)
    return [(e.source.ref, e.time, e.outcome, e.code) for e in rep.events]


@pytest.mark.parametrize("name", ["idp-process.log", "web.log", "idp-audit.log"])
@pytest.mark.parametrize("ending", [b"\r", b"\r\n"])
def test_cr_and_crlf_line_ends_give_the_same_events(tmp_path, name, ending):
    original = CASE13 / name
    other = tmp_path / name
    other.write_bytes(original.read_bytes().replace(b"\n", ending))
    expected = _events(original)
    assert expected and _events(other) == expected
