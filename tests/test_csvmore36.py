"""The rest of the locale-CSV story (fixtures/csvmore36, written by fixtures/gen_csvmore36.py):
SIEM CSV exports (Splunk, Kibana Discover, CloudWatch Logs Insights) saved again by Excel with ';' or
as 'Unicode Text' (TAB, UTF-16LE); Excel's 'sep=' first line before any reader's CSV; AD FS's Event
Viewer CSV saved on a German, Portuguese or Japanese Windows. Each copy gives the events and the
attempts of its original; a 'sep=' elsewhere and a ';' log that is no CSV stay what they were."""
from __future__ import annotations

import json
import re
from datetime import timezone
from pathlib import Path

import pytest
from case_util import ROOT, generator_check, scan_case
from test_csvdelim36 import NOT_CSV, READERS, VARIANTS
from test_logs_common import detected, events, malformed_lines, records

from samlscan import logs
from samlscan.logs._common import csv_rows
from samlscan.logs.base import Malformed

DATA = ROOT / "fixtures" / "csvmore36"
CONSOLES = ROOT / "fixtures" / "csvdelim36"
SIEM = ("splunk", "kibana", "cloudwatch")
LANGUAGES = ("de", "pt", "ja", "de-excel", "ja-unicode")


def _file(folder: Path) -> Path:
    (path,) = folder.iterdir()
    return path


def _original(reader: str) -> Path:
    return _file((DATA / "siem" if reader in SIEM else CONSOLES) / reader / "comma")


def _events(path: Path, refs: bool = True) -> tuple[list[tuple], list]:
    recs = records(path)
    got = [(e.time, e.outcome, e.code, e.user, e.ip, e.app, e.raw_code) + ((e.source.ref,) if refs else ())
           for e in events(recs)]
    return got, malformed_lines(recs) if refs else len(malformed_lines(recs))


def _attempts(folder: Path, lines_moved: bool = False) -> str:
    """The JSON report's attempts of the one file in `folder`, its folder spelled 'X' (and its line
    numbers 'N' when a 'sep=' line moved them)."""
    doc = json.dumps(scan_case(folder, "UTC")["attempts"])
    doc = doc.replace(str(folder), "X").replace(str(folder.relative_to(ROOT)), "X")
    return re.sub(r"\blines? \d+(?:-\d+)?", "line N", doc) if lines_moved else doc


def test_the_committed_copies_are_the_generators():
    assert generator_check("gen_csvmore36.py").returncode == 0, "python fixtures/gen_csvmore36.py: stale copies"


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("export", SIEM)
def test_a_siem_csv_saved_again_is_read_as_the_comma_original(export, variant):
    """Splunk's `_raw`, Kibana's `message`, CloudWatch's `@message` export with ';' or TAB: the same
    reader, events and attempts (on the old code: split at ',' only, no export)."""
    original, copy = _original(export), _file(DATA / "siem" / export / variant)
    assert detected(copy) == detected(original) == "keycloak"
    want = _events(original)
    assert want[0] and _events(copy) == want
    want = _attempts(original.parent)
    assert '"outcome"' in want and _attempts(copy.parent) == want


@pytest.mark.parametrize("sep", ("sep-semicolon", "sep-comma"))
@pytest.mark.parametrize("reader", tuple(READERS) + SIEM)
def test_excels_sep_line_names_the_delimiter_for_every_reader(reader, sep):
    """'sep=;' before the ';' copy, 'sep=,' before the original: the line is no row, the header is
    the next one, the same events and attempts (their lines one further down)."""
    original, copy = _original(reader), _file(DATA / "sep" / reader / sep)
    assert detected(copy) == detected(original)
    if reader != "azureagw":  # (its records are requests, judged into attempts below)
        want = _events(original, refs=False)
        assert want[0] and _events(copy, refs=False) == want
    want = _attempts(original.parent, lines_moved=True)
    assert want != "[]" and _attempts(copy.parent, lines_moved=True) == want


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_adfs_event_viewer_csv_of_a_localised_windows(language):
    """German, Portuguese and Japanese headers (and Excel's ';' and 'Unicode Text' copies of them)
    read as the English original: the same events at the same times, the Portuguese '11/03/2025'
    day first (March 11th, as its header's language says), the broken row still said."""
    original_folder = DATA / "adfs-locale" / "en"  # (the English original, alone in its folder)
    original = _file(original_folder)
    copy = _file(DATA / "adfs-locale" / language)
    assert detected(copy) == detected(original) == "adfs"
    want = _events(original)
    assert want[0] and want[1] and _events(copy) == want
    want = _attempts(original_folder)
    assert '"outcome"' in want and _attempts(copy.parent) == want


def test_csv_sep_reads_excels_line_only():
    from samlscan.logs._common import csv_dialect, csv_sep  # (new: the other tests run on the old code too)

    assert [csv_sep(t) for t in ("sep=;", "\ufeffsep=,\r", '"sep=\t"', "SEP=|")] == [";", ",", "\t", "|"]
    assert [csv_sep(t) for t in ("sep=", "sep=;;", "x sep=;", "sep=; ", "a;sep=;", "")] == [None] * 6

    def columns(cells):
        return cells if cells[:2] == ["x", "y"] else None

    assert csv_dialect("sep=;\nx;y\n1;2", columns) == (";", ["x", "y"])
    assert csv_dialect("sep=,\nx;y", columns) is None  # (the line names the one delimiter)
    assert csv_dialect("x;y\nsep=,", columns) == (";", ["x", "y"])


def test_a_sep_line_elsewhere_is_a_row_or_a_log_line(tmp_path):
    """'sep=;' only as a CSV's first line is Excel's: on a later line it is a row; a log whose first
    line is 'sep=;' and then no header is no CSV export; a log line holding 'sep=;' stays its reader's."""
    got = [r[1] for r in csv_rows(enumerate(["a;b", "sep=;", "1;2"], 1), "x", delimiter=";")]
    assert got == [["a", "b"], ["sep=", ""], ["1", "2"]]
    text = "sep=;\n" + NOT_CSV["sonarqube-web"]
    found = logs.detect(text)
    assert found is None or found.name not in {p.name for p in READERS.values()} | {"keycloak"}
    web = tmp_path / "web.log"
    web.write_text(NOT_CSV["sonarqube-web"].replace("login;", "login;sep=;") +
                   (ROOT / "fixtures/logs/sonarqube/web-javasaml.log").read_text())
    assert detected(web) == "sonarqube"


@pytest.mark.parametrize("name", NOT_CSV)
def test_a_semicolon_log_is_no_siem_export(name, tmp_path):
    """A ';'- or tab-rich log read as SIEM CSV only when its header names an export's columns."""
    from samlscan.logs import wrapped

    assert wrapped._envelope(NOT_CSV[name], True) is None
    assert wrapped._envelope(NOT_CSV[name], False) is None


def test_a_localised_header_needs_its_columns_and_adfs():
    """German column names without AD FS in the file are no AD FS CSV; without the event ID column its
    events are not read: the AD FS reader says why in one line (tests/test_locale37.py)."""
    from samlscan.logs import adfs

    german = "Ebene,Datum und Uhrzeit,Quelle,Ereignis-ID,Aufgabenkategorie\n"
    row = "Fehler,11.03.2025 09:46:05,{source},364,Keine,\"MSIS7065: There are no registered protocol handlers\"\n"
    assert adfs.PARSER.sniff(german + row.format(source="AD FS"))
    assert not adfs.PARSER.sniff(german + row.format(source="Microsoft-Windows-PrintService"))
    renamed = german.replace("Ereignis-ID", "Kennung") + row.format(source="AD FS")
    (said,) = adfs.PARSER.parse(enumerate(renamed.splitlines(), 1), "x.csv", timezone.utc)
    assert isinstance(said, Malformed) and "Kennung" in said.reason and "not read" in said.reason
