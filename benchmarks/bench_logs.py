"""`samlscan scan` on big SonarQube web.logs vs `grep -c SAML`: time, peak RSS, growth.

    python benchmarks/bench_logs.py [--sizes 100 1024] [--dir /tmp] [--jobs 0 1] [--runs 3]

Generates web.logs of the given sizes (MiB) with benchmarks/gen_weblog.py (INFO noise, WARN stack
traces, SAML failures of both engines, java-saml dumps), then times each command --runs times (best
kept, every run printed), warm cache
(one untimed read first; stdout is a pipe: GNU grep stops at the first match when it is /dev/null). Peak RSS is the largest process of the run (the CLI or one worker),
from getrusage(RUSAGE_CHILDREN) in a fresh wrapper process.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
PY = sys.executable

_WRAP = ("import resource,subprocess,sys,time,json;t=time.perf_counter();"
         "p=subprocess.run(sys.argv[1:],stdout=subprocess.PIPE,stderr=subprocess.PIPE);"
         "dt=time.perf_counter()-t;"
         "print(json.dumps([dt,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,p.returncode,"
         "p.stderr.decode()[-300:]]))")


def measure(cmd: list[str]) -> tuple[float, int, str]:
    out = subprocess.run([PY, "-c", _WRAP, *cmd], capture_output=True, text=True, check=True).stdout
    dt, rss_kb, rc, err = json.loads(out)
    if rc not in (0, 1):
        raise SystemExit(f"{cmd} exited {rc}: {err}")
    return dt, rss_kb // 1024, err.strip()


def main() -> None:
    from gen_weblog import SAML_SHARE, VERSION, write

    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=float, nargs="+", default=[100, 1024])
    ap.add_argument("--dir", default="/tmp")
    ap.add_argument("--jobs", type=int, nargs="+", default=[0], help="0: samlscan's default")
    ap.add_argument("--runs", type=int, default=3, help="best of this many runs (all printed)")
    ap.add_argument("--saml-share", type=float, default=SAML_SHARE,
                    help="share of lines that start a SAML login (default 1%%: the dense benchmark log; "
                         "a real server's web.log has far fewer)")
    a = ap.parse_args()
    rows = []
    for mb in a.sizes:
        tag = "" if a.saml_share == SAML_SHARE else f"-saml{a.saml_share:g}"
        path = Path(a.dir) / f"samlscan-bench-web-{int(mb)}MB{tag}.log"
        stamp = path.with_name(path.name + ".version")  # (the generator's VERSION it was written with)
        if not path.exists() or abs(path.stat().st_size - mb * 1024 * 1024) > 1024 * 1024 or (
                not stamp.exists() or stamp.read_text() != VERSION):
            write(str(path), mb, saml_share=a.saml_share)
            stamp.write_text(VERSION)
        with open(path, "rb") as fh:  # warm the page cache for both commands
            while fh.read(16 * 1024 * 1024):
                pass
        greps = [measure(["grep", "-c", "SAML", str(path)])[0] for _ in range(a.runs)]
        print(f"{mb:.0f}M grep -c SAML runs: {' '.join(f'{g:.3f}' for g in greps)} s", flush=True)
        for jobs in a.jobs:
            runs = [measure([PY, "-m", "samlscan", "scan", str(path), "--format", "jsonl",
                             "-o", os.devnull, "--fail-on", "never",
                             *(["--jobs", str(jobs)] if jobs else [])]) for _ in range(a.runs)]
            print(f"{mb:.0f}M samlscan jobs={jobs or 'default'} runs: "
                  + " ".join(f"{dt:.3f}s/{rss}MB" for dt, rss, _ in runs), flush=True)
            best = min(runs)
            rows.append((mb, jobs, path.stat().st_size, min(greps), best[0],
                         max(r[1] for r in runs), best[2]))
    print(f"bench_logs: SonarQube web.log ({a.saml_share:g} of lines start a SAML login), {os.cpu_count()} CPU(s), best of {a.runs} runs")
    print(f"{'size':>8} {'jobs':>7} {'grep -c SAML s':>15} {'samlscan s':>11} {'x grep':>7} {'MB/s':>7} "
          f"{'peak RSS MB':>12}  targets: <= 8x grep, RSS < 300 MB")
    for mb, jobs, size, g, s, rss, _ in rows:
        print(f"{mb:7.0f}M {jobs or 'default':>7} {g:15.3f} {s:11.3f} {s / g:6.1f}x {size / s / 1e6:7.1f} "
              f"{rss:12d}  {'ok' if s / g <= 8 else 'MISSED'} {'ok' if rss < 300 else 'MISSED'}")
    for jobs in a.jobs:
        mine = [r for r in rows if r[1] == jobs]
        if len(mine) >= 2:
            (m0, _, b0, _, s0, _, _), (m1, _, b1, _, s1, _, _) = mine[0], mine[-1]
            print(f"growth jobs={jobs or 'default'} {m0:.0f}M -> {m1:.0f}M: size x{b1 / b0:.2f}, "
                  f"time x{s1 / s0:.2f} ({'linear' if s1 / s0 <= 1.25 * b1 / b0 else 'WORSE than linear'})")
    for mb, jobs, *_, summary in rows:
        print(f"{mb:.0f}M jobs={jobs or 'default'}: {summary.splitlines()[-1] if summary else ''}")


if __name__ == "__main__":
    main()
