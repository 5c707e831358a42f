"""Log parsers, one module per format, recognised by content (never by file name).

`detect(head)` picks the first parser whose sniff() accepts the first KB of a file; `parse_file`
streams a (possibly gzip-compressed, possibly multi-GB) file through it line by line.
"""
from __future__ import annotations

import gzip
import importlib
import io
from datetime import tzinfo
from typing import IO, Iterator

from samlscan.ansi import as_read, console
from samlscan.logs.base import LogParser, Malformed, Record
from samlscan.logs.coloured import Decoloured, reader_of
from samlscan.textcodec import CP1252_FALLBACK, export_codec, utf16_codec
from samlscan.model import Source

READERS = (
    # Most specific first: each sniff looks for fields or prefixes only its format has.
    "sonarqube", "haproxy", "sqaccess", "nginx", "iislog", "traefik", "awsalb", "azureagw", "caddy", "okta", "entra", "keycloak", "adfs", "google", "auth0", "authentik", "jumpcloud",
    "duo", "cloudtrail", "forgerock", "onelogin", "pingfederate", "cas", "wso2", "shibboleth",
    "simplesamlphp",
    # Nextcloud's JSON log (its user_saml app on php-saml): before any app log's
    "nextcloud",
    # Gitea/Forgejo, Mattermost, Teleport (gosaml2): their own line layouts, before any app log's
    "goapps",
    # SonarQube's SAML Authentication Test page saved (its status, errors and the response's attributes)
    "sonartest",
    # an error page as a browser showed it (its layout, never a code alone: errorpages.read_page)
    "errorpage",
    # last of the readers of one format: any app log of a SAML SP library (Spring/OpenSAML,
    # java-saml, python3-saml); every product-specific reader above wins
    "applog",
    "embedded",  # last: any text with a SAML message in it
)
"""The reader modules, in sniffing order. Imported on first use (`parsers()`, `logs.PARSERS`,
`logs.<reader>`): a check of one SAML message needs none of them (9 ms of its start-up)."""
_parsers: tuple[LogParser, ...] | None = None


def parsers() -> tuple[LogParser, ...]:
    """Every reader's parser, in sniffing order."""
    global _parsers
    if _parsers is None:
        _parsers = tuple(importlib.import_module(f"{__name__}.{name}").PARSER for name in READERS)
    return _parsers


def __getattr__(name: str):
    """PEP 562: `logs.PARSERS` and `logs.<reader>` import the readers when first asked for."""
    if name == "PARSERS":
        return parsers()
    if name in READERS:
        return importlib.import_module(f"{__name__}.{name}")
    if name == "SyslogWrapped":
        from samlscan.logs.wrapped import SyslogWrapped

        return SyslogWrapped
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


HEAD_CHARS = 64 * 1024
CHUNK_CHARS = 1024 * 1024
"""Lines longer than this reach the parsers in chunks that share one line number."""


def looks_like_syslog(head: str) -> bool:
    """The first line starts with a syslog header (not an XML tag: '<134>1 2025-...')."""
    start = head.lstrip("\ufeff \t\r\n")[:2]
    if start[:1] != "<" or not start[1:].isdigit():
        return False  # every header starts with '<PRI>', an XML document never with '<' + digit
    from samlscan.logs.wrapped import looks_like_syslog as syslog

    return syslog(head)


_DAMAGE = "".join(map(chr, (*range(0x00, 0x09), 0x0b, *range(0x0e, 0x1b), *range(0x1c, 0x20), 0x7f, 0xfffd)))
"""What no log line of text holds: C0 controls but tab, line ends, form feed and ESC (a console's
colours), DEL, and U+FFFD (bytes that are no UTF-8, as the head was decoded). Looked for one by one
(`in`: 70 us for a 64 KB head; a regular expression's class took 800 us, on every input's sniff)."""
DAMAGED_SHARE = 4
"""At most one damaged block (a run of damaged lines) in this many lines of a head for the rest to be
sniffed alone..."""
DAMAGED_CHARS = 2
"""...and at most one character in this many in the damaged lines: a PNG, a PDF's streams or a zip is
damage all through (it stays a binary file, skipped as one)."""
SHORT_PIECE = 8
"""A line this short beside a damaged one is part of it: 200 random bytes hold a newline or two, and
a piece of 1 or 2 of them is printable one time in three."""


def damaged(line: str) -> bool:
    """A line holds what no line of text does (_DAMAGE): NULs, control characters, bytes of no UTF-8
    but a legacy code page's letters (_letters: a cp1252 CSV's accented header cell is its header)."""
    return any(c in line for c in _DAMAGE) and not _letters(line)


def _letters(line: str) -> bool:
    """Each U+FFFD of a line without controls sits in a word: 'H\ufffdte', 'Acc\ufffds' (an accented
    letter of cp1252 or Latin-1 read as UTF-8); binary's undecodable bytes come in runs, beside controls."""
    if "\ufffd" not in line or any(c in line for c in _CONTROLS):
        return False
    end = len(line) - 1
    return all((i and line[i - 1].isalpha()) or (i < end and line[i + 1].isalpha())
               for i, c in enumerate(line) if c == "\ufffd")


_CONTROLS = _DAMAGE[:-1]


def undamaged(head: str) -> str:
    """`head` without its damaged lines (_DAMAGE: NULs a crash or a lost disk block left, a line of
    control characters or of binary, a UTF-16 fragment) when they are few, so that one such line
    does not hide a log's layout from the sniffs that look at every line of the head (a syslog
    file's, a container's prefixes). `head` as it is otherwise: a binary file stays binary."""
    if not damaged(head):
        return head
    lines = head.split("\n")
    hurt = [damaged(line) for line in lines]
    for i, line in enumerate(lines):  # a damaged block's newline bytes leave short pieces of it between
        beside = (i > 0 and hurt[i - 1]) or (i + 1 < len(hurt) and hurt[i + 1])
        if beside and len(line.strip()) < SHORT_PIECE:
            hurt[i] = True
    blocks = sum(1 for i, bad in enumerate(hurt) if bad and not (i and hurt[i - 1]))
    lost = sum(len(line) + 1 for line, bad in zip(lines, hurt) if bad)
    if blocks * DAMAGED_SHARE > len(lines) or lost * DAMAGED_CHARS > len(head):
        return head
    return "\n".join(line for line, bad in zip(lines, hurt) if not bad)


_LAST = ("applog", "embedded")
"""Readers of any text (an SP app log, a SAML dump anywhere): asked after a weakly wrapped
export (records with a `message` and a time) has had its chance."""


def detect(head: str, _depth: int = 0) -> LogParser | None:
    """The first parser that recognises `head` (the start of a file), or None.

    A wrapped log (a SIEM export, a forwarder's syslog headers, container-tool prefixes: see
    samlscan/logs/wrapped.py) is read by a wrapping parser around the reader of its inner text:
    a clear wrapper (syslog header, `_raw`, `_source`, ...) before the product readers, a record
    with just a `message` and a time after them (a product's own JSON log has those too)."""
    from samlscan.logs import lokiexport, wrapped

    if "\r" in head and head.count("\r") != head.count("\r\n"):  # a CR alone ends a line too (Excel for
        head = head.replace("\r\n", "\n").replace("\r", "\n")  # Mac's 'CSV (Macintosh)'): as the parse
        # reads it (_open_text's universal newlines), not one line
    inner = _detect_inner if len(head) >= HEAD_CHARS // 2 else detect  # (a whole small file: nothing late)
    if looks_like_syslog(head):  # a forwarded log: only its inner text decides
        return wrapped.unwrap(head, inner, True, _depth)
    parser = (lokiexport.unwrap(head, inner, _depth, lokiexport.FIRST) or wrapped.unwrap(head, inner, True, _depth)
              or lokiexport.unwrap(head, inner, _depth, lokiexport.REVERSED))
    if parser is not None:
        return parser
    last = []
    for module, parser in zip(READERS, parsers()):
        if module in _LAST:  # (by module: the app log reader's name is 'sp-app')
            last.append(parser)
            continue
        if _sniffs(parser, head):
            return wrapped.syslog_file_of(head, parser, inner, _depth) or parser
    parser = lokiexport.unwrap(head, inner, _depth, lokiexport.LATE) or wrapped.unwrap(head, inner, False, _depth)
    if parser is not None:
        return parser
    return next((p for p in last if _sniffs(p, head)), None)


def _detect_inner(head: str, depth: int) -> LogParser | None:
    """The reader of a wrapper's inner text: as detect, and as detect_late when no reader claims
    it (an app log in a container or forwarder whose first SAML line is far below the head is its
    reader's, as it is bare: the engine asks detect_late of the file, never of its inner text).
    Asked for a head that may be cut (half of HEAD_CHARS or more): a small export read whole
    that names no SAML library stays no log (fixtures/not-saml)."""
    return detect(head, depth) or detect_late(head)


def detect_late(head: str) -> LogParser | None:
    """The reader of a log no reader recognises by `head` (detect gave None) whose lines are an SP
    app log's layout, its SAML lines perhaps far below the head (applog.in_layout); None otherwise."""
    from samlscan.logs.applog import LATE

    if not _sniffs(LATE, head):
        return None
    # LATE looks at 400 lines, some readers at their first 50 (PingFederate's server.log, goapps): an
    # IdP's log whose start-up lines (Jetty's) fill those 50 is its reader's, not an SP's app log
    lines = head.splitlines()[:400]
    for start in range(_WINDOW, len(lines), _WINDOW):
        found = detect("\n".join(lines[start:start + _WINDOW]))
        if found is not None:
            return found
    return LATE


_WINDOW = 50
"""Lines of the head a reader's sniff may look at alone (detect_late asks each such window)."""


def _sniffs(parser: LogParser, head: str) -> bool:
    try:
        return bool(parser.sniff(head))
    except (ValueError, TypeError):  # a sniff never decides on bad input by crashing
        return False


def _open_text(path: str, exported: bool = False, legacy: bool = False) -> IO[str]:
    """Open a log as text: gzip by magic number, UTF-16/UTF-8 by BOM (Windows exports are
    often UTF-16LE), undecodable bytes replaced rather than fatal; an export a spreadsheet may have
    saved again (`exported`: its reader's LogParser.exported) by textcodec.export_codec. `legacy`
    (its records, not the sniff's head, which tells binary by its U+FFFD: logs.damaged): a byte of no
    UTF-8 read as cp1252 (LEGACY_ERRORS)."""
    with open(path, "rb") as raw:
        magic = raw.read(2)
    binary = gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")
    # the sniff's decoding (engine._text: utf16_codec, a BOM or none): by the BOM alone, a log or a
    # page in UTF-16 without one was claimed by its reader, then read as UTF-8 and found empty
    head = binary.peek(64)[:64] if hasattr(binary, "peek") else b""
    encoding, errors = export_codec(head) if exported else (utf16_codec(head) or "utf-8-sig", "replace")
    if legacy and errors == "replace" and encoding == "utf-8-sig":
        errors = LEGACY_ERRORS
    return io.TextIOWrapper(binary, encoding=encoding, errors=errors, newline=None)


LEGACY_ERRORS = CP1252_FALLBACK
"""How a log's records read a byte of no UTF-8: as cp1252, the code page a Western Windows server's Java
writes its logs in before JDK 18 (JEP 400: SonarQube's JDK 17 on Windows writes web.log so). A user's
accented name ('dév.usér1') then matches the NameID of the response it logged in with, where U+FFFD did not."""


def read_head(path: str, size: int = HEAD_CHARS) -> str:
    """The first `size` characters of a log (decompressed and decoded; a console capture's colours
    stripped: samlscan/ansi.py)."""
    return as_read(_head(path, size))


def _head(path: str, size: int = HEAD_CHARS) -> str:
    with _open_text(path) as fh:
        return fh.read(size)


def iter_lines(fh: IO[str]) -> Iterator[tuple[int, str]]:
    """Numbered lines without their newline; over-long lines come in bounded chunks."""
    no = 0
    continued = False
    while True:
        chunk = fh.readline(CHUNK_CHARS)
        if not chunk:
            return
        if not continued:
            no += 1
        continued = not chunk.endswith("\n")
        yield no, chunk.rstrip("\r\n")


def parse_file(path: str, tz: tzinfo, parser: LogParser | None = None) -> Iterator[Record]:
    """Stream the records of one log file. Unreadable input becomes a Malformed record."""
    try:
        head = _head(path)  # (a console capture's reader strips its colours from every line: logs.coloured)
        if parser is None:
            parser = reader_of(undamaged(head), detect, 0)
        elif console(head) and not isinstance(parser, Decoloured):
            parser = Decoloured(parser)
        if parser is None:
            return
        with _open_text(path, getattr(parser, "exported", False), legacy=True) as fh:
            yield from parser.parse(iter_lines(fh), path, tz)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:  # truncated gzip, vanished file
        yield Malformed(Source(path, None), f"unreadable: {exc}")
