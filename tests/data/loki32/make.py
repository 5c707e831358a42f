"""Writes tests/data/loki32/: two SonarQube web.logs (our signed fixtures' lines) and the same lines as
Grafana Loki hands them out (see SOURCES.md). Deterministic; `python make.py` rebuilds, `--check` compares."""
from __future__ import annotations

import json
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
LABELS = [{"app": "sonarqube", "container": "sonarqube", "namespace": "sq", "pod": f"sonarqube-{i}"} for i in (0, 1)]
_TIME = re.compile(r"(\d{4})\.(\d\d)\.(\d\d) (\d\d):(\d\d):(\d\d) ")


def plain_logs() -> dict[str, str]:
    """web-0.log: tests/data/case24/web.log as it is (six responses, base64 dumps over many lines);
    web-1.log: tests/data/docker27/web.log (an XML dump over many lines) moved to 2026.11.25 08:29:55, so
    that its lines interleave with web-0's first dump (two pods at one moment)."""
    web1 = (ROOT / "tests/data/docker27/web.log").read_text()
    moved = []
    for line in web1.split("\n"):
        m = _TIME.match(line)
        if m:
            at = datetime(2026, 11, 25, 8, 29, 55) + (datetime(*map(int, m.groups())) - datetime(2025, 3, 11, 8, 41, 0))
            line = at.strftime("%Y.%m.%d %H:%M:%S ") + line[m.end():]
        moved.append(line)
    return {"web-0.log": (ROOT / "tests/data/case24/web.log").read_text(), "web-1.log": "\n".join(moved)}


def entries(text: str, pod: int) -> list[tuple[int, int, str]]:
    """(epoch ns, pod, line) of each line: its record's time (a dump's next lines that of the record they
    belong to, as a shipper reading them at once stamps them), a microsecond after the line before at least
    (Loki orders by time: the file's order kept)."""
    out, last = [], 0
    for line in text.rstrip("\n").split("\n"):
        m = _TIME.match(line)
        own = int(datetime(*map(int, m.groups()), tzinfo=timezone.utc).timestamp()) * 10**9 if m else 0
        last = max(own, last + 1000)  # (never before the line above: a shipper stamps lines as it reads them)
        out.append((last, pod, line))
    return out


def rfc3339nano(ns: int) -> str:
    """Go's time.RFC3339Nano in UTC: the fraction's trailing zeros trimmed."""
    base = datetime.fromtimestamp(ns // 10**9, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    frac = f"{ns % 10**9:09d}".rstrip("0")
    return base + ("." + frac if frac else "") + "Z"


def go_json(value) -> str:
    """json.Marshal: compact, '<', '>', '&' escaped HTML-safe."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def prom_labels(labels: dict) -> str:
    """Prometheus labels.String(): sorted, Go-quoted values, ', ' between."""
    return "{" + ", ".join(f'{k}={json.dumps(v)}' for k, v in sorted(labels.items())) + "}"


def iso_ms(ns: int) -> str:
    return datetime.fromtimestamp(ns // 10**6 / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def build() -> dict[str, str]:
    logs = plain_logs()
    both = sorted(entries(logs["web-0.log"], 0) + entries(logs["web-1.log"], 1), reverse=True)  # backward
    files = dict(logs)
    # logcli query --output=jsonl (newest first, both streams merged)
    files["logcli.jsonl"] = "".join(go_json({"labels": LABELS[p], "line": line, "timestamp": rfc3339nano(ns)}) + "\n"
                                    for ns, p, line in both)
    # logcli query --output=default
    width = max(len(prom_labels(lb)) for lb in LABELS)
    files["logcli-default.txt"] = "".join(
        f"{datetime.fromtimestamp(ns // 10**9, timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')} "
        f"{prom_labels(LABELS[p]).ljust(width)} {line.strip()}\n" for ns, p, line in both)
    # logcli query --output=raw --forward --limit=0 of one stream: the log's lines
    files["logcli-raw-forward.log"] = "".join(line + "\n" for _, _, line in sorted(entries(logs["web-0.log"], 0)))
    # /loki/api/v1/query_range: each stream's values newest first
    result = [{"stream": LABELS[p], "values": [[str(ns), line] for ns, q, line in both if q == p]} for p in (0, 1)]
    stats = {"summary": {"bytesProcessedPerSecond": 0, "linesProcessedPerSecond": 0, "totalBytesProcessed": 0,
                         "totalLinesProcessed": len(both), "execTime": 0.01}}
    files["query_range.json"] = json.dumps({"status": "success", "data": {"resultType": "streams", "result": result,
                                                                         "stats": stats}}, separators=(",", ":")) + "\n"
    # the same, pretty-printed (jq .), each stream's values before its labels, the stats first
    reordered = [{"values": s["values"], "stream": s["stream"]} for s in result]
    files["query_range-pretty.json"] = json.dumps({"data": {"stats": stats, "result": reordered,
                                                            "resultType": "streams"}, "status": "success"}, indent=2) + "\n"
    # Grafana Explore, Download logs (.txt) of one pod's query: meta lines, '\n\n', rows newest first
    one = sorted(entries(logs["web-0.log"], 0), reverse=True)
    meta = 'Common labels: {"app":"sonarqube","container":"sonarqube","namespace":"sq","pod":"sonarqube-0"}\n' \
           'Line limit: "1000 (%d returned)"\n' % len(one)
    files["grafana.txt"] = meta + "\n\n" + "".join(f"{ns // 10**6}\t{iso_ms(ns)}\t{line}\n" for ns, _, line in one)
    # Grafana Explore, Download logs (.json), both pods: rows newest first
    files["grafana.json"] = json.dumps([{"line": line, "timestamp": str(ns), "date": iso_ms(ns), "fields": LABELS[p]}
                                        for ns, p, line in both], separators=(",", ":"), ensure_ascii=False)
    return files


def main(argv: list[str]) -> int:
    out = HERE
    check = "--check" in argv
    bad = 0
    for name, text in build().items():
        path = out / name
        if check:
            if not path.exists() or path.read_text() != text:
                print(f"{path}: differs from the generator's output")
                bad += 1
        else:
            path.write_text(text)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
