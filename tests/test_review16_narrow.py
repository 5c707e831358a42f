"""review16: what a support engineer reading samlscan's answer on a terminal was misled by.

- The attempts table (time, user, outcome, cause, side, fix, evidence) was about 210 columns wide
  whatever the terminal: on an 80-column one every row wrapped into the next and the fix could not
  be read against its attempt. On a terminal narrower than the table, each row is now a block of
  'header  value' lines; a file or a pipe still gets the table (the same text for everyone).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from samlscan.report.table import fitted

ROOT = Path(__file__).resolve().parent.parent
CASE8 = ROOT / "tests" / "data" / "case8"
ARGS = ["scan", "-q", "--timezone", "Europe/Paris", str(CASE8)]


def _run(args, tty_columns: int | None) -> str:
    """samlscan's stdout, written to a real pseudo-terminal of `tty_columns` columns (None: a pipe)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if tty_columns is None:
        return subprocess.run([sys.executable, "-m", "samlscan", *args], capture_output=True, text=True,
                              env=env, cwd=ROOT).stdout
    pty = pytest.importorskip("pty")
    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, tty_columns, 0, 0))
    env.pop("COLUMNS", None)
    proc = subprocess.Popen([sys.executable, "-m", "samlscan", *args], stdout=slave,
                            stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # Linux: EIO once the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    proc.wait()
    return out.decode("utf-8").replace("\r\n", "\n")


def _section(text: str, head: str) -> list[str]:
    start = text.index(head)
    rest = text[start + len(head):]
    end = rest.find("\n== ")
    return (rest if end < 0 else rest[:end]).splitlines()


def _too_wide(lines: list[str], width: int) -> list[str]:
    """Lines wider than `width` but for one word that no wrap may cut (a claim URI, a path)."""
    return [line for line in lines if len(line) > width and max(map(len, line.split())) < width - 16]


def test_attempts_fit_an_80_column_terminal():
    text = _run(ARGS, 80)
    attempts = _section(text, "== login attempts")
    assert attempts and not _too_wide(attempts, 80)
    assert not _too_wide(_section(text, "== findings by code"), 80)
    # each attempt still names its cause, side and fix, one block each
    assert "cause       app-not-found" in attempts
    assert "side        idp" in attempts
    assert any(line.startswith("fix         In AD FS Management") for line in attempts)
    # 8: Carol's Django login is one attempt (AD FS's event 321 and the app's Responder status)
    assert sum(line.startswith("time (UTC)  2025-03-18T") for line in attempts) == 8


def test_a_wide_terminal_and_a_pipe_keep_the_table():
    for text in (_run(ARGS, 250), _run(ARGS, None)):
        attempts = _section(text, "== login attempts")
        assert attempts[1].split() == ["time", "(UTC)", "user", "outcome", "cause", "side", "fix", "evidence"]


def test_fitted_blocks_and_tables():
    rows = [("2025-01-01T00:00:00Z", "failure", "a fix " * 30, "x.log [line 3]\ny.har [entry 2]")]
    headers = ("time", "outcome", "fix", "evidence")
    table = fitted(rows, headers, None)
    assert table.splitlines()[0].split() == list(headers)
    assert fitted(rows, headers, 1000) == table
    blocks = fitted(rows, headers, 60).splitlines()
    assert max(map(len, blocks)) <= 60
    assert blocks[0] == "time      2025-01-01T00:00:00Z"
    assert blocks[-2:] == ["evidence  x.log [line 3]", "          y.har [entry 2]"]


def test_checks_findings_fit_an_80_column_terminal():
    """`check`'s per-message findings table (about 110 columns) became blocks too."""
    args = ["check", "--config", "fixtures/config/default.toml", "fixtures/responses/defects/audience-mismatch.xml"]
    text = _run(args, 80)
    findings = text[text.index("\nseverity"):text.index("== login attempts")].splitlines()
    assert any(line.startswith("code") and "audience-mismatch" in line for line in findings)
    assert not _too_wide(findings, 80)
    assert any(line.split()[:2] == ["severity", "code"] for line in _run(args, None).splitlines())


def test_notes_and_the_failures_lines_fit_an_80_column_terminal():
    text = _run(ARGS, 80)
    lines = [line for line in text.splitlines() if line.startswith(("note: ", "failures by ", "    "))]
    assert any(line.startswith("failures by cause: ") for line in lines)
    assert not _too_wide(lines, 80)
    assert any(len(line) > 80 for line in _run(ARGS, None).splitlines() if line.startswith("failures by "))
