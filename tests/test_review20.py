"""A new user's first ten minutes (review20): a closed pipe, Ctrl-C, empty inputs, a config file's
mistakes. Each test runs the real CLI (a subprocess where a signal or a pipe is the point)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from samlscan.cli import main

ROOT = Path(__file__).resolve().parents[1]
OKTA = ROOT / "fixtures" / "responses" / "valid" / "okta.xml"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _cli(*args, stdin=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=stdin)


def _samlscan(*args) -> list[str]:
    return [sys.executable, "-m", "samlscan", *[str(a) for a in args]]


def test_a_reader_that_leaves_early_is_no_internal_error():
    """`samlscan check DIR --format jsonl | head -1` said 'internal error: BrokenPipeError ... a
    samlscan bug' and exited 2; the findings still decide the exit code (1 here: errors found)."""
    p = subprocess.Popen(_samlscan("check", ROOT / "fixtures" / "responses", "--format", "jsonl", "-q"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, cwd=ROOT)
    assert p.stdout.readline().startswith(b"{")
    p.stdout.close()  # (the report is far beyond a pipe's buffer: the writer meets the closed pipe)
    err = p.stderr.read().decode()
    assert p.wait(timeout=120) == 1, err
    assert err == ""


def _wait_reading_stdin(pid: int, limit: float = 60.0) -> None:
    """Until the process waits on its stdin pipe, inside the command: a fixed sleep (3 s) was too
    short when other tests (xdist's workers) load the cores and its start-up (imports) takes longer;
    a SIGINT during the imports is not yet the command's Ctrl-C. Linux's /proc/PID/wchan names the
    kernel function it sleeps in (pipe_read, anon_pipe_read); without it, the old 3 s."""
    wchan = Path(f"/proc/{pid}/wchan")
    if not wchan.exists():
        time.sleep(3)
        return
    end = time.monotonic() + limit
    while "pipe_read" not in wchan.read_text() and time.monotonic() < end:
        time.sleep(0.05)
    time.sleep(0.2)  # (and the first read() has begun, not merely a pipe check at start-up)


def test_ctrl_c_exits_130_in_one_line():
    """Ctrl-C exited 2, the code of a usage error; the shell's convention is 128 + SIGINT."""
    # (SIGINT as a terminal's foreground job has it: a shell's background job starts with it ignored,
    # and Python then keeps ignoring it; pytest run with '&' from a script failed here)
    p = subprocess.Popen(_samlscan("check", "-"), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=ENV, cwd=ROOT, start_new_session=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    _wait_reading_stdin(p.pid)
    os.killpg(p.pid, signal.SIGINT)  # as a terminal does: the whole foreground group
    out, err = p.communicate(timeout=60)
    p.stdin.close()
    assert p.returncode == 130, err
    assert err.decode().strip() == "samlscan: interrupted" and out == b""


def test_an_empty_file_says_it_is_empty(tmp_path):
    """An empty HAR given to check said 'no SAML message found (expected XML, base64, ...)', as if
    its content were of the wrong kind."""
    (tmp_path / "login.har").write_bytes(b"")
    (tmp_path / "paste.txt").write_text(" \n\t\n")
    r = _cli("check", tmp_path / "login.har", tmp_path / "paste.txt", "--format", "jsonl")
    got = {Path(line["input"]).name: line["message_text"] for line in map(__import__("json").loads,
                                                                          r.stdout.splitlines())}
    assert got["login.har"].startswith("the file is empty: ")
    assert got["paste.txt"].startswith("the file is empty (nothing but white space): ")
    ok = _cli("check", OKTA, "--format", "jsonl")  # (a file with a message: no such line)
    assert "empty" not in ok.stdout


def test_empty_stdin_says_nothing_was_piped_in():
    """Empty stdin (`pbpaste` with nothing copied) was 'no SAML message found' too."""
    r = _cli("check", "-", stdin="")
    assert "stdin is empty: nothing was piped in" in r.stdout
    d = _cli("decode", "-", stdin="\n")
    assert d.exit_code == 2 and "stdin is empty" in d.stderr
    ok = _cli("decode", "-", stdin=OKTA.read_text())
    assert ok.exit_code == 0 and "stdin is empty" not in ok.stdout


def test_a_number_where_a_config_path_belongs_is_refused_by_its_name(tmp_path):
    """idp_cert = [3] was read as the file '3' ('3: cannot read IdP certificate'), naming neither
    the config file nor the setting."""
    for text, said in (("idp_cert = [3]\n", "idp_cert must be a file path"),
                       ("sp_key = 7\n", "sp_key must be a file path"),
                       ("timezone = [1]\n", "timezone must be a string")):
        cfg = tmp_path / "samlscan.toml"
        cfg.write_text(text)
        r = _cli("check", "--config", cfg, OKTA)
        assert r.exit_code == 2 and f"{cfg}: {said}" in r.stderr and "a number" in r.stderr, r.stderr
    cfg.write_text('idp_cert = ["../keys/idp.crt"]\n')  # (a string still is a path)
    r = _cli("check", "--config", cfg, OKTA)
    assert "must be" not in r.stderr and "cannot read IdP certificate" in r.stderr


def test_an_unknown_profile_in_a_config_names_the_file(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('profile = "okta"\n')
    r = _cli("check", "--config", cfg, OKTA)
    assert r.exit_code == 2 and r.stderr.strip() == f"samlscan: {cfg}: unknown profile 'okta'; known: sonarqube, generic"


def test_decode_of_a_directory_says_what_reads_one(tmp_path):
    """'fixtures/: not a regular file' named no way forward."""
    r = _cli("decode", tmp_path)
    assert r.exit_code == 2 and f"'samlscan check {tmp_path}' reads every file in it" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_flows_of_a_directory_says_to_give_its_files(tmp_path):
    """'DIR: cannot read: Is a directory' (check and scan read a folder, flows does not)."""
    r = _cli("flows", tmp_path)
    assert r.exit_code == 2 and "a directory: give flows the capture files in it" in r.stdout


def test_help_points_at_the_code_list_and_names_both_bindings():
    """`samlscan explain --list` fails: explain's help names the command that lists the codes; the
    --sp-cert help said 'redirect binding' only, while a POST AuthnRequest's XML signature is
    verified with it too (saml.trusted_for)."""
    assert "'samlscan codes' lists every code" in _cli("explain", "--help").stdout
    assert "(either binding)" in " ".join(_cli("check", "--help").stdout.split())
