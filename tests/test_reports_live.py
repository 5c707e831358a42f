"""The HTML, SARIF, CSV and JSON reports of today's live recordings (tests/data/live*): each new
finding marks its own node in the decoded XML, and the formats agree (review 15)."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main

ROOT = Path(__file__).resolve().parents[1]
PY = ROOT / "tests" / "data" / "livepy"
KEYS = ROOT / "fixtures" / "keys"
PY_VERDICTS = json.loads((PY / "verdicts.json").read_text())
SONAR = ["--idp-cert", str(KEYS / "idp.crt"), "--sp-key", str(KEYS / "sp.key"), "--sp-entity-id", "sonarqube",
         "--acs-url", "https://sonar.example.com/oauth2/callback/saml", "--clock-skew", "300"]


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, [*args, "-q", "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    return result.stdout


def _marked(page: str, code: str) -> list[str]:
    """The text of every node the page marks for `code` (tags stripped, unescaped)."""
    out = []
    for title, inner in re.findall(r'<mark class="hl" title="([^"]*)">(.*?)</mark>', page, re.S):
        if code in html.unescape(title).split(", "):
            out.append(html.unescape(re.sub(r"<[^>]+>", "", inner)))
    return out


def _py_page(case: str, settings: str) -> str:
    at = PY_VERDICTS[case]["python3_saml"][settings]["now"]
    return _run("check", str(PY / PY_VERDICTS[case]["file"]), *SONAR, "--at", at, "--format", "html")


@pytest.mark.parametrize("case", ["enc-assert-signed", "enc-both-signed"])
def test_decrypted_prefix_rebound_marks_the_encrypted_assertion(case):
    """pysaml2's encas* prefixes: the node python3-saml splices is the EncryptedAssertion as sent."""
    marks = _marked(_py_page(case, "right"), "decrypted-prefix-rebound")
    assert marks and all("EncryptedAssertion" in m.split(">")[0] for m in marks), marks


@pytest.mark.parametrize("case", ["resp-sha256", "assert-sha256"])
def test_subject_confirmation_drift_marks_the_confirmation_window(case):
    """At python3-saml's clock 19 minutes late the bearer window holds only within the skew."""
    page = _py_page(case, "late-19m")
    assert 'data-code="subject-confirmation-drift"' in page
    marks = _marked(page, "subject-confirmation-drift")
    assert marks and all("SubjectConfirmationData" in m.split(">")[0] for m in marks), marks
    assert any("NotOnOrAfter=" in m for m in marks)


LOGOUT = (b'<x:LogoutRequest xmlns:x="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:y="urn:oasis:names:tc:SAML:2.0:assertion" '
          b'xmlns:d="http://www.w3.org/2000/09/xmldsig#" ID="_1" Version="2.0" Destination="https://sp/slo" '
          b'NotOnOrAfter="2020-01-01T00:00:00Z"><y:Issuer>https://idp</y:Issuer><d:Signature><d:SignedInfo>'
          b'<d:Reference URI="#_1"><d:Transforms><d:Transform Algorithm="urn:odd"/></d:Transforms>'
          b'<d:DigestValue>AA==</d:DigestValue></d:Reference></d:SignedInfo><d:SignatureValue>AA==</d:SignatureValue>'
          b'</d:Signature></x:LogoutRequest>')


@pytest.mark.parametrize("code, node", [
    ("request-expired", 'NotOnOrAfter="'), ("logout-destination-mismatch", 'Destination="'),
    ("request-issuer-missing", "<x:LogoutRequest"), ("issuer-inconsistent", "<y:Issuer"),
    ("app-not-found", "<y:Issuer"), ("signature-misplaced", "<d:Signature"),
    ("signature-transform-invalid", 'Algorithm="'), ("request-signature-invalid", "<d:SignatureValue"),
])
def test_message_checks_without_a_target_before_mark_their_node(code, node):
    """Codes of message checks that had no TARGETS entry: the page showed the XML with nothing marked."""
    from types import SimpleNamespace

    from samlscan.report.htmlout import xml_html

    page = xml_html(LOGOUT, [SimpleNamespace(code=code, expected=None, actual=None)], lambda s: s)
    assert any(m.lstrip().startswith(node) for m in _marked(page, code)), _marked(page, code)
