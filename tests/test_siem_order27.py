"""A SIEM's export lists web.log lines one event a line, newest first, two hosts interleaved
(tests/data/case27): the lines of one record reach the reader in its host's order (wrapped._in_order)."""
from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest

from samlscan.logs import parse_file
from samlscan.model import LogEvent

BERLIN = ZoneInfo("Europe/Berlin")
TEXT = "Invalid signature for object [_a1]"
NODE_A = ["2026.12.03 10:20:08 WARN  web[r1][o.s.s.a.AuthenticationError] Fail to callback authentication with 'saml'",
          "java.lang.IllegalStateException: Fail to authenticate SAML response",
          "Caused by: org.springframework.security.saml2.provider.service.authentication."
          f"Saml2AuthenticationException: {TEXT}",
          "2026.12.03 10:20:09 DEBUG web[r1][auth.event] login failure [cause|Invalid signature for object [_a1]]"
          "[method|OAUTH2][provider|EXTERNAL|Entra][IP|10.0.0.1|203.0.113.9][login|]"]
NODE_B = ["2026.12.03 10:20:08 DEBUG web[r2][o.s.s.a.SamlAuthenticator] SAML authentication initiated",
          "2026.12.03 10:20:09 INFO  web[r3][o.s.s.p.Platform] something else"]


def _export(tmp_path, newest_first: bool):
    """Splunk's JSON export: node A's three lines of the WARN record at 10:20:08, node B's between them."""
    events = [(NODE_A[0], "a", 8), (NODE_B[0], "b", 8), (NODE_A[1], "a", 8), (NODE_A[2], "a", 8),
              (NODE_B[1], "b", 9), (NODE_A[3], "a", 9)]
    events = events[::-1] if newest_first else events
    path = tmp_path / "export.json"
    path.write_text("".join(json.dumps({"preview": False, "result": {
        "_raw": raw, "_time": f"2026-12-03T04:20:0{s}.000-05:00", "host": f"sq-{h}"}}) + "\n" for raw, h, s in events))
    return [r for r in parse_file(str(path), BERLIN) if isinstance(r, LogEvent)]


@pytest.mark.parametrize("newest_first", [False, True], ids=["oldest-first", "newest-first"])
def test_a_split_stack_trace_is_read_whole_across_hosts(tmp_path, newest_first):
    got = _export(tmp_path, newest_first)
    warn = [e for e in got if e.outcome == "failure" and "Fail to callback" in e.text]
    assert len(warn) == 1 and TEXT in warn[0].text, [e.text for e in got]
