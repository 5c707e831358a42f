"""Columns laid out by display width, as tabulate's 'simple' (with headers) and 'plain' formats
lay them out: tabulate measures code points unless the optional wcwidth package is installed, so
a CJK user name shifted every column after it, and the blocks (report.table.fitted) and the table
disagreed about which fits. It also reads a string that looks like a number as one ('0.10' printed
'0.1'): here only int cells are numbers (right-aligned); every string is shown as it is."""
from __future__ import annotations

from samlscan.report.cells import line_width, pad

GAP = "  "
HEADER_PADDING = 2
"""Columns a header's column is wider than the header (tabulate's MIN_PADDING)."""


def _text(cell) -> str:
    return "" if cell is None else str(cell).strip()


def layout(rows, headers: tuple | None = None) -> str:
    """`rows` (tuples of cells, a cell may hold several lines) under `headers` and a dashed rule,
    or without either when `headers` is None. Trailing spaces are cut from every line."""
    rows = [tuple(r) for r in rows]
    count = len(headers) if headers else max(map(len, rows), default=0)
    numeric = [bool(rows) and all(isinstance(r[i], int) and not isinstance(r[i], bool) for r in rows)
               for i in range(count)]
    cells = [[_text(c).split("\n") for c in r] for r in rows]
    widths = [max([line_width(_text(h)) + HEADER_PADDING if headers else 0]
                  + [line_width("\n".join(r[i])) for r in cells]) for i, h in
              enumerate(headers or [None] * count)]
    out = []
    if headers:
        out.append(GAP.join(pad(_text(h), w, n) for h, w, n in zip(headers, widths, numeric)).rstrip())
        out.append(GAP.join("-" * w for w in widths))
    for r in cells:
        for k in range(max(map(len, r), default=1)):
            out.append(GAP.join(pad(c[k] if k < len(c) else "", w, n)
                                for c, w, n in zip(r, widths, numeric)).rstrip())
    return "\n".join(out)
