"""fuzz35: hostile and odd input against session 35's code paths: the clock-skew fix naming --timezone
(logzones.skew_fix) at the edges of the zones there are, CSV exports in odd encodings and line ends
(textcodec.export_codec, lokiexport.dialect), damaged() against binary, every reader's sniff of the
others' exports. The sweep behind these (every variant through check and scan, --jobs 1 and 2, each
--format, --redact, PYTHONHASHSEED 0 and 1) ran outside the suite; what it found is kept here."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from samlscan.cli import main
from samlscan.logzones import skew_fix

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_zonemsg32 import _dump_line  # noqa: E402


def _scan(*args: str, jobs: str = "1") -> dict:
    res = CliRunner().invoke(main, ["scan", *args, "--format", "json", "--jobs", jobs, "--fail-on", "never"])
    assert res.exit_code == 0, res.output[-2000:]
    return json.loads(res.stdout)


# --- 1. skew_fix names only offsets a zone has --------------------------------------------------------

def test_a_quarter_hour_off_utc_is_the_clocks_not_a_zone(tmp_path):
    """A line 15 min 30 s after its response's IssueInstant: no zone is UTC+0:15 (the tz database's
    quarter-hour zones are +5:45, +8:45, +12:45, +13:45): the fix is the clocks', not --timezone."""
    log = tmp_path / "web.log"
    log.write_text(_dump_line("2025.03.11 08:15:30", noa="2025-03-11T10:05:00Z"))
    hints = [f["hint"] for m in _scan(str(log))["messages"] for f in m["findings"] if f["code"] == "clock-skew"]
    assert hints and not any("--timezone" in h for h in hints), hints


@pytest.mark.parametrize(("offset", "zone"), [
    (-14 * 3600, "+14:00"), (12 * 3600, "-12:00"), (-(5 * 3600 + 2700), "+05:45"), (-(8 * 3600 + 2700), "+08:45"),
    (-(13 * 3600 + 2700), "+13:45"), (9 * 3600 + 1800, "-09:30"), (2 * 3600 + 1800, "-02:30"),
    (-(5 * 3600 + 1800) + 37, "+05:30"),  # (an offset with seconds: 37 s of drift)
    (12 * 3600 + 180, "-12:00"), (-14 * 3600 - 300, "+14:00"),  # (exactly the skew allowed each way)
])
def test_every_zone_at_the_edges_is_named(offset, zone):
    got = skew_fix("logs/web.log", offset, 180, "CLOCKS")
    assert got is not None and f"--timezone 'web.log={zone}'" in got and got.endswith("CLOCKS")


@pytest.mark.parametrize("offset", [
    900, -900, 1800, -1800, 2700, -(4 * 3600 + 2700), -(2 * 3600 + 1800),  # (quarters no zone has)
    12 * 3600 + 181, -14 * 3600 - 301, 15 * 3600, -15 * 3600, 0, -0.0, 450, -451,  # (past the skew, the zones)
])
def test_an_offset_no_zone_has_gets_no_timezone(offset):
    assert skew_fix("web.log", offset, 180, "CLOCKS") is None


# --- 2. every CSV export is its own reader's, whatever its line ends ---------------------------------

_EXPORTS = {  # recorded exports -> the reader that is theirs (no reader takes another's export)
    "case10/okta-system-log.csv": "log:okta", "idplogs30/onelogin-events.csv": "log:onelogin",
    "case9/saml-log-events.csv": "log:google", "case27/entra-signinlogs.csv": "log:entra",
    "case20/InteractiveSignIns_2026-05-19_2026-05-19.csv": "log:entra", "case19/adfs-security.csv": "log:adfs",
    "case8/adfs-admin-winevent.csv": "log:adfs", "proxyfmt32/appgw-csv/AGWAccessLogs.csv": "log:azure-appgw-access",
    "proxyfmt32/appgw-diag-csv/AzureDiagnostics.csv": "log:azure-appgw-access",
    "case27/splunk-outputcsv.csv": "log:sonarqube", "left35/grafana-semicolon.csv": "log:sonarqube",
}


def _kinds(folder: Path, jobs: str = "1") -> dict[str, tuple[str, int]]:
    return {Path(i["path"]).name: (i["kind"], i["events"]) for i in _scan(str(folder), jobs=jobs)["inputs"]}


def test_each_export_is_read_by_its_own_reader_with_lf_crlf_or_cr_line_ends(tmp_path):
    """Excel for Mac's 'CSV (Macintosh)' ends its lines with CR alone: the sniff saw one line (the parse's
    universal newlines split it), and an Okta, Entra, AD FS... export was no log at all."""
    for rel in _EXPORTS:
        data = (ROOT / "tests" / "data" / rel).read_bytes().replace(b"\r\n", b"\n")
        name = rel.rsplit("/", 1)[-1]
        (tmp_path / name).write_bytes(data)
        (tmp_path / f"cr-{name}").write_bytes(data.replace(b"\n", b"\r"))
        (tmp_path / f"mixed-{name}").write_bytes(data.replace(b"\n", b"\r", 2).replace(b"\n", b"\r\n", 2))
    got = _kinds(tmp_path)
    for rel, kind in _EXPORTS.items():
        name = rel.rsplit("/", 1)[-1]
        assert got[name][0] == kind and got[name][1] > 0, (name, got[name])
        assert got[f"cr-{name}"] == got[name] == got[f"mixed-{name}"], name
    assert _kinds(tmp_path, jobs="2") == got


# --- 3. hostile encodings and cells: every input accounted for, no traceback, the same with two jobs --

def _hostile(tmp: Path) -> None:
    okta = (ROOT / "tests/data/case10/okta-system-log.csv").read_text(encoding="utf-8")
    grafana = (ROOT / "tests/data/loki34/grafana.csv").read_bytes()[:30000]
    header = grafana.split(b"\n", 1)[0]
    files = {
        "utf32.csv": okta.encode("utf-32"), "utf32be.csv": okta.encode("utf-32-be"),
        "utf16-odd.csv": okta.encode("utf-16")[:-1], "utf8bom-then-utf16.csv": b"\xef\xbb\xbf" + okta.encode("utf-16-le"),
        "lone-surrogate.csv": okta.encode("utf-16-le")[:400] + b"\x00\xd8a\x00" + okta.encode("utf-16-le")[400:],
        "nul-in-quoted-cell.csv": grafana.replace(b'"', b'"\x00', 1),
        "quote-never-closed.csv": header + b'\n"never closed,1,2\n' + b"x," * 500 + b"\n",
        "fffd-header.csv": "\ufffd\ufffd\ufffd,\ufffd\ufffd\n1,2\n".encode(),
        "cp1252-header.csv": b"\xc9v\xe9nement,Dat\xe9,Heure\n1,2,3\n",
        "semicolon-header-only.csv": header.replace(b",", b";") + b"\n" + grafana.split(b"\n", 1)[1],
        "mixed-delimiters.csv": header.replace(b",", b"\t", 2) + b"\n" + grafana.split(b"\n", 1)[1],
        "sep-line-only.csv": b"sep=;\n", "bom-only.csv": b"\xef\xbb\xbf", "utf16-bom-only.csv": b"\xff\xfe",
        "gzip-cut.csv": __import__("gzip").compress(okta.encode(), mtime=0)[:-8],
    }
    for name, data in files.items():
        (tmp / name).write_bytes(data)


def test_hostile_exports_are_each_accounted_for_with_one_or_two_jobs(tmp_path):
    _hostile(tmp_path)
    res = CliRunner().invoke(main, ["scan", str(tmp_path), "--format", "json", "--jobs", "1", "--fail-on", "never",
                                    "--redact"])
    assert res.exit_code == 0 and "Traceback" not in res.output, res.output[-2000:]
    got = json.loads(res.stdout)
    assert sorted(Path(i["path"]).name for i in got["inputs"]) == sorted(p.name for p in tmp_path.iterdir())
    assert all(i["status"] in ("scanned", "skipped", "failed") for i in got["inputs"])
    two = CliRunner().invoke(main, ["scan", str(tmp_path), "--format", "json", "--jobs", "2", "--fail-on", "never",
                                    "--redact"])
    assert two.stdout == res.stdout
    # UTF-8 BOM before UTF-16 bytes, a lone surrogate or an odd last byte: still Okta's export
    kinds = {Path(i["path"]).name: (i["kind"], i["events"]) for i in got["inputs"]}
    assert kinds["utf16-odd.csv"] == ("log:okta", 7), kinds
    # a lone surrogate in the header: U+FFFD as the sniff read it, not cp1252 bytes ('\x00\xd8' = NUL, 'Ø')
    # that made the header no CSV header for the parse (0 events: 'not JSON')
    assert kinds["lone-surrogate.csv"] == ("log:okta", 7), kinds
    # UTF-32 with its BOM (PowerShell's Out-File -Encoding UTF32): its LE BOM was taken for UTF-16's
    assert kinds["utf32.csv"] == ("log:okta", 7), kinds


@pytest.mark.parametrize("make", ["gzip", "zip"])
def test_binary_with_replacement_chars_beside_letters_stays_binary(make):
    """A cp1252 letter's U+FFFD sits in a word; compressed bytes read as text put some U+FFFD beside
    letters too (a line or two of a gzip stream passes _letters alone), yet the head stays binary."""
    import gzip
    import io
    import zipfile

    from samlscan.logs import undamaged

    text = (ROOT / "tests/data/loki34/grafana.csv").read_bytes()
    if make == "gzip":
        data = gzip.compress(text, mtime=0)
    else:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("xl/sharedStrings.xml", text)
        data = buf.getvalue()
    head = data.decode("utf-8", "replace")[:65536]
    assert undamaged(head) == head


@pytest.mark.parametrize(("data", "codec"), [
    ("x".encode("utf-32"), "utf-32"), (b"\x00\x00\xfe\xffx", "utf-32"), ("x,y".encode("utf-16"), "utf-16"),
    ("ab,cd".encode("utf-16-be"), "utf-16-be"), (b"a,b", None),
])
def test_utf32_is_told_from_utf16_by_its_bom(data, codec):
    from samlscan.textcodec import utf16_codec

    assert utf16_codec(data) == codec
