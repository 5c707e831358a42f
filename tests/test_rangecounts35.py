"""A split log's ranges are numbered from the line counts their readers made, whichever process
read them (--jobs 2 too): only ranges not read yet are counted apart (batch._RangeCounts)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from samlscan import batch
from samlscan.config import Expectations

_LINE = "2025.03.11 08:00:{s:02d} ERROR web[R{n}][c.o.s.a.SamlResponse] Signature validation failed\n"


def _log(tmp_path, n: int = 4000):
    log = tmp_path / "web.log"
    log.write_text("".join(_LINE.format(s=k % 60, n=k) for k in range(n)))
    return str(log)


def _counting(monkeypatch) -> list:
    counted: list = []
    real = batch._count_lines
    monkeypatch.setattr(batch, "_count_lines", lambda *a: counted.append(a[1:]) or real(*a))
    return counted


def test_a_range_read_is_not_counted_again(tmp_path, monkeypatch):
    log = _log(tmp_path)
    monkeypatch.setattr(batch, "SPLIT_BYTES", 64 * 1024)
    units = batch.plan([log])
    assert len(units) > 4
    counted = _counting(monkeypatch)
    count = batch._RangeCounts(units)
    done = batch.run_unit(units[0], Expectations(), None)
    count.read(units[0], done)
    assert count(log, 0) == done[0][3] == batch._count_lines(log, units[0].start, units[0].end)
    assert counted == [(units[0].start, units[0].end)]  # (only the check's own count above)
    assert count(log, 1) == batch._count_lines(log, units[1].start, units[1].end)  # not read: counted
    assert len(counted) == 3


def test_the_first_ranges_are_counted_by_the_pool_the_rest_when_asked(tmp_path, monkeypatch):
    log = _log(tmp_path)
    monkeypatch.setattr(batch, "SPLIT_BYTES", 64 * 1024)
    units = batch.plan([log])
    counted = _counting(monkeypatch)
    with ThreadPoolExecutor(1) as pool:
        count = batch._RangeCounts(units, pool, 1)
        pool.shutdown(wait=True)
    ahead = batch.QUEUED_PER_WORKER
    assert counted == [(u.start, u.end) for u in units[:ahead]]  # handed out before any is read
    assert [count(log, k) for k in range(len(units) - 1)] == [
        batch._count_lines(log, u.start, u.end) for u in units[:-1]]


def test_jobs_2_numbers_every_line_as_jobs_1(tmp_path, monkeypatch):
    log = _log(tmp_path, 6000)
    monkeypatch.setattr(batch, "SPLIT_BYTES", 64 * 1024)
    one = batch.run_scan([log], Expectations(), jobs=1)
    two = batch.run_scan([log], Expectations(), jobs=2)
    assert two == one
    assert [e.source.ref for e in two.events] == [f"line {n}" for n in range(1, 6001)]
