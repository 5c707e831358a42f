"""The suite runs on every core by default (pytest-xdist, the `test` extra): as if `-n auto --dist
loadfile` were given. Said here, not in setup.cfg's addopts, so that `-p no:xdist` and a venv
without pytest-xdist still run it serially (addopts' `-n` would be an unknown argument there);
an explicit `-n N` (`-n 0`: serial) or `--dist MODE` wins."""
from __future__ import annotations

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
