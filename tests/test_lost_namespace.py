"""A SAML message whose namespace declarations were lost (a hand-redacted sample, saml2aws's
testdata/assertion_pingfed.xml): it was 'not a SAML protocol message', a warning that a scan turns
into 'skipped'; it is damaged SAML, said so. An XML <Response> of no SAML shape (Twilio's TwiML)
stays not SAML."""
from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import generate as GEN  # noqa: E402

from samlscan.batch import run_scan  # noqa: E402
from samlscan.config import build  # noqa: E402


def _without_namespaces(xml: str) -> str:
    xml = re.sub(r'\s(?:xmlns|[\w.-]+:[\w.-]+)(?::[\w.-]+)?="[^"]*"', "", xml)  # (xsi:type too)
    return re.sub(r"(</?)[\w.-]+:", r"\1", xml)


def _scan(tmp_path, text: str):
    (tmp_path / "evidence").mkdir()
    (tmp_path / "evidence" / "sample.xml").write_text(text)
    return run_scan([str(tmp_path / "evidence")], build({}, None), jobs=1)


def test_a_saml_response_that_lost_its_namespaces_is_said_damaged(tmp_path):
    report = _scan(tmp_path, _without_namespaces(GEN.okta("lost-ns").decode()))
    (inp,) = report.inputs
    (f,) = report.input_findings
    assert inp.status == "failed" and f.code == "input-xml-malformed"
    assert "<Response> is in no namespace" in f.message_text and "copied or redacted" in f.message_text


def test_twiml_is_not_saml(tmp_path):
    report = _scan(tmp_path, '<?xml version="1.0"?><Response><Say>Hello</Say></Response>')
    (inp,) = report.inputs
    assert inp.status == "skipped" and not report.input_findings
