"""Peak memory and wall time of `samlscan check` on a ~300 MB HAR (not committed; written to /tmp).

    python benchmarks/bench_har.py [--size-mb 300] [--keep]

The HAR has thousands of small unrelated entries, big base64 bodies (videos, bundles) and three
SAML logins (fixtures/captures builders, signed fixture responses). The check runs in a child
process; its peak RSS comes from resource.getrusage(RUSAGE_CHILDREN).ru_maxrss (KiB on Linux).
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "fixtures"))
import gen_captures as gc  # noqa: E402


def write_har(path: Path, size_mb: int) -> tuple[int, int]:
    """(bytes, entries) of a HAR with three SAML logins spread among noise."""
    req, resp = gc._pick_pair(ROOT / "fixtures")
    blob = base64.b64encode(os.urandom(3 << 20)).decode()  # 4 MiB of base64, under MAX_STRING
    small = [json.dumps(e) for e in gc.noise(0, 500)]
    big_entry = json.dumps(gc._entry(gc._t(0), "GET", "https://cdn.example.com/video.mp4",
                                     content={"mimeType": "video/mp4", "text": blob,
                                              "encoding": "base64"}))
    rounds = max(3, size_mb * (1 << 20) // (len(big_entry) + sum(map(len, small))))
    entries = 0
    with open(path, "w") as f:
        f.write('{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},'
                '"pages":[],"entries":[')
        for i in range(rounds):
            for e in [big_entry] + small:
                f.write(("," if entries else "") + e)
                entries += 1
            logins = (rounds // 4, rounds // 2, 3 * rounds // 4)
            if i in logins:  # three logins a minute apart, in time order
                for e in gc.attempt(req, resp, f"bench{i:011d}", 60 * logins.index(i)):
                    f.write("," + json.dumps(e))
                    entries += 1
        f.write("]}}")
    return path.stat().st_size, entries


def measure(path: Path) -> tuple[int, dict, float, float]:
    """(exit code, JSON report, wall seconds, peak RSS MiB) of `samlscan check` on `path`, in a child."""
    cmd = [sys.executable, "-m", "samlscan", "check", str(path), "--config",
           str(ROOT / "fixtures" / "config" / "default.toml"), "--format", "json", "--fail-on", "never"]
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    doc = json.loads(res.stdout) if res.returncode in (0, 1) else {}
    return res.returncode, doc, round(wall, 2), round(peak_kb / 1024, 1)


def run(write, kind: str, size_mb: int, out: str, counted: str) -> int:
    """The command line of a size benchmark: write the input (`write(path, size_mb)` -> its bytes and
    how many `counted` it holds), check it, print the figures, remove it unless --keep."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=int, default=size_mb)
    ap.add_argument("--out", default=out)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    path = Path(a.out)
    size, count = write(path, a.size_mb)
    code, doc, wall, peak = measure(path)
    print(json.dumps({f"{kind}_bytes": size, f"{kind}_mb": round(size / (1 << 20), 1), counted: count,
                      "exit_code": code, "messages": len(doc.get("messages", [])),
                      "attempts": [x.get("outcome") for x in doc.get("attempts", [])],
                      "wall_s": wall, "peak_rss_mb": peak}))
    if not a.keep:
        path.unlink()
    return 0 if code in (0, 1) else 1


if __name__ == "__main__":
    sys.exit(run(write_har, "har", 300, "/tmp/samlscan-bench.har", "entries"))
