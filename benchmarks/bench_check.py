"""Throughput of samlscan on signed responses vs a bare xmlsec verify loop, and startup time.

    python benchmarks/bench_check.py [--n 2000] [--dir /tmp/samlscan-bench-check]

Generates N signed responses (fixtures/samlgen, with the test IdP key, a different user and IDs per
file) in the layouts of four IdPs, round robin: Okta (Response and Assertion signed), Entra and
AD FS (Assertion signed), Keycloak (Response signed) -- the mix a support team sees; the bare loop
verifies one signature per file. Then times on the same machine, in one run:
  bare      one process: lxml parse + xmlsec add_ids + verify one signature, per file
  bare x2   the same loop in two processes, half the files each: the machine's own ceiling for
            what --jobs 2 can gain (two vCPUs may be one core's two threads, or shared)
  every     the bare loop verifying each signature of a file (a quarter of the files, Okta's, hold
            two): the same signature work samlscan does, printed beside the targets' baseline above
  analyze   one process: samlscan.engine.analyze over the files (every check)
  scan -j1  `samlscan scan DIR --jobs 1` (a process, startup included)
  scan -j2  `samlscan scan DIR --jobs 2`
  startup   `samlscan check ONE.xml` vs `python -c "import lxml.etree, xmlsec"` (median of 5)
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "fixtures"))
PY = sys.executable
CFG = ROOT / "fixtures" / "config" / "default.toml"


def generate(out: Path, n: int) -> list[Path]:
    from samlgen import keys as K
    from samlgen.content import AssertionContent, NameId, ResponseContent, Style, okta_attributes
    from samlgen.ids import make_id
    from samlgen.render import render

    out.mkdir(parents=True, exist_ok=True)
    files = sorted(out.glob("r*.xml"))
    stamp = out / "layouts-v2"
    if len(files) == n and stamp.exists():
        return files
    stamp.touch()
    for f in files:
        f.unlink()
    styles = (Style("okta", "saml2p", "saml2", inclusive_prefixes=("xs",)),
              Style("entra", None, None, ds_prefix=None, sign_response=False, typed_values=False),
              Style("adfs", "samlp", None, sign_response=False, typed_values=False),
              Style("keycloak", "samlp", "saml", sign_assertion=False, key_name="kid-1",
                    assertion_declares_xs=True))
    key = K.load("idp")
    paths = []
    for i in range(n):
        email = f"user{i}@example.com"
        a = AssertionContent(id=make_id("okta", f"bench{i}|a"), name_id=NameId(email),
                             attributes=okta_attributes(email))
        r = ResponseContent(id=make_id("okta", f"bench{i}|r"), assertions=(a,))
        p = out / f"r{i:05d}.xml"
        p.write_bytes(render(r, styles[i % len(styles)], key))
        paths.append(p)
    return paths


def bare_loop(paths: list[Path], every: bool = False) -> float:
    """Parse, add_ids, verify the first signature of each file (`every`: each of its signatures,
    the work a checker must do: Okta's layout signs the Response and the Assertion)."""
    import xmlsec
    from lxml import etree

    cert = (ROOT / "fixtures" / "keys" / "idp.crt").read_bytes()
    t = time.perf_counter()
    ok = 0
    for p in paths:
        root = etree.fromstring(p.read_bytes())
        xmlsec.tree.add_ids(root, ["ID"])
        sigs = root.iter("{http://www.w3.org/2000/09/xmldsig#}Signature") if every else \
            [xmlsec.tree.find_node(root, xmlsec.constants.NodeSignature)]
        for sig in sigs:
            ctx = xmlsec.SignatureContext()
            ctx.key = xmlsec.Key.from_memory(cert, xmlsec.constants.KeyDataFormatCertPem)
            ctx.verify(sig)
        ok += 1
    assert ok == len(paths)
    return time.perf_counter() - t


def bare_loop_two_processes(paths: list[Path]) -> float:
    """bare_loop over half the files in each of two processes (fork), wall time of both."""
    t = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            bare_loop(paths[1::2])
        finally:
            os._exit(0)
    bare_loop(paths[0::2])
    os.waitpid(pid, 0)
    return time.perf_counter() - t


def in_process(paths: list[Path]) -> float:
    from samlscan.config import build
    from samlscan.engine import analyze

    expect = build({"idp_cert": [], "idp_metadata": [], "sp_key": [], "sonar_settings": None,
                    "at": None}, CFG)
    t = time.perf_counter()
    rep = analyze([str(p) for p in paths], expect)
    dt = time.perf_counter() - t
    assert len(rep.messages) == len(paths)
    assert all(s.verified for m in rep.messages for s in m.message.signatures)
    return dt


# An installed tool runs from cached bytecode; PYTHONDONTWRITEBYTECODE (set on some machines)
# would make every process recompile samlscan and measure the compiler, not samlscan.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
    dt = time.perf_counter() - t
    if p.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed:\n{p.stderr}")
    return dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--dir", default="/tmp/samlscan-bench-check")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs per measurement; the fastest counts (as timeit does: the others "
                         "measure the machine's noise, not the code)")
    a = ap.parse_args()
    paths = generate(Path(a.dir), a.n)
    scan = [PY, "-m", "samlscan", "scan", a.dir, "--config", str(CFG), "--format", "jsonl",
            "-o", os.devnull, "-q", "--fail-on", "never"]
    timed([PY, "-m", "samlscan", "codes"])  # warm-up: writes the bytecode caches
    # Throughput: the cost per response once the process runs (a scan of a tenth of the files
    # measures start-up, walk and output, which do not grow with the work), printed beside the
    # whole-run times.
    small = Path(a.dir + "-tenth")
    small.mkdir(exist_ok=True)
    for p in paths[: len(paths) // 10]:
        if not (small / p.name).exists():
            (small / p.name).symlink_to(p)
    small_scan = [str(small) if x == a.dir else str(x) for x in scan]
    # Every measurement once per round, rounds repeated: a slow spell of the machine then touches
    # all of them alike instead of one configuration's best.
    runs = {"bare": lambda: bare_loop(paths), "every": lambda: bare_loop(paths, every=True),
            "bare2": lambda: bare_loop_two_processes(paths),
            "inproc": lambda: in_process(paths),
            "j1": lambda: timed(scan + ["--jobs", "1"]), "j2": lambda: timed(scan + ["--jobs", "2"]),
            "s1": lambda: timed(small_scan + ["--jobs", "1"]), "s2": lambda: timed(small_scan + ["--jobs", "2"])}
    got: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(a.repeat):
        for k, f in runs.items():
            got[k].append(f())
    bare, every, bare2, inproc, j1, j2, s1, s2 = (min(got[k]) for k in ("bare", "every", "bare2", "inproc", "j1", "j2",
                                                                         "s1", "s2"))
    part = len(paths) - len(paths) // 10
    per1, per2 = (j1 - s1) / part, (j2 - s2) / part
    check = statistics.median(timed([PY, "-m", "samlscan", "check", str(paths[0]), "--config",
                                     str(CFG), "-q", "--fail-on", "never"]) for _ in range(5))
    imp = statistics.median(timed([PY, "-c", "import lxml.etree, xmlsec"]) for _ in range(5))
    n = len(paths)
    spread = {k: max(v) / min(v) - 1 for k, v in got.items()}  # the machine's noise, beside each best
    rows = [  # (what, seconds, ratio, target, the runs' key: their spread printed)
        ("bare xmlsec verify loop (1 process)", bare, None, None, "bare"),
        ("bare loop in 2 processes (machine ceiling)", bare2, bare / bare2, None, "bare2"),
        ("bare loop, every signature (1 process)", every, every / bare, None, "every"),
        ("engine.analyze in-process", inproc, inproc / bare, "<= 2.0x bare", "inproc"),
        ("  the same against every signature's loop", inproc, inproc / every, None, None),
        ("samlscan scan --jobs 1", j1, j1 / bare, "<= 2.0x bare", "j1"),
        ("samlscan scan --jobs 2", j2, j1 / j2, ">= 1.7x faster than jobs 1", "j2"),
        ("scan --jobs 1 throughput (s per 1000 files)", per1 * 1000, per1 * len(paths) / bare,
         "<= 2.0x bare", None),
        ("scan --jobs 2 throughput (s per 1000 files)", per2 * 1000, per1 / per2,
         ">= 1.7x faster than jobs 1", None),
        ("python -c 'import lxml.etree, xmlsec'", imp, None, None, None),
        ("samlscan check ONE.xml (process)", check, check / imp, "<= 2.0x import", None),
    ]
    print(f"bench_check: {n} signed responses in {a.dir}, {os.cpu_count()} CPU(s), "
          f"Python {sys.version.split()[0]}, best of {a.repeat} runs")
    print(f"{'what':42} {'seconds':>9} {'files/s':>9} {'ratio':>7}  target")
    for name, dt, ratio, target, key in rows:
        rate = (f"{1000 / dt:9.0f}" if "throughput" in name else
                f"{n / dt:9.0f}" if "ONE" not in name and "import" not in name else f"{'':9}")
        r = f"{ratio:6.2f}x" if ratio is not None else f"{'':7}"
        ok = ""
        if ratio is not None and target:
            ok = "ok" if (ratio >= 1.7 if target.startswith(">=") else ratio <= 2.0) else "MISSED"
        noise = f"  (runs up to +{spread[key]:.0%})" if key and a.repeat > 1 else ""
        print(f"{name:42} {dt:9.3f} {rate} {r}  {target or ''} {ok}{noise}")


if __name__ == "__main__":
    main()
