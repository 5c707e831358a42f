"""A SonarQube line's catalog entry travels with its event (LogEvent.text_entry, logs39): correlation
takes the reader's lookup of the line's text instead of making it again in the parent (a text with an
ID in it misses every cache: one catalog pass per failed login, twice)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from samlscan import catalog
from samlscan.config import build
from samlscan.correlate import correlate
from samlscan.engine import analyze
from samlscan.logs._common import NO_ENTRY, text_entry

from test_logs_common import events, records

CONFIG = Path(__file__).resolve().parents[1] / "fixtures" / "config" / "default.toml"
REFUSED = "Invalid signature for object [_a35e426fcd0eb678]: Signature cryptographic validation not successful"
UNKNOWN = "SAML login went sideways in a way no catalog entry names"
LOG = f"""\
2025.03.11 08:09:29 INFO  web[AZWEd1kLm9Qz000004D9][o.s.s.p.ServerFileSystemImpl] SonarQube home: /opt/sonarqube
2025.03.11 08:09:30 ERROR web[AZWEd1kLm9Qz000004DC][o.s.s.s.SamlAuthenticator] {REFUSED}
2025.03.11 08:09:30 DEBUG web[AZWEd1kLm9Qz000004DC][auth.event] login failure [cause|{REFUSED}][method|OAUTH2][provider|EXTERNAL|Corp SSO][IP|10.20.0.5|198.51.100.7][login|]
2025.03.11 08:12:41 ERROR web[AZWEd1kLm9Qz000005A1][o.s.s.s.SamlAuthenticator] {UNKNOWN}
"""


def _log(tmp_path) -> Path:
    path = tmp_path / "web.log"
    path.write_text(LOG)
    return path


def test_the_reader_carries_its_lookup_of_the_text(tmp_path):
    refused, auth, unknown = events(records(_log(tmp_path)))
    entry = catalog.lookup(REFUSED, "sonarqube")
    assert entry is not None and entry.code == refused.code == "signature-invalid"
    assert text_entry(refused.text_entry) is entry
    # the auth.event line's code is its cause's: its own text was not looked up
    assert auth.code == refused.code and auth.text_entry is None
    # a failure the catalog does not know: looked up, nothing found
    assert unknown.outcome == "failure" and unknown.text_entry == NO_ENTRY and catalog.lookup(UNKNOWN, "sonarqube") is None
    assert text_entry(unknown.text_entry) is None


def test_correlation_takes_the_readers_entry_with_the_same_result(tmp_path):
    report = analyze([str(_log(tmp_path))], build({}, CONFIG))
    assert any(e.text_entry is not None for e in report.events)
    dropped = replace(report, events=tuple(replace(e, text_entry=None) for e in report.events))

    catalog._lookup_cached.cache_clear()
    carried = correlate(report)
    looked_up_carried = catalog._lookup_cached.cache_info().currsize
    catalog._lookup_cached.cache_clear()
    again = correlate(dropped)
    looked_up_again = catalog._lookup_cached.cache_info().currsize

    # without the reader's entry the line's text is looked up again; with it, not
    assert looked_up_again > looked_up_carried
    assert carried.attempts == again.attempts
    (signature,) = [a for a in carried.attempts if a.root_cause == "signature-invalid"]
    assert signature.fix  # (the catalog's fix for the line, through the carried entry)
    assert carried.cause_findings == again.cause_findings
