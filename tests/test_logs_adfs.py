"""AD FS parser: events 364 and 1200-1207 from wevtutil XML and Event Viewer CSV."""
from __future__ import annotations

import pytest

from test_logs_common import (
    FIXTURES, PARIS, catalog_ready, events, malformed_lines, records, summary, utc,
)

DIR = FIXTURES / "adfs"


def test_wevtutil_xml():
    recs = records(DIR / "adfs-security-wevtutil.xml")
    evs = events(recs)
    assert [summary(e) for e in evs] == [
        (1, utc(2025, 3, 11, 8, 41, 2, 551234), "failure", "CORP\\devuser1", "198.51.100.23"),
        (2, utc(2025, 3, 11, 8, 44, 40), "success", "CORP\\devuser1", "198.51.100.23"),
        (3, utc(2025, 3, 11, 8, 42, 30, 120000), "failure", None, None),
    ]
    assert [e.correlation_id for e in evs] == [
        "0d4f6a7e-5b2c-4e19-8f00-6c3b2a1d9e77", "1e5a7b8f-6c3d-4f2a-9011-7d4c3b2e0f88",
        "2f6b8c90-7d4e-4a3b-8122-8e5d4c3f1a99"]
    assert [e.app for e in evs] == ["https://sonar.example.com/saml2"] * 2 + [
        "https://sonar-old.example.com/saml2"]
    assert [e.raw_code for e in evs] == ["GenericError", None, "MSIS7007"]
    assert malformed_lines(recs) == ["line 5"]  # event 403 skipped, cut event reported


def test_event_viewer_csv_local_time():
    recs = records(DIR / "adfs-eventviewer.csv", PARIS)
    evs = events(recs)
    assert [summary(e) for e in evs] == [
        (2, utc(2025, 3, 11, 8, 43, 12), "failure", "dev.user2@example.com", "192.0.2.15"),
        (10, utc(2025, 3, 11, 8, 46, 5), "failure", None, None),
    ]
    assert all(e.local_time for e in evs)
    assert evs[0].correlation_id == "3a7c9da1-8e5f-4b4c-9233-9f6e5d4a2baa"
    assert evs[1].app == "https://sonar.example.com/saml2" and evs[1].raw_code == "MSIS7065"
    assert malformed_lines(recs) == ["line 25"]


@pytest.mark.skipif(not catalog_ready(), reason="samlscan.catalog not available yet")
def test_codes():
    evs = events(records(DIR / "adfs-security-wevtutil.xml"))
    assert evs[2].code == "app-not-found"


def test_event_xml_export_is_read_as_a_log_by_check_and_scan():
    """An XML event export starts with '<' like a SAML message: the engine must ask the AD FS
    reader first (it was taken for one message: input-xml-malformed)."""
    from samlscan.config import Expectations
    from samlscan.engine import analyze

    rep = analyze([str(DIR / "adfs-security-wevtutil.xml")], Expectations())
    (inp,) = rep.inputs
    assert inp.status == "scanned" and inp.kind == "log:adfs" and rep.events
    assert not [f for f in rep.all_findings() if f.code.startswith("input-")]


@pytest.mark.parametrize("event_id,result,outcome", [(1202, "Success", "success"), (1203, "Failure", "failure"),
                                                     (1204, "Success", "info"), (1205, "Failure", "info"),
                                                     (1206, "Success", "info"), (1207, "Failure", "info")])
def test_password_changes_and_sign_outs_are_no_logins(tmp_path, event_id, result, outcome):
    """1204/1205 are password changes, 1206/1207 sign-outs: a failed sign-out was a failed login
    without a cause (review finding)."""
    ev = ('<Events><Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider '
          f'Name="AD FS Auditing"/><EventID>{event_id}</EventID><TimeCreated SystemTime="2025-03-11T08:41:02.551Z"/>'
          '</System><EventData><Data>0d4f6a7e-5b2c-4e19-8f00-6c3b2a1d9e77</Data><Data>&lt;AuditBase&gt;&lt;'
          f'AuditResult&gt;{result}&lt;/AuditResult&gt;&lt;/AuditBase&gt;</Data></EventData></Event></Events>\n')
    path = tmp_path / "adfs.xml"
    path.write_text(ev)
    (e,) = events(records(path))
    assert e.outcome == outcome


def test_an_export_without_newlines_is_read_to_its_last_event(tmp_path):
    """wevtutil writes events with no newline between them: one line of MBs. Only its first MB was
    read (text_lines keeps a long line's first chunk), and the events of a chunk were cut out by
    copying the rest of the buffer each time (quadratic)."""
    import time

    from samlscan.config import Expectations
    from samlscan.engine import analyze

    first = (DIR / "adfs-security-wevtutil.xml").read_text().splitlines()[0]
    n = 4 * 1024 * 1024 // len(first) + 1  # 4 MB: events cut across the 1 MB chunks of the line
    path = tmp_path / "security.xml"
    path.write_text("<Events>" + first * n + "</Events>")
    started = time.process_time()
    rep = analyze([str(path)], Expectations())
    assert time.process_time() - started < 20
    assert rep.inputs[0].kind == "log:adfs" and rep.inputs[0].malformed_lines == 0
    assert len(rep.events) == n and {e.outcome for e in rep.events} == {"failure"}
