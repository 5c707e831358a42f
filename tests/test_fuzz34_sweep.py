"""fuzz34: the determinism sweep of fuzz26 (tests/test_fuzz26.py) over the folders of tests/data added since
(case28, nginx33, loki32, proxyfmt32, bundle28): json, table, csv and sarif, --jobs 1 and 2, PYTHONHASHSEED
0 and 1, run outside the suite (80 scans): every output byte equal, no traceback. The suite keeps a sample
(the whole suite is at its time budget): Loki's exports of two pods (records put back in each stream's order,
Source.order) as JSON, seed 0 with one job against seed 1 with two."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _scan(folder: str, fmt: str, seed: int, jobs: int) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": str(seed), "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-m", "samlscan", "scan", folder, "--format", fmt, "--jobs", str(jobs),
                          "--fail-on", "never", "-q"], env=env, cwd=ROOT, capture_output=True, timeout=300)
    assert res.returncode == 0 and b"Traceback" not in res.stderr, res.stderr[-2000:]
    return res.stdout


@pytest.mark.parametrize(("folder", "fmt"), [("tests/data/loki32", "json")])
def test_a_scan_of_this_rounds_folders_is_the_same_bytes_whatever_the_seed_and_jobs(folder, fmt):
    one = _scan(folder, fmt, 0, 1)
    assert one.strip() and one == _scan(folder, fmt, 1, 2)
