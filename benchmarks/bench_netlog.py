"""Peak memory and wall time of `samlscan check` on a ~200 MB Chrome net-export (not committed; /tmp).

    python benchmarks/bench_netlog.py [--size-mb 200] [--keep]

The net-export is fixtures/gen_netlog48.py's raw-bytes login among noise: image requests whose bodies
(URL_REQUEST_JOB_FILTERED_BYTES_READ, 32 KiB a read as Chromium reads them) make up the size, and a few
small pages; the login sits in the middle. The check runs in a child process; its peak RSS comes from
resource.getrusage(RUSAGE_CHILDREN).ru_maxrss (KiB on Linux).
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
import gen_netlog48 as g48  # noqa: E402


def _noise(source: int, at: int, chunk: str, reads: int) -> list[str]:
    """One image request, its headers and `reads` reads of its body, as the file's lines."""
    url = f"https://cdn.example.com/img/{source}.png"
    events = g48._hop(source, at, at, "GET", url, ["Host: cdn.example.com"],
                      ["HTTP/1.1 200", "Content-Type: image/png", "Date: Tue, 11 Mar 2025 08:40:58 GMT"])
    events += [g48._ev("URL_REQUEST_JOB_FILTERED_BYTES_READ", source, "URL_REQUEST", at, at + 50, g48.NONE,
                       {"byte_count": 32768, "bytes": chunk}) for _ in range(reads)]
    return [json.dumps(e, separators=(",", ":"), sort_keys=True) for e in events]


def write_netlog(path: Path, size_mb: int) -> tuple[int, int]:
    """(bytes, requests) of a net-export: the login in the middle of image requests."""
    chunk = base64.b64encode(os.urandom(32768)).decode()
    head, _, tail = g48.netlog("Everything", [{"marker": 1}]).partition('{"marker":1}')
    login = [json.dumps(e, separators=(",", ":"), sort_keys=True) for e in g48._login(True)]
    per = sum(map(len, _noise(1000, 0, chunk, 64)))
    rounds, lines, requests = max(2, size_mb * (1 << 20) // per), 0, 3
    with open(path, "w") as f:
        f.write(head)
        for i in range(rounds):
            for line in _noise(1000 + i, -1000, chunk, 64) + (login if i == rounds // 2 else []):
                f.write((",\n" if lines else "") + line)
                lines += 1
            requests += 1
        f.write(tail)
    return path.stat().st_size, requests


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=int, default=200)
    ap.add_argument("--out", default="/tmp/samlscan-bench-netlog.json")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    path = Path(a.out)
    size, requests = write_netlog(path, a.size_mb)
    cmd = [sys.executable, "-m", "samlscan", "check", str(path), "--config",
           str(ROOT / "fixtures" / "config" / "default.toml"), "--format", "json", "--fail-on", "never"]
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    doc = json.loads(res.stdout) if res.returncode in (0, 1) else {}
    print(json.dumps({"netlog_bytes": size, "netlog_mb": round(size / (1 << 20), 1), "requests": requests,
                      "exit_code": res.returncode, "messages": len(doc.get("messages", [])),
                      "attempts": [x.get("outcome") for x in doc.get("attempts", [])],
                      "wall_s": round(wall, 2), "peak_rss_mb": round(peak_kb / 1024, 1)}))
    if not a.keep:
        path.unlink()
    return 0 if res.returncode in (0, 1) else 1


if __name__ == "__main__":
    sys.exit(main())
