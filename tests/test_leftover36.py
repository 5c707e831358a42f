"""Zone offsets said as zones are named (samlscan/logzones.py span, utc_zone): '5 h 45 min', 'UTC+5:45',
never '5.75 h'; the zones in which a quoted response's verdict flips are zones (logzones._zones_within),
never a quarter hour no zone has (+2:30)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from samlscan import logzones
from samlscan.correlate.notes import _offset_note
from test_zonemsg32 import _dump_line, _notes, _web_log


@pytest.mark.parametrize("offset, said", [(timedelta(hours=5, minutes=45), "5 h 45 min"), (timedelta(hours=2), "2 h"),
                                          (timedelta(hours=-3, minutes=-30), "3 h 30 min"),
                                          (timedelta(minutes=45), "45 min")])
def test_an_offset_is_said_in_hours_and_minutes(offset, said):
    assert logzones.span(offset) == said
    assert logzones.span(offset, signed=True) == ("-" if offset < timedelta(0) else "+") + said


def test_a_measured_offset_at_nepal_time_names_its_zone():
    note = _offset_note("web.log", timedelta(hours=5, minutes=45, seconds=20))
    assert "about 5 h 45 min ahead (UTC+5:45) looks like a time zone" in note, note
    assert "5.8 h" not in note and "--timezone 'web.log=+05:45'" in note
    west = _offset_note("web.log", timedelta(hours=-9, minutes=-30))
    assert "about 9 h 30 min behind (UTC-9:30) looks like a time zone" in west, west


def test_a_flip_at_an_offset_no_zone_has_is_not_named(tmp_path):
    # 10:34 read as UTC is past 08:05; within [08:00, 08:05) only for k in (2:29, 2:34]: +2:30, no zone
    (note,) = _notes(str(_web_log(tmp_path, _dump_line("2025.03.11 10:34:03"))))
    assert "within its window" not in note and "UTC+2:30" not in note, note
    # 10:02 is within it in UTC+2, a zone
    (note,) = _notes(str(_web_log(tmp_path, _dump_line("2025.03.11 10:02:03"), "two.log")))
    assert "if two.log is in UTC+2, it was within its window" in note, note


def test_a_range_of_zones_is_said_from_a_zone_to_a_zone(tmp_path):
    # 11:40 within [08:00, 09:00) for k in (2:40, 3:40]: the quarters +2:45 .. +3:30, the zones +3 and +3:30
    log = _web_log(tmp_path, _dump_line("2025.03.11 11:40:00", noa="2025-03-11T09:00:00Z"))
    (note,) = _notes(str(log))
    assert "if web.log is in UTC+3 to UTC+3:30, it was within its window" in note, note
    # Nepal's +5:45 and Eucla's +8:45 are zones: a range ends at them
    assert logzones._zones_within(timedelta(hours=5, minutes=45), timedelta(hours=6, minutes=30)) == \
        [timedelta(hours=5, minutes=45), timedelta(hours=6), timedelta(hours=6, minutes=30)]
    assert logzones._zones_within(timedelta(hours=1, minutes=15), timedelta(hours=1, minutes=45)) == []

