"""--format jsonl writes one record a line also when a value holds a line break json leaves raw."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from samlscan.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_a_file_name_with_a_line_separator_stays_on_its_line(tmp_path):
    """JSON allows U+2028, U+2029 and U+0085 raw in a string, but str.splitlines (and JavaScript's
    line terminators) cut a record there: a file name holding one split its findings' lines."""
    name = "resp\u2028on\x85se\u2029.xml"
    shutil.copy(ROOT / "fixtures" / "responses" / "defects" / "signature-cert-mismatch.xml", tmp_path / name)
    result = CliRunner().invoke(main, ["scan", str(tmp_path), "--format", "jsonl", "--config",
                                       str(ROOT / "fixtures" / "config" / "default.toml")])
    lines = result.stdout.splitlines()
    rows = [json.loads(line) for line in lines]
    assert rows and all(r["input"].endswith(name) for r in rows)
    assert "signature-cert-mismatch" in {r["code"] for r in rows}
