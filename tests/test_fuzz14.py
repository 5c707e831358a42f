"""Fuzzing round 14: the code added today under hostile and look-alike input: messages printed on
lines of their own under a log record (logs/embedded.XmlDump, the prefilter's _record_start and its
8 MiB blocks), the TOML config's counts, the quoted-zone note and the narrow-terminal tables. Growth
is compared between two sizes, never an absolute time.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan import prefilter
from samlscan.cli import main

ROOT = Path(__file__).resolve().parents[1]
PRINTED = ROOT / "fixtures" / "logs"
CONFIG = str(ROOT / "fixtures" / "config" / "default.toml")


def _run(*args: str) -> dict:
    result = CliRunner().invoke(main, [*args, "--format", "json"], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


# --- a printed message across the prefilter's 8 MiB blocks -------------------------------------------

# (fixture, reader, a record's first line naming nothing the prefilter keeps, a record of noise)
_LAYOUTS = {
    "sp-app/spring-boot3-printed.log": ("log:sp-app",
                         "2025-03-11T08:40:58.300Z DEBUG 4711 --- [nio-8080-exec-3] c.e.demo.Gateway : Decoded message:",
                         ("2025-03-11T08:40:01.512Z  INFO 4711 --- [nio-8080-exec-3] o.s.b.w.embedded.tomcat.TomcatWebServer  : "
                          "Tomcat started on port 8080 (http) {}")),
    "keycloak/server-printed.log": ("log:keycloak",
                            "2025-03-11 08:40:58,250 DEBUG [org.keycloak.services] (executor-thread-7) received:",
                            "2025-03-11 08:40:40,004 INFO  [org.keycloak.services] (executor-thread-7) KC-SERVICES0050: Initializing {}"),
    "sonarqube/web-printed.log": ("log:sonarqube",
                          "2025.03.11 08:40:58 DEBUG web[AZWa7nq1Xk3pQm0AAAB6][o.e.Gateway] received:",
                          "2025.03.11 08:40:20 INFO  web[AZWa7nq1Xk3pQm0AAAB6][o.e.Other] nothing {}"),
    "shibboleth/idp-process-printed.log": ("log:shibboleth",
                                   "2025-03-11 08:40:58,120 - 198.51.100.23 - DEBUG [PROTOCOL_MESSAGE:116] - ",
                                   ("2025-03-11 08:40:50,101 - 198.51.100.23 - INFO [net.shibboleth.idp.session.impl.StorageBackedSessionManager:253] "
                                    "- Created new session 6c3f9e for principal {}")),
}


def _printed(name: str) -> str:
    """The first message the fixture prints under its record, as printed (its lines unchanged)."""
    lines = (PRINTED / name).read_text().split("\n")
    first = next(i for i, line in enumerate(lines) if line.lstrip().startswith("<"))
    last = next(i for i in range(first, len(lines)) if lines[i].startswith("2025"))
    return "\n".join(lines[first:last]) + "\n"


def _log_with_header_ending_at(name: str, at: int) -> bytes:
    """Noise records, then a record whose first line ends `at` bytes into the file and whose
    printed message follows on the next lines, then one more noise record."""
    _, header, noise = _LAYOUTS[name]
    lines = (PRINTED / name).read_text().split("\n")
    own = lines[next(i for i, line in enumerate(lines) if line.lstrip().startswith("<")) - 1]
    top = (own + "\n").encode()  # (the fixture's own record naming its SAML logger: the reader's sniff)
    head = (header + "\n").encode()
    one = (noise.format("x" * 40) + "\n").encode()
    fill = at - len(head) - len(top)
    n, rest = divmod(fill, len(one))
    pad = one * (n - 1) + (noise.format("x" * (40 + rest)) + "\n").encode() if n else b""
    assert len(pad) == fill
    return top + pad + head + _printed(name).encode() + one


@pytest.mark.parametrize("name", sorted(_LAYOUTS))
@pytest.mark.parametrize("at", [4096, prefilter.BLOCK - 3, prefilter.BLOCK])
def test_a_message_printed_in_the_block_after_its_records_first_line_is_read(tmp_path, name, at):
    """The prefilter reads a log 8 MiB at a time, cut at a line end: a record whose first line
    holds nothing it keeps was kept by the XML printed under it only when that first line was in
    the same block; a block ending right after it lost the message (three readers) or read it
    without its record's time."""
    log = tmp_path / Path(name).name
    log.write_bytes(_log_with_header_ending_at(name, at))
    doc = _run("check", str(log), "--config", CONFIG)
    assert [(i["status"], i["kind"]) for i in doc["inputs"]] == [("scanned", _LAYOUTS[name][0])]
    assert [m["captured_at"] for m in doc["messages"]] == ["2025-03-11T08:40:58Z"]


def test_the_carried_record_keeps_every_line_and_its_number():
    """Lines of the record read again in the next block are neither lost nor counted twice."""
    name = "sp-app/spring-boot3-printed.log"
    data = _log_with_header_ending_at(name, prefilter.BLOCK - 3)
    counter = [0]
    got = list(prefilter.prefiltered_lines(io.BytesIO(data), 0, len(data), prefilter.prefilters()["sp-app"],
                                           counter))
    want = data.decode().split("\n")
    assert counter[0] == len(want) - 1
    assert got and all(want[no - 1] == line for no, line in got)
    header_no = data[:prefilter.BLOCK].count(b"\n")
    assert [no for no, _ in got][1:3] == [header_no, header_no + 1]


# --- the TOML config's counts ------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["1e400", "-1e400", "nan", "inf"])
@pytest.mark.parametrize("key", ["clock_skew", "expiry_window_days"])
def test_a_count_that_is_no_finite_number_is_refused_on_one_line(tmp_path, key, value):
    """TOML reads 1e400 as infinity and takes nan and inf: int() of them was an internal error."""
    config = tmp_path / "samlscan.toml"
    config.write_text(f"{key} = {value}\n")
    result = CliRunner().invoke(main, ["check", str(PRINTED / "sp-app/spring-boot3-printed.log"), "--config", str(config)])
    assert result.exit_code == 2 and "internal error" not in result.output
    assert f"{key} must be a whole number" in result.output.strip().splitlines()[-1]


# --- the note on a log quoting responses whole hours off --------------------------------------------

def _dated(tmp_path, stamp: str) -> str:
    """spring-boot3.log with its records' times moved to `stamp` (the records' text, not the message)."""
    log = tmp_path / "web.log"
    log.write_text((PRINTED / "sp-app/spring-boot3-printed.log").read_text().replace("\n2025-03-11T08", "\n" + stamp)
                   .replace("2025-03-11T08", stamp, 1))
    return str(log)


@pytest.mark.parametrize("stamp, said", [("2025-03-11T10", True), ("2025-03-11T22", True),
                                         ("2025-03-12T12", False), ("2025-04-10T08", False)])
def test_only_hours_a_time_zone_spans_are_said_as_one(tmp_path, stamp, said):
    """A log quoting a response 720 h (30 days) after its IssueInstant was told to be local time read
    as UTC ('pass --timezone'): no zone is more than 14 h from UTC; such a copy is an old response."""
    result = CliRunner().invoke(main, ["scan", _dated(tmp_path, stamp), "--config", CONFIG])
    assert ("after their IssueInstant" in result.output) is said, result.output[-600:]
