"""A catalog fix for two situations (Spring's invalid_destination: the SP behind a proxy, 'Otherwise'
the IdP's ACS) is cut to the one the attempt's evidence shows."""
from __future__ import annotations

import shutil

from test_erin28 import CASE26, _erin

from samlscan.correlate.attempts import OTHERWISE, _fix_for_where
from samlscan.correlate.pieces import _MessagePiece

FIX = "If the SP sits behind a proxy, fix the proxy: X-Forwarded-Proto." + OTHERWISE + "make the IdP's ACS the SP's."


def _asked_sent(asked: str, sent: str) -> list:
    """An AuthnRequest asking for `asked` and a response sent to `sent` (as _attempt's pieces hold them)."""
    return [_MessagePiece(time=None, kind="capture", input="c.har", ref="entry 1", acs=asked),
            _MessagePiece(time=None, kind="capture", input="c.har", ref="entry 2", acs=sent, response=("r", "c.har", "2"))]


def test_behind_a_proxy_the_fix_is_the_proxys_alone_without_the_idps_screen(tmp_path):
    for name in ("docker-compose-logs.txt", "traefik-access.log"):
        shutil.copy(CASE26 / name, tmp_path / name)
    fix = _erin(tmp_path)["fix"]
    assert "X-Forwarded-Proto" in fix and "Otherwise" not in fix
    assert "JumpCloud:" not in fix  # (the IdP's ACS screen: the IdP was right)


def test_a_response_sent_to_another_path_gets_the_idps_part():
    members = _asked_sent("https://sq.example.test/oauth2/callback/saml", "https://sq.example.test/old/acs")
    assert _fix_for_where(FIX, members, proxied=False) == "Make the IdP's ACS the SP's."


def test_nothing_telling_keeps_both_parts():
    same = _asked_sent("https://sq.example.test/oauth2/callback/saml", "https://sq.example.test/oauth2/callback/saml")
    assert _fix_for_where(FIX, same, proxied=False) == FIX
    assert _fix_for_where(FIX, [], proxied=True) == FIX.partition(OTHERWISE)[0]
