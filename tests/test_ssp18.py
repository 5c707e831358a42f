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


# --- 1 and 2. SimpleSAMLphp's word on a login it went on with, on that login's attempt -----------

def _scan(folder: str, *args: str) -> list[dict]:
    result = CliRunner().invoke(main, ["scan", str(DATA / folder), "--exclude", "record.py", "--exclude", "*.md",
                                       *args, "--format", "json", "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["attempts"]


def _of(attempts: list[dict], name: str) -> dict:
    (got,) = [a for a in attempts if any(e["input"].endswith(name) for e in a["evidence"])]
    return got


def test_ssps_invalid_acs_warning_is_quoted_on_that_logins_attempt():
    """livessp lines 24-26: the SP asked for an ACS its saml20-sp-remote entry does not list; SSP
    warned and answered at the default one. Before: info events, in no attempt."""
    attempts = _scan("livessp", "--sp-entity-id", "sonarqube", "--acs-url",
                     "https://sonar.example.com/oauth2/callback/saml", "--at", "2026-11-29T13:17:00Z",
                     "--idp-metadata", str(DATA / "livessp" / "metadata.xml"), "--sp-key", str(KEYS / "sp.key"))
    acs = _of(attempts, "acs-not-in-metadata.b64")
    (note,) = [n for n in acs["notes"] if "invalid AssertionConsumerService" in n]
    assert note.startswith(str(DATA / "livessp" / "simplesamlphp.log") + " [lines 24-26]: ")
    assert "'https://sonar.example.com:9000/oauth2/callback/saml'" in note and "HTTP-POST" in note
    assert acs["outcome"] == "success"  # (SSP answered at the default ACS, which the SP accepted)
    others = [a for a in attempts if a is not acs]
    assert not any("AssertionConsumerService" in n for a in others for n in a["notes"])


def test_ssps_lost_state_is_quoted_on_the_accepted_login_it_belongs_to():
    """livesspsp line 87: the SP lost the login's state (its cookie was gone) and, being 1.19, took
    the response as unsolicited. Before: an info event, in no attempt."""
    attempts = _scan("livesspsp", "--sp-entity-id", "https://sp.example.net/ssp-sp", "--acs-url",
                     "http://127.0.0.1:8766/module.php/saml/sp/saml2-acs.php/default-sp",
                     "--idp-cert", str(KEYS / "idp.crt"), "--at", "2026-11-29T13:32:45Z")
    lost = _of(attempts, "state-lost.b64")
    assert lost["outcome"] == "success" and lost["root_cause"] is None
    assert any("[line 87]: Could not load state specified by InResponseTo" in n for n in lost["notes"])
    assert not any("Could not load state" in n for a in attempts if a is not lost for n in a["notes"])
    assert _of(attempts, "unsolicited.b64")["outcome"] == "success"


def _ssp(tmp_path: Path, lines: list[str]) -> list[LogEvent]:
    return _events(_written(tmp_path, "simplesamlphp.log", "\n".join(lines) + "\n"))[1]


def test_a_lost_state_refused_next_stays_the_failure_and_is_no_note(tmp_path):
    """SSP 2.x with unsolicited responses off: the warning is the cause of the refusal after it."""
    from samlscan.logs.base import ATTEMPT_NOTE

    lost = ("Mar 11 09:41:02 simplesamlphp WARNING [0a1b2c3d4e] Could not load state specified by InResponseTo: "
            "NOSTATE Processing response as unsolicited.")
    events = _ssp(tmp_path, [lost, "Mar 11 09:41:02 simplesamlphp ERROR [0a1b2c3d4e] SimpleSAML\\Error\\Exception: "
                                   "Unsolicited responses are denied by configuration."])
    assert events[0].outcome == "failure" and events[0].raw_code != ATTEMPT_NOTE
    assert [(e.outcome, e.raw_code) for e in _ssp(tmp_path, [lost])] == [("info", ATTEMPT_NOTE)]


def test_a_note_joins_by_its_session_else_the_one_attempt_near_it():
    from datetime import timedelta

    from samlscan.correlate.said import Marks, Said, quoted
    from samlscan.model import Attempt

    t = datetime(2025, 3, 11, 9, 41, 2, tzinfo=timezone.utc)
    a = [Attempt(t, None, "success", None, None, None, (), ()) for _ in range(2)]
    kept = [Marks({"simplesamlphp:req:s1": [t]}, (t,)), Marks({}, (t + timedelta(seconds=4),))]
    by_key = Said("simplesamlphp:req:s1", t + timedelta(seconds=3), "log [line 9]", "keyed")
    near = Said(None, t + timedelta(seconds=3), "log [line 8]", "near")
    tie = Said(None, t + timedelta(seconds=2), "log [line 7]", "tie")
    far = Said(None, t + timedelta(minutes=5), "log [line 6]", "far")
    got = quoted(a, kept, [by_key, near, tie, far])
    assert got[0].notes == ("log [line 9]: keyed",)  # (its session's, though the other is nearer)
    assert got[1].notes == ("log [line 8]: near",)  # (no session named: the nearest; a tie, none)


def test_a_log_of_more_pods_than_streams_read_apart_reads_every_line(tmp_path, monkeypatch):
    """Beyond MAX_STREAMS pods, the others' lines share one spool (a log naming 100,000 pods opened a
    file for each: 'Too many open files' past the process's limit)."""
    from samlscan.logs import wrapped

    monkeypatch.setattr(wrapped, "MAX_STREAMS", 2)
    opened = []
    real = wrapped.tempfile.TemporaryFile
    monkeypatch.setattr(wrapped.tempfile, "TemporaryFile", lambda *a, **k: opened.append(1) or real(*a, **k))
    lines = MAKE.inner_lines("java-saml", 500)
    text = MAKE.kubectl_prefix({f"sso-{k}/app": lines for k in "abcde"})
    _, events = _events(_written(tmp_path, "pods.log", text))
    key = sorted((e.time, e.code, e.outcome) for e in _bare(tmp_path, "java-saml"))
    assert len(opened) == 3  # two pods' spools and one for the rest (the first pod is read as it comes)
    # the first three pods read apart, every event of each; the last two share a stream, where two
    # records at one moment may join (as every pod's did before streams were read apart)
    assert 3 * len(key) < len(events) <= 5 * len(key)
