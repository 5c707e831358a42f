"""A log that only quotes SAML messages (a java-saml DEBUG dump in SonarQube's web.log, a generic
app log's SAMLResponse) judges them at its lines' times: written without a zone and read as UTC
unasked, it says so (samlscan/logzones.py), with the zones in which a response called expired was
within its window. Not for a zoned layout, not with --timezone; one note for a log with both
logins and dumps; the same with --jobs 1 and 2. The responses are unsigned XML built here (their
time windows are all that matters)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan import logzones
from samlscan.cli import main

_MARK = "writes its log times without a zone"
_REQ = "AZWiVM9zEUTWzRXZ7I6d"


def _response(rid: str = "_r1", issue: str = "2025-03-11T08:00:00Z", noa: str = "2025-03-11T08:05:00Z") -> str:
    return (f'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
            f'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{rid}" Version="2.0" IssueInstant="{issue}" '
            'Destination="https://sonar.example.com/oauth2/callback/saml"><saml:Issuer>https://idp.example.com'
            '</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>'
            f'</samlp:Status><saml:Assertion ID="_a{rid}" Version="2.0" IssueInstant="{issue}"><saml:Issuer>'
            'https://idp.example.com</saml:Issuer><saml:Subject><saml:NameID>alice@example.com</saml:NameID>'
            '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData '
            f'NotOnOrAfter="{noa}" Recipient="https://sonar.example.com/oauth2/callback/saml"/>'
            f'</saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{issue}" NotOnOrAfter="{noa}">'
            '<saml:AudienceRestriction><saml:Audience>sonarqube</saml:Audience></saml:AudienceRestriction>'
            f'</saml:Conditions><saml:AuthnStatement AuthnInstant="{issue}"/></saml:Assertion></samlp:Response>')


def _dump_line(time: str = "2025.03.11 10:02:03", **kw) -> str:
    """java-saml's DEBUG dump as SonarQube's web.log writes it (case 10's web.log), 2 h after the
    response's IssueInstant: the server writes UTC+2 local time."""
    return f"{time} DEBUG web[{_REQ}][c.o.s.a.SamlResponse] SAMLResponse invalid --> {_response(**kw)}\n"


def _web_log(tmp: Path, text: str, name: str = "web.log") -> Path:
    out = tmp / name
    out.write_text(text)
    return out


def _notes(*args: str, jobs: str = "1") -> list[str]:
    res = CliRunner().invoke(main, ["scan", *args, "--format", "json", "--jobs", jobs, "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    return [n for n in json.loads(res.stdout)["summary"]["notes"] if _MARK in n]


def test_a_log_with_only_a_dump_says_it_was_read_as_utc_and_when_it_was_valid(tmp_path):
    log = _web_log(tmp_path, _dump_line())
    (note,) = _notes(str(log))
    assert note.startswith(f"{log}: SonarQube writes its log times without a zone")
    assert f"--timezone '{log.name}=<its zone>'" in note
    # 10:02:03 read as UTC is past 08:05; in UTC+2 it was 08:02:03 UTC, within [08:00, 08:05)
    assert "Response _r1 (line 1) judged at 10:02:03 read as UTC; if web.log is in UTC+2, it was within its window" \
        in note


def test_a_generic_app_log_quoting_a_response_says_so_too(tmp_path):
    """python3-saml's DEBUG in a Django app's log (logs.applog: 'sp-app')."""
    log = _web_log(tmp_path, "2025-03-11 10:02:01,100 INFO [django.server] GET /saml/login 302\n"
                   f"2025-03-11 10:02:03,123 DEBUG [onelogin.saml2.auth] SAMLResponse: {_response()}\n", "app.log")
    (note,) = _notes(str(log))
    assert note.startswith(f"{log}: this application writes") and "--timezone 'app.log=<its zone>'" in note
    assert "if app.log is in UTC+2, it was within its window" in note


def test_a_zoned_json_web_log_says_nothing(tmp_path):
    record = {"process": "web", "date": "2025-03-11T10:02:03+02:00", "severity": "DEBUG",
              "logger": "c.o.s.a.SamlResponse", "HTTP_REQUEST_ID": _REQ,
              "message": f"SAMLResponse invalid --> {_response()}"}
    log = _web_log(tmp_path, json.dumps(record) + "\n")
    assert _notes(str(log)) == []


@pytest.mark.parametrize("given", ["web.log=Europe/Paris", "UTC", "+02:00"])
def test_a_zone_given_for_it_says_nothing(given, tmp_path):
    log = _web_log(tmp_path, _dump_line())
    assert _notes(str(log), "--timezone", given) == []


def test_at_given_judges_no_message_at_the_log_time(tmp_path):
    log = _web_log(tmp_path, _dump_line())
    assert _notes(str(log), "--at", "2025-03-11T08:02:00Z") == []


def test_a_log_with_logins_and_dumps_has_one_note(tmp_path):
    failure = (f"2025.03.11 10:02:03 ERROR web[{_REQ}][c.o.saml2.Auth] processResponse error. invalid_response\n"
               f"2025.03.11 10:02:03 WARN  web[{_REQ}][o.s.s.a.AuthenticationError] Fail to callback "
               "authentication with 'saml'\n")
    log = _web_log(tmp_path, _dump_line() + failure)
    (note,) = _notes(str(log))
    assert note.startswith(f"{log}: ") and "UTC+2" in note


def test_a_response_valid_or_days_old_names_no_zone(tmp_path):
    valid = _dump_line("2025.03.11 08:02:03")  # (within its window as written: nothing to flip)
    old = _dump_line("2025.03.14 10:02:03", rid="_r2")  # (expired days before: no zone makes it valid)
    (note,) = _notes(str(_web_log(tmp_path, valid + old)))
    assert "within its window" not in note and "read as UTC; if that is another zone" in note


def test_the_same_with_one_or_two_jobs(tmp_path):
    logs = [_web_log(tmp_path, _dump_line(), "web.log"),
            _web_log(tmp_path, _dump_line("2025.03.11 04:32:03", rid="_r3"), "web-ny.log"),
            _web_log(tmp_path, _dump_line("2025.03.11 08:02:03", rid="_r4"), "web-utc.log")]
    one = _notes(*map(str, logs), jobs="1")
    assert one == _notes(*map(str, logs), jobs="2")
    assert len(one) == 3
    (ny,) = [n for n in one if n.startswith(str(logs[1]))]
    assert "if web-ny.log is in UTC-3:30, it was within its window" in ny


@pytest.mark.parametrize("offset, said", [(timedelta(hours=2), "+2"), (timedelta(hours=-3, minutes=-30), "-3:30"),
                                          (timedelta(hours=5, minutes=45), "+5:45"), (timedelta(0), "+0")])
def test_offsets_read_as_zones_are_named(offset, said):
    assert logzones._offset(offset) == said


def test_a_window_wider_than_an_hour_names_a_range_of_zones(tmp_path):
    log = _web_log(tmp_path, _dump_line("2025.03.11 12:10:00", noa="2025-03-11T11:00:00Z"))
    (note,) = _notes(str(log))
    # 12:10 read as UTC is past 11:00; 12:10 - k within [08:00, 11:00): k in (1:10, 4:10] -> +1:15 .. +4,
    # said from the first zone in it, +2 (no zone is +1:15, +1:30 or +1:45)
    assert "if web.log is in UTC+2 to UTC+4, it was within its window" in note


def test_flip_stays_within_the_zones_that_exist():
    at = datetime(2025, 3, 11, 23, 0, tzinfo=timezone.utc)
    assert logzones._ceil(timedelta(minutes=1)) == timedelta(minutes=15)
    assert logzones._floor(timedelta(minutes=-1)) == timedelta(minutes=-15)
    assert at - logzones._ZONES[1] == datetime(2025, 3, 11, 9, 0, tzinfo=timezone.utc)
