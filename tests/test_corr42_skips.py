"""Correlation skips the passes that cannot join anything in the scan it is given: the links of a
capture, of an IdP's log line and of two sources' names, and the clock pairing by user without a
reference (an SP's log alone, the common case of a big scan); with that evidence they run."""
from __future__ import annotations

from pathlib import Path

import pytest

from samlscan.config import build
from samlscan.correlate import clocks, correlate, run
from samlscan.engine import analyze

DATA = Path(__file__).resolve().parent / "data"
SKIPPABLE = ("_link_by_moment", "_link_unread_response", "_link_refusal_to_status", "_link_issue_to_receipt",
             "_link_name_to_email")

WEB_LOG = """\
2025.03.11 09:39:25 DEBUG web[7c1e2a90-4b7d-4c11-9d0e-2f6a5b3c8e01][auth.event] login failure [cause|Cookie 'OAUTHSTATE' is missing][method|OAUTH2][provider|EXTERNAL|SAML][IP|10.20.0.5|198.51.100.23][login|ana]
2025.03.11 09:41:40 DEBUG web[0b9d8e6f-21aa-4f3c-8d2e-9a7c55e10b42][auth.event] login success [method|OAUTH2][provider|EXTERNAL|SAML][IP|10.20.0.5|203.0.113.77][login|ana]
2025.03.11 09:58:02 DEBUG web[5d5d8e6f-21aa-4f3c-8d2e-9a7c55e10b99][auth.event] login failure [cause|Email 'dev.user2@example.com' is already used][method|OAUTH2][provider|EXTERNAL|SAML][IP|10.20.0.5|203.0.113.80][login|devuser2]
"""


@pytest.fixture
def called(monkeypatch) -> list[str]:
    """The names of SKIPPABLE's links run's _correlate calls (each still runs)."""
    got: list[str] = []
    for name in SKIPPABLE:
        def spy(*args, _name=name, _real=getattr(run, name)):
            got.append(_name)
            return _real(*args)

        monkeypatch.setattr(run, name, spy)
    return got


def test_sp_log_alone_runs_no_link_of_other_evidence(tmp_path, called):
    (tmp_path / "web.log").write_text(WEB_LOG)
    report = correlate(analyze([str(tmp_path / "web.log")], build({}, None)))
    assert [a.outcome for a in report.attempts] == ["failure", "success", "failure"]  # (correlated still)
    assert called == []


def test_idp_log_and_capture_run_their_links(called):
    """case9: a HAR and a SAML-tracer capture, Google's log events (the IdP's) and SonarQube's web.log."""
    files = sorted(str(p) for p in (DATA / "case9").iterdir() if p.suffix != ".md")
    correlate(analyze(files, build({}, None)))
    assert set(called) == set(SKIPPABLE)


def test_offsets_by_user_pairs_nothing_without_a_reference(tmp_path, monkeypatch):
    """No IdP log, no capture: no SP log's user is paired (no time-zone shift looked for)."""
    paired = []
    real = clocks._user_deltas
    monkeypatch.setattr(clocks, "_user_deltas", lambda *a: paired.append(a[0]) or real(*a))
    (tmp_path / "web.log").write_text(WEB_LOG)
    assert clocks.measured_offsets(analyze([str(tmp_path / "web.log")], build({}, None))) == {}
    assert paired == []
    # with a reference (an IdP log's logins, case9's capture) users are paired
    files = sorted(str(p) for p in (DATA / "case9").iterdir() if p.suffix != ".md")
    clocks.measured_offsets(analyze(files, build({}, None)))
    assert paired
