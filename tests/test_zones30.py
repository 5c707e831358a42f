"""Every log whose times carry no zone says it was read as UTC, in its product's words, with the
--timezone to pass (samlscan/logzones.py); not when a zone was given for it, not for a zoned layout of
the same product, and the same with --jobs 1 and 2. Samples are the recorded logs of earlier cases
(their SOURCES.md); Google's zone-less export is case 9's with the zone cut off its Date cells."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main

DATA = Path(__file__).resolve().parent / "data"
_MARK = "writes its log times without a zone"

# per reader: its zone-less sample, the words of where its product takes its zone, a zoned sample of
# the same product (None: none recorded; Google's and authentik's zone-less ones are made: _MADE)
_ROWS = """
sonarqube     | case10/web.log              | the JVM's user.timezone      | case11/web.log
keycloak      | case11/keycloak-server.log  | the JVM's user.timezone      | case11/keycloak-events.json
shibboleth    | case13/idp-process.log      | the JVM's user.timezone      | case13/idp-audit.log
pingfederate  | case16/audit.log            | the JVM's user.timezone      | idplogs21/pingfederate-test-audit.json
simplesamlphp | case14/simplesamlphp.log    | PHP's date.timezone          | None
adfs          | case8/adfs-admin-copied.txt | Windows zone                 | case19/adfs-admin.xml
goapps        | goapps/gitea.log            | the process's TZ             | goapps/teleport.log
sp-app        | case8/django-app.log        | the process's TZ for Python  | None
google        | None                        | the admin's display zone     | case9/saml-log-events.csv
authentik     | None                        | the container's TZ           | idplogs21/authentik-event-originals.jsonl
"""
FAMILIES = {cells[0]: tuple(None if c == "None" else c for c in cells[1:])
            for cells in ([c.strip() for c in row.split("|")] for row in _ROWS.strip().splitlines())}


def _google_zoneless(tmp: Path) -> Path:
    """Case 9's Google export as the console shows it to an admin without a zone in the cell."""
    text = (DATA / "case9" / "saml-log-events.csv").read_text().replace(" GMT+2\"", "\"")
    out = tmp / "saml-log-events.csv"
    out.write_text(text)
    return out


def _authentik_server_log(tmp: Path) -> Path:
    """authentik's server container log: structlog JSON with TimeStamper(fmt="iso", utc=False), a
    'timestamp' without a zone (authentik/lib/logging.py), one "Created Event" line per event."""
    line = ('{{"action": "{action}", "client_ip": "192.0.2.1{n}", "context": {context}, "event": "Created Event", '
            '"level": "info", "logger": "authentik.events.models", "pid": 7, "request_id": "{n}c1f0c5e8d1d4f4e", '
            '"timestamp": "2025-03-11T09:4{n}:02.123456", "user": {{"username": "{user}", "pk": {n}}}}}\n')
    out = tmp / "authentik-server.log"
    out.write_text(line.format(action="login", n=1, context='{"auth_method": "password"}', user="alice")
                   + line.format(action="login_failed", n=2, user="AnonymousUser",
                                 context='{"message": "Invalid credentials", "username": "bob"}'))
    return out


_MADE = {"google": _google_zoneless, "authentik": _authentik_server_log}


def _sample(reader: str, tmp: Path) -> Path:
    rel = FAMILIES[reader][0]
    return _MADE[reader](tmp) if rel is None else DATA / rel


def _zone_notes(*args: str, jobs: str = "1") -> list[str]:
    res = CliRunner().invoke(main, ["scan", *args, "--format", "json", "--jobs", jobs, "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    return [n for n in json.loads(res.stdout)["summary"]["notes"] if _MARK in n]


@pytest.mark.parametrize("reader", sorted(FAMILIES))
def test_a_zoneless_log_says_it_was_read_as_utc(reader, tmp_path):
    log = _sample(reader, tmp_path)
    (note,) = _zone_notes(str(log))
    assert note.startswith(f"{log}: ") and "read as UTC" in note
    assert FAMILIES[reader][1] in note  # (where that product takes its zone)
    assert f"--timezone '{log.name}=<its zone>'" in note


@pytest.mark.parametrize("reader", sorted(FAMILIES))
@pytest.mark.parametrize("given", ["{name}=Europe/Paris", "UTC", "+02:00", "*.nothing={name}"])
def test_a_zone_given_for_it_is_not_questioned(reader, given, tmp_path):
    log = _sample(reader, tmp_path)
    if given.startswith("*.nothing"):  # a zone given for another file only: this one still assumed UTC
        assert len(_zone_notes(str(log), "--timezone", "*.nothing=Europe/Paris")) == 1
        return
    assert not _zone_notes(str(log), "--timezone", given.format(name=log.name))


@pytest.mark.parametrize("reader", sorted(r for r, (_, _, zoned) in FAMILIES.items() if zoned))
def test_a_zoned_layout_of_the_same_product_says_nothing(reader):
    assert not _zone_notes(str(DATA / FAMILIES[reader][2]))


def test_one_note_per_zoneless_log_the_same_with_one_or_two_jobs(tmp_path):
    logs = [str(_sample(r, tmp_path)) for r in sorted(FAMILIES)] + [
        str(DATA / z) for _, _, z in FAMILIES.values() if z]
    one = _zone_notes(*logs, jobs="1")
    assert one == _zone_notes(*logs, jobs="2")
    said = [n.split(": ", 1)[0] for n in one]
    assert len(said) == len(set(said))  # one note each
    # each zone-less log, but those measured against a zoned log of their own case (their offset
    # note says the zone: Google's against its zoned copy, Keycloak's server.log and Shibboleth's idp-process.log
    # against their events and audit logs)
    assert sorted(said) == sorted(str(_sample(r, tmp_path)) for r in FAMILIES
                                  if r not in ("google", "keycloak", "shibboleth"))
    alone = _zone_notes(*[str(_sample(r, tmp_path)) for r in sorted(FAMILIES)], jobs="2")
    assert sorted(n.split(": ", 1)[0] for n in alone) == sorted(str(_sample(r, tmp_path)) for r in FAMILIES)


def test_a_measured_log_keeps_its_own_note_only():
    """case 13 without the HAR: idp-process.log is measured against idp-audit.log (zoned): its offset
    note says the zone to pass, the general one is withdrawn (correlate.run)."""
    notes = _zone_notes(str(DATA / "case13"), "--exclude", "*.har")
    assert not [n for n in notes if n.startswith(str(DATA / "case13" / "idp-process.log"))]
