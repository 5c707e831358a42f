"""A LogoutRequest or LogoutResponse that reached another URL than its Destination, as a capture
shows it: python3-saml (logout_request.py, logout_response.py) and java-saml (LogoutRequest.java,
LogoutResponse.java) refuse it in strict mode with 'The LogoutRequest was received at <current URL>
instead of <Destination>', the current URL taken without its query (SAML bindings 3.4.5.2/3.5.5.2:
the recipient verifies that the Destination is where the message was received). samlscan compared
only a Response's Destination with the configured ACS URL, so such a logout passed unremarked."""
from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

FIX = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIX))
import gen_captures as gc  # noqa: E402

from samlscan.cli import main  # noqa: E402

CONFIG = str(FIX / "config" / "default.toml")
LOGOUT_REQUEST = (FIX / "requests" / "logoutrequest.xml").read_bytes()  # Destination https://idp.example.org/slo
IDP_SLO = "https://idp.example.org/slo"
SP_SLO = "https://sonar.example.com/saml/slo"
LOGOUT_RESPONSE = (  # the IdP's answer (SAML core 3.7.2), written here: no fixture has one with Destination
    '<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
    'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_lr_7f3a" Version="2.0" '
    f'IssueInstant="2025-03-11T09:15:01Z" Destination="{SP_SLO}" InResponseTo="_logout_2b7d9e4f1a3c5e60">'
    '<saml:Issuer>https://idp.example.org/saml2/idp</saml:Issuer><samlp:Status><samlp:StatusCode '
    'Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:LogoutResponse>').encode()


def _redirect(url: str, xml: bytes = LOGOUT_REQUEST) -> dict:
    """The browser's GET of a redirect-binding LogoutRequest."""
    return gc._entry(gc._t(1), "GET", f"{url}?SAMLRequest={quote(gc.deflate_b64(xml), safe='')}", 302,
                     resp_headers=[("Location", "https://idp.example.org/loggedout")])


def _post(url: str, xml: bytes = LOGOUT_RESPONSE) -> dict:
    """The browser's POST of a POST-binding LogoutResponse."""
    body = "SAMLResponse=" + quote(base64.b64encode(xml).decode(), safe="")
    return gc._entry(gc._t(2), "POST", url, 302, post={"mimeType": "application/x-www-form-urlencoded",
                                                       "text": body},
                     req_headers=[("Cookie", "JWT-SESSION=x")], resp_headers=[("Location", "/")])


def _findings(tmp_path, *entries) -> list[dict]:
    path = tmp_path / "logout.har"
    path.write_text(json.dumps(gc.har(list(entries))))
    r = CliRunner().invoke(main, ["check", str(path), "--config", CONFIG, "--format", "json"],
                           catch_exceptions=False)
    assert r.exit_code in (0, 1), r.output
    return [f for m in json.loads(r.stdout)["messages"] for f in m["findings"]
            if f["code"] == "logout-destination-mismatch"]


@pytest.mark.parametrize("url", [IDP_SLO, IDP_SLO + "?tenant=a"])
def test_a_logout_request_sent_to_its_destination_is_fine(tmp_path, url):
    """Query aside: both libraries compare the URL without it."""
    assert _findings(tmp_path, _redirect(url)) == []


def test_a_logout_request_sent_elsewhere_names_both_urls_and_its_sender(tmp_path):
    (f,) = _findings(tmp_path, _redirect("https://idp.example.org/adfs/ls/"))
    assert (f["expected"], f["actual"]) == ("https://idp.example.org/adfs/ls/", IDP_SLO)
    assert f["message_text"].startswith("the LogoutRequest from the SP has Destination 'https://idp.example.org/slo' "
                                   "but was sent to https://idp.example.org/adfs/ls/: the path differs")
    assert f["message_text"].endswith("the IdP may refuse it (SAML core 3.2.1: a recipient checks that the "
                                      "Destination is where it received the message and discards it otherwise; "
                                      "the capture may show an earlier hop of a redirect)")
    assert f["severity"] == "warning"  # (the capture's URL may be a hop the browser was sent on from)
    assert f["hint"].startswith("Make the SP send the LogoutRequest to the URL it writes as Destination")


def test_a_logout_response_posted_over_http_says_the_scheme_differs(tmp_path):
    (f,) = _findings(tmp_path, _post(SP_SLO.replace("https:", "http:")))
    assert f["message_text"].startswith(f"the LogoutResponse from the IdP has Destination '{SP_SLO}' but was sent to "
                                   "http://sonar.example.com/saml/slo: only the scheme differs (https vs http): "
                                   "the browser was sent to an address of another scheme")
    assert f["message_text"].endswith(f"the SP may refuse it (python3-saml and java-saml: 'The LogoutResponse was "
                                      f"received at http://sonar.example.com/saml/slo instead of {SP_SLO}'; the "
                                      "capture may show an earlier hop of a redirect)")


@pytest.mark.parametrize("destination", ["https://IDP.example.org/slo", "https://idp.example.org:443/slo"])
def test_a_destination_spelled_as_a_browser_would_not_is_the_same_endpoint(tmp_path, destination):
    """A browser writes the host in lower case and drops ':443' (a HAR shows it so): the same endpoint
    was 'the host differs' or 'the port differs', an error."""
    xml = LOGOUT_REQUEST.replace(b'Destination="https://idp.example.org/slo"', f'Destination="{destination}"'.encode())
    assert _findings(tmp_path, _redirect(IDP_SLO, xml)) == []


def test_no_url_or_no_destination_is_not_judged(tmp_path):
    """A Logout message pasted alone shows no URL; an empty Destination is not checked (python3-saml
    and java-saml skip it)."""
    xml = LOGOUT_REQUEST.replace(b'Destination="https://idp.example.org/slo"', b'Destination=""')
    assert _findings(tmp_path, _redirect("https://idp.example.org/other", xml)) == []
    pasted = tmp_path / "lr.xml"
    pasted.write_bytes(LOGOUT_REQUEST)
    r = CliRunner().invoke(main, ["check", str(pasted), "--config", CONFIG, "--format", "json"])
    assert "logout-destination-mismatch" not in r.stdout


@pytest.mark.parametrize("masked", [False, True])
def test_saml_tracer_shows_where_each_logout_message_went(tmp_path, masked):
    """The export's request URLs: the LogoutRequest went to the IdP's SSO URL, the LogoutResponse to
    the ACS; a masked export keeps the decoded message in its `saml` field, at the same URL."""
    path = tmp_path / "tracer.json"
    path.write_text(json.dumps(gc.tracer_export(LOGOUT_REQUEST, LOGOUT_RESPONSE, masked)))
    r = CliRunner().invoke(main, ["check", str(path), "--config", CONFIG, "--format", "json"],
                           catch_exceptions=False)
    found = {(f["expected"], f["actual"]) for m in json.loads(r.stdout)["messages"] for f in m["findings"]
             if f["code"] == "logout-destination-mismatch"}
    assert found == {(gc.IDP, IDP_SLO), (gc.ACS, SP_SLO)}


def test_a_destination_with_an_unreadable_port_is_another_endpoint(tmp_path):
    """':abc' is no port: it was read as none, the same endpoint (java-saml compares the strings)."""
    xml = LOGOUT_REQUEST.replace(b'Destination="https://idp.example.org/slo"',
                                 b'Destination="https://idp.example.org:abc/slo"')
    (f,) = _findings(tmp_path, _redirect(IDP_SLO, xml))
    assert f["actual"] == "https://idp.example.org:abc/slo"
