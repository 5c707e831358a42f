"""scan39 (issue 6): what `samlscan scan --jobs 2`'s parent does beside its workers instead of after them."""
from __future__ import annotations

import os
from pathlib import Path

from samlscan import batch
from samlscan.config import Expectations

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _said(report) -> list:
    return [(i.path, i.status, i.reason) for i in report.inputs] + [
        (f.code, f.message_text) for f in report.reported_findings()]


def test_meanwhile_runs_once_in_the_parent_while_the_workers_read():
    """run_scan's `meanwhile` (the CLI's imports for correlating) runs once, in this process, with
    --jobs 2, and the report is the one --jobs 1 makes without it."""
    calls: list[int] = []
    folder = str(FIXTURES / "attacks")
    two = batch.run_scan([folder], Expectations(), jobs=2, meanwhile=lambda: calls.append(os.getpid()))
    assert calls == [os.getpid()]
    assert _said(two) == _said(batch.run_scan([folder], Expectations(), jobs=1))


def test_meanwhile_runs_when_every_unit_went_to_the_workers(tmp_path):
    """Fewer units than the workers' queues: this process read none of them, and `meanwhile` still
    ran; with --jobs 1 there is no worker to run beside, and the caller does its work after."""
    for name in sorted(os.listdir(FIXTURES / "attacks"))[:5]:  # (two units: a batch of four and one)
        (tmp_path / name).write_bytes((FIXTURES / "attacks" / name).read_bytes())
    assert len(batch.plan(sorted(map(str, tmp_path.iterdir())))) == 2 < batch.QUEUED_PER_WORKER
    calls: list[str] = []
    batch.run_scan([str(tmp_path)], Expectations(), jobs=2, meanwhile=lambda: calls.append("two"))
    batch.run_scan([str(tmp_path)], Expectations(), jobs=1, meanwhile=lambda: calls.append("one"))
    assert calls == ["two"]
