"""Peak memory and wall time of `samlscan check` on a ~200 MB Chrome net-export (not committed; /tmp).

    python benchmarks/bench_netlog.py [--size-mb 200] [--keep]

The net-export is fixtures/gen_netlog48.py's raw-bytes login among noise: image requests whose bodies
(URL_REQUEST_JOB_FILTERED_BYTES_READ, 32 KiB a read as Chromium reads them) make up the size, and a few
small pages; the login sits in the middle. The check runs in a child process; its peak RSS comes from
resource.getrusage(RUSAGE_CHILDREN).ru_maxrss (KiB on Linux).
"""
from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "fixtures"))
import gen_netlog48 as g48  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_har  # noqa: E402


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


if __name__ == "__main__":
    sys.exit(bench_har.run(write_netlog, "netlog", 200, "/tmp/samlscan-bench-netlog.json", "requests"))
