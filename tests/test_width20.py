"""The terminal's output for names in other scripts and on small terminals (width20): display
columns, not code points; wrapping between ideographs, never inside a grapheme cluster; no
control character of an untrusted value written raw to a terminal, in any format; a progress line
that fits 40 columns. Fixtures: fixtures/gen_width20.py (tests/data/width20/SOURCES.md)."""
from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from samlscan.progress import render_line, stage
from tests.tty_util import on_a_terminal
from samlscan.report.attempts_table import render_attempts
from samlscan.report.cells import clip, graphemes, width, wrap
from samlscan.report.columns import layout
from samlscan.report.table import fitted

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "width20"
RESPONSE, KC_LOG = DATA / "response-cjk.xml", DATA / "keycloak-cjk.log"
IDP_CERT = ROOT / "fixtures" / "keys" / "idp.crt"
AT = "2025-03-11T08:41:30Z"
RAW = ("\x1b", "\x07", "\x9b")
"""ESC, BEL and the 8-bit CSI: what a terminal obeys."""


def _samlscan(*args, env=None):
    return subprocess.run([sys.executable, "-m", "samlscan", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


# --- display width ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, columns", [
    ("abc", 3), ("山田太郎", 8), ("김민준", 6), ("张伟（北京）", 12), ("Zu\u0308rich", 6),
    ("अनुष्का", 4), ("محمد", 4), ("🇯🇵", 2), ("e\u0301\u0301", 1), ("ｶﾀｶﾅ", 4), ("ＡＢ", 4)])
def test_width_counts_columns_not_code_points(text, columns):
    assert width(text) == columns


def test_a_grapheme_cluster_is_never_cut():
    assert graphemes("Zu\u0308rich")[1] == "u\u0308"
    assert graphemes("👩\u200d💻x") == ["👩\u200d💻", "x"]
    assert graphemes("🇯🇵🇩🇪") == ["🇯🇵", "🇩🇪"]
    assert clip("Zu\u0308rich", 2) == "Zu\u0308"
    assert clip("山田太郎", 5) == "山田"  # (a third ideograph would take columns 5 and 6)
    for line in wrap("xx Zu\u0308rich " * 6, 9).splitlines():
        assert not unicodedata.combining(line[0]) and width(line) <= 9


def test_japanese_without_spaces_wraps_between_ideographs_and_fits():
    text = "研究開発部第二グループ東京オフィス所属の山田太郎さんのログインが失敗しました"
    lines = wrap(text, 20).splitlines()
    assert "".join(lines) == text and len(lines) > 1
    assert all(width(line) <= 20 for line in lines)


def test_a_url_is_still_not_cut():
    url = "https://idp.example.org/saml2/idp/SSO-endpoint-with-a-long-path"
    assert wrap(f"see {url} now", 20).splitlines() == ["see", url, "now"]


# --- columns and blocks -----------------------------------------------------------------------------

def _columns_of(line: str, part: str) -> int:
    """The display column at which `part` starts in `line`."""
    return width(line[:line.index(part)])


def test_a_column_after_a_cjk_cell_starts_at_the_same_column():
    rows = [("山田太郎", "failure"), ("bob", "success"), ("Zu\u0308rich", "unknown")]
    lines = layout(rows, ("user", "outcome")).splitlines()
    starts = {_columns_of(line, word) for line, word in zip(lines[2:], ("failure", "success", "unknown"))}
    assert starts == {_columns_of(lines[0], "outcome")}


def test_a_string_that_looks_like_a_number_is_printed_as_it_is():
    """tabulate printed the user '0.10' as 0.1 and right-aligned it."""
    assert "0.10" in layout([("0.10", "x")], ("user", "y"))


def test_blocks_replace_a_table_that_is_wider_than_the_terminal_in_columns():
    rows = [("山田太郎" * 4, "失敗しました" * 3)]  # 32 code points wide table, 68 columns
    row = layout(rows, ("user", "why")).splitlines()[2]
    assert len(row) <= 60 < width(row)  # (the old table measured code points: it 'fitted')
    out = fitted(rows, ("user", "why"), 60)
    assert out.splitlines()[0].startswith("user ")  # blocks, not the table
    assert all(width(line) <= 60 for line in out.splitlines())


# --- the reports on the fixtures ---------------------------------------------------------------------

def test_the_signed_cjk_response_verifies_and_its_table_lines_up():
    r = _samlscan("check", RESPONSE, "--idp-cert", IDP_CERT, "--at", AT)
    assert "Response [rsa-sha256]: verified with" in r.stdout
    lines = r.stdout.splitlines()
    subject = next(x for x in lines if x.startswith("Subject"))
    valid = next(x for x in lines if x.startswith("Valid"))
    assert "山田太郎@例え.jp" in subject and _columns_of(subject, "山田") == _columns_of(valid, "2025")
    assert "title = engineer\\x9b2J" in r.stdout  # the 8-bit CSI shown
    assert not any(c in r.stdout + r.stderr for c in RAW)


def test_a_log_of_cjk_users_fits_a_narrow_terminal():
    for columns in (60, 80):
        out = _shown(on_a_terminal("scan", KC_LOG.relative_to(ROOT), columns=columns))
        assert "山田太郎" in out and "== login attempts" in out
        wide = [line for line in out.splitlines() if width(line) > columns
                and not line.startswith("samlscan: ")]  # (the summary on stderr: one line to grep)
        assert not wide, wide
    assert "failures by user:  山田太郎 1, 张伟 1, 김민준 1" in _samlscan("scan", KC_LOG).stdout


def _shown(out: str) -> str:
    """What stays on the screen: each line after its last carriage return, without the
    progress line's own erase-to-end-of-line (ESC [ K)."""
    return "\n".join(line.rsplit("\r", 1)[-1] for line in out.replace("\x1b[K", "").split("\r\n"))


# --- terminal injection --------------------------------------------------------------------------------

@pytest.fixture
def hostile(tmp_path):
    """The CJK log under a file name holding OSC 0 (retitle) and the signed response under one
    holding CSI 2 J (clear the screen)."""
    (tmp_path / "a\x1b]0;pwned\x07b.log").write_bytes(KC_LOG.read_bytes())
    (tmp_path / "r\x1b[2Jx.xml").write_bytes(RESPONSE.read_bytes())
    return tmp_path


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "jsonl", "sarif", "html"])
def test_no_control_of_a_value_or_a_file_name_reaches_the_terminal(hostile, fmt):
    out = on_a_terminal("scan", "--format", fmt, hostile).replace("\x1b[K", "")  # (the progress line's)
    assert "mallory" in out and "pwned" in out
    assert not any(c in out for c in RAW), out[:2000]


@pytest.mark.parametrize("args", [("decode", "r\x1b[2Jx.xml"), ("check", "missing\x1b]0;pwned\x07.xml"),
                                  ("flows", "a\x1b]0;pwned\x07b.log")])
def test_messages_and_listings_show_controls(hostile, args):
    command, name = args
    out = on_a_terminal(command, hostile / name).replace("\x1b[K", "")
    assert "\\x1b" in out and not any(c in out for c in RAW), out[:2000]


def test_json_escapes_c1_controls_and_reads_back_the_same():
    r = _samlscan("check", RESPONSE, "--idp-cert", IDP_CERT, "--at", AT, "--format", "json")
    assert "\x9b" not in r.stdout and "\\u009b" in r.stdout
    assert "engineer\x9b2J" in json.dumps(json.loads(r.stdout), ensure_ascii=False)


def test_a_pipe_gets_no_escape_sequence_at_all(hostile):
    """Not a terminal (NO_COLOR or not): no progress bar, no colour, nothing to obey."""
    r = _samlscan("scan", hostile, env={"NO_COLOR": "1"})
    assert "mallory\\x1b]0;pwned" in r.stdout and not any(c in r.stdout + r.stderr for c in RAW)
    r = _samlscan("scan", "--format", "csv", RESPONSE, env={"NO_COLOR": "1"})
    assert r.stdout.startswith("input,") and not any(c in r.stdout + r.stderr for c in RAW)


# --- progress ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("columns", [40, 41, 50, 60, 80, 200])
def test_the_progress_line_fits_the_terminal(columns):
    for done in (0, 1, 150, 300):
        line = render_line(done, 300, done * 10**7, 300 * 10**7, 3.0, columns=columns)
        assert len(line) < columns and f"{done}/300 files" in line


def test_the_progress_line_keeps_its_shape_on_a_wide_terminal():
    assert render_line(1, 4, 50, 100, 2.0, columns=200) == render_line(1, 4, 50, 100, 2.0)


def test_a_stage_line_with_a_cjk_name_fits_40_columns_and_shows_controls():
    import io

    class Narrow(io.StringIO):
        def fileno(self):  # a 40-column terminal's descriptor
            main, child = pty.openpty()
            import fcntl
            import struct
            import termios

            fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 40, 0, 0))
            self.fds = (main, child)
            return child

    buf = Narrow()
    with stage("reading 研究開発部のログ\x1b[2J/山田太郎さんのキャプチャ.har ...", True, buf):
        pass
    for fd in buf.fds:
        os.close(fd)
    shown = buf.getvalue().split("\r")[1].removesuffix("\x1b[K")
    assert width(shown) < 40 and "\\x1b" in shown and "\x1b[2J" not in shown


# --- nothing changes where a code point is a column -----------------------------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

_WORD = st.text(alphabet="abcXY-_./:@ \n", max_size=15).filter(
    lambda s: s.strip() and not s.strip().replace(".", "").isdigit())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_WORD, _WORD, st.integers(0, 5000)), max_size=5))
def test_ascii_tables_are_tabulates(rows):
    """Where a code point is a column, the layout is tabulate's 'simple' and 'plain', byte for byte."""
    from tabulate import tabulate

    assert layout(rows, ("h1", "head two", "n")) == tabulate(rows, headers=("h1", "head two", "n"),
                                                             tablefmt="simple")
    if rows:
        pairs = [r[:2] for r in rows]
        assert layout(pairs) == tabulate(pairs, tablefmt="plain")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab c\t-/\n", max_size=60), st.integers(3, 30))
def test_ascii_wrapping_is_textwraps(text, columns):
    import textwrap

    expected = "\n".join(textwrap.fill(p, columns, break_on_hyphens=False, break_long_words=False)
                         for p in text.splitlines() or [""])
    assert wrap(text, columns) == expected
