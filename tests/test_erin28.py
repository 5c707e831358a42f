"""A Destination the SP refused behind a reverse proxy (case 26's erin: Spring's 'Invalid destination'
of SonarQube 2025 behind Traefik, whose entrypoint overwrote X-Forwarded-Proto with http): the fix
names the SP's base URL and the proxy's forwarded headers, the IdP's ACS only otherwise; a note says
which proxy the attempt went through. Before, the fix named the IdP's ACS and serverBaseURL only."""
from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone

import pytest
from case_util import ROOT, scan_case

from samlscan import catalog
from samlscan.correlate.pieces import _MessagePiece, _Piece
from samlscan.logs import traefik

CASE26 = ROOT / "tests" / "data" / "case26"
SPRING = ("2026.12.01 09:20:43 DEBUG web[8db5a954][o.s.a.s.SonarqubeSaml2ResponseValidator] Saml validation "
          "errors: [[invalid_destination] Invalid destination [https://sq.example.test/oauth2/callback/saml] "
          "for SAML response [_5b7e]]")
T = datetime(2026, 12, 1, 9, 20, 43, tzinfo=timezone.utc)


def _erin(folder) -> dict:
    scan = scan_case(folder, "UTC", "--sonar-settings", str(CASE26 / "docker-compose.yml"))
    (a,) = [a for a in scan["attempts"] if a["root_cause"] == "destination-mismatch"]
    return a


def test_spring_invalid_destination_fix_names_the_base_url_screen_and_the_proxy_headers():
    """The catalog's fix said 'Make the IdP's ACS/Reply URL identical to the SP's' and serverBaseURL only."""
    fix = catalog.lookup(SPRING, "sonarqube").fix
    for said in ("Administration > General > Server base URL", "sonar.core.serverBaseURL",
                 "SONAR_CORE_SERVERBASEURL environment variable", "X-Forwarded-Proto", "Host",
                 "forwardedHeaders.trustedIPs", "forwardedHeaders.insecure",
                 "proxy_set_header X-Forwarded-Proto $scheme"):
        assert said in fix, said
    # the IdP-side fix stays, for a Destination that is not the SP's own URL
    assert "Otherwise make the IdP's ACS/Reply URL identical" in fix


def test_erins_fix_and_note_name_the_proxy_she_came_through(tmp_path):
    for name in ("docker-compose-logs.txt", "traefik-access.log"):
        shutil.copy(CASE26 / name, tmp_path / name)
    a = _erin(tmp_path)
    assert (a["outcome"], a["side"]) == ("failure", "sp")
    assert "X-Forwarded-Proto" in a["fix"] and "Server base URL" in a["fix"]
    (note,) = [n for n in a["notes"] if "behind a reverse proxy" in n]
    assert "traefik-access.log [line 9]: Traefik (entrypoint web-internal, received over http)" in note


def test_without_a_proxy_in_the_attempt_no_proxy_note(tmp_path):
    """The compose log alone (Traefik's own lines, no access line): nothing says a proxy passed it on."""
    shutil.copy(CASE26 / "docker-compose-logs.txt", tmp_path / "docker-compose-logs.txt")
    a = _erin(tmp_path)
    assert not [n for n in a["notes"] if "reverse proxy" in n]


ROW = {"ClientHost": "10.20.0.5", "DownstreamStatus": 302, "OriginStatus": 302, "RequestMethod": "POST",
       "RequestPath": "/oauth2/callback/saml", "StartUTC": "2026-12-01T09:20:43.5Z", "RouterName": "sq@docker"}


@pytest.mark.parametrize("extra, want", [
    ({"entryPointName": "web-internal", "RequestScheme": "http", "request_X-Forwarded-Proto": "http"},
     "Traefik (entrypoint web-internal, received over http, X-Forwarded-Proto http)"),
    ({"entryPointName": "websecure", "RequestScheme": "https"}, "Traefik (entrypoint websecure, received over https)"),
    ({"request_X-Forwarded-Proto": ["x"]}, "Traefik"),  # a header that is no string is not read
], ids=["headers-kept", "headers-dropped", "bad-header"])
def test_a_traefik_json_line_says_how_it_passed_the_request_on(extra, want):
    r = traefik.read_json(3, json.dumps({**ROW, **extra}))
    assert r.forwarded == want


def test_a_traefik_common_line_names_traefik():
    line = ('10.20.0.5 - - [01/Dec/2026:09:20:43 +0000] "POST /oauth2/callback/saml HTTP/1.1" 302 0 "-" "Mozilla" '
            '16843 "sq@docker" "http://172.19.0.4:9000" 38ms')
    assert traefik.read_common(1, line).forwarded == "Traefik"


def _refusal(code="destination-mismatch") -> _Piece:
    return _Piece(T, "log", "web.log", "line 1", outcome="failure", log_code=code, side="sp",
                  product="sonarqube", text=SPRING)


def _request(acs: str) -> _MessagePiece:
    return _MessagePiece(T, "capture", "x.har", "entry 0", acs=acs)


def _response(destination: str) -> _MessagePiece:
    return _MessagePiece(T, "capture", "x.har", "entry 2", acs=destination, response=("_r", "x.har", "entry 2"))


@pytest.mark.parametrize("members, cause, said", [
    # the SP's own AuthnRequest asked for the http twin of the https Destination: a proxy's scheme
    ([_refusal(), _request("http://sq.example.test/oauth2/callback/saml"),
      _response("https://sq.example.test/oauth2/callback/saml")], "destination-mismatch",
     "its own AuthnRequest asks for http://sq.example.test/oauth2/callback/saml"),
    ([_refusal("recipient-mismatch"), _request("http://sq.example.test/oauth2/callback/saml"),
      _response("https://sq.example.test/oauth2/callback/saml")], "recipient-mismatch", "its own AuthnRequest"),
    # the IdP sent it to another host: the IdP's ACS is wrong, even behind a proxy
    ([_refusal(), _request("https://sq.example.test/oauth2/callback/saml"),
      _response("https://old-sq.example.test/oauth2/callback/saml")], "destination-mismatch", None),
    # the same URL asked and sent, no proxy line: nothing tells a proxy
    ([_refusal(), _request("https://sq.example.test/oauth2/callback/saml"),
      _response("https://sq.example.test/oauth2/callback/saml")], "destination-mismatch", None),
    # a refusal samlscan predicted, the SP never said: no note
    ([_request("http://sq.example.test/oauth2/callback/saml"),
      _response("https://sq.example.test/oauth2/callback/saml")], "destination-mismatch", None),
    # another cause
    ([_refusal("audience-mismatch"), _request("http://sq.example.test/oauth2/callback/saml"),
      _response("https://sq.example.test/oauth2/callback/saml")], "audience-mismatch", None),
], ids=["http-request-https-destination", "recipient", "idp-wrong-host", "same-url", "predicted", "other-cause"])
def test_the_proxy_note_needs_the_sp_refusal_and_a_proxy(members, cause, said):
    from samlscan.correlate.causes import _proxy_note  # (new: imported here, the other tests run on old code)

    note = _proxy_note(members, cause)
    assert (note is None) if said is None else (said in note and "not the IdP's ACS" in note)
