"""reply-url-mismatch (AADSTS50011): the fix says where the IdP keeps its Reply URLs and which URL to add."""
from __future__ import annotations

from pathlib import Path

from samlscan.cli import _correlated
from samlscan.config import build
from samlscan.engine import analyze

ROOT = Path(__file__).resolve().parents[1]


def _fixes(path: Path) -> list[str]:
    config = build({}, None, certless=True)
    return [a.fix for a in _correlated(analyze([str(path)], config), config).attempts
            if a.root_cause == "reply-url-mismatch"]


def test_a_capture_with_its_authnrequest_names_the_url_and_entras_screen():
    (fix,) = _fixes(ROOT / "fixtures" / "captures" / "entra-aadsts50011.har")
    assert "Entra ID: Enterprise applications > the app > Single sign-on > Basic SAML Configuration > Reply URL" in fix
    assert fix.endswith("The ACS URL this login sent: 'https://sonar.example.com/oauth2/callback/saml'.")


def test_the_page_without_its_request_names_no_url_it_did_not_see_sent(tmp_path):
    """The same capture with the AuthnRequest's query cut off (a sanitized HAR): Entra's page still says
    reply-url-mismatch, but no request tells which ACS URL was sent."""
    import json

    doc = json.loads((ROOT / "fixtures" / "captures" / "entra-aadsts50011.har").read_text())
    redirect, page = doc["log"]["entries"]
    page["request"]["url"] = page["request"]["url"].split("?", 1)[0]
    page["request"]["queryString"] = []
    for h in redirect["response"]["headers"]:  # (the SP's redirect names it too)
        h["value"] = h["value"].split("?", 1)[0]
    redirect["response"]["redirectURL"] = redirect["response"].get("redirectURL", "").split("?", 1)[0]
    har = tmp_path / "sanitized.har"
    har.write_text(json.dumps(doc))
    (fix,) = _fixes(har)
    assert "Reply URL" in fix and "this login sent" not in fix
