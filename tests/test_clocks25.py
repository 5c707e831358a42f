"""A log's clock offset is piecewise over its clock steps, for everything read from it (clocks._step_runs,
_set_right, _rebase; correlate/run._offset_at): sonar02's web.log steps 6 min back at 09:13 and is set
right forward at 09:30 (tests/data/clocks25, fixtures/gen_clocks25.py); IIS's log and the HAR are right."""
from __future__ import annotations

import shutil

from case_util import ROOT, generator_check, refs, scan_case

CASE = ROOT / "tests" / "data" / "clocks25"


def _scan(tmp_path, *names: str) -> list[dict]:
    for n in names:
        shutil.copy(CASE / n, tmp_path / n)
    return scan_case(tmp_path, "UTC")["attempts"]


def _login(attempts: list[dict], who: str) -> list[dict]:
    """The attempts naming the user's mail (an IIS line alone names no one)."""
    return [a for a in attempts if a["user"] == f"{who}@corp.example.com"]


def _files(a: dict) -> set[str]:
    return {name for name, _ in refs(a)}


def test_the_generator_is_current():
    done = generator_check("gen_clocks25.py")
    assert done.returncode == 0, done.stderr


def test_a_copy_the_log_dumped_in_a_stepped_run_is_read_on_that_runs_clock(tmp_path):
    """frank's refusal and java-saml's copy of his response are stamped 09:09:22 (6 min behind): the copy
    is in the run of its lines, not on the file's clock (before: the attempt carried 09:09:22)."""
    (frank,) = _login(_scan(tmp_path, "servicedesk.har", "web.log", "u_ex261125.log"), "frank")
    assert (frank["root_cause"], frank["side"]) == ("sp-clock-skew", "sp")
    assert frank["time"] == "2026-11-25T09:15:20Z"
    assert {"servicedesk.har", "web.log", "u_ex261125.log"} <= _files(frank)


def test_the_lines_after_the_clock_was_set_right_join_their_proxy_lines(tmp_path):
    """hugo (09:40) and bob (09:50) are stamped right after the jump forward; IIS's lines of their clients
    in the same second witness it (before: read 6 min behind to the log's end, each apart from its IIS
    line). gina, in the stepped run, keeps its offset and joins hers too."""
    attempts = _scan(tmp_path, "servicedesk.har", "web.log", "u_ex261125.log")
    for who, at in (("gina", "09:18"), ("hugo", "09:40"), ("bob", "09:50")):
        (got,) = _login(attempts, who)
        assert "u_ex261125.log" in _files(got) and got["time"][11:16] == at, (who, got)
    assert len(attempts) == 6, [(a["time"], a["user"]) for a in attempts]


def test_a_log_measured_only_inside_its_stepped_run_keeps_its_other_lines(tmp_path):
    """Only frank's login captured: web.log's one measure is inside the stepped run, so its other lines
    are on no measured offset (before: the run's 6 min moved alice's and dana's lines from their IIS
    lines)."""
    attempts = _scan(tmp_path, "frank.har", "web.log", "u_ex261125.log")
    for who, at in (("alice", "09:05"), ("dana", "09:12")):
        (got,) = _login(attempts, who)
        assert {"web.log", "u_ex261125.log"} <= _files(got) and got["time"][11:16] == at, (who, got)


def test_an_unwitnessed_jump_forward_is_a_quiet_spell(tmp_path):
    """Without IIS's log nothing witnesses hugo's and bob's lines: the jump may be a quiet spell, the run
    stays 6 min behind to its end (the negative twin of the test above)."""
    attempts = _scan(tmp_path, "servicedesk.har", "web.log")
    assert [a["time"][11:16] for w in ("hugo", "bob") for a in _login(attempts, w)] == ["09:46", "09:56"]
