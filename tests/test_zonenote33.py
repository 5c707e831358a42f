"""One zone note per log: a log that quotes responses whole hours from their IssueInstants (UTC, SAML
core 1.3.3) and was read as UTC unasked had two notes, logzones' ('SonarQube writes its log times
without a zone ... if web.log is in UTC+2, it was within its window') and correlate's ('web.log logs
the responses it quotes 2 h after their IssueInstant (UTC) ...'). Now logzones' note carries the
measured hours too (logzones.measured); the quoted note stays alone where logzones says nothing (a
--timezone given for the log). The same with --jobs 1 and 2."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from test_zonemsg32 import _dump_line, _web_log

from samlscan import logzones
from samlscan.cli import main

_QUOTED = "logs the responses it quotes"


def _notes(*args: str, jobs: str = "1") -> list[str]:
    res = CliRunner().invoke(main, ["scan", *args, "--format", "json", "--jobs", jobs, "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout)["summary"]["notes"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_dump_2_h_off_read_as_utc_unasked_has_one_note_with_the_hours_and_the_flip(tmp_path, jobs):
    log = _web_log(tmp_path, _dump_line())
    said = [n for n in _notes(str(log), jobs=jobs) if "web.log" in n]
    assert len(said) == 1, said
    (note,) = said
    assert note.startswith(f"{log}: SonarQube writes its log times without a zone"), note
    assert f"{_QUOTED} 2 h after their IssueInstant (UTC): its times are local; pass --timezone 'web.log=<its zone>'" \
        in note, note
    assert "if that is another zone" not in note  # (measured: no longer a maybe)
    assert note.endswith("Response _r1 (line 1) judged at 10:02:03 read as UTC; if web.log is in UTC+2, "
                         "it was within its window"), note


def test_two_logs_each_have_their_own_one_note(tmp_path):
    logs = [_web_log(tmp_path, _dump_line(), "web.log"),
            _web_log(tmp_path, _dump_line("2025.03.11 04:32:03", rid="_r3"), "web-ny.log")]
    notes = _notes(*map(str, logs))
    assert notes == _notes(*map(str, logs), jobs="2")
    for log, apart in ((logs[0], "2 h after"), (logs[1], "3 h 30 min before")):
        said = [n for n in notes if n.startswith(str(log))]
        assert len(said) == 1 and f"{_QUOTED} {apart} their IssueInstant" in said[0], said


def test_with_a_zone_given_the_quoted_hours_are_said_alone(tmp_path):
    """--timezone 'web.log=UTC' (wrongly): logzones says nothing of it, the quoted responses still show
    the log is 2 h off."""
    log = _web_log(tmp_path, _dump_line())
    said = [n for n in _notes(str(log), "--timezone", "web.log=UTC") if "web.log" in n]
    assert said == [f"{log} {_QUOTED} 2 h after their IssueInstant (UTC): its times are local, read as UTC "
                    "(pass --timezone 'web.log=<its zone>', such as Europe/Paris)"], said


def test_measured_touches_only_the_notes_of_the_logs_it_is_given():
    note = logzones.zone_note("/x/web.log", "log:sonarqube")
    other = logzones.zone_note("/x/app.log", "log:sp-app")
    got, done = logzones.measured((note, other, "unrelated"), {"/x/web.log": "1 h before"})
    assert done == {"/x/web.log"}
    assert got[1:] == (other, "unrelated") and "quotes 1 h before their IssueInstant" in got[0]
    assert logzones.measured((note,), {}) == ((note,), set())
