"""Start-up: a check compiles the patterns of the readers it uses, not those its imports bring
(samlscan.lazyre), and a lazily compiled pattern is the compiled pattern once used."""
from __future__ import annotations

import json
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest
from probe_util import CHECK_AND_COMPILED

ROOT = Path(__file__).resolve().parent.parent

_PROBE = """
import json, re, sys
path, names = sys.argv[1], sys.argv[2:]
sys.argv = ["samlscan", "check", path, "--format", "json", "-o", sys.argv[0] + ".json", "-q",
            "--fail-on", "never"]
""" + CHECK_AND_COMPILED + """
print(json.dumps({name: sorted(k for k, v in vars(sys.modules[name]).items() if compiled(v))
                  if name in sys.modules else None for name in names}))
"""


def _check_compiles(tmp_path, fixture: str, *modules: str) -> tuple[dict, dict]:
    """In a fresh interpreter: `samlscan check fixture`; the module-level patterns of each of
    `modules` compiled by then (None: not imported), and the JSON report."""
    probe = tmp_path / "probe.py"
    probe.write_text(_PROBE)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, str(probe), fixture, *modules], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    report = json.loads((tmp_path / "probe.py.json").read_text())
    return json.loads(run.stdout.strip().splitlines()[-1]), report


def test_check_of_one_xml_compiles_no_log_reader_pattern(tmp_path):
    # the embedded and SonarQube access log readers are imported (sniffing, correlate) but read nothing
    found, report = _check_compiles(tmp_path, "fixtures/responses/valid/adfs.xml",
                                    "samlscan.logs.embedded", "samlscan.logs.sqaccess")
    assert found == {"samlscan.logs.embedded": [], "samlscan.logs.sqaccess": []}
    assert len(report["messages"]) == 1


def test_check_of_one_xml_imports_no_capture_or_page_reader(tmp_path):
    # correlate and the sniff asked for the flows package and the error-page patterns at import
    found, report = _check_compiles(tmp_path, "fixtures/responses/valid/adfs.xml",
                                    "samlscan.flows", "samlscan.errorpages")
    assert found == {"samlscan.flows": None, "samlscan.errorpages": None}
    assert report["attempts"]


def test_check_of_a_capture_imports_the_flows(tmp_path):
    found, report = _check_compiles(tmp_path, "fixtures/captures/chrome-success.har", "samlscan.flows")
    assert found["samlscan.flows"] is not None
    assert report["messages"]


def test_check_of_a_log_compiles_its_reader_patterns(tmp_path):
    # the other case: the reader used compiles its patterns (the probe sees it), and reads the log
    found, report = _check_compiles(tmp_path, "fixtures/logs/embedded/rails-omniauth-saml.log",
                                    "samlscan.logs.embedded")
    assert found["samlscan.logs.embedded"]
    assert report["messages"]


def test_lazy_pattern_matches_as_compiled():
    from samlscan import lazyre

    lazy, eager = lazyre.compile(r"(?P<k>\w+)=(\d+)", re.I), re.compile(r"(?P<k>\w+)=(\d+)", re.I)
    assert "match" not in vars(lazy)  # nothing compiled before use
    text = "a=1 B=22 c=x"
    assert lazy.search(text).group("k", 2) == eager.search(text).group("k", 2)
    assert lazy.findall(text) == eager.findall(text)
    assert lazy.sub(r"\2", text) == eager.sub(r"\2", text)
    assert (lazy.pattern, lazy.flags, lazy.groups, lazy.groupindex) == \
        (eager.pattern, eager.flags, eager.groups, eager.groupindex)
    assert lazy.match("=") is None
    assert pickle.loads(pickle.dumps(lazy)) == eager  # a worker process gets the compiled pattern


def test_lazy_pattern_error_at_first_use():
    from samlscan import lazyre

    bad = lazyre.compile(r"(unclosed")  # (a module's import never fails on it; its first use does)
    with pytest.raises(re.error):
        bad.search("x")
