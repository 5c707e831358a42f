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
    if not hasattr(config, "workerinput"):
        _compile_samlscan()
    if not config.pluginmanager.hasplugin("xdist") or hasattr(config, "workerinput"):
        return
    if config.option.numprocesses is None and not config.option.collectonly:
        config.option.numprocesses = "auto"
        if config.option.dist == "no":
            config.option.dist = DIST
    # (xdist hands out a file at a time in the workers' collection order, HEAVY first: not by its count
    # of tests, which put the heaviest files, a few slow tests each, last and alone on one core)
    config.option.loadscopereorder = False


def _compile_samlscan() -> None:
    """samlscan's bytecode written once, before the tests: the samlscan processes they start read it.
    Where PYTHONDONTWRITEBYTECODE is set (this CI's machine has it) no import writes it, and each of
    those processes compiled every module it imported again: 0.75 CPU-s a `samlscan check`, not 0.35."""
    import compileall
    from pathlib import Path

    compileall.compile_dir(str(Path(__file__).resolve().parent.parent / "samlscan"), quiet=2)


HEAVY = (
    # measured (suite38, suite39): each file alone, serially, its CPU seconds (user+sys of
    # `/usr/bin/time python -m pytest -n 0 -p no:cacheprovider tests/FILE`), most first
    "test_summary28.py",  # 49.0 (60.5 before suite39: a case's JSON scan once, not twice; subprocesses)
    "test_redact23.py",  # 46.7 (113.6 before: one Redactor per report, not per format)
    "test_jobsdiff29.py",  # 45.7 (93.4 before: one scan per reading, its report rendered in each format)
    "test_review28.py",  # 44.1 (subprocesses: a scan per format and --jobs)
    "test_wrapped21.py",  # 32.6
    "test_fuzz22.py",  # 32.6 (94% of its tabs test in har.read of 1,200 tabs)
    "test_sniff24.py",  # 30.9 (39.7 before suite39: logs, reports and plans once; split logs 3.2 MB)
    "test_fuzz7.py",  # 28.6 (load_idp_metadata of 224,000 entities; read_page's growth)
    "test_replaycut31.py",  # 26.5 (27.7 before suite39: a layout's whole reading once)
    "test_hostile.py",  # 26.3 (its bombs' subprocesses wait on wall time besides)
    "test_fuzz11.py",  # 23.5 (28.4 before suite39: the hostile folder scanned 4 times, not 12)
    "test_fuzz12.py",  # 23.1
    "test_jsonranges31.py",  # 22.6
    "test_loki32.py",  # 21.8 (subprocesses on 8 MB lines)
    "test_wrapped16.py",  # 21.3
    "test_fuzz20.py",  # 19.4 (27.6 before suite39: growth_util stops at the first big run within the limit)
    "test_siem_exports.py",  # 17.9
    "test_fuzz10.py",  # 17.7 (19.0 before suite39: the hostile folder scanned 4 times, not 13)
    "test_paste_shapes.py",  # 15.2
    "test_damaged33.py",  # 13.7
    "test_fuzz8.py",  # 11.4
    "test_fixtures_generator.py",  # 8.1
    "test_console20.py",  # 6.8
)
"""The test files that take longest alone (CPU seconds of the file run alone and serially, as above:
wall time on this shared VM is noise): begun first, so that no core runs one alone at the end while
the other is done. A file not listed comes after them, the files with
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
