"""`samlscan scan` on big logs of the readers that streamed without a prefilter: time and peak RSS.

    python benchmarks/bench_readers.py [--size 250] [--dir /tmp] [--kinds docker monolog ...]
                                       [--tree /work/main] [--runs 1]

Writes one log of each kind (--size MiB, deterministic; kept between runs): a Keycloak log in
Docker's json-file records, a Symfony Monolog log, an Okta System Log as JSON lines and as the
pretty-printed JSON array of an export, and a coloured Spring Boot console capture. Each is mostly
noise with a SAML block (the lines of a committed fixture) every ~1 MB. `--tree` is the checkout
whose samlscan runs (PYTHONPATH), so the same files measure the code before and after a change.
Peak RSS is the largest process of the run (the CLI or one worker): getrusage(RUSAGE_CHILDREN).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
ROOT = HERE.parent
PY = sys.executable
BLOCK_EVERY = 1024 * 1024
"""Bytes of noise between two SAML blocks."""


def _fixture(rel: str) -> list[str]:
    return (ROOT / rel).read_text(encoding="utf-8").splitlines()


def _docker(rng: random.Random, n: int) -> str:
    ts = f"2025-03-11 09:{n // 6000 % 60:02d}:{n // 100 % 60:02d},{n % 1000:03d}"
    text = f"{ts} INFO  [io.quarkus.http.access-log] (executor-thread-{rng.randint(1, 40)}) 10.0.{n % 250}.7 - - " \
           f"\"GET /realms/corp/protocol/openid-connect/certs HTTP/1.1\" 200 {rng.randint(900, 3000)}\n"
    return json.dumps({"log": text, "stream": "stdout", "time": "2025-03-11T08:39:12.004000000Z"},
                      separators=(",", ":"))


def _monolog(rng: random.Random, n: int) -> str:
    ts = f"2025-03-11T08:{n // 6000 % 60:02d}:{n // 100 % 60:02d}.{n % 1000000:06d}+00:00"
    chan, level = rng.choice((("request", "INFO"), ("doctrine", "DEBUG"), ("security", "DEBUG"),
                              ("php", "WARNING"), ("app", "INFO")))
    return f"[{ts}] {chan}.{level}: Matched route \"page_{n % 97}\". {{\"route\":\"page_{n % 97}\"," \
           f"\"request_uri\":\"https://app.example.com/page/{n}\",\"method\":\"GET\"}} []"


_OKTA_NOISE = ("user.session.access_admin_app", "system.org.rate_limit.warning", "user.account.update_profile",
               "application.user_membership.add", "policy.lifecycle.update")


def _okta_events() -> list[dict]:
    return json.loads((ROOT / "tests/data/case21/okta-system-log.json").read_text(encoding="utf-8"))


def _okta(rng: random.Random, n: int) -> dict:
    return {"uuid": f"noise-{n}", "published": f"2026-06-02T0{n // 360000 % 10}:{n // 6000 % 60:02d}:{n // 100 % 60:02d}.000Z",
            "eventType": rng.choice(_OKTA_NOISE), "version": "0", "severity": "INFO",
            "displayMessage": "Noise event", "actor": {"id": f"00u{n}", "type": "User",
                                                        "alternateId": f"user{n % 500}@example.com"},
            "client": {"ipAddress": f"198.51.100.{n % 250}"}, "outcome": {"result": "SUCCESS"},
            "target": [{"id": "0oa1", "type": "AppInstance", "displayName": "Wiki"}]}


def _coloured(rng: random.Random, n: int) -> str:
    ts = f"2025-03-11T09:{n // 6000 % 60:02d}:{n // 100 % 60:02d}.{n % 1000:03d}+01:00"
    return (f"\x1b[2m{ts}\x1b[0;39m \x1b[32m INFO\x1b[0;39m \x1b[35m4711\x1b[0;39m \x1b[2m---\x1b[0;39m "
            f"\x1b[2m[demo] [nio-8080-exec-{rng.randint(1, 9)}]\x1b[0;39m \x1b[2m\x1b[0;39m"
            f"\x1b[36mo.s.web.servlet.DispatcherServlet      \x1b[0;39m \x1b[2m:\x1b[0;39m Completed 200 OK for /page/{n}\r")


def _lines_kind(noise, saml: list[str]):
    def write(fh, size: int, rng: random.Random, every: int) -> None:
        n, since = 0, every  # (a SAML block first: the head a reader knows the log by)
        while fh.tell() < size:
            if since >= every:
                fh.write("\n".join(saml) + "\n")
                since = 0
            line = noise(rng, n) + "\n"
            fh.write(line)
            n, since = n + 1, since + len(line)
    return write


def _okta_ndjson(fh, size: int, rng: random.Random, every: int) -> None:
    saml = [json.dumps(e, separators=(",", ":")) for e in _okta_events()]
    _lines_kind(lambda r, n: json.dumps(_okta(r, n), separators=(",", ":")), saml)(fh, size, rng, every)


def _okta_array(fh, size: int, rng: random.Random, every: int) -> None:
    saml = _okta_events()
    fh.write("[\n")
    n, since, first = 0, every, True
    while fh.tell() < size:
        batch = saml if since >= every else [_okta(rng, n)]
        since = 0 if batch is saml else since
        for e in batch:
            text = ("" if first else ",\n") + json.dumps(e, indent=2)
            fh.write(text)
            first, since, n = False, since + len(text), n + 1
    fh.write("\n]\n")


KINDS = {
    "docker": _lines_kind(_docker, _fixture("fixtures/logs/keycloak/wrapped/docker-json-file.log")),
    "monolog": _lines_kind(_monolog, _fixture("tests/data/monolog20/symfony-oneline.log")),
    "okta-ndjson": _okta_ndjson,
    "okta-array": _okta_array,
    "coloured": _lines_kind(_coloured, _fixture("tests/data/console20/spring-boot3-ansi.log")),
}


def write(kind: str, path: str, size_mb: float, seed: int = 7, every: int = BLOCK_EVERY) -> None:
    """One log of `kind`, about size_mb MiB, a SAML block every `every` bytes."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        KINDS[kind](fh, int(size_mb * 1024 * 1024), random.Random(seed), every)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=float, default=250, help="MiB of each log")
    ap.add_argument("--dir", default="/tmp")
    ap.add_argument("--kinds", nargs="+", default=list(KINDS), choices=list(KINDS))
    ap.add_argument("--tree", default=str(ROOT), help="the samlscan checkout to run")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=0, help="0: samlscan's default")
    a = ap.parse_args()
    from bench_logs import measure  # (its runs see this process's environment: the tree to run)

    os.environ["PYTHONPATH"] = a.tree
    os.makedirs(a.dir, exist_ok=True)
    print(f"bench_readers: {a.tree}, {os.cpu_count()} CPU(s), target: peak RSS < 300 MB")
    for kind in a.kinds:
        path = Path(a.dir) / f"samlscan-bench-{kind}-{int(a.size)}MB.log"
        if not path.exists() or abs(path.stat().st_size - a.size * 1024 * 1024) > 2 * 1024 * 1024:
            write(kind, str(path), a.size)
        runs = [measure([PY, "-m", "samlscan", "scan", str(path), "--format", "jsonl", "-o", os.devnull,
                         "--fail-on", "never", *(["--jobs", str(a.jobs)] if a.jobs else [])])
                for _ in range(a.runs)]
        best = min(runs)
        print(f"{kind:12} {path.stat().st_size / 2**20:7.0f} MiB  " + " ".join(f"{dt:.2f}s/{rss}MB" for dt, rss, _ in runs)
              + f"  {'ok' if max(r[1] for r in runs) < 300 else 'MISSED'}  {best[2].splitlines()[-1] if best[2] else ''}",
              flush=True)


if __name__ == "__main__":
    main()
