"""left35: four gaps of session 34's note. A clock-skew fix at a zone-less log line's time names the
--timezone of a whole zone's offset (logzones.skew_fix); a CSV export Excel saved again in cp1252 with an
accented header cell is read as its UTF-8 original, reader by reader (textcodec.export_codec); a weak ECDSA
signature under an RSA-only IdP's Issuer is not that IdP's own (codes.NOT_RSA_ONLY_SIGNING); Grafana's
Loki CSV saved again by Excel as 'Unicode text' or with ';' is read (tests/data/left35, make.py)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.codes import NOT_RSA_ONLY_SIGNING
from samlscan.logs import damaged

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "left35"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_zonemsg32 import _dump_line  # noqa: E402


def _scan(*args: str) -> dict:
    res = CliRunner().invoke(main, ["scan", *args, "--format", "json", "--jobs", "1", "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout)


def _skew_hints(got: dict) -> list[str]:
    return [f["hint"] for m in got["messages"] for f in m["findings"] if f["code"] == "clock-skew"]


# --- 1. clock skew beside the zone note ------------------------------------------------------------

def test_a_whole_zone_offset_names_the_timezone_to_pass(tmp_path):
    """SonarQube's web.log in UTC+2 quoting a response issued at 08:00 UTC on its 10:00:30 line: read as
    UTC the response is 2 h early; the fix says the --timezone that reads it, and keeps the clocks'."""
    log = tmp_path / "web.log"
    log.write_text(_dump_line("2025.03.11 10:00:30", noa="2025-03-11T10:05:00Z"))
    got = _scan(str(log))
    (hint,) = _skew_hints(got)
    assert "--timezone 'web.log=+02:00'" in hint and "UTC+2" in hint
    assert "Sync the IdP and SP clocks with NTP" in hint
    assert any("if web.log is in UTC+2" in n for n in got["summary"]["notes"])  # (the zone note beside it)


def test_a_half_hour_zone_behind_utc(tmp_path):
    log = tmp_path / "sonar.log"
    log.write_text(_dump_line("2025.03.11 04:30:40", noa="2025-03-11T10:05:00Z"))  # (UTC-3:30, 40 s of drift)
    (hint,) = _skew_hints(_scan(str(log)))
    assert "--timezone 'sonar.log=-03:30'" in hint


@pytest.mark.parametrize("line_time", ["2025.03.11 08:40:00", "2025.03.11 10:25:00"])
def test_an_offset_no_zone_explains_says_sync_the_clocks_only(tmp_path, line_time):
    """40 min, 2 h 25 min: a whole zone is 5 min or more away (past the 180 s allowed): the clocks."""
    log = tmp_path / "web.log"
    log.write_text(_dump_line(line_time, noa="2025-03-11T11:05:00Z"))
    (hint,) = _skew_hints(_scan(str(log)))
    assert "--timezone" not in hint and hint == "Sync the IdP and SP clocks with NTP."


def test_read_in_its_zone_there_is_no_skew(tmp_path):
    log = tmp_path / "web.log"
    log.write_text(_dump_line("2025.03.11 10:00:30", noa="2025-03-11T10:05:00Z"))
    assert _skew_hints(_scan(str(log), "--timezone", "web.log=+02:00")) == []


# --- 2. cp1252 exports with an accented header cell ------------------------------------------------

CSVS = [  # (export, its header cell renamed with accents: one its reader does not need)
    ("fixtures/logs/okta/system-log-download.csv", None),
    ("tests/data/case10/okta-system-log.csv", None),
    ("tests/data/idplogs30/onelogin-events.csv", None),
    ("fixtures/logs/google/saml-log-events-export.csv", None),
    ("tests/data/proxyfmt32/appgw-csv/AGWAccessLogs.csv", None),
    ("fixtures/logs/keycloak/wrapped/splunk-export.csv", "host"),
    ("tests/data/case27/splunk-outputcsv.csv", "host"),
    ("fixtures/logs/keycloak/wrapped/kibana-discover.csv", "service.name"),
    ("fixtures/logs/entra/InteractiveSignIns_2025-03-11_2025-03-12.csv", "Conditional Access"),
]


def _renamed(src: Path, dst: Path, cell: str | None, encoding: str) -> Path:
    """`src` with one header cell renamed 'hôte Événement' (the last one unless named), saved in `encoding`:
    Excel's 'CSV (Comma delimited)' on a Western Windows writes cp1252."""
    head, rest = src.read_text(encoding="utf-8-sig").split("\n", 1)
    cell = cell or head.rstrip("\r").rsplit(",", 1)[-1].strip('"')
    assert cell in head
    dst.write_bytes((head.replace(cell, "hôte Événement", 1) + "\n" + rest).encode(encoding, "replace"))
    return dst


@pytest.mark.parametrize("src, cell", CSVS, ids=[Path(s).name for s, _ in CSVS])
def test_a_cp1252_export_reads_as_its_utf8_original(tmp_path, src, cell):
    """Before: Okta's, OneLogin's, Google's, App Gateway's, Splunk's and Kibana's failed ('not ... header',
    no record read: the header's U+FFFD made it a damaged line, passed over for the first row)."""
    want = _scan(str(_renamed(ROOT / src, tmp_path / "utf8.csv", cell, "utf-8")), "--timezone", "UTC")
    got = _scan(str(_renamed(ROOT / src, tmp_path / "cp1252.csv", cell, "cp1252")), "--timezone", "UTC")
    assert got["inputs"][0]["status"] == "scanned", got["inputs"][0]
    assert got["inputs"][0]["events"] == want["inputs"][0]["events"] > 0
    assert [(a["time"], a["outcome"], a["root_cause"]) for a in got["attempts"]] == \
        [(a["time"], a["outcome"], a["root_cause"]) for a in want["attempts"]]


def test_an_accented_letter_is_no_damage_and_binary_still_is():
    assert not damaged("_time,h\ufffdte \ufffdv\ufffdnement,source")
    assert damaged("\ufffd\ufffd\ufffd,\ufffd") and damaged("ab\x00cd") and damaged("x\ufffdy\x01")


# --- 3. ECDSA under an RSA-only IdP ----------------------------------------------------------------

def test_an_ecdsa_signature_under_keycloak_is_not_keycloaks_own():
    from test_ecwhere34 import ISSUERS, NO_KEY, _ec_signed, analyze, by_code

    weak = by_code(analyze(_ec_signed(ISSUERS["keycloak"][0]), NO_KEY), "signature-weak-algorithm")
    assert weak and all(f.hint.startswith(NOT_RSA_ONLY_SIGNING) and "RSA-SHA256" in f.hint for f in weak)
    other = by_code(analyze(_ec_signed("https://idp.example.org/saml2/idp"), NO_KEY), "signature-weak-algorithm")
    assert other and all(NOT_RSA_ONLY_SIGNING not in f.hint for f in other)


# --- 4. Grafana's Loki CSV saved again by Excel ----------------------------------------------------

def test_the_samples_are_what_make_py_writes():
    res = subprocess.run([sys.executable, str(DATA / "make.py"), "--check"], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.parametrize("name", ["grafana-unicode-text.txt", "grafana-semicolon.csv"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_grafanas_csv_saved_by_excel_reads_as_the_download(name, jobs):
    """Before: read as no log ('embedded', 0 events): the ',' header did not split."""
    want = _scan(str(ROOT / "tests" / "data" / "loki34" / "grafana.csv"))
    res = CliRunner().invoke(main, ["scan", str(DATA / name), "--format", "json", "--jobs", jobs, "--fail-on", "never"])
    got = json.loads(res.stdout)
    assert got["inputs"][0]["kind"] == "log:sonarqube" and got["inputs"][0]["events"] == want["inputs"][0]["events"]
    assert [(a["time"], a["outcome"], a["root_cause"]) for a in got["attempts"]] == \
        [(a["time"], a["outcome"], a["root_cause"]) for a in want["attempts"]]
