"""Start-up: `samlscan check ONE.xml` imports shlex and shutil (with bz2 and lzma) only where the CLI
uses them, and the module-level patterns of the settings and of the modules a check imports are
compiled when a run uses them."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from probe_util import CHECK_AND_COMPILED

ROOT = Path(__file__).resolve().parent.parent
ONE_XML = "fixtures/responses/valid/okta.xml"
CONFIG = "fixtures/config/default.toml"  # (its at = "...Z" is a string: times._ZONE_AT_END reads it)

_PROBE = """
import json, os, re, sys
modules, patterns, args = sys.argv[1].split(","), sys.argv[2].split(","), sys.argv[3:]
sys.argv = ["samlscan", "check", *args, "-q", "--fail-on", "never"]
""" + CHECK_AND_COMPILED + """
found = {"imported": sorted(m for m in modules if m in sys.modules),
         "compiled": sorted(p for p in patterns if p.rpartition(".")[0] in sys.modules
                            and compiled(vars(sys.modules[p.rpartition(".")[0]]).get(p.rpartition(".")[2])))}
# then a table for a terminal asks for the terminal's width
sys.stdout.isatty = lambda: True
os.environ["COLUMNS"] = "97"
found["width"] = cli._terminal_width("table", None)
found["imported_for_width"] = sorted(m for m in modules if m in sys.modules)
print(json.dumps(found))
"""

LAZY_MODULES = ("shlex", "shutil", "bz2", "lzma")
"""Imported by the CLI for the --output refusal (shlex) and a table's terminal width (shutil, which
brings bz2 and lzma): no other module of a check needs them."""

LAZY_PATTERNS = ("samlscan.config.files._URL", "samlscan.config.times._ZONE_AT_END",
                     "samlscan.config.metadata._DATE_FIRST", "samlscan.config.metadata._DURATION",
                     "samlscan.config.urls._KEYCLOAK_REALM", "samlscan.codes._PLAIN_WORD",
                     # (and of the modules a check of one XML imports, for other inputs)
                     "samlscan.engine._GIVE_WITH", "samlscan.engine._LOG_TIME", "samlscan.saml._FRACTION",
                     "samlscan.saml._OFFSET_AT_END", "samlscan.sigverify._LINE_BREAK", "samlscan.ansi._SEQUENCE",
                     "samlscan.ansi.SEQUENCE_BYTES", "samlscan.ansi._LINE_START", "samlscan.unreadable.PASTED",
                     "samlscan.unreadable._WINDOWS", "samlscan.decode._NOT_B64", "samlscan.decode._PARTIAL_ESCAPE",
                     "samlscan.checks.attributes._GUID", "samlscan.checks.attributes._SID",
                     "samlscan.checks.attributes._OKTA_EXPRESSION", "samlscan.checks.attributes._EMAIL",
                     "samlscan.checks.signature._ENTRA_TENANT")
"""Patterns a check of one XML without settings files, --at or a Keycloak URL never uses."""


def _probe(tmp_path, *args: str) -> tuple[dict, dict | None, str]:
    """In a fresh interpreter: `samlscan check ARGS --format json -o REPORT`; which of LAZY_MODULES
    it imported and which of LAZY_PATTERNS it compiled (then, which modules asking a terminal's
    width imported, and the width), its JSON report (None: none written) and its stderr."""
    probe, out = tmp_path / "probe.py", tmp_path / "report.json"
    probe.write_text(_PROBE)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, str(probe), ",".join(LAZY_MODULES), ",".join(LAZY_PATTERNS),
                          "--format", "json", "-o", str(out), *args],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return (json.loads(run.stdout.strip().splitlines()[-1]),
            json.loads(out.read_text()) if out.exists() else None, run.stderr)


def test_check_of_one_xml_imports_neither_shlex_nor_shutil(tmp_path):
    found, report, _ = _probe(tmp_path, ONE_XML)
    assert found["imported"] == []
    assert len(report["messages"]) == 1 and report["attempts"]
    # the other case: a table for a terminal imports shutil (bz2 and lzma with it) for its width
    assert found["width"] == 97
    assert found["imported_for_width"] == ["bz2", "lzma", "shutil"]


def test_output_into_a_missing_folder_imports_shlex_to_quote_it(tmp_path):
    folder = tmp_path / "no such dir"
    found, report, stderr = _probe(tmp_path, ONE_XML, "-o", str(folder / "r.json"))
    assert f"mkdir -p '{folder}'" in stderr and report is None
    assert found["imported"] == ["shlex"]


def test_check_of_one_xml_compiles_no_settings_pattern(tmp_path):
    found, report, _ = _probe(tmp_path, ONE_XML)
    assert found["compiled"] == []
    assert len(report["messages"]) == 1


def test_a_coloured_console_log_compiles_the_ansi_patterns(tmp_path):
    # the other case for the modules a check imports: a console copied with its colours is read
    # through ansi's patterns
    found, report, _ = _probe(tmp_path, "tests/data/console20/keycloak-quarkus-ansi.log")
    assert {"samlscan.ansi.SEQUENCE_BYTES", "samlscan.ansi._LINE_START"} <= set(found["compiled"])
    assert "samlscan.checks.signature._ENTRA_TENANT" not in found["compiled"]  # (no message to check)
    assert report["summary"]["events"] and report["attempts"]


def test_a_setting_that_needs_its_pattern_compiles_it(tmp_path):
    # the other case: the config's `at` string is read for its zone (times._ZONE_AT_END)
    found, report, _ = _probe(tmp_path, ONE_XML, "--config", CONFIG)
    assert "samlscan.config.times._ZONE_AT_END" in found["compiled"]
    assert "samlscan.config.files._URL" not in found["compiled"]  # (no URL given for a file)
    assert report["messages"]
