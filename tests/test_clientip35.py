"""The attempt's client IP is the browser's (support case 30: behind ingress-nginx it was the controller pod's):
an X-Forwarded-For's first address (SonarQube's auth.event `[IP|<getRemoteAddr()>|<X-Forwarded-For>]`,
AuthenticationEventImpl), else a proxy's own log's client, else the SP's peer; an internal address of a proxy
hop is neither shown nor counted in the 'NAT, proxy or VPN' note while the browser's is there."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.correlate.attempts import _attempt, _internal
from samlscan.correlate.pieces import _Piece
from samlscan.logs.sonarqube import PARSER as WEB
from samlscan.logs.sqaccess import PARSER as ACCESS
from samlscan.model import IP_FORWARDED, IP_PROXY, LogEvent

REQ = "62003f0f-f2a2-03d4-bdd0-632dd60d1103"
UA = "Mozilla/5.0 (X11; Linux x86_64) Chrome/143.0.0.0 Safari/537.36"
T0 = datetime(2026, 12, 10, 8, 52, 26, tzinfo=timezone.utc)


def _auth(remote: str, xff: str) -> str:
    return (f"2026.12.10 08:52:26 DEBUG web[{REQ}][auth.event] login success [method|OAUTH2]"
            f"[provider|EXTERNAL|Entra][IP|{remote}|{xff}][login|alice@example.com]")


def _web_event(remote: str, xff: str) -> LogEvent:
    events = [r for r in WEB.parse(enumerate([_auth(remote, xff)], 1), "web.log", timezone.utc)
              if isinstance(r, LogEvent)]
    assert len(events) == 1, events
    return events[0]


def _access(client: str, *, upstream: bool = False) -> str:
    """SonarQube's access.log line of the callback (ingress-nginx's upstreaminfo layout when `upstream`)."""
    tail = (' 9021 0.008 [sonarqube-9000] [] 10.244.2.31:9000 0 0.008 302 fed40799857f3e4fc74d3cb4b6dce482'
            if upstream else f' "{REQ}"')
    return (f'{client} - - [10/Dec/2026:08:52:26 +0000] "POST /oauth2/callback/saml HTTP/1.1" 302 0 "-" "{UA}"'
            f'{tail}')


def _access_events(*lines: str) -> list[LogEvent]:
    return [r for r in ACCESS.parse(enumerate(lines, 1), "access.log", timezone.utc) if isinstance(r, LogEvent)]


# --- what the readers keep ---------------------------------------------------------------------------

@pytest.mark.parametrize("remote, xff, ip, peer", [
    ("10.244.1.17", "203.0.113.61", "203.0.113.61", "10.244.1.17"),  # behind one proxy
    ("10.0.0.2", "198.51.100.7, 10.0.0.9,10.0.0.1", "198.51.100.7", "10.0.0.2"),  # a chain: the leftmost
    ("fd00::17", "2001:db8::42", "2001:db8::42", "fd00::17"),  # IPv6
])
def test_auth_event_keeps_the_forwarded_client_and_the_hop(remote, xff, ip, peer):
    e = _web_event(remote, xff)
    assert (e.ip, e.ip_from, e.peer) == (ip, IP_FORWARDED, peer)


def test_auth_event_without_x_forwarded_for_names_the_remote_address_alone():
    """SonarQube logs the empty join of no header: [IP|<remote>|]."""
    e = _web_event("203.0.113.5", "")
    assert (e.ip, e.ip_from, e.peer) == ("203.0.113.5", None, None)


def test_access_logs_say_whose_view_their_client_is():
    own, proxy = _access_events(_access("10.244.1.17")), _access_events(_access("203.0.113.61", upstream=True))
    listed = _access_events(_access("203.0.113.61, 10.0.0.1"))  # %i{X-Forwarded-For} in place of %h
    assert [(e.ip, e.ip_from) for e in own + proxy + listed] == [
        ("10.244.1.17", None), ("203.0.113.61", IP_PROXY), ("203.0.113.61", IP_FORWARDED)]


# --- the attempt's IP and its note ------------------------------------------------------------------

def _piece(seconds: int, ip: str, side: str = "sp", ip_from: str | None = None, peer: str | None = None) -> _Piece:
    p = _Piece(T0 + timedelta(seconds=seconds), "log", f"{side}{seconds}.log", f"line {seconds}",
               user="alice@example.com", ip=ip, outcome="success", side=side,
               product="entra" if side == "idp" else "sonarqube")
    p.ip_from, p.peer = ip_from, peer
    return p


def _ips_notes(a) -> list[str]:
    return [n for n in a.notes if "client IPs" in n]


def test_the_forwarded_client_wins_over_the_proxy_hop_the_sp_saw_and_no_note_fires():
    """Before: 10.244.1.17 (the access log's %h, first in time) with a 'NAT, proxy or VPN' note."""
    a = _attempt([_piece(0, "10.244.1.17"), _piece(1, "203.0.113.61", ip_from=IP_FORWARDED, peer="10.244.1.17")])
    assert a.ip == "203.0.113.61" and _ips_notes(a) == []


@pytest.mark.parametrize("hop, client", [("10.0.0.2", "198.51.100.7"), ("fd00::17", "2001:db8::42"),
                                         ("127.0.0.1", "203.0.113.8"), ("::ffff:192.168.1.4", "203.0.113.9")])
def test_an_internal_hop_of_any_kind_is_not_the_client(hop, client):
    a = _attempt([_piece(0, hop), _piece(1, client, ip_from=IP_FORWARDED, peer=hop)])
    assert a.ip == client and _ips_notes(a) == []


def test_a_proxy_logs_client_wins_over_the_sps_internal_peer_without_auth_event():
    """access.log (%h: the ingress pod) and the ingress controller's log ($remote_addr: the browser)."""
    a = _attempt([_piece(0, "10.244.1.17"), _piece(0, "203.0.113.61", ip_from=IP_PROXY)])
    assert a.ip == "203.0.113.61" and _ips_notes(a) == []


def test_an_internal_sp_address_with_no_proxy_in_sight_is_still_the_client_and_the_note_fires():
    """A browser on the SP's LAN (10.1.2.3), the IdP seeing its NAT's public address: no hop, both named."""
    a = _attempt([_piece(0, "198.51.100.9", side="idp"), _piece(1, "10.1.2.3")])
    assert a.ip == "10.1.2.3"
    assert any("2 client IPs: 10.1.2.3 (shown: the SP log's), 198.51.100.9" in n for n in _ips_notes(a))


def test_an_xff_address_wins_even_when_internal():
    """'10.1.2.3, 203.0.113.7': a forward proxy of the user's LAN added the browser's own address first."""
    a = _attempt([_piece(0, "203.0.113.50", ip_from=IP_PROXY), _piece(1, "10.1.2.3", ip_from=IP_FORWARDED,
                                                                       peer="10.244.1.17")])
    assert a.ip == "10.1.2.3"
    assert any("shown: an X-Forwarded-For's first), 203.0.113.50" in n for n in _ips_notes(a))


def test_a_spoofed_xff_from_a_public_address_is_shown_with_the_sender_named():
    """A browser reaching SonarQube directly (198.51.100.9) and sending its own X-Forwarded-For: samlscan shows
    the header's 203.0.113.99 (the rule) but the note names the public sender and says the header is its word."""
    a = _attempt([_piece(0, "198.51.100.9"), _piece(1, "203.0.113.99", ip_from=IP_FORWARDED, peer="198.51.100.9")])
    assert a.ip == "203.0.113.99"
    notes = _ips_notes(a)
    assert len(notes) == 1 and "203.0.113.99 (shown: an X-Forwarded-For's first), 198.51.100.9" in notes[0]
    assert "198.51.100.9 sent the X-Forwarded-For from a public address" in notes[0]


def test_two_public_clients_still_get_the_note():
    a = _attempt([_piece(0, "203.0.113.61", ip_from=IP_FORWARDED, peer="10.244.1.17"),
                  _piece(1, "198.51.100.64", side="idp")])
    assert a.ip == "203.0.113.61"
    assert any("2 client IPs: 203.0.113.61 (shown: an X-Forwarded-For's first), 198.51.100.64" in n
               for n in _ips_notes(a))


@pytest.mark.parametrize("addr, internal", [
    ("10.244.1.17", True), ("172.31.0.1", True), ("192.168.0.9", True), ("100.64.3.2", True), ("127.0.0.1", True),
    ("169.254.1.1", True), ("::1", True), ("fe80::1", True), ("fd12::9", True), ("::ffff:10.0.0.1", True),
    ("203.0.113.61", False), ("198.51.100.9", False), ("2001:db8::42", False), ("172.32.0.1", False),
    ("8.8.8.8", False), ("sonar.example.com", False), ("10.0.0.1:443", False)])
def test_internal_addresses(addr, internal):
    assert _internal(addr) is internal


# --- end to end: SonarQube's logs behind ingress-nginx -------------------------------------------------

def _scan(tmp_path, files: dict[str, str]) -> list[dict]:
    for name, text in files.items():
        (tmp_path / name).write_text(text + "\n")
    res = CliRunner().invoke(main, ["scan", str(tmp_path), "--format", "json"])
    assert res.exit_code in (0, 1), res.output
    return json.loads(res.stdout)["attempts"]


def test_a_scan_of_web_log_and_access_log_behind_a_proxy_shows_the_browser(tmp_path):
    later = f'10.244.2.1 - - [10/Dec/2026:09:00:00 +0000] "GET /sessions/init/saml HTTP/1.1" 302 0 "-" "probe" "x{REQ[1:]}"'
    attempts = _scan(tmp_path, {"web.log": _auth("10.244.1.17", "203.0.113.61"),
                                "access.log": _access("10.244.1.17") + "\n" + later})
    alice = [a for a in attempts if a["user"] == "alice@example.com"]
    assert len(alice) == 1 and alice[0]["ip"] == "203.0.113.61", attempts
    assert not any("client IPs" in n for n in alice[0]["notes"]), alice
