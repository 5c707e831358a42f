"""Write a realistic SonarQube access.log of a given size (the layout of fixtures/gen_sqaccess.py).

Mostly API and page requests of many clients; a SAML login (start, callback, and /sessions/unauthorized
for one in three) every LOGIN_EVERY lines. Deterministic for a given seed.

    python benchmarks/gen_accesslog.py OUT SIZE_MB [--seed N]
"""
from __future__ import annotations

import argparse
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from gen_sqaccess import CHROME, EDGE, FIREFOX, ZONE, access_line  # noqa: E402

PATHS = ["/api/navigation/global", "/api/issues/search?ps=100&p={n}", "/api/measures/component?component=proj-{n}",
         "/api/ce/activity", "/dashboard?id=proj-{n}", "/project/issues?id=proj-{n}", "/js/out{n}.js",
         "/api/settings/values?keys=sonar.auth.saml.enabled", "/admin/settings?category=saml"]
LOGIN_EVERY = 2000


def lines(rng: random.Random, start: datetime):
    t, n = start, 0
    while True:
        n += 1
        t += timedelta(milliseconds=rng.randint(1, 60))
        host = f"10.{rng.randint(0, 40)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        agent = rng.choice((CHROME, EDGE, FIREFOX))
        if n % LOGIN_EVERY == 0:
            rid = f"AZWb{n:016X}"
            yield access_line(host, t, "GET /sessions/init/saml?return_to=%2F", 302, 0, "", agent, rid + "1", 4)
            t += timedelta(seconds=3)
            yield access_line(host, t, "POST /oauth2/callback/saml", 302, 0, "", agent, rid + "2", 80)
            if n % (3 * LOGIN_EVERY) == 0:
                yield access_line(host, t, "GET /sessions/unauthorized", 200, 3355, "", agent, rid + "3", 6)
            continue
        path = rng.choice(PATHS).format(n=rng.randint(1, 400))
        yield access_line(host, t, f"GET {path}", 200, rng.randint(80, 90000), "https://sonar.example.com/projects",
                          agent, f"AZWa{n:016X}", rng.randint(1, 900))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("size_mb", type=int)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    want = args.size_mb * 1024 * 1024
    rng = random.Random(args.seed)
    written = 0
    with open(args.out, "w") as fh:
        buf = []
        for line in lines(rng, datetime(2025, 3, 11, 0, 0, 0, tzinfo=ZONE)):
            buf.append(line)
            written += len(line)
            if len(buf) >= 10000:
                fh.write("".join(buf))
                buf = []
            if written >= want:
                break
        fh.write("".join(buf))


if __name__ == "__main__":
    main()
