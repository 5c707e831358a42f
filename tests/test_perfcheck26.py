"""Start-up of `samlscan check ONE.xml`: the modules an XML message does not need stay unimported.

Each is a start-up cost paid by every process (`check`, `scan`): the wrapped-log readers
(samlscan.logs.wrapped and what it pulls in) are only needed once a log reader was found, and
statistics (which imports fractions and compiles its regex) only when a capture's Date headers
are read (inputs.serverclock.reading). The answer itself is unchanged (compared with the
behaviour tests in test_serverclock*.py and the sniffing tests).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CFG = ROOT / "fixtures" / "config" / "default.toml"

_PROBE = """
import json, sys
from samlscan.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
sys.stdout.flush()
print("\\nMODULES " + json.dumps(sorted(sys.modules)))
"""


def _modules_after(*args: str) -> tuple[str, set[str]]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, env=env,
                       cwd=ROOT, timeout=120)
    out, _, mods = p.stdout.rpartition("\nMODULES ")
    assert mods, p.stderr
    return out, set(json.loads(mods))


def _a_signed_response() -> Path:
    """A valid signed Response of the fixtures (fixtures/responses/valid: samlgen's)."""
    found = sorted((ROOT / "fixtures" / "responses" / "valid").glob("*.xml"))
    assert found, "no valid fixture responses"
    return found[0]


def test_check_of_one_xml_message_leaves_wrapped_logs_and_statistics_unimported():
    out, mods = _modules_after("check", str(_a_signed_response()), "--config", str(CFG), "--fail-on", "never")
    assert "Signed" in out  # the message was read, verified and reported
    assert "samlscan.correlate" in mods  # (its login attempts too)
    assert "samlscan.logs.wrapped" not in mods
    assert "statistics" not in mods


def test_a_wrapped_log_still_loads_its_reader(tmp_path):
    log = tmp_path / "forwarded.log"
    log.write_text("<134>1 2025-03-11T08:41:00Z idp01 keycloak 4242 - - type=LOGIN_ERROR, "
                   "realmId=acme, clientId=sonarqube, userId=null, error=user_not_found\n" * 3)
    _, mods = _modules_after("check", str(log), "--config", str(CFG), "--fail-on", "never")
    assert "samlscan.logs.wrapped" in mods
