"""What a range of commits changed in samlscan's verdicts, input by input.

    git worktree add /tmp/base <first commit>
    python benchmarks/verdict_diff.py /tmp/base . /tmp/verdicts        # scans, then compares
    python benchmarks/verdict_diff.py /tmp/base . /tmp/verdicts case28 # compare only names holding 'case28'

Scans (`scan --format json --jobs 1`) every folder of tests/data (in UTC, truth.json and *.md left
out, case27 in its servers' zone, as the case tests do), of fixtures/ and of /work/shared/corpus with
each tree's code (its own folder as the working directory: `-m` puts it first on sys.path) over THIS
tree's data, both trees at once; a scan already written is kept. Then prints, per input, what differs:
status, kind (the reader chosen), messages, events, malformed_lines; per attempt time, user, outcome,
root_cause, side, and the fix; the notes and the count of each finding code."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent
ZONES = {"case27": "Europe/Berlin"}  # (tests/test_case27.py: web.log's times are local)
INPUT_FIELDS = ("status", "kind", "messages", "events", "malformed_lines", "reason")


def targets() -> list[tuple[str, Path, list[str]]]:
    got = [("tests_data_" + d.name, d, ["--timezone", ZONES.get(d.name, "UTC"), "--exclude", "truth.json",
                                        "--exclude", "*.md"])
           for d in sorted((DATA / "tests" / "data").iterdir()) if d.is_dir()]
    got += [("fixtures_" + d.name, d, []) for d in sorted((DATA / "fixtures").iterdir()) if d.is_dir()]
    corpus = Path("/work/shared/corpus")
    got += [("corpus_" + d.name, d, []) for d in sorted(corpus.iterdir())] if corpus.is_dir() else []
    return got


def scan_all(tree: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(tree), PYTHONHASHSEED="0")
    for name, path, extra in targets():
        f = out / f"{name}.json"
        if f.exists():
            continue
        try:
            r = subprocess.run([sys.executable, "-m", "samlscan", "scan", str(path), "--format", "json", "--jobs",
                                "1", "--fail-on", "never", *extra], cwd=tree, env=env, capture_output=True,
                               text=True, timeout=900, check=False)
            rec = {"rc": r.returncode, "stdout": r.stdout, "stderr": r.stderr[-3000:]}
        except subprocess.TimeoutExpired:
            rec = {"rc": "timeout", "stdout": "", "stderr": ""}
        f.write_text(json.dumps(rec))


def verdicts(f: Path) -> dict:
    rec = json.loads(f.read_text())
    try:
        doc = json.loads(rec["stdout"])
    except ValueError:
        return {"rc": rec["rc"], "error": (rec["stdout"] or rec["stderr"])[-300:]}
    return {"rc": rec["rc"],
            "inputs": {i["path"]: {k: i.get(k) for k in INPUT_FIELDS} for i in doc["inputs"]},
            "attempts": [(a["time"], a["user"], a["outcome"], a["root_cause"], a["side"]) for a in doc["attempts"]],
            "fixes": [(a["time"], a["root_cause"], a["fix"]) for a in doc["attempts"]],
            "notes": doc["summary"].get("notes", []), "codes": doc["summary"].get("by_code") or {}}


def compare(old: dict, new: dict) -> list[str]:
    if "error" in old or "error" in new or old["rc"] != new["rc"]:
        return [f"  exit {old['rc']} -> {new['rc']}: {old.get('error')} -> {new.get('error')}"]
    lines = []
    for path in sorted(set(old["inputs"]) | set(new["inputs"])):
        a, b = old["inputs"].get(path) or {}, new["inputs"].get(path) or {}
        if a != b:
            lines.append(f"  input {path}: " + str({k: (a.get(k), b.get(k)) for k in INPUT_FIELDS
                                                    if a.get(k) != b.get(k)}))
    lines += [f"  attempt - {a}" for a in old["attempts"] if a not in new["attempts"]]
    lines += [f"  attempt + {a}" for a in new["attempts"] if a not in old["attempts"]]
    if old["attempts"] != new["attempts"] and sorted(map(str, old["attempts"])) == sorted(map(str, new["attempts"])):
        lines.append("  attempts reordered")
    lines += [f"  fix {a[0]} {a[1]}:\n    was {a[2]}\n    now {b[2]}" for a, b in zip(old["fixes"], new["fixes"])
              if a[:2] == b[:2] and a != b]
    lines += [f"  note - {n}" for n in old["notes"] if n not in new["notes"]]
    lines += [f"  note + {n}" for n in new["notes"] if n not in old["notes"]]
    codes = {k: (old["codes"].get(k), new["codes"].get(k)) for k in sorted(set(old["codes"]) | set(new["codes"]))
             if old["codes"].get(k) != new["codes"].get(k)}
    return lines + ([f"  codes {codes}"] if codes else [])


def main(base: str, head: str, out: str, *only: str) -> None:
    trees, dirs = (Path(base).resolve(), Path(head).resolve()), (Path(out) / "base", Path(out) / "head")
    with ThreadPoolExecutor(2) as pool:  # (two trees at once at most: the scans are one process each)
        list(pool.map(scan_all, trees, dirs))
    for f in sorted(dirs[1].glob("*.json")):
        if only and not any(o in f.name for o in only):
            continue
        said = compare(verdicts(dirs[0] / f.name), verdicts(f))
        if said:
            print(f"===== {f.stem}", *said, sep="\n")


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit("usage: verdict_diff.py BASE_TREE HEAD_TREE OUT_DIR [NAME...]")
    main(*sys.argv[1:])
