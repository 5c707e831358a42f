"""--redact masks an IP address in an input's path too: AWS names an ALB's log objects after the
node's address ('..._20261204T1010Z_10.0.2.41_960384a0.log.gz'), joined to its neighbours by '_'."""
import subprocess
import sys
from pathlib import Path

import pytest

from samlscan.report.redact import Redactor

CASE = Path(__file__).parent / "data" / "case28"
NODE = "10.0.2.41"


def test_an_address_between_underscores_is_masked():
    name = f"123456789012_elasticloadbalancing_eu-west-1_app.sonar-alb.5e1f0c2a9b8d7e6f_20261204T1010Z_{NODE}_960384a0.log.gz"
    out = Redactor().text(name)
    assert NODE not in out and "<ip:" in out and out.endswith("_960384a0.log.gz")


@pytest.mark.parametrize("text", ["version 1.2.3.4.5", "v10.0.2.41", "oid:2.5.4.42", "SAML profiles 4.1.4.2"])
def test_what_is_no_address_stays(text):
    assert Redactor().text(text) == text


@pytest.mark.parametrize("fmt", ["json", "sarif", "csv", "table", "html"])
def test_no_output_shows_the_node_address_of_an_object_name(fmt, tmp_path):
    assert any(NODE in p.name for p in CASE.iterdir())  # (the case's ALB objects carry it)
    out = tmp_path / f"r.{fmt}"
    run = subprocess.run([sys.executable, "-m", "samlscan", "scan", str(CASE), "--redact", "--format", fmt,
                          "-o", str(out), "--fail-on", "never"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert NODE not in out.read_text(encoding="utf-8") and NODE not in run.stderr
