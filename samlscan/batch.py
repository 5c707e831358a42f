"""`samlscan scan`: walk paths, account for every file, analyze the readable ones."""
from __future__ import annotations

import fnmatch
import os
from dataclasses import replace
from pathlib import Path

from samlscan.engine import Report, analyze
from samlscan.model import InputResult


def walk(paths: list[str], include=(), exclude=()) -> tuple[list[str], list[InputResult]]:
    """Files to analyze, and the ones skipped with a reason. Symlink loops are reported, not followed."""
    files, skipped = [], []
    seen_dirs: set[tuple[int, int]] = set()

    def wanted(p: str) -> str | None:
        name = os.path.basename(p)
        if include and not any(fnmatch.fnmatch(name, g) or fnmatch.fnmatch(p, g) for g in include):
            return "not matched by --include"
        if any(fnmatch.fnmatch(name, g) or fnmatch.fnmatch(p, g) for g in exclude):
            return "matched by --exclude"
        return None

    def visit(p: str) -> None:
        if os.path.isdir(p):
            st = os.stat(p)
            key = (st.st_dev, st.st_ino)
            if key in seen_dirs:
                skipped.append(InputResult(p, "skipped", reason="directory already visited (symlink loop)"))
                return
            seen_dirs.add(key)
            try:
                entries = sorted(os.listdir(p))
            except OSError as exc:
                skipped.append(InputResult(p, "failed", reason=f"cannot list: {exc.strerror}"))
                return
            for e in entries:
                if e.startswith(".") and e not in (".",):
                    continue
                visit(os.path.join(p, e))
        elif os.path.islink(p) and not os.path.exists(p):
            skipped.append(InputResult(p, "skipped", reason="broken symbolic link"))
        elif os.path.isfile(p):
            why = wanted(p)
            if why:
                skipped.append(InputResult(p, "skipped", reason=why))
            elif os.path.getsize(p) == 0:
                skipped.append(InputResult(p, "skipped", reason="empty file"))
            else:
                files.append(p)
        else:
            files.append(p)  # missing or special: analyze() reports it as input-unreadable

    for p in paths:
        visit(p)
    return files, skipped


def run_scan(paths, expect, include=(), exclude=(), jobs=0, tz=None, show_progress=False) -> Report:
    files, skipped = walk(paths, include, exclude)
    report = analyze(files, expect, tz=tz)
    return replace(report, inputs=report.inputs + tuple(skipped))
