"""A Caddy access line of a SAML path cut or mangled is counted as a malformed line of its log (as every
reader counts its unreadable records), not dropped as if the log held one login request fewer."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from samlscan.logs import caddy
from samlscan.logs.base import Malformed

SAMPLE = Path(__file__).resolve().parent / "data" / "proxies29" / "caddy" / "caddy-access.log"


def _cut_callback(tmp_path) -> Path:
    lines = SAMPLE.read_text().splitlines()
    at = next(k for k, line in enumerate(lines) if "/oauth2/callback/saml" in line)
    lines[at] = lines[at][: len(lines[at]) // 2]  # (the uri is in its first half)
    out = tmp_path / "caddy-access.log"
    out.write_text("\n".join(lines) + "\n")
    return out


def test_a_cut_saml_line_is_a_malformed_line_of_its_log(tmp_path):
    p = subprocess.run([sys.executable, "-m", "samlscan", "scan", str(_cut_callback(tmp_path)), "--format", "json"],
                       capture_output=True, text=True)
    (inp,) = json.loads(p.stdout)["inputs"]
    assert (inp["kind"], inp["status"], inp.get("malformed_lines")) == ("log:caddy-access", "scanned", 1)


def test_a_cut_line_of_another_path_is_no_record():
    line = '{"level":"info","logger":"http.log.access.log0","request":{"uri":"/api/system/status'
    assert caddy.read(1, line, "x") is None
    assert isinstance(caddy.read(1, line.replace("/api/system/status", "/oauth2/callback/saml"), "x"), Malformed)
