"""Zones of people's exports (brief zones34):
1. Entra's portal CSV ('Date (UTC)'): its locale dates ('11/30/2026, 9:15:02 AM' en-US, '30/11/2026
   09:15:02' en-GB, ISO) in the zone its header names; the day/month order settled by any date of the
   file with a day over 12 (rows before it re-dated), else read and said in a note; a bare 'Date'
   header is read in --timezone's zone (and noted when none is given).
2. A clock-skew finding of a quoted response judged at a zone-less line time, its window holding:
   the log's zone note says which zones would have passed it.
3. SonarQube's JSON layout: a 'date' without an offset is read in --timezone's zone for that log.
The same with --jobs 1 and 2."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from test_zonemsg32 import _dump_line, _web_log
from test_zonenote33 import _notes as _scan_notes

from samlscan.cli import main
from samlscan.logs.base import TIMELINE_NOTE
from samlscan.logs.entra import PARSER as ENTRA
from samlscan.logs.sonarqube import PARSER as SONAR
from samlscan.model import LogEvent

_HEAD = "Date (UTC),Request ID,User,Username,Application,IP address,Status,Sign-in error code,Failure reason\n"


def _row(date: str, rid: str, code: str = "0") -> str:
    status = "Success" if code == "0" else "Failure"
    return f'"{date}",{rid},Alice,alice@contoso.com,SonarQube,203.0.113.5,{status},{code},\n'


def _events(text: str, parser=ENTRA, tz=timezone.utc) -> list[LogEvent]:
    lines = enumerate(text.splitlines(keepends=False), 1)
    return [r for r in parser.parse(lines, "signins.csv", tz) if isinstance(r, LogEvent)]


def _times(evs) -> list[datetime]:
    return [e.time for e in evs if e.raw_code != TIMELINE_NOTE]


def _notes(evs) -> list[str]:
    return [e.text for e in evs if e.raw_code == TIMELINE_NOTE]


def _utc(*a) -> datetime:
    return datetime(*a, tzinfo=timezone.utc)


# --- 1. Entra portal CSV -----------------------------------------------------------------------

def test_a_later_day_over_12_settles_day_first_for_the_rows_before_it():
    evs = _events(_HEAD + _row("05/11/2026 09:15:02", "r1") + _row("30/11/2026 10:00:00", "r2"))
    assert _times(evs) == [_utc(2026, 11, 5, 9, 15, 2), _utc(2026, 11, 30, 10)]  # (not 11 May)
    assert _notes(evs) == []
    assert not any(e.local_time for e in evs)  # '(UTC)': zoned by its header


def test_a_later_day_over_12_settles_month_first_for_the_en_us_portal():
    evs = _events(_HEAD + _row("11/5/2026, 1:00:00 PM", "r1") + _row("11/30/2026, 9:15:02 AM", "r2"))
    assert _times(evs) == [_utc(2026, 11, 5, 13), _utc(2026, 11, 30, 9, 15, 2)]
    assert _notes(evs) == []


@pytest.mark.parametrize("date, want, order", [
    ("11/5/2026, 1:00:00 PM", _utc(2026, 11, 5, 13), "month/day"),  # 12-hour clock: en-US
    ("05/11/2026 13:00:00", _utc(2026, 11, 5, 13), "day/month"),    # 24-hour clock: en-GB, fr...
])
def test_an_order_no_date_settles_is_said_in_a_note(date, want, order):
    evs = _events(_HEAD + _row(date, "r1") + _row(date, "r2", "50105"))
    assert _times(evs) == [want, want]
    (note,) = _notes(evs)
    assert note.startswith(f"signins.csv: its sign-in dates such as {date!r} read {order}"), note


def test_dates_that_read_the_same_either_way_need_no_note():
    evs = _events(_HEAD + _row("11/11/2026 08:00:00", "r1") + _row("2026-11-12T08:00:00Z", "r2"))
    assert _times(evs) == [_utc(2026, 11, 11, 8), _utc(2026, 11, 12, 8)]
    assert _notes(evs) == []


def test_the_header_zone_is_read_and_a_bare_date_is_in_the_timezone_given():
    paris = ZoneInfo("Europe/Paris")
    zoned = _events(_HEAD + _row("30/11/2026 09:15:02", "r1"), tz=paris)
    assert _times(zoned) == [_utc(2026, 11, 30, 9, 15, 2)] and not zoned[0].local_time
    plus1 = _events(_HEAD.replace("Date (UTC)", "Date (UTC+01:00)") + _row("30/11/2026 09:15:02", "r1"))
    assert _times(plus1) == [_utc(2026, 11, 30, 8, 15, 2)]
    sentinel = _events(_HEAD.replace("Date (UTC)", "TimeGenerated [UTC]") + _row("2026-11-30 09:15:02", "r1"), tz=paris)
    assert _times(sentinel) == [_utc(2026, 11, 30, 9, 15, 2)] and not sentinel[0].local_time
    bare = _events(_HEAD.replace("Date (UTC)", "Date") + _row("30/11/2026 09:15:02", "r1"), tz=paris)
    assert _times(bare) == [_utc(2026, 11, 30, 8, 15, 2)] and bare[0].local_time


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_order_note_reaches_the_report(tmp_path, jobs):
    log = tmp_path / "InteractiveSignIns_2026-11-30.csv"
    log.write_text(_HEAD + _row("11/5/2026, 1:00:00 PM", "r1", "50105"))
    notes = _scan_notes(str(log), jobs=jobs)
    assert [n for n in notes if "read month/day" in n] == [
        f"{log.name}: its sign-in dates such as '11/5/2026, 1:00:00 PM' read month/day (the portal writes them in its "
        "user's language; no date in the file has a day over 12 to tell); if it was day/month, its days and "
        "months are swapped: download it again from the portal, whose 'Date (UTC)' column is ISO now, or check "
        "a sign-in's date there"], notes


def test_a_bare_date_read_as_utc_unasked_gets_the_entra_zone_note(tmp_path):
    log = tmp_path / "signins.csv"
    log.write_text(_HEAD.replace("Date (UTC)", "Date") + _row("30/11/2026 09:15:02", "r1", "50105"))
    said = [n for n in _scan_notes(str(log)) if n.startswith(f"{log}: ")]
    assert said == [f"{log}: this Entra ID sign-in CSV (a 'Date' column named without '(UTC)') writes its log times "
                    "without a zone, in the zone of the tool that exported it (the Entra portal's own download says "
                    "'Date (UTC)'): read as UTC; if that is another zone, pass --timezone 'signins.csv=<its zone>'"], said
    zoned = tmp_path / "zoned.csv"
    zoned.write_text(_HEAD + _row("30/11/2026 09:15:02", "r1", "50105"))
    assert not [n for n in _scan_notes(str(zoned)) if "without a zone" in n]


# --- 2. clock-skew flips -----------------------------------------------------------------------

@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_clock_skew_alone_says_the_zones_that_would_pass_it(tmp_path, jobs):
    # IssueInstant 08:00, window to 12:00: at 10:02:03 read as UTC the window holds, the skew does not
    log = _web_log(tmp_path, _dump_line(noa="2025-03-11T12:00:00Z"))
    said = [n for n in _scan_notes(str(log), jobs=jobs) if n.startswith(str(log))]
    assert len(said) == 1, said
    assert said[0].endswith("Response _r1 (line 1) judged at 10:02:03 read as UTC; if web.log is in UTC+2, "
                            "its IssueInstant was within the 180 s of clock skew allowed"), said


def test_too_early_a_clock_skew_says_the_zones_behind_utc(tmp_path):
    # line 03:02:03 read as UTC, IssueInstant 08:00: five hours early (the log is in UTC-5)
    log = _web_log(tmp_path, _dump_line("2025.03.11 03:02:03", noa="2025-03-11T12:00:00Z").replace(
        ' NotBefore="2025-03-11T08:00:00Z"', ""))
    (note,) = [n for n in _scan_notes(str(log)) if n.startswith(str(log))]
    assert note.endswith("if web.log is in UTC-5, its IssueInstant was within the 180 s of clock skew allowed"), note


def test_a_skew_no_zone_explains_says_no_zone(tmp_path):
    """Two days off: no zone (UTC-12 to UTC+14) brings the IssueInstant within the skew."""
    log = _web_log(tmp_path, _dump_line("2025.03.13 10:02:03", noa="2025-03-14T12:00:00Z"))
    (note,) = [n for n in _scan_notes(str(log)) if n.startswith(str(log))]
    assert "IssueInstant was within" not in note


def test_a_zone_given_for_the_log_says_no_flip(tmp_path):
    log = _web_log(tmp_path, _dump_line(noa="2025-03-11T12:00:00Z"))
    assert not [n for n in _scan_notes(str(log), "--timezone", "web.log=UTC") if "clock skew allowed" in n]


# --- 3. SonarQube JSON layout -----------------------------------------------------------------

def _sonar_json(date: str, instant: bool = False) -> str:
    epoch = '"instant":1741686067000,' if instant else ""
    return ('{"process":"web","HTTP_REQUEST_ID":"7c1e2a90",' + epoch + f'"date":"{date}","severity":"WARN",'
            '"logger":"org.sonar.server.authentication.AuthenticationError","thread":"http-nio-9000-exec-3",'
            '"message":"Fail to callback authentication with \'saml\'"}')


def _sonar_times(line: str, tz) -> list[tuple[datetime, bool]]:
    return [(e.time, e.local_time) for e in _events(line + "\n", SONAR, tz) if e.outcome == "failure"]


def test_a_sonarqube_json_date_without_offset_is_read_in_the_timezone_given():
    paris = ZoneInfo("Europe/Paris")
    assert _sonar_times(_sonar_json("2025-03-11T10:41:07.000"), paris) == [(_utc(2025, 3, 11, 9, 41, 7), True)]
    assert _sonar_times(_sonar_json("2025-03-11T10:41:07.000"), timezone.utc) == [(_utc(2025, 3, 11, 10, 41, 7), True)]
    # an offset, or the epoch instant, is the time whatever zone is given
    assert _sonar_times(_sonar_json("2025-03-11T10:41:07.000+01:00"), ZoneInfo("Asia/Tokyo")) == \
        [(_utc(2025, 3, 11, 9, 41, 7), False)]
    assert _sonar_times(_sonar_json("2025-03-11T10:41:07.000", instant=True), paris) == \
        [(_utc(2025, 3, 11, 9, 41, 7), False)]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_sonarqube_json_log_honours_its_timezone_in_a_scan(tmp_path, jobs):
    log = tmp_path / "web.log"
    log.write_text(_sonar_json("2025-03-11T10:41:07.000") + "\n")
    res = CliRunner().invoke(main, ["scan", str(log), "--format", "json", "--jobs", jobs, "--fail-on", "never",
                                    "--timezone", "web.log=Europe/Paris"])
    times = [a["time"] for a in json.loads(res.stdout)["attempts"]]
    assert times == ["2025-03-11T09:41:07Z"], res.stdout[-1500:]


def _rows_then_broken(head: str, rows: list[str]):
    """The CSV's lines, then a read that fails: what was yielded before it is what streamed."""
    yield from enumerate([head.rstrip("\n"), *(r.rstrip("\n") for r in rows)], 1)
    raise OSError("the rest of the file")


def test_an_iso_dated_csv_streams_its_rows_unheld():
    """The portal's current download writes ISO dates: no row waits for a day/month order (they were
    all held to the file's end: a big export read whole into memory)."""
    rows = [_row(f"2026-11-{d:02d}T09:15:02Z", f"r{d}") for d in range(1, 5)]
    got = ENTRA.parse(_rows_then_broken(_HEAD, rows), "signins.csv", timezone.utc)
    # (the CSV reader looks one line ahead for a quoted field going on: the last row waits for it)
    assert [next(got).time for _ in range(3)] == [_utc(2026, 11, d, 9, 15, 2) for d in range(1, 4)]


def test_ambiguous_rows_are_held_at_most_max_held(monkeypatch):
    from samlscan.logs import entra
    monkeypatch.setattr(entra, "MAX_HELD", 3)
    rows = [_row(f"0{d}/11/2026 09:15:02", f"r{d}") for d in range(1, 5)]
    got = ENTRA.parse(_rows_then_broken(_HEAD, rows), "signins.csv", timezone.utc)
    first = [next(got) for _ in range(3)]  # (guessed day first at 3 rows: a 24-hour clock)
    assert [e.time for e in first] == [_utc(2026, 11, d, 9, 15, 2) for d in range(1, 4)]
