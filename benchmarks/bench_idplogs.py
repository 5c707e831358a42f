"""`samlscan scan` on big IdP logs, one per format: size, seconds, MB/s, peak RSS.

    python benchmarks/bench_idplogs.py [--size 100] [--formats keycloak okta-ndjson ...] [--dir /tmp]
                                       [--jobs 0] [--runs 1]

Generates each log with benchmarks/gen_idplogs.py (kept in --dir for the next run), warms the page
cache, then times `python -m samlscan scan FILE --format jsonl -o /dev/null --fail-on never`.
Peak RSS is the largest process of the run (the CLI or one worker): getrusage(RUSAGE_CHILDREN) in a
fresh wrapper process (bench_logs.measure).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
PY = sys.executable


def main() -> None:
    from bench_logs import measure
    from gen_idplogs import FORMATS, write

    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=float, default=100, help="MiB per log")
    ap.add_argument("--formats", nargs="+", default=list(FORMATS), choices=list(FORMATS))
    ap.add_argument("--dir", default="/tmp")
    ap.add_argument("--jobs", type=int, default=0, help="0: samlscan's default")
    ap.add_argument("--runs", type=int, default=1, help="best of this many runs")
    a = ap.parse_args()
    print(f"bench_idplogs: {a.size:g} MiB per log, jobs={a.jobs or 'default'}, {os.cpu_count()} CPU(s), "
          f"best of {a.runs}")
    print(f"{'format':<20} {'size MB':>8} {'seconds':>8} {'MB/s':>7} {'peak RSS MB':>12}  summary")
    for fmt in a.formats:
        path = Path(a.dir) / f"samlscan-bench-idp-{fmt}-{a.size:g}MB.log"
        if not path.exists():
            write(fmt, str(path), a.size)
        with open(path, "rb") as fh:  # warm the page cache
            while fh.read(16 * 1024 * 1024):
                pass
        cmd = [PY, "-m", "samlscan", "scan", str(path), "--format", "jsonl", "-o", os.devnull,
               "--fail-on", "never", *(["--jobs", str(a.jobs)] if a.jobs else [])]
        runs = [measure(cmd) for _ in range(a.runs)]
        dt = min(r[0] for r in runs)
        rss = max(r[1] for r in runs)
        size = path.stat().st_size
        summary = runs[0][2].splitlines()[-1] if runs[0][2] else ""
        print(f"{fmt:<20} {size / 1e6:8.1f} {dt:8.2f} {size / dt / 1e6:7.1f} {rss:12d}  "
              f"{summary.removeprefix('samlscan: ')[:110]}", flush=True)


if __name__ == "__main__":
    main()
