"""Zone offsets said as zones are named (samlscan/logzones.py span, utc_zone): '5 h 45 min', 'UTC+5:45',
never '5.75 h'; the zones in which a quoted response's verdict flips are zones (logzones._zones_within),
never a quarter hour no zone has (+2:30). SonarQube's '<attribute> is missing' coded by the setting that
names the attribute (logs.sonarqube.by_attribute_settings), or its fix saying which settings may."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan import logzones
from samlscan.cli import main
from samlscan.correlate.notes import _offset_note
from test_zonemsg32 import _dump_line, _notes, _web_log


@pytest.mark.parametrize("offset, said", [(timedelta(hours=5, minutes=45), "5 h 45 min"), (timedelta(hours=2), "2 h"),
                                          (timedelta(hours=-3, minutes=-30), "3 h 30 min"),
                                          (timedelta(minutes=45), "45 min")])
def test_an_offset_is_said_in_hours_and_minutes(offset, said):
    assert logzones.span(offset) == said
    assert logzones.span(offset, signed=True) == ("-" if offset < timedelta(0) else "+") + said


def test_a_measured_offset_at_nepal_time_names_its_zone():
    note = _offset_note("web.log", timedelta(hours=5, minutes=45, seconds=20))
    assert "about 5 h 45 min ahead (UTC+5:45) looks like a time zone" in note, note
    assert "5.8 h" not in note and "--timezone 'web.log=+05:45'" in note
    west = _offset_note("web.log", timedelta(hours=-9, minutes=-30))
    assert "about 9 h 30 min behind (UTC-9:30) looks like a time zone" in west, west


def test_a_flip_at_an_offset_no_zone_has_is_not_named(tmp_path):
    # 10:34 read as UTC is past 08:05; within [08:00, 08:05) only for k in (2:29, 2:34]: +2:30, no zone
    (note,) = _notes(str(_web_log(tmp_path, _dump_line("2025.03.11 10:34:03"))))
    assert "within its window" not in note and "UTC+2:30" not in note, note
    # 10:02 is within it in UTC+2, a zone
    (note,) = _notes(str(_web_log(tmp_path, _dump_line("2025.03.11 10:02:03"), "two.log")))
    assert "if two.log is in UTC+2, it was within its window" in note, note


def test_a_range_of_zones_is_said_from_a_zone_to_a_zone(tmp_path):
    # 11:40 within [08:00, 09:00) for k in (2:40, 3:40]: the quarters +2:45 .. +3:30, the zones +3 and +3:30
    log = _web_log(tmp_path, _dump_line("2025.03.11 11:40:00", noa="2025-03-11T09:00:00Z"))
    (note,) = _notes(str(log))
    assert "if web.log is in UTC+3 to UTC+3:30, it was within its window" in note, note
    # Nepal's +5:45 and Eucla's +8:45 are zones: a range ends at them
    assert logzones._zones_within(timedelta(hours=5, minutes=45), timedelta(hours=6, minutes=30)) == \
        [timedelta(hours=5, minutes=45), timedelta(hours=6), timedelta(hours=6, minutes=30)]
    assert logzones._zones_within(timedelta(hours=1, minutes=15), timedelta(hours=1, minutes=45)) == []



_NAME_MISSING = Path(__file__).resolve().parents[1] / "fixtures" / "audit36" / "sq-name-missing.log"
"""A real forum line: 'java.lang.NullPointerException: Name is missing' (fixtures/audit36/SOURCES.md)."""


def _attempt(tmp_path, settings: str | None) -> dict:
    args = ["scan", str(_NAME_MISSING), "--format", "json", "--jobs", "1", "--fail-on", "never"]
    if settings is not None:
        props = tmp_path / "sonar.properties"
        props.write_text("sonar.auth.saml.enabled=true\n" + settings)
        args += ["--sonar-settings", str(props)]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output[-2000:]
    (a,) = json.loads(res.stdout)["attempts"]
    return a


@pytest.mark.parametrize("settings, code", [
    ("sonar.auth.saml.user.login=login\nsonar.auth.saml.user.name=Name\n", "name-attribute-missing"),
    ("sonar.auth.saml.user.login=Name\nsonar.auth.saml.user.name=displayName\n", "login-attribute-missing"),
    ("sonar.auth.saml.user.login=login\nsonar.auth.saml.user.name=displayName\n", "login-attribute-missing")])
def test_a_missing_attribute_is_coded_by_the_setting_that_names_it(tmp_path, settings, code):
    assert _attempt(tmp_path, settings)["root_cause"] == code


def test_without_settings_the_fix_says_which_settings_may_name_the_attribute(tmp_path):
    a = _attempt(tmp_path, None)
    assert a["root_cause"] == "login-attribute-missing"
    assert a["fix"].startswith("'Name' is the attribute configured in whichever of sonar.auth.saml.user.login or "
                               "sonar.auth.saml.user.name names it"), a["fix"]


@pytest.mark.parametrize("settings, setting", [
    ("sonar.auth.saml.user.login=login\nsonar.auth.saml.user.name=Name\n", "sonar.auth.saml.user.name"),
    ("sonar.auth.saml.user.login=Name\nsonar.auth.saml.user.name=displayName\n", "sonar.auth.saml.user.login"),
    ("sonar.auth.saml.user.login=Name\nsonar.auth.saml.user.name=Name\n", "sonar.auth.saml.user.login")])
def test_with_settings_the_fix_names_the_setting_that_names_the_attribute(tmp_path, settings, setting):
    """Not the code's generic text (name-attribute-missing's 'Add the claim in the IdP...'), nor 'whichever'."""
    fix = _attempt(tmp_path, settings)["fix"]
    assert fix.startswith(f"'Name' is the attribute {setting} names (the SP settings given): Send that attribute "
                          "for this user from the IdP"), fix


def test_settings_naming_neither_say_so_in_the_fix(tmp_path):
    """SonarQube's '<attribute> is missing' names the value of its own setting: settings given that name
    another attribute are not the ones it ran with (not 'whichever ... --sonar-settings tells which')."""
    fix = _attempt(tmp_path, "sonar.auth.saml.user.login=login\nsonar.auth.saml.user.name=displayName\n")["fix"]
    assert fix.startswith("'Name' is named by neither setting given (sonar.auth.saml.user.name=displayName, "
                          "sonar.auth.saml.user.login=login): check that they are this SonarQube's"), fix
    assert "Send that attribute for this user from the IdP" in fix, fix


@pytest.mark.parametrize("text, attr", [
    ("Fail to callback authentication with 'saml': java.lang.NullPointerException: Name is missing", "Name"),
    ("login failure [cause|mail is missing][method|OAUTH2][provider|EXTERNAL|SAML][IP|10.0.0.1|][login|]", "mail"),
    ("java.lang.IllegalStateException: http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name is missing",
     "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"),
    ("Login is missing", "Login"), ("Cookie 'OAUTHSTATE' is missing in the navbar", None)])
def test_the_attribute_a_refusal_names(text, attr):
    from samlscan.logs.sonarqube import missing_attribute

    assert missing_attribute(text) == attr
