"""SimpleSAMLphp's year and wrapped logs of several containers (tests/data/wrapped16/make.py wraps
fixtures/logs into each wrapper), and the SimpleSAMLphp warnings that explain a login
(tests/data/livessp, tests/data/livesspsp: live recordings) reaching its attempt."""
from __future__ import annotations

import importlib.util
import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan import engine, logs
from samlscan.cli import main
from samlscan.logs.base import Malformed
from samlscan.model import LogEvent

DATA = Path(__file__).resolve().parent / "data"
KEYS = Path(__file__).resolve().parents[1] / "fixtures" / "keys"
_spec = importlib.util.spec_from_file_location("wrapped16_make_ssp18", DATA / "wrapped16" / "make.py")
MAKE = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(MAKE)
LATER = datetime(2026, 11, 29, tzinfo=timezone.utc).timestamp()
"""A modification time in another year than the lines' (2025-03-11): a copy made later."""


def _events(path: Path, tz=timezone.utc) -> tuple[str, list[LogEvent]]:
    found = engine.sniff(engine.read_head(str(path)))
    assert found.kind == "log", found.kind
    recs = list(logs.parse_file(str(path), tz, found.parser))
    return found.parser.name, [r for r in recs if isinstance(r, LogEvent)]


def _written(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    os.utime(path, (LATER, LATER))
    return path


# --- 3. a wrapper's full time gives SimpleSAMLphp's lines their year ---------------------------

@pytest.mark.parametrize("wrapper", ["docker-json", "cri", "kubectl-ts", "journal-iso", "journal-json", "syslog5424"])
def test_a_wrappers_year_dates_simplesamlphps_lines(tmp_path, wrapper):
    """Before: the year came from the file's modification time (2026 here): every event a year off."""
    text = MAKE.WRAPPERS[wrapper](MAKE.inner_lines("simplesamlphp", 300))
    name, events = _events(_written(tmp_path, f"ssp.{wrapper}.log", text))
    assert name == "simplesamlphp" and events
    assert {e.time.year for e in events} == {2025}
    assert all(e.time.month == 3 and e.time.day == 11 for e in events)


def test_without_a_wrappers_time_the_files_year_stays(tmp_path):
    """`docker logs` without -t and RFC 3164 carry no year: the file's modification time still gives it."""
    for wrapper in ("docker-logs", "syslog3164"):
        text = MAKE.WRAPPERS[wrapper](MAKE.inner_lines("simplesamlphp"))
        _, events = _events(_written(tmp_path, f"ssp.{wrapper}.log", text))
        assert events and {e.time.year for e in events} == {2026}, wrapper


def test_a_line_of_new_years_eve_in_a_wrapper_of_new_years_day_keeps_its_year(tmp_path):
    """The wrapper's clock crossed into 2025 before SSP's (or its zone did): the nearest year, 2024."""
    lines = ["2025-01-01T00:00:03.000000000Z Dec 31 23:59:58 simplesamlphp ERROR [a1b2c3d4e5] "
             "SimpleSAML\\Error\\Error: UNHANDLEDEXCEPTION",
             "2025-01-01T00:00:04.000000000Z Jan 1 00:00:01 simplesamlphp ERROR [f1e2d3c4b5] "
             "SimpleSAML\\Error\\Error: UNHANDLEDEXCEPTION"]
    _, events = _events(_written(tmp_path, "ny.log", "\n".join(lines) + "\n"))
    assert [e.time for e in events] == [datetime(2024, 12, 31, 23, 59, 58, tzinfo=timezone.utc),
                                        datetime(2025, 1, 1, 0, 0, 1, tzinfo=timezone.utc)]


def test_the_wrappers_year_in_a_local_zone_keeps_the_lines_local_time(tmp_path):
    """Lines read in --timezone Europe/Paris: moved to the wrapper's year, still read as Paris time."""
    from zoneinfo import ZoneInfo

    text = MAKE.WRAPPERS["cri"](MAKE.inner_lines("simplesamlphp"))
    _, events = _events(_written(tmp_path, "ssp.cri.log", text), ZoneInfo("Europe/Paris"))
    _, bare = _events(_written(tmp_path, "ssp.bare.log", "\n".join(MAKE.inner_lines("simplesamlphp")) + "\n"),
                      ZoneInfo("Europe/Paris"))
    assert [e.time.replace(year=2025) for e in bare] == [e.time for e in events]


# --- 4. several containers' lines interleaved: one stream each ---------------------------------

def _bare(tmp_path: Path, inner: str) -> list[LogEvent]:
    return _events(_written(tmp_path, f"{inner}.bare.log", "\n".join(MAKE.inner_lines(inner)) + "\n"))[1]


@pytest.mark.parametrize("inner", ["java-saml", "keycloak", "simplesamlphp"])
def test_kubectl_prefix_of_three_pods_reads_each_pods_events_once(tmp_path, inner):
    """Three pods writing the same log at the same moments: each pod's records whole (a stack trace
    of one pod never joins another's record), every event three times."""
    lines = MAKE.inner_lines(inner, 500)
    text = MAKE.kubectl_prefix({f"sso-{k}/app": lines for k in "abc"})
    _, events = _events(_written(tmp_path, "pods.log", text))
    key = sorted((e.time, e.code, e.outcome) for e in _bare(tmp_path, inner))
    assert sorted((e.time, e.code, e.outcome) for e in events) == sorted(key * 3)


def test_docker_compose_services_interleaved_are_read_apart(tmp_path):
    """`docker compose logs` of two services: each service's lines are its own stream too."""
    lines = MAKE.inner_lines("java-saml")
    rows = []
    for k, who in enumerate(("sp-1", "sp-2")):
        rows += [(t, k, j, f"{who}  | {line}") for j, (t, line) in enumerate(MAKE.timed(lines))]
    text = "".join(r[3] + "\n" for r in sorted(rows))
    _, events = _events(_written(tmp_path, "compose.log", text))
    assert len(events) == 2 * len(_bare(tmp_path, "java-saml"))
