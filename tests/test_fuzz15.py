"""Fuzzing round 15: the code merged in the last hours under hostile and look-alike input: notes
quoted on attempts (correlate/said.py: thousands of notes with no session, notes between two
attempts or far from any), the wrapper's year for SimpleSAMLphp's year-less lines (years 0001 and
9999, Feb 29, New Year), LinePrefixed's per-stream spooling. Growth is compared between two sizes
(tests/growth_util.py), never an absolute time.
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan import engine, logs
from samlscan.cli import main
from samlscan.model import LogEvent
from tests.growth_util import assert_linear

_T0 = datetime(2025, 3, 11, 0, 0, 0)
_FAIL = "SimpleSAML\\Error\\Error: UNHANDLEDEXCEPTION"
_NOTE = "Authentication request specifies invalid AssertionConsumerService:"


def _ssp(at: datetime, level: str, track: str, msg: str) -> str:
    return f"{at.strftime('%b %d %H:%M:%S')} simplesamlphp {level} [{track}] {msg}"


def _scan(path: Path) -> list[dict]:
    result = CliRunner().invoke(main, ["scan", str(path), "--format", "json", "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["attempts"]


def _noted(attempts: list[dict]) -> list[int]:
    """The attempts' (in time order) numbers of notes quoting _NOTE (an unknown failure's note quotes
    its own line too)."""
    return [sum(_NOTE in n for n in a.get("notes") or []) for a in attempts]


# --- said.py: notes with no session, joined by time ----------------------------------------------

def _sessions(n: int, same_track: bool) -> str:
    """n failed logins 10 s apart, each followed in the same second by SimpleSAMLphp's invalid-ACS
    warning: of the same session, or of another track ID (joined by time only)."""
    rows = []
    for i in range(n):
        at = _T0 + timedelta(seconds=10 * i)
        rows.append(_ssp(at, "ERROR", f"{i:010x}", _FAIL))
        rows.append(_ssp(at, "WARNING", f"{i:010x}" if same_track else f"n{i:09x}", _NOTE))
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize("same_track", [True, False])
def test_thousands_of_notes_are_quoted_in_linear_time(tmp_path, same_track):
    """Each note sorted every attempt by its distance (notes x attempts): 500 notes without a
    session took 0.2 s, 2,000 took 2.8 s. Each note is still quoted on its own attempt."""
    def make(n):
        path = tmp_path / f"notes{n}.log"
        path.write_text(_sessions(n, same_track))
        return path

    attempts = _scan(make(300))
    assert len(attempts) == 300 and _noted(attempts) == [1] * 300
    assert_linear(_scan, make, 700, factor=4)


def _one_note_between(tmp_path: Path, before: int, after: int, note_track: str = "nnnnnnnnnn") -> list[dict]:
    """Two failed logins `before` + `after` seconds apart, a note of no session between them."""
    rows = [_ssp(_T0, "ERROR", "aaaaaaaaaa", _FAIL),
            _ssp(_T0 + timedelta(seconds=before), "WARNING", note_track, _NOTE),
            _ssp(_T0 + timedelta(seconds=before + after), "ERROR", "bbbbbbbbbb", _FAIL)]
    path = tmp_path / "between.log"
    path.write_text("\n".join(rows) + "\n")
    return _scan(path)


@pytest.mark.parametrize("before,after,want", [
    (3, 3, [0, 0]),   # as near to both: said of neither
    (2, 4, [1, 0]),   # nearer the first
    (4, 2, [0, 1]),   # nearer the second
    (0, 0, [0, 0]),   # all three at one moment
    (11, 30, [0, 0]),  # beyond MOMENT of each
    (30, 9, [0, 1]),  # within MOMENT of the second only
])
def test_a_note_of_no_session_goes_to_the_nearest_attempt_only(tmp_path, before, after, want):
    attempts = _one_note_between(tmp_path, before, after)
    if before + after == 0:  # (one moment: the two failures may be one attempt, the note on none)
        assert all(n == 0 for n in _noted(attempts))
        return
    assert _noted(attempts) == want


def test_a_note_of_a_session_goes_to_that_sessions_attempt_however_far(tmp_path):
    """The flow key beats the time: the note 4 s after the first login, of the second's session."""
    attempts = _one_note_between(tmp_path, 4, 300, note_track="bbbbbbbbbb")
    assert _noted(attempts) == [0, 1]


# --- wrapped.py: the wrapper's year for year-less lines at the calendar's edges -------------------

def _ssp_events(tmp_path: Path, lines: list[str], tz=timezone.utc) -> list[LogEvent]:
    path = tmp_path / "edge.log"
    path.write_text("\n".join(lines) + "\n")
    later = datetime(2026, 11, 29, tzinfo=timezone.utc).timestamp()  # (the file's year is not the lines')
    os.utime(path, (later, later))
    found = engine.sniff(engine.read_head(str(path)))
    assert found.parser is not None and found.parser.name == "simplesamlphp"
    return [r for r in logs.parse_file(str(path), tz, found.parser) if isinstance(r, LogEvent)]


@pytest.mark.parametrize("wrapper,line,want", [
    ("0001-01-01T00:00:03.000000000Z", "Jan 1 00:00:01", datetime(1, 1, 1, 0, 0, 1, tzinfo=timezone.utc)),
    ("0001-01-01T00:00:03.000000000Z", "Dec 31 23:59:58", datetime(1, 12, 31, 23, 59, 58, tzinfo=timezone.utc)),
    ("9999-12-31T23:59:59.000000000Z", "Dec 31 23:59:58", datetime(9999, 12, 31, 23, 59, 58, tzinfo=timezone.utc)),
    ("9999-12-31T23:59:59.000000000Z", "Jan 1 00:00:01", datetime(9999, 1, 1, 0, 0, 1, tzinfo=timezone.utc)),
    ("2025-03-01T00:00:03.000000000Z", "Feb 29 23:59:58", datetime(2024, 2, 29, 23, 59, 58, tzinfo=timezone.utc)),
    ("2025-01-01T00:00:03.000000000Z", "Dec 31 23:59:58", datetime(2024, 12, 31, 23, 59, 58, tzinfo=timezone.utc)),
])
@pytest.mark.parametrize("prefix", ["{w} ", "{w} stdout F "])
def test_a_wrappers_year_at_the_calendars_edges_dates_the_line_without_error(tmp_path, wrapper, line, want, prefix):
    """Year 0 and 10000 do not exist and Feb 29 only in leap years: the nearest year that does."""
    text = f"{prefix.format(w=wrapper)}{line} simplesamlphp ERROR [a1b2c3d4e5] {_FAIL}"
    events = _ssp_events(tmp_path, [text] * 3)
    assert [e.time for e in events] == [want] * 3
