"""Compressed files and archives, read in place with a bound on what they inflate to.

Only imported when a file's first bytes say it is compressed (tarfile, zipfile and friends cost
time to import on every run otherwise).
"""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import replace

from samlscan.engine import FileResult, failed_input
from samlscan import evtxlog
from samlscan.evtxlog import evtx_open
from samlscan.inputs.base import InputProblem
from samlscan.model import InputResult, Source
from samlscan.rewrite import rewrite
from samlscan.unreadable import CORRUPT, ENCRYPTED
from samlscan.walkpaths import READ_AS_SETTINGS, blank, empty_capture, skipped


def _analyze_any(*args, **kwargs):
    """An archive member is analyzed like any input (batch._analyze_any; imported late because
    batch imports this module only when it meets a compressed file)."""
    from samlscan.batch import _analyze_any as analyze_any

    return analyze_any(*args, **kwargs)

INFLATE_MIN = 64 * 1024 * 1024
"""Inflating up to this many bytes is always allowed, whatever the ratio."""
INFLATE_RATIO = 200
"""Beyond INFLATE_MIN, more than this many bytes out per byte in is a bomb (text logs compress
10-20x, very repetitive ones ~100x; deflate's maximum is ~1032x)."""
INFLATE_MAX = 8 * 1024 * 1024 * 1024
"""Hard cap on what one compressed input may inflate to."""
ARCHIVE_MIN = 4 * INFLATE_MIN
"""What the members of one archive may inflate to in all, whatever the ratio (each member has its
own bound too): 40 members of 60 MB of zeros passed one by one (2.4 MB in, 2.4 GB out)."""
SAZ_MAX = ARCHIVE_MIN
"""What the sessions of one Fiddler archive may inflate to in all: they are read in memory as one
capture (a 2.4 MB archive of zeros held 600 MB before its ratio bound stopped it)."""
MAX_NESTING = 3
"""Archives inside archives: deeper levels are reported, not opened."""


class _TooLarge(Exception):
    pass


def _bound(compressed: int) -> int:
    return min(INFLATE_MAX, max(INFLATE_MIN, INFLATE_RATIO * max(compressed, 1)))


class _Cut(Exception):
    """The compressed data broke off (or junk followed it) after `total` bytes were inflated."""

    def __init__(self, total: int, cause: Exception):
        super().__init__(str(cause))
        self.total = total


def _copy_bounded(src, dst, limit: int) -> int:
    """Copy a decompressing stream, stopping at `limit` bytes out (a bomb); the bytes copied. Data
    that breaks off after some output (a log .gz copied while written, junk after its member, which
    `gzip -d` ignores) raises _Cut with what came before it."""
    total = 0
    read = getattr(src, "read1", src.read)  # (read: an error mid-call loses what it had buffered)
    while True:
        try:
            chunk = read(1024 * 1024)
        except (EOFError, OSError, lzma.LZMAError, zlib.error) as exc:
            if total:
                raise _Cut(total, exc) from exc
            raise
        if not chunk:
            return total
        total += len(chunk)
        if total > limit:
            raise _TooLarge(f"inflates to more than {limit} bytes (limit: {INFLATE_RATIO}x the "
                            f"compressed size, at least {INFLATE_MIN}); treated as a decompression bomb")
        dst.write(chunk)


def _relabel(obj, old: str, new: str):
    """Replace the temporary path `old` by the input's label `new` everywhere in a result."""
    return rewrite(obj, lambda x: x.replace(old, new) if isinstance(x, str) and old in x else x)


def _analyze_member(label: str, src, compressed: int, tmpdir: str, expect, tz, depth: int,
                    out: list[FileResult], limit: int | None = None, side=None) -> int:
    """Inflate one stream to a private temp file (bounded by its own ratio, and by `limit`: what
    is left of its archive's budget), analyze it under its label; the bytes it inflated to.
    `side`: the reader of a HAR member's side files (ZipSideFiles)."""
    if label in getattr(expect, "sources", ()):  # (found.py read it as settings: not inflated again)
        out.append(skipped(label, READ_AS_SETTINGS))
        return 0
    tmp = os.path.join(tmpdir, f"m{len(out)}-{depth}")
    cap = min(_bound(compressed), limit if limit is not None else INFLATE_MAX)
    cut = None
    try:
        with open(tmp, "wb") as dst:
            try:
                inflated = _copy_bounded(src, dst, cap)
            except _Cut as exc:  # what came before the break is read, and the break said
                inflated, cut = exc.total, exc
    except _TooLarge as exc:
        out.append(failed_input(label, "input-too-large", str(exc)))
        return cap  # inflated that far before it was stopped
    except (OSError, EOFError, zipfile.BadZipFile, lzma.LZMAError, tarfile.TarError, RuntimeError,
            ValueError, zlib.error) as exc:
        out.append(failed_input(label, "input-unreadable", f"corrupt compressed data: {exc}", CORRUPT))
        return 0
    try:
        if inflated == 0:
            out.append(empty_capture(label) or skipped(label, "empty file"))
            return 0
        if inflated < 1 << 12 and (empty := empty_capture(label, True)) is not None:
            from samlscan.engine import read_head

            if blank(read_head(tmp), inflated):
                out.append(empty)
                return inflated
        # a member is read in the zone --timezone gives its name (or, failing that, its archive's),
        # members of a nested archive too
        inner = tz.member(tmp, label) if hasattr(tz, "member") else tz
        try:
            if side is not None:
                from samlscan.inputs import har

                side.har_bytes = inflated
                har.ARCHIVED[os.path.abspath(tmp)] = side
            results = _analyze_any(tmp, tmp, expect, inner, depth + 1, tmpdir)
        except Exception as exc:  # a samlscan bug on one member: the archive's others are read on
            from samlscan.batch import crashed

            results = [crashed(label, exc, "this archive member")]
        if cut is not None:
            results = _with_cut(results, tmp, cut)
        for r in results:
            out.append(_relabel(r, tmp, label))
    finally:
        if side is not None:
            from samlscan.inputs import har

            har.ARCHIVED.pop(os.path.abspath(tmp), None)
        try:
            os.unlink(tmp)
        except OSError:
            pass
    return inflated


def _with_cut(results: list[FileResult], path: str, cut: _Cut) -> list[FileResult]:
    """The member's result with a finding that its compressed data broke off after what was read."""
    from samlscan.engine import _problem_finding

    said = _problem_finding(InputProblem(Source(path), "input-unreadable", (
        f"the compressed data breaks off (or junk follows it) after {cut.total} bytes ({cut}): what came "
        "before was read; copy the file again once it is complete")))
    return [replace(r, findings=r.findings + (said,)) if r.input.path == path else r for r in results]


class ZipSideFiles:
    """The side files of a HAR inside a zip (Playwright's recordHar to a path ending in .zip keeps
    every body as a '<sha1>.<ext>' member beside 'har.har', named by `_file`): read from the
    zip's members, each at most har.MAX_STRING bytes, all within what is left of the archive's
    budget (`left`, shared). `names`: the members the HAR refers to (they belong to it)."""

    def __init__(self, zf: zipfile.ZipFile, har_member: str, left: list[int]):
        import posixpath

        self.zf, self.folder, self.left = zf, posixpath.dirname(har_member), left
        self.names: set[str] = set()
        self.har_bytes = 0
        """What the HAR itself inflated to: taken from `left` only once it is read, it is no
        budget for its side files meanwhile."""

    def _member(self, name: str) -> str:
        import posixpath

        return posixpath.join(self.folder, name) if self.folder else name

    def note(self, name: str) -> None:
        self.names.add(self._member(name))

    def read(self, name: str) -> bytes | None:
        from samlscan.inputs.har import MAX_STRING

        try:
            info = self.zf.getinfo(self._member(name))
        except KeyError:
            return None
        available = self.left[0] - self.har_bytes
        if info.is_dir() or info.flag_bits & 0x1 or available <= 0:
            return None
        cap = min(MAX_STRING, available)
        try:
            with self.zf.open(info) as src:
                data = src.read(cap + 1)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError, zlib.error):
            return None
        self.left[0] -= len(data)
        return data if len(data) <= cap else None  # over MAX_STRING, or over what the archive has left


def _analyze_container(label: str, path: str, kind: str, expect, tz, depth: int,
                       tmpdir: str) -> list[FileResult]:
    """A compressed file (one input, its own label) or an archive (one input per member,
    labelled `archive!member`; the archive itself is listed too)."""
    out: list[FileResult] = []
    if depth > MAX_NESTING:
        return [skipped(label, f"{kind} nested more than {MAX_NESTING} levels deep: not opened")]
    size = os.path.getsize(path)
    try:
        if kind in ("mail", "msg"):
            return _mail(label, path, kind, expect, tz, depth, tmpdir)
        if kind == "zip":
            budget = inflate_budget(size)
            with zipfile.ZipFile(path) as zf:
                from samlscan.inputs import httpraw

                if httpraw.is_saz(zf.namelist()):
                    return _fiddler_archive(label, zf, budget, expect)
                from samlscan.office import office_kind

                if (doc := office_kind(zf)) is not None:
                    return _office_document(label, zf, doc, budget, expect, tz, depth, tmpdir)
                infos = [info for info in zf.infolist() if not info.is_dir()]
                # HAR captures first: the members they name as side files belong to them
                hars = [info for info in infos if info.filename.lower().endswith(".har")]
                left = [budget]
                per: dict[int, list[FileResult]] = {}
                owner: dict[str, str] = {}
                for info in hars + [i for i in infos if i not in hars]:
                    member = f"{label}!{info.filename}"
                    if info.filename in owner:
                        per[id(info)] = [skipped(member, f"a side file of {label}!{owner[info.filename]} "
                                                              "(a body the capture keeps apart: read with it when it is a "
                                                              "page, JSON, XML or text)")]
                        continue
                    side = ZipSideFiles(zf, info.filename, left) if info in hars else None
                    start = len(out)
                    _zip_member(zf, info, member, budget, left, tmpdir, expect, tz, depth, out, side)
                    per[id(info)] = out[start:]
                    if side is not None:
                        owner.update((n, info.filename) for n in side.names
                                     if n != info.filename and n not in owner)
                out[:] = [r for info in infos for r in per.get(id(info), ())]
            return [_archive_entry(label, "zip", len(infos))] + out
        opener = OPENERS.get(kind)
        if kind == "tar" or (opener and kind != "evtx" and _inner_is_tar(path, opener)):
            return _analyze_tar(label, path, kind, opener, size, expect, tz, depth, tmpdir)
        with opener(path, "rb") as src:
            _analyze_member(label, src, size, tmpdir, expect, tz, depth, out)
            if kind == "evtx" and not src.raw.events:
                return [failed_input(label, "input-unreadable", "a Windows event log (.evtx) with no event "
                                     "that could be read", evtxlog.DAMAGED)]
            if kind == "evtx" and all(not r.messages and not r.input.events and r.findings
                                      and all(f.code == "input-not-saml" for f in r.findings) for r in out):
                return [failed_input(label, "input-not-saml", evtxlog.NO_SIGN_IN, evtxlog.NO_SIGN_IN_FIX)]
        return [replace(r, input=replace(r.input, kind=f"{kind}:{r.input.kind}"))
                if r.input.path == label and r.input.kind else r for r in out]
    except _TooLarge as exc:
        return out + [failed_input(label, "input-too-large", str(exc))]
    except (OSError, EOFError, zipfile.BadZipFile, tarfile.TarError, lzma.LZMAError, ValueError,
            zlib.error) as exc:
        return out + [failed_input(label, "input-unreadable", f"corrupt {kind} data: {exc}", CORRUPT)]


MAIL_FIX = "Save its attachments (and its text, if the SAML message was pasted into it) from the mail client, then scan those."


def _mail(label: str, path: str, kind: str, expect, tz, depth: int, tmpdir: str) -> list[FileResult]:
    """An e-mail with attachments (mailparts) or an Outlook message (outlookmsg): one input per part,
    labelled `message!part`."""
    from samlscan import mailparts

    out: list[FileResult] = []
    try:
        members, left_out = _mail_parts(path, kind)
    except mailparts.MailError as exc:
        what = "an Outlook message" if kind == "msg" else "an e-mail"
        return [failed_input(label, "input-unreadable", f"{what} samlscan cannot take apart: {exc}", MAIL_FIX)]
    for name, data in members:
        _analyze_member(f"{label}!{name}", io.BytesIO(data), len(data), tmpdir, expect, tz, depth, out)
    if left_out:
        out.append(skipped(f"{label}!...", f"the parts after the first {mailparts.MAX_PARTS}: not read"))
    return [_archive_entry(label, kind, len(members) + (1 if left_out else 0))] + out


def _mail_parts(path: str, kind: str) -> tuple[list[tuple[str, bytes]], int]:
    """The parts of an e-mail ('mail') or an Outlook message ('msg'); MailError when it cannot be taken apart."""
    from samlscan import mailparts, outlookmsg

    return (outlookmsg.parts if kind == "msg" else mailparts.parts)(path)


OFFICE_WITHOUT_SAML = "an Office document without SAML"


def _office_document(label: str, zf: zipfile.ZipFile, doc: str, budget: int, expect, tz, depth: int,
                     tmpdir: str) -> list[FileResult]:
    """An Office document as one input: the text of its paragraphs read as a pasted text (each
    part inflated within its own ratio bound and the archive's budget), or skipped without SAML."""
    from lxml import etree

    from samlscan import office
    from samlscan.engine import MAX_PASTE_BYTES
    from samlscan.errors import InputError
    from samlscan.inputs.blob import _error_text
    from samlscan.xmlsafe import _pull_parser, refuse_doctype

    left = budget
    lines: list[str] = []
    for info in office.text_parts(zf, doc):
        if info.flag_bits & 0x1:
            return [failed_input(label, "input-unreadable", f"{info.filename}: encrypted zip member", ENCRYPTED)]
        cap = min(_bound(info.compress_size), left)

        def chunks(info=info, cap=cap):
            total = 0
            with zf.open(info) as src:
                while chunk := src.read(1024 * 1024):
                    if not total:
                        refuse_doctype(chunk)  # (a document part never declares one)
                    total += len(chunk)
                    if total > cap:
                        raise _TooLarge(f"{info.filename} inflates to more than {cap} bytes; treated "
                                        "as a decompression bomb")
                    yield chunk
            nonlocal left
            left -= total

        try:
            lines += office.paragraphs(_pull_parser(("end",)), chunks())
        except _TooLarge as exc:
            return [failed_input(label, "input-too-large", str(exc))]
        except InputError as exc:
            return [failed_input(label, exc.code, f"{info.filename}: {exc.detail}")]
        except etree.XMLSyntaxError as exc:
            return [failed_input(label, "input-unreadable", f"{info.filename}: not well-formed XML: {exc}",
                                 CORRUPT)]
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError, zlib.error) as exc:
            return [failed_input(label, "input-unreadable", f"corrupt zip member {info.filename}: {exc}",
                                 CORRUPT)]
    text = "\n".join(lines)
    if len(text) > MAX_PASTE_BYTES:
        return [failed_input(label, "input-too-large", f"its text is longer than {MAX_PASTE_BYTES} characters")]
    tmp = os.path.join(tmpdir, f"office-{depth}-{os.getpid()}.txt")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    try:
        inner = tz.member(tmp, label) if hasattr(tz, "member") else tz
        results = [_relabel(r, tmp, label) for r in _analyze_any(tmp, tmp, expect, inner, depth + 1, tmpdir)]
    finally:
        os.unlink(tmp)
    said = any(r.input.status != "failed" or any(f.code != "input-not-saml" for f in r.findings)
               for r in results)
    if not said and (not text.strip() or _error_text(text) is None):
        return [FileResult(InputResult(label, "skipped", kind=doc, reason=OFFICE_WITHOUT_SAML), (), (), ())]
    return [replace(r, input=replace(r.input, kind=f"{doc}:{r.input.kind}")) if r.input.kind else r
            for r in results]


def _zip_member(zf, info, member: str, budget: int, left: list[int], tmpdir: str, expect, tz, depth: int,
                out: list[FileResult], side=None) -> None:
    """One zip member analyzed as an input of its own, within what is left of the archive's budget."""
    if info.flag_bits & 0x1:
        out.append(failed_input(member, "input-unreadable", "encrypted zip member", ENCRYPTED))
        return
    if left[0] <= 0:
        out.append(failed_input(member, "input-too-large", f"the archive inflates to more than {budget} "
                                "bytes in all; treated as a decompression bomb"))
        return
    try:
        with zf.open(info) as src:
            used = _analyze_member(member, src, info.compress_size, tmpdir, expect, tz, depth, out,
                                   left[0], side)
        left[0] -= used  # after the call: the side files it read were taken from left[0] meanwhile
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError, zlib.error) as exc:
        out.append(failed_input(member, "input-unreadable", f"corrupt zip member: {exc}", CORRUPT))


def _fiddler_archive(label: str, zf: zipfile.ZipFile, budget: int, expect) -> list[FileResult]:
    """A Fiddler .saz: one capture of its sessions, read in session order like a HAR; its members
    are not inputs of their own (read one by one, the IdP's auto-post page and the browser's POST
    of it were a replay)."""
    from samlscan import engine
    from samlscan.flows import build_flows

    cap = fiddler_capture(label, zf, budget)
    if isinstance(cap, tuple):
        return [failed_input(label, *cap)]
    got = engine._Collected(list(cap.messages), list(cap.problems), flows=list(build_flows(cap)),
                            kind="fiddler-saz")
    return [engine.analyze_collected(label, got, expect)]


def fiddler_capture(label: str, zf: zipfile.ZipFile, budget: int):
    """The Capture of a Fiddler .saz (raw/NN_c.txt requests, NN_s.txt responses, NN_m.xml times),
    or (finding code, reason) when it cannot be read."""
    from samlscan import engine
    from samlscan.inputs import httpraw

    sessions: dict[int, dict[str, str]] = {}
    budget = min(budget, SAZ_MAX)  # held in memory at once, unlike members inflated to a file
    left = budget
    locked = 0
    inflating = httpraw.Inflating()  # (the sessions' gzip bodies: held in memory with them)
    for info in zf.infolist():
        m = httpraw.SAZ_MEMBER.match(info.filename)
        if m is None:
            continue
        if info.flag_bits & 0x1:  # Fiddler's "Save as password-protected" archive
            locked += 1
            continue
        try:
            with zf.open(info) as src:
                data = src.read(min(left, engine.MAX_PASTE_BYTES) + 1)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError, zlib.error) as exc:
            return ("input-unreadable", f"{info.filename}: corrupt zip member: {exc}")
        left -= len(data)
        if left < 0 or len(data) > engine.MAX_PASTE_BYTES:
            return ("input-too-large", f"{info.filename}: the archive inflates to more than {budget} "
                    "bytes; treated as a decompression bomb")
        sessions.setdefault(int(m.group(1)), {})[m.group(2).lower()] = (
            httpraw.message_text(data, inflating) if m.group(2).lower() in "cs" else data.decode("utf-8", "replace"))
    if locked and not sessions:
        return ("input-unreadable", f"a password-protected Fiddler archive ({locked} encrypted "
                "sessions): save the sessions again without a password")
    return httpraw.read_saz(sessions, label)


def zipped_har_capture(label: str, zf: zipfile.ZipFile, budget: int):
    """The Capture of the one HAR in a zip (Playwright's recordHar to a '.zip' path: 'har.har' and
    its bodies as side files, ZipSideFiles), its sources labelled '<label>!<member>'; (finding code,
    reason) when it cannot be read; None when the zip holds no HAR, or several."""
    from samlscan.inputs import har

    hars = [i for i in zf.infolist() if not i.is_dir() and i.filename.lower().endswith(".har")]
    if len(hars) != 1:
        return None
    info = hars[0]
    if info.flag_bits & 0x1:
        return ("input-unreadable", f"{info.filename}: encrypted zip member")
    left = [budget]
    side = ZipSideFiles(zf, info.filename, left)
    with tempfile.TemporaryDirectory(prefix="samlscan-") as tmpdir:
        tmp = os.path.join(tmpdir, "capture.har")
        try:
            with zf.open(info) as src, open(tmp, "wb") as dst:
                side.har_bytes = _copy_bounded(src, dst, min(_bound(info.compress_size), budget))
        except _TooLarge as exc:
            return ("input-too-large", f"{info.filename}: {exc}")
        except (_Cut, zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError, zlib.error) as exc:
            return ("input-unreadable", f"{info.filename}: corrupt zip member: {exc}")
        har.ARCHIVED[os.path.abspath(tmp)] = side
        try:
            return _relabel(har.read(tmp), tmp, f"{label}!{info.filename}")
        finally:
            har.ARCHIVED.pop(os.path.abspath(tmp), None)


def inflate_budget(size: int) -> int:
    """Bytes a zip of `size` bytes may inflate to, in all."""
    return min(INFLATE_MAX, max(ARCHIVE_MIN, INFLATE_RATIO * size))


def _archive_entry(label: str, kind: str, members: int) -> FileResult:
    """The archive's own line: `members` counts its own members, not those of an archive in it
    (listed as label!member!inner)."""
    return FileResult(InputResult(label, "scanned", kind=f"archive:{kind}",
                                  reason=f"{members} member(s), listed as {label}!<member>"),
                      (), (), ())


class _ZlibReader(io.RawIOBase):
    """A bare zlib stream (RFC 1950) read as a file, inflated as it is read (the zlib module has no
    file object of its own, as gzip, bz2 and lzma do)."""

    def __init__(self, path: str):
        self.raw, self.inflater = open(path, "rb"), zlib.decompressobj()

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        data = b""
        while not data and not self.inflater.eof:
            # (4 KiB in at a time: an error loses what its call inflated, and the checksum's error
            # comes with the last piece: a whole damaged stream was lost at 64 KiB a call)
            pending = self.inflater.unconsumed_tail or self.raw.read(4096)
            if not pending:
                raise EOFError("zlib stream cut short")
            data = self.inflater.decompress(pending, len(b))
        b[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self.raw.close()
        super().close()


def _zlib_open(path: str, mode: str = "rb"):
    return io.BufferedReader(_ZlibReader(path))


OPENERS = {"gzip": gzip.open, "bzip2": bz2.open, "xz": lzma.open, "zlib": _zlib_open, "evtx": evtx_open}
"""How each compressed kind of batch.container_kind is opened as a stream (inflated as it is read,
under the callers' bounds)."""


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


def _analyze_tar(label, path, kind, opener, size, expect, tz, depth, tmpdir) -> list[FileResult]:
    out: list[FileResult] = []
    members = 0
    raw = opener(path, "rb") if opener else open(path, "rb")
    try:
        stream = io.BufferedReader(_BoundedReader(raw, _bound(size) if opener else INFLATE_MAX))
        with tarfile.open(fileobj=stream, mode="r|") as tf:
            for ti in tf:
                member = f"{label}!{ti.name}"
                if ti.isdir():
                    continue
                members += 1
                if not ti.isfile():
                    out.append(skipped(member, "link or special entry in archive"))
                    continue
                src = tf.extractfile(ti)
                _analyze_member(member, src, max(ti.size // INFLATE_RATIO, 1), tmpdir, expect, tz,
                                depth, out)
    except _TooLarge as exc:
        return [failed_input(label, "input-too-large", str(exc))] + out
    except (OSError, EOFError, tarfile.TarError, lzma.LZMAError, ValueError, zlib.error) as exc:
        # a download cut short: what stood before the cut is evidence, read as any member is
        return [failed_input(label, "input-unreadable", f"corrupt {kind} data after {members} member(s) "
                             f"(listed with their own results; cut short?): {exc}", CORRUPT)] + out
    finally:
        raw.close()
    return [_archive_entry(label, "tar", members)] + out




def settings_members(label: str, path: str, kind: str, tmpdir: str) -> list[tuple[str, str]]:
    """The members of the archive (or compressed file) at `path` whose first bytes say settings
    (config.settings_kind), each inflated to a file of `tmpdir`: (its label, that file).

    Only the archive's top level: a nested archive would have to be inflated whole to look inside,
    and the settings of a ticket are its attachments, not files of a support bundle within it (its
    members stay inputs, their skip reason says how to give one). Within the bounds of the reading
    (the archive's budget; a compressed tar is streamed once more, as far as its own bound) and at
    most MAX_METADATA_BYTES each, the largest file a loader reads."""
    from samlscan.xmlsafe import MAX_METADATA_BYTES

    size = os.path.getsize(path)
    out: list[tuple[str, str]] = []

    def keep(member: str, src, compressed: int, left: int) -> int:
        from samlscan.config import settings_kind
        from samlscan.engine import SNIFF_BYTES

        head = src.read(SNIFF_BYTES)
        if settings_kind(head) is None:
            return len(head)
        # (a name of its own: every archive of the scan inflates to the same `tmpdir`, and no name
        # may begin another's, Found.relabel replaces each in the texts that quote it)
        fd, tmp = tempfile.mkstemp(prefix="member-", dir=tmpdir)
        cap = min(_bound(compressed), left, MAX_METADATA_BYTES)
        with os.fdopen(fd, "wb") as dst:
            dst.write(head)
            try:
                total = len(head) + _copy_bounded(src, dst, cap - len(head))
            except _TooLarge:  # (no settings file: the member is read as an input, and says so)
                return cap
        out.append((member, tmp))
        return total

    try:
        if kind in ("mail", "msg"):  # (an IdP's metadata attached to a ticket's e-mail)
            from samlscan import mailparts

            try:
                members, _ = _mail_parts(path, kind)
            except mailparts.MailError:  # (the scan reports it)
                return out
            for name, data in members:
                keep(f"{label}!{name}", io.BytesIO(data), len(data), INFLATE_MAX)
            return out
        if kind == "zip":
            with zipfile.ZipFile(path) as zf:
                from samlscan.inputs import httpraw

                if httpraw.is_saz(zf.namelist()):
                    return []
                left = inflate_budget(size)
                for info in zf.infolist():
                    if left <= 0:
                        break
                    if not info.is_dir() and not info.flag_bits & 0x1:
                        with zf.open(info) as src:
                            left -= keep(f"{label}!{info.filename}", src, info.compress_size, left)
            return out
        opener = OPENERS.get(kind)
        if kind == "tar" or (opener and _inner_is_tar(path, opener)):
            raw = opener(path, "rb") if opener else open(path, "rb")
            with raw, tarfile.open(fileobj=io.BufferedReader(_BoundedReader(raw, _bound(size) if opener
                                                                          else INFLATE_MAX)), mode="r|") as tf:
                for ti in tf:
                    if ti.isfile():
                        keep(f"{label}!{ti.name}", tf.extractfile(ti), max(ti.size // INFLATE_RATIO, 1),
                             INFLATE_MAX)
            return out
        with opener(path, "rb") as src:
            keep(label, src, size, INFLATE_MAX)
        return out
    except (_TooLarge, OSError, EOFError, NotImplementedError, RuntimeError, zipfile.BadZipFile,
            tarfile.TarError, lzma.LZMAError, ValueError, zlib.error):  # (the scan reports what it is)
        return out
