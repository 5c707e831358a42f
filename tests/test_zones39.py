"""A log whose own lines name its zone: zone-less line times beside zoned ones that all carry one UTC
offset (Confluence's java-saml excerpt: its plugin's line '...,405+0200', java-saml's '...,404' a
millisecond before) are read in that offset, and the zone note says so; several offsets, only UTC's,
none, or a --timezone given: read as before."""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan import batch, prefilter
from samlscan.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXCERPT = ROOT / "fixtures" / "audit38" / "javasaml-atlassian-timing.log"
STAMP = "2021-05-31 09:42:54"
TOLD = "its zone-less lines read in +02:00, the offset its other lines carry"


def _check(path: Path, *extra: str) -> dict:
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json", *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return json.loads(result.stdout)


def _times(doc: dict) -> list[str]:
    return sorted(a["time"] for a in doc["attempts"])


def _log(tmp_path: Path, zones: list[str], name: str = "atlassian-confluence.log") -> Path:
    """The excerpt's login again, once per zone in `zones` (its third line's zone), ten minutes apart."""
    text = EXCERPT.read_text()
    start = datetime(2021, 5, 31, 9, 42, 54)
    blocks = [text.replace("+0200", zone).replace(STAMP, f"{start + timedelta(minutes=10 * i):%Y-%m-%d %H:%M:%S}")
              for i, zone in enumerate(zones)]
    path = tmp_path / name
    path.write_text("".join(blocks))
    return path


def test_the_excerpt_is_one_login_read_in_the_offset_its_zoned_line_carries():
    doc = _check(EXCERPT)
    (attempt,) = doc["attempts"]
    assert attempt["time"] == "2021-05-31T07:42:54Z"
    assert [e["ref"] for e in attempt["evidence"]] == ["line 1", "line 4", "line 7"]
    (note,) = doc["summary"]["notes"]
    assert TOLD in note and "--timezone 'javasaml-atlassian-timing.log=<its zone>'" in note, note
    assert "read as UTC" not in note


@pytest.mark.parametrize("zone, told", [("+0200", timedelta(hours=2)), ("-05:30", timedelta(hours=-5, minutes=-30)),
                                        ("Z", None), ("+0000", None), ("", None)])
def test_the_offset_of_a_head_whose_zoned_lines_carry_one(zone, told):
    from samlscan.logs._common import head_offset

    head = (f"[{STAMP},1 ERROR a\n at x\n{STAMP},405{zone} ERROR b\n{STAMP}.5 INFO c\n").encode()
    assert head_offset(head) == told
    assert head_offset(head.replace(b"[", b"").replace(f"{STAMP},1 ".encode(), f"{STAMP},1{zone} ".encode())
                       .replace(f"{STAMP}.5 ".encode(), f"{STAMP}.5{zone} ".encode())) is None  # (none zone-less)


def test_lines_of_two_offsets_read_as_utc_as_before(tmp_path):
    doc = _check(_log(tmp_path, ["+0200", "+0100"]))
    # (each login twice: its zone-less lines at UTC, its zoned line where its offset puts it)
    assert _times(doc) == ["2021-05-31T07:42:54Z", "2021-05-31T08:52:54Z", "2021-05-31T09:42:54Z",
                           "2021-05-31T09:52:54Z"]
    (note,) = doc["summary"]["notes"]
    assert "read as UTC" in note and TOLD not in note


@pytest.mark.parametrize("zone", ["Z", ""])
def test_utc_lines_or_none_zoned_read_as_utc_as_before(tmp_path, zone):
    doc = _check(_log(tmp_path, [zone, zone]))
    assert _times(doc) == ["2021-05-31T09:42:54Z", "2021-05-31T09:52:54Z"]
    (note,) = doc["summary"]["notes"]
    assert "read as UTC" in note and "the offset its other lines carry" not in note


def test_one_offset_in_every_login_reads_each_in_it(tmp_path):
    doc = _check(_log(tmp_path, ["+0200", "+0200"]))
    assert _times(doc) == ["2021-05-31T07:42:54Z", "2021-05-31T07:52:54Z"]
    assert TOLD in doc["summary"]["notes"][0]


@pytest.mark.parametrize("given, times", [
    (("atlassian-confluence.log=+05:00",), ["2021-05-31T04:42:54Z", "2021-05-31T07:42:54Z"]),
    (("UTC",), ["2021-05-31T07:42:54Z", "2021-05-31T09:42:54Z"]),
    (("other.log=+01:00",), ["2021-05-31T07:42:54Z"]),
])
def test_a_timezone_given_wins(tmp_path, given, times):
    """A --timezone naming the log, or a default one, is its zone; one naming another log is not."""
    extra = [x for g in given for x in ("--timezone", g)]
    doc = _check(_log(tmp_path, ["+0200"]), *extra)
    assert _times(doc) == times
    assert all(TOLD not in n for n in doc["summary"]["notes"]) or given == ("other.log=+01:00",)


def test_a_zoned_time_cut_at_the_head_end_is_not_a_zone_less_one(tmp_path):
    """The head ends inside a line: its time, cut before its zone, is no zone-less line's."""
    from samlscan import engine

    cut = f"{STAMP},4"

    def write(before: str) -> None:
        first = f"{before}{STAMP},405+0200 ERROR a "
        path.write_text(first + "x" * (engine.SNIFF_BYTES - len(cut) - len(first) - 1) + "\n"
                        + f"{STAMP},405+0200 ERROR b\n")
        assert engine.read_head(str(path)).endswith(cut.encode())

    path = tmp_path / "cut.log"
    write("")
    assert batch._zones_told(batch.LogZones(), [str(path)]).get(str(path)) is None
    write(f"{STAMP},404 ERROR c\n")  # (a zone-less line first: the zoned one whole, the cut one the same)
    assert batch._zones_told(batch.LogZones(), [str(path)])[str(path)].utcoffset(None) == timedelta(hours=2)


def _scan(path: Path, jobs: int) -> dict:
    result = CliRunner().invoke(main, ["scan", str(path), "--format", "json", "--jobs", str(jobs),
                                       "--fail-on", "never", "-q"])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output[-3000:]
    return json.loads(result.stdout)


def test_a_big_log_read_in_ranges_reads_alike_whatever_the_jobs(tmp_path, monkeypatch):
    """Decided once from the log's head: the ranges past it (no zoned line in them need be) read in
    its offset too, with --jobs 1 and 2 alike (the workers are forked: they see the small ranges)."""
    logins = 300
    path = _log(tmp_path, ["+0200"] * logins, "big.log")
    whole = _scan(path, 1)
    monkeypatch.setattr(batch, "SPLIT_BYTES", path.stat().st_size // 6)
    monkeypatch.setattr(batch, "BIG_TEXT", 1024)
    monkeypatch.setattr(prefilter, "BLOCK", 4096)
    monkeypatch.setattr(prefilter, "_FREE_BUFFERS", [])
    assert len(batch.plan([str(path)])) >= 4
    one, two = _scan(path, 1), _scan(path, 2)
    assert one == two == whole
    times = _times(one)
    assert len(times) == logins and times[0] == "2021-05-31T07:42:54Z", times[:3]
    assert TOLD in one["summary"]["notes"][0]
