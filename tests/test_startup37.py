"""Start-up: `samlscan check ONE.xml --config ...` imports what the run needs and no more (the
flows package's names are imported when first asked for: an SSO URL placed by idp_at imports
idppages alone, not the capture's flow builder; correlate imports a capture's clock and broker
modules only for a capture)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = "fixtures/config/default.toml"  # (its SSO URL: correlate asks flows.idp_at for its IdP)

_PROBE = """
import json, sys
out, names, args = sys.argv[1], sys.argv[2].split(","), sys.argv[3:]
sys.argv = ["samlscan", "check", *args, "--format", "json", "-o", out, "-q", "--fail-on", "never"]
from samlscan import cli
try:
    cli.main()
except SystemExit:
    pass
print(json.dumps(sorted(n for n in names if n in sys.modules)))
"""

CAPTURE_ONLY = ("samlscan.flows.exchange", "samlscan.flows.build", "samlscan.flows.cookies",
                "samlscan.flows.hops",
                "samlscan.flows.outcome", "samlscan.flows.pairing", "samlscan.flows.sppages",
                "samlscan.inputs.serverclock", "samlscan.correlate.broker")
"""The modules only a capture (HAR, trace) needs: its flows, its servers' clocks, its broker hops."""


def _imported(tmp_path, names, *args: str) -> tuple[list[str], dict]:
    """In a fresh interpreter: `samlscan check ARGS`; which of `names` it imported, and its report."""
    probe, out = tmp_path / "probe.py", tmp_path / "report.json"
    probe.write_text(_PROBE)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, str(probe), str(out), ",".join(names), *args], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1]), json.loads(out.read_text())


def test_check_of_one_xml_places_the_sso_url_without_the_capture_modules(tmp_path):
    found, report = _imported(tmp_path, ("samlscan.flows.idppages", *CAPTURE_ONLY),
                              "fixtures/responses/valid/adfs.xml", "--config", CONFIG)
    assert found == ["samlscan.flows.idppages"]  # (asked for: the SSO URL was placed)
    assert report["attempts"] and len(report["messages"]) == 1


def test_check_of_a_capture_imports_the_capture_modules(tmp_path):
    # the other case: a HAR's flows are built, and the probe sees those imports
    found, report = _imported(tmp_path, CAPTURE_ONLY, "fixtures/captures/chrome-success.har", "--config", CONFIG)
    assert {"samlscan.flows.exchange", "samlscan.flows.build", "samlscan.flows.pairing",
            "samlscan.inputs.serverclock", "samlscan.correlate.broker"} <= set(found)
    assert report["messages"]


def test_flows_names_resolve_lazily():
    import samlscan.flows as flows

    assert set(flows.__all__) <= set(dir(flows))
    import samlscan.flows.build  # noqa: F401 (imports unanswered as a submodule: the name stays the function)

    for name in flows.__all__:  # each name is its module's own object
        module = flows._WHERE.get(name, "unanswered")
        assert getattr(flows, name) is getattr(sys.modules[f"samlscan.flows.{module}"], name)
    assert callable(flows.unanswered)
    try:
        flows.no_such_name
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("an unknown name must raise AttributeError")
