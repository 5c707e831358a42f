"""SAML Chrome Panel exports: the panel's JSON of HAR entries reads like the HAR it came from."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from samlscan.config import build
from samlscan.correlate import correlate
from samlscan.engine import analyze
from samlscan.inputs import chromepanel, har

CAPTURES = Path(__file__).resolve().parents[1] / "fixtures" / "captures"
CONFIG = Path(__file__).resolve().parents[1] / "fixtures" / "config" / "default.toml"


def panel_export(har_path: Path) -> str:
    """What the panel's Export button writes for the same traffic: each HAR entry keyed by a
    growing id, with the panel's own fields (milton-lai/saml-chrome-panel panel.js addRequest)."""
    entries = json.loads(har_path.read_text())["log"]["entries"]
    out = {}
    for i, e in enumerate(entries):
        req, resp = e["request"], e["response"]
        out[str(1000000 + i)] = dict(e, request_url=req["url"], request_method=req["method"],
                                     response_status=resp["status"], id=1000000 + i, saml=None,
                                     headers=req.get("headers", []), cookies=req.get("cookies", []),
                                     request_data=[{"name": "url", "value": req["url"]}])
    return json.dumps(out)


@pytest.mark.parametrize("name", ["chrome-success.har", "firefox-unauthorized.har", "multi-flow-retry.har"])
def test_a_panel_export_reads_like_its_har(name, tmp_path):
    export = tmp_path / "SAMLChromeExport.json"
    export.write_text(panel_export(CAPTURES / name))
    assert chromepanel.sniff(export.read_bytes()[:65536]) and not har.sniff(export.read_bytes()[:65536])
    from_har, from_panel = har.read(str(CAPTURES / name)), chromepanel.read(str(export))
    assert [(m.value, m.binding, m.captured_at) for m in from_panel.messages] == \
        [(m.value, m.binding, m.captured_at) for m in from_har.messages]
    assert [(x.leg, x.status, x.url) for x in from_panel.exchanges] == \
        [(x.leg, x.status, x.url) for x in from_har.exchanges]
    expect = build({}, CONFIG)
    a = correlate(analyze([str(CAPTURES / name)], expect))
    b = correlate(analyze([str(export)], expect))
    assert b.inputs[0].kind == "saml-chrome-panel" and b.inputs[0].status == "scanned"
    assert [(x.outcome, x.root_cause) for x in b.attempts] == [(x.outcome, x.root_cause) for x in a.attempts]
    assert sorted(f.code for f in b.all_findings()) == sorted(f.code for f in a.all_findings())


def test_a_broken_or_foreign_panel_file_is_a_problem_not_a_crash(tmp_path):
    truncated = tmp_path / "cut.json"
    truncated.write_text(panel_export(CAPTURES / "chrome-success.har")[:5000])
    got = chromepanel.read(str(truncated))
    assert not got.messages and [p.code for p in got.problems] == ["input-unreadable"]
    listed = tmp_path / "list.json"
    listed.write_text("[]")
    assert [p.code for p in chromepanel.read(str(listed)).problems] == ["input-not-saml"]
