"""AD FS's Event Viewer CSV from more Windows display languages (fixtures/locale37, written by
fixtures/gen_locale37.py): Spanish (and Excel's ';' copy of it) read as the English original; a header in a
language samlscan does not read says so in one line, and what to export instead."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from case_util import ROOT, generator_check, scan_case
from click.testing import CliRunner
from test_logs_common import detected, events, malformed_lines, records

from samlscan.cli import main
from samlscan.logs.base import Malformed

DATA = ROOT / "fixtures" / "locale37"
ORIGINAL = ROOT / "fixtures" / "csvmore36" / "adfs-locale" / "en"  # (the English original, alone in its folder)
UNREAD = DATA / "unread" / "adfs-eventviewer.csv"


def _file(folder: Path) -> Path:
    (path,) = folder.iterdir()
    return path


def _events(path: Path) -> tuple[list[tuple], list]:
    recs = records(path)
    got = [(e.time, e.outcome, e.code, e.user, e.ip, e.app, e.raw_code, e.source.ref) for e in events(recs)]
    return got, malformed_lines(recs)


def _attempts(folder: Path) -> str:
    doc = json.dumps(scan_case(folder, "UTC")["attempts"])
    return doc.replace(str(folder), "X").replace(str(folder.relative_to(ROOT)), "X")


def test_the_committed_copies_are_the_generators():
    assert generator_check("gen_locale37.py").returncode == 0, "python fixtures/gen_locale37.py: stale copies"
    assert generator_check("gen_csvmore36.py").returncode == 0


@pytest.mark.parametrize("language", ("es", "es-excel"))
def test_a_spanish_event_viewer_csv_is_read_as_the_english_one(language):
    """'Nivel,Fecha y hora,Origen,Id. del evento,...' (and Excel's ';' cp1252 copy): the same events at the
    same times ('11/03/2025 9:43:12' day first: March 11th), the broken row still said, the same attempts
    (on the old code: no reader took it, an XML message was looked for)."""
    original, copy = _file(ORIGINAL), _file(DATA / "adfs-locale" / language)
    assert detected(copy) == detected(original) == "adfs"
    want = _events(original)
    assert want[0] and want[1] and _events(copy) == want
    assert want[0][0][0].month == 3 and want[0][0][0].day == 11
    want = _attempts(ORIGINAL)
    assert '"outcome"' in want and _attempts(copy.parent) == want


def test_an_unread_language_says_why_in_one_line():
    """A header in no language samlscan reads: the AD FS reader takes it (its rows have Event Viewer's
    shape), and one line names the columns, the languages it reads and the XML export that reads in any
    (on the old code: 'not well-formed XML' of a CSV)."""
    assert detected(UNREAD) == "adfs"
    recs = records(UNREAD)
    assert not events(recs) and [r.source.ref for r in recs] == ["line 1"]
    (bad,) = [r for r in recs if isinstance(r, Malformed)]
    assert "Niveau, Date et heure" in bad.reason and "Spanish" in bad.reason
    assert bad.fix.startswith("Save the events as XML instead")  # (input-log-malformed's own is to mend the file)
    res = CliRunner().invoke(main, ["check", str(UNREAD), "--timezone", "UTC"])
    out = " ".join(res.output.split())  # (the table wraps the line)
    assert "Traceback" not in out and "display language samlscan does not read" in out
    assert "fix: Save the events as XML instead" in out and "not well-formed XML" not in out


def test_the_shape_needs_adfs_a_date_and_a_numeric_id():
    """Five named columns are not enough: the first row must hold a date and time, an AD FS source and a
    numeric event ID; the Spanish header needs its event ID column (another CSV stays another's)."""
    from samlscan.logs import adfs

    head = "Niveau,Date et heure,Source,ID de l’événement,Catégorie de la tâche\n"
    row = "Erreur,11/03/2025 09:46:05,{source},{id},Aucun,\"MSIS7065: There are no registered protocol handlers\"\n"
    assert adfs.PARSER.sniff(head + row.format(source="AD FS", id="364"))
    assert adfs.PARSER.sniff("sep=;\n" + (head + row.format(source="AD FS", id="364")).replace(",", ";"))
    assert not adfs.PARSER.sniff(head + row.format(source="AD FS", id="n/a"))
    assert not adfs.PARSER.sniff(head + row.format(source="AD FS", id="364").replace("11/03/2025 09:46:05", "hier"))
    assert not adfs.PARSER.sniff(head.replace("Source,", "") + row.format(source="AD FS", id="364"))
    spanish = "Nivel,Fecha y hora,Origen,Id. del evento,Categoría\n"
    esrow = "Error,11/03/2025 9:46:05,{source},364,Ninguno,\"MSIS7065: There are no registered protocol handlers\"\n"
    assert adfs.PARSER.sniff(spanish + esrow.format(source="AD FS"))
    assert not adfs.PARSER.sniff(spanish + esrow.format(source="Microsoft-Windows-PrintService"))
