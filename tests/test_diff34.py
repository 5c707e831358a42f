"""Regressions found by comparing session 34's verdicts with its first tree's, input by input
(/tmp scripts; the report lists every difference and its commit)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "fixtures" / "logs"


def _scan(path: Path) -> dict:
    res = CliRunner().invoke(main, ["scan", str(path), "--format", "json", "--timezone", "UTC", "--jobs", "1",
                                    "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout)


def _cp1252_copy(src: Path, dst: Path, old: str, new: str) -> Path:
    """`src` as Excel saves a CSV on a Western Windows ('CSV (Comma delimited)': cp1252), one header cell
    renamed with an accent: its byte is no UTF-8, read as U+FFFD, which logs.damaged counts as damage."""
    text = src.read_text(encoding="utf-8")
    head, rest = text.split("\n", 1)
    assert old in head
    dst.write_bytes((head.replace(old, new, 1) + "\n" + rest).encode("cp1252", "replace"))
    return dst


@pytest.mark.parametrize("src, old, new", [
    (LOGS / "entra" / "InteractiveSignIns_2025-03-11_2025-03-12.csv", "Conditional Access", "Accès conditionnel"),
])
def test_a_cp1252_header_is_still_the_header(tmp_path, src, old, new):
    """csv_events took a header row holding U+FFFD for a damaged line (90a26a7/ec0373f) and the first
    data row for the header: the whole export failed ('no record of it could be read'). A row its
    reader reads as the header is the header; the file reads as its UTF-8 original."""
    want = _scan(src)
    got = _scan(_cp1252_copy(src, tmp_path / src.name, old, new))
    assert got["inputs"][0]["status"] == "scanned"
    assert got["inputs"][0]["events"] == want["inputs"][0]["events"] > 0
    assert [(a["time"], a["outcome"], a["root_cause"]) for a in got["attempts"]] == \
        [(a["time"], a["outcome"], a["root_cause"]) for a in want["attempts"]]


def test_a_nul_line_before_the_header_is_still_passed_over(tmp_path):
    """The other side: a line of NULs before the header is no header (malformed, once), the rest read."""
    src = LOGS / "entra" / "InteractiveSignIns_2025-03-11_2025-03-12.csv"
    bad = tmp_path / src.name
    bad.write_bytes(b"\x00" * 40 + b"\n" + src.read_bytes())
    want, got = _scan(src), _scan(bad)
    assert got["inputs"][0]["malformed_lines"] == want["inputs"][0]["malformed_lines"] + 1
    assert got["inputs"][0]["events"] == want["inputs"][0]["events"]
