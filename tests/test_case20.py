"""Support case 20: Entra ID + SonarQube Server 2025 as two nodes behind one load balancer; a Chrome
HAR of a laptop 7 min behind, an Edge HAR whose ACS POST lands on the node whose clock is 11 min
behind (fixtures/gen_case20.py builds tests/data/case20/)."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from samlscan.cli import main

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "case20"
CERT = str(ROOT / "fixtures" / "keys" / "idp.crt")


def _json(*args) -> dict:
    got = CliRunner().invoke(main, [*args, "--idp-cert", CERT, "--format", "json"])
    assert got.exit_code in (0, 1), got.output
    return json.loads(got.stdout)


def test_the_node_whose_clock_is_off_is_named_though_its_host_has_a_node_on_time():
    """One host, two nodes (X-Served-By): the ACS POST answered by sonar-b, 11 min behind, while
    sonar-a answered the rest on time. By host alone the median hid it (unknown-failure)."""
    report = _json("check", str(DATA / "edge-maya.har"))
    off = [f for f in report["input_findings"] if f["code"] == "server-clock-off"]
    assert len(off) == 1 and "sonar.example.com (node sonar-b) is 11 min behind" in off[0]["message_text"]
    causes = [a["root_cause"] for a in report["attempts"]]
    assert causes.count("sp-clock-skew") == 1 and "unknown-failure" not in causes


def test_a_laptop_behind_is_said_once_and_cached_assets_are_no_witness():
    report = _json("check", str(DATA / "chrome-lena.har"))
    codes = [f["code"] for f in report["input_findings"]]
    assert codes.count("browser-clock-off") == 1 and "server-clock-off" not in codes
    said = next(f["message_text"] for f in report["input_findings"] if f["code"] == "browser-clock-off")
    assert "7 min behind" in said and "aadcdn" not in said


def test_generator_is_deterministic():
    import subprocess
    import sys
    got = subprocess.run([sys.executable, str(ROOT / "fixtures" / "gen_case20.py"), "--check"], capture_output=True)
    assert got.returncode == 0, got.stderr
