"""Correlation's CPU on a big SonarQube web.log: `cli._correlated` (rejudging and correlate) alone.

    python benchmarks/bench_correlate.py [--size 100] [--dir /tmp] [--runs 5] [--profile]

Generates a web.log of --size MiB with benchmarks/gen_weblog.py (kept for the next run), scans it as
`samlscan scan FILE` does up to correlation, then times cli._correlated on that report --runs times,
each on a fresh unpickled copy (correlation fills pieces in place): CPU seconds (time.process_time,
not wall time: the machine may be shared), best kept, every run printed. --profile prints cProfile's
top functions of one more run.
"""
from __future__ import annotations

import argparse
import gc
import io
import pickle
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _report(path: Path):
    """(report, expectation) `samlscan scan PATH` hands to cli._correlated."""
    from samlscan import cli

    got = []

    def caught(report, expect):
        got.append((report, expect))
        raise SystemExit(0)

    orig, cli._correlated = cli._correlated, caught
    try:
        cli.main.main(["scan", str(path), "--format", "jsonl", "--quiet"], standalone_mode=False)
    except SystemExit:
        pass
    finally:
        cli._correlated = orig
    if not got:
        raise SystemExit(f"samlscan scan {path} did not reach correlation")
    return got[0]


def main() -> None:
    from gen_weblog import write
    from samlscan import cli

    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=float, default=100, help="MiB of web.log (default 100)")
    ap.add_argument("--dir", default="/tmp")
    ap.add_argument("--runs", type=int, default=5, help="best of this many runs (all printed)")
    ap.add_argument("--profile", action="store_true", help="also print cProfile's top 30 (tottime)")
    a = ap.parse_args()
    path = Path(a.dir) / f"samlscan-benchcorr-web-{int(a.size)}MB.log"
    if not path.exists() or abs(path.stat().st_size - a.size * 1024 * 1024) > 1024 * 1024:
        write(str(path), a.size)
    frozen = pickle.dumps(_report(path), protocol=5)
    report, _ = pickle.loads(frozen)
    print(f"{path.name}: {len(report.events):,} events, {len(report.messages):,} messages")
    cpus = []
    for _ in range(a.runs):
        report, expect = pickle.loads(frozen)
        gc.collect()
        t = time.process_time()
        done = cli._correlated(report, expect)
        cpus.append(time.process_time() - t)
        print(f"  correlation CPU {cpus[-1]:.3f} s ({len(done.attempts):,} attempts)")
    print(f"best of {a.runs}: {min(cpus):.3f} s CPU")
    if a.profile:
        import cProfile
        import pstats

        report, expect = pickle.loads(frozen)
        prof = cProfile.Profile()
        prof.runcall(cli._correlated, report, expect)
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(30)
        print(out.getvalue())


if __name__ == "__main__":
    main()
