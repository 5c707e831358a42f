"""Walk the paths of a scan: the files to read, and every other path with why it is not read."""
from __future__ import annotations

import errno
import fnmatch
import hashlib
import os
import stat

from samlscan.engine import FileResult, failed_input
from samlscan.model import InputResult
from samlscan.unreadable import LINK_LOOP, fix_for

def _matches(rel: str, globs) -> bool:
    name = os.path.basename(rel)
    return any(fnmatch.fnmatch(name, g) or fnmatch.fnmatch(rel, g) for g in globs)


READ_AS_SETTINGS = "read as settings (configuration, IdP metadata or SP settings)"
"""Why a configuration file met in the scan (a file walked, an archive's member) is no evidence."""


def skipped(path: str, reason: str) -> FileResult:
    return FileResult(InputResult(path, "skipped", reason=reason), (), (), ())


def empty_capture(label: str, blank: bool = False) -> FileResult | None:
    """A 0-byte file named as a HAR (`blank`: one of white space only): the browser's export failed
    (its name is all there is to go by); None for an empty file of any other name, which holds no
    evidence of any kind."""
    if not label.lower().endswith(".har"):
        return None
    from samlscan.inputs.blob import EMPTY

    what = "nothing but white space" if blank else "0 bytes"
    return failed_input(label, "input-capture-empty", f"{EMPTY}: a HAR of {what}, its export failed")


def blank(head: bytes, size: int) -> bool:
    """The whole file (`size` bytes, all in `head`) is white space, after a UTF-8 byte order mark."""
    return size <= len(head) and not head.removeprefix(b"\xef\xbb\xbf").strip()


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
                other.append(failed_input(p, "input-unreadable", "symbolic link loop", LINK_LOOP))
            elif os.path.islink(p):
                other.append(skipped(p, "broken symbolic link"))
            else:
                other.append(failed_input(p, "input-unreadable", f"cannot read: {exc.strerror or exc}",
                                          fix_for(exc)))
            return
        if stat.S_ISDIR(st.st_mode):
            key = (st.st_dev, st.st_ino)
            if key in seen_dirs:
                other.append(skipped(p, "directory already visited (symbolic link loop)"))
                return
            seen_dirs.add(key)
            try:
                entries = sorted(os.listdir(p))
            except OSError as exc:
                other.append(failed_input(p, "input-unreadable", f"cannot list: {exc.strerror or exc}",
                                          fix_for(exc)))
                return
            for e in entries:
                child = os.path.join(p, e)
                if e.startswith("."):
                    other.append(skipped(child, "hidden"))
                    continue
                visit(child, root if root is not None else p)
            return
        if root is not None and (include or exclude):  # found by the walk: the globs apply
            rel = os.path.relpath(p, root)
            if include and not _matches(rel, include):
                other.append(skipped(p, "not matched by --include"))
                return
            if exclude and _matches(rel, exclude):
                other.append(skipped(p, "matched by --exclude"))
                return
        if not stat.S_ISREG(st.st_mode):
            other.append(skipped(p, "not a regular file"))  # never open a FIFO or a device
        elif st.st_size == 0 and root is not None:  # a file named by the user gets a finding
            other.append(empty_capture(p) or skipped(p, "empty file"))
        else:
            files.append(p)

    for p in paths:
        if p == "-":
            files.append(p)
        else:
            visit(p, None)
    return files, other




def _digest(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None  # (its reader says why it cannot be read)


def same_bytes(files: list[str], only=lambda path: True) -> tuple[list[str], list[FileResult]]:
    """The files to read with each content once, and the later copies skipped, naming the first.

    A ticket's attachments hold the same HAR twice under two names (attached again, a folder and
    its copy): read twice, its messages and findings were counted twice. `only`: the files for
    which the same bytes are the same evidence. Only files of the same size are asked and hashed
    (a cost in reading only where a copy can be)."""
    by_size: dict[int, list[str]] = {}
    for f in files:
        if f != "-":
            try:
                by_size.setdefault(os.stat(f).st_size, []).append(f)
            except OSError:
                continue
    first: dict[str, str] = {}
    copies: dict[str, str] = {}
    for group in by_size.values():
        if len(set(group)) < 2:
            continue
        for f in dict.fromkeys(group):
            digest = _digest(f) if only(f) else None
            if digest is not None:
                if digest in first:
                    copies[f] = first[digest]
                else:
                    first[digest] = f
    return [f for f in files if f not in copies], [
        skipped(f, f"a copy of {copies[f]} (the same bytes): read once") for f in files if f in copies]
