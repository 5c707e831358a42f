"""A report written to stdout comes in blocks of chunks (one write per ~64 KB, not per JSON line):
the same bytes as the report written with -o."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from samlscan.cli import STDOUT_BLOCK, _in_blocks, main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def test_blocks_keep_every_chunk_in_order():
    chunks = [f"line {i}\n" * (i % 7 + 1) for i in range(5000)]
    blocks = list(_in_blocks(chunks, 1000))
    assert [c for b in blocks for c in b] == chunks
    assert all(sum(map(len, b)) >= 1000 for b in blocks[:-1])
    assert all(sum(map(len, b[:-1])) < 1000 for b in blocks)  # (a block ends at the chunk reaching the size)
    assert len(blocks) > 1


def test_no_chunks_no_block():
    assert list(_in_blocks([], STDOUT_BLOCK)) == []


def test_stdout_is_the_output_file(tmp_path):
    out = tmp_path / "report.jsonl"
    logs = str(FIXTURES / "logs")
    runner = CliRunner()
    to_file = runner.invoke(main, ["scan", logs, "--format", "jsonl", "-o", str(out), "--fail-on", "never", "-q"])
    to_stdout = runner.invoke(main, ["scan", logs, "--format", "jsonl", "--fail-on", "never", "-q"])
    assert to_file.exit_code == to_stdout.exit_code == 0, to_stdout.output
    assert to_stdout.output.count("\n") > 100  # (many chunks: several blocks)
    assert to_stdout.output == out.read_text(encoding="utf-8")
