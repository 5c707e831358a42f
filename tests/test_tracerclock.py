"""The servers' clocks in captures a proxy held requests in: a Fiddler session held at a breakpoint
(har.date_sample, httpraw.saz_timings). Captures come from fixtures/gen_captures.py
(with_server_dates, saz).

SAML-tracer exports are left out: SAML-tracer keeps no time per request (src/SAMLTrace.js's Request
holds method, url, requestId, headers, get/post, saml; src/SAMLTraceIO.js adds only the export's
`timestamp`), so their Date headers have nothing of the browser's to be compared with."""
from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner

from samlscan.cli import main

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "fixtures"))
import gen_captures as gc  # noqa: E402

SETTINGS = ["--sp-entity-id", "sonarqube", "--acs-url", gc.ACS,
            "--idp-metadata", str(ROOT / "fixtures" / "metadata" / "idp-metadata.xml")]


def _json(*args) -> dict:
    got = CliRunner().invoke(main, [*args, "--format", "json"])
    assert got.exit_code in (0, 1), got.output
    return json.loads(got.stdout)


def _said(report: dict, code: str) -> list[str]:
    return [f["message_text"] for f in report["input_findings"] if f["code"] == code]


def _fiddler(tmp_path, held: dict[int, float], server_off: dict | None = None) -> Path:
    req, resp = gc._pick_pair(ROOT / "fixtures")
    entries = gc.attempt(req, resp, "5c10c4be12345678", 0, result="/projects") + gc.cdn_assets(0.3, 3)
    path = tmp_path / "login.saz"
    path.write_bytes(gc.saz(gc.with_server_dates(entries, server_off=server_off), held))
    return path


def test_a_fiddler_breakpoint_is_no_server_clock_ahead(tmp_path):
    """`bpu sonar.example.com`: Fiddler held each request to the SP for a minute or more before
    sending it on; the SP wrote its Date when it got it. ClientBeginRequest is when Fiddler read
    the request: by it alone the SP's clock read minutes ahead."""
    report = _json("check", str(_fiddler(tmp_path, {0: 75, 2: 140, 3: 60})), *SETTINGS)
    assert not _said(report, "server-clock-off") and not _said(report, "browser-clock-off")
    assert [a["outcome"] for a in report["attempts"]] == ["success"]


def test_automatic_breakpoints_before_every_request_hide_no_clock(tmp_path):
    """Rules > Automatic Breakpoints > Before Requests: every request held for its own while (20 s
    to 74 s); by ClientBeginRequest the hosts' Dates disagreed with each other by as much, and the
    SP 9 min behind was not told."""
    held = {n: 20 + 9 * n for n in range(7)}
    report = _json("check", str(_fiddler(tmp_path, held, {"sonar.example.com": timedelta(minutes=-9)})), *SETTINGS)
    (said,) = _said(report, "server-clock-off")
    assert "the clock of sonar.example.com is 9 min behind" in said
