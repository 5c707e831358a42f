"""Wrap a real inner log (fixtures/logs/...) the way a support bundle holds it: deterministic, so
tests build the files into a temporary folder (nothing large is committed). See SOURCES.md.

    python tests/data/wrapped16/make.py OUTDIR      # every wrapper x inner file, late SAML lines
"""
from __future__ import annotations

import json
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LOGS = ROOT / "fixtures" / "logs"
LOCAL = timezone(timedelta(hours=1))  # the fixtures' local time (CET): their UTC is one hour less

INNER = {
    # name: (fixture, a filler line in the same layout that names nothing of SAML or auth)
    "sonarqube": ("sonarqube/web-spring.log",
                  "2025.03.11 {hms} INFO  web[{rid}][o.s.s.w.WebServiceEngine] Request /api/issues/search took 12 ms"),
    "keycloak": ("keycloak/keycloak-quarkus.log",
                 "2025-03-11 {hms},{ms} INFO  [org.hibernate.engine.jdbc] (executor-thread-{n}) Statement cache {rid} ok"),
    "simplesamlphp": ("simplesamlphp/simplesamlphp.log",
                      "Mar 11 {hms} simplesamlphp DEBUG [{rid}] Session: doLogout: not logged in"),
    "java-saml": ("sp-app/java-saml-logback.log",
                  "2025-03-11 {hms}.{ms} INFO  [http-nio-8080-exec-{n}] com.example.web.HomeController - GET /home 200 {rid}"),
    "spring": ("sp-app/spring-boot3.log",
               "2025-03-11T{hms}.{ms}+01:00  INFO 4711 --- [demo] [nio-8080-exec-{n}] c.e.demo.web.HomeController              : GET /home {rid}"),
    "shibboleth": ("shibboleth/idp-process.log",
                   "2025-03-11 {hms},{ms} - 10.0.0.{n} - INFO [net.shibboleth.ext.spring.resource.ResourceHelper:95] - Resource {rid} unchanged"),
    "python3-saml": ("sp-app/python3-saml-flask.log",
                     "[2025-03-11 {hms},{ms}] INFO in app: GET /health {rid} 200"),
}
_TIMES = [
    (re.compile(r"(\d{4})[-.](\d\d)[-.](\d\d)[ T](\d\d):(\d\d):(\d\d)(?:[,.](\d{1,6}))?"), "ymd"),
    (re.compile(r"(Mar) (\d\d) (\d\d):(\d\d):(\d\d)"), "syslog"),
]


def filler_line(name: str, i: int) -> str:
    template = INNER[name][1]
    hms = f"{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}"
    return template.format(hms=hms, ms=f"{i % 1000:03d}", n=i % 40, rid=f"{i:08x}")


START_LINES = {"keycloak": 1, "spring": 3}
"""Lines of a fixture that a server writes when it starts (before any request): they stay first."""


def inner_lines(name: str, late: int = 0) -> list[str]:
    """The fixture's lines with `late` filler lines after its start-up lines (times 00:00 to
    02:46 local: the dates of the start-up lines are not rewritten, a real log's would be older)."""
    text = (LOGS / INNER[name][0]).read_text()
    lines = text.rstrip("\n").split("\n")
    k = START_LINES.get(name, 0) if late else 0
    return lines[:k] + [filler_line(name, i) for i in range(late)] + lines[k:]


def line_time(line: str, last: datetime) -> datetime:
    """The line's own time as UTC (the fixtures are in CET), or the last one (a stack trace line)."""
    for rx, kind in _TIMES:
        m = rx.search(line[:40])
        if m is None:
            continue
        if kind == "ymd":
            y, mo, d, h, mi, s, frac = m.groups()
            when = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s),
                            int((frac or "0").ljust(6, "0")), tzinfo=LOCAL)
        else:
            _, d, h, mi, s = m.groups()
            when = datetime(2025, 3, int(d), int(h), int(mi), int(s), tzinfo=LOCAL)
        return max(when.astimezone(timezone.utc), last)
    return last + timedelta(microseconds=1)


def timed(lines: list[str]):
    last = datetime(2025, 3, 10, 23, 0, tzinfo=timezone.utc)
    for line in lines:
        last = line_time(line, last)
        yield last, line


def nano(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond:06d}123Z"


# --- wrappers: each takes the inner lines and gives the file's text --------------------------

def docker_json(lines, cut: int = 16384) -> str:
    """moby's json-file driver: one record per line of output, a line over 16 KiB cut into records
    without a trailing newline (daemon/logger/jsonfilelog)."""
    out = []
    for t, line in timed(lines):
        pieces = [line[i:i + cut] for i in range(0, max(len(line), 1), cut)] or [""]
        for k, piece in enumerate(pieces):
            end = "\n" if k == len(pieces) - 1 else ""
            out.append(json.dumps({"log": piece + end, "stream": "stdout", "time": nano(t)}))
    return "\n".join(out) + "\n"


def cri(lines, cut: int = 16384) -> str:
    """A CRI log file (/var/log/pods/...): '<time> <stream> <P|F> <text>', a long line in P parts."""
    out = []
    for t, line in timed(lines):
        pieces = [line[i:i + cut] for i in range(0, max(len(line), 1), cut)] or [""]
        for k, piece in enumerate(pieces):
            out.append(f"{nano(t)} stdout {'F' if k == len(pieces) - 1 else 'P'} {piece}")
    return "\n".join(out) + "\n"


def kubectl_timestamps(lines) -> str:
    return "".join(f"{nano(t)} {line}\n" for t, line in timed(lines))


def kubectl_prefix(streams: dict[str, list[str]], timestamps: bool = False) -> str:
    """`kubectl logs --prefix` of several containers (-l app=..., --all-containers): their lines
    interleaved in time order, each after '[pod/<pod>/<container>] '."""
    rows = []
    for k, (who, lines) in enumerate(streams.items()):
        for j, (t, line) in enumerate(timed(lines)):
            rows.append((t, k, j, f"[pod/{who}] " + (f"{nano(t)} " if timestamps else "") + line))
    return "".join(r[3] + "\n" for r in sorted(rows))


def journal_short_iso(lines, unit: str = "app") -> str:
    """journalctl -o short-iso: '<ISO time> <host> <identifier>[<pid>]: <message>'."""
    return "".join(f"{t.astimezone(LOCAL).strftime('%Y-%m-%dT%H:%M:%S%z')} web01 {unit}[2231]: {line}\n"
                   for t, line in timed(lines))


def journal_json(lines, unit: str = "app") -> str:
    """journalctl -o json: one object a line, MESSAGE and __REALTIME_TIMESTAMP (µs since epoch)."""
    out = []
    for t, line in timed(lines):
        us = int(t.timestamp()) * 1_000_000 + t.microsecond
        out.append(json.dumps({"__REALTIME_TIMESTAMP": str(us), "_HOSTNAME": "web01", "SYSLOG_IDENTIFIER": unit,
                               "_PID": "2231", "PRIORITY": "6", "MESSAGE": line}))
    return "\n".join(out) + "\n"


def syslog5424(lines, app: str = "app") -> str:
    return "".join(f"<134>1 {t.strftime('%Y-%m-%dT%H:%M:%S.%f')}Z web01 {app} 2231 - - {line}\n"
                   for t, line in timed(lines))


def syslog3164(lines, app: str = "app") -> str:
    """RFC 3164 (BSD): 'Mmm dd hh:mm:ss', the day padded with a space, no year."""
    def stamp(t):
        t = t.astimezone(LOCAL)
        return f"{t:%b} {t.day:>2} {t:%H:%M:%S}"
    return "".join(f"<134>{stamp(t)} web01 {app}[2231]: {line}\n" for t, line in timed(lines))


WRAPPERS = {
    "docker-logs": lambda lines: "".join(line + "\n" for line in lines),  # docker logs, no -t: as written
    "docker-json": docker_json,
    "cri": cri,
    "kubectl-ts": kubectl_timestamps,
    "kubectl-prefix": lambda lines: kubectl_prefix({"app-7d9f/app": lines}),
    "journal-iso": journal_short_iso,
    "journal-json": journal_json,
    "syslog5424": syslog5424,
    "syslog3164": syslog3164,
}


def build(out: Path, late: int = 10_000) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    made = []
    for name in INNER:
        for lateness in (0, late):
            lines = inner_lines(name, lateness)
            for wname, wrap in WRAPPERS.items():
                p = out / f"{name}.{wname}{'.late' if lateness else ''}.log"
                p.write_text(wrap(lines))
                made.append(p)
    return made


if __name__ == "__main__":
    for p in build(Path(sys.argv[1])):
        print(p)
