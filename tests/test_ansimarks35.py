"""ansi's led substring tests (a one-character memchr before each longer search) say what the plain
searches say, for text and bytes, wherever the mark sits."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from samlscan import ansi

MARKS = ("\x1b[", "^[[", "\x9b")
PIECES = st.sampled_from(["\x1b", "[", "^", "^[", "\x9b", "a", "\n", "<x>", "=3D", " "])


def _plain_marked(head) -> bool:
    marks = MARKS if isinstance(head, str) else tuple(m.encode("latin-1") for m in MARKS)
    return any(m in head for m in marks)


@given(st.lists(PIECES, max_size=12).map("".join))
def test_marked_is_the_plain_search(text):
    assert ansi._marked(text) == _plain_marked(text)
    data = text.encode("latin-1")
    assert ansi._marked(data) == _plain_marked(data)
    assert ansi._carets(text) == ("^[[" in text)


@pytest.mark.parametrize("head,expected", [
    ("\x1b[32mINFO\x1b[0m started\n", True),
    ("^[[32mINFO^[[0m started\n", True),
    ("\x9b32mINFO started\n", True),
    ("2025-03-11 INFO ^ [ not a caret code\n", False),
    ("<samlp:Response ID=\"a^b\x1bc\"/>", False),
])
def test_console_on_marks(head, expected):
    assert ansi.console(head) is expected
    assert ansi.console(head.encode("utf-8")) is expected
