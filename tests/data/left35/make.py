"""Writes tests/data/left35/: tests/data/loki34/grafana.csv (Grafana's Download CSV) as Excel saves it
again (see SOURCES.md). Deterministic.

    python tests/data/left35/make.py           # writes the files
    python tests/data/left35/make.py --check   # exit 1 if a committed file differs
"""
from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent / "loki34" / "grafana.csv"


def _rows() -> list[list[str]]:
    with SOURCE.open(encoding="utf-8", newline="") as fh:
        return [row for row in csv.reader(fh) if row]


def _excel(delimiter: str) -> str:
    """Excel's writing of a sheet: minimal quoting (a cell holding the delimiter, '"' or a line break),
    CRLF after each row."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n").writerows(_rows())
    return out.getvalue()


def files() -> dict[str, bytes]:
    return {
        # Save As 'Unicode Text (*.txt)': UTF-16 LE with its BOM, tab-separated
        "grafana-unicode-text.txt": b"\xff\xfe" + _excel("\t").encode("utf-16-le"),
        # Save As 'CSV (Comma delimited)' in a European locale (list separator ';'): the ANSI code page
        "grafana-semicolon.csv": _excel(";").encode("cp1252"),
    }


def main(check: bool) -> int:
    bad = 0
    for name, data in files().items():
        path = HERE / name
        if check:
            if not path.is_file() or path.read_bytes() != data:
                print(f"differs: {path}")
                bad = 1
        else:
            path.write_bytes(data)
    return bad


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv[1:]))
