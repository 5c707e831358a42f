"""logparse37: the SonarQube read's shortcuts give what the long way gave."""
import re

from samlscan.logs._common import MAX_TEXT_LINE, WholeLines, text_lines
from samlscan.logs.embedded import _b64_head, _unpadded


def test_whole_lines_are_handed_on_as_they_are():
    lines = [(1, "a"), (2, "b" * (MAX_TEXT_LINE + 5)), (3, "")]
    got = list(text_lines(WholeLines(lines)))
    assert all(g is w for g, w in zip(got, lines)) and len(got) == 3  # (no chunk joining, no cut)
    # any other iterable is still joined by number and cut at MAX_TEXT_LINE
    assert list(text_lines([(1, "a"), (1, "b"), (2, "c")])) == [(1, "ab"), (2, "c")]
    assert list(text_lines([(1, "x" * MAX_TEXT_LINE), (1, "y")])) == [(1, "x" * MAX_TEXT_LINE)]


def test_padding_stripped_from_the_end_as_the_regex_did():
    for chunk in ("PD94bWw==", "PD94bWw%3D%3d", "PD94bWw=%3D=", "abc", "", "%3D", "ab%3", "ab%3Dx=",
                  "a=b", "==%3D"):
        assert _unpadded(chunk) == re.sub(r"(?:=|%3[Dd])+$", "", chunk), chunk
    assert _unpadded("ab%3Dx=") == "ab%3Dx" and _unpadded("a=b") == "a=b"  # (only the end's run)
    assert _b64_head("PD94bWwgdmVyc2lvbj0iMS4wIj8+%3D%3D").startswith("<?xml version")
