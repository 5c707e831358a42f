"""zones36: one rule says whether a clock offset is a time zone's (logzones.zone_of: the tz database's
UTC offsets, within logzones.DRIFT), for the measured-offset notes (correlate.clocks.zone_part) and for
the clock-skew finding's --timezone fix (logzones.skew_fix) alike. Before, the notes took any half hour
within 5 min (+0:30, +2:30: no zone's; +5:45 Nepal, +8:45 Eucla, +12:45 Chatham: not taken) and the fix
took the tz database's quarters within the finding's skew (7 min off a zone with --clock-skew 600)."""
from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.correlate.clocks import zone_part
from samlscan.logzones import skew_fix

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_zonemsg32 import _MARK, _dump_line  # noqa: E402

_LIMIT = 600
"""A --clock-skew wider than the drift a zone's clock may have: the zone rule alone decides the fix."""


def _hm(h: int, m: int = 0, s: int = 0) -> timedelta:
    sign = -1 if h < 0 else 1
    return sign * timedelta(hours=abs(h), minutes=m, seconds=s)


def _fix_zone(offset: timedelta, limit: int = _LIMIT) -> str | None:
    """The zone skew_fix names for a log `offset` ahead of UTC (its finding's offset is IssueInstant -
    line time: the other way), or None."""
    fix = skew_fix("logs/web.log", -offset.total_seconds(), limit, "CLOCKS")
    if fix is None:
        return None
    assert fix.endswith("CLOCKS")
    return fix.split("--timezone 'web.log=", 1)[1].split("'", 1)[0]


@pytest.mark.parametrize(("offset", "zone", "said"), [
    (_hm(5, 45), _hm(5, 45), "+05:45"),  # Nepal
    (_hm(8, 45, 40), _hm(8, 45), "+08:45"),  # Eucla, 40 s of drift
    (_hm(12, 49), _hm(12, 45), "+12:45"),  # Chatham, a clock 4 min fast
    (_hm(13, 41), _hm(13, 45), "+13:45"),  # Chatham's summer, 4 min slow
])
def test_a_quarter_hour_zone_is_one_for_the_note_and_for_the_fix(offset, zone, said):
    assert zone_part(offset) == zone
    assert _fix_zone(offset) == said


@pytest.mark.parametrize("offset", [
    _hm(2, 34),  # 4 min off a half hour no zone has (Newfoundland's summer is -2:30)
    _hm(0, 30), _hm(-1, 26),  # half hours no zone has
    _hm(-4, 30),  # Venezuela's until 2016: no zone's now
    _hm(3, 7), _hm(5, 52), _hm(-9, 23),  # 7 min off +3, +5:45, -9:30: the clock's, not a zone's
])
def test_an_offset_no_zone_has_is_neither_the_notes_zone_nor_the_fixs(offset):
    assert zone_part(offset) is None
    assert _fix_zone(offset) is None


def _scan_notes(log: Path) -> list[str]:
    res = CliRunner().invoke(main, ["scan", str(log), "--format", "json", "--jobs", "1", "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    return [n for n in json.loads(res.stdout)["summary"]["notes"] if _MARK in n]


def test_a_log_quoting_responses_at_nepal_time_says_so(tmp_path):
    """java-saml's dumps 5 h 47 min after their IssueInstant (UTC): the log is in UTC+5:45 with a clock
    2 min fast; the note said only 'maybe another zone'."""
    log = tmp_path / "web.log"
    log.write_text(_dump_line("2025.03.11 13:47:03"))
    (note,) = _scan_notes(log)
    assert "5 h 45 min after their IssueInstant (UTC): its times are local" in note, note


def test_a_log_quoting_responses_2_h_34_after_is_not_said_local(tmp_path):
    """2 h 34 min after: no zone is +2:30; the note said the log was local, 2.5 h after."""
    log = tmp_path / "web.log"
    log.write_text(_dump_line("2025.03.11 10:34:03"))
    (note,) = _scan_notes(log)
    assert "after their IssueInstant" not in note and "--timezone 'web.log=<its zone>'" in note, note
