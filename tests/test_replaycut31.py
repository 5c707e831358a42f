"""A log that dumps one response more than once, read in ranges, says what the whole reading says
(ranges31 item 1). An app log's thread flow (applog._flow) names the dumps' use (logged_by): a flow
begun more than batch.CONTEXT_BYTES before a cut got another ID in the next range, so java-saml's
second dump of one response on the same thread half a second later was a second use there
(assertion-replayed) and the same use whole. The range now reads further back while the parser says
the state at the cut may have begun before what it read (AppLogParser.reaches_back). The logs are
a real java-saml dump of the suite (fixtures/logs/sp-app/java-saml-logback.log line 5) between lines
of another thread's chatter. SonarQube's web.log the same way: a request's dump 330 KB past its first
was the same message whole (sonarqube._Dumped remembers the last 64 requests' dumps) and another
message in ranges (SonarQubeParser.reaches_back; tests/data/case13/web.log line 2's dump)."""
from __future__ import annotations

import functools
import itertools
import json
from datetime import timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan import batch
from samlscan.cli import main
from samlscan.config import Expectations
from samlscan.logs.applog import AppLogParser

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = (ROOT / "fixtures/logs/sp-app/java-saml-logback.log").read_text().splitlines(keepends=True)
DUMP = SAMPLE[4]  # 09:41:02.612 [http-nio-8080-exec-3] com.onelogin.saml2.Auth -  --> <base64 response>


def _chatter(n: int, time: str, thread: str = "exec-9") -> str:
    return "".join(f"2025-03-11 {time} INFO  [http-nio-8080-{thread}] com.example.web.Home - GET /home "
                   f"{i:08d} {'p' * 80}\n" for i in range(n))


def _log(gap: int, second: str, thread: str = "exec-3") -> str:
    """The dump, `gap` lines of chatter (~120 bytes each), the dump again at `second` on `thread`."""
    again = DUMP.replace("09:41:02.612", second).replace("http-nio-8080-exec-3", f"http-nio-8080-{thread}")
    return SAMPLE[0] + SAMPLE[1] + DUMP + _chatter(gap, "09:41:02.700") + again + _chatter(3000, "09:41:04.000")


def _scan(path: Path, jobs: int) -> bytes:
    res = CliRunner().invoke(main, ["scan", str(path), "--format", "json", "--jobs", str(jobs),
                                    "--fail-on", "never", "-q"])
    assert res.exit_code == 0, res.output[-2000:]
    return res.stdout_bytes


def _replays(out: bytes) -> list[str]:
    return [f["code"] for f in json.loads(out)["input_findings"] if f["code"] == "assertion-replayed"]


@pytest.mark.parametrize("gap", [100, 2500, 4000, 9000])
@pytest.mark.parametrize(("second", "thread", "replayed"), [
    ("09:41:03.100", "exec-3", False),  # one thread's flow (FLOW_GAP): one use, whole
    ("09:41:03.100", "exec-7", True),  # another thread: posted again
    ("09:41:04.100", "exec-3", True),  # 1.5 s later: the thread's next request
])
def test_one_response_dumped_far_apart_is_replayed_as_the_whole_reading_says(tmp_path, monkeypatch, gap, second,
                                                                             thread, replayed):
    log = tmp_path / "app.log"
    log.write_text(_log(gap, second, thread))
    whole = _scan(log, 1)
    assert bool(_replays(whole)) is replayed
    monkeypatch.setattr(batch, "SPLIT_BYTES", 150_000)
    units = batch.plan([str(log)])
    assert len(units) > 3 and {u.parser_name for u in units} == {"sp-app"}
    assert _scan(log, 1) == whole
    assert _scan(log, 2) == whole


def test_a_range_reads_back_past_the_context_only_while_a_flow_may_have_begun_before_it(tmp_path):
    """reaches_back: lines spanning under FLOW_GAP (a thread first seen after them may go on with an
    older flow), or a flow open at their end that began at their start, ask for more; lines spanning
    seconds whose flows began inside them do not."""
    parser, tz = AppLogParser(), timezone.utc
    busy = [(i + 1, line) for i, line in enumerate(_chatter(5, "09:41:02.700").splitlines())]
    assert parser.reaches_back(iter(busy), (busy[0][1], busy[-1][1]), "app.log", tz)
    calm = _chatter(1, "09:40:50.000") + DUMP + _chatter(1, "09:41:02.900")
    lines = list(enumerate(calm.splitlines(), 1))
    assert not parser.reaches_back(iter(lines), (lines[0][1], lines[-1][1]), "app.log", tz)
    open_at_start = _chatter(1, "09:41:02.000") + DUMP + _chatter(1, "09:41:02.900")
    lines = list(enumerate(open_at_start.splitlines(), 1))
    late = _chatter(1, "09:41:03.500").strip()
    assert parser.reaches_back(iter(lines), (lines[0][1], late), "app.log", tz)
    assert not parser.reaches_back(iter([]), ("no time here", "nor here"), "app.log", tz)


# --- SonarQube's web.log: one request's dumps (sonarqube._Dumped) -----------------------------------

WEB = (ROOT / "tests/data/case13/web.log").read_text().splitlines(keepends=True)
REQ = "AZWZdCFUURORBYQ3ha8o"
WEB_DUMP = "".join([WEB[1]] + [line for line in WEB[2:26] if not line.startswith("2026.")])  # line 2, its lines
assert REQ in WEB_DUMP and WEB_DUMP.count("2026.") == 1


def _web(layout: list[tuple[str, int]]) -> str:
    """web.log: ('dump', request number) for the dump as request REQ (0) or another request, ('fill', n)
    for n lines of another logger's chatter (~110 bytes each)."""
    out = [WEB[0]]
    for what, n in layout:
        if what == "dump":
            out.append(WEB_DUMP if n == 0 else WEB_DUMP.replace(REQ, f"AZWZdCFUURORBY{n:06d}"))
        else:
            out.extend(f"2026.01.20 08:05:{i % 60:02d} INFO  web[Req{i:05d}][o.s.s.p.Platform] unrelated line "
                       f"{'p' * 40}\n" for i in range(n))
    return "".join(out)


@pytest.fixture(scope="module")
def read_whole(tmp_path_factory):
    """A web.log of _web's text and its whole reading (_scan, --jobs 1), each once for the module: both
    splits of a layout compare their ranges with the one whole reading (it reads no SPLIT_BYTES)."""
    folder, names = tmp_path_factory.mktemp("web"), itertools.count()

    @functools.cache
    def read(text: str) -> tuple[Path, bytes]:
        log = folder / str(next(names)) / "web.log"  # (named as in a test's folder: the report names it)
        log.parent.mkdir()
        log.write_text(text)
        return log, _scan(log, 1)

    return read


@pytest.mark.parametrize("layout", [
    [("dump", 0), ("fill", 3000), ("dump", 0), ("fill", 500)],  # one request's dump 330 KB later: remembered
    [("dump", 0), ("fill", 1500), ("dump", 0), ("fill", 1500), ("dump", 0), ("fill", 200)],
    [("dump", 0)] + [("dump", n) for n in range(1, 70)] + [("fill", 3000), ("dump", 0), ("fill", 300)],  # forgotten
    [("dump", n) for n in range(1, 70)] + [("dump", 0), ("fill", 3000), ("dump", 0), ("fill", 300)],
    [("dump", 0), ("fill", 50), ("dump", 0), ("fill", 3000)],  # near each other: one message either way
])
@pytest.mark.parametrize("split", [20_000, 90_000])
def test_a_requests_dump_far_past_its_first_reads_as_whole(read_whole, monkeypatch, layout, split):
    log, whole = read_whole(_web(layout))
    monkeypatch.setattr(batch, "SPLIT_BYTES", split)
    assert len(batch.plan([str(log)])) > 3
    assert _scan(log, 1) == whole
    assert _scan(log, 2) == whole
