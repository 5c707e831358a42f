"""A generator of fixtures/ run again writes the files committed beside it, byte for byte."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def assert_generator_writes(module: str, tmp_path: Path, monkeypatch) -> None:
    """fixtures/<module>.py's main(), writing into `tmp_path` (its OUT), gives the files of its OUT folder."""
    sys.path.insert(0, str(FIXTURES))
    generator = importlib.import_module(module)
    committed = Path(generator.OUT)
    monkeypatch.setattr(generator, "OUT", tmp_path)
    generator.main()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in committed.iterdir())
    assert all((tmp_path / p.name).read_bytes() == p.read_bytes() for p in committed.iterdir())
