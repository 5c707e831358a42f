"""ux43: a support engineer's first hour with samlscan, on an 80-column terminal and in --help."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_fuzz17 import _pty_output

ROOT = Path(__file__).resolve().parent.parent
CONFIG = str(ROOT / "fixtures/config/default.toml")
DEFECTS = ROOT / "fixtures/responses/defects"
LABELS = ("expected:", "actual:", "fix:")


def _run(args: list[str], tty: bool, columns: int = 80) -> str:
    """stdout of `samlscan args`, on a pseudo-terminal of `columns` columns (as a user sees it)
    or to a pipe (a script, a ticket)."""
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(columns)  # (read by shutil.get_terminal_size before the terminal)
    try:
        if tty:
            return _pty_output(args).replace("\r\n", "\n")
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        return subprocess.run([sys.executable, "-m", "samlscan", *args], capture_output=True, text=True,
                              env=env, timeout=120).stdout
    finally:
        os.environ.pop("COLUMNS") if before is None else os.environ.update(COLUMNS=before)


def _stubs(block: list[str], columns: int) -> list[tuple[str, str]]:
    """Pairs of lines of one paragraph where the next line's first word would have fitted on the
    line before: the mark of text wrapped twice (a stub such as 'and' or '(it' left alone)."""
    out = []
    for line, nxt in zip(block, block[1:]):
        body = nxt.strip()
        if not body or not line.strip() or body.startswith(LABELS) or line.rstrip().endswith(":"):
            continue
        if len(line.rstrip()) + 1 + len(body.split()[0]) <= columns:
            out.append((line, nxt))
    return out


def _finding_block(text: str, code: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(next(ln for ln in lines if ln.startswith("code") and ln.split()[-1] == code))
    block = []
    for ln in lines[start + 1:]:
        if not ln.strip():
            break
        block.append(ln)
    return block


def test_a_finding_on_an_80_column_terminal_is_wrapped_once_not_left_with_stubs():
    text = _run(["check", "--config", CONFIG, str(DEFECTS / "signature-cert-mismatch.xml")], tty=True)
    block = _finding_block(text, "signature-cert-mismatch")
    assert block[0].startswith("finding   the Response signature")
    assert not _stubs(block, 80), _stubs(block, 80)
    assert "replace the old one)" in block[-1] and block[-1].strip() != "holds one certificate: replace the old one)"


def test_the_stub_detector_sees_text_wrapped_twice():
    twice = ["finding   the Response signature (Reference '#id4426') and the", "          and", "          more"]
    once = ["finding   the Response signature (Reference '#id4426') and the and more words to",
            "          fill the line"]
    assert _stubs(twice, 80) and not _stubs(once, 80)


def test_the_table_to_a_pipe_keeps_its_72_column_finding_cells():
    text = _run(["check", "--config", CONFIG, str(DEFECTS / "signature-cert-mismatch.xml")], tty=False)
    row = next(ln for ln in text.splitlines() if ln.startswith("ERROR"))
    assert row.split("signature-cert-mismatch", 1)[1].strip() == \
        "the Response signature (Reference '#id442674398209938931107970861') and"


def test_an_attempts_fix_on_an_80_column_terminal_fills_its_lines():
    text = _run(["check", "--config", CONFIG, str(DEFECTS / "signature-cert-mismatch.xml"),
                 str(DEFECTS / "email-under-other-name.xml")], tty=True)
    lines = text.split("== login attempts", 1)[1].splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("fix") and "Download" in ln)
    block = [lines[start]]
    for ln in lines[start + 1:]:
        if not ln.startswith(" "):  # ('evidence', the fix's next field)
            break
        block.append(ln)
    assert block[0].startswith("fix         Download the IdP's current signing certificate")
    assert not _stubs(block, 80), _stubs(block, 80)


def test_codes_on_an_80_column_terminal_wraps_each_summary_under_itself():
    from samlscan.codes import all_specs

    lines = _run(["codes"], tty=True).splitlines()
    assert max(len(ln) for ln in lines) <= 80
    starts = [ln.split()[0] for ln in lines if not ln.startswith(" ")]
    assert starts == [s.code for s in all_specs()]
    assert all(ln.startswith(" " * 42) and ln[42] != " " for ln in lines if ln.startswith(" "))
    assert any(ln.startswith(" ") for ln in lines)


def test_codes_to_a_pipe_gives_one_line_a_code_for_grep():
    from samlscan.codes import all_specs

    lines = _run(["codes"], tty=False).splitlines()
    assert len(lines) == len(all_specs()) and max(len(ln) for ln in lines) > 80


_COMMANDS = ["", "check", "scan", "decode", "flows", "sanitize", "explain", "codes"]


def _help(command: str, columns: int) -> str:
    """`samlscan command --help` as a terminal of `columns` columns gets it (click reads COLUMNS)."""
    text = _run([*command.split(), "--help"], tty=False, columns=columns)
    assert text.startswith("Usage: ") and "samlscan" in text.splitlines()[0], text
    return text


@pytest.mark.parametrize("columns", [80, 100, 120])
@pytest.mark.parametrize("command", _COMMANDS)
def test_help_never_splits_a_word_at_its_hyphen(command, columns):
    """'--sonar-' / 'settings' (flows at 80 columns), 'one-' / 'line' (decode at 100) cannot be
    copied whole; a hyphen the text holds stays a hyphen."""
    text = _help(command, columns)
    assert not re.search(r"\w-\n", text), re.findall(r".*\w-\n.*", text)
    assert "\u2011" not in text and "--help" in text


def test_the_split_detector_sees_a_split_option():
    assert re.search(r"\w-\n", "(--sp-entity-id, --acs-url, --sonar-\n  settings")
    assert not re.search(r"\w-\n", "(--sp-entity-id, --acs-url,\n  --sonar-settings")


@pytest.mark.parametrize("command", [c for c in _COMMANDS if c])
def test_help_names_only_the_commands_own_options(command):
    """flows' --sonar-settings said 'implies --profile sonarqube': flows has no --profile."""
    from samlscan.cli import main

    own = {o for p in main.commands[command].params for o in p.opts if o.startswith("--")} | {"--help"}
    named = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*[a-z]", _help(command, 200)))
    assert named <= own, named - own


def test_scan_of_a_folder_with_no_file_says_so(tmp_path):
    """'0 log event(s) read, none of them a login's success or failure' did not say that nothing
    was found to read at all (a wrong path, an attachment not unpacked)."""
    (tmp_path / "a" / "b").mkdir(parents=True)
    text = _run(["scan", "-q", str(tmp_path)], tty=False)
    assert text.startswith("nothing to report: no file was found in the folder(s) given"), text
    (tmp_path / "a" / "notes.txt").write_text("")
    text = _run(["scan", "-q", str(tmp_path)], tty=False)
    assert "no file was found" not in text and "empty file" in text and "notes.txt" in text


def test_the_usage_line_keeps_a_hyphenated_option_whole():
    """pallets/click#3362's reproduction, through samlscan's help formatter."""
    from samlscan.cli import _HelpFormatter

    f = _HelpFormatter(width=65)
    f.write_usage("program", "--enable-verbose-logging --output-file-path --max-retry-count --disable-cache-mode")
    text = f.getvalue()
    assert "--max-retry-count" in text and not re.search(r"\w-\n", text), text
