"""`samlscan scan`: walk paths, account for every input, analyze them in parallel, in bounded memory.

Shape of a run:
  walk     -> files to read + inputs already accounted for (skipped, failed: symlink loops, ...)
  plan     -> work units: one file, a batch of small files, or a line-aligned byte range of a
              huge log; biggest first so that one huge file does not finish last on its own
  work     -> FileResult per input (engine.analyze_file, or the prefiltered log reader below);
              compressed files and archives are inflated in place with a bound
  assemble -> sorted by input path and position, so the output bytes do not depend on --jobs;
              then the run-wide replay check (engine.replay_findings)
"""
from __future__ import annotations

import gc
import math
import os
import sys
import zlib
from datetime import timezone, tzinfo
from dataclasses import dataclass, replace
from typing import Iterator

from samlscan import dockerparts, engine, evtxlog, jsonsplit, logzones, mailparts, outlookmsg
from samlscan.engine import FileResult, MessageResult, Report, failed_input
from samlscan.gcpause import no_cyclic_gc
from samlscan.logs._common import WholeLines, head_offset, line_of
from samlscan.model import InputResult
from samlscan.overlap import without_overlaps
from samlscan.prefilter import (
    Prefilter,
    _log_with_prefilter,
    _prefilter_for,
    decoloured,
    prefiltered_lines,
    unknown_text_log,
    read_buffer,
    release_buffers,
)
from samlscan.unreadable import fix_for
from samlscan.walkpaths import blank, empty_capture, same_bytes, walk
from samlscan.zones import LogZones, zone_of

# --- limits ---------------------------------------------------------------------------------------

SPLIT_BYTES = 32 * 1024 * 1024
"""Logs bigger than this are cut into line-aligned ranges of about this size for the workers;
their last 2 * SPLIT_BYTES into ranges a quarter that size (they are handed out last, so the
processes finish together instead of one waiting for another's last two big ranges)."""
CUT_WINDOW = 4 * 1024 * 1024
"""How far past each SPLIT_BYTES a range's end is looked for (a record start)..."""
CUT_RETRIES = 4
"""...and in how many windows after it when one holds none (a line of several MB at the cut point);
a log whose lines are all longer is read as one range from there (its whole file is not read to plan)."""
CUT_LOOKAHEAD = 4096
"""Bytes read past a window for the record start after its last newlines (a time, a level, a logger):
one cut off by the window's end was never tried, the next window starting past that line's start (a
line of 30 MB after it: the rest of the log one range, fuzz19)."""
BIG_TEXT = 8 * 1024 * 1024
"""A text bigger than this in no known layout is read as a log with SAML in its lines (streamed,
prefiltered, in ranges: prefilter.unknown_text_log), not as one pasted message held whole (no
paste is this big; a 70 MB access log was refused as 'too large for a pasted message')."""
BATCH_BYTES = 4 * 1024 * 1024
BATCH_FILES = 32
"""Small files travel to the workers in batches (fewer round trips)..."""
TAIL_FILES, TAIL_BATCH_FILES = 128, 4
"""...except the last ones, in small batches that come last: the processes then finish within a
few files of each other instead of one waiting for another's last 32."""

_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"),
          (b"PK\x03\x04", "zip"), (b"PK\x05\x06", "zip"))



def container_kind(head: bytes) -> str | None:
    """'gzip', 'bzip2', 'xz', 'zip', 'tar', 'zlib', 'evtx' or 'mail' (an e-mail with attachments:
    mailparts) by a file's first bytes, else None (not a container)."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith(evtxlog.MAGIC) and evtxlog.readable():  # (its events as JSON lines: archives.OPENERS)
        return "evtx"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    if mailparts.is_mail(head):
        return "mail"
    return "zlib" if _zlib_stream(head) else None


def container_of(path: str, head: bytes) -> str | None:
    """container_kind of the file at `path`, or 'msg': an Outlook message (outlookmsg), told by the entries
    of its compound file's directory, wherever that lies in it."""
    kind = container_kind(head)
    if kind is None and head.startswith(outlookmsg.CFB_MAGIC) and outlookmsg.is_message_file(path):
        return "msg"
    return kind


ZLIB_HEAD_OUT = 1 << 20
"""What a zlib head may inflate to while it is judged (a bomb's 64 KiB make ~64 MB)."""
ZLIB_CORRUPT_AFTER = 16 * 1024
"""Bytes a head inflates to before an error for it to be a damaged stream, not text: text that
starts like one fails within ~1.3 KB of output (3,483 look-alikes, fuzz17)."""


def _zlib_stream(head: bytes) -> bool:
    """A bare zlib stream (mitmproxy's .zhar: savehar.py writes zlib.compress(har, 9)): RFC 1950's
    header (deflate, a window of at most 32 KiB, no preset dictionary, CMF*256+FLG a multiple of 31),
    and the head inflates: whole, cut short, or damaged past its first ZLIB_CORRUPT_AFTER bytes. Text
    after such a header pair ('(S', 'HK', '8O', 'XG', 'hC', 'x^') reads as a fixed-Huffman block for
    its first 64 bytes about once in 50 (a log was lost as 'corrupt compressed data'), never for 16 KiB."""
    if len(head) < 8 or head[0] & 0x0F != 8 or head[0] >> 4 > 7 or head[1] & 0x20 \
            or (head[0] << 8 | head[1]) % 31:
        return False
    inflater, out, start = zlib.decompressobj(), 0, b""
    for at in range(0, len(head), 256):  # (small pieces: an error loses what its call inflated)
        try:
            piece = inflater.decompress(head[at:at + 256], ZLIB_HEAD_OUT)
        except zlib.error:  # (a small stream damaged anywhere: what it gave before is text, as a HAR is)
            return out >= ZLIB_CORRUPT_AFTER or _texty(start)
        out += len(piece)
        start += piece[:ZLIB_CORRUPT_AFTER - len(start)]
        if out >= ZLIB_HEAD_OUT or inflater.eof:
            return True
    return out > 0


def _texty(data: bytes) -> bool:
    """At least 256 bytes of printable UTF-8 text (spaces, line ends, colour codes too; a character cut
    at the end allowed): what a damaged stream of a HAR or log inflated to before its damage. Text that only
    starts like a zlib stream inflates to no such thing (200,000 look-alikes: 705 bytes at most, none
    of them printable, fuzz18)."""
    text = data.decode("utf-8", "replace")
    text = text[:-1] if text.endswith("\ufffd") else text
    return len(data) >= 256 and all(c.isprintable() or c.isspace() or c in _TEXT_CONTROLS for c in text)


_TEXT_CONTROLS = "\x1b\ufeff"
"""Not printable, yet in text: a console capture's colour codes (samlscan/ansi.py), a BOM; and with the
spaces (form feeds, NBSP): a damaged stream of such a log was read as text, not said damaged (fuzz19)."""


def _analyze_log(label: str, path: str, parser, pf: Prefilter, start: int, end: int,
                 expect, tz, first_line: int = 0) -> tuple[FileResult, int]:
    """Stream one log (or a byte range of it) through the prefilter and its parser."""
    got = engine._Collected(kind=f"log:{parser.name}", empty_reason=engine.empty_reason(parser))
    counter = [0]
    try:
        with open(path, "rb") as fh:
            if isinstance(pf, jsonsplit.JsonArray):  # (a JSON export: its elements, not its lines)
                lines = jsonsplit.element_lines(fh, start, end, os.fstat(fh.fileno()).st_size, pf, counter,
                                                first_line)
                records = parser.parse(lines, label, tz)
            else:
                lo, hi, before = _far_enough(fh, pf, parser, (start, end), label, tz)
                if (lo, hi) == (start, end):
                    records = parser.parse(prefiltered_lines(fh, start, end, pf, counter, first_line), label, tz)
                else:  # (read with its neighbours' lines: their records are theirs)
                    edge: list = [None]  # the range's last line, once its own are read
                    lines = WholeLines(_with_context(fh, pf, (lo, start, end, hi), first_line,
                                                     before, counter, edge))
                    records = _own(parser.parse(lines, label, tz), first_line, edge)
            engine._consume_records(records, got)
    except OSError as exc:
        return failed_input(label, "input-unreadable", f"cannot read: {exc.strerror or exc}",
                            fix_for(exc)), 0
    return engine.analyze_collected(label, got, expect), counter[0]


CONTEXT_BYTES = 256 * 1024
"""What a range of a reader whose state spans records (its parser's `range_context`) reads beside
itself: 'before' its start, to learn that state as the whole reading has it there (SonarQube's
java-saml dumps already seen, an app's thread flows); 'after' its end, to decide what later lines
decide (an access log's callback by its client's next request, sqaccess.decide). Those lines'
records are the neighbouring range's: dropped here. State older than this at a cut is still lost."""


CONTEXT_MAX = 16 * CONTEXT_BYTES
"""How far back a range reads when its reader says the state at its start began before what it read
(the parser's `reaches_back`: an app log's thread flow going on over the cut), four times as far each
time; past this the state is still lost (a thread busy without a one-second pause over 4 MB)."""


def _far_enough(fh, pf: Prefilter, parser, bounds: tuple[int, int], label: str, tz) -> tuple[int, int, int]:
    """_context, read further back while the parser says the lines before the range do not hold the
    start of the state they leave open at it."""
    start, end = bounds
    sides, reach = _context_of(parser), CONTEXT_BYTES
    got = _context(fh, pf, sides, start, end, reach)
    ask = getattr(parser, "reaches_back", None)
    while ask is not None and 0 < got[0] < start and reach < CONTEXT_MAX and ask(
            prefiltered_lines(fh, got[0], start, pf, [0]), (_line_at(fh, got[0]), _line_at(fh, start)), label, tz):
        reach *= 4
        got = _context(fh, pf, sides, start, end, reach)
    return got


def _line_at(fh, at: int) -> str:
    """The head of the line at byte `at` (a record start: its time)."""
    fh.seek(at)
    return fh.readline(4096).decode("utf-8", "replace").lstrip("\ufeff").rstrip("\r\n")


def _context_of(parser) -> frozenset:
    """The sides a reader (or the reader a wrapper reads the lines with) needs read beside a range."""
    got = getattr(parser, "range_context", None)
    return got if got is not None else getattr(getattr(parser, "inner", None), "range_context", frozenset())


def _context(fh, pf: Prefilter, sides: frozenset, start: int, end: int,
             reach: int | None = None) -> tuple[int, int, int]:
    """[lo, hi) to read for the range [start, end): lo a record start up to `reach` (CONTEXT_BYTES) before
    it, hi a line end up to CONTEXT_BYTES after it (the range itself when neither is wanted); and
    the lines in [lo, start)."""
    lo = hi = None
    before = 0
    reach = CONTEXT_BYTES if reach is None else reach
    if "before" in sides and start > 0:
        fh.seek(max(0, start - reach))
        window = fh.read(start - fh.tell())
        at = 0 if len(window) == start else window.find(b"\n") + 1  # (the file's start, or a line's)
        parts = _parts_in(window, start - len(window)) if pf.parts else []
        while at == 0 and len(window) == start or 0 < at < len(window):
            if at == 0 or _starts(pf, window, at) and dockerparts.inside(parts, at) is None:
                lo, before = start - len(window) + at, window.count(b"\n", at)
                break
            at = window.find(b"\n", at) + 1
    if "after" in sides:
        size = os.fstat(fh.fileno()).st_size
        if end < size:
            fh.seek(end)
            window = fh.read(CONTEXT_BYTES)
            nl = window.rfind(b"\n") if end + len(window) < size else len(window) - 1  # (the file's last line,
            hi = end + nl + 1 if nl >= 0 else None  # ended by no newline, is a line: the whole reading's)
    return (start if lo is None else lo), (end if hi is None else hi), before


def _with_context(fh, pf: Prefilter, bounds: tuple[int, int, int, int], first_line: int, before: int,
                  counter: list, edge: list) -> Iterator[tuple[int, str]]:
    """The numbered lines of [lo, hi) (bounds: lo, start, end, hi; `before` lines in [lo, start));
    once those up to `end` are read, counter[0] is the range's own lines and edge[0] its last's number."""
    lo, start, end, hi = bounds
    read = [0]
    if hi > end and pf.documents:  # (a document kept over `end`: read on in one pass, as the whole reading does)
        counter[0] = _count_lines(fh.name, start, end)
        edge[0] = first_line + counter[0]
        yield from prefiltered_lines(fh, lo, hi, pf, read, first_line - before)
        return
    yield from prefiltered_lines(fh, lo, end, pf, read, first_line - before)
    counter[0] = read[0] - before
    edge[0] = first_line + counter[0]
    if hi > end:  # (a record starts at `end`: the prefilter starts there as the next range's does)
        yield from prefiltered_lines(fh, end, hi, pf, [0], edge[0])


def _own(records, first: int, edge: list):
    """The records of the range's own lines (a record's line: where it starts), and those of no line."""
    for rec in records:
        no = line_of(rec.source.ref)
        if no is None or first < no and (edge[0] is None or no <= edge[0]):
            yield rec


# --- one input ------------------------------------------------------------------------------------

def _analyze_any(label: str, path: str, expect, tz, depth: int = 0,
                 tmpdir: str | None = None) -> list[FileResult]:
    """Every FileResult of one input (several for an archive: each member in its own zone)."""
    if path == "-":
        return [engine.analyze_file(path, expect, zone_of(tz, label))]
    try:
        head = engine.read_head(path)
    except OSError as exc:
        return [failed_input(label, "input-unreadable", f"cannot read: {exc.strerror or exc}",
                             fix_for(exc))]
    # (empty_capture first: only a HAR's name asks for the file's size, a stat per file)
    if (empty := empty_capture(label, bool(head))) is not None and (not head or blank(head, os.path.getsize(path))):
        return [empty]  # (check: a file named, or a member)
    kind = container_of(path, head)
    if kind != "zip" and label.lower().endswith(".saz"):  # (else read as a paste: 'impossible base64 length')
        return [failed_input(label, "input-unreadable", "a Fiddler .saz is a zip archive and this file is not "
                             "one (cut short or renamed?): save the sessions again from Fiddler (File > Save > "
                             "All Sessions)")]
    if kind is not None:
        from samlscan.archives import _analyze_container

        if tmpdir is None:
            import tempfile

            with tempfile.TemporaryDirectory(prefix="samlscan-") as td:
                return _analyze_container(label, path, kind, expect, tz, depth, td)
        return _analyze_container(label, path, kind, expect, tz, depth, tmpdir)
    found = engine.sniff_file(path, head)
    log = _log_reader(path, head, found)
    told = _told_zone(tz, label, path, head) if log is not None or found.kind == "log" else None
    tz = told or zone_of(tz, label)
    if log is not None:
        parser, pf = log
        return [_analyze_log(label, path, parser, pf, 0, os.path.getsize(path), expect, tz)[0]]
    r = engine.analyze_file(path, expect, tz, head, found)
    if label == path:
        return [r]
    from samlscan.archives import _relabel

    return [_relabel(r, path, label)]


def _log_reader(path: str, head: bytes, found=None, size: int | None = None):
    """(parser, prefilter) of a log read in streamed, prefiltered ranges, or None: a known log
    layout, or a big text in none (BIG_TEXT)."""
    found = found or engine.sniff_file(path, head)
    if size is None:  # (a head shorter than read_head's is the whole file: no stat for a message's)
        size = len(head) if len(head) < engine.SNIFF_BYTES else os.path.getsize(path)
    if found.kind != "log":  # (no log reader's: only a big text in no layout is read as a log)
        return unknown_text_log(head, found) if size > BIG_TEXT else None
    log = _log_with_prefilter(head, found) or jsonsplit.array_reader(head, found, size)
    if log is None and size > BIG_TEXT:
        log = unknown_text_log(head, found)
    return log


# --- planning and workers -------------------------------------------------------------------------

@dataclass(frozen=True)
class Unit:
    """One piece of work: whole inputs, or one byte range of a big log."""

    paths: tuple[str, ...]
    size: int
    start: int = 0
    end: int = -1
    part: int = 0
    parser_name: str | None = None
    first_line: int = 0
    """Lines of the file before `start` (filled in by run_scan), so that workers number lines
    file-wide and the parent does not rewrite every Source afterwards."""


def _ranges(path: str, size: int, pf) -> list[tuple[int, int]] | None:
    """Cut [0, size) at record starts near every SPLIT_BYTES, so no record spans two ranges (a JSON
    export at element starts; None when it cannot be cut: read whole)."""
    if isinstance(pf, jsonsplit.JsonArray):
        return jsonsplit.ranges(path, size, pf, SPLIT_BYTES)
    cuts, misses = [0], 0
    with open(path, "rb") as fh:
        pos = SPLIT_BYTES
        while pos < size:
            back = min(pos, dockerparts.MAX_GROUP) if pf.parts else 0  # (a line's first parts before it)
            fh.seek(pos - back)
            window = fh.read(back + CUT_WINDOW + CUT_LOOKAHEAD)
            off, found, parts = back, None, None
            while True:
                nl = window.find(b"\n", off, back + CUT_WINDOW)  # (each newline in one window only)
                if nl < 0:
                    break
                if _starts(pf, window, nl + 1):
                    if parts is None:
                        parts = _parts_in(window, pos - back) if pf.parts else []
                    if dockerparts.inside(parts, nl + 1) is None and not (pf.parts and dockerparts.other_stream_open(
                            window, nl + 1, len(window), lambda data, at: _starts(pf, data, at))):
                        found = pos - back + nl + 1
                        break
                off = nl + 1
            if found is None and misses < CUT_RETRIES:  # (inside a line longer than the window: past it)
                pos, misses = pos + CUT_WINDOW, misses + 1
                continue
            if found is None or found >= size:
                break
            cuts.append(found)
            misses = 0
            pos = found + (SPLIT_BYTES if size - found > 2 * SPLIT_BYTES else SPLIT_BYTES // 4)
    cuts.append(size)
    return list(zip(cuts, cuts[1:]))


def _parts_in(window: bytes, offset: int) -> list[tuple[int, int, bool]]:
    """The Docker lines written in several records in a window read from file offset `offset` (from
    its first line start): a range never starts inside one (dockerparts)."""
    floor = 0 if offset == 0 else window.find(b"\n") + 1
    return dockerparts.groups(window, floor, len(window)) if floor or offset == 0 else []


def _starts(pf: Prefilter, window: bytes, at: int) -> bool:
    """A record starts at `at` (a line start): in a coloured capture, on the line stripped of its
    control sequences, as the prefilter reads it."""
    if not pf.coloured:
        return pf.record_start.match(window, at) is not None
    nl = window.find(b"\n", at)
    return pf.record_start.match(decoloured(window[at:nl if nl >= 0 else len(window)])) is not None


def plan(files: list[str]) -> list[Unit]:
    """Work units, biggest first: big logs split into ranges, small files batched."""
    units: list[Unit] = []
    small: list[tuple[str, int]] = []
    for p in files:
        try:
            size = os.path.getsize(p) if p != "-" else 0
        except OSError:
            size = 0
        if size > SPLIT_BYTES:
            log = None
            try:
                head = engine.read_head(p)
                if container_kind(head) is None:
                    log = _log_reader(p, head, size=size)
            except OSError:
                pass
            cut = None if log is None else _ranges(p, size, log[1])
            if cut is not None:
                for i, (a, b) in enumerate(cut):
                    units.append(Unit((p,), b - a, a, b, i, log[0].name))
                continue
            units.append(Unit((p,), size))
        else:
            small.append((p, size))
    batch: list[str] = []
    bsize = 0
    tail_from = len(small) - TAIL_FILES
    for i, (p, size) in enumerate(small):
        batch.append(p)
        bsize += size
        if len(batch) >= (BATCH_FILES if i < tail_from else TAIL_BATCH_FILES) or bsize >= BATCH_BYTES:
            units.append(Unit(tuple(batch), bsize))
            batch, bsize = [], 0
    if batch:
        units.append(Unit(tuple(batch), bsize))
    return sorted(units, key=_order)


def _order(u: Unit) -> tuple:
    """Biggest first; a split log's ranges in file order (a range's line numbers wait for the
    counts of those before it), its smaller last ranges after every full-size one."""
    if u.parser_name is None:
        return (-u.size, "", 0)
    return (-(SPLIT_BYTES if u.size > SPLIT_BYTES // 2 else SPLIT_BYTES // 4), u.paths[0], u.part)


def run_unit(unit: Unit, expect, tz) -> list[tuple[str, int, FileResult, int]]:
    """Worker entry point (top level, picklable: works with spawn). Returns
    (input path, range part, result, lines in range) for every result."""
    with no_cyclic_gc():  # cycles made by one unit, if any, are collected after it
        return _run_unit(unit, expect, tz)


def _run_unit(unit: Unit, expect, tz) -> list[tuple[str, int, FileResult, int]]:
    if unit.parser_name is not None:
        path = unit.paths[0]
        try:
            parser, pf = _range_reader(path, unit.parser_name)
            zone = _told_zone(tz, path, path, engine.read_head(path)) or zone_of(tz, path)
            r, lines = _analyze_log(path, path, parser, pf, unit.start, unit.end, expect, zone, unit.first_line)
        except Exception as exc:  # the log's other ranges are still read and reported
            r, lines = crashed(path, exc, f"bytes {unit.start}-{unit.end} of this log"), 0
        return [(path, unit.part, r, lines)]
    out = []
    for p in unit.paths:
        try:
            results = _analyze_any(p, p, expect, tz)
        except Exception as exc:  # a samlscan bug on one input must not end the scan of the others
            results = [crashed(p, exc, "this input")]
        out.extend((p, None, r, 0) for r in results)
    return out


def crashed(label: str, exc: Exception, what: str) -> FileResult:
    """The failed input of a samlscan bug on `what` (its other inputs are read on): the error's
    type and text, and with SAMLSCAN_DEBUG=1 its traceback on stderr."""
    if os.environ.get("SAMLSCAN_DEBUG"):
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    return failed_input(label, "internal-error", f"samlscan failed on {what} ({type(exc).__name__}: {exc}): a "
                        "bug in samlscan, please report it (SAMLSCAN_DEBUG=1 shows the traceback); the rest "
                        "was read")


def _range_reader(path: str, name: str):
    """(parser, prefilter) for a range of a split log: as plan() chose them from the file's head
    (a wrapping reader, such as a container-prefixed log's, is found again the same way)."""
    from samlscan import logs

    try:
        log = _log_reader(path, engine.read_head(path))
    except OSError:
        log = None
    if log is not None and log[0].name == name:
        return log
    parser = next(p for p in logs.PARSERS if p.name == name)
    return parser, _prefilter_for(parser)


def _count_lines(path: str, start: int, end: int) -> int:
    """Newlines in [start, end) of a file, read in blocks (C speed, bounded memory) into one
    reused buffer (a new bytes object per block cost a quarter of the time: 0.66 -> 0.51 CPU-s
    per GB, and a page fault per 4 KiB)."""
    n = 0
    with read_buffer() as buf, memoryview(buf) as view, open(path, "rb", buffering=0) as fh:
        fh.seek(start)
        left = end - start
        while left > 0:
            got = fh.readinto(view[:min(len(buf), left)])
            if not got:
                break
            n += buf.count(b"\n", 0, got)
            left -= got
    return n


def _numbered(units: list[Unit], count) -> Iterator[Unit]:
    """Units with `first_line` set. `count(path, part)`: newlines in that range of a split log
    (ranges start at a record start, so after a newline: the sums are exact). Lazily: a range
    waits only for the counts of the ranges before it."""
    before: dict[str, list[int]] = {}  # path -> lines before each part counted so far
    for u in units:
        if u.parser_name is None or u.part == 0:
            yield u
            continue
        path = u.paths[0]
        lines = before.setdefault(path, [0])
        while len(lines) <= u.part:
            lines.append(lines[-1] + count(path, len(lines) - 1))
        yield replace(u, first_line=lines[u.part])


def _shift_index(m, offset: int):
    """A message's index in its input, made file-wide (checks cite '#<index>' without an ID)."""
    if offset == 0:
        return m
    old, new = m.message.index, m.message.index + offset
    fs = m.findings
    cited = f"#{old}"
    if any(f.message_ref == cited for f in fs):
        fs = tuple(replace(f, message_ref=f"#{new}") if f.message_ref == cited else f for f in fs)
    # a copy with one field changed, as dataclasses.replace makes it but without its 35 keyword
    # arguments (10 us a message, 1 us this way: the parent does it for every message of a split
    # log, after the workers are done); a SamlMessage has no __post_init__ to run
    msg = object.__new__(type(m.message))
    msg.__dict__.update(m.message.__dict__)
    msg.__dict__["index"] = new
    return MessageResult(msg, fs, m.at_source)


def _merge_parts(path: str, parts: list[tuple[int, FileResult, int]]) -> FileResult:
    """One FileResult for a log read in ranges: message indexes made file-wide, counts summed."""
    parts = sorted(parts, key=lambda x: x[0])
    if len(parts) == 1:
        return parts[0][1]
    # a range with nothing in it says nothing of the log; a log with nothing in any says it once.
    # A range whose every record read was broken says so of itself (engine.analyze_collected): of the
    # log only when no range read one (a prefiltered Keycloak range of a malformed line alone), and
    # then first, as the whole log's reading says it. Neither is a message's: no index is counted for it.
    blank = [f for _, r, _lines in parts if r.input.status == "failed" for f in r.findings
             if f.code == "input-log-malformed" and f.message_text == r.input.reason]
    blank += [f for _, r, _lines in parts for f in r.findings
              if f.code == "input-not-saml" and f.source and f.source.ref is None]
    msgs, finds, evs = [], [], []
    index = 0
    for _, r, _lines in parts:  # line numbers are file-wide already (Unit.first_line)
        msgs.extend(_shift_index(m, index) for m in r.messages)
        finds.extend(r.findings)
        evs.extend(r.events)
        # each raw message gave one or the other
        index += len(r.messages) + sum(all(f is not b for b in blank) for f in r.findings)
    first = parts[0][1].input
    n_ok = sum(p[1].input.messages for p in parts)
    n_events = sum(p[1].input.events for p in parts)  # (with the 'info' events not kept)
    status = "scanned" if n_ok or n_events else (
        "skipped" if all(p[1].input.status == "skipped" for p in parts) else "failed")  # (no SAML line in any)
    if blank:  # (the whole reading says 'nothing about a login' only when it has nothing else to say)
        said = [f for f in finds if all(f is not b for b in blank)]
        finds = said if said or status == "scanned" else [blank[0]]
    reason = None if status == "scanned" else (
        first.reason if status == "skipped" else finds[0].message_text if finds else "nothing found")
    inp = InputResult(path, status, kind=first.kind, reason=reason, messages=n_ok, events=n_events,
                      malformed_lines=sum(p[1].input.malformed_lines for p in parts),
                      malformed_first=next((p[1].input.malformed_first for p in parts if p[1].input.malformed_first), None))
    return FileResult(inp, tuple(msgs), tuple(finds), tuple(evs), people=frozenset().union(*(p[1].people for p in parts)))


def _files_in(u: Unit) -> int:
    return len(u.paths) if u.parser_name is None else int(u.part == 0)


def _default_jobs() -> int:
    """The CPUs this process may use: its affinity, capped by a cgroup CPU quota (a container run
    with --cpus=2 on a 64-core host must not start 64 processes)."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        n = os.cpu_count() or 1
    quota = cgroup_cpu_quota()
    return max(1, min(n, math.ceil(quota)) if quota else n)


def cgroup_cpu_quota(root: str = "/sys/fs/cgroup") -> float | None:
    """CPUs allowed by the cgroup (v2 cpu.max, else v1 cpu.cfs_quota_us / cpu.cfs_period_us);
    None when there is no limit or no cgroup file to read."""
    try:
        with open(os.path.join(root, "cpu.max")) as fh:
            parts = fh.read().split()  # "max 100000" or "200000 100000"
        return None if parts[0] == "max" else int(parts[0]) / int(parts[1] if len(parts) > 1 else 100000)
    except (OSError, ValueError, IndexError, ZeroDivisionError):
        pass
    try:
        with open(os.path.join(root, "cpu", "cpu.cfs_quota_us")) as fh:
            quota_us = int(fh.read())
        with open(os.path.join(root, "cpu", "cpu.cfs_period_us")) as fh:
            period_us = int(fh.read())
    except (OSError, ValueError):
        return None
    return quota_us / period_us if quota_us > 0 and period_us > 0 else None


def _preload(expect, big_logs: bool) -> None:
    """Do before the pool forks what every process would otherwise do on its first unit: import
    the readers and checks, make the xmlsec keys of the configured certificates and, for big
    logs, index the error catalog (its keywords; a pattern is compiled when a text first needs it)."""
    from samlscan import checks, decode, decrypt, logs, saml  # noqa: F401  (logs: sniffing needs them)
    from samlscan.inputs import blob  # noqa: F401
    from samlscan.sigverify import _key

    for cert in expect.idp_certs + expect.sp_certs:
        _key(cert)
    if big_logs:
        from samlscan import catalog

        catalog.lookup("SAML")


def _worker_start() -> None:
    """A forked worker inherits the parent's paused collector: it collects again between units
    (run_unit pauses it during each), and leaves the preloaded modules out of every collection."""
    gc.freeze()
    gc.enable()


QUEUED_PER_WORKER = 3
"""Units waiting at each worker while the parent works on one of its own: enough that a worker
never waits for the parent, few enough that the parent still gets a share of the work."""


def _run_parallel(units: list[Unit], jobs: int, expect, tz, results, progress, meanwhile=None) -> None:
    """`jobs` processes work: jobs - 1 pool workers and this one. The parent takes a unit for
    itself whenever the workers have enough queued, so its share is never pickled and sent back
    (unpickling results is the parent's largest cost), and no core idles while it waits.
    `meanwhile` runs here once the workers have their first units (run_scan)."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    _preload(expect, big_logs=any(u.parser_name for u in units))
    workers = jobs - 1
    switch = sys.getswitchinterval()
    # The pool's thread takes the workers' results off the pipe: with the default 5 ms slices
    # a worker waited on the parent's busy thread to send a big log range's events.
    sys.setswitchinterval(0.0005)
    try:
        with ProcessPoolExecutor(max_workers=workers, initializer=_worker_start) as pool:
            pending: dict = {}
            count = _RangeCounts(units, pool, workers)

            def collect(done) -> None:
                for fut in done:
                    u = pending.pop(fut)
                    got = fut.result()
                    results.extend(got)
                    count.read(u, got)
                    progress.advance(_files_in(u), u.size)

            for u in _numbered(units, count):
                if len(pending) < QUEUED_PER_WORKER * workers:
                    pending[pool.submit(run_unit, u, expect, tz)] = u
                else:
                    if meanwhile is not None:
                        meanwhile()
                        meanwhile = None
                    got = run_unit(u, expect, tz)
                    results.extend(got)
                    count.read(u, got)
                    progress.advance(_files_in(u), u.size)
                collect([f for f in pending if f.done()])
            if meanwhile is not None:  # (fewer units than the workers' queues: none was this process's)
                meanwhile()
            while pending:
                collect(wait(pending, return_when=FIRST_COMPLETED)[0])
    finally:
        sys.setswitchinterval(switch)


class _RangeCounts:
    """count(path, part) for _numbered: the newlines of a split log's range. A range already read
    (by this process, or a worker whose result is in) says how many lines it had: its newlines are
    not counted again (0.53 of a 1 GB log's 6.2 CPU-s went to counting every range apart). The
    first ranges, handed out before any is read, are counted by the pool workers (`pool`) while this
    process parses the log's first range; any other is counted here when it is asked for (--jobs 1:
    never, a log's ranges being read in file order)."""

    def __init__(self, units: list[Unit], pool=None, workers: int = 0) -> None:
        self._bounds = {(u.paths[0], u.part): (u.start, u.end) for u in units if u.parser_name is not None}
        self._lines: dict[tuple[str, int], int] = {}
        ahead: dict[str, int] = {}  # ranges handed out before this process reads its first one
        self._futures = {}
        for u in units:
            if u.parser_name is None or pool is None:
                continue
            path = u.paths[0]
            if u.part < ahead.setdefault(path, u.part + QUEUED_PER_WORKER * workers) and (path, u.part + 1) in self._bounds:
                self._futures[path, u.part] = pool.submit(_count_lines, path, u.start, u.end)

    def read(self, unit: Unit, got) -> None:
        """Remember a range's lines from its reading (0: it crashed or could not be read; a
        range ends after a newline: never 0 lines)."""
        if unit.parser_name is not None and got and got[0][3]:
            self._lines[unit.paths[0], unit.part] = got[0][3]

    def __call__(self, path: str, part: int) -> int:
        got = self._lines.pop((path, part), None)
        if got is not None:
            return got
        fut = self._futures.pop((path, part), None)
        return fut.result() if fut is not None else _count_lines(path, *self._bounds[path, part])


def run_scan(paths, expect, include=(), exclude=(), jobs=0, tz=None, show_progress=False,
             keep_xml: bool = True, walked=None, meanwhile=None) -> Report:
    """Scan files and directories; the Report does not depend on `jobs`.

    keep_xml=False: messages without their decoded bytes (only the HTML report renders them).
    walked: what walk(paths, include, exclude) gave, when the caller walked them already.
    meanwhile: with more than one process, called once while the workers read their first units:
    the caller's preparation for what it does with the report (its imports), made in this
    process's share of the run rather than after it, when the other cores would idle."""
    if not keep_xml:
        expect = replace(expect, keep_xml=False)
    with no_cyclic_gc():
        return _run_scan(paths, expect, include, exclude, jobs, tz, show_progress, walked, meanwhile)


def _run_scan(paths, expect, include, exclude, jobs, tz, show_progress, walked=None, meanwhile=None) -> Report:
    from samlscan.progress import Progress

    tz = tz if isinstance(tz, LogZones) else LogZones(zone_of(tz, ""), default_given=tz is not None)
    files, other = walked or walk(list(paths), include, exclude)
    other = list(other)
    files, settings = _without_settings(files, expect)
    files, copies = same_bytes(files, only=_is_capture)
    other += settings + copies
    units = plan(files)
    jobs = jobs if jobs and jobs > 0 else _default_jobs()
    jobs = max(1, min(jobs, len(units) or 1))
    progress = Progress(len(files), sum(u.size for u in units), enabled=show_progress)
    results: list[tuple[str, int, FileResult, int]] = []
    try:
        if jobs == 1:
            count = _RangeCounts(units)
            for u in _numbered(units, count):
                got = run_unit(u, expect, tz)
                results.extend(got)
                count.read(u, got)
                progress.advance(_files_in(u), u.size)
        else:
            _run_parallel(units, jobs, expect, tz, results, progress, meanwhile)
    finally:
        progress.close()
        release_buffers()  # (the report is built and correlated next: its peak memory, not theirs)
    named = {p for p in paths if p == "-" or os.path.isfile(p)}  # (standard input is named too)
    report = assemble(files, other, results, named)
    unmatched = tz.unmatched([i.path for i in report.inputs])
    if unmatched:
        report = replace(report, notes=report.notes + tuple(
            f"--timezone '{glob}=...' names no input: its logs were read in the default zone" for glob in unmatched))
    unread = tuple(_unread_note(i) for i in report.inputs if i.status == "scanned" and i.malformed_lines)
    if unread:
        report = replace(report, notes=report.notes + unread)
    told = _zones_told(tz, [i.path for i in report.inputs if i.kind and i.kind.startswith("log:")])
    zoneless = logzones.notes(report.inputs, report.events, tz.given, report.messages, told.get)  # (unasked)
    report = replace(report, messages=logzones.told_fixes(report.messages, told, expect.clock_skew))
    zoneless += _zoneless_captures(report, tz.given)
    if zoneless:
        report = replace(report, notes=report.notes + zoneless)
    if not report.events:
        return report
    from samlscan.logs._common import dst_note

    # only zones with a DST change can say anything: UTC, the default, takes no event (grouping a
    # big log's 100,000s of events for nothing took 0.2 s)
    zoned = {i.path: z for i in report.inputs if (z := tz.of(i.path)) is not None and z is not timezone.utc}
    by_zone: dict = {}
    for e in report.events if zoned else ():
        if e.local_time and e.source.input in zoned:
            by_zone.setdefault(zoned[e.source.input], []).append(e)
    notes = tuple(n for zone, events in by_zone.items() if (n := dst_note(events, zone)))
    return replace(report, notes=report.notes + notes) if notes else report


def _zones_told(tz: LogZones, logs: list[str]) -> dict:
    """{path: zone} of these logs read in the zone their own lines name (_told_zone), for their notes."""
    found = {}
    for p in logs:
        try:
            zone = _told_zone(tz, p, p, engine.read_head(p))
        except OSError:
            continue  # (its reading said why)
        if zone is not None:
            found[p] = zone
    return found


def _told_zone(tz, label: str, path: str, head: bytes) -> tzinfo | None:
    """The fixed-offset zone a log's zoned lines name for its zone-less ones (head_offset of its head),
    when no --timezone names a zone for it; else None. Of its head alone, so that every range, every
    --jobs and the parent's note agree; not of an archive's member (its label is not its path: the
    parent cannot read its head to say so) nor of standard input."""
    if not isinstance(tz, LogZones) or tz.default_given or label != path or path == "-" or tz.given(path):
        return None
    if len(head) == engine.SNIFF_BYTES:  # (its last line cut short: a zoned time may read zone-less)
        head = head[:head.rfind(b"\n") + 1]
    offset = head_offset(head)
    return timezone(offset) if offset else None


def _zoneless_captures(report, given) -> tuple[str, ...]:
    """The zone note of each capture (HAR, SAML-tracer, SAML Chrome Panel export) whose times had no zone
    (an exporter's local time) and that no --timezone named: read as UTC, as a zone-less log is
    (logzones.zone_note). Its messages say so (RawMessage.local_time, not logged_by: a log's quoted ones)."""
    local = {r.message.source.input for r in report.messages if r.message.local_time and not r.message.logged_by}
    return tuple(logzones.zone_note(i.path, i.kind) for i in report.inputs
                 if i.path in local and not given(i.path))


def _unread_note(inp) -> str:
    """What a scanned log left out: the records of it that could not be read (a damaged line, an entry
    cut short), counted and the first placed, since a login on one is missing from the report (the
    JSON's malformed_lines said how many, and no format said where)."""
    n = inp.malformed_lines
    first = f" (the first, {inp.malformed_first})" if inp.malformed_first else ""
    return (f"{inp.path}: {n} record(s) could not be read and are left out{first}; the rest of it was read. "
            "A login written on such a line is missing from this report: if one is expected there, mend the "
            "line or export the log again")


def _is_capture(path: str) -> bool:
    """A browser's capture (HAR, SAML-tracer): its entries carry their times, so a second copy of
    its bytes is the same session, never another (a log may be meant in another --timezone, two
    pasted pages alike may be two users' refusals)."""
    try:
        return engine._capture_reader(engine.read_head(path)) is not None
    except OSError:
        return False


def _without_settings(files: list[str], expect) -> tuple[list[str], list[FileResult]]:
    """The files to read as evidence, and the configuration files met in the walk (samlscan.toml,
    IdP metadata, the SP's settings), skipped with that reason: they were read as settings."""
    from samlscan.walkpaths import READ_AS_SETTINGS, skipped

    settings = {os.path.realpath(s) for s in expect.sources if os.path.isfile(s)}
    if not settings:
        return files, []
    names = {os.path.basename(s) for s in settings}  # realpath only for a file of the same name
    read = {f for f in files if os.path.basename(f) in names and os.path.realpath(f) in settings}
    return [f for f in files if f not in read], [
        skipped(f, READ_AS_SETTINGS)
        for f in files if f in read]


def _not_evidence(r: FileResult, named: set) -> FileResult:
    """A walked file in which nothing is SAML evidence (a README, a script) is skipped with its
    reason, or with what it is when the reader knew (IdP metadata, a certificate: how to give it) or
    the SP's settings are (found.unread_reason, whatever their reader made of them); a file the user
    named keeps its input-not-saml finding."""
    from samlscan.inputs.blob import said_no_saml

    if (r.input.path in named or r.input.status != "failed" or r.messages or r.input.events or not r.findings
            or not all(f.code == "input-not-saml" or said_no_saml(f.message_text) for f in r.findings)):
        return r
    from samlscan import binaryfiles
    from samlscan.found import unread_reason

    said = r.findings[0].message_text  # (the readers' words for configuration: 'give it with --idp-cert')
    told = said_no_saml(said) or " with --" in said and (" give it " in said or " give them " in said)
    told = told or "log:" in (r.input.kind or "")  # a known log's reader names it: 'read as sonarqube log lines, but..'
    told = told or binaryfiles.is_said(said)  # (a PNG, a PDF, an .evtx: what it is; its finding, when named, what instead)
    told = told or said == evtxlog.NO_SIGN_IN
    reason = unread_reason(r.input.path) or (said if told else "no SAML message or known log format in it")
    return FileResult(replace(r.input, status="skipped", reason=reason), (), (), ())


def assemble(files: list[str], other: list[FileResult], results, named: set = frozenset()) -> Report:
    """Put results in a fixed order (input path, then position inside it) and add replays."""
    by_path: dict[str, list] = {}
    for path, part, r, lines in results:
        by_path.setdefault(path, []).append((part, r, lines))
    ordered: list[FileResult] = list(other)
    for path, items in by_path.items():
        if any(part is not None for part, _, _ in items):
            ordered.append(_merge_parts(path, items))
        else:
            ordered.extend(r for _, r, _ in items)
    ordered.sort(key=lambda r: _path_key(r.input.path))
    ordered, overlaps = without_overlaps([_not_evidence(r, named) for r in ordered])
    messages = [m for r in ordered for m in r.messages]
    findings = [f for r in ordered for f in r.findings]
    findings.extend(engine.replay_findings(messages))
    return Report(inputs=tuple(r.input for r in ordered), messages=tuple(messages),
                  input_findings=tuple(findings), events=tuple(e for r in ordered for e in r.events),
                  flows=tuple(f for r in ordered for f in r.flows),
                  people=frozenset().union(*(r.people for r in ordered)), notes=overlaps)


def _path_key(path: str) -> tuple:
    """Archive members right after their archive; otherwise plain path order."""
    return tuple(path.split("!"))
