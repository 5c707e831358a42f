"""SAML-tracer exports: requests with their GET/POST SAML values, masked exports."""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import gen_captures as gc  # noqa: E402

from samlscan.inputs import tracer  # noqa: E402
from test_har import REQ, RESP, RESP_B64  # noqa: E402


def write(tmp_path, doc) -> str:
    p = tmp_path / "trace.json"
    p.write_text(json.dumps(doc, indent=2))
    return str(p)


def test_plain_export(tmp_path):
    cap = tracer.read(write(tmp_path, gc.tracer_export(REQ, RESP)))
    assert cap.entries == 4
    assert [(m.param, m.binding, m.source.ref) for m in cap.messages] == [
        ("SAMLRequest", "redirect", "request 2"), ("SAMLResponse", "post", "request 3")]
    assert cap.messages[1].value == RESP_B64
    assert {m.relay_state for m in cap.messages} == {"77aa88bb99cc00dd"}
    assert cap.exported_at == datetime(2025, 3, 11, 8, 45, 12, 345000, tzinfo=timezone.utc)
    assert [ex.leg for ex in cap.exchanges] == ["sp-init", "authn-request", "acs-post", "sp-result"]
    assert cap.problems == ()


def test_masked_export_recovers_xml(tmp_path):
    cap = tracer.read(write(tmp_path, gc.tracer_export(REQ, RESP, masked=True)))
    resp = cap.messages[-1]
    assert (resp.param, resp.binding, resp.source.ref) == ("SAMLResponse", "xml", "request 3/saml")
    assert resp.value.encode() == RESP and resp.relay_state is None


def test_masked_without_saml_is_redacted(tmp_path):
    doc = gc.tracer_export(REQ, RESP, masked=True)
    del doc["requests"][2]["saml"]
    cap = tracer.read(write(tmp_path, doc))
    assert [m.param for m in cap.messages] == ["SAMLRequest"]
    assert [(p.code, p.source.ref) for p in cap.problems] == [("input-redacted", "request 3")]


def test_latin1_decoded_saml_is_repaired():
    assert tracer.saml_text("<a>\u00c3\u00a9</a>") == "<a>\u00e9</a>"
    assert tracer.saml_text("<a>\u00e9</a>") == "<a>\u00e9</a>"


def test_per_request_timestamp_honoured(tmp_path):
    doc = gc.tracer_export(REQ, RESP)
    doc["requests"][2]["timestamp"] = "2025-03-11T09:41:02.412+01:00"
    cap = tracer.read(write(tmp_path, doc))
    assert cap.messages[1].captured_at == datetime(2025, 3, 11, 8, 41, 2, 412000, tzinfo=timezone.utc)
    assert cap.messages[0].captured_at is None


def test_sniff():
    assert tracer.sniff(json.dumps(gc.tracer_export(REQ, RESP), indent=2).encode()[:4096])
    assert not tracer.sniff(json.dumps(gc.chrome_har(REQ, RESP)).encode()[:4096])
    assert not tracer.sniff(b'{"requests": 3}')


def test_an_attempts_evidence_names_tracer_requests_as_the_export_does():
    """The SP's answer in a SAML-tracer export is 'request N' like its messages (was 'entry N',
    a word the export does not use)."""
    from click.testing import CliRunner

    from samlscan.cli import main

    path = Path(__file__).resolve().parents[1] / "fixtures" / "captures" / "saml-tracer.json"
    r = CliRunner().invoke(main, ["check", str(path), "--format", "json"])
    refs = [e["ref"] for a in json.loads(r.stdout)["attempts"] for e in a["evidence"]]
    assert refs and all(ref.startswith("request ") for ref in refs), refs
