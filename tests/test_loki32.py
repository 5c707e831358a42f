"""Logs exported from Grafana Loki (samlscan/logs/loki.py, read by wrapped.Enveloped): logcli's jsonl,
default and raw outputs, the HTTP API's query_range response (compact, and pretty-printed with its
members in another order), Grafana Explore's 'Download logs' .txt and .json. Each holds the lines of
two SonarQube pods (tests/data/loki32/, make.py: our signed fixtures' web.logs, base64 and XML dumps
over many lines, one pod's dump at the moment of the other's), newest first as Loki hands them out. A
scan of each gives the attempts and findings of a scan of the plain logs, with --jobs 1 and 2.

On the code before this branch every export here was no log (or a paste): the comparisons fail there."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan import batch
from samlscan.cli import main
from samlscan.config import build
from samlscan.logs import detect, loki, wrapped

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "loki32"
CONFIG = str(ROOT / "fixtures" / "config" / "default.toml")
EXPECT = build({}, ROOT / "fixtures" / "config" / "default.toml")

BOTH = ("web-0.log", "web-1.log")
EXPORTS = {  # export -> (the plain logs it holds, the reader's record kind)
    "logcli.jsonl": (BOTH, "json"),
    "logcli-default.txt": (BOTH, "logcli"),
    "query_range.json": (BOTH, "loki-api"),
    "query_range-pretty.json": (BOTH, "loki-api"),
    "grafana.json": (BOTH, "json"),
    "grafana.txt": (("web-0.log",), "grafana"),
}


def _scan(paths, jobs: int = 1) -> dict:
    result = CliRunner().invoke(main, ["scan", *map(str, paths), "--config", CONFIG, "--format", "json",
                                       "--jobs", str(jobs)], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def summary(doc: dict) -> dict:
    """What must not change with the export: each message's time, signatures and findings; each
    attempt but its evidence and notes (they name the file's lines), its user in full: with a NameID
    'ana@example.com' and a login 'ana' at one second, which line comes first depends on the export's
    order (newest first here), so correlate names the fuller identity (attempts._fuller_name)."""
    return {
        "messages": [(m["captured_at"], [s["verified"] for s in m["signatures"]], sorted(f["code"] for f in m["findings"]))
                     for m in doc["messages"]],
        "attempts": [{k: v for k, v in a.items() if k not in ("evidence", "notes")} for a in doc["attempts"]],
    }


_PLAIN: dict = {}


def plain(names: tuple[str, ...]) -> dict:
    if names not in _PLAIN:
        _PLAIN[names] = summary(_scan([DATA / n for n in names]))
    return _PLAIN[names]


def test_the_files_are_the_generators_output():
    sys.path.insert(0, str(DATA))
    try:
        import make  # noqa: PLC0415
    finally:
        sys.path.remove(str(DATA))
    assert make.main(["--check"]) == 0


def test_the_plain_logs_hold_what_is_compared():
    """Seven responses (six verified), failures of three causes and successes: a comparison of empty
    results would prove nothing."""
    got = plain(BOTH)
    assert len(got["messages"]) == 7
    assert {a["root_cause"] for a in got["attempts"]} == {None, "destination-mismatch", "assertion-not-yet-valid",
                                                         "signature-cert-mismatch"}


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_each_export_is_read_through_its_wrapper(name):
    head = (DATA / name).read_text()[:65536]
    parser = detect(head)
    assert isinstance(parser, wrapped.Enveloped) and parser.name == "sonarqube"
    assert parser.records.kind == EXPORTS[name][1]


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_an_export_gives_the_plain_logs_attempts_and_findings(name, jobs):
    assert summary(_scan([DATA / name], jobs)) == plain(EXPORTS[name][0])


def test_logcli_raw_forward_is_the_log_itself():
    """--output=raw prints the lines alone: with --forward, the log as it was (read by its own reader)."""
    assert (DATA / "logcli-raw-forward.log").read_bytes() == (DATA / "web-0.log").read_bytes()
    assert summary(_scan([DATA / "logcli-raw-forward.log"])) == plain(("web-0.log",))


@pytest.mark.parametrize("name", ["logcli.jsonl", "logcli-default.txt", "query_range.json", "grafana.json"])
def test_each_line_has_its_pods_host(name):
    """The stream's `pod` label is the host of its lines (per-host clocks: correlate.clocks.clock_of)."""
    report = batch.run_scan([str(DATA / name)], EXPECT, jobs=1)
    hosts = {e.host for e in report.events}
    assert hosts == {"sonarqube-0", "sonarqube-1"}


def test_no_host_without_labels():
    report = batch.run_scan([str(DATA / "grafana.txt")], EXPECT, jobs=1)
    assert report.events and {e.host for e in report.events} == {None}


# --- the shapes, small -----------------------------------------------------------------------

def test_logcli_labels_are_read_with_go_quoting():
    assert loki.labels_of('{app="sq", note="a \\"b\\" \\\\c", pod="sq-0"}') == {
        "app": "sq", "note": 'a "b" \\c', "pod": "sq-0"}


def test_a_line_not_of_logcli_is_no_export():
    assert loki.text_kind('2026-11-25T08:30:06Z {pod="a" 2026.11.25 08:30:06 INFO  web[][x] y\n') is None
    assert loki.text_kind('2026-11-25T08:30:06Z {pod="a"} 2026.11.25 08:30:06 INFO  web[][x] y\n') == "logcli"


def test_an_apps_json_after_a_time_is_no_logcli_line():
    """logcli's labels are name="value" pairs (Prometheus labels.String()), never a JSON object or '{}'."""
    assert loki.text_kind('2026-11-25T08:30:06Z {"level":"info"} 2026.11.25 08:30:06 INFO  web[][x] y\n') is None
    assert loki.text_kind('2026-11-25T08:30:06Z {} 2026.11.25 08:30:06 INFO  web[][x] y\n') is None


def test_logcli_colored_output_reads_as_the_plain(tmp_path):
    """`logcli --colored-output`: the time blue, the labels red (fatih/color), as a terminal shows them."""
    coloured = []
    for line in (DATA / "logcli-default.txt").read_text().splitlines():
        time, rest = line.split(" ", 1)
        labels, text = rest.split("} ", 1)
        coloured.append(f"\x1b[34m{time}\x1b[0m \x1b[31m{labels}}}\x1b[0m {text}")
    (tmp_path / "coloured.txt").write_text("\n".join(coloured) + "\n")
    assert summary(_scan([tmp_path / "coloured.txt"])) == plain(BOTH)


def test_grafana_txt_needs_its_meta_header_or_rows():
    row = "1795595406000\t2026-11-25T08:30:06.000Z\tline"
    assert loki.text_kind(f'Common labels: {{"pod":"a"}}\n\n\n{row}\n') == "grafana"
    assert loki.text_kind(f"not a meta line\n{row}\n") is None


def test_grafana_txt_before_10_in_the_browsers_zone():
    """dateTimeFormat(timeEpochMs, defaultWithMS): 'YYYY-MM-DD HH:mm:ss.SSS' (local), then the entry."""
    got = list(loki.entries("grafana", enumerate(["2026-11-25 09:30:06.123\tthe line", "its next line"], 1), 100))
    assert got == [(1, "the line\nits next line", "2026-11-25 09:30:06.123", None)]


def test_epoch_nanoseconds_are_read_to_the_microsecond():
    assert wrapped.wrapper_time("1795595406123456789", timezone.utc) == datetime(
        2026, 11, 25, 8, 30, 6, 123456, tzinfo=timezone.utc)


def test_api_values_before_their_labels_are_that_streams():
    text = ('{"data":{"result":[{"values":[["1795595407000000000","b"],["1795595406000000000","a"]],'
            '"stream":{"pod":"p1"}},{"stream":{"pod":"p2"},"values":[["1795595406000000000","c"],[1,2]]}]}}')
    got = list(wrapped.loki_api_entries(enumerate([text], 1)))
    assert [(g[1], g[3][0][1] if g[3] else None, g[4]) for g in got] == [
        ("b", None, None), ("a", None, None), ("c", "p2", None), (None, None, "a Loki entry that is not [time, line]")]
    assert got[0][3] == got[1][3] != got[2][3]  # the first stream's entries: one stream, by its place


# --- hostile ----------------------------------------------------------------------------------

BIG = "2026.11.25 08:30:07 DEBUG web[x][c.o.s.a.SamlResponse] SAMLResponse validated --> " + "A" * (8 * 1024 * 1024)
BEFORE = "2026.11.25 08:30:06 INFO  web[][o.s.s.p.Platform] before"


def _hostile(tmp: Path) -> dict[str, str]:
    full = (DATA / "query_range.json").read_text()
    many = [{"stream": {"pod": f"p{i}", "app": "sonarqube"},
             "values": [[str(1795595407000000000 + i), f"2026.11.25 08:30:07 INFO  web[][o.s.s.p.Platform] {i}"]]}
            for i in range(10_000)]
    return {
        "cut.json": full[:len(full) // 2],
        "cut-pretty.json": (DATA / "query_range-pretty.json").read_text()[:50_000],
        "cut.jsonl": (DATA / "logcli.jsonl").read_text()[:50_000],
        "cut-grafana.json": (DATA / "grafana.json").read_text()[:50_000],
        "streams.json": json.dumps({"status": "success", "data": {"resultType": "streams", "result": many}}),
        "big.json": json.dumps({"status": "success", "data": {"resultType": "streams", "result": [
            {"stream": {"pod": "a"}, "values": [["1795595408000000000", BEFORE], ["1795595407000000000", BIG]]}]}}),
        "big.jsonl": "".join(json.dumps({"labels": {"pod": "a"}, "line": line, "timestamp": t}) + "\n"
                             for line, t in ((BEFORE, "2026-11-25T08:30:06Z"), (BIG, "2026-11-25T08:30:07Z"))),
        "big.txt": f'2026-11-25T08:30:06Z {{pod="a"}} {BEFORE}\n2026-11-25T08:30:07Z {{pod="a"}} {BIG}\n',
        "big-grafana.txt": f"Common labels: {{}}\n\n\n1795595406000\t2026-11-25T08:30:06.000Z\t{BEFORE}\n"
                           f"1795595407000\t2026-11-25T08:30:07.000Z\t{BIG}\n",
        "big-grafana.json": json.dumps([{"line": BEFORE, "timestamp": "1795595406000000000", "fields": {"pod": "a"}},
                                        {"line": BIG, "timestamp": "1795595407000000000", "fields": {"pod": "a"}}]),
    }


@pytest.mark.parametrize("jobs", [1, 2])
def test_hostile_exports_say_one_clear_thing(tmp_path, jobs):
    """A cut export, 10,000 streams, an 8 MB line in every shape: read in bounded time, no traceback."""
    files = _hostile(tmp_path)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    for name in files:
        run = subprocess.run([sys.executable, "-m", "samlscan", "scan", str(tmp_path / name), "--config", CONFIG,
                              "--jobs", str(jobs)], capture_output=True, text=True, timeout=120, cwd=ROOT,
                             env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        assert run.returncode in (0, 1), (name, run.stderr[-2000:])
        assert "Traceback" not in run.stderr, (name, run.stderr[-2000:])


def test_a_cut_api_response_keeps_what_came_before_the_cut(tmp_path):
    """The streams before the cut are read, the cut said where it is."""
    full = (DATA / "query_range.json").read_text()
    (tmp_path / "cut.json").write_text(full[:len(full) // 2])
    doc = _scan([tmp_path / "cut.json"])
    assert doc["messages"]
    assert doc["inputs"][0]["malformed_lines"] == 1
