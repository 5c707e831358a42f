"""A log whose first line is longer than the sniffing head is read, not lost (branch sniff24).

samlscan tells an input by its first 64 KiB (engine.SNIFF_BYTES). Fuzz round 17: a first line
longer than that head lost the whole log: the head held a piece of one line, so a Spring Boot log
that dumps its configuration at start-up, a docker json-file log whose first record carries it, a
Monolog record with 100 KB of context braces, an Okta NDJSON export whose first record carries a
big SAML message before its eventType, a SonarQube web.log after a container's first line of
base64 and a text in no known layout were read as a paste, a base64 blob or nothing at all.
engine.sniff_file now sniffs such a file's lines without its over-long ones (engine.short_lines:
a bounded read), so each is read as the same log without that line, in check and in scan (whole,
and split into ranges, whose prefilter is chosen by those lines: Sniffed.head), gzipped too.

Every input is generated here from the project's fixtures (no data folder): each body holds a
SAML failure. Every test fails on the code before this branch.
"""
from __future__ import annotations

import base64
import functools
import gzip
import json
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan import batch, engine
from samlscan.cli import main

ROOT = Path(__file__).resolve().parents[1]
CONFIG = str(ROOT / "fixtures" / "config" / "default.toml")
sys.path.insert(0, str(ROOT / "fixtures"))
import gen_wrapped21 as WRAP  # noqa: E402

SIZES = {"100KB": 100_000, "1MB": 1_000_000}


def _lines(rel: str) -> list[str]:
    return (ROOT / rel).read_text(encoding="utf-8").split("\n")[:-1]


def _okta_lines() -> list[str]:
    """case21's Okta System Log (a JSON array, SSO failures among its records) as NDJSON, the
    export's one record a line."""
    return [json.dumps(r) for r in json.loads((ROOT / "tests/data/case21/okta-system-log.json").read_text())]


def _b64(n: int) -> str:
    return base64.b64encode(bytes(range(256)) * (n // 340 + 1)).decode()[:n]


SPRING_CONFIG = "2025-03-11T08:40:00.512Z  INFO 4711 --- [           main] o.s.b.SpringApplication                  : " \
                "Active configuration: "
FORMATS = {
    # name: (body lines, first line of about n characters, filler line i)
    "sonarqube": (lambda: _lines("fixtures/logs/sonarqube/web-javasaml.log"),
                  _b64,  # (a container's first line of base64)
                  lambda i: f"2025.03.11 10:{i // 60 % 60:02d}:{i % 60:02d} INFO  web[AZWEd1kLm9Qz{i:08d}]"
                            f"[o.s.s.w.WebServiceEngine] Request /api/system/status took {i % 9} ms"),
    "spring": (lambda: _lines("fixtures/logs/sp-app/spring-boot3.log"),
               lambda n: SPRING_CONFIG + "".join(f"app.prop{i}=value{i}, " for i in range(n // 22)),
               lambda i: WRAP.filler_line("spring-printed", i)),
    "docker": (lambda: _lines("fixtures/logs/sp-app/spring-boot3.log"),  # (moby's json-file driver: gen_wrapped21)
               lambda n: SPRING_CONFIG + "".join(f"app.prop{i}=value{i}, " for i in range(n // 22)),
               lambda i: WRAP.filler_line("spring-printed", i)),
    "monolog": (lambda: _lines("tests/data/monolog20/symfony-context.log"),
                lambda n: "[2025-03-11T08:40:00.000000+00:00] app.DEBUG: Booted " + "{" * (n // 2) + "}" * (n // 2) + " []",
                lambda i: f"[2025-03-11T09:{i // 60 % 60:02d}:{i % 60:02d}.000000+00:00] request.INFO: Matched route "
                          f"\"home\". {{\"route\":\"home\",\"request_uri\":\"https://sonar.example.com/{i}\"}} []"),
    "okta": (_okta_lines,
             lambda n: json.dumps({"debugContext": {"debugData": {"samlResponse": _b64(n)}}, "uuid": "c21-0000",
                                   "published": "2026-06-02T08:00:00.000Z", "eventType": "system.org.rate_limit.warning",
                                   "displayMessage": "Rate limit warning", "outcome": {"result": "SUCCESS"}}),
             lambda i: json.dumps({"uuid": f"f-{i}", "published": f"2026-06-02T07:{i // 60 % 60:02d}:{i % 60:02d}.000Z",
                                   "eventType": "user.account.update_profile", "displayMessage": "Update profile",
                                   "outcome": {"result": "SUCCESS"}})),
    "text": (lambda: _lines("fixtures/logs/embedded/rails-omniauth-saml-plain.log"),
             lambda n: " ".join(f"word{i % 97}" for i in range(n // 6)),
             lambda i: f"[{i:08x}] Completed 200 OK in {i % 50}ms (Views: 1.2ms | ActiveRecord: 0.4ms)"),
}


def _data(fmt: str, first: int | None, filler: int = 0) -> bytes:
    body, first_line, fill = FORMATS[fmt]
    lines = ([first_line(first)] if first else []) + body() + [fill(i) for i in range(filler)]
    if fmt == "docker":
        return WRAP.docker_json("spring-printed", lines).encode()
    return "".join(line + "\n" for line in lines).encode()


def _write(tmp_path: Path, fmt: str, first: int | None, filler: int = 0) -> Path:
    path = tmp_path / f"{fmt}-{first or 'bare'}{f'-{filler}' if filler else ''}.log"
    path.write_bytes(_data(fmt, first, filler))
    return path


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    """_write's file of (fmt, first, filler), written once for the module: the reference twins are
    each read by several tests (both sizes, both --jobs), and the split tests' 40,000 filler lines are
    the same for --jobs 1 and 2."""
    folder = tmp_path_factory.mktemp("logs")
    return functools.cache(lambda fmt, first, filler=0: _write(folder, fmt, first, filler))


@functools.cache  # (the logs fixture's files never change: a report asked again is the one read before)
def _report(*args: str) -> dict:
    result = CliRunner().invoke(main, [*args, "--config", CONFIG, "--format", "json"], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def _read_as(doc: dict) -> tuple:
    """What a report says of its one input, line numbers aside (the long line is one more line)."""
    return ([(i["kind"], i["status"], i["messages"], i["events"]) for i in doc["inputs"]],
            sorted((a["outcome"], a["root_cause"], a["side"], a["fix"] or "") for a in doc["attempts"]),
            sorted(f["code"] for m in doc["messages"] for f in m["findings"]),
            sorted(f["code"] for f in doc["input_findings"]))


SHORT = 1000
"""The first line's length in the reference twin: well inside the head, its other lines too (an
Okta record or a Spring line is a record, read as one: the log without it has one event less)."""


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_check_reads_the_log_as_it_reads_it_without_its_long_first_line(logs, fmt, size):
    bare, short, long = (logs(fmt, n) for n in (None, SHORT, SIZES[size]))
    expected = _read_as(_report("check", str(short)))
    assert expected[0][0][0].startswith("log:") and any(a[0] == "failure" for a in expected[1])
    assert expected[1] == _read_as(_report("check", str(bare)))[1]  # (the first line adds no attempt)
    assert _read_as(_report("check", str(long))) == expected
    for path in (bare, short):  # (their heads, read once)
        assert engine.sniff_file(str(path), engine.read_head(str(path))).head is None


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_scan_reads_the_log_as_it_reads_it_without_its_long_first_line(logs, fmt, size):
    short, long = logs(fmt, SHORT), logs(fmt, SIZES[size])
    assert _read_as(_report("scan", str(long), "--jobs", "1")) == _read_as(_report("scan", str(short), "--jobs", "1"))



@pytest.mark.parametrize("fmt", ["spring", "docker", "text"])
def test_a_gzipped_log_is_read_as_it_reads_it_without_its_long_first_line(tmp_path, fmt):
    """A .gz member is sniffed as a file of its own (archives): the same look past its long line."""
    short, long = (tmp_path / f"{fmt}-{n}.log.gz" for n in (SHORT, SIZES["1MB"]))
    short.write_bytes(gzip.compress(_data(fmt, SHORT)))
    long.write_bytes(gzip.compress(_data(fmt, SIZES["1MB"])))
    expected = _read_as(_report("check", str(short)))
    assert expected[0][0][0].startswith("gzip:log:")
    assert _read_as(_report("check", str(long))) == expected

def _plan(path: Path) -> list[str | None]:
    return _planned(str(path), batch.SPLIT_BYTES)


@functools.cache  # (a file's plan, asked again by the test of the other --jobs)
def _planned(path: str, split_bytes: int) -> list[str | None]:
    return [u.parser_name for u in batch.plan([path])]


SPLIT_LOG = 3_200_000
"""The split tests' log without its long line, in bytes: about 1.5 times their SPLIT_BYTES, in 4 ranges
or more (40,000 filler lines in every format made 2.9 to 7.8 MB: the same cuts, only read longer)."""


def _filler(fmt: str) -> int:
    """Filler lines that make fmt's log with a SHORT first line SPLIT_LOG bytes long, or a line more."""
    base = len(_data(fmt, SHORT))
    per_1000 = len(_data(fmt, SHORT, 1000)) - base
    return (SPLIT_LOG - base) * 1000 // per_1000 + 1


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_a_split_log_is_planned_and_read_as_without_its_long_first_line(logs, monkeypatch, fmt, jobs):
    """Over SPLIT_BYTES (here 2 MiB, above the 1 MB line, so that a cut never falls inside it): split
    into ranges (or read whole) by the reader of the log without that line, and read as it is."""
    monkeypatch.setattr(batch, "SPLIT_BYTES", 2 * 1024 * 1024)
    short, long = logs(fmt, SHORT, _filler(fmt)), logs(fmt, SIZES["1MB"], _filler(fmt))
    assert os.path.getsize(short) > batch.SPLIT_BYTES
    planned, got = _plan(short), _plan(long)
    assert set(got) == set(planned) and len(got) >= len(planned)  # (1 MB more: a range more, perhaps)
    if fmt in ("sonarqube", "spring"):  # (the others' readers have no prefilter: read whole)
        assert len(planned) >= 2 and None not in planned
    assert _read_as(_report("scan", str(long), "--jobs", jobs)) == _read_as(_report("scan", str(short), "--jobs", jobs))


def test_a_spring_log_over_split_bytes_is_read_in_ranges_after_its_1mb_first_line(tmp_path):
    """The real SPLIT_BYTES (32 MiB): a Spring Boot log with a 1 MB first line."""
    long = _write(tmp_path, "spring", SIZES["1MB"], 400_000)
    assert os.path.getsize(long) > batch.SPLIT_BYTES
    plan = _plan(long)
    assert len(plan) >= 2 and set(plan) == {"sp-app"}
    doc = _report("scan", str(long), "--jobs", "2")
    assert [i["kind"] for i in doc["inputs"]] == ["log:sp-app"]
    assert any(a["outcome"] == "failure" for a in doc["attempts"])


def test_the_look_past_a_long_line_is_bounded(tmp_path):
    """A file whose first line is longer than LONG_LINE_SKIP: its records past that are never
    read to sniff it (a 10 GB file's start is not slurped: a sparse file of 10 GB here)."""
    path = tmp_path / "huge.log"
    records = _data("spring", None)
    with open(path, "wb") as fh:
        fh.write(b"A" * 1024)
        fh.truncate(10 * 1024 ** 3)
        fh.seek(0, 2)
        fh.write(b"\n" + records)
    assert engine.short_lines(str(path), engine.SNIFF_BYTES) == b""  # (the line left out, nothing after it read)
    near = tmp_path / "near.log"
    near.write_bytes(b"A" * (engine.LONG_LINE_SKIP // 2) + b"\n" + records)
    assert engine.short_lines(str(near), engine.SNIFF_BYTES) == records[:engine.SNIFF_BYTES]
