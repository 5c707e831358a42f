"""IdP exports our readers missed (fixtures/gen_idp47.py writes them; its docstring cites each shape):
AD FS events saved by Get-WinEvent | ConvertTo-Json (Windows PowerShell 5.1 and PowerShell 7)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from case_util import generator_check
from test_logs_common import FIXTURES, detected, events, malformed_lines, records, summary, utc

FAIL, OK = utc(2025, 3, 11, 8, 41, 3), utc(2025, 3, 11, 8, 44, 5)
USER, IP = "dev.user1@example.com", "198.51.100.23"
RP = "https://sonar.example.com/saml2"


def test_generator_reproduces_the_fixtures():
    res = generator_check("gen_idp47.py")
    assert res.returncode == 0, res.stdout + res.stderr


# --- AD FS: Get-WinEvent | ConvertTo-Json ------------------------------------------------------

@pytest.mark.parametrize("name", ["winevent-ps51.json", "winevent-ps7.json"])
def test_adfs_winevent_json(name):
    path = FIXTURES / "adfs" / name
    assert detected(path) == "adfs"
    evs = events(records(path))
    assert [summary(e)[1:] for e in evs] == [(FAIL, "failure", USER, IP), (OK, "success", USER, IP)]
    assert [e.raw_code for e in evs] == ["PasswordError", None]
    assert [e.app for e in evs] == [RP, RP]
    assert [e.correlation_id for e in evs] == ["3a7c9da1-8e5f-4b4c-9233-9f6e5d4a2baa",
                                               "5be2c0a4-77d1-4f0e-9c3b-2d8a6e4f1c90"]
    assert not any(e.local_time for e in evs)  # /Date(ms)/ is UTC; PowerShell 7's ISO carries its offset


def _winevent(**changes) -> dict:
    rec = {"Id": 364, "ProviderName": "AD FS", "LogName": "AD FS/Admin", "TimeCreated": "/Date(1741682463000)/",
           "ActivityId": "0d4f6a7e-5b2c-4e19-8f00-6c3b2a1d9e77",
           "Message": "Encountered error during federation passive request. \r\n\r\nAdditional Data \r\n\r\n"
                      "Protocol Name: \r\nSaml \r\n\r\nRelying Party: \r\nhttps://sonar.example.com/saml2 \r\n\r\n"
                      "Exception details: \r\nMicrosoft.IdentityServer.RequestFailedException: MSIS7007: The requested "
                      "relying party trust 'https://sonar.example.com/saml2' is unspecified or unsupported."}
    return rec | changes


def _write(tmp_path, value) -> Path:
    path = tmp_path / "events.json"
    path.write_text(json.dumps(value, indent=4))
    return path


def test_adfs_winevent_json_364_takes_the_record_activity_id(tmp_path):
    """An AD FS/Admin 364: the record's ActivityId is AD FS's own; the MSIS code and RP from the message."""
    [ev] = events(records(_write(tmp_path, [_winevent()])))
    assert (ev.time, ev.outcome, ev.raw_code, ev.app) == (FAIL, "failure", "MSIS7007", RP)
    assert ev.correlation_id == "0d4f6a7e-5b2c-4e19-8f00-6c3b2a1d9e77"


@pytest.mark.parametrize("stamp, want", [
    ("/Date(1741682463000)/", FAIL),
    ("2025-03-11T09:41:03.0000000+01:00", FAIL),
    ("2025-03-11T08:41:03.1234567Z", utc(2025, 3, 11, 8, 41, 3, 123456)),
])
def test_adfs_winevent_json_times(tmp_path, stamp, want):
    [ev] = events(records(_write(tmp_path, _winevent(TimeCreated=stamp))))
    assert ev.time == want


def test_adfs_winevent_json_one_object_and_selected_properties(tmp_path):
    """A single event is written as an object; Select-Object Id, TimeCreated, Message keeps only those."""
    rec = {k: v for k, v in _winevent().items() if k in ("Id", "TimeCreated", "Message")}
    path = _write(tmp_path, rec)
    assert detected(path) == "adfs"
    [ev] = events(records(path))
    assert (ev.outcome, ev.raw_code, ev.correlation_id) == ("failure", "MSIS7007", None)


@pytest.mark.parametrize("changes, reason", [
    ({"TimeCreated": "yesterday"}, "TimeCreated"),
    ({"Id": "n/a"}, "Id"),
])
def test_adfs_winevent_json_bad_record_is_one_line(tmp_path, changes, reason):
    recs = records(_write(tmp_path, [_winevent(**changes), _winevent()]))
    assert malformed_lines(recs) == ["line 2"]
    assert reason in str([r.reason for r in recs if not hasattr(r, "outcome")])
    assert len(events(recs)) == 1  # the next event is still read


def test_adfs_winevent_json_other_products_not_taken(tmp_path):
    """Another provider's Get-WinEvent JSON (the course's Hyper-V record) is not AD FS's."""
    rec = {"Id": 13, "ProviderName": "Microsoft-Windows-Hyper-V-Netvsc", "LogName": "System",
           "TimeCreated": "/Date(1595374458918)/", "Message": "Miniport NIC disconnected"}
    assert detected(_write(tmp_path, [rec])) != "adfs"


# --- AD FS: an EVTX converted by evtx_dump -------------------------------------------------------

@pytest.mark.parametrize("name, lines", [("evtx-dump.json", [2, 60]), ("evtx-dump.jsonl", [1, 2])])
def test_adfs_evtx_dump(name, lines):
    path = FIXTURES / "adfs" / name
    assert detected(path) == "adfs"
    recs = records(path)
    assert malformed_lines(recs) == []  # ('Record <id>' lines are evtx_dump's, not records)
    evs = events(recs)
    assert [summary(e) for e in evs] == [(lines[0], utc(2025, 3, 11, 8, 41, 3, 551234), "failure", USER, IP),
                                         (lines[1], utc(2025, 3, 11, 8, 44, 5, 551234), "success", USER, IP)]
    assert [e.raw_code for e in evs] == ["PasswordError", None]
    # AD FS's Activity ID is the first Data, not the Security log's own Correlation
    assert evs[0].correlation_id == "3a7c9da1-8e5f-4b4c-9233-9f6e5d4a2baa"


def _evtx(**system) -> dict:
    base = {"Provider": {"#attributes": {"Name": "AD FS"}}, "EventID": "364",
            "TimeCreated": {"#attributes": {"SystemTime": "2025-03-11T08:41:03.000000Z"}},
            "Correlation": {"#attributes": {"ActivityID": "{0D4F6A7E-5B2C-4E19-8F00-6C3B2A1D9E77}"}},
            "Channel": "AD FS/Admin"}
    return {"Event": {"System": base | system, "EventData": {"Data": _winevent()["Message"]}}}


def _jsonl(tmp_path, *recs) -> Path:
    path = tmp_path / "adfs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    return path


def test_adfs_evtx_dump_admin_364_and_separate_attributes(tmp_path):
    """An AD FS/Admin 364 (one Data: a string; the Correlation is AD FS's Activity ID), and the same
    with --separate-json-attributes ('TimeCreated_attributes')."""
    separate = _evtx(TimeCreated=None, TimeCreated_attributes={"SystemTime": "2025-03-11T08:41:03Z"},
                     Correlation=None, Correlation_attributes={"ActivityID": "0d4f6a7e-5b2c-4e19-8f00-6c3b2a1d9e77"})
    evs = events(records(_jsonl(tmp_path, _evtx(), separate)))
    assert [(e.time, e.outcome, e.raw_code, e.app, e.correlation_id) for e in evs] == \
        [(FAIL, "failure", "MSIS7007", RP, "0d4f6a7e-5b2c-4e19-8f00-6c3b2a1d9e77")] * 2


@pytest.mark.parametrize("system", [{"EventID": {"#text": "x"}}, {"TimeCreated": {"#attributes": {}}}])
def test_adfs_evtx_dump_bad_record_is_one_line(tmp_path, system):
    recs = records(_jsonl(tmp_path, _evtx(**system), _evtx()))
    assert malformed_lines(recs) == ["line 1"]
    assert len(events(recs)) == 1


# --- Google Workspace: gam report saml -------------------------------------------------------------

def test_google_gam_report_saml():
    path = FIXTURES / "google" / "gam-report-saml.csv"
    assert detected(path) == "google"
    evs = events(records(path))
    assert [summary(e) for e in evs] == [(2, utc(2025, 3, 11, 8, 41, 3, 214000), "failure", USER, IP),
                                         (3, utc(2025, 3, 11, 8, 44, 5, 214000), "success", USER, IP)]
    assert [e.raw_code for e in evs] == ["failure_app_not_enabled_for_user", None]
    assert [e.app for e in evs] == ["SonarQube", "SonarQube"]


def test_google_gam_report_login_not_taken_for_saml(tmp_path):
    """`gam report login` (Google's own sign-ins: no SAML application or failure_type column) is not
    the SAML log, though its events are login_failure too (its header as GAM users publish it)."""
    path = tmp_path / "logins.csv"
    path.write_text("name,actor.callerType,actor.email,actor.key,actor.profileId,affected_email_address,"
                    "id.applicationName,id.customerId,id.time,id.uniqueQualifier,ipAddress,is_second_factor,"
                    "is_suspicious,login_challenge_method,login_challenge_status,login_type,type\n"
                    "login_failure,USER,dev.user1@example.com,,1045,,login,C03abc123,2025-03-11T08:41:03.214Z,"
                    "-1,198.51.100.23,False,False,password,,google_password,login\n")
    assert detected(path) != "google"
