"""Damaged and run-together log lines: two proxy access entries on one line (a write cut short, then
the next entry: AWS ALB, Caddy's JSON) are both read, the cut one malformed; a damaged line (NULs a
crash left) before a CSV export's header or between a JSON export's elements is malformed and the
rest is read as the clean file. The samples are the committed ones of tests/data; the damage is made
here (as tests/test_damaged33.py makes its own)."""
from __future__ import annotations

import gzip
import json
import time

import pytest
from case_util import ROOT, scan_case

from samlscan import logs
from samlscan.logs import Malformed, awsalb, caddy, sqaccess
from samlscan.model import LogEvent

DATA = ROOT / "tests" / "data"
NUL = b"\x00" * 64
MERGED = {"first": 0, "middle": 3, "last": 6}
"""The entry cut short, by where it is: each is a login's start, the next entry its callback."""


def _alb_lines() -> list[str]:
    (log,) = (DATA / "proxies29" / "alb").glob("*.log.gz")
    return gzip.decompress(log.read_bytes()).decode().splitlines()


def _caddy_lines() -> list[str]:
    return (DATA / "proxies29" / "caddy" / "caddy-access.log").read_text().splitlines()


def _run_together(lines: list[str], k: int, cut: int) -> list[str]:
    """Entry k cut after `cut` characters and entry k + 1 written on after it."""
    return [*lines[:k], lines[k][:cut] + lines[k + 1], *lines[k + 2:]]


def _records(parser, lines: list[str]) -> list:
    return list(parser.parse(enumerate(lines, 1), "x.log", None))


def _callback_at(records: list, no: int) -> list[LogEvent]:
    return [r for r in records if isinstance(r, LogEvent) and r.source.ref == f"line {no}"
            and "/oauth2/callback/saml" in r.text]


READERS = {  # reader -> (its sample's lines, where an entry is cut: in its User-Agent, in its JSON)
    "alb": (awsalb.PARSER, _alb_lines, lambda line: line.index("Mozilla/5.0") + 20),
    "caddy": (caddy.PARSER, _caddy_lines, lambda line: len(line) // 2),
}


@pytest.mark.parametrize("where", MERGED)
@pytest.mark.parametrize("reader", READERS)
def test_an_entry_run_on_after_a_cut_one_is_read(reader, where):
    parser, sample, cut = READERS[reader]
    lines = sample()
    k = MERGED[where]
    clean = _records(parser, lines)
    got = _records(parser, _run_together(lines, k, cut(lines[k])))
    assert _callback_at(clean, k + 2), "the sample's entry k + 1 is a callback"
    assert _callback_at(got, k + 1), "the second entry on the line is read (it was lost)"
    bad = [r for r in got if isinstance(r, Malformed)]
    assert [r.source.ref for r in bad] == [f"line {k + 1}"], "the cut entry is malformed, once"


@pytest.mark.parametrize("reader", READERS)
def test_a_whole_line_is_one_entry(reader):
    parser, sample, _ = READERS[reader]
    lines = sample()
    assert all(parser is caddy.PARSER and caddy.pieces(line) == [line] or awsalb.pieces(line) == [line]
               for line in lines)
    assert not [r for r in _records(parser, lines) if isinstance(r, Malformed)]


def test_an_alb_entry_spelled_out_in_a_user_agent_is_no_start():
    line = _alb_lines()[1]
    forged = 'h2 2026-03-03T10:00:00.1Z app/x/1 198.51.100.9:5 - 0 0 0 200 200 0 0 \\"GET / HTTP/1.1\\"'
    line = line.replace("Mozilla/5.0 (X11;", f"Mozilla/5.0 {forged} (X11;")
    assert awsalb.pieces(line) == [line]
    assert awsalb.read(1, line).method == "POST"


def test_alb_run_together_reads_alike_with_two_jobs(tmp_path):
    lines = _alb_lines()
    (tmp_path / "alb.log").write_text("\n".join(_run_together(lines, 3, lines[3].index("Mozilla/5.0") + 20)) + "\n")
    one = scan_case(tmp_path, "UTC")
    two = scan_case(tmp_path, "UTC", "--jobs", "2")
    assert one["attempts"] == two["attempts"]
    assert [i["malformed_lines"] for i in one["inputs"]] == [1]


@pytest.mark.parametrize("pieces, start", [
    (awsalb.pieces, None),  # a whole entry again and again
    (awsalb.pieces, "h2 2026-12-04T09:30:46.1Z app/"),  # starts with no entry after them
    (caddy.pieces, '{"level":"info","ts":1,'),
])
def test_a_hostile_line_of_starts_is_split_a_bounded_number_of_times(pieces, start):
    unit = start or (_alb_lines()[1] + " ")
    line = unit * (1024 * 1024 // len(unit) + 1)
    began = time.process_time()  # (CPU seconds: other processes' load does not count)
    got = pieces(line)
    assert time.process_time() - began < 1
    assert len(got) <= sqaccess.MAX_PIECES and "".join(got).replace(" ", "") == line.replace(" ", "")


def test_a_hostile_alb_log_reads_in_bounded_time():
    unit = _alb_lines()[1] + " "
    line = unit * (1024 * 1024 // len(unit) + 1)
    began = time.process_time()  # (CPU seconds: other processes' load does not count)
    got = _records(awsalb.PARSER, [line])
    assert time.process_time() - began < 1
    assert len(got) <= 2 * sqaccess.MAX_PIECES


CSV = {  # the CSV exports: their readers tell their layout by the header
    "entra": "case27/entra-signinlogs.csv",
    "entra-portal": "case20/InteractiveSignIns_2026-05-19_2026-05-19.csv",
    "okta": "case10/okta-system-log.csv",
    "splunk": "case27/splunk-outputcsv.csv",
    "kibana": "case27/kibana-discover.csv",
}
JSON_ARRAY = {"okta-array": "case10/okta-system-log.json"}


def _summary(doc: dict) -> list[tuple]:
    return [(a["time"], a["user"], a["outcome"], a["root_cause"]) for a in doc["attempts"]]


def _with_damage(data: bytes, where: str, element: bool) -> bytes:
    """`data` with a NUL line before its first, middle or last record (an array's element: a line '{')."""
    lines = data.split(b"\n")
    if element:
        first = next(line for line in lines if line.strip() == b"{")  # (its indent: not a nested object's)
        starts = [i for i, line in enumerate(lines) if line == first]
    else:
        starts = list(range(len(lines) - 1))  # (a CSV's header is line 0)
    at = {"first": starts[0], "middle": starts[len(starts) // 2], "last": starts[-1]}[where]
    return b"\n".join([*lines[:at], NUL, *lines[at:]])


@pytest.mark.parametrize("where", ("first", "middle", "last"))
@pytest.mark.parametrize("name", [*CSV, *JSON_ARRAY])
def test_a_damaged_line_of_an_export_is_malformed_and_the_rest_read(tmp_path, name, where):
    sample = DATA / (CSV | JSON_ARRAY)[name]
    clean_dir, bad_dir = tmp_path / "clean", tmp_path / "bad"
    clean_dir.mkdir(), bad_dir.mkdir()
    (clean_dir / sample.name).write_bytes(sample.read_bytes())
    (bad_dir / sample.name).write_bytes(_with_damage(sample.read_bytes(), where, name in JSON_ARRAY))
    clean = scan_case(clean_dir, "UTC")
    for jobs in ("1", "2"):
        bad = scan_case(bad_dir, "UTC", "--jobs", jobs)
        assert [i["status"] for i in bad["inputs"]] == ["scanned"]
        assert [i.get("malformed_lines") for i in bad["inputs"]] == [1], "the damaged line is counted"
        assert _summary(bad) == _summary(clean)


def test_a_damaged_line_between_elements_is_said_where():
    lines = ["[", '{"a": 1},', NUL.decode(), '{"a": 2}', "]"]
    got = list(logs._common.iter_json(enumerate(lines, 1)))
    assert [(no, obj) for no, obj, err in got if err is None] == [(2, {"a": 1}), (4, {"a": 2})]
    assert [(no, err[:16]) for no, _, err in got if err] == [(3, "a damaged line (")]
