"""Characters a reader cannot see, shown as their escapes in the reports meant for eyes (HTML, the
terminal's table)."""
from __future__ import annotations

import re

from samlscan import lazyre

# C0/C1 controls (a NUL, a terminal escape: ESC ] 0 ; ... BEL retitles a terminal, ESC [ 2 J clears
# it), bidi embeddings, overrides and isolates (U+202A-202E, U+2066-2069, the 'Trojan Source' trick,
# CVE-2021-42574: 'photo\u202egnp.exe' shows as 'photoexe.png'), zero-width and other format
# characters (a NameID 'alice\u200b@corp' looks like 'alice@corp' and is not), line/paragraph
# separators, Unicode tag characters, and lone surrogates (an undecodable byte of a file name, which
# UTF-8 cannot encode: the page could not be written). Tab, LF and CR are layout.
_HIDDEN = ("\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u115f\u1160\u17b4\u17b5"
           "\u180b-\u180f\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufeff"
           "\uffa0\ufff0-\ufffb\ud800-\udfff\U000e0000-\U000e0fff")
INVISIBLE = lazyre.compile(f"[{_HIDDEN}]")
ON_TERMINAL = lazyre.compile(f"[\r{_HIDDEN}]")
"""On a terminal a CR is no layout either: the table's lines end in LF, and a CR inside a value
(a file name) sends the cursor back to overwrite its row."""

CONTROLS = lazyre.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
                      "|\r(?!\n)")
"""What a terminal obeys rather than shows (ECMA-48: C0 and C1 controls, DEL; a CR that ends no
line moves the cursor back over it; the bidi marks, embeddings, overrides and isolates, which a
terminal with bidi support (VTE, Konsole, mlterm) reorders a line by: a CSV or JSON report on a
terminal showed 'id' U+202E 'gnp.exe' as 'idexe.png', fuzz17): escaped in whatever else goes to one (a
CSV, a JSON report, a message on stderr), which keeps its tabs and line ends."""


def _escape(m: re.Match) -> str:
    code = ord(m.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: str, hidden: re.Pattern = INVISIBLE) -> str:
    """`text` with each `hidden` character shown as its escape, '\\u202e'."""
    return hidden.sub(_escape, text)


def json_visible(text: str) -> str:
    """A JSON document (json.dumps leaves C1 controls and bidi marks as they are) with what a
    terminal obeys written as JSON's own escape, '\\u009b': still valid JSON ('\\x9b' is not)."""
    return CONTROLS.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
