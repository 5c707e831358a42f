"""The suite runs on every core by default (pytest-xdist, the `test` extra): as if `-n auto --dist
loadfile` were given. Said here, not in setup.cfg's addopts, so that `-p no:xdist` and a venv
without pytest-xdist still run it serially (addopts' `-n` would be an unknown argument there);
an explicit `-n N` (`-n 0`: serial) or `--dist MODE` wins."""
from __future__ import annotations

from collections import Counter

import pytest

DIST = "loadfile"
"""A test file's tests on one worker: its module-scoped fixtures (scans, generated folders) are
computed once, not once a worker (`load` and `worksteal` split a file's tests over workers)."""


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    if not config.pluginmanager.hasplugin("xdist") or hasattr(config, "workerinput"):
        return
    if config.option.numprocesses is None and not config.option.collectonly:
        config.option.numprocesses = "auto"
        if config.option.dist == "no":
            config.option.dist = DIST
    # (xdist hands out a file at a time in the workers' collection order, HEAVY first: not by its count
    # of tests, which put the heaviest files, a few slow tests each, last and alone on one core)
    config.option.loadscopereorder = False


HEAVY = (
    # measured (s, whole suite on main, 2 workers under load): the named files of one slow sweep each
    # (suite37: the three files it cut are ranked by their measured serial CPU time, before -> after,
    # scaling their old figure alike)
    "test_redact23.py",  # the redact audit of every fixture
    "test_jobsdiff29.py",  # --jobs 1 and 2 give the same bytes, on every case
    "test_wrapped21.py",  # ~71 (135; CPU 63.9 -> 33.6 s: 4,000 late lines, not 10,000)
    "test_fuzz12.py",  # 68
    "test_hostile.py",  # 61
    "test_siem_exports.py",  # ~56 (163; CPU 51.6 -> 17.7 s: the 30 MB one-line export in 10,000 rows)
    "test_wrapped16.py",  # ~55 (86; CPU 40.5 -> 25.8 s: 5,000 late lines, not 10,000)
    "test_paste_shapes.py",  # 45
    "test_damaged33.py",  # 40
    "test_fuzz8.py",  # 30
    "test_fixtures_generator.py",  # 22
    "test_console20.py",  # 22
)
"""The test files that take longest alone (seconds of their tests' setup, call and teardown, measured
with --durations=0 on the whole suite, -n 2 --dist loadfile, 2 cores): begun first, so that no core
runs one alone at the end while the other is done. A file not listed comes after them, the files with
more tests first (xdist's own order: --loadscope-reorder)."""


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Each worker's collection (xdist's order of work) with HEAVY's files first; a file's tests stay in
    their order. Not in a serial run: its files' order is the usual one."""
    if not hasattr(config, "workerinput"):
        return
    files = Counter(item.nodeid.split("::", 1)[0] for item in items)
    rank = {name: i for i, name in enumerate(HEAVY)}

    def first(item) -> tuple[int, int]:
        path = item.nodeid.split("::", 1)[0]
        return rank.get(path.rsplit("/", 1)[-1], len(HEAVY)), -files[path]

    items.sort(key=first)
