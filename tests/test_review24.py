"""review24: a support engineer's first hour with samlscan, from a clean clone (README's first
command, pasted responses in every clipboard shape, a redirect URL, a HAR, a ticket zip, every
--format, --fail-on, --at, sanitize, a read-only output, an 80-column terminal). What was wrong:

- a redirect URL (or a base64 SAMLResponse) given as the argument, as `--help`'s 'redirect URL'
  invites, was 'no such file or directory: <the whole kilobyte URL>': now it says the message
  goes in a file or through stdin, shown by its start;
- `sanitize -o` into a folder it cannot write (a read-only file system, or where its '.part'
  name is taken) was 'internal error: OSError ... x.har.part': now the one line check's -o says;
- a message's header (its 'Signed' lines are some 140 columns) wrapped into its label column on
  an 80-column terminal, while its findings and the attempts already fitted.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from test_review16_narrow import _run, _too_wide

from samlscan.cli import main

ROOT = Path(__file__).resolve().parents[1]
REDIRECT = ROOT / "fixtures" / "requests" / "authnrequest-redirect.txt"
HAR = ROOT / "fixtures" / "captures" / "chrome-with-secrets.har"
CHECK = ["check", "--config", "fixtures/config/default.toml", "fixtures/responses/defects/audience-mismatch.xml"]


def _cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_a_redirect_url_given_as_the_argument_is_told_to_go_through_stdin():
    url = REDIRECT.read_text().strip()
    r = _cli("check", url)
    assert r.exit_code == 2
    said = r.stderr.strip().splitlines()[-1]
    assert "is not a file" in said and "stdin" in said and "samlscan check -" in said
    assert url not in said and len(said) < 300  # its start, not the whole URL


def test_a_pasted_base64_response_beside_a_missing_file_names_both():
    import base64

    b64 = base64.b64encode((ROOT / "fixtures/responses/valid/okta.xml").read_bytes()).decode()
    r = _cli("check", b64, "nothere.xml")
    said = r.stderr.strip().splitlines()[-1]
    assert r.exit_code == 2 and "is not a file" in said and "no such file or directory: nothere.xml" in said


def test_a_mistyped_path_is_still_no_such_file():
    r = _cli("check", "respnse.xml")
    assert r.exit_code == 2
    assert r.stderr.strip().splitlines()[-1] == "samlscan: no such file or directory: respnse.xml"


def test_sanitize_to_an_output_it_cannot_write_is_one_line_naming_the_output(tmp_path):
    """As root a read-only folder is writable, so the write is made to fail where the partial
    output's name is a folder: the same OSError path as a read-only file system (EROFS), whose
    cleanup (unlinking the '.part') failed again and escaped as an internal error."""
    out = tmp_path / "clean.har"
    (tmp_path / "clean.har.part").mkdir()
    p = subprocess.run([sys.executable, "-m", "samlscan", "sanitize", str(HAR), "-o", str(out)],
                       capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert p.returncode == 2
    assert "internal error" not in p.stderr
    assert p.stderr.strip().splitlines() == [f"samlscan: --output {out}: cannot write: Is a directory"]
    assert not out.exists()


def test_a_messages_header_fits_an_80_column_terminal():
    text = _run(CHECK, 80)
    header = text[:text.index("\nseverity")].splitlines()[1:]  # (the '== path' line is the path)
    assert any(line.startswith("Signed") for line in header)
    assert not _too_wide(header, 80)
    piped = _run(CHECK, None)
    signed = next(line for line in piped.splitlines() if line.startswith("Signed"))
    assert len(signed) > 80 and "D8:47:5B:00:09:04:BB:99..." in signed  # a pipe keeps one line a signature


def test_decode_of_a_url_given_as_the_argument_is_told_to_go_through_stdin():
    r = _cli("decode", REDIRECT.read_text().strip())
    assert r.exit_code == 2
    said = r.stderr.strip().splitlines()
    assert len(said) == 1 and "is not a file" in said[0] and "samlscan decode -" in said[0]


def test_the_skipped_inputs_heading_fits_an_80_column_terminal():
    """Two reasons of skipping (a settings file read as settings, files of no known layout) made a
    135-column heading; a pipe keeps it on one line."""
    args = ["scan", "-q", "tests/data/case23"]
    skipped = [line for line in _run(args, 80).splitlines() if line.startswith("== skipped")]
    assert skipped and "; " in _run(args, None).split("== skipped", 1)[1].splitlines()[0]
    text = _run(args, 80)
    heading = text[text.index("== skipped"):].split("\n   ", 1)[0].splitlines()
    assert len(heading) > 1 and not _too_wide(heading, 80)


def test_scan_help_says_how_a_settings_file_found_is_reported():
    """The help said 'a note says which'; it is a settings-found finding (README: 'in a
    settings-found finding at each file read', which --fail-on info counts)."""
    r = _cli("scan", "--help")
    assert "settings-found" in " ".join(r.output.split())
    found = _cli("scan", "--format", "jsonl", "--fail-on", "never", ROOT / "tests" / "data" / "case23")
    assert '"code": "settings-found"' in found.output


def test_flows_fit_an_80_column_terminal():
    """`flows` on a terminal printed its steps table some 250 columns wide (each row wrapped into
    the next) and its problem lines unwrapped: now blocks, as check and scan do; a pipe keeps
    the table."""
    args = ["flows", "tests/data/case23/safari-mia.har"]
    text = _run(args, 80)
    assert "request                            GET https://" in text
    assert not [line for line in text.splitlines() if len(line) > 80]
    assert any(line.startswith("time (UTC)") and "leg" in line for line in _run(args, None).splitlines())
