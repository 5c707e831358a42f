"""Terminal control sequences in a captured console: stripped once, as text is read.

A console capture keeps its colours when the program forces them (Spring Boot's
spring.output.ansi.enabled=ALWAYS, Quarkus' quarkus.console.color, colorlog's formatter), when a
tty container's output is read back (`docker logs`, `kubectl logs`) or when a terminal or an IDE
console is copied with them. Every reader matches a line's time and level at its start, which a
colour code hides ('ESC[2m2025-03-11...ESC[0;39m ESC[32m INFOESC[0;39m').
"""
from __future__ import annotations

from samlscan import lazyre

_CSI = r"[0-?]*[ -/]*[@-~]"
"""A CSI's parameter, intermediate and final bytes (ECMA-48 5.4)."""
_OTHERS = (
    r"|\x1b\][^\x07\x1b\r\n]*(?:\x07|\x1b\\)"  # OSC (ECMA-48 8.3.89): a window title, a hyperlink (never past
    # its line: an unterminated one took every line up to the next BEL, lines a reader never saw)
    r"|\x1b[()*+][0-9A-Za-z]"  # a character set (tput sgr0 writes 'ESC(B' before 'ESC[m')
    r"|\^\[\[[\d;]*[mK]")  # the caret form a copy may hold ('^[[32m': less, cat -v, a pasted ticket)
_SEQUENCE = lazyre.compile(
    rf"\x1b\[{_CSI}"  # CSI (ECMA-48 5.4): SGR colours 'ESC[0;39m', 'ESC[38;2;r;g;bm', erase 'ESC[K'
    rf"|\x9b{_CSI}"  # the same CSI as one 8-bit C1 code (ECMA-48 5.3: 0x9B, U+009B in UTF-8 text)
    + _OTHERS)
"""The sequences a console writes between a log's characters."""

SEQUENCE_BYTES = lazyre.compile((rf"\x1b\[{_CSI}|(?:\xc2|(?<![\x80-\xff]))\x9b{_CSI}" + _OTHERS).encode())
"""The same in a file's bytes: the 8-bit CSI as UTF-8 writes U+009B ('C2 9B') or a raw byte after an
ASCII one (Latin-1), never the 0x9B that continues another UTF-8 character ('\u011b', C4 9B, of 'V\u011bra')."""


def plain(text: str) -> str:
    """`text` without terminal control sequences (the same object when it holds none: most logs)."""
    if "\x1b" not in text and not _carets(text) and "\x9b" not in text:
        return text
    return _SEQUENCE.sub("", text)


def plain_bytes(data) -> bytes:
    """`plain` of a file's bytes (SEQUENCE_BYTES: none holds a newline, so lines stay where they are)."""
    return SEQUENCE_BYTES.sub(b"", data) if b"\x1b" in data or _carets(data) or b"\x9b" in data else bytes(data)


_LINE_START = lazyre.compile(rb"(?:\A|\n)[ \t]*(?:\x1b\[|\^\[\[|\xc2?\x9b)[0-?]*[ -/]*[@-~]")
"""A line that starts with a control sequence: a coloured console's (every formatter above colours
its first field, docker compose its service name). A sequence inside a line alone (a value a user
typed, an attacker's 'ESC[31m' in a NameID) is evidence, shown escaped in the reports."""


def _marked(head: bytes | str) -> bool:
    """`head` holds what starts a CSI (the 8-bit one a raw byte in a file read as Latin-1 or 'C2 9B'
    in UTF-8 text). Each search of two or three characters is led by one of its first (memchr):
    a 5 KB message took 20 us per multi-character search, the three 45 us of every input's read."""
    if isinstance(head, str):
        return ("\x1b" in head and "\x1b[" in head) or _carets(head) or "\x9b" in head
    return (b"\x1b" in head and b"\x1b[" in head) or _carets(head) or b"\x9b" in head


def _carets(text: bytes | str) -> bool:
    """'^[[' in `text`, led by a search for '^' alone (memchr; most texts hold none)."""
    if isinstance(text, str):
        return "^" in text and "^[[" in text
    return b"^" in text and b"^[[" in text


def console(head: bytes | str) -> bool:
    """The start of a text is a coloured console capture, whose control sequences are stripped."""
    if not _marked(head):
        return False
    data = head.encode("utf-8", "replace") if isinstance(head, str) else head
    return _LINE_START.search(data) is not None


def as_read(text: str) -> str:
    """A text as its readers see it: a console capture's sequences stripped (`console`)."""
    return plain(text) if console(text) else text
