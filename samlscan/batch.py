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

import bz2
import errno
import fnmatch
import gzip
import io
import lzma
import os
import re
import shutil
import stat
import tarfile
import tempfile
import zipfile
import zlib
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import Iterator

from samlscan import engine
from samlscan.engine import FileResult, Report, failed_input
from samlscan.model import InputResult
from samlscan.rewrite import rewrite

# --- limits ---------------------------------------------------------------------------------------

INFLATE_MIN = 64 * 1024 * 1024
"""Inflating up to this many bytes is always allowed, whatever the ratio."""
INFLATE_RATIO = 200
"""Beyond INFLATE_MIN, more than this many bytes out per byte in is a bomb (text logs compress
10-20x, very repetitive ones ~100x; deflate's maximum is ~1032x)."""
INFLATE_MAX = 8 * 1024 * 1024 * 1024
"""Hard cap on what one compressed input may inflate to."""
MAX_NESTING = 3
"""Archives inside archives: deeper levels are reported, not opened."""
SPLIT_BYTES = 32 * 1024 * 1024
"""Logs bigger than this are cut into line-aligned ranges of about this size for the workers."""
BATCH_BYTES = 4 * 1024 * 1024
BATCH_FILES = 32
"""Small files travel to the workers in batches (fewer round trips)."""
BLOCK = 8 * 1024 * 1024
LONG_LINE = 1024 * 1024
"""Over-long lines are cut here (as samlscan.logs.iter_lines does)."""

_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"),
          (b"PK\x03\x04", "zip"), (b"PK\x05\x06", "zip"))


# --- walk -----------------------------------------------------------------------------------------

def _matches(rel: str, globs) -> bool:
    name = os.path.basename(rel)
    return any(fnmatch.fnmatch(name, g) or fnmatch.fnmatch(rel, g) for g in globs)


def _skipped(path: str, reason: str) -> FileResult:
    return FileResult(InputResult(path, "skipped", reason=reason), (), (), ())


def walk(paths: list[str], include=(), exclude=()) -> tuple[list[str], list[FileResult]]:
    """Regular files to read, and every other path met with why it is not read.

    --include/--exclude globs match a walked file's name or its path relative to the root given;
    a file named on the command line is always read. Symlinked directories are followed once
    (a loop is reported); hidden entries, special files and empty files are reported as skipped.
    """
    files: list[str] = []
    other: list[FileResult] = []
    seen_dirs: set[tuple[int, int]] = set()

    def visit(p: str, root: str | None) -> None:
        try:
            st = os.stat(p)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                other.append(failed_input(p, "input-unreadable", "symbolic link loop"))
            elif os.path.islink(p):
                other.append(_skipped(p, "broken symbolic link"))
            else:
                other.append(failed_input(p, "input-unreadable", f"cannot read: {exc.strerror or exc}"))
            return
        if stat.S_ISDIR(st.st_mode):
            key = (st.st_dev, st.st_ino)
            if key in seen_dirs:
                other.append(_skipped(p, "directory already visited (symbolic link loop)"))
                return
            seen_dirs.add(key)
            try:
                entries = sorted(os.listdir(p))
            except OSError as exc:
                other.append(failed_input(p, "input-unreadable", f"cannot list: {exc.strerror or exc}"))
                return
            for e in entries:
                child = os.path.join(p, e)
                if e.startswith("."):
                    other.append(_skipped(child, "hidden"))
                    continue
                visit(child, root if root is not None else p)
            return
        if root is not None:  # found by the walk: the globs apply
            rel = os.path.relpath(p, root)
            if include and not _matches(rel, include):
                other.append(_skipped(p, "not matched by --include"))
                return
            if exclude and _matches(rel, exclude):
                other.append(_skipped(p, "matched by --exclude"))
                return
        if not stat.S_ISREG(st.st_mode):
            other.append(_skipped(p, "not a regular file"))  # never open a FIFO or a device
        elif st.st_size == 0 and root is not None:  # a file named by the user gets a finding
            other.append(_skipped(p, "empty file"))
        else:
            files.append(p)

    for p in paths:
        if p == "-":
            files.append(p)
        else:
            visit(p, None)
    return files, other


# --- prefilter for big logs -----------------------------------------------------------------------

@dataclass(frozen=True)
class Prefilter:
    """Which records of a log format can matter, decided on bytes before any parsing.

    `record_start` matches at the start of a line that begins a record (a record is that line and
    the continuation lines up to the next start). A record is handed to the parser only when its
    first line contains one of `keep` (a superset of what the parser looks at); others are
    skipped without being decoded. Records skipped this way are not checked for malformation.
    """

    record_start: re.Pattern
    keep: tuple[bytes, ...]


# SonarQube web.log (samlscan/logs/sonarqube.py): a record is relevant when its logger matches
# _RELEVANT_LOGGER (auth.event, Authentication*, OAuth*, saml/Saml/SAML, c.o.*, onelogin,
# UserRegistrar, o.s.s.a.*), when it is WARN/ERROR and names SAML, or when the line carries a
# SAML dump (samlscan/logs/embedded.py _HINT). 'uth' covers auth/Auth/OAuth/AuthnRequest,
# 'aml'/'AML' cover saml/Saml/SAML/SAMLResponse; WARN and ERROR lines are always kept.
_SONAR = Prefilter(
    record_start=re.compile(rb"\d{4}\.\d{2}\.\d{2} |\{"),
    keep=(b"aml", b"AML", b"uth", b"onelogin", b"c.o.", b"o.s.s.a.", b"Registrar", b"WARN ",
          b"ERROR ", b"PD94bWw", b"PHNhbWw", b"PFJlc3BvbnNl", b"PEF1dGhu", b"PExvZ291d",
          b"<?xml", b"Response", b"Logout", b"Assertion"),
)
PREFILTERS = {"sonarqube": _SONAR}


def _prefilter_for(parser) -> Prefilter | None:
    own = getattr(parser, "prefilter", None)  # a parser may publish its own
    if isinstance(own, Prefilter):
        return own
    return PREFILTERS.get(getattr(parser, "name", None))


def _log_with_prefilter(path: str, head: bytes):
    """(parser, prefilter) when engine.collect would read this file as a log we can prefilter."""
    from samlscan.inputs import blob

    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or engine._capture_reader(head) is not None:
        return None
    text = engine._text(head)
    kind = blob.sniff_kind(text)
    if kind in ("xml", "base64") or (kind == "query" and len(head) < engine.SNIFF_BYTES
                                     and text.strip().count("\n") < 3):
        return None
    parser = engine._log_parser(text)
    pf = _prefilter_for(parser) if parser is not None else None
    return (parser, pf) if pf is not None else None


_COMPILED: dict[tuple, tuple[re.Pattern, re.Pattern]] = {}


def _compiled(pf: Prefilter) -> tuple[re.Pattern, re.Pattern]:
    """(next record start, any keep literal): compiled once per prefilter."""
    key = (pf.record_start.pattern, pf.keep)
    got = _COMPILED.get(key)
    if got is None:
        # Longest literals first: an alternation tries its branches in order, and which literal
        # of a line matched does not matter (the whole record is kept either way).
        lits = sorted(set(pf.keep), key=lambda b: (-len(b), b))
        got = (re.compile(b"\n(?=" + pf.record_start.pattern + b")"),
               re.compile(b"|".join(re.escape(lit) for lit in lits)))
        _COMPILED[key] = got
    return got


def _kept_spans(data: bytes, pf: Prefilter, carry_open: bool) -> list[tuple[int, int]]:
    """Byte spans of `data` (whole lines) holding the records to parse.

    One regex alternation of the `keep` literals walks the block (C speed); each hit costs a
    little Python work, then the walk resumes after the kept record (or after the hit's line
    when that line only continues a record). `carry_open`: the last record of the previous block
    was kept and goes on here.
    """
    nxt, keep = _compiled(pf)
    start_at = pf.record_start.match

    def record_end(line_start: int) -> int:
        m = nxt.search(data, line_start)
        return m.start() + 1 if m else len(data)

    spans = []
    pos = 0
    if carry_open and data and not start_at(data, 0):
        pos = record_end(0)
        spans.append((0, pos))
    search = keep.search
    rfind, find = data.rfind, data.find
    while True:
        m = search(data, pos)
        if m is None:
            break
        ls = rfind(b"\n", 0, m.start()) + 1
        if start_at(data, ls):
            pos = record_end(ls)
            spans.append((ls, pos))
        else:  # a hit on a continuation line: the record it belongs to was not kept
            nl = find(b"\n", m.end())
            if nl < 0:
                break
            pos = nl + 1
    return spans


def prefiltered_lines(fh, start: int, end: int, pf: Prefilter, counter: list,
                      first_line: int = 0) -> Iterator[tuple[int, str]]:
    """Numbered lines of the kept records in [start, end) of a binary file: the line at `start`
    is number first_line + 1 (first_line: lines of the file before `start`, when known).

    Memory stays bounded by BLOCK + LONG_LINE; counter[0] ends as the number of lines in range.
    """
    fh.seek(start)
    pos = start
    line_no = first_line  # lines wholly before the current block
    carry = b""
    open_record = skipping = False
    first = True
    while True:
        chunk = fh.read(min(BLOCK, end - pos)) if pos < end else b""
        pos += len(chunk)
        if skipping:  # the tail of an over-long line: dropped up to its newline
            nl = chunk.find(b"\n")
            if nl < 0 and chunk:
                continue
            chunk = chunk[nl + 1:] if nl >= 0 else chunk
            skipping = False
        data = carry + chunk
        if not data:
            break
        at_end = pos >= end or not chunk
        carry = b""
        if not at_end:
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                if len(data) <= LONG_LINE:
                    carry = data
                    continue
                data, skipping = data[:LONG_LINE] + b"\n", True
            else:
                data, carry = data[:cut], data[cut:]
        if first and start == 0 and data.startswith(b"\xef\xbb\xbf"):
            data = b"   " + data[3:]  # UTF-8 BOM: blanked, offsets kept
        first = False
        spans = _kept_spans(data, pf, open_record)
        cnt_pos, cnt = 0, 0
        for s, e in spans:
            cnt += data.count(b"\n", cnt_pos, s)
            seg = data[s:e]
            parts = seg.split(b"\n")
            if seg.endswith(b"\n"):
                parts.pop()
            base = line_no + cnt + 1
            for k, raw in enumerate(parts):
                yield base + k, raw[:LONG_LINE].decode("utf-8", "replace").rstrip("\r")
            cnt += seg.count(b"\n")
            cnt_pos = e
        open_record = bool(spans) and spans[-1][1] == len(data)
        line_no += data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        if at_end:
            break
    counter[0] = line_no - first_line


def _analyze_log(label: str, path: str, parser, pf: Prefilter, start: int, end: int,
                 expect, tz, first_line: int = 0) -> tuple[FileResult, int]:
    """Stream one log (or a byte range of it) through the prefilter and its parser."""
    got = engine._Collected(kind=f"log:{parser.name}")
    counter = [0]
    try:
        with open(path, "rb") as fh:
            engine._consume_records(parser.parse(prefiltered_lines(fh, start, end, pf, counter,
                                                                   first_line), label, tz), got)
    except OSError as exc:
        return failed_input(label, "input-unreadable", f"cannot read: {exc.strerror or exc}"), 0
    return engine.analyze_collected(label, got, expect), counter[0]


# --- compressed files and archives ----------------------------------------------------------------

class _TooLarge(Exception):
    pass


def _kind_of(head: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    return None


def _bound(compressed: int) -> int:
    return min(INFLATE_MAX, max(INFLATE_MIN, INFLATE_RATIO * max(compressed, 1)))


def _copy_bounded(src, dst, limit: int) -> None:
    """Copy a decompressing stream, stopping at `limit` bytes out (a bomb)."""
    total = 0
    while True:
        chunk = src.read(1024 * 1024)
        if not chunk:
            return
        total += len(chunk)
        if total > limit:
            raise _TooLarge(f"inflates to more than {limit} bytes (limit: {INFLATE_RATIO}x the "
                            f"compressed size, at least {INFLATE_MIN}); treated as a decompression bomb")
        dst.write(chunk)


def _relabel(obj, old: str, new: str):
    """Replace the temporary path `old` by the input's label `new` everywhere in a result."""
    return rewrite(obj, lambda x: x.replace(old, new) if isinstance(x, str) and old in x else x)


def _analyze_member(label: str, src, compressed: int, tmpdir: str, expect, tz, depth: int,
                    out: list[FileResult]) -> None:
    """Inflate one stream to a private temp file (bounded), analyze it under its label."""
    tmp = os.path.join(tmpdir, f"m{len(out)}-{depth}")
    try:
        with open(tmp, "wb") as dst:
            _copy_bounded(src, dst, _bound(compressed))
    except _TooLarge as exc:
        out.append(failed_input(label, "input-too-large", str(exc)))
        return
    except (OSError, EOFError, zipfile.BadZipFile, lzma.LZMAError, tarfile.TarError, RuntimeError,
            ValueError, zlib.error) as exc:
        out.append(failed_input(label, "input-unreadable", f"corrupt compressed data: {exc}"))
        return
    try:
        if os.path.getsize(tmp) == 0:
            out.append(_skipped(label, "empty file"))
            return
        for r in _analyze_any(tmp, tmp, expect, tz, depth + 1, tmpdir):
            out.append(_relabel(r, tmp, label))
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _analyze_container(label: str, path: str, kind: str, expect, tz, depth: int,
                       tmpdir: str) -> list[FileResult]:
    """A compressed file (one input, its own label) or an archive (one input per member,
    labelled `archive!member`; the archive itself is listed too)."""
    out: list[FileResult] = []
    if depth > MAX_NESTING:
        return [_skipped(label, f"{kind} nested more than {MAX_NESTING} levels deep: not opened")]
    size = os.path.getsize(path)
    try:
        if kind == "zip":
            with zipfile.ZipFile(path) as zf:
                for info in zf.infolist():
                    if info.is_dir():
                        continue
                    member = f"{label}!{info.filename}"
                    if info.flag_bits & 0x1:
                        out.append(failed_input(member, "input-unreadable", "encrypted zip member"))
                        continue
                    try:
                        with zf.open(info) as src:
                            _analyze_member(member, src, info.compress_size, tmpdir, expect, tz,
                                            depth, out)
                    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError,
                            EOFError, zlib.error) as exc:
                        out.append(failed_input(member, "input-unreadable", f"corrupt zip member: {exc}"))
            return [_archive_entry(label, "zip", out)] + out
        opener = {"gzip": gzip.open, "bzip2": bz2.open, "xz": lzma.open}.get(kind)
        if kind == "tar" or (opener and _inner_is_tar(path, opener)):
            return _analyze_tar(label, path, opener, size, expect, tz, depth, tmpdir)
        with opener(path, "rb") as src:
            _analyze_member(label, src, size, tmpdir, expect, tz, depth, out)
        return [replace(r, input=replace(r.input, kind=f"{kind}:{r.input.kind}"))
                if r.input.path == label and r.input.kind else r for r in out]
    except _TooLarge as exc:
        return out + [failed_input(label, "input-too-large", str(exc))]
    except (OSError, EOFError, zipfile.BadZipFile, tarfile.TarError, lzma.LZMAError, ValueError,
            zlib.error) as exc:
        return out + [failed_input(label, "input-unreadable", f"corrupt {kind} data: {exc}")]


def _archive_entry(label: str, kind: str, members: list[FileResult]) -> FileResult:
    return FileResult(InputResult(label, "scanned", kind=f"archive:{kind}",
                                  reason=f"{len(members)} member(s), listed as {label}!<member>"),
                      (), (), ())


def _inner_is_tar(path: str, opener) -> bool:
    try:
        with opener(path, "rb") as fh:
            head = fh.read(512)
    except (OSError, EOFError, lzma.LZMAError, ValueError, zlib.error):
        return False
    return len(head) >= 262 and head[257:262] == b"ustar"


class _BoundedReader(io.RawIOBase):
    """A read-only stream that refuses to deliver more than `limit` bytes."""

    def __init__(self, raw, limit: int):
        self.raw, self.limit, self.total = raw, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        data = self.raw.read(len(b))
        self.total += len(data)
        if self.total > self.limit:
            raise _TooLarge(f"archive inflates to more than {self.limit} bytes; treated as a "
                            "decompression bomb")
        b[:len(data)] = data
        return len(data)


def _analyze_tar(label, path, opener, size, expect, tz, depth, tmpdir) -> list[FileResult]:
    out: list[FileResult] = []
    raw = opener(path, "rb") if opener else open(path, "rb")
    try:
        stream = io.BufferedReader(_BoundedReader(raw, _bound(size) if opener else INFLATE_MAX))
        with tarfile.open(fileobj=stream, mode="r|") as tf:
            for ti in tf:
                member = f"{label}!{ti.name}"
                if ti.isdir():
                    continue
                if not ti.isfile():
                    out.append(_skipped(member, "link or special entry in archive"))
                    continue
                src = tf.extractfile(ti)
                _analyze_member(member, src, max(ti.size // INFLATE_RATIO, 1), tmpdir, expect, tz,
                                depth, out)
    except _TooLarge as exc:
        return [failed_input(label, "input-too-large", str(exc))] + out
    finally:
        raw.close()
    return [_archive_entry(label, "tar", out)] + out


# --- one input ------------------------------------------------------------------------------------

def _analyze_any(label: str, path: str, expect, tz, depth: int = 0,
                 tmpdir: str | None = None) -> list[FileResult]:
    """Every FileResult of one input (several for an archive)."""
    if path == "-":
        return [engine.analyze_file(path, expect, tz)]
    try:
        with open(path, "rb") as fh:
            head = fh.read(engine.SNIFF_BYTES)
    except OSError as exc:
        return [failed_input(label, "input-unreadable", f"cannot read: {exc.strerror or exc}")]
    kind = _kind_of(head)
    if kind is not None:
        if tmpdir is None:
            with tempfile.TemporaryDirectory(prefix="samlscan-") as td:
                return _analyze_container(label, path, kind, expect, tz, depth, td)
        return _analyze_container(label, path, kind, expect, tz, depth, tmpdir)
    log = _log_with_prefilter(path, head)
    if log is not None:
        parser, pf = log
        return [_analyze_log(label, path, parser, pf, 0, os.path.getsize(path), expect, tz)[0]]
    r = engine.analyze_file(path, expect, tz)
    return [_relabel(r, path, label) if label != path else r]


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


def _ranges(path: str, size: int, pf: Prefilter) -> list[tuple[int, int]]:
    """Cut [0, size) at record starts near every SPLIT_BYTES, so no record spans two ranges."""
    cuts = [0]
    with open(path, "rb") as fh:
        pos = SPLIT_BYTES
        while pos < size:
            fh.seek(pos)
            window = fh.read(LONG_LINE * 4)
            off, found = 0, None
            while True:
                nl = window.find(b"\n", off)
                if nl < 0:
                    break
                if pf.record_start.match(window, nl + 1):
                    found = pos + nl + 1
                    break
                off = nl + 1
            if found is None or found >= size:
                break
            cuts.append(found)
            pos = found + SPLIT_BYTES
    cuts.append(size)
    return list(zip(cuts, cuts[1:]))


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
                with open(p, "rb") as fh:
                    head = fh.read(engine.SNIFF_BYTES)
                if _kind_of(head) is None:
                    log = _log_with_prefilter(p, head)
            except OSError:
                pass
            if log is not None:
                for i, (a, b) in enumerate(_ranges(p, size, log[1])):
                    units.append(Unit((p,), b - a, a, b, i, log[0].name))
                continue
            units.append(Unit((p,), size))
        else:
            small.append((p, size))
    batch: list[str] = []
    bsize = 0
    for p, size in small:
        batch.append(p)
        bsize += size
        if len(batch) >= BATCH_FILES or bsize >= BATCH_BYTES:
            units.append(Unit(tuple(batch), bsize))
            batch, bsize = [], 0
    if batch:
        units.append(Unit(tuple(batch), bsize))
    return sorted(units, key=lambda u: -u.size)


def _without_xml(r: FileResult) -> FileResult:
    """The result without the messages' XML bytes (only the HTML report shows them): they are
    the bulk of what a worker sends back and the parent holds for a log full of SAML dumps.
    SamlMessage.xml is compare=False, so the Report compares equal either way."""
    if not any(m.message.xml for m in r.messages):
        return r
    return replace(r, messages=tuple(replace(m, message=replace(m.message, xml=b""))
                                     if m.message.xml else m for m in r.messages))


def run_unit(unit: Unit, expect, tz, keep_xml: bool = True) -> list[tuple[str, int, FileResult, int]]:
    """Worker entry point (top level, picklable: works with spawn). Returns
    (input path, range part, result, lines in range) for every result."""
    if not keep_xml:
        return [(p, part, _without_xml(r), n) for p, part, r, n in run_unit(unit, expect, tz)]
    if unit.parser_name is not None:
        from samlscan import logs

        parser = next(p for p in logs.PARSERS if p.name == unit.parser_name)
        path = unit.paths[0]
        r, lines = _analyze_log(path, path, parser, _prefilter_for(parser), unit.start, unit.end,
                                expect, tz, unit.first_line)
        return [(path, unit.part, r, lines)]
    out = []
    for p in unit.paths:
        for r in _analyze_any(p, p, expect, tz):
            out.append((p, None, r, 0))
    return out


def _count_lines(path: str, start: int, end: int) -> int:
    """Newlines in [start, end) of a file, read in blocks (C speed, bounded memory)."""
    n = 0
    with open(path, "rb") as fh:
        fh.seek(start)
        left = end - start
        while left > 0:
            chunk = fh.read(min(BLOCK, left))
            if not chunk:
                break
            n += chunk.count(b"\n")
            left -= len(chunk)
    return n


def _numbered(units: list[Unit]) -> Iterator[Unit]:
    """Units with `first_line` set: whole inputs and first ranges at once, then the later ranges
    of each split log in order, each as soon as the lines before it are counted (ranges start
    at a record start, so after a newline: the count is exact)."""
    later: dict[str, list[Unit]] = {}
    for u in units:
        if u.parser_name is not None:
            later.setdefault(u.paths[0], []).append(u)
        if u.parser_name is None or u.part == 0:
            yield u
    for path, parts in later.items():
        parts.sort(key=lambda u: u.part)
        lines = 0
        for u in parts:
            if u.part > 0:
                yield replace(u, first_line=lines)
            if u is not parts[-1]:
                lines += _count_lines(path, u.start, u.end)


def _shift_index(m, offset: int):
    """A message's index in its input, made file-wide (checks cite '#<index>' without an ID)."""
    if offset == 0:
        return m
    old, new = m.message.index, m.message.index + offset
    fs = tuple(replace(f, message_ref=f"#{new}") if f.message_ref == f"#{old}" else f
               for f in m.findings)
    return replace(m, message=replace(m.message, index=new), findings=fs)


def _merge_parts(path: str, parts: list[tuple[int, FileResult, int]]) -> FileResult:
    """One FileResult for a log read in ranges: message indexes made file-wide, counts summed."""
    parts = sorted(parts, key=lambda x: x[0])
    if len(parts) == 1:
        return parts[0][1]
    msgs, finds, evs = [], [], []
    index = 0
    for _, r, _lines in parts:  # line numbers are file-wide already (Unit.first_line)
        msgs.extend(_shift_index(m, index) for m in r.messages)
        finds.extend(r.findings)
        evs.extend(r.events)
        index += len(r.messages) + len(r.findings)  # each raw message gave one or the other
    first = parts[0][1].input
    n_ok = sum(p[1].input.messages for p in parts)
    status = "scanned" if n_ok or evs else "failed"
    reason = None if status == "scanned" else (finds[0].message_text if finds else "nothing found")
    inp = InputResult(path, status, kind=first.kind, reason=reason, messages=n_ok, events=len(evs),
                      malformed_lines=sum(p[1].input.malformed_lines for p in parts))
    return FileResult(inp, tuple(msgs), tuple(finds), tuple(evs))


def _files_in(u: Unit) -> int:
    return len(u.paths) if u.parser_name is None else int(u.part == 0)


def _default_jobs() -> int:
    return os.cpu_count() or 1


def _preload() -> None:
    """Import what every worker needs before the pool forks, so workers share it instead of each
    importing lxml, xmlsec, cryptography and the checks on their first unit."""
    from samlscan import catalog, checks, decode, logs, saml  # noqa: F401
    from samlscan.sigverify import xmlsec_module

    xmlsec_module()


def run_scan(paths, expect, include=(), exclude=(), jobs=0, tz=None, show_progress=False,
             keep_xml: bool = True) -> Report:
    """Scan files and directories; the Report does not depend on `jobs`.

    keep_xml=False drops SamlMessage.xml in the workers (only the HTML report renders it)."""
    from datetime import timezone

    from samlscan.progress import Progress

    tz = tz or timezone.utc
    files, other = walk(list(paths), include, exclude)
    units = plan(files)
    jobs = jobs if jobs and jobs > 0 else _default_jobs()
    jobs = max(1, min(jobs, len(units) or 1))
    progress = Progress(len(files), sum(u.size for u in units), enabled=show_progress)
    results: list[tuple[str, int, FileResult, int]] = []
    try:
        if jobs == 1:
            for u in _numbered(units):
                results.extend(run_unit(u, expect, tz, keep_xml))
                progress.advance(_files_in(u), u.size)
        else:
            _preload()
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                pending = {}
                for u in _numbered(units):  # the parent counts lines while workers start
                    pending[pool.submit(run_unit, u, expect, tz, keep_xml)] = u
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in done:
                        u = pending.pop(fut)
                        results.extend(fut.result())
                        progress.advance(_files_in(u), u.size)
    finally:
        progress.close()
    named = {p for p in paths if os.path.isfile(p)}
    return assemble(files, other, results, named)


def _not_evidence(r: FileResult, named: set) -> FileResult:
    """A walked file in which nothing is SAML evidence (a README, a script) is skipped with its
    reason; a file the user named keeps its input-not-saml finding."""
    if (r.input.path in named or r.input.status != "failed" or r.messages or r.events
            or not r.findings or any(f.code != "input-not-saml" for f in r.findings)):
        return r
    return FileResult(replace(r.input, status="skipped",
                              reason="no SAML message or known log format in it"), (), (), ())


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
    ordered = [_not_evidence(r, named) for r in ordered]
    messages = [m for r in ordered for m in r.messages]
    findings = [f for r in ordered for f in r.findings]
    findings.extend(engine.replay_findings(messages))
    return Report(inputs=tuple(r.input for r in ordered), messages=tuple(messages),
                  input_findings=tuple(findings), events=tuple(e for r in ordered for e in r.events),
                  flows=tuple(f for r in ordered for f in r.flows))


def _path_key(path: str) -> tuple:
    """Archive members right after their archive; otherwise plain path order."""
    return tuple(path.split("!"))
