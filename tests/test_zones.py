"""--timezone per input: one log in the SP's local time, another in UTC, an archive's members."""
from __future__ import annotations

import shutil
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.batch import run_scan
from samlscan.cli import main
from samlscan.config import Expectations
from samlscan.errors import ConfigError
from samlscan.zones import LogZones, parse_zones, zone_of

WEBLOG = Path(__file__).resolve().parents[1] / "fixtures" / "logs" / "sonarqube" / "web-javasaml.log"
FIRST = datetime(2025, 3, 11, 9, 41, 2, tzinfo=timezone.utc)
"""The first event of web-javasaml.log (2025.03.11 09:41:02) read as UTC; Paris is UTC+1 then."""


def test_zone_names_offsets_and_globs():
    z = parse_zones(("Europe/Paris", "idp-*.log=UTC", "*/adfs/*=-05:00"))
    assert str(z.default) == "Europe/Paris"
    assert z.of("/case/idp-keycloak.log") == timezone.utc
    assert z.of("/case/adfs/security.csv") == timezone(timedelta(hours=-5))
    assert z.of("/case/web.log") == z.default
    assert parse_zones(()).of("x") == timezone.utc
    assert parse_zones("UTC+5:30").default == timezone(timedelta(hours=5, minutes=30))
    assert zone_of(None, "x") == timezone.utc and zone_of(z, "/case/idp-a.log") == timezone.utc


@pytest.mark.parametrize("values, says", [
    (("Mars/Olympus",), "not a known time zone"),
    (("Europe/Paris", "UTC"), "given twice"),
    (("=Europe/Paris",), "give the log before"),
    (("web.log=+25:00",), "not a known time zone"),
])
def test_bad_values_say_what_to_give(values, says):
    with pytest.raises(ConfigError, match=says):
        parse_zones(values)


def test_a_bad_zone_is_a_usage_error(tmp_path):
    res = CliRunner().invoke(main, ["check", str(WEBLOG), "--timezone", "web.log=Nowhere/Else"])
    assert res.exit_code == 2 and "Nowhere/Else" in res.output and "Traceback" not in res.output


def _first_times(report, root) -> dict[str, datetime]:
    out: dict[str, datetime] = {}
    for e in report.events:
        out.setdefault(e.source.input[len(str(root)) + 1:], e.time)
    return out


def test_each_log_is_read_in_its_own_zone(tmp_path):
    shutil.copy(WEBLOG, tmp_path / "sonar-web.log")
    shutil.copy(WEBLOG, tmp_path / "other-web.log")
    with zipfile.ZipFile(tmp_path / "logs.zip", "w") as z:
        z.write(WEBLOG, "web.log")
    import io
    import tarfile

    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w:gz") as t:
        t.add(WEBLOG, "sonar/web.log")
    with zipfile.ZipFile(tmp_path / "case.zip", "w") as z:  # a support bundle: one log per server
        z.write(WEBLOG, "sonar/web.log")
        z.write(WEBLOG, "idp/server.log")
        z.writestr("empty.log", "")  # (an empty member stopped the scan with an internal error)
        z.writestr("older.tar.gz", inner.getvalue())  # nested: its logs by their own names too
    zones = parse_zones(("sonar-*=Europe/Paris", "logs.zip=+02:00", "web.log=-03:00", "nothing-*=+05:00"))
    report = run_scan([str(tmp_path)], Expectations(), jobs=1, tz=zones)
    got = _first_times(report, tmp_path)
    assert got["sonar-web.log"] == FIRST - timedelta(hours=1)
    assert got["other-web.log"] == FIRST  # the default: UTC
    assert got["logs.zip!web.log"] == FIRST + timedelta(hours=3)  # its own name first, then the archive's
    assert got["case.zip!sonar/web.log"] == FIRST + timedelta(hours=3)
    assert got["case.zip!idp/server.log"] == FIRST
    assert got["case.zip!older.tar.gz!sonar/web.log"] == FIRST + timedelta(hours=3)
    assert any("--timezone 'nothing-*=...' names no input" in n for n in report.notes)
    assert not any("'web.log=" in n for n in report.notes)
    # a plain zone still applies to all, as before
    everywhere = run_scan([str(tmp_path)], Expectations(), jobs=1, tz=LogZones(timezone(timedelta(hours=3))))
    assert set(_first_times(everywhere, tmp_path).values()) == {FIRST - timedelta(hours=3)}


def _attempt_times(args) -> list[str]:
    import json

    res = CliRunner().invoke(main, ["scan", *args, "--format", "json", "--jobs", "1", "--fail-on", "never"])
    assert res.exit_code == 0, res.output
    return [a["time"] for a in json.loads(res.stdout)["attempts"]]


def test_the_zones_can_be_set_in_samlscan_toml_and_the_flag_wins(tmp_path):
    shutil.copy(WEBLOG, tmp_path / "web.log")
    utc = _attempt_times([str(tmp_path)])
    assert utc[0] == "2025-03-11T09:41:02Z"
    (tmp_path / "samlscan.toml").write_text('timezone = ["web.log=Europe/Paris"]\n')
    assert _attempt_times([str(tmp_path)])[0] == "2025-03-11T08:41:02Z"
    assert _attempt_times([str(tmp_path), "--timezone", "+03:00"])[0] == "2025-03-11T06:41:02Z"
    # a flag for another log keeps the file's zone for this one (it replaced the file's whole list)
    assert _attempt_times([str(tmp_path), "--timezone", "idp.log=+05:00"])[0] == "2025-03-11T08:41:02Z"
